"""Write pattern labels as a BIDS/SzCORE-style events TSV, and a recording as EDF+ + TSV.

The TSV keeps the columns of :data:`detectors.annotations.EVENTS_TSV_HEADER` (so
:func:`detectors.annotations.read_events_tsv` reads its ``sz`` rows back as
:class:`~detectors.annotations.SeizureEvent`) and appends ``frequency_hz``,
``plus`` (comma-separated modifiers, ``n/a`` for none) and ``evolving``
(``true``/``false``). One row per event, sorted by onset; a recording without any
event gets the single ``bckg`` row the SzCORE converters write.

References
----------
.. [1] Dan J et al. SzCORE: Seizure Community Open-source Research Evaluation
   framework for the validation of EEG-based automated seizure detection
   algorithms. Epilepsia 2024. doi:10.1111/epi.18113 (the events TSV).
.. [2] Kemp B, Olivan J. European data format 'plus' (EDF+). Clin Neurophysiol
   2003;114:1755-1761 (annotations in the EDF+ TAL channel).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from os import PathLike
from pathlib import Path

import numpy as np

from rse_monitor.detectors.annotations import EVENTS_TSV_HEADER, SeizureEvent, write_events_tsv
from rse_monitor.pipeline.checks import positive
from rse_monitor.recordings.synthetic.pattern_events import PatternEvent, PatternRecording

__all__ = [
    "PATTERN_EVENTS_TSV_HEADER",
    "write_seizure_edf",
    "seizure_events",
    "write_pattern_edf",
    "write_pattern_events_tsv",
]

PATTERN_EVENTS_TSV_HEADER: tuple[str, ...] = (
    *EVENTS_TSV_HEADER,
    "frequency_hz",
    "plus",
    "evolving",
)
"""Columns of the pattern events TSV, in order."""

_NA = "n/a"
_EDF_RANGE_UV = 3000.0  # physical range of the EDF signals, ± µV (samples clipped to it)

StrPath = str | PathLike[str]


def seizure_events(events: Iterable[PatternEvent]) -> list[SeizureEvent]:
    """The ``sz`` labels as :class:`~detectors.annotations.SeizureEvent` (for scoring)."""
    out = []
    for i, event in enumerate(events):
        if not isinstance(event, PatternEvent):
            raise TypeError(f"events[{i}] must be a PatternEvent, got {type(event).__name__}")
        if event.is_seizure:
            out.append(
                SeizureEvent(event.onset_s, event.duration_s, "sz", None, ",".join(event.channels))
            )
    return out


def write_pattern_events_tsv(
    path: StrPath,
    events: Iterable[PatternEvent],
    recording_duration_s: float,
    start_datetime: datetime | None = None,
) -> Path:
    """Write pattern labels as a tab-separated events file (one row per event).

    Parameters
    ----------
    path : str or path-like
        Output file (its folder must exist).
    events : iterable of PatternEvent
        Labels in any order; written sorted by onset, times to the millisecond,
        ``frequency_hz`` to 1e-4 Hz, ``confidence`` ``n/a`` (ground truth).
    recording_duration_s : float
        Recording length in seconds (> 0), the ``recordingDuration`` column.
    start_datetime : datetime or None
        Recording start for the ``dateTime`` column; ``n/a`` if None.

    Returns
    -------
    Path
        The written path.
    """
    total_s = positive("recording_duration_s", recording_duration_s)
    rows = list(events)
    for i, event in enumerate(rows):
        if not isinstance(event, PatternEvent):
            raise TypeError(f"events[{i}] must be a PatternEvent, got {type(event).__name__}")
    rows.sort(key=lambda e: (e.onset_s, e.offset_s, e.event_type))
    return write_events_tsv(
        path,
        [SeizureEvent(e.onset_s, e.duration_s, e.event_type, None, ",".join(e.channels))
         for e in rows],
        total_s,
        start_datetime,
        extra_columns=PATTERN_EVENTS_TSV_HEADER[len(EVENTS_TSV_HEADER):],
        extra_values=[(f"{e.frequency_hz:.4f}", ",".join(e.plus) if e.plus else _NA,
                       "true" if e.evolving else "false") for e in rows],
    )  # fmt: skip


def write_pattern_edf(
    recording: PatternRecording,
    edf_path: StrPath,
    start_datetime: datetime | None = None,
) -> tuple[Path, Path]:
    """Write a recording as EDF+ (labels also as EDF+ annotations) and its events TSV.

    The EDF holds one signal per channel labelled with the channel name, in µV,
    physical range ±3000 µV (samples beyond are clipped), 1-s data records, one
    annotation per event whose text is :attr:`PatternEvent.label` (``sz``,
    ``lpd+f``, ...). The TSV (:func:`write_pattern_events_tsv`) is written next to it
    as ``<stem>_events.tsv``.

    Parameters
    ----------
    recording : PatternRecording
        A whole number of seconds long (EDF data records of 1 s).
    edf_path : str or path-like
        The ``.edf`` file to write.
    start_datetime : datetime or None
        Recording start (EDF header and TSV ``dateTime``); None leaves the EDF's
        default start date and writes ``n/a`` in the TSV.

    Returns
    -------
    (Path, Path)
        The EDF and the TSV paths.
    """
    import edfio

    if not isinstance(recording, PatternRecording):
        raise TypeError(f"recording must be a PatternRecording, got {type(recording).__name__}")
    fs = recording.sfreq_hz
    per_record = fs * 1.0
    if abs(per_record - round(per_record)) > 1e-9 or recording.n_samples % round(per_record):
        raise ValueError(
            f"recording must last a whole number of seconds at an integer sfreq_hz for EDF "
            f"1-s records, got {recording.n_samples} samples at {fs} Hz"
        )
    if start_datetime is not None and not isinstance(start_datetime, datetime):
        raise TypeError(f"start_datetime must be a datetime or None, got {start_datetime!r}")
    edf_out = Path(edf_path)
    data = np.clip(recording.data_uv, -_EDF_RANGE_UV, _EDF_RANGE_UV)
    signals = [
        edfio.EdfSignal(
            row,
            sampling_frequency=fs,
            label=name,
            physical_dimension="uV",
            physical_range=(-_EDF_RANGE_UV, _EDF_RANGE_UV),
        )
        for name, row in zip(recording.ch_names, data, strict=True)
    ]
    annotations = [edfio.EdfAnnotation(e.onset_s, e.duration_s, e.label) for e in recording.events]
    edf = edfio.Edf(
        signals,
        recording=None
        if start_datetime is None
        else edfio.Recording(startdate=start_datetime.date()),
        starttime=None if start_datetime is None else start_datetime.time(),
        data_record_duration=1.0,
        annotations=annotations,
    )
    edf.write(edf_out)
    tsv = edf_out.with_name(f"{edf_out.stem}_events.tsv")
    write_pattern_events_tsv(tsv, recording.events, recording.duration_s, start_datetime)
    return edf_out, tsv


def write_seizure_edf(
    path: StrPath,
    duration_s: float = 300.0,
    seizures: Iterable[tuple[float, float]] = ((150.0, 210.0),),
    sfreq_hz: float = 256.0,
    seed: int = 1,
) -> Path:
    """Background EEG with strong rhythmic seizures (known onsets/offsets) as an EDF.

    The background and evolving spike-wave come from
    :func:`~recordings.synthetic.make_seizure_recording`; a 7-Hz, 150-µV discharge with
    a random phase per channel is added over each seizure so that it also stands out
    in the bipolar montage the engine uses (the service tests' and benchmarks' bed).
    """
    import edfio

    from rse_monitor.recordings.synthetic.seizures import make_seizure_recording

    spans = tuple((float(a), float(b)) for a, b in seizures)
    rec = make_seizure_recording(
        duration_s=duration_s, sfreq_hz=sfreq_hz, seizures=spans, seed=seed
    )
    data = rec.data_uv.copy()
    rng = np.random.default_rng(seed)
    t = np.arange(data.shape[1]) / sfreq_hz
    for start, end in spans:
        inside = (t >= start) & (t < end)
        phase = rng.uniform(0, 2 * np.pi, (data.shape[0], 1))
        data[:, inside] += 150.0 * np.sin(2 * np.pi * 7.0 * t[inside] + phase)
    signals = [
        edfio.EdfSignal(data[i], sampling_frequency=sfreq_hz, label=name,
                        physical_dimension="uV", physical_range=(-3000.0, 3000.0))
        for i, name in enumerate(rec.ch_names)
    ]  # fmt: skip
    out = Path(path)
    edfio.Edf(signals).write(out)
    return out
