"""ACNS 2021 patterns and electrographic seizures of a running bed, window by window.

:class:`PatternTracker` keeps the last seconds of the engine's montaged, filtered
EEG, names each non-overlapping window (``window_s``, 10 s: the ACNS unit over
which discharges "average") with :func:`~detectors.acns.terms.classify_window`,
and judges the run of windows that ends at the newest one with the ACNS rules:

- **electrographic seizure** (:func:`~detectors.acns.terms.is_electrographic_seizure`):
  epileptiform discharges averaging > 2.5 Hz for ≥ 10 s, or a pattern with definite
  evolution for ≥ 10 s. The newest window must itself carry the pattern, so that a
  seizure ends with the first window without it. The criteria are absolute: they
  need no learnt background, so a recording that starts inside a seizure is
  flagged at the end of its first window (``settle_s`` + ``window_s`` = 12 s);
- **ictal-interictal continuum** (:func:`~detectors.acns.terms.in_iic`);
- **pattern episodes**: consecutive windows with the same ACNS main term
  (``LPD``, ``GRDA``, ``BIPD``…; plus modifiers may change within an episode),
  each written as one ``events.tsv`` row;
- **sporadic epileptiform discharges and BIRDs** (:mod:`detectors.acns.brief`),
  logged per window in ``brief_log`` (for 2HELPS2B).

Rules are judged on the trailing run of touching pattern windows, at most
``max_run_windows`` long (2 min), which is as far back as evolution needs to
look ("at least 2 unequivocal, sequential changes" held for 3 cycles each).

Sources of 256 Hz and more are decimated by an integer step to 128-255 Hz
(``MIN_RATE_HZ``) before the windows are judged. Windows start ``settle_s``
after the first sample and after every reset (a gap in the data), so that the
causal filters' start-up transient is not judged. Channels that the engine's
artefact guards flagged in any hop of a window are left out of that window; a
window whose hops were mostly in artefact (:mod:`detectors.artefacts`) is not
judged. In a window with any hop in muscle artefact, periodic groups made
of muscle bursts are not patterns (:mod:`detectors.acns.terms`, "Muscle"), and the
window's σ, raised by the muscle, does not enter the local background; nor are its
mostly-≥ 20-Hz discharges reported as sporadic discharges or BIRDs. A window with
any hop in another artefact class but ECG (movement, clipping, pops, a mechanical
line) reports no sporadic discharge or BIRD at all: they are not read through
artefact (popping on every electrode, classed movement, made 14 "sporadic
discharges" a minute), and they feed 2HELPS2B. The
criteria are in µV: a source whose units are unknown gets no ACNS decisions (the
engine does not build a tracker for it).

Reference: Hirsch LJ, Fong MWK, Leitinger M, et al. American Clinical
Neurophysiology Society's Standardized Critical Care EEG Terminology: 2021
version. J Clin Neurophysiol 2021;38:1-29.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from rse_monitor.detectors.acns.brief import BriefFindings, Tail, brief_findings
from rse_monitor.detectors.acns.terms import (
    IIC_RATE_HZ,
    SEIZURE_RATE_HZ,
    Decision,
    Evolution,
    Pattern,
    Reason,
    WindowTerm,
    cerebral_discharges,
    classify_window,
    evolution,
    in_iic,
    is_electrographic_seizure,
)
from rse_monitor.pipeline.checks import channel_names, positive

__all__ = ["PatternEpisode", "PatternTracker", "PatternWindow", "main_term"]

#: windows are judged at no less than this rate (Hz): a 45-Hz band-passed signal
#: sampled at ≥ 100 Hz keeps a 20-ms spike over two samples; higher rates are
#: decimated by an integer step (the engine's low-pass has already removed what
#: would alias), which halves the cost of the rules at 256 Hz
MIN_RATE_HZ = 128.0

#: background windows (:func:`_background_window`) needed before their σ bounds a
#: channel's background
MIN_BACKGROUND_WINDOWS = 3

#: population bound on a channel's background σ (µV) for discharge detection: ACNS
#: 2021 calls a background "high" voltage when most activity is ≥ 150 µV peak to
#: trough (longitudinal bipolar, standard 10-20); a sinusoid of 150 µV peak to
#: trough has σ = 150 / (2√2) ≈ 53 µV. A window whose σ (without its discharges) is
#: above that is not measured against itself: at the start of a recording that
#: begins inside a seizure there is no earlier background, and a seizure whose
#: discharges fill the window raises its own σ until they no longer stand out
#: (a 3-Hz train of 300-µV discharges read against a σ of 120-200 µV). The
#: discharges must then reach 4 × 53 ≈ 212 µV (the detector's relative factor).
POPULATION_CEILING_SD_UV = 150.0 / (2.0 * np.sqrt(2.0))

#: confidence given to an event found by the ACNS rules alone: the criteria held;
#: this is not a probability (the rules carry no calibrated uncertainty)
RULE_CONFIDENCE = 0.8


def main_term(pattern: Pattern) -> str:
    """Main term 1 × main term 2 without modifiers: ``"LPD"``, ``"GRDA"``, ``"BIPD"``."""
    return f"{pattern.main1}{pattern.main2}"


@dataclass(frozen=True)
class PatternWindow:
    """One classified window and the rules judged on the run that ends with it."""

    t_start_s: float
    t_end_s: float
    term: WindowTerm
    seizure: Decision
    iic: Decision
    channels: tuple[str, ...]  # channels that took part (good in every hop)

    @property
    def pattern(self) -> Pattern | None:
        return self.term.pattern

    @property
    def rpp(self) -> Pattern | None:
        """The rhythmic or periodic pattern, None when there is none or when it is an
        electrographic seizure (ACNS 2021: a pattern that qualifies as a seizure is
        called one, not LPD or GRDA)."""
        return None if self.seizure.present else self.term.pattern

    @property
    def label(self) -> str:
        """The full ACNS term (``"LPD+F"``), empty without a pattern or in a seizure."""
        return self.rpp.term if self.rpp is not None else ""

    @property
    def frequency_hz(self) -> float:
        return self.rpp.frequency_hz if self.rpp is not None else float("nan")


@dataclass
class PatternEpisode:
    """Consecutive windows with one ACNS main term; ``offset_s`` None while it lasts."""

    term: str  # main term, e.g. "LPD"
    onset_s: float
    offset_s: float | None
    frequencies_hz: list[float] = field(default_factory=list)
    channels: dict[str, int] = field(default_factory=dict)  # channel -> windows
    plus: set[str] = field(default_factory=set)
    iic: bool = False

    @property
    def event_type(self) -> str:
        """The lower-case ACNS abbreviation used in ``events.tsv`` (``lpd``, ``gsw``)."""
        return self.term.lower()

    @property
    def frequency_hz(self) -> float:
        """Median frequency of the episode's windows (Hz)."""
        return float(np.median(self.frequencies_hz)) if self.frequencies_hz else float("nan")

    def top_channels(self, n: int = 8) -> list[str]:
        """Channels involved in most windows, most often first."""
        return [c for c, _ in sorted(self.channels.items(), key=lambda kv: -kv[1])[:n]]


