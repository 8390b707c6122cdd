"""SzCORE event scoring of detected seizures against reference annotations.

``rsemon score REF HYP [REF HYP ...]`` calls :func:`score_main`. The counting is
done by the ``timescoring`` package (the reference implementation of SzCORE) with
the SzCORE event parameters [1]_ [2]_:

* a reference event is detected when any hypothesis event overlaps it, the
  reference being widened by 30 s before its onset and 60 s after its end;
* a hypothesis event is a false alarm when it overlaps none of the widened,
  detected reference events;
* events (reference and hypothesis alike) separated by less than 90 s are merged
  into one, and events longer than 5 min are split into 5-min pieces before
  counting (so a 12-min false detection counts as 3 false alarms, and a 12-min
  seizure as 3 reference events).

Metrics, from the counts TP (detected reference events), FP (false alarms),
N_ref (reference events) and the recording length T::

    sensitivity = TP / N_ref                          (None when N_ref = 0)
    precision   = TP / (TP + FP)                      (None when TP + FP = 0)
    F1          = 2 TP / (2 TP + FP + (N_ref - TP))   (None when N_ref + FP = 0)
    false alarms per 24 h = FP / (T / 86400 s)

Sample scoring (:func:`score_samples`, :func:`score_samples_many`) is SzCORE's
second method [1]_: reference and hypothesis become 1-Hz binary masks (an event
covers the 1-s samples from ``round(onset)`` to ``round(end)``, end excluded; no
tolerance, merging or splitting), and every sample counts: TP samples are in both
masks, FP samples in the hypothesis only, N_ref samples in the reference. The same
three formulas give sensitivity, precision and F1; the false-positive rate is FP
samples, i.e. seconds of false detection, per 24 h. Counting is
``timescoring.scoring.SampleScoring`` [2]_.

Onset latency is reported per reference seizure (after merging, before splitting)
that is detected: the onset of the first hypothesis event overlapping its widened
window minus the reference onset. It is negative when the detector fired up to
30 s early or was already on when the seizure began.

References
----------
.. [1] Dan J. et al. (2024). SzCORE: Seizure Community Open-source Research
   Evaluation framework for the validation of EEG-based automated seizure
   detection algorithms. Epilepsia. doi:10.1111/epi.18113
.. [2] Dan J., Pale U. et al. timescoring (esl-epfl/timescoring), v0.0.7,
   ``timescoring.scoring.EventScoring``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NoReturn

from rse_monitor.detectors.annotations import (
    SeizureEvent,
    read_any_with_duration,
    split_record_path,
)

__all__ = [
    "SampleScoreResult", "ScoreResult", "SzcoreParameters", "score_events", "score_main",
    "score_many", "score_samples", "score_samples_many", "SAMPLE_RATE_HZ",
]  # fmt: skip

_MASK_RATE_HZ = 10
"""Rate of the binary masks handed to timescoring.

