"""Bedside scores of a bed: the history entered once per bed, and the scores."""

from __future__ import annotations

from fastapi import APIRouter

from rse_monitor.service.auth import Clinician, Viewer
from rse_monitor.service.deps import DbDep, ManagerDep
from rse_monitor.service.routers import AUTH_ERRORS, NOT_FOUND
from rse_monitor.service.routers.beds import BedId
from rse_monitor.service.schemas import HistoryIn, HistoryPublic, ScoresPublic
from rse_monitor.service.scores import bed_history, bed_scores, put_history

router = APIRouter(tags=["scores"], responses={**AUTH_ERRORS, **NOT_FOUND})


@router.put(
    "/beds/{bed_id}/history",
    response_model=HistoryPublic,
    summary="Enter the history the bedside scores need (clinician+); replaces the whole history",
    responses={422: {"description": "malformed body, unknown category, age out of range"}},
)
def put_bed_history(
    bed_id: BedId, body: HistoryIn, principal: Clinician, manager: ManagerDep, db: DbDep
) -> HistoryPublic:
    return put_history(db, manager.get(bed_id), body, principal)


@router.get("/beds/{bed_id}/history", response_model=HistoryPublic)
def get_bed_history(
    bed_id: BedId, principal: Viewer, manager: ManagerDep, db: DbDep
) -> HistoryPublic:
    return bed_history(db, manager.get(bed_id))


@router.get(
    "/beds/{bed_id}/scores",
    response_model=ScoresPublic,
    summary="STESS, EMSE (EAC, EACE) and 2HELPS2B with value, inputs, missing items, citation",
    description=(
        "A score whose inputs are incomplete has `value` null and `low`/`high` bounds; "
        "`missing` names the items (ASIDs are not measured and always missing; sporadic "
        "discharges and BIRDs are missing for beds without EEG analysed by the ACNS rules). "
        "`uncertain` lists weights not verified "
        "against the publication."
    ),
)
def get_bed_scores(
    bed_id: BedId, principal: Viewer, manager: ManagerDep, db: DbDep
) -> ScoresPublic:
    return bed_scores(db, manager.get(bed_id))
