"""EDF/BDF data records read a block at a time give exactly edfio's whole-file read.

:class:`~pipeline.ingest.EdfSource` reads only the data records that cover each
chunk. Here every chunking (1 sample, chunks that cut records, whole file) is
compared bit for bit with edfio reading the whole file eagerly, on files whose EEG
signals sit between signals at other rates and an annotation signal, with a
truncated last record, and in BDF's 24-bit format; the annotations and the start
time are edfio's reading of the whole file too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import edfio
import numpy as np
import pytest

from rse_monitor.pipeline.ingest import EdfSource

FS = 200.0  # 0.5-s records of 100 samples: chunks of 256 samples cut records


def _signals(cls: type, duration_s: float, rng: np.random.Generator) -> list:
    """ECG at another rate first, three EEG channels with different calibrations, a
    500-Hz EEG channel (set aside: another rate) in between."""
    out = []
    specs = [("ECG", 100.0, 2000.0), ("EEG Fp1", FS, 300.0), ("EEG C3", FS, 1000.0),
             ("EEG Fast", 500.0, 300.0), ("EEG O2", FS, 123.4)]  # fmt: skip
    for label, rate, rng_uv in specs:
        n = int(round(duration_s * rate))
        x = np.cumsum(rng.normal(0.0, 3.0, n))
        x = np.clip(x - x.mean(), -0.9 * rng_uv, 0.9 * rng_uv)
        out.append(cls(x, sampling_frequency=rate, label=label, physical_dimension="uV",
                       physical_range=(-rng_uv, rng_uv + 0.37)))  # fmt: skip
    return out


def _write(path: Path, bdf: bool, duration_s: float = 30.0, seed: int = 3) -> Path:
    rng = np.random.default_rng(seed)
    anns = [edfio.EdfAnnotation(1.5, 2.0, "marker"), edfio.EdfAnnotation(20.25, None, "b")]
    start = dt.datetime(2026, 11, 29, 8, 30, 5, 250_000)
    cls, sig = (edfio.Bdf, edfio.BdfSignal) if bdf else (edfio.Edf, edfio.EdfSignal)
    rec = cls(_signals(sig, duration_s, rng), annotations=anns, starttime=start.time(),
              recording=edfio.Recording(startdate=start.date()),
              data_record_duration=0.5)  # fmt: skip
    rec.write(path)
    return path


def _whole_file(path: Path, n_records: int | None = None) -> tuple[np.ndarray, object]:
    """edfio's eager reading of the three 200-Hz EEG channels (records cut to
    ``n_records``), and the edfio object."""
    read = edfio.read_bdf if path.suffix == ".bdf" else edfio.read_edf
    with pytest.warns(UserWarning) if n_records is not None else _nothing():
        rec = read(path, lazy_load_data=False) if path.suffix == ".edf" else read(path)
    rows = [s.data for s in rec.signals if s.label in ("EEG Fp1", "EEG C3", "EEG O2")]
    data = np.vstack(rows)
    if n_records is not None:
        data = data[:, : n_records * 100]
    return data, rec


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _read(src: EdfSource, step: int) -> np.ndarray:
    parts = [src.read(s, s + step).data_uv for s in range(0, src.n_samples, step)]
    return np.concatenate(parts, axis=1)


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
@pytest.mark.parametrize("step", [1, 37, 100, 256, 999, 6000])
def test_block_reads_equal_the_whole_file_bit_for_bit(tmp_path: Path, fmt: str, step: int) -> None:
    path = _write(tmp_path / f"x.{fmt}", bdf=fmt == "bdf")
    src = EdfSource(path)
    expected, _ = _whole_file(path)
    assert src.ch_names == ("EEG Fp1", "EEG C3", "EEG O2")
    assert src.n_samples == expected.shape[1] == 6000
    got = _read(src, step)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)  # bit for bit, not approximately


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_random_ranges_equal_the_whole_file(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path / f"x.{fmt}", bdf=fmt == "bdf")
    src = EdfSource(path)
    expected, _ = _whole_file(path)
    rng = np.random.default_rng(0)
    for _ in range(50):
        a, b = sorted(rng.integers(0, src.n_samples + 1, size=2))
        if a == b:
            continue
        chunk = src.read(int(a), int(b))
        np.testing.assert_array_equal(chunk.data_uv, expected[:, a:b])
        assert chunk.t0_s == a / FS


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_truncated_last_record_is_dropped_and_the_rest_is_exact(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path / f"x.{fmt}", bdf=fmt == "bdf")
    raw = path.read_bytes()
    ns = int(raw[252:256])
    header = 256 * (ns + 1)
    record = (len(raw) - header) // 60  # 60 records of 0.5 s
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(raw[: header + 41 * record + record // 3])
    src = EdfSource(cut)
    assert src.duration_s == 20.5
    assert any("truncated" in w for w in src.info.warnings)
    expected, _ = _whole_file(cut, n_records=41)
    for step in (1, 77, 4100):
        np.testing.assert_array_equal(_read(src, step), expected)


@pytest.mark.parametrize("fmt", ["edf", "bdf"])
def test_annotations_and_start_are_the_whole_files(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path / f"x.{fmt}", bdf=fmt == "bdf")
    src = EdfSource(path)
    _, rec = _whole_file(path)
    assert src.info.annotations == ((1.5, 2.0, "marker"), (20.25, 0.0, "b"))
    assert src.info.start_datetime == rec.startdatetime  # type: ignore[attr-defined]
    assert src.info.start_datetime == dt.datetime(2026, 11, 29, 8, 30, 5, 250_000)
    assert "ECG" in src.info.set_aside and "EEG Fast" in src.info.set_aside


def test_source_keeps_no_mapping_of_the_file(tmp_path: Path) -> None:
    """Nothing the source keeps is a view of the whole file (memory flat in length)."""
    src = EdfSource(_write(tmp_path / "x.edf", bdf=False))
    src.read(0, 10)
    big = [
        v
        for v in vars(src).values()
        if isinstance(v, np.ndarray) and (isinstance(v, np.memmap) or v.nbytes > 10_000)
    ]
    assert big == []
    assert not any(isinstance(v, np.memmap) for v in vars(src._records).values())