``EventScoring`` resamples every annotation to 10 Hz internally, so building the
input masks at 10 Hz loses nothing (0.1 s resolution) and keeps non-integer
recording lengths exact; a 24-h record is an 864 000-sample boolean mask.
"""

_SECONDS_PER_DAY = 86_400.0

#: Rate of SzCORE's sample scoring: one label per second.
SAMPLE_RATE_HZ = 1


@dataclass(frozen=True)
class SzcoreParameters:
    """Event-scoring parameters; the defaults are the SzCORE values [1]_.

    Parameters
    ----------
    tolerance_start_s : float
        A detection may start this long before the reference onset (30 s).
    tolerance_end_s : float
        ... or end this long after the reference end (60 s).
    max_event_duration_s : float
        Events longer than this are split for counting (300 s).
    min_gap_s : float
        Events separated by less than this are merged (90 s).
    """

    tolerance_start_s: float = 30.0
    tolerance_end_s: float = 60.0
    max_event_duration_s: float = 300.0
    min_gap_s: float = 90.0

    def __post_init__(self) -> None:
        for name in ("tolerance_start_s", "tolerance_end_s", "min_gap_s"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
        value = self.max_event_duration_s
        if not (isinstance(value, int | float) and value > 0):
            raise ValueError(f"max_event_duration_s must be > 0, got {value!r}")


@dataclass
class ScoreResult:
    """Event-scoring outcome of one recording or of several pooled.

    Attributes
    ----------
    n_ref, n_hyp : int
        Reference and hypothesis events as counted, i.e. after merging (< 90 s
        apart) and splitting (> 5 min).
    n_true_positive : int
        Reference events detected.
    n_false_positive : int
        Hypothesis events overlapping no detected reference event (false alarms).
    sensitivity, precision, f1 : float or None
        See the module docstring; None when undefined.
    false_alarms_per_24h : float
        ``n_false_positive / (total_duration_s / 86400)``.
    onset_latencies_s : list of float
        One per detected reference seizure (merged, not split): hypothesis onset
        minus reference onset, seconds.
    median_onset_latency_s : float or None
        Median of ``onset_latencies_s``; None when nothing was detected.
    total_duration_s : float
        Length of the recording(s) scored.
    n_records : int
        Number of recordings pooled.
    """

    n_ref: int
    n_hyp: int
    n_true_positive: int
    n_false_positive: int
    sensitivity: float | None
    precision: float | None
    f1: float | None
    false_alarms_per_24h: float
    onset_latencies_s: list[float] = field(default_factory=list)
    median_onset_latency_s: float | None = None
    total_duration_s: float = 0.0
    n_records: int = 1

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dictionary (None for undefined metrics)."""
        return asdict(self)


def _build_result(
    n_ref: int,
    n_hyp: int,
    n_tp: int,
    n_fp: int,
    latencies_s: list[float],
    duration_s: float,
    n_records: int,
) -> ScoreResult:
    """Metrics from counts, with the formulas of timescoring's ``computeScores``."""
    sensitivity = n_tp / n_ref if n_ref > 0 else None
    precision = n_tp / (n_tp + n_fp) if (n_tp + n_fp) > 0 else None
    f1 = 2 * n_tp / (2 * n_tp + n_fp + (n_ref - n_tp)) if (n_ref + n_fp) > 0 else None
    return ScoreResult(
        n_ref=n_ref,
        n_hyp=n_hyp,
        n_true_positive=n_tp,
        n_false_positive=n_fp,
        sensitivity=sensitivity,
        precision=precision,
        f1=f1,
        false_alarms_per_24h=n_fp / (duration_s / _SECONDS_PER_DAY),
        onset_latencies_s=list(latencies_s),
        median_onset_latency_s=float(statistics.median(latencies_s)) if latencies_s else None,
        total_duration_s=float(duration_s),
        n_records=n_records,
    )


def _normalise(
    events: Sequence[SeizureEvent], duration_s: float, name: str
) -> list[tuple[float, float]]:
    """Sorted, non-overlapping ``(start_s, end_s)`` intervals inside the recording.

    Events running past the end are clipped to it; events shorter than one mask
    sample (0.1 s, e.g. point markers) are widened to one sample so that they
    still count; overlapping or touching events are united (timescoring's merge
    assumes sorted, disjoint events).
    """
    if isinstance(events, SeizureEvent | str | bytes):
        raise TypeError(f"{name} must be a sequence of SeizureEvent, got {type(events).__name__}")
    min_len_s = 1.0 / _MASK_RATE_HZ
    intervals: list[tuple[float, float]] = []
    for i, event in enumerate(events):
        if not isinstance(event, SeizureEvent):
            raise TypeError(f"{name}[{i}] must be a SeizureEvent, got {type(event).__name__}")
        if event.onset_s >= duration_s:
            raise ValueError(
                f"{name}[{i}] starts at {event.onset_s} s, at or after the end of the "
                f"recording (duration_s={duration_s}); wrong duration or wrong file?"
            )
        start = event.onset_s
        end = min(max(event.offset_s, start + min_len_s), duration_s)
        intervals.append((start, end))
    intervals.sort()
    united: list[tuple[float, float]] = []
    for start, end in intervals:
        if united and start <= united[-1][1]:
            united[-1] = (united[-1][0], max(united[-1][1], end))
        else:
            united.append((start, end))
    return united