class PatternTracker:
    """ACNS windows, rules and episodes of one bed (see module).

    Parameters
    ----------
    sfreq_hz : float
    ch_names : sequence of str
        Names of the rows of the data pushed (the engine's montage).
    window_s : float
        Length of the classified windows (s).
    settle_s : float
        Data skipped after the start and after every reset (s).
    max_run_windows : int
        Windows of the trailing run the rules look at.
    min_channels : int
        Channels a pattern needs (:func:`~detectors.acns.terms.classify_window`).
    local_background : bool
        Bound each channel's σ by its median σ over the last ``background_windows``
        windows without a pattern (5 min), so that the discharges of a long
        seizure are measured against the background before it, not against the
        seizure itself (ACNS 2021: discharges stand out from the background).
    background_windows : int
        Windows without a pattern that make the local background.
    """

    def __init__(
        self,
        sfreq_hz: float,
        ch_names: Sequence[str],
        *,
        window_s: float = 10.0,
        settle_s: float = 2.0,
        max_run_windows: int = 12,
        min_channels: int = 2,
        local_background: bool = True,
        background_windows: int = 30,
    ) -> None:
        fs_in = positive("sfreq_hz", sfreq_hz)
        #: keep every ``step``-th sample: the windows are judged at ≥ 100 Hz
        self.step = max(1, int(fs_in // MIN_RATE_HZ))
        self.sfreq_hz = fs_in / self.step
        self.ch_names = channel_names("ch_names", ch_names)
        self.window_s = positive("window_s", window_s)
        self.settle_s = positive("settle_s", settle_s, allow_zero=True)
        if window_s < 2.0:
            raise ValueError(f"window_s must be >= 2 s, got {window_s!r}")
        self.n_window = int(round(window_s * self.sfreq_hz))
        self.n_settle = int(round(settle_s * fs_in))
        self._fs_in = fs_in
        self.max_run_windows = int(max_run_windows)
        self.min_channels = int(min_channels)
        self.local_background = bool(local_background)
        self.background_windows = int(background_windows)
        self.episodes: list[PatternEpisode] = []  # closed, in order
        self.current_episode: PatternEpisode | None = None
        self.latest: PatternWindow | None = None
        self.n_windows = 0
        #: (window start s, findings) of windows with sporadic discharges or BIRDs
        #: (:mod:`detectors.acns.brief`), the newest last; ``n_brief`` counts all ever
        #: appended, so a reader that keeps its own count knows which are new
        self.brief_log: deque[tuple[float, BriefFindings]] = deque(maxlen=4096)
        self.n_brief = 0
        self.reset()

    def reset(self) -> None:
        """Forget the buffered data and the run (a gap): close the open episode."""
        self._buf: list[NDArray[np.float64]] = []
        self._n_buf = 0
        self._t_buf0: float | None = None  # time of the first buffered sample
        self._to_skip = self.n_settle
        self._phase = 0  # samples since the first kept one, modulo step
        self._good = np.ones(len(self.ch_names), dtype=bool)
        # hops noted for the next window: all, in blocking artefact, in muscle, in
        # another artefact class
        self._n_hops = self._n_artefact = self._n_muscle = self._n_other = 0
        self._run: deque[WindowTerm] = deque(maxlen=self.max_run_windows)
        self._prev_term: WindowTerm | None = None
        self._quiet_sd: deque[NDArray[np.float64]] = deque(maxlen=self.background_windows)
        self._brief_tail: Tail | None = None
        self._close_episode()
        self.latest = None

    # -- input --------------------------------------------------------------------
    def push(self, data_uv: NDArray[np.float64], t0_s: float) -> None:
        """Buffer filtered samples (n_channels, n) whose first sample is at ``t0_s``."""
        n = data_uv.shape[1]
        if n == 0:
            return
        if self._to_skip:
            k = min(self._to_skip, n)
            self._to_skip -= k
            data_uv, t0_s, n = data_uv[:, k:], t0_s + k / self._fs_in, n - k
            if n == 0:
                return
        if self.step > 1:  # one phase of the decimation across pushes
            first = (-self._phase) % self.step
            self._phase = (self._phase + n) % self.step
            t0_s += first / self._fs_in
            data_uv = data_uv[:, first :: self.step]
            n = data_uv.shape[1]
            if n == 0:
                return
        if self._t_buf0 is None:
            self._t_buf0 = t0_s
        self._buf.append(data_uv)
        self._n_buf += n

    def note_good(self, good: NDArray[np.bool_], artefact: bool = False, label: str = "") -> None:
        """Channels the engine's guards passed at one hop (AND-ed over the window),
        whether the hop's window was in artefact: a window whose hops were mostly in
        artefact is not judged (no pattern, reason ``artefact``), and the hop's artefact
        class (:mod:`detectors.artefacts`; "" for none): ``muscle``, or another class
        but ``ecg`` (see module)."""
        self._good &= good
        self._n_hops += 1
        self._n_artefact += bool(artefact)
        self._n_muscle += label == "muscle"
        self._n_other += bool(artefact) or label not in ("", "muscle", "ecg")

    @property
    def next_end_s(self) -> float | None:
        """End time of the next window to classify (None before data arrives)."""
        if self._t_buf0 is None:
            return None
        return self._t_buf0 + self.n_window / self.sfreq_hz

    def ready(self, t_s: float) -> list[PatternWindow]:
        """Classify every buffered window that ends at or before ``t_s``."""
        out: list[PatternWindow] = []
        eps = 0.5 / self.sfreq_hz
        while self._n_buf >= self.n_window and self._t_buf0 is not None:
            t_end = self._t_buf0 + self.n_window / self.sfreq_hz
            if t_end > t_s + eps:
                break
            out.append(self._classify(self._take()))
        return out

    def _take(self) -> NDArray[np.float64]:
        data = self._buf[0] if len(self._buf) == 1 else np.concatenate(self._buf, axis=1)
        win, rest = data[:, : self.n_window], data[:, self.n_window :]
        self._buf = [rest] if rest.shape[1] else []
        self._n_buf = rest.shape[1]
        return win

    # -- one window ---------------------------------------------------------------
    def _classify(self, x: NDArray[np.float64]) -> PatternWindow:
        assert self._t_buf0 is not None  # internal invariant
        t0 = self._t_buf0
        t_end = t0 + self.n_window / self.sfreq_hz
        self._t_buf0 = t_end
        good = self._good & np.isfinite(x).all(axis=1) & (np.ptp(x, axis=1) > 0)
        self._good = np.ones(len(self.ch_names), dtype=bool)
        artefact_share = self._n_artefact / max(1, self._n_hops)
        muscle = self._n_muscle > 0  # any hop: bursts of a few seconds make a "train"
        clean = self._n_other == 0  # brief findings are not read through artefact
        self._n_hops = self._n_artefact = self._n_muscle = self._n_other = 0
        idx = np.flatnonzero(good)
        names = tuple(self.ch_names[i] for i in idx)
        if artefact_share > 0.5:
            term = WindowTerm(t0, self.window_s, None, (Reason("artefact", artefact_share, 0.5),))
        elif len(idx) >= max(self.min_channels, 1):
            term = classify_window(
                x[idx], self.sfreq_hz, names, t_start_s=t0, min_channels=self.min_channels,
                ceiling_sd_uv=self._ceiling()[idx] if self.local_background else None,
                muscle=muscle,
            )  # fmt: skip
        else:
            term = WindowTerm(t0, self.window_s, None, (Reason("too_few_channels", len(idx)),))
        if term.pattern is None:
            self._run.clear()
        self._run.append(term)
        seizure, iic = self._judge(term)
        if term.discharges is not None and not muscle and _background_window(term, seizure):
            sd = np.full(len(self.ch_names), np.nan)
            sd[idx] = term.discharges.background_sd_uv
            self._quiet_sd.append(sd)
        self._prev_term = term
        win = PatternWindow(t0, t_end, term, seizure, iic, names)
        self._episode(win)
        brief = brief_findings(cerebral_discharges(term) if clean else None,
                               term.ch_names, self.window_s,
                               term.pattern is not None, seizure.present,
                               self._brief_tail, term.rhythm)  # fmt: skip
        self._brief_tail = brief.tail
        if not brief.empty:
            self.brief_log.append((t0, brief))
            self.n_brief += 1
        self.latest = win
        self.n_windows += 1
        return win

    def _ceiling(self) -> NDArray[np.float64]:
        """Per channel, the lower of :data:`POPULATION_CEILING_SD_UV` and the local
        background: the median σ of the recent windows without a pattern (once
        three such windows exist; see module)."""
        return np.fmin(self._local_sd(), POPULATION_CEILING_SD_UV)

    def _local_sd(self) -> NDArray[np.float64]:
        if len(self._quiet_sd) < MIN_BACKGROUND_WINDOWS:
            return np.full(len(self.ch_names), np.nan)
        stack = np.sort(np.stack(self._quiet_sd), axis=0)  # NaN last
        n_ok = np.isfinite(stack).sum(axis=0)
        ok = np.flatnonzero(n_ok >= MIN_BACKGROUND_WINDOWS)
        med = np.full(stack.shape[1], np.nan)
        # the median of each column's finite values (as numpy.nanmedian): the middle
        # one, or the mean of the two middle ones
        k = n_ok[ok]
        lo, hi = stack[(k - 1) // 2, ok], stack[k // 2, ok]
        med[ok] = np.where(k % 2 == 1, lo, (lo + hi) / 2.0)
        return med

    def _judge(self, term: WindowTerm) -> tuple[Decision, Decision]:
        if term.pattern is None:
            none = Decision(False, (Reason("no_pattern", 0.0),))
            return none, none
        run = list(self._run)
        ev = evolution(run)
        seizure = is_electrographic_seizure(run, ev)
        if not seizure.present:
            rate = self._sliding_rate_hz(term)
            if rate > SEIZURE_RATE_HZ:
                seizure = Decision(True, (Reason("sliding_discharge_rate_hz", rate,
                                                 SEIZURE_RATE_HZ), *seizure.reasons))  # fmt: skip
        if seizure.present and not _newest_in_seizure(term, ev):
            seizure = Decision(False, (Reason("newest_window_not_ictal", 0.0), *seizure.reasons))
        iic = in_iic(run, ev) if not seizure.present else Decision(False, seizure.reasons)
        return seizure, iic

    def seizure_onset_s(self) -> float:
        """Start of the current ACNS seizure: the run of fast-discharge windows up to
        the newest, else the whole evolving run.

        A train that starts inside a window fills only part of it, so that window's
        count stays at or under 2.5 Hz although its discharges come faster (a 3-Hz
        train over the last 7 s counts 2.1 Hz). When the window before the
        fast-discharge run holds a PD/SW pattern whose typical frequency (1 / median
        inter-discharge interval) is already > 2.5 Hz, the seizure starts at that
        train's first discharge (median over the pattern's channels)."""
        run = list(self._run)
        if not run:
            return self.latest.t_start_s if self.latest is not None else 0.0
        k = len(run) - 1
        if _fast_discharges(run[k].pattern):
            while k > 0 and _fast_discharges(run[k - 1].pattern):
                k -= 1
            if k > 0 and (lead := _train_start_s(run[k - 1])) is not None:
                return lead
            return float(run[k].t_start_s)
        return float(run[0].t_start_s)

    def _sliding_rate_hz(self, term: WindowTerm) -> float:
        """Highest discharge rate over any 10-s span that ends in the newest window.

        ACNS 2021 asks for discharges "averaging > 2.5 Hz for ≥ 10 s", over any
        10 s, not over our window grid: a train that straddles two windows at
        2.1 and 2.6 Hz can exceed 2.5 Hz over the 10 s in between. Per channel of
        the newest window's PD/SW pattern, the discharges of the previous window
        (when it touches) and of the newest are joined and the most held by any
        ``window_s`` span ending after the newest window's start is counted; the
        median over the pattern's channels, divided by ``window_s``, is the rate.
        """
        p, d = term.pattern, term.discharges
        if p is None or p.main2 not in ("PD", "SW") or d is None:
            return 0.0
        prev = self._prev_term
        joined = prev is not None and prev.discharges is not None and abs(
            prev.t_start_s + prev.duration_s - term.t_start_s) < 1e-6  # fmt: skip
        counts = []
        for name in p.channels:
            times = d.peak_s[d.channel == term.ch_names.index(name)] + term.t_start_s
            if (
                joined
                and prev is not None
                and prev.discharges is not None
                and name in prev.ch_names
            ):
                pd = prev.discharges
                before = pd.peak_s[pd.channel == prev.ch_names.index(name)] + prev.t_start_s
                times = np.concatenate([before, times])
            if times.size == 0:
                counts.append(0)
                continue
            ends = times[times >= term.t_start_s]
            # for each discharge in the newest window, how many lie in the span ending at it
            n_in = np.searchsorted(times, ends, side="right") - np.searchsorted(
                times, ends - self.window_s, side="right")  # fmt: skip
            counts.append(int(n_in.max()) if n_in.size else 0)
        return float(np.median(counts)) / self.window_s if counts else 0.0

    def _episode(self, win: PatternWindow) -> None:
        p = win.rpp
        ep = self.current_episode
        if p is None or (ep is not None and ep.term != main_term(p)):
            self._close_episode()
            ep = None
        if p is None:
            return
        if ep is None:
            ep = self.current_episode = PatternEpisode(main_term(p), win.t_start_s, None)
        ep.frequencies_hz.append(p.frequency_hz)
        for c in p.channels:
            ep.channels[c] = ep.channels.get(c, 0) + 1
        ep.plus.update(p.plus)
        ep.iic = ep.iic or win.iic.present
        ep.offset_s = None
        self._open_until = win.t_end_s

    def _close_episode(self) -> None:
        ep = self.current_episode
        if ep is not None:
            ep.offset_s = self._open_until
            self.episodes.append(ep)
        self.current_episode = None

    def finish(self) -> list[PatternEpisode]:
        """Close the open episode at the end of the data; return all episodes."""
        self._close_episode()
        return self.episodes

    def all_episodes(self) -> list[PatternEpisode]:
        """Closed episodes and the open one (its ``offset_s`` None)."""
        return self.episodes + ([self.current_episode] if self.current_episode else [])


def _fast_discharges(p: Pattern | None) -> bool:
    """A PD or SW pattern whose discharges average > 2.5 Hz (ACNS 2021 seizure rate)."""
    return p is not None and p.main2 in ("PD", "SW") and p.rate_hz > SEIZURE_RATE_HZ


def _background_window(term: WindowTerm, seizure: Decision) -> bool:
    """Whether a window's σ (measured without its discharges) is background: a
    window without a pattern, or with periodic discharges no faster than the IIC's
    1 Hz that are not a seizure. Between slow PDs the EEG is the background (ACNS
    2021: PDs recur with "a quantifiable inter-discharge interval"), and in
    established SE the time between seizures is mostly PDs: without them the local
    background would never form. Rhythmic delta, faster PDs and seizures are left
    out (the activity is the pattern itself)."""
    p = term.pattern
    if p is None:
        return True
    return p.main2 == "PD" and p.rate_hz <= IIC_RATE_HZ and not seizure.present


def _train_start_s(term: WindowTerm) -> float | None:
    """First discharge of a PD/SW train whose typical frequency is > 2.5 Hz (median
    over the pattern's channels), None for any other window."""
    p, d = term.pattern, term.discharges
    if p is None or d is None or p.main2 not in ("PD", "SW"):
        return None
    if not p.frequency_hz > SEIZURE_RATE_HZ:
        return None
    firsts = [
        float(d.peak_s[d.channel == term.ch_names.index(name)].min())
        for name in p.channels
        if name in term.ch_names and (d.channel == term.ch_names.index(name)).any()
    ]
    return term.t_start_s + float(np.median(firsts)) if firsts else None


def _newest_in_seizure(term: WindowTerm, ev: Evolution) -> bool:
    """The newest window carries the seizure: fast discharges, or the evolving run."""
    return term.pattern is not None and (_fast_discharges(term.pattern) or ev.evolving)
