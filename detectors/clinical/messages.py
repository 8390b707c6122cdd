"""The wording of the clinical layer: stage reasons, alert messages and advice.

The rules (:mod:`detectors.clinical.stage`, :mod:`detectors.clinical.titration`)
decide with codes and figures; this module alone turns them into sentences, so a
change of wording never touches a rule. Citations in the sentences: ILAE 2015
(Trinka et al.) for t1/t2, ACNS 2021 (Hirsch et al.) for the 20 % burden, AES 2016
(Glauser et al.) and ESETT 2019 for doses, Brophy et al. 2012 (Neurocritical Care
Society) for anaesthetic infusions and weaning, Shorvon & Ferlisi 2011 for
super-refractory SE.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from rse_monitor.detectors.clinical.model import Reason, Treatment
from rse_monitor.detectors.doses import adequate_dose_text, format_dose_mg

__all__ = [
    "anaesthetic_24h_clear",
    "anaesthetic_24h_message",
    "band_inapplicable",
    "band_message",
    "band_resolved",
    "clock",
    "cumulative_text",
    "episode_ended",
    "reason_text",
    "seizure_message",
    "seizures_ended",
    "stage_advice",
    "stage_change_message",
    "t1_message",
    "t2_message",
]


# --------------------------------------------------------------------- figures
def clock(t_s: float) -> str:
    """Bed time as ``[-]HH:MM:SS``."""
    sign = "-" if t_s < 0 else ""
    s = int(round(abs(t_s)))
    return f"{sign}{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _min(x_s: float) -> str:
    return f"{x_s / 60:.1f} min"


def _h(x_s: float) -> str:
    return f"{x_s / 3600:.1f} h"


def _num(x: float) -> str:
    return f"{x:g}"


def _dose(tr: Treatment) -> str:
    a = tr.assessment
    return f"{a.agent} {format_dose_mg(a.dose_mg, a.dose_unit)} {a.route}"


def _type_name(seizure_type: str) -> str:
    return seizure_type.replace("_", " ")


def _stage_name(stage: str) -> str:
    return stage.replace("_", "-")


def cumulative_text(tr: Treatment, doses_mg: Sequence[float], window_s: float) -> str:
    """Split benzodiazepine doses up to ``tr`` that reached the adequate dose."""
    a = tr.assessment
    parts = " + ".join(format_dose_mg(d, a.dose_unit) for d in doses_mg)
    return (
        f"{a.agent} {parts} {a.route} within {_num(window_s / 60)} "
        f"min ({format_dose_mg(sum(doses_mg), a.dose_unit)} by {clock(tr.time_s)}) reached "
        f"the adequate {format_dose_mg(a.required_mg or 0.0, a.dose_unit)} ({a.rule}; "
        "cumulative dose counted)"
    )


# ---------------------------------------------------------------- stage reasons
def _dose_label(tr: Treatment, cumulative_mg: Sequence[float] | None, window_s: float) -> str:
    if cumulative_mg is not None:
        return cumulative_text(tr, cumulative_mg, window_s)
    a = tr.assessment
    return f"{_dose(tr)} at {clock(tr.time_s)} was adequate ({a.rule})"


def _t1(
    duration_s: float, n_seizures: int, burden_s: float, t1_min: float, seizure_type: str,
    crossed: bool,
) -> str:  # fmt: skip
    sz = "" if n_seizures == 1 else f" ({n_seizures} seizures, {_min(burden_s)} ictal)"
    st = _type_name(seizure_type)
    if crossed:
        return f"seizure activity for {_min(duration_s)}{sz}, past t1 = {_num(t1_min)} min ({st})"
    return (
        f"seizure activity for {_min(duration_s)}{sz}, below t1 = "
        f"{_num(t1_min)} min ({st}): not status epilepticus yet"
    )


def _adequate_dose(
    tr: Treatment,
    latency_s: float,
    window_s: float,
    failed: bool,
    cumulative_mg: Sequence[float] | None = None,
) -> str:
    label = _dose_label(tr, cumulative_mg, window_s)
    latency = _num(latency_s / 60)
    if failed:
        return f"{label} and seizures continued (seizure activity more than {latency} min after it)"
    return f"{label}; no seizure activity more than {latency} min after it so far"


def _dose_below(tr: Treatment, weight_kg: float) -> str:
    a = tr.assessment
    return (
        f"{_dose(tr)} at {clock(tr.time_s)} for {_num(weight_kg)} kg was below the "
        f"adequate dose {format_dose_mg(a.required_mg or 0.0, a.dose_unit)} ({a.rule}); "
        "not counted"
    )


def _route_not_standard(tr: Treatment) -> str:
    a = tr.assessment
    return (
        f"{_dose(tr)} at {clock(tr.time_s)}: {a.route} is not a standard "
        f"route for {a.agent}; not counted"
    )


def _srse(agent: str, onset_s: float, recurrence_after_s: float | None = None) -> str:
    if recurrence_after_s is None:
        return (
            f"seizure activity continuing >= 24 h after anaesthetic onset "
            f"({agent} at {clock(onset_s)}): super-refractory SE"
        )
    return (
        f"seizures recurred on reduction/withdrawal of anaesthesia at "
        f"{_h(recurrence_after_s)} (>= 24 h after anaesthetic "
        f"onset, {agent} at {clock(onset_s)}): super-refractory SE"
    )


_REASONS: Mapping[str, Callable[..., str]] = MappingProxyType(
    {
        "no_seizures": lambda: "no seizure activity recorded",
        "episode_ended": lambda start_s, end_s, stage: (
            f"no ongoing SE episode: the last one ({clock(start_s)} to {clock(end_s)}) ended; "
            f"highest stage reached: {_stage_name(stage)}"
        ),
        "burden": lambda ratio: (
            f"seizure burden {ratio:.0%} of the last 60 min (>= 20 %: "
            "electrographic status epilepticus, ACNS 2021)"
        ),
        "t1": _t1,
        "t2_undefined": lambda seizure_type: (
            f"t2 is not defined for {_type_name(seizure_type)} SE (ILAE 2015)"
        ),
        "t2_crossed": lambda t2_min: (
            f"past t2 = {_num(t2_min)} min: risk of long-term consequences (ILAE 2015)"
        ),
        "adequate_dose": _adequate_dose,
        "dose_below": _dose_below,
        "route_not_standard": _route_not_standard,
        "no_loading_dose": lambda tr: (
            f"{_dose(tr)} at {clock(tr.time_s)}: recorded; no guideline loading "
            "dose, not counted toward the stage"
        ),
        "anaesthetic_onset": lambda tr, ago_s: (
            f"{tr.assessment.agent} infusion started at {clock(tr.time_s)} (anaesthetic onset; "
            f"{_h(ago_s)} ago)"
        ),
        "infusion_started": lambda tr: (
            f"{tr.assessment.agent} infusion started at {clock(tr.time_s)}"
        ),
        "wean_started": lambda tr, after_s: (
            f"{tr.assessment.agent} wean started at {clock(tr.time_s)}"
            + ("" if after_s is None else f" after {_h(after_s)} of anaesthetic")
        ),
        "infusion_stopped": lambda tr: (
            f"{tr.assessment.agent} infusion stopped at {clock(tr.time_s)}"
        ),
        "no_se": lambda: "no status epilepticus (episode shorter than t1)",
        "early": lambda t1_min: f"early SE: past t1 = {_num(t1_min)} min",
        "established": lambda: "established SE: an adequate benzodiazepine failed",
        "refractory": lambda: (
            "refractory SE: an adequate benzodiazepine and an adequate "
            "second-line antiseizure medication both failed"
        ),
        "second_line_only": lambda: (
            "an adequate second-line drug failed but no adequate "
            "benzodiazepine is recorded: refractory needs both"
        ),
        "anaesthetic_dependent": lambda after_s: (
            f"anaesthetic-dependent recurrence at {_h(after_s)}: not super-refractory "
            "(< 24 h of anaesthetic)"
        ),
        "super_refractory": _srse,
        "late_benzodiazepine": lambda tr, after_s: (
            f"note: the first benzodiazepine ({tr.assessment.agent} at {clock(tr.time_s)}) came "
            f"{_h(after_s)} after the episode began; benzodiazepines lose efficacy as SE goes "
            "on (synaptic GABA-A receptors are internalised, Kapur & Macdonald, J Neurosci "
            "1997; Naylor et al., J Neurosci 2005; KCC2 down-regulation makes GABA less "
            "inhibitory, Kaila et al., Nat Rev Neurosci 2014) - decision support, not advice"
        ),
        "nmda_rationale": lambda stage: (
            f"note ({_stage_name(stage)}): seizures sustained this long recruit synaptic NMDA "
            "receptors (Naylor et al., Neurobiol Dis 2013), the rationale for an NMDA "
            "antagonist such as ketamine (Gaspard et al., Epilepsia 2013) - decision "
            "support, not advice"
        ),
        "steps_undocumented": lambda: (
            "note: the benzodiazepine and second-line steps are not both "
            "documented as adequate and failed"
        ),
    }
)


def reason_text(reason: Reason) -> str:
    """The sentence for one stage reason (its code and figures)."""
    return _REASONS[reason.code](**reason.figures)


# ----------------------------------------------------------------------- alerts
def seizure_message(key: str, t_s: float, details: Mapping[str, Any]) -> str:
    """Message of a seizure alert (``details`` as the titration rule built them)."""
    if key == "breakthrough_seizure":
        rates = details["infusions_mg_per_kg_h"]
        agents = ", ".join(f"{a} {_num(round(r, 3))} mg/kg/h" for a, r in rates.items())
        return f"breakthrough seizure at {clock(t_s)} on anaesthetic infusion ({agents})"
    if key == "wean_recurrence":
        phase = "during a wean" if details["infusion_status"] == "weaning" else "after withdrawal"
        hours = details["anaesthetic_s"]
        if hours is None:
            return f"seizure recurred {phase} of anaesthesia at {clock(t_s)}"
        verdict = (
            "super-refractory SE (recurrence on reduction of anaesthesia >= 24 h after its onset)"
            if details["super_refractory"]
            else "anaesthetic-dependent SE, not super-refractory (< 24 h of anaesthetic)"
        )
        return (
            f"seizure recurred {phase} at {clock(t_s)} after {_h(hours)} of anaesthetic: {verdict}"
        )
    return f"seizure onset at {clock(t_s)}"


def seizure_update(message: str, n_seizures: int, raised_t_s: float) -> str:
    """A seizure alert's message when later seizures of its cluster are counted."""
    return f"{message}; {n_seizures} seizures since {clock(raised_t_s)}"


