"""ACNS 2021 terms of a window, evolution, electrographic seizure and the IIC.

Hirsch LJ, Fong MWK, Leitinger M, et al. American Clinical Neurophysiology
Society's Standardized Critical Care EEG Terminology: 2021 version. J Clin
Neurophysiol 2021;38:1-29. Quoted definitions are marked with quotes.

Main term 1 (where), from the channels that carry one pattern
--------------------------------------------------------------
- **G**, generalized: "any bilateral, bisynchronous and symmetric pattern, even if
  it has a restricted field". Here: one pattern with channels on both sides and
  neither side carrying ≥ 2× the channels (``ASYMMETRY_RATIO``; and at least two
  more, ``ASYMMETRY_MIN_CHANNELS``) or ≥ 2× the median amplitude of the other; a
  midline-only pattern is G as well.
- **L**, lateralized: "unilateral; or bilateral but clearly and consistently
  higher amplitude in one hemisphere (bilateral asymmetric); or bilateral but with
  a consistent lead-in from the same side (bilateral asynchronous)". Here:
  channels on one side only, or the asymmetry above. (Lead-in is not measured.)
- **BI**, bilateral independent: "two independent (and therefore asynchronous)
  lateralized patterns, one in each hemisphere"; **UI**, unilateral independent:
  "two independent patterns both in the same hemisphere"; **Mf**, multifocal: "at
  least three independent lateralized patterns with at least one in each
  hemisphere".

Hemispheres come from the 10-20 names (:func:`detectors.acns.rhythm.hemisphere_of`:
odd left, even right, Z midline; a bipolar derivation takes the side of its
electrodes). Channels whose names are not 10-20 take part in patterns but count
on neither side.

Main term 2 (what)
------------------
Channels are *periodic* or carry *rhythmic delta* as defined in
:mod:`detectors.acns.rhythm`. Periodic channels belong to the same pattern when
their discharges coincide (within ± ``SYNC_TOL_S``, 100 ms) for a share of the
discharges of each that lies at least half the way (``MIN_SYNC``) from the
share expected by chance to all of them: independent means asynchronous. By
chance, a discharge meets one of a train at rate r within ± 100 ms with
probability ≈ 0.21 · r (r in Hz): a third of the time for a 1.7-Hz train, 70 %
for a 3.5-Hz one, so dense trains must coincide far more often than sparse
ones. Rhythmic-delta channels belong together
when their peak frequencies differ by ≤ 0.5 Hz (the frequency step of ACNS
evolution). A pattern needs ``min_channels`` channels (2 by default: a
discharge of cerebral origin has a field; in a bipolar montage it shows in at
least two derivations). A periodic
pattern whose discharges are followed by a slow wave in ≥ 2/3 of cases
(``slow_after_ratio``) is **SW**, otherwise **PD**; rhythmic delta is **RDA**.
When PD and RDA are both present, the PD is the term and the RDA its +R ("If a
pattern qualifies as both PDs and RDA, it should be coded as PDs+R").

A group whose every channel involves a frontopolar electrode (Fp1, Fp2, Fpz) is
not a pattern (reason ``n_groups_ocular``): a field confined to the electrodes
over the eyes is that of eye movements or blinks (Tatum, Dworetzky & Schomer, J
Clin Neurophysiol 2011;28:252-263), and a cerebral rhythm, even a frontally
predominant GRDA, also reaches the frontal and central derivations behind them.
On healthy eyes-closed EEG (eegmmidb S001R02) slow roving eye movements made a
0.75-Hz "GRDA" on the four frontopolar derivations alone.

Muscle
------
In a window where the artefact classifier found muscle (``muscle=True``: the
tracker passes it when any hop of the window was classed ``muscle`` by
:mod:`detectors.artefacts`; two seconds of bursts at 2 Hz already made a "GPD"
train with the window's other discharges), a PD or SW group whose
discharges have most of their power at ≥ 20 Hz (median ``hf_share`` of the
group's discharges > ``MUSCLE_HF_MAX``, 0.5; :func:`detectors.acns.discharges.hf_share`) is
not a pattern (reason ``muscle_discharges``): its "discharges" are the largest
peaks of bursts of muscle potentials, and chewing or shivering at 1-4 Hz makes
such bursts periodic (Tatum, Dworetzky & Schomer 2011: chewing is rhythmic bursts
of muscle artefact). Both must hold: the classifier alone is not enough, since a
discharge train can go on under muscle, and the share alone is not used outside
muscle windows, where the low-voltage fast activity of a seizure's onset has
most of its power above 20 Hz too. In the same windows, discharges with most of
their power at ≥ 20 Hz are not reported as sporadic discharges or BIRDs
(:mod:`detectors.acns.tracker`; each one alone, since a brief finding has no train
whose median could decide). The median share of a PD/SW group's discharges,
the quantity the rule tests, was at most 0.34 on real EEG in ``../shared/data``
(chb01, 2 stitched hours, 6 windows; Michigan 0.03; ICU clips ≤ 0.09, 11
windows; none on healthy EEG) and 0.82-0.88 on synthetic chewing windows
(``bench/RESULTS.md`` 1q).

Plus modifiers
--------------
- **+F**, "superimposed fast activity" (PD or RDA): the median 8-30 Hz RMS of the
  pattern's channels, away from the discharges, is ≥ ``FAST_MIN_UV`` (5 µV) and
  ≥ 2× that of the channels without the pattern, or, when fewer than two
  channels are without it, ≥ ``FAST_ABS_UV`` (10 µV; normal beta is mostly below
  10 µV RMS, ours).
- **+R**, "superimposed rhythmic or quasi-rhythmic delta activity" (PD only):
  rhythmic delta on at least half of the pattern's channels.
- **+S**, "superimposed sharp waves or spikes, or sharply contoured" (RDA only):
  a median of ≥ 2 discharges per pattern channel in the window.

Frequency, prevalence
---------------------
A group whose prevalence in the window is below ``MIN_PREVALENCE`` (0.3) is not
a pattern of that window (e.g. the sharp waves of one burst of a burst
suppression, or a train that starts in the last seconds: the next window will
hold it).
``frequency_hz`` is the typical frequency (``1 / median`` inter-discharge interval
for PD/SW, the spectral peak for RDA) and ``rate_hz`` the average (discharges per
second, used by the seizure and IIC rules, which speak of "averaging"), both
medians over the pattern's channels. Prevalence is the share of the window the
pattern covers: for PD/SW the inter-discharge intervals no longer than 2.5× the
median, plus one interval, over the window; for RDA the share of time its
narrow-band envelope is ≥ half its 90th percentile on its strongest channel.

Evolution, seizure, IIC: see :func:`evolution`, :func:`is_electrographic_seizure`,
:func:`in_iic`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import maximum_filter1d

from rse_monitor.detectors.acns.discharges import Discharges, detect_discharges, hf_share
from rse_monitor.detectors.acns.rhythm import (
    MAX_INTERVAL_CV,
    MIN_CYCLES,
    REGULAR_MAJORITY,
    REGULAR_PAIR_CHANGE,
    ChannelRhythm,
    channel_rhythm,
    electrodes_of,
    group_medians,
    hemisphere_of,
    rda_prevalence,
)
from rse_monitor.pipeline.checks import channel_names, count, eeg_array, finite, positive

__all__ = [
    "Decision",
    "Evolution",
    "Group",
    "Pattern",
    "Reason",
    "WindowTerm",
    "cerebral_discharges",
    "classify_window",
    "evolution",
    "in_iic",
    "is_electrographic_seizure",
]

MainTerm1 = Literal["G", "L", "BI", "UI", "Mf"]
MainTerm2 = Literal["PD", "RDA", "SW"]
Side = Literal["G", "L", "R"]

SYNC_TOL_S = 0.1
#: a pattern must cover at least 3 s of a 10-s window (ours): longer than an
#: anaesthetic burst (about 1-2 s; six sharp waves within one burst are a burst,
#: not a periodic pattern of the window), short enough to keep a pattern that
#: fills half of the window. Bursts of the synthetic burst suppression measure
#: 0.10-0.18; a 1.5-Hz delta over half of a window 0.50.
MIN_PREVALENCE = 0.3
MIN_SYNC = 0.5
RDA_SAME_HZ = 0.5
ASYMMETRY_RATIO = 2.0
#: a channel-count asymmetry needs this many more channels on one side: two against
#: one is a single derivation's difference, within what a threshold at the edge of a
#: field decides (ours)
ASYMMETRY_MIN_CHANNELS = 2
SW_MIN_SLOW_AFTER = 2.0 / 3.0
FAST_MIN_UV = 5.0
FAST_ABS_UV = 10.0
FAST_REL = 2.0
PLUS_S_MIN_DISCHARGES = 2.0
# ACNS 2021, electrographic seizure and IIC
SEIZURE_MIN_S = 10.0
SEIZURE_RATE_HZ = 2.5
IIC_RATE_HZ = 1.0
IIC_LOW_RATE_HZ = 0.5
# ACNS 2021, evolution
EVOLUTION_STEP_HZ = 0.5
EVOLUTION_MIN_CYCLES = 3.0
EVOLUTION_MIN_STEPS = 2
SPREAD_HOLD_WINDOWS = 2
SPREAD_KEEP_RATIO = 0.8
FLUCTUATION_MIN_CHANGES = 3
FLUCTUATION_MAX_GAP_S = 60.0
#: discharges a channel needs in a window to join a merged train (:func:`_merged_trains`)
MERGED_MIN_PER_CHANNEL = 3
#: a PD/SW group of a muscle window whose discharges have a median share of power
#: at >= 20 Hz above this is muscle (see module; "most of its power")
MUSCLE_HF_MAX = 0.5


@dataclass(frozen=True)
class Reason:
    """One figure behind a decision: a code, its value and the limit it was held to."""

    code: str
    value: float
    limit: float = float("nan")


@dataclass(frozen=True)
class Group:
    """One spatial pattern: channels sharing one rhythm (indices into the window)."""

    kind: MainTerm2
    channels: tuple[int, ...]
    side: Side
    frequency_hz: float
    rate_hz: float
    amplitude_uv: float


@dataclass(frozen=True)
class Pattern:
    """The ACNS term of a window: main term 1 × main term 2 with its modifiers."""

    main1: MainTerm1
    main2: MainTerm2
    frequency_hz: float
    rate_hz: float
    prevalence_ratio: float
    plus: tuple[str, ...]  # subset of ("F", "R", "S"), in that order
    side: Side  # side of the main group
    channels: tuple[str, ...]  # every channel of every group
    groups: tuple[Group, ...]

    @property
    def term(self) -> str:
        """``"LPD"``, ``"GRDA+S"``, ``"BIPD"``... (ACNS abbreviations, singular)."""
        return f"{self.main1}{self.main2}" + ("+" + "".join(self.plus) if self.plus else "")

    @property
    def electrodes(self) -> frozenset[str]:
        """10-20 electrodes involved (for evolution in location)."""
        return frozenset(e for n in self.channels for e in electrodes_of(n))


@dataclass(frozen=True)
class WindowTerm:
    """Result of :func:`classify_window`: the pattern (or None) and the figures."""

    t_start_s: float
    duration_s: float
    pattern: Pattern | None
    reasons: tuple[Reason, ...]
    rhythm: ChannelRhythm | None = field(default=None, compare=False, repr=False)
    discharges: Discharges | None = field(default=None, compare=False, repr=False)
    ch_names: tuple[str, ...] = field(default=(), compare=False, repr=False)
    #: each discharge's share of power at ≥ 20 Hz, measured in muscle windows only
    hf_share: NDArray[np.float64] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Evolution:
    """Result of :func:`evolution` over a sequence of windows."""

    evolving: bool
    fluctuating: bool
    frequency_steps: int  # longest chain of same-direction ≥ 0.5-Hz changes
    location_steps: int  # sequential spreads into (or out of) new electrodes
    n_frequency_changes: int
    duration_s: float  # of the run of windows with a pattern that was judged
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Decision:
    """A rule's answer and the figures it rests on."""

    present: bool
    reasons: tuple[Reason, ...]


