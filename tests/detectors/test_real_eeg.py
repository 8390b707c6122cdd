"""Detectors on the real recordings in ../shared/data (skipped when absent)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rse_monitor.detectors.annotations import SeizureEvent, read_events_tsv
from rse_monitor.detectors.scoring import score_events, score_main
from rse_monitor.monitoring.engine import BedEngine
from rse_monitor.monitoring.replay import run_replay
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.pipeline.ingest import EdfSource

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
MICHIGAN = DATA / "michigan_seizure" / "michigan_seizure_500s.edf"
CHB01 = DATA / "chbmit_chb01_fragments"
EEGMMIDB = DATA / "eegmmidb_S001"


def _alerts(out: Path) -> list[dict]:
    lines = (out / "alerts.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.skipif(not MICHIGAN.exists(), reason="shared Michigan recording absent")
def test_michigan_onset_alarm_within_15_s_and_none_before(tmp_path: Path) -> None:
    summary = run_replay(MICHIGAN, tmp_path, progress=False)
    onsets = [a for a in _alerts(tmp_path) if a["kind"] == "seizure_onset"]
    assert onsets, "no seizure_onset alert"
    first = onsets[0]["t_s"]
    # visible ictal change at about 355 s: alarm within 15 s, nothing in the 340 s before
    assert 340.0 < first <= 370.0
    assert all(a["t_s"] > 340.0 for a in onsets)
    assert len(summary["seizures"]) == 1
    assert 345.0 <= summary["seizures"][0]["onset_s"] <= 365.0
    events, duration = read_events_tsv(tmp_path / "events.tsv")
    result = score_events([SeizureEvent(350.0, 90.0)], events, duration or 500.0)
    assert result.sensitivity == 1.0 and result.n_false_positive == 0


@pytest.mark.skipif(not CHB01.is_dir(), reason="shared chb01 fragments absent")
def test_chb01_each_ictal_window_more_ictal_than_its_preictal_window() -> None:
    from bench.detectors import window_ictality

    rows = window_ictality(background_s=150.0)
    assert len(rows) == 7
    for row in rows:
        assert np.isfinite(row["pre"]) and np.isfinite(row["ictal"])
        assert row["ictal"] > row["pre"], row["record"]
    # and clearly so for all but the subtle chb01_15 (LL ratio ictal/pre-ictal ≈ 1.0–2.1)
    margins = sorted(row["ictal"] - row["pre"] for row in rows)
    assert margins[0] > 0.2 and margins[1] > 0.5


@pytest.mark.skipif(not CHB01.is_dir(), reason="shared chb01 fragments absent")
def test_stitched_chb01_replayed_and_scored_with_rsemon_score(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.stitch import stitch_chb01, write_stitched

    rec = stitch_chb01(2100.0, seed=21, first_onset_s=240.0)
    assert len(rec.seizures) == 7
    edf, ref_tsv = write_stitched(rec, tmp_path / "rec")
    run_replay(edf, tmp_path / "out", progress=False)
    hyp_tsv = tmp_path / "out" / "events.tsv"
    assert score_main([str(ref_tsv), str(hyp_tsv)]) == 0
    printed = capsys.readouterr().out
    assert "sensitivity" in printed.lower() or "sens" in printed.lower()
    ref, duration = read_events_tsv(ref_tsv)
    hyp, _ = read_events_tsv(hyp_tsv)
    result = score_events(ref, hyp, duration or rec.duration_s)
    assert result.n_ref == 7
    assert result.n_true_positive >= 6
    assert result.n_false_positive == 0


@pytest.mark.skipif(not EEGMMIDB.is_dir(), reason="shared eegmmidb recordings absent")
def test_seizure_free_eegmmidb_raises_no_seizure_alarm() -> None:
    paths = sorted(EEGMMIDB.glob("S001R0[1-4].edf"))
    assert len(paths) == 4
    first = EdfSource(paths[0])
    engine = BedEngine(first.sfreq_hz, first.ch_names, first.info.unit_known)
    offset = 0.0
    n_hops = 0
    alarms = []
    for path in paths:  # the four runs back to back, a gap flag between runs
        src = EdfSource(path, chunk_s=10.0)
        for i, c in enumerate(src.chunks()):
            chunk = Chunk(
                c.data_uv,
                c.t0_s + offset,
                c.sfreq_hz,
                c.ch_names,
                gap_before=(i == 0 and offset > 0),
            )
            for hop in engine.push(chunk):
                n_hops += 1
                alarms += [a for a in hop.alerts if a.kind == "seizure_onset"]
        offset += src.duration_s
    assert n_hops > 300
    assert alarms == []
    assert engine.finish() == []
