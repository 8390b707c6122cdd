"""Synthetic EEG with known ground truth, for tests and benchmarks.

Every generator returns float64 microvolts shaped ``(n_channels, n_samples)`` and is
deterministic given its ``seed``. Each signal component (background, ictal
discharges, line noise, ECG, artefacts, ...) draws from its own child random stream
of the seed (``numpy.random.SeedSequence`` with a fixed spawn key per component), so
turning one component on or off, or changing its amplitude, leaves every other
component sample-for-sample unchanged. Tests rely on that to isolate a component by
subtraction.

What is generated
-----------------
- :func:`background`: spatially coherent 1/f^alpha activity plus a posterior
  alpha rhythm.
- :func:`make_seizure_recording`: background plus evolving rhythmic spike-and-wave
  discharges (generalized or focal with spread) and post-ictal attenuation.
- :func:`make_burst_suppression`: generalized bursts alternating with a flat floor,
  with an exact whole-record suppression ratio, plus line noise, ECG spikes and an
  optional single-channel artefact.
- :func:`add_artefacts`: flat, clipped, movement, NaN and electrode-pop segments.
- :func:`iter_chunks` and :func:`stream_background_chunks`: :class:`~pipeline.chunk.Chunk`
  streams; the latter produces arbitrarily long recordings in bounded memory.

References
----------
.. [1] Hirsch LJ et al. American Clinical Neurophysiology Society's Standardized
   Critical Care EEG Terminology: 2021 Version. J Clin Neurophysiol 2021;38:1-29
   (burst suppression: suppression < 10 µV for >= 50 % of the record; bursts of
   0.5-30 s; minimum suppression duration 0.5 s in this project).
.. [2] He BJ. Scale-free brain activity: past, present, and future. Trends Cogn Sci
   2014;18:480-487 (EEG power spectra fall as 1/f^alpha, alpha about 1-2).
.. [3] Fisher RS et al. Operational classification of seizure types by the ILAE.
   Epilepsia 2017;58:522-530; and the ACNS 2021 terminology [1] for evolving
   rhythmic discharges (frequency slowing and amplitude growth during a seizure).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from pipeline.chunk import Chunk

__all__ = [
    "DEFAULT_CHANNELS_19",
    "ELECTRODE_POSITIONS",
    "ArtefactKind",
    "SyntheticRecording",
    "add_artefacts",
    "background",
    "burst_suppression_schedule",
    "iter_chunks",
    "make_burst_suppression",
    "make_seizure_recording",
    "stream_background_chunks",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
SeedLike = int | np.random.Generator | np.random.SeedSequence
ArtefactKind = Literal["flat", "clip", "movement", "nan", "electrode_pop"]

DEFAULT_CHANNELS_19: tuple[str, ...] = (
    "Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8",
    "T3", "C3", "Cz", "C4", "T4",
    "T5", "P3", "Pz", "P4", "T6",
    "O1", "O2",
)  # fmt: skip

# Approximate azimuthal projection of the 10-20 system on the unit disc (x to the
# right ear, y to the nose, Cz at the origin, the 10-20 "equator" at radius 0.8).
ELECTRODE_POSITIONS: dict[str, tuple[float, float]] = {
    "FP1": (-0.25, 0.76), "FPZ": (0.0, 0.80), "FP2": (0.25, 0.76),
    "F7": (-0.65, 0.47), "F3": (-0.33, 0.42), "FZ": (0.0, 0.40),
    "F4": (0.33, 0.42), "F8": (0.65, 0.47),
    "T3": (-0.80, 0.0), "T7": (-0.80, 0.0), "C3": (-0.40, 0.0), "CZ": (0.0, 0.0),
    "C4": (0.40, 0.0), "T4": (0.80, 0.0), "T8": (0.80, 0.0),
    "T5": (-0.65, -0.47), "P7": (-0.65, -0.47), "P3": (-0.33, -0.42),
    "PZ": (0.0, -0.40), "P4": (0.33, -0.42), "T6": (0.65, -0.47), "P8": (0.65, -0.47),
    "O1": (-0.25, -0.76), "OZ": (0.0, -0.80), "O2": (0.25, -0.76),
    "A1": (-1.0, 0.0), "A2": (1.0, 0.0),
}  # fmt: skip

# Fixed spawn keys: one independent random stream per signal component.
_KEY_BACKGROUND = 0
_KEY_ICTAL = 1
_KEY_LINE = 2
_KEY_SCHEDULE = 3
_KEY_FLOOR = 4
_KEY_BURST_CONTENT = 5
_KEY_ECG = 6
_KEY_ARTEFACT_CHANNEL = 7
_KEY_ARTEFACT = 8
_KEY_STREAM_TABLE_A = 9
_KEY_STREAM_TABLE_B = 10

# Background spectrum: 1/f^alpha flattened below _PINK_LOW_HZ and rolled off above
# _PINK_HIGH_HZ (scalp and skull low-pass the cortical field above a few tens of Hz).
_PINK_LOW_HZ = 0.5
_PINK_HIGH_HZ = 45.0
_SHARED_BACKGROUND_RATIO = 0.3  # variance fraction of the component common to all channels
_SPATIAL_SIGMA = 0.25  # width of the neighbour-coherence kernel (unit-disc distance)
_ALPHA_RELATIVE_RMS = 0.7  # alpha RMS relative to the 1/f part on occipital channels

# Burst suppression.
_MIN_BURST_S = 0.5
_BURST_RAMP_S = 0.15
_STREAM_TABLE_LENGTHS = (2**15, 3**9)  # coprime: the sum repeats after 2^15 * 3^9 samples


# --------------------------------------------------------------------------- records


@dataclass
class SyntheticRecording:
    """A synthetic recording and its ground truth.

    Parameters
    ----------
    data_uv : ndarray, shape (n_channels, n_samples)
        Samples in microvolts (float64).
    sfreq_hz : float
        Sampling rate in Hz.
    ch_names : tuple of str
        One name per row of ``data_uv``.
    seizures : list of (onset_s, offset_s)
        True seizure intervals, seconds from the recording start, offset exclusive.
    suppressed_mask : ndarray of bool, shape (n_samples,), or None
        True where the whole head is truly suppressed (burst-suppression floor);
        None when the generator makes no statement about suppression.
    bursts : list of (start_s, end_s)
        True burst intervals.
    artefacts : list of (start_s, end_s, kind)
        Artefact intervals and their kind (see :func:`add_artefacts`).
    artefact_channels : list of tuple of str
        The channels each entry of ``artefacts`` affects (same order).
    """

    data_uv: FloatArray
    sfreq_hz: float
    ch_names: tuple[str, ...]
    seizures: list[tuple[float, float]] = field(default_factory=list)
    suppressed_mask: BoolArray | None = None
    bursts: list[tuple[float, float]] = field(default_factory=list)
    artefacts: list[tuple[float, float, str]] = field(default_factory=list)
    artefact_channels: list[tuple[str, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        data = self.data_uv
        if not isinstance(data, np.ndarray) or data.ndim != 2:
            raise ValueError(
                f"data_uv must be a 2-D array (n_channels, n_samples), got "
                f"{type(data).__name__} with shape {getattr(data, 'shape', None)}"
            )
        if data.dtype != np.float64:
            raise TypeError(f"data_uv must be float64, got {data.dtype}")
        self.ch_names = tuple(self.ch_names)
        if len(self.ch_names) != data.shape[0]:
            raise ValueError(
                f"ch_names has {len(self.ch_names)} names for {data.shape[0]} channels"
            )
        _check_sfreq(self.sfreq_hz)
        if self.suppressed_mask is not None:
            mask = np.asarray(self.suppressed_mask)
            if mask.dtype != np.bool_ or mask.shape != (data.shape[1],):
                raise ValueError(
                    f"suppressed_mask must be a bool array of shape ({data.shape[1]},), "
                    f"got {mask.dtype} {mask.shape}"
                )
            self.suppressed_mask = mask

    @property
    def n_channels(self) -> int:
        return int(self.data_uv.shape[0])

    @property
    def n_samples(self) -> int:
        return int(self.data_uv.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.sfreq_hz

    def times_s(self) -> FloatArray:
        """Sample times in seconds from the recording start, shape (n_samples,)."""
        return np.arange(self.n_samples) / self.sfreq_hz

    def to_chunk(self) -> Chunk:
        """The whole recording as one :class:`Chunk` starting at ``t0_s = 0``.

        The data are shared, not copied. When the recording has a suppression truth it
        is passed along as ``chunk.meta["suppressed_mask"]``.
        """
        meta: dict[str, object] = {}
        if self.suppressed_mask is not None:
            meta["suppressed_mask"] = self.suppressed_mask
        return Chunk(
            np.ascontiguousarray(self.data_uv),
            0.0,
            float(self.sfreq_hz),
            self.ch_names,
            meta=meta,
        )

    def suppression_ratio_truth(self, t_end_s: float, window_s: float = 60.0) -> float:
        """True suppression ratio of the window ``[t_end_s - window_s, t_end_s)``.

        ``ratio = n_suppressed / n_window`` over the samples whose times fall in the
        window (clipped at the recording start), i.e. the quantity the ACNS 2021
        definition [1]_ asks a monitor to estimate over a trailing 60-s epoch.

        Parameters
        ----------
        t_end_s : float
            End of the window (exclusive), seconds; 0 < t_end_s <= duration.
        window_s : float
            Window length in seconds, > 0.

        Returns
        -------
        float
            Fraction in [0, 1].
        """
        if self.suppressed_mask is None:
            raise ValueError("this recording has no suppression truth (suppressed_mask is None)")
        if not (window_s > 0 and math.isfinite(window_s)):
            raise ValueError(f"window_s must be a positive finite number, got {window_s!r}")
        fs = self.sfreq_hz
        if not (0 < t_end_s <= self.duration_s + 0.5 / fs):
            raise ValueError(f"t_end_s must be in (0, {self.duration_s}] s, got {t_end_s!r}")
        stop = min(self.n_samples, int(math.ceil(t_end_s * fs - 1e-9)))
        start = max(0, int(math.ceil((t_end_s - window_s) * fs - 1e-9)))
        if stop <= start:
            raise ValueError(f"window [{t_end_s - window_s}, {t_end_s}) s holds no sample")
        return float(np.count_nonzero(self.suppressed_mask[start:stop]) / (stop - start))


# --------------------------------------------------------------------------- validation


def _check_sfreq(sfreq_hz: float) -> float:
    if isinstance(sfreq_hz, bool) or not isinstance(sfreq_hz, int | float | np.number):
        raise TypeError(f"sfreq_hz must be a number, got {type(sfreq_hz).__name__}")
    if not (math.isfinite(sfreq_hz) and sfreq_hz > 0):
        raise ValueError(f"sfreq_hz must be a positive finite rate, got {sfreq_hz!r}")
    return float(sfreq_hz)


def _n_samples(duration_s: float, sfreq_hz: float, name: str = "duration_s", min_n: int = 2) -> int:
    if isinstance(duration_s, bool) or not isinstance(duration_s, int | float | np.number):
        raise TypeError(f"{name} must be a number, got {type(duration_s).__name__}")
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"{name} must be a positive finite duration, got {duration_s!r}")
    n = int(round(duration_s * sfreq_hz))
    if n < min_n:
        raise ValueError(
            f"{name}={duration_s!r} s at {sfreq_hz} Hz gives {n} samples; need at least {min_n}"
        )
    return n


def _check_nonneg(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _check_ch_names(ch_names: Sequence[str]) -> tuple[str, ...]:
    if isinstance(ch_names, str):
        raise TypeError(f"ch_names must be a sequence of names, not a string ({ch_names!r})")
    names = tuple(ch_names)
    if not names:
        raise ValueError("ch_names must not be empty")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"ch_names must hold strings, got {name!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"ch_names must be unique, got {names}")
    return names


def _channel_indices(
    arg_name: str, wanted: Sequence[str], ch_names: tuple[str, ...]
) -> NDArray[np.intp]:
    if isinstance(wanted, str):
        raise TypeError(f"{arg_name} must be a sequence of channel names, not a string")
    lookup = {name: i for i, name in enumerate(ch_names)}
    missing = [name for name in wanted if name not in lookup]
    if missing:
        raise ValueError(f"{arg_name} names channels not in ch_names: {missing}")
    return np.array([lookup[name] for name in wanted], dtype=np.intp)


def _check_line_hz(line_noise_hz: float | None, sfreq_hz: float) -> float | None:
    if line_noise_hz is None or line_noise_hz == 0:
        return None
    hz = _check_nonneg("line_noise_hz", line_noise_hz)
    if hz >= sfreq_hz / 2:
        raise ValueError(
            f"line_noise_hz={line_noise_hz!r} must be below the Nyquist rate {sfreq_hz / 2} Hz "
            "(pass line_noise_hz=None for no line noise)"
        )
    return hz


# --------------------------------------------------------------------------- randomness


def _seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
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


def _child_rng(root: np.random.SeedSequence, key: int, *subkeys: int) -> np.random.Generator:
    """Generator for one component, independent of the order components are drawn."""
    child = np.random.SeedSequence(
        root.entropy, spawn_key=(*root.spawn_key, key, *subkeys), pool_size=root.pool_size
    )
    return np.random.Generator(np.random.PCG64(child))


# --------------------------------------------------------------------------- spectra


def _shaped_noise(
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


def _freqs(n_samples: int, sfreq_hz: float) -> FloatArray:
    """Frequencies (Hz) of the ``numpy.fft.rfft`` bins, shape (n_samples // 2 + 1,)."""
    return np.asarray(np.fft.rfftfreq(n_samples, 1.0 / sfreq_hz), dtype=np.float64)


def _pink_amplitude(freqs_hz: FloatArray, exponent: float) -> FloatArray:
    """Amplitude spectrum ``f^(-exponent/2)`` flattened below 0.5 Hz, rolled off above 45 Hz.

    The power spectrum is then ``PSD(f) ∝ f^-exponent`` between the corners (He 2014 [2]_),
    with an extra ``1 / (1 + (f / 45)^4)`` power roll-off.
    """
    f = np.maximum(freqs_hz, _PINK_LOW_HZ)
    amp = f ** (-exponent / 2.0) / np.sqrt(1.0 + (freqs_hz / _PINK_HIGH_HZ) ** 4)
    amp[0] = 0.0
    return amp


def _gaussian_bump(freqs_hz: FloatArray, centre_hz: float, width_hz: float) -> FloatArray:
    return np.exp(-0.5 * ((freqs_hz - centre_hz) / width_hz) ** 2)


def _band_amplitude(freqs_hz: FloatArray, low_hz: float, high_hz: float) -> FloatArray:
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


def _positions(ch_names: tuple[str, ...]) -> list[tuple[float, float] | None]:
    out: list[tuple[float, float] | None] = []
    for name in ch_names:
        key = name.upper().replace("EEG", "").strip().split("-")[0].strip()
        out.append(ELECTRODE_POSITIONS.get(key))
    return out


def _distance_matrix(ch_names: tuple[str, ...]) -> FloatArray:
    """Pairwise scalp distances (unit disc); NaN where a position is unknown."""
    pos = _positions(ch_names)
    xy = np.array([p if p is not None else (np.nan, np.nan) for p in pos])
    return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))