def seizures_ended(offset_s: float, n_seizures: int, raised_t_s: float) -> str:
    """Clearing message of a seizure alert at the end of its cluster."""
    s = "s" if n_seizures != 1 else ""
    return (
        f"seizure activity ended at {clock(offset_s)} ({n_seizures} seizure{s} since "
        f"{clock(raised_t_s)})"
    )


def t1_message(duration_s: float, t1_min: float, seizure_type: str) -> str:
    return (
        f"seizure activity for {_min(duration_s)}: past t1 = {_num(t1_min)} min for "
        f"{_type_name(seizure_type)} SE; treatment is due (ILAE 2015)"
    )


def t2_message(duration_s: float, t2_min: float, seizure_type: str) -> str:
    return (
        f"seizure activity for {_min(duration_s)}: past t2 = {_num(t2_min)} min for "
        f"{_type_name(seizure_type)} SE; risk of long-term consequences (ILAE 2015)"
    )


def stage_change_message(stage: str, summary: str) -> str:
    return f"SE stage now {_stage_name(stage)}: {summary}"


def episode_ended() -> str:
    return "SE episode ended"


def _sr_text(sr: float | None) -> str:
    return "unknown" if sr is None else f"{sr:.2f}"


def _band_text(sr_low: float, sr_high: float) -> str:
    return f"{sr_low:.2f}-{sr_high:.2f}"


