"""One bed, one path: the bed session.

A :class:`BedSession` owns everything about one bed that decides what the monitor
says: its source, its engine (built from :class:`~monitoring.settings.BedSettings`),
its clinical state, its alert policy and its sinks. ``rsemon replay`` (an EDF as
fast as possible), ``rsemon monitor`` (a live LSL stream) and every bed of the
service (an EDF at a set speed, or a live stream) run this same class; only the
source (:mod:`monitoring.sources`) and the sinks differ:

- :class:`~monitoring.outputs.FileSink`: ``trends.csv``, ``alerts.jsonl``,
  ``events.tsv``, ``summary.json``;
- the service's store sink: SQLite (trends, alerts, clinical state in one
  transaction) and then the live push (SSE).

::

    source.items() ──> SourceInfo ─> start(): new engine, sinks.start
                   ──> Chunk ──────> push(): sinks.chunk; engine ─> hops ─> policy + clinical
                   │                                   └─> sinks.write(hops, alerts)
                   ──> SourceEvent ─> stream_event(): policy ─> alerts ─> sinks.write
                   ──> SourceStatus ─> sinks.status
    end of source ─────────────────> finish(): last event closed, sinks.close(summary)

A live loop logs, counts and recovers: an exception inside the engine restarts the
engine's stages at that chunk and raises ``engine_error`` (the bed keeps being
watched); an exception in a sink is logged and counted, and the other sinks still
get the results.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from rse_monitor.detectors.acns.tracker import PatternEpisode
from rse_monitor.detectors.alerts import Alert, Severity
from rse_monitor.detectors.clinical import ClinicalState
from rse_monitor.detectors.seizure import DetectedSeizure
from rse_monitor.monitoring.engine import BedEngine, HopResult
from rse_monitor.monitoring.policy import AlertPolicy
from rse_monitor.monitoring.settings import BedSettings
from rse_monitor.pipeline.chunk import Chunk

__all__ = [
    "BedSession",
    "Sink",
    "Source",
    "SourceEvent",
    "SourceInfo",
    "SourceItem",
    "SourceStatus",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceInfo:
    """What a source tells the session when it (re)connects.

    ``new_engine``: False when a live stream came back after a drop-out with the
    same layout (the engine continues across the gap, as the chunk's
    ``gap_before`` tells it). ``speed``: recording seconds per wall-clock second
    (a stream or file played ``speed`` times faster than real time).
    """

    sfreq_hz: float
    ch_names: tuple[str, ...]
    unit_known: bool = True
    start_datetime: datetime | None = None
    description: dict[str, Any] = field(default_factory=dict)
    new_engine: bool = True
    speed: float = 1.0


@dataclass(frozen=True)
class SourceEvent:
    """A change in a live source (``stream_lost``, ``stream_restored``, ``data_gap``,
    ``rate_drift``) at recording time ``t_s``."""

    kind: str
    severity: Severity
    message: str
    t_s: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceStatus:
    """The source's state for people: ``connecting``, ``reconnecting``, ``running``,
    ``finished``."""

    status: str
    message: str


SourceItem = SourceInfo | Chunk | SourceEvent | SourceStatus


class Source(Protocol):
    """Where a bed's EEG comes from (see :mod:`monitoring.sources`)."""

    def items(self, stop: threading.Event, need_samples: Callable[[], int]) -> Iterator[SourceItem]:
        """Yield what the source has until it ends or ``stop`` is set.

        ``need_samples()`` tells a live source how many samples complete the next
        hop, so that it can pull one hop at a time.
        """
        ...

    def describe(self) -> dict[str, Any]:
        """The source for ``summary.json`` (path or stream, format, rate ...)."""
        ...

    @property
    def t_end_s(self) -> float:
        """Recording time just after the last sample delivered."""
        ...


