"""Anaesthetic burst suppression with an exactly known suppression share.

:func:`burst_suppression_schedule` draws burst and inter-burst intervals whose
suppressed share is exact; :func:`make_burst_suppression` fills them with generalized
bursts over a flat floor, plus line noise, ECG spikes and an optional bad electrode;
:func:`burst_envelope` is the per-sample burst gain the streaming generator reuses.

References
----------
.. [1] Hirsch LJ et al. American Clinical Neurophysiology Society's Standardized
   Critical Care EEG Terminology: 2021 Version. J Clin Neurophysiol 2021;38:1-29
   (burst suppression: suppression < 10 µV for >= 50 % of the record; bursts of
   0.5-30 s; minimum suppression duration 0.5 s in this project).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from rse_monitor.pipeline.checks import positive
from rse_monitor.recordings.synthetic._common import (
    KEY_ARTEFACT_CHANNEL,
    KEY_BACKGROUND,
    KEY_BURST_CONTENT,
    KEY_ECG,
    KEY_FLOOR,
    KEY_LINE,
    KEY_SCHEDULE,
    BoolArray,
    FloatArray,
    SeedLike,
    band_amplitude,
    channel_indices,
    check_ch_names,
    check_line_hz,
    check_nonneg,
    check_ratio,
    check_sfreq,
    child_rng,
    gaussian_bump,
    line_noise,
    n_samples_of,
    pop_train,
    rfft_freqs,
    seed_sequence,
    shaped_noise,
)
from rse_monitor.recordings.synthetic.background import background_unit
from rse_monitor.recordings.synthetic.layout import DEFAULT_CHANNELS_19
from rse_monitor.recordings.synthetic.recording import SyntheticRecording

__all__ = [
    "BURST_RAMP_S",
    "burst_envelope",
    "burst_suppression_schedule",
    "make_burst_suppression",
]

MIN_BURST_S = 0.5  # shortest burst (ACNS 2021)
BURST_RAMP_S = 0.15  # raised-cosine onset and offset of a burst


def burst_suppression_schedule(
    n_samples: int,
    sfreq_hz: float,
    suppression_ratio: float,
    seed: SeedLike = 0,
    *,
    burst_mean_s: float = 1.5,
    min_suppression_s: float = 0.5,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Burst intervals (sample indices) whose complement is exactly the requested share.

    ``N`` bursts and ``N`` inter-burst intervals (IBIs) are drawn as minimum plus a
    lognormal excess (σ_log 0.4; minimum 0.5 s for both, the
    ACNS 2021 minimum burst and this project's minimum suppression [1]_) with means
    ``b̄ = burst_mean_s`` and ``s̄ = b̄ r / (1 - r)``. When ``s̄`` would fall below
    1.6 × ``min_suppression_s`` (low ratios), ``s̄`` is held there and ``b̄ = s̄ (1-r)/r``
    instead (bursts lengthen towards continuous activity). ``N = round(T / (b̄ + s̄))``.
    The excesses are then rescaled so that the IBIs sum to exactly ``r T`` and the
    bursts to ``(1 - r) T``; one IBI is split between the record's start and end at a
    uniform random point, so the record starts and ends mid-suppression. Because the
    durations are iid, every window of several cycles has a ratio near ``r``; the
    whole-record ratio is exact up to sample rounding.

    Parameters
    ----------
    n_samples : int
        Record length in samples.
    sfreq_hz : float
        Sampling rate in Hz.
    suppression_ratio : float
        Target share ``r`` in [0, 1]; 0 gives one burst covering the record, 1 none.
    seed : int, numpy Generator or SeedSequence
        Random seed.
    burst_mean_s : float
        Mean burst duration ``b̄`` in seconds (>= 0.5).
    min_suppression_s : float
        Minimum inter-burst interval in seconds (> 0).

    Returns
    -------
    starts, ends : ndarray of int64, shape (n_bursts,)
        Burst ``k`` covers samples ``starts[k]:ends[k]``; sorted, non-overlapping.
    """
    fs = check_sfreq(sfreq_hz)
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
    r = check_ratio(suppression_ratio)
    if not (burst_mean_s >= MIN_BURST_S and math.isfinite(burst_mean_s)):
        raise ValueError(f"burst_mean_s must be >= {MIN_BURST_S} s, got {burst_mean_s!r}")
    positive("min_suppression_s", min_suppression_s)
    empty = np.zeros(0, dtype=np.int64)
    if r >= 1.0:
        return empty, empty
    if r <= 0.0:
        return np.array([0], dtype=np.int64), np.array([n_samples], dtype=np.int64)
    rng = (
        seed
        if isinstance(seed, np.random.Generator)
        else child_rng(seed_sequence(seed), KEY_SCHEDULE)
    )
    total_s = n_samples / fs
    mean_b = float(burst_mean_s)
    mean_s = mean_b * r / (1.0 - r)
    if mean_s < 1.6 * min_suppression_s:
        mean_s = 1.6 * min_suppression_s
        mean_b = mean_s * (1.0 - r) / r
    n_cycles = int(round(total_s / (mean_b + mean_s)))
    n_cycles = min(
        n_cycles,
        int(r * total_s / min_suppression_s),
        int((1.0 - r) * total_s / MIN_BURST_S),
    )
    min_s, min_b = min_suppression_s, MIN_BURST_S
    if n_cycles < 1:  # record too short for the minima: one burst, minima waived
        n_cycles, min_s, min_b = 1, 0.0, 0.0
    bursts = _scaled_durations(rng, n_cycles, mean_b, min_b, 0.4, (1.0 - r) * total_s)
    ibis = _scaled_durations(rng, n_cycles, mean_s, min_s, 0.4, r * total_s)
    lead = rng.uniform() * ibis[-1]
    # Sequence: lead, b0, s0, b1, s1, ..., b_{N-1}, (ibis[-1] - lead).
    cycle = bursts + np.concatenate((ibis[:-1], [0.0]))
    starts_s = lead + np.concatenate(([0.0], np.cumsum(cycle[:-1])))
    ends_s = starts_s + bursts
    starts = np.round(starts_s * fs).astype(np.int64)
    ends = np.minimum(np.round(ends_s * fs).astype(np.int64), n_samples)
    keep = ends > starts
    return starts[keep], ends[keep]


