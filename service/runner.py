"""Beds and their monitoring threads.

:class:`BedManager` owns every active bed (admission). A bed is a
:class:`monitoring.session.BedSession` -- the same class ``rsemon replay`` and
``rsemon monitor`` run -- plus its admission record. Each bed with an EEG source runs
its session in its own :class:`BedRunner` thread, with the session's source
(:class:`~monitoring.sources.EdfFileSource` at the bed's speed, or
:class:`~monitoring.sources.LslStreamSource`) and one sink, :class:`StoreSink`: the
hop's trend rows, the alert transitions and the new clinical state are committed to
the database in one transaction *before* the SSE streams are woken. Request handlers
never do signal processing: they read what the sessions published (latest hop,
stored trends, the clinical state) and pass clinical entries (treatments, targets,
observations) to the manager, which applies them under the session's lock.

Sources
-------
* ``edf``: a file under a configured recordings folder, replayed at ``speed`` times
  real time: a chunk is analysed when the bed clock reaches the chunk's end
  (``origin + t_end / speed``). At the end of the file the bed is ``finished``.
* ``lsl``: a live stream resolved by name (:class:`pipeline.lsl.LslSource`);
  while it is missing the bed is ``connecting``/``reconnecting`` and retries; if it
  comes back with other channels or another rate, the session builds a new engine.
* ``none``: no EEG; the clinical state is driven by clinical observations
  (``POST /beds/{id}/events``) and treatments only ("charting" beds).

Alerts
------
The clinical layer is the authority on seizure alerts (``seizure_onset``,
``breakthrough_seizure``, ``wean_recurrence``: one per cluster, updated, cleared
``cluster_gap_s`` after the last seizure); the engine's per-seizure
``seizure_onset``/``seizure_offset`` are therefore not stored as alerts of their
own -- the EEG onset details (channels, confidence) are attached to the clinical
alert raised at the same hop. ``depth_change`` is a state, shown by
``GET /beds/{id}/state`` and the trends, not an alarm. Signal-quality, engine and
LSL stream conditions follow the one alert policy (:mod:`monitoring.policy`): one
open alert per condition, updated at most every 10 min unless its severity
changes, cleared when the condition ends. An engine failure restarts the engine's
stages and raises ``engine_error``; the bed goes on.

A bed whose monitoring stops for any other reason (its runner fails, its source
fails, the store cannot commit) raises a high ``monitoring_stopped`` alert with the
reason and its status becomes ``error`` with that reason; discharge and the end of
an EDF (``finished``) are not stops. The alert is never lost: it goes into the
bed's ``pending_alerts`` (with the alerts of a batch the store failed to commit)
*before* any write is tried, is logged at ERROR with its full record, and the
runner thread retries the commit every ``Settings.storage_retry_s`` until it lands
(and once more at shutdown, logging CRITICAL with the record of whatever still
could not be stored). ``GET /health`` reports the bed, and any pending alert.

Restart
-------
Everything is in the database; at start-up the manager reloads the active beds and
their clinical state (``ClinicalState.to_dict``, committed with every hop batch).
EDF beds resume from the last stored hop: the engine is warmed up on the
``Settings.edf_warmup_s`` seconds before it (nothing stored or alerted for those)
and the bed clock is re-anchored so that ``time = now`` at the resume point. LSL
beds reconnect; their recording time continues from the wall clock.

Why one module past 600 lines: the bed, its manager and its runner thread share one
lock discipline and one commit-then-wake order; SQL lives in :mod:`service.store`,
response shapes in :mod:`service.schemas`, errors in :mod:`service.errors`.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, cast

from rse_monitor.detectors.acns.tracker import PatternTracker
from rse_monitor.detectors.alerts import Alert
from rse_monitor.detectors.clinical import ClinicalState, StageResult, Targets
from rse_monitor.detectors.doses import DoseError, DoseLimitExceeded, assess_dose, check_dose_limit
from rse_monitor.detectors.seizure import DetectedSeizure
from rse_monitor.monitoring.engine import HopResult
from rse_monitor.monitoring.policy import AlertPolicy
from rse_monitor.monitoring.raw_archive import RawArchiveSink, prune
from rse_monitor.monitoring.session import BedSession, Sink, SourceInfo, SourceStatus
from rse_monitor.monitoring.settings import BedSettings, EngineConfig
from rse_monitor.monitoring.sources import EdfFileSource, LslStreamSource
from rse_monitor.service import store
from rse_monitor.service.auth import Principal
from rse_monitor.service.broker import Broker
from rse_monitor.service.clock import BedClock, parse_iso
from rse_monitor.service.db import Database, iso_utc, utc_now
from rse_monitor.service.eeg import archive_folder
from rse_monitor.service.errors import (
    BedConflict,
    BedNotFound,
    InvalidEntry,
    RecordingOutsideAllowedDirs,
    StorageUnavailable,
    Unsupported,
)
from rse_monitor.service.schemas import (
    MAX_ABS_T_S,
    AnalysisSettingsIn,
    AnalysisSettingsPublic,
    BedCreate,
    BedPublic,
    BedSourcePublic,
    BedState,
    HopPublic,
    ObservationCreate,
    ObservationPublic,
    SeizureType,
    SourceKind,
    StagePublic,
    TargetsIn,
    TargetsPublic,
    TreatmentCreate,
    TreatmentPublic,
)
from rse_monitor.service.settings import Settings
from rse_monitor.service.store import clean_json
from rse_monitor.service.wean import bed_wean

__all__ = ["TargetsStamp", "Bed", "BedManager", "BedRunner", "resolve_recording", "lsl_available"]

log = logging.getLogger(__name__)

EntryT = TypeVar("EntryT", TreatmentPublic, ObservationPublic)

LIVE_STATUSES = ("running", "connecting", "reconnecting")
#: An EEG bed in one of these is being monitored (with a live runner unless finished).
MONITORED_STATUSES = (*LIVE_STATUSES, "finished")
#: Open stream conditions that mean a live bed receives no EEG.
NO_EEG_CONDITIONS = ("stream_not_found", "stream_lost")


def lsl_available() -> bool:
    """True when :mod:`pipeline.lsl` (and so pylsl) can be imported."""
    try:
        return importlib.util.find_spec("rse_monitor.pipeline.lsl") is not None
    except (ImportError, ValueError):
        return False


def resolve_recording(path: str, allowed: list[Path]) -> Path:
    """The real path of an EDF given to ``POST /beds``, which must lie in ``allowed``.

    A relative path is looked up in each allowed folder in turn. Symbolic links and
    ``..`` are resolved *before* the check, so neither can escape the folders.

    Raises
    ------
    RecordingOutsideAllowedDirs
        If the file is outside every allowed folder.
    InvalidEntry
        If it is not a valid path or does not exist.
    """
    try:
        p = Path(path).expanduser()
        candidates = [p] if p.is_absolute() else [d / p for d in allowed]
        reals = [Path(os.path.realpath(c)) for c in candidates]
    except (ValueError, OSError) as exc:
        raise InvalidEntry(f"EDF path {path!r} is not a valid path ({exc})") from None
    inside = [r for r in reals if any(r.is_relative_to(d) for d in allowed)]
    if not inside:
        refused = RecordingOutsideAllowedDirs(path, [str(d) for d in allowed])
        log.warning("admission refused: %s", refused)  # the folders for the log only
        raise refused
    for real in inside:
        if real.is_file():
            return real
    raise InvalidEntry(f"EDF path {path!r}: no such file in the recordings directories")


# ------------------------------------------------------------------------------ Bed
@dataclass(frozen=True)
class TargetsStamp:
    """When and by whom a bed's titration targets were last set.

    The targets themselves live in one place in memory, the clinical state
    (``bed.clinical.targets``); the ``targets`` table is their record.
    """

    updated_at: str = ""
    updated_by: str | None = None


class Bed:
    """One active admission: its record, and the bed session that watches it.

    The session (:class:`monitoring.session.BedSession`, the same class ``rsemon
    replay`` and ``rsemon monitor`` run) owns the clinical state, the alert policy
    and the lock; mutate the bed only under :attr:`lock`.
    """

    def __init__(self, row: sqlite3.Row | dict[str, Any], clinical: ClinicalState,
                 targets_stamp: TargetsStamp) -> None:  # fmt: skip
        r = dict(row)
        self.admission_id = int(r["admission_id"])
        self.bed_id = str(r["bed_id"])
        self.weight_kg = float(r["weight_kg"])
        self.seizure_type = cast(SeizureType, str(r["seizure_type"]))
        self.source_kind = cast(SourceKind, str(r["source_kind"]))
        self.source = r["source"]
        self.source_info: dict[str, Any] = json.loads(r["source_info"] or "{}")
        self.created_at = str(r["created_at"])
        self.created_by = r["created_by"]
        self.clock = BedClock(parse_iso(r["clock_origin"]), float(r["speed"]))
        self.status = str(r["status"])
        self.status_message = str(r["status_message"] or "")
        self.position_s: float | None = r["position_s"]
        latest = json.loads(r["latest"]) if r["latest"] else None
        self.latest = None if latest is None else HopPublic.model_validate(latest)
        stored = json.loads(r["settings"]) if r.get("settings") else None
        settings = BedSettings.from_dict(stored) if stored else BedSettings()
        t12 = clinical.t1_t2_min
        settings = replace(settings, seizure_type=clinical.seizure_type, t1_min=t12[0],
                           t2_min=t12[1], targets=clinical.targets)  # fmt: skip
        self.session = BedSession(self.bed_id, None, settings, clinical=clinical)
        self.session.manual_ictal = bool(r["manual_ictal"])
        self.session.clinical_now_s = clinical.to_dict().get("now_s")
        self.targets_stamp = targets_stamp
        self.runner: BedRunner | None = None
        self.discharged = False
        #: alert transitions not yet committed (the store failed); retried until stored
        self.pending_alerts: list[Alert] = []
        #: the latest storage fault met by this bed (None once a commit succeeded)
        self.storage_error: str | None = None

    # the session's parts, under the names the manager has always used
    @property
    def lock(self) -> Any:
        return self.session.lock

    @property
    def clinical(self) -> ClinicalState:
        return self.session.clinical

    @clinical.setter
    def clinical(self, value: ClinicalState) -> None:
        self.session.clinical = value

    @property
    def policy(self) -> AlertPolicy:
        return self.session.policy

    @property
    def settings(self) -> BedSettings:
        return self.session.settings

    @property
    def clinical_now_s(self) -> float | None:
        return self.session.clinical_now_s

    @clinical_now_s.setter
    def clinical_now_s(self, value: float | None) -> None:
        self.session.clinical_now_s = value

    @property
    def manual_ictal(self) -> bool:
        return self.session.manual_ictal

    @manual_ictal.setter
    def manual_ictal(self, value: bool) -> None:
        self.session.manual_ictal = value

    @property
    def t1_t2_min(self) -> tuple[float, float | None]:
        return self.clinical.t1_t2_min

    def now_t_s(self) -> float:
        """The bed's current time: latest analysed data for EEG beds, the clock otherwise."""
        if self.source_kind != "none" and self.clinical_now_s is not None:
            return float(self.clinical_now_s)
        return self.clock.now_t_s()

    def public(self) -> BedPublic:
        """The bed as the API shows it."""
        t1, t2 = self.t1_t2_min
        kind = self.source_kind
        source = BedSourcePublic(
            kind=kind, path=self.source if kind == "edf" else None,
            stream_name=self.source if kind == "lsl" else None, speed=self.clock.speed,
            info=self.source_info,
        )  # fmt: skip
        return BedPublic(
            bed_id=self.bed_id, admission_id=self.admission_id, weight_kg=self.weight_kg,
            seizure_type=self.seizure_type, t1_min=t1, t2_min=t2, source=source,
            settings=AnalysisSettingsPublic.model_validate(self.settings.engine),
            status=self.status, status_message=self.status_message,
            position_s=self.position_s, clock_origin=iso_utc(self.clock.origin),
            created_at=self.created_at, created_by=self.created_by,
        )  # fmt: skip


