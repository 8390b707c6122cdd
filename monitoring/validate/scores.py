"""SzCORE scores of a validation run: per recording, per subject, pooled.

Counting is :mod:`detectors.scoring` (SzCORE event scoring through
``timescoring``) on the reference annotations and the ``sz`` rows of each
recording's ``events.tsv`` (ACNS pattern rows such as ``lpd`` are not seizures and
are not scored). Per subject and pooled figures are micro-averages
(:func:`detectors.scoring.score_many`: counts and durations summed, metrics from the
totals); ``subject_mean`` is SzCORE's data-set figure, the mean over subjects of
each subject's metrics [1]_.

Only event scoring: ``detectors.scoring`` has no sample-based scoring yet, so
``scores.json`` says so under ``sample_scoring``.

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
from rse_monitor.detectors.scoring import ScoreResult, SzcoreParameters, score_events, score_many
from rse_monitor.monitoring.validate.dataset import Recording
from rse_monitor.monitoring.validate.tasks import output_paths

__all__ = ["RecordingScore", "score_recording", "aggregate", "write_scores", "TSV_COLUMNS"]

SAMPLE_SCORING_NOTE = "not computed: detectors.scoring implements SzCORE event scoring only"

TSV_COLUMNS: tuple[str, ...] = (
    "level", "id", "subject", "n_records", "duration_h", "n_ref", "n_hyp", "tp", "fp",
    "sensitivity", "precision", "f1", "false_alarms_per_24h", "false_alarms_per_h",
    "median_onset_latency_s",
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


def score_recording(
    rec: Recording, root: Path, duration_s: float, params: SzcoreParameters | None = None
) -> RecordingScore:
    """Score one replayed recording (its ``events.tsv`` under ``root``) against its
    reference; without a reference, or when the reference cannot be read, the
    result is None and ``note`` says why."""
    try:
        detected, _ = read_events_tsv(output_paths(rec, root)["events.tsv"])
    except (OSError, ValueError) as exc:
        note = f"not scored: events.tsv unreadable: {' '.join(str(exc).split())}"
        return RecordingScore(rec, duration_s, [], [], None, note)
    if rec.reference is None:
        return RecordingScore(rec, duration_s, [], detected, None, "no reference annotations")
    try:
        reference, ref_duration_s = read_any_with_duration(rec.reference)
        if ref_duration_s is not None and abs(ref_duration_s - duration_s) > 1.0:
            raise ValueError(
                f"reference says {ref_duration_s:g} s, the recording is {duration_s:g} s long"
            )
        result = score_events(reference, detected, duration_s, params)
    except (OSError, ValueError, TypeError) as exc:
        note = f"reference not scored: {' '.join(str(exc).split())}"
        return RecordingScore(rec, duration_s, [], detected, None, note)
    return RecordingScore(rec, duration_s, reference, detected, result)


def _pairs(scores: Sequence[RecordingScore]) -> list[tuple[Any, Any, float]]:
    return [(s.reference, s.detected, s.duration_s) for s in scores if s.result is not None]


def aggregate(
    scores: Sequence[RecordingScore], params: SzcoreParameters | None = None
) -> dict[str, Any]:
    """Per-recording, per-subject and pooled scores as one JSON-ready dictionary."""
    params = params or SzcoreParameters()
    scored = [s for s in scores if s.result is not None]
    by_subject: dict[str, list[RecordingScore]] = {}
    for s in scored:
        by_subject.setdefault(s.recording.subject, []).append(s)
    subjects = {sub: score_many(_pairs(items), params).to_dict()
                for sub, items in sorted(by_subject.items())}  # fmt: skip
    pooled = score_many(_pairs(scored), params).to_dict() if scored else None

    def mean_of(key: str) -> float | None:
        values = [v[key] for v in subjects.values() if v[key] is not None]
        return float(statistics.fmean(values)) if values else None

    return {
        "parameters": asdict(params),
        "scoring": "SzCORE event scoring (detectors.scoring, timescoring)",
        "sample_scoring": SAMPLE_SCORING_NOTE,
        "records": [
            {"id": s.recording.key, "subject": s.recording.subject,
             "session": s.recording.session, "recording": s.recording.path,
             "reference": s.recording.reference, "duration_s": s.duration_s,
             "note": s.note, **(s.result.to_dict() if s.result else {})}
            for s in scores
        ],
        "subjects": subjects,
        "pooled": pooled,
        "subject_mean": {key: mean_of(key) for key in
                         ("sensitivity", "precision", "f1", "false_alarms_per_24h")},
    }  # fmt: skip


def _cell(value: Any, spec: str = ".4f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format(value, spec) if isinstance(value, float) else str(value)


def _row(level: str, ident: str, subject: str, r: dict[str, Any]) -> list[str]:
    return [
        level, ident, subject, str(r["n_records"]), _cell(r["total_duration_s"] / 3600),
        str(r["n_ref"]), str(r["n_hyp"]), str(r["n_true_positive"]),
        str(r["n_false_positive"]), _cell(r["sensitivity"]), _cell(r["precision"]),
        _cell(r["f1"]), _cell(r["false_alarms_per_24h"]),
        _cell(r["false_alarms_per_24h"] / 24.0), _cell(r["median_onset_latency_s"], ".1f"),
    ]  # fmt: skip


def write_scores(scores: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """``scores.json`` (everything) and ``scores.tsv`` (one row per recording scored,
    per subject and the pooled row) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "scores.json"
    json_path.write_text(json.dumps(scores, indent=1) + "\n", encoding="utf-8")
    rows = [list(TSV_COLUMNS)]
    rows += [_row("recording", r["id"], r["subject"], r)
             for r in scores["records"] if "n_ref" in r]  # fmt: skip
    rows += [_row("subject", f"sub-{sub}", sub, r) for sub, r in scores["subjects"].items()]
    if scores["pooled"] is not None:
        rows.append(_row("pooled", "all", "n/a", scores["pooled"]))
    tsv_path = folder / "scores.tsv"
    tsv_path.write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-8")
    return json_path, tsv_path
