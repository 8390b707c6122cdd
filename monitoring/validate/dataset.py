"""Which recordings a data set holds, and where each one's outputs go.

A data set is given one of three ways (:func:`discover` tells them apart):

* a **BIDS EEG data set** (a folder with ``dataset_description.json`` or with
  ``sub-*/eeg`` folders): every ``sub-<label>/[ses-<label>/]eeg/*_eeg.edf`` (or
  ``.bdf``), the reference being the sibling ``*_events.tsv`` when present (the
  SzCORE layout [1]_), the suppression reference the sibling
  ``*_suppression.tsv`` when present;
* a **folder of recordings**: every ``*.edf`` / ``*.bdf`` below it (a
  ``derivatives`` folder excepted), the reference being a sibling
  ``<stem>_events.tsv`` or ``<stem>.tsv`` when present; each recording is its own
  subject ``sub-<stem>`` (the stem with everything but letters and digits dropped);
  the suppression reference is a sibling ``<stem>_suppression.tsv`` or
  ``<stem>_suppression.csv``, or a ``<stem>_truth.csv`` whose header has ``t_s`` and
  a suppression-ratio column (the bundled recordings' truth files);
* a **CSV manifest**: a header with ``path`` and optionally ``reference``,
  ``subject`` and ``suppression`` (a suppression reference); relative paths are
  relative to the manifest's folder; a reference may be anything
  :func:`detectors.annotations.read_any_with_duration` reads (an events TSV, an
  EDF+ file, ``chbNN-summary.txt::chbNN_MM.edf``).

A suppression reference is a table of ``t_s`` and ``suppression_ratio`` (0–1) read
by :func:`monitoring.validate.suppression.read_reference_ratio`.

Outputs follow the BIDS-derivatives layout: ``derivatives/rse-monitor/sub-<label>/
[ses-<label>/]eeg/<prefix>_events.tsv`` etc., where ``<prefix>`` is the source file
name without its ``_eeg.edf`` suffix, so a SzCORE evaluator can compare the
reference and derivative trees file by file.

References
----------
.. [1] Dan J. et al. (2024). SzCORE. Epilepsia. doi:10.1111/epi.18113; BIDS
   specification 1.9, "Derivatives" and "Electroencephalography".
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rse_monitor.monitoring.validate.suppression import has_ratio_column
from rse_monitor.pipeline.ingest_mne import RECORDING_SUFFIXES

__all__ = ["DatasetError", "Recording", "discover", "DERIVATIVES"]

#: Where the outputs go below ``--out``.
DERIVATIVES = PurePosixPath("derivatives") / "rse-monitor"

#: What ``rsemon replay`` reads (:data:`pipeline.ingest_mne.RECORDING_SUFFIXES`); a
#: double extension (``.fif.gz``) is replayed but not discovered
_EEG_SUFFIXES = tuple(s for s in RECORDING_SUFFIXES if s.count(".") == 1)
_BIDS_LABEL = re.compile(r"[^A-Za-z0-9]")
_ENTITY = re.compile(r"(?:^|_)(sub|ses)-([A-Za-z0-9]+)")


class DatasetError(ValueError):
    """A DATASET that cannot be validated at all (one-line reason)."""


@dataclass(frozen=True)
class Recording:
    """One recording to replay and, when it has a reference, to score.

    Attributes
    ----------
    path : str
        The EEG file (EDF/BDF or another format MNE reads), absolute.
    reference : str or None
        Reference annotations (path, or ``summary::record``), None when absent.
    subject, session : str
        BIDS labels without the ``sub-``/``ses-`` prefix (session ``""`` if none).
    prefix : str
        File-name prefix of the outputs (``sub-01_ses-01_task-x_run-00``).
    suppression : str or None
        Reference suppression ratio over time (a ``t_s``, ``suppression_ratio``
        table), None when absent.
    """

    path: str
    reference: str | None
    subject: str
    session: str
    prefix: str
    suppression: str | None = None

    @property
    def rel_dir(self) -> PurePosixPath:
        """Output folder relative to ``DIR/derivatives/rse-monitor``."""
        parts = [f"sub-{self.subject}"] + ([f"ses-{self.session}"] if self.session else [])
        return PurePosixPath(*parts, "eeg")

    @property
    def key(self) -> str:
        """Unique name of the recording in the run (its output prefix)."""
        return self.prefix


def _abs(path: Path) -> str:
    """Absolute and normalised, symbolic links kept (a link's name is the recording's)."""
    return os.path.abspath(path)


def _label(text: str) -> str:
    label = _BIDS_LABEL.sub("", text)
    if not label:
        raise DatasetError(f"cannot make a BIDS label from {text!r} (no letters or digits)")
    return label


def _is_eeg(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in _EEG_SUFFIXES


def _is_bids(root: Path) -> bool:
    if (root / "dataset_description.json").is_file():
        return True
    return any(p.is_dir() for p in root.glob("sub-*/eeg")) or any(
        p.is_dir() for p in root.glob("sub-*/ses-*/eeg")
    )


def _bids_recordings(root: Path) -> list[Recording]:
    found: list[Recording] = []
    for pattern in ("sub-*/eeg/*_eeg.*", "sub-*/ses-*/eeg/*_eeg.*"):
        for path in sorted(root.glob(pattern)):
            if not _is_eeg(path):
                continue
            prefix = path.name[: -len("_eeg" + path.suffix)]
            entities = dict(_ENTITY.findall(prefix))
            parts = path.relative_to(root).parts  # sub-X/[ses-Y/]eeg/file
            subject = entities.get("sub") or _label(parts[0][len("sub-") :])
            session = entities.get("ses") or (parts[1][len("ses-") :] if len(parts) == 4 else "")
            events = path.with_name(f"{prefix}_events.tsv")
            suppression = path.with_name(f"{prefix}_suppression.tsv")
            found.append(
                Recording(
                    _abs(path),
                    _abs(events) if events.is_file() else None,
                    subject,
                    session,
                    prefix,
                    _abs(suppression) if suppression.is_file() else None,
                )  # fmt: skip
            )
    return found


def _sibling_reference(path: Path) -> str | None:
    for name in (f"{path.stem}_events.tsv", f"{path.stem}.tsv"):
        candidate = path.with_name(name)
        if candidate.is_file():
            return _abs(candidate)
    return None


def _sibling_suppression(path: Path) -> str | None:
    for name in (f"{path.stem}_suppression.tsv", f"{path.stem}_suppression.csv"):
        candidate = path.with_name(name)
        if candidate.is_file():
            return _abs(candidate)
    truth = path.with_name(f"{path.stem}_truth.csv")
    return _abs(truth) if truth.is_file() and has_ratio_column(truth) else None


def _plain(
    path: Path, reference: str | None, subject: str | None = None,
    suppression: str | None = None,
) -> Recording:  # fmt: skip
    """A recording outside a BIDS tree: subject from the file name unless given."""
    entities = dict(_ENTITY.findall(path.stem))
    if subject is None and "sub" in entities:  # a BIDS file listed in a manifest
        prefix = path.stem[: -len("_eeg")] if path.stem.endswith("_eeg") else path.stem
        return Recording(str(path), reference, entities["sub"], entities.get("ses", ""), prefix,
                         suppression)  # fmt: skip
    stem_label = _label(path.stem)
    subject_label = _label(subject) if subject else stem_label
    prefix = f"sub-{subject_label}" + (f"_acq-{stem_label}" if subject else "")
    return Recording(str(path), reference, subject_label, "", prefix, suppression)


def _folder_recordings(root: Path) -> list[Recording]:
    found = []
    for path in sorted(root.rglob("*")):
        if "derivatives" in path.relative_to(root).parts or not _is_eeg(path):
            continue
        found.append(_plain(Path(_abs(path)), _sibling_reference(path), None,
                            _sibling_suppression(path)))  # fmt: skip
    return found


def _resolve_reference(spec: str | None, base: Path) -> str | None:
    """A manifest's reference, relative to the manifest's folder (``::record`` kept)."""
    if spec is None:
        return None
    file_part, sep, record = spec.partition("::")
    path = Path(file_part).expanduser()
    return _abs(base / path) + sep + record


def _manifest_recordings(manifest: Path) -> list[Recording]:
    base = manifest.parent
    with manifest.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        columns = [c.strip() for c in reader.fieldnames or []]
        if "path" not in columns:
            raise DatasetError(
                f"{manifest}: the manifest needs a 'path' column (found {columns or 'no header'})"
            )
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    found = []
    for line_no, row in enumerate(rows, start=2):
        if not row.get("path"):
            raise DatasetError(f"{manifest}: line {line_no}: empty path")
        path = Path(row["path"]).expanduser()
        path = Path(_abs(base / path))
        reference = _resolve_reference(row.get("reference") or None, base)
        suppression = row.get("suppression") or None
        if suppression is not None:
            suppression = _abs(base / Path(suppression).expanduser())
        found.append(_plain(path, reference, row.get("subject") or None, suppression))
    return found


def discover(dataset: str | Path) -> list[Recording]:
    """The recordings of a BIDS data set, a folder or a CSV manifest (see module doc).

    Raises
    ------
    DatasetError
        DATASET missing, of no known kind, holding no recording, or two recordings
        that would write the same outputs.
    """
    root = Path(dataset).expanduser()
    if not root.exists():
        raise DatasetError(f"no such file or folder: {dataset}")
    if root.is_file():
        if root.suffix.lower() != ".csv":
            raise DatasetError(
                f"{dataset} is a file but not a CSV manifest; give a BIDS data set, a folder "
                "of recordings (EDF/BDF, FIF, BrainVision, EEGLAB, ...) or a .csv manifest "
                "(columns path, reference)"
            )
        recordings = _manifest_recordings(root)
        kind = "manifest"
    elif _is_bids(root):
        recordings, kind = _bids_recordings(root), "BIDS data set"
    else:
        recordings, kind = _folder_recordings(root), "folder"
    if not recordings:
        raise DatasetError(f"no recordings (EDF/BDF, FIF, ...) found in {kind} {dataset}")
    seen: dict[tuple[PurePosixPath, str], str] = {}
    for rec in recordings:
        slot = (rec.rel_dir, rec.prefix)
        if slot in seen:
            raise DatasetError(
                f"{seen[slot]} and {rec.path} would both write {rec.rel_dir}/{rec.prefix}_*; "
                "rename one or list them in a manifest with distinct subjects"
            )
        seen[slot] = rec.path
    return recordings
