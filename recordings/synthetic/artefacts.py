"""Artefacts added to a synthetic recording: flat, clipped, movement, NaN, electrode pop.

:func:`add_artefacts` returns a copy of a :class:`~recordings.synthetic.recording.
SyntheticRecording` with one artefact in a known interval on known channels, and
logs it in the recording's ground truth.

References
----------
.. [1] Tatum WO et al. Artifact and recording concepts in EEG. J Clin Neurophysiol
   2011;28:252-263 (electrode pop, movement and muscle artefacts).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

import numpy as np

from rse_monitor.pipeline.checks import one_of
from rse_monitor.recordings.synthetic._common import (
    KEY_ARTEFACT,
    SeedLike,
    band_amplitude,
    channel_indices,
    check_nonneg,
    child_rng,
    n_samples_of,
    pop_train,
    rfft_freqs,
    seed_sequence,
    shaped_noise,
    taper,
)
from rse_monitor.recordings.synthetic.recording import SyntheticRecording

__all__ = ["ArtefactKind", "add_artefacts"]

ArtefactKind = Literal["flat", "clip", "movement", "nan", "electrode_pop"]


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
    one_of("kind", kind, ("flat", "clip", "movement", "nan", "electrode_pop"))
    fs = rec.sfreq_hz
    start = check_nonneg("start_s", start_s)
    seg_n = n_samples_of(duration_s, fs, min_n=1)
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
        idx = channel_indices("channels", channels, rec.ch_names)
        if idx.size == 0:
            raise ValueError("channels must name at least one channel (or be None)")
    if amplitude_uv is not None:
        check_nonneg("amplitude_uv", amplitude_uv)
    rng = child_rng(seed_sequence(seed), KEY_ARTEFACT)
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
        freqs = rfft_freqs(seg_n, fs)
        high_hz = min(100.0, 0.45 * fs)
        slow = shaped_noise(rng, n_sel + 1, seg_n, band_amplitude(freqs, 0.3, 3.0))
        emg = shaped_noise(rng, 1, seg_n, band_amplitude(freqs, min(20.0, high_hz / 2), high_hz))
        common = math.sqrt(0.9) * slow[0] + 0.2 * emg[0]
        local = math.sqrt(0.1) * slow[1:]
        gain = rng.uniform(0.6, 1.4, n_sel)[:, None]
        seg = seg + rms * gain * (common[None, :] + local) * taper(seg_n, int(0.2 * fs))
    else:  # electrode_pop
        amp_range = (100.0, 400.0) if amplitude_uv is None else (amplitude_uv, amplitude_uv)
        pops = np.stack(
            [pop_train(rng, seg_n, fs, 1.0, amp_range, first_at_start=True) for _ in range(n_sel)]
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
