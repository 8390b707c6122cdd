"""Seizure annotations: one event type and readers/writers for the formats we meet.

Every reader returns :class:`SeizureEvent` objects whose ``onset_s`` is in seconds
from the start of the recording, so that the scoring code (``detectors.scoring``)
never needs to know where an annotation came from.

Formats
-------
* SzCORE / BIDS ``*_events.tsv`` (read and write). Columns
  ``onset duration eventType confidence channels dateTime recordingDuration``,
  tab-separated, ``n/a`` for missing values, seizures have an ``eventType`` starting
  with ``sz`` (``sz``, ``sz_foc_ia``, ...), and a record without seizures holds a
  single ``bckg`` row covering the whole recording [1]_ [2]_.
* CHB-MIT ``chbNN-summary.txt`` [3]_: seizure start/end in seconds from the file
  start, both the ``Seizure Start Time:`` and the ``Seizure 1 Start Time:`` spelling.
* Siena Scalp EEG ``Seizures-list-PNxx.txt`` [4]_: wall-clock times
  (``19.39.33``) of the registration start and of each seizure start/end, converted
  here to seconds from the registration start, modulo 24 h (recordings cross
  midnight).
* EDF+/BDF+ annotations whose text names a seizure (read by
  :mod:`pipeline.annotations_edf`, the one EDF+ annotation reader).

:func:`read_any` dispatches on the path; dataset summaries that describe many
recordings take the record after ``::``, e.g. ``chb01-summary.txt::chb01_03.edf``.

References
----------
.. [1] Dan J. et al. (2024). SzCORE: Seizure Community Open-source Research
   Evaluation framework for the validation of EEG-based automated seizure
   detection algorithms. Epilepsia. doi:10.1111/epi.18113
.. [2] esl-epfl/epilepsy2bids, ``annotations.py`` (the SzCORE annotation writer):
   ``dateTime`` is the start of the *recording* as ``YYYY-MM-DD HH:MM:SS`` on every
   row; records without seizures get one ``bckg`` row from 0 to the end.
.. [3] Shoeb A. (2009). Application of machine learning to epileptic seizure onset
   detection and treatment. PhD thesis, MIT. CHB-MIT Scalp EEG Database, PhysioNet.
.. [4] Detti P. et al. (2020). EEG synchronization analysis for seizure prediction:
   a study on data of noninvasive recordings. Processes 8(7):846. Siena Scalp EEG
   Database, PhysioNet.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from os import PathLike
from pathlib import Path

from rse_monitor.pipeline.annotations_edf import Annotation, read_annotations

__all__ = [
    "EVENTS_TSV_HEADER",
    "SeizureEvent",
    "read_any",
    "read_any_with_duration",
    "read_chbmit_channels",
    "read_chbmit_summary",
    "read_edf_annotations",
    "read_events_tsv",
    "read_siena_seizure_list",
    "split_record_path",
    "write_events_tsv",
]

EVENTS_TSV_HEADER: tuple[str, ...] = (
    "onset",
    "duration",
    "eventType",
    "confidence",
    "channels",
    "dateTime",
    "recordingDuration",
)
"""Columns of a SzCORE/BIDS seizure annotation file, in order."""

_NA = "n/a"
_SECONDS_PER_DAY = 86_400
_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # as written by epilepsy2bids / SzCORE
_RECORD_SEPARATOR = "::"

StrPath = str | PathLike[str]


@dataclass(frozen=True)
class SeizureEvent:
    """One annotated (or detected) seizure.

    Parameters
    ----------
    onset_s : float
        Start, seconds from the start of the recording (>= 0).
    duration_s : float
        Length in seconds (>= 0; 0 for a point marker without an end).
    event_type : str
        SzCORE/HED-SCORE event type: ``"sz"`` or a subtype such as ``"sz_foc_ia"``.
    confidence : float or None
        Confidence of the label in [0, 1], ``None`` when not stated.
    channels : str
        Channels involved as written in the TSV (comma-separated), ``"n/a"`` if
        not stated.
    """

    onset_s: float
    duration_s: float
    event_type: str = "sz"
    confidence: float | None = None
    channels: str = _NA

    def __post_init__(self) -> None:
        for name in ("onset_s", "duration_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{name} must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
            object.__setattr__(self, name, float(value))
        if not isinstance(self.event_type, str) or not re.fullmatch(r"\S+", self.event_type):
            raise ValueError(
                f"event_type must be a non-empty string without whitespace, got {self.event_type!r}"
            )
        if self.confidence is not None:
            conf = self.confidence
            if isinstance(conf, bool) or not isinstance(conf, int | float):
                raise TypeError(f"confidence must be a number or None, got {conf!r}")
            if not (0.0 <= conf <= 1.0):
                raise ValueError(f"confidence must be in [0, 1], got {conf!r}")
            object.__setattr__(self, "confidence", float(conf))
        if not isinstance(self.channels, str) or re.search(r"[\t\r\n]", self.channels):
            raise ValueError(
                f"channels must be a string without tabs or newlines, got {self.channels!r}"
            )
        if self.channels == "":
            object.__setattr__(self, "channels", _NA)

    @property
    def offset_s(self) -> float:
        """End of the event, seconds from the start of the recording."""
        return self.onset_s + self.duration_s

    @property
    def is_seizure(self) -> bool:
        """True when ``event_type`` starts with ``sz`` (SzCORE seizure types)."""
        return self.event_type.lower().startswith("sz")


# ---------------------------------------------------------------------------
# SzCORE / BIDS TSV
# ---------------------------------------------------------------------------


def _format_seconds(value: float) -> str:
    return f"{value:.3f}"


def write_events_tsv(
    path: StrPath,
    events: Iterable[SeizureEvent],
    recording_duration_s: float,
    start_datetime: datetime | None = None,
    *,
    extra_columns: Sequence[str] = (),
    extra_values: Sequence[Sequence[str]] | None = None,
) -> Path:
    """Write seizure events as a SzCORE/BIDS annotation TSV.

    Parameters
    ----------
    path : str or path-like
        Output file (parent folder must exist).
    events : iterable of SeizureEvent
        Events in any order; written sorted by onset.
    recording_duration_s : float
        Length of the recording in seconds (``recordingDuration`` column, which a
        scorer needs to count false alarms per 24 h).
    start_datetime : datetime or None
        Start of the *recording*. Written in the ``dateTime`` column of every row
        as ``YYYY-MM-DD HH:MM:SS`` (the SzCORE convention [2]_), ``n/a`` if None.
    extra_columns : sequence of str
        Columns appended after the SzCORE ones (e.g. ``frequency_hz`` of an ACNS
        pattern row); readers ignore columns they do not know.
    extra_values : sequence of sequences of str, optional
        One tuple of cell texts per event (in the order of ``events``), as long as
        ``extra_columns``; ``n/a`` everywhere if omitted.

    Returns
    -------
    Path
        The written path.

    Notes
    -----
    Times are written with millisecond precision. A recording with no seizure
    events gets one ``bckg`` row with onset 0 and the whole recording as its
    duration, exactly as the SzCORE/epilepsy2bids converters do, so that every
    file carries ``recordingDuration``; :func:`read_events_tsv` ignores
    non-seizure rows when returning events.
    """
    if isinstance(recording_duration_s, bool) or not isinstance(recording_duration_s, int | float):
        raise TypeError(f"recording_duration_s must be a number, got {recording_duration_s!r}")
    if not (math.isfinite(recording_duration_s) and recording_duration_s > 0):
        raise ValueError(
            f"recording_duration_s must be finite and > 0, got {recording_duration_s!r}"
        )
    if start_datetime is not None and not isinstance(start_datetime, datetime):
        raise TypeError(f"start_datetime must be a datetime or None, got {start_datetime!r}")
    given = list(events)
    for i, event in enumerate(given):
        if not isinstance(event, SeizureEvent):
            raise TypeError(f"events[{i}] must be a SeizureEvent, got {type(event).__name__}")
    no_extra = (_NA,) * len(extra_columns)
    extras = [tuple(v) for v in extra_values] if extra_values is not None else []
    extras += [no_extra] * (len(given) - len(extras))
    if len(extras) != len(given) or any(len(v) != len(extra_columns) for v in extras):
        raise ValueError(
            f"extra_values must hold {len(extra_columns)} cell(s) for each of the "
            f"{len(given)} event(s)"
        )
    rows = sorted(zip(given, extras, strict=True), key=lambda r: (r[0].onset_s, r[0].duration_s))
    if not rows:
        rows = [(SeizureEvent(0.0, float(recording_duration_s), "bckg"), no_extra)]

    date_text = _NA if start_datetime is None else start_datetime.strftime(_DATETIME_FORMAT)
    duration_text = _format_seconds(float(recording_duration_s))
    lines = ["\t".join((*EVENTS_TSV_HEADER, *extra_columns))]
    for event, extra in rows:
        confidence = _NA if event.confidence is None else f"{event.confidence:.3f}"
        cells = (
            _format_seconds(event.onset_s), _format_seconds(event.duration_s),
            event.event_type, confidence, event.channels, date_text, duration_text, *extra,
        )  # fmt: skip
        lines.append("\t".join(cells))
    out = Path(path)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _parse_float_cell(text: str, column: str, where: str) -> float | None:
    if text in ("", _NA):
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: column {column!r} is not a number: {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: column {column!r} must be finite, got {text!r}")
    return value


# Complexity: one branch per column and per malformed-row case of the BIDS/SzCORE
# format, each with its own error message; split, the checks would lose their order.
def read_events_tsv(path: StrPath) -> tuple[list[SeizureEvent], float | None]:  # noqa: C901
    """Read a SzCORE/BIDS annotation TSV.

    Parameters
    ----------
    path : str or path-like
        A tab-separated file whose header holds at least ``onset``, ``duration``
        and ``eventType``; other columns of :data:`EVENTS_TSV_HEADER` are optional
        and extra columns are ignored.

    Returns
    -------
    events : list of SeizureEvent
        The rows whose ``eventType`` starts with ``sz`` (case-insensitive), sorted
        by onset. ``bckg`` and other event types are skipped.
    recording_duration_s : float or None
        The ``recordingDuration`` column (the same on every row), None when the
        column is absent or ``n/a`` everywhere.

    Raises
    ------
    ValueError
        One line naming the file and line on malformed input: missing required
        column, wrong number of fields, non-numeric or negative times, confidence
        outside [0, 1], rows disagreeing on ``recordingDuration``.

    Notes
    -----
    A ``duration`` of ``n/a`` (allowed by BIDS) is read as 0 s. ``dateTime`` is not
    interpreted.
    """
    src = Path(path)
    with src.open(encoding="utf-8-sig", newline=None) as fh:
        lines = fh.read().split("\n")
    header_no = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_no is None:
        raise ValueError(f"{src}: line 1: empty file, expected a header {EVENTS_TSV_HEADER}")
    header = [h.strip() for h in lines[header_no].split("\t")]
    for required in ("onset", "duration", "eventType"):
        if required not in header:
            raise ValueError(
                f"{src}: line {header_no + 1}: header lacks column {required!r} "
                f"(found {header}); expected tab-separated {list(EVENTS_TSV_HEADER)}"
            )
    col = {name: header.index(name) for name in EVENTS_TSV_HEADER if name in header}

    events: list[SeizureEvent] = []
    duration_s: float | None = None
    for line_no, line in enumerate(lines[header_no + 1 :], start=header_no + 2):
        if not line.strip():
            continue
        cells = line.split("\t")
        where = f"{src}: line {line_no}"
        if len(cells) != len(header):
            raise ValueError(
                f"{where}: expected {len(header)} tab-separated fields, got {len(cells)}"
            )
        cells = [c.strip() for c in cells]
        onset = _parse_float_cell(cells[col["onset"]], "onset", where)
        length = _parse_float_cell(cells[col["duration"]], "duration", where)
        if onset is None:
            raise ValueError(f"{where}: onset is required, got {cells[col['onset']] or 'empty'!r}")
        if onset < 0:
            raise ValueError(f"{where}: onset must be >= 0 s, got {onset}")
        if length is None:
            length = 0.0
        if length < 0:
            raise ValueError(f"{where}: duration must be >= 0 s, got {length}")
        event_type = cells[col["eventType"]]
        if not event_type or event_type == _NA:
            raise ValueError(f"{where}: eventType is empty")
        confidence = None
        if "confidence" in col:
            confidence = _parse_float_cell(cells[col["confidence"]], "confidence", where)
            if confidence is not None and not (0.0 <= confidence <= 1.0):
                raise ValueError(f"{where}: confidence must be in [0, 1], got {confidence}")
        if "recordingDuration" in col:
            row_duration = _parse_float_cell(
                cells[col["recordingDuration"]], "recordingDuration", where
            )
            if row_duration is not None:
                if row_duration <= 0:
                    raise ValueError(
                        f"{where}: recordingDuration must be > 0 s, got {row_duration}"
                    )
                if duration_s is None:
                    duration_s = row_duration
                elif abs(row_duration - duration_s) > 1e-6 * max(1.0, duration_s):
                    raise ValueError(
                        f"{where}: recordingDuration {row_duration} differs from "
                        f"{duration_s} on an earlier row"
                    )
        channels = cells[col["channels"]] if "channels" in col else _NA
        try:
            event = SeizureEvent(onset, length, event_type, confidence, channels or _NA)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None
        if event.is_seizure:
            events.append(event)
    events.sort(key=lambda e: (e.onset_s, e.duration_s))
    return events, duration_s


# ---------------------------------------------------------------------------
# CHB-MIT summary files
# ---------------------------------------------------------------------------


@dataclass
class _Record:
    """Events of one recording in a dataset summary, plus what we know of it."""

    events: list[SeizureEvent] = field(default_factory=list)
    duration_s: float | None = None
    declared_n_seizures: int | None = None
    first_line: int = 0


_CHB_FILE = re.compile(r"^\s*File\s+Name\s*:\s*(\S+)\s*$", re.I)
_CHB_CLOCK = re.compile(
    r"^\s*File\s+(Start|End)\s+Time\s*:\s*(\d{1,2}):(\d{1,2}):(\d{1,2})\s*$", re.I
)
_CHB_COUNT = re.compile(r"^\s*Number\s+of\s+Seizures\s+in\s+File\s*:\s*(\d+)\s*$", re.I)
_CHB_SEIZURE = re.compile(
    r"^\s*Seizure(?:\s+\d+)?\s+(Start|End)\s+Time\s*:\s*(\d+(?:\.\d+)?)\s*(?:seconds?|secs?|s)?\s*$",
    re.I,
)
_CHB_CHANNEL = re.compile(r"^\s*Channel\s+\d+\s*:\s*(.*?)\s*$", re.I)
_CHB_CHANNEL_BLOCK = re.compile(r"^\s*Channels\s+(in\s+EDF\s+Files|changed)\s*:?", re.I)


def _read_text_lines(path: Path) -> list[str]:
    # Dataset text files mix CRLF and LF; universal newlines handle both.
    with path.open(encoding="utf-8", errors="replace", newline=None) as fh:
        return fh.read().split("\n")


# Complexity: a line-by-line state machine over the summary format (file, times,
# seizure count, each onset/offset line); the states read best in one place.
def _parse_chbmit_summary(path: StrPath) -> dict[str, _Record]:  # noqa: C901
    src = Path(path)
    records: dict[str, _Record] = {}
    current: _Record | None = None
    current_name = ""
    clock: dict[str, int] = {}
    pending_start: tuple[float, int] | None = None

    def close_record() -> None:
        if current is None:
            return
        if pending_start is not None:
            raise ValueError(
                f"{src}: line {pending_start[1]}: seizure start in {current_name} has no end time"
            )
        if "start" in clock and "end" in clock:
            current.duration_s = float((clock["end"] - clock["start"]) % _SECONDS_PER_DAY)
        n_declared = current.declared_n_seizures
        if n_declared is not None and n_declared != len(current.events):
            warnings.warn(
                f"{src}: line {current.first_line}: {current_name} declares {n_declared} "
                f"seizures but lists {len(current.events)}",
                stacklevel=3,
            )

    for line_no, line in enumerate(_read_text_lines(src), start=1):
        if m := _CHB_FILE.match(line):
            close_record()
            current_name = m.group(1)
            if current_name in records:
                raise ValueError(f"{src}: line {line_no}: {current_name} is listed twice")
            current = _Record(first_line=line_no)
            records[current_name] = current
            clock = {}
            pending_start = None
            continue
        if current is None:
            continue  # header and channel list before the first record
        where = f"{src}: line {line_no}"
        if m := _CHB_CLOCK.match(line):
            h, mi, s = (int(g) for g in m.group(2, 3, 4))
            if mi >= 60 or s >= 60 or h > 48:
                raise ValueError(f"{where}: invalid clock time {line.strip()!r}")
            clock[m.group(1).lower()] = h * 3600 + mi * 60 + s
        elif m := _CHB_COUNT.match(line):
            current.declared_n_seizures = int(m.group(1))
        elif m := _CHB_SEIZURE.match(line):
            value = float(m.group(2))
            if m.group(1).lower() == "start":
                if pending_start is not None:
                    raise ValueError(f"{where}: seizure start follows a start without an end")
                pending_start = (value, line_no)
            else:
                if pending_start is None:
                    raise ValueError(f"{where}: seizure end time without a start time")
                if value < pending_start[0]:
                    raise ValueError(
                        f"{where}: seizure ends at {value} s, before its start at "
                        f"{pending_start[0]} s"
                    )
                current.events.append(SeizureEvent(pending_start[0], value - pending_start[0]))
                pending_start = None
        elif re.match(r"^\s*Seizure", line, re.I):
            raise ValueError(f"{where}: unrecognised seizure line {line.strip()!r}")
    close_record()
    if not records:
        raise ValueError(f"{src}: no 'File Name:' entries; is this a CHB-MIT summary file?")
    return records


def read_chbmit_summary(path: StrPath) -> dict[str, list[SeizureEvent]]:
    """Read the seizure times of a CHB-MIT ``chbNN-summary.txt``.

    Parameters
    ----------
    path : str or path-like
        The summary file of one CHB-MIT patient [3]_.

    Returns
    -------
    dict
        EDF file name (e.g. ``"chb01_03.edf"``) to its seizures (``event_type``
        ``"sz"``, times in seconds from the file start), for every file listed,
        including files without seizures (empty list).

    Raises
    ------
    ValueError
        On an end without a start, a start without an end, an end before its
        start, an unrecognised ``Seizure...`` line, or a file with no records.

    Notes
    -----
    Accepts ``Seizure Start Time: 2996 seconds`` and ``Seizure 1 Start Time: ...``.
    A mismatch with ``Number of Seizures in File`` is reported as a warning.
    """
    return {name: list(rec.events) for name, rec in _parse_chbmit_summary(path).items()}


def read_chbmit_channels(path: StrPath) -> dict[str, tuple[str, ...]]:
    """Channel names of each file in a CHB-MIT summary.

    The summary lists channels once at the top and again after
    ``Channels changed:`` when the montage changes; each block applies to the
    files listed after it.

    Returns
    -------
    dict
        EDF file name to its channel names in file order, as written (CHB-MIT uses
        ``"-"`` for unused slots).
    """
    src = Path(path)
    result: dict[str, tuple[str, ...]] = {}
    block: list[str] = []
    in_new_block = False
    for line in _read_text_lines(src):
        if _CHB_CHANNEL_BLOCK.match(line):
            block = []
            in_new_block = True
        elif m := _CHB_CHANNEL.match(line):
            if not in_new_block:
                block = []
                in_new_block = True
            block.append(m.group(1))
        elif m := _CHB_FILE.match(line):
            result[m.group(1)] = tuple(block)
            in_new_block = False
    return result


# ---------------------------------------------------------------------------
# Siena seizure lists
# ---------------------------------------------------------------------------

# Known typos in the published Siena lists, corrected as epilepsy2bids does [2]_:
# PN00-3's seizure end is written 19.29.29 (a 61-min seizure ending 32 min after
# the registration ends); the seizure lasted one minute, to 18.29.29.
_SIENA_ERRATA: Mapping[tuple[str, str, str], str] = {
    ("PN00-3.edf", "end", "19.29.29"): "18.29.29",
}

_SIENA_LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z _]*?)\s*:\s*(.*?)\s*$")
_SIENA_CLOCK = re.compile(r"^(\d{1,2})[.:](\d{1,2})[.:](\d{1,2})(?!\d)")


def _siena_file_key(name: str) -> str:
    # Some lists write a capital letter O for the zero in "PN06".
    return re.sub(r"^PNO(?=\d)", "PN0", name.strip(), flags=re.I)


def _siena_kind(label: str) -> str | None:
    text = " ".join(label.lower().replace("_", " ").split())
    if re.fullmatch(r"file ?name", text):
        return "file"
    if text.startswith("reg"):
        if "start" in text:
            return "reg_start"
        if "end" in text:
            return "reg_end"
        return None
    if re.search(r"\bstar", text):
        return "start"
    if re.search(r"\bend\b", text):
        return "end"
    return None


def _siena_clock_s(value: str, where: str) -> int:
    compact = re.sub(r"\s+", "", value)  # "1 6.49.25" (PN10) -> "16.49.25"
    m = _SIENA_CLOCK.match(compact)
    if m is None:
        raise ValueError(f"{where}: expected a clock time like 19.39.33, got {value!r}")
    h, mi, s = (int(g) for g in m.groups())
    if h > 24 or mi >= 60 or s >= 60:
        raise ValueError(f"{where}: invalid clock time {value!r}")
    return (h * 3600 + mi * 60 + s) % _SECONDS_PER_DAY


# Complexity: the same kind of line-by-line state machine for Siena's seizure lists
# (file names, registration and seizure clock times, day roll-over).
def _parse_siena_list(path: StrPath) -> dict[str, _Record]:  # noqa: C901
    src = Path(path)
    records: dict[str, _Record] = {}
    reg_start: dict[str, int] = {}
    current: _Record | None = None
    current_name = ""
    pending: tuple[int, int] | None = None  # (clock s, line)

    for line_no, line in enumerate(_read_text_lines(src), start=1):
        m = _SIENA_LABEL.match(line)
        if m is None:
            continue
        kind = _siena_kind(m.group(1))
        if kind is None:
            continue
        value = m.group(2)
        where = f"{src}: line {line_no}"
        if kind == "file":
            if pending is not None:
                raise ValueError(
                    f"{src}: line {pending[1]}: seizure start in {current_name} has no end time"
                )
            current_name = _siena_file_key(value)
            if not current_name:
                raise ValueError(f"{where}: empty file name")
            current = records.setdefault(current_name, _Record(first_line=line_no))
            continue
        if current is None:
            raise ValueError(f"{where}: {m.group(1)!r} before any 'File name:' line")
        value = _SIENA_ERRATA.get((current_name, kind, re.sub(r"\s+", "", value)), value)
        clock_s = _siena_clock_s(value, where)
        if kind == "reg_start":
            if current_name in reg_start and reg_start[current_name] != clock_s:
                raise ValueError(
                    f"{where}: second, different registration start for {current_name}"
                )
            reg_start[current_name] = clock_s
        elif kind == "reg_end":
            if current_name not in reg_start:
                raise ValueError(f"{where}: registration end before registration start")
            current.duration_s = float((clock_s - reg_start[current_name]) % _SECONDS_PER_DAY)
        elif kind == "start":
            if current_name not in reg_start:
                raise ValueError(
                    f"{where}: seizure start for {current_name} before its registration start"
                )
            if pending is not None:
                raise ValueError(f"{where}: seizure start follows a start without an end")
            pending = (clock_s, line_no)
        else:  # seizure end
            if pending is None:
                raise ValueError(f"{where}: seizure end time without a start time")
            t0 = reg_start[current_name]
            onset_s = float((pending[0] - t0) % _SECONDS_PER_DAY)
            offset_s = float((clock_s - t0) % _SECONDS_PER_DAY)
            if offset_s < onset_s:
                raise ValueError(
                    f"{where}: seizure ends before it starts (onset {onset_s} s, end "
                    f"{offset_s} s from the registration start)"
                )
            current.events.append(SeizureEvent(onset_s, offset_s - onset_s))
            pending = None
    if pending is not None:
        raise ValueError(
            f"{src}: line {pending[1]}: seizure start in {current_name} has no end time"
        )
    if not records:
        raise ValueError(f"{src}: no 'File name:' entries; is this a Siena seizure list?")

    for name, rec in records.items():
        rec.events.sort(key=lambda e: e.onset_s)
        if rec.duration_s is None:
            continue
        checked: list[SeizureEvent] = []
        for event in rec.events:
            if event.onset_s >= rec.duration_s:
                raise ValueError(
                    f"{src}: line {rec.first_line}: a seizure in {name} starts at "
                    f"{event.onset_s} s, after the registration ends ({rec.duration_s} s)"
                )
            if event.offset_s > rec.duration_s:
                warnings.warn(
                    f"{src}: {name}: seizure end {event.offset_s} s is after the "
                    f"registration end {rec.duration_s} s; clipped",
                    stacklevel=3,
                )
                event = replace(event, duration_s=rec.duration_s - event.onset_s)
            checked.append(event)
        rec.events = checked
    return records


def read_siena_seizure_list(path: StrPath) -> dict[str, list[SeizureEvent]]:
    """Read a Siena Scalp EEG ``Seizures-list-PNxx.txt``.

    Parameters
    ----------
    path : str or path-like
        The seizure list of one Siena patient [4]_.

    Returns
    -------
    dict
        EDF file name (as written in the list, with a letter ``O`` in ``PNO6``
        read as zero) to its seizures, in seconds from the registration start.

    Notes
    -----
    Clock times are ``HH.MM.SS`` (or ``HH:MM:SS``); seconds from the file start are
    ``(t - registration_start) mod 86400``, which handles recordings that cross
    midnight (records are shorter than 24 h). Labels are matched loosely:
    ``Registration start time``, ``Seizure start time`` and the bare ``Start time``
    / ``End time`` used for multi-seizure files, with or without the space after
    the colon; a repeated ``File name`` block without registration lines (PN12)
    reuses the registration start given earlier for that file. Known typos are
    corrected (``_SIENA_ERRATA``); a seizure ending after the registration end is
    clipped to it with a warning.
    """
    return {name: list(rec.events) for name, rec in _parse_siena_list(path).items()}


# ---------------------------------------------------------------------------
# EDF+ annotations
# ---------------------------------------------------------------------------

_NON_ICTAL = re.compile(r"(?:pre|inter|post)[\s_-]*ictal", re.I)
_SEIZURE_TEXT = re.compile(r"seizure|(?<![a-z])sz(?![a-z])|(?<![a-z])ictal", re.I)
_END_WORD = re.compile(r"\b(?:end|offset|stop|ende|fin)\b", re.I)


def _is_seizure_text(text: str) -> bool:
    return _SEIZURE_TEXT.search(_NON_ICTAL.sub(" ", text)) is not None


def _edf_seizures(annotations: Iterable[Annotation]) -> list[SeizureEvent]:
    """Seizure events from annotations sorted by onset (see :func:`read_edf_annotations`)."""
    events: list[SeizureEvent] = []
    open_marker: int | None = None  # index of a zero-length onset marker
    for onset, duration_s, text in annotations:
        if not _is_seizure_text(text):
            continue
        onset_s = max(0.0, onset)
        if duration_s == 0.0 and _END_WORD.search(text):
            if open_marker is None:
                warnings.warn(
                    f"seizure end marker {text!r} at {onset_s} s has no onset marker; ignored",
                    stacklevel=3,
                )
                continue
            start = events[open_marker]
            events[open_marker] = replace(start, duration_s=max(0.0, onset_s - start.onset_s))
            open_marker = None
            continue
        events.append(SeizureEvent(onset_s, duration_s))
        open_marker = len(events) - 1 if duration_s == 0.0 else None
    return events


def read_edf_annotations(path: StrPath) -> list[SeizureEvent]:
    """Seizure events from the annotations of an EDF+ (or BDF+) file.

    An annotation counts as a seizure when its text contains, case-insensitively,
    ``seizure``, the token ``sz`` (also ``sz_foc_ia`` etc.) or ``ictal``, but not
    when ``ictal`` is part of ``preictal``, ``interictal`` or ``postictal``.
    Annotations without a duration become zero-length events; a zero-length
    seizure marker whose text says ``end``/``offset``/``stop`` closes the preceding
    zero-length marker, so separate onset and offset markers form one event.

    Returns
    -------
    list of SeizureEvent
        ``event_type`` ``"sz"``, sorted by onset, seconds from the recording start.
    """
    return _edf_seizures(read_annotations(path)[0])


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------


def split_record_path(spec: StrPath) -> tuple[Path, str | None]:
    """Split ``"summary.txt::record.edf"`` into the file and the record name."""
    text = str(spec)
    if _RECORD_SEPARATOR in text:
        file_part, record = text.rsplit(_RECORD_SEPARATOR, 1)
        if not record.strip():
            raise ValueError(f"empty record name after '::' in {text!r}")
        return Path(file_part), record.strip()
    return Path(text), None


def _lookup_record(records: Mapping[str, _Record], record: str, src: Path) -> _Record:
    name = _siena_file_key(record)
    candidates = [name]
    if not name.lower().endswith(".edf"):
        candidates.append(name + ".edf")
    for cand in list(candidates):
        # Siena writes PN01-1.edf as "PN01.edf" and PN11-1.edf as "PN11-.edf".
        if m := re.fullmatch(r"(.*)-1\.edf", cand, flags=re.I):
            candidates += [m.group(1) + ".edf", m.group(1) + "-.edf"]
    for cand in candidates:
        if cand in records:
            return records[cand]
    lowered = {k.lower(): v for k, v in records.items()}
    for cand in candidates:
        if cand.lower() in lowered:
            return lowered[cand.lower()]
    known = sorted(records)
    shown = ", ".join(known[:5]) + (", ..." if len(known) > 5 else "")
    raise ValueError(f"{src}: no record {record!r} (listed: {shown})")


def _is_chbmit_summary(path: Path) -> bool:
    return path.name.lower().endswith("-summary.txt")


def _is_siena_list(path: Path) -> bool:
    return path.name.lower().startswith("seizures-list") and path.suffix.lower() == ".txt"


def read_any_with_duration(spec: StrPath) -> tuple[list[SeizureEvent], float | None]:
    """Seizure events and the recording length from any supported annotation source.

    Parameters
    ----------
    spec : str or path-like
        * ``*.tsv``: SzCORE/BIDS annotations (:func:`read_events_tsv`).
        * ``*.edf`` / ``*.bdf``: EDF+/BDF+ annotations (:func:`read_edf_annotations`);
          the length is the file's.
        * ``chbNN-summary.txt::chbNN_MM.edf``: one record of a CHB-MIT summary; the
          length is ``File End Time - File Start Time``.
        * ``Seizures-list-PNxx.txt::PNxx-N.edf``: one record of a Siena list; the
          length is the registration end minus its start.

    Returns
    -------
    events : list of SeizureEvent
        Seizures only, sorted by onset.
    duration_s : float or None
        Recording length in seconds when the source states it.

    Raises
    ------
    ValueError
        Unknown format, a dataset summary without ``::record``, an unknown record,
        or malformed content.
    """
    src, record = split_record_path(spec)
    if _is_chbmit_summary(src) or _is_siena_list(src):
        if record is None:
            example = "chb01-summary.txt::chb01_03.edf"
            if _is_siena_list(src):
                example = "Seizures-list-PN00.txt::PN00-1.edf"
            raise ValueError(
                f"{src} describes many recordings; name one as PATH::RECORD, e.g. {example}"
            )
        parse = _parse_chbmit_summary if _is_chbmit_summary(src) else _parse_siena_list
        rec = _lookup_record(parse(src), record, src)
        return sorted(rec.events, key=lambda e: e.onset_s), rec.duration_s
    if record is not None:
        raise ValueError(f"'::{record}' applies only to CHB-MIT or Siena summaries, not {src}")
    suffix = src.suffix.lower()
    if suffix == ".tsv":
        return read_events_tsv(src)
    if suffix in (".edf", ".bdf"):
        if not src.is_file():
            raise FileNotFoundError(f"no such file: {src}")
        annotations, duration_s = read_annotations(src)
        return _edf_seizures(annotations), duration_s
    raise ValueError(
        f"unknown annotation format for {src}: expected .tsv, .edf/.bdf, "
        "chbNN-summary.txt::RECORD or Seizures-list-PNxx.txt::RECORD"
    )


def read_any(spec: StrPath) -> list[SeizureEvent]:
    """Seizure events from any supported source; see :func:`read_any_with_duration`."""
    return read_any_with_duration(spec)[0]
