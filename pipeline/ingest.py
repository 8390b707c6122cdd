"""EDF, EDF+ and BDF ingest into :class:`~pipeline.chunk.Chunk`.

The header is checked here field by field and decoded once more by edfio (from the
header bytes only); the data records are read here, a block of records per chunk
(:class:`_RecordReader`), so memory does not grow with the length of the file (a
24-h file is never mapped or held whole). EDF+/BDF+ annotations are decoded by edfio
from a copy of the file reduced to its annotation signals. Non-EEG channels (ECG,
EMG, EOG, respiration, photic, annotation and "-" placeholder channels) are
recognised by label and set aside. EEG values are converted once to float64
microvolts using the physical dimension in the header
(:func:`pipeline.units.unit_scale_to_uv`).

Anything the reader cannot handle correctly stops with :class:`IngestError`, whose
message is one line that names the file and the reason.
"""

from __future__ import annotations

import io
import math
import re
import warnings as _warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rse_monitor.pipeline.annotations_edf import Annotation, annotations_of
from rse_monitor.pipeline.checks import positive
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.pipeline.units import unit_scale_to_uv

__all__ = [
    "MAX_SFREQ_HZ",
    "MIN_DURATION_S",
    "MIN_SFREQ_HZ",
    "ChunkedRecording",
    "EdfHeader",
    "EdfSource",
    "IngestError",
    "RecordingInfo",
    "SignalHeader",
    "classify_channel",
    "read_header",
]

# Labels (after normalisation) that are never EEG.
_NON_EEG_PATTERNS = (
    r"^(ECG|EKG)",
    r"^EMG",
    r"^EOG",
    r"^(RESP|RESPIRATION|THOR|ABD|SAO2|SPO2|PULSE|PLET|HR$|BP$)",
    r"PHOTIC|^PHOT|^IBI$|^BURSTS$|^SUPPR$|^STIM|^TRIG|^MARK|^EVENT|^DC\d*$|^STATUS$",
    r"^VNS|^LOC$|^ROC$|^X\d+$|^DIF\d+$|^--*$|^-$|^$",
    r"^EDF ANNOTATIONS$|^BDF ANNOTATIONS$",
)
_NON_EEG_RE = re.compile("|".join(_NON_EEG_PATTERNS))


class IngestError(ValueError):
    """A recording that cannot be read correctly; the message is one line."""


