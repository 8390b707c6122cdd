"""The settings of one bed: how its EEG is analysed and what the clinical layer judges.

One object, :class:`BedSettings`, is filled by every entry point -- the CLI flags of
``rsemon replay`` / ``rsemon monitor``, the service's configuration (its defaults)
and the body of ``POST /beds`` -- and given to the bed session, which builds the
engine and the clinical state from it. :class:`EngineConfig` is its signal part.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, get_args

from rse_monitor.detectors.clinical import T1_T2_MIN, SeizureType, Targets
from rse_monitor.pipeline import checks
from rse_monitor.pipeline.features import MIN_SUPPRESSION_S, SUPPRESSION_THRESHOLD_UV

__all__ = ["BedSettings", "EngineConfig", "LINE_FREQUENCIES_HZ"]

#: Mains frequencies a notch may be set to (Europe/Asia 50 Hz, the Americas 60 Hz).
LINE_FREQUENCIES_HZ: tuple[float, ...] = (50.0, 60.0)


@dataclass(frozen=True)
class EngineConfig:
    """Settings of one bed's engine (all stored in ``summary.json``).

    Parameters
    ----------
    window_s, hop_s : float
        Analysis window and the step between windows, s.
    l_freq_hz, h_freq_hz : float
        Causal band-pass, Hz (``0 < l_freq_hz < h_freq_hz``; below Nyquist is
        checked when the engine knows the sampling rate).
    notch_hz : {50.0, 60.0, None}
        Mains notch (None: off).
    montage : bool
        Longitudinal bipolar ("double banana") montage where 10-20 names allow;
        False: the channels as recorded.
    suppression_threshold_uv, min_suppression_s : float
        Suppression: envelope below this for at least this long (ACNS 2021: < 10 µV).
    suppression_window_s : float
        Trailing window of the suppression ratio, s.
    depth_hold_s : float
        How long a new depth must hold before it is reported, s.
    flat_uv : float
        A window whose peak-to-peak is at most this is flat (disconnected), µV.
    coherence_every : int
        Coherence on every n-th hop.
    acns : bool
        Judge 10-s windows by the ACNS 2021 criteria (patterns, electrographic
        seizures, the ictal-interictal continuum) next to the relative detector;
        needs µV. False: the relative detector alone (for comparison).
    """

    window_s: float = 2.0
    hop_s: float = 1.0
    l_freq_hz: float = 0.5
    h_freq_hz: float = 45.0
    notch_hz: float | None = 50.0
    montage: bool = True
    suppression_threshold_uv: float = SUPPRESSION_THRESHOLD_UV
    min_suppression_s: float = MIN_SUPPRESSION_S
    suppression_window_s: float = 60.0
    depth_hold_s: float = 10.0
    flat_uv: float = 0.5
    coherence_every: int = 1
    acns: bool = True

    def __post_init__(self) -> None:
        for name in ("window_s", "hop_s", "l_freq_hz", "h_freq_hz", "suppression_threshold_uv",
                     "min_suppression_s", "suppression_window_s"):  # fmt: skip
            checks.positive(name, getattr(self, name))
        for name in ("depth_hold_s", "flat_uv"):
            checks.positive(name, getattr(self, name), allow_zero=True)
        if self.hop_s > self.window_s:
            raise ValueError(f"hop_s ({self.hop_s:g}) must not exceed window_s ({self.window_s:g})")
        if not self.l_freq_hz < self.h_freq_hz:
            raise ValueError(
                f"the band-pass needs l_freq_hz < h_freq_hz, got {self.l_freq_hz:g} "
                f"and {self.h_freq_hz:g} Hz"
            )
        if self.notch_hz is not None:
            checks.one_of("notch_hz", float(checks.finite("notch_hz", self.notch_hz)),
                          LINE_FREQUENCIES_HZ)  # fmt: skip
        if not isinstance(self.montage, bool):
            raise TypeError(f"montage must be True or False, got {self.montage!r}")
        checks.count("coherence_every", self.coherence_every)


@dataclass(frozen=True)
class BedSettings:
    """Everything that decides how one bed is analysed and judged.

    Parameters
    ----------
    engine : EngineConfig
        The signal part (filters, montage, windows, suppression, artefact guards).
    seizure_type : {'generalized_convulsive', 'focal_impaired_awareness', ...}
        Sets t1/t2 (ILAE 2015, Trinka et al., Epilepsia 2015;56:1515-1523).
    t1_min, t2_min : float, optional
        Override t1/t2 of the seizure type, minutes.
    targets : Targets
        Titration goal and suppression-ratio band.
    """

    engine: EngineConfig = field(default_factory=EngineConfig)
    seizure_type: SeizureType = "generalized_convulsive"
    t1_min: float | None = None
    t2_min: float | None = None
    targets: Targets = field(default_factory=Targets)

    def __post_init__(self) -> None:
        checks.one_of("seizure_type", self.seizure_type, get_args(SeizureType))
        if self.t1_min is not None:
            checks.positive("t1_min", self.t1_min)
        if self.t2_min is not None:
            checks.positive("t2_min", self.t2_min)
        t1, t2 = self.t1_t2_min or (None, None)
        if t1 is not None and t2 is not None and not t2 > t1:
            raise ValueError(f"t2_min ({t2:g}) must be later than t1_min ({t1:g})")

    @property
    def t1_t2_min(self) -> tuple[float, float | None] | None:
        """t1/t2 when overridden (the seizure type's default fills the other), else None."""
        if self.t1_min is None and self.t2_min is None:
            return None
        d1, d2 = T1_T2_MIN[self.seizure_type]
        return (self.t1_min if self.t1_min is not None else d1,
                self.t2_min if self.t2_min is not None else d2)  # fmt: skip

    def with_engine(self, **changes: Any) -> BedSettings:
        """A copy with some engine settings changed (e.g. ``notch_hz=60``)."""
        return replace(self, engine=replace(self.engine, **changes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": asdict(self.engine),
            "seizure_type": self.seizure_type,
            "t1_min": self.t1_min,
            "t2_min": self.t2_min,
            "targets": self.targets.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BedSettings:
        """Settings from :meth:`to_dict` (unknown engine keys are refused by name)."""
        engine = dict(data.get("engine") or {})
        known = {f.name for f in fields(EngineConfig)}
        unknown = sorted(set(engine) - known)
        if unknown:
            raise ValueError(f"unknown engine setting(s): {', '.join(unknown)}")
        return cls(
            engine=EngineConfig(**engine),
            seizure_type=data.get("seizure_type", "generalized_convulsive"),
            t1_min=data.get("t1_min"),
            t2_min=data.get("t2_min"),
            targets=Targets.from_dict(data.get("targets") or {}),
        )
