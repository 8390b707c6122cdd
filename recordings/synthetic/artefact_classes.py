"""Window-level artefacts with known times, for :mod:`detectors.artefacts` (issue 11).

Each function adds one artefact to a copy of ``(n_channels, n_samples)`` µV data over
``[start_s, stop_s)`` and is deterministic given ``seed``:

- :func:`add_chewing`: EMG bursts (20-100 Hz broadband noise, 0.3-s bursts at 1.5 /s)
  on the frontotemporal electrodes (temporalis, masseter), RMS ``amplitude_uv``;
- :func:`add_muscle_bursts`: the same bursts at any rate (chewing at 1-2 /s,
  shivering faster) on chosen electrodes, every one by default;
- :func:`add_emg`: continuous EMG, largest frontotemporally (weight 1), 0.3 elsewhere;
- :func:`add_gain_clip`: an amplifier gain step (×``gain``) into a ± ``rail_uv`` rail
  on every electrode;
- :func:`add_jump`: a step of ± ``amplitude_uv`` (10 mV) held on every electrode;
- :func:`add_ecg`: QRS-like biphasic spikes (30 ms) at ``rate_bpm`` with 3 % jitter,
  gain +1 on the left, -1 on the right, ``amplitude_uv`` peak;
- :func:`add_mechanical`: a sine at ``freq_hz`` with one phase on every electrode and
  per-electrode gain 0.5-1.5 (a bed, a ventilator);
- :func:`add_fast_seizure_onset`: low-voltage fast activity (a 25 → 15 Hz chirp,
  growing) on ``channels``: the onset rhythm of many seizures (spectral peak).

References: Tatum et al., J Clin Neurophysiol 2011;28:252-263 (artefacts);
Goncharova et al., Clin Neurophysiol 2003;114:1580-1593 (EMG spectra).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from rse_monitor.recordings.synthetic._common import band_amplitude, rfft_freqs, shaped_noise, taper

__all__ = [
    "FRONTOTEMPORAL_19",
    "add_chewing",
    "add_ecg",
    "add_emg",
    "add_fast_seizure_onset",
    "add_gain_clip",
    "add_jump",
    "add_mechanical",
    "add_muscle_bursts",
]

FloatArray = NDArray[np.float64]
FRONTOTEMPORAL_19 = ("Fp1", "Fp2", "F7", "F8", "T3", "T4", "T5", "T6")


def _span(x: FloatArray, fs: float, start_s: float, stop_s: float) -> slice:
    i0, i1 = int(round(start_s * fs)), int(round(stop_s * fs))
    if not 0 <= i0 < i1 <= x.shape[1]:
        raise ValueError(f"interval [{start_s}, {stop_s}) s is outside the data")
    return slice(i0, i1)


def _emg(rng: np.random.Generator, n_rows: int, n: int, fs: float) -> FloatArray:
    return shaped_noise(
        rng, n_rows, n, band_amplitude(rfft_freqs(n, fs), 20.0, min(100, 0.45 * fs))
    )


def add_muscle_bursts(
    x: FloatArray,
    fs: float,
    ch_names: Sequence[str],
    start_s: float,
    stop_s: float,
    rate_hz: float,
    amplitude_uv: float = 100.0,
    channels: Sequence[str] | None = None,
    seed: int = 0,
) -> FloatArray:
    """EMG on ``channels`` (default every one) gated into bursts at ``rate_hz``: on while
    ``sin(2π rate t) > 0.1``, a little under half of each cycle."""
    rng = np.random.default_rng(seed)
    sl = _span(x, fs, start_s, stop_s)
    n = sl.stop - sl.start
    names = list(ch_names)
    idx = list(range(len(names))) if channels is None else [
        i for i, c in enumerate(names) if c in channels
    ]  # fmt: skip
    t = np.arange(n) / fs
    gate = (np.sin(2 * np.pi * rate_hz * t) > 0.1).astype(float)
    out = x.copy()
    out[idx, sl] += amplitude_uv * _emg(rng, len(idx), n, fs) * gate
    return out


def add_chewing(
    x: FloatArray,
    fs: float,
    ch_names: Sequence[str],
    start_s: float,
    stop_s: float,
    amplitude_uv: float = 60.0,
    seed: int = 0,
) -> FloatArray:
    """Muscle bursts at 1.5 /s (~0.3 s each) on the frontotemporal electrodes."""
    return add_muscle_bursts(x, fs, ch_names, start_s, stop_s, 1.5, amplitude_uv,
                             FRONTOTEMPORAL_19, seed)  # fmt: skip


def add_emg(
    x: FloatArray,
    fs: float,
    ch_names: Sequence[str],
    start_s: float,
    stop_s: float,
    amplitude_uv: float = 30.0,
    seed: int = 0,
) -> FloatArray:
    rng = np.random.default_rng(seed)
    sl = _span(x, fs, start_s, stop_s)
    n = sl.stop - sl.start
    w = np.array([1.0 if c in FRONTOTEMPORAL_19 else 0.3 for c in ch_names])
    out = x.copy()
    out[:, sl] += (
        amplitude_uv * w[:, None] * _emg(rng, len(ch_names), n, fs) * taper(n, int(0.2 * fs))
    )
    return out


def add_gain_clip(
    x: FloatArray,
    fs: float,
    start_s: float,
    stop_s: float,
    gain: float = 8.0,
    rail_uv: float = 250.0,
) -> FloatArray:
    sl = _span(x, fs, start_s, stop_s)
    out = x.copy()
    out[:, sl] = np.clip(gain * out[:, sl], -rail_uv, rail_uv)
    return out


def add_jump(
    x: FloatArray,
    fs: float,
    start_s: float,
    stop_s: float,
    amplitude_uv: float = 10_000.0,
    seed: int = 0,
) -> FloatArray:
    rng = np.random.default_rng(seed)
    sl = _span(x, fs, start_s, stop_s)
    out = x.copy()
    out[:, sl] += amplitude_uv * rng.choice((-1.0, 1.0), x.shape[0])[:, None]
    return out


def add_ecg(
    x: FloatArray,
    fs: float,
    ch_names: Sequence[str],
    start_s: float,
    stop_s: float,
    amplitude_uv: float = 20.0,
    rate_bpm: float = 75.0,
    seed: int = 0,
) -> FloatArray:
    rng = np.random.default_rng(seed)
    sl = _span(x, fs, start_s, stop_s)
    n = sl.stop - sl.start
    beats: list[float] = []
    t_b = float(rng.uniform(0, 60.0 / rate_bpm))
    while t_b < n / fs:
        beats.append(t_b)
        t_b += 60.0 / rate_bpm * (1 + 0.03 * float(rng.standard_normal()))
    k = np.arange(-int(0.02 * fs), int(0.02 * fs) + 1) / fs
    qrs = -np.diff(np.exp(-0.5 * (k / 0.006) ** 2), prepend=0.0)  # biphasic, ~30 ms
    qrs *= 1.0 / np.abs(qrs).max()
    trace = np.zeros(n)
    for b in beats:
        i = int(b * fs)
        lo, hi = max(0, i - len(k) // 2), min(n, i + len(k) // 2 + 1)
        trace[lo:hi] += qrs[lo - (i - len(k) // 2) : hi - (i - len(k) // 2)]
    side = np.array([-1.0 if c[-1:].isdigit() and int(c[-1]) % 2 == 0 else 1.0 for c in ch_names])
    gain = side * rng.uniform(0.5, 1.5, len(ch_names))
    out = x.copy()
    out[:, sl] += amplitude_uv * gain[:, None] * trace[None, :]
    return out


def add_mechanical(
    x: FloatArray,
    fs: float,
    start_s: float,
    stop_s: float,
    freq_hz: float = 15.0,
    amplitude_uv: float = 20.0,
    seed: int = 0,
) -> FloatArray:
    rng = np.random.default_rng(seed)
    sl = _span(x, fs, start_s, stop_s)
    n = sl.stop - sl.start
    gain = np.asarray(rng.uniform(0.5, 1.5, size=x.shape[0]))
    wave = np.sin(2 * np.pi * freq_hz * np.arange(n) / fs + rng.uniform(0, 2 * np.pi))
    out = x.copy()
    out[:, sl] += amplitude_uv * gain[:, None] * (wave * taper(n, int(0.2 * fs)))[None, :]
    return out


def add_fast_seizure_onset(
    x: FloatArray,
    fs: float,
    ch_names: Sequence[str],
    start_s: float,
    stop_s: float,
    channels: Sequence[str],
    amplitude_uv: float = 40.0,
    seed: int = 0,
) -> FloatArray:
    rng = np.random.default_rng(seed)
    sl = _span(x, fs, start_s, stop_s)
    n = sl.stop - sl.start
    u = np.arange(n) / n
    f = 25.0 - 10.0 * u  # Hz, slowing: evolution
    phase = 2 * np.pi * np.cumsum(f) / fs
    env = amplitude_uv * (0.4 + 0.6 * u) * taper(n, int(0.5 * fs))
    out = x.copy()
    for c in channels:
        i = list(ch_names).index(c)
        out[i, sl] += env * rng.uniform(0.8, 1.2) * np.sin(phase + rng.uniform(-0.3, 0.3))
    return out
