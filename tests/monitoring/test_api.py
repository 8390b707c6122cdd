"""The Python API: ``analyze(raw_or_path, **settings)`` is ``rsemon replay`` in memory."""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

import mne
import numpy as np
import pytest

from rse_monitor.detectors.annotations import read_events_tsv
from rse_monitor.monitoring.api import SETTING_NAMES, Analysis, analyze
from rse_monitor.monitoring.engine import HopResult
from rse_monitor.monitoring.replay import run_replay

ROOT = Path(__file__).resolve().parents[2]
EDF = ROOT / "recordings" / "rse_seizure_synthetic.edf"
DATA = ROOT.parent / "shared" / "data"
MICHIGAN = DATA / "michigan_seizure" / "michigan_seizure_500s.edf"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replay")
    run_replay(EDF, out, progress=False)
    return out


@pytest.fixture(scope="module")
def result() -> Analysis:
    return analyze(EDF)


@pytest.mark.skipif(not MICHIGAN.is_file(), reason="../shared/data/michigan_seizure is absent")
def test_finds_the_michigan_seizure_in_an_mne_raw() -> None:
    raw = mne.io.read_raw_edf(MICHIGAN, preload=False, verbose="error")
    found = analyze(raw)
    sz = [i for i, d in enumerate(found.events.description) if d == "sz"]
    assert len(sz) == 1  # as the replay of the file (tests/detectors/test_real_eeg.py)
    assert 345.0 <= found.events.onset[sz[0]] <= 365.0  # onset stated at ~350 s, visible ~355 s
    onsets = [a["t_s"] for a in found.alerts if a["kind"] == "seizure_onset"]
    assert onsets and 340.0 < onsets[0] <= 370.0
    assert found.summary["input"]["format"] == "MNE RawEDF"
    assert found.summary["input"]["n_eeg_channels"] == 31


def test_a_path_gives_what_rsemon_replay_writes(result: Analysis, replayed: Path) -> None:
    events, _ = read_events_tsv(replayed / "events.tsv")
    ann = result.events
    assert isinstance(ann, mne.Annotations)
    assert [(e.onset_s, e.duration_s, e.event_type) for e in events] == [
        (float(o), float(d), str(t))
        for o, d, t in zip(ann.onset, ann.duration, ann.description, strict=True)
    ]
    assert list(ann.description).count("sz") == 2  # the recording's two seizures
    rows = (replayed / "events.tsv").read_text().splitlines()[1:]
    assert [r.split("\t")[4] for r in rows] == [x["channels"] for x in ann.extras]
    alerts = [json.loads(line) for line in (replayed / "alerts.jsonl").read_text().splitlines()]
    assert result.alerts == alerts and alerts
    summary = json.loads((replayed / "summary.json").read_text())
    for key in ("n_seizures", "seizures", "n_hops", "n_alerts", "alerts_by_kind", "settings"):
        assert result.summary[key] == summary[key], key
    assert result.summary["input"] == summary["input"]


def test_trends_are_the_columns_of_trends_csv(result: Analysis, replayed: Path) -> None:
    with (replayed / "trends.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(result.trends) == list(HopResult.TREND_COLUMNS)
    assert all(len(v) == len(rows) for v in result.trends.values())
    for name in ("t_s", "suppression_ratio", "line_length", "seizure_score"):
        csv_values = np.array([float(r[name]) if r[name] else math.nan for r in rows])
        np.testing.assert_allclose(result.trends[name], csv_values, atol=1e-3, equal_nan=True)
    assert result.trends["ictal"].dtype == np.int64
    assert result.trends["ictal"].tolist() == [int(r["ictal"]) for r in rows]
    assert result.trends["depth"].tolist() == [r["depth"] for r in rows]
    assert result.trends["ictal"].sum() > 100  # two seizures of 80 s and 70 s


def test_trends_frame(result: Analysis, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = result.trends_frame()
    assert list(frame.columns) == list(HopResult.TREND_COLUMNS)
    assert len(frame) == result.summary["n_hops"]
    assert frame["t_s"].iloc[0] == pytest.approx(2.0)  # end of the first 2-s window
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
    with pytest.raises(ImportError, match="needs pandas"):
        result.to_pandas()


def test_annotations_round_trip_onto_the_raw(result: Analysis) -> None:
    raw = mne.io.read_raw_edf(EDF, preload=False, verbose="error")
    assert result.events.orig_time == raw.info["meas_date"]
    raw.set_annotations(raw.annotations + result.events)
    ann = raw.annotations
    sz = [i for i, d in enumerate(ann.description) if d == "sz"]
    assert [round(float(ann.onset[i]), 3) for i in sz] == list(result.events.onset)
    # on the channels of the recording: both electrodes of each bipolar pair
    assert all(set(ann.ch_names[i]) <= set(raw.ch_names) and ann.ch_names[i] for i in sz)
    assert "EEG Cz" in ann.ch_names[sz[0]] and "EEG Pz" in ann.ch_names[sz[0]]
    # the truth the file carries: each detected seizure starts within 5 s of a true one
    truth = [o for o, d in zip(ann.onset, ann.description, strict=True) if "truth" in d]
    assert [min(abs(ann.onset[i] - t) for t in truth) <= 5.0 for i in sz] == [True, True]


def test_a_cropped_raw_keeps_its_own_time(result: Analysis) -> None:
    """A raw starting later than its measurement (first_samp > 0): onsets are from its
    first sample, and set_annotations puts them back on the same samples."""
    raw = mne.io.read_raw_edf(EDF, preload=True, verbose="error").crop(tmin=20.0)
    assert raw.first_time == pytest.approx(20.0)
    found = analyze(raw)
    sz = [float(o) for o, d in zip(found.events.onset, found.events.description, strict=True)
          if d == "sz"]  # fmt: skip
    full = [float(o) for o, d in zip(result.events.onset, result.events.description, strict=True)
            if d == "sz"]  # fmt: skip
    assert len(sz) == 2 and all(abs((a + 20.0) - b) <= 1.0 for a, b in zip(sz, full, strict=True))
    raw.set_annotations(found.events)
    placed = raw.annotations.onset - raw.first_time  # from the raw's first sample
    np.testing.assert_allclose(placed, found.events.onset, atol=1e-6)


def test_settings_by_keyword(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = mne.io.read_raw_edf(EDF, preload=False, verbose="error").crop(0, 60)
    monkeypatch.chdir(tmp_path)
    found = analyze(raw, montage=False, notch_hz=60.0, seizure_type="absence")
    assert list(tmp_path.iterdir()) == []  # nothing written without out_dir
    settings = found.summary["settings"]
    assert settings["montage"] == "as_given" and settings["notch_hz"] == 60.0
    assert settings["seizure_type"] == "absence"
    with pytest.raises(TypeError, match="'notch'"):
        analyze(raw, notch=60.0)
    with pytest.raises(ValueError, match="notch_hz"):
        analyze(raw, notch_hz=55.0)
    assert "notch_hz" in SETTING_NAMES and "targets" in SETTING_NAMES


def test_out_dir_writes_the_four_files(tmp_path: Path) -> None:
    raw = mne.io.read_raw_edf(EDF, preload=False, verbose="error").crop(0, 30)
    found = analyze(raw, out_dir=tmp_path / "o", bed_id="bed-7")
    names = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert names == ["alerts.jsonl", "events.tsv", "summary.json", "trends.csv"]
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["bed_id"] == found.summary["bed_id"] == "bed-7"
    assert summary["n_hops"] == len(found.trends["t_s"]) == 29
