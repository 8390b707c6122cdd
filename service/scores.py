"""The bedside scores of a bed: its entered history, and the scores computed from it
and from the EEG findings the engine stored (issue 14, part 4).

The scores themselves are pure functions of the clinical layer
(:mod:`detectors.clinical.scores`); this module reads their inputs from the store
(the history, a summary of the trends aggregated in SQL, and the counts of the
sporadic discharges and BIRDs the bed's tracker found: no signal processing here)
and shapes the answers. Writes are audited by
:class:`service.security.AuditMiddleware`, like every other write.
"""

from __future__ import annotations

from typing import Any

from rse_monitor.detectors.clinical.scores import History, PatternCount, all_scores, eeg_findings
from rse_monitor.service import store
from rse_monitor.service.auth import Principal
from rse_monitor.service.db import Database, iso_utc, utc_now
from rse_monitor.service.runner import Bed
from rse_monitor.service.schemas import HistoryIn, HistoryPublic, ScorePublic, ScoresPublic

__all__ = ["bed_history", "bed_scores", "put_history"]


def _history_public(bed: Bed, row: dict[str, Any] | None) -> HistoryPublic:
    fields = {f: (row or {}).get(f) for f in store.HISTORY_FIELDS}
    stamp = {"updated_at": None, "updated_by": None} if row is None else {
        "updated_at": row["updated_at"], "updated_by": row["updated_by"]}  # fmt: skip
    return HistoryPublic(bed_id=bed.bed_id, **fields, **stamp)


def put_history(db: Database, bed: Bed, body: HistoryIn, principal: Principal) -> HistoryPublic:
    """Store (replace) the bed's history; return it as stored."""
    with db.transaction() as conn:
        store.upsert_history(conn, bed.admission_id, body.model_dump(), iso_utc(utc_now()),
                             principal.name)  # fmt: skip
        row = store.get_history(conn, bed.admission_id)
    return _history_public(bed, row)


def bed_history(db: Database, bed: Bed) -> HistoryPublic:
    """The bed's history (every field null when nothing was entered)."""
    with db.read() as conn:
        row = store.get_history(conn, bed.admission_id)
    return _history_public(bed, row)


def _brief_measured(bed: Bed) -> bool:
    """The bed's EEG is searched for sporadic discharges and BIRDs: it has an EEG
    source, the ACNS rules are on, and its engine (once built) has their tracker
    (not for a source in unknown units)."""
    if bed.source_kind == "none" or not bed.settings.engine.acns:
        return False
    engine = bed.session.engine
    return engine is None or engine.patterns is not None


def bed_scores(db: Database, bed: Bed) -> ScoresPublic:
    """Every score with its value, inputs, missing items and citation."""
    with db.read() as conn:
        row = store.get_history(conn, bed.admission_id)
        summary = store.trend_summary(conn, bed.admission_id)
        brief = store.brief_summary(conn, bed.admission_id) if _brief_measured(bed) else None
    hist = _history_public(bed, row)
    charlson = hist.charlson_conditions
    history = History(
        age_years=hist.age_years, consciousness=hist.consciousness,
        worst_seizure_type=hist.worst_seizure_type, prior_seizures=hist.prior_seizures,
        etiology=hist.etiology, charlson_conditions=None if charlson is None else tuple(charlson),
    )  # fmt: skip
    patterns = summary["patterns"]
    eeg = eeg_findings(
        None if patterns is None else [PatternCount(*p) for p in patterns],
        n_hops=summary["n_hops"], n_ictal_hops=summary["n_ictal_hops"],
        n_burst_suppression_hops=summary["n_burst_suppression_hops"],
        hop_s=bed.settings.engine.hop_s,
        n_sporadic=None if brief is None else brief["n_sporadic"],
        n_birds=None if brief is None else brief["n_birds"],
    )  # fmt: skip
    data = [ScorePublic.model_validate(s.to_dict()) for s in all_scores(history, eeg)]
    return ScoresPublic(bed_id=bed.bed_id, history=hist, eeg_analysed_s=eeg.analysed_s,
                        data=data, count=len(data))  # fmt: skip
