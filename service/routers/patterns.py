"""ACNS 2021 pattern episodes of a bed (issue 14): the list the bed page shows, each
with the onset and channels its jump to the EEG viewer needs.

The response models live here with their one route (a resource of its own, like
the scores' router).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from rse_monitor.service.auth import Viewer
from rse_monitor.service.db import iso_utc
from rse_monitor.service.deps import ManagerDep
from rse_monitor.service.errors import InvalidEntry
from rse_monitor.service.routers import AUTH_ERRORS, NOT_FOUND
from rse_monitor.service.routers.beds import BedId
from rse_monitor.service.schemas import _Out

router = APIRouter(tags=["beds"], responses={**AUTH_ERRORS, **NOT_FOUND})

SpanS = Annotated[
    float | None,
    Query(ge=-1e9, le=1e9, allow_inf_nan=False, description="seconds on the bed clock"),
]


class PatternEpisodePublic(_Out):
    """One ACNS 2021 pattern episode: consecutive 10-s windows with one main term."""

    term: str = Field(description="ACNS main term without modifiers: LPD, GPD, BIPD, LRDA, ...")
    event_type: str = Field(description="the lower-case term, as in events.tsv (lpd, grda)")
    onset_s: float = Field(description="start of its first window, seconds on the bed clock")
    offset_s: float | None = Field(description="end of its last window; null while it lasts")
    duration_s: float = Field(description="offset - onset; while open, up to its newest window")
    channels: list[str] = Field(description="montage channels involved, most often first")
    frequency_hz: float | None = Field(description="median frequency of its windows (Hz)")
    plus: list[str] = Field(description="ACNS plus modifiers seen in any window (F, R, S)")
    iic: bool | None = Field(
        description="on the ictal-interictal continuum (ACNS 2021) in any of its windows; "
        "null: not known"
    )
    open: bool = Field(description="still going: held by the bed's session, not yet stored")


class PatternEpisodesPublic(_Out):
    bed_id: str
    t0_time: str = Field(description="ISO time of t_s = 0 on the bed clock")
    speed: float = Field(description="bed seconds per wall-clock second")
    data: list[PatternEpisodePublic]
    count: int


@router.get(
    "/beds/{bed_id}/patterns",
    response_model=PatternEpisodesPublic,
    summary="ACNS 2021 pattern episodes (term, onset, duration, channels, frequency, IIC)",
    description=(
        "Episodes that overlap [start_s, end_s], oldest first: with start_s the first "
        "`limit` of them, without it the latest `limit`. An episode is stored when it "
        "closes; the one still open comes last with `open` true and `offset_s` null."
    ),
    responses={422: {"description": "end_s < start_s, NaN, limit out of 1-10000"}},
)
def bed_patterns(
    bed_id: BedId,
    principal: Viewer,
    manager: ManagerDep,
    start_s: SpanS = None,
    end_s: SpanS = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 500,
) -> PatternEpisodesPublic:
    bed = manager.get(bed_id)
    if start_s is not None and end_s is not None and end_s < start_s:
        raise InvalidEntry(f"end_s ({end_s:g}) must not be before start_s ({start_s:g})")
    rows = manager.pattern_episodes(bed_id, start_s, end_s, limit)
    return PatternEpisodesPublic(
        bed_id=bed.bed_id, t0_time=iso_utc(bed.clock.origin), speed=bed.clock.speed,
        data=[PatternEpisodePublic.model_validate(r) for r in rows], count=len(rows),
    )  # fmt: skip
