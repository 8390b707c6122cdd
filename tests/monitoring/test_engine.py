"""The bed engine end to end: chunking invariance, known answers, bad samples, gaps."""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pytest

from rse_monitor.monitoring.engine import BedEngine, EngineConfig, HopResult
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.recordings.synthetic import (
    DEFAULT_CHANNELS_19,
    make_burst_suppression,
    make_seizure_recording,
)

FS = 256.0
CONTRACT_COLUMNS = ("t_s", "suppression_ratio", "line_length", "coherence", "ictal", "depth")


def split_randomly(chunk: Chunk, seed: int, max_size: int = 700) -> list[Chunk]:
    """Random chunk sizes in 1..max_size, with runs of 1-sample chunks at the start,
    across the first window end and further in."""
    rng = np.random.default_rng(seed)
    n = chunk.n_samples
    sizes: list[int] = [1] * 200  # 0 .. 200
    sizes += [300] + [1] * 30  # a window end (512) among 1-sample chunks
    while sum(sizes) < n:
        size = int(rng.integers(1, max_size + 1))
        if rng.random() < 0.02:
            sizes += [1] * 25
        sizes.append(size)
    out, start = [], 0
    for size in sizes:
        if start >= n:
            break
        stop = min(n, start + size)
        out.append(
            Chunk(
                np.ascontiguousarray(chunk.data_uv[:, start:stop]),
                chunk.t0_s + start / chunk.sfreq_hz,
                chunk.sfreq_hz,
                chunk.ch_names,
                unit_known=chunk.unit_known,
            )
        )
        start = stop
    return out


def run(engine: BedEngine, chunks: list[Chunk]) -> list[HopResult]:
    hops: list[HopResult] = []
    for chunk in chunks:
        hops += engine.push(chunk)
    engine.finish()
    return hops


def as_comparable(hop: HopResult) -> dict[str, object]:
    out = {}
    for f in fields(hop):
        value = getattr(hop, f.name)
        if f.name == "alerts":
            value = [(a.t_s, a.kind, a.severity, a.message) for a in value]
        out[f.name] = value
    return out


