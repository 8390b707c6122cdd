"""Sporadic epileptiform discharges and BIRDs in one judged 10-s window (ACNS 2021).

Pure functions of what :class:`~detectors.acns.tracker.PatternTracker` already has
for a window: the discharges :func:`~detectors.acns.discharges.detect_discharges`
found (spikes and sharp waves, per channel, with their peak times) and whether the
window holds a rhythmic or periodic pattern or an electrographic seizure. They fill
two items of 2HELPS2B (Struck et al. 2017): sporadic epileptiform discharges (1
point) and brief potentially ictal rhythmic discharges (2 points).

Definitions (ACNS 2021, Hirsch et al., J Clin Neurophysiol 2021;38:1-29)
-----------------------------------------------------------------------
- **Sporadic epileptiform discharges**: spikes or sharp waves that are not part of
  a rhythmic or periodic pattern. Here: the window has no pattern and is not a
  seizure, and the discharge is not part of a BIRD. A discharge must be seen on at
  least ``min_channels`` (2) montage channels within ``coincidence_s`` (50 ms) of each
  other: a cerebral discharge has a field (in a bipolar chain, the two derivations
  that share its electrode), while the detector's chance detections on background
  (about one per channel-minute, :mod:`detectors.acns.discharges`) are independent
  between channels. The grouping and its limits are ours.
- **BIRDs** (brief potentially ictal rhythmic discharges): focal or generalized
  rhythmic activity faster than 4 Hz, at least 6 waves at a regular rhythm, lasting
  ≥ 0.5 s and < 10 s, not part of burst suppression (ACNS 2021 also asks that it is
  not a known normal pattern or benign variant and has no clinical correlate). Here:
  on one channel, a run of discharges of one polarity at a period < 0.25 s (> 4 Hz)
  whose every interval is one to three periods (waves the detector missed) within
  ± 25 % (our reading of "regular"), counting ≥ 6 waves with the missed ones,
  lasting (first to last peak plus one interval) ≥ 0.5 s and < 10 s; runs on at
  least two channels that overlap in time make one BIRD (a field: single-channel
  runs of chance detections in posterior alpha do not). Only
  sharply contoured waves that the discharge detector takes for spikes or sharp
  waves are seen, which keeps sinusoidal background rhythms (alpha, spindles, beta)
  out, and so finds the sharply contoured kind that ACNS names *possible* BIRDs
  (definite BIRDs add evolution). A run that reaches the end of the window is
  judged with the next window (joined across the boundary), so that a BIRD that
  straddles two windows counts once and a rhythm of 10 s or more does not count;
  windows judged an electrographic seizure have no BIRDs. Burst suppression is not known
  to the tracker: the caller drops what falls in burst-suppressed time, if it can.
  *A known normal pattern read every other wave*: the detector's 100-ms refractory
  span lets it take at most one peak per 0.1 s, so on a 9-11 Hz alpha rhythm it can
  pick every other wave and make a regular 4.5-5.5 Hz "run" (healthy awake EEG,
  eegmat, made 11 BIRDs in 0.4 h). The run's power then lies at twice its rate, not
  at its rate: a train of pulses has its power falling from the fundamental to its
  harmonics, since the pulse's own spectrum falls with frequency. A BIRD whose
  window holds at least ``SUBHARMONIC_RATIO`` (3, ours) times more power above the
  1/f fit at twice its rate than at its rate, on its channels (:func:`rhythm.power_at`),
  is that rhythm, not a BIRD. Measured: healthy 2.1-∞ (9 of 11 removed), the
  synthetic 6-Hz BIRDs of ``tests/detectors/test_acns_brief.py`` 0.1-2.3, Michigan's
  one 0.2.

Cost: about 0.3 ms per 10-s window of 18 channels (under 1 % of the engine's time
for that window); runs and groups are a few dozen discharges, so plain Python.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

import numpy as np

from rse_monitor.detectors.acns.discharges import Discharges
from rse_monitor.detectors.acns.rhythm import ChannelRhythm, power_at

__all__ = ["Bird", "BriefFindings", "Tail", "brief_findings", "find_birds", "sporadic_discharges"]

#: BIRDs: faster than this (Hz), ACNS 2021
BIRD_MIN_HZ = 4.0
#: BIRDs: at least this many waves (ACNS 2021)
BIRD_MIN_WAVES = 6
#: BIRDs: lasting at least / less than (s), ACNS 2021
BIRD_MIN_S = 0.5
BIRD_MAX_S = 10.0
#: BIRDs: regular rhythm = coefficient of variation of the intervals at most (ours)
BIRD_MAX_INTERVAL_CV = 0.25
#: runs closer than this to a window edge may continue beyond it (s, ours)
EDGE_S = 0.3
#: sporadic discharges: channels within this time are one discharge (s, ours)
COINCIDENCE_S = 0.05
#: sporadic discharges: the phase-reversing pair's amplitudes, in units of each
#: channel's background σ, must sum to at least this (ours: the detector's chance
#: detections on background reach 4-5 σ each; the synthetic test spikes 5-9 σ)
REVERSAL_MIN_REL_SUM = 11.0
#: BIRDs: channels whose runs overlap in time, at least (a field, as for sporadic
#: discharges; ours: runs of chance detections in posterior alpha are single-channel)
BIRD_MIN_CHANNELS = 2
#: a BIRD with this many times more power at twice its rate than at its rate is a
#: rhythm at twice the rate read every other wave (see module; ours)
SUBHARMONIC_RATIO = 3.0


@dataclass(frozen=True)
class Bird:
    """One BIRD: ``onset_s``/``duration_s`` (s from the window start, the caller may
    shift them), its median ``frequency_hz`` and the channels it was seen on."""

    onset_s: float
    duration_s: float
    frequency_hz: float
    channels: tuple[str, ...]


@dataclass(frozen=True)
class BriefFindings:
    """A window's sporadic discharges (peak times, s from the window start, with the
    channels of each) and BIRDs."""

    sporadic_s: tuple[float, ...]
    sporadic_channels: tuple[tuple[str, ...], ...]
    birds: tuple[Bird, ...]
    #: runs handed on to the next window (see :func:`find_birds`); the regularity of a
    #: run is judged on its dominant polarity (the detector may also find the
    #: after-going phase of each wave)
    tail: dict[str, list[tuple[float, int]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def n_sporadic(self) -> int:
        return len(self.sporadic_s)

    @property
    def empty(self) -> bool:
        return not self.sporadic_s and not self.birds


def _runs(peaks: list[tuple[float, int]]) -> list[list[tuple[float, int]]]:
    """Split time-sorted ``(time, polarity)`` peaks where an interval is
    ≥ 3 / BIRD_MIN_HZ (more than two waves of the slowest BIRD missed)."""
    runs: list[list[tuple[float, int]]] = []
    for p in peaks:
        if runs and p[0] - runs[-1][-1][0] < 3.0 / BIRD_MIN_HZ:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


def _regular_waves(run: list[float]) -> tuple[int, float]:
    """``(waves, period s)`` of a run at a regular rhythm, else ``(0, nan)``.

    The period is the median of the intervals shorter than 1.5 × their lower
    quartile (the intervals between consecutive waves, where the detector missed
    none). Regular: every interval is 1, 2 or 3 periods (up to two waves missed)
    within ± ``BIRD_MAX_INTERVAL_CV``; the waves counted include the missed ones.
    A run has a handful of intervals: plain Python is faster here than NumPy.
    """
    iv = sorted(b - a for a, b in zip(run[:-1], run[1:], strict=True))
    if not iv or iv[0] <= 0:
        return 0, float("nan")
    q1 = iv[(len(iv) - 1) // 4]
    short = [v for v in iv if v < 1.5 * q1] or [q1]
    period = statistics.median(short)
    waves = 1
    for v in iv:
        k = min(3, max(1, round(v / period)))
        if abs(v / (k * period) - 1.0) > BIRD_MAX_INTERVAL_CV:
            return 0, float("nan")
        waves += k
    return waves, period


#: per channel name, ``(time from the next window's start, polarity)`` of a run that
#: reached the end of a window (see :func:`find_birds`)
Tail = dict[str, list[tuple[float, int]]]


def find_birds(
    d: Discharges, ch_names: tuple[str, ...], window_s: float, tail: Tail | None = None
) -> tuple[list[Bird], Tail, list[tuple[float, float]]]:
    """BIRDs among a window's discharges (see module); times from the window start.

    A run that reaches the window's last ``EDGE_S`` may go on in the next window: it
    is not judged here but handed on (``tail``: per channel name, its peak times
    from the *next* window's start, i.e. minus ``window_s``, with their
    polarities) and joined to that
    window's runs, so a BIRD that straddles two windows is judged whole (and a
    rhythm that goes on for 10 s or more is not one).

    Parameters
    ----------
    d : Discharges
        The window's discharges (``d.channel`` indexes ``ch_names``).
    ch_names : tuple of str
        Names of the rows the discharges were found on.
    window_s : float
        Window length (s).
    tail : dict, optional
        What the previous, touching window handed on.

    Returns
    -------
    birds, tail, rhythmic
        The BIRDs; what to hand on; and the ``(start, end)`` of every run of at
        least half of ``BIRD_MIN_WAVES`` waves (their discharges are not sporadic).
    """
    if len(ch_names) != d.n_channels:
        raise ValueError(f"ch_names has {len(ch_names)} names for {d.n_channels} channels")
    tail = tail or {}
    spans: list[tuple[float, float, float, int]] = []  # start, end, Hz, channel
    rhythmic: list[tuple[float, float]] = []
    new_tail: Tail = {}
    per_channel: dict[int, list[tuple[float, int]]] = {}
    for c, t, p in zip(d.channel.tolist(), d.peak_s.tolist(), d.polarity.tolist(), strict=True):
        per_channel.setdefault(c, []).append((t, p))
    for c, name in enumerate(ch_names):
        if c not in per_channel and name not in tail:
            continue
        peaks = sorted(tail.get(name, []) + per_channel.get(c, []))
        for run in _runs(peaks):
            # the dominant polarity: the detector also finds the after-going phase
            n_pos = sum(1 for _, p in run if p > 0)
            pol = 1 if 2 * n_pos >= len(run) else -1
            times = [t for t, p in run if (p > 0) == (pol > 0)]
            waves, med = (0, math.nan) if len(times) < 3 else _regular_waves(times)
            rhythmic_run = waves >= BIRD_MIN_WAVES // 2 and med < 1.0 / BIRD_MIN_HZ
            if rhythmic_run:
                rhythmic.append((run[0][0], run[-1][0]))
            if run[-1][0] > window_s - EDGE_S:  # may go on: judged with the next window
                new_tail[name] = [(t - window_s, p) for t, p in run
                                  if t > run[-1][0] - BIRD_MAX_S]  # fmt: skip
                continue
            if not rhythmic_run or waves < BIRD_MIN_WAVES:
                continue
            start, end = run[0][0] - med / 2, run[-1][0] + med / 2
            if BIRD_MIN_S <= end - start < BIRD_MAX_S:
                spans.append((start, end, 1.0 / med, c))
    spans.sort()
    birds: list[Bird] = []
    group: list[tuple[float, float, float, int]] = []

    def close() -> None:
        if len({g[3] for g in group}) >= BIRD_MIN_CHANNELS:
            start = min(g[0] for g in group)
            end = max(g[1] for g in group)
            hz = float(statistics.median(g[2] for g in group))
            chans = tuple(ch_names[c] for c in sorted({g[3] for g in group}))
            birds.append(Bird(start, end - start, hz, chans))

    for span in spans:
        if group and span[0] > max(g[1] for g in group):
            close()
            group = []
        group.append(span)
    close()
    return birds, new_tail, rhythmic


def _phase_reversal(
    names: list[str], polarity: list[int], rel_amp: list[float]
) -> tuple[str, ...] | None:
    """The two derivations ``A-X``, ``X-B`` of a group that share electrode ``X`` with
    opposite polarities and a summed relative amplitude ≥ ``REVERSAL_MIN_REL_SUM``
    (the larger pair), or None."""
    best: tuple[float, tuple[str, ...]] | None = None
    for i, a in enumerate(names):
        if a.count("-") != 1:
            continue
        for j, b in enumerate(names):
            if i == j or b.count("-") != 1 or a.split("-")[1] != b.split("-")[0]:
                continue
            total = rel_amp[i] + rel_amp[j]
            if polarity[i] != polarity[j] and total >= REVERSAL_MIN_REL_SUM:
                if best is None or total > best[0]:
                    best = (total, (a, b))
    return None if best is None else best[1]


def sporadic_discharges(
    d: Discharges,
    ch_names: tuple[str, ...],
    rhythmic: list[tuple[float, float]] | tuple[tuple[float, float], ...] = (),
) -> list[tuple[float, tuple[str, ...]]]:
    """Discharges with a phase reversal (see module), outside every rhythmic run
    (``(start, end)`` from :func:`find_birds`): ``(peak time from the window start,
    channels of the group)``, in time order.

    The caller decides that the window holds no rhythmic or periodic pattern.
    """
    if len(d) == 0:
        return []
    order = np.argsort(d.peak_s, kind="stable")
    t = d.peak_s[order].tolist()
    ch = d.channel[order].tolist()
    pol = d.polarity[order].tolist()
    sd = np.maximum(d.background_sd_uv[d.channel[order]], 1e-9)
    rel = (d.amplitude_uv[order] / sd).tolist()
    out: list[tuple[float, tuple[str, ...]]] = []
    i = 0
    while i < len(t):
        j = i + 1
        while j < len(t) and t[j] - t[i] <= COINCIDENCE_S:
            j += 1
        if j - i < 2:  # one channel: no phase reversal
            i = j
            continue
        peak = statistics.median(t[i:j])
        in_bird = any(a - COINCIDENCE_S <= peak <= b + COINCIDENCE_S for a, b in rhythmic)
        names = [ch_names[c] for c in ch[i:j]]
        if not in_bird and _phase_reversal(names, pol[i:j], rel[i:j]):
            out.append((peak, tuple(sorted(set(names)))))
        i = j
    return out


def _every_other_wave(bird: Bird, ch_names: tuple[str, ...], rhythm: ChannelRhythm) -> bool:
    """Whether the BIRD's channels hold ≥ ``SUBHARMONIC_RATIO`` × more power above the
    1/f fit at twice its rate than at its rate (see module)."""
    rows = [ch_names.index(c) for c in bird.channels if c in ch_names]
    at_rate = power_at(rhythm, rows, bird.frequency_hz)
    at_double = power_at(rhythm, rows, 2.0 * bird.frequency_hz)
    if not (math.isfinite(at_rate) and math.isfinite(at_double)):
        return False
    return at_double >= SUBHARMONIC_RATIO * at_rate and at_double > 0.0


def brief_findings(
    d: Discharges | None,
    ch_names: tuple[str, ...],
    window_s: float,
    has_pattern: bool,
    seizure: bool,
    tail: Tail | None = None,
    rhythm: ChannelRhythm | None = None,
) -> BriefFindings:
    """Sporadic discharges and BIRDs of one judged window (see module).

    ``has_pattern``: the window holds a rhythmic or periodic pattern (its discharges
    are part of it); ``seizure``: the window is judged an electrographic seizure
    (neither finding then); ``tail``: the previous touching window's
    :attr:`BriefFindings.tail` (None after a gap); ``rhythm``: the window's
    :class:`~detectors.acns.rhythm.ChannelRhythm` (its spectrum), for the BIRDs that
    read a rhythm at twice their rate (none removed without it).
    """
    if d is None or seizure:
        return BriefFindings((), (), ())
    birds, new_tail, rhythmic = find_birds(d, ch_names, window_s, tail)
    if rhythm is not None and birds:
        birds = [b for b in birds if not _every_other_wave(b, ch_names, rhythm)]
    sporadic = [] if has_pattern else sporadic_discharges(d, ch_names, rhythmic)
    return BriefFindings(
        tuple(s[0] for s in sporadic), tuple(s[1] for s in sporadic), tuple(birds), new_tail
    )