# ------------------------------------------------------------------ grouping


@lru_cache(maxsize=4096)
def _frontopolar(name: str) -> bool:
    """Whether a channel involves a frontopolar electrode (Fp1, Fp2, Fpz)."""
    return any(e.startswith("FP") for e in electrodes_of(name))


def _components(link: NDArray[np.bool_]) -> list[NDArray[np.intp]]:
    """Connected components of an undirected graph given as a small boolean
    adjacency matrix (a few dozen channels), in order of their first node.

    The transitive closure by repeated squaring (``log2 n`` boolean products)
    costs microseconds here, where a sparse-graph routine costs its set-up."""
    n = link.shape[0]
    if n == 0:
        return []
    reach = (link | link.T | np.eye(n, dtype=bool)).astype(np.int32)
    for _ in range(max(1, int(np.ceil(np.log2(n))))):
        reach = np.minimum(reach @ reach, 1)
    first = np.argmax(reach > 0, axis=1)  # the smallest node each one reaches
    return [np.flatnonzero(first == k).astype(np.intp) for k in np.unique(first)]


def _sync_need(n: float | NDArray[np.float64], window_s: float,
               span_s: float = 2.0 * SYNC_TOL_S) -> NDArray[np.float64]:  # fmt: skip
    """Share of a channel's discharges that must fall on a train of ``n`` discharges
    in ``window_s`` (within a span ``span_s``): ``MIN_SYNC`` of the way from the
    share expected by chance (about ``n / window_s × span_s``) to all of them."""
    chance = np.minimum(np.asarray(n, dtype=np.float64) / window_s * span_s, 1.0)
    return chance + MIN_SYNC * (1.0 - chance)


