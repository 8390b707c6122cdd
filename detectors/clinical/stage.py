"""The SE stage as a pure function of the seizure history, the treatments and the time.

Staging (Trinka et al., ILAE 2015; seed text of this project)
-------------------------------------------------------------
* ``none``: no SE episode, or an episode shorter than t1.
* ``early``: the episode has lasted past t1 (5 min generalized convulsive,
  10 min focal with impaired awareness, 10 min absence; :data:`T1_T2_MIN`).
* ``established``: an adequate benzodiazepine was given for this episode and
  seizure activity was still present more than ``benzo_latency_s`` (5 min) after it.
* ``refractory``: an adequate benzodiazepine *and* an adequate second-line ASM were
  given and seizure activity was present after both (each plus its latency;
  second line 10 min, the usual infusion time of a loading dose, ESETT 2019).
* ``super_refractory``: seizure activity 24 h or more after the onset of anaesthetic
  therapy (the first continuous anaesthetic infusion of the episode), whether
  continuing on the infusion or recurring on its reduction or withdrawal
  (Shorvon & Ferlisi, Brain 2011; Trinka 2015). A recurrence on a wean *before*
  24 h is *anaesthetic-dependent* SE: reported (``anaesthetic_dependent=True``)
  but the stage stays ``refractory``.

Inadequate doses (:mod:`detectors.doses`, AES 2016 Glauser et al.) are listed in the
reasons and do not count. Split benzodiazepine doses of the same agent given within
``benzo_cumulative_window_s`` (10 min) are summed (an assumption: AES 2016 states
doses per administration). Stage ``super_refractory`` does not require the earlier
steps to be documented (the log may miss drugs given before admission); the reasons
say so. The rules are monotone in time, so within an episode the stage never goes
backwards; a new episode starts again from ``none``. Episodes: see
:mod:`detectors.clinical.timeline`. Treatments count for an episode if given after
the previous episode's last seizure and no earlier than ``pre_episode_lookback_s``
(1 h) before the episode's first seizure.

The rules below return :class:`~detectors.clinical.model.Reason` codes and figures;
:mod:`detectors.clinical.messages` words them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rse_monitor.detectors.clinical import messages
from rse_monitor.detectors.clinical.model import (
    SRSE_ANAESTHETIC_S,
    Reason,
    StageResult,
    StagingRules,
    Treatment,
)
from rse_monitor.detectors.clinical.timeline import (
    Episode,
    InfusionTimeline,
    Interval,
    burden_ratio,
    clipped_intervals,
    episodes,
)
from rse_monitor.detectors.doses import cumulative_required_met
from rse_monitor.pipeline.checks import finite

__all__ = ["ESE_BURDEN_RATIO", "cumulative_doses", "se_stage"]

#: Seizure burden of the trailing 60 min that is electrographic SE (ACNS 2021).
ESE_BURDEN_RATIO = 0.2


def se_stage(
    intervals: Sequence[Interval],
    treatments: Sequence[Treatment],
    t_s: float,
    rules: StagingRules | None = None,
    *,
    known_until_s: float | None = None,
    timeline: InfusionTimeline | None = None,
) -> StageResult:
    """The SE stage at ``t_s`` from the history up to ``t_s``, with its reasons.

    Parameters
    ----------
    intervals : sequence of (onset_s, offset_s or None)
        Seizures (ictal intervals) sorted by onset, not overlapping; an offset of
        None marks the ongoing seizure (the latest one).
    treatments : sequence of Treatment
        The treatment log (any order; ties keep their order).
    t_s : float
        Time of the question, s on the bed's clock; later history is ignored.
    rules : StagingRules, optional
        Seizure type, t1/t2 and the staging parameters; default ``StagingRules()``
        (generalized convulsive SE, ILAE 2015 t1 5 min, t2 30 min).
    known_until_s : float, optional
        Latest time the EEG was seen: an ongoing seizure lasts until then (it is
        not extrapolated beyond it); default ``t_s``.
    timeline : InfusionTimeline, optional
        The infusion timeline of ``treatments`` up to ``t_s`` if the caller has
        built it already (a cache; it must be the one these treatments give).

    Returns
    -------
    StageResult
        Stage, reasons (ILAE 2015 t1/t2, adequate doses per AES 2016, anaesthetic
        exposure per Shorvon & Ferlisi 2011, burden per ACNS 2021) and figures.

    Examples
    --------
    >>> se_stage([(0.0, 600.0)], [], 600.0).stage
    'early'
    """
    t = finite("t_s", t_s)
    rules = StagingRules() if rules is None else rules
    txs = sorted((tr for tr in treatments if tr.time_s <= t), key=lambda tr: tr.time_s)
    tl = timeline if timeline is not None else InfusionTimeline(txs, rules.withdrawal_window_s)
    clipped = clipped_intervals(intervals, t, known_until_s)
    burden60 = burden_ratio(clipped, t, 3600.0)
    eps = episodes(clipped, tl.runs, rules)
    if not eps:
        return _no_episode(Reason("no_seizures"), t, burden60)
    ep, prev = eps[-1], (eps[-2] if len(eps) > 1 else None)
    res = _evaluate(ep, prev, t, txs, tl, rules)
    if not ep.ongoing and t >= ep.hold_until_s:
        ended = Reason("episode_ended", {"start_s": ep.start_s, "end_s": ep.last_end_s,
                                         "stage": res.stage})  # fmt: skip
        return _no_episode(ended, t, burden60)
    res.burden_60min_ratio = burden60
    if burden60 >= ESE_BURDEN_RATIO:
        res.reasons.insert(1, messages.reason_text(Reason("burden", {"ratio": burden60})))
    return res


def _no_episode(reason: Reason, t: float, burden60: float) -> StageResult:
    return StageResult(
        "none", [messages.reason_text(reason)], False, False, False, 0.0,
        burden_60min_ratio=burden60, t_s=t,
    )  # fmt: skip


def cumulative_doses(tr: Treatment, txs: Sequence[Treatment], window_s: float) -> list[float]:
    """Split benzodiazepine doses up to ``tr`` that together are adequate.

    Same agent and rule, boluses within ``window_s`` before ``tr`` (``tr``
    included); returns their doses in mg if there are two or more and their sum
    meets the adequate dose (:func:`detectors.doses.cumulative_required_met`),
    otherwise an empty list. Summing split doses is an assumption (AES 2016 states
    doses per administration).
    """
    a = tr.assessment
    if (
        a.drug_class != "benzodiazepine"
        or a.kind != "bolus"
        or a.adequate
        or a.required_mg is None
        or window_s <= 0
    ):
        return []
    group = [
        x.assessment.dose_mg
        for x in txs
        if x.assessment.agent == a.agent
        and x.assessment.kind == "bolus"
        and x.assessment.rule == a.rule
        and x.assessment.required_mg is not None
        and tr.time_s - window_s <= x.time_s <= tr.time_s
    ]
    if len(group) < 2 or not cumulative_required_met(group, a.required_mg):
        return []
    return group


# ----------------------------------------------------------------- the episode
@dataclass
class _Findings:
    """What the treatments of an episode show."""

    reasons: list[Reason]
    benzo_fail_s: float | None = None  # dose time + latency of the earliest failed benzo
    second_line_fail_s: float | None = None
    anaesthetic_agent: str = ""


def _evaluate(
    ep: Episode,
    prev: Episode | None,
    t: float,
    treatments: Sequence[Treatment],
    tl: InfusionTimeline,
    rules: StagingRules,
) -> StageResult:
    duration = ep.last_end_s - ep.start_s
    burden = sum(off - on for on, off in ep.intervals)
    t1_crossed = duration >= rules.t1_s
    t2_crossed = rules.t2_s is not None and duration >= rules.t2_s
    reasons = _time_point_reasons(ep, duration, burden, t1_crossed, t2_crossed, rules)
    lo = ep.start_s - rules.pre_episode_lookback_s
    after = None if prev is None else prev.last_end_s
    txs = [tr for tr in treatments if tr.time_s >= lo and (after is None or tr.time_s > after)]
    onset = next((s for s, _ in tl.runs if lo <= s <= t and (after is None or s > after)), None)
    found = _treatment_findings(txs, ep, t, onset, rules)
    reasons += found.reasons
    stage, summary, ladder = _ladder(t1_crossed, found, ep, rules)
    reasons += ladder
    reasons += _mechanism_notes(stage, txs, ep)
    dependent = False
    if onset is not None and t1_crossed:
        dependent, srse, srse_summary = _anaesthetic_findings(
            ep, onset, found.anaesthetic_agent, tl, stage
        )
        reasons += srse
        if srse_summary is not None:
            stage, summary = "super_refractory", srse_summary
    return StageResult(
        stage,  # type: ignore[arg-type]
        [messages.reason_text(r) for r in reasons],
        dependent,
        t1_crossed,
        t2_crossed,
        burden,
        episode_start_s=ep.start_s,
        episode_duration_s=duration,
        anaesthetic_onset_s=onset,
        anaesthetic_s=None if onset is None else max(0.0, t - onset),
        t_s=t,
        summary=messages.reason_text(summary),
    )


#: a benzodiazepine first given this long after the episode began is noted as late:
#: in animal models GABA-A receptor internalisation cuts benzodiazepine potency
#: within 30 min of continuous seizures (Kapur & Macdonald, J Neurosci 1997)
LATE_BENZO_S = 30 * 60.0


def _mechanism_notes(stage: str, txs: Sequence[Treatment], ep: Episode) -> list[Reason]:
    """Mechanism-aware notes (issue 14): a late first benzodiazepine; in refractory and
    super-refractory SE the NMDA-receptor rationale for an NMDA antagonist."""
    out: list[Reason] = []
    benzos = [tr for tr in txs if tr.assessment.drug_class == "benzodiazepine"
              and tr.assessment.kind == "bolus" and tr.time_s >= ep.start_s]  # fmt: skip
    if benzos and benzos[0].time_s - ep.start_s >= LATE_BENZO_S:
        out.append(Reason("late_benzodiazepine",
                          {"tr": benzos[0], "after_s": benzos[0].time_s - ep.start_s}))  # fmt: skip
    if stage in ("refractory", "super_refractory"):
        out.append(Reason("nmda_rationale", {"stage": stage}))
    return out


def _time_point_reasons(
    ep: Episode, duration: float, burden: float, t1_crossed: bool, t2_crossed: bool,
    rules: StagingRules,
) -> list[Reason]:  # fmt: skip
    """ILAE 2015 t1 and t2 (Trinka et al. 2015, Table 1)."""
    t1_min, t2_min = rules.t1_t2_min
    out = [
        Reason("t1", {"duration_s": duration, "n_seizures": len(ep.intervals),
                      "burden_s": burden, "t1_min": t1_min,
                      "seizure_type": rules.seizure_type, "crossed": t1_crossed})
    ]  # fmt: skip
    if t2_min is None:
        out.append(Reason("t2_undefined", {"seizure_type": rules.seizure_type}))
    elif t2_crossed:
        out.append(Reason("t2_crossed", {"t2_min": t2_min}))
    return out


def _treatment_findings(
    txs: Sequence[Treatment], ep: Episode, t: float, onset: float | None, rules: StagingRules
) -> _Findings:
    """One reason per treatment of the episode, and when the first-/second-line drugs failed."""
    found = _Findings([])
    onset_reported = False
    for tr in txs:
        a = tr.assessment
        if a.kind == "bolus" and a.drug_class in ("benzodiazepine", "second_line"):
            _bolus_finding(tr, txs, ep, rules, found)
        elif a.drug_class == "other":
            found.reasons.append(Reason("no_loading_dose", {"tr": tr}))
        elif a.drug_class != "anaesthetic":
            continue
        elif (
            a.kind in ("infusion_start", "infusion_change")
            and not onset_reported
            and onset is not None
            and tr.time_s == onset
        ):
            onset_reported, found.anaesthetic_agent = True, a.agent
            found.reasons.append(Reason("anaesthetic_onset", {"tr": tr, "ago_s": t - tr.time_s}))
        elif a.kind == "infusion_start":
            found.reasons.append(Reason("infusion_started", {"tr": tr}))
        elif a.kind == "wean_start":
            after = None if onset is None else tr.time_s - onset
            found.reasons.append(Reason("wean_started", {"tr": tr, "after_s": after}))
        elif a.kind == "infusion_stop":
            found.reasons.append(Reason("infusion_stopped", {"tr": tr}))
    return found


def _bolus_finding(
    tr: Treatment, txs: Sequence[Treatment], ep: Episode, rules: StagingRules, found: _Findings
) -> None:
    """A benzodiazepine or second-line bolus: adequate (alone or summed) and failed or not."""
    a = tr.assessment
    benzo = a.drug_class == "benzodiazepine"
    latency = rules.benzo_latency_s if benzo else rules.second_line_latency_s
    window = rules.benzo_cumulative_window_s
    cum = [] if a.adequate else cumulative_doses(tr, txs, window)
    if not (a.adequate or cum):
        if a.required_mg is not None:
            found.reasons.append(Reason("dose_below", {"tr": tr, "weight_kg": rules.weight_kg}))
        else:
            found.reasons.append(Reason("route_not_standard", {"tr": tr}))
        return
    fail_s = tr.time_s + latency
    failed = ep.ictal_after(fail_s)
    found.reasons.append(
        Reason("adequate_dose", {"tr": tr, "latency_s": latency, "window_s": window,
                                 "failed": failed, "cumulative_mg": cum or None})
    )  # fmt: skip
    if failed and benzo:
        found.benzo_fail_s = _earliest(found.benzo_fail_s, fail_s)
    elif failed:
        found.second_line_fail_s = _earliest(found.second_line_fail_s, fail_s)


def _earliest(a: float | None, b: float) -> float:
    return b if a is None else min(a, b)


def _ladder(
    t1_crossed: bool, found: _Findings, ep: Episode, rules: StagingRules
) -> tuple[str, Reason, list[Reason]]:
    """Stage from t1 and the failed first- and second-line drugs: stage, summary, reasons."""
    if not t1_crossed:
        return "none", Reason("no_se"), []
    benzo, second = found.benzo_fail_s, found.second_line_fail_s
    stage, summary, out = "early", Reason("early", {"t1_min": rules.t1_t2_min[0]}), []
    if benzo is not None:
        stage, summary = "established", Reason("established")
        out.append(summary)
    if benzo is not None and second is not None and ep.ictal_after(max(benzo, second)):
        stage, summary = "refractory", Reason("refractory")
        out.append(summary)
    elif second is not None and benzo is None:
        out.append(Reason("second_line_only"))
    return stage, summary, out


def _anaesthetic_findings(
    ep: Episode, onset: float, agent: str, tl: InfusionTimeline, stage: str
) -> tuple[bool, list[Reason], Reason | None]:
    """Recurrences on a wean and 24 h of anaesthetic (Shorvon & Ferlisi 2011).

    Returns whether the SE is anaesthetic-dependent, the reasons, and the
    ``super_refractory`` summary if the SE is super-refractory (else None).
    """
    srse_at = onset + SRSE_ANAESTHETIC_S
    wean_onsets = [
        on for on, _ in ep.intervals if on > onset and tl.at(on).status in ("weaning", "withdrawn")
    ]
    out = [Reason("anaesthetic_dependent", {"after_s": on - onset}) for on in wean_onsets
           if on < srse_at]  # fmt: skip
    dependent = bool(out)
    if not ep.ictal_after(srse_at):
        return dependent, out, None
    late = [on for on in wean_onsets if on >= srse_at]
    recurrence = (late[0] - onset) if late else None
    summary = Reason("super_refractory", {"agent": agent, "onset_s": onset,
                                          "recurrence_after_s": recurrence})  # fmt: skip
    out.append(summary)
    if stage != "refractory":
        out.append(Reason("steps_undocumented"))
    return dependent, out, summary
