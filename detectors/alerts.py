"""The one alert model: an alert transition, and the open alerts of one bed.

Every part that raises alerts (the clinical layer, the engine's signal-quality
checks, the live stream, the service) speaks in :class:`Alert` transitions, and every
sink (``alerts.jsonl``, the SQLite store, the SSE stream) serialises them through
:meth:`Alert.to_record`. An alert is one *condition* of one bed, named by its
``key``: it is ``raised`` once, ``updated`` while it persists, and ``cleared`` when
it ends. :class:`OpenAlerts` keeps the open conditions of a bed with the one rate
limiter of the project: a persisting condition is reported again at most every
``min_update_interval_s`` of bed time unless its severity changes (alarm fatigue:
IEC 60601-1-8 asks that an alarm condition be announced, not repeated, until it
changes).

Severities are the IEC 60601-1-8 alarm priorities ``low``, ``medium``, ``high``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

__all__ = [
    "Alert",
    "AlertOrigin",
    "AlertState",
    "OpenAlert",
    "OpenAlerts",
    "SEVERITIES",
    "Severity",
]

Severity = Literal["low", "medium", "high"]
AlertState = Literal["raised", "updated", "cleared"]
#: Who raised it: the clinical rules, the engine (signal), the live stream, the service.
AlertOrigin = Literal["clinical", "engine", "stream", "service"]

SEVERITIES: tuple[str, ...] = get_args(Severity)
_STATES: tuple[str, ...] = get_args(AlertState)
_ORIGINS: tuple[str, ...] = get_args(AlertOrigin)


@dataclass(frozen=True)
class Alert:
    """One alert transition.

    Parameters
    ----------
    key : str
        The condition (one open alert per key and bed), e.g. ``below_band``.
    kind : str
        What the alert is about, as the HTTP contract names it (usually ``key``).
    severity : {'low', 'medium', 'high'}
    message : str
        One line for a person.
    details : dict
        Figures behind the message (JSON-serialisable).
    t_s : float
        Bed time of the transition, seconds from the recording start.
    state : {'raised', 'updated', 'cleared'}
    origin : {'clinical', 'engine', 'stream', 'service'}
    """

    key: str
    kind: str
    severity: Severity
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    t_s: float = 0.0
    state: AlertState = "raised"
    origin: AlertOrigin = "engine"

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"alert severity must be one of {SEVERITIES}, got {self.severity!r}")
        if self.state not in _STATES:
            raise ValueError(f"alert state must be one of {_STATES}, got {self.state!r}")
        if self.origin not in _ORIGINS:
            raise ValueError(f"alert origin must be one of {_ORIGINS}, got {self.origin!r}")
        if not isinstance(self.t_s, int | float) or not math.isfinite(self.t_s):
            raise ValueError(f"alert t_s must be a finite number, got {self.t_s!r}")

    def to_record(self) -> dict[str, Any]:
        """The alert's own fields of the HTTP contract, as every sink writes them.

        ``alerts.jsonl``, the store and the SSE stream add only where-and-when and
        bookkeeping fields (``id``, ``bed_id``, ``time``, acknowledgement; the store
        also keeps ``key`` and ``origin`` as columns). The transition is in
        ``details["state"]``.
        """
        return {
            "t_s": round(float(self.t_s), 3),
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "details": {**self.details, "state": self.state},
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class OpenAlert:
    """An open condition: what was last reported of it, and when.

    ``memo`` holds figures the rule that owns the condition needs to decide about
    its next report (e.g. a running mean); it is saved with the state.
    """

    key: str
    kind: str
    severity: Severity
    message: str
    details: dict[str, Any]
    raised_t_s: float
    last_report_t_s: float
    origin: AlertOrigin = "engine"
    memo: dict[str, Any] = field(default_factory=dict)

    def as_alert(self, state: AlertState = "raised") -> Alert:
        return Alert(self.key, self.kind, self.severity, self.message, dict(self.details),
                     self.last_report_t_s, state, self.origin)  # fmt: skip


class OpenAlerts:
    """The open conditions of one bed, with one rate limiter.

    Parameters
    ----------
    min_update_interval_s : float
        Least bed time between two reports of a persisting condition of unchanged
        severity (a change of severity, or ``force``, is reported at once).

    Examples
    --------
    >>> book = OpenAlerts(600.0)
    >>> [a.state for a in book.report("q", "low", "one bad channel", {}, 0.0)]
    ['raised']
    >>> book.report("q", "low", "one bad channel", {}, 10.0)
    []
    >>> [a.state for a in book.report("q", "medium", "three bad channels", {}, 20.0)]
    ['updated']
    >>> [a.state for a in book.clear("q", "all channels good", 90.0)]
    ['cleared']
    """

    def __init__(self, min_update_interval_s: float) -> None:
        if not (isinstance(min_update_interval_s, int | float) and min_update_interval_s >= 0):
            raise ValueError(
                f"min_update_interval_s must be a number >= 0, got {min_update_interval_s!r}"
            )
        self.min_update_interval_s = float(min_update_interval_s)
        self._open: dict[str, OpenAlert] = {}

    # -- queries ------------------------------------------------------------------
    def __contains__(self, key: object) -> bool:
        return key in self._open

    def __getitem__(self, key: str) -> OpenAlert:
        return self._open[key]

    def __iter__(self) -> Iterator[OpenAlert]:
        return iter(list(self._open.values()))

    def __len__(self) -> int:
        return len(self._open)

    def get(self, key: str) -> OpenAlert | None:
        return self._open.get(key)

    def keys(self) -> list[str]:
        return list(self._open)

    # -- transitions --------------------------------------------------------------
    def report(
        self,
        key: str,
        severity: Severity,
        message: str,
        details: Mapping[str, Any],
        t_s: float,
        *,
        kind: str | None = None,
        origin: AlertOrigin = "engine",
        force: bool = False,
        reraise: bool = False,
    ) -> list[Alert]:
        """The condition ``key`` holds at ``t_s``: raise it, or update it if due.

        Returns the transition (``raised`` or ``updated``), or nothing when the
        condition is open, its severity unchanged, and it was last reported less
        than ``min_update_interval_s`` ago (unless ``force``). With ``reraise`` an
        open condition is raised anew in place: its record (raise time, ``memo``)
        starts again, and the transition is ``updated`` -- the same alert, announced
        again, as every sink records it (a store updates the open alert of a key; it
        never holds two).
        """
        t = float(t_s)
        o = self._open.get(key)
        if o is None or reraise:
            state: AlertState = "raised" if o is None else "updated"
            o = OpenAlert(key, kind or key, severity, message, dict(details), t, t, origin)
            self._open[key] = o
            return [o.as_alert(state)]
        due = t - o.last_report_t_s >= self.min_update_interval_s
        if not (force or due or severity != o.severity):
            return []
        o.severity, o.message, o.details, o.last_report_t_s = severity, message, dict(details), t
        if kind is not None:
            o.kind = kind
        return [o.as_alert("updated")]

    def clear(
        self,
        key: str,
        message: str,
        t_s: float,
        details: Mapping[str, Any] | None = None,
    ) -> list[Alert]:
        """The condition ``key`` has ended: its ``cleared`` transition (none if not open)."""
        o = self._open.pop(key, None)
        if o is None:
            return []
        extra = {**(details or {}), "raised_t_s": o.raised_t_s}
        return [Alert(o.key, o.kind, o.severity, message, extra, float(t_s), "cleared", o.origin)]

    def clear_all(self, message: str, t_s: float) -> list[Alert]:
        """Close every open condition (a bed discharged)."""
        out: list[Alert] = []
        for key in self.keys():
            out += self.clear(key, message, t_s)
        return out

    # -- persistence --------------------------------------------------------------
    def restore(self, alert: OpenAlert) -> None:
        """Re-open a condition known to be open (state reloaded from a store)."""
        self._open[alert.key] = alert

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_update_interval_s": self.min_update_interval_s,
            "open": {k: asdict(o) for k, o in self._open.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OpenAlerts:
        book = cls(float(data["min_update_interval_s"]))
        for k, o in dict(data.get("open", {})).items():
            book._open[str(k)] = OpenAlert(**o)
        return book
