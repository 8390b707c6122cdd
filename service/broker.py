"""Fan-out of committed alert changes and new trend rows to the open SSE streams.

Alerts
------
Alerts are committed to the database first (``alert_events`` is the queue), then
:meth:`Broker.notify` (or :meth:`Broker.publish_hops`, which the runner calls after
the transaction that stored a bed's hops *and* alerts) wakes one shared reader per
event loop. That reader reads the new events once -- one query for all beds, however
many streams are open -- builds each SSE frame once, and appends it to the bounded
in-memory queue of every stream that wants that bed. So a batch costs one DB read,
not one per client, and only committed events are ever sent.

A stream starts in *catch-up*: it reads the log itself after its ``Last-Event-ID``
(its own beds only) until it has reached the shared reader's cursor, then attaches
to the fan-out; from then on it deduplicates by ``seq``, so the switch neither
repeats nor skips an event. A stream whose queue holds more than ``max_alerts``
unsent alerts (a client that stopped reading) is not dropped silently: its queue
is emptied and it goes back to catch-up from the DB after the last alert it sent.

Trend rows
----------
Trend rows (``event: hop``, no ``id``) are only wanted while a page is open. The
runner hands them to :meth:`Broker.publish_hops`; the frames are built once and
fanned out after the alert read of the same wake-up, so a bed's alerts are never
behind its own later hops. Per stream they sit in a separate bounded queue that
drops its oldest row when full (a page that missed rows reads them from the trends
endpoint), and they are sent at most every ``hop_interval_s`` (coalesced), whereas
an alert is sent as soon as the stream's writer runs. Alerts go out before any hop
row queued with them: an alert is never queued behind trend rows.

A slow client only blocks its own writer (the send to its socket); the fan-out
only appends to in-memory queues, so it never waits for any client.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Collection
from typing import Any

import anyio

from rse_monitor.service.db import Database
from rse_monitor.service.store.alerts import last_event_id
from rse_monitor.service.store.events import AlertEvent, events_since

__all__ = ["Broker", "ClientQueue", "Subscription"]

log = logging.getLogger(__name__)

#: Seconds before a failed read of the alert log is retried.
RETRY_S = 0.5
#: Rows per read of the alert log (shared reader and catch-up alike).
BATCH = 500


class ClientQueue:
    """One stream's pending frames: alerts (kept, in order) and hop rows (bounded).

    Parameters
    ----------
    max_alerts : int
        Unsent alerts held before the stream is marked :attr:`behind` (its alerts
        are then re-read from the database, none is lost).
    max_hops : int
        Unsent hop rows held; when full the oldest is dropped (counted in
        :attr:`n_hops_dropped`).
    on_ready : callable, optional
        Called when there is something new to send (an alert, the first hop row
        after the queue was empty, or the switch to :attr:`behind`).
    """

    def __init__(
        self,
        max_alerts: int = 1000,
        max_hops: int = 300,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        if max_alerts < 1:
            raise ValueError(f"max_alerts must be >= 1, got {max_alerts!r}")
        if max_hops < 1:
            raise ValueError(f"max_hops must be >= 1, got {max_hops!r}")
        self.max_alerts = max_alerts
        self.max_hops = max_hops
        self._on_ready = on_ready
        self._alerts: deque[tuple[int, str]] = deque()
        self._hops: deque[str] = deque()
        self.behind = False
        self.n_hops_dropped = 0
        self.n_overflows = 0

    def _ready(self) -> None:
        if self._on_ready is not None:
            self._on_ready()

    @property
    def n_alerts(self) -> int:
        return len(self._alerts)

    @property
    def n_hops(self) -> int:
        return len(self._hops)

    def put_alert(self, seq: int, frame: str) -> None:
        """Queue an alert frame; past ``max_alerts`` the queue is emptied and :attr:`behind`."""
        if self.behind:
            return  # will be read from the database
        if len(self._alerts) >= self.max_alerts:
            self._alerts.clear()
            self.behind = True
            self.n_overflows += 1
        else:
            self._alerts.append((seq, frame))
        self._ready()

    def put_hop(self, frame: str) -> None:
        """Queue a hop frame, dropping the oldest one when full."""
        was_empty = not self._hops
        if len(self._hops) >= self.max_hops:
            self._hops.popleft()
            self.n_hops_dropped += 1
        self._hops.append(frame)
        if was_empty:
            self._ready()

    def take_alerts(self) -> list[tuple[int, str]]:
        """All queued alerts, oldest first (the queue is emptied)."""
        out = list(self._alerts)
        self._alerts.clear()
        return out

    def take_hops(self) -> list[str]:
        """All queued hop frames, oldest first (the queue is emptied)."""
        out = list(self._hops)
        self._hops.clear()
        return out


class Subscription:
    """One open stream: what it wants, its queue, and how far it has been sent.

    Made by :meth:`Broker.subscribe`; :meth:`frames` yields the text to send.
    """

    def __init__(
        self,
        hub: _Hub,
        after_seq: int,
        bed_ids: Collection[str] | None,
        alerts: bool,
        hops: bool,
        max_alerts: int,
        max_hops: int,
    ) -> None:
        self.hub = hub
        self.bed_ids = frozenset(bed_ids) if bed_ids is not None else None
        self.alerts = alerts
        self.hops = hops
        self.sent_seq = int(after_seq)  # last alert event sent (or resumed after)
        self._event = asyncio.Event()
        self.queue = ClientQueue(max_alerts, max_hops, on_ready=self._event.set)
        self.queue.behind = alerts  # start in catch-up: read the log after ``after_seq``
        self.closed = False
        self._last_hop_flush = 0.0

    def wants(self, bed_id: str) -> bool:
        return self.bed_ids is None or bed_id in self.bed_ids

    def wake(self) -> None:
        self._event.set()

    async def _wait(self, timeout_s: float) -> bool:
        """Wait for news; True if woken, False on timeout."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout_s)
        except TimeoutError:
            return False
        finally:
            self._event.clear()
        return True

    async def _catch_up(self) -> AsyncIterator[str]:
        """Send this stream's events from the DB until it meets the shared reader."""
        hub = self.hub
        await hub.ready.wait()
        while not self.closed:
            target = hub.cursor  # the reader has fanned out every event <= target
            rows = await anyio.to_thread.run_sync(
                events_since, hub.db, self.sent_seq, self.bed_ids, BATCH
            )
            if rows:
                self.sent_seq = rows[-1].seq
                yield "".join(r.frame for r in rows)
            # this read began after the reader reached ``target``: if it was not a
            # full batch it saw every event <= target; attach unless the reader moved
            if len(rows) < BATCH and hub.cursor == target:
                self.queue.behind = False  # nothing was queued while behind
                return

    def _take(self, hop_interval_s: float) -> tuple[str, float]:
        """(text to send now, seconds before the queued hop rows may go out).

        Alerts go first and at once (older than ``sent_seq``: already sent from the
        DB, skipped); hop rows go with them, or alone once ``hop_interval_s`` has
        passed since the last hop rows were sent.
        """
        pending = [(s, f) for s, f in self.queue.take_alerts() if s > self.sent_seq]
        if pending:
            self.sent_seq = pending[-1][0]  # the queue is in seq order
        parts = [f for _, f in pending]
        if not self.queue.n_hops:
            return "".join(parts), 0.0
        now = time.monotonic()
        delay = self._last_hop_flush + hop_interval_s - now
        if parts or delay <= 0:
            parts += self.queue.take_hops()
            self._last_hop_flush = now
            delay = 0.0
        return "".join(parts), delay

    async def frames(self, keepalive_s: float, hop_interval_s: float) -> AsyncIterator[str]:
        """The stream's text: an opening comment, then events; keep-alives when idle."""
        yield f"retry: 3000\n: stream open, after event {self.sent_seq}\n\n"
        while not self.closed:
            if self.queue.behind:
                async for chunk in self._catch_up():
                    yield chunk
                continue
            text, delay = self._take(hop_interval_s)
            if text:
                yield text
                continue
            if delay > 0:  # hop rows waiting for their slot; an alert wakes us early
                await self._wait(delay)
            elif not await self._wait(keepalive_s):
                yield ": keep-alive\n\n"


