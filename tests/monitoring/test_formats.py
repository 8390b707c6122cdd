"""Every format MNE reads replays like the EDF it was written from.

The bundled synthetic seizure recording (two seizures, truth in its EDF+
annotations) is written as FIF (``raw.save``), BrainVision (``mne.export`` with
pybv) and EEGLAB (``mne.export`` with eeglabio); each file must replay to the same
``sz`` events as the EDF (onset within 1 s), with the same samples in µV. GDF has
no writer in MNE or its export packages, so no GDF file can be made here: its
path through :class:`~pipeline.ingest_mne.MneSource` is the same as the others'.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mne
import numpy as np
import pytest

from rse_monitor.detectors.annotations import read_events_tsv
from rse_monitor.monitoring.replay import run_replay
from rse_monitor.monitoring.sources import open_recording
from rse_monitor.monitoring.validate.dataset import discover
from rse_monitor.pipeline.ingest import EdfSource, IngestError
from rse_monitor.pipeline.ingest_mne import MneSource, open_reader, recording_suffix

ROOT = Path(__file__).resolve().parents[2]
EDF = ROOT / "recordings" / "rse_seizure_synthetic.edf"


def _raw() -> mne.io.BaseRaw:
    return mne.io.read_raw_edf(EDF, preload=True, verbose="error")


def _write(raw: mne.io.BaseRaw, path: Path) -> Path:
    if path.suffix == ".fif":
        raw.save(path, overwrite=True, verbose="error")
    else:
        mne.export.export_raw(path, raw, overwrite=True, verbose="error")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("formats")
    raw = _raw()
    out = {"FIF": _write(raw, folder / "syn_raw.fif")}
    try:
        import pybv  # noqa: F401

        out["BrainVision"] = _write(raw, folder / "syn_bv.vhdr")
    except ImportError:
        pass
    try:
        import eeglabio  # noqa: F401

        out["EEGLAB"] = _write(raw, folder / "syn_eeglab.set")
    except ImportError:
        pass
    return out


@pytest.fixture(scope="module")
def edf_events(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[float, float]]:
    out = tmp_path_factory.mktemp("edf_out")
    run_replay(EDF, out, progress=False)
    events, _ = read_events_tsv(out / "events.tsv")
    sz = [(e.onset_s, e.duration_s) for e in events if e.event_type == "sz"]
    assert len(sz) == 2  # the recording's two seizures, found by the EDF path
    return sz


@pytest.mark.parametrize(
    "fmt",
    [
        "FIF",
        pytest.param("BrainVision", id="BrainVision"),
        pytest.param("EEGLAB", id="EEGLAB"),
        pytest.param(
            "GDF", marks=pytest.mark.skip(reason="no GDF writer in MNE or its export packages")
        ),
    ],
)
def test_each_format_replays_to_the_edf_seizures(
    fmt: str,
    files: dict[str, Path],
    edf_events: list[tuple[float, float]],
    tmp_path: Path,
) -> None:
    if fmt not in files:
        pytest.skip(f"no {fmt} writer installed (pip install '.[test]' brings it)")
    summary = run_replay(files[fmt], tmp_path, progress=False)
    assert summary["input"]["format"] == fmt
    assert summary["input"]["n_eeg_channels"] == 19
    assert summary["input"]["duration_s"] == pytest.approx(600.0)
    events, duration = read_events_tsv(tmp_path / "events.tsv")
    sz = [(e.onset_s, e.duration_s) for e in events if e.event_type == "sz"]
    assert len(sz) == len(edf_events)
    for (onset, dur), (edf_onset, edf_dur) in zip(sz, edf_events, strict=True):
        assert abs(onset - edf_onset) <= 1.0
        assert abs(dur - edf_dur) <= 2.0
    assert duration == pytest.approx(600.0)


@pytest.mark.parametrize("fmt", ["FIF", "BrainVision", "EEGLAB"])
def test_same_microvolts_as_the_edf_reader(fmt: str, files: dict[str, Path]) -> None:
    if fmt not in files:
        pytest.skip(f"no {fmt} writer installed")
    edf = EdfSource(EDF)
    src = open_reader(files[fmt])
    assert isinstance(src, MneSource)
    assert src.raw.preload is False  # read lazily, one get_data per chunk
    assert src.ch_names == edf.ch_names and src.sfreq_hz == edf.sfreq_hz
    assert src.n_samples == edf.n_samples and src.info.unit_known
    for start in (0, 37_000, edf.n_samples - 300):
        a, b = edf.read(start, start + 1000), src.read(start, start + 1000)
        assert b.t0_s == a.t0_s and b.n_samples == a.n_samples
        # µV, not V: FIF stores float32 (7 digits), BrainVision 0.1 µV steps by default
        np.testing.assert_allclose(b.data_uv, a.data_uv, atol=0.06)
        assert np.abs(a.data_uv).max() > 20.0  # EEG-sized values, so the test can fail
    # the file's annotations, from its first sample, as the EDF reader gives them
    assert [round(o, 3) for o, _, _ in src.info.annotations] == [150.0, 400.0]


def test_a_fif_file_replays_from_the_command_line(files: dict[str, Path], tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "rse_monitor.service.cli", "replay", "-q", str(files["FIF"]),
         "--out", str(tmp_path / "out")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "2 seizure(s)" in proc.stdout
    assert (tmp_path / "out" / "events.tsv").is_file()


def test_channels_chosen_like_the_edf_path(tmp_path: Path) -> None:
    """Only EEG: an ECG typed ``ecg``, an ``EKG`` label typed ``eeg`` (as EDF read by MNE
    types everything) and a stimulus channel are set aside, and so is a bad channel."""
    raw = _raw().crop(0, 60)
    n = raw.n_times
    extra = mne.io.RawArray(
        np.vstack([np.sin(np.arange(n) / 10) * 1e-3, np.sin(np.arange(n) / 7) * 1e-3,
                   np.zeros(n)]),
        mne.create_info(["ECG1", "EKG", "STI 014"], raw.info["sfreq"], ["ecg", "eeg", "stim"]),
        verbose="error",
    )  # fmt: skip
    raw.add_channels([extra], force_update_info=True)
    raw.info["bads"] = ["EEG Cz"]
    src = MneSource(_write(raw, tmp_path / "mixed_raw.fif"))
    assert "EEG Cz" not in src.ch_names and len(src.ch_names) == 18
    assert set(src.info.set_aside) == {"ECG1", "EKG", "STI 014", "EEG Cz"}
    assert any("marked bad" in w for w in src.info.warnings)
    chunk = src.read(0, 256)
    assert chunk.n_channels == 18 and chunk.unit_known


def test_an_mne_raw_in_memory_is_a_source(tmp_path: Path) -> None:
    raw = _raw().crop(0, 30)
    source = open_recording(raw, chunk_s=7.0)
    assert source.describe()["format"] == "MNE RawEDF"
    assert source.duration_s == pytest.approx(30.0 + 1 / 256)
    assert source.info().start_datetime is not None


def test_bad_files_fail_with_one_line(tmp_path: Path) -> None:
    garbage = tmp_path / "broken_raw.fif"
    garbage.write_bytes(b"not a FIF file at all\n" * 40)
    with pytest.raises(IngestError) as err:
        open_reader(garbage)
    text = str(err.value)
    assert "broken_raw.fif" in text and "cannot be read as FIF" in text and "\n" not in text
    with pytest.raises(IngestError, match="no such file"):
        open_reader(tmp_path / "missing.vhdr")
    # an unknown extension: the EDF reader judges by content, and the reason lists the rest
    odd = tmp_path / "notes.xyz"
    odd.write_bytes(b"x" * 400)
    with pytest.raises(IngestError, match=r"not an EDF or BDF file.*\.fif, .*\.vhdr"):
        open_reader(odd)


def test_rate_and_length_limits_as_for_edf() -> None:
    info = mne.create_info(["Fp1", "Fp2"], 50.0, "eeg")
    with pytest.raises(IngestError, match="sampling rate 50 Hz"):
        MneSource(mne.io.RawArray(np.zeros((2, 5000)), info, verbose="error"))
    info = mne.create_info(["Fp1", "Fp2"], 256.0, "eeg")
    with pytest.raises(IngestError, match="needs at least 2 s"):
        MneSource(mne.io.RawArray(np.zeros((2, 300)), info, verbose="error"))
    info = mne.create_info(["ECG", "STI"], 256.0, ["ecg", "stim"])
    with pytest.raises(IngestError, match="no EEG channel among 2"):
        MneSource(mne.io.RawArray(np.zeros((2, 3000)), info, verbose="error"))
    with pytest.raises(TypeError, match="mne.io.BaseRaw or a path"):
        MneSource(np.zeros((2, 3000)))


def test_suffixes_and_validate_discovery(files: dict[str, Path], tmp_path: Path) -> None:
    assert recording_suffix("a/B_RAW.FIF.GZ") == ".fif.gz"
    assert recording_suffix("x.vhdr") == ".vhdr"
    folder = tmp_path / "set"
    folder.mkdir()
    for path in files.values():  # with their side files (.vmrk/.eeg, .fdt)
        for part in path.parent.glob(path.stem + ".*"):
            (folder / part.name).write_bytes(part.read_bytes())
    found = sorted(Path(r.path).name for r in discover(folder))
    assert found == sorted(p.name for p in files.values())


def test_an_edf_replay_does_not_import_mne(tmp_path: Path) -> None:
    """EDF/BDF stay with the project's reader: MNE is imported only for other formats."""
    code = ("import sys; from rse_monitor.monitoring.replay import run_replay; "
            f"run_replay({str(EDF)!r}, {str(tmp_path)!r}, progress=False); "
            "print('mne' in sys.modules)")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_a_unit_that_is_not_a_volt_is_kept_as_given(tmp_path: Path) -> None:
    """Raw amplifier units (no voltage in the file): MNE scales them by 1, and the values
    reach the engine as given with ``unit_known=False``, as through the EDF reader."""
    import edfio

    rng = np.random.default_rng(3)
    signals = [
        edfio.EdfSignal(rng.normal(0.0, 300.0, 256 * 20), sampling_frequency=256,
                        label=f"ch{i:02d}", physical_dimension="counts",
                        physical_range=(-2048, 2048))
        for i in range(4)
    ]  # fmt: skip
    path = tmp_path / "counts.edf"
    edfio.Edf(signals).write(path)
    edf = EdfSource(path)
    src = MneSource(mne.io.read_raw_edf(path, verbose="error"))
    assert not edf.info.unit_known and not src.info.unit_known
    assert any("scale unknown" in w for w in src.info.warnings)
    a, b = edf.read(100, 900), src.read(100, 900)
    assert not b.unit_known
    np.testing.assert_allclose(b.data_uv, a.data_uv, rtol=1e-9, atol=1e-9)
    assert np.abs(a.data_uv).max() > 500.0  # counts, not volts scaled to µV (or to 1e-4)