def _merge_close(
    intervals: list[tuple[float, float]], min_gap_s: float
) -> list[tuple[float, float]]:
    """Merge sorted intervals whose gap is < ``min_gap_s`` (SzCORE's 90-s rule)."""
    merged: list[tuple[float, float]] = []
    for start, end in intervals:
        if merged and start - merged[-1][1] < min_gap_s:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def score_events(
    ref: Sequence[SeizureEvent],
    hyp: Sequence[SeizureEvent],
    duration_s: float,
    params: SzcoreParameters | None = None,
) -> ScoreResult:
    """SzCORE event scoring of one recording.

    Parameters
    ----------
    ref : sequence of SeizureEvent
        Reference (expert) seizures, seconds from the recording start.
    hyp : sequence of SeizureEvent
        Detected seizures on the same time axis.
    duration_s : float
        Recording length in seconds (> 0); the denominator of the false-alarm rate.
    params : SzcoreParameters, optional
        Defaults to the SzCORE values (30 s / 60 s tolerance, 90-s merge, 5-min split).

    Returns
    -------
    ScoreResult

    Raises
    ------
    ValueError
        ``duration_s`` not positive and finite, or an event starting at or after
        ``duration_s``.
    TypeError
        Events that are not :class:`SeizureEvent`.

    Notes
    -----
    Counting is delegated to ``timescoring.scoring.EventScoring`` on 10-Hz masks
    (its internal rate). Events running past the end are clipped; overlapping
    events are united before scoring.

    Examples
    --------
    >>> r = score_events([SeizureEvent(100, 40)], [SeizureEvent(110, 30)], 3600)
    >>> r.sensitivity, r.precision, r.median_onset_latency_s
    (1.0, 1.0, 10.0)
    """
    from timescoring.annotations import Annotation
    from timescoring.scoring import EventScoring

    if isinstance(duration_s, bool) or not isinstance(duration_s, int | float):
        raise TypeError(f"duration_s must be a number, got {duration_s!r}")
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be finite and > 0, got {duration_s!r}")
    params = SzcoreParameters() if params is None else params
    if not isinstance(params, SzcoreParameters):
        raise TypeError(f"params must be SzcoreParameters, got {type(params).__name__}")
    duration_s = float(duration_s)
    ref_iv = _normalise(ref, duration_s, "ref")
    hyp_iv = _normalise(hyp, duration_s, "hyp")

    n_samples = round(duration_s * _MASK_RATE_HZ)
    scoring = EventScoring(
        Annotation(ref_iv, _MASK_RATE_HZ, n_samples),
        Annotation(hyp_iv, _MASK_RATE_HZ, n_samples),
        EventScoring.Parameters(
            toleranceStart=params.tolerance_start_s,
            toleranceEnd=params.tolerance_end_s,
            minOverlap=0,
            maxEventDuration=params.max_event_duration_s,
            minDurationBetweenEvents=params.min_gap_s,
        ),
    )
    hyp_counted = sorted(scoring.hyp.events)

    latencies_s: list[float] = []
    for ref_start, ref_end in _merge_close(ref_iv, params.min_gap_s):
        win_start = max(0.0, ref_start - params.tolerance_start_s)
        win_end = min(duration_s, ref_end + params.tolerance_end_s)
        first = next((h for h in hyp_counted if h[0] < win_end and h[1] > win_start), None)
        if first is not None:
            latencies_s.append(float(first[0]) - ref_start)

    return _build_result(
        n_ref=int(scoring.refTrue),
        n_hyp=len(hyp_counted),
        n_tp=int(scoring.tp),
        n_fp=int(scoring.fp),
        latencies_s=latencies_s,
        duration_s=duration_s,
        n_records=1,
    )


def _pool(results: Sequence[ScoreResult]) -> ScoreResult:
    if not results:
        raise ValueError("nothing to pool: no recordings were scored")
    return _build_result(
        n_ref=sum(r.n_ref for r in results),
        n_hyp=sum(r.n_hyp for r in results),
        n_tp=sum(r.n_true_positive for r in results),
        n_fp=sum(r.n_false_positive for r in results),
        latencies_s=[lat for r in results for lat in r.onset_latencies_s],
        duration_s=sum(r.total_duration_s for r in results),
        n_records=sum(r.n_records for r in results),
    )


