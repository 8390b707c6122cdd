"""Streaming preprocessing: montage choice, and chunked == batch for every stage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.pipeline.preprocess import (
    DOUBLE_BANANA,
    BipolarMontage,
    CausalFilter,
    Windower,
    design_sos,
    resolve_montage,
)

FS = 256.0
NAMES_1020 = (
    "Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz", "C4", "T8",
    "P7", "P3", "Pz", "P4", "P8", "O1", "O2",
)  # fmt: skip
OLD_NAMES = {"T7": "T3", "T8": "T4", "P7": "T5", "P8": "T6"}
BANANA_NAMES = tuple(f"{a}-{b}" for a, b in DOUBLE_BANANA)
CHBMIT_NAMES = (
    "FP1-F7", "F7-T7", "T7-P7", "P7-O1", "FP1-F3", "F3-C3", "C3-P3", "P3-O1",
    "FP2-F4", "F4-C4", "C4-P4", "P4-O2", "FP2-F8", "F8-T8", "T8-P8", "P8-O2",
    "FZ-CZ", "CZ-PZ", "P7-T7", "T7-FT9", "FT9-FT10", "FT10-T8", "T8-P8#2",
)  # fmt: skip


def noise(n_ch: int, n: int, seed: int = 0, offset_uv: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_ch, n)) * 20.0 + offset_uv


def random_splits(n: int, rng: np.random.Generator, max_size: int) -> list[int]:
    """Chunk sizes summing to n, drawn in 1..max_size, with a run of 1-sample chunks."""
    sizes: list[int] = [1] * min(n, 40)
    while sum(sizes) < n:
        sizes.append(int(min(rng.integers(1, max_size + 1), n - sum(sizes))))
    rng.shuffle(sizes)
    return sizes


def cut(chunk: Chunk, sizes: list[int]) -> list[Chunk]:
    out, start = [], 0
    for size in sizes:
        out.append(
            Chunk(
                np.ascontiguousarray(chunk.data_uv[:, start : start + size]),
                chunk.t0_s + start / chunk.sfreq_hz,
                chunk.sfreq_hz,
                chunk.ch_names,
            )
        )
        start += size
    return out


# ------------------------------------------------------------------ montage


def test_double_banana_from_1020_names() -> None:
    m = BipolarMontage(NAMES_1020)
    assert m.kind == "double_banana"
    assert m.ch_names == BANANA_NAMES
    x = noise(19, 50)
    out = m.push(Chunk(x, 3.0, FS, NAMES_1020))
    idx = {n.upper(): i for i, n in enumerate(NAMES_1020)}
    for row, (a, b) in enumerate(DOUBLE_BANANA):
        assert np.array_equal(out.data_uv[row], x[idx[a]] - x[idx[b]])
    assert out.t0_s == 3.0 and out.ch_names == BANANA_NAMES


def test_double_banana_from_old_temporal_names_and_edf_labels() -> None:
    old = tuple(f"EEG {OLD_NAMES.get(n, n)}-REF" for n in NAMES_1020)
    m = BipolarMontage(old)
    assert m.kind == "double_banana"
    assert m.ch_names == BANANA_NAMES  # T3 → T7, T5 → P7, ... in the output names
    assert ("F7", "T7") in DOUBLE_BANANA and "F7-T7" in m.ch_names


def test_bipolar_chbmit_names_kept_as_given() -> None:
    m = BipolarMontage(CHBMIT_NAMES)
    assert m.kind == "as_given" and m.ch_names == CHBMIT_NAMES
    chunk = Chunk(noise(23, 10), 0.0, FS, CHBMIT_NAMES)
    assert m.push(chunk) is chunk


def test_unknown_names_kept_as_given() -> None:
    names = tuple(f"ch{i:02d}" for i in range(1, 32))  # the Michigan recording
    assert resolve_montage(names) is None
    m = BipolarMontage(names)
    assert m.kind == "as_given" and len(m.ch_names) == 31


def test_too_few_1020_names_or_montage_off() -> None:
    assert resolve_montage(("Fp1", "F7", "T7", "C3", "Cz")) is None
    assert BipolarMontage(NAMES_1020, enabled=False).kind == "as_given"


def test_montage_rejects_other_channels() -> None:
    m = BipolarMontage(NAMES_1020)
    with pytest.raises(ValueError, match="do not match"):
        m.push(Chunk(noise(19, 5), 0.0, FS, tuple(reversed(NAMES_1020))))


# ------------------------------------------------------------------ causal filter


@pytest.mark.parametrize("seed", range(3))
def test_filter_chunked_equals_batch(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = noise(4, 3000, seed, offset_uv=40.0)
    whole = CausalFilter(FS, 4).push(Chunk(x, 0.0, FS, ("a", "b", "c", "d"))).data_uv
    f = CausalFilter(FS, 4)
    parts = [f.push(c).data_uv for c in cut(Chunk(x, 0.0, FS, ("a", "b", "c", "d")),
                                            random_splits(3000, rng, 400))]  # fmt: skip
    assert np.allclose(np.concatenate(parts, axis=1), whole, rtol=0, atol=1e-9)


def test_filter_response_passes_alpha_removes_mains_and_dc() -> None:
    n = int(20 * FS)
    t = np.arange(n) / FS
    x = 100.0 + 10 * np.sin(2 * np.pi * 10 * t) + 10 * np.sin(2 * np.pi * 50 * t)
    y = CausalFilter(FS, 1, notch_hz=50.0).push(Chunk(x[None], 0.0, FS, ("a",))).data_uv[0]
    tail = y[int(10 * FS) :]  # after the transients
    ref = 10 * np.sin(2 * np.pi * 10 * t[int(10 * FS) :])
    assert np.sqrt(np.mean(tail**2)) == pytest.approx(10 / np.sqrt(2), rel=0.03)
    # what is left besides the 10-Hz sine (gain/phase aside) is small
    fit = np.linalg.lstsq(
        np.stack([np.sin(2 * np.pi * 10 * t[int(10 * FS):]),
                  np.cos(2 * np.pi * 10 * t[int(10 * FS):])], 1), tail, rcond=None)  # fmt: skip
    resid = tail - np.stack([np.sin(2 * np.pi * 10 * t[int(10 * FS):]),
                             np.cos(2 * np.pi * 10 * t[int(10 * FS):])], 1) @ fit[0]  # fmt: skip
    assert np.sqrt(np.mean(resid**2)) < 0.05 * np.sqrt(np.mean(ref**2))


def test_filter_is_scipy_sosfilt_seeded_with_the_first_sample() -> None:
    x = noise(2, 1000, 3, offset_uv=-70.0)
    sos = design_sos(FS)
    zi = signal.sosfilt_zi(sos)[:, None, :] * x[:, 0][None, :, None]
    ref, _ = signal.sosfilt(sos, x, axis=-1, zi=zi)
    out = CausalFilter(FS, 2).push(Chunk(x, 0.0, FS, ("a", "b"))).data_uv
    assert np.allclose(out, ref, rtol=0, atol=1e-12)


def test_filter_restarts_after_a_gap() -> None:
    x = noise(2, 2000, 4, offset_uv=30.0)
    names = ("a", "b")
    f = CausalFilter(FS, 2)
    f.push(Chunk(x[:, :1000], 0.0, FS, names))
    after_gap = f.push(Chunk(x[:, 1000:], 10.0, FS, names, gap_before=True)).data_uv
    fresh = CausalFilter(FS, 2).push(Chunk(x[:, 1000:], 10.0, FS, names)).data_uv
    assert np.array_equal(after_gap, fresh)


def test_filter_replaces_nan_and_counts_it() -> None:
    x = noise(2, 500, 5)
    x[1, 100:150] = np.nan
    out = CausalFilter(FS, 2).push(Chunk(x, 0.0, FS, ("a", "b")))
    assert np.isfinite(out.data_uv).all()
    assert out.meta["n_nonfinite"] == 50


def test_filter_at_low_rate_drops_notch_above_nyquist() -> None:
    sos = design_sos(100.0, notch_hz=60.0)  # 60 Hz > 50 Hz Nyquist: band-pass only
    assert sos.shape[0] == 4
    with pytest.raises(ValueError, match="l_freq_hz"):
        design_sos(100.0, l_freq_hz=50.0)


# ------------------------------------------------------------------ windower


def windows_of(w: Windower, chunks: list[Chunk]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data, raw, ends = [], [], []
    for c in chunks:
        b = w.push(c, raw=Chunk(c.data_uv * 2.0, c.t0_s, c.sfreq_hz, c.ch_names))
        assert b.data_uv.shape == (len(b), w.n_channels, w.n_window)
        if len(b):  # the windows are views of the span they cover
            for k in range(len(b)):
                sl = slice(k * b.n_hop, k * b.n_hop + w.n_window)
                assert np.array_equal(b.data_uv[k], b.span_uv[:, sl])
                assert np.array_equal(b.raw_uv[k], b.raw_span_uv[:, sl])
        data.append(np.array(b.data_uv))
        raw.append(np.array(b.raw_uv))
        ends.append(b.t_end_s)
    return np.concatenate(data), np.concatenate(raw), np.concatenate(ends)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    window_s=st.sampled_from([2.0, 1.0, 0.5]),
    hop_frac=st.sampled_from([0.5, 1.0, 0.37]),
)
def test_windower_chunked_equals_batch(seed: int, window_s: float, hop_frac: float) -> None:
    fs = 100.0
    rng = np.random.default_rng(seed)
    n = 1500
    x = noise(3, n, seed)
    chunk = Chunk(x, 1.5, fs, ("a", "b", "c"))
    hop_s = window_s * hop_frac
    whole = windows_of(Windower(fs, 3, window_s, hop_s), [chunk])
    parts = windows_of(Windower(fs, 3, window_s, hop_s), cut(chunk, random_splits(n, rng, 300)))
    for a, b in zip(whole, parts, strict=True):
        assert np.array_equal(a, b)
    w = Windower(fs, 3, window_s, hop_s)
    assert len(whole[2]) == (n - w.n_window) // w.n_hop + 1
    expected_ends = 1.5 + (w.n_window + w.n_hop * np.arange(len(whole[2]))) / fs
    assert np.allclose(whole[2], expected_ends)
    assert np.array_equal(whole[0][0], x[:, : w.n_window])
    assert np.array_equal(whole[1][0], 2.0 * x[:, : w.n_window])


def test_windower_restarts_after_a_gap() -> None:
    names = ("a",)
    w = Windower(FS, 1)
    first = w.push(Chunk(noise(1, 700), 0.0, FS, names))
    assert len(first) == 1 and not first.after_gap
    b = w.push(Chunk(noise(1, 600, 1), 100.0, FS, names, gap_before=True))
    assert b.after_gap and len(b) == 1
    assert b.t_end_s[0] == pytest.approx(100.0 + 512 / FS)


def test_windower_keeps_only_a_window_of_samples() -> None:
    w = Windower(FS, 2)
    for k in range(50):
        w.push(Chunk(noise(2, 1000, k), k * 1000 / FS, FS, ("a", "b")))
        assert w._tail.shape[1] <= w.n_window


def test_windower_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="hop_s"):
        Windower(FS, 2, window_s=1.0, hop_s=2.0)
    with pytest.raises(ValueError, match="channels"):
        Windower(FS, 2).push(Chunk(noise(3, 10), 0.0, FS, ("a", "b", "c")))