def assert_same_hops(a: list[HopResult], b: list[HopResult]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        dx, dy = as_comparable(x), as_comparable(y)
        for key, vx in dx.items():
            vy = dy[key]
            if isinstance(vx, float):
                assert vx == pytest.approx(vy, rel=1e-9, abs=1e-9, nan_ok=True), (key, x.t_s)
            elif isinstance(vx, dict):
                assert vx.keys() == vy.keys()
                for k in vx:
                    assert vx[k] == pytest.approx(vy[k], rel=1e-9, abs=1e-9), (key, k, x.t_s)
            else:
                assert vx == vy, (key, x.t_s)


# ------------------------------------------------------------------ chunked == batch


def test_burst_suppression_chunked_equals_batch() -> None:
    rec = make_burst_suppression(100.0, suppression_ratio=0.7, seed=11, artefact_channel="C3")
    whole_engine = BedEngine(FS, rec.ch_names)
    whole = run(whole_engine, [rec.to_chunk()])
    chunked_engine = BedEngine(FS, rec.ch_names)
    chunked = run(chunked_engine, split_randomly(rec.to_chunk(), seed=1))
    assert len(whole) == 99
    assert_same_hops(whole, chunked)
    assert whole_engine.events == chunked_engine.events
    # the tracker did see bursts and suppressions, so the comparison means something
    assert max(h.suppression_ratio for h in whole) > 0.4
    assert max(h.bursts_per_min for h in whole) > 0


def test_seizure_recording_chunked_equals_batch() -> None:
    rec = make_seizure_recording(200.0, seizures=((120.0, 170.0),), seed=12)
    whole_engine = BedEngine(FS, rec.ch_names)
    whole = run(whole_engine, [rec.to_chunk()])
    chunked_engine = BedEngine(FS, rec.ch_names)
    chunked = run(chunked_engine, split_randomly(rec.to_chunk(), seed=2, max_size=3000))
    assert_same_hops(whole, chunked)
    assert [(e.onset_s, e.offset_s) for e in whole_engine.events] == [
        (e.onset_s, e.offset_s) for e in chunked_engine.events
    ]


def test_hops_are_one_per_second_at_window_ends() -> None:
    rec = make_burst_suppression(30.0, seed=13)
    hops = BedEngine(FS, rec.ch_names).push(rec.to_chunk())
    assert [h.t_s for h in hops] == pytest.approx(np.arange(2.0, 31.0, 1.0))


# ------------------------------------------------------------------ known answers


def test_sine_through_the_engine_gives_the_known_features() -> None:
    amp, freq = 20.0, 10.0
    n = int(60 * FS)
    x = amp * np.sin(2 * np.pi * freq * np.arange(n) / FS)
    names = tuple(f"ch{i:02d}" for i in range(1, 5))
    chunk = Chunk(np.tile(x, (4, 1)), 0.0, FS, names)
    hops = BedEngine(FS, names).push(chunk)
    late = [h for h in hops if h.t_s >= 20]  # filter transients gone
    for h in late:
        assert h.line_length == pytest.approx(4 * amp * freq, rel=0.02)
        assert h.rms_uv == pytest.approx(amp / math.sqrt(2), rel=0.02)
        assert h.band_power_uv2["alpha"] == pytest.approx(amp**2 / 2, rel=0.03)
        assert h.band_power_uv2["delta"] < 0.01 * amp**2
        assert h.coherence == pytest.approx(1.0, abs=1e-6)  # identical channels
        assert h.suppression_ratio == 0.0 and h.depth == "continuous"


@pytest.mark.parametrize(("ratio", "seed"), [(0.5, 21), (0.7, 22), (0.9, 23)])
def test_suppression_ratio_within_2_points_of_truth(ratio: float, seed: int) -> None:
    rec = make_burst_suppression(180.0, suppression_ratio=ratio, seed=seed)
    hops = BedEngine(FS, rec.ch_names).push(rec.to_chunk())
    errors = np.array(
        [h.suppression_ratio - rec.suppression_ratio_truth(h.t_s) for h in hops if h.t_s >= 60]
    )
    assert np.max(np.abs(errors)) <= 0.02, (
        f"mean error {errors.mean():+.3f}, worst {errors[np.argmax(np.abs(errors))]:+.3f}"
    )


def test_isoelectric_record_is_suppression() -> None:
    rec = make_burst_suppression(90.0, suppression_ratio=1.0, seed=24)
    hops = BedEngine(FS, rec.ch_names).push(rec.to_chunk())
    assert hops[-1].suppression_ratio > 0.98
    assert hops[-1].depth == "suppression"


# ------------------------------------------------------------------ bad samples, gaps


def test_nan_samples_mark_channels_bad_and_raise_a_quality_alert() -> None:
    rec = make_burst_suppression(60.0, suppression_ratio=0.0, seed=31)
    data = rec.data_uv.copy()
    bad = [rec.ch_names.index(c) for c in ("Fp1", "F7", "T3", "F3", "C3", "P3")]
    data[bad, int(30 * FS) : int(40 * FS)] = np.nan
    engine = BedEngine(FS, rec.ch_names)
    hops = run(engine, Chunk(data, 0.0, FS, rec.ch_names).split(int(7 * FS)))
    during = [h for h in hops if 33 <= h.t_s <= 40]
    clean = [h for h in hops if h.t_s <= 29 or h.t_s >= 50]
    assert all(h.n_good_channels < len(engine.ch_names) for h in during)
    assert all(h.n_good_channels == len(engine.ch_names) for h in clean)
    assert any(a.kind == "signal_quality" for h in hops for a in h.alerts)
    for h in hops:
        assert math.isfinite(h.line_length) and math.isfinite(h.rms_uv)
        assert math.isfinite(h.coherence)


def test_flat_channels_are_not_good() -> None:
    rec = make_burst_suppression(30.0, suppression_ratio=0.0, seed=32)
    data = rec.data_uv.copy()
    # two flat electrodes: every derivation that holds one of them is bad (P7-O1 and
    # C3-P3 carry only P7 and C3, and P3-O1 is flat), 15 of 18 left (issue 11)
    data[rec.ch_names.index("O1")] = 7.0
    data[rec.ch_names.index("P3")] = 7.0
    engine = BedEngine(FS, rec.ch_names)
    hops = engine.push(Chunk(data, 0.0, FS, rec.ch_names))
    assert all(h.n_good_channels == 15 for h in hops)
    quality = [a for h in hops for a in h.alerts if a.kind == "signal_quality"]
    assert quality and quality[0].details["causes"] == {"O1": "flat", "P3": "flat"}
    names = tuple(f"ch{i}" for i in range(19))  # no montage: the constant channel itself
    hops = BedEngine(FS, names).push(Chunk(data, 0.0, FS, names))
    assert all(h.n_good_channels == 17 for h in hops)


def test_gap_restarts_the_stages() -> None:
    rec = make_burst_suppression(60.0, suppression_ratio=0.0, seed=33)
    first = Chunk(np.ascontiguousarray(rec.data_uv[:, : int(30 * FS)]), 0.0, FS, rec.ch_names)
    second = Chunk(
        np.ascontiguousarray(rec.data_uv[:, int(30 * FS) :]), 100.0, FS, rec.ch_names,
        gap_before=True,
    )  # fmt: skip
    engine = BedEngine(FS, rec.ch_names)
    hops = engine.push(first) + engine.push(second)
    assert engine.n_gaps == 1
    after = [h.t_s for h in hops if h.t_s > 30]
    assert after[0] == pytest.approx(102.0)  # a whole new window after the gap
    assert not any(30 < t < 102 for t in after)


# ------------------------------------------------------------------ set-up and outputs


def test_a_real_bed_montage_and_coherence_pairs() -> None:
    engine = BedEngine(FS, DEFAULT_CHANNELS_19)
    assert engine.montage.kind == "double_banana" and len(engine.ch_names) == 18
    assert engine.coherence_kind == "homologous" and len(engine.pairs) == 8
    settings = engine.settings()
    assert settings["montage"] == "double_banana" and settings["sfreq_hz"] == FS
    assert settings["window_s"] == 2.0 and settings["hop_s"] == 1.0


def test_unknown_names_use_neighbouring_pairs() -> None:
    names = tuple(f"ch{i:02d}" for i in range(1, 32))
    engine = BedEngine(100.0, names)
    assert engine.montage.kind == "as_given" and engine.coherence_kind == "neighbouring"
    assert len(engine.pairs) == 30


def test_unknown_unit_gives_no_suppression_ratio() -> None:
    rec = make_burst_suppression(30.0, suppression_ratio=0.8, seed=34)
    chunk = Chunk(rec.data_uv, 0.0, FS, rec.ch_names, unit_known=False)
    hops = BedEngine(FS, rec.ch_names, unit_known=False).push(chunk)
    assert all(math.isnan(h.suppression_ratio) and h.depth == "unknown" for h in hops)


def test_trend_row_matches_the_columns_and_contract() -> None:
    rec = make_burst_suppression(10.0, seed=35)
    hop = BedEngine(FS, rec.ch_names).push(rec.to_chunk())[-1]
    assert HopResult.TREND_COLUMNS[: len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS
    row = hop.trend_row()
    assert len(row) == len(HopResult.TREND_COLUMNS)
    assert row[0] == 10.0 and row[4] in (0, 1)
    d = hop.to_dict()
    assert set(CONTRACT_COLUMNS) <= set(d)


def test_engine_rejects_another_rate() -> None:
    engine = BedEngine(FS, ("ch01", "ch02"))
    with pytest.raises(ValueError, match="rate"):
        engine.push(Chunk(np.zeros((2, 10)), 0.0, 128.0, ("ch01", "ch02")))


def test_other_window_layout_takes_the_general_path() -> None:
    # 2.5-s windows every 1 s: windows and hops share no block; results still agree
    rec = make_burst_suppression(40.0, suppression_ratio=0.6, seed=36)
    cfg = EngineConfig(window_s=2.5, hop_s=1.0)
    whole = run(BedEngine(FS, rec.ch_names, config=cfg), [rec.to_chunk()])
    chunked = run(BedEngine(FS, rec.ch_names, config=cfg), rec.to_chunk().split(1000))
    assert_same_hops(whole, chunked)
    assert whole[0].t_s == pytest.approx(2.5)
