"""EDF+/BDF+ annotations: the one reader of a file's time-stamped annotation lists.

EDF+ keeps annotations in "EDF Annotations" signals as time-stamped annotation lists
(TALs: onset, optional duration, texts) [1]_; BDF+ does the same in "BDF
Annotations". edfio decodes them; this module opens the file the way the project
reads EDF (data loaded lazily, BDF eagerly because edfio reads 24-bit data only
that way) and returns every annotation as ``(onset_s, duration_s, text)`` sorted by
onset. Its users: :class:`~pipeline.ingest.EdfSource` (the recording's annotations,
replayed as LSL markers by :class:`~pipeline.lsl.player.LslPlayer`) and the seizure
annotation readers in :mod:`detectors.annotations`.

References
----------
.. [1] Kemp B, Olivan J. European data format 'plus' (EDF+), an EDF alike standard
   format for the exchange of physiological data. Clin Neurophysiol
   2003;114:1755-1761 (section 2.2: time-stamped annotation lists).
"""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import Any

__all__ = ["Annotation", "annotations_of", "open_edf", "read_annotations"]

#: One annotation: onset (s from the recording start), duration (s, 0 when the file
#: gives none) and text.
Annotation = tuple[float, float, str]


def open_edf(path: str | PathLike[str], *, bdf: bool | None = None) -> Any:
    """Open an EDF/EDF+ (data read lazily) or BDF/BDF+ file with edfio.

    Parameters
    ----------
    path : str or Path
        The file.
    bdf : bool, optional
        Whether it is BDF (24-bit samples); by default, when its suffix is ``.bdf``.

    Returns
    -------
    edfio.Edf
    """
    import edfio

    path = Path(path)
    if bdf is None:
        bdf = path.suffix.lower() == ".bdf"
    if bdf:
        # 24-bit samples: edfio reads BDF only eagerly (whole file in memory)
        return edfio.read_bdf(path)
    return edfio.read_edf(path, lazy_load_data=True)


def annotations_of(edf: Any) -> tuple[Annotation, ...]:
    """The annotations of an open ``edfio.Edf``, sorted by onset (stable).

    A missing duration becomes 0.0 and a missing text ``""``.
    """
    anns: Iterable[Any] = edf.annotations
    out = [
        (float(ann.onset), float(ann.duration) if ann.duration else 0.0, str(ann.text or ""))
        for ann in anns
    ]
    return tuple(sorted(out, key=lambda a: a[0]))


def read_annotations(path: str | PathLike[str]) -> tuple[tuple[Annotation, ...], float]:
    """The annotations of an EDF+/BDF+ file and the recording's duration in seconds.

    Raises
    ------
    FileNotFoundError
        No such file.
    """
    edf = open_edf(path)
    return annotations_of(edf), float(edf.duration)
