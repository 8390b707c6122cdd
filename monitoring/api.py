"""The Python API: :func:`analyze` runs one recording as ``rsemon replay`` does and
hands the results back as Python objects, the events as ``mne.Annotations``.

It is the same :class:`~monitoring.session.BedSession` as ``rsemon replay`` (the same
source, engine, clinical state and alert policy); only the sink differs: results are
collected in memory (:class:`_MemorySink`) and files are written only when
``out_dir`` is given (then the four files of the replay, too).

Example
-------
>>> import mne
>>> from rse_monitor import analyze
>>> raw = mne.io.read_raw_edf("recordings/rse_seizure_synthetic.edf")  # doctest: +SKIP
>>> result = analyze(raw, notch_hz=60.0)  # doctest: +SKIP
>>> raw.set_annotations(raw.annotations + result.events)  # doctest: +SKIP
>>> result.trends_frame()[["t_s", "suppression_ratio"]]  # doctest: +SKIP

MNE and pandas are imported when :func:`analyze` or :meth:`Analysis.trends_frame`
runs, not with this module (``rsemon replay`` starts without them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from rse_monitor.monitoring.session import BedSession, Sink, SourceInfo
from rse_monitor.monitoring.settings import BedSettings, EngineConfig

if TYPE_CHECKING:
    import mne
    import pandas

    from rse_monitor.detectors.alerts import Alert
    from rse_monitor.monitoring.engine import HopResult

__all__ = ["Analysis", "analyze", "SETTING_NAMES"]

#: Keyword settings of :func:`analyze`: every :class:`~monitoring.settings.EngineConfig`
#: field, then the clinical ones of :class:`~monitoring.settings.BedSettings`.
SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(EngineConfig)) + (
    "seizure_type", "t1_min", "t2_min", "targets",
)  # fmt: skip

#: Trend columns held as integers (0/1 flags and counts); ``depth``, ``pattern`` and
#: ``artefact`` are text; the rest float64 with NaN where a value is undefined.
_INT_COLUMNS = frozenset({"ictal", "n_good_channels", "iic", "acns_seizure"})
_TEXT_COLUMNS = frozenset({"depth", "pattern", "artefact"})


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze` found in one recording.

    Attributes
    ----------
    events : mne.Annotations
        Seizures (``description`` ``"sz"``) and ACNS 2021 pattern episodes (``"lpd"``,
        ``"grda"``, ...): the rows of ``events.tsv``. ``onset`` and ``duration`` in
        seconds from the recording's first sample; ``orig_time`` is the recording's
        start (UTC) when the file states it, else None, so ``raw.set_annotations``
        places them on the same samples. ``ch_names``: the recording's channels
        involved (both electrodes of a bipolar pair). ``extras`` (one dict per
        event): ``confidence`` (seizures), ``channels`` (as in ``events.tsv``, the
        montage's names) and ``frequency_hz`` (patterns).
    trends : dict of str to ndarray, shape (n_hops,)
        The columns of ``trends.csv`` (:attr:`monitoring.engine.HopResult.TREND_COLUMNS`),
        unrounded: float64 (NaN where undefined), int64 for ``ictal``,
        ``n_good_channels``, ``iic``, ``acns_seizure``, str for ``depth``, ``pattern``
        and ``artefact``.
    alerts : list of dict
        The records of ``alerts.jsonl``, in order.
    summary : dict
        What ``summary.json`` holds.
    """

    events: mne.Annotations
    trends: dict[str, NDArray[Any]]
    alerts: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def trends_frame(self) -> pandas.DataFrame:
        """:attr:`trends` as a pandas DataFrame, one row per hop.

        Raises
        ------
        ImportError
            pandas is not installed.
        """
        try:
            import pandas
        except ImportError as exc:
            raise ImportError(
                "Analysis.trends_frame() needs pandas (pip install pandas); "
                "Analysis.trends holds the same columns as NumPy arrays"
            ) from exc
        return pandas.DataFrame(self.trends)

    #: Same as :meth:`trends_frame`.
    to_pandas = trends_frame


