"""Seizures: background plus evolving rhythmic spike-and-wave discharges.

:func:`make_seizure_recording` adds, in known intervals, discharges that slow in
frequency and grow in amplitude (generalized, or focal with spread), followed by
post-ictal attenuation of the background.

References
----------
.. [1] Hirsch LJ et al. American Clinical Neurophysiology Society's Standardized
   Critical Care EEG Terminology: 2021 Version. J Clin Neurophysiol 2021;38:1-29
   (evolving rhythmic discharges: frequency slowing and amplitude growth).
.. [3] Fisher RS et al. Operational classification of seizure types by the ILAE.
   Epilepsia 2017;58:522-530.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rse_monitor.pipeline.checks import fraction, positive
from rse_monitor.recordings.synthetic._common import (
    KEY_BACKGROUND,
    KEY_ICTAL,
    KEY_LINE,
    FloatArray,
    SeedLike,
    channel_indices,
    check_ch_names,
    check_line_hz,
    check_nonneg,
    check_sfreq,
    child_rng,
    line_noise,
    n_samples_of,
    seed_sequence,
    taper,
)
from rse_monitor.recordings.synthetic.background import background_unit
from rse_monitor.recordings.synthetic.layout import (
    DEFAULT_CHANNELS_19,
    distance_matrix,
    field_distance,
)
from rse_monitor.recordings.synthetic.recording import SyntheticRecording

__all__ = ["make_seizure_recording"]


def _smoothstep(x: FloatArray) -> FloatArray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _spike_wave(phase: FloatArray) -> FloatArray:
    """Spike-and-wave cycle as a function of phase (radians), zero mean, unit RMS.

    A narrow von Mises pulse (the spike, κ = 20, 0.8 of the wave height) followed at
    0.4 cycle by a broad one (the slow wave, κ = 1); both surface-negative. The sharp
    spike carries the harmonics (2nd harmonic about 0.6 of the fundamental in
    amplitude); the slow wave keeps the fundamental dominant.
    """
    grid = np.linspace(0, 2 * np.pi, 2048, endpoint=False)

    def raw(ph: FloatArray) -> FloatArray:
        spike = 0.8 * np.exp(20.0 * (np.cos(ph) - 1.0))
        wave = np.exp(np.cos(ph - 0.8 * np.pi) - 1.0)
        return -(spike + wave)

    ref = raw(grid)
    mean = ref.mean()
    rms = np.sqrt(np.mean((ref - mean) ** 2))
    return (raw(phase) - mean) / rms


def make_seizure_recording(
    duration_s: float = 600.0,
    sfreq_hz: float = 256.0,
    ch_names: Sequence[str] = DEFAULT_CHANNELS_19,
    seizures: Sequence[tuple[float, float]] = ((300.0, 360.0),),
    seed: SeedLike = 0,
    focal_channels: Sequence[str] | None = None,
    line_noise_hz: float | None = 50.0,
    amplitude_uv: float = 30.0,
    *,
    line_noise_uv: float = 1.0,
    postictal_depth_ratio: float = 0.5,
    postictal_tau_s: float = 15.0,
) -> SyntheticRecording:
    """Background EEG with evolving rhythmic ictal discharges in known intervals.

    Each seizure ``[onset, offset)`` of duration ``D`` adds, with ``u = (t - onset)/D``:

    - a spike-and-wave waveform (narrow spike plus slow wave, harmonics from the spike)
      at instantaneous frequency ``f(u) = f1 + (f0 - f1)(1 - u)^1.5``, slowing from
      ``f0`` (drawn in 5.5-6.5 Hz) to ``f1`` (drawn in 2.8-3.4 Hz): the evolution in
      frequency and amplitude that defines an electrographic seizure (ACNS 2021 [1]_);
    - amplitude growing from 1× to ``G`` × ``amplitude_uv`` RMS (``G`` drawn in 3.5-5.5)
      over the first 40 % (smoothstep), then a plateau; 1-s raised-cosine ramps at onset
      and offset;
    - on all channels (generalized; per-channel gain 0.85-1.15) or, with
      ``focal_channels``, with weight ``exp(-d_c / λ(u))`` where ``d_c`` is the scalp
      distance to the nearest focal electrode and ``λ`` grows from 0.15 to 0.5
      (spread); channels without a known position count as distance 1;
    - after the offset the background is attenuated by
      ``1 - depth · w_c · exp(-(t - offset)/τ)`` (post-ictal attenuation; ``w_c`` the
      channel's final ictal weight). With the defaults (depth 0.5) the attenuated
      background stays well above a 10 µV suppression threshold, so the record holds
      no true suppression (``suppressed_mask`` all False).

    A small line-noise sine (``line_noise_uv``, phase offset ±0.15 rad per channel) is
    added unless ``line_noise_hz`` is None or 0.

    Parameters
    ----------
    duration_s : float
        Record length in seconds.
    sfreq_hz : float
        Sampling rate in Hz (> 2 × 7 Hz).
    ch_names : sequence of str
        Channel names.
    seizures : sequence of (onset_s, offset_s)
        Non-overlapping intervals inside ``[0, duration_s]``, each at least 2 s long.
    seed : int, numpy Generator or SeedSequence
        Random seed.
    focal_channels : sequence of str or None
        Names of the channels where the seizures start; None for generalized.
    line_noise_hz : float or None
        Mains frequency; None or 0 for none.
    amplitude_uv : float
        Background RMS in µV.
    line_noise_uv : float
        Line-noise amplitude in µV.
    postictal_depth_ratio, postictal_tau_s : float
        Depth (0-1) and recovery time constant (s) of the post-ictal attenuation.

    Returns
    -------
    SyntheticRecording
        ``seizures`` sorted, ``suppressed_mask`` all False.
    """
    fs = check_sfreq(sfreq_hz)
    n = n_samples_of(duration_s, fs)
    names = check_ch_names(ch_names)
    amp = check_nonneg("amplitude_uv", amplitude_uv)
    line_hz = check_line_hz(line_noise_hz, fs)
    line_uv = check_nonneg("line_noise_uv", line_noise_uv)
    depth = fraction("postictal_depth_ratio", postictal_depth_ratio)
    positive("postictal_tau_s", postictal_tau_s)
    if fs < 16.0:
        raise ValueError(f"sfreq_hz must be >= 16 Hz for ictal rhythms, got {sfreq_hz!r}")
    total_s = n / fs
    intervals = _check_seizures(seizures, total_s)
    n_ch = len(names)
    if focal_channels is not None:
        focal_idx = channel_indices("focal_channels", focal_channels, names)
        if focal_idx.size == 0:
            raise ValueError("focal_channels must name at least one channel (or be None)")
        d = distance_matrix(names)[:, focal_idx]
        d = np.where(np.isnan(d), 1.0, d)
        d[focal_idx, np.arange(focal_idx.size)] = 0.0
        dist = d.min(axis=1)
    else:
        dist = None

    root = seed_sequence(seed)
    bg = amp * background_unit(child_rng(root, KEY_BACKGROUND), n, fs, names, 1.5)
    ictal = np.zeros((n_ch, n))
    atten = np.ones((n_ch, n))
    t = np.arange(n) / fs
    for k, (onset_s, offset_s) in enumerate(intervals):
        rng = child_rng(root, KEY_ICTAL, k)
        i0 = int(round(onset_s * fs))
        i1 = min(n, int(round(offset_s * fs)))
        seg_n = i1 - i0
        u = (np.arange(seg_n) + 0.5) / seg_n
        f0, f1 = rng.uniform(5.5, 6.5), rng.uniform(2.8, 3.4)
        freq = f1 + (f0 - f1) * (1.0 - u) ** 1.5
        phase = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.cumsum(freq) / fs
        gain = rng.uniform(3.5, 5.5)
        env = amp * (1.0 + (gain - 1.0) * _smoothstep(u / 0.4)) * taper(seg_n, int(fs))
        ch_gain = rng.uniform(0.85, 1.15, n_ch)
        if dist is None:
            # A generalized discharge is neither equal nor simultaneous everywhere:
            # its field peaks over a region (here frontocentral, where generalized
            # spike-and-wave is usually maximal) and reaches the far electrodes
            # some milliseconds later, so bipolar derivations keep seeing it.
            field_d = field_distance(names)
            field = 0.45 + 0.75 * np.exp(-field_d / 0.35)
            ch_gain = ch_gain * field / field.mean()  # mean gain stays ~1
            lag_s = 0.030 * field_d  # up to ~30 ms of propagation
            ch_phase = phase[None, :] - 2 * np.pi * freq[None, :] * lag_s[:, None]
            wave_ch = env[None, :] * _spike_wave(ch_phase)
            ictal[:, i0:i1] += ch_gain[:, None] * wave_ch
            final_w = np.minimum(ch_gain, 1.0)
        else:
            wave = env * _spike_wave(phase)
            lam = 0.15 + 0.35 * u
            weight = ch_gain[:, None] * np.exp(-dist[:, None] / lam[None, :])
            final_w = np.minimum(weight[:, -1], 1.0)
            ictal[:, i0:i1] += weight * wave[None, :]
        if depth > 0 and i1 < n:
            after = t[i1:] - i1 / fs
            decay = np.exp(-after / postictal_tau_s)
            atten[:, i1:] *= 1.0 - depth * final_w[:, None] * decay[None, :]
    # Only the background is attenuated; a later seizure of a cluster rides on the
    # still-attenuated background of the previous one.
    data = bg * atten + ictal
    if line_hz is not None and line_uv > 0:
        data += line_noise(child_rng(root, KEY_LINE), n_ch, n, fs, line_hz, line_uv)
    return SyntheticRecording(
        data_uv=data,
        sfreq_hz=fs,
        ch_names=names,
        seizures=[(float(a), float(b)) for a, b in intervals],
        suppressed_mask=np.zeros(n, dtype=bool),
    )


def _check_seizures(
    seizures: Sequence[tuple[float, float]], total_s: float
) -> list[tuple[float, float]]:
    try:
        pairs = [(float(a), float(b)) for a, b in seizures]
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"seizures must be a sequence of (onset_s, offset_s) pairs, got {seizures!r}"
        ) from exc
    pairs.sort()
    for onset_s, offset_s in pairs:
        if not (0.0 <= onset_s and offset_s <= total_s + 1e-9 and offset_s - onset_s >= 2.0):
            raise ValueError(
                f"seizure ({onset_s}, {offset_s}) must lie in [0, {total_s}] s and last >= 2 s"
            )
    for (_, prev_off), (next_on, _) in zip(pairs, pairs[1:], strict=False):
        if next_on < prev_off:
            raise ValueError(f"seizures overlap: {pairs}")
    return pairs
