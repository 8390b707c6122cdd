"""Sample scoring and suppression-ratio error of ``rsemon validate``, with known answers.

Hand-made pairs whose 1-s sample counts and suppression errors are worked out in the
comments, then one real run (embedded two-worker LocalCluster) on the two bundled
recordings: the seizure recording against its reference events, the
burst-suppression recording against its truth file, and the same recording against
a hand-made reference 20 percentage points below the truth.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rse_monitor.detectors.annotations import SeizureEvent, read_events_tsv
from rse_monitor.detectors.scoring import (
    score_events,
    score_main,
    score_samples,
    score_samples_many,
)
from rse_monitor.monitoring.validate import discover, run_validate
from rse_monitor.monitoring.validate.scores import score_suppression
from rse_monitor.monitoring.validate.suppression import (
    pool_suppression,
    read_monitor_ratio,
    read_reference_ratio,
    suppression_error,
)
from rse_monitor.monitoring.validate.tasks import output_paths

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "recordings"
SZ_EDF = BUNDLED / "rse_seizure_synthetic.edf"
SZ_EVENTS = BUNDLED / "rse_seizure_synthetic_events.tsv"
BS_EDF = BUNDLED / "rse_burst_suppression_synthetic.edf"
BS_TRUTH = BUNDLED / "rse_burst_suppression_synthetic_truth.csv"
OFFSET = 0.20  # the hand-made reference: truth - 0.20 (the truth is >= 0.269 throughout)


# ----------------------------------------------------------------------------- sample scoring
def test_sample_scoring_of_overlapping_events_by_hand() -> None:
    # reference 100-160 s, detection 130-190 s in 600 s: 30 s in both, 30 s detected
    # only, 30 s missed
    r = score_samples([SeizureEvent(100.0, 60.0)], [SeizureEvent(130.0, 60.0)], 600.0)
    assert (r.n_samples, r.n_ref_samples, r.n_hyp_samples) == (600, 60, 60)
    assert (r.n_true_positive, r.n_false_positive) == (30, 30)
    assert (r.sensitivity, r.precision, r.f1) == (0.5, 0.5, 0.5)
    assert r.false_positive_s_per_24h == pytest.approx(30 * 86400 / 600)  # 4320 s per day


def test_sample_scoring_pools_sample_counts() -> None:
    # + a 300-s recording whose 20-s seizure is detected exactly: TP 30 + 20 = 50,
    # FP 30, reference 60 + 20 = 80 samples: sensitivity = precision = F1 = 50/80
    pairs = [([SeizureEvent(100.0, 60.0)], [SeizureEvent(130.0, 60.0)], 600.0),
             ([SeizureEvent(50.0, 20.0)], [SeizureEvent(50.0, 20.0)], 300.0)]  # fmt: skip
    pooled = score_samples_many(pairs)
    assert (pooled.n_records, pooled.n_samples, pooled.total_duration_s) == (2, 900, 900.0)
    assert (pooled.n_true_positive, pooled.n_false_positive, pooled.n_ref_samples) == (50, 30, 80)
    assert pooled.sensitivity == pooled.precision == pooled.f1 == pytest.approx(0.625)
    assert pooled.false_positive_s_per_24h == pytest.approx(30 * 86400 / 900)  # 2880
    with pytest.raises(ValueError, match="pairs is empty"):
        score_samples_many([])


def test_sample_scoring_counts_seconds_where_event_scoring_counts_events() -> None:
    # a 2-s detection inside a 60-s seizure: the event is found, 2 of 60 s are
    ref, hyp = [SeizureEvent(200.0, 60.0)], [SeizureEvent(210.2, 1.9)]  # samples 210, 211
    assert score_events(ref, hyp, 600.0).sensitivity == 1.0
    r = score_samples(ref, hyp, 600.0)
    assert (r.n_true_positive, r.n_hyp_samples) == (2, 2)
    assert r.sensitivity == pytest.approx(2 / 60) and r.precision == 1.0
    # nothing on either side: metrics undefined, no false positives
    empty = score_samples([], [], 600.0)
    assert (empty.sensitivity, empty.precision, empty.f1) == (None, None, None)
    assert empty.false_positive_s_per_24h == 0.0
    with pytest.raises(ValueError, match="duration_s must be finite and > 0"):
        score_samples([], [], 0.0)


# ----------------------------------------------------------------------------- suppression
def test_suppression_error_by_hand_on_a_half_second_grid() -> None:
    mon_t = np.arange(2.0, 11.0)  # hops at 2, 3, ..., 10 s
    mon_r = np.full(mon_t.size, 0.5)
    mon_r[mon_t == 6.0] = np.nan  # quality too low at 6 s
    ref_t = np.arange(1.0, 12.0, 0.5)  # 1.0, 1.5, ..., 11.5 s
    ref_r = np.where(np.arange(ref_t.size) % 2 == 0, 0.4, 0.7)  # whole s: 0.4, half: 0.7
    ref_r[ref_t == 9.0] = np.nan  # the reference does not know 9 s
    err = suppression_error(ref_t, ref_r, mon_t, mon_r)
    # before 2 s: no hop (1.0, 1.5); 6.0 and 6.5 see the unknown 6-s hop; 11.5 s is 1.5 s
    # after the last hop; the 9-s reference point is not counted at all
    assert err.n_unjudged == 5
    # paired: whole seconds 2,3,4,5,7,8,10,11 (error +0.1) and half seconds
    # 2.5,3.5,4.5,5.5,7.5,8.5,9.5,10.5 (error -0.2)
    assert err.n_points == 16
    assert err.mae_pp == pytest.approx(100 * (8 * 0.1 + 8 * 0.2) / 16)  # 15 pp
    assert err.bias_pp == pytest.approx(100 * (8 * 0.1 - 8 * 0.2) / 16)  # -5 pp
    assert err.max_abs_error_pp == pytest.approx(20.0)
    # pooled with a recording reading 0.1 high at 4 points: sums over all 20 points
    other = suppression_error(np.arange(4.0), np.zeros(4), np.arange(4.0), np.full(4, 0.1))
    pooled = pool_suppression([err, other])
    assert (pooled.n_points, pooled.n_unjudged, pooled.n_records) == (20, 5, 2)
    assert pooled.mae_pp == pytest.approx(100 * (2.4 + 0.4) / 20)  # 14 pp
    assert pooled.bias_pp == pytest.approx(100 * (-0.8 + 0.4) / 20)  # -2 pp


def test_reference_tables_are_read_and_bad_ones_refused(tmp_path: Path) -> None:
    good = tmp_path / "a_suppression.tsv"
    good.write_text("t_s\tsuppression_ratio\n1\t0.25\n2\tn/a\n3\t1\n", encoding="utf-8")
    t, r = read_reference_ratio(good)
    assert t.tolist() == [1.0, 2.0, 3.0]
    assert r[0] == 0.25 and math.isnan(r[1]) and r[2] == 1.0
    t, r = read_reference_ratio(BS_TRUTH)  # comma-separated, suppression_ratio_truth
    assert t.size == 600 and t[0] == 1.0 and r[0] == pytest.approx(0.6562)
    for text, reason in [
        ("time,ratio\n1,0.5\n", "needs columns t_s and one of"),
        ("t_s,suppression_ratio\n1,50\n", "must be a fraction 0-1, got 50"),
        ("t_s,suppression_ratio\n2,0.5\n1,0.5\n", "does not increase"),
        ("t_s,suppression_ratio\n1,half\n", "not a number"),
    ]:
        bad = tmp_path / "bad.csv"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=reason):
            read_reference_ratio(bad)


def test_discovery_finds_suppression_references(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    for stem, sidecar in (("a", "a_suppression.tsv"), ("b", "b_truth.csv"), ("c", "c_truth.csv")):
        (folder / f"{stem}.edf").symlink_to(BS_EDF)
        header = "t_s,suppression_ratio_truth" if stem != "c" else "t_s,other"
        (folder / sidecar).write_text(f"{header}\n1,0.5\n", encoding="utf-8")
    recs = {r.key: r for r in discover(folder)}
    assert recs["sub-a"].suppression == str(folder / "a_suppression.tsv")
    assert recs["sub-b"].suppression == str(folder / "b_truth.csv")
    assert recs["sub-c"].suppression is None  # a _truth.csv without a ratio column
    bids = tmp_path / "bids"
    eeg = bids / "sub-01" / "eeg"
    eeg.mkdir(parents=True)
    (bids / "dataset_description.json").write_text("{}", encoding="utf-8")
    (eeg / "sub-01_task-icu_eeg.edf").symlink_to(BS_EDF)
    (eeg / "sub-01_task-icu_suppression.tsv").write_text("t_s\tsuppression_ratio\n")
    (rec,) = discover(bids)
    assert rec.suppression == str(eeg / "sub-01_task-icu_suppression.tsv")
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"path,suppression\n{BS_EDF},truth/x.csv\n", encoding="utf-8")
    (rec,) = discover(manifest)
    assert rec.suppression == str(tmp_path / "truth" / "x.csv")


# ----------------------------------------------------------------------------- a real run
def _write_offset_reference(path: Path) -> Path:
    t, r = read_reference_ratio(BS_TRUTH)
    assert r.min() >= OFFSET  # so that truth - OFFSET is a ratio everywhere
    rows = "".join(f"{a:g}\t{b - OFFSET:.4f}\n" for a, b in zip(t, r, strict=True))
    path.write_text("t_s\tsuppression_ratio\n" + rows, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bundled_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The bundled recordings in a manifest: seizures (subject sz), burst suppression
    against its truth (subject bs) and against truth - 0.20 (subject off)."""
    folder = tmp_path_factory.mktemp("bundled")
    offset = _write_offset_reference(folder / "offset_suppression.tsv")
    manifest = folder / "m.csv"
    manifest.write_text(
        "path,reference,subject,suppression\n"
        f"{SZ_EDF},{SZ_EVENTS},sz,\n{BS_EDF},,bs,{BS_TRUTH}\n{BS_EDF},,off,{offset}\n",
        encoding="utf-8",
    )
    out = folder / "out"
    run = run_validate(manifest, out, workers=2, progress=False)
    return {"run": run, "root": out / "derivatives" / "rse-monitor"}