def _bed_settings(
    settings: BedSettings | EngineConfig | None, keywords: dict[str, Any]
) -> BedSettings:
    """``settings`` (default: the replay's) with the keyword settings applied."""
    unknown = [k for k in keywords if k not in SETTING_NAMES]
    if unknown:
        raise TypeError(
            f"analyze() got an unexpected keyword argument {unknown[0]!r}; settings are "
            + ", ".join(SETTING_NAMES)
        )
    if isinstance(settings, EngineConfig):
        settings = BedSettings(engine=settings)
    elif settings is None:
        settings = BedSettings()
    elif not isinstance(settings, BedSettings):
        raise TypeError(
            f"settings must be a BedSettings or EngineConfig, got {type(settings).__name__}"
        )
    engine = {k: v for k, v in keywords.items() if k in {f.name for f in fields(EngineConfig)}}
    bed = {k: v for k, v in keywords.items() if k not in engine}
    if isinstance(bed.get("targets"), Mapping):
        from rse_monitor.detectors.clinical import Targets

        bed["targets"] = Targets.from_dict(bed["targets"])
    return replace(settings, engine=replace(settings.engine, **engine), **bed)


class _MemorySink(Sink):
    """Trend rows and alert records of a session, kept in memory (the records are
    those :class:`~monitoring.outputs.FileSink` writes to ``alerts.jsonl``)."""

    def __init__(self) -> None:
        self.info: SourceInfo | None = None
        self.rows: list[tuple[Any, ...]] = []
        self.alerts: list[dict[str, Any]] = []
        self._start: tuple[datetime, float] | None = None

    def start(self, session: BedSession, info: SourceInfo) -> None:
        from rse_monitor.monitoring.outputs import wall_clock_start

        if self._start is None:
            self.info = info
            self._start = wall_clock_start(info)

    def write(self, session: BedSession, hops: list[HopResult], alerts: list[Alert]) -> None:
        self.rows += [hop.trend_values() for hop in hops]
        if alerts and self._start is None:
            self._start = (datetime.now(UTC), 1.0)
        for alert in alerts:
            start, speed = self._start or (datetime.now(UTC), 1.0)
            when = start + timedelta(seconds=alert.t_s / speed)
            self.alerts.append({
                "id": len(self.alerts) + 1,
                "bed_id": session.bed_id,
                "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                **alert.to_record(),
                "acked_by": None,
                "acked_at": None,
            })  # fmt: skip

    def trends(self) -> dict[str, NDArray[Any]]:
        from rse_monitor.monitoring.engine import HopResult

        columns = (
            list(zip(*self.rows, strict=True)) if self.rows else [()] * len(HopResult.TREND_COLUMNS)
        )
        out: dict[str, NDArray[Any]] = {}
        for name, values in zip(HopResult.TREND_COLUMNS, columns, strict=True):
            if name in _TEXT_COLUMNS:
                out[name] = np.asarray(values, dtype=str)
            elif name in _INT_COLUMNS:
                out[name] = np.asarray(values, dtype=np.int64)
            else:
                out[name] = np.asarray([math.nan if v is None else v for v in values],
                                       dtype=np.float64)  # fmt: skip
        return out


