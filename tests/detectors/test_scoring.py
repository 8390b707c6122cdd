"""SzCORE event scoring with hand-computed answers, and the ``rsemon score`` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rse_monitor.detectors.annotations import SeizureEvent as Ev
from rse_monitor.detectors.annotations import write_events_tsv
from rse_monitor.detectors.scoring import (
    ScoreResult,
    SzcoreParameters,
    score_events,
    score_main,
    score_many,
)

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
HOUR_S = 3600.0


# ------------------------------------------------------------ single record


def test_exact_match_with_10_s_latency() -> None:
    r = score_events([Ev(1000, 60)], [Ev(1010, 50)], HOUR_S)
    assert (r.n_ref, r.n_hyp, r.n_true_positive, r.n_false_positive) == (1, 1, 1, 0)
    assert r.sensitivity == 1.0 and r.precision == 1.0 and r.f1 == 1.0
    assert r.false_alarms_per_24h == 0.0
    assert r.onset_latencies_s == [10.0] and r.median_onset_latency_s == 10.0
    assert r.total_duration_s == HOUR_S and r.n_records == 1


def test_start_tolerance_is_30_s() -> None:
    # Ends 35 s before the seizure: outside the 30-s window -> a miss and a false alarm.
    early_40 = score_events([Ev(1000, 60)], [Ev(960, 5)], HOUR_S)
    assert early_40.n_true_positive == 0 and early_40.n_false_positive == 1
    assert early_40.sensitivity == 0.0 and early_40.precision == 0.0 and early_40.f1 == 0.0
    assert early_40.false_alarms_per_24h == pytest.approx(24.0)
    assert early_40.median_onset_latency_s is None
    # 20 s early (ends 15 s before): inside the window -> a hit with latency -20 s.
    early_20 = score_events([Ev(1000, 60)], [Ev(980, 5)], HOUR_S)
    assert early_20.n_true_positive == 1 and early_20.n_false_positive == 0
    assert early_20.onset_latencies_s == [-20.0]


def test_end_tolerance_is_60_s() -> None:
    # The seizure ends at 1060 s; the window reaches 1120 s.
    assert score_events([Ev(1000, 60)], [Ev(1110, 5)], HOUR_S).n_true_positive == 1
    late = score_events([Ev(1000, 60)], [Ev(1130, 5)], HOUR_S)
    assert late.n_true_positive == 0 and late.n_false_positive == 1


def test_hyp_events_closer_than_90_s_are_merged() -> None:
    merged = score_events([], [Ev(1000, 10), Ev(1070, 10)], HOUR_S)  # 60 s apart
    assert merged.n_hyp == 1 and merged.n_false_positive == 1
    apart = score_events([], [Ev(1000, 10), Ev(1110, 10)], HOUR_S)  # 100 s apart
    assert apart.n_hyp == 2 and apart.n_false_positive == 2


def test_long_hyp_event_is_split_into_5_min_pieces() -> None:
    r = score_events([], [Ev(1000, 12 * 60)], 24 * HOUR_S)  # 300 + 300 + 120 s
    assert r.n_hyp == 3 and r.n_false_positive == 3
    assert r.false_alarms_per_24h == pytest.approx(3.0)


def test_false_alarms_per_24h_on_12_h_record() -> None:
    r = score_events([], [Ev(1000, 10), Ev(20000, 10)], 12 * HOUR_S)
    assert r.n_false_positive == 2
    assert r.false_alarms_per_24h == pytest.approx(4.0)
    assert r.sensitivity is None  # no reference seizure
    assert r.precision == 0.0 and r.f1 == 0.0


def test_no_hypothesis_and_nothing_at_all() -> None:
    missed = score_events([Ev(100, 50), Ev(2000, 50)], [], HOUR_S)
    assert missed.n_ref == 2 and missed.sensitivity == 0.0
    assert missed.precision is None and missed.f1 == 0.0
    assert missed.false_alarms_per_24h == 0.0
    empty = score_events([], [], HOUR_S)
    assert (empty.sensitivity, empty.precision, empty.f1) == (None, None, None)
    assert empty.false_alarms_per_24h == 0.0 and empty.n_hyp == 0


def test_partial_detection_counts() -> None:
    # 3 seizures far apart, 2 detected, plus 1 false alarm.
    ref = [Ev(1000, 60), Ev(5000, 60), Ev(9000, 60)]
    hyp = [Ev(1005, 30), Ev(5030, 30), Ev(15000, 20)]
    r = score_events(ref, hyp, 6 * HOUR_S)
    assert (r.n_true_positive, r.n_false_positive) == (2, 1)
    assert r.sensitivity == pytest.approx(2 / 3)
    assert r.precision == pytest.approx(2 / 3)
    assert r.f1 == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert r.false_alarms_per_24h == pytest.approx(4.0)
    assert r.onset_latencies_s == [5.0, 30.0] and r.median_onset_latency_s == 17.5


def test_overlapping_and_point_events() -> None:
    # Overlapping hypothesis events are one event; a zero-length marker still counts.
    r = score_events([Ev(1000, 60)], [Ev(1004, 50), Ev(1020, 5)], HOUR_S)
    assert r.n_hyp == 1 and r.n_true_positive == 1 and r.onset_latencies_s == [4.0]
    point = score_events([Ev(1000, 60)], [Ev(1030, 0)], HOUR_S)
    assert point.n_true_positive == 1 and point.onset_latencies_s == [30.0]


def test_detector_already_on_gives_negative_latency() -> None:
    r = score_events([Ev(1000, 60)], [Ev(900, 200)], HOUR_S)
    assert r.n_true_positive == 1 and r.onset_latencies_s == [-100.0]


def test_events_past_the_end() -> None:
    clipped = score_events([Ev(3500, 200)], [Ev(3550, 100)], HOUR_S)
    assert clipped.n_true_positive == 1 and clipped.n_false_positive == 0
    with pytest.raises(ValueError, match=r"hyp\[0\] starts at 4000.0 s"):
        score_events([], [Ev(4000, 10)], HOUR_S)


def test_input_validation() -> None:
    with pytest.raises(ValueError, match="duration_s"):
        score_events([], [], 0.0)
    with pytest.raises(TypeError, match=r"ref\[0\]"):
        score_events([(1.0, 2.0)], [], HOUR_S)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="ref must be a sequence"):
        score_events(Ev(1, 2), [], HOUR_S)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_event_duration_s"):
        SzcoreParameters(max_event_duration_s=0)


def test_parameters_are_used() -> None:
    strict = SzcoreParameters(tolerance_start_s=0.0)
    assert score_events([Ev(1000, 60)], [Ev(980, 5)], HOUR_S, strict).n_true_positive == 0


@settings(max_examples=40, deadline=None)
@given(
    gaps=st.lists(st.integers(min_value=100, max_value=3000), min_size=1, max_size=6),
    lengths=st.lists(st.integers(min_value=1, max_value=280), min_size=6, max_size=6),
)
def test_perfect_detector_scores_one(gaps: list[int], lengths: list[int]) -> None:
    # Seizures shorter than 5 min and more than 90 s apart: nothing merged or split.
    events, t = [], 0.0
    for gap, length in zip(gaps, lengths, strict=False):
        t += gap
        events.append(Ev(t, length))
        t += length
    r = score_events(events, events, t + 500)
    assert r.n_ref == len(events) == r.n_true_positive
    assert r.n_false_positive == 0 and r.sensitivity == 1.0 and r.precision == 1.0
    assert r.onset_latencies_s == [0.0] * len(events)


# ------------------------------------------------------------ many records


def test_score_many_micro_average() -> None:
    a = ([Ev(1000, 60)], [Ev(1010, 30)], HOUR_S)  # detected, latency 10
    b = ([Ev(2000, 60)], [Ev(9000, 10), Ev(20000, 10)], 11 * HOUR_S)  # missed, 2 FA
    r = score_many([a, b])
    assert r.n_records == 2 and r.total_duration_s == 12 * HOUR_S
    assert (r.n_ref, r.n_true_positive, r.n_false_positive) == (2, 1, 2)
    assert r.sensitivity == 0.5
    assert r.precision == pytest.approx(1 / 3)
    assert r.false_alarms_per_24h == pytest.approx(4.0)
    assert r.onset_latencies_s == [10.0]


def test_score_many_equals_concatenated_recording() -> None:
    a = ([Ev(1000, 60)], [Ev(1010, 30), Ev(2500, 5)], HOUR_S)
    b = ([Ev(300, 40), Ev(5000, 400)], [Ev(320, 10)], 2 * HOUR_S)
    shift = a[2]
    joined = score_events(
        a[0] + [Ev(e.onset_s + shift, e.duration_s) for e in b[0]],
        a[1] + [Ev(e.onset_s + shift, e.duration_s) for e in b[1]],
        a[2] + b[2],
    )
    pooled = score_many([a, b])
    for name in (
        "n_ref",
        "n_hyp",
        "n_true_positive",
        "n_false_positive",
        "sensitivity",
        "precision",
        "f1",
        "false_alarms_per_24h",
        "onset_latencies_s",
    ):
        assert getattr(pooled, name) == pytest.approx(getattr(joined, name)), name


def test_score_many_validation() -> None:
    with pytest.raises(ValueError, match="pairs is empty"):
        score_many([])
    with pytest.raises(ValueError, match=r"pairs\[0\]"):
        score_many([([], [])])  # type: ignore[list-item]


# -------------------------------------------------------------------- CLI


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    ref = write_events_tsv(tmp_path / "ref.tsv", [Ev(1000, 60)], HOUR_S)
    hyp = write_events_tsv(tmp_path / "hyp.tsv", [Ev(1010, 50), Ev(3000, 20)], HOUR_S)
    return ref, hyp


def test_score_main_json(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    ref, hyp = pair
    assert score_main([str(ref), str(hyp), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    total = out["total"]
    assert total["sensitivity"] == 1.0 and total["precision"] == 0.5
    assert total["f1"] == pytest.approx(2 / 3)
    assert total["false_alarms_per_24h"] == pytest.approx(24.0)
    assert total["median_onset_latency_s"] == 10.0
    assert out["records"][0]["ref"] == str(ref) and out["records"][0]["hyp"] == str(hyp)
    assert out["parameters"]["tolerance_start_s"] == 30.0
    assert ScoreResult(**total).n_true_positive == 1


def test_score_main_table(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    ref, hyp = pair
    assert score_main([str(ref), str(hyp), str(ref), str(ref)]) == 0
    out = capsys.readouterr().out
    assert "sensitivity              1.000  (2/2 reference events)" in out
    assert "precision                0.667" in out
    assert "false alarms per 24 h    12.00  (1 false alarms)" in out
    assert "median onset latency     5.0 s" in out  # latencies 10 and 0
    assert "recordings               2" in out
    assert "\ntotal " in out


def test_score_main_duration_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref, hyp = tmp_path / "r.tsv", tmp_path / "h.tsv"
    ref.write_text("onset\tduration\teventType\n1000\t60\tsz\n")
    hyp.write_text("onset\tduration\teventType\n1010\t60\tsz\n")
    assert score_main([str(ref), str(hyp)]) == 2
    err = capsys.readouterr().err
    assert "--duration" in err and err.count("\n") == 1
    assert score_main([str(ref), str(hyp), "--duration", "43200", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"]["total_duration_s"] == 43200.0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["only_one.tsv"], "pairs"),
        (["missing_ref.tsv", "missing_hyp.tsv"], "missing_ref.tsv"),
        (["a.csv", "b.csv"], "unknown annotation format"),
        (["--duration", "-5", "x.tsv", "y.tsv"], "--duration"),
        (["a.tsv", "b.tsv", "--bogus"], "unrecognized arguments"),
        ([], "required"),
    ],
)
def test_score_main_bad_input(
    args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert score_main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("rsemon score: error: ")
    assert captured.err.count("\n") == 1 and fragment in captured.err


def test_score_main_rejects_mismatched_lengths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = write_events_tsv(tmp_path / "ref.tsv", [], HOUR_S)
    hyp = write_events_tsv(tmp_path / "hyp.tsv", [], 2 * HOUR_S)
    assert score_main([str(ref), str(hyp)]) == 2
    assert "recording lengths differ" in capsys.readouterr().err


def test_score_main_malformed_tsv_names_line(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ref, hyp = pair
    hyp.write_text(hyp.read_text() + "oops\n")
    assert score_main([str(ref), str(hyp)]) == 2
    err = capsys.readouterr().err
    assert f"{hyp}: line 4:" in err and err.count("\n") == 1


def test_score_main_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert score_main(["--help"]) == 0
    assert "SzCORE" in capsys.readouterr().out


def test_score_main_chbmit_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = DATA / "chbmit_chb01_fragments" / "chb01-summary.txt"
    if not summary.exists():
        pytest.skip(f"shared data absent: {summary}")
    hyp = write_events_tsv(tmp_path / "chb01_03_events.tsv", [Ev(3008, 30)], 3600.0)
    assert score_main([f"{summary}::chb01_03.edf", str(hyp), "--json"]) == 0
    total = json.loads(capsys.readouterr().out)["total"]
    assert total["sensitivity"] == 1.0 and total["onset_latencies_s"] == [12.0]


def test_module_runs_as_script(pair: tuple[Path, Path]) -> None:
    ref, hyp = pair
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ok = subprocess.run(
        [sys.executable, "-m", "rse_monitor.detectors.scoring", str(ref), str(hyp)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "sensitivity              1.000" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "rse_monitor.detectors.scoring", str(ref)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("rsemon score: error:") and bad.stderr.count("\n") == 1
