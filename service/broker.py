"""Wake-up calls for the SSE streams.

The broker carries no alert data: alerts are committed to the database first, then
:meth:`Broker.notify` wakes every open stream, which reads the alert change log
(``alert_events``) after the last event id it sent. A stream that was asleep,
slow or reconnecting therefore never misses an event: the database is the queue.

Trend rows (one per hop) are different: they are stored too, but a page only wants
the new ones while it is open, so the broker keeps the last few of each bed in
memory (:meth:`Broker.publish_hops`) and the streams send them as ``event: hop``
without an id; a page that missed some reads them from the trends endpoint.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Broker", "Subscription"]


@dataclass(eq=False)
class Subscription:
    """One open stream: an asyncio event set (thread-safely) when there is news."""

    loop: asyncio.AbstractEventLoop
    event: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    async def wait(self, timeout_s: float) -> bool:
        """Wait for news; True if woken, False on timeout. Clears the flag."""
        try:
            await asyncio.wait_for(self.event.wait(), timeout_s)
        except TimeoutError:
            return False
        self.event.clear()
        return True


class Broker:
    """Fan-out of "new alert events are in the database" to the open streams."""

    def __init__(self, keep_hops: int = 600) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self.closed = False
        # recent trend rows of every bed: (hop sequence number, bed id, row)
        self._hops: deque[tuple[int, str, dict[str, Any]]] = deque(maxlen=keep_hops)
        self._hop_seq = 0

    @property
    def hop_seq(self) -> int:
        """Sequence number of the newest published trend row (0: none yet)."""
        with self._lock:
            return self._hop_seq

    def publish_hops(self, bed_id: str, rows: list[dict[str, Any]]) -> None:
        """Keep a bed's new trend rows for the open streams and wake them."""
        if not rows:
            return
        with self._lock:
            for row in rows:
                self._hop_seq += 1
                self._hops.append((self._hop_seq, bed_id, row))
        self.notify()

    def hops_after(
        self, seq: int, bed_id: str | None = None
    ) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
        """Trend rows published after ``seq`` (optionally one bed's) and the newest seq."""
        with self._lock:
            rows = [(b, r) for s, b, r in self._hops if s > seq and (bed_id is None or b == bed_id)]
            return self._hop_seq, rows

    def subscribe(self) -> Subscription:
        """Register a stream; call from the event loop that runs it."""
        sub = Subscription(asyncio.get_running_loop())
        sub.closed = self.closed
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    @property
    def n_subscribers(self) -> int:
        with self._lock:
            return len(self._subs)

    def notify(self) -> None:
        """Wake every stream (safe from any thread)."""
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            try:
                sub.loop.call_soon_threadsafe(sub.event.set)
            except RuntimeError:  # loop already closed: the stream is gone
                self.unsubscribe(sub)

    def close(self) -> None:
        """Tell every stream to end (server shutting down)."""
        self.closed = True
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.closed = True
        self.notify()
