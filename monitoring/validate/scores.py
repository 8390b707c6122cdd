"""SzCORE scores and suppression-ratio error of a validation run: per recording,
per subject, pooled.

Counting is :mod:`detectors.scoring` (SzCORE event scoring through
``timescoring``) on the reference annotations and the ``sz`` rows of each
recording's ``events.tsv`` (ACNS pattern rows such as ``lpd`` are not seizures and
are not scored). Per subject and pooled figures are micro-averages
(:func:`detectors.scoring.score_many`: counts and durations summed, metrics from the
totals); ``subject_mean`` is SzCORE's data-set figure, the mean over subjects of
each subject's metrics [1]_.

SzCORE sample scoring (:func:`detectors.scoring.score_samples`: 1-s samples) of the
same pairs is pooled the same way, under ``sample_scoring`` and as each record's
``sample``. Where a recording has a reference suppression ratio
(:attr:`.dataset.Recording.suppression`), the error of the monitor's
``suppression_ratio`` against it (:mod:`.suppression`: MAE and bias in percentage
points) is each record's ``suppression`` and is pooled per subject and overall
under ``suppression_error``.

References
----------
.. [1] Dan J. et al. (2024). SzCORE. Epilepsia. doi:10.1111/epi.18113
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rse_monitor.detectors.annotations import SeizureEvent, read_any_with_duration, read_events_tsv
from rse_monitor.detectors.scoring import (
    SAMPLE_RATE_HZ,
    SampleScoreResult,
    ScoreResult,
    SzcoreParameters,
    score_events,
    score_many,
    score_samples,
    score_samples_many,
)
from rse_monitor.monitoring.validate.dataset import Recording
from rse_monitor.monitoring.validate.suppression import (
    SuppressionError,
    pool_suppression,
    read_monitor_ratio,
    read_reference_ratio,
    suppression_error,
)
from rse_monitor.monitoring.validate.tasks import output_paths

__all__ = ["RecordingScore", "score_recording", "aggregate", "write_scores", "TSV_COLUMNS"]

TSV_COLUMNS: tuple[str, ...] = (
    "level", "id", "subject", "n_records", "duration_h", "n_ref", "n_hyp", "tp", "fp",
    "sensitivity", "precision", "f1", "false_alarms_per_24h", "false_alarms_per_h",
    "median_onset_latency_s", "sample_sensitivity", "sample_precision", "sample_f1",
    "sample_fp_s_per_24h", "sr_n_points", "sr_mae_pp", "sr_bias_pp",
)  # fmt: skip


@dataclass
class RecordingScore:
    """One recording's reference, detections and score (``result`` None: unscored)."""

    recording: Recording
    duration_s: float
    reference: list[SeizureEvent]
    detected: list[SeizureEvent]
    result: ScoreResult | None
    note: str | None = None
    sample: SampleScoreResult | None = None
    suppression: SuppressionError | None = None
    suppression_note: str | None = None


