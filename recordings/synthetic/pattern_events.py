"""Labels of ICU rhythmic and periodic patterns (:class:`PatternEvent`) and their recording.

A :class:`PatternEvent` is the ground truth of one pattern in the ACNS 2021
Standardized Critical Care EEG Terminology [1]_: main term 1 (G, L, BI) and main
term 2 (PD, RDA, SW) written as one lower-case abbreviation (``lpd``, ``gpd``,
``bipd``, ``lrda``, ``grda``, ``lsw``, ``gsw``), or ``sz`` for an electrographic
seizure; the plus modifiers (+F, +R, +S) sit in their own field, so ``event_type``
stays the main term and :attr:`PatternEvent.label` spells the pattern as a reader
would (``lpd+f``). :class:`PatternRecording` is a :class:`SyntheticRecording` that
also carries these events and the true time of every discharge.

References
----------
.. [1] Hirsch LJ et al. American Clinical Neurophysiology Society's Standardized
   Critical Care EEG Terminology: 2021 Version. J Clin Neurophysiol 2021;38:1-29
   (main terms 1 and 2, plus modifiers, electrographic seizure: epileptiform
   discharges averaging > 2.5 Hz for >= 10 s, or any pattern with definite
   evolution lasting >= 10 s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rse_monitor.pipeline.checks import finite, one_of, positive
from rse_monitor.recordings.synthetic._common import FloatArray
from rse_monitor.recordings.synthetic.recording import SyntheticRecording

__all__ = [
    "PATTERN_EVENT_TYPES",
    "PLUS_MODIFIERS",
    "PatternEvent",
    "PatternRecording",
    "mean_rate_hz",
]

PATTERN_EVENT_TYPES: tuple[str, ...] = ("sz", "lpd", "gpd", "bipd", "lrda", "grda", "lsw", "gsw")
"""Event types of the labels: ``sz`` and the ACNS 2021 main term 1 + main term 2 [1]_."""

PLUS_MODIFIERS: tuple[str, ...] = ("f", "r", "s")
"""ACNS 2021 plus modifiers [1]_: +F fast activity, +R rhythmic activity, +S sharp waves."""


@dataclass(frozen=True)
class PatternEvent:
    """One labelled pattern: where, what, how fast, and with which modifiers.

    Parameters
    ----------
    onset_s, offset_s : float
        Start and end (exclusive), seconds from the recording start; ``0 <= onset_s <
        offset_s``. An event that starts at 0 may have begun before the recording.
    event_type : str
        One of :data:`PATTERN_EVENT_TYPES` (lower case, no plus modifier).
    frequency_hz : float
        Discharge (PD, SW) or cycle (RDA) rate in Hz over the event: the reciprocal of
        the mean interval between the generator's discharge times. For ``sz``, the
        mean rate over the whole event (the frequency evolves).
    channels : tuple of str
        Channels the pattern involves (field >= a stated share of its maximum; all
        channels for a generalized pattern), in recording order.
    plus : tuple of str
        Plus modifiers from :data:`PLUS_MODIFIERS`, sorted (``("f",)`` for +F).
    evolving : bool
        True for a pattern with definite evolution in frequency, morphology or
        location (ACNS 2021 [1]_); set on evolving seizures.
    """

    onset_s: float
    offset_s: float
    event_type: str
    frequency_hz: float
    channels: tuple[str, ...]
    plus: tuple[str, ...] = ()
    evolving: bool = False

    def __post_init__(self) -> None:
        onset = positive("onset_s", self.onset_s, allow_zero=True)
        offset = finite("offset_s", self.offset_s)
        if not offset > onset:
            raise ValueError(f"offset_s must be > onset_s={onset!r}, got {self.offset_s!r}")
        one_of("event_type", self.event_type, PATTERN_EVENT_TYPES)
        freq = positive("frequency_hz", self.frequency_hz)
        if isinstance(self.channels, str):
            raise TypeError(f"channels must be a sequence of names, not {self.channels!r}")
        channels = tuple(self.channels)
        if not channels or not all(isinstance(c, str) and c for c in channels):
            raise ValueError(f"channels must be at least one non-empty name, got {channels!r}")
        if isinstance(self.plus, str):
            raise TypeError(f"plus must be a sequence such as ('f',), not {self.plus!r}")
        plus = tuple(sorted({one_of("plus", p, PLUS_MODIFIERS) for p in self.plus}))
        if not isinstance(self.evolving, bool):
            raise TypeError(f"evolving must be a bool, got {self.evolving!r}")
        object.__setattr__(self, "onset_s", onset)
        object.__setattr__(self, "offset_s", offset)
        object.__setattr__(self, "frequency_hz", freq)
        object.__setattr__(self, "channels", channels)
        object.__setattr__(self, "plus", plus)

    @property
    def duration_s(self) -> float:
        return self.offset_s - self.onset_s

    @property
    def label(self) -> str:
        """Type with its plus modifiers, e.g. ``lpd+f`` or ``lrda+f+s``."""
        return self.event_type + "".join(f"+{p}" for p in self.plus)

    @property
    def is_seizure(self) -> bool:
        return self.event_type == "sz"


@dataclass
class PatternRecording(SyntheticRecording):
    """A :class:`SyntheticRecording` with labelled ICU patterns.

    Parameters
    ----------
    events : list of PatternEvent
        The labels, sorted by onset. ``seizures`` holds the ``sz`` intervals.
    discharge_times_s : list of ndarray
        One float array per event (same order): the true time in seconds of every
        discharge of that event, i.e. the start of each periodic discharge or
        spike-and-wave complex, the positive peak of each rhythmic-delta cycle, the
        spike of each ictal discharge.
    """

    events: list[PatternEvent] = field(default_factory=list)
    discharge_times_s: list[FloatArray] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.discharge_times_s) != len(self.events):
            raise ValueError(
                f"discharge_times_s has {len(self.discharge_times_s)} arrays for "
                f"{len(self.events)} events"
            )
        total_s = self.duration_s
        for i, event in enumerate(self.events):
            if not isinstance(event, PatternEvent):
                raise TypeError(f"events[{i}] must be a PatternEvent, got {type(event).__name__}")
            if event.offset_s > total_s + 1e-9:
                raise ValueError(f"events[{i}] ends at {event.offset_s} s, after {total_s} s")

    def events_of(self, event_type: str) -> list[PatternEvent]:
        """The events of one type, in onset order."""
        one_of("event_type", event_type, PATTERN_EVENT_TYPES)
        return [e for e in self.events if e.event_type == event_type]

    def discharges_of(self, event: PatternEvent) -> FloatArray:
        """The discharge times (s) of ``event``, which must be one of :attr:`events`."""
        for known, times in zip(self.events, self.discharge_times_s, strict=True):
            if known is event or known == event:
                return times
        raise ValueError(f"event is not a label of this recording: {event!r}")


def mean_rate_hz(times_s: FloatArray) -> float:
    """Reciprocal of the mean interval: ``(n - 1) / (t_last - t_first)``; NaN if n < 2."""
    t = np.asarray(times_s, dtype=np.float64)
    if t.size < 2 or t[-1] <= t[0]:
        return math.nan
    return float((t.size - 1) / (t[-1] - t[0]))