def _spatial_mixing(ch_names: tuple[str, ...]) -> FloatArray:
    """Row-normalised mixing of independent sources: ``M_ij = exp(-d_ij² / 2σ²)``.

    Channels without a known position mix only with themselves.
    """
    d = _distance_matrix(ch_names)
    m = np.exp(-0.5 * (d / _SPATIAL_SIGMA) ** 2)
    m[np.isnan(m)] = 0.0
    np.fill_diagonal(m, 1.0)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _field_distance(ch_names: tuple[str, ...]) -> FloatArray:
    """Scalp distance of each channel from the frontocentral midline (Fz-Cz), 0 if unknown."""
    pos = _positions(ch_names)
    centre = np.array([0.0, 0.2])
    return np.array(
        [0.0 if p is None else float(np.hypot(p[0] - centre[0], p[1] - centre[1])) for p in pos]
    )


def _posterior_weight(ch_names: tuple[str, ...]) -> FloatArray:
    """Alpha-rhythm weight, ~1 at O1/O2, ~0.75 at P3/Pz/P4, ~0.07 at Cz, ~0 frontally."""
    weights = []
    for pos in _positions(ch_names):
        if pos is None:
            weights.append(0.3)
        else:
            weights.append(1.0 / (1.0 + math.exp((pos[1] + 0.3) / 0.12)))
    return np.array(weights)


