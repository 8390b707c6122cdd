"""Clinical entries of a bed: treatments, titration targets, observed seizures."""

from __future__ import annotations

from fastapi import APIRouter, status

from rse_monitor.service.auth import Clinician, Viewer
from rse_monitor.service.deps import ManagerDep
from rse_monitor.service.routers import AUTH_ERRORS, NOT_FOUND
from rse_monitor.service.routers.beds import BedId
from rse_monitor.service.runner import targets_public
from rse_monitor.service.schemas import (
    ObservationCreate,
    ObservationPublic,
    ObservationsPublic,
    TargetsIn,
    TargetsPublic,
    TreatmentCreate,
    TreatmentPublic,
    TreatmentsPublic,
)

router = APIRouter(tags=["clinical"], responses={**AUTH_ERRORS, **NOT_FOUND})


@router.post(
    "/beds/{bed_id}/treatments",
    response_model=TreatmentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Log a treatment (clinician+); the answer says whether the dose was adequate and why",
    description=(
        "A dose in `mg/kg` (or a rate in `mg/kg/h`) is converted with the bed's weight and "
        "the conversion echoed in `conversion`. A dose above the agent's plausible maximum "
        "(single bolus in mg, or infusion rate in mg/kg/h; see `detectors.doses.DOSE_LIMITS`) "
        "is refused with the limit and its source unless `override_reason` is given."
    ),
    responses={
        422: {
            "description": "unknown agent, unit or route; a dose above its plausible maximum "
            "without override_reason; malformed body"
        }
    },
)
def add_treatment(
    bed_id: BedId, body: TreatmentCreate, principal: Clinician, manager: ManagerDep
) -> TreatmentPublic:
    return manager.add_treatment(bed_id, body, principal)


@router.get("/beds/{bed_id}/treatments", response_model=TreatmentsPublic)
def list_treatments(bed_id: BedId, principal: Viewer, manager: ManagerDep) -> TreatmentsPublic:
    data = manager.treatments(bed_id)
    return TreatmentsPublic(data=data, count=len(data))


@router.put(
    "/beds/{bed_id}/targets",
    response_model=TargetsPublic,
    summary="Set the titration target (clinician+)",
    responses={422: {"description": "malformed body (e.g. sr_low >= sr_high)"}},
)
def put_targets(
    bed_id: BedId, body: TargetsIn, principal: Clinician, manager: ManagerDep
) -> TargetsPublic:
    return manager.set_targets(bed_id, body, principal)


@router.get("/beds/{bed_id}/targets", response_model=TargetsPublic)
def get_targets(bed_id: BedId, principal: Viewer, manager: ManagerDep) -> TargetsPublic:
    return targets_public(manager.get(bed_id))


@router.post(
    "/beds/{bed_id}/events",
    response_model=ObservationPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Record a clinically observed seizure state (clinician+)",
    description=(
        "`seizure_start` / `seizure_ongoing`: seizure activity observed at that time; "
        "`seizure_end`: it stopped. On a bed without EEG (`source.kind = none`) the "
        "observations drive the SE stage and must be entered in time order (409 "
        "otherwise). On an EEG bed an observation takes effect at the bed's current time "
        "and is combined (OR) with the EEG detector until `seizure_end`."
    ),
    responses={409: {"description": "observation earlier than the latest one (no-EEG bed)"}},
)
def add_event(
    bed_id: BedId, body: ObservationCreate, principal: Clinician, manager: ManagerDep
) -> ObservationPublic:
    return manager.add_observation(bed_id, body, principal)


@router.get("/beds/{bed_id}/events", response_model=ObservationsPublic)
def list_events(bed_id: BedId, principal: Viewer, manager: ManagerDep) -> ObservationsPublic:
    data = manager.observations(bed_id)
    return ObservationsPublic(data=data, count=len(data))
