"""Titration rules: each a small pure function of its inputs returning its decision.

The rules judge the anaesthetic infusion against the EEG and say *what* to
announce; :class:`detectors.clinical.state.ClinicalState` keeps the timers and the
open alerts, and :mod:`detectors.clinical.messages` words the decision.

* A seizure (:func:`seizure_alert`): ``seizure_onset`` (medium) off anaesthesia;
  ``breakthrough_seizure`` (high) while an anaesthetic infusion runs;
  ``wean_recurrence`` (high) during a wean or after withdrawal, super-refractory
  after >= 24 h of anaesthetic, anaesthetic-dependent before (Shorvon & Ferlisi
  2011; Trinka et al. 2015). A cluster ends ``cluster_gap_s`` after the last offset
  (:func:`cluster_over`).
* The suppression-ratio band (:func:`band_conditions`, :func:`band_step`):
  ``below_band`` (medium, "too light") and ``above_band`` (low) with goal
  ``burst_suppression`` while an infusion runs (not during a wean), and
  ``isoelectric`` (medium, any goal, on an infusion or a wean). A condition must
  hold for ``Targets.sustain_s`` before it is raised and be absent for
  ``clear_hold_s`` before it clears; an open band alert is updated when the 60-s
  average of the ratio (:func:`smoothed_ratio`) moved by ``sr_update_delta`` from
  the figure last reported (:func:`material_change`). The band expresses
  burst-suppression practice (Brophy et al. 2012; Rossetti & Lowenstein 2011;
  ACNS 2021 Hirsch et al. for the terminology). When the burst-suppression
  probability's 95 % interval is known (:mod:`detectors.bsp`, Chemali et al.
  2013), ``below_band`` holds only while the whole interval lies below the lower
  target and ``above_band`` only while it lies above the upper one, so a ratio
  hovering at a band edge does not raise and clear alerts in turn.
  ``epileptiform_in_band`` (medium, goal ``burst_suppression``, infusion running):
  the depth says the suppression holds discharges (``discharges_on_suppression``,
  ``burst_suppression_epileptiform``: ACNS 2021 "periodic discharges on a suppressed
  background", "burst suppression with highly epileptiform bursts") while the ratio
  is not below the band: the ratio alone would read "on target".
* 24 h of anaesthetic (:func:`anaesthetic_24h`, low): a wean trial may be
  considered (Brophy et al. 2012); cleared when a wean starts or the infusion stops.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from rse_monitor.detectors.alerts import Severity
from rse_monitor.detectors.clinical.model import (
    EPILEPTIFORM_DEPTHS,
    SR_SMOOTH_S,
    SRSE_ANAESTHETIC_S,
    StageResult,
    Targets,
)
from rse_monitor.detectors.clinical.timeline import InfusionSegment

__all__ = [
    "BAND_SEVERITY",
    "BandStep",
    "SeizureAlert",
    "anaesthetic_24h",
    "band_conditions",
    "band_inapplicable_why",
    "band_step",
    "cluster_over",
    "material_change",
    "seizure_alert",
    "smoothed_ratio",
]

#: Severity of each band alert (IEC 60601-1-8 priorities).
BAND_SEVERITY: Mapping[str, Severity] = MappingProxyType(
    {
        "below_band": "medium",
        "above_band": "low",
        "isoelectric": "medium",
        "epileptiform_in_band": "medium",
    }
)


# --------------------------------------------------------------------- seizures
@dataclass(frozen=True)
class SeizureAlert:
    """Which seizure alert a seizure onset raises, and the figures behind it."""

    key: Literal["seizure_onset", "breakthrough_seizure", "wean_recurrence"]
    severity: Severity
    details: dict[str, Any]


def seizure_alert(t_s: float, seg: InfusionSegment, res: StageResult) -> SeizureAlert:
    """The alert for a seizure starting at ``t_s`` with the infusion status ``seg``.

    ``res`` is the SE stage at ``t_s``: its anaesthetic onset dates a recurrence on
    a wean (>= 24 h of anaesthetic: super-refractory; < 24 h: anaesthetic-dependent).
    """
    details: dict[str, Any] = {
        "onset_s": t_s,
        "stage": res.stage,
        "infusion_status": seg.status,
        "infusions_mg_per_kg_h": dict(seg.rates),
    }
    if seg.status == "running":
        return SeizureAlert("breakthrough_seizure", "high", details)
    if seg.status not in ("weaning", "withdrawn"):
        return SeizureAlert("seizure_onset", "medium", details)
    onset = res.anaesthetic_onset_s if res.anaesthetic_onset_s is not None else seg.run_start_s
    if onset is None:
        details.update(anaesthetic_s=None, super_refractory=False, anaesthetic_dependent=True)
    else:
        srse = t_s - onset >= SRSE_ANAESTHETIC_S
        details.update(
            anaesthetic_s=t_s - onset, super_refractory=srse, anaesthetic_dependent=not srse
        )
    return SeizureAlert("wean_recurrence", "high", details)


def cluster_over(
    ictal: bool, last_offset_s: float | None, t_s: float, cluster_gap_s: float
) -> bool:
    """Whether the seizure cluster ended: no ictal activity for ``cluster_gap_s``."""
    return not ictal and last_offset_s is not None and t_s - last_offset_s >= cluster_gap_s


# ------------------------------------------------------------------------- band
def band_conditions(
    targets: Targets,
    infusion_status: str,
    sr: float | None,
    depth: str | None,
    isoelectric_sr: float,
    isoelectric_depths: tuple[str, ...],
    bsp_interval: tuple[float, float] | None = None,
) -> dict[str, tuple[bool, bool | None]]:
    """Per band key: (the rule applies, the condition holds now or None if unknown).

    The EEG is isoelectric when the suppression ratio is at least ``isoelectric_sr``
    or the depth label is one of ``isoelectric_depths``. With ``bsp_interval``
    (the 95 % interval of the burst-suppression probability, both ends finite) the
    band is judged on the interval instead of the ratio: below when its upper end
    is under ``sr_low``, above when its lower end is over ``sr_high``.
    """
    on_infusion = infusion_status == "running"
    bs = targets.goal == "burst_suppression" and on_infusion
    iso_known = sr is not None or (depth is not None and depth != "unknown")
    iso_now = (sr is not None and sr >= isoelectric_sr) or (
        depth is not None and depth in isoelectric_depths
    )
    if sr is None:
        below = above = None
    elif bsp_interval is not None:
        lo, hi = bsp_interval
        below, above = hi < targets.sr_low, lo > targets.sr_high and not iso_now
    else:
        below, above = sr < targets.sr_low, sr > targets.sr_high and not iso_now
    # in the band by the ratio while the suppression holds discharges (ACNS 2021 "PDs on
    # a suppressed background", "burst suppression with highly epileptiform bursts"):
    # the ratio's target is not met, whatever it reads (issue 11, part 3)
    if depth is None or depth == "unknown":
        epi = None
    else:
        epi = depth in EPILEPTIFORM_DEPTHS and not below
    return {
        "below_band": (bs, below),
        "above_band": (bs, above),
        "epileptiform_in_band": (bs, epi),
        "isoelectric": (
            infusion_status in ("running", "weaning"),
            iso_now if iso_known else None,
        ),
    }


def band_inapplicable_why(key: str, goal: str) -> Literal["goal", "no_infusion"]:
    """Why a band rule stopped applying: the goal, or no infusion running."""
    return "goal" if goal != "burst_suppression" and key != "isoelectric" else "no_infusion"


@dataclass(frozen=True)
class BandStep:
    """A band rule's decision at one hop, with its timers afterwards.

    ``action``: ``"drop"`` (the rule no longer applies: clear if open), ``"raise"``,
    ``"hold"`` (open and still true: update if material), ``"clear"`` (absent for
    the clear hold), or None (nothing to announce).
    """

    action: Literal["drop", "raise", "hold", "clear"] | None
    since_s: float | None
    false_since_s: float | None
    held_s: float = 0.0


def band_step(
    applicable: bool,
    now: bool | None,
    is_open: bool,
    since_s: float | None,
    false_since_s: float | None,
    t_s: float,
    sustain_s: float,
    clear_hold_s: float,
) -> BandStep:
    """Advance one band condition's timers to ``t_s`` and decide.

    ``since_s``: when the condition started to hold; ``false_since_s``: when an open
    condition stopped holding. An unknown condition (``now`` None) changes nothing.
    """
    if not applicable:
        return BandStep("drop", None, None)
    if now is None:
        return BandStep(None, since_s, false_since_s)
    if now:
        since = t_s if since_s is None else since_s
        held = t_s - since
        if is_open:
            return BandStep("hold", since, None, held)
        return BandStep("raise" if held >= sustain_s else None, since, None, held)
    if not is_open:
        return BandStep(None, None, false_since_s)
    absent_since = t_s if false_since_s is None else false_since_s
    if t_s - absent_since >= clear_hold_s:
        return BandStep("clear", None, None)
    return BandStep(None, None, absent_since)


def smoothed_ratio(
    ema: float | None, ema_t_s: float | None, sr: float | None, t_s: float
) -> tuple[float | None, float | None]:
    """Exponential average of the suppression ratio, time constant :data:`SR_SMOOTH_S`.

    Returns the new (average, time); an unknown ratio leaves both unchanged.
    """
    if sr is None:
        return ema, ema_t_s
    if ema is None or ema_t_s is None:
        return sr, t_s
    alpha = 1.0 - math.exp(-max(0.0, t_s - ema_t_s) / SR_SMOOTH_S)
    return ema + alpha * (sr - ema), t_s


def material_change(ema: float | None, figure: float | None, delta: float) -> bool:
    """Whether the average moved by ``delta`` or more from the figure last reported.

    Materiality is judged on the 60-s average so that hop-to-hop jitter of the
    ratio does not count as a change.
    """
    return ema is not None and figure is not None and abs(ema - figure) >= delta


# ----------------------------------------------------------------- anaesthetic
def anaesthetic_24h(
    t_s: float, seg: InfusionSegment, is_open: bool, announced_run_s: float | None
) -> Literal["raise", "clear"] | None:
    """24 h of continuous anaesthetic (raise once per run) or its end (clear).

    ``announced_run_s`` is the start of the run already announced, if any.
    """
    if is_open and seg.status != "running":
        return "clear"
    run = seg.run_start_s
    if (
        seg.status == "running"
        and run is not None
        and t_s - run >= SRSE_ANAESTHETIC_S
        and announced_run_s != run
    ):
        return "raise"
    return None
