"""EDF, EDF+ and BDF ingest into :class:`~pipeline.chunk.Chunk`.

Files are read with edfio (lazily, one block at a time, so a 24-h file never sits in
memory whole). Non-EEG channels (ECG, EMG, EOG, respiration, photic, annotation and
"-" placeholder channels) are recognised by label and set aside. EEG values are
converted once to float64 microvolts using the physical dimension in the header
(:func:`pipeline.units.unit_scale_to_uv`).

Anything the reader cannot handle correctly stops with :class:`IngestError`, whose
message is one line that names the file and the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from pipeline.annotations_edf import Annotation, annotations_of, open_edf
from pipeline.checks import positive
from pipeline.chunk import Chunk
from pipeline.units import unit_scale_to_uv

__all__ = ["IngestError", "EdfSource", "RecordingInfo", "classify_channel"]

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


class EdfSource:
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

    def _open(self):  # noqa: ANN202 - edfio type
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
            self.format = "BDF"
        elif head == b"0       ":
            self.format = "EDF"
        else:
            raise self._fail(f"not an EDF or BDF file (version field {head!r})")
        import warnings as _warnings

        try:
            with _warnings.catch_warnings(record=True) as caught:
                _warnings.simplefilter("always")
                edf = open_edf(self.path, bdf=self.format == "BDF")
        except Exception as exc:  # edfio raises several types for bad headers
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise self._fail(f"corrupt or truncated header or data ({msg})") from None
        try:
            continuous = edf.is_continuous
        except Exception:
            continuous = True
        if not continuous:
            raise self._fail(
                "EDF+D (discontinuous) recording: its data records are not contiguous in "
                "time; split it into continuous EDF+C parts before replay"
            )
        self._open_warnings = [
            f"file is truncated or its header miscounts records ({w.message}); "
            f"reading the {edf.num_data_records} complete data records only"
            for w in caught
            if "record" in str(w.message).lower()
        ][:1]
        if edf.num_data_records < 1:
            raise self._fail("no complete data record: the file is truncated")
        return edf

    def _select_channels(self) -> None:
        edf = self._edf
        signals = list(edf.signals)
        eeg = [s for s in signals if classify_channel(s.label) == "eeg"]
        set_aside = [s.label.strip() for s in signals if classify_channel(s.label) != "eeg"]
        if not eeg:
            raise self._fail(
                f"no EEG channel among {len(signals)} signals "
                f"({', '.join(s.label.strip() for s in signals[:8])})"
            )
        rates = Counter(float(s.sampling_frequency) for s in eeg)
        sfreq, _ = rates.most_common(1)[0]
        warnings = list(self._open_warnings)
        odd = [s for s in eeg if float(s.sampling_frequency) != sfreq]
        if odd:
            warnings.append(
                f"{len(odd)} EEG channel(s) at another rate than {sfreq:g} Hz set aside: "
                + ", ".join(f"{s.label.strip()} ({s.sampling_frequency:g} Hz)" for s in odd)
            )
            set_aside += [s.label.strip() for s in odd]
            eeg = [s for s in eeg if float(s.sampling_frequency) == sfreq]
        # channels whose unit is not a voltage (%, bpm, au, ...) are not EEG when
        # others are in volts; when none is, the file is in raw units (scale unknown)
        volt = [unit_scale_to_uv(s.physical_dimension) is not None for s in eeg]
        if any(volt) and not all(volt):
            other = [s for s, v in zip(eeg, volt, strict=True) if not v]
            warnings.append(
                f"{len(other)} channel(s) whose unit is not a voltage set aside: "
                + ", ".join(f"{s.label.strip()} ({s.physical_dimension.strip() or 'no unit'})"
                            for s in other[:8])
                + (" ..." if len(other) > 8 else "")
            )  # fmt: skip
            set_aside += [s.label.strip() for s in other]
            eeg = [s for s, v in zip(eeg, volt, strict=True) if v]
        unit_known = any(volt)  # all kept channels are in volts, or none is
        scales = [unit_scale_to_uv(s.physical_dimension) or 1.0 for s in eeg]
        if not unit_known:
            warnings.append("no channel has a voltage unit: values kept as given, scale unknown")
        # duplicate labels would make montage lookup ambiguous
        names = []
        seen: Counter[str] = Counter()
        for s in eeg:
            label = s.label.strip()
            seen[label] += 1
            names.append(label if seen[label] == 1 else f"{label}#{seen[label]}")
        self._signals = eeg
        self._scale = np.asarray(scales, dtype=np.float64)[:, None]
        self.sfreq_hz = float(sfreq)
        self.ch_names = tuple(names)
        self.duration_s = float(edf.duration)
        try:
            start = edf.startdatetime
        except Exception:
            start = None
        annotations: tuple[Annotation, ...] = ()
        try:
            annotations = annotations_of(edf)
        except Exception as exc:
            warnings.append(f"annotations unreadable ({exc})")
        self.info = RecordingInfo(
            path=str(self.path),
            format=self.format + ("+" if annotations or "EDF+" in str(edf.reserved) else ""),
            duration_s=self.duration_s,
            sfreq_hz=self.sfreq_hz,
            ch_names=self.ch_names,
            set_aside=tuple(set_aside),
            start_datetime=start,
            unit_known=unit_known,
            warnings=tuple(warnings),
            annotations=annotations,
        )

    # -- reading ---------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return int(round(self.duration_s * self.sfreq_hz))

    def read(self, start_sample: int, stop_sample: int) -> Chunk:
        """Read samples ``[start_sample, stop_sample)`` of every EEG channel as a Chunk."""
        start_sample = max(0, int(start_sample))
        stop_sample = min(self.n_samples, int(stop_sample))
        if stop_sample <= start_sample:
            raise ValueError(f"empty sample range [{start_sample}, {stop_sample})")
        n = stop_sample - start_sample
        out = np.empty((len(self._signals), n), dtype=np.float64)
        t0 = start_sample / self.sfreq_hz
        t1 = stop_sample / self.sfreq_hz
        try:
            for i, sig in enumerate(self._signals):
                row = sig.get_data_slice(t0, t1)
                if row.shape[0] != n:
                    raise self._fail(
                        f"channel {sig.label.strip()} gave {row.shape[0]} samples for "
                        f"{n} expected at {t0:.3f} s"
                    )
                out[i] = row
        except IngestError:
            raise
        except Exception as exc:
            raise self._fail(f"data unreadable at {t0:.1f} s ({exc})") from None
        out *= self._scale
        return Chunk(out, t0, self.sfreq_hz, self.ch_names, unit_known=self.info.unit_known)

    def chunks(self) -> Iterator[Chunk]:
        """Yield the whole recording as consecutive chunks of ``chunk_s`` seconds."""
        step = max(1, int(round(self.chunk_s * self.sfreq_hz)))
        for start in range(0, self.n_samples, step):
            yield self.read(start, start + step)

    def __iter__(self) -> Iterator[Chunk]:
        return self.chunks()