def _background_unit(
    rng: np.random.Generator,
    n_samples: int,
    sfreq_hz: float,
    ch_names: tuple[str, ...],
    exponent: float,
) -> FloatArray:
    """Background with unit RMS per channel (circular in time); see :func:`background`."""
    n_ch = len(ch_names)
    freqs = _freqs(n_samples, sfreq_hz)
    pink = _shaped_noise(rng, n_ch + 1, n_samples, _pink_amplitude(freqs, exponent))
    mixed = _spatial_mixing(ch_names) @ pink[1:]
    x = (
        math.sqrt(_SHARED_BACKGROUND_RATIO) * pink[0]
        + math.sqrt(1.0 - _SHARED_BACKGROUND_RATIO) * mixed
    )
    alpha_hz = rng.uniform(9.0, 11.0)
    if alpha_hz + 3.0 < sfreq_hz / 2:
        alpha = _shaped_noise(rng, n_ch + 1, n_samples, _gaussian_bump(freqs, alpha_hz, 0.6))
        w = _ALPHA_RELATIVE_RMS * _posterior_weight(ch_names)
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
    fs = _check_sfreq(sfreq_hz)
    n = _n_samples(duration_s, fs)
    names = _check_ch_names(ch_names)
    amp = _check_nonneg("amplitude_uv", amplitude_uv)
    if not (0.0 <= exponent <= 4.0):
        raise ValueError(f"exponent must be in [0, 4], got {exponent!r}")
    rng = _child_rng(_seed_sequence(seed), _KEY_BACKGROUND)
    return amp * _background_unit(rng, n, fs, names, float(exponent))


