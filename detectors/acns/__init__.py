"""Absolute criteria of the ACNS Standardized Critical Care EEG Terminology (2021).

Pure building blocks, and the tracker that runs them in the engine:

- :mod:`detectors.acns.discharges`: epileptiform discharges (spikes, sharp waves)
  per channel of a window;
- :mod:`detectors.acns.rhythm`: per-channel rhythm of a window (discharge rate,
  inter-discharge regularity, dominant delta peak) and the 10-20 geometry of
  channel names (hemisphere, electrodes);
- :mod:`detectors.acns.terms`: the ACNS term of a window (main term 1 × main
  term 2, frequency, prevalence, plus modifiers), evolution over a sequence of
  windows, and the rules for an electrographic seizure and the
  ictal-interictal continuum, each returning its decision and its reasons;
- :mod:`detectors.acns.tracker`: :class:`PatternTracker`, consecutive 10-s windows of
  a running bed, the rules judged on the run that ends with each, pattern episodes.

Reference: Hirsch LJ, Fong MWK, Leitinger M, et al. American Clinical
Neurophysiology Society's Standardized Critical Care EEG Terminology: 2021
version. J Clin Neurophysiol 2021;38:1-29.
"""

from __future__ import annotations

from rse_monitor.detectors.acns.discharges import Discharges, detect_discharges
from rse_monitor.detectors.acns.rhythm import (
    ChannelRhythm,
    channel_rhythm,
    electrodes_of,
    hemisphere_of,
)
from rse_monitor.detectors.acns.terms import (
    Decision,
    Evolution,
    Pattern,
    Reason,
    WindowTerm,
    classify_window,
    evolution,
    in_iic,
    is_electrographic_seizure,
)
from rse_monitor.detectors.acns.tracker import PatternEpisode, PatternTracker, PatternWindow

__all__ = [
    "ChannelRhythm",
    "Decision",
    "Discharges",
    "Evolution",
    "Pattern",
    "PatternEpisode",
    "PatternTracker",
    "PatternWindow",
    "Reason",
    "WindowTerm",
    "channel_rhythm",
    "classify_window",
    "detect_discharges",
    "electrodes_of",
    "evolution",
    "hemisphere_of",
    "in_iic",
    "is_electrographic_seizure",
]
