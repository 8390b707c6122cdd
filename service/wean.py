"""Wean readiness of a bed for its state (issue 14, part 5).

Reads the treatment log and aggregates of the trends from the store and hands them
to the pure functions of :mod:`detectors.clinical.wean`. A handful of aggregate
queries on the trends' primary key (the 24-h band count is the largest: at most
86,400 index rows at 1 hop/s), so it is computed on every state request, uncached.
"""

from __future__ import annotations

from rse_monitor.detectors.clinical.wean import (
    BAND_WINDOW_S,
    RESPONSE_KINDS,
    RESPONSE_WINDOW_S,
    EegWindow,
    Entry,
    WeanTrial,
    response,
    wean_end_s,
    wean_readiness,
)
from rse_monitor.service import store
from rse_monitor.service.db import Database
from rse_monitor.service.schemas import WeanPublic
from rse_monitor.service.store.wean import band_time, eeg_extent, eeg_window

__all__ = ["MAX_RESPONSES", "bed_wean"]

#: Most recent entries whose EEG response is reported.
MAX_RESPONSES = 20


def bed_wean(db: Database, admission_id: int, now_s: float, band: tuple[float, float],
             hop_s: float) -> WeanPublic:  # fmt: skip
    """The wean-readiness figures of an admission at bed time ``now_s``."""
    with db.read() as conn:
        rows = store.list_treatments(conn, admission_id)
        entries = [Entry(int(r["id"]), float(r["t_s"]), str(r["agent"]), str(r["kind"]),
                         float(r["dose"]), str(r["unit"])) for r in rows]  # fmt: skip

        def window(start_s: float, end_s: float) -> EegWindow:
            return EegWindow(start_s, end_s, **eeg_window(conn, admission_id, start_s, end_s))

        first_s, last_ictal_s = eeg_extent(conn, admission_id)
        n_sr, n_in = band_time(conn, admission_id, now_s - BAND_WINDOW_S, *band)
        picked = [e for e in entries if e.kind in RESPONSE_KINDS and e.t_s <= now_s]
        responses = [
            response(e, window(e.t_s - RESPONSE_WINDOW_S, e.t_s),
                     window(e.t_s, e.t_s + RESPONSE_WINDOW_S), now_s)
            for e in picked[-MAX_RESPONSES:]
        ]  # fmt: skip
        weans = []
        for e in entries:
            if e.kind != "wean_start" or e.t_s > now_s:
                continue
            w = window(e.t_s, wean_end_s(e, entries, now_s))
            seizure_s = None if w.n_hops == 0 else w.n_ictal_hops * hop_s
            weans.append(WeanTrial(e, w.end_s, seizure_s,
                                   None if seizure_s is None else seizure_s > 0))  # fmt: skip
    result = wean_readiness(now_s, first_s, last_ictal_s, band, n_sr * hop_s, n_in * hop_s,
                            responses, weans)  # fmt: skip
    return WeanPublic.model_validate(result.to_dict())
