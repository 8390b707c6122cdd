"""From hop results to alert changes: the one alert policy of a bed.

The service's beds and the offline ``replay`` / live ``monitor`` runs use the same
policy, so ``alerts.jsonl`` holds what a bed in the service raises:

- seizure alerts come from the clinical layer (``seizure_onset`` without an
  anaesthetic infusion, ``breakthrough_seizure`` on one, ``wean_recurrence`` during a
  wean), raised once per seizure cluster and carrying the detector's own onset
  details under ``details["eeg"]``; the engine's per-seizure offsets and depth
  changes are shown in the trends, not raised;
- engine and stream conditions (``signal_quality``, ``stream_lost``, …) keep one open
  alert each, updated at most every :data:`ENGINE_UPDATE_INTERVAL_S` of bed time
  unless their severity changes; signal quality clears after
  :data:`QUALITY_CLEAR_S` with every channel good;
- everything else the clinical layer raises (t1/t2 crossed, SE stage, titration
  against the targets, 24 h of anaesthetic) as it raises it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from detectors.clinical import SEIZURE_KEYS, Alert, ClinicalState

if TYPE_CHECKING:
    from pipeline.engine import HopResult

__all__ = ["AlertChange", "AlertPolicy", "ENGINE_UPDATE_INTERVAL_S", "QUALITY_CLEAR_S"]

#: Minimum bed time between two changes of an engine/stream alert of equal severity.
ENGINE_UPDATE_INTERVAL_S = 600.0
#: All channels good for this long clears an open signal-quality alert.
QUALITY_CLEAR_S = 60.0


@dataclass
class AlertChange:
    """One alert transition (from the clinical layer, the engine or the service)."""

    key: str
    kind: str
    severity: str
    message: str
    details: dict[str, Any]
    t_s: float
    state: str  # raised | updated | cleared
    origin: str = "clinical"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_clinical(cls, alert: Alert, details: dict[str, Any] | None = None) -> AlertChange:
        """A transition raised by the clinical layer (``details`` replaces its own)."""
        return cls(
            alert.key, alert.kind, alert.severity, alert.message,
            dict(alert.details) if details is None else details, alert.t_s, alert.state,
            "clinical",
        )  # fmt: skip

    def to_record(self) -> dict[str, Any]:
        """The alert fields of ``alerts.jsonl`` (the writer adds id, bed and times)."""
        return {
            "t_s": self.t_s,
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "details": {**self.details, "state": self.state},
        }


class AlertPolicy:
    """The alert state of one bed beyond the clinical layer's own.

    Holds which engine/stream conditions are open (``engine_alerts``: key → (time of
    the last change, severity)) and since when every channel has been good.
    """

    def __init__(self) -> None:
        self.engine_alerts: dict[str, tuple[float, str]] = {}
        self.all_good_since_s: float | None = None

    def hop_changes(
        self,
        hop: HopResult,
        clinical: ClinicalState,
        n_channels: int,
        t_s: float | None = None,
        manual_ictal: bool = False,
    ) -> list[AlertChange]:
        """Alert changes at one hop.

        Parameters
        ----------
        hop : HopResult
        clinical : ClinicalState
            The bed's clinical layer; updated here.
        n_channels : int
            Channels of the bed's montage (all good clears signal quality).
        t_s : float, optional
            Clinical time of the hop when it differs from ``hop.t_s`` (the service
            moves it on when a bedside observation was entered later).
        manual_ictal : bool
            A clinician observes seizure activity (counts as ictal).
        """
        t = float(hop.t_s if t_s is None else t_s)
        out: list[AlertChange] = []
        eeg_onset: dict[str, Any] | None = None
        for a in hop.alerts:
            if a.kind == "seizure_onset":
                eeg_onset = {"message": a.message, **a.details}
            elif a.kind in ("seizure_offset", "depth_change"):
                continue
            else:
                out += self.engine_change(a.kind, a.severity, a.message, a.details, t)
        if "signal_quality" in self.engine_alerts:
            if hop.n_good_channels >= n_channels:
                if self.all_good_since_s is None:
                    self.all_good_since_s = t
                elif t - self.all_good_since_s >= QUALITY_CLEAR_S:
                    del self.engine_alerts["signal_quality"]
                    self.all_good_since_s = None
                    out.append(
                        AlertChange(
                            "signal_quality", "signal_quality", "low",
                            f"all {n_channels} channels good again", {}, t, "cleared", "engine",
                        )
                    )  # fmt: skip
            else:
                self.all_good_since_s = None
        ictal = bool(hop.ictal) or manual_ictal
        sr = hop.suppression_ratio
        sr_known = sr is not None and math.isfinite(sr)
        for c in clinical.update(t, ictal, float(sr) if sr_known else None, hop.depth):
            details = dict(c.details)
            if c.state == "raised" and c.key in SEIZURE_KEYS and eeg_onset is not None:
                details["eeg"] = eeg_onset
            out.append(AlertChange.from_clinical(c, details))
        return out

    def engine_change(
        self, key: str, severity: str, message: str, details: dict[str, Any], t: float
    ) -> list[AlertChange]:
        """One open alert per engine/stream condition, rate-limited (see module doc)."""
        last = self.engine_alerts.get(key)
        if last is not None and last[1] == severity and t - last[0] < ENGINE_UPDATE_INTERVAL_S:
            return []
        self.engine_alerts[key] = (t, severity)
        if key == "signal_quality":
            self.all_good_since_s = None
        return [AlertChange(key, key, severity, message, dict(details), t, "raised", "engine")]

    def stream_event(
        self, kind: str, severity: str, message: str, details: dict[str, Any], t: float
    ) -> list[AlertChange]:
        """An LSL stream event (lost / restored / gap / drift) as alert changes."""
        if kind == "stream_restored":
            self.engine_alerts.pop("stream_lost", None)
            return [AlertChange("stream_lost", "stream_lost", "low", message, dict(details),
                                t, "cleared", "engine")]  # fmt: skip
        return self.engine_change(kind, severity, message, details, t)