# ------------------------------------------------------------------------- manager
class BedManager:
    """All active beds: creation, clinical entries, publishing, restart.

    Parameters
    ----------
    db : Database
    broker : Broker
        Woken after every commit that changed alerts.
    settings : Settings
    """

    def __init__(self, db: Database, broker: Broker, settings: Settings) -> None:
        self.db = db
        self.broker = broker
        self.settings = settings
        self._beds: dict[str, Bed] = {}
        self._lock = threading.RLock()
        self._started = False
        #: live beds' raw EEG (None: not kept), see :mod:`monitoring.raw_archive`
        self.raw_root = settings.raw_root(db.path)
        self._load()

    # -- loading and lifecycle -------------------------------------------------------
    def _load(self) -> None:
        with self.db.read() as conn:
            rows = store.load_active_beds(conn)
            targets = store.all_targets(conn)
            open_engine = {r["admission_id"]: store.open_engine_alerts(conn, r["admission_id"])
                           for r in rows}  # fmt: skip
        for row in rows:
            tg = targets.get(row["admission_id"])
            stamp = (
                TargetsStamp() if tg is None else TargetsStamp(tg["updated_at"], tg["updated_by"])
            )
            clinical = self._restore_clinical(row, Targets() if tg is None else _targets_of(tg))
            bed = Bed(row, clinical, stamp)
            for o in open_engine[bed.admission_id]:
                bed.policy.restore(
                    o["key"], o["kind"], o["severity"], o["message"],
                    json.loads(o["details"] or "{}"), float(o["t_s"]), float(o["last_t_s"]),
                    o["origin"],
                )  # fmt: skip
            self._beds[bed.bed_id] = bed

    def _restore_clinical(self, row: sqlite3.Row, targets: Targets) -> ClinicalState:
        if row["clinical"]:
            try:
                return ClinicalState.from_dict(json.loads(row["clinical"]))
            except Exception as exc:  # a state saved by another version: rebuild
                log.warning("bed %s: clinical state not restorable (%s); rebuilding from "
                            "treatments and trends", row["bed_id"], exc)  # fmt: skip
        return self._rebuild_clinical(row, targets)

    def _rebuild_clinical(self, row: sqlite3.Row, targets: Targets) -> ClinicalState:
        """Rebuild a clinical state from stored treatments and ictal runs (no alerts)."""
        t12 = None
        if row["t1_min"] is not None:
            t12 = (float(row["t1_min"]), row["t2_min"])
        st = ClinicalState(row["seizure_type"], row["weight_kg"], targets, t12)
        with self.db.read() as conn:
            trs = store.treatments_in_entry_order(conn, row["admission_id"])
            ictal = store.ictal_marks(conn, row["admission_id"])
            obs = store.list_observations(conn, row["admission_id"])
        for tr in trs:
            try:
                st.add_treatment(tr["t_s"], tr["agent"], tr["dose"], tr["unit"], tr["route"],
                                 tr["kind"])  # fmt: skip
            except (DoseError, ValueError, TypeError) as exc:
                log.warning(
                    "bed %s: stored treatment %s skipped (%s)", row["bed_id"], tr["id"], exc
                )
        marks = list(ictal)
        marks += [(float(r["applied_t_s"]), r["kind"] != "seizure_end") for r in obs]
        marks.sort()
        onset: float | None = None
        for t, on in marks:
            if on and onset is None:
                onset = t
            elif not on and onset is not None:
                if t > onset:
                    st.mark_ictal_interval(onset, t)
                onset = None
        if onset is not None:
            st.mark_ictal_interval(onset, None)
        if marks:
            st.mark_alerts_seen(marks[-1][0])
        return st

    def start(self) -> None:
        """Resume monitoring of live beds (called at application start-up)."""
        with self._lock:
            if self._started:
                return
            self._started = True
            self._prune_raw()
            if not self.settings.resume_beds:
                return
            for bed in self._beds.values():
                if bed.source_kind in ("edf", "lsl") and bed.status in LIVE_STATUSES \
                        and bed.runner is None:  # fmt: skip
                    self._start_runner(bed)

    def _prune_raw(self) -> None:
        """Remove stored raw EEG past its retention or beyond the size cap (the live
        beds' sinks do it again at each new file)."""
        if self.raw_root is None:
            return
        cfg = self.settings
        try:
            prune(self.raw_root, cfg.raw_retention_h * 3600.0, cfg.raw_max_gb * 1e9)
        except OSError:
            log.exception("raw EEG archive %s: pruning failed", self.raw_root)

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop every runner (their state is already committed)."""
        with self._lock:
            runners = [b.runner for b in self._beds.values() if b.runner is not None]
            self._started = False
        for r in runners:
            r.stop()
        deadline = time.monotonic() + timeout_s
        for r in runners:
            r.join(max(0.1, deadline - time.monotonic()))
        for b in self._beds.values():
            b.runner = None
            if b.pending_alerts and not self.flush_pending(b):
                for a in b.pending_alerts:  # the last record of an alert the store refused
                    log.critical("bed %s: alert NOT STORED at shutdown: %s", b.bed_id,
                                 json.dumps(clean_json(a.to_record())))  # fmt: skip

    def _start_runner(self, bed: Bed) -> None:
        bed.runner = BedRunner(self, bed)
        bed.runner.start()

    # -- queries ---------------------------------------------------------------------
    def beds(self) -> list[Bed]:
        with self._lock:
            return sorted(self._beds.values(), key=lambda b: b.bed_id)

    def get(self, bed_id: str) -> Bed:
        with self._lock:
            bed = self._beds.get(bed_id)
        if bed is None:
            raise BedNotFound(bed_id)
        return bed

    @property
    def n_running(self) -> int:
        return sum(1 for b in self.beds() if b.status in LIVE_STATUSES)

    def health_problems(self) -> list[tuple[str, str]]:
        """``(bed_id, reason)`` for each active bed that is not being monitored or whose
        alerts are not all stored (what ``GET /health`` lists)."""
        out: list[tuple[str, str]] = []
        for bed in self.beds():
            with bed.lock:
                problem = _bed_problem(bed)
                n_pending = len(bed.pending_alerts)
            if problem is not None:
                out.append((bed.bed_id, problem))
            if n_pending:
                why = bed.storage_error or "storage unavailable"
                out.append((bed.bed_id, f"{n_pending} alert(s) not yet stored ({why}); retrying"))
        return out

    # -- beds ------------------------------------------------------------------------
    def create(self, spec: BedCreate, principal: Principal) -> Bed:
        """Admit a bed and start its monitoring.

        Raises
        ------
        RecordingOutsideAllowedDirs
            EDF outside the recordings folders.
        BedConflict
            Bed id in use.
        InvalidEntry
            Bad file, speed or settings.
        Unsupported
            LSL support missing.
        """
        src = spec.source
        if src is None:  # pragma: no cover - the schema always fills it
            raise InvalidEntry("source missing")
        source_value: str | None = None
        info: dict[str, Any] = {}
        if src.kind == "edf":
            if src.speed > self.settings.max_speed:
                raise InvalidEntry(
                    f"speed {src.speed:g} exceeds the largest allowed "
                    f"({self.settings.max_speed:g}x real time)",
                )  # fmt: skip
            real = resolve_recording(src.path or "", self.settings.allowed_recordings_dirs)
            info = _edf_info(real)
            source_value = str(real)
        elif src.kind == "lsl":
            if not self.settings.lsl_enabled:
                raise InvalidEntry("LSL beds are disabled in this service (RSEMON_LSL_ENABLED)")
            if not lsl_available():
                raise Unsupported("LSL beds need pipeline.lsl and pylsl, not available here")
            source_value = src.stream_name
        t12 = None
        if spec.t1_min is not None or spec.t2_min is not None:
            from rse_monitor.detectors.clinical import T1_T2_MIN

            d1, d2 = T1_T2_MIN[spec.seizure_type]
            t12 = (spec.t1_min if spec.t1_min is not None else d1,
                   spec.t2_min if spec.t2_min is not None else d2)  # fmt: skip
        targets_in = spec.targets or TargetsIn()
        try:
            clinical = ClinicalState(spec.seizure_type, spec.weight_kg,
                                     Targets(**targets_in.model_dump()), t12)  # fmt: skip
            bed_settings = self._bed_settings(spec)
        except (ValueError, TypeError) as exc:
            raise InvalidEntry(str(exc)) from None
        if src.kind == "edf":
            _check_analysable(Path(source_value or ""), bed_settings)
        now = iso_utc(utc_now())
        status = {"edf": "running", "lsl": "connecting", "none": "charting"}[src.kind]
        message = {
            "edf": f"replaying {Path(source_value or '').name} at {src.speed:g}x",
            "lsl": f"waiting for LSL stream {source_value!r}",
            "none": "no EEG source: clinical charting only",
        }[src.kind]
        with self._lock:
            if spec.bed_id in self._beds:
                raise BedConflict(f"bed {spec.bed_id!r} is already active: DELETE it first "
                                    "or choose another bed_id")  # fmt: skip
            with self.db.transaction() as conn:
                try:
                    adm = store.insert_bed(
                        conn, bed_id=spec.bed_id, weight_kg=spec.weight_kg,
                        seizure_type=spec.seizure_type, t1_t2_min=t12, source_kind=src.kind,
                        source=source_value, speed=src.speed, source_info=info, created_at=now,
                        created_by=principal.name, status=status, status_message=message,
                        clinical=clinical.to_dict(), settings=bed_settings.to_dict(),
                    )  # fmt: skip
                except sqlite3.IntegrityError:
                    raise BedConflict(f"bed {spec.bed_id!r} is already active") from None
                store.upsert_targets(conn, adm, clinical.targets, now, principal.name)
                row = store.get_bed(conn, adm)
            bed = Bed(row, clinical, TargetsStamp(now, principal.name))
            self._beds[bed.bed_id] = bed
            if src.kind != "none":
                self._start_runner(bed)
        log.info("bed %s admitted (%s) by %s", bed.bed_id, message, principal.name)
        return bed

    def _bed_settings(self, spec: BedCreate) -> BedSettings:
        """The bed settings a ``POST /beds`` asks for, the service's defaults filling in."""
        a = spec.settings or AnalysisSettingsIn()
        notch = None if not a.notch else float(a.notch_hz or self.settings.notch_hz or 0) or None
        engine = EngineConfig(notch_hz=notch, l_freq_hz=a.l_freq_hz, h_freq_hz=a.h_freq_hz,
                              montage=a.montage == "bipolar")  # fmt: skip
        return BedSettings(engine=engine, seizure_type=spec.seizure_type,
                           t1_min=spec.t1_min, t2_min=spec.t2_min)  # fmt: skip

    def discharge(self, bed_id: str, principal: Principal) -> None:
        """Stop a bed's monitoring and close it; its records stay in the database."""
        with self._lock:
            bed = self.get(bed_id)
            del self._beds[bed_id]
        if bed.runner is not None:
            bed.runner.stop()
            bed.runner.join(10.0)
        try:
            if not self.flush_pending(bed):
                raise StorageUnavailable(f"bed {bed_id} not discharged: its alerts are not "
                                         f"stored yet ({bed.storage_error})")  # fmt: skip
            seqs = self._close_admission(bed, principal)
        except StorageUnavailable:
            with self._lock:  # still active in the database: keep it (health shows it)
                self._beds.setdefault(bed_id, bed)
            raise
        if seqs:
            self.broker.notify()
        log.info("bed %s discharged by %s", bed_id, principal.name)

    def _close_admission(self, bed: Bed, principal: Principal) -> list[int]:
        """Discharge a stopped bed in one transaction: its open alerts are cleared."""
        with bed.lock:
            t = bed.now_t_s()
            now = iso_utc(utc_now())
            with self.db.transaction() as conn:
                store.discharge_bed(conn, bed.admission_id, now, f"discharged by {principal.name}")
                keys = store.open_alert_keys(conn, bed.admission_id)
                seqs = store.apply_alert_changes(
                    conn, bed.admission_id, bed.bed_id, bed.clock,
                    [Alert(k, k, "low", f"bed discharged by {principal.name}", {}, t,
                           "cleared", "service") for k in keys],
                )  # fmt: skip
            bed.discharged = True
            bed.status = "discharged"
        return seqs

    def set_status(self, bed: Bed, status: str, message: str) -> None:
        with bed.lock:
            if bed.discharged:
                return
            bed.status, bed.status_message = status, message
            with self.db.transaction() as conn:
                store.update_bed_status(conn, bed.admission_id, status, message)

    def bed_stopped(self, bed: Bed, exc: BaseException | str) -> None:
        """The bed's monitoring stopped (not by discharge nor at the end of its file):
        status ``error`` with the reason, and a high ``monitoring_stopped`` alert.

        The alert is queued in ``bed.pending_alerts`` and logged before any write is
        tried; :meth:`flush_pending` commits it (the runner retries until it lands).
        """
        if isinstance(exc, BaseException):
            reason = f"{type(exc).__name__}: {_first_line(exc)}"
        else:
            reason = exc
        with bed.lock:
            if bed.discharged:
                return
            was = bed.status
            t = bed.now_t_s()
            bed.status, bed.status_message = "error", f"monitoring stopped: {reason}"
            alert = Alert(
                "monitoring_stopped", "monitoring_stopped", "high",
                f"EEG monitoring of bed {bed.bed_id} stopped: {reason}",
                {"reason": reason, "status_before": was, "source": bed.source_kind}, t,
                "raised", "service",
            )  # fmt: skip
            bed.pending_alerts.append(alert)
        log.error("bed %s: monitoring stopped (%s); alert %s", bed.bed_id, reason,
                  json.dumps(clean_json(alert.to_record())))  # fmt: skip
        self.flush_pending(bed)

    def flush_pending(self, bed: Bed) -> bool:
        """Commit the bed's pending alerts with its status; True when nothing is left."""
        with bed.lock:
            if not bed.pending_alerts:
                return True
            alerts = list(bed.pending_alerts)
            try:
                with self.db.transaction() as conn:
                    seqs = store.apply_alert_changes(conn, bed.admission_id, bed.bed_id,
                                                     bed.clock, alerts)  # fmt: skip
                    if not bed.discharged:
                        store.update_bed_status(conn, bed.admission_id, bed.status,
                                                bed.status_message)  # fmt: skip
            except Exception as exc:
                bed.storage_error = _first_line(exc)
                log.warning("bed %s: %d alert(s) not stored yet: %s", bed.bed_id, len(alerts),
                            bed.storage_error)  # fmt: skip
                return False
            del bed.pending_alerts[: len(alerts)]
            bed.storage_error = None
        if seqs:
            self.broker.notify()
        log.info("bed %s: %d pending alert(s) stored", bed.bed_id, len(alerts))
        return True

    def reanchor(self, bed: Bed, origin_iso: str, speed: float | None = None) -> None:
        """Move a bed's clock origin (EDF resume; LSL speed learnt from the stream)."""
        with bed.lock:
            bed.clock = BedClock(parse_iso(origin_iso), speed or bed.clock.speed)
            with self.db.transaction() as conn:
                store.update_bed_clock(conn, bed.admission_id, origin_iso, bed.clock.speed)

    # -- publishing (runner threads) ---------------------------------------------------
    def publish(self, bed: Bed, hops: list[HopResult], alerts: list[Alert]) -> None:
        """Commit a session's hops and alert transitions with the clinical state at once,
        then wake the live streams (called by the bed's :class:`StoreSink`, under the
        bed's lock)."""
        if not hops and not alerts:
            return
        with bed.lock:
            if bed.discharged:
                return
            if hops:
                bed.latest = HopPublic.model_validate(hops[-1])
                bed.position_s = float(hops[-1].t_s)
            clinical = bed.clinical.to_dict()
            try:
                with self.db.transaction() as conn:
                    if hops:
                        store.insert_trends(conn, bed.admission_id, hops)
                    seqs = store.apply_alert_changes(conn, bed.admission_id, bed.bed_id,
                                                     bed.clock, alerts)  # fmt: skip
                    store.update_bed_progress(conn, bed.admission_id, bed.position_s, clinical,
                                              _hop_record(bed.latest))  # fmt: skip
            except Exception as exc:
                # the policy has moved on: these transitions must still reach the store
                bed.pending_alerts.extend(alerts)
                bed.storage_error = _first_line(exc)
                raise
        if hops:  # wakes the streams too, for the alerts committed above
            self.broker.publish_hops(bed.bed_id, [store.trend_row(h) for h in hops])
        elif seqs:
            self.broker.notify()

    # -- clinical entries (request handlers) -----------------------------------------
    def _resolve_t_s(self, bed: Bed, when: Any, t_s: float | None) -> float:
        if t_s is not None:
            return float(t_s)
        if when is not None:
            try:
                value = bed.clock.t_s_of(when)
            except ValueError as exc:
                raise InvalidEntry(str(exc)) from None
            if not abs(value) <= MAX_ABS_T_S:
                raise InvalidEntry(f"time {when.isoformat()} is more than 30 days from the "
                                    f"bed's start ({iso_utc(bed.clock.origin)})")  # fmt: skip
            return value
        return bed.now_t_s()

    def _commit_clinical(self, bed: Bed, conn: sqlite3.Connection,
                         changes: list[Alert]) -> list[int]:  # fmt: skip
        seqs = store.apply_alert_changes(conn, bed.admission_id, bed.bed_id, bed.clock, changes)
        store.update_bed_clinical(conn, bed.admission_id, bed.clinical.to_dict(), bed.manual_ictal)
        return seqs

    def _refresh(self, bed: Bed) -> list[Alert]:
        """Re-evaluate alerts at the current clinical time after an entry changed the log."""
        if bed.clinical_now_s is None:
            return []
        ictal = bool(bed.clinical.to_dict().get("ictal"))
        return bed.clinical.update(bed.clinical_now_s, ictal, None, None)

    def stage(self, bed: Bed) -> StageResult:
        with bed.lock:
            t = bed.clinical_now_s if bed.clinical_now_s is not None else 0.0
            return bed.clinical.stage(t)

    def add_treatment(self, bed_id: str, body: TreatmentCreate,
                      principal: Principal) -> TreatmentPublic:  # fmt: skip
        """Log a treatment; :class:`InvalidEntry` for an entry that cannot be interpreted."""
        bed = self.get(bed_id)
        with bed.lock:
            t_s = self._resolve_t_s(bed, body.time, body.t_s)
            try:
                check_dose_limit(assess_dose(body.agent, body.dose, body.unit, body.route,
                                             bed.weight_kg, body.kind))  # fmt: skip
            except DoseLimitExceeded as exc:
                if body.override_reason is None:
                    raise InvalidEntry(f"{exc}; to enter it anyway, give override_reason") from None
            except (DoseError, ValueError, TypeError) as exc:
                raise InvalidEntry(str(exc)) from None
            before = bed.clinical.to_dict()
            try:
                tr = bed.clinical.add_treatment(t_s, body.agent, body.dose, body.unit,
                                                body.route, body.kind)  # fmt: skip
                changes = self._refresh(bed)
                now = iso_utc(utc_now())
                a = tr.assessment
                with self.db.transaction() as conn:
                    tid = store.insert_treatment(
                        conn, admission_id=bed.admission_id, t_s=t_s,
                        time=bed.clock.iso_of(t_s), agent=a.agent, dose=body.dose,
                        unit=body.unit, route=body.route, kind=body.kind, adequate=a.adequate,
                        assessment=a.to_dict(), cumulative_note=tr.cumulative_note,
                        note=body.note, override_reason=body.override_reason,
                        entered_by=principal.name, created_at=now,
                    )  # fmt: skip
                    seqs = self._commit_clinical(bed, conn, changes)
                    row = store.get_treatment(conn, tid)
            except Exception:
                bed.clinical = ClinicalState.from_dict(before)
                raise
            stage = self.stage(bed)
        if seqs:
            self.broker.notify()
        return _entry_public(TreatmentPublic, row, bed.bed_id, stage)

    def treatments(self, bed_id: str) -> list[TreatmentPublic]:
        bed = self.get(bed_id)
        with self.db.read() as conn:
            rows = store.list_treatments(conn, bed.admission_id)
        return [_entry_public(TreatmentPublic, r, bed.bed_id) for r in rows]

    def set_targets(self, bed_id: str, body: TargetsIn, principal: Principal) -> TargetsPublic:
        bed = self.get(bed_id)
        with bed.lock:
            before = bed.clinical.to_dict()
            try:
                targets = Targets(**body.model_dump())
                bed.clinical.set_targets(targets)
                changes = self._refresh(bed)
                now = iso_utc(utc_now())
                with self.db.transaction() as conn:
                    store.upsert_targets(conn, bed.admission_id, targets, now, principal.name)
                    seqs = self._commit_clinical(bed, conn, changes)
                bed.targets_stamp = TargetsStamp(now, principal.name)
                bed.session.settings = replace(bed.settings, targets=targets)
            except (ValueError, TypeError) as exc:
                bed.clinical = ClinicalState.from_dict(before)
                raise InvalidEntry(str(exc)) from None
            except Exception:
                bed.clinical = ClinicalState.from_dict(before)
                raise
        if seqs:
            self.broker.notify()
        return targets_public(bed)

    def add_observation(self, bed_id: str, body: ObservationCreate,
                        principal: Principal) -> ObservationPublic:  # fmt: skip
        """A clinically observed seizure state (see ``POST /beds/{id}/events``)."""
        bed = self.get(bed_id)
        with bed.lock:
            t_req = self._resolve_t_s(bed, body.time, body.t_s)
            ictal = body.kind != "seizure_end"
            now_s = bed.clinical_now_s
            if bed.source_kind == "none":
                if now_s is not None and t_req < now_s:
                    raise BedConflict(
                        f"observation at t_s={t_req:g} is earlier than the latest one "
                        f"(t_s={now_s:g}): on a bed without EEG, observations are entered in "
                        "time order",
                    )
                applied = t_req
                fed = ictal
            else:
                # EEG beds: applied at the bed's current time, OR-ed with the EEG from now on
                applied = now_s if now_s is not None else 0.0
                fed = ictal or (bed.latest is not None and bed.latest.ictal)
            before = bed.clinical.to_dict()
            before_manual = bed.manual_ictal
            try:
                bed.manual_ictal = ictal if bed.source_kind != "none" else False
                changes = bed.clinical.update(applied, fed, None, None)
                bed.clinical_now_s = applied
                now = iso_utc(utc_now())
                with self.db.transaction() as conn:
                    oid = store.insert_observation(
                        conn, admission_id=bed.admission_id, t_s=t_req, applied_t_s=applied,
                        time=bed.clock.iso_of(t_req), kind=body.kind, note=body.note,
                        entered_by=principal.name, created_at=now,
                    )  # fmt: skip
                    seqs = self._commit_clinical(bed, conn, changes)
                    row = store.get_observation(conn, oid)
            except Exception:
                bed.clinical = ClinicalState.from_dict(before)
                bed.clinical_now_s = now_s
                bed.manual_ictal = before_manual
                raise
            stage = self.stage(bed)
        if seqs:
            self.broker.notify()
        return _entry_public(ObservationPublic, row, bed.bed_id, stage)

    def observations(self, bed_id: str) -> list[ObservationPublic]:
        bed = self.get(bed_id)
        with self.db.read() as conn:
            rows = store.list_observations(conn, bed.admission_id)
        return [_entry_public(ObservationPublic, r, bed.bed_id) for r in rows]

    def pattern_episodes(
        self, bed_id: str, start_s: float | None, end_s: float | None, limit: int
    ) -> list[dict[str, Any]]:
        """The bed's ACNS pattern episodes overlapping ``[start_s, end_s]``, oldest first:
        the stored (closed) ones, then the one still open in the bed's session, if any,
        with ``offset_s`` None and its duration up to its newest judged window."""
        bed = self.get(bed_id)
        with bed.lock:
            engine = bed.session.engine
            tracker = engine.patterns if engine is not None else None
            current = tracker.current_episode if tracker is not None else None
            latest = tracker.latest if tracker is not None else None
            open_ep = None
            # the engine runs outside the lock: an episode updated meanwhile is read again
            for _ in range(3) if current is not None else ():
                assert current is not None  # for mypy
                try:
                    open_ep = store.episode_record(current, latest.t_end_s if latest else None)
                    break
                except RuntimeError:  # its channel dict changed size while read
                    continue
        rows = store.read_pattern_episodes(self.db, bed.admission_id, start_s, end_s, limit)
        if open_ep is None:
            return rows
        end = open_ep["onset_s"] + open_ep["duration_s"]
        if (start_s is not None and end < start_s) or (end_s is not None and
                                                       open_ep["onset_s"] > end_s):  # fmt: skip
            return rows
        rows = [r for r in rows if r["onset_s"] != open_ep["onset_s"]] + [open_ep]
        return rows[-limit:] if start_s is None else rows[:limit]

    def state(self, bed_id: str) -> BedState:
        """What the bed looks like now (no computation beyond the clinical bookkeeping)."""
        bed = self.get(bed_id)
        with bed.lock:
            snap = clean_json(bed.clinical.snapshot())
            latest = bed.latest
            t = bed.clinical_now_s
            targets = targets_public(bed)
            status, message, position_s = bed.status, bed.status_message, bed.position_s
            manual_ictal = bed.manual_ictal
            time_iso = None if t is None else bed.clock.iso_of(t)
            engine = bed.session.engine
            warnings = [] if engine is None else engine.input_warnings(status == "finished")
        open_alerts, _ = store.list_alerts(
            self.db, admission_id=bed.admission_id, open_only=True, order="asc", limit=100
        )
        wean = None if t is None else bed_wean(
            self.db, bed.admission_id, t, (targets.sr_low, targets.sr_high),
            bed.settings.engine.hop_s,
        )  # fmt: skip
        return BedState(
            bed_id=bed.bed_id, status=status, status_message=message, t_s=t, time=time_iso,
            position_s=position_s, latest=latest, ictal=bool(snap["ictal"]),
            suppression_ratio=None if latest is None else latest.suppression_ratio,
            depth=None if latest is None else latest.depth,
            stage=StagePublic.model_validate(snap["stage"]), targets=targets,
            advice=list(snap["advice"]), infusion=snap["infusion"], manual_ictal=manual_ictal,
            open_alerts=open_alerts, wean=wean, warnings=warnings,
        )  # fmt: skip


