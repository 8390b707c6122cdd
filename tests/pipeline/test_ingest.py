"""EDF/EDF+/BDF ingest: real files read or refused in one line, corrupt files never crash.

Corrupt and unusual files are written here with edfio (or by patching the bytes of a
valid file) so that each case is exact; the real files come from ``../shared/data``
and their tests skip when that folder is absent.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import edfio
import numpy as np
import pytest

from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.pipeline.ingest import EdfSource, IngestError, classify_channel, normalise_label

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
MICHIGAN = DATA / "michigan_seizure" / "michigan_seizure_500s.edf"
FIXTURES = DATA / "format_fixtures"
EEGMMIDB = DATA / "eegmmidb_S001"
REAL_EDFS = sorted(FIXTURES.rglob("*.edf")) + sorted(EEGMMIDB.glob("*.edf"))

FS = 256.0


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data absent: {path}")
    return path


def sine(n: int, fs: float, freq_hz: float, amp: float, phase: float = 0.0) -> np.ndarray:
    return amp * np.sin(2 * np.pi * freq_hz * np.arange(n) / fs + phase)


def write_edf(
    path: Path,
    labels: list[str],
    duration_s: float = 10.0,
    fs: float = FS,
    unit: str = "uV",
    amp: float = 50.0,
    rates: dict[str, float] | None = None,
    units: dict[str, str] | None = None,
    annotations: bool = True,
) -> Path:
    """An EDF+C file of sines (channel k: 3 + k Hz, amplitude ``amp`` in ``unit``)."""
    signals = []
    for k, label in enumerate(labels):
        rate = (rates or {}).get(label, fs)
        n = int(round(duration_s * rate))
        signals.append(
            edfio.EdfSignal(
                sine(n, rate, 3.0 + k, amp, phase=k),
                sampling_frequency=rate,
                label=label,
                physical_dimension=(units or {}).get(label, unit),
                physical_range=(-4 * amp, 4 * amp),
            )
        )
    anns = [edfio.EdfAnnotation(2.0, 1.0, "marker")] if annotations else []
    edfio.Edf(signals, annotations=anns).write(path)
    return path


def read_all(src: EdfSource) -> np.ndarray:
    chunks = list(src.chunks())
    return np.concatenate([c.data_uv for c in chunks], axis=1)


def assert_one_line(exc: BaseException) -> None:
    msg = str(exc)
    assert msg and "\n" not in msg and "\r" not in msg, repr(msg)
    assert msg.isprintable(), repr(msg)


# ----------------------------------------------------------------- real files


@pytest.mark.parametrize(
    "path",
    REAL_EDFS or [pytest.param(None, marks=pytest.mark.skip(reason="shared data absent"))],
    ids=lambda p: "none" if p is None else str(p.relative_to(DATA)),
)
def test_every_real_edf_is_read_or_refused_in_one_line(path: Path) -> None:
    try:
        src = EdfSource(path, chunk_s=0.7)
    except IngestError as exc:
        assert_one_line(exc)
        return
    data = read_all(src)
    info = src.info
    assert data.dtype == np.float64
    assert data.shape == (len(info.ch_names), src.n_samples)
    assert src.n_samples == round(info.duration_s * info.sfreq_hz)
    assert np.isfinite(data).all()
    assert len(set(info.ch_names)) == len(info.ch_names)
    assert not set(info.ch_names) & set(info.set_aside)
    assert all(classify_channel(name) == "eeg" for name in info.ch_names)


def test_siena_sets_aside_ekg_spo2_hr() -> None:
    src = EdfSource(need(FIXTURES / "siena" / "PN00" / "PN00-1.edf"))
    aside = {normalise_label(n) for n in src.info.set_aside}
    assert {"EKG EKG", "SPO2", "HR"} <= aside
    assert not any(n.upper().startswith(("EKG", "SPO2", "HR")) for n in src.ch_names)
    assert src.sfreq_hz == 512.0 and src.info.unit_known
    assert len(src.ch_names) == 32  # 35 signals in the header


def test_siena_non_voltage_channel_is_set_aside_and_scale_stays_known() -> None:
    # PN16 has a plethysmogram in arbitrary units ("PLET", "au") among µV channels
    src = EdfSource(need(FIXTURES / "siena" / "PN16" / "PN16-1.edf"))
    assert "PLET" in src.info.set_aside
    assert {"SPO2", "HR"} <= set(src.info.set_aside)
    assert src.info.unit_known


def test_chbmit_bipolar_channels_and_duplicate_label() -> None:
    src = EdfSource(need(FIXTURES / "chbmit" / "chb05" / "chb05_01.edf"))
    assert src.ch_names[:4] == ("FP1-F7", "F7-T7", "T7-P7", "P7-O1")
    assert len(src.ch_names) == 23
    assert "T8-P8#2" in src.ch_names  # CHB-MIT repeats T8-P8; kept, made unique


def test_michigan_header_and_annotation() -> None:
    src = EdfSource(need(MICHIGAN), chunk_s=60)
    assert src.sfreq_hz == 100.0
    assert src.ch_names == tuple(f"ch{i:02d}" for i in range(1, 32))
    assert src.duration_s == 500.0
    assert any(abs(onset - 350.0) < 1e-6 for onset, _, _ in src.info.annotations)
    chunks = list(src.chunks())
    assert [c.t0_s for c in chunks] == [60.0 * k for k in range(9)]
    assert chunks[-1].n_samples == 2000


def test_eegmmidb_annotations_and_labels() -> None:
    src = EdfSource(need(EEGMMIDB / "S001R03.edf"))
    assert src.sfreq_hz == 160.0 and len(src.ch_names) == 64
    texts = {text for _, _, text in src.info.annotations}
    assert texts <= {"T0", "T1", "T2"} and "T0" in texts


# ------------------------------------------------------------------ synthetic files


def test_values_times_and_chunking(tmp_path: Path) -> None:
    path = write_edf(tmp_path / "ok.edf", ["EEG Fp1-REF", "EEG C3-REF", "ECG"], duration_s=10)
    src = EdfSource(path, chunk_s=3.0)
    assert src.ch_names == ("EEG Fp1-REF", "EEG C3-REF")
    assert src.info.set_aside == ("ECG",)
    chunks = list(src.chunks())
    assert [c.n_samples for c in chunks] == [768, 768, 768, 256]
    assert [c.t0_s for c in chunks] == [0.0, 3.0, 6.0, 9.0]
    whole = src.read(0, src.n_samples).data_uv
    assert np.array_equal(np.concatenate([c.data_uv for c in chunks], axis=1), whole)
    # 16-bit quantisation of a ±200 µV range: 0.006 µV per step
    assert np.allclose(whole[1], sine(2560, FS, 4.0, 50.0, phase=1), atol=0.01)
    assert src.info.annotations == ((2.0, 1.0, "marker"),)


@pytest.mark.parametrize(("unit", "factor"), [("uV", 1.0), ("mV", 1e3), ("V", 1e6), ("nV", 1e-3)])
def test_microvolt_conversion(tmp_path: Path, unit: str, factor: float) -> None:
    path = write_edf(tmp_path / f"{unit}.edf", ["EEG Cz"], unit=unit, amp=0.05)
    src = EdfSource(path)
    data = read_all(src)
    assert src.info.unit_known
    assert np.max(np.abs(data)) == pytest.approx(0.05 * factor, rel=1e-3)


def test_unknown_unit_everywhere_keeps_values_and_says_scale_unknown(tmp_path: Path) -> None:
    path = write_edf(tmp_path / "raw.edf", ["ch01", "ch02"], unit="", amp=1000.0)
    src = EdfSource(path)
    assert not src.info.unit_known
    assert any("scale unknown" in w for w in src.info.warnings)
    assert np.max(np.abs(read_all(src))) == pytest.approx(1000.0, rel=1e-3)


def test_non_voltage_channel_among_eeg_is_set_aside(tmp_path: Path) -> None:
    path = write_edf(
        tmp_path / "mixed_units.edf", ["EEG C3", "EEG C4", "Weird"], units={"Weird": "%"}
    )
    src = EdfSource(path)
    assert src.ch_names == ("EEG C3", "EEG C4")
    assert "Weird" in src.info.set_aside and src.info.unit_known
    assert any("not a voltage" in w for w in src.info.warnings)


@pytest.mark.parametrize(
    "label",
    ["ECG", "EKG1", "ECG ECG", "EMG chin", "EOG L", "-", "--", "EDF Annotations", "SPO2",
     "SpO2", "HR", "PLETH", "Photic", "Resp", "DC01"],
)  # fmt: skip
def test_non_eeg_labels_are_classified_other(label: str) -> None:
    assert classify_channel(label) == "other"


@pytest.mark.parametrize(
    "label", ["Fp1", "EEG Fp1-REF", "T3", "FP1-F7", "Fc5.", "ch01", "EEG CZ", "O2-LE", "P10"]
)
def test_eeg_labels_are_classified_eeg(label: str) -> None:
    assert classify_channel(label) == "eeg"


def test_non_eeg_channels_in_a_file_are_set_aside(tmp_path: Path) -> None:
    labels = ["EEG Fp1", "EEG Fp2", "ECG", "EMG", "-", "SPO2", "HR"]
    src = EdfSource(write_edf(tmp_path / "aux.edf", labels))
    assert src.ch_names == ("EEG Fp1", "EEG Fp2")
    assert set(src.info.set_aside) == {"ECG", "EMG", "-", "SPO2", "HR"}


def test_odd_rate_channel_set_aside_with_warning(tmp_path: Path) -> None:
    path = write_edf(
        tmp_path / "rates.edf", ["EEG C3", "EEG C4", "EEG O1"], rates={"EEG O1": 128.0}
    )
    src = EdfSource(path)
    assert src.sfreq_hz == FS
    assert src.ch_names == ("EEG C3", "EEG C4")
    assert "EEG O1" in src.info.set_aside
    assert any("EEG O1" in w and "128" in w for w in src.info.warnings)
    data = read_all(src)
    assert data.shape == (2, 2560)
    assert np.allclose(data[1], sine(2560, FS, 4.0, 50.0, phase=1), atol=0.01)


def test_bdf_is_read_with_its_24_bit_samples(tmp_path: Path) -> None:
    n = int(10 * FS)
    bdf = edfio.Bdf(
        [edfio.BdfSignal(sine(n, FS, 7.0, 80.0), sampling_frequency=FS, label="EEG Cz",
                         physical_dimension="uV", physical_range=(-400, 400))]
    )  # fmt: skip
    bdf.write(tmp_path / "x.bdf")
    src = EdfSource(tmp_path / "x.bdf")
    assert src.info.format.startswith("BDF")
    assert src.duration_s == 10.0
    assert np.allclose(read_all(src)[0], sine(n, FS, 7.0, 80.0), atol=1e-3)


# ------------------------------------------------------------------ corrupt files


@pytest.fixture()
def good_bytes(tmp_path: Path) -> bytes:
    return write_edf(tmp_path / "good.edf", ["EEG C3", "EEG C4", "ECG"]).read_bytes()


def refused(path: Path, *words: str) -> IngestError:
    with pytest.raises(IngestError) as info:
        src = EdfSource(path)
        read_all(src)
    assert_one_line(info.value)
    for word in words:
        assert word in str(info.value)
    return info.value


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.edf").write_bytes(b"")
    refused(tmp_path / "empty.edf", "0 bytes")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    refused(tmp_path / "nope.edf", "no such file")
    (tmp_path / "dir.edf").mkdir()
    refused(tmp_path / "dir.edf", "directory")


def test_garbage_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    (tmp_path / "garbage.edf").write_bytes(rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
    refused(tmp_path / "garbage.edf", "not an EDF or BDF")


@pytest.mark.parametrize("seed", range(5))
def test_garbage_header_fields(tmp_path: Path, good_bytes: bytes, seed: int) -> None:
    rng = np.random.default_rng(seed)
    bad = bytearray(good_bytes)
    bad[168:256] = rng.integers(0, 256, 88, dtype=np.uint8).tobytes()  # dates, counts, sizes
    (tmp_path / "hdr.edf").write_bytes(bytes(bad))
    try:
        src = EdfSource(tmp_path / "hdr.edf")
        read_all(src)
    except IngestError as exc:
        assert_one_line(exc)


def test_non_numeric_record_count(tmp_path: Path, good_bytes: bytes) -> None:
    bad = bytearray(good_bytes)
    bad[236:244] = b"abc     "
    (tmp_path / "nrec.edf").write_bytes(bytes(bad))
    refused(tmp_path / "nrec.edf", "corrupt")


def test_truncated_header(tmp_path: Path, good_bytes: bytes) -> None:
    (tmp_path / "trunc_header.edf").write_bytes(good_bytes[:600])
    refused(tmp_path / "trunc_header.edf")


def test_truncated_data_reads_the_complete_records_with_a_warning(
    tmp_path: Path, good_bytes: bytes
) -> None:
    header = 256 * 5  # main header + 3 signals + annotation signal
    record = (len(good_bytes) - header) // 10
    (tmp_path / "trunc.edf").write_bytes(good_bytes[: header + 4 * record + record // 2])
    src = EdfSource(tmp_path / "trunc.edf")
    assert src.duration_s == 4.0  # 4 whole records of 1 s, times unchanged
    assert any("truncated" in w for w in src.info.warnings)
    data = read_all(src)
    assert data.shape == (2, 1024)
    assert np.allclose(data[0], sine(1024, FS, 3.0, 50.0), atol=0.01)


def test_header_announcing_more_records_than_present(tmp_path: Path, good_bytes: bytes) -> None:
    bad = bytearray(good_bytes)
    bad[236:244] = b"20      "
    (tmp_path / "more.edf").write_bytes(bytes(bad))
    src = EdfSource(tmp_path / "more.edf")
    assert src.duration_s == 10.0
    assert src.info.warnings
    assert read_all(src).shape == (2, 2560)


def edf_plus_d(good: bytes, gap: bool) -> bytes:
    bad = bytearray(good)
    at = bad.find(b"EDF+C")
    assert at > 0
    bad[at : at + 5] = b"EDF+D"
    if gap:  # move data record 3 to t = 8 s: a real discontinuity
        tal = bad.find(b"+3\x14\x14")
        assert tal > 0
        bad[tal : tal + 2] = b"+8"
    return bytes(bad)


def test_edf_plus_d_with_a_gap_is_refused(tmp_path: Path, good_bytes: bytes) -> None:
    (tmp_path / "gap.edf").write_bytes(edf_plus_d(good_bytes, gap=True))
    refused(tmp_path / "gap.edf", "EDF+D", "discontinuous")


def test_edf_plus_d_whose_records_are_contiguous_is_read(tmp_path: Path, good_bytes: bytes) -> None:
    (tmp_path / "contig.edf").write_bytes(edf_plus_d(good_bytes, gap=False))
    src = EdfSource(tmp_path / "contig.edf")
    assert src.duration_s == 10.0
    assert read_all(src).shape == (2, 2560)


def test_only_non_eeg_channels_is_refused(tmp_path: Path) -> None:
    refused(write_edf(tmp_path / "ecg.edf", ["ECG", "SPO2"]), "no EEG channel")


def test_unreadable_file(tmp_path: Path, good_bytes: bytes) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = tmp_path / "locked.edf"
    path.write_bytes(good_bytes)
    path.chmod(0)
    refused(path, "cannot be read")


def test_read_range_and_bad_arguments(tmp_path: Path) -> None:
    src = EdfSource(write_edf(tmp_path / "ok.edf", ["EEG C3"]))
    part = src.read(100, 300)
    assert isinstance(part, Chunk) and part.n_samples == 200
    assert math.isclose(part.t0_s, 100 / FS)
    assert src.read(2500, 9999).n_samples == 60  # clipped at the end
    with pytest.raises(ValueError, match="empty sample range"):
        src.read(300, 300)
    with pytest.raises(ValueError, match="chunk_s"):
        EdfSource(tmp_path / "ok.edf", chunk_s=0)


# ------------------------------------------------------------------ header checks
# good_bytes: 4 signals (EEG C3, EEG C4, ECG, EDF Annotations), 10 records of 1 s at
# 256 Hz. Per-signal fields start at byte 256, one block of ns × width per field.

_NS = 4
_SIGNAL_FIELD_AT = {"label": (256, 16), "physical dimension": (256 + 96 * _NS, 8),
                    "physical minimum": (256 + 104 * _NS, 8),
                    "physical maximum": (256 + 112 * _NS, 8),
                    "digital minimum": (256 + 120 * _NS, 8),
                    "samples per record": (256 + 216 * _NS, 8)}  # fmt: skip


def patched(good: bytes, at: int, width: int, text: str | bytes) -> bytes:
    raw = text.encode("latin-1") if isinstance(text, str) else text
    bad = bytearray(good)
    bad[at : at + width] = raw.ljust(width)[:width]
    return bytes(bad)


def signal_patched(good: bytes, field: str, signal: int, text: str) -> bytes:
    base, width = _SIGNAL_FIELD_AT[field]
    return patched(good, base + signal * width, width, text)


@pytest.mark.parametrize("text", ["nan", "", "abc", "0", "-1", "inf"])
def test_bad_record_duration_is_refused_by_name(
    tmp_path: Path, good_bytes: bytes, text: str
) -> None:
    (tmp_path / "d.edf").write_bytes(patched(good_bytes, 244, 8, text))
    refused(tmp_path / "d.edf", "record duration")


def test_microsecond_record_duration_is_refused_naming_the_rate(
    tmp_path: Path, good_bytes: bytes
) -> None:
    (tmp_path / "d.edf").write_bytes(patched(good_bytes, 244, 8, "0.000001"))
    exc = refused(tmp_path / "d.edf", "record duration", "256,000,000 Hz", "100-16,000 Hz")
    assert "0.000001 s" in str(exc) or "1e-06 s" in str(exc)


def test_one_hertz_eeg_is_refused_naming_the_rate(tmp_path: Path, good_bytes: bytes) -> None:
    data = signal_patched(good_bytes, "samples per record", 0, "1")
    data = signal_patched(data, "samples per record", 1, "1")
    (tmp_path / "r.edf").write_bytes(data)  # records now shorter: the file holds more
    refused(tmp_path / "r.edf", "sampling rate of 1 Hz", "100-16,000 Hz")


def test_degenerate_calibration_sets_the_channel_aside_with_a_warning(
    tmp_path: Path, good_bytes: bytes
) -> None:
    data = signal_patched(good_bytes, "physical minimum", 0, "200")  # = physical maximum
    (tmp_path / "c.edf").write_bytes(data)
    src = EdfSource(tmp_path / "c.edf")
    assert src.ch_names == ("EEG C4",)
    assert "EEG C3" in src.info.set_aside
    assert any("EEG C3" in w and "physical minimum" in w for w in src.info.warnings)
    assert np.allclose(read_all(src)[0], sine(2560, FS, 4.0, 50.0, phase=1), atol=0.01)


@pytest.mark.parametrize(
    ("field", "text", "words"),
    [("physical minimum", "200", "physical minimum equals physical maximum"),
     ("physical minimum", "nan", "physical minimum is 'nan'"),
     ("physical minimum", "", "physical minimum is empty"),
     ("digital minimum", "32767", "digital minimum 32767 is not below"),
     ("digital minimum", "-99999", "exceeds the EDF range")],
)  # fmt: skip
def test_degenerate_calibration_on_every_eeg_channel_is_refused(
    tmp_path: Path, good_bytes: bytes, field: str, text: str, words: str
) -> None:
    data = signal_patched(signal_patched(good_bytes, field, 0, text), field, 1, text)
    (tmp_path / "c.edf").write_bytes(data)
    refused(tmp_path / "c.edf", "no EEG channel with a usable calibration", "EEG C3", words)


def test_recording_shorter_than_one_window_is_refused(tmp_path: Path) -> None:
    path = write_edf(tmp_path / "short.edf", ["EEG C3"], duration_s=1.0)
    refused(path, "lasts 1 s", "at least 2 s")


def test_trailing_bytes_are_ignored_with_a_warning(tmp_path: Path, good_bytes: bytes) -> None:
    record = (len(good_bytes) - 256 * 5) // 10
    (tmp_path / "t.edf").write_bytes(good_bytes + b"\x7f" * (record + 17))
    src = EdfSource(tmp_path / "t.edf")
    assert src.duration_s == 10.0
    assert any("after the last data record" in w for w in src.info.warnings)
    assert np.allclose(read_all(src)[0], sine(2560, FS, 3.0, 50.0), atol=0.01)


def test_repeated_and_empty_labels_warn(tmp_path: Path, good_bytes: bytes) -> None:
    data = signal_patched(good_bytes, "label", 1, "EEG C3")
    (tmp_path / "dup.edf").write_bytes(data)
    src = EdfSource(tmp_path / "dup.edf")
    assert src.ch_names == ("EEG C3", "EEG C3#2")
    assert any("repeated label" in w and "EEG C3" in w for w in src.info.warnings)
    (tmp_path / "empty.edf").write_bytes(signal_patched(good_bytes, "label", 1, ""))
    src = EdfSource(tmp_path / "empty.edf")
    assert src.ch_names == ("EEG C3",)
    assert any("signal 2 has an empty label" in w for w in src.info.warnings)


def test_unreadable_start_date_warns(tmp_path: Path, good_bytes: bytes) -> None:
    (tmp_path / "s.edf").write_bytes(patched(good_bytes, 168, 8, "99.99.99"))
    src = EdfSource(tmp_path / "s.edf")
    assert src.info.start_datetime is None
    assert any("start date/time" in w for w in src.info.warnings)


@pytest.mark.parametrize(("at", "width", "text", "words"), [
    (252, 4, "0", "number of signals is 0"),
    (252, 4, "5", "header size 1280 bytes does not match 5 signals"),
    (184, 8, "1024", "header size 1024 bytes"),
    (236, 8, "0", "number of data records is 0"),
])  # fmt: skip
def test_inconsistent_counts_are_refused(
    tmp_path: Path, good_bytes: bytes, at: int, width: int, text: str, words: str
) -> None:
    (tmp_path / "n.edf").write_bytes(patched(good_bytes, at, width, text))
    refused(tmp_path / "n.edf", words)
