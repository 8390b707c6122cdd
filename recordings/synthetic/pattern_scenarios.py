"""ICU scenarios built from the pattern components, with exact labels.

- :func:`make_starts_in_seizure`: the recording begins inside a seizure (its first
  sample is ictal, the ``sz`` label starts at 0), followed by post-ictal LPDs.
- :func:`make_recurring_seizures`: seizures recurring every 2-5 minutes for an hour,
  LPDs (or GPDs) between them, as in established status epilepticus; each seizure
  evolves out of the periodic discharges that precede it.
- :func:`make_icu_composite`: LPDs, LPDs+F accelerating, a seizure evolving out of
  them, then GRDA.

The seizure schedule of :func:`make_recurring_seizures` draws from its own stream
``KEY_PATTERN_SCHEDULE`` of the seed; the signal components keep the streams of
:func:`~recordings.synthetic.patterns.make_pattern_recording`.

References
----------
.. [1] Hirsch LJ et al. American Clinical Neurophysiology Society's Standardized
   Critical Care EEG Terminology: 2021 Version. J Clin Neurophysiol 2021;38:1-29.
.. [2] Trinka E et al. A definition and classification of status epilepticus:
   report of the ILAE Task Force on Classification of Status Epilepticus. Epilepsia
   2015;56:1515-1523 (recurrent seizures without return to baseline).
.. [3] Treiman DM et al. A progressive sequence of electroencephalographic changes
   during generalized convulsive status epilepticus. Epilepsy Res 1990;5:49-60
   (discrete seizures, then merging, then periodic discharges on a flat background).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rse_monitor.pipeline.checks import in_range, one_of, positive
from rse_monitor.recordings.synthetic._common import SeedLike, child_rng, seed_sequence
from rse_monitor.recordings.synthetic.layout import DEFAULT_CHANNELS_19
from rse_monitor.recordings.synthetic.pattern_events import PatternRecording
from rse_monitor.recordings.synthetic.pattern_seizures import SEIZURE_MIN_S, ElectrographicSeizure
from rse_monitor.recordings.synthetic.patterns import (
    PatternComponent,
    PeriodicDischarges,
    RhythmicDelta,
    make_pattern_recording,
)

__all__ = [
    "KEY_PATTERN_SCHEDULE",
    "make_icu_composite",
    "make_recurring_seizures",
    "make_starts_in_seizure",
    "recurring_schedule",
]

KEY_PATTERN_SCHEDULE = 21
"""Spawn key of the seizure schedule (clear of ``_common`` 0-10 and ``KEY_PATTERN``)."""

_POSTICTAL_GAP_S = 10.0  # no PDs for this long after a seizure in the recurring scenario
_MIN_PD_SEGMENT_S = 5.0  # shorter interictal stretches get no PD label


def _range(name: str, value: tuple[float, float]) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a (low, high) pair of seconds, got {value!r}") from exc
    positive(f"{name}[0]", low)
    if not high >= low:
        raise ValueError(f"{name} must have low <= high, got {value!r}")
    return low, high


def make_starts_in_seizure(
    duration_s: float = 180.0,
    sfreq_hz: float = 256.0,
    ch_names: Sequence[str] = DEFAULT_CHANNELS_19,
    seed: SeedLike = 0,
    *,
    seizure_end_s: float = 45.0,
    focus: str = "T3",
    lpd_after: bool = True,
    background_uv: float = 30.0,
) -> PatternRecording:
    """A recording that begins inside a seizure, labelled ``sz`` from 0 s.

    The seizure is already under way at the first sample: no onset ramp, full height,
    a wide field (``λ`` 0.6 → 0.9 around ``focus``) and a frequency that slows from
    5.5 to 2.5 Hz (knots 5.5, 4.5, 3.5, 2.5) until ``seizure_end_s`` (>= 10 s, so
    the part inside the recording is itself a seizure by the ACNS 2021 definition).
    With ``lpd_after``, 1-Hz LPDs over ``focus`` follow from ``seizure_end_s + 20`` s
    to 10 s before the end.

    Parameters
    ----------
    duration_s, sfreq_hz, ch_names, seed
        As for :func:`~recordings.synthetic.patterns.make_pattern_recording`.
    seizure_end_s : float
        End of the seizure that is under way at 0 s (10 s to ``duration_s``).
    focus : str
        Electrode at the field maximum.
    lpd_after : bool
        Add post-ictal LPDs (when at least 5 s fit).
    background_uv : float
        Background RMS (µV).

    Returns
    -------
    PatternRecording
        ``events[0]`` is ``sz`` with ``onset_s == 0``.
    """
    total_s = positive("duration_s", duration_s)
    end_s = in_range("seizure_end_s", seizure_end_s, SEIZURE_MIN_S, total_s)
    comps: list[PatternComponent | None] = [
        ElectrographicSeizure(
            0.0,
            end_s,
            frequency_knots_hz=(5.5, 4.5, 3.5, 2.5),
            focus=focus,
            spread_knots=(0.6, 0.9),
            start_amplitude_ratio=1.0,
            ramp_in=False,
        )
    ]
    if lpd_after and total_s - 10.0 - (end_s + 20.0) >= _MIN_PD_SEGMENT_S:
        comps.append(PeriodicDischarges(end_s + 20.0, total_s - 10.0, 1.0, focus=focus))
    return make_pattern_recording(
        total_s, comps, sfreq_hz, ch_names, seed, amplitude_uv=background_uv
    )


def recurring_schedule(
    rng_seed: SeedLike,
    duration_s: float,
    interval_range_s: tuple[float, float],
    seizure_duration_range_s: tuple[float, float],
) -> list[tuple[float, float]]:
    """Seizure intervals whose onsets follow each other every ``U(interval_range_s)`` s.

    The first onset is drawn in ``[20 s, interval_range_s[0]]``; each duration in
    ``seizure_duration_range_s``; seizures are added while they end 5 s before the
    recording does. Times are rounded to the millisecond.
    """
    lo_gap, hi_gap = _range("interval_range_s", interval_range_s)
    lo_dur, hi_dur = _range("seizure_duration_range_s", seizure_duration_range_s)
    if lo_dur < SEIZURE_MIN_S:
        raise ValueError(
            f"seizure_duration_range_s={seizure_duration_range_s!r}: seizures last >= 10 s"
        )
    if lo_gap < hi_dur + _POSTICTAL_GAP_S + _MIN_PD_SEGMENT_S:
        raise ValueError(
            f"interval_range_s={interval_range_s!r} must start at least "
            f"{_POSTICTAL_GAP_S + _MIN_PD_SEGMENT_S} s after the longest seizure "
            f"({hi_dur} s)"
        )
    rng = child_rng(seed_sequence(rng_seed), KEY_PATTERN_SCHEDULE)
    onset = rng.uniform(20.0, max(20.0, lo_gap))
    out: list[tuple[float, float]] = []
    while True:
        length = rng.uniform(lo_dur, hi_dur)
        if onset + length > duration_s - 5.0:
            return out
        out.append((round(onset, 3), round(onset + length, 3)))
        onset += rng.uniform(lo_gap, hi_gap)


def make_recurring_seizures(
    duration_s: float = 3600.0,
    sfreq_hz: float = 256.0,
    ch_names: Sequence[str] = DEFAULT_CHANNELS_19,
    seed: SeedLike = 0,
    *,
    interval_range_s: tuple[float, float] = (120.0, 300.0),
    seizure_duration_range_s: tuple[float, float] = (30.0, 90.0),
    focus: str = "T3",
    interictal: Literal["lpd", "gpd", "none"] = "lpd",
    pd_frequency_hz: float = 1.0,
    background_uv: float = 30.0,
) -> PatternRecording:
    """Seizures recurring every 2-5 min (onset to onset) for an hour, PDs in between.

    Schedule from :func:`recurring_schedule`. Every seizure is an evolving
    :class:`ElectrographicSeizure` over ``focus`` with the default path (3 → 6 Hz, then
    slowing to 2 Hz, field spreading). Between seizures, ``interictal`` periodic
    discharges at ``pd_frequency_hz`` (LPDs over ``focus``, or GPDs) run from 10 s
    after a seizure (post-ictal pause) up to the next onset, so each seizure evolves
    out of them, as in established status epilepticus [2]_ [3]_; ``"none"`` leaves
    the background alone. Labels: ``sz`` per seizure and one ``lpd``/``gpd`` per
    interictal stretch of at least 5 s.

    Parameters
    ----------
    duration_s, sfreq_hz, ch_names, seed
        As for :func:`~recordings.synthetic.patterns.make_pattern_recording`.
    interval_range_s : (float, float)
        Onset-to-onset interval range (s); its low end must exceed the longest seizure
        by 15 s.
    seizure_duration_range_s : (float, float)
        Seizure duration range (s), >= 10 s.
    focus : str
        Seizure onset electrode (and LPD focus).
    interictal : {"lpd", "gpd", "none"}
        Periodic discharges between seizures.
    pd_frequency_hz : float
        Their rate (0.5-2.5 Hz).
    background_uv : float
        Background RMS (µV).

    Returns
    -------
    PatternRecording
    """
    total_s = positive("duration_s", duration_s)
    one_of("interictal", interictal, ("lpd", "gpd", "none"))
    root = seed_sequence(seed)
    schedule = recurring_schedule(root, total_s, interval_range_s, seizure_duration_range_s)
    comps: list[PatternComponent | None] = []
    pd_start = 0.0
    for onset, offset in [*schedule, (total_s, total_s)]:
        if interictal != "none" and onset - pd_start >= _MIN_PD_SEGMENT_S:
            comps.append(
                PeriodicDischarges(
                    pd_start,
                    onset,
                    pd_frequency_hz,
                    focus=focus if interictal == "lpd" else None,
                    event_type=interictal,
                )
            )
        else:
            comps.append(None)
        if offset > onset:
            comps.append(ElectrographicSeizure(onset, offset, focus=focus))
        pd_start = offset + _POSTICTAL_GAP_S
    return make_pattern_recording(
        total_s, comps, sfreq_hz, ch_names, root, amplitude_uv=background_uv
    )


def make_icu_composite(
    duration_s: float = 600.0,
    sfreq_hz: float = 256.0,
    ch_names: Sequence[str] = DEFAULT_CHANNELS_19,
    seed: SeedLike = 0,
    *,
    focus: str = "T3",
    background_uv: float = 30.0,
) -> PatternRecording:
    """An ICU-like sequence: LPDs, faster LPDs+F, a seizure out of them, then GRDA.

    Timeline (s): ``lpd`` 1 Hz [30, 150); ``lpd+f`` 2 Hz [150, 200) (LPDs speeding
    up with fast activity, the ictal-interictal continuum [1]_); ``sz`` evolving
    [200, 280) from ``focus`` (3 → 6 Hz, spreading, slowing to 2 Hz); background;
    frontally predominant ``grda`` 1.5 Hz [340, 520); background to the end.
    ``duration_s`` must be >= 540.

    Parameters
    ----------
    duration_s, sfreq_hz, ch_names, seed
        As for :func:`~recordings.synthetic.patterns.make_pattern_recording`.
    focus : str
        Electrode at the maximum of the LPDs and of the seizure onset.
    background_uv : float
        Background RMS (µV).

    Returns
    -------
    PatternRecording
        Events ``lpd``, ``lpd+f``, ``sz``, ``grda`` in this order.
    """
    total_s = in_range("duration_s", duration_s, 540.0, 86_400.0)
    comps: list[PatternComponent | None] = [
        PeriodicDischarges(30.0, 150.0, 1.0, focus=focus, sharp_ms=100.0),
        PeriodicDischarges(150.0, 200.0, 2.0, focus=focus, sharp_ms=100.0, plus=("f",)),
        ElectrographicSeizure(200.0, 280.0, focus=focus),
        RhythmicDelta(340.0, 520.0, 1.5, focus=None),
    ]
    return make_pattern_recording(
        total_s, comps, sfreq_hz, ch_names, seed, amplitude_uv=background_uv
    )
