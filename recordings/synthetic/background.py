"""Awake-like background EEG: spatially coherent 1/f^alpha activity plus posterior alpha.

:func:`background` is the public generator; :func:`background_unit` (unit RMS per
channel, circular in time) is what the seizure, burst-suppression and streaming
generators build on.

References
----------
.. [2] He BJ. Scale-free brain activity: past, present, and future. Trends Cogn Sci
   2014;18:480-487 (EEG power spectra fall as 1/f^alpha, alpha about 1-2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from rse_monitor.pipeline.checks import in_range
from rse_monitor.recordings.synthetic._common import (
    KEY_BACKGROUND,
    FloatArray,
    SeedLike,
    check_ch_names,
    check_nonneg,
    check_sfreq,
    child_rng,
    gaussian_bump,
    n_samples_of,
    rfft_freqs,
    seed_sequence,
    shaped_noise,
)
from rse_monitor.recordings.synthetic.layout import (
    DEFAULT_CHANNELS_19,
    posterior_weight,
    spatial_mixing,
)

__all__ = ["background", "background_unit"]

# Background spectrum: 1/f^alpha flattened below _PINK_LOW_HZ and rolled off above
# _PINK_HIGH_HZ (scalp and skull low-pass the cortical field above a few tens of Hz).
_PINK_LOW_HZ = 0.5
_PINK_HIGH_HZ = 45.0
_SHARED_BACKGROUND_RATIO = 0.3  # variance fraction of the component common to all channels
_ALPHA_RELATIVE_RMS = 0.7  # alpha RMS relative to the 1/f part on occipital channels


def _pink_amplitude(freqs_hz: FloatArray, exponent: float) -> FloatArray:
    """Amplitude spectrum ``f^(-exponent/2)`` flattened below 0.5 Hz, rolled off above 45 Hz.

    The power spectrum is then ``PSD(f) ∝ f^-exponent`` between the corners (He 2014 [2]_),
    with an extra ``1 / (1 + (f / 45)^4)`` power roll-off.
    """
    f = np.maximum(freqs_hz, _PINK_LOW_HZ)
    amp = f ** (-exponent / 2.0) / np.sqrt(1.0 + (freqs_hz / _PINK_HIGH_HZ) ** 4)
    amp[0] = 0.0
    return amp


def background_unit(
    rng: np.random.Generator,
    n_samples: int,
    sfreq_hz: float,
    ch_names: tuple[str, ...],
    exponent: float,
) -> FloatArray:
    """Background with unit RMS per channel (circular in time); see :func:`background`."""
    n_ch = len(ch_names)
    freqs = rfft_freqs(n_samples, sfreq_hz)
    pink = shaped_noise(rng, n_ch + 1, n_samples, _pink_amplitude(freqs, exponent))
    mixed = spatial_mixing(ch_names) @ pink[1:]
    x = (
        math.sqrt(_SHARED_BACKGROUND_RATIO) * pink[0]
        + math.sqrt(1.0 - _SHARED_BACKGROUND_RATIO) * mixed
    )
    alpha_hz = rng.uniform(9.0, 11.0)
    if alpha_hz + 3.0 < sfreq_hz / 2:
        alpha = shaped_noise(rng, n_ch + 1, n_samples, gaussian_bump(freqs, alpha_hz, 0.6))
        w = _ALPHA_RELATIVE_RMS * posterior_weight(ch_names)
        x += w[:, None] * (0.8 * alpha[0] + 0.6 * alpha[1:])
    rms = np.sqrt(np.mean(x * x, axis=-1, keepdims=True))
    return x / rms


def background(
    duration_s: float,
    sfreq_hz: float = 256.0,
    ch_names: Sequence[str] = DEFAULT_CHANNELS_19,
    amplitude_uv: float = 30.0,
    seed: SeedLike = 0,
    *,
    exponent: float = 1.5,
) -> FloatArray:
    """Awake-like background EEG: spatially coherent 1/f^alpha noise plus posterior alpha.

    Model, per channel ``c``::

        x_c = sqrt(ρ) g + sqrt(1 - ρ) Σ_j M_cj z_j + w_c a_c,     then scaled to RMS A

    ``g`` and ``z_j`` are independent Gaussian processes with power spectrum
    ``∝ f^-exponent`` between 0.5 and 45 Hz (flat below 0.5 Hz, extra ``f^-4`` above
    45 Hz; He 2014 [2]_); ``ρ = 0.3`` is the variance share common to all channels;
    ``M_cj = exp(-d_cj² / (2·0.25²))`` (row-normalised) makes scalp neighbours coherent
    (``d`` is the distance on the unit-disc 10-20 layout, :data:`ELECTRODE_POSITIONS`;
    channels without a known position mix only with themselves); ``a_c`` is an
    8-12 Hz narrow-band rhythm (Gaussian spectral peak, centre drawn in 9-11 Hz,
    σ = 0.6 Hz), 80 % shared, and ``w_c`` weights it towards occipital channels
    (about 0.9 × the 1/f RMS at O1/O2, near 0 frontally).

    Parameters
    ----------
    duration_s : float
        Length in seconds.
    sfreq_hz : float
        Sampling rate in Hz.
    ch_names : sequence of str
        Channel names; 10-20 names (also T7/T8/P7/P8, case-insensitive) get positions.
    amplitude_uv : float
        RMS of every channel in µV (exact for the realisation).
    seed : int, numpy Generator or SeedSequence
        Random seed.
    exponent : float
        Spectral exponent alpha of the 1/f part, in [0, 4].

    Returns
    -------
    ndarray, shape (n_channels, round(duration_s * sfreq_hz))
        Float64 µV.
    """
    fs = check_sfreq(sfreq_hz)
    n = n_samples_of(duration_s, fs)
    names = check_ch_names(ch_names)
    amp = check_nonneg("amplitude_uv", amplitude_uv)
    alpha = in_range("exponent", exponent, 0.0, 4.0)
    rng = child_rng(seed_sequence(seed), KEY_BACKGROUND)
    return amp * background_unit(rng, n, fs, names, alpha)
