"""ICU rhythmic and periodic patterns with exact labels, on a realistic background.

Each pattern is described by a small frozen *component* (:class:`PeriodicDischarges`,
and the others below); :func:`make_pattern_recording` draws the 1/f background of
:mod:`recordings.synthetic.background` and adds every component on top, returning a
:class:`PatternRecording` whose :class:`PatternEvent` labels and discharge times are
exact by construction. The ``make_*`` functions are one-pattern shortcuts.
The seizure component lives in :mod:`~recordings.synthetic.pattern_seizures`, the
scenarios in :mod:`~recordings.synthetic.pattern_scenarios`, the writers in
:mod:`~recordings.synthetic.pattern_io`.

Why this is still one module past 600 lines: it is the one place where a non-ictal
ACNS pattern (PD, RDA, SW) is turned into samples and a label, and the three
components share the rendering contract (``render(out, rng, sfreq_hz, ch_names)``
returning ``(PatternEvent, discharge times)``), the field and jitter conventions and
:func:`make_pattern_recording`; the shortcuts at the end are thin wrappers.

Randomness: the background draws from the seed's ``KEY_BACKGROUND`` stream (so
``data_uv`` with no component equals :func:`background` for the same seed and
amplitude), and component ``k`` of the list from its own stream ``(KEY_PATTERN, k)``.
Passing ``None`` in a slot switches that component off and leaves every other one,
and the background, sample-for-sample unchanged.

Amplitudes are in µV at the channel of maximal field, before a per-channel gain in
0.9-1.1 and a per-discharge height jitter of ±10 % (uniform): realistic scalp
values are 50-300 µV for discharges over a 20-50 µV (RMS) background [1]_.

References
----------
.. [1] Hirsch LJ et al. American Clinical Neurophysiology Society's Standardized
   Critical Care EEG Terminology: 2021 Version. J Clin Neurophysiol 2021;38:1-29.
   Periodic discharges: relatively uniform morphology and duration, a quantifiable
   inter-discharge interval and a clear return to background between them; rhythmic
   delta: uniform waveform without interval, <= 4 Hz; spike-and-wave: spike or sharp
   wave consistently followed by a slow wave, no interval between complexes; spike
   < 70 ms, sharp wave 70-200 ms (duration of the most prominent phase); plus
   modifiers +F (PD, RDA), +R (PD), +S (RDA); electrographic seizure: epileptiform
   discharges averaging > 2.5 Hz for >= 10 s, or any pattern with definite evolution
   for >= 10 s.
.. [2] Rodriguez Ruiz A et al. Association of periodic and rhythmic
   electroencephalographic patterns with seizures in critically ill patients. JAMA
   Neurol 2017;74:181-188 (4,772 patients: LPDs, LRDA and GPDs are associated with
   seizures, GRDA is not; a higher frequency and a plus modifier add to the risk).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from rse_monitor.pipeline.checks import fraction, in_range, positive
from rse_monitor.recordings.synthetic._common import (
    KEY_BACKGROUND,
    KEY_LINE,
    FloatArray,
    SeedLike,
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
from rse_monitor.recordings.synthetic._discharges import (
    FAST_HZ,
    FAST_RATIO,
    Phase,
    add_fast_bursts,
    add_rhythm,
    anterior_posterior_lag_s,
    channel_gain,
    check_interval,
    check_plus,
    involved_channels,
    jittered_times,
    lateral_side,
    pattern_field,
    pd_phases,
    pd_support_s,
    render_train,
    sample_span,
    sw_phases,
)
from rse_monitor.recordings.synthetic.background import background_unit
from rse_monitor.recordings.synthetic.layout import DEFAULT_CHANNELS_19
from rse_monitor.recordings.synthetic.pattern_events import PatternEvent, PatternRecording
from rse_monitor.recordings.synthetic.pattern_seizures import (
    SEIZURE_MIN_HZ,
    SEIZURE_MIN_S,
    ElectrographicSeizure,
)

__all__ = [
    "KEY_PATTERN",
    "PatternComponent",
    "PeriodicDischarges",
    "RhythmicDelta",
    "SpikeWave",
    "make_electrographic_seizure",
    "make_pattern_recording",
    "make_periodic_discharges",
    "make_rhythmic_delta",
    "make_spike_wave",
]

KEY_PATTERN = 20
"""Spawn key of the pattern components (clear of the ``KEY_*`` of ``_common``, 0-10)."""

#: A channel is labelled as involved when its field is >= this share of the maximum.
INVOLVED_SHARE = 0.25
_HEIGHT_JITTER = 0.1  # per-discharge height: uniform in 1 ± 0.1
_RETURN_SHARE = 0.8  # a PD complex may fill at most 80 % of its shortest interval
_TRIPHASIC_LAG_S = 0.04  # anterior-posterior lag of triphasic GPDs, frontal pole to occiput
_RHYTHMIC_RATIO = 0.3  # +R amplitude relative to the discharge height

Rendered = list[tuple[PatternEvent, FloatArray]]


# --------------------------------------------------------------------------- periodic discharges


@dataclass(frozen=True)
class PeriodicDischarges:
    """A train of periodic discharges: LPDs, GPDs, or one side of BIPDs.

    Discharge ``k`` starts at ``t_k`` (first at ``onset_s``, intervals ``1/f`` with a
    Gaussian jitter of ``jitter_ratio`` (SD, clipped at 3 SD) rescaled so that the mean
    interval is exactly ``1/f``), height ``A (1 + U(-0.1, 0.1))``, and the phases of
    :func:`~recordings.synthetic._discharges.pd_phases`: a surface-negative transient of
    ``sharp_ms`` (spike < 70 ms, sharp wave 70-200 ms [1]_) and a positive after-going
    phase twice as long, or a triphasic complex whose dominant positive phase lasts
    ``sharp_ms`` with a 40-ms anterior-posterior lag. The complex fills at most 80 % of
    the shortest interval, so the trace returns to background between discharges [1]_.

    Field: ``focus`` a lateral 10-20 electrode gives ``exp(-d/spread)`` with the other
    hemisphere scaled by ``contralateral_ratio`` (LPDs); ``focus=None`` gives the
    generalized, frontally predominant field (GPDs). Plus modifiers: ``"f"`` adds a
    beta burst (14-20 Hz, 25 % of the height, ``max(0.25 s, 3 × sharp_ms)`` long) on
    each discharge; ``"r"`` adds continuous rhythmic delta (1.5-2.5 Hz, 30 %).

    Label: one event ``[onset_s, offset_s)`` of type ``event_type`` (default ``lpd``
    or ``gpd``), ``frequency_hz`` = ``frequency_hz``, channels with field >= 25 % of
    the maximum. ``n = floor((offset_s - onset_s) · f)`` discharges.
    """

    onset_s: float
    offset_s: float
    frequency_hz: float = 1.0
    focus: str | None = "T3"
    amplitude_uv: float = 150.0
    sharp_ms: float = 120.0
    triphasic: bool = False
    plus: tuple[str, ...] = ()
    jitter_ratio: float = 0.05
    spread: float = 0.5
    contralateral_ratio: float = 0.15
    event_type: Literal["lpd", "gpd", "bipd"] | None = None

    def __post_init__(self) -> None:
        check_interval(self.onset_s, self.offset_s)
        f = in_range("frequency_hz", self.frequency_hz, 0.5, 2.5)
        if self.focus is not None:
            lateral_side("focus", self.focus)
        positive("amplitude_uv", self.amplitude_uv)
        sharp_s = in_range("sharp_ms", self.sharp_ms, 20.0, 500.0) / 1000.0
        in_range("jitter_ratio", self.jitter_ratio, 0.0, 0.1)
        positive("spread", self.spread)
        fraction("contralateral_ratio", self.contralateral_ratio)
        object.__setattr__(self, "plus", check_plus(self.plus, ("f", "r"), "a PD"))
        shortest_s = (1.0 - 3.0 * self.jitter_ratio) / f
        if pd_support_s(sharp_s, self.triphasic) > _RETURN_SHARE * shortest_s:
            raise ValueError(
                f"sharp_ms={self.sharp_ms!r} is too long for frequency_hz={f!r}: the "
                f"discharge ({pd_support_s(sharp_s, self.triphasic) * 1e3:.0f} ms) must fit "
                f"in 80 % of the shortest interval ({shortest_s * 1e3:.0f} ms) so that the "
                "trace returns to background (ACNS 2021)"
            )
        if (self.offset_s - self.onset_s) * f < 2.0:
            raise ValueError(
                f"offset_s - onset_s = {self.offset_s - self.onset_s} s holds fewer than 2 "
                f"discharges at frequency_hz={f!r}"
            )
        if self.event_type not in (None, "lpd", "gpd", "bipd"):
            raise ValueError(f"event_type must be 'lpd', 'gpd' or 'bipd', got {self.event_type!r}")
        if self.event_type == "gpd" and self.focus is not None:
            raise ValueError("event_type='gpd' needs focus=None (a generalized field)")
        if self.event_type in ("lpd", "bipd") and self.focus is None:
            raise ValueError(f"event_type={self.event_type!r} needs a lateral focus")

    def render(
        self, out: FloatArray, rng: np.random.Generator, sfreq_hz: float, names: tuple[str, ...]
    ) -> Rendered:
        """Add the train to ``out`` (µV, in place) and return its label and discharge times."""
        n_ch = len(names)
        sharp_s = self.sharp_ms / 1000.0
        period_s = 1.0 / self.frequency_hz
        n_dis = int(np.floor((self.offset_s - self.onset_s) * self.frequency_hz + 1e-9))
        weights = pattern_field(names, self.focus, self.spread, self.contralateral_ratio)
        weights = weights * channel_gain(rng, n_ch)
        times = jittered_times(rng, self.onset_s, n_dis, period_s, self.jitter_ratio)
        heights = self.amplitude_uv * rng.uniform(1 - _HEIGHT_JITTER, 1 + _HEIGHT_JITTER, n_dis)
        if self.triphasic:
            lags = anterior_posterior_lag_s(names, _TRIPHASIC_LAG_S)
        else:
            lags = np.zeros(n_ch)
        phases = pd_phases(sharp_s, self.triphasic)
        render_train(out, times, heights, [phases] * n_dis, weights, lags, sfreq_hz)
        if "f" in self.plus:
            length_s = max(0.25, 3.0 * sharp_s)
            add_fast_bursts(out, rng, times, heights, length_s, weights, sfreq_hz)
        if "r" in self.plus:
            i0, i1 = sample_span(self.onset_s, self.offset_s, sfreq_hz, out.shape[1])
            rhythm_hz = rng.uniform(1.5, 2.5)
            amp = _RHYTHMIC_RATIO * self.amplitude_uv
            add_rhythm(out, i0, i1, rhythm_hz, rng.uniform(0, 2 * np.pi), amp, weights, sfreq_hz)
        kind = self.event_type or ("gpd" if self.focus is None else "lpd")
        event = PatternEvent(
            self.onset_s,
            self.offset_s,
            kind,
            self.frequency_hz,
            involved_channels(names, weights, INVOLVED_SHARE),
            self.plus,
        )
        return [(event, times)]


# --------------------------------------------------------------------------- rhythmic delta


def _rda_wave(phase: FloatArray) -> FloatArray:
    """``(sin φ - 0.2 cos 2φ) / 1.2``: a sinusoid with a slightly sharper positive peak.

    Peak +1 at ``φ = π/2 (mod 2π)``, trough -2/3 near ``3π/2``: uniform, sinusoidal-ish
    morphology with a dominant fundamental (2nd harmonic 20 % in amplitude).
    """
    return (np.sin(phase) - 0.2 * np.cos(2.0 * phase)) / 1.2


@dataclass(frozen=True)
class RhythmicDelta:
    """Rhythmic delta activity: LRDA (``focus`` a lateral electrode) or GRDA (``None``).

    ``x_c(t) = w_c A m(t) r(t) (sin φ - 0.2 cos 2φ) / 1.2`` with ``φ = φ0 + 2π f (t -
    onset_s)``, one frequency throughout (uniform morphology, no interval between
    waveforms [1]_), ``m(t)`` a slow amplitude modulation ``1 + 0.08 sin(2π 0.07 t +
    ψ)`` and ``r(t)`` one-cycle raised-cosine ramps at both ends. ``A`` is the positive
    peak at the field maximum (so about ``1.67 A`` peak to peak). Field as for
    :class:`PeriodicDischarges` (GRDA frontally predominant [1]_). Plus modifiers:
    ``"f"`` adds continuous beta (14-20 Hz, 25 % of ``A``), ``"s"`` a sharp wave (100 ms,
    -0.6 ``A``) on a random half of the cycles, starting at the cycle's trough.

    Label: ``lrda``/``grda`` over ``[onset_s, offset_s)`` at ``frequency_hz``;
    discharge times are the positive peaks (``(n-1)/(t_last - t_first) = f`` exactly).
    """

    onset_s: float
    offset_s: float
    frequency_hz: float = 1.5
    focus: str | None = None
    amplitude_uv: float = 75.0
    plus: tuple[str, ...] = ()
    spread: float = 0.6
    contralateral_ratio: float = 0.15

    def __post_init__(self) -> None:
        check_interval(self.onset_s, self.offset_s)
        f = in_range("frequency_hz", self.frequency_hz, 0.5, 4.0)
        if self.focus is not None:
            lateral_side("focus", self.focus)
        positive("amplitude_uv", self.amplitude_uv)
        positive("spread", self.spread)
        fraction("contralateral_ratio", self.contralateral_ratio)
        object.__setattr__(self, "plus", check_plus(self.plus, ("f", "s"), "RDA"))
        if (self.offset_s - self.onset_s) * f < 3.0:
            raise ValueError(
                f"offset_s - onset_s = {self.offset_s - self.onset_s} s holds fewer than 3 "
                f"cycles at frequency_hz={f!r}"
            )

    def render(
        self, out: FloatArray, rng: np.random.Generator, sfreq_hz: float, names: tuple[str, ...]
    ) -> Rendered:
        """Add the rhythm to ``out`` (µV, in place) and return its label and peak times."""
        f = self.frequency_hz
        weights = pattern_field(names, self.focus, self.spread, self.contralateral_ratio)
        weights = weights * channel_gain(rng, len(names))
        phase0 = rng.uniform(0, 2 * np.pi)
        mod_phase = rng.uniform(0, 2 * np.pi)
        i0, i1 = sample_span(self.onset_s, self.offset_s, sfreq_hz, out.shape[1])
        t = np.arange(i0, i1) / sfreq_hz
        phase = phase0 + 2 * np.pi * f * (t - self.onset_s)
        env = self.amplitude_uv * (1.0 + 0.08 * np.sin(2 * np.pi * 0.07 * t + mod_phase))
        env *= taper(i1 - i0, int(round(sfreq_hz / f)))
        out[:, i0:i1] += weights[:, None] * (env * _rda_wave(phase))[None, :]
        first = self.onset_s + ((np.pi / 2 - phase0) % (2 * np.pi)) / (2 * np.pi * f)
        peaks = first + np.arange(int(np.floor((self.offset_s - first) * f - 1e-9)) + 1) / f
        peaks = peaks[peaks < self.offset_s]
        if "f" in self.plus:
            fast_hz = rng.uniform(*FAST_HZ)
            fast = FAST_RATIO * env * np.sin(2 * np.pi * fast_hz * t + rng.uniform(0, 2 * np.pi))
            out[:, i0:i1] += weights[:, None] * fast[None, :]
        if "s" in self.plus:
            chosen = peaks[rng.random(peaks.size) < 0.5] + 0.5 / f - 0.04
            chosen = chosen[chosen + 0.1 < self.offset_s]
            sharp = (Phase(0.0, 0.1, -1.0, 0.4),)
            heights = 0.6 * self.amplitude_uv * np.ones(chosen.size)
            lags = np.zeros(len(names))
            render_train(out, chosen, heights, [sharp] * chosen.size, weights, lags, sfreq_hz)
        kind = "grda" if self.focus is None else "lrda"
        channels = involved_channels(names, weights, INVOLVED_SHARE)
        return [(PatternEvent(self.onset_s, self.offset_s, kind, f, channels, self.plus), peaks)]


# --------------------------------------------------------------------------- spike-and-wave


@dataclass(frozen=True)
class SpikeWave:
    """Spike-and-wave (or sharp-and-wave): LSW (``focus`` lateral) or GSW (``None``).

    Complex ``k`` starts at ``t_k`` (jittered like PDs, mean interval exactly ``1/f``)
    and fills its interval ``P_k = t_{k+1} - t_k`` with the phases of
    :func:`~recordings.synthetic._discharges.sw_phases`: a surface-negative spike of
    ``spike_ms`` (< 70 ms a spike, 70-200 ms a sharp wave), a small positive phase
    and a surface-negative slow wave for the rest of the period, so there is no
    interval between complexes [1]_. Height ``A (1 ± 0.1)`` at the field maximum.

    At more than 2.5 Hz for 10 s or longer the pattern is an electrographic seizure
    by definition [1]_, so that combination is refused: use
    :class:`~recordings.synthetic.pattern_seizures.ElectrographicSeizure`.
    Label: ``lsw``/``gsw`` at ``frequency_hz``.
    """

    onset_s: float
    offset_s: float
    frequency_hz: float = 2.0
    focus: str | None = None
    amplitude_uv: float = 150.0
    spike_ms: float = 60.0
    jitter_ratio: float = 0.03
    spread: float = 0.6
    contralateral_ratio: float = 0.15

    def __post_init__(self) -> None:
        check_interval(self.onset_s, self.offset_s)
        f = in_range("frequency_hz", self.frequency_hz, 0.5, 4.0)
        if self.focus is not None:
            lateral_side("focus", self.focus)
        positive("amplitude_uv", self.amplitude_uv)
        spike_s = in_range("spike_ms", self.spike_ms, 20.0, 200.0) / 1000.0
        in_range("jitter_ratio", self.jitter_ratio, 0.0, 0.1)
        positive("spread", self.spread)
        fraction("contralateral_ratio", self.contralateral_ratio)
        duration_s = self.offset_s - self.onset_s
        if f > SEIZURE_MIN_HZ and duration_s >= SEIZURE_MIN_S:
            raise ValueError(
                f"frequency_hz={f!r} > 2.5 Hz for {duration_s} s >= 10 s is an electrographic "
                "seizure (ACNS 2021); use ElectrographicSeizure or a lower frequency"
            )
        if 0.8 * (1.0 - 3.0 * self.jitter_ratio) / f < 2.0 * spike_s:
            raise ValueError(
                f"spike_ms={self.spike_ms!r} leaves no room for the slow wave at frequency_hz={f!r}"
            )
        if duration_s * f < 2.0:
            raise ValueError(f"offset_s - onset_s = {duration_s} s holds fewer than 2 complexes")

    def render(
        self, out: FloatArray, rng: np.random.Generator, sfreq_hz: float, names: tuple[str, ...]
    ) -> Rendered:
        """Add the complexes to ``out`` (µV, in place) and return the label and onsets."""
        f = self.frequency_hz
        n_cx = int(np.floor((self.offset_s - self.onset_s) * f + 1e-9))
        weights = pattern_field(names, self.focus, self.spread, self.contralateral_ratio)
        weights = weights * channel_gain(rng, len(names))
        times = jittered_times(rng, self.onset_s, n_cx, 1.0 / f, self.jitter_ratio)
        heights = self.amplitude_uv * rng.uniform(1 - _HEIGHT_JITTER, 1 + _HEIGHT_JITTER, n_cx)
        periods = np.append(np.diff(times), 1.0 / f)
        phases = [sw_phases(self.spike_ms / 1000.0, float(p)) for p in periods]
        render_train(out, times, heights, phases, weights, np.zeros(len(names)), sfreq_hz)
        kind = "gsw" if self.focus is None else "lsw"
        channels = involved_channels(names, weights, INVOLVED_SHARE)
        return [(PatternEvent(self.onset_s, self.offset_s, kind, f, channels), times)]


PatternComponent = PeriodicDischarges | RhythmicDelta | SpikeWave | ElectrographicSeizure


# --------------------------------------------------------------------------- the recording


def make_pattern_recording(
    duration_s: float,
    components: Sequence[PatternComponent | None],
    sfreq_hz: float = 256.0,
    ch_names: Sequence[str] = DEFAULT_CHANNELS_19,
    seed: SeedLike = 0,
    *,
    amplitude_uv: float = 30.0,
    exponent: float = 1.5,
    line_noise_hz: float | None = None,
    line_noise_uv: float = 1.0,
) -> PatternRecording:
    """Background EEG plus labelled ICU patterns.

    ``data = A · b + Σ_k p_k (+ line noise)``: ``b`` the unit-RMS background of
    :func:`~recordings.synthetic.background.background` (1/f^exponent plus posterior
    alpha; He 2014), ``A = amplitude_uv`` its RMS, ``p_k`` component ``k`` drawn from
    its own random stream. Components may overlap in time (e.g. the two trains of
    BIPDs).

    Parameters
    ----------
    duration_s : float
        Record length in seconds.
    components : sequence of component or None
        The patterns; a ``None`` slot keeps the others' random streams in place.
    sfreq_hz : float
        Sampling rate in Hz (>= 64 Hz: discharges are tens of ms long).
    ch_names : sequence of str
        Channel names (10-20 names get scalp positions).
    seed : int, numpy Generator or SeedSequence
        Random seed.
    amplitude_uv : float
        Background RMS in µV (20-50 µV is typical).
    exponent : float
        Spectral exponent of the background.
    line_noise_hz, line_noise_uv : float or None, float
        Optional mains sine (none by default).

    Returns
    -------
    PatternRecording
        Events sorted by onset, each with its discharge times; ``seizures`` the ``sz``
        intervals; ``suppressed_mask`` None.
    """
    fs = check_sfreq(sfreq_hz)
    if fs < 64.0:
        raise ValueError(f"sfreq_hz must be >= 64 Hz for discharges, got {sfreq_hz!r}")
    n = n_samples_of(duration_s, fs)
    names = check_ch_names(ch_names)
    amp = check_nonneg("amplitude_uv", amplitude_uv)
    exp_ = in_range("exponent", exponent, 0.0, 4.0)
    line_hz = check_line_hz(line_noise_hz, fs)
    line_uv = check_nonneg("line_noise_uv", line_noise_uv)
    comps = _check_components(components, n / fs)
    root = seed_sequence(seed)
    data = amp * background_unit(child_rng(root, KEY_BACKGROUND), n, fs, names, exp_)
    labelled: Rendered = []
    for k, comp in enumerate(comps):
        if comp is not None:
            labelled += comp.render(data, child_rng(root, KEY_PATTERN, k), fs, names)
    if line_hz is not None and line_uv > 0:
        data += line_noise(child_rng(root, KEY_LINE), len(names), n, fs, line_hz, line_uv)
    labelled.sort(key=lambda item: (item[0].onset_s, item[0].offset_s, item[0].event_type))
    events = [e for e, _ in labelled]
    return PatternRecording(
        data_uv=data,
        sfreq_hz=fs,
        ch_names=names,
        seizures=[(e.onset_s, e.offset_s) for e in events if e.is_seizure],
        events=events,
        discharge_times_s=[t for _, t in labelled],
    )


def _check_components(
    components: Sequence[PatternComponent | None], total_s: float
) -> list[PatternComponent | None]:
    if isinstance(components, str) or not isinstance(components, Sequence):
        raise TypeError(f"components must be a sequence of pattern components, got {components!r}")
    comps = list(components)
    for k, comp in enumerate(comps):
        if comp is None:
            continue
        if not isinstance(comp, PatternComponent):
            raise TypeError(
                f"components[{k}] must be a pattern component or None, got {type(comp).__name__}"
            )
        if comp.offset_s > total_s + 1e-9:
            raise ValueError(
                f"components[{k}].offset_s={comp.offset_s!r} is after the end of the "
                f"recording ({total_s} s)"
            )
    return comps


# --------------------------------------------------------------------------- one-pattern shortcuts


def make_periodic_discharges(
    kind: Literal["lpd", "gpd", "bipd"] = "lpd",
    duration_s: float = 120.0,
    sfreq_hz: float = 256.0,
    ch_names: Sequence[str] = DEFAULT_CHANNELS_19,
    seed: SeedLike = 0,
    *,
    onset_s: float = 20.0,
    offset_s: float = 100.0,
    frequency_hz: float = 1.0,
    focus: str = "T3",
    amplitude_uv: float = 150.0,
    sharp_ms: float = 120.0,
    triphasic: bool = False,
    plus: tuple[str, ...] = (),
    second_focus: str = "T4",
    second_frequency_hz: float = 0.7,
    background_uv: float = 30.0,
) -> PatternRecording:
    """One train of LPDs or GPDs, or the two independent trains of BIPDs.

    ``lpd``: a :class:`PeriodicDischarges` over ``focus`` (default T3, left temporal).
    ``gpd``: generalized, frontally predominant (``focus`` ignored); ``triphasic=True``
    for the triphasic morphology common in toxic-metabolic encephalopathy [1]_.
    ``bipd``: two lateralized trains, ``focus`` at ``frequency_hz`` and
    ``second_focus`` (other hemisphere) at ``second_frequency_hz``, independent
    jitter and starting ``0.37 / second_frequency_hz`` s later, so neither their rates
    nor their phases agree; labelled as two ``bipd`` events, one per side.

    Parameters
    ----------
    kind : {"lpd", "gpd", "bipd"}
        The pattern.
    duration_s, sfreq_hz, ch_names, seed
        As for :func:`make_pattern_recording`.
    onset_s, offset_s : float
        Labelled interval of the discharges (s).
    frequency_hz : float
        Discharge rate, 0.5-2.5 Hz (above 2.5 Hz for >= 10 s discharges are a seizure [1]_).
    focus, second_focus : str
        Lateral 10-20 electrodes at the field maxima (``second_focus`` for BIPDs).
    amplitude_uv : float
        Height of the most prominent phase at the field maximum (µV).
    sharp_ms : float
        Duration of the most prominent phase: < 70 ms a spike, 70-200 ms a sharp wave.
    triphasic : bool
        Triphasic morphology with anterior-posterior lag.
    plus : tuple of str
        ``("f",)`` and/or ``("r",)``.
    second_frequency_hz : float
        Rate of the second BIPD train (Hz).
    background_uv : float
        Background RMS (µV).

    Returns
    -------
    PatternRecording
    """

    def train(
        start_s: float, where: str | None, rate_hz: float, label: Literal["lpd", "gpd", "bipd"]
    ) -> PeriodicDischarges:
        return PeriodicDischarges(
            start_s,
            offset_s,
            frequency_hz=rate_hz,
            focus=where,
            amplitude_uv=amplitude_uv,
            sharp_ms=sharp_ms,
            triphasic=triphasic,
            plus=plus,
            event_type=label,
        )

    if kind == "lpd":
        comps = [train(onset_s, focus, frequency_hz, "lpd")]
    elif kind == "gpd":
        comps = [train(onset_s, None, frequency_hz, "gpd")]
    elif kind == "bipd":
        if lateral_side("second_focus", second_focus) == lateral_side("focus", focus):
            raise ValueError(
                f"second_focus={second_focus!r} must be over the other hemisphere than "
                f"focus={focus!r} for BIPDs"
            )
        shift_s = 0.37 / in_range("second_frequency_hz", second_frequency_hz, 0.5, 2.5)
        comps = [
            train(onset_s, focus, frequency_hz, "bipd"),
            train(onset_s + shift_s, second_focus, second_frequency_hz, "bipd"),
        ]
    else:
        raise ValueError(f"kind must be 'lpd', 'gpd' or 'bipd', got {kind!r}")
    return make_pattern_recording(
        duration_s, comps, sfreq_hz, ch_names, seed, amplitude_uv=background_uv
    )


def make_rhythmic_delta(
    kind: Literal["lrda", "grda"] = "grda",
    duration_s: float = 120.0,
    sfreq_hz: float = 256.0,
    ch_names: Sequence[str] = DEFAULT_CHANNELS_19,
    seed: SeedLike = 0,
    *,
    onset_s: float = 20.0,
    offset_s: float = 100.0,
    frequency_hz: float = 1.5,
    focus: str = "F7",
    amplitude_uv: float = 75.0,
    plus: tuple[str, ...] = (),
    background_uv: float = 30.0,
) -> PatternRecording:
    """LRDA over ``focus`` (default F7) or frontally predominant GRDA (:class:`RhythmicDelta`).

    Parameters
    ----------
    kind : {"lrda", "grda"}
        The pattern (``focus`` is ignored for GRDA).
    duration_s, sfreq_hz, ch_names, seed
        As for :func:`make_pattern_recording`.
    onset_s, offset_s, frequency_hz, focus, amplitude_uv, plus
        As for :class:`RhythmicDelta` (0.5-4 Hz; positive peak in µV; ``"f"``, ``"s"``).
    background_uv : float
        Background RMS (µV).

    Returns
    -------
    PatternRecording
    """
    if kind not in ("lrda", "grda"):
        raise ValueError(f"kind must be 'lrda' or 'grda', got {kind!r}")
    comp = RhythmicDelta(
        onset_s,
        offset_s,
        frequency_hz,
        focus=focus if kind == "lrda" else None,
        amplitude_uv=amplitude_uv,
        plus=plus,
    )
    return make_pattern_recording(
        duration_s, [comp], sfreq_hz, ch_names, seed, amplitude_uv=background_uv
    )


def make_spike_wave(
    kind: Literal["lsw", "gsw"] = "gsw",
    duration_s: float = 120.0,
    sfreq_hz: float = 256.0,
    ch_names: Sequence[str] = DEFAULT_CHANNELS_19,
    seed: SeedLike = 0,
    *,
    onset_s: float = 20.0,
    offset_s: float = 100.0,
    frequency_hz: float = 2.0,
    focus: str = "T3",
    amplitude_uv: float = 150.0,
    spike_ms: float = 60.0,
    background_uv: float = 30.0,
) -> PatternRecording:
    """LSW over ``focus`` (default T3) or GSW (:class:`SpikeWave`).

    Parameters
    ----------
    kind : {"lsw", "gsw"}
        The pattern (``focus`` is ignored for GSW).
    duration_s, sfreq_hz, ch_names, seed
        As for :func:`make_pattern_recording`.
    onset_s, offset_s, frequency_hz, focus, amplitude_uv, spike_ms
        As for :class:`SpikeWave` (> 2.5 Hz for >= 10 s is refused: a seizure).
    background_uv : float
        Background RMS (µV).

    Returns
    -------
    PatternRecording
    """
    if kind not in ("lsw", "gsw"):
        raise ValueError(f"kind must be 'lsw' or 'gsw', got {kind!r}")
    comp = SpikeWave(
        onset_s,
        offset_s,
        frequency_hz,
        focus=focus if kind == "lsw" else None,
        amplitude_uv=amplitude_uv,
        spike_ms=spike_ms,
    )
    return make_pattern_recording(
        duration_s, [comp], sfreq_hz, ch_names, seed, amplitude_uv=background_uv
    )


def make_electrographic_seizure(
    evolving: bool = True,
    duration_s: float = 120.0,
    sfreq_hz: float = 256.0,
    ch_names: Sequence[str] = DEFAULT_CHANNELS_19,
    seed: SeedLike = 0,
    *,
    onset_s: float = 30.0,
    offset_s: float = 90.0,
    focus: str | None = "T3",
    frequency_hz: float = 3.0,
    amplitude_uv: float = 150.0,
    background_uv: float = 30.0,
) -> PatternRecording:
    """One electrographic seizure (``sz``); see :class:`ElectrographicSeizure`.

    ``evolving=True``: the default path 3 → 6 Hz, held, then slowing to 2 Hz before
    the end, the field spreading from ``focus`` (``λ`` 0.2 → 0.9), the height growing
    from half to full over the first 40 %. ``evolving=False``: rhythmic discharges at
    a constant ``frequency_hz`` (> 2.5 Hz), constant field (``λ`` 0.5) and height.

    Parameters
    ----------
    evolving : bool
        Evolving seizure, or one at a constant frequency above 2.5 Hz.
    duration_s, sfreq_hz, ch_names, seed
        As for :func:`make_pattern_recording`.
    onset_s, offset_s : float
        The ``sz`` label (>= 10 s).
    focus : str or None
        Onset electrode; None for a generalized field (no spread).
    frequency_hz : float
        Discharge rate without evolution (Hz).
    amplitude_uv : float
        Full discharge height at the field maximum (µV).
    background_uv : float
        Background RMS (µV).

    Returns
    -------
    PatternRecording
    """
    if not isinstance(evolving, bool):
        raise TypeError(f"evolving must be a bool, got {evolving!r}")
    if evolving:
        comp = ElectrographicSeizure(onset_s, offset_s, focus=focus, amplitude_uv=amplitude_uv)
    else:
        comp = ElectrographicSeizure(
            onset_s,
            offset_s,
            frequency_knots_hz=(frequency_hz,),
            focus=focus,
            amplitude_uv=amplitude_uv,
            spread_knots=(0.5,),
            start_amplitude_ratio=1.0,
        )
    return make_pattern_recording(
        duration_s, [comp], sfreq_hz, ch_names, seed, amplitude_uv=background_uv
    )
