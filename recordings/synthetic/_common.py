"""Shared parts of the synthetic generators: input checks, seeds, spectra, waveforms.

Private to :mod:`recordings.synthetic`. Every generator draws each signal component
from its own child random stream of the seed (:func:`child_rng` with a fixed spawn
key per component, the ``KEY_*`` constants), so turning one component on or off
leaves every other component sample-for-sample unchanged. The checks wrap
:mod:`pipeline.checks` and raise naming the argument and the value.

References
----------
.. [1] NumPy: ``numpy.random.SeedSequence`` spawn keys for independent streams,
   https://numpy.org/doc/stable/reference/random/parallel.html
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from rse_monitor.pipeline.checks import channel_names, fraction, positive

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
SeedLike = int | np.random.Generator | np.random.SeedSequence

# Fixed spawn keys: one independent random stream per signal component.
KEY_BACKGROUND = 0
KEY_ICTAL = 1
KEY_LINE = 2
KEY_SCHEDULE = 3
KEY_FLOOR = 4
KEY_BURST_CONTENT = 5
KEY_ECG = 6
KEY_ARTEFACT_CHANNEL = 7
KEY_ARTEFACT = 8
KEY_STREAM_TABLE_A = 9
KEY_STREAM_TABLE_B = 10


# --------------------------------------------------------------------------- checks


def check_sfreq(sfreq_hz: float) -> float:
    """A sampling rate in Hz: a finite number > 0."""
    return positive("sfreq_hz", sfreq_hz)


def n_samples_of(
    duration_s: float, sfreq_hz: float, name: str = "duration_s", min_n: int = 2
) -> int:
    """Samples in ``duration_s`` seconds at ``sfreq_hz``: ``round(duration_s · sfreq_hz)``."""
    duration = positive(name, duration_s)
    n = int(round(duration * sfreq_hz))
    if n < min_n:
        raise ValueError(
            f"{name}={duration_s!r} s at {sfreq_hz} Hz gives {n} samples; need at least {min_n}"
        )
    return n


def check_nonneg(name: str, value: float) -> float:
    """A finite number >= 0."""
    return positive(name, value, allow_zero=True)


def check_ratio(suppression_ratio: float) -> float:
    """A suppression ratio in [0, 1]."""
    return fraction("suppression_ratio", suppression_ratio)


def check_ch_names(ch_names: Sequence[str]) -> tuple[str, ...]:
    """Channel names: at least one, all strings (TypeError otherwise), none repeated."""
    if not isinstance(ch_names, str):
        for name in ch_names:
            if not isinstance(name, str):
                raise TypeError(f"ch_names must hold strings, got {name!r}")
    return channel_names("ch_names", ch_names)


def channel_indices(
    arg_name: str, wanted: Sequence[str], ch_names: tuple[str, ...]
) -> NDArray[np.intp]:
    if isinstance(wanted, str):
        raise TypeError(f"{arg_name} must be a sequence of channel names, not a string")
    lookup = {name: i for i, name in enumerate(ch_names)}
    missing = [name for name in wanted if name not in lookup]
    if missing:
        raise ValueError(f"{arg_name} names channels not in ch_names: {missing}")
    return np.array([lookup[name] for name in wanted], dtype=np.intp)


def check_line_hz(line_noise_hz: float | None, sfreq_hz: float) -> float | None:
    if line_noise_hz is None or line_noise_hz == 0:
        return None
    hz = check_nonneg("line_noise_hz", line_noise_hz)
    if hz >= sfreq_hz / 2:
        raise ValueError(
            f"line_noise_hz={line_noise_hz!r} must be below the Nyquist rate {sfreq_hz / 2} Hz "
            "(pass line_noise_hz=None for no line noise)"
        )
    return hz


# --------------------------------------------------------------------------- randomness


def seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Root seed sequence from an int, a SeedSequence or a Generator (consumes 4 draws)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63, size=4).tolist())
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(
            f"seed must be an int, numpy Generator or SeedSequence, got {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return np.random.SeedSequence(int(seed))


def child_rng(root: np.random.SeedSequence, key: int, *subkeys: int) -> np.random.Generator:
    """Generator for one component, independent of the order components are drawn."""
    child = np.random.SeedSequence(
        root.entropy, spawn_key=(*root.spawn_key, key, *subkeys), pool_size=root.pool_size
    )
    return np.random.Generator(np.random.PCG64(child))


# --------------------------------------------------------------------------- spectra and waveforms


def shaped_noise(
    rng: np.random.Generator, n_rows: int, n_samples: int, amplitude: FloatArray
) -> FloatArray:
    """Gaussian noise with amplitude spectrum ``amplitude``, unit RMS per row.

    Complex Gaussian spectral coefficients times ``amplitude`` (shape
    ``(n_samples // 2 + 1,)``, on the ``numpy.fft.rfftfreq`` grid), inverse real FFT.
    The result is circular: it wraps seamlessly from its last sample to its first.
    """
    n_freq = n_samples // 2 + 1
    spec = rng.standard_normal((n_rows, n_freq)) + 1j * rng.standard_normal((n_rows, n_freq))
    spec *= amplitude
    x = np.fft.irfft(spec, n=n_samples, axis=-1)
    rms = np.sqrt(np.mean(x * x, axis=-1, keepdims=True))
    rms[rms == 0] = 1.0
    return x / rms


def rfft_freqs(n_samples: int, sfreq_hz: float) -> FloatArray:
    """Frequencies (Hz) of the ``numpy.fft.rfft`` bins, shape (n_samples // 2 + 1,)."""
    return np.asarray(np.fft.rfftfreq(n_samples, 1.0 / sfreq_hz), dtype=np.float64)


def gaussian_bump(freqs_hz: FloatArray, centre_hz: float, width_hz: float) -> FloatArray:
    return np.exp(-0.5 * ((freqs_hz - centre_hz) / width_hz) ** 2)


def band_amplitude(freqs_hz: FloatArray, low_hz: float, high_hz: float) -> FloatArray:
    """Smooth band-pass amplitude response (raised-cosine edges of 20 % of each corner)."""
    amp = np.zeros_like(freqs_hz)
    inside = (freqs_hz >= low_hz) & (freqs_hz <= high_hz)
    amp[inside] = 1.0
    for corner, sign in ((low_hz, -1.0), (high_hz, 1.0)):
        width = 0.2 * corner
        edge = (np.abs(freqs_hz - corner) < width) & ((freqs_hz - corner) * sign > 0)
        amp[edge] = 0.5 + 0.5 * np.cos(np.pi * np.abs(freqs_hz[edge] - corner) / width)
    amp[0] = 0.0
    return amp


def line_noise(
    rng: np.random.Generator,
    n_ch: int,
    n_samples: int,
    sfreq_hz: float,
    hz: float,
    amplitude_uv: float,
    start_sample: int = 0,
) -> FloatArray:
    """``A sin(2π f t + φ0 + δ_c)``; ``δ_c`` in ±0.15 rad so bipolar pairs keep a residue."""
    phase0 = rng.uniform(0, 2 * np.pi)
    delta = rng.uniform(-0.15, 0.15, n_ch)
    theta = 2 * np.pi * hz * (start_sample + np.arange(n_samples)) / sfreq_hz + phase0
    # sin(θ + δ) = sin θ cos δ + cos θ sin δ: two outer products instead of n_ch sines.
    return amplitude_uv * (
        np.cos(delta)[:, None] * np.sin(theta)[None, :]
        + np.sin(delta)[:, None] * np.cos(theta)[None, :]
    )


def pop_train(
    rng: np.random.Generator,
    n_samples: int,
    sfreq_hz: float,
    rate_hz: float,
    amp_range_uv: tuple[float, float],
    first_at_start: bool,
) -> FloatArray:
    """Electrode pops: steps of random sign and size decaying exponentially (τ 0.1-0.6 s)."""
    duration_s = n_samples / sfreq_hz
    n_pops = rng.poisson(rate_hz * duration_s)
    onsets = np.sort(rng.uniform(0, duration_s, n_pops))
    if first_at_start:
        onsets = np.concatenate(([0.0], onsets))
    out = np.zeros(n_samples)
    for onset_s in onsets:
        i0 = int(onset_s * sfreq_hz)
        tau_s = rng.uniform(0.1, 0.6)
        amp = rng.uniform(*amp_range_uv) * rng.choice((-1.0, 1.0))
        i1 = min(n_samples, i0 + int(6 * tau_s * sfreq_hz) + 1)
        out[i0:i1] += amp * np.exp(-np.arange(i1 - i0) / (tau_s * sfreq_hz))
    return out


def taper(n_samples: int, ramp_n: int) -> FloatArray:
    """Window of ones with raised-cosine ramps of ``ramp_n`` samples at both ends."""
    w = np.ones(n_samples)
    r = min(ramp_n, n_samples // 2)
    if r > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(r) + 0.5) / r)
        w[:r] = ramp
        w[n_samples - r :] = ramp[::-1]
    return w
