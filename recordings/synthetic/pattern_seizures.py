"""Electrographic seizures with exact labels: evolving, or > 2.5 Hz without evolution.

:class:`ElectrographicSeizure` is a pattern component of
:func:`~recordings.synthetic.patterns.make_pattern_recording`: rhythmic sharp
discharges whose frequency follows a piecewise-linear path (e.g. 3 → 6 Hz, then
slowing before the end) and whose field spreads from a focus, or that keep one
frequency above 2.5 Hz. It labels itself ``sz`` with the ACNS 2021 criteria [1]_
checked at construction.

References
----------
.. [1] Hirsch LJ et al. American Clinical Neurophysiology Society's Standardized
   Critical Care EEG Terminology: 2021 Version. J Clin Neurophysiol 2021;38:1-29
   (electrographic seizure: epileptiform discharges averaging > 2.5 Hz for >= 10 s,
   or any pattern with definite evolution lasting >= 10 s; evolution: at least two
   unequivocal, sequential changes in frequency, morphology or location).
.. [2] Fisher RS et al. Operational classification of seizure types by the ILAE.
   Epilepsia 2017;58:522-530 (focal onset with spread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rse_monitor.pipeline.checks import fraction, in_range, positive
from rse_monitor.recordings.synthetic._common import FloatArray, taper
from rse_monitor.recordings.synthetic._discharges import (
    channel_gain,
    check_interval,
    focal_distance,
    focus_position,
    generalized_field,
    involved_channels,
    sample_span,
)
from rse_monitor.recordings.synthetic.pattern_events import PatternEvent

__all__ = ["SEIZURE_MIN_HZ", "SEIZURE_MIN_S", "ElectrographicSeizure"]

SEIZURE_MIN_HZ = 2.5
"""Discharges must average more than this (Hz) to be a seizure without evolution [1]_."""
SEIZURE_MIN_S = 10.0
"""Shortest electrographic seizure in seconds [1]_."""

_EVOLUTION_MIN_HZ = 1.0  # frequency range that counts as evolution here (2 steps of >= 0.5 Hz)
_EVOLUTION_MIN_SPREAD = 0.2  # field-width change (unit disc) that counts as evolution
_RAMP_S = 0.5  # raised-cosine onset and offset ramps
_GROWTH_SHARE = 0.4  # share of the seizure over which the amplitude grows
_INVOLVED_SHARE = 0.25


def _ictal_wave(phase: FloatArray) -> FloatArray:
    """A sharp rhythmic discharge per cycle, peak |value| 1, zero mean over a cycle.

    ``-(0.8 e^{8(cos φ - 1)} + 0.5 (1 + cos φ))`` minus its cycle mean: a
    surface-negative sharp component at ``φ = 0 (mod 2π)`` (half-width 0.13 cycle,
    about 45 ms at 3 Hz) riding on the trough of a rhythmic wave of the same period.
    The fundamental dominates the spectrum (2nd harmonic about 0.2 of it in
    amplitude), so the dominant frequency is the discharge rate.
    """
    grid = np.linspace(0.0, 2 * np.pi, 1024, endpoint=False)

    def raw(ph: FloatArray) -> FloatArray:
        return -(0.8 * np.exp(8.0 * (np.cos(ph) - 1.0)) + 0.5 * (1.0 + np.cos(ph)))

    ref = raw(grid)
    mean = ref.mean()
    return (raw(phase) - mean) / np.abs(ref - mean).max()


def _smoothstep(x: FloatArray) -> FloatArray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _knots(name: str, values: Sequence[float], low: float, high: float) -> tuple[float, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty sequence of numbers, got {values!r}")
    return tuple(in_range(f"{name}[{i}]", v, low, high) for i, v in enumerate(values))


@dataclass(frozen=True)
class ElectrographicSeizure:
    """Rhythmic ictal discharges with a known frequency path and field, labelled ``sz``.

    With ``u = (t - onset_s) / D`` in [0, 1] (``D`` the duration):

    - frequency ``f(u)``: piecewise linear through ``frequency_knots_hz`` at evenly
      spaced ``u`` (one knot: constant); phase ``φ = φ0 + 2π ∫ f dt``, waveform a sharp
      surface-negative discharge and a slow after-wave per cycle;
    - field: with a ``focus``, ``w_c(u) = g_c exp(-d_c / λ(u))`` (``d_c`` the scalp
      distance to the focus, ``λ`` piecewise linear through ``spread_knots``: focal →
      spreading); with ``focus=None`` the generalized frontal field, constant;
      ``g_c`` a per-channel gain in 0.9-1.1;
    - height ``A (r0 + (1 - r0) smoothstep(u / 0.4))`` at the field maximum (``r0`` =
      ``start_amplitude_ratio``), with 0.5-s raised-cosine ramps at both ends (none
      at the start when ``ramp_in=False``: a recording that begins mid-seizure).

    It is an electrographic seizure by the ACNS 2021 definition [1]_: at least 10 s
    long, and either evolving (frequency knots spanning >= 1 Hz, i.e. at least two
    sequential 0.5-Hz changes, or the field width changing by >= 0.2) or averaging
    > 2.5 Hz. Anything else is refused.

    Label: ``sz`` over ``[onset_s, offset_s)``, ``frequency_hz`` the mean rate
    ``(φ_end - φ_start) / (2π D)``, ``evolving`` as above, channels with field >= 25 %
    of the maximum at the widest spread. Discharge times: the sharp peaks (``φ = 0 mod
    2π``), to the sample.
    """

    onset_s: float
    offset_s: float
    frequency_knots_hz: tuple[float, ...] = (3.0, 6.0, 6.0, 6.0, 3.5, 2.0)
    focus: str | None = "T3"
    amplitude_uv: float = 150.0
    spread_knots: tuple[float, ...] = (0.2, 0.9)
    start_amplitude_ratio: float = 0.5
    ramp_in: bool = True

    def __post_init__(self) -> None:
        onset, offset = check_interval(self.onset_s, self.offset_s)
        freqs = _knots("frequency_knots_hz", self.frequency_knots_hz, 0.5, 30.0)
        spreads = _knots("spread_knots", self.spread_knots, 0.05, 5.0)
        object.__setattr__(self, "frequency_knots_hz", freqs)
        object.__setattr__(self, "spread_knots", spreads)
        if self.focus is not None:
            focus_position("focus", self.focus)
        positive("amplitude_uv", self.amplitude_uv)
        fraction("start_amplitude_ratio", self.start_amplitude_ratio)
        if not isinstance(self.ramp_in, bool):
            raise TypeError(f"ramp_in must be a bool, got {self.ramp_in!r}")
        if offset - onset < SEIZURE_MIN_S:
            raise ValueError(
                f"offset_s - onset_s = {offset - onset} s: an electrographic seizure lasts "
                f">= {SEIZURE_MIN_S} s (ACNS 2021)"
            )
        if not self.evolving and self.mean_frequency_hz <= SEIZURE_MIN_HZ:
            raise ValueError(
                f"frequency_knots_hz={freqs!r}: without evolution a seizure needs discharges "
                f"averaging > {SEIZURE_MIN_HZ} Hz (ACNS 2021)"
            )

    @property
    def evolving(self) -> bool:
        """Definite evolution in frequency (knots span >= 1 Hz) or location (field)."""
        freqs, spreads = self.frequency_knots_hz, self.spread_knots
        in_frequency = max(freqs) - min(freqs) >= _EVOLUTION_MIN_HZ
        in_location = self.focus is not None and (
            max(spreads) - min(spreads) >= _EVOLUTION_MIN_SPREAD
        )
        return in_frequency or in_location

    @property
    def mean_frequency_hz(self) -> float:
        """Mean of the piecewise-linear frequency path over the seizure (Hz)."""
        f = np.asarray(self.frequency_knots_hz)
        return float(f[0]) if f.size == 1 else float(np.mean((f[1:] + f[:-1]) / 2.0))

    def _path(self, knots: tuple[float, ...], u: FloatArray) -> FloatArray:
        if len(knots) == 1:
            return np.full(u.shape, knots[0])
        return np.interp(u, np.linspace(0.0, 1.0, len(knots)), knots)

    def _weights(
        self, rng: np.random.Generator, names: tuple[str, ...], u: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Per-sample weights ``(n_ch, n)`` (or ``(n_ch, 1)``) and the widest field."""
        gain = channel_gain(rng, len(names))
        if self.focus is None:
            w = generalized_field(names) * gain
            return w[:, None], w
        d = focal_distance(names, focus_position("focus", self.focus))
        lam = self._path(self.spread_knots, u)
        widest = gain * np.exp(-d / max(self.spread_knots))
        return gain[:, None] * np.exp(-d[:, None] / lam[None, :]), widest

    def render(
        self, out: FloatArray, rng: np.random.Generator, sfreq_hz: float, names: tuple[str, ...]
    ) -> list[tuple[PatternEvent, FloatArray]]:
        """Add the seizure to ``out`` (µV, in place) and return its label and peak times."""
        i0, i1 = sample_span(self.onset_s, self.offset_s, sfreq_hz, out.shape[1])
        seg_n = i1 - i0
        u = (np.arange(seg_n) + 0.5) / seg_n
        freq = self._path(self.frequency_knots_hz, u)
        phase = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.cumsum(freq) / sfreq_hz
        r0 = self.start_amplitude_ratio
        env = self.amplitude_uv * (r0 + (1.0 - r0) * _smoothstep(u / _GROWTH_SHARE))
        ramp = taper(seg_n, int(round(_RAMP_S * sfreq_hz)))
        if not self.ramp_in:
            ramp[: seg_n // 2] = 1.0
        weights, widest = self._weights(rng, names, u)
        out[:, i0:i1] += weights * (env * ramp * _ictal_wave(phase))[None, :]
        cycle = np.floor(phase / (2 * np.pi))
        peaks = (i0 + 1 + np.flatnonzero(np.diff(cycle) > 0)) / sfreq_hz
        mean_hz = float((phase[-1] - phase[0]) / (2 * np.pi) * sfreq_hz / max(seg_n - 1, 1))
        event = PatternEvent(
            self.onset_s,
            self.offset_s,
            "sz",
            mean_hz,
            involved_channels(names, widest, _INVOLVED_SHARE),
            evolving=self.evolving,
        )
        return [(event, peaks)]