def _channel_map(ch_names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each channel name the engine may report → the recording's channels it is made of
    (a bipolar pair ``FP1-F7`` → its two electrodes as the recording names them)."""
    from rse_monitor.pipeline.preprocess import resolve_montage

    out: dict[str, tuple[str, ...]] = {name: (name,) for name in ch_names}
    for i, j, label in resolve_montage(ch_names) or []:
        out.setdefault(label, (ch_names[i], ch_names[j]))
    return out


def _annotations(session: BedSession, ch_names: tuple[str, ...]) -> mne.Annotations:
    """The events of ``events.tsv`` (seizures, then ACNS pattern episodes) as Annotations."""
    import mne

    t_end = session.t_end_s
    parts = _channel_map(ch_names)
    rows: list[tuple[float, float, str, list[str], dict[str, Any]]] = []
    for ev in session.events:
        end = ev.offset_s if ev.offset_s is not None else t_end
        shown = list(ev.channels[:8])
        rows.append((round(ev.onset_s, 3), round(end - ev.onset_s, 3), "sz", shown,
                     {"confidence": round(ev.confidence, 3)}))  # fmt: skip
    for ep in session.pattern_episodes:
        end = ep.offset_s if ep.offset_s is not None else t_end
        rows.append((round(ep.onset_s, 3), round(max(0.0, end - ep.onset_s), 3), ep.event_type,
                     ep.top_channels(8), {"frequency_hz": round(ep.frequency_hz, 2)}))  # fmt: skip
    start = session.info.start_datetime if session.info is not None else None
    orig_time = None if start is None else (
        start if start.tzinfo is not None else start.replace(tzinfo=UTC)
    )  # fmt: skip
    involved = [
        tuple(dict.fromkeys(c for name in shown for c in parts.get(name, ())))
        for _, _, _, shown, _ in rows
    ]
    return mne.Annotations(
        onset=[r[0] for r in rows],
        duration=[r[1] for r in rows],
        description=[r[2] for r in rows],
        orig_time=orig_time,
        ch_names=involved,
        extras=[{"channels": ",".join(r[3]) or "n/a", **r[4]} for r in rows],
    )


def analyze(
    raw_or_path: mne.io.BaseRaw | str | Path,
    *,
    settings: BedSettings | EngineConfig | None = None,
    out_dir: str | Path | None = None,
    bed_id: str | None = None,
    progress: bool = False,
    chunk_s: float = 60.0,
    **setting_values: Any,
) -> Analysis:
    """Analyse one recording as ``rsemon replay`` does and return what it found.

    Parameters
    ----------
    raw_or_path : mne.io.BaseRaw or str or Path
        An MNE raw object (preloaded or lazily opened: it is read one chunk at a time
        with ``get_data``) or a file (EDF/BDF by the project's reader; FIF,
        BrainVision, EEGLAB, GDF, ... through MNE, chosen by extension).
    settings : BedSettings or EngineConfig, optional
        Start from these settings (default: those of ``rsemon replay``).
    out_dir : str or Path, optional
        Also write ``events.tsv``, ``trends.csv``, ``alerts.jsonl`` and
        ``summary.json`` there; None (default): write nothing.
    bed_id : str, optional
        Name of the run in the alerts and the summary (default: the file stem).
    progress : bool
        Show ``rsemon replay``'s progress bar on stderr.
    chunk_s : float
        Seconds read per chunk (the results do not depend on it).
    **setting_values
        Any of :data:`SETTING_NAMES`: the fields of
        :class:`~monitoring.settings.EngineConfig` (``notch_hz=60.0``,
        ``montage=False``, ``l_freq_hz``, ``h_freq_hz``, ``acns``, ...) and
        ``seizure_type``, ``t1_min``, ``t2_min``, ``targets`` (a
        :class:`~detectors.clinical.Targets` or its dict).

    Returns
    -------
    Analysis
        ``.events`` (``mne.Annotations``), ``.trends``, ``.alerts``, ``.summary``.

    Raises
    ------
    TypeError
        An unknown keyword (named), or ``raw_or_path`` of another type.
    ValueError
        A setting out of range (named, as ``rsemon replay`` refuses it).
    pipeline.ingest.IngestError
        The recording cannot be read (one-line reason).
    """
    from rse_monitor.monitoring.outputs import FileSink, _json_default
    from rse_monitor.monitoring.replay import ProgressBar
    from rse_monitor.monitoring.sources import open_recording

    bed = _bed_settings(settings, setting_values)
    bar: ProgressBar | None = None
    on_progress = None
    name = "mne_raw"
    if isinstance(raw_or_path, str | Path):
        name = Path(raw_or_path).name
    elif getattr(raw_or_path, "filenames", None) and raw_or_path.filenames[0]:
        name = Path(raw_or_path.filenames[0]).name
    if progress:
        bar = ProgressBar(1.0, name)
        on_progress = bar.update
    source = open_recording(raw_or_path, chunk_s=chunk_s, on_progress=on_progress)
    if bar is not None:
        bar.total = max(source.duration_s, 1e-9)
    memory = _MemorySink()
    sinks: list[Sink] = [memory]
    if out_dir is not None:
        sinks.append(FileSink(Path(out_dir)))
    session = BedSession(bed_id or source.path.stem, source, bed, sinks)
    summary = session.run()
    if bar is not None:
        bar.close()
    summary = {**summary, "n_hops": len(memory.rows), "n_alerts": len(memory.alerts),
               "alerts_by_kind": _count_kinds(memory.alerts)}  # fmt: skip
    # as summary.json holds it (dates as ISO text, NumPy numbers as Python's)
    summary = json.loads(json.dumps(summary, default=_json_default))
    return Analysis(
        events=_annotations(session, tuple(source.reader.ch_names)),
        trends=memory.trends(),
        alerts=memory.alerts,
        summary=summary,
    )


def _count_kinds(alerts: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for record in alerts:
        out[record["kind"]] = out.get(record["kind"], 0) + 1
    return out
