"""The one EDF+ annotation reader: what edfio writes comes back sorted, in seconds."""

from __future__ import annotations

from pathlib import Path

import edfio
import numpy as np
import pytest

from rse_monitor.pipeline.annotations_edf import annotations_of, open_edf, read_annotations
from rse_monitor.pipeline.ingest import EdfSource


def _write(path: Path, annotations: list[tuple[float, float | None, str]]) -> Path:
    # 300 s at 100 Hz, the lowest EEG rate the pipeline analyses
    signal = edfio.EdfSignal(np.zeros(30000), sampling_frequency=100.0, label="EEG Cz")
    edf = edfio.Edf([signal], annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in annotations])
    edf.write(path)
    return path


def test_annotations_sorted_by_onset_with_missing_durations_as_zero(tmp_path: Path) -> None:
    path = _write(tmp_path / "rec.edf", [(120.0, 5.0, "b"), (3.5, None, "a"), (150.0, None, "c")])
    annotations, duration_s = read_annotations(path)
    assert annotations == ((3.5, 0.0, "a"), (120.0, 5.0, "b"), (150.0, 0.0, "c"))
    assert duration_s == 300.0
    assert annotations_of(open_edf(path)) == annotations


def test_ingest_and_the_reader_agree(tmp_path: Path) -> None:
    path = _write(tmp_path / "rec.edf", [(10.0, 2.0, "seizure"), (1.0, None, "T0")])
    assert EdfSource(path).info.annotations == read_annotations(path)[0]


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_annotations(tmp_path / "missing.edf")