# --------------------------------------------------------------------------- helpers


def _line_noise(
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


def _pop_train(
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


def _taper(n_samples: int, ramp_n: int) -> FloatArray:
    """Window of ones with raised-cosine ramps of ``ramp_n`` samples at both ends."""
    w = np.ones(n_samples)
    r = min(ramp_n, n_samples // 2)
    if r > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(r) + 0.5) / r)
        w[:r] = ramp
        w[n_samples - r :] = ramp[::-1]
    return w


# --------------------------------------------------------------------------- seizures


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
    fs = _check_sfreq(sfreq_hz)
    n = _n_samples(duration_s, fs)
    names = _check_ch_names(ch_names)
    amp = _check_nonneg("amplitude_uv", amplitude_uv)
    line_hz = _check_line_hz(line_noise_hz, fs)
    line_uv = _check_nonneg("line_noise_uv", line_noise_uv)
    depth = _check_nonneg("postictal_depth_ratio", postictal_depth_ratio)
    if depth > 1:
        raise ValueError(f"postictal_depth_ratio must be in [0, 1], got {postictal_depth_ratio!r}")
    if not (postictal_tau_s > 0 and math.isfinite(postictal_tau_s)):
        raise ValueError(f"postictal_tau_s must be a positive duration, got {postictal_tau_s!r}")
    if fs < 16.0:
        raise ValueError(f"sfreq_hz must be >= 16 Hz for ictal rhythms, got {sfreq_hz!r}")
    total_s = n / fs
    intervals = _check_seizures(seizures, total_s)
    n_ch = len(names)
    if focal_channels is not None:
        focal_idx = _channel_indices("focal_channels", focal_channels, names)
        if focal_idx.size == 0:
            raise ValueError("focal_channels must name at least one channel (or be None)")
        d = _distance_matrix(names)[:, focal_idx]
        d = np.where(np.isnan(d), 1.0, d)
        d[focal_idx, np.arange(focal_idx.size)] = 0.0
        dist = d.min(axis=1)
    else:
        dist = None

    root = _seed_sequence(seed)
    bg = amp * _background_unit(_child_rng(root, _KEY_BACKGROUND), n, fs, names, 1.5)
    ictal = np.zeros((n_ch, n))
    atten = np.ones((n_ch, n))
    t = np.arange(n) / fs
    for k, (onset_s, offset_s) in enumerate(intervals):
        rng = _child_rng(root, _KEY_ICTAL, k)
        i0 = int(round(onset_s * fs))
        i1 = min(n, int(round(offset_s * fs)))
        seg_n = i1 - i0
        u = (np.arange(seg_n) + 0.5) / seg_n
        f0, f1 = rng.uniform(5.5, 6.5), rng.uniform(2.8, 3.4)
        freq = f1 + (f0 - f1) * (1.0 - u) ** 1.5
        phase = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.cumsum(freq) / fs
        gain = rng.uniform(3.5, 5.5)
        env = amp * (1.0 + (gain - 1.0) * _smoothstep(u / 0.4)) * _taper(seg_n, int(fs))
        ch_gain = rng.uniform(0.85, 1.15, n_ch)
        if dist is None:
            # A generalized discharge is neither equal nor simultaneous everywhere:
            # its field peaks over a region (here frontocentral, where generalized
            # spike-and-wave is usually maximal) and reaches the far electrodes
            # some milliseconds later, so bipolar derivations keep seeing it.
            field_d = _field_distance(names)
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
        data += _line_noise(_child_rng(root, _KEY_LINE), n_ch, n, fs, line_hz, line_uv)
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


# --------------------------------------------------------------------------- burst suppression


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
    fs = _check_sfreq(sfreq_hz)
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
    r = _check_ratio(suppression_ratio)
    if not (burst_mean_s >= _MIN_BURST_S and math.isfinite(burst_mean_s)):
        raise ValueError(f"burst_mean_s must be >= {_MIN_BURST_S} s, got {burst_mean_s!r}")
    if not (min_suppression_s > 0 and math.isfinite(min_suppression_s)):
        raise ValueError(f"min_suppression_s must be > 0, got {min_suppression_s!r}")
    empty = np.zeros(0, dtype=np.int64)
    if r >= 1.0:
        return empty, empty
    if r <= 0.0:
        return np.array([0], dtype=np.int64), np.array([n_samples], dtype=np.int64)
    rng = (
        seed
        if isinstance(seed, np.random.Generator)
        else _child_rng(_seed_sequence(seed), _KEY_SCHEDULE)
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
        int((1.0 - r) * total_s / _MIN_BURST_S),
    )
    min_s, min_b = min_suppression_s, _MIN_BURST_S
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


def _check_ratio(suppression_ratio: float) -> float:
    r = _check_nonneg("suppression_ratio", suppression_ratio)
    if r > 1.0:
        raise ValueError(f"suppression_ratio must be in [0, 1], got {suppression_ratio!r}")
    return r


def _burst_envelope(
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
    freqs = _freqs(n_samples, sfreq_hz)
    shape = (
        _gaussian_bump(freqs, 1.5, 1.0)
        + 0.55 * _gaussian_bump(freqs, 5.0, 1.2)
        + 0.35 * _gaussian_bump(freqs, 10.0, 1.0)
        + 0.4 * _gaussian_bump(freqs, 13.0, 0.6)
    )
    shape[0] = 0.0
    src = _shaped_noise(rng, n_ch + 1, n_samples, shape)
    x = math.sqrt(0.85) * src[0] + math.sqrt(0.15) * src[1:]
    x /= np.sqrt(np.mean(x * x, axis=-1, keepdims=True))
    return x * rng.uniform(0.8, 1.2, n_ch)[:, None]


def _continuous_artefact(rng: np.random.Generator, n_samples: int, sfreq_hz: float) -> FloatArray:
    """Bad-electrode trace: pops (0.5 /s, 100-300 µV) + slow sway (40 µV RMS) + EMG (15 µV)."""
    freqs = _freqs(n_samples, sfreq_hz)
    slow = _shaped_noise(rng, 1, n_samples, _band_amplitude(freqs, 0.2, 2.0))[0]
    high_hz = min(70.0, 0.45 * sfreq_hz)
    emg_band = _band_amplitude(freqs, min(20.0, high_hz / 2), high_hz)
    emg = _shaped_noise(rng, 1, n_samples, emg_band)[0]
    pops = _pop_train(rng, n_samples, sfreq_hz, 0.5, (100.0, 300.0), first_at_start=False)
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
    fs = _check_sfreq(sfreq_hz)
    n = _n_samples(duration_s, fs)
    names = _check_ch_names(ch_names)
    r = _check_ratio(suppression_ratio)
    floor_uv = _check_nonneg("floor_rms_uv", floor_rms_uv)
    line_uv = _check_nonneg("line_noise_uv", line_noise_uv)
    line_hz = _check_line_hz(line_noise_hz, fs)
    ecg_amp = _check_nonneg("ecg_uv", ecg_uv)
    bg_uv = _check_nonneg("background_uv", background_uv)
    ecg_idx = _channel_indices("ecg_channels", ecg_channels, names)
    art_idx = None
    if artefact_channel is not None:
        art_idx = int(_channel_indices("artefact_channel", [artefact_channel], names)[0])
    n_ch = len(names)
    root = _seed_sequence(seed)

    data = floor_uv * _child_rng(root, _KEY_FLOOR).standard_normal((n_ch, n))
    if r <= 0.0:
        data += bg_uv * _background_unit(_child_rng(root, _KEY_BACKGROUND), n, fs, names, 1.5)
        mask = np.zeros(n, dtype=bool)
        bursts: list[tuple[float, float]] = []
    else:
        sched_rng = _child_rng(root, _KEY_SCHEDULE)
        starts, ends = burst_suppression_schedule(
            n, fs, r, sched_rng, burst_mean_s=burst_mean_s, min_suppression_s=min_suppression_s
        )
        gains = sched_rng.uniform(20.0, 80.0, starts.size)
        env, inside = _burst_envelope(
            np.arange(n, dtype=np.int64), starts, ends, gains, int(round(_BURST_RAMP_S * fs))
        )
        if starts.size:
            data += env[None, :] * _burst_content(_child_rng(root, _KEY_BURST_CONTENT), n_ch, n, fs)
        mask = ~inside
        bursts = [(float(s) / fs, float(e) / fs) for s, e in zip(starts, ends, strict=True)]
    if line_hz is not None and line_uv > 0:
        data += _line_noise(_child_rng(root, _KEY_LINE), n_ch, n, fs, line_hz, line_uv)
    if ecg_amp > 0 and ecg_idx.size:
        data[ecg_idx] += ecg_amp * _ecg_trace(_child_rng(root, _KEY_ECG), n, fs)[None, :]
    artefacts: list[tuple[float, float, str]] = []
    artefact_channels: list[tuple[str, ...]] = []
    if art_idx is not None:
        data[art_idx] += _continuous_artefact(_child_rng(root, _KEY_ARTEFACT_CHANNEL), n, fs)
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


# --------------------------------------------------------------------------- artefacts


def add_artefacts(
    rec: SyntheticRecording,
    kind: ArtefactKind,
    start_s: float,
    duration_s: float,
    channels: Sequence[str] | None = None,
    seed: SeedLike = 0,
    *,
    amplitude_uv: float | None = None,
) -> SyntheticRecording:
    """A copy of ``rec`` with one artefact in ``[start_s, start_s + duration_s)``.

    Kinds (``channels=None`` means every channel, for every kind):

    - ``"flat"``: the channels read exactly 0 (disconnected electrode or amplifier).
    - ``"clip"``: a slow half-sine excursion of 2 × the rail (random sign per channel)
      is added and the result clipped at ± ``amplitude_uv`` (default 250 µV), leaving
      plateaus at the rail, as an amplifier in saturation.
    - ``"movement"``: a high-amplitude slow sway (0.3-3 Hz, RMS ``amplitude_uv``,
      default 150 µV) plus broadband muscle noise (20-100 Hz, 0.2 of that RMS), 90 %
      common to the channels, with per-channel gain 0.6-1.4 and 0.2-s ramps.
    - ``"nan"``: NaN samples (acquisition drop-out).
    - ``"electrode_pop"``: exponentially decaying steps (τ 0.1-0.6 s) of
      ``amplitude_uv`` (default 100-400 µV) at the start and at 1 /s, independent per
      channel, cut off at the end with a 50-ms ramp.

    The interval and channels are appended to ``artefacts`` and ``artefact_channels``.

    Parameters
    ----------
    rec : SyntheticRecording
        Input; not modified.
    kind : {"flat", "clip", "movement", "nan", "electrode_pop"}
        Artefact type.
    start_s, duration_s : float
        Interval in seconds, inside the recording.
    channels : sequence of str or None
        Affected channels.
    seed : int, numpy Generator or SeedSequence
        Random seed of the artefact.
    amplitude_uv : float or None
        Kind-specific amplitude (see above); ignored by "flat" and "nan".

    Returns
    -------
    SyntheticRecording
        A new recording (data copied).
    """
    if not isinstance(rec, SyntheticRecording):
        raise TypeError(f"rec must be a SyntheticRecording, got {type(rec).__name__}")
    kinds = ("flat", "clip", "movement", "nan", "electrode_pop")
    if kind not in kinds:
        raise ValueError(f"kind must be one of {kinds}, got {kind!r}")
    fs = rec.sfreq_hz
    start = _check_nonneg("start_s", start_s)
    seg_n = _n_samples(duration_s, fs, min_n=1)
    i0 = int(round(start * fs))
    i1 = i0 + seg_n
    if i1 > rec.n_samples:
        raise ValueError(
            f"artefact [{start_s}, {start_s + duration_s}) s ends after the recording "
            f"({rec.duration_s} s)"
        )
    if channels is None:
        idx = np.arange(rec.n_channels)
    else:
        idx = _channel_indices("channels", channels, rec.ch_names)
        if idx.size == 0:
            raise ValueError("channels must name at least one channel (or be None)")
    if amplitude_uv is not None:
        _check_nonneg("amplitude_uv", amplitude_uv)
    rng = _child_rng(_seed_sequence(seed), _KEY_ARTEFACT)
    data = rec.data_uv.copy()
    n_sel = idx.size
    seg = data[idx, i0:i1]
    if kind == "flat":
        seg[:] = 0.0
    elif kind == "nan":
        seg[:] = np.nan
    elif kind == "clip":
        rail = 250.0 if amplitude_uv is None else float(amplitude_uv)
        sign = rng.choice((-1.0, 1.0), n_sel)
        bump = np.sin(np.pi * (np.arange(seg_n) + 0.5) / seg_n)
        seg = np.clip(seg + 2.0 * rail * sign[:, None] * bump[None, :], -rail, rail)
    elif kind == "movement":
        rms = 150.0 if amplitude_uv is None else float(amplitude_uv)
        freqs = _freqs(seg_n, fs)
        high_hz = min(100.0, 0.45 * fs)
        slow = _shaped_noise(rng, n_sel + 1, seg_n, _band_amplitude(freqs, 0.3, 3.0))
        emg = _shaped_noise(rng, 1, seg_n, _band_amplitude(freqs, min(20.0, high_hz / 2), high_hz))
        common = math.sqrt(0.9) * slow[0] + 0.2 * emg[0]
        local = math.sqrt(0.1) * slow[1:]
        gain = rng.uniform(0.6, 1.4, n_sel)[:, None]
        seg = seg + rms * gain * (common[None, :] + local) * _taper(seg_n, int(0.2 * fs))
    else:  # electrode_pop
        amp_range = (100.0, 400.0) if amplitude_uv is None else (amplitude_uv, amplitude_uv)
        pops = np.stack(
            [_pop_train(rng, seg_n, fs, 1.0, amp_range, first_at_start=True) for _ in range(n_sel)]
        )
        end_ramp = np.ones(seg_n)
        r = min(seg_n, max(1, int(0.05 * fs)))
        end_ramp[seg_n - r :] = np.linspace(1.0, 0.0, r)
        seg = seg + pops * end_ramp[None, :]
    data[idx, i0:i1] = seg
    return replace(
        rec,
        data_uv=data,
        seizures=list(rec.seizures),
        bursts=list(rec.bursts),
        artefacts=[*rec.artefacts, (i0 / fs, i1 / fs, kind)],
        artefact_channels=[*rec.artefact_channels, tuple(rec.ch_names[i] for i in idx)],
    )


# --------------------------------------------------------------------------- chunking


def iter_chunks(
    source: SyntheticRecording | Chunk | Iterable[Chunk],
    chunk_s: float = 1.0,
    *,
    sizes_seed: int | None = None,
) -> Iterator[Chunk]:
    """Cut a recording, a chunk, or a stream of chunks into chunks of ``chunk_s``.

    Chunks hold ``max(1, round(chunk_s · sfreq_hz))`` samples (the last may be shorter).
    With ``sizes_seed`` the sizes are instead drawn uniformly in ``1 .. 2 ×`` that
    number (for chunked-equals-batch tests; a size of 1 sample occurs). A stream of
    chunks is re-cut across chunk boundaries; a ``gap_before`` in the input flushes
    the pending samples and starts a new run whose first chunk carries ``gap_before``.
    ``meta["suppressed_mask"]``, when present, is cut along.

    Parameters
    ----------
    source : SyntheticRecording, Chunk or iterable of Chunk
        What to cut. The chunks of an iterable must share rate and channel names.
    chunk_s : float
        Nominal chunk length in seconds, > 0.
    sizes_seed : int or None
        Seed of random chunk sizes; None for fixed sizes.

    Yields
    ------
    Chunk
        Consecutive chunks; ``t0_s`` counts from the recording start.
    """
    if not (isinstance(chunk_s, int | float) and not isinstance(chunk_s, bool)):
        raise TypeError(f"chunk_s must be a number, got {type(chunk_s).__name__}")
    if not (chunk_s > 0 and math.isfinite(chunk_s)):
        raise ValueError(f"chunk_s must be a positive duration, got {chunk_s!r}")
    if isinstance(source, SyntheticRecording):
        stream: Iterable[Chunk] = [source.to_chunk()]
    elif isinstance(source, Chunk):
        stream = [source]
    elif isinstance(source, Iterable):
        stream = source
    else:
        raise TypeError(
            f"source must be a SyntheticRecording, Chunk or iterable of Chunk, "
            f"got {type(source).__name__}"
        )
    size_rng = None if sizes_seed is None else np.random.default_rng(sizes_seed)
    return _rechunk(stream, float(chunk_s), size_rng)


def _rechunk(
    stream: Iterable[Chunk], chunk_s: float, size_rng: np.random.Generator | None
) -> Iterator[Chunk]:
    pending: list[Chunk] = []
    n_pending = 0
    first: Chunk | None = None
    gap_flag = False
    next_size = 0

    def draw(fs: float) -> int:
        nominal = max(1, int(round(chunk_s * fs)))
        if size_rng is None:
            return nominal
        return int(size_rng.integers(1, 2 * nominal + 1))

    def emit(n_take: int) -> Chunk:
        nonlocal n_pending, gap_flag
        ref = first if first is not None else pending[0]
        t0 = pending[0].t0_s
        parts: list[FloatArray] = []
        masks: list[object] = []
        taken = 0
        while taken < n_take:
            head = pending[0]
            need = n_take - taken
            if head.n_samples <= need:
                parts.append(head.data_uv)
                masks.append(head.meta.get("suppressed_mask"))
                taken += head.n_samples
                pending.pop(0)
            else:
                parts.append(head.data_uv[:, :need])
                m = head.meta.get("suppressed_mask")
                masks.append(None if m is None else m[:need])  # type: ignore[index]
                pending[0] = Chunk(
                    head.data_uv[:, need:],
                    head.t0_s + need / head.sfreq_hz,
                    head.sfreq_hz,
                    head.ch_names,
                    unit_known=head.unit_known,
                    meta={} if m is None else {"suppressed_mask": m[need:]},  # type: ignore[index]
                )
                taken = n_take
        data = np.ascontiguousarray(np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0])
        meta: dict[str, object] = {}
        if all(m is not None for m in masks):
            meta["suppressed_mask"] = np.concatenate(masks)  # type: ignore[arg-type]
        out = Chunk(
            data,
            t0,
            ref.sfreq_hz,
            ref.ch_names,
            gap_before=gap_flag,
            unit_known=ref.unit_known,
            meta=meta,
        )
        gap_flag = False
        n_pending -= n_take
        return out

    for chunk in stream:
        if not isinstance(chunk, Chunk):
            raise TypeError(f"source must yield Chunk objects, got {type(chunk).__name__}")
        if first is not None and (
            chunk.sfreq_hz != first.sfreq_hz or chunk.ch_names != first.ch_names
        ):
            raise ValueError("all chunks of source must share sfreq_hz and ch_names")
        if chunk.gap_before or first is None:
            while n_pending > 0:
                yield emit(min(next_size, n_pending))
                next_size = draw(chunk.sfreq_hz)
            first = chunk
            gap_flag = chunk.gap_before
            next_size = draw(chunk.sfreq_hz)
        if chunk.n_samples == 0:
            continue
        pending.append(chunk)
        n_pending += chunk.n_samples
        while n_pending >= next_size:
            yield emit(next_size)
            next_size = draw(chunk.sfreq_hz)
    while n_pending > 0 and first is not None:
        yield emit(min(next_size, n_pending))
        next_size = draw(first.sfreq_hz)


class _PeriodicBackground:
    """Background from two circular tables of coprime lengths, read at any position.

    ``x[:, i] = A[:, (o_A + i) mod L_A] + B[:, (o_B + i) mod L_B]``; the sum repeats
    only after ``L_A · L_B`` samples (29 days at 256 Hz with the default lengths), and
    each table is a :func:`background` realisation, circular by construction, with RMS
    ``amplitude / sqrt(2)``. Reading is one or two slice additions per chunk.
    """

    def __init__(
        self,
        root: np.random.SeedSequence,
        sfreq_hz: float,
        ch_names: tuple[str, ...],
        amplitude_uv: float,
    ) -> None:
        self.tables: list[FloatArray] = []
        self.offsets: list[int] = []
        for key, length in zip(
            (_KEY_STREAM_TABLE_A, _KEY_STREAM_TABLE_B), _STREAM_TABLE_LENGTHS, strict=True
        ):
            rng = _child_rng(root, key)
            table = _background_unit(rng, length, sfreq_hz, ch_names, 1.5)
            table *= amplitude_uv / math.sqrt(2.0)
            self.tables.append(table)
            self.offsets.append(int(rng.integers(0, length)))

    @staticmethod
    def _read(table: FloatArray, start: int, n: int) -> FloatArray:
        length = table.shape[1]
        s = start % length
        if s + n <= length:
            return table[:, s : s + n]
        return np.take(table, (s + np.arange(n)) % length, axis=1)

    def read(self, start_sample: int, n_samples: int) -> FloatArray:
        (a, b), (oa, ob) = self.tables, self.offsets
        part_a = self._read(a, oa + start_sample, n_samples)
        return part_a + self._read(b, ob + start_sample, n_samples)


def stream_background_chunks(
    duration_s: float,
    sfreq_hz: float = 256.0,
    n_channels: int = 19,
    chunk_s: float = 10.0,
    seed: SeedLike = 0,
    *,
    ch_names: Sequence[str] | None = None,
    amplitude_uv: float = 30.0,
    line_noise_uv: float = 0.0,
    line_noise_hz: float = 50.0,
    suppression_epochs: Sequence[tuple[float, float, float]] = (),
    floor_rms_uv: float = 2.0,
) -> Iterator[Chunk]:
    """Chunks of an arbitrarily long background recording, in bounded memory.

    The signal is a function of the absolute sample index only, so it does not depend
    on ``chunk_s``: the concatenation of the chunks is the same for every chunk size
    (bit-identical without line noise and epochs; to floating-point rounding of
    ``sin``/``cos`` otherwise). Memory is two circular background tables of 2^15 and
    3^9 samples (about 8 MB for 19 channels) whatever the duration; the sum of the two
    repeats only after 2^15 × 3^9 samples (29 days at 256 Hz), though each table alone
    repeats every 128 s / 77 s, so the autocorrelation at those lags is 0.5 — fine for
    throughput and long-run tests, not for spectral estimates finer than 1/77 Hz.
    Generation is a slice addition per chunk, far faster than real time (a few
    hundred thousand × for 19 channels at 256 Hz).

    ``suppression_epochs`` turns intervals into burst suppression: inside
    ``(start_s, end_s, ratio)`` the background is scaled to ``floor_rms_uv`` during
    suppressions and to a per-burst RMS drawn in 20-80 µV during bursts (schedule of
    :func:`burst_suppression_schedule`, 0.15-s ramps). Each chunk then carries the
    truth as ``meta["suppressed_mask"]`` (n_samples,) bool.

    Parameters
    ----------
    duration_s : float
        Total length in seconds.
    sfreq_hz : float
        Sampling rate in Hz.
    n_channels : int
        Number of channels; 19 gives :data:`DEFAULT_CHANNELS_19`, others ``EEG001`` ...
        (ignored when ``ch_names`` is given).
    chunk_s : float
        Chunk length in seconds (the last chunk may be shorter).
    seed : int, numpy Generator or SeedSequence
        Random seed.
    ch_names : sequence of str or None
        Explicit channel names.
    amplitude_uv : float
        Background RMS in µV.
    line_noise_uv, line_noise_hz : float
        Optional mains sine (0 µV by default).
    suppression_epochs : sequence of (start_s, end_s, suppression_ratio)
        Non-overlapping burst-suppression intervals.
    floor_rms_uv : float
        Suppression floor RMS in µV.

    Yields
    ------
    Chunk
        ``t0_s`` = index of its first sample / ``sfreq_hz``.
    """
    fs = _check_sfreq(sfreq_hz)
    n_total = _n_samples(duration_s, fs)
    if ch_names is not None:
        names = _check_ch_names(ch_names)
    else:
        if isinstance(n_channels, bool) or not isinstance(n_channels, int | np.integer):
            raise TypeError(f"n_channels must be an int, got {type(n_channels).__name__}")
        if n_channels < 1:
            raise ValueError(f"n_channels must be >= 1, got {n_channels}")
        names = (
            DEFAULT_CHANNELS_19
            if n_channels == 19
            else tuple(f"EEG{i + 1:03d}" for i in range(int(n_channels)))
        )
    if isinstance(chunk_s, bool) or not isinstance(chunk_s, int | float | np.number):
        raise TypeError(f"chunk_s must be a number, got {type(chunk_s).__name__}")
    if not (chunk_s > 0 and math.isfinite(chunk_s)):
        raise ValueError(f"chunk_s must be a positive duration, got {chunk_s!r}")
    amp = _check_nonneg("amplitude_uv", amplitude_uv)
    if amp == 0:
        raise ValueError("amplitude_uv must be > 0 for a stream, got 0")
    line_uv = _check_nonneg("line_noise_uv", line_noise_uv)
    line_hz = _check_line_hz(line_noise_hz, fs) if line_uv > 0 else None
    floor_uv = _check_nonneg("floor_rms_uv", floor_rms_uv)
    root = _seed_sequence(seed)
    epochs = _stream_epochs(root, suppression_epochs, n_total, fs)
    chunk_n = max(1, int(round(chunk_s * fs)))
    return _stream(root, names, fs, n_total, chunk_n, amp, line_uv, line_hz, floor_uv, epochs)


@dataclass(frozen=True)
class _Epoch:
    start: int
    stop: int
    ratio: float
    burst_starts: NDArray[np.int64]
    burst_ends: NDArray[np.int64]
    burst_rms_uv: FloatArray


def _stream_epochs(
    root: np.random.SeedSequence,
    epochs: Sequence[tuple[float, float, float]],
    n_total: int,
    fs: float,
) -> list[_Epoch]:
    out: list[_Epoch] = []
    try:
        triples = sorted((float(a), float(b), float(r)) for a, b, r in epochs)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"suppression_epochs must be (start_s, end_s, ratio) triples, got {epochs!r}"
        ) from exc
    prev_stop = 0
    for k, (a_s, b_s, ratio) in enumerate(triples):
        start, stop = int(round(a_s * fs)), min(n_total, int(round(b_s * fs)))
        if not (0 <= start < stop) or b_s * fs > n_total + 0.5:
            raise ValueError(f"suppression epoch ({a_s}, {b_s}) must lie inside the recording")
        if start < prev_stop:
            raise ValueError(f"suppression_epochs overlap: {triples}")
        r = _check_ratio(ratio)
        rng = _child_rng(root, _KEY_SCHEDULE, k)
        starts, ends = burst_suppression_schedule(stop - start, fs, r, rng)
        rms_uv = rng.uniform(20.0, 80.0, starts.size)
        out.append(_Epoch(start, stop, r, starts + start, ends + start, rms_uv))
        prev_stop = stop
    return out