# --------------------------------------------------------------------------- helpers
def _targets_of(tg: sqlite3.Row) -> Targets:
    """The targets of a ``targets`` row."""
    return Targets(tg["goal"], float(tg["sr_low"]), float(tg["sr_high"]), float(tg["sustain_s"]))


def targets_public(bed: Bed) -> TargetsPublic:
    """A bed's titration targets (from its clinical state) as the API shows them."""
    tg, stamp = bed.clinical.targets, bed.targets_stamp
    return TargetsPublic(
        bed_id=bed.bed_id, goal=tg.goal, sr_low=tg.sr_low, sr_high=tg.sr_high,
        sustain_s=tg.sustain_s, updated_at=stamp.updated_at, updated_by=stamp.updated_by,
    )  # fmt: skip


def _hop_record(hop: HopPublic | None) -> dict[str, Any] | None:
    """The latest hop as the bed row keeps it (JSON)."""
    return None if hop is None else hop.model_dump(mode="json")


def _entry_public(model: type[EntryT], row: sqlite3.Row, bed_id: str,
                  stage: StageResult | None = None) -> EntryT:  # fmt: skip
    """A stored treatment or observation, with the SE stage right after it when just entered."""
    stage_out = None if stage is None else StagePublic.model_validate(stage.to_dict())
    return model.model_validate({**dict(row), "bed_id": bed_id, "stage": stage_out})


