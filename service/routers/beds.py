"""Beds: admit (start monitoring), list, read, discharge; live state, trends, spectrogram,
raw EEG."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from rse_monitor.pipeline.display import Montage
from rse_monitor.pipeline.features import BANDS_HZ
from rse_monitor.service.auth import Technician, Viewer
from rse_monitor.service.db import iso_utc
from rse_monitor.service.deps import DbDep, ManagerDep
from rse_monitor.service.eeg import MAX_SPAN_S, bed_eeg
from rse_monitor.service.routers import AUTH_ERRORS, NOT_FOUND
from rse_monitor.service.schemas import (
    BED_ID_PATTERN,
    BedCreate,
    BedPublic,
    BedsPublic,
    BedState,
    EegPublic,
    SpectrogramPublic,
    TrendsPublic,
)
from rse_monitor.service.store import TREND_FIELDS, read_trends

router = APIRouter(tags=["beds"], responses={**AUTH_ERRORS})

BedId = Annotated[str, Path(pattern=BED_ID_PATTERN, description="bed id, e.g. ICU-3")]
TimeS = Annotated[
    float | None,
    Query(ge=-1e9, le=1e9, allow_inf_nan=False, description="seconds on the bed clock"),
]
BANDS = ("delta", "theta", "alpha", "beta")


@router.post(
    "/beds",
    response_model=BedPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Admit a bed and start monitoring it (technician+)",
    responses={
        403: {"description": "role too low, or EDF path outside the recordings folders"},
        409: {"description": "bed id already active"},
        422: {"description": "malformed body, unreadable EDF, bad settings"},
        501: {"description": "LSL support not installed"},
    },
)
def create_bed(body: BedCreate, principal: Technician, manager: ManagerDep) -> BedPublic:
    return manager.create(body, principal).public()


@router.get("/beds", response_model=BedsPublic, summary="Active beds")
def list_beds(principal: Viewer, manager: ManagerDep) -> BedsPublic:
    beds = [b.public() for b in manager.beds()]
    return BedsPublic(data=beds, count=len(beds))


@router.get("/beds/{bed_id}", response_model=BedPublic, responses={**NOT_FOUND})
def get_bed(bed_id: BedId, principal: Viewer, manager: ManagerDep) -> BedPublic:
    return manager.get(bed_id).public()


@router.delete(
    "/beds/{bed_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop monitoring and discharge a bed (technician+); its records are kept",
    responses={**NOT_FOUND},
)
def delete_bed(bed_id: BedId, principal: Technician, manager: ManagerDep) -> Response:
    manager.discharge(bed_id, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/beds/{bed_id}/state",
    response_model=BedState,
    summary="Latest features, ictal state, depth, SE stage with reasons, targets, advice",
    responses={**NOT_FOUND},
)
def bed_state(bed_id: BedId, principal: Viewer, manager: ManagerDep) -> BedState:
    return manager.state(bed_id)


@router.get(
    "/beds/{bed_id}/trends",
    response_model=TrendsPublic,
    summary="Per-hop trend rows with t_s > since_s (without since_s: the latest rows)",
    responses={**NOT_FOUND},
)
def bed_trends(
    bed_id: BedId,
    principal: Viewer,
    manager: ManagerDep,
    db: DbDep,
    since_s: TimeS = None,
    until_s: TimeS = None,
    limit: Annotated[int, Query(ge=1, le=100000)] = 10000,
) -> TrendsPublic:
    bed = manager.get(bed_id)
    rows = read_trends(db, bed.admission_id, since_s, until_s, limit)
    return TrendsPublic(
        bed_id=bed.bed_id, t0_time=iso_utc(bed.clock.origin), speed=bed.clock.speed,
        columns=list(TREND_FIELDS), data=rows, count=len(rows),
    )  # fmt: skip


@router.get(
    "/beds/{bed_id}/spectrogram",
    response_model=SpectrogramPublic,
    summary="Band powers per hop (delta, theta, alpha, beta; µV²) for a compressed spectral array",
    responses={**NOT_FOUND},
)
def bed_spectrogram(
    bed_id: BedId,
    principal: Viewer,
    manager: ManagerDep,
    db: DbDep,
    since_s: TimeS = None,
    until_s: TimeS = None,
    limit: Annotated[int, Query(ge=1, le=100000)] = 10000,
) -> SpectrogramPublic:
    bed = manager.get(bed_id)
    fields = ("t_s", *(f"{b}_uv2" for b in BANDS))
    rows = read_trends(db, bed.admission_id, since_s, until_s, limit, fields)
    power = [[r[f"{b}_uv2"] for b in BANDS] for r in rows]
    relative: list[list[float | None]] = []
    for p in power:
        vals = [v for v in p if v is not None and math.isfinite(v)]
        total = sum(vals)
        relative.append([None if v is None or total <= 0 else v / total for v in p])
    return SpectrogramPublic(
        bed_id=bed.bed_id, t0_time=iso_utc(bed.clock.origin), bands=list(BANDS),
        bands_hz={b: list(BANDS_HZ[b]) for b in BANDS if b in BANDS_HZ},
        t_s=[r["t_s"] for r in rows], power_uv2=power, relative=relative, count=len(rows),
    )  # fmt: skip


@router.get(
    "/beds/{bed_id}/eeg",
    response_model=EegPublic,
    summary=f"Up to {MAX_SPAN_S:g} s of the bed's EEG as displayed: montaged, band-pass and "
    "notch of the bed's settings applied zero-phase, min/max-decimated to max_points",
    responses={
        404: {"description": "no such bed, or no EEG stored for the span"},
        422: {"description": "end_s <= start_s, a span over 60 s, NaN, unknown montage"},
    },
)
def bed_eeg_excerpt(
    bed_id: BedId,
    principal: Viewer,
    manager: ManagerDep,
    start_s: Annotated[
        float,
        Query(ge=0, le=1e9, allow_inf_nan=False, description="bed time of the first sample, s"),
    ],
    end_s: Annotated[
        float,
        Query(
            ge=0, le=1e9, allow_inf_nan=False, description="bed time just after the last sample, s"
        ),
    ],
    montage: Annotated[
        Montage | None,
        Query(
            description="bipolar (the engine's longitudinal "
            "bipolar), referential (as recorded) or average (common average); "
            "default: the bed's montage setting"
        ),
    ] = None,
    max_points: Annotated[
        int | None,
        Query(
            ge=100, le=100000, description="at most this many points per channel (min/max buckets)"
        ),
    ] = None,
) -> EegPublic:
    return bed_eeg(manager.get(bed_id), manager.raw_root, start_s, end_s, montage, max_points)
