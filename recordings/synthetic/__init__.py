"""Synthetic EEG with known ground truth, for tests, benchmarks and the bundled recordings.

Not part of the monitoring path: nothing in ``pipeline``, ``detectors`` or
``service`` imports it. Every generator returns float64 microvolts shaped
``(n_channels, n_samples)`` and is deterministic given its ``seed``. Each signal
component (background, ictal discharges, line noise, ECG, artefacts, ...) draws from
its own child random stream of the seed (``numpy.random.SeedSequence`` with a fixed
spawn key per component), so turning one component on or off, or changing its
amplitude, leaves every other component sample-for-sample unchanged. Tests rely on
that to isolate a component by subtraction.

What is generated, by module
----------------------------
- :mod:`~recordings.synthetic.background`: :func:`background`, spatially coherent
  1/f^alpha activity plus a posterior alpha rhythm.
- :mod:`~recordings.synthetic.seizures`: :func:`make_seizure_recording`, background
  plus evolving rhythmic spike-and-wave discharges (generalized or focal with
  spread) and post-ictal attenuation.
- :mod:`~recordings.synthetic.burst_suppression`: :func:`make_burst_suppression`,
  generalized bursts alternating with a flat floor, with an exact whole-record
  suppression ratio (:func:`burst_suppression_schedule`), plus line noise, ECG
  spikes and an optional single-channel artefact.
- :mod:`~recordings.synthetic.artefacts`: :func:`add_artefacts`, flat, clipped,
  movement, NaN and electrode-pop segments.
- :mod:`~recordings.synthetic.streams`: :func:`iter_chunks` and
  :func:`stream_background_chunks`, :class:`~pipeline.chunk.Chunk` streams; the
  latter produces arbitrarily long recordings in bounded memory.
- :mod:`~recordings.synthetic.patterns`: :func:`make_pattern_recording` and the
  ``make_*`` shortcuts, ICU rhythmic and periodic patterns (ACNS 2021) with exact
  :class:`PatternEvent` labels in a :class:`PatternRecording`; the components
  (:class:`PeriodicDischarges`, :class:`RhythmicDelta`, :class:`SpikeWave`,
  :class:`ElectrographicSeizure`) and :mod:`~recordings.synthetic.pattern_scenarios`
  (:func:`make_starts_in_seizure`, :func:`make_recurring_seizures`,
  :func:`make_icu_composite`); :mod:`~recordings.synthetic.pattern_io` writes the
  labels as an events TSV and a recording as EDF+ plus TSV.
- :mod:`~recordings.synthetic.recording`: :class:`SyntheticRecording`, a recording
  and its ground truth; :mod:`~recordings.synthetic.layout`: the 10-20 channel set
  and electrode positions.

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

from rse_monitor.recordings.synthetic.artefacts import ArtefactKind, add_artefacts
from rse_monitor.recordings.synthetic.background import background
from rse_monitor.recordings.synthetic.burst_suppression import (
    burst_suppression_schedule,
    make_burst_suppression,
)
from rse_monitor.recordings.synthetic.layout import DEFAULT_CHANNELS_19, ELECTRODE_POSITIONS
from rse_monitor.recordings.synthetic.pattern_events import (
    PATTERN_EVENT_TYPES,
    PLUS_MODIFIERS,
    PatternEvent,
    PatternRecording,
    mean_rate_hz,
)
from rse_monitor.recordings.synthetic.pattern_io import (
    PATTERN_EVENTS_TSV_HEADER,
    seizure_events,
    write_pattern_edf,
    write_pattern_events_tsv,
    write_seizure_edf,
)
from rse_monitor.recordings.synthetic.pattern_scenarios import (
    make_icu_composite,
    make_recurring_seizures,
    make_starts_in_seizure,
)
from rse_monitor.recordings.synthetic.pattern_seizures import ElectrographicSeizure
from rse_monitor.recordings.synthetic.patterns import (
    PatternComponent,
    PeriodicDischarges,
    RhythmicDelta,
    SpikeWave,
    make_electrographic_seizure,
    make_pattern_recording,
    make_periodic_discharges,
    make_rhythmic_delta,
    make_spike_wave,
)
from rse_monitor.recordings.synthetic.recording import SyntheticRecording
from rse_monitor.recordings.synthetic.seizures import make_seizure_recording
from rse_monitor.recordings.synthetic.streams import iter_chunks, stream_background_chunks

__all__ = [
    "write_seizure_edf",
    "DEFAULT_CHANNELS_19",
    "ELECTRODE_POSITIONS",
    "PATTERN_EVENTS_TSV_HEADER",
    "PATTERN_EVENT_TYPES",
    "PLUS_MODIFIERS",
    "ArtefactKind",
    "ElectrographicSeizure",
    "PatternComponent",
    "PatternEvent",
    "PatternRecording",
    "PeriodicDischarges",
    "RhythmicDelta",
    "SpikeWave",
    "SyntheticRecording",
    "add_artefacts",
    "background",
    "burst_suppression_schedule",
    "iter_chunks",
    "make_burst_suppression",
    "make_electrographic_seizure",
    "make_icu_composite",
    "make_pattern_recording",
    "make_periodic_discharges",
    "make_recurring_seizures",
    "make_rhythmic_delta",
    "make_seizure_recording",
    "make_spike_wave",
    "make_starts_in_seizure",
    "mean_rate_hz",
    "seizure_events",
    "stream_background_chunks",
    "write_pattern_edf",
    "write_pattern_events_tsv",
]
