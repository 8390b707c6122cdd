"""All SQL of the service, one module per resource (as the FastAPI template's ``crud``).

* :mod:`~service.store.beds`: admissions (``beds``) and their ``targets``;
* :mod:`~service.store.clinical`: ``treatments`` and ``observations``;
* :mod:`~service.store.history`: the ``bed_history`` of the bedside scores, and the
  summary of the trends the scores read;
* :mod:`~service.store.wean`: the trend aggregates of the wean-readiness figures;
* :mod:`~service.store.alerts`: ``alerts`` and their change log ``alert_events``;
* :mod:`~service.store.trends`: per-hop ``trends``;
* :mod:`~service.store.patterns`: the ACNS ``pattern_episodes`` (stored when closed)
  and ``brief_findings`` (sporadic discharges, BIRDs);
* :mod:`~service.store.tokens`: API ``tokens`` and browser ``sessions``;
* :mod:`~service.store.audit`: the ``audit`` log of writes.

A package rather than one ``store.py``: the service's SQL together passes 600 lines,
and each table family is a concern of its own. Functions that are part of a larger
unit of work take the caller's connection (from ``Database.transaction()`` or
``Database.read()``), so the caller -- the bed manager, the auth module -- decides
what commits together; self-contained reads and writes called from the routers take
the :class:`~service.db.Database`. Connection, migrations and schema live in
:mod:`service.db`. Everything is re-exported here: ``from service import store``
then ``store.insert_bed(conn, ...)``.
"""

from __future__ import annotations

from rse_monitor.service.store._json import clean_json
from rse_monitor.service.store.alerts import (
    ack_alert,
    alert_public,
    apply_alert_changes,
    events_after,
    get_alert,
    last_event_id,
    list_alerts,
    open_alert_keys,
    open_engine_alerts,
)
from rse_monitor.service.store.audit import insert_audit, list_audit
from rse_monitor.service.store.beds import (
    all_targets,
    discharge_bed,
    get_bed,
    insert_bed,
    load_active_beds,
    update_bed_clinical,
    update_bed_clock,
    update_bed_progress,
    update_bed_status,
    upsert_targets,
)
from rse_monitor.service.store.clinical import (
    get_observation,
    get_treatment,
    insert_observation,
    insert_treatment,
    list_observations,
    list_treatments,
    treatments_in_entry_order,
)
from rse_monitor.service.store.history import (
    HISTORY_FIELDS,
    get_history,
    trend_summary,
    upsert_history,
)
from rse_monitor.service.store.patterns import (
    brief_summary,
    episode_record,
    insert_brief_findings,
    insert_pattern_episodes,
    read_pattern_episodes,
)
from rse_monitor.service.store.tokens import (
    all_tokens,
    delete_expired_sessions,
    delete_session,
    delete_sessions_of_token,
    find_active_token,
    find_session_token,
    get_token,
    insert_session,
    insert_token,
    mark_token_revoked,
    set_token_name,
)
from rse_monitor.service.store.trends import (
    TREND_FIELDS,
    ictal_marks,
    insert_trends,
    read_trends,
    trend_row,
)
from rse_monitor.service.store.wean import band_time, eeg_extent, eeg_window
from rse_monitor.service.store.yields import alarm_yield

__all__ = [
    "clean_json",
    "alarm_yield",
    # audit log
    "insert_audit", "list_audit",
    # alerts
    "ack_alert", "alert_public", "apply_alert_changes", "events_after", "get_alert",
    "last_event_id", "list_alerts", "open_alert_keys", "open_engine_alerts",
    # beds and targets
    "all_targets", "discharge_bed", "get_bed", "insert_bed",
    "load_active_beds", "update_bed_clinical", "update_bed_clock", "update_bed_progress",
    "update_bed_status", "upsert_targets",
    # clinical entries
    "get_observation", "get_treatment", "insert_observation", "insert_treatment",
    "list_observations", "list_treatments", "treatments_in_entry_order",
    # bedside-score history
    "HISTORY_FIELDS", "get_history", "trend_summary", "upsert_history",
    # wean readiness
    "band_time", "eeg_extent", "eeg_window",
    # tokens and sessions
    "all_tokens", "delete_expired_sessions", "delete_session", "delete_sessions_of_token",
    "find_active_token", "find_session_token", "get_token", "insert_session", "insert_token",
    "mark_token_revoked", "set_token_name",
    # ACNS pattern episodes
    "brief_summary", "episode_record", "insert_brief_findings", "insert_pattern_episodes",
    "read_pattern_episodes",
    # trends
    "TREND_FIELDS", "ictal_marks", "insert_trends", "read_trends", "trend_row",
]  # fmt: skip
