"""Alerts: list with filters, acknowledge, and the live Server-Sent Events stream.

SSE format (one event per alert change)::

    id: <event id, increasing>
    event: alert
    data: {"id": <alert id>, ..., "change": "raised|updated|cleared|acked", "event_id": ...}

A new alert's event id equals its alert id. Reconnecting with ``Last-Event-ID``
(the header browsers send automatically) or ``?last_event_id=`` replays every
change after that id from the database, so nothing is missed across a reconnect.
Idle streams get a ``: keep-alive`` comment every ``Settings.sse_keepalive_s``.
New trend rows come as ``event: hop`` (no ``id``, so they do not move the resume point).

Filters: ``?bed_id=A&bed_id=B`` (default: every bed), ``?kinds=alert`` or
``?hops=false`` (default: alerts and hops). The fan-out (one shared read of the
alert log per batch, bounded per-stream queues) is :mod:`service.broker`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import StringConstraints

from rse_monitor.service.auth import Clinician, Viewer
from rse_monitor.service.deps import BrokerDep, DbDep, SettingsDep
from rse_monitor.service.errors import AlertNotFound, InvalidEntry
from rse_monitor.service.routers import AUTH_ERRORS
from rse_monitor.service.schemas import (
    BED_ID_PATTERN,
    AckIn,
    AlarmYieldKind,
    AlarmYieldPublic,
    AlertPublic,
    AlertsPublic,
)
from rse_monitor.service.store import ack_alert, alarm_yield, get_alert, last_event_id, list_alerts

router = APIRouter(tags=["alerts"], responses={**AUTH_ERRORS})

AlertId = Annotated[int, Path(ge=1, le=2**62, description="alert id")]


@router.get("/alerts", response_model=AlertsPublic, summary="Alerts, newest first by default")
def get_alerts(
    principal: Viewer,
    db: DbDep,
    bed_id: Annotated[str | None, Query(pattern=BED_ID_PATTERN)] = None,
    bed: Annotated[str | None, Query(pattern=BED_ID_PATTERN, description="= bed_id")] = None,
    since: Annotated[
        datetime | None,
        Query(description="alerts raised or changed at/after this time (ISO 8601; naive = UTC)"),
    ] = None,
    after_id: Annotated[
        int | None, Query(ge=0, le=2**62, description="alert id > after_id")
    ] = None,
    unacknowledged: Annotated[bool | None, Query(description="true: not yet acked")] = None,
    open: Annotated[bool | None, Query(description="true: condition still present")] = None,
    severity: Literal["low", "medium", "high"] | None = None,
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> AlertsPublic:
    since_iso = _iso(since, "since")
    if bed is not None and bed_id is not None and bed != bed_id:
        raise InvalidEntry("give bed or bed_id, not two different beds")
    bed_id = bed_id if bed_id is not None else bed
    seq = last_event_id(db)
    data, total = list_alerts(
        db, bed_id=bed_id, since=since_iso, after_id=after_id, unacknowledged=unacknowledged,
        open_only=open, severity=severity, order=order, limit=limit,
    )  # fmt: skip
    return AlertsPublic(data=data, count=total, last_event_id=seq)


StreamBedId = Annotated[str, StringConstraints(pattern=BED_ID_PATTERN)]
STREAM_KINDS = ("alert", "hop")


def _stream_kinds(kinds: list[str] | None, hops: bool | None) -> set[str]:
    """The event kinds a stream sends: ``kinds`` (repeated or comma-separated), then ``hops``."""
    wanted = set(STREAM_KINDS)
    if kinds:
        wanted = {k.strip() for item in kinds for k in item.split(",") if k.strip()}
        unknown = sorted(wanted - set(STREAM_KINDS))
        if unknown:
            raise InvalidEntry(f"kinds: {unknown[0]!r} is not one of {', '.join(STREAM_KINDS)}")
    if hops is not None:
        wanted = wanted | {"hop"} if hops else wanted - {"hop"}
    if not wanted:
        raise InvalidEntry("kinds and hops leave nothing to stream")
    return wanted


def _resume_after(query: int | None, header: str | None) -> int | None:
    """The resume point: the ``Last-Event-ID`` header (as EventSource sends it), else the query."""
    if header is None or not header.strip():
        return query
    text = header.strip()
    if not text.isdigit() or len(text) > 18:
        raise InvalidEntry(f"Last-Event-ID must be a non-negative integer, got {text!r}")
    return int(text)


@router.get(
    "/alerts/stream",
    summary="Live alert changes as Server-Sent Events (event: alert; event: hop)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "text/event-stream; resume with Last-Event-ID",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        422: {"description": "Last-Event-ID is not an integer, or a bad filter"},
    },
)
async def stream_alerts(
    request: Request,
    principal: Viewer,
    db: DbDep,
    broker: BrokerDep,
    settings: SettingsDep,
    last_event_id_q: Annotated[
        int | None,
        Query(alias="last_event_id", ge=0, le=2**62, description="resume after this event id"),
    ] = None,
    last_event_id_h: Annotated[
        str | None, Header(alias="last-event-id", description="set by EventSource on reconnect")
    ] = None,
    bed_id: Annotated[
        list[StreamBedId] | None,
        Query(max_length=64, description="only these beds (repeat for several); default all"),
    ] = None,
    kinds: Annotated[
        list[str] | None,
        Query(max_length=4, description="event kinds: alert, hop (repeated or a,b); default both"),
    ] = None,
    hops: Annotated[bool | None, Query(description="false: no hop events (= kinds=alert)")] = None,
) -> StreamingResponse:
    wanted = _stream_kinds(kinds, hops)
    start = _resume_after(last_event_id_q, last_event_id_h)
    if start is None:
        start = await anyio.to_thread.run_sync(last_event_id, db)
    keepalive_s = settings.sse_keepalive_s
    beds = set(bed_id) if bed_id else None

    async def events() -> AsyncIterator[str]:
        sub = broker.subscribe(db, int(start), beds, alerts="alert" in wanted, hops="hop" in wanted)
        try:
            async for text in sub.frames(keepalive_s, broker.hop_interval_s):
                yield text
        finally:
            broker.unsubscribe(sub)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _iso(when: datetime | None, name: str) -> str | None:
    if when is None:
        return None
    when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (OverflowError, ValueError) as exc:
        raise InvalidEntry(f"{name} {when!r} is out of range ({exc})") from None


def _yield_csv(out: AlarmYieldPublic) -> str:
    rows = ["kind,count,acked,true_alarm,false_alarm,unsure,ppv,per_bed_day"]
    for k in out.kinds:
        ppv = "" if k.ppv is None else f"{k.ppv:.3f}"
        rate = "" if k.per_bed_day is None else f"{k.per_bed_day:.3f}"
        rows.append(f"{k.kind},{k.count},{k.acked},{k.true_alarm},{k.false_alarm},"
                    f"{k.unsure},{ppv},{rate}")  # fmt: skip
    return "\n".join(rows) + "\n"


@router.get(
    "/alerts/yield",
    response_model=AlarmYieldPublic,
    summary="Alarm yield per alert kind: counts, labelled verdicts, PPV, alerts per bed-day",
    responses={200: {"content": {"text/csv": {}}}},
)
def alert_yield(
    principal: Viewer,
    db: DbDep,
    bed_id: Annotated[str | None, Query(pattern=BED_ID_PATTERN)] = None,
    since: Annotated[datetime | None, Query(description="alerts at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="alerts before (ISO 8601)")] = None,
    budget: Annotated[float, Query(gt=0, le=1000, description="false alarms per bed-day")] = 1.0,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """Per kind the count, the acknowledged and labelled counts and the PPV, and the
    alerts per bed-day; labelled false alarms per bed-day against a budget (default 1:
    in general ICUs most alarms are false, and a monitor that cries wolf is ignored)."""
    since_iso, until_iso = _iso(since, "since"), _iso(until, "until")
    raw = alarm_yield(db, bed_id, since_iso, until_iso)
    days = raw["bed_days"]
    kinds = []
    for k in raw["kinds"]:
        n_t, n_f = int(k["n_true"] or 0), int(k["n_false"] or 0)
        kinds.append(AlarmYieldKind(
            kind=k["kind"], count=int(k["n"]), acked=int(k["acked"] or 0), true_alarm=n_t,
            false_alarm=n_f, unsure=int(k["n_unsure"] or 0),
            ppv=n_t / (n_t + n_f) if n_t + n_f else None,
            per_bed_day=int(k["n"]) / days if days > 0 else None,
        ))  # fmt: skip
    total = sum(k.count for k in kinds)
    false_rate = sum(k.false_alarm for k in kinds) / days if days > 0 else None
    state: Literal["within", "over", "unknown"] = "unknown"
    if false_rate is not None:
        state = "over" if false_rate > budget else "within"
    out = AlarmYieldPublic(
        bed_id=bed_id, since=since_iso, until=until_iso or _iso(datetime.now(UTC), "now") or "",
        n_beds=int(raw["n_beds"]), bed_days=days, kinds=kinds, count=total,
        per_bed_day=total / days if days > 0 else None, false_alarms_per_bed_day=false_rate,
        false_alarm_budget_per_bed_day=budget, budget_state=state,
    )  # fmt: skip
    if format == "csv":
        return Response(_yield_csv(out), media_type="text/csv")
    return out


@router.get("/alerts/{alert_id}", response_model=AlertPublic, responses={404: {}})
def get_one_alert(alert_id: AlertId, principal: Viewer, db: DbDep) -> AlertPublic:
    alert = get_alert(db, alert_id)
    if alert is None:
        raise AlertNotFound(alert_id)
    return alert


@router.post(
    "/alerts/{alert_id}/ack",
    response_model=AlertPublic,
    summary="Acknowledge an alert (clinician+), optionally with a verdict and a note; "
    "acknowledging again keeps the first ack and records a later verdict",
    responses={404: {"description": "no such alert"}},
)
def ack(
    alert_id: AlertId, principal: Clinician, db: DbDep, broker: BrokerDep,
    body: AckIn | None = None,
) -> AlertPublic:  # fmt: skip
    verdict = body or AckIn()
    alert, changed = ack_alert(db, alert_id, principal.name, verdict.label, verdict.note)
    if alert is None:
        raise AlertNotFound(alert_id)
    if changed:
        broker.notify()
    return alert