def score_many(
    pairs: Iterable[tuple[Sequence[SeizureEvent], Sequence[SeizureEvent], float]],
    params: SzcoreParameters | None = None,
) -> ScoreResult:
    """Pooled (micro-averaged) SzCORE scores over several recordings.

    Each recording is scored with :func:`score_events`; the counts (TP, FP,
    reference and hypothesis events), the durations and the latency lists are
    summed, and the metrics computed once from the totals: sensitivity is
    ΣTP/ΣN_ref and the false-alarm rate ΣFP over the total duration.

    Parameters
    ----------
    pairs : iterable of (ref, hyp, duration_s)
        One tuple per recording.
    params : SzcoreParameters, optional

    Returns
    -------
    ScoreResult
        With ``n_records`` the number of recordings.

    Notes
    -----
    This equals SzCORE's per-subject aggregation when all recordings belong to
    one subject. SzCORE's default dataset figure is instead the mean over
    subjects of each subject's pooled metrics [1]_; to get it, call this function
    once per subject and average the metrics.
    """
    results: list[ScoreResult] = []
    for i, item in enumerate(pairs):
        if not isinstance(item, tuple | list) or len(item) != 3:
            raise ValueError(f"pairs[{i}] must be a (ref, hyp, duration_s) tuple, got {item!r}")
        ref, hyp, duration_s = item
        results.append(score_events(ref, hyp, duration_s, params))
    if not results:
        raise ValueError("pairs is empty: give at least one (ref, hyp, duration_s)")
    return _pool(results)


