"""From hop results and stream events to alerts: the one alert policy of a bed.

Every bed session (``rsemon replay``, ``rsemon monitor`` and each service bed) runs
this policy, so ``alerts.jsonl`` holds exactly what a bed in the service raises:

- seizure alerts come from the clinical layer (``seizure_onset`` without an
  anaesthetic infusion, ``breakthrough_seizure`` on one, ``wean_recurrence`` during a
  wean), raised once per seizure cluster and carrying the detector's own onset
  details under ``details["eeg"]``; the engine's per-seizure offsets and depth
  changes are shown in the trends, not raised;
- engine and stream conditions are open alerts of :class:`~detectors.alerts.OpenAlerts`,
  reported again at most every :data:`ENGINE_UPDATE_INTERVAL_S` of bed time unless
  their severity changes, and cleared when they end:

  ============================  ===============================================
  condition                     ends
  ============================  ===============================================
  ``signal_quality``            every channel good for :data:`QUALITY_CLEAR_S`
                                (updated when an electrode or cause joins)
  ``stream_lost``               the stream is restored (and ``stream_restored``
                                is raised, low)
  ``stream_restored``           :data:`CONDITION_CLEAR_S` of data without a loss
  ``stream_not_found``          the stream appears (``stream_found``, not raised,
                                or the first hop)
  ``data_gap``, ``rate_drift``  :data:`CONDITION_CLEAR_S` without a recurrence
  ``engine_error``              :data:`CONDITION_CLEAR_S` of hops without an error
  ``seizure_burden``            5-min burden below 0.4 (raised at 0.5 medium,
                                0.9 high)
  ``electrographic_se``         no seizure of ≥ 10 min under way and < 20 % of
                                the last 60 min in seizure (ACNS 2021)
  ============================  ===============================================

- everything else the clinical layer raises (t1/t2 crossed, SE stage, titration
  against the targets, 24 h of anaesthetic) as it raises it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rse_monitor.detectors.alerts import Alert, AlertOrigin, OpenAlert, OpenAlerts, Severity
from rse_monitor.detectors.burden import ESE_BURDEN_60MIN, ESE_CONTINUOUS_S
from rse_monitor.detectors.clinical import SEIZURE_KEYS, ClinicalState

if TYPE_CHECKING:
    from rse_monitor.monitoring.engine import HopResult

__all__ = [
    "AlertPolicy",
    "BURDEN_HIGH",
    "BURDEN_MEDIUM",
    "CONDITION_CLEAR_S",
    "ENGINE_UPDATE_INTERVAL_S",
    "QUALITY_CLEAR_S",
]

#: Minimum bed time between two reports of an engine/stream condition of equal severity.
ENGINE_UPDATE_INTERVAL_S = 600.0
#: All channels good for this long clears an open signal-quality alert.
QUALITY_CLEAR_S = 60.0
#: A transient condition (gap, drift, engine error, restored stream) not seen again
#: for this long is over.
CONDITION_CLEAR_S = 60.0

#: 5-min seizure burden that raises ``seizure_burden`` (medium) and makes it high: half
#: of the last 5 min in seizure, and nearly all of it (the bedside status alert).
BURDEN_MEDIUM = 0.5
BURDEN_HIGH = 0.9
#: ``seizure_burden`` clears below ``BURDEN_MEDIUM - BURDEN_HYSTERESIS`` (no flapping
#: at the threshold).
BURDEN_HYSTERESIS = 0.1
#: the continuum must hold this long before it is raised, and be gone this long to
#: clear (ours: six 10-s windows, so that one window does not raise or clear it)
IIC_RAISE_S = 60.0
IIC_CLEAR_S = 60.0

#: Conditions that end after :data:`CONDITION_CLEAR_S` without a recurrence.
_TRANSIENT = ("data_gap", "rate_drift", "engine_error", "stream_restored")
#: Engine alerts that are shown in the trends and events, not raised.
_NOT_RAISED = ("seizure_offset", "depth_change")


class AlertPolicy:
    """The alert state of one bed beyond the clinical layer's own.

    ``conditions`` holds the open engine/stream conditions; ``last_seen_s`` when each
    transient condition was last reported; ``all_good_since_s`` since when every
    channel has been good.
    """

    def __init__(self) -> None:
        self.conditions = OpenAlerts(ENGINE_UPDATE_INTERVAL_S)
        self.last_seen_s: dict[str, float] = {}
        self.all_good_since_s: float | None = None
        self._iic_since_s: float | None = None  # the continuum holds since
        self._iic_off_since_s: float | None = None  # an open continuum alert: gone since

    @property
    def engine_alerts(self) -> dict[str, tuple[float, str]]:
        """Open engine/stream conditions: key → (time of the last report, severity)."""
        return {o.key: (o.last_report_t_s, o.severity) for o in self.conditions}

    def hop_changes(
        self,
        hop: HopResult,
        clinical: ClinicalState,
        n_channels: int,
        t_s: float | None = None,
        manual_ictal: bool = False,
    ) -> list[Alert]:
        """Alert transitions at one hop.

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
        out: list[Alert] = []
        eeg_onset: dict[str, Any] | None = None
        for a in hop.alerts:
            if a.kind == "seizure_onset":
                eeg_onset = {"message": a.message, **a.details}
            elif a.kind not in _NOT_RAISED:
                out += self.condition(a.key, a.severity, a.message, a.details, t, a.origin)
        if "stream_not_found" in self.conditions:  # data: the stream is there
            out += self.conditions.clear("stream_not_found", "LSL stream found", t)
        out += self._quality_cleared(hop, n_channels, t)
        out += self._transients_over(t)
        out += self._burden(hop, t)
        out += self._continuum(hop, t)
        ictal = bool(hop.ictal) or manual_ictal
        sr = hop.suppression_ratio
        sr_known = sr is not None and math.isfinite(sr)
        # the band is judged on the burst-suppression probability's interval when known
        bsp = (hop.bsp, hop.bsp_lo, hop.bsp_hi)
        bsp_known = sr_known and all(math.isfinite(v) for v in bsp)
        for c in clinical.update(
            t, ictal, float(sr) if sr_known else None, hop.depth,
            bsp=bsp if bsp_known else None,
        ):  # fmt: skip
            details = dict(c.details)
            if c.state == "raised" and c.key in SEIZURE_KEYS and eeg_onset is not None:
                details["eeg"] = eeg_onset
            out.append(replace(c, details=details))
        return out

    def condition(
        self,
        key: str,
        severity: Severity,
        message: str,
        details: Mapping[str, Any],
        t: float,
        origin: AlertOrigin = "engine",
    ) -> list[Alert]:
        """An engine/stream condition holds at ``t``: raise it or update it if due.

        A ``signal_quality`` alert is updated at once when an electrode, or a new
        cause of one, joins those it names (not when one recovers: it clears when
        all are good)."""
        force = False
        if key == "signal_quality":
            self.all_good_since_s = None
            held = self.conditions.get(key)
            named = held.details.get("causes", {}) if held is not None else {}
            new = details.get("causes", {})
            force = held is not None and any(named.get(ch) != c for ch, c in new.items())
        if key in _TRANSIENT:
            self.last_seen_s[key] = t
        return self.conditions.report(
            key, severity, message, details, t, origin=origin, force=force
        )

    def stream_event(
        self, kind: str, severity: Severity, message: str, details: Mapping[str, Any], t: float
    ) -> list[Alert]:
        """A live-stream event (``stream_lost``, ``stream_restored``, ``data_gap``,
        ``rate_drift``, ``stream_not_found``, ``stream_found``) as alert transitions."""
        if kind == "stream_found":
            return self.conditions.clear("stream_not_found", message, t, details)
        if kind == "stream_restored":
            out = self.conditions.clear("stream_lost", message, t, details)
            self.conditions.clear("stream_restored", message, t)
            return out + self.condition(kind, "low", message, details, t, "stream")
        if kind == "stream_lost":
            out = self.conditions.clear("stream_restored", message, t)
            self.last_seen_s.pop("stream_restored", None)
            return out + self.condition(kind, severity, message, details, t, "stream")
        return self.condition(kind, severity, message, details, t, "stream")

    def engine_error(self, exc: BaseException, t: float) -> list[Alert]:
        """The engine failed on a chunk and was restarted (the bed keeps running)."""
        text = str(exc).splitlines()[0][:200] if str(exc) else ""
        return self.condition(
            "engine_error", "medium",
            f"analysis restarted after an internal error ({type(exc).__name__})",
            {"error": f"{type(exc).__name__}: {text}"}, t,
        )  # fmt: skip

    def close_all(self, message: str, t: float) -> list[Alert]:
        """Clear every open engine/stream condition (end of monitoring)."""
        self.last_seen_s.clear()
        return self.conditions.clear_all(message, t)

    # -- seizure burden (ACNS 2021) ------------------------------------------------
    def _burden(self, hop: HopResult, t: float) -> list[Alert]:
        """``seizure_burden`` from the 5-min burden; ``electrographic_se`` from a
        seizure of ≥ 10 continuous minutes or ≥ 20 % of the last 60 min."""
        b5, b60, run = hop.seizure_burden_5min, hop.seizure_burden_60min, hop.ictal_run_s
        out: list[Alert] = []
        details = {"burden_5min": round(b5, 3), "burden_60min": round(b60, 3),
                   "ictal_run_s": round(run, 1)}  # fmt: skip
        open_ = "seizure_burden" in self.conditions
        if b5 >= BURDEN_MEDIUM or (open_ and b5 >= BURDEN_MEDIUM - BURDEN_HYSTERESIS):
            sev: Severity = "high" if b5 >= BURDEN_HIGH else "medium"
            msg = f"seizure burden {b5:.0%} of the last 5 min"
            out += self.conditions.report("seizure_burden", sev, msg, details, t)
        elif b5 < BURDEN_MEDIUM - BURDEN_HYSTERESIS:
            msg = f"seizure burden down to {b5:.0%} of the last 5 min"
            out += self.conditions.clear("seizure_burden", msg, t, details)
        if run >= ESE_CONTINUOUS_S or b60 >= ESE_BURDEN_60MIN:
            why = (f"a seizure for {run / 60:.0f} continuous min" if run >= ESE_CONTINUOUS_S
                   else f"seizures {b60:.0%} of the last 60 min")  # fmt: skip
            msg = f"electrographic status epilepticus: {why} (ACNS 2021)"
            out += self.conditions.report("electrographic_se", "high", msg, details, t)
        elif run == 0.0:
            msg = f"no longer electrographic status: seizures {b60:.0%} of the last 60 min"
            out += self.conditions.clear("electrographic_se", msg, t, details)
        return out

    # -- ictal-interictal continuum (ACNS 2021) --------------------------------------
    def _continuum(self, hop: HopResult, t: float) -> list[Alert]:
        """``ictal_interictal_continuum`` (medium) once the ACNS pattern has been on the
        continuum for ``IIC_RAISE_S``; cleared once it has been off for ``IIC_CLEAR_S``
        or a seizure is reported (the seizure alerts then speak)."""
        iic = hop.iic and not hop.ictal
        open_ = "ictal_interictal_continuum" in self.conditions
        if iic:
            self._iic_off_since_s = None
            if self._iic_since_s is None:
                self._iic_since_s = t
            if open_ or t - self._iic_since_s >= IIC_RAISE_S:
                hz = hop.pattern_hz if math.isfinite(hop.pattern_hz) else None
                words = f"{hop.pattern} {hz:.1f} Hz" if hz is not None else hop.pattern
                msg = (f"ictal-interictal continuum: {words} (ACNS 2021); "
                       "periodic or rhythmic pattern that may be ictal")  # fmt: skip
                details = {"pattern": hop.pattern, "pattern_hz": hz,
                           "since_s": round(self._iic_since_s, 1)}  # fmt: skip
                return self.conditions.report("ictal_interictal_continuum", "medium", msg,
                                              details, t)  # fmt: skip
            return []
        self._iic_since_s = None
        if not open_:
            return []
        if hop.ictal:
            self._iic_off_since_s = None
            return self.conditions.clear("ictal_interictal_continuum",
                                         "continuum ended: seizure reported", t)  # fmt: skip
        if self._iic_off_since_s is None:
            self._iic_off_since_s = t
        if t - self._iic_off_since_s >= IIC_CLEAR_S:
            self._iic_off_since_s = None
            msg = f"no continuum pattern for {IIC_CLEAR_S:.0f} s"
            return self.conditions.clear("ictal_interictal_continuum", msg, t)
        return []

    # -- conditions that end ------------------------------------------------------
    def _quality_cleared(self, hop: HopResult, n_channels: int, t: float) -> list[Alert]:
        if "signal_quality" not in self.conditions:
            return []
        if hop.n_good_channels < n_channels:
            self.all_good_since_s = None
            return []
        if self.all_good_since_s is None:
            self.all_good_since_s = t
            return []
        if t - self.all_good_since_s < QUALITY_CLEAR_S:
            return []
        self.all_good_since_s = None
        return self.conditions.clear("signal_quality", f"all {n_channels} channels good again", t)

    def _transients_over(self, t: float) -> list[Alert]:
        out: list[Alert] = []
        for key, seen in list(self.last_seen_s.items()):
            if t - seen >= CONDITION_CLEAR_S:
                del self.last_seen_s[key]
                out += self.conditions.clear(key, f"no {key.replace('_', ' ')} for "
                                                  f"{CONDITION_CLEAR_S:.0f} s", t)  # fmt: skip
        return out

    # -- persistence --------------------------------------------------------------
    def restore(
        self, key: str, kind: str, severity: Severity, message: str, details: dict[str, Any],
        raised_t_s: float, last_t_s: float, origin: AlertOrigin,
    ) -> None:  # fmt: skip
        """Re-open a condition that a store kept open (a service restarted)."""
        self.conditions.restore(
            OpenAlert(key, kind, severity, message, details, raised_t_s, last_t_s, origin)
        )
        if key in _TRANSIENT:
            self.last_seen_s[key] = last_t_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "conditions": self.conditions.to_dict(),
            "last_seen_s": dict(self.last_seen_s),
            "all_good_since_s": self.all_good_since_s,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertPolicy:
        policy = cls()
        policy.conditions = OpenAlerts.from_dict(data["conditions"])
        policy.last_seen_s = {str(k): float(v) for k, v in data.get("last_seen_s", {}).items()}
        since = data.get("all_good_since_s")
        policy.all_good_since_s = None if since is None else float(since)
        return policy