def _edf_info(path: Path) -> dict[str, Any]:
    """Header facts of a file bed (opening the header only); 422 if unreadable."""
    from rse_monitor.pipeline.ingest import IngestError
    from rse_monitor.pipeline.ingest_mne import open_reader

    try:
        src = open_reader(path)
    except (IngestError, ValueError) as exc:
        raise InvalidEntry(str(exc)) from None
    info = src.info
    return {
        "format": info.format, "duration_s": info.duration_s, "sfreq_hz": info.sfreq_hz,
        "n_channels": len(info.ch_names), "channels": list(info.ch_names),
        "channels_set_aside": list(info.set_aside), "unit_known": info.unit_known,
        "warnings": list(info.warnings),
    }  # fmt: skip


def _check_analysable(path: Path, settings: BedSettings) -> None:
    """Refuse (422) a file the bed could not analyse, with the reason ``rsemon replay``
    gives: the file opened as the bed's source and the session started on its layout
    (the engine built for its rate and channels with the bed's settings), as replay does."""
    from rse_monitor.pipeline.ingest import IngestError

    try:
        info = EdfFileSource(path).info()
        BedSession("admission-check", None, settings).start(info)
    except (IngestError, ValueError, TypeError, ZeroDivisionError) as exc:
        raise InvalidEntry(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


# --------------------------------------------------------------------------- runner
class StoreSink(Sink):
    """A service bed's sink: SQLite (trends, alerts, clinical state in one transaction),
    then the live push; and the bed's status and clock.

    ``critical``: a store that cannot commit stops the bed's session (the runner
    marks the bed ``error``) rather than let it run on without a record.
    """

    critical = True

    def __init__(self, manager: BedManager, bed: Bed) -> None:
        self.manager = manager
        self.bed = bed
        self._stored: set[tuple[str, float]] = set()  # (term, onset_s) of stored episodes
        self._tracker: PatternTracker | None = None  # whose brief_log was read ...
        self._n_brief = 0  # ... up to this count

    def start(self, session: BedSession, info: SourceInfo) -> None:
        with self.bed.lock:
            self.bed.source_info = clean_json({**self.bed.source_info, **info.description})

    def write(self, session: BedSession, hops: list[HopResult], alerts: list[Alert]) -> None:
        self.manager.publish(self.bed, hops, alerts)
        self._store_brief(session)

    def _store_brief(self, session: BedSession) -> None:
        """Store the sporadic discharges and BIRDs the tracker found since the last call."""
        tracker = session.engine.patterns if session.engine is not None else None
        if tracker is not self._tracker:  # a new engine: its log starts again
            self._tracker, self._n_brief = tracker, 0
        if tracker is None or tracker.n_brief == self._n_brief:
            return
        n_new = min(tracker.n_brief - self._n_brief, len(tracker.brief_log))
        after = session.publish_after_s if session.publish_after_s is not None else -math.inf
        new = [w for w in list(tracker.brief_log)[-n_new:] if w[0] > after]
        self._n_brief = tracker.n_brief
        if new:
            with self.manager.db.transaction() as conn:
                store.insert_brief_findings(conn, self.bed.admission_id, new)

    def events(self, session: BedSession, events: list[DetectedSeizure], t_end_s: float) -> None:
        """Store the ACNS pattern episodes closed since the last call (the open one stays
        in the session; warm-up episodes of a resumed EDF bed were stored before)."""
        after = session.publish_after_s if session.publish_after_s is not None else -math.inf
        new = [ep for ep in session.pattern_episodes if ep.offset_s is not None
               and ep.offset_s > after and (ep.term, ep.onset_s) not in self._stored]  # fmt: skip
        if new:
            with self.manager.db.transaction() as conn:
                store.insert_pattern_episodes(conn, self.bed.admission_id, new)
            self._stored.update((ep.term, ep.onset_s) for ep in new)

    def status(self, session: BedSession, status: SourceStatus) -> None:
        self.manager.set_status(self.bed, status.status, status.message)


class BedRunner(threading.Thread):
    """The monitoring thread of one bed: its :class:`~monitoring.session.BedSession`
    on an EDF replay or an LSL stream, with a :class:`StoreSink`."""

    def __init__(self, manager: BedManager, bed: Bed) -> None:
        super().__init__(name=f"bed-{bed.bed_id}", daemon=True)
        self.manager = manager
        self.bed = bed
        self._stop_evt = threading.Event()

    def stop(self) -> None:
        self._stop_evt.set()

    @property
    def stopping(self) -> bool:
        return self._stop_evt.is_set()

    def run(self) -> None:
        session = self.bed.session
        try:
            if self.bed.source_kind == "edf":
                session.source = self._edf_source()
            elif self.bed.source_kind == "lsl":
                session.source = self._lsl_source()
            else:  # pragma: no cover - charting beds have no runner
                return
            session.sinks = [StoreSink(self.manager, self.bed), *self._raw_sink()]
            session.run(self._stop_evt)
            if not self.stopping and self.bed.status != "finished":
                self.manager.bed_stopped(self.bed, "the source ended unexpectedly")
        except Exception as exc:  # a live loop never dies silently
            log.exception("bed %s: monitoring stopped by an error", self.bed.bed_id)
            self.manager.bed_stopped(self.bed, exc)
        finally:
            close = getattr(session.source, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    log.exception("bed %s: closing the source failed", self.bed.bed_id)
        self._store_pending()

    def _raw_sink(self) -> list[RawArchiveSink]:
        """A live bed's raw EEG store (none for EDF beds: they read their file)."""
        root, cfg = self.manager.raw_root, self.manager.settings
        if self.bed.source_kind != "lsl" or root is None:
            return []
        return [RawArchiveSink(root, archive_folder(root, self.bed.admission_id).name,
                               cfg.raw_retention_h * 3600.0, cfg.raw_max_gb * 1e9)]  # fmt: skip

    def _store_pending(self) -> None:
        """Retry committing the bed's pending alerts until stored or stopped."""
        retry_s = self.manager.settings.storage_retry_s
        while not self.manager.flush_pending(self.bed):
            if self._stop_evt.wait(retry_s):
                return

    def _edf_source(self) -> EdfFileSource:
        """The bed's file at its speed, from its last stored hop (warming up before it)."""
        bed, mgr = self.bed, self.manager
        resume_s = float(bed.position_s) if bed.position_s is not None else 0.0
        warm_s = float(math.floor(max(0.0, resume_s - mgr.settings.edf_warmup_s)))
        source = EdfFileSource(bed.source, speed=bed.clock.speed, start_s=warm_s)
        # the clock runs from the resume point: time = now there
        origin = utc_now().timestamp() - resume_s / bed.clock.speed
        mgr.reanchor(bed, iso_utc(_from_ts(origin)))
        source.origin_wall_s = origin
        bed.session.publish_after_s = resume_s if resume_s > 0 else None
        if resume_s > 0:
            speed = bed.clock.speed
            mgr.set_status(bed, "running", f"resumed at {resume_s:.0f} s, {speed:g}x real time")
        return source

    def _lsl_source(self) -> LslStreamSource:
        wait_s = self.manager.settings.stream_not_found_s
        return LslStreamSource(self.bed.source, offset_for=self._lsl_offset,
                               not_found_after_s=wait_s)  # fmt: skip

    def _lsl_offset(self, t0_s: float, t_end_s: float) -> float:
        """Bed time of the stream's t = 0 for this connection (never going backwards)."""
        bed, mgr = self.bed, self.manager
        source = bed.session.source
        speed = float(getattr(source, "speed", 1.0) or 1.0)
        if bed.position_s is None:
            # first data of a new bed: t_s = stream time; clock origin at the first sample
            origin = utc_now().timestamp() - t_end_s / speed
            mgr.reanchor(bed, iso_utc(_from_ts(origin)), speed)
            return 0.0
        now_t = bed.clock.now_t_s()
        return max(now_t - t_end_s, float(bed.position_s) - t0_s + 1.0)


def _bed_problem(bed: Bed) -> str | None:
    """Why an EEG bed is not being monitored (None if it is, or if it has no EEG)."""
    if bed.source_kind == "none":
        return None
    if bed.status not in MONITORED_STATUSES:
        return f"{bed.status}: {bed.status_message}"
    runner = bed.runner
    if bed.status != "finished" and (runner is None or not runner.is_alive()):
        return f"no monitoring thread (status {bed.status})"
    for key in NO_EEG_CONDITIONS:
        if key in bed.policy.conditions:
            return f"{bed.status}: {bed.status_message} ({key.replace('_', ' ')})"
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _from_ts(ts: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC)