def band_message(key: str, sr: float | None, held_s: float, sr_low: float, sr_high: float) -> str:
    """Message of a titration band alert (``below_band``, ``above_band``, ``isoelectric``)."""
    srt, band = _sr_text(sr), _band_text(sr_low, sr_high)
    if key == "below_band":
        return (
            f"EEG lighter than target for {_min(held_s)}: suppression ratio "
            f"{srt} below the {band} band; consider deepening the infusion"
        )
    if key == "epileptiform_in_band":
        return (
            f"Suppression holds epileptiform discharges for {_min(held_s)} (suppression "
            f"ratio {srt}, target {band}): periodic discharges on a suppressed background or "
            "highly epileptiform bursts (ACNS 2021) are not the target burst suppression; "
            "review the EEG"
        )
    if key == "above_band":
        return (
            f"EEG deeper than target for {_min(held_s)}: suppression ratio {srt} "
            f"above the {band} band; consider lightening the infusion"
        )
    return (
        f"EEG isoelectric for {_min(held_s)} (suppression ratio {srt}): deeper "
        "than any seizure-control target, costs blood pressure for no "
        "added benefit; consider reducing the infusion"
    )


_INAPPLICABLE = MappingProxyType(
    {"goal": "goal is seizure suppression", "no_infusion": "no anaesthetic infusion running"}
)


