"""Every other recording format through MNE-Python, into the same :class:`~pipeline.chunk.Chunk`.

EDF, EDF+ and BDF stay with the project's own reader (:class:`pipeline.ingest.EdfSource`:
checked header, a block of records per chunk). Any other file is opened with
``mne.io.read_raw`` [1]_ without loading its data (``preload=False``), and each chunk
is one ``get_data`` call over its samples, so memory does not grow with the length
of the file. An ``mne.io.BaseRaw`` already in memory (or lazily opened by the
caller) is read the same way.

:class:`MneSource` has :class:`~pipeline.ingest.EdfSource`'s interface (``info``,
``ch_names``, ``sfreq_hz``, ``duration_s``, ``n_samples``, ``read``, ``chunks``) and
applies the same rules:

- EEG channels only: a channel is kept when MNE types it ``eeg`` *and*
  :func:`~pipeline.ingest.classify_channel` calls its label EEG (an ECG channel
  typed ``eeg`` by a format without types, as EDF read by MNE, is still set aside);
  channels the file marks bad (``info["bads"]``) are set aside with a warning;
- units converted once to µV: MNE holds EEG in volts, so the factor is 1e6, unless
  the file's own unit (MNE's ``_orig_units`` where the format has one) is not a
  voltage; then, as for EDF, such channels are set aside when others are volts, and
  otherwise the values are kept as given with ``unit_known=False``
  (:func:`pipeline.units.unit_scale_to_uv` is the one unit table);
- the same rate and length limits (:data:`~pipeline.ingest.MIN_SFREQ_HZ`,
  :data:`~pipeline.ingest.MAX_SFREQ_HZ`, :data:`~pipeline.ingest.MIN_DURATION_S`);
- anything that cannot be read stops with :class:`~pipeline.ingest.IngestError`,
  one line naming the file and the reason.

:func:`open_reader` picks the reader by extension: the one place that does.

References
----------
.. [1] Gramfort A. et al. (2013). MEG and EEG data analysis with MNE-Python.
   Front. Neurosci. 7:267. doi:10.3389/fnins.2013.00267
"""

from __future__ import annotations

import warnings as _warnings
from datetime import UTC, datetime, timedelta
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rse_monitor.pipeline.annotations_edf import Annotation
from rse_monitor.pipeline.checks import positive
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.pipeline.ingest import (
    MAX_SFREQ_HZ,
    MIN_DURATION_S,
    MIN_SFREQ_HZ,
    ChunkedRecording,
    EdfSource,
    IngestError,
    RecordingInfo,
    _one_line,
    classify_channel,
)
from rse_monitor.pipeline.units import unit_scale_to_uv

__all__ = [
    "EDF_SUFFIXES",
    "MNE_SUFFIXES",
    "RECORDING_SUFFIXES",
    "MneSource",
    "open_reader",
    "recording_suffix",
]

#: Read by the project's EDF/BDF reader.
EDF_SUFFIXES: tuple[str, ...] = (".edf", ".bdf")
#: Read through MNE, by extension: the EEG formats whose extension says what they are
#: (an ``.eeg``, ``.dat`` or ``.txt`` file could be several things and is not listed).
MNE_SUFFIXES: dict[str, str] = {
    ".fif": "FIF",
    ".fif.gz": "FIF",
    ".vhdr": "BrainVision",
    ".ahdr": "BrainVision",
    ".set": "EEGLAB",
    ".gdf": "GDF",
    ".cnt": "CNT",
    ".lay": "Persyst",
    ".nxe": "eXimia",
}
#: Every extension a recording may have (``rsemon replay``, ``rsemon validate``).
RECORDING_SUFFIXES: tuple[str, ...] = EDF_SUFFIXES + tuple(MNE_SUFFIXES)

#: µV per V: MNE holds EEG in volts.
_UV_PER_V = 1e6
#: FIFF code of the volt (``mne.io.constants.FIFF.FIFF_UNIT_V``), the unit MNE gives EEG.
_FIFF_UNIT_V = 107


def recording_suffix(path: str | PathLike[str]) -> str:
    """The extension that decides the reader, lower case (``.fif.gz`` kept whole)."""
    name = Path(path).name.lower()
    if name.endswith(".fif.gz"):
        return ".fif.gz"
    return Path(name).suffix


