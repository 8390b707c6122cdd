"""The SSE fan-out: per-stream queues, one shared read of the alert log, filters.

The queue and the broker are tested in-process on a real SQLite database (a stream
that never reads is simply a subscription whose frames are not iterated); the
filters are tested against a real server.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rse_monitor.service import broker as broker_module
from rse_monitor.service.broker import Broker, ClientQueue, Subscription
from rse_monitor.service.db import Database, iso_utc, utc_now
from rse_monitor.service.store.events import events_since
from tests.service.conftest import bearer, read_sse, start_module_server

API = "/api/v1"


# ------------------------------------------------------------------ the per-stream queue
def test_a_full_queue_drops_old_hop_rows_and_keeps_every_alert_in_order() -> None:
    woken: list[int] = []
    q = ClientQueue(max_alerts=100, max_hops=5, on_ready=lambda: woken.append(1))
    for i in range(60):
        q.put_hop(f"hop {i}")
        if i % 2 == 0:
            q.put_alert(i, f"alert {i}")
    assert not q.behind
    assert q.take_alerts() == [(i, f"alert {i}") for i in range(0, 60, 2)]
    assert q.take_hops() == [f"hop {i}" for i in range(55, 60)]  # the newest five
    assert q.n_hops_dropped == 55
    assert len(woken) == 30 + 1  # each alert; hops only when the queue was empty
    assert q.take_alerts() == [] and q.take_hops() == []


def test_too_many_unsent_alerts_mark_the_stream_behind_instead_of_losing_any() -> None:
    q = ClientQueue(max_alerts=3, max_hops=2)
    for i in range(1, 4):
        q.put_alert(i, f"a{i}")
    assert not q.behind and q.n_alerts == 3
    q.put_alert(4, "a4")  # one too many: the stream will re-read the log instead
    assert q.behind and q.n_alerts == 0 and q.n_overflows == 1
    q.put_alert(5, "a5")
    assert q.n_alerts == 0  # while behind nothing is queued (the DB has it)
    q.put_hop("h")
    assert q.take_hops() == ["h"]  # hops still flow
    with pytest.raises(ValueError, match="max_hops"):
        ClientQueue(max_hops=0)


# ------------------------------------------------------------------ the broker, in-process
def _add_events(db: Database, beds: list[str]) -> list[int]:
    """Append one committed ``raised`` event per bed to the alert log; return their seqs."""
    seqs = []
    with db.transaction() as conn:
        for bed in beds:
            cur = conn.execute(
                "INSERT INTO alert_events (alert_id, bed_id, change, created_at, snapshot) "
                "VALUES (0, ?, 'raised', ?, '{}')",
                (bed, iso_utc(utc_now())),
            )
            seq = int(cur.lastrowid or 0)
            snap = json.dumps({"id": seq, "bed_id": bed, "kind": "seizure_onset"})
            conn.execute("UPDATE alert_events SET snapshot = ? WHERE seq = ?", (snap, seq))
            seqs.append(seq)
    return seqs


class Reader:
    """Iterates a subscription's frames in a task, parsing events as they come."""

    def __init__(self, sub: Subscription, hop_interval_s: float = 0.05) -> None:
        self.sub = sub
        self.alerts: list[tuple[int, str, float]] = []  # (seq, bed, monotonic time)
        self.hops: list[dict[str, Any]] = []
        self.task: asyncio.Task[None] | None = None
        self._frames: AsyncIterator[str] = sub.frames(30.0, hop_interval_s)
        self.reading = asyncio.Event()  # cleared: stalled, as a client that stops reading
        self.reading.set()

    def start(self) -> Reader:
        self.task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def _run(self) -> None:
        async for text in self._frames:
            await self.reading.wait()
            now = time.monotonic()
            for block in text.split("\n\n"):
                fields = dict(
                    line.split(": ", 1) for line in block.split("\n") if line[:1] not in ("", ":")
                )
                if fields.get("event") == "alert":
                    data = json.loads(fields["data"])
                    assert int(fields["id"]) == data["event_id"]
                    self.alerts.append((int(fields["id"]), data["bed_id"], now))
                elif fields.get("event") == "hop":
                    self.hops.append(json.loads(fields["data"]))

    async def until(self, n_alerts: int, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.alerts) < n_alerts and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass


def test_a_stalled_stream_does_not_delay_the_others_and_resumes_from_the_log(
    tmp_path: Path,
) -> None:
    db = Database(str(tmp_path / "fanout.sqlite3"))
    before = _add_events(db, ["b1", "b2"])  # in the log before anyone subscribes
    broker = Broker(max_alerts=4, max_hops=16)

    async def scenario() -> dict[str, Any]:
        fast = Reader(broker.subscribe(db, 0)).start()
        others = [Reader(broker.subscribe(db, before[-1])).start() for _ in range(20)]
        stalled = Reader(broker.subscribe(db, 0)).start()
        await fast.until(2)
        await stalled.until(2)
        stalled.reading.clear()  # from now on it reads nothing
        delays, seqs = [], list(before)
        for i in range(30):  # 30 batches of 2 alerts, with hop rows between them
            broker.publish_hops("b1", [{"t_s": float(t)} for t in range(i * 10, i * 10 + 10)])
            new = _add_events(db, ["b1", "b2"])
            seqs += new
            t0 = time.monotonic()
            broker.notify()
            await fast.until(len(seqs))
            delays.append(max(t for s, _, t in fast.alerts if s in new) - t0)
        for r in others:
            await r.until(len(seqs) - 2)
        queue = stalled.sub.queue
        overflowed, queued_hops = (queue.behind, queue.n_overflows), queue.n_hops
        stalled.reading.set()  # the stalled client reads at last
        await stalled.until(len(seqs))
        out = {"delays": delays, "seqs": seqs, "late": stalled.alerts, "fast": fast.alerts,
               "others": [r.alerts for r in others], "n_reads": stalled.sub.hub.n_reads,
               "overflowed": overflowed, "queued_hops": queued_hops,
               "dropped": queue.n_hops_dropped, "hops": fast.hops}  # fmt: skip
        for r in [fast, stalled, *others]:
            await r.stop()
        broker.close()
        return out

    try:
        out = asyncio.run(asyncio.wait_for(scenario(), 60))
    finally:
        db.close()
    seqs = out["seqs"]
    assert len(seqs) == 62
    assert max(out["delays"]) < 0.5  # the stalled stream never held the others up
    assert [s for s, _, _ in out["fast"]] == seqs
    assert all([s for s, _, _ in alerts] == seqs[2:] for alerts in out["others"])
    # the stalled stream overflowed, then got every alert from the log: none twice, none lost
    assert out["overflowed"] == (True, 1)
    assert out["queued_hops"] == 16 and out["dropped"] >= 300 - 16 - 20  # newest rows kept
    assert [s for s, _, _ in out["late"]] == seqs
    # one shared read per batch, not one per stream (22 streams, 30 batches)
    assert out["n_reads"] <= 31 + 2
    t = [h["hop"]["t_s"] for h in out["hops"]]
    assert t == [float(x) for x in range(300)]  # a reading stream loses no hop row