def _sync_groups(d: Discharges, chans: NDArray[np.intp]) -> list[NDArray[np.intp]]:
    """Periodic channels grouped by coincident discharges (bisynchrony)."""
    if chans.size == 0:
        return []
    bin_s = 0.01
    n_bins = int(np.ceil(d.window_s / bin_s)) + 1
    events = np.zeros((chans.size, n_bins))
    for row, c in enumerate(chans):
        events[row, (d.peak_s[d.channel == c] / bin_s).astype(int)] = 1.0
    tol = int(round(SYNC_TOL_S / bin_s))
    near = maximum_filter1d(events, size=2 * tol + 1, axis=1)
    coincide = events @ near.T
    counts = events.sum(axis=1)
    sync = coincide / np.maximum(counts, 1.0)[:, None]
    # chance: a discharge of row i meets one of column j's by luck with probability
    # about rate_j × the tolerance span; ask for MIN_SYNC of the way from chance to
    # perfect (a kappa-like correction: dense trains coincide by chance alone)
    ok = sync >= _sync_need(counts, d.window_s, (2 * tol + 1) * bin_s)[None, :]
    link = ok & ok.T
    return [chans[g] for g in _components(link)]


def _frequency_groups(chans: NDArray[np.intp], peak_hz: NDArray[np.float64]) -> list:
    """Rhythmic-delta channels grouped by peak frequency (single linkage, ≤ 0.5 Hz)."""
    if chans.size == 0:
        return []
    f = peak_hz[chans]
    link = np.abs(f[:, None] - f[None, :]) <= RDA_SAME_HZ
    return [chans[g] for g in _components(link)]


def _side(
    chans: NDArray[np.intp], amp: NDArray[np.float64], sides: Sequence[str | None]
) -> tuple[Side, list[Reason]]:
    """G/L/R of one group from channel counts and median amplitudes per hemisphere."""
    left = np.array([sides[c] == "L" for c in chans])
    right = np.array([sides[c] == "R" for c in chans])
    n_l, n_r = int(left.sum()), int(right.sum())
    reasons = [Reason("n_left", n_l), Reason("n_right", n_r)]
    if n_l == 0 and n_r == 0:
        return "G", reasons
    if n_r == 0:
        return "L", reasons
    if n_l == 0:
        return "R", reasons
    a_l, a_r = float(np.median(amp[chans][left])), float(np.median(amp[chans][right]))
    ratio_n = max(n_l, n_r) / min(n_l, n_r)
    ratio_a = max(a_l, a_r) / max(min(a_l, a_r), 1e-9)
    reasons += [
        Reason("asymmetry_channels", ratio_n, ASYMMETRY_RATIO),
        Reason("asymmetry_amplitude", ratio_a, ASYMMETRY_RATIO),
    ]
    if ratio_n >= ASYMMETRY_RATIO and abs(n_l - n_r) >= ASYMMETRY_MIN_CHANNELS:
        return ("L" if n_l > n_r else "R"), reasons
    if ratio_a >= ASYMMETRY_RATIO:
        return ("L" if a_l > a_r else "R"), reasons
    return "G", reasons


def _main_term_1(groups: Sequence[Group]) -> MainTerm1:
    if any(g.side == "G" for g in groups) or len(groups) == 1:
        return "G" if groups[0].side == "G" else "L"
    n_left = sum(g.side == "L" for g in groups)
    n_right = len(groups) - n_left
    if n_left and n_right:
        return "BI" if len(groups) == 2 else "Mf"
    return "UI"


# ------------------------------------------------------------------ window


