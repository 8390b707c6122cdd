"""SSE fan-out under load: alert delivery latency to many clients while beds replay.

What is measured
----------------
A real server (``rsemon serve`` in a subprocess on 127.0.0.1, a temporary SQLite
database) replays ``--beds`` copies of a synthetic EDF with a short seizure every
minute at ``--speed`` times real time, while ``--clients`` SSE clients (async httpx
in this process, all on 127.0.0.1) read ``/api/v1/alerts/stream`` for ``--seconds``.
By default every client takes the default subscription (every bed, alerts and hop
rows), the heaviest case.

*Latency* of an alert event at a client: the client's wall-clock receive time
minus the alert's ``updated_at`` in the event's JSON, which the server sets when it
writes that change, inside the transaction that commits it (so the figure includes
the commit, the fan-out, the socket and the client's own parsing). Same machine,
same clock.

*Counts*: after the run the alert log (``alert_events``) is read from the database.
A client is expected to get every event after the id its stream opened at (the
``: stream open, after event N`` comment) and committed at least ``GRACE_S`` before
the clients stop. Reported: events expected and received over all clients, events
missing, duplicates (the same id twice at one client) and order faults.

Usage::

    python bench/sse_load.py                                  # 200 clients, 16 beds, 60 s
    python bench/sse_load.py --clients 50 --beds 4 --seconds 20
    python bench/sse_load.py --query hops=false               # clients that skip hop rows
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

API = "/api/v1"
#: Events committed in the last GRACE_S before the clients stop are not expected.
GRACE_S = 3.0


def write_edf(path: Path, duration_s: float = 900.0, every_s: float = 60.0) -> Path:
    """19-channel synthetic EEG at 256 Hz with a 25-s seizure every ``every_s`` seconds
    (:func:`recordings.synthetic.write_seizure_edf`)."""
    from rse_monitor.recordings.synthetic import write_seizure_edf

    seizures = [(t, t + 25.0) for t in np.arange(30.0, duration_s - 30.0, every_s)]
    return write_seizure_edf(path, duration_s, seizures, 256.0, seed=3)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, recordings: Path, log: Path, root: Path) -> tuple[Any, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("RSEMON_RECORDINGS_DIRS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "rse_monitor.service.cli_service", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--db", str(db), "--recordings-dir", str(recordings)],
        cwd=str(db.parent), env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/health", timeout=1.0).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def make_token(db: Path, role: str) -> str:
    from rse_monitor.service.auth import create_token
    from rse_monitor.service.db import Database

    database = Database(str(db))
    try:
        return create_token(database, role, f"bench-{role}")[1]
    finally:
        database.close()


def epoch_s(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


@dataclass
class Client:
    """One SSE client's record: opening id, alert events (id, latency), hop count."""

    opened_after: int | None = None
    ids: list[int] = field(default_factory=list)
    latency_s: list[float] = field(default_factory=list)
    n_hops: int = 0
    error: str = ""


def _take_event(client: Client, block: bytes, now: float) -> None:
    if block.startswith(b"id: "):
        head, _, data = block.partition(b"\ndata: ")
        event_id = int(head[4 : head.index(b"\n")])
        payload = json.loads(data)
        client.ids.append(event_id)
        client.latency_s.append(now - epoch_s(payload["updated_at"]))
    elif block.startswith(b"event: hop"):
        client.n_hops += 1
    elif client.opened_after is None and b"stream open, after event " in block:
        client.opened_after = int(block.rsplit(b" ", 1)[1])


async def run_client(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], client: Client,
    opened: asyncio.Event, stop: asyncio.Event,
) -> None:  # fmt: skip
    buf = b""
    try:
        async with http.stream("GET", path, headers=headers) as resp:
            async for chunk in resp.aiter_raw():
                now = time.time()
                buf += chunk
                *blocks, buf = buf.split(b"\n\n")
                for block in blocks:
                    _take_event(client, block, now)
                if client.opened_after is not None:
                    opened.set()
                if stop.is_set():
                    return
    except (httpx.HTTPError, asyncio.CancelledError) as exc:
        if not stop.is_set():
            client.error = repr(exc)