def open_reader(path: str | Path, chunk_s: float = 10.0) -> EdfSource | MneSource:
    """The reader of a recording file, chosen by its extension.

    ``.edf``/``.bdf`` → :class:`~pipeline.ingest.EdfSource`; an extension of
    :data:`MNE_SUFFIXES` → :class:`MneSource`; anything else → the EDF reader, which
    judges by content (an EDF under another name still replays), with the accepted
    extensions added to its reason when it refuses the file.

    Raises
    ------
    IngestError
        The file cannot be read (one-line reason).
    """
    suffix = recording_suffix(path)
    if suffix in MNE_SUFFIXES:
        return MneSource(path, chunk_s=chunk_s)
    try:
        return EdfSource(path, chunk_s=chunk_s)
    except IngestError as exc:
        if suffix in EDF_SUFFIXES:
            raise
        raise IngestError(
            f"{exc} (other formats are read by extension: {', '.join(MNE_SUFFIXES)})"
        ) from None


class MneSource(ChunkedRecording):
    """A recording read through MNE-Python as a sequence of :class:`Chunk` objects.

    Parameters
    ----------
    raw_or_path : mne.io.BaseRaw or str or Path
        A raw object (preloaded or not), or a file in a format of
        :data:`MNE_SUFFIXES` (opened with ``preload=False``).
    chunk_s : float
        Length of each chunk of :meth:`chunks`, s (the last one may be shorter).

    Attributes
    ----------
    raw : mne.io.BaseRaw
    info : RecordingInfo
        ``format`` is the format's name (``FIF``, ``BrainVision``, ...) or, for a raw
        object, ``MNE <class name>``; ``annotations`` are the raw's, onsets in
        seconds from its first sample.

    Raises
    ------
    IngestError
        The file is missing or MNE cannot read it; no EEG channel; a rate outside
        ``[MIN_SFREQ_HZ, MAX_SFREQ_HZ]``; shorter than ``MIN_DURATION_S``.
    TypeError
        ``raw_or_path`` is neither a path nor an ``mne.io.BaseRaw``.
    """

    def __init__(self, raw_or_path: Any, chunk_s: float = 10.0) -> None:
        self.chunk_s = positive("chunk_s", chunk_s)
        mne_warnings: list[str] = []
        if isinstance(raw_or_path, str | PathLike):
            self.path: Path | None = Path(raw_or_path)
            suffix = recording_suffix(self.path)
            self.raw = self._read(mne_warnings)
            fmt = MNE_SUFFIXES.get(suffix, suffix.lstrip(".").upper() or "MNE")
        else:
            import mne

            if not isinstance(raw_or_path, mne.io.BaseRaw):
                raise TypeError(
                    "raw_or_path must be an mne.io.BaseRaw or a path, got "
                    f"{type(raw_or_path).__name__}"
                )
            self.raw = raw_or_path
            files = [f for f in (self.raw.filenames or ()) if f]
            self.path = Path(files[0]) if files else None
            fmt = f"MNE {type(self.raw).__name__}"
        self._select(fmt, mne_warnings)

    # -- opening -----------------------------------------------------------------
    @property
    def _label(self) -> str:
        return str(self.path) if self.path is not None else "<mne raw in memory>"

    def _fail(self, reason: str) -> IngestError:
        return IngestError(_one_line(f"{self._label}: {reason}"))

    def _read(self, mne_warnings: list[str]) -> Any:
        """``mne.io.read_raw`` without loading the data; MNE's warnings kept."""
        assert self.path is not None
        if not self.path.exists():
            raise self._fail("no such file")
        import mne

        try:
            with _warnings.catch_warnings(record=True) as caught:
                _warnings.simplefilter("always")
                raw = mne.io.read_raw(self.path, preload=False, verbose="warning")
        except Exception as exc:  # MNE's readers raise many types on a bad file
            what = MNE_SUFFIXES.get(recording_suffix(self.path), "MNE")
            raise self._fail(f"cannot be read as {what} ({type(exc).__name__}: {exc})") from None
        # MNE's own remarks on the file, less its file-naming advice
        mne_warnings += [str(w.message) for w in caught
                         if "naming conventions" not in str(w.message)]  # fmt: skip
        return raw

    def _select(self, fmt: str, warnings: list[str]) -> None:
        raw = self.raw
        names = list(raw.ch_names)
        types = raw.get_channel_types()
        bads = set(raw.info["bads"])
        eeg = [i for i, (n, t) in enumerate(zip(names, types, strict=True))
               if t == "eeg" and classify_channel(n) == "eeg"]  # fmt: skip
        if not eeg:
            shown = ", ".join(f"{n} ({t})" for n, t in list(zip(names, types, strict=True))[:8])
            raise self._fail(f"no EEG channel among {len(names)} channels ({shown})")
        set_aside = [names[i] for i in range(len(names)) if i not in set(eeg)]
        bad = [i for i in eeg if names[i] in bads]
        if bad and len(bad) == len(eeg):
            raise self._fail("every EEG channel is marked bad in the file")
        if bad:
            warnings.append(f"{len(bad)} EEG channel(s) marked bad in the file set aside: "
                            + ", ".join(names[i] for i in bad[:8]))  # fmt: skip
            set_aside += [names[i] for i in bad]
            eeg = [i for i in eeg if i not in set(bad)]
        eeg, scales, unit_known = self._in_volts(eeg, warnings, set_aside)
        sfreq = float(raw.info["sfreq"])
        if not MIN_SFREQ_HZ <= sfreq <= MAX_SFREQ_HZ:
            raise self._fail(
                f"sampling rate {sfreq:g} Hz; the pipeline analyses EEG at "
                f"{MIN_SFREQ_HZ:,.0f}-{MAX_SFREQ_HZ:,.0f} Hz"
            )
        self.duration_s = float(raw.n_times / sfreq)
        if self.duration_s < MIN_DURATION_S:
            raise self._fail(f"recording lasts {self.duration_s:g} s; the pipeline needs at "
                             f"least {MIN_DURATION_S:g} s, one analysis window")  # fmt: skip
        self._picks = np.asarray(eeg, dtype=int)
        self._scale = np.asarray(scales, dtype=np.float64)[:, None]
        self.sfreq_hz = sfreq
        self.ch_names = tuple(names[i] for i in eeg)
        self.info = RecordingInfo(
            path=self._label,
            format=fmt,
            duration_s=self.duration_s,
            sfreq_hz=sfreq,
            ch_names=self.ch_names,
            set_aside=tuple(set_aside),
            start_datetime=self._start(),
            unit_known=unit_known,
            warnings=tuple(_one_line(w) for w in warnings),
            annotations=self._annotations(),
        )

    def _in_volts(
        self, eeg: list[int], warnings: list[str], set_aside: list[str]
    ) -> tuple[list[int], list[float], bool]:
        """µV per value of each channel (1e6 for volts); the rule of the EDF reader for
        channels whose file unit is not a voltage."""
        names = self.raw.ch_names
        orig = getattr(self.raw, "_orig_units", None) or {}
        chs = self.raw.info["chs"]

        def is_volt(i: int) -> bool:
            unit = orig.get(names[i])
            if unit is not None:
                return unit_scale_to_uv(unit) is not None
            return int(chs[i]["unit"]) == _FIFF_UNIT_V

        volt = [is_volt(i) for i in eeg]
        if any(volt) and not all(volt):
            other = [i for i, v in zip(eeg, volt, strict=True) if not v]
            warnings.append(
                f"{len(other)} channel(s) whose unit is not a voltage set aside: "
                + ", ".join(f"{names[i]} ({orig.get(names[i]) or 'no unit'})" for i in other[:8])
            )
            set_aside += [names[i] for i in other]
            eeg = [i for i, v in zip(eeg, volt, strict=True) if v]
        unit_known = any(volt)
        if not unit_known:
            units = sorted({str(orig.get(names[i]) or "no unit") for i in eeg})
            warnings.append(f"no channel has a voltage unit ({', '.join(units[:4])}): "
                            "values kept as given, scale unknown")  # fmt: skip
        # MNE scales a channel of unknown unit by 1: its values are the file's own
        return eeg, [_UV_PER_V if unit_known else 1.0] * len(eeg), unit_known

    def _start(self) -> datetime | None:
        """Date and time of the first sample, UTC, without tzinfo (as the EDF reader gives
        an EDF header's start); None when the file has none."""
        meas = self.raw.info["meas_date"]
        if meas is None:
            return None
        start = meas + timedelta(seconds=float(self.raw.first_time))
        return start.astimezone(UTC).replace(tzinfo=None)

    def _annotations(self) -> tuple[Annotation, ...]:
        """The raw's annotations, onsets from its first sample (MNE's are from
        ``orig_time``, the first sample being at ``raw.first_time``)."""
        ann = self.raw.annotations
        first = float(self.raw.first_time)
        rows = zip(ann.onset, ann.duration, ann.description, strict=True)
        out = [(float(o) - first, float(d), str(t)) for o, d, t in rows]
        return tuple(sorted(out, key=lambda a: a[0]))

    # -- reading -----------------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return int(self.raw.n_times)

    def read(self, start_sample: int, stop_sample: int) -> Chunk:
        """Samples ``[start_sample, stop_sample)`` of every EEG channel as a Chunk (µV)."""
        start_sample, stop_sample, t0 = self._sample_range(start_sample, stop_sample)
        try:
            data: NDArray[np.float64] = self.raw.get_data(
                picks=self._picks, start=start_sample, stop=stop_sample, verbose="error"
            )
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise self._fail(f"data unreadable at {t0:.1f} s ({why})") from None
        # non-finite samples pass as they are: the filters count and zero them
        data = np.asarray(data, dtype=np.float64) * self._scale
        return Chunk(data, t0, self.sfreq_hz, self.ch_names, unit_known=self.info.unit_known)