def _train_cover(peaks_s: NDArray[np.float64], window_s: float) -> float | None:
    """Share of the window a train of discharges covers: its inter-discharge intervals
    up to 2.5× their median, plus one interval, over the window (None with < 2)."""
    idi = np.diff(peaks_s)
    if idi.size == 0:
        return None
    med = float(np.median(idi))
    return float((idi[idi <= 2.5 * med].sum() + med) / window_s)


def _pd_prevalence(d: Discharges, chans: Sequence[int]) -> float:
    cover = [c for ch in chans if (c := _train_cover(d.peak_s[d.channel == ch], d.window_s))
             is not None]  # fmt: skip
    return float(min(1.0, np.median(cover))) if cover else 0.0


@dataclass
class _Grouping:
    """The groups of one window (:func:`_make_groups`): PD/SW groups if any (with
    ≥ ``min_channels`` and ``MIN_PREVALENCE``), else PD groups of merged trains,
    otherwise RDA groups; none confined to the frontopolar electrodes. ``brief`` and
    ``ocular`` count the groups left out for each reason."""

    d: Discharges
    r: ChannelRhythm
    sides: Sequence[str | None]
    min_channels: int
    x: NDArray[np.float64]
    fs: float
    frontopolar: NDArray[np.bool_]
    brief: int = 0
    ocular: int = 0

    def usable(self, g: NDArray[np.intp], need: int | None = None) -> bool:
        if g.size < (self.min_channels if need is None else need):
            return False
        if self.frontopolar[g].all():
            self.ocular += 1
            return False
        return True

    def pd_groups(self) -> list[Group]:
        """PD/SW groups of the channels that are periodic on their own."""
        d, r = self.d, self.r
        periodic = np.flatnonzero(r.periodic).astype(np.intp)
        if periodic.size == 0:
            return []
        amp_pd = _amplitudes(d, r)
        cores = []
        for g in _sync_groups(d, periodic):
            if not self.usable(g):
                continue
            if _pd_prevalence(d, [int(c) for c in g]) < MIN_PREVALENCE:
                self.brief += 1
                continue
            cores.append(g)
        groups = []
        taken = np.zeros(r.n_discharges.size, dtype=bool)
        for g in cores:
            taken[g] = True
        for g in cores:
            field = _field(d, r, g, taken)
            taken[field] = True
            side, _ = _side(field, amp_pd, self.sides)
            slow = float(np.nanmedian(r.slow_after_ratio[g]))
            kind: MainTerm2 = "SW" if slow >= SW_MIN_SLOW_AFTER else "PD"
            groups.append(Group(
                kind, tuple(int(c) for c in field), side, float(np.median(r.frequency_hz[g])),
                float(np.median(r.rate_hz[g])), float(np.median(amp_pd[g])),
            ))  # fmt: skip
        return groups

    def merged_groups(self) -> list[Group]:
        """PD groups of the merged trains (:func:`_merged_trains`)."""
        d, r = self.d, self.r
        trains = _merged_trains(d, r)
        if not trains:
            return []
        amps = _amplitudes(d, r)
        groups = []
        for g, ev in trains:
            if not self.usable(g, 2):
                continue
            cover = _train_cover(ev, d.window_s)
            if cover is None or min(1.0, cover) < MIN_PREVALENCE:
                self.brief += 1
                continue
            period = float(np.median(np.diff(ev)))
            side, _ = _side(g, amps, self.sides)
            groups.append(Group(
                "PD", tuple(int(c) for c in g), side, 1.0 / period, ev.size / d.window_s,
                float(np.median(amps[g])),
            ))  # fmt: skip
        return groups

    def rda_groups(self) -> list[Group]:
        """RDA groups of the channels with rhythmic delta, by peak frequency."""
        d, r = self.d, self.r
        groups = []
        rhythmic = np.flatnonzero(r.rhythmic_delta).astype(np.intp)
        for g in _frequency_groups(rhythmic, r.peak_hz):
            if not self.usable(g):
                continue
            best = max(g, key=lambda c: r.peak_ratio[c])
            if rda_prevalence(self.x[best], self.fs, float(r.peak_hz[best])) < MIN_PREVALENCE:
                self.brief += 1
                continue
            side, _ = _side(g, d.background_sd_uv, self.sides)
            f = float(np.median(r.peak_hz[g]))
            groups.append(Group("RDA", tuple(int(c) for c in g), side, f, f,
                                float(np.median(d.background_sd_uv[g]))))  # fmt: skip
        return groups


def _make_groups(
    d: Discharges,
    r: ChannelRhythm,
    sides: Sequence[str | None],
    min_channels: int,
    x: NDArray[np.float64],
    fs: float,
    frontopolar: NDArray[np.bool_],
) -> tuple[list[Group], list[Reason]]:
    """The window's groups (:class:`_Grouping`), largest first, and the reasons."""
    reasons = [
        Reason("n_periodic_channels", int(r.periodic.sum()), min_channels),
        Reason("n_rhythmic_delta_channels", int(r.rhythmic_delta.sum()), min_channels),
    ]
    grouping = _Grouping(d, r, sides, min_channels, x, fs, frontopolar)
    groups = grouping.pd_groups()
    if not groups:
        groups = grouping.merged_groups()
        if groups:
            reasons.append(Reason("merged_train_groups", len(groups), 1.0))
    if not groups:
        groups = grouping.rda_groups()
    if grouping.brief:
        reasons.append(Reason("n_groups_below_prevalence", grouping.brief, MIN_PREVALENCE))
    if grouping.ocular:
        reasons.append(Reason("n_groups_ocular", grouping.ocular))
    return sorted(groups, key=lambda g: -len(g.channels)), reasons