async def load(args: argparse.Namespace, url: str, tokens: dict[str, str]) -> dict[str, Any]:
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    tech = {"Authorization": f"Bearer {tokens['technician']}"}
    path = f"{API}/alerts/stream" + (f"?{args.query}" if args.query else "")
    limits = httpx.Limits(max_connections=args.clients + 10, max_keepalive_connections=20)
    timeout = httpx.Timeout(10.0, read=None)
    clients = [Client() for _ in range(args.clients)]
    stop = asyncio.Event()
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as http:
        opened = [asyncio.Event() for _ in clients]
        tasks = [
            asyncio.create_task(run_client(http, path, viewer, c, o, stop))
            for c, o in zip(clients, opened, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(o.wait() for o in opened)), 60)
        t_open = time.time()
        for i in range(args.beds):
            body = {"bed_id": f"ICU-{i + 1}", "weight_kg": 70, "edf_path": "load.edf",
                    "speed": args.speed}  # fmt: skip
            r = await http.post(f"{API}/beds", headers=tech, json=body)
            r.raise_for_status()
        await asyncio.sleep(args.seconds)
        t_stop = time.time()
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"clients": clients, "t_open": t_open, "t_stop": t_stop}


def tally(clients: list[Client], db: Path, t_stop: float) -> dict[str, Any]:
    with sqlite3.connect(db) as conn:
        log = conn.execute(
            "SELECT seq, created_at, change, json_extract(snapshot, '$.kind') FROM alert_events "
            "WHERE snapshot != '' ORDER BY seq"
        ).fetchall()
    kinds: dict[str, int] = {}
    for _, _, change, kind in log:
        kinds[f"{kind} {change}"] = kinds.get(f"{kind} {change}", 0) + 1
    cutoff = t_stop - GRACE_S
    due = [int(s) for s, created, _, _ in log if epoch_s(created) <= cutoff]
    n_expected = n_received = n_missing = n_dup = n_order = 0
    for c in clients:
        start = c.opened_after or 0
        expected = {s for s in due if s > start}
        got = c.ids
        n_expected += len(expected)
        n_received += len(set(got) & expected)
        n_missing += len(expected - set(got))
        n_dup += len(got) - len(set(got))
        n_order += sum(1 for a, b in zip(got, got[1:], strict=False) if b <= a)
    lat = np.array([x for c in clients for x in c.latency_s]) if clients else np.array([])
    return {
        "n_events_logged": len(log),
        "kinds": kinds,
        "n_expected": n_expected,
        "n_received": n_received,
        "n_missing": n_missing,
        "n_duplicates": n_dup,
        "n_out_of_order": n_order,
        "n_hops_per_client": float(np.mean([c.n_hops for c in clients])),
        "n_client_errors": sum(1 for c in clients if c.error),
        "latency_s": lat,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--beds", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--speed", type=float, default=20.0, help="EDF replay speed (x real time)")
    ap.add_argument("--query", default="", help="stream query string, e.g. hops=false")
    ap.add_argument("--server-root", type=Path, default=ROOT, help="code the server runs")
    args = ap.parse_args(argv)
    for name in ("clients", "beds"):
        if getattr(args, name) < 1:
            ap.error(f"--{name} must be >= 1")
    if not 1.0 <= args.seconds <= 600.0:
        ap.error("--seconds must be within 1-600")

    with tempfile.TemporaryDirectory(prefix="rsemon-sse-") as tmp:
        folder = Path(tmp)
        write_edf(folder / "load.edf")
        db = folder / "load.sqlite3"
        tokens = {r: make_token(db, r) for r in ("viewer", "technician")}
        proc, url = start_server(db, folder, folder / "server.log", args.server_root)
        try:
            t0 = time.monotonic()
            out = asyncio.run(load(args, url, tokens))
            wall_s = time.monotonic() - t0
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        res = tally(out["clients"], db, out["t_stop"])

    lat = res.pop("latency_s")
    cpu = platform.processor() or platform.machine()
    print(f"machine: {cpu}, {os.cpu_count()} cores; python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"server: {args.server_root}; {args.beds} EDF beds at {args.speed:g}x "
          f"(25-s seizure every 60 s); {args.clients} SSE clients "
          f"({'?' + args.query if args.query else 'default subscription'}) for "
          f"{args.seconds:g} s ({wall_s:.1f} s wall with set-up)")  # fmt: skip
    if lat.size:
        p50, p99 = np.percentile(lat, [50, 99])
        print(f"alert delivery latency (receive - updated_at), {lat.size} deliveries: "
              f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
              f"max {lat.max() * 1000:.0f} ms")  # fmt: skip
    else:
        print("alert delivery latency: no alert received")
    print(f"alert events logged {res['n_events_logged']}; over all clients expected "
          f"{res['n_expected']}, received {res['n_received']}, missing {res['n_missing']}, "
          f"duplicates {res['n_duplicates']}, out of order {res['n_out_of_order']}; "
          f"hop rows per client {res['n_hops_per_client']:.0f}; "
          f"client errors {res['n_client_errors']}")  # fmt: skip
    print("alert events by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(res["kinds"].items())))
    ok = lat.size > 0 and float(np.percentile(lat, 99)) <= 1.0
    print(f"target {'met' if ok else 'NOT met'}: p99 <= 1 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