def _one_line(text: str, limit: int = 300) -> str:
    """Printable single-line version of a message (file bytes can hold anything)."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    clean = " ".join(clean.split())
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


def normalise_label(label: str) -> str:
    """Strip the type prefix, reference suffix and padding from an EDF channel label.

    ``"EEG Fp1-REF"`` → ``"FP1"``; ``"Fc5."`` → ``"FC5"``; ``"FP1-F7"`` stays bipolar.
    """
    text = label.strip().upper().rstrip(".")
    text = re.sub(r"^(EEG|POL)\s+", "", text)
    text = re.sub(r"[-_ ]?(REF|LE|AR|AVG|A1A2)$", "", text)
    return text.strip()


def classify_channel(label: str) -> str:
    """Return ``"eeg"`` or ``"other"`` for an EDF channel label.

    Non-EEG: ECG/EKG, EMG, EOG, respiration and oximetry, photic and trigger
    channels, annotation channels and ``"-"`` placeholders (as in CHB-MIT).
    """
    raw = label.strip().upper()
    if raw.startswith(("ECG", "EKG", "EMG", "EOG", "RESP", "PHOTIC")):
        return "other"
    if raw in ("-", "--", "") or raw.startswith("EDF ANNOTATIONS"):
        return "other"
    return "other" if _NON_EEG_RE.search(normalise_label(label)) else "eeg"


# ---------------------------------------------------------------- header checks
#
# EDF header layout (Kemp et al. 1992, Table 1; EDF+ keeps it, Kemp & Olivan 2003):
# a 256-byte main header, then each per-signal field for all ns signals in turn.
# BDF (BioSemi) has the same layout with 24-bit samples.

#: Lowest EEG sampling rate the pipeline analyses, Hz: the default band-pass high edge
#: (45 Hz, :class:`monitoring.settings.EngineConfig`) must fit under the 0.45 × rate
#: that :func:`pipeline.preprocess.design_sos` allows (45 / 0.45 = 100 Hz); below it
#: the band, and with it every feature, would silently change.
MIN_SFREQ_HZ = 100.0
#: Highest EEG sampling rate analysed, Hz: above ICU and research amplifiers (at most
#: 16 kHz for BioSemi); a higher rate is a header error and would make a 2-s window
#: of one channel larger than the pipeline's buffers are sized for.
MAX_SFREQ_HZ = 16_000.0
#: Shortest recording analysed, s: one default analysis window (2 s,
#: :class:`monitoring.settings.EngineConfig`); a shorter file would yield no window and
#: a replay that reports nothing, so it is refused.
MIN_DURATION_S = 2.0

_MAIN_FIELDS = {  # name: (offset, width) in the 256-byte main header
    "version": (0, 8),
    "start date": (168, 8),
    "start time": (176, 8),
    "header size": (184, 8),
    "reserved": (192, 44),
    "number of data records": (236, 8),
    "record duration": (244, 8),
    "number of signals": (252, 4),
}
_SIGNAL_FIELDS = (  # per-signal fields in file order, with their widths
    ("label", 16), ("transducer", 80), ("physical dimension", 8),
    ("physical minimum", 8), ("physical maximum", 8), ("digital minimum", 8),
    ("digital maximum", 8), ("prefiltering", 80), ("samples per record", 8),
    ("signal reserved", 32),
)  # fmt: skip
_DIGITAL_LIMITS = {"EDF": (-32768, 32767), "BDF": (-8388608, 8388607)}
_INT_RE = re.compile(r"[+-]?[0-9]+")
_FLOAT_RE = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


class _HeaderError(ValueError):
    """A header field that makes the file unreadable (reason in words)."""


def _text(raw: bytes) -> str:
    """A header field as text: non-ASCII bytes kept visible as ``\\xNN``, padding stripped."""
    return raw.decode("ascii", errors="backslashreplace").strip()


def _hz(rate: float) -> str:
    """A rate in words: ``256,000,000`` for whole numbers up to 1e12, else 4 digits."""
    return f"{rate:,.0f}" if rate == round(rate) and rate < 1e12 else f"{rate:,.4g}"


def _shown(text: str) -> str:
    """A field's text quoted, control characters as ``\\xNN``; ``empty`` when blank."""
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return f"'{shown}'" if text else "empty"


def _header_int(name: str, text: str) -> int:
    if not _INT_RE.fullmatch(text):
        raise _HeaderError(f"corrupt header: {name} is {_shown(text)}, not an integer")
    return int(text)


def _header_float(name: str, text: str) -> float:
    """A finite number (EDF numbers are ASCII; ``nan``, ``inf`` and ``1_0`` are not)."""
    if not _FLOAT_RE.fullmatch(text):
        raise _HeaderError(f"corrupt header: {name} is {_shown(text)}, not a number")
    value = float(text)
    if not math.isfinite(value):
        raise _HeaderError(f"corrupt header: {name} {text} is out of range")
    return value


@dataclass(frozen=True)
class SignalHeader:
    """One signal's header fields, parsed (numbers) or as text (calibration)."""

    index: int
    label: str
    dimension: str
    calibration: tuple[str, str, str, str]  # physical min, max, digital min, max (text)
    n_per_record: int
    is_annotation: bool

    def calibration_problem(self, fmt: str) -> str | None:
        """Why this signal's calibration cannot scale its samples (None when it can)."""
        pmin_t, pmax_t, dmin_t, dmax_t = self.calibration
        try:
            pmin = _header_float("physical minimum", pmin_t)
            pmax = _header_float("physical maximum", pmax_t)
            dmin = _header_int("digital minimum", dmin_t)
            dmax = _header_int("digital maximum", dmax_t)
        except _HeaderError as exc:
            return str(exc).removeprefix("corrupt header: ")
        low, high = _DIGITAL_LIMITS[fmt]
        if pmin == pmax:
            return f"physical minimum equals physical maximum ({pmin:g})"
        if not dmin < dmax:
            return f"digital minimum {dmin} is not below digital maximum {dmax}"
        if dmin < low or dmax > high:
            return f"digital range {dmin} to {dmax} exceeds the {fmt} range {low} to {high}"
        return None