def _coincide(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Share of the times ``a`` within ± ``SYNC_TOL_S`` of one of the sorted times ``b``."""
    if a.size == 0 or b.size == 0:
        return 0.0
    j = np.clip(np.searchsorted(b, a), 1, max(b.size - 1, 1))
    near = np.minimum(np.abs(b[j - 1] - a), np.abs(b[np.minimum(j, b.size - 1)] - a))
    return float(np.mean(near <= SYNC_TOL_S))


def _field(
    d: Discharges, r: ChannelRhythm, core: NDArray[np.intp], taken: NDArray[np.bool_]
) -> NDArray[np.intp]:
    """The periodic channels ``core`` and the other channels that carry their discharges.

    The extent of a pattern (its main term 1: G or L) is the field of its
    discharges, not only the derivations where they happen to be regular: a
    channel joins when at least ``MERGED_MIN_PER_CHANNEL`` of its discharges fall
    on the core's (± ``SYNC_TOL_S``) for a share ``MIN_SYNC`` of the way from
    chance to all, and it carries a share as large of the core's discharges (the
    two-way test of :func:`_sync_groups`, against the core's train as a whole).
    """
    train = np.sort(d.peak_s[np.isin(d.channel, core)])
    need_on_core = _sync_need(max(float(np.median(r.n_discharges[core])), 1.0), d.window_s)
    core_t = [d.peak_s[d.channel == c] for c in core]
    extra = []
    for c in np.flatnonzero(~taken & (r.n_discharges >= MERGED_MIN_PER_CHANNEL)):
        own = np.sort(d.peak_s[d.channel == c])
        carried = float(np.median([_coincide(t, own) for t in core_t]))
        if _coincide(own, train) >= need_on_core and carried >= _sync_need(own.size, d.window_s):
            extra.append(int(c))
    return np.sort(np.r_[core, np.asarray(extra, dtype=np.intp)]).astype(np.intp)


def _amplitudes(d: Discharges, r: ChannelRhythm) -> NDArray[np.float64]:
    """Median discharge amplitude per channel (0 without discharges)."""
    med = group_medians(d.amplitude_uv, d.channel, r.n_discharges.size)
    return np.where(r.n_discharges > 0, med, 0.0)


def _periodic_events(
    d: Discharges, chans: NDArray[np.intp], judge: bool = True
) -> NDArray[np.float64] | None:
    """The merged events of ``chans`` (see :func:`_merged_trains`) when they make a
    periodic train of at most 2.5 Hz, else None; with ``judge`` False, when there
    are at least ``MIN_CYCLES`` of them."""
    sel = np.isin(d.channel, chans)
    order = np.argsort(d.peak_s[sel], kind="stable")
    t, ch = d.peak_s[sel][order], d.channel[sel][order]
    if t.size < 2 * MIN_CYCLES:  # six events of two channels each
        return None
    # clusters: runs of discharges closer than SYNC_TOL_S; an event where ≥ 2
    # channels take part, at the median time of its discharges
    cid = np.r_[0, np.cumsum(np.diff(t) > SYNC_TOL_S)]
    n_cl = int(cid[-1]) + 1
    pairs = np.unique(cid * d.n_channels + ch)
    ok = np.bincount(pairs // d.n_channels, minlength=n_cl) >= 2
    if int(ok.sum()) < MIN_CYCLES:
        return None
    ev = group_medians(t, cid.astype(np.intp), n_cl)[ok]
    if not judge:
        return ev
    idi = np.diff(ev)
    if 1.0 / float(np.median(idi)) > SEIZURE_RATE_HZ:
        return None
    regular = float(np.mean(np.abs(np.diff(idi)) < REGULAR_PAIR_CHANGE * idi[:-1]))
    cv = float(idi.std() / idi.mean())
    return ev if regular > REGULAR_MAJORITY and cv <= MAX_INTERVAL_CV else None


def _merged_trains(
    d: Discharges, r: ChannelRhythm
) -> list[tuple[NDArray[np.intp], NDArray[np.float64]]]:
    """Periodic discharges judged on the pattern, not on each derivation.

    ACNS 2021 judges periodicity on the pattern: in a montage, a discharge shows in
    the derivations that see its field, and any one of them may miss some (a missed
    discharge doubles an interval, so that a channel's own train is irregular).
    Channels with at least ``MERGED_MIN_PER_CHANNEL`` discharges are grouped by
    coincidence as in :func:`_sync_groups`; per group, discharges within
    ``SYNC_TOL_S`` of each other are one event, kept when at least two channels
    carry it (a field), and the events are judged with the per-channel limits of
    :mod:`detectors.acns.rhythm` (≥ 6, regular in the majority of interval pairs,
    interval CV ≤ 0.5). Only trains of at most 2.5 Hz are merged: the peaks of an
    ongoing faster rhythm (a posterior alpha rhythm whose larger waves pass as
    sharp transients on several channels) merge into regular 3-4 Hz trains on
    healthy EEG, and a seizure must not rest on them; faster trains are judged per
    channel only. Pairs must coincide (not a channel with all the others taken
    together): on healthy EEG the looser test joined scattered channels into a
    1.2-Hz "LPD". Returns ``(channels, event times)`` of the periodic groups.
    """
    cand = np.flatnonzero(r.n_discharges >= MERGED_MIN_PER_CHANNEL).astype(np.intp)
    # every group's events are events of all candidates together: without six
    # of them carried by two channels, no group can have six (most windows)
    if cand.size < 2 or _periodic_events(d, cand, judge=False) is None:
        return []
    out = []
    for g in _sync_groups(d, cand):
        if g.size >= 2 and (ev := _periodic_events(d, g)) is not None:
            out.append((g, ev))
    return out


def _plus(
    main: Group, groups: Sequence[Group], r: ChannelRhythm
) -> tuple[tuple[str, ...], list[Reason]]:
    """+F, +R, +S of the main group (see module)."""
    chans = list(main.channels)
    in_any = np.zeros(r.n_discharges.size, dtype=bool)
    for g in groups:
        in_any[list(g.channels)] = True
    plus: list[str] = []
    reasons: list[Reason] = []
    measured = r.fast_rms_uv[chans][np.isfinite(r.fast_rms_uv[chans])]
    # NaN when discharges leave < 20 % of the window free (e.g. ≥ 3 Hz): no +F
    fast = float(np.median(measured)) if measured.size else float("nan")
    others = r.fast_rms_uv[~in_any]
    others = others[np.isfinite(others)]
    if others.size >= 2:
        ref = float(np.median(others))
        reasons.append(Reason("fast_ratio", fast / max(ref, 1e-9), FAST_REL))
        has_f = fast >= FAST_MIN_UV and fast >= FAST_REL * ref
    else:
        has_f = fast >= FAST_ABS_UV
    reasons.append(Reason("fast_rms_uv", fast, FAST_MIN_UV if others.size >= 2 else FAST_ABS_UV))
    if has_f:
        plus.append("F")
    if main.kind == "PD":
        share = float(np.mean(r.rhythmic_delta[chans]))
        reasons.append(Reason("rhythmic_delta_share", share, 0.5))
        if share >= 0.5:
            plus.append("R")
    if main.kind == "RDA":
        n_sharp = float(np.median(r.n_discharges[chans]))
        reasons.append(Reason("discharges_per_channel", n_sharp, PLUS_S_MIN_DISCHARGES))
        if n_sharp >= PLUS_S_MIN_DISCHARGES:
            plus.append("S")
    return tuple(plus), reasons


def classify_window(
    x_uv: NDArray[np.float64],
    sfreq_hz: float,
    ch_names: Sequence[str],
    *,
    t_start_s: float = 0.0,
    min_channels: int = 2,
    background_sd_uv: NDArray[np.float64] | None = None,
    ceiling_sd_uv: NDArray[np.float64] | None = None,
    muscle: bool = False,
) -> WindowTerm:
    """The ACNS 2021 rhythmic or periodic pattern of one window, or none.

    Parameters
    ----------
    x_uv : ndarray, shape (n_channels, n_samples)
        The window in µV (≥ 2 s; 10 s is the ACNS unit for "averaging"),
        band-passed as the engine does. Bipolar or referential.
    sfreq_hz : float
        Sampling rate (Hz).
    ch_names : sequence of str
        One name per row; 10-20 names (``"FP1-F7"``, ``"EEG C3-REF"``) give the
        hemispheres.
    t_start_s : float
        Time of the first sample (s), carried into the result for :func:`evolution`.
    min_channels : int
        Channels a pattern needs (see module).
    background_sd_uv : ndarray, shape (n_channels,), optional
        Running background σ per channel, passed to the discharge detector.
    ceiling_sd_uv : ndarray, shape (n_channels,), optional
        Upper bound on each channel's σ, passed to the discharge detector.
    muscle : bool
        The window is in muscle artefact (see module: PD/SW groups whose
        discharges are mostly ≥ 20 Hz are then not patterns).

    Returns
    -------
    WindowTerm
        ``pattern`` None when no pattern qualifies; ``reasons`` give the figures.
    """
    fs = positive("sfreq_hz", sfreq_hz)
    x = eeg_array("x_uv", x_uv, min_samples=int(2 * fs))
    names = channel_names("ch_names", ch_names)
    if len(names) != x.shape[0]:
        raise ValueError(f"ch_names has {len(names)} names for {x.shape[0]} channels of x_uv")
    t0 = finite("t_start_s", t_start_s)
    k = count("min_channels", min_channels)
    d = detect_discharges(x, fs, background_sd_uv=background_sd_uv, ceiling_sd_uv=ceiling_sd_uv)
    r = channel_rhythm(x, fs, d)
    sides = [hemisphere_of(n) for n in names]
    frontopolar = np.array([_frontopolar(n) for n in names], dtype=bool)
    groups, reasons = _make_groups(d, r, sides, k, x, fs, frontopolar)
    hf = hf_share(x, fs, d) if muscle else None
    if hf is not None and groups:
        groups, reasons = _without_muscle(groups, reasons, d, hf)
    duration = x.shape[1] / fs
    if not groups:
        return WindowTerm(t0, duration, None, tuple(reasons), r, d, tuple(names), hf)
    main = groups[0]
    plus, plus_reasons = _plus(main, groups, r)
    if main.kind == "RDA":
        best = max(main.channels, key=lambda c: r.peak_ratio[c])
        prevalence = rda_prevalence(x[best], fs, main.frequency_hz)
    else:
        prevalence = _pd_prevalence(d, main.channels)
    pattern = Pattern(
        main1=_main_term_1(groups), main2=main.kind, frequency_hz=main.frequency_hz,
        rate_hz=main.rate_hz, prevalence_ratio=prevalence, plus=plus, side=main.side,
        channels=tuple(names[c] for g in groups for c in g.channels), groups=tuple(groups),
    )  # fmt: skip
    reasons += [Reason("frequency_hz", main.frequency_hz), Reason("rate_hz", main.rate_hz)]
    reasons += [Reason("prevalence_ratio", prevalence)] + plus_reasons
    return WindowTerm(t0, duration, pattern, tuple(reasons), r, d, tuple(names), hf)


def _without_muscle(
    groups: list[Group], reasons: list[Reason], d: Discharges, hf: NDArray[np.float64]
) -> tuple[list[Group], list[Reason]]:
    """The groups of a muscle window less the PD/SW groups made of muscle bursts
    (median share ``hf`` of their discharges at ≥ 20 Hz > ``MUSCLE_HF_MAX``; see
    module)."""
    kept: list[Group] = []
    worst = -np.inf
    for g in groups:
        share = hf[np.isin(d.channel, g.channels)]
        if g.kind != "RDA" and share.size and float(np.median(share)) > MUSCLE_HF_MAX:
            worst = max(worst, float(np.median(share)))
        else:
            kept.append(g)
    if len(kept) < len(groups):
        reasons = [*reasons, Reason("muscle_discharges", worst, MUSCLE_HF_MAX)]
    return kept, reasons


def cerebral_discharges(term: WindowTerm) -> Discharges | None:
    """The window's discharges less, in a muscle window (where ``hf_share`` was
    measured), those with most of their power at ≥ 20 Hz (see module: muscle)."""
    d = term.discharges
    if d is None or term.hf_share is None:
        return d
    return d.where(term.hf_share <= MUSCLE_HF_MAX)


# ------------------------------------------------------------------ over windows


def _runs(windows: Sequence[WindowTerm], keep: list[bool]) -> list[list[WindowTerm]]:
    """Runs of consecutive (touching, time-ordered) windows where ``keep`` holds."""
    runs: list[list[WindowTerm]] = []
    end = -np.inf
    for w, ok in zip(windows, keep, strict=True):
        if ok and runs and runs[-1] and w.t_start_s <= end + 1e-6:
            runs[-1].append(w)
        elif ok:
            runs.append([w])
        else:
            runs.append([])
        end = w.t_start_s + w.duration_s
    return [r for r in runs if r]


def _ordered(windows: Sequence[WindowTerm]) -> list[WindowTerm]:
    ws = list(windows)
    if not all(isinstance(w, WindowTerm) for w in ws):
        raise TypeError("windows must be a sequence of WindowTerm")
    return sorted(ws, key=lambda w: w.t_start_s)


def _frequency_levels(run: Sequence[WindowTerm]) -> list[tuple[float, float]]:
    """(frequency, duration) levels: ≥ 0.5 Hz apart, each held ≥ 3 cycles."""
    levels: list[list[float]] = []
    for w in run:
        f = w.pattern.frequency_hz  # type: ignore[union-attr]
        if levels and abs(f - levels[-1][0]) < EVOLUTION_STEP_HZ:
            levels[-1][1] += w.duration_s
        else:
            levels.append([f, w.duration_s])
    held = [lv for lv in levels if lv[0] * lv[1] >= EVOLUTION_MIN_CYCLES]
    merged: list[list[float]] = []
    for f, dur in held:
        if merged and abs(f - merged[-1][0]) < EVOLUTION_STEP_HZ:
            merged[-1][1] += dur
        else:
            merged.append([f, dur])
    return [(f, dur) for f, dur in merged]


def _same_direction_steps(freqs: Sequence[float]) -> int:
    best = cur = 0
    prev = 0.0
    for a, b in zip(freqs[:-1], freqs[1:], strict=True):
        s = float(np.sign(b - a))
        cur = cur + 1 if s == prev else 1
        prev = s
        best = max(best, cur)
    return best


def _spread_steps(sets: Sequence[frozenset[str]]) -> int:
    """Windows that add electrodes never involved before, keeping the field they grew from.

    A step must keep ≥ 80 % of the previous window's electrodes (a field that
    grows, not one that moves about), and the new electrodes must stay involved
    in each of the next two windows, so that channels flickering at the edge of
    a field are not a spread. A step in the last two windows of a sequence is not
    counted yet (it cannot be told from flicker until it has held): a live bed
    judges it two windows later.
    """
    if not sets:
        return 0
    seen = set(sets[0])
    steps = 0
    for k in range(1, len(sets)):
        new = sets[k] - seen
        after = sets[k + 1 : k + 1 + SPREAD_HOLD_WINDOWS]
        kept = len(sets[k - 1] & sets[k]) >= SPREAD_KEEP_RATIO * len(sets[k - 1])
        held = len(after) == SPREAD_HOLD_WINDOWS and all(new <= later for later in after)
        if new and kept and held:
            steps += 1
        seen |= sets[k]
    return steps


def evolution(windows: Sequence[WindowTerm]) -> Evolution:
    """Evolution and fluctuation (ACNS 2021) over consecutive, non-overlapping windows.

    "Evolving: at least 2 unequivocal, sequential changes in frequency,
    morphology or location", where evolution in frequency is "at least 2
    consecutive changes in the same direction by at least 0.5 Hz", evolution in
    location is "sequentially spreading into or sequentially out of at least two
    different standard 10-20 electrode locations", and "to qualify as present,
    each term (frequency, location) must persist for at least 3 cycles".
    "Fluctuating: ≥ 3 changes, not more than one minute apart, in frequency (by
    at least 0.5 Hz), morphology or location (by at least 1 standard
    inter-electrode distance), but not qualifying as evolving."

    Here: the longest run of touching windows with a pattern is judged. Its
    window frequencies are merged into levels ≥ 0.5 Hz apart, each held for ≥ 3
    cycles; ``frequency_steps`` is the longest chain of level changes in one
    direction. ``location_steps`` counts windows that bring electrodes never
    involved before, keep ≥ 80 % of the previous window's electrodes and keep the
    new ones in each of the next two windows (spreading into), or the same in
    reverse time (spreading out of), whichever is larger.
    Evolving when either reaches 2. Fluctuating when not evolving and the levels change ≥ 3
    times with changes ≤ 60 s apart (on average). Morphology is not judged.
    """
    ws = _ordered(windows)
    runs = _runs(ws, [w.pattern is not None for w in ws])
    if not runs:
        return Evolution(False, False, 0, 0, 0, 0.0, (Reason("no_pattern", 0.0),))
    run = max(runs, key=lambda r: sum(w.duration_s for w in r))
    duration = run[-1].t_start_s + run[-1].duration_s - run[0].t_start_s
    levels = _frequency_levels(run)
    freq_steps = _same_direction_steps([f for f, _ in levels])
    sets = [w.pattern.electrodes for w in run]  # type: ignore[union-attr]
    loc_steps = max(_spread_steps(sets), _spread_steps(sets[::-1]))
    n_changes = max(len(levels) - 1, 0)
    evolving = freq_steps >= EVOLUTION_MIN_STEPS or loc_steps >= EVOLUTION_MIN_STEPS
    fluct = (
        not evolving
        and n_changes >= FLUCTUATION_MIN_CHANGES
        and duration / n_changes <= FLUCTUATION_MAX_GAP_S
    )
    reasons = (
        Reason("frequency_steps", freq_steps, EVOLUTION_MIN_STEPS),
        Reason("location_steps", loc_steps, EVOLUTION_MIN_STEPS),
        Reason("frequency_changes", n_changes, FLUCTUATION_MIN_CHANGES),
        Reason("duration_s", duration),
    )
    return Evolution(evolving, fluct, freq_steps, loc_steps, n_changes, duration, reasons)


def _discharge_run(
    ws: Sequence[WindowTerm], kinds: tuple[str, ...], lateral_only: bool = False
) -> tuple[float, float, bool]:
    """(duration_s, mean rate_hz, any plus) of the longest run of windows of ``kinds``."""
    keep = [
        w.pattern is not None
        and w.pattern.main2 in kinds
        and (not lateral_only or w.pattern.main1 == "L")
        for w in ws
    ]
    runs = _runs(ws, keep)
    if not runs:
        return 0.0, 0.0, False
    run = max(runs, key=lambda r: sum(w.duration_s for w in r))
    pats = [(w.pattern, w.duration_s) for w in run if w.pattern is not None]
    dur = float(sum(d for _, d in pats))
    rate = float(sum(p.rate_hz * d for p, d in pats)) / dur
    plus = any(bool(p.plus) for p, _ in pats)
    return dur, rate, plus


def is_electrographic_seizure(
    windows: Sequence[WindowTerm], evol: Evolution | None = None
) -> Decision:
    """ACNS 2021 electrographic seizure over consecutive windows.

    "Electrographic seizure (ESz): either epileptiform discharges averaging
    > 2.5 Hz for ≥ 10 s (> 25 discharges in 10 s), or any pattern with definite
    evolution and lasting ≥ 10 s."

    Here the discharges are those of PD or SW patterns; their average rate is the
    duration-weighted mean of the windows' ``rate_hz`` over the longest run of
    touching PD/SW windows. ``evol`` defaults to :func:`evolution` of ``windows``.
    """
    ws = _ordered(windows)
    dur, rate, _ = _discharge_run(ws, ("PD", "SW"))
    ev = evolution(ws) if evol is None else evol
    reasons = [
        Reason("discharge_run_s", dur, SEIZURE_MIN_S),
        Reason("discharge_rate_hz", rate, SEIZURE_RATE_HZ),
        Reason("evolving", float(ev.evolving), 1.0),
        Reason("evolving_run_s", ev.duration_s, SEIZURE_MIN_S),
    ]
    fast_discharges = dur >= SEIZURE_MIN_S and rate > SEIZURE_RATE_HZ
    evolving = ev.evolving and ev.duration_s >= SEIZURE_MIN_S
    return Decision(fast_discharges or evolving, tuple(reasons))


def in_iic(windows: Sequence[WindowTerm], evol: Evolution | None = None) -> Decision:
    """ACNS 2021 ictal-interictal continuum over consecutive windows.

    ACNS 2021: "1. Any PD or SW pattern that averages > 1.0 and ≤ 2.5 Hz over
    10 s (> 10 and ≤ 25 discharges in 10 s); OR 2. any PD or SW pattern that
    averages ≥ 0.5 Hz and ≤ 1 Hz over 10 s (≥ 5 and ≤ 10 discharges in 10 s) and
    has a plus modifier or fluctuation; OR 3. any lateralized RDA averaging > 1 Hz
    for at least 10 s (at least 10 waves in 10 s) with a plus modifier or
    fluctuation; AND 4. does not qualify as an ESz or ESE."

    Here "fluctuation" also accepts evolution (as the issue asks; evolution over
    ≥ 10 s would already be a seizure), and a run has a plus modifier when any of
    its windows has one. Reason codes say which branch held.
    """
    ws = _ordered(windows)
    ev = evolution(ws) if evol is None else evol
    seizure = is_electrographic_seizure(ws, ev)
    if seizure.present:
        return Decision(False, (Reason("electrographic_seizure", 1.0),) + seizure.reasons)
    changing = ev.fluctuating or ev.evolving
    dur, rate, plus = _discharge_run(ws, ("PD", "SW"))
    rda_dur, rda_hz, rda_plus = _discharge_run(ws, ("RDA",), lateral_only=True)
    reasons = [
        Reason("discharge_run_s", dur, SEIZURE_MIN_S),
        Reason("discharge_rate_hz", rate, IIC_RATE_HZ),
        Reason("plus", float(plus or rda_plus), 1.0),
        Reason("fluctuating_or_evolving", float(changing), 1.0),
        Reason("lrda_run_s", rda_dur, SEIZURE_MIN_S),
        Reason("lrda_hz", rda_hz, IIC_RATE_HZ),
    ]
    long_pd = dur >= SEIZURE_MIN_S
    if long_pd and IIC_RATE_HZ < rate <= SEIZURE_RATE_HZ:
        return Decision(True, (Reason("iic_pd_sw_1_to_2.5_hz", rate, IIC_RATE_HZ), *reasons))
    if long_pd and IIC_LOW_RATE_HZ <= rate <= IIC_RATE_HZ and (plus or changing):
        return Decision(
            True, (Reason("iic_pd_sw_0.5_to_1_hz_plus", rate, IIC_LOW_RATE_HZ), *reasons)
        )
    if rda_dur >= SEIZURE_MIN_S and rda_hz > IIC_RATE_HZ and (rda_plus or changing):
        return Decision(True, (Reason("iic_lrda_over_1_hz_plus", rda_hz, IIC_RATE_HZ), *reasons))
    return Decision(False, tuple(reasons))