@dataclass
class SampleScoreResult:
    """SzCORE sample-scoring outcome of one recording or of several pooled.

    Attributes
    ----------
    n_samples : int
        1-s samples scored (``round(duration_s)`` per recording).
    n_ref_samples, n_hyp_samples : int
        Samples labelled seizure by the reference and by the hypothesis.
    n_true_positive, n_false_positive : int
        Samples in both masks; samples in the hypothesis only.
    sensitivity, precision, f1 : float or None
        As for events, from sample counts; None when undefined.
    false_positive_s_per_24h : float
        ``n_false_positive`` seconds per 24 h of recording.
    total_duration_s : float
        Length of the recording(s) scored.
    n_records : int
        Number of recordings pooled.
    sample_rate_hz : int
        Rate of the masks (1 Hz, SzCORE's).
    """

    n_samples: int
    n_ref_samples: int
    n_hyp_samples: int
    n_true_positive: int
    n_false_positive: int
    sensitivity: float | None
    precision: float | None
    f1: float | None
    false_positive_s_per_24h: float
    total_duration_s: float = 0.0
    n_records: int = 1
    sample_rate_hz: int = SAMPLE_RATE_HZ

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dictionary (None for undefined metrics)."""
        return asdict(self)


def _sample_result(
    n_samples: int, n_ref: int, n_hyp: int, n_tp: int, n_fp: int, duration_s: float,
    n_records: int,
) -> SampleScoreResult:  # fmt: skip
    counted = _build_result(n_ref, n_hyp, n_tp, n_fp, [], duration_s, n_records)
    return SampleScoreResult(
        n_samples=n_samples,
        n_ref_samples=n_ref,
        n_hyp_samples=n_hyp,
        n_true_positive=n_tp,
        n_false_positive=n_fp,
        sensitivity=counted.sensitivity,
        precision=counted.precision,
        f1=counted.f1,
        false_positive_s_per_24h=n_fp / SAMPLE_RATE_HZ / (duration_s / _SECONDS_PER_DAY),
        total_duration_s=float(duration_s),
        n_records=n_records,
    )


def score_samples(
    ref: Sequence[SeizureEvent], hyp: Sequence[SeizureEvent], duration_s: float
) -> SampleScoreResult:
    """SzCORE sample scoring of one recording (1-s samples; see the module docstring).

    Parameters
    ----------
    ref, hyp : sequence of SeizureEvent
        Reference and detected seizures, seconds from the recording start.
    duration_s : float
        Recording length in seconds (> 0).

    Returns
    -------
    SampleScoreResult

    Raises
    ------
    ValueError, TypeError
        As :func:`score_events`.

    Examples
    --------
    >>> r = score_samples([SeizureEvent(100, 60)], [SeizureEvent(130, 60)], 600)
    >>> r.n_true_positive, r.n_false_positive, r.sensitivity, r.precision
    (30, 30, 0.5, 0.5)
    """
    from timescoring.annotations import Annotation
    from timescoring.scoring import SampleScoring

    if isinstance(duration_s, bool) or not isinstance(duration_s, int | float):
        raise TypeError(f"duration_s must be a number, got {duration_s!r}")
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be finite and > 0, got {duration_s!r}")
    duration_s = float(duration_s)
    n_mask = round(duration_s * _MASK_RATE_HZ)
    scoring = SampleScoring(
        Annotation(_normalise(ref, duration_s, "ref"), _MASK_RATE_HZ, n_mask),
        Annotation(_normalise(hyp, duration_s, "hyp"), _MASK_RATE_HZ, n_mask),
        fs=SAMPLE_RATE_HZ,
    )
    return _sample_result(
        n_samples=int(scoring.numSamples),
        n_ref=int(scoring.refTrue),
        n_hyp=int(scoring.hyp.mask.sum()),
        n_tp=int(scoring.tp),
        n_fp=int(scoring.fp),
        duration_s=duration_s,
        n_records=1,
    )


def score_samples_many(
    pairs: Iterable[tuple[Sequence[SeizureEvent], Sequence[SeizureEvent], float]],
) -> SampleScoreResult:
    """Pooled SzCORE sample scores: sample counts and durations summed over the
    recordings, the metrics computed once from the totals (as :func:`score_many`).

    Raises
    ------
    ValueError
        ``pairs`` empty or an item that is not ``(ref, hyp, duration_s)``.
    """
    results: list[SampleScoreResult] = []
    for i, item in enumerate(pairs):
        if not isinstance(item, tuple | list) or len(item) != 3:
            raise ValueError(f"pairs[{i}] must be a (ref, hyp, duration_s) tuple, got {item!r}")
        results.append(score_samples(*item))
    if not results:
        raise ValueError("pairs is empty: give at least one (ref, hyp, duration_s)")
    return _sample_result(
        n_samples=sum(r.n_samples for r in results),
        n_ref=sum(r.n_ref_samples for r in results),
        n_hyp=sum(r.n_hyp_samples for r in results),
        n_tp=sum(r.n_true_positive for r in results),
        n_fp=sum(r.n_false_positive for r in results),
        duration_s=sum(r.total_duration_s for r in results),
        n_records=len(results),
    )


# ---------------------------------------------------------------------------
# Command line: rsemon score REF HYP [REF HYP ...]
# ---------------------------------------------------------------------------


class _UsageError(Exception):
    """Bad command-line input; reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rsemon score",
        description=(
            "SzCORE event scoring (Dan et al., Epilepsia 2024): sensitivity, precision, "
            "F1, false alarms per 24 h and onset latency of HYP seizure events against "
            "REF. Each file is a SzCORE/BIDS events .tsv, an EDF+ file with seizure "
            "annotations, or a dataset summary with the record after '::' "
            "(chb01-summary.txt::chb01_03.edf, Seizures-list-PN00.txt::PN00-1.edf)."
        ),
    )
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="annotation files in pairs: REF1 HYP1 [REF2 HYP2 ...]",
    )
    parser.add_argument(
        "--duration",
        type=float,
        metavar="S",
        default=None,
        help="recording length in seconds, used when neither file of a pair states it",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def _pair_duration(
    ref_spec: str,
    ref_dur: float | None,
    hyp_spec: str,
    hyp_dur: float | None,
    fallback: float | None,
) -> float:
    if ref_dur is not None and hyp_dur is not None and abs(ref_dur - hyp_dur) > 1.0:
        raise _UsageError(
            f"recording lengths differ: {ref_spec} says {ref_dur:g} s, {hyp_spec} says "
            f"{hyp_dur:g} s; are they the same recording?"
        )
    for value in (ref_dur, hyp_dur, fallback):
        if value is not None:
            return value
    raise _UsageError(
        f"neither {ref_spec} nor {hyp_spec} states the recording length; pass --duration S"
    )


def _short_name(spec: str) -> str:
    """File name (and ``::record``) without the folder, for the table."""
    path, record = split_record_path(spec)
    return path.name if record is None else f"{path.name}::{record}"


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def _table(
    rows: list[tuple[str, ScoreResult]], total: ScoreResult, params: SzcoreParameters
) -> str:
    header = ("record", "ref", "hyp", "TP", "FP", "sens", "prec", "F1", "FA/24h", "latency_s")
    label_width = max(len(header[0]), *(len(name) for name, _ in rows), len("total"))

    def line(name: str, r: ScoreResult) -> str:
        cells = (
            f"{r.n_ref:>5d}",
            f"{r.n_hyp:>5d}",
            f"{r.n_true_positive:>5d}",
            f"{r.n_false_positive:>5d}",
            f"{_fmt(r.sensitivity, '.3f'):>6}",
            f"{_fmt(r.precision, '.3f'):>6}",
            f"{_fmt(r.f1, '.3f'):>6}",
            f"{r.false_alarms_per_24h:>8.2f}",
            f"{_fmt(r.median_onset_latency_s, '.1f'):>9}",
        )
        return f"{name:<{label_width}}  " + " ".join(cells)

    out = [
        f"SzCORE event scoring (tolerance -{params.tolerance_start_s:g} s / "
        f"+{params.tolerance_end_s:g} s, merge < {params.min_gap_s:g} s, "
        f"split > {params.max_event_duration_s:g} s)",
        f"{header[0]:<{label_width}}  "
        + " ".join(f"{h:>5}" for h in header[1:5])
        + f" {header[5]:>6} {header[6]:>6} {header[7]:>6} {header[8]:>8} {header[9]:>9}",
    ]
    out += [line(name, r) for name, r in rows]
    if len(rows) > 1:
        out.append(line("total", total))
    out += [
        "",
        f"recordings               {total.n_records}",
        f"total duration           {total.total_duration_s / 3600:.2f} h",
        f"sensitivity              {_fmt(total.sensitivity, '.3f')}"
        f"  ({total.n_true_positive}/{total.n_ref} reference events)",
        f"precision                {_fmt(total.precision, '.3f')}",
        f"F1                       {_fmt(total.f1, '.3f')}",
        f"false alarms per 24 h    {total.false_alarms_per_24h:.2f}"
        f"  ({total.n_false_positive} false alarms)",
        f"median onset latency     {_fmt(total.median_onset_latency_s, '.1f')} s",
    ]
    return "\n".join(out)


def score_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``rsemon score REF HYP [REF HYP ...] [--duration S] [--json]``.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments after ``score`` (``sys.argv[2:]`` under ``rsemon``); defaults
        to ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success; 2 on bad input, after one line ``rsemon score: error: ...``
        on stderr.
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    try:
        try:
            args = parser.parse_args(args_list)
        except SystemExit as exc:  # --help
            return int(exc.code or 0)
        files: list[str] = args.files
        if len(files) % 2:
            raise _UsageError(
                f"files must come in REF HYP pairs, got {len(files)} path(s): {' '.join(files)}"
            )
        if args.duration is not None and not (math.isfinite(args.duration) and args.duration > 0):
            raise _UsageError(
                f"--duration must be a positive number of seconds, got {args.duration}"
            )
        params = SzcoreParameters()
        rows: list[tuple[str, ScoreResult]] = []
        records: list[dict[str, Any]] = []
        for ref_spec, hyp_spec in zip(files[0::2], files[1::2], strict=True):
            ref_events, ref_dur = read_any_with_duration(ref_spec)
            hyp_events, hyp_dur = read_any_with_duration(hyp_spec)
            duration_s = _pair_duration(ref_spec, ref_dur, hyp_spec, hyp_dur, args.duration)
            result = score_events(ref_events, hyp_events, duration_s, params)
            rows.append((_short_name(ref_spec), result))
            records.append({"ref": ref_spec, "hyp": hyp_spec, **result.to_dict()})
        total = _pool([r for _, r in rows])
    except (_UsageError, ValueError, OSError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        print(f"rsemon score: error: {reason}", file=sys.stderr)
        return 2

    if args.json:
        payload = {"parameters": asdict(params), "records": records, "total": total.to_dict()}
        print(json.dumps(payload, indent=2))
    else:
        print(_table(rows, total, params))
    return 0


if __name__ == "__main__":
    sys.exit(score_main(sys.argv[1:]))