class _Hub:
    """The shared reader and the streams of one event loop (the server's loop)."""

    def __init__(self, broker: Broker, loop: asyncio.AbstractEventLoop, db: Database) -> None:
        self.broker = broker
        self.loop = loop
        self.db = db
        self.subs: set[Subscription] = set()
        self.cursor = 0
        self.ready = asyncio.Event()
        self.wake = asyncio.Event()
        self.pending_hops: list[tuple[str, list[str]]] = []
        self.n_reads = 0
        self.n_errors = 0
        self.task = loop.create_task(self.run())

    def on_hops(self, bed_id: str, frames: list[str]) -> None:
        """(on the loop) New hop frames: fanned out after the next alert read."""
        self.pending_hops.append((bed_id, frames))
        self.wake.set()

    async def run(self) -> None:
        """Read new alert events once per wake-up and fan them (then the hops) out.

        A failed read is logged, counted and retried after ``RETRY_S``; the cursor
        does not move, so nothing is skipped.
        """
        while not self.broker.closed:
            try:
                if not self.ready.is_set():
                    self.cursor = await anyio.to_thread.run_sync(last_event_id, self.db)
                    self.ready.set()
                await self.wake.wait()
                self.wake.clear()
                hops, self.pending_hops = self.pending_hops, []
                if any(s.alerts for s in self.subs):
                    await self._read_alerts()
                else:  # nobody to send alerts to: only keep the cursor current
                    self.cursor = await anyio.to_thread.run_sync(last_event_id, self.db)
                self._fan_out_hops(hops)
            except Exception:
                self.n_errors += 1
                log.exception("SSE fan-out: reading the alert log failed; retrying")
                await asyncio.sleep(RETRY_S)
                self.wake.set()

    async def _read_alerts(self) -> None:
        while True:
            rows = await anyio.to_thread.run_sync(events_since, self.db, self.cursor, None, BATCH)
            self.n_reads += 1
            self._fan_out_alerts(rows)
            if len(rows) < BATCH:
                return

    def _fan_out_alerts(self, rows: list[AlertEvent]) -> None:
        if not rows:
            return
        subs = [s for s in self.subs if s.alerts]
        for row in rows:
            for sub in subs:
                if sub.wants(row.bed_id):
                    sub.queue.put_alert(row.seq, row.frame)
        self.cursor = rows[-1].seq

    def _fan_out_hops(self, hops: list[tuple[str, list[str]]]) -> None:
        subs = [s for s in self.subs if s.hops]
        for bed_id, frames in hops:
            for sub in subs:
                if sub.wants(bed_id):
                    for frame in frames:
                        sub.queue.put_hop(frame)

    def close(self) -> None:
        """(on the loop) End every stream and the reader."""
        for sub in self.subs:
            sub.closed = True
            sub.wake()
        self.wake.set()


