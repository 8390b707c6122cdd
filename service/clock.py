"""A bed's clock: recording time ``t_s`` ↔ wall-clock time.

Every bed has an ``origin`` (the wall-clock time of ``t_s = 0``) and a ``speed``
(1 for live beds; the replay factor for EDF beds replayed faster than real time)::

    time(t_s) = origin + t_s / speed
    t_s(time) = (time - origin) * speed

Alerts get ``time = time(t_s)``; a treatment entered with an ISO time gets
``t_s = t_s(time)``. When an EDF bed resumes after a restart at position ``p``,
its origin is re-anchored to ``now - p / speed`` so that the clock continues from
where the data are; times already stored are kept as they were.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from rse_monitor.service.db import iso_utc, utc_now

__all__ = ["BedClock", "parse_iso"]


@dataclass
class BedClock:
    """Mapping between recording seconds and UTC wall time (see module docstring)."""

    origin: datetime
    speed: float = 1.0

    def __post_init__(self) -> None:
        if self.origin.tzinfo is None:
            raise ValueError(f"origin must be timezone-aware, got {self.origin!r}")
        if not (math.isfinite(self.speed) and self.speed > 0):
            raise ValueError(f"speed must be a positive finite number, got {self.speed!r}")

    def time_of(self, t_s: float) -> datetime:
        return self.origin + timedelta(seconds=float(t_s) / self.speed)

    def iso_of(self, t_s: float) -> str:
        return iso_utc(self.time_of(t_s))

    def t_s_of(self, when: datetime) -> float:
        if when.tzinfo is None:
            raise ValueError(
                f"time {when.isoformat()} has no timezone: give an offset, e.g. "
                f"{when.isoformat()}Z or {when.isoformat()}+01:00"
            )
        return (when - self.origin).total_seconds() * self.speed

    def now_t_s(self) -> float:
        return self.t_s_of(utc_now())


def parse_iso(text: str) -> datetime:
    """Parse ISO 8601 (``Z`` accepted) into a timezone-aware datetime; ValueError otherwise."""
    when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"time {text!r} has no timezone offset")
    return when
