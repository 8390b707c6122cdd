"""Seizure detection, causal and scale-free, window by window.

Every channel is judged against its own running background, so the units of the
recording do not matter (the Michigan file is in raw amplifier units):

1. **Channel evidence.** For each analysis window (2 s, every 1 s) and channel
   ``c``, ``e_c = ln(LL_c / B_c)``: the line length (Esteller et al. 2001,
   :func:`pipeline.features.line_length`) over the channel's baseline ``B_c``, the
   running median of its line length over the last ``baseline_s`` of quiet
   windows (Gotman's "relative to background" principle, Gotman, Electroenceph
   Clin Neurophysiol 1982;54:530-540). The median makes the baseline robust to
   brief events and lets it follow slow changes of state within ``baseline_s / 2``.
2. **Artefact guards.**
   - *Flat, disconnected, clipped or NaN channels* (``good`` from the engine's
     guards, plus a non-positive or non-finite line length) are left out.
   - *Artefact windows from the engine* (``artefact=True``:
     :mod:`detectors.artefacts`, e.g. muscle or clipping) are treated as the
     movement guard's own artefact windows (below).
   - *Duplicated derivations* (CHB-MIT lists T8-P8 twice, and T7-P7 beside
     P7-T7) vote once.
   - *Movement*: the window is an artefact window when, on the median usable
     channel, the power below 2.5 Hz has risen at least ``movement_low_ratio``
     (16×, i.e. 4× in amplitude) over its baseline *and* that slow amplitude rose
     clearly more than the line length (``½ ln R_low − e ≥ movement_gap``, 0.25):
     a large, slow, global change, which is what body and electrode movement
     produce (Tatum et al., J Clin Neurophysiol 2011;28:252-263). An artefact
     window and the ``artefact_hold_s`` (3 s) after it neither advance nor end
     an event, a pending excursion restarts, and the baseline skips them. This
     needs ``psd``; without it the guard is off. On the development recordings
     (see ``bench/detectors.py``) it flagged 76–100 % of synthetic movement
     windows and 4–8 % of ictal windows (Michigan, chb01).
3. **Spatial logic.** The window's *strength* is the ``k``-th highest channel
   evidence among the usable channels, ``k = clip(round(channel_fraction · n),
   1, max_channels)``: one channel in recordings of up to 9 channels, two from
   10, three from 17, four from 24 channels. A seizure on the only channel of a
   1-channel recording is detectable; a pop on one electrode (one or two
   derivations) is not a seizure in an 18-channel montage.
4. **Onset**: a one-sided CUSUM (Page, Biometrika 1954;41:100-115) of the
   strength above ``ln(on_ratio)``, each step clipped to ``±max_step``:
   ``S_t = max(0, S_{t-1} + clip(strength_t − ln on_ratio) · hop_s)``. The event is
   declared when ``S_t ≥ onset_evidence`` and the excursion has lasted at least
   ``onset_s``. A strong change is declared within a few seconds, a marginal one
   only if it persists; no single window can declare an event. The onset time
   reported is the middle of the first window of the excursion.
5. **Offset**: the event ends after ``offset_s`` of windows whose strength stays
   below ``ln(off_ratio)`` (hysteresis: ``off_ratio < on_ratio``); the offset
   time is the middle of the first of those windows.
6. **Confidence** of an event: ``(1 − exp(−m / 0.5)) · (1 − a / 2)`` with ``m``
   the mean of ``max(0, strength − ln on_ratio)`` over the event's windows and
   ``a`` the fraction of its windows that were artefact windows.

Every declared event is kept: an alarm raised is never withdrawn later, so the
events file counts every alarm. Before ``warmup_s`` of usable windows a channel
has no baseline and is not judged; a recording that starts inside a seizure
teaches the baseline that seizure (a limit of any relative detector).

The thresholds (``on_ratio`` 1.85, ``onset_evidence`` 3, the movement guard) were
chosen on development recordings (Michigan, eegmmidb S001, chb01 stitched with
seeds 0–2 in ``bench/stitch.py``, synthetic recordings with seeds 0–3) and checked
on stitched and synthetic recordings with other seeds (``bench/detectors.py``);
no independent clinical data set was available. Rhythmicity (share of the
whitened spectrum in its largest peak) was tried and left out: on these data it
was higher for eyes-closed alpha in a healthy volunteer than for the seizures.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from rse_monitor.pipeline.checks import channel_names, count, greater_than, in_range, positive

__all__ = ["SeizureDetector", "SeizureDecision", "DetectedSeizure", "channel_count_needed"]

# psd band (Hz) of the movement guard, half-open [low, high)
_LOW_BAND_HZ = (0.75, 2.5)
_SCORE_SCALE = 0.2  # width (ln units) of the logistic hop score
_CONF_SCALE = 0.5


@dataclass
class DetectedSeizure:
    """A detected seizure; ``offset_s`` is None while it is ongoing.

    Attributes
    ----------
    onset_s, offset_s : float
        Seconds from the recording start.
    confidence : float
        0–1, see the module docstring (updated when the event ends).
    channels : list of str
        Channels whose evidence exceeded ``ln(on_ratio)``, strongest first (at the
        alarm; at the end, those above it in at least 30 % of the event's windows).
    alarm_t_s : float or None
        End of the window at which the event was declared (the alarm time).
    """

    onset_s: float
    offset_s: float | None
    confidence: float
    channels: list[str] = field(default_factory=list)
    alarm_t_s: float | None = None


@dataclass(frozen=True)
class SeizureDecision:
    """The detector's output at one hop.

    ``score`` (0–1) is a logistic function of ``strength``, 0.5 at ``on_ratio``;
    ``strength`` (ln units, NaN when nothing could be judged) is the k-th highest
    channel evidence; ``artefact`` flags an artefact window; ``evidence`` is the
    CUSUM statistic.
    """

    t_s: float
    ictal: bool
    score: float
    onset: DetectedSeizure | None = None  # set on the hop an event is declared
    offset: DetectedSeizure | None = None  # set on the hop an event ends
    strength: float = math.nan
    artefact: bool = False
    evidence: float = 0.0


def channel_count_needed(
    n_usable: int, channel_fraction: float = 0.15, max_channels: int = 4
) -> int:
    """Channels that must agree: ``clip(round(channel_fraction · n), 1, max_channels)``."""
    return int(max(1, min(max_channels, math.floor(channel_fraction * n_usable + 0.5))))


def check_window_inputs(
    n_channels: int, line_length: NDArray[np.float64], good: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The per-window inputs of a detector as arrays of shape (n_channels,)."""
    ll = np.asarray(line_length, dtype=np.float64)
    ok = np.asarray(good, dtype=bool)
    if ll.shape != (n_channels,) or ok.shape != (n_channels,):
        raise ValueError(
            f"line_length and good must have shape ({n_channels},), got {ll.shape} and {ok.shape}"
        )
    return ll, ok


class SeizureDetector:
    """Line length relative to each channel's own baseline, with CUSUM onset.

    Parameters
    ----------
    ch_names : sequence of str
        Channel names (order of the arrays passed to :meth:`update`).
    hop_s : float
        Time between successive windows, s.
    window_s : float
        Length of each analysis window, s (for the onset/offset times reported).
    baseline_s : float
        Length of the running baseline (median over quiet windows), s.
    warmup_s : float
        Usable windows a channel needs before it is judged, s.
    on_ratio, off_ratio : float
        Line-length ratios of the onset CUSUM reference and of the offset
        hysteresis (``on_ratio > off_ratio > 1``).
    onset_evidence : float
        CUSUM threshold ``h`` (ln units).
    max_step : float
        Clip of the CUSUM increment (ln units per second of windows): at least
        ``onset_evidence / max_step`` seconds are needed to declare an event.
    onset_s : float
        Minimum duration of the excursion before an event is declared, s.
    offset_s : float
        Time below ``off_ratio`` that ends an event, s.
    channel_fraction, max_channels : float, int
        Spatial rule, see :func:`channel_count_needed`.
    movement_low_ratio, movement_gap, artefact_hold_s : float
        Movement guard, see the module docstring.
    refresh_s : float
        How often the baseline medians are recomputed, s.
    hold_background : bool
        Hold quiet windows back from the background until the caller releases
        them with :meth:`release_background` (the engine does so once the ACNS
        rules have judged the 10-s window that holds them), so that windows of an
        electrographic seizure or of the ictal-interictal continuum never enter
        the background, even when their line length looked ordinary.
    """

    def __init__(
        self,
        ch_names: tuple[str, ...] | list[str],
        hop_s: float = 1.0,
        *,
        window_s: float = 2.0,
        baseline_s: float = 300.0,
        warmup_s: float = 60.0,
        on_ratio: float = 1.85,
        off_ratio: float = 1.5,
        onset_evidence: float = 3.0,
        max_step: float = 1.0,
        onset_s: float = 3.0,
        offset_s: float = 10.0,
        channel_fraction: float = 0.15,
        max_channels: int = 4,
        movement_low_ratio: float = 16.0,
        movement_gap: float = 0.25,
        artefact_hold_s: float = 3.0,
        max_suppressed_fraction: float = 0.25,
        refresh_s: float = 10.0,
        hold_background: bool = False,
    ) -> None:
        names = channel_names("ch_names", ch_names)
        for name, value in (
            ("hop_s", hop_s), ("window_s", window_s), ("baseline_s", baseline_s),
            ("onset_evidence", onset_evidence), ("max_step", max_step), ("refresh_s", refresh_s),
        ):  # fmt: skip
            positive(name, value)
        for name, value in (("warmup_s", warmup_s), ("onset_s", onset_s), ("offset_s", offset_s)):
            positive(name, value, allow_zero=True)
        greater_than("off_ratio", off_ratio, 1.0)
        if on_ratio <= off_ratio:
            raise ValueError(f"on_ratio ({on_ratio}) must exceed off_ratio ({off_ratio})")
        if warmup_s > baseline_s:
            raise ValueError(f"warmup_s ({warmup_s}) must not exceed baseline_s ({baseline_s})")
        in_range("channel_fraction", channel_fraction, 0.0, 1.0, low_open=True)
        count("max_channels", max_channels)
        greater_than("movement_low_ratio", movement_low_ratio, 1.0)
        if not (
            math.isfinite(movement_gap) and math.isfinite(artefact_hold_s) and artefact_hold_s >= 0
        ):
            raise ValueError(
                f"movement_gap and artefact_hold_s must be finite (hold >= 0), got "
                f"{movement_gap!r}, {artefact_hold_s!r}"
            )
        self.ch_names = names
        self.hop_s = float(hop_s)
        self.window_s = float(window_s)
        self.baseline_s = float(baseline_s)
        self.warmup_s = float(warmup_s)
        self.on_ratio = float(on_ratio)
        self.off_ratio = float(off_ratio)
        self.onset_evidence = float(onset_evidence)
        self.max_step = float(max_step)
        self.onset_s = float(onset_s)
        self.offset_s = float(offset_s)
        self.channel_fraction = float(channel_fraction)
        self.max_channels = int(max_channels)
        self.movement_low_ratio = float(movement_low_ratio)
        self.movement_gap = float(movement_gap)
        self.artefact_hold_s = float(artefact_hold_s)
        self.max_suppressed_fraction = in_range(
            "max_suppressed_fraction", max_suppressed_fraction, 0.0, 1.0, low_open=True
        )
        self.refresh_s = float(refresh_s)
        self.hold_background = bool(hold_background)
        self._theta_on = math.log(self.on_ratio)
        self._theta_off = math.log(self.off_ratio)
        self._ln_move = math.log(self.movement_low_ratio)
        self._group = _derivation_groups(names)
        self._has_duplicates = bool(np.unique(self._group).size < self._group.size)
        self._n_keep = max(1, int(round(self.baseline_s / self.hop_s)))
        self._n_warm = max(1, int(round(self.warmup_s / self.hop_s)))
        self._n_refresh = max(1, int(round(self.refresh_s / self.hop_s)))
        self.reset()

    def reset(self) -> None:
        """Forget the baseline and any event."""
        n = len(self.ch_names)
        # rows: ln LL, ln P_low per channel (NaN where not usable)
        # ring buffer of past background features (NaN = empty or unusable)
        self._ring = np.full((self._n_keep, 2, n), np.nan)
        self._ring_pos = 0
        self._base = np.full((2, n), np.nan)
        self._n_valid = np.zeros(n, dtype=np.int64)  # finite LL entries in _hist
        self._since_refresh = 0
        self._cusum = 0.0
        self._exc_start_s: float | None = None  # end of the first window of the excursion
        self._exc_strengths: list[float] = []
        self._below_since_s: float | None = None
        self._artefact_until_s: float | None = None
        self.current: DetectedSeizure | None = None
        self._ev_strengths: list[float] = []
        self._ev_n_artefact = 0
        self._ev_up_counts = np.zeros(n, dtype=np.int64)
        self._band_idx: NDArray[np.bool_] | None = None
        self._freqs_key: tuple[int, float, float] | None = None
        self._held: list[tuple[float, NDArray[np.float64]]] = []  # (t_s, feats) not yet in
        self.n_background_refused = 0  # windows kept out by release_background(keep=False)

    # -- features -------------------------------------------------------------------
    def _low_power(
        self, psd: NDArray[np.float64] | None, freqs_hz: NDArray[np.float64] | None
    ) -> NDArray[np.float64] | None:
        """Power in the low band per channel (psd units × Hz), None without psd."""
        if psd is None or freqs_hz is None:
            return None
        p = np.asarray(psd, dtype=np.float64)
        f = np.asarray(freqs_hz, dtype=np.float64)
        if p.ndim != 2 or p.shape[0] != len(self.ch_names) or p.shape[1] != f.size:
            raise ValueError(
                f"psd must have shape ({len(self.ch_names)}, {f.size}) to match freqs_hz, "
                f"got {p.shape}"
            )
        key = (f.size, float(f[0]), float(f[-1]))
        if self._freqs_key != key:
            self._band_idx = (f >= _LOW_BAND_HZ[0]) & (f < _LOW_BAND_HZ[1])
            self._freqs_key = key
        lo = self._band_idx
        if lo is None or not lo.any():
            return None
        return p[:, lo].sum(axis=1)

    def _push_baseline(self, feats: NDArray[np.float64], t_s: float = math.nan) -> None:
        if self.hold_background:
            self._held.append((t_s, feats))
            return
        self._enter_baseline(feats)

    def release_background(self, until_s: float, keep: bool) -> None:
        """Enter (``keep``) or discard the held windows that end at or before ``until_s``."""
        if not self._held:
            return
        n = 0
        while n < len(self._held) and not self._held[n][0] > until_s + 1e-9:
            n += 1
        done, self._held = self._held[:n], self._held[n:]
        if keep:
            for _, feats in done:
                self._enter_baseline(feats)
        else:
            self.n_background_refused += len(done)

    def _enter_baseline(self, feats: NDArray[np.float64]) -> None:
        self._n_valid -= np.isfinite(self._ring[self._ring_pos, 0])
        self._ring[self._ring_pos] = feats
        self._ring_pos = (self._ring_pos + 1) % self._n_keep
        newly = np.isfinite(feats[0])
        self._n_valid += newly
        self._since_refresh += 1
        became_ready = newly & (self._n_valid == self._n_warm)
        if self._since_refresh >= self._n_refresh or became_ready.any():
            med = _nanmedian_axis0(self._ring)  # (2, n_ch)
            ready = self._n_valid >= self._n_warm
            self._base = np.where(ready[None, :], med, np.nan)
            self._since_refresh = 0

    # -- the verb -------------------------------------------------------------------
    # Complexity 17: one window's decision in the order the method documents (guards,
    # baseline, evidence, onset, offset, hysteresis); issue 10 replaces this detector.
    def update(  # noqa: C901
        self,
        t_s: float,
        line_length: NDArray[np.float64],
        good: NDArray[np.bool_],
        psd: NDArray[np.float64] | None = None,
        freqs_hz: NDArray[np.float64] | None = None,
        suppressed_fraction: float | None = None,
        artefact: bool = False,
    ) -> SeizureDecision:
        """Judge one window.

        Parameters
        ----------
        t_s : float
            End of the window, seconds from the recording start.
        line_length : ndarray, shape (n_channels,)
            Line length per channel (any unit per second: only ratios are used).
        good : ndarray of bool, shape (n_channels,)
            Channels that passed the engine's artefact guards.
        psd : ndarray, shape (n_channels, n_freqs), optional
            Power spectral density of the window (any unit); enables the movement
            guard.
        freqs_hz : ndarray, shape (n_freqs,), optional
            Frequencies of ``psd``.
        suppressed_fraction : float, optional
            Fraction of the window below the suppression threshold (from the
            burst-suppression tracker). A window in which at least
            ``max_suppressed_fraction`` is suppressed is not ictal (a seizure's
            rhythmic discharge does not pause for half a second) and, being partly
            suppressed, it does not enter the background either, so that neither the
            bursts of burst suppression nor the emergence from it (against a
            baseline of suppressed windows) look like a seizure.
        artefact : bool
            The window is in artefact (:mod:`detectors.artefacts`: muscle, movement,
            clipping...): treated as the movement guard treats its own artefact
            windows (no evidence, no background, an event neither advances nor ends,
            held ``artefact_hold_s``).

        Returns
        -------
        SeizureDecision
        """
        n = len(self.ch_names)
        ll, ok = check_window_inputs(n, line_length, good)
        with np.errstate(all="ignore"):
            usable = ok & np.isfinite(ll) & (ll > 0)
            feats = np.full((2, n), np.nan)
            feats[0] = np.where(usable, np.log(ll), np.nan)
            p_lo = self._low_power(psd, freqs_hz)
            if p_lo is not None:
                feats[1] = np.where(usable & (p_lo > 0), np.log(p_lo), np.nan)
        if (
            suppressed_fraction is not None
            and math.isfinite(suppressed_fraction)
            and suppressed_fraction >= self.max_suppressed_fraction
        ):
            return self._quiet_window(t_s)
        judged = usable & np.isfinite(self._base[0])
        if not judged.any():
            # warming up (or nothing usable): learn, decide nothing
            if self.current is None and self._cusum == 0.0 and not artefact:
                self._push_baseline(feats, t_s)
            return SeizureDecision(t_s, self.current is not None, 0.0, evidence=self._cusum)

        evid = feats[0] - self._base[0]
        if p_lo is not None and not artefact:
            r_lo = (feats[1] - self._base[1])[judged]
            fin = np.isfinite(r_lo)
            if fin.any():
                gap = 0.5 * r_lo - evid[judged]
                med_lo = _small_median(r_lo[fin])
                gap = gap[np.isfinite(gap)]
                med_gap = _small_median(gap) if gap.size else -np.inf
                artefact = med_lo >= self._ln_move and med_gap >= self.movement_gap
        idx = np.flatnonzero(judged)  # one vote per derivation: its first usable copy
        if self._has_duplicates:
            _, first = np.unique(self._group[idx], return_index=True)
            values = np.sort(evid[idx[first]])[::-1]
        else:
            values = np.sort(evid[idx])[::-1]
        k = channel_count_needed(values.size, self.channel_fraction, self.max_channels)
        strength = float(values[k - 1])
        if artefact:
            self._artefact_until_s = t_s + self.artefact_hold_s
        elif self._artefact_until_s is not None and t_s <= self._artefact_until_s:
            artefact = True
        score = 1.0 / (1.0 + math.exp(-(strength - self._theta_on) / _SCORE_SCALE))
        up = judged & (evid >= self._theta_on)

        onset = offset = None
        if self.current is None:
            if artefact:
                self._cusum = 0.0  # an excursion that meets an artefact starts afresh
                self._exc_start_s = None
            else:
                step = min(max(strength - self._theta_on, -self.max_step), self.max_step)
                self._cusum = max(0.0, self._cusum + step * self.hop_s)  # per second
                if self._cusum > 0.0:
                    if self._exc_start_s is None:
                        self._exc_start_s = t_s
                        self._exc_strengths = []
                    self._exc_strengths.append(strength)
                else:
                    self._exc_start_s = None
                    self._push_baseline(feats, t_s)
            if (
                self._exc_start_s is not None
                and self._cusum >= self.onset_evidence
                and t_s - self._exc_start_s + self.hop_s >= self.onset_s
            ):
                onset = self._declare(t_s, evid, up)
        else:
            self._ev_strengths.append(strength)
            self._ev_up_counts += up
            if artefact:
                self._ev_n_artefact += 1
            elif strength < self._theta_off:
                offset = self._below_off(t_s)
            else:
                self._below_since_s = None
        return SeizureDecision(
            t_s,
            self.current is not None,
            score,
            onset,
            offset,
            strength,
            bool(artefact),
            self._cusum,
        )

    def _below_off(self, t_s: float) -> DetectedSeizure | None:
        """One more window below the offset level; the closed event once it lasts."""
        if self._below_since_s is None:
            self._below_since_s = t_s
        if t_s - self._below_since_s + self.hop_s >= self.offset_s:
            return self._close(self._below_since_s - self.window_s / 2)
        return None

    def _quiet_window(self, t_s: float) -> SeizureDecision:
        """A window holding a suppression: no evidence, no baseline; may end an event."""
        offset = None
        if self.current is None:
            self._cusum = 0.0
            self._exc_start_s = None
        else:
            offset = self._below_off(t_s)
        return SeizureDecision(
            t_s, self.current is not None, 0.0, None, offset, evidence=self._cusum
        )

    def _declare(
        self, t_s: float, evid: NDArray[np.float64], up: NDArray[np.bool_]
    ) -> DetectedSeizure:
        assert self._exc_start_s is not None  # internal invariant, not an input check
        order = np.argsort(-np.where(up, evid, -np.inf))
        chans = [self.ch_names[i] for i in order if up[i]]
        onset_s = max(0.0, self._exc_start_s - self.window_s / 2)
        self._ev_strengths = list(self._exc_strengths)
        self._ev_n_artefact = 0
        self._ev_up_counts = np.zeros(len(self.ch_names), dtype=np.int64)
        self.current = DetectedSeizure(onset_s, None, self._confidence(), chans, alarm_t_s=t_s)
        self._below_since_s = None
        self._cusum = 0.0
        self._exc_start_s = None
        return self.current

    def _confidence(self) -> float:
        s = np.asarray(self._ev_strengths, dtype=np.float64)
        s = s[np.isfinite(s)]
        if s.size == 0:
            return 0.0
        m = float(np.mean(np.maximum(s - self._theta_on, 0.0)))
        n_all = len(self._ev_strengths) + self._ev_n_artefact
        a = self._ev_n_artefact / max(1, n_all)
        return float(np.clip((1.0 - math.exp(-m / _CONF_SCALE)) * (1.0 - a / 2.0), 0.0, 1.0))

    def _close(self, offset_s: float) -> DetectedSeizure:
        ev = self.current
        assert ev is not None  # internal invariant
        ev.offset_s = max(ev.onset_s, offset_s)
        ev.confidence = self._confidence()
        n_hops = max(1, len(self._ev_strengths))
        wide = np.flatnonzero(self._ev_up_counts >= 0.3 * n_hops)
        if wide.size:
            wide = wide[np.argsort(-self._ev_up_counts[wide])]
            ev.channels = [self.ch_names[i] for i in wide]
        self.current = None
        self._below_since_s = None
        self._cusum = 0.0
        self._exc_start_s = None
        return ev

    def finish(self, t_end_s: float) -> DetectedSeizure | None:
        """Close an event still open at the end of the recording (offset = ``t_end_s``)."""
        if self.current is None:
            return None
        return self._close(float(t_end_s))


def _derivation_key(name: str) -> object:
    """Canonical form of a channel name: a bipolar pair is the same either way round.

    ``"T7-P7"``, ``"P7-T7"`` and a duplicate ``"T7-P7.2"`` (or mne's ``"T7-P7-1"``)
    share one key; other names are compared case-insensitively.
    """
    label = re.sub(r"\s+", "", name).upper()
    label = re.sub(r"\.\d+$", "", label)
    parts = label.split("-")
    if len(parts) == 3 and parts[2].isdigit():
        parts = parts[:2]
    if len(parts) == 2 and all(parts):
        return frozenset(parts)
    return label


def _derivation_groups(ch_names: tuple[str, ...]) -> NDArray[np.int64]:
    """Group number of each channel; copies of one derivation share it (CHB-MIT lists
    T8-P8 twice, and T7-P7 beside P7-T7): copies must not count as agreeing channels."""
    groups: dict[object, int] = {}
    return np.array(
        [groups.setdefault(_derivation_key(name), len(groups)) for name in ch_names],
        dtype=np.int64,
    )


def _small_median(values: NDArray[np.float64]) -> float:
    """Median of a short 1-D array (tens of values): a Python sort beats np.median here."""
    v = sorted(values.tolist())
    m = len(v)
    return 0.5 * (v[(m - 1) // 2] + v[m // 2])


def _nanmedian_axis0(stack: NDArray[np.float64]) -> NDArray[np.float64]:
    """Median over axis 0 ignoring NaN (NaN where a column has no finite value).

    Same result as ``np.nanmedian(stack, axis=0)`` at a fraction of its cost: one sort
    (NaN sorts last) and a gather of the middle element(s) of each column.
    """
    srt = np.sort(stack, axis=0)
    n_valid = np.isfinite(stack).sum(axis=0)
    lo = np.maximum((n_valid - 1) // 2, 0)
    hi = np.maximum(n_valid // 2, 0)
    a = np.take_along_axis(srt, lo[None], axis=0)[0]
    b = np.take_along_axis(srt, hi[None], axis=0)[0]
    return np.where(n_valid > 0, 0.5 * (a + b), np.nan)