def _scaled_durations(
    rng: np.random.Generator, n: int, mean_s: float, min_s: float, sigma: float, total_s: float
) -> FloatArray:
    """``n`` durations ``min + lognormal excess``, excess rescaled so the sum is ``total_s``."""
    excess_mean = max(mean_s - min_s, 1e-3)
    mu = math.log(excess_mean) - 0.5 * sigma**2
    excess = rng.lognormal(mu, sigma, n)
    return min_s + excess * ((total_s - n * min_s) / excess.sum())


def burst_envelope(
    idx: NDArray[np.int64],
    starts: NDArray[np.int64],
    ends: NDArray[np.int64],
    gains: FloatArray,
    ramp_n: int,
) -> tuple[FloatArray, BoolArray]:
    """Per-sample burst gain with raised-cosine ramps, and the in-burst mask.

    ``idx`` are absolute sample indices (any order); burst ``k`` spans
    ``starts[k]:ends[k]`` with gain ``gains[k]`` and ramps of
    ``min(ramp_n, length // 4)`` samples at both ends.
    """
    if starts.size == 0:
        return np.zeros(idx.shape), np.zeros(idx.shape, dtype=bool)
    k = np.searchsorted(starts, idx, side="right") - 1
    kc = np.clip(k, 0, None)
    inside = (k >= 0) & (idx < ends[kc])
    s, e = starts[kc], ends[kc]
    ramp = np.maximum(np.minimum(ramp_n, (e - s) // 4), 1)
    x = np.minimum(idx - s + 0.5, e - idx - 0.5) / ramp
    taper = np.sin(0.5 * np.pi * np.clip(x, 0.0, 1.0)) ** 2
    return np.where(inside, gains[kc] * taper, 0.0), inside


def _burst_content(
    rng: np.random.Generator, n_ch: int, n_samples: int, sfreq_hz: float
) -> FloatArray:
    """Generalized burst activity, unit RMS per channel.

    Spectrum: sum of Gaussian peaks (amplitude weights) at delta 1.5 Hz (σ 1.0, weight
    1.0), theta 5 Hz (σ 1.2, 0.55), alpha 10 Hz (σ 1.0, 0.35) and spindle 13 Hz
    (σ 0.6, 0.4); 85 % of the variance is common to all channels (bursts are
    generalized), per-channel gain 0.8-1.2.
    """
    freqs = rfft_freqs(n_samples, sfreq_hz)
    shape = (
        gaussian_bump(freqs, 1.5, 1.0)
        + 0.55 * gaussian_bump(freqs, 5.0, 1.2)
        + 0.35 * gaussian_bump(freqs, 10.0, 1.0)
        + 0.4 * gaussian_bump(freqs, 13.0, 0.6)
    )
    shape[0] = 0.0
    src = shaped_noise(rng, n_ch + 1, n_samples, shape)
    x = math.sqrt(0.85) * src[0] + math.sqrt(0.15) * src[1:]
    x /= np.sqrt(np.mean(x * x, axis=-1, keepdims=True))
    return x * rng.uniform(0.8, 1.2, n_ch)[:, None]


def _qrs_template(sfreq_hz: float) -> FloatArray:
    """QRS complex sampled at ``sfreq_hz``, peak exactly 1 at the centre sample.

    Sum of Gaussians: Q (-0.15, -11 ms, σ 3.5 ms), R (1, 0 ms, σ 4 ms, so about 9 ms
    full width at half maximum), S (-0.35, +11 ms, σ 4.5 ms); about 30 ms overall.
    """
    half = max(1, int(math.ceil(0.03 * sfreq_hz)))
    t_ms = np.arange(-half, half + 1) / sfreq_hz * 1000.0
    q = -0.15 * np.exp(-0.5 * ((t_ms + 11.0) / 3.5) ** 2)
    r = np.exp(-0.5 * (t_ms / 4.0) ** 2)
    s = -0.35 * np.exp(-0.5 * ((t_ms - 11.0) / 4.5) ** 2)
    tmpl = q + r + s
    return tmpl / tmpl[half]


def _ecg_trace(rng: np.random.Generator, n_samples: int, sfreq_hz: float) -> FloatArray:
    """Unit-peak QRS train, heart rate drawn in 70-80 bpm, RR jitter 3 % (iid Gaussian)."""
    rate_bpm = rng.uniform(70.0, 80.0)
    rr_s = 60.0 / rate_bpm
    duration_s = n_samples / sfreq_hz
    n_beats = int(duration_s / (0.8 * rr_s)) + 2
    rr = rr_s * (1.0 + 0.03 * rng.standard_normal(n_beats))
    beats_s = rng.uniform(0, rr_s) + np.concatenate(([0.0], np.cumsum(rr[:-1])))
    idx = np.round(beats_s * sfreq_hz).astype(np.int64)
    idx = idx[idx < n_samples]
    train = np.zeros(n_samples)
    train[idx] = 1.0
    return np.convolve(train, _qrs_template(sfreq_hz), mode="same")


def _continuous_artefact(rng: np.random.Generator, n_samples: int, sfreq_hz: float) -> FloatArray:
    """Bad-electrode trace: pops (0.5 /s, 100-300 µV) + slow sway (40 µV RMS) + EMG (15 µV)."""
    freqs = rfft_freqs(n_samples, sfreq_hz)
    slow = shaped_noise(rng, 1, n_samples, band_amplitude(freqs, 0.2, 2.0))[0]
    high_hz = min(70.0, 0.45 * sfreq_hz)
    emg_band = band_amplitude(freqs, min(20.0, high_hz / 2), high_hz)
    emg = shaped_noise(rng, 1, n_samples, emg_band)[0]
    pops = pop_train(rng, n_samples, sfreq_hz, 0.5, (100.0, 300.0), first_at_start=False)
    return 40.0 * slow + 15.0 * emg + pops


def make_burst_suppression(
    duration_s: float = 600.0,
    sfreq_hz: float = 256.0,
    ch_names: Sequence[str] = DEFAULT_CHANNELS_19,
    suppression_ratio: float = 0.7,
    seed: SeedLike = 0,
    floor_rms_uv: float = 2.0,
    line_noise_uv: float = 5.0,
    line_noise_hz: float | None = 50.0,
    ecg_uv: float = 15.0,
    ecg_channels: Sequence[str] = ("T3", "T4", "T5", "T6"),
    artefact_channel: str | None = None,
    *,
    burst_mean_s: float = 1.5,
    min_suppression_s: float = 0.5,
    background_uv: float = 30.0,
) -> SyntheticRecording:
    """Anaesthetic burst suppression with an exactly known suppression share.

    Signal::

        x = floor + Σ_bursts g_k taper_k(t) B(t) + line + ECG (+ artefact)

    - schedule: :func:`burst_suppression_schedule` (suppressions = the complement of
      the bursts, each inter-burst interval >= ``min_suppression_s``); the share of
      suppressed samples over the record equals ``suppression_ratio`` up to sample
      rounding, and is stationary;
    - floor: white Gaussian noise, RMS ``floor_rms_uv`` (independent per channel),
      present throughout;
    - bursts ``B``: generalized mixed delta/theta/alpha/spindle activity (see
      ``_burst_content``), per-burst RMS ``g_k`` drawn in 20-80 µV (peaks about
      50-200 µV), raised-cosine onset and offset ramps of ``min(0.15 s, length/4)``;
    - ``suppression_ratio = 0``: continuous :func:`background` of RMS ``background_uv``
      instead of bursts (no suppression, ``bursts`` empty); ``= 1``: floor only
      (isoelectric);
    - line noise: ``line_noise_uv · sin(2π f t + φ + δ_c)`` on every channel
      (``δ_c`` in ±0.15 rad);
    - ECG: QRS complexes (R about 9 ms FWHM, peak exactly ``ecg_uv``) at 70-80 bpm with
      3 % RR jitter on ``ecg_channels`` only;
    - ``artefact_channel``: a continuously bad electrode (pops of 100-300 µV at 0.5 /s,
      40 µV RMS sway below 2 Hz, 15 µV RMS EMG), logged in ``artefacts`` as
      ``(0, duration, "electrode_pop")``.

    Parameters
    ----------
    duration_s, sfreq_hz, ch_names
        Record length (s), rate (Hz), channel names.
    suppression_ratio : float
        Target suppressed share in [0, 1] (ACNS 2021 [1]_: > 0.5 is burst suppression).
    seed : int, numpy Generator or SeedSequence
        Random seed; each component has its own stream.
    floor_rms_uv : float
        RMS of the suppression floor in µV (1-3 µV is typical of an isoelectric EEG).
    line_noise_uv, line_noise_hz : float
        Mains amplitude (µV) and frequency (Hz; None or 0 disables).
    ecg_uv : float
        R-peak amplitude in µV (0 disables).
    ecg_channels : sequence of str
        Channels that pick up the ECG; each must be in ``ch_names``.
    artefact_channel : str or None
        One channel carrying a continuous artefact.
    burst_mean_s, min_suppression_s : float
        Schedule parameters (see :func:`burst_suppression_schedule`).
    background_uv : float
        RMS of the continuous background used when ``suppression_ratio == 0``.

    Returns
    -------
    SyntheticRecording
        With ``suppressed_mask`` (True outside bursts) and ``bursts``.
    """
    fs = check_sfreq(sfreq_hz)
    n = n_samples_of(duration_s, fs)
    names = check_ch_names(ch_names)
    r = check_ratio(suppression_ratio)
    floor_uv = check_nonneg("floor_rms_uv", floor_rms_uv)
    line_uv = check_nonneg("line_noise_uv", line_noise_uv)
    line_hz = check_line_hz(line_noise_hz, fs)
    ecg_amp = check_nonneg("ecg_uv", ecg_uv)
    bg_uv = check_nonneg("background_uv", background_uv)
    ecg_idx = channel_indices("ecg_channels", ecg_channels, names)
    art_idx = None
    if artefact_channel is not None:
        art_idx = int(channel_indices("artefact_channel", [artefact_channel], names)[0])
    n_ch = len(names)
    root = seed_sequence(seed)

    data = floor_uv * child_rng(root, KEY_FLOOR).standard_normal((n_ch, n))
    if r <= 0.0:
        data += bg_uv * background_unit(child_rng(root, KEY_BACKGROUND), n, fs, names, 1.5)
        mask = np.zeros(n, dtype=bool)
        bursts: list[tuple[float, float]] = []
    else:
        sched_rng = child_rng(root, KEY_SCHEDULE)
        starts, ends = burst_suppression_schedule(
            n, fs, r, sched_rng, burst_mean_s=burst_mean_s, min_suppression_s=min_suppression_s
        )
        gains = sched_rng.uniform(20.0, 80.0, starts.size)
        env, inside = burst_envelope(
            np.arange(n, dtype=np.int64), starts, ends, gains, int(round(BURST_RAMP_S * fs))
        )
        if starts.size:
            data += env[None, :] * _burst_content(child_rng(root, KEY_BURST_CONTENT), n_ch, n, fs)
        mask = ~inside
        bursts = [(float(s) / fs, float(e) / fs) for s, e in zip(starts, ends, strict=True)]
    if line_hz is not None and line_uv > 0:
        data += line_noise(child_rng(root, KEY_LINE), n_ch, n, fs, line_hz, line_uv)
    if ecg_amp > 0 and ecg_idx.size:
        data[ecg_idx] += ecg_amp * _ecg_trace(child_rng(root, KEY_ECG), n, fs)[None, :]
    artefacts: list[tuple[float, float, str]] = []
    artefact_channels: list[tuple[str, ...]] = []
    if art_idx is not None:
        data[art_idx] += _continuous_artefact(child_rng(root, KEY_ARTEFACT_CHANNEL), n, fs)
        artefacts.append((0.0, n / fs, "electrode_pop"))
        artefact_channels.append((names[art_idx],))
    return SyntheticRecording(
        data_uv=data,
        sfreq_hz=fs,
        ch_names=names,
        suppressed_mask=mask,
        bursts=bursts,
        artefacts=artefacts,
        artefact_channels=artefact_channels,
    )