def _mask_1hz(events: list[SeizureEvent], n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for e in events:
        mask[round(e.onset_s) : round(e.onset_s + e.duration_s)] = True
    return mask


def test_sample_scores_of_the_bundled_seizure_recording(bundled_run: dict[str, Any]) -> None:
    run, root = bundled_run["run"], bundled_run["root"]
    assert not run.failed
    rec = next(r for r in run.recordings if r.subject == "sz")
    record = next(r for r in run.scores["records"] if r["id"] == rec.key)
    # recomputed here without timescoring: 1-s masks of the reference and the detections
    ref, _ = read_events_tsv(SZ_EVENTS)
    hyp, _ = read_events_tsv(output_paths(rec, root)["events.tsv"])
    ref_mask, hyp_mask = _mask_1hz(ref, 600), _mask_1hz(hyp, 600)
    sample = record["sample"]
    assert sample["n_ref_samples"] == ref_mask.sum() == 150  # 150-230 s and 400-470 s
    assert sample["n_true_positive"] == (ref_mask & hyp_mask).sum()
    assert sample["n_false_positive"] == (hyp_mask & ~ref_mask).sum()
    # measured: 148 of 150 s found, 4 s detected after the reference ends (0.987, 0.974)
    assert sample["sensitivity"] >= 0.95 and sample["precision"] >= 0.95
    # only the seizure subject has seizure references; pooled = that recording
    assert set(run.scores["sample_scoring"]["subjects"]) == {"sz"}
    pooled = run.scores["sample_scoring"]["pooled"]
    assert pooled == {**sample, "n_records": 1}
    assert pooled == score_samples_many([(ref, hyp, 600.0)]).to_dict()


def test_suppression_error_of_the_bundled_recording_against_its_truth(
    bundled_run: dict[str, Any],
) -> None:
    """Measured: MAE 0.62 pp, bias +0.49 pp, largest 9.8 pp (at 2 s, the first hop,
    while the trailing window is only 2 s long; after the first minute at most 1.9 pp,
    within the engine test's 2-pp bound). Tolerance: MAE and |bias| <= 1 pp, largest
    <= 12 pp; 599 of the truth's 600 s are paired (no hop exists before 2 s)."""
    run = bundled_run["run"]
    errors = {r["subject"]: r["suppression"] for r in run.scores["records"]}
    truth = errors["bs"]
    assert errors["sz"] is None
    assert (truth["n_points"], truth["n_unjudged"]) == (599, 1)
    assert truth["mae_pp"] <= 1.0 and abs(truth["bias_pp"]) <= 1.0
    assert truth["max_abs_error_pp"] <= 12.0
    # the same replay against truth - 20 pp: every error is e + 20 pp > 0 (|e| < 10 pp),
    # so MAE = bias = the truth's bias + 20 pp, exactly
    off = errors["off"]
    assert off["n_points"] == 599
    assert off["mae_pp"] == pytest.approx(truth["bias_pp"] + 100 * OFFSET, abs=1e-6)
    assert off["bias_pp"] == pytest.approx(truth["bias_pp"] + 100 * OFFSET, abs=1e-6)
    sr = run.scores["suppression_error"]
    assert sr["subjects"]["bs"] == truth and sr["subjects"]["off"] == off
    assert sr["pooled"]["n_points"] == 2 * 599 and sr["pooled"]["n_records"] == 2
    assert sr["pooled"]["bias_pp"] == pytest.approx(truth["bias_pp"] + 100 * OFFSET / 2)


def test_the_monitor_side_is_the_replays_trends(bundled_run: dict[str, Any]) -> None:
    run, root = bundled_run["run"], bundled_run["root"]
    rec = next(r for r in run.recordings if r.subject == "bs")
    error, note = score_suppression(rec, root)
    assert note is None and error is not None
    mon_t, mon_r = read_monitor_ratio(output_paths(rec, root)["trends.csv"])
    ref_t, ref_r = read_reference_ratio(BS_TRUTH)
    # hops at whole seconds 2..600: the truth at t is compared with the hop at t
    assert mon_t[0] == 2.0 and mon_t[-1] == 600.0 and np.all(np.diff(mon_t) == 1.0)
    direct = 100 * np.mean(np.abs(mon_r - ref_r[1:]))
    assert error.mae_pp == pytest.approx(direct)
    assert len(error.trend) <= 240 and error.trend[0][0] > 0


def test_scores_files_carry_sample_and_suppression_columns(bundled_run: dict[str, Any]) -> None:
    root = bundled_run["root"]
    saved = json.loads((root / "scores.json").read_text(encoding="utf-8"))
    assert saved["suppression_error"] == bundled_run["run"].scores["suppression_error"]
    with (root / "scores.tsv").open(newline="", encoding="utf-8") as fh:
        rows = {(r["level"], r["subject"]): r for r in csv.DictReader(fh, delimiter="\t")}
    sz = rows[("recording", "sz")]
    assert float(sz["sample_f1"]) > 0.95 and sz["sr_mae_pp"] == "n/a"
    bs = rows[("recording", "bs")]
    assert bs["f1"] == "n/a" and bs["sample_f1"] == "n/a"
    assert int(bs["sr_n_points"]) == 599 and float(bs["sr_mae_pp"]) <= 1.0
    pooled = rows[("pooled", "n/a")]
    assert pooled["n_records"] == "3" and pooled["f1"] == "1.0000"
    assert int(pooled["sr_n_points"]) == 1198


def test_pooled_event_scores_equal_rsemon_score_on_the_same_outputs(
    bundled_run: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    run, root = bundled_run["run"], bundled_run["root"]
    rec = next(r for r in run.recordings if r.subject == "sz")
    hyp = output_paths(rec, root)["events.tsv"]
    assert score_main([str(SZ_EVENTS), str(hyp), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == run.scores["pooled"]
    assert run.scores["pooled"]["n_true_positive"] == 2  # both bundled seizures