def _oneline(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def score_suppression(rec: Recording, root: Path) -> tuple[SuppressionError | None, str | None]:
    """The recording's suppression-ratio error, or None and why (no reference, or a
    reference or ``trends.csv`` that cannot be read)."""
    if rec.suppression is None:
        return None, None
    try:
        ref_t, ref_r = read_reference_ratio(rec.suppression)
        mon_t, mon_r = read_monitor_ratio(output_paths(rec, root)["trends.csv"])
    except (OSError, ValueError) as exc:
        return None, f"suppression reference not scored: {_oneline(exc)}"
    return suppression_error(ref_t, ref_r, mon_t, mon_r), None


def score_recording(
    rec: Recording, root: Path, duration_s: float, params: SzcoreParameters | None = None
) -> RecordingScore:
    """Score one replayed recording (its ``events.tsv`` under ``root``) against its
    reference; without a reference, or when the reference cannot be read, the
    result is None and ``note`` says why. The suppression-ratio error is computed
    whenever the recording has a suppression reference."""
    sr_error, sr_note = score_suppression(rec, root)
    try:
        detected, _ = read_events_tsv(output_paths(rec, root)["events.tsv"])
    except (OSError, ValueError) as exc:
        note = f"not scored: events.tsv unreadable: {_oneline(exc)}"
        return RecordingScore(rec, duration_s, [], [], None, note, None, sr_error, sr_note)
    if rec.reference is None:
        return RecordingScore(rec, duration_s, [], detected, None, "no reference annotations",
                              None, sr_error, sr_note)  # fmt: skip
    try:
        reference, ref_duration_s = read_any_with_duration(rec.reference)
        if ref_duration_s is not None and abs(ref_duration_s - duration_s) > 1.0:
            raise ValueError(
                f"reference says {ref_duration_s:g} s, the recording is {duration_s:g} s long"
            )
        result = score_events(reference, detected, duration_s, params)
        sample = score_samples(reference, detected, duration_s)
    except (OSError, ValueError, TypeError) as exc:
        note = f"reference not scored: {_oneline(exc)}"
        return RecordingScore(rec, duration_s, [], detected, None, note, None, sr_error, sr_note)
    return RecordingScore(rec, duration_s, reference, detected, result, None, sample, sr_error,
                          sr_note)  # fmt: skip


def _pairs(scores: Sequence[RecordingScore]) -> list[tuple[Any, Any, float]]:
    return [(s.reference, s.detected, s.duration_s) for s in scores if s.result is not None]


def _by_subject(scores: Sequence[RecordingScore]) -> dict[str, list[RecordingScore]]:
    out: dict[str, list[RecordingScore]] = {}
    for s in scores:
        out.setdefault(s.recording.subject, []).append(s)
    return dict(sorted(out.items()))


def _subject_mean(subjects: dict[str, dict[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    """SzCORE's data-set figure: the mean over subjects of each metric (None skipped)."""
    out: dict[str, float | None] = {}
    for key in keys:
        values = [v[key] for v in subjects.values() if v[key] is not None]
        out[key] = float(statistics.fmean(values)) if values else None
    return out


def aggregate(
    scores: Sequence[RecordingScore], params: SzcoreParameters | None = None
) -> dict[str, Any]:
    """Per-recording, per-subject and pooled scores as one JSON-ready dictionary.

    Keys: ``records`` (one per replayed recording: its event scores at top level,
    ``sample`` and ``suppression`` dictionaries or None), ``subjects``, ``pooled`` and
    ``subject_mean`` (event scoring), ``sample_scoring`` (``subjects``, ``pooled``,
    ``subject_mean``) and ``suppression_error`` (``subjects``, ``pooled``).
    """
    params = params or SzcoreParameters()
    scored = [s for s in scores if s.result is not None]
    by_subject = _by_subject(scored)
    subjects = {sub: score_many(_pairs(items), params).to_dict()
                for sub, items in by_subject.items()}  # fmt: skip
    pooled = score_many(_pairs(scored), params).to_dict() if scored else None
    sample_subjects = {sub: score_samples_many(_pairs(items)).to_dict()
                       for sub, items in by_subject.items()}  # fmt: skip
    with_sr = [s for s in scores if s.suppression is not None]
    sr_subjects = {sub: pool_suppression([s.suppression for s in items if s.suppression]).to_dict()
                   for sub, items in _by_subject(with_sr).items()}  # fmt: skip
    sr_pooled = (
        pool_suppression([s.suppression for s in with_sr if s.suppression]) if with_sr else None
    )
    metrics = ("sensitivity", "precision", "f1")
    return {
        "parameters": asdict(params),
        "scoring": "SzCORE event scoring (detectors.scoring, timescoring)",
        "records": [
            {"id": s.recording.key, "subject": s.recording.subject,
             "session": s.recording.session, "recording": s.recording.path,
             "reference": s.recording.reference,
             "suppression_reference": s.recording.suppression, "duration_s": s.duration_s,
             "note": s.note, **(s.result.to_dict() if s.result else {}),
             "sample": s.sample.to_dict() if s.sample else None,
             "suppression": s.suppression.to_dict() if s.suppression else None,
             "suppression_note": s.suppression_note}
            for s in scores
        ],
        "subjects": subjects,
        "pooled": pooled,
        "subject_mean": _subject_mean(subjects, (*metrics, "false_alarms_per_24h")),
        "sample_scoring": {
            "method": f"SzCORE sample scoring, {SAMPLE_RATE_HZ}-s samples "
                      "(detectors.scoring.score_samples, timescoring)",
            "subjects": sample_subjects,
            "pooled": score_samples_many(_pairs(scored)).to_dict() if scored else None,
            "subject_mean": _subject_mean(sample_subjects,
                                          (*metrics, "false_positive_s_per_24h")),
        },
        "suppression_error": {
            "method": "monitor minus reference suppression ratio on the reference's time "
                      "grid, percentage points (monitoring.validate.suppression)",
            "subjects": sr_subjects,
            "pooled": sr_pooled.to_dict() if sr_pooled else None,
        },
    }  # fmt: skip


def _cell(value: Any, spec: str = ".4f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format(value, spec) if isinstance(value, float) else str(value)


def _row(
    level: str, ident: str, subject: str, n_records: int, r: dict[str, Any] | None,
    sample: dict[str, Any] | None, sr: dict[str, Any] | None,
) -> list[str]:  # fmt: skip
    """One TSV row: event columns, sample columns, suppression columns (``n/a`` where
    that part was not scored); ``n_records`` counts recordings scored in any part."""
    event = ["n/a"] * 11
    if r is not None:
        event = [
            _cell(r["total_duration_s"] / 3600), str(r["n_ref"]), str(r["n_hyp"]),
            str(r["n_true_positive"]), str(r["n_false_positive"]), _cell(r["sensitivity"]),
            _cell(r["precision"]), _cell(r["f1"]), _cell(r["false_alarms_per_24h"]),
            _cell(r["false_alarms_per_24h"] / 24.0), _cell(r["median_onset_latency_s"], ".1f"),
        ]  # fmt: skip
    samples = ["n/a"] * 4
    if sample is not None:
        samples = [_cell(sample["sensitivity"]), _cell(sample["precision"]), _cell(sample["f1"]),
                   _cell(sample["false_positive_s_per_24h"], ".1f")]  # fmt: skip
    suppression = ["n/a"] * 3
    if sr is not None:
        suppression = [str(sr["n_points"]), _cell(sr["mae_pp"], ".3f"),
                       _cell(sr["bias_pp"], ".3f")]  # fmt: skip
    return [level, ident, subject, str(n_records), *event, *samples, *suppression]


def write_scores(scores: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """``scores.json`` (everything) and ``scores.tsv`` (one row per recording scored
    for seizures or suppression, per subject and the pooled row) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "scores.json"
    json_path.write_text(json.dumps(scores, indent=1) + "\n", encoding="utf-8")
    rows = [list(TSV_COLUMNS)]
    records = [r for r in scores["records"] if "n_ref" in r or r["suppression"]]
    rows += [_row("recording", r["id"], r["subject"], 1, r if "n_ref" in r else None,
                  r["sample"], r["suppression"]) for r in records]  # fmt: skip
    sample, sr = scores["sample_scoring"], scores["suppression_error"]
    for sub in sorted({r["subject"] for r in records}):
        n = sum(r["subject"] == sub for r in records)
        rows.append(_row("subject", f"sub-{sub}", sub, n, scores["subjects"].get(sub),
                         sample["subjects"].get(sub), sr["subjects"].get(sub)))  # fmt: skip
    if records:
        rows.append(_row("pooled", "all", "n/a", len(records), scores["pooled"],
                         sample["pooled"], sr["pooled"]))  # fmt: skip
    tsv_path = folder / "scores.tsv"
    tsv_path.write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-8")
    return json_path, tsv_path