def _stream(
    root: np.random.SeedSequence,
    names: tuple[str, ...],
    fs: float,
    n_total: int,
    chunk_n: int,
    amp: float,
    line_uv: float,
    line_hz: float | None,
    floor_uv: float,
    epochs: list[_Epoch],
) -> Iterator[Chunk]:
    source = _PeriodicBackground(root, fs, names, amp)
    n_ch = len(names)
    line_rng = _child_rng(root, _KEY_LINE)
    line_phase0 = line_rng.uniform(0, 2 * np.pi)
    line_delta = line_rng.uniform(-0.15, 0.15, n_ch)
    ramp_n = int(round(_BURST_RAMP_S * fs))
    floor_gain = floor_uv / amp
    for start in range(0, n_total, chunk_n):
        n = min(chunk_n, n_total - start)
        data = source.read(start, n)
        meta: dict[str, object] = {}
        if epochs:
            mask = np.zeros(n, dtype=bool)
            gain = np.ones(n)
            for ep in epochs:
                lo, hi = max(start, ep.start), min(start + n, ep.stop)
                if lo >= hi or ep.ratio <= 0.0:
                    continue
                idx = np.arange(lo, hi, dtype=np.int64)
                env, inside = _burst_envelope(
                    idx, ep.burst_starts, ep.burst_ends, ep.burst_rms_uv / amp, ramp_n
                )
                sl = slice(lo - start, hi - start)
                gain[sl] = np.maximum(env, floor_gain)
                mask[sl] = ~inside
            if not np.all(gain == 1.0):
                data = data * gain[None, :]
            meta["suppressed_mask"] = mask
        if line_hz is not None:
            theta = 2 * np.pi * line_hz * np.arange(start, start + n) / fs + line_phase0
            data = data + line_uv * (
                np.cos(line_delta)[:, None] * np.sin(theta)[None, :]
                + np.sin(line_delta)[:, None] * np.cos(theta)[None, :]
            )
        yield Chunk(np.ascontiguousarray(data), start / fs, fs, names, meta=meta)