class Sink:
    """Where a bed session's results go; a sink overrides what it needs.

    Every method is called with the session's lock held, in time order.
    """

    def start(self, session: BedSession, info: SourceInfo) -> None:
        """The source (re)connected; ``session.engine`` is ready."""

    def chunk(self, session: BedSession, chunk: Chunk) -> None:
        """A chunk exactly as the source delivered it (µV, before the montage), before
        the engine sees it (e.g. to store the raw EEG)."""

    def write(self, session: BedSession, hops: list[HopResult], alerts: list[Alert]) -> None:
        """New hops (possibly none) and the alert transitions they caused."""

    def events(self, session: BedSession, events: list[DetectedSeizure], t_end_s: float) -> None:
        """The list of seizure events changed (one opened, closed or ended)."""

    def status(self, session: BedSession, status: SourceStatus) -> None:
        """The source's state changed."""

    def close(self, session: BedSession, summary: dict[str, Any]) -> None:
        """Monitoring ended; ``summary`` is what ``summary.json`` holds."""


class BedSession:
    """One bed: source → engine → clinical state → alert policy → sinks.

    Parameters
    ----------
    bed_id : str
    source : Source
    settings : BedSettings, optional
        Engine settings, seizure type (t1/t2) and targets (defaults if omitted).
    sinks : sequence of Sink
    clinical : ClinicalState, optional
        A clinical state to continue (the service's, restored after a restart);
        by default a new one from ``settings`` with an empty treatment log.
    policy : AlertPolicy, optional
        Open engine/stream conditions to continue (default: none open).
    publish_after_s : float, optional
        Hops at or before this time are computed (the engine warms up on them) but
        neither scored nor published: a service bed resuming a replay.

    Notes
    -----
    :meth:`run` drives the whole session from its source; :meth:`push`,
    :meth:`stream_event` and :meth:`finish` are the steps, for callers that feed
    chunks themselves. ``lock`` guards the clinical state: the service applies
    treatments and targets under it while the session runs.
    """

    def __init__(
        self,
        bed_id: str,
        source: Source | None = None,
        settings: BedSettings | None = None,
        sinks: Sequence[Sink] = (),
        *,
        clinical: ClinicalState | None = None,
        policy: AlertPolicy | None = None,
        publish_after_s: float | None = None,
    ) -> None:
        if not isinstance(bed_id, str) or not bed_id:
            raise ValueError(f"bed_id must be a non-empty string, got {bed_id!r}")
        self.bed_id = bed_id
        self.source = source
        self.settings = settings or BedSettings()
        self.sinks = list(sinks)
        if clinical is None:
            s = self.settings
            clinical = ClinicalState(s.seizure_type, targets=s.targets, t1_t2_min=s.t1_t2_min)
        self.clinical = clinical
        self.policy = policy or AlertPolicy()
        self.publish_after_s = publish_after_s
        self.lock = threading.RLock()
        self.engine: BedEngine | None = None
        self.info: SourceInfo | None = None
        #: clinical time of the latest hop or bedside observation
        self.clinical_now_s: float | None = None
        #: a clinician observes seizure activity (OR-ed with the EEG)
        self.manual_ictal = False
        self.n_hops = 0
        self.n_engine_errors = 0
        self.n_sink_errors = 0
        self.stream_events: dict[str, int] = {}
        self.t_last_s: float | None = None
        self.status: SourceStatus | None = None
        self._n_events_seen = 0
        self._past_events: list[DetectedSeizure] = []
        self._past_patterns: list[PatternEpisode] = []
        self._wall_t0 = time.perf_counter()
        self._summary: dict[str, Any] | None = None
        #: more figures for the summary (e.g. the live monitor's latencies)
        self.summary_extra: Callable[[], dict[str, Any]] | None = None

    # -- the steps -------------------------------------------------------------------
    def start(self, info: SourceInfo) -> None:
        """The source is (again) there: build the engine for its layout."""
        with self.lock:
            if self.engine is None or info.new_engine:
                if self.engine is not None:  # a new layout: close what the old engine had
                    self._past_events += self.engine.finish()
                    self._past_patterns += self.engine.pattern_episodes()
                self.engine = BedEngine(info.sfreq_hz, info.ch_names, info.unit_known,
                                        self.settings.engine)  # fmt: skip
            self.info = info
            self._each_sink("start", info)

    @property
    def n_channels(self) -> int:
        """Channels of the montage the detectors see (0 before the start)."""
        return len(self.engine.ch_names) if self.engine is not None else 0

    def need_samples(self) -> int:
        """Samples that complete the next hop (1 before the start)."""
        if self.engine is None:
            return 1
        return self.engine.windower.n_until_window

    def push(self, chunk: Chunk) -> list[HopResult]:
        """Analyse one chunk; publish its hops and the alerts they cause."""
        engine = self.engine
        if engine is None:
            raise RuntimeError(f"bed {self.bed_id}: push() before start()")
        with self.lock:
            self._each_sink("chunk", chunk)
        errors: list[Alert] = []
        try:
            hops = engine.push(chunk)
        except Exception as exc:  # a live loop logs, counts and recovers
            self.n_engine_errors += 1
            log.exception("bed %s: engine failed at t=%.1f s; restarting its stages",
                          self.bed_id, chunk.t0_s)  # fmt: skip
            engine.reset_stages()
            hops = []
            with self.lock:
                errors = self.policy.engine_error(exc, self._clinical_t(chunk.t0_s))
        if self.publish_after_s is not None:
            hops = [h for h in hops if h.t_s > self.publish_after_s + 1e-9]
        with self.lock:
            alerts = errors
            for hop in hops:
                t = self._clinical_t(hop.t_s)
                alerts += self.policy.hop_changes(hop, self.clinical, self.n_channels, t,
                                                  self.manual_ictal)  # fmt: skip
                self.clinical_now_s = t
            if hops:
                self.n_hops += len(hops)
                self.t_last_s = hops[-1].t_s
            if hops or alerts:
                self._each_sink("write", hops, alerts)
            n_events = len(self._past_events) + len(engine.events)  # no list per push
            if engine.patterns is not None:
                n_events += len(engine.patterns.episodes) + len(self._past_patterns)
            if n_events != self._n_events_seen:
                self._n_events_seen = n_events
                self._each_sink("events", self.events, self.t_end_s)
        return hops

    def stream_event(self, event: SourceEvent) -> list[Alert]:
        """A live-stream event: count it and publish the alert transitions it causes."""
        with self.lock:
            self.stream_events[event.kind] = self.stream_events.get(event.kind, 0) + 1
            t = self._clinical_t(event.t_s)
            alerts = self.policy.stream_event(
                event.kind, event.severity, event.message, event.details, t
            )
            if alerts:
                self._each_sink("write", [], alerts)
        return alerts

    def publish_alerts(self, alerts: list[Alert]) -> None:
        """Publish alert transitions made outside the hop path (e.g. by the service)."""
        if alerts:
            with self.lock:
                self._each_sink("write", [], alerts)

    def set_status(self, status: SourceStatus) -> None:
        with self.lock:
            if self.status == status:
                return
            self.status = status
            self._each_sink("status", status)

    def finish(self) -> dict[str, Any]:
        """Close the open seizure event, tell the sinks, return the summary."""
        if self._summary is not None:
            return self._summary
        with self.lock:
            if self.engine is not None:
                self.engine.finish()
                self._each_sink("events", self.events, self.t_end_s)
            self._summary = self.summary(final=True)
            self._each_sink("close", self._summary)
        return self._summary

    # -- the whole run ---------------------------------------------------------------
    def run(self, stop: threading.Event | None = None) -> dict[str, Any]:
        """Drive the session from its source until the source ends or ``stop`` is set."""
        if self.source is None:
            raise RuntimeError(f"bed {self.bed_id}: run() needs a source")
        stop = stop or threading.Event()
        for item in self.source.items(stop, self.need_samples):
            self.feed(item)
        return self.finish()

    def feed(self, item: SourceItem) -> None:
        """One item of the source: a chunk, an event, (re)connection or a status."""
        if isinstance(item, Chunk):
            self.push(item)
        elif isinstance(item, SourceEvent):
            self.stream_event(item)
        elif isinstance(item, SourceInfo):
            self.start(item)
        elif isinstance(item, SourceStatus):
            self.set_status(item)
        else:
            raise TypeError(f"bed {self.bed_id}: a source yielded {type(item).__name__}")

    # -- reading ---------------------------------------------------------------------
    @property
    def t_end_s(self) -> float:
        if self.source is not None:
            return float(self.source.t_end_s)
        return float(self.t_last_s or 0.0)

    @property
    def events(self) -> list[DetectedSeizure]:
        """Every seizure event of the session so far (across engines, if the source's
        layout changed)."""
        current = list(self.engine.events) if self.engine is not None else []
        return self._past_events + current

    @property
    def pattern_episodes(self) -> list[PatternEpisode]:
        """Every ACNS pattern episode of the session so far (the open one last)."""
        current = self.engine.pattern_episodes() if self.engine is not None else []
        return self._past_patterns + current

    def summary(self, final: bool = False) -> dict[str, Any]:
        """Counts, durations, settings and source (what ``summary.json`` holds)."""
        from rse_monitor.pipeline import __version__

        events = self.events
        t_end = self.t_end_s
        wall_s = time.perf_counter() - self._wall_t0
        return {
            "software": "rse-monitor",
            "version": __version__,
            "bed_id": self.bed_id,
            "final": final,
            "input": self.source.describe() if self.source is not None else {},
            "settings": {
                **self.settings.to_dict(),
                **(self.engine.settings() if self.engine is not None else {}),
            },
            "n_seizures": len(events),
            "seizures": [
                {"onset_s": e.onset_s, "offset_s": e.offset_s, "confidence": e.confidence}
                for e in events
            ],
            "seizure_time_s": sum((e.offset_s or t_end) - e.onset_s for e in events),
            "patterns": _pattern_counts(self.pattern_episodes, t_end),
            "stream_events": dict(self.stream_events),
            "n_engine_errors": self.n_engine_errors,
            "n_sink_errors": self.n_sink_errors,
            "warnings": self.engine.input_warnings(final) if self.engine is not None else [],
            "wall_time_s": round(wall_s, 3),
            "real_time_factor": round(t_end / max(wall_s, 1e-9), 1),
            **(self.summary_extra() if self.summary_extra is not None else {}),
        }

    # -- helpers ---------------------------------------------------------------------
    def _clinical_t(self, t_s: float) -> float:
        """Clinical time never goes back (a bedside observation may have moved it on)."""
        t = float(t_s)
        if self.clinical_now_s is not None and t < self.clinical_now_s:
            return float(self.clinical_now_s)
        return t

    def _each_sink(self, verb: str, *args: Any) -> None:
        for sink in self.sinks:
            try:
                getattr(sink, verb)(self, *args)
            except Exception:
                self.n_sink_errors += 1
                log.exception("bed %s: sink %s failed in %s", self.bed_id,
                              type(sink).__name__, verb)  # fmt: skip
                if getattr(sink, "critical", False):
                    raise


def _pattern_counts(episodes: list[PatternEpisode], t_end_s: float) -> dict[str, Any]:
    """Per ACNS main term: episodes, total time (s) and how many were in the IIC."""
    out: dict[str, Any] = {}
    for ep in episodes:
        d = out.setdefault(ep.term, {"episodes": 0, "time_s": 0.0, "iic_episodes": 0})
        d["episodes"] += 1
        d["time_s"] = round(d["time_s"] + (ep.offset_s or t_end_s) - ep.onset_s, 3)
        d["iic_episodes"] += int(ep.iic)
    return out
