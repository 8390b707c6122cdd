"""A bed's raw EEG for review: where it is read from, and the answer of
``GET /api/v1/beds/{bed_id}/eeg``.

EDF beds read their own file, up to what the bed has played; live (LSL) beds read
what :class:`monitoring.raw_archive.RawArchiveSink` stored under the service's raw
folder (``Settings.raw_root``), one sub-folder per admission. The signal work is
:func:`monitoring.review.eeg_excerpt`'s; this module only picks the reader and shapes
the answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rse_monitor.monitoring.raw_archive import RawArchive
from rse_monitor.monitoring.review import MAX_SPAN_S, Reader, edf_reader, eeg_excerpt
from rse_monitor.pipeline.display import Montage
from rse_monitor.service.errors import EegNotFound, InvalidEntry
from rse_monitor.service.schemas import EegPublic

if TYPE_CHECKING:
    from rse_monitor.service.runner import Bed

__all__ = ["bed_eeg", "archive_folder", "MAX_SPAN_S"]


def _file_name(text: str) -> str:
    """A reason without the server's folders (the last path part of each word)."""
    return " ".join(w.rsplit("/", 1)[-1] for w in text.split(" "))


def archive_folder(root: Path, admission_id: int) -> Path:
    """The folder of one admission's stored raw EEG."""
    return Path(root) / f"admission-{int(admission_id)}"


def _reader(bed: Bed, raw_root: Path | None) -> Reader:
    if bed.source_kind == "edf":
        played = max(float(bed.session.t_end_s), float(bed.position_s or 0.0))
        try:
            return edf_reader(bed.source, played)
        except (OSError, ValueError) as exc:  # IngestError is a ValueError
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise EegNotFound(
                f"bed {bed.bed_id!r}: its recording cannot be read now ({_file_name(reason)})"
            ) from None
    if bed.source_kind == "lsl":
        if raw_root is None:
            raise EegNotFound(
                f"bed {bed.bed_id!r}: raw EEG of live beds is not kept by this server "
                "(in-memory database and no RSEMON_RAW_DIR)"
            )
        return RawArchive(archive_folder(raw_root, bed.admission_id)).read
    raise EegNotFound(f"bed {bed.bed_id!r} has no EEG source (a charting bed)")


def bed_eeg(
    bed: Bed,
    raw_root: Path | None,
    start_s: float,
    end_s: float,
    montage: Montage | None,
    max_points: int | None,
) -> EegPublic:
    """``[start_s, end_s)`` of the bed's EEG, montaged and filtered as displayed.

    Raises
    ------
    InvalidEntry
        ``end_s <= start_s`` or a span over :data:`MAX_SPAN_S`.
    EegNotFound
        Nothing stored (or played yet) in the span, or the bed has no EEG.
    """
    if end_s <= start_s:
        raise InvalidEntry(f"end_s ({end_s:g}) must be after start_s ({start_s:g})")
    if end_s - start_s > MAX_SPAN_S:
        raise InvalidEntry(
            f"at most {MAX_SPAN_S:g} s of EEG per request; asked for {end_s - start_s:g} s "
            f"({start_s:g} to {end_s:g} s): page through it"
        )
    config = bed.settings.engine
    chosen: Montage = montage or ("bipolar" if config.montage else "referential")
    ex = eeg_excerpt(_reader(bed, raw_root), start_s, end_s, config, chosen, max_points)
    if ex is None:
        raise EegNotFound(
            f"bed {bed.bed_id!r}: no EEG stored between {start_s:g} and {end_s:g} s"
            + (f" (the bed has played up to {bed.position_s:.0f} s)"
               if bed.source_kind == "edf" and bed.position_s is not None else "")
        )  # fmt: skip
    rounded = np.round(ex.data_uv, 3)
    data = [[None if v != v else v for v in row] for row in rounded.tolist()]
    return EegPublic(
        bed_id=bed.bed_id, channels=list(ex.channels), sfreq_hz=ex.sfreq_hz,
        start_s=ex.start_s, data_uv=data, montage=ex.montage,
        filter={"l_freq_hz": config.l_freq_hz, "h_freq_hz": config.h_freq_hz,
                "notch_hz": config.notch_hz, "zero_phase": True},
        decimation=None if ex.decimation == 1 else f"minmax {ex.decimation}",
        recorded_sfreq_hz=ex.recorded_sfreq_hz, unit_known=ex.unit_known,
    )  # fmt: skip