@dataclass(frozen=True)
class EdfHeader:
    """The header of an EDF/BDF file, checked field by field.

    ``n_records`` is the number of complete data records that will be read (the
    header's count, or fewer when the file is truncated); the differences between
    the header and the file are in ``warnings``.
    """

    fmt: str
    n_header_bytes: int
    n_records: int
    record_s: float
    start_text: str
    reserved: str
    signals: tuple[SignalHeader, ...]
    warnings: tuple[str, ...]
    raw: bytes = field(default=b"", repr=False)  # the header bytes as in the file

    def rate_hz(self, sig: SignalHeader) -> float:
        return sig.n_per_record / self.record_s

    @property
    def bytes_per_sample(self) -> int:
        return 3 if self.fmt == "BDF" else 2

    @property
    def record_bytes(self) -> int:
        """Bytes in one data record (every signal's samples of one record)."""
        return sum(s.n_per_record for s in self.signals) * self.bytes_per_sample

    def sample_offset(self, sig: SignalHeader) -> int:
        """Position of ``sig``'s first sample within a data record, in samples."""
        return sum(s.n_per_record for s in self.signals[: sig.index])

    def reduced(self, keep: list[SignalHeader], n_records: int) -> bytes:
        """This header for a file holding only the signals ``keep`` and ``n_records``
        records (the main fields otherwise as in the file)."""
        ns = len(self.signals)
        main = bytearray(self.raw[:256])
        main[184:192] = f"{256 * (len(keep) + 1):<8d}".encode("ascii")
        main[236:244] = f"{n_records:<8d}".encode("ascii")
        main[252:256] = f"{len(keep):<4d}".encode("ascii")
        parts = [bytes(main)]
        pos = 256
        for _, width in _SIGNAL_FIELDS:
            parts += [self.raw[pos + s.index * width : pos + (s.index + 1) * width] for s in keep]
            pos += ns * width
        return b"".join(parts)


def _main_field(head: bytes, name: str) -> str:
    offset, width = _MAIN_FIELDS[name]
    return _text(head[offset : offset + width])


def _signal_fields(raw: bytes, ns: int) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    pos = 0
    for name, width in _SIGNAL_FIELDS:
        out[name] = [raw[pos + i * width : pos + (i + 1) * width] for i in range(ns)]
        pos += ns * width
    return out


def _parse_signals(raw: bytes, ns: int, fmt: str) -> tuple[SignalHeader, ...]:
    f = _signal_fields(raw, ns)
    annotation_label = f"{fmt} Annotations"
    signals = []
    for i in range(ns):
        label = f["label"][i].decode("ascii", errors="replace").rstrip()
        spr_text = _text(f["samples per record"][i])
        spr = _header_int(f"samples per record of signal {i + 1} ({label.strip()!r})", spr_text)
        if spr < 1:
            raise _HeaderError(
                f"corrupt header: samples per record of signal {i + 1} ({label.strip()!r}) "
                f"is {spr}; it must be at least 1"
            )
        cal = tuple(_text(f[n][i]) for n in ("physical minimum", "physical maximum",
                                               "digital minimum", "digital maximum"))  # fmt: skip
        signals.append(
            SignalHeader(
                i,
                label,
                f["physical dimension"][i].decode("latin-1").strip(),
                cal,  # type: ignore[arg-type]
                spr,
                label == annotation_label,
            )  # fmt: skip
        )
    return tuple(signals)


def _signal_count(head: bytes, size: int) -> int:
    ns = _header_int("number of signals", _main_field(head, "number of signals"))
    if ns < 1:
        raise _HeaderError(f"corrupt header: number of signals is {ns}; at least 1 is needed")
    n_bytes = _header_int("header size", _main_field(head, "header size"))
    if n_bytes != 256 * (ns + 1):
        raise _HeaderError(
            f"corrupt header: header size {n_bytes} bytes does not match {ns} signals "
            f"(256 × (1 + {ns}) = {256 * (ns + 1)} bytes)"
        )
    if size < n_bytes:
        raise _HeaderError(
            f"truncated header: {ns} signals need {n_bytes} header bytes, the file has {size}"
        )
    return ns


def _record_duration(head: bytes) -> float:
    text = _main_field(head, "record duration")
    if not _FLOAT_RE.fullmatch(text):
        raise _HeaderError(f"corrupt header: record duration is {_shown(text)}, not a number")
    record_s = float(text)
    if not (math.isfinite(record_s) and record_s > 0):
        raise _HeaderError(f"record duration {text} s: a file with EEG needs a duration above 0 s")
    return record_s