class Broker:
    """Fan-out of committed alert events and new trend rows to the open streams.

    Parameters
    ----------
    max_alerts, max_hops : int
        Bounds of each stream's queue (see :class:`ClientQueue`).
    hop_interval_s : float
        Hop rows are sent to a stream at most this often (coalesced); alerts at once.
    """

    def __init__(
        self, max_alerts: int = 1000, max_hops: int = 300, hop_interval_s: float = 0.2
    ) -> None:
        self.max_alerts = max_alerts
        self.max_hops = max_hops
        self.hop_interval_s = hop_interval_s
        self._hubs: dict[asyncio.AbstractEventLoop, _Hub] = {}
        self._lock = threading.Lock()
        self.closed = False

    def _hub(self, db: Database) -> _Hub:
        loop = asyncio.get_running_loop()
        with self._lock:
            hub = self._hubs.get(loop)
            if hub is None or hub.task.done() or hub.db is not db:
                hub = _Hub(self, loop, db)
                self._hubs[loop] = hub
            return hub

    def subscribe(
        self,
        db: Database,
        after_seq: int,
        bed_ids: Collection[str] | None = None,
        *,
        alerts: bool = True,
        hops: bool = True,
    ) -> Subscription:
        """Register a stream that resumes after event ``after_seq``; call on its event loop.

        ``bed_ids`` None means every bed; ``alerts``/``hops`` choose the event kinds.
        """
        hub = self._hub(db)
        sub = Subscription(hub, after_seq, bed_ids, alerts, hops, self.max_alerts, self.max_hops)
        sub.closed = self.closed
        hub.subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        sub.hub.subs.discard(sub)

    @property
    def n_subscribers(self) -> int:
        with self._lock:
            hubs = list(self._hubs.values())
        return sum(len(h.subs) for h in hubs)

    def _call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on every hub's loop (safe from any thread)."""
        with self._lock:
            hubs = list(self._hubs.items())
        for loop, hub in hubs:
            try:
                loop.call_soon_threadsafe(fn(hub), *args)
            except RuntimeError:  # loop closed: its streams are gone
                with self._lock:
                    self._hubs.pop(loop, None)

    def notify(self) -> None:
        """New alert events are committed: wake the shared readers (safe from any thread)."""
        self._call(lambda hub: hub.wake.set)

    def publish_hops(self, bed_id: str, rows: list[dict[str, Any]]) -> None:
        """A bed's new trend rows (stored already): send them to the streams that want them.

        Also wakes the alert readers, for alerts committed in the same transaction.
        """
        if not rows:
            return
        frames = [
            f"event: hop\ndata: {json.dumps({'bed_id': bed_id, 'hop': row})}\n\n" for row in rows
        ]
        self._call(lambda hub: hub.on_hops, bed_id, frames)

    def close(self) -> None:
        """Tell every stream to end (server shutting down)."""
        self.closed = True
        self._call(lambda hub: hub.close)