def band_inapplicable(key: str, why: str) -> str:
    """Clearing message of a band alert whose rule no longer applies (``why`` a code)."""
    return f"{key.replace('_', ' ')}: no longer applicable ({_INAPPLICABLE[why]})"


def band_resolved(key: str, sr: float | None, sr_low: float, sr_high: float) -> str:
    return (
        f"{key.replace('_', ' ')} resolved (suppression ratio {_sr_text(sr)}, "
        f"target {_band_text(sr_low, sr_high)})"
    )


def anaesthetic_24h_message(
    t_s: float, run_start_s: float, ictal: bool, last_offset_s: float | None
) -> str:
    """24 h of anaesthetic: a wean trial may be considered (Brophy et al. 2012)."""
    if ictal:
        sz = "EEG seizures are ongoing: a wean is not advised now"
    elif last_offset_s is None or last_offset_s < run_start_s:
        sz = f"no EEG seizure since the infusion started ({_h(t_s - run_start_s)})"
    else:
        sz = f"last EEG seizure {_h(t_s - last_offset_s)} ago"
    return (
        f"anaesthetic infusion running for {_h(t_s - run_start_s)} (since {clock(run_start_s)}); "
        f"{sz}. A wean trial may be considered once seizures have been controlled for "
        "24-48 h (Brophy et al. 2012)"
    )


def anaesthetic_24h_clear(status: str) -> str:
    why = "wean started" if status == "weaning" else "infusion stopped"
    return f"anaesthetic_24h: {why}"


# ----------------------------------------------------------------------- advice
def stage_advice(stage: str, infusion_status: str, weight_kg: float) -> list[str]:
    """Decision support for a stage (never orders): AES 2016, ESETT 2019, Brophy 2012."""
    w = weight_kg
    if stage == "early":
        return [
            "first-line benzodiazepine if not yet given: "
            f"{adequate_dose_text('lorazepam', w)}, or "
            f"{adequate_dose_text('midazolam', w, 'IM')}, or "
            f"{adequate_dose_text('diazepam', w)} (AES 2016)"
        ]
    if stage == "established":
        return [
            "second-line loading dose: "
            f"{adequate_dose_text('levetiracetam', w)}, or "
            f"{adequate_dose_text('fosphenytoin', w)}, or "
            f"{adequate_dose_text('valproate', w)} (AES 2016, ESETT 2019)"
        ]
    if stage == "refractory" and infusion_status == "none":
        return [
            "refractory SE: consider a continuous anaesthetic infusion (midazolam, "
            "propofol, pentobarbital) titrated to the EEG target (Brophy 2012)"
        ]
    if stage == "super_refractory":
        return [
            "super-refractory SE: review aetiology and consider further therapies "
            "(Shorvon & Ferlisi 2011)"
        ]
    return []
