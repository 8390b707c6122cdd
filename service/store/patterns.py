"""ACNS 2021 pattern episodes of a bed (``pattern_episodes``, migration 13), and its
sporadic epileptiform discharges and BIRDs (``brief_findings``, same migration).

An episode is what :class:`~detectors.acns.tracker.PatternTracker` calls one: the
consecutive 10-s windows with one ACNS main term (``LPD``, ``GRDA``, ``BIPD`` ...),
the same rows ``events.tsv`` holds for a replay. An episode is stored once, when it
closes (the next window has another term or none, a data gap, the end of the
source); the episode still open is not in the table -- the bed's session holds it
(:meth:`service.runner.BedManager.pattern_episodes` adds it). The key is
``(admission_id, onset_s)``: an EDF bed resumed after a restart replays its warm-up
and may close the same episode again, which replaces the row.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable
from typing import Any

from rse_monitor.detectors.acns.brief import BriefFindings
from rse_monitor.detectors.acns.tracker import PatternEpisode
from rse_monitor.service.db import Database

__all__ = [
    "brief_summary", "episode_record", "insert_brief_findings", "insert_pattern_episodes",
    "read_pattern_episodes",
]  # fmt: skip

_COLUMNS = ("onset_s", "offset_s", "term", "frequency_hz", "channels", "plus", "iic")


def episode_record(ep: PatternEpisode, end_s: float | None = None) -> dict[str, Any]:
    """One episode as the API shows it.

    ``end_s`` is the end of an open episode (its newest judged window); a closed one
    ends at its ``offset_s``. ``frequency_hz`` is the median over its windows (None
    when unknown); ``channels`` most often involved first; ``plus`` the ACNS plus
    modifiers seen in any window (``F``, ``R``, ``S``), sorted.
    """
    open_ = ep.offset_s is None
    end = float(ep.offset_s if ep.offset_s is not None else (end_s or ep.onset_s))
    hz = ep.frequency_hz
    return {
        "term": ep.term,
        "event_type": ep.event_type,
        "onset_s": float(ep.onset_s),
        "offset_s": None if open_ else end,
        "duration_s": max(0.0, end - float(ep.onset_s)),
        "channels": ep.top_channels(len(ep.channels)),
        "frequency_hz": float(hz) if math.isfinite(hz) else None,
        "plus": sorted(ep.plus),
        "iic": bool(ep.iic),
        "open": open_,
    }


def insert_pattern_episodes(
    conn: sqlite3.Connection, admission_id: int, episodes: Iterable[PatternEpisode]
) -> int:
    """Store closed episodes (an open one is refused); returns how many were written."""
    rows = []
    for ep in episodes:
        if ep.offset_s is None:
            raise ValueError(f"episode {ep.term} at {ep.onset_s} s is still open")
        rec = episode_record(ep)
        rows.append((
            admission_id, rec["onset_s"], rec["offset_s"], rec["term"], rec["frequency_hz"],
            json.dumps(rec["channels"]), "".join(rec["plus"]), int(rec["iic"]),
        ))  # fmt: skip
    cols = ", ".join(_COLUMNS)
    conn.executemany(
        f"INSERT OR REPLACE INTO pattern_episodes (admission_id, {cols}) "
        f"VALUES (?, {', '.join('?' for _ in _COLUMNS)})",
        rows,
    )
    return len(rows)


def read_pattern_episodes(
    db: Database,
    admission_id: int,
    start_s: float | None = None,
    end_s: float | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Stored episodes that overlap ``[start_s, end_s]``, oldest first.

    An episode overlaps when ``offset_s >= start_s`` and ``onset_s <= end_s`` (either
    bound may be omitted). With ``start_s`` the first ``limit`` of them; without, the
    latest ``limit`` (as :func:`~service.store.trends.read_trends`).
    """
    where: list[tuple[str, Any]] = [("admission_id = ?", admission_id)]
    if start_s is not None:
        where.append(("offset_s >= ?", start_s))
    if end_s is not None:
        where.append(("onset_s <= ?", end_s))
    rows = db.page("pattern_episodes", ", ".join(_COLUMNS), where, "onset_s",
                   latest=start_s is None, limit=limit)  # fmt: skip
    return [
        {
            "term": r["term"],
            "event_type": str(r["term"]).lower(),
            "onset_s": float(r["onset_s"]),
            "offset_s": float(r["offset_s"]),
            "duration_s": max(0.0, float(r["offset_s"]) - float(r["onset_s"])),
            "channels": list(json.loads(r["channels"] or "[]")),
            "frequency_hz": r["frequency_hz"],
            "plus": list(r["plus"] or ""),
            "iic": None if r["iic"] is None else bool(r["iic"]),
            "open": False,
        }
        for r in rows
    ]


def insert_brief_findings(
    conn: sqlite3.Connection, admission_id: int, windows: Iterable[tuple[float, BriefFindings]]
) -> int:
    """Store the sporadic discharges and BIRDs of judged windows (``(window start s,
    findings)`` as :attr:`PatternTracker.brief_log` holds them): one row per
    discharge (its peak) and per BIRD (its onset, duration, frequency); returns how
    many rows were written (a row already there is replaced)."""
    rows: list[tuple[Any, ...]] = []
    for t0, f in windows:
        for t, chans in zip(f.sporadic_s, f.sporadic_channels, strict=True):
            rows.append((admission_id, "sporadic", t0 + t, 0.0, None, json.dumps(chans)))
        for b in f.birds:
            rows.append((admission_id, "bird", t0 + b.onset_s, b.duration_s, b.frequency_hz,
                         json.dumps(b.channels)))  # fmt: skip
    conn.executemany(
        "INSERT OR REPLACE INTO brief_findings (admission_id, kind, t_s, duration_s, "
        "frequency_hz, channels) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def brief_summary(conn: sqlite3.Connection, admission_id: int) -> dict[str, int]:
    """``n_sporadic`` and ``n_birds`` of an admission; a BIRD during burst suppression
    or suppression (a stored trend row in its span says so) is not one (ACNS 2021)."""
    n_sporadic = conn.execute(
        "SELECT COUNT(*) FROM brief_findings WHERE admission_id = ? AND kind = 'sporadic'",
        (admission_id,),
    ).fetchone()[0]
    n_birds = conn.execute(
        "SELECT COUNT(*) FROM brief_findings AS b WHERE b.admission_id = ? AND b.kind = 'bird' "
        "AND NOT EXISTS (SELECT 1 FROM trends AS t WHERE t.admission_id = b.admission_id "
        "AND t.t_s >= b.t_s AND t.t_s <= b.t_s + b.duration_s + 1.0 "
        "AND t.depth IN ('burst_suppression', 'suppression'))",
        (admission_id,),
    ).fetchone()[0]
    return {"n_sporadic": int(n_sporadic), "n_birds": int(n_birds)}
