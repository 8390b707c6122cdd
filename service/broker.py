"""Wake-up calls for the SSE streams.

The broker carries no data: alerts are committed to the database first, then
:meth:`Broker.notify` wakes every open stream, which reads the alert change log
(``alert_events``) after the last event id it sent. A stream that was asleep,
slow or reconnecting therefore never misses an event: the database is the queue.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

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

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self.closed = False

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