def test_catching_up_and_attaching_neither_repeats_nor_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events committed while a stream reads its backlog from the DB reach it once.

    The stream's own reads are slowed down (before and after the query) so that
    events are committed, and fanned out by the shared reader, while it catches up;
    they are committed a little before the shared reader is woken, as the runner does.
    """
    db = Database(str(tmp_path / "race.sqlite3"))
    broker = Broker()
    first = _add_events(db, ["x"] * 1200)  # more than one read batch of backlog

    def slow_events_since(*args: Any) -> Any:
        if args[2] is not None:  # a stream's own catch-up read (the shared one: all beds)
            time.sleep(0.004)
            rows = events_since(*args)
            time.sleep(0.01)
            return rows
        return events_since(*args)

    monkeypatch.setattr(broker_module, "events_since", slow_events_since)

    async def scenario() -> tuple[list[int], list[int]]:
        seqs = list(first)
        watchers = []
        for i in range(60):  # new streams open while new events land
            if i % 6 == 0:
                watchers.append(Reader(broker.subscribe(db, 0, {"x"}, hops=False)).start())
            seqs += _add_events(db, ["x", "y"])[:1]
            await asyncio.sleep(0.003)
            broker.notify()
            await asyncio.sleep(0.003)
        for w in watchers:
            await w.until(len(seqs), timeout_s=3)
        await asyncio.sleep(0.2)  # nothing more must come
        got = [[s for s, _, _ in w.alerts] for w in watchers]
        for w in watchers:
            await w.stop()
        broker.close()
        return got, seqs

    try:
        got, seqs = asyncio.run(asyncio.wait_for(scenario(), 60))
    finally:
        db.close()
    for alerts in got:
        assert alerts == seqs  # bed x only, in order, each once


# ------------------------------------------------------------------ filters, real server
@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, seizure_edf: Path) -> Iterator[Any]:
    srv = start_module_server(tmp_path_factory, seizure_edf, "fanout")
    yield srv
    srv.stop(signal.SIGTERM)


def test_a_stream_gets_only_its_beds_and_hops_false_gets_no_hops(live: Any) -> None:
    tok = live.tokens
    viewer, tech, clin = (bearer(tok[r]) for r in ("viewer", "technician", "clinician"))
    with httpx.Client(base_url=live.url, timeout=httpx.Timeout(15.0)) as c:
        for bed in ("f1", "f2", "f3"):
            r = c.post(f"{API}/beds", headers=tech, json={"bed_id": bed, "weight_kg": 70})
            assert r.status_code == 201, r.text
        r = c.post(
            f"{API}/beds",
            headers=tech,
            json={"bed_id": "fe", "weight_kg": 70, "edf_path": "seizure.edf", "speed": 50},
        )
        assert r.status_code == 201, r.text
        with (
            c.stream("GET", f"{API}/alerts/stream?bed_id=f2", headers=viewer) as one,
            c.stream(
                "GET", f"{API}/alerts/stream?bed_id=f1&bed_id=f3&hops=false", headers=viewer
            ) as two,
            c.stream("GET", f"{API}/alerts/stream?kinds=alert&bed_id=fe", headers=viewer) as three,
            c.stream("GET", f"{API}/alerts/stream?bed_id=fe", headers=viewer) as everything,
        ):
            lines = [s.iter_lines() for s in (one, two, three, everything)]
            assert all(next(x).startswith("retry:") for x in lines)
            for bed in ("f1", "f2", "f3"):
                r = c.post(
                    f"{API}/beds/{bed}/events",
                    headers=clin,
                    json={"kind": "seizure_start", "t_s": 0},
                )
                assert r.status_code == 201, r.text
            got_one, _ = read_sse(lines[0], 1, timeout_s=10)
            got_two, _ = read_sse(lines[1], 2, timeout_s=10, kinds=("alert", "hop"))
            got_all, _ = read_sse(lines[3], 20, timeout_s=10, kinds=("hop",))
            got_three, _ = read_sse(lines[2], 10_000, timeout_s=2, kinds=("alert", "hop"))
    assert [e["data"]["bed_id"] for e in got_one] == ["f2"]
    assert [(e["event"], e["data"]["bed_id"]) for e in got_two] == [
        ("alert", "f1"),
        ("alert", "f3"),
    ]
    assert len(got_all) == 20 and {e["data"]["bed_id"] for e in got_all} == {"fe"}
    # kinds=alert on the playing bed: its hop rows flowed (above) but none came here
    assert all(e["event"] == "alert" and e["data"]["bed_id"] == "fe" for e in got_three)


@pytest.mark.parametrize(
    "query",
    ["kinds=trend", "kinds=alert&kinds=bogus", "kinds=hop&hops=false", "bed_id=a%20b"],
)
def test_bad_stream_filters_are_refused_with_a_reason(live: Any, query: str) -> None:
    with httpx.Client(base_url=live.url, timeout=httpx.Timeout(15.0)) as c:
        r = c.get(f"{API}/alerts/stream?{query}", headers=bearer(live.tokens["viewer"]))
    assert r.status_code == 422, r.text
