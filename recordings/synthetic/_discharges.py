"""Waveforms and scalp fields of discharges, private to the pattern generators.

A discharge is a short sum of *phases*: raised-cosine half-waves that leave the
baseline, reach a peak and return to it, each with its own start, duration, signed
height and rise share. Because each phase has compact support and the next phase
starts where the previous one ends, the duration of a phase (baseline to baseline)
is exact, which is what the ACNS 2021 terminology [1]_ uses to call a transient a
spike (< 70 ms) or a sharp wave (70-200 ms). A field gives each channel its weight
(1 at the maximum): decaying with scalp distance from a focus on the unit-disc
layout of :mod:`recordings.synthetic.layout` (lateralized) or floored everywhere
with a frontal maximum (generalized).

References
----------
.. [1] Hirsch LJ et al. American Clinical Neurophysiology Society's Standardized
   Critical Care EEG Terminology: 2021 Version. J Clin Neurophysiol 2021;38:1-29
   (sharpness by the duration of the most prominent phase; GRDA frequently
   frontally predominant; triphasic morphology and anterior-posterior lag).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rse_monitor.pipeline.checks import positive
from rse_monitor.recordings.synthetic._common import FloatArray, taper
from rse_monitor.recordings.synthetic.layout import ELECTRODE_POSITIONS, positions

# Side of the head below which a channel counts as midline (unit-disc x).
_MIDLINE_HALF_WIDTH = 0.05
CHANNEL_GAIN_JITTER = 0.1  # per-channel gain: uniform in 1 ± 0.1
FAST_HZ = (14.0, 20.0)  # +F: beta frequency range, drawn once per component
FAST_RATIO = 0.25  # +F amplitude relative to the discharge height


@dataclass(frozen=True)
class Phase:
    """One phase of a discharge: ``height`` at ``start_s + rise_ratio * width_s``.

    Shape on ``[start, start + width]``: ``h (1 - cos(π τ / r)) / 2`` while rising
    (``τ = t - start``, ``r = rise_ratio · width``), then ``h (1 + cos(π (τ - r) /
    (width - r))) / 2`` while falling; zero elsewhere. Continuous with a continuous
    slope, exactly ``width_s`` long.
    """

    start_s: float
    width_s: float
    height: float
    rise_ratio: float = 0.5


def phase_values(t_s: FloatArray, phase: Phase) -> FloatArray:
    """The phase evaluated at times ``t_s`` (seconds from the discharge onset)."""
    tau = t_s - phase.start_s
    rise = phase.rise_ratio * phase.width_s
    fall = phase.width_s - rise
    out = np.zeros_like(tau)
    up = (tau >= 0) & (tau < rise)
    down = (tau >= rise) & (tau < phase.width_s)
    out[up] = 0.5 - 0.5 * np.cos(np.pi * tau[up] / rise)
    out[down] = 0.5 + 0.5 * np.cos(np.pi * (tau[down] - rise) / fall)
    return phase.height * out


def pd_phases(sharp_s: float, triphasic: bool) -> tuple[Phase, ...]:
    """Phases of one periodic discharge whose most prominent phase lasts ``sharp_s``.

    Diphasic (default): a surface-negative transient (height -1, rise 40 %) then a
    positive after-going phase (height +0.3, twice as long). Triphasic [1]_: a small
    negative phase (0.3, 0.5 × ``sharp_s``), the dominant positive phase (+1,
    ``sharp_s``) and a slower negative phase (-0.45, 2 × ``sharp_s``). Support:
    3 × ``sharp_s`` and 3.5 × ``sharp_s``.
    """
    if triphasic:
        a = 0.5 * sharp_s
        return (
            Phase(0.0, a, -0.3),
            Phase(a, sharp_s, 1.0, 0.45),
            Phase(a + sharp_s, 2.0 * sharp_s, -0.45),
        )
    return (Phase(0.0, sharp_s, -1.0, 0.4), Phase(sharp_s, 2.0 * sharp_s, 0.3))


def pd_support_s(sharp_s: float, triphasic: bool) -> float:
    return (3.5 if triphasic else 3.0) * sharp_s


def sw_phases(spike_s: float, period_s: float) -> tuple[Phase, ...]:
    """One spike-and-wave complex filling ``period_s`` exactly (no interval).

    A surface-negative spike (-1, ``spike_s``, rise 40 %), a positive phase (+0.35,
    20 % of the period) and a surface-negative slow wave (-0.7) for the rest of the
    period: the spike-wave-spike-wave alternation of ACNS 2021 SW [1]_.
    """
    dip = 0.2 * period_s
    slow = period_s - spike_s - dip
    return (
        Phase(0.0, spike_s, -1.0, 0.4),
        Phase(spike_s, dip, 0.35),
        Phase(spike_s + dip, slow, -0.7, 0.45),
    )


def render_train(
    out: FloatArray,
    onsets_s: FloatArray,
    heights: FloatArray,
    phase_sets: list[tuple[Phase, ...]],
    weights: FloatArray,
    lags_s: FloatArray,
    sfreq_hz: float,
) -> None:
    """Add discharge ``k`` (phases ``phase_sets[k]``, scaled by ``heights[k]``) at
    ``onsets_s[k] + lags_s[c]`` times ``weights[c]`` to every row ``c`` of ``out``."""
    n = out.shape[1]
    lag_lo, lag_hi = float(lags_s.min()), float(lags_s.max())
    for onset, height, phases in zip(onsets_s, heights, phase_sets, strict=True):
        end = max(p.start_s + p.width_s for p in phases)
        i0 = max(0, int(np.floor((onset + lag_lo) * sfreq_hz)))
        i1 = min(n, int(np.ceil((onset + lag_hi + end) * sfreq_hz)) + 1)
        if i1 <= i0:
            continue
        t = np.arange(i0, i1) / sfreq_hz
        rel = t[None, :] - onset - lags_s[:, None]
        wave = sum(phase_values(rel, p) for p in phases)
        out[:, i0:i1] += (height * weights)[:, None] * wave


# --------------------------------------------------------------------------- fields


def focus_position(arg_name: str, focus: str) -> tuple[float, float]:
    """Unit-disc position of a 10-20 electrode name (ValueError naming ``arg_name``)."""
    if not isinstance(focus, str):
        raise TypeError(f"{arg_name} must be a 10-20 electrode name, got {focus!r}")
    pos = positions((focus,))[0]
    if pos is None:
        raise ValueError(
            f"{arg_name}={focus!r} is not a known electrode; use one of "
            f"{sorted(ELECTRODE_POSITIONS)}"
        )
    return pos


def lateral_side(arg_name: str, focus: str) -> int:
    """-1 for a left focus, +1 for a right one; ValueError for a midline electrode."""
    x = focus_position(arg_name, focus)[0]
    if abs(x) <= _MIDLINE_HALF_WIDTH:
        raise ValueError(f"{arg_name}={focus!r} is a midline electrode; a lateralized pattern")
    return -1 if x < 0 else 1


def focal_distance(ch_names: tuple[str, ...], focus_xy: tuple[float, float]) -> FloatArray:
    """Scalp distance of each channel from the focus; 1 where a position is unknown."""
    return np.array(
        [
            1.0 if p is None else float(np.hypot(p[0] - focus_xy[0], p[1] - focus_xy[1]))
            for p in positions(ch_names)
        ]
    )


def lateralized_field(
    ch_names: tuple[str, ...], focus: str, spread: float, contralateral_ratio: float
) -> FloatArray:
    """``w_c = exp(-d_c / spread)``, times ``contralateral_ratio`` across the midline.

    ``d_c`` is the unit-disc distance from the focus electrode; channels on the other
    side of the midline (x beyond ±0.05 with the opposite sign) are further scaled.
    """
    focus_xy = focus_position("focus", focus)
    w = np.exp(-focal_distance(ch_names, focus_xy) / spread)
    side = np.sign(focus_xy[0])
    xs = np.array([0.0 if p is None else p[0] for p in positions(ch_names)])
    w[(np.abs(xs) > _MIDLINE_HALF_WIDTH) & (np.sign(xs) != side)] *= contralateral_ratio
    return w


def generalized_field(ch_names: tuple[str, ...], centre_y: float = 0.4) -> FloatArray:
    """``w_c = 0.4 + 0.6 exp(-d_c / 0.4)``, ``d_c`` the distance from (0, ``centre_y``).

    Every channel carries at least 40 % of the maximum (generalized), with a
    frontal maximum at Fz for the default ``centre_y`` (GPDs and GRDA are frequently
    frontally predominant [1]_). Channels without a position get distance 1.
    """
    d = focal_distance(ch_names, (0.0, centre_y))
    return 0.4 + 0.6 * np.exp(-d / 0.4)


def anterior_posterior_lag_s(ch_names: tuple[str, ...], max_lag_s: float) -> FloatArray:
    """Lag growing linearly from 0 at the frontal pole (y = 0.8) to ``max_lag_s`` at y = -0.8."""
    ys = np.array([0.0 if p is None else p[1] for p in positions(ch_names)])
    return max_lag_s * np.clip((0.8 - ys) / 1.6, 0.0, 1.0)


def involved_channels(
    ch_names: tuple[str, ...], weights: FloatArray, share: float
) -> tuple[str, ...]:
    """Channels whose weight is at least ``share`` of the largest weight."""
    top = float(np.max(weights))
    return tuple(name for name, w in zip(ch_names, weights, strict=True) if w >= share * top)


def jittered_times(
    rng: np.random.Generator, onset_s: float, n: int, period_s: float, jitter_ratio: float
) -> FloatArray:
    """``n`` times from ``onset_s`` whose intervals jitter but average exactly ``period_s``.

    Intervals ``period_s (1 + ε_k)``, ``ε_k ~ N(0, jitter_ratio²)`` clipped to
    ±3 ``jitter_ratio``, then rescaled so their mean is exactly ``period_s``: the
    discharge rate ``(n - 1) / (t_last - t_first)`` equals ``1 / period_s``.
    """
    if n < 2:
        return np.array([onset_s])
    eps = np.clip(rng.standard_normal(n - 1) * jitter_ratio, -3 * jitter_ratio, 3 * jitter_ratio)
    intervals = period_s * (1.0 + eps)
    intervals *= period_s / intervals.mean()
    return onset_s + np.concatenate(([0.0], np.cumsum(intervals)))


# --------------------------------------------------------------------------- shared helpers


def check_interval(onset_s: float, offset_s: float) -> tuple[float, float]:
    """``0 <= onset_s < offset_s`` (ValueError naming the argument)."""
    onset = positive("onset_s", onset_s, allow_zero=True)
    offset = positive("offset_s", offset_s)
    if not offset > onset:
        raise ValueError(f"offset_s must be > onset_s={onset_s!r}, got {offset_s!r}")
    return onset, offset


def check_plus(plus: Sequence[str], allowed: tuple[str, ...], kind: str) -> tuple[str, ...]:
    """Plus modifiers as a sorted tuple, each one of ``allowed`` for this ``kind``."""
    if isinstance(plus, str):
        raise TypeError(f"plus must be a sequence such as ('f',), not the string {plus!r}")
    out = tuple(sorted(set(plus)))
    bad = [p for p in out if p not in allowed]
    if bad:
        raise ValueError(
            f"plus={tuple(plus)!r}: {kind} takes the ACNS 2021 modifiers {allowed}, not {bad}"
        )
    return out


def channel_gain(rng: np.random.Generator, n_ch: int) -> FloatArray:
    """Per-channel gain, uniform in ``1 ± CHANNEL_GAIN_JITTER``."""
    return rng.uniform(1.0 - CHANNEL_GAIN_JITTER, 1.0 + CHANNEL_GAIN_JITTER, n_ch)


def pattern_field(
    names: tuple[str, ...], focus: str | None, spread: float, contralateral_ratio: float
) -> FloatArray:
    """Generalized field for ``focus=None``, else the lateralized field of ``focus``."""
    if focus is None:
        return generalized_field(names)
    return lateralized_field(names, focus, spread, contralateral_ratio)


def sample_span(onset_s: float, offset_s: float, sfreq_hz: float, n: int) -> tuple[int, int]:
    """Sample indices ``[round(onset · fs), min(n, round(offset · fs)))``."""
    return int(round(onset_s * sfreq_hz)), min(n, int(round(offset_s * sfreq_hz)))


def add_fast_bursts(
    out: FloatArray,
    rng: np.random.Generator,
    onsets_s: FloatArray,
    heights: FloatArray,
    length_s: float,
    weights: FloatArray,
    sfreq_hz: float,
) -> None:
    """+F on PDs: a Hann-windowed beta burst (``FAST_HZ``) riding on each discharge."""
    fast_hz = rng.uniform(*FAST_HZ)
    n = out.shape[1]
    m = max(4, int(round(length_s * sfreq_hz)))
    window = np.hanning(m) * np.sin(2 * np.pi * fast_hz * np.arange(m) / sfreq_hz)
    for onset, height in zip(onsets_s, heights, strict=True):
        i0 = int(round(onset * sfreq_hz))
        i1 = min(n, i0 + m)
        if i1 > i0:
            out[:, i0:i1] += (FAST_RATIO * height * weights)[:, None] * window[None, : i1 - i0]


def add_rhythm(
    out: FloatArray,
    i0: int,
    i1: int,
    freq_hz: float,
    phase0: float,
    amplitude: float,
    weights: FloatArray,
    sfreq_hz: float,
) -> None:
    """A tapered sinusoid ``amplitude sin(2π f t + φ0)`` (1-cycle ramps) on the field."""
    t = np.arange(i1 - i0) / sfreq_hz
    wave = amplitude * np.sin(2 * np.pi * freq_hz * t + phase0)
    wave *= taper(i1 - i0, int(round(sfreq_hz / freq_hz)))
    out[:, i0:i1] += weights[:, None] * wave[None, :]
