"""What a technician's terminal shows as it happens: one line per clinical change.

:class:`ConsoleSink` is a sink of the bed session (:class:`~monitoring.session.Sink`),
so it sees exactly the hops and alert transitions that ``alerts.jsonl`` and
``trends.csv`` get. One line each for: a seizure's onset (its recording time and the
channels involved) and offset (with its duration), a change of depth of
suppression, and every alert transition (kind, severity, state, message). Each line
starts with the bed, the wall-clock time of the event and its recording time::

    [ICU-1 14:02:31 t=100.0 s] SEIZURE ONSET at 92.0 s, channels Fp1-F7, F7-T3 (confidence 0.91)
    [ICU-1 14:02:31 t=100.0 s] ALERT raised high seizure_onset: Seizure activity detected ...

The wall-clock time honours the source's speed (``start + t_s / speed``, as
``alerts.jsonl``'s ``time``; see :func:`monitoring.outputs.wall_clock_start`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rse_monitor.detectors.alerts import Alert
from rse_monitor.monitoring.engine import HopResult
from rse_monitor.monitoring.outputs import wall_clock_start
from rse_monitor.monitoring.session import BedSession, Sink, SourceInfo

__all__ = ["ConsoleSink", "format_alert", "format_hop_event"]

#: engine events at a hop that are shown as such (besides the alert transitions)
_HOP_EVENTS = ("seizure_onset", "seizure_offset", "depth_change")


def _channels(names: Any, limit: int = 8) -> str:
    names = [str(n) for n in (names or [])]
    if not names:
        return "channels n/a"
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return "channels " + ", ".join(names[:limit]) + more


def format_hop_event(event: Alert, channels: list[str] | None = None) -> str | None:
    """The line of an engine event at a hop (onset, offset, depth), without prefix.

    ``channels``: those of the ended event (an offset's details do not list them).
    None for any other kind.
    """
    d = event.details
    if event.kind == "seizure_onset":
        return (
            f"SEIZURE ONSET at {float(d.get('onset_s', event.t_s)):.1f} s, "
            f"{_channels(d.get('channels'))} (confidence {float(d.get('confidence', 0)):.2f})"
        )
    if event.kind == "seizure_offset":
        onset = float(d.get("onset_s", event.t_s))
        offset = d.get("offset_s")
        end = float(offset) if offset is not None else event.t_s
        return (
            f"SEIZURE OFFSET at {end:.1f} s (onset {onset:.1f} s, duration "
            f"{end - onset:.0f} s), {_channels(channels)}"
        )
    if event.kind == "depth_change":
        sr = d.get("suppression_ratio")
        ratio = f" (suppression ratio {sr:.2f})" if isinstance(sr, int | float) else ""
        return f"DEPTH now {str(d.get('depth', '?')).replace('_', ' ')}{ratio}"
    return None


def format_alert(alert: Alert) -> str:
    """The line of an alert transition, without prefix."""
    return f"ALERT {alert.state} {alert.severity} {alert.kind}: {alert.message}"


class ConsoleSink(Sink):
    """One line per seizure onset/offset, depth change and alert transition.

    Parameters
    ----------
    write : callable
        Receives each line (e.g. a print to stderr); called from the bed's thread
        with the session's lock held, so it must not block for long.
    """

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write_line = write
        self.start_datetime: datetime | None = None
        self.speed = 1.0
        self.n_lines = 0

    def start(self, session: BedSession, info: SourceInfo) -> None:
        if self.start_datetime is None:  # a stream that comes back keeps its clock
            self.start_datetime, self.speed = wall_clock_start(info)

    def _emit(self, session: BedSession, t_s: float, text: str) -> None:
        if self.start_datetime is None:
            when = "--:--:--"
        else:
            at = self.start_datetime + timedelta(seconds=t_s / self.speed)
            when = at.astimezone().strftime("%H:%M:%S")
        self.n_lines += 1
        self.write_line(f"[{session.bed_id} {when} t={t_s:.1f} s] {text}")

    def write(self, session: BedSession, hops: list[HopResult], alerts: list[Alert]) -> None:
        for hop in hops:
            for event in hop.alerts:
                if event.kind not in _HOP_EVENTS:
                    continue
                line = format_hop_event(event, self._ended_channels(session, event))
                if line is not None:
                    self._emit(session, event.t_s, line)
        for alert in alerts:
            self._emit(session, alert.t_s, format_alert(alert))

    @staticmethod
    def _ended_channels(session: BedSession, event: Alert) -> list[str] | None:
        if event.kind != "seizure_offset":
            return None
        onset = event.details.get("onset_s")
        for ev in reversed(session.events):
            if onset is not None and abs(ev.onset_s - float(onset)) < 1e-6:
                return list(ev.channels)
        return None