def _record_count(head: bytes, n_complete: int, extra_bytes: int) -> tuple[int, list[str]]:
    """Records to read and the warnings about the header's count versus the file."""
    declared = _header_int("number of data records", _main_field(head, "number of data records"))
    if declared == 0 or declared < -1:
        raise _HeaderError(f"number of data records is {declared}: the file holds no data")
    warnings = []
    if declared == -1:
        warnings.append(f"number of data records unknown (-1) in the header; "
                        f"the {n_complete} complete records in the file are read")  # fmt: skip
        used = n_complete
    elif declared > n_complete:
        warnings.append(f"file is truncated or its header miscounts records (header: "
                        f"{declared}, file: {n_complete}); reading the {n_complete} "
                        "complete data records only")  # fmt: skip
        used = n_complete
    else:
        used = declared
        if declared < n_complete or extra_bytes:
            warnings.append("file has bytes after the last data record the header counts: "
                            f"ignored; reading the {declared} records it declares")  # fmt: skip
    if used < 1:
        raise _HeaderError("no complete data record: the file is truncated")
    return used, warnings


def read_header(path: Path, fmt: str) -> EdfHeader:
    """Parse and check the header of an EDF/BDF file (only the header is read).

    Every field the reader relies on is checked here, before anything is built:
    number of signals and header size agree; samples per record ≥ 1; record
    duration a finite number > 0; number of data records ≥ 1 (or -1, "unknown",
    EDF+); the file holds at least one complete record. Calibration, rates and
    labels are judged per EEG channel by :class:`EdfSource`.

    Raises
    ------
    _HeaderError
        A field the file cannot be read without (the reason names it and its value).
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(256)
        ns = _signal_count(head, size)
        raw = fh.read(256 * ns)
    signals = _parse_signals(raw, ns, fmt)
    if all(s.is_annotation for s in signals):
        raise _HeaderError(f"annotation-only file: its {ns} signal(s) hold no EEG")
    record_s = _record_duration(head)
    n_header = 256 * (ns + 1)
    record_bytes = sum(s.n_per_record for s in signals) * (3 if fmt == "BDF" else 2)
    n_complete, extra = divmod(size - n_header, record_bytes)
    n_records, warnings = _record_count(head, n_complete, extra)
    start = f"{_main_field(head, 'start date')} {_main_field(head, 'start time')}"
    return EdfHeader(fmt, n_header, n_records, record_s, start,
                     _main_field(head, "reserved"), signals, tuple(warnings),
                     head + raw)  # fmt: skip


class _RecordReader:
    """Samples of some signals of one rate, read a block of data records at a time.

    Only the records that cover the requested samples are read (``os.pread``-like:
    the file is opened for each block), so memory holds one block, whatever the
    length of the file. Calibration is edfio's, to the bit: ``(digital + offset) ×
    gain`` with ``gain = (pmax - pmin) / (dmax - dmin)`` and ``offset = pmax / gain -
    dmax`` (Kemp et al. 1992: physical = digital scaled linearly between the
    extremes).

    Parameters
    ----------
    path : Path
    header : EdfHeader
        The checked header (``n_records`` complete records are read, no more).
    signals : list of SignalHeader
        The signals to read, all with the same ``n_per_record``, each with a usable
        calibration.
    """

    def __init__(self, path: Path, header: EdfHeader, signals: list[SignalHeader]) -> None:
        self.path = path
        self.header = header
        self.n_per_record = signals[0].n_per_record
        if any(s.n_per_record != self.n_per_record for s in signals):
            raise ValueError("signals must share one number of samples per record")
        offsets = np.array([header.sample_offset(s) for s in signals], dtype=np.intp)
        self._columns = offsets[:, None] + np.arange(self.n_per_record, dtype=np.intp)
        cal = [tuple(float(v) for v in s.calibration) for s in signals]
        gain = [(pmax - pmin) / (dmax - dmin) for pmin, pmax, dmin, dmax in cal]
        offset = [pmax / g - dmax for (_, pmax, _, dmax), g in zip(cal, gain, strict=True)]
        self._gain = np.asarray(gain, dtype=np.float64)[:, None]
        self._offset = np.asarray(offset, dtype=np.float64)[:, None]
        self.n_samples = header.n_records * self.n_per_record

    def _digital(self, first: int, stop: int) -> NDArray[np.int32] | NDArray[np.int16]:
        """Digital samples of records ``[first, stop)``, shape (n_signals, n_records × spr)."""
        h = self.header
        n_rec = stop - first
        with self.path.open("rb") as fh:
            fh.seek(h.n_header_bytes + first * h.record_bytes)
            raw = fh.read(n_rec * h.record_bytes)
        if len(raw) != n_rec * h.record_bytes:
            raise OSError("file shorter than when it was opened")
        if h.fmt == "BDF":
            b = np.frombuffer(raw, dtype=np.uint8).reshape(n_rec, -1, 3)[:, self._columns]
            d = b[..., 0].astype(np.int32) | (b[..., 1].astype(np.int32) << 8)
            d |= b[..., 2].astype(np.int32) << 16
            d[d >= 1 << 23] -= 1 << 24  # two's complement, 24 bits
            out: NDArray[np.int32] | NDArray[np.int16] = d
        else:
            out = np.frombuffer(raw, dtype="<i2").reshape(n_rec, -1)[:, self._columns]
        # (n_rec, n_signals, spr) -> (n_signals, n_rec × spr)
        return out.transpose(1, 0, 2).reshape(len(self._columns), -1)

    def read(self, start: int, stop: int) -> NDArray[np.float64]:
        """Physical values of samples ``[start, stop)``, shape (n_signals, stop - start)."""
        spr = self.n_per_record
        first, last = start // spr, (stop - 1) // spr + 1
        d = self._digital(first, last)[:, start - first * spr : stop - first * spr]
        out = d.astype(np.float64)
        out += self._offset
        out *= self._gain
        return out


def parse_start(text: str) -> datetime | None:
    """``dd.mm.yy hh.mm.ss`` as a datetime (years 85-99 → 19xx, else 20xx); None if not."""
    m = re.fullmatch(r"([0-9]{2})\.([0-9]{2})\.([0-9]{2}) ([0-9]{2})\.([0-9]{2})\.([0-9]{2})",
                     text)  # fmt: skip
    if m is None:
        return None
    dd, mo, yy, hh, mi, ss = (int(g) for g in m.groups())
    try:
        return datetime(1900 + yy if yy >= 85 else 2000 + yy, mo, dd, hh, mi, ss)
    except ValueError:
        return None


def unique_labels(signals: tuple[SignalHeader, ...]) -> tuple[dict[int, str], list[str]]:
    """Printable, unique channel names by signal index, with a warning for each change.

    Padding is stripped; bytes outside printable ASCII (EDF labels are ASCII) become
    ``?``; an empty label stays empty (classified as a placeholder, set aside); a
    repeated label gets ``#2``, ``#3``, ... (montage lookup would be ambiguous).
    """
    names: dict[int, str] = {}
    warnings: list[str] = []
    seen: Counter[str] = Counter()
    for sig in signals:
        if sig.is_annotation:
            continue
        label = sig.label.strip()
        clean = "".join(ch if " " <= ch <= "~" else "?" for ch in label)
        if clean != label:
            warnings.append(f"signal {sig.index + 1} label is not ASCII text: read as {clean!r}")
        if not clean:
            warnings.append(f"signal {sig.index + 1} has an empty label: set aside")
        seen[clean] += 1
        names[sig.index] = clean if seen[clean] == 1 else f"{clean}#{seen[clean]}"
    repeated = sorted(k for k, n in seen.items() if n > 1 and k)
    if repeated:
        warnings.append("repeated label(s) renamed with #2, #3, ...: " + ", ".join(repeated[:8]))
    return names, warnings


@dataclass(frozen=True)
class RecordingInfo:
    """What the header says about a recording, after channel selection."""

    path: str
    format: str
    duration_s: float
    sfreq_hz: float
    ch_names: tuple[str, ...]
    set_aside: tuple[str, ...]
    start_datetime: datetime | None
    unit_known: bool
    warnings: tuple[str, ...] = field(default=())
    annotations: tuple[Annotation, ...] = field(default=())


class ChunkedRecording:
    """What every file reader shares: the recording as consecutive chunks.

    A reader sets ``chunk_s``, ``sfreq_hz`` and ``n_samples`` and implements
    :meth:`read` (samples ``start`` to ``stop`` as one :class:`Chunk`).
    """

    chunk_s: float
    sfreq_hz: float

    @property
    def n_samples(self) -> int:
        raise NotImplementedError

    def read(self, start_sample: int, stop_sample: int) -> Chunk:
        raise NotImplementedError

    def _sample_range(self, start_sample: int, stop_sample: int) -> tuple[int, int, float]:
        """``[start, stop)`` clipped to the recording, and the time of ``start`` (s),
        for :meth:`read`; an empty range is an error."""
        start = max(0, int(start_sample))
        stop = min(self.n_samples, int(stop_sample))
        if stop <= start:
            raise ValueError(f"empty sample range [{start}, {stop})")
        return start, stop, start / self.sfreq_hz

    def chunks(self) -> Iterator[Chunk]:
        """Yield the whole recording as consecutive chunks of ``chunk_s`` seconds."""
        step = max(1, int(round(self.chunk_s * self.sfreq_hz)))
        for start in range(0, self.n_samples, step):
            yield self.read(start, start + step)

    def __iter__(self) -> Iterator[Chunk]:
        return self.chunks()


class EdfSource(ChunkedRecording):
    """Read an EDF/EDF+/BDF file as a sequence of :class:`Chunk` objects.

    Parameters
    ----------
    path : str or Path
        The file (``.edf``, ``.bdf``; EDF+C and BDF+C accepted).
    chunk_s : float
        Length of each yielded chunk in seconds (the last one may be shorter).

    Raises
    ------
    IngestError
        The file is missing, truncated or corrupt, is EDF+D (discontinuous), or has
        no EEG channel. EEG channels whose rate differs from the majority rate are
        set aside with a warning (listed in ``info.warnings``), never resampled
        silently.
    """

    def __init__(self, path: str | Path, chunk_s: float = 10.0) -> None:
        self.path = Path(path)
        self.chunk_s = positive("chunk_s", chunk_s)
        self._edf = self._open()
        self._select_channels()

    # -- opening -------------------------------------------------------------
    def _fail(self, reason: str) -> IngestError:
        return IngestError(_one_line(f"{self.path}: {reason}"))

    def _sniff_format(self) -> str:
        if not self.path.exists():
            raise self._fail("no such file")
        if self.path.is_dir():
            raise self._fail("is a directory, not an EDF/BDF file")
        size = self.path.stat().st_size
        if size < 256:
            raise self._fail(f"only {size} bytes: not an EDF/BDF file (header is 256 bytes)")
        try:
            with self.path.open("rb") as fh:
                head = fh.read(8)
        except OSError as exc:
            raise self._fail(f"cannot be read ({exc.strerror or exc})") from None
        if head[:1] == b"\xff" and head[1:8] == b"BIOSEMI":
            return "BDF"
        if head == b"0       ":
            return "EDF"
        raise self._fail(f"not an EDF or BDF file (version field {head!r})")

    def _open(self):  # noqa: ANN202 - edfio type
        """Check the header; decode it with edfio too (header bytes only, no data)."""
        self.format = self._sniff_format()
        try:
            self.header = read_header(self.path, self.format)
        except _HeaderError as exc:
            raise self._fail(str(exc)) from None
        try:
            edf = self._edfio(self.header.raw)
        except Exception:  # edfio raises several types; the header passed our checks
            raise self._fail("corrupt header or data that the EDF reader cannot decode") from None
        self._annotation_edf = self._annotation_signals() if self._has_annotations() else None
        if self.header.reserved.startswith(("EDF+D", "BDF+D")):
            try:
                if self._has_annotations() and self._annotation_edf is None:
                    raise ValueError("annotation signals unreadable")
                # no annotation signal: no record times, nothing says the records are apart
                continuous = self._annotation_edf is None or self._annotation_edf.is_continuous
            except Exception:
                raise self._fail("EDF+D (discontinuous) recording whose record times are "
                                 "unreadable: corrupt annotation signal") from None  # fmt: skip
            if not continuous:
                raise self._fail(
                    "EDF+D (discontinuous) recording: its data records are not contiguous in "
                    "time; split it into continuous EDF+C parts before replay"
                )
        return edf

    def _edfio(self, data: bytes):  # noqa: ANN202 - edfio type
        """edfio's reading of a header (and of the records after it, if any)."""
        import edfio

        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")  # differences are in header.warnings
            if self.format == "BDF":
                return edfio.read_bdf(io.BytesIO(data))
            return edfio.read_edf(data, lazy_load_data=False)

    def _has_annotations(self) -> bool:
        return any(s.is_annotation for s in self.header.signals)

    def _annotation_signals(self):  # noqa: ANN202 - edfio type
        """The file reduced to its annotation signals, decoded by edfio (None when
        unreadable): their bytes are read a block of records at a time, so a long
        file costs memory for its annotations only."""
        h = self.header
        keep = [s for s in h.signals if s.is_annotation]
        width = h.bytes_per_sample
        spans = [(h.sample_offset(s) * width, (h.sample_offset(s) + s.n_per_record) * width)
                 for s in keep]  # fmt: skip
        columns = np.concatenate([np.arange(a, b) for a, b in spans])
        per_block = max(1, (8 << 20) // h.record_bytes)  # about 8 MB a block
        parts = [h.reduced(keep, h.n_records)]
        try:
            with self.path.open("rb") as fh:
                fh.seek(h.n_header_bytes)
                for first in range(0, h.n_records, per_block):
                    n_rec = min(per_block, h.n_records - first)
                    raw = fh.read(n_rec * h.record_bytes)
                    block = np.frombuffer(raw, dtype=np.uint8).reshape(n_rec, h.record_bytes)
                    parts.append(block[:, columns].tobytes())
            return self._edfio(b"".join(parts))
        except Exception:
            return None

    def _paired_signals(self) -> list[tuple[SignalHeader, Any]]:
        """Each ordinary signal's checked header with edfio's signal (same order)."""
        headers = [h for h in self.header.signals if not h.is_annotation]
        signals = list(self._edf.signals)
        if len(headers) != len(signals):
            raise self._fail("corrupt header: the reader found another number of signals")
        return list(zip(headers, signals, strict=True))

    def _calibrated(
        self, eeg: list[tuple[SignalHeader, Any]], warnings: list[str]
    ) -> list[tuple[SignalHeader, Any]]:
        """EEG channels whose calibration scales their samples; the rest set aside."""
        bad = [(h, p) for h, _ in eeg if (p := h.calibration_problem(self.format)) is not None]
        if not bad:
            return eeg
        reasons = "; ".join(f"{self._names[h.index]}: {p}" for h, p in bad[:4])
        if len(bad) == len(eeg):
            raise self._fail(f"no EEG channel with a usable calibration ({reasons})")
        warnings.append(f"{len(bad)} EEG channel(s) with an unusable calibration set aside, "
                        f"never read at a wrong scale ({reasons})")  # fmt: skip
        self._set_aside += [self._names[h.index] for h, _ in bad]
        keep = {h.index for h, _ in bad}
        return [(h, s) for h, s in eeg if h.index not in keep]

    def _at_one_rate(
        self, eeg: list[tuple[SignalHeader, Any]], warnings: list[str]
    ) -> tuple[list[tuple[SignalHeader, Any]], float]:
        """EEG channels at the majority rate among the analysable ones; the rest set aside.

        Refused when no EEG channel has a rate in ``[MIN_SFREQ_HZ, MAX_SFREQ_HZ]``.
        """
        rate_of = {h.index: self.header.rate_hz(h) for h, _ in eeg}
        usable = [r for r in rate_of.values() if MIN_SFREQ_HZ <= r <= MAX_SFREQ_HZ]
        if not usable:
            h = eeg[0][0]
            raise self._fail(
                f"record duration {self.header.record_s:g} s with {h.n_per_record} samples "
                f"per record gives a sampling rate of {_hz(rate_of[h.index])} Hz; the "
                f"pipeline analyses EEG at {MIN_SFREQ_HZ:,.0f}-{MAX_SFREQ_HZ:,.0f} Hz"
            )
        sfreq, _ = Counter(usable).most_common(1)[0]
        odd = [h for h, _ in eeg if rate_of[h.index] != sfreq]
        if odd:
            warnings.append(
                f"{len(odd)} EEG channel(s) at another rate than {sfreq:g} Hz set aside: "
                + ", ".join(f"{self._names[h.index]} ({rate_of[h.index]:g} Hz)" for h in odd)
            )
            self._set_aside += [self._names[h.index] for h in odd]
        return [(h, s) for h, s in eeg if rate_of[h.index] == sfreq], sfreq

    def _in_volts(
        self, eeg: list[tuple[SignalHeader, Any]], warnings: list[str]
    ) -> tuple[list[tuple[SignalHeader, Any]], list[float], bool]:
        """Channels whose unit is not a voltage (%, bpm, au, ...) are not EEG when others
        are in volts; when none is, the file is in raw units (scale unknown, said so)."""
        volt = [unit_scale_to_uv(h.dimension) is not None for h, _ in eeg]
        if any(volt) and not all(volt):
            other = [h for (h, _), v in zip(eeg, volt, strict=True) if not v]
            warnings.append(
                f"{len(other)} channel(s) whose unit is not a voltage set aside: "
                + ", ".join(f"{self._names[h.index]} ({h.dimension or 'no unit'})"
                            for h in other[:8])
                + (" ..." if len(other) > 8 else "")
            )  # fmt: skip
            self._set_aside += [self._names[h.index] for h in other]
            eeg = [p for p, v in zip(eeg, volt, strict=True) if v]
        unit_known = any(volt)  # all kept channels are in volts, or none is
        if not unit_known:
            units = sorted({h.dimension or "no unit" for h, _ in eeg})
            warnings.append(f"no channel has a voltage unit ({', '.join(units[:4])}): "
                            "values kept as given, scale unknown")  # fmt: skip
        scales = [unit_scale_to_uv(h.dimension) or 1.0 for h, _ in eeg]
        return eeg, scales, unit_known

    def _start(self, warnings: list[str]) -> datetime | None:
        # EDF+ keeps the sub-second part of the start in the first annotation
        edf = self._annotation_edf if self._annotation_edf is not None else self._edf
        try:
            start: datetime | None = edf.startdatetime
            return start
        except Exception:
            pass
        start = parse_start(self.header.start_text)
        if start is None:
            warnings.append(f"start date/time {self.header.start_text!r} unreadable "
                            "(dd.mm.yy hh.mm.ss): recording start unknown")  # fmt: skip
        return start

    def _select_channels(self) -> None:
        warnings = list(self.header.warnings)
        self._names, label_warnings = unique_labels(self.header.signals)
        warnings += label_warnings
        pairs = self._paired_signals()
        eeg = [(h, s) for h, s in pairs if classify_channel(self._names[h.index]) == "eeg"]
        self._set_aside = [self._names[h.index] for h, _ in pairs
                           if classify_channel(self._names[h.index]) != "eeg"]  # fmt: skip
        if not eeg:
            raise self._fail(
                f"no EEG channel among {len(pairs)} signals "
                f"({', '.join(self._names[h.index] for h, _ in pairs[:8])})"
            )
        eeg = self._calibrated(eeg, warnings)
        eeg, sfreq = self._at_one_rate(eeg, warnings)
        eeg, scales, unit_known = self._in_volts(eeg, warnings)
        self.duration_s = self.header.n_records * self.header.record_s
        if self.duration_s < MIN_DURATION_S:
            raise self._fail(
                f"recording lasts {self.duration_s:g} s ({self.header.n_records} record(s) "
                f"of {self.header.record_s:g} s); the pipeline needs at least "
                f"{MIN_DURATION_S:g} s, one analysis window"
            )
        self._records = _RecordReader(self.path, self.header, [h for h, _ in eeg])
        self._scale = np.asarray(scales, dtype=np.float64)[:, None]
        self.sfreq_hz = float(sfreq)
        self.ch_names = tuple(self._names[h.index] for h, _ in eeg)
        annotations: tuple[Annotation, ...] = ()
        if self._has_annotations():
            try:
                if self._annotation_edf is None:
                    raise ValueError("annotation signals unreadable")
                annotations = annotations_of(self._annotation_edf)
            except Exception:
                warnings.append("annotations unreadable (corrupt annotation signal): none read")
        plus = annotations or self.header.reserved.startswith(("EDF+", "BDF+"))
        self.info = RecordingInfo(
            path=str(self.path),
            format=self.format + ("+" if plus else ""),
            duration_s=self.duration_s,
            sfreq_hz=self.sfreq_hz,
            ch_names=self.ch_names,
            set_aside=tuple(self._set_aside),
            start_datetime=self._start(warnings),
            unit_known=unit_known,
            warnings=tuple(_one_line(w) for w in warnings),
            annotations=annotations,
        )
        self._annotation_edf = None  # read; the reader's decoded copy is no longer needed

    # -- reading ---------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return int(round(self.duration_s * self.sfreq_hz))

    def read(self, start_sample: int, stop_sample: int) -> Chunk:
        """Read samples ``[start_sample, stop_sample)`` of every EEG channel as a Chunk."""
        start_sample, stop_sample, t0 = self._sample_range(start_sample, stop_sample)
        try:
            out = self._records.read(start_sample, stop_sample)
        except Exception:  # the header passed its checks: the data records are corrupt
            raise self._fail(f"data unreadable at {t0:.1f} s: corrupt data record") from None
        out *= self._scale
        return Chunk(out, t0, self.sfreq_hz, self.ch_names, unit_known=self.info.unit_known)
