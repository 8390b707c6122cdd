"""The stateful clinical layer of one bed: :class:`ClinicalState`.

It keeps the bookkeeping -- the treatment log, the ictal intervals, the band
timers, which episode conditions were announced, and the open alerts
(:class:`detectors.alerts.OpenAlerts`, origin ``"clinical"``) -- and asks the pure
rules (:func:`detectors.clinical.stage.se_stage`, :mod:`detectors.clinical.titration`)
what to announce. Its one streaming verb is :meth:`ClinicalState.update`, which
returns alert transitions (raised / updated / cleared), never a stream of repeats.

Alerts (keys; one open alert per key, raised once, updated at most every
``update_interval_s`` on a material change or a severity change, cleared when
resolved): the seizure and titration alerts of :mod:`detectors.clinical.titration`;
``t1_crossed`` (medium), ``t2_crossed`` (high) and ``stage_change`` (medium for
established, high for refractory and super-refractory; ``early`` is announced by
``t1_crossed``), once per episode and cleared when the episode ends (ILAE 2015,
Trinka et al.).

Persistence: :meth:`ClinicalState.to_dict` / :meth:`ClinicalState.from_dict`
restore everything, open alerts included. Alternatively a state can be rebuilt
from stored treatments (:meth:`ClinicalState.add_treatment`) and seizure events
(:meth:`ClinicalState.mark_ictal_interval`), then :meth:`ClinicalState.mark_alerts_seen`
so that conditions already known are not announced again.

The module is past 600 lines because it is one class whose state, rules wiring and
persistence (:meth:`~ClinicalState.to_dict` must save every field the rest sets)
change together; the rules and the wording it calls live in their own modules.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

from rse_monitor.detectors.alerts import Alert, OpenAlerts, Severity
from rse_monitor.detectors.clinical import messages, titration
from rse_monitor.detectors.clinical.model import (
    BAND_KEYS,
    EPISODE_KEYS,
    SEIZURE_KEYS,
    SRSE_ANAESTHETIC_S,
    STAGES,
    T1_T2_MIN,
    SeizureType,
    StageResult,
    StagingRules,
    Targets,
    Treatment,
)
from rse_monitor.detectors.clinical.stage import cumulative_doses, se_stage
from rse_monitor.detectors.clinical.timeline import InfusionSegment, InfusionTimeline
from rse_monitor.detectors.doses import MAX_WEIGHT_KG, assess_dose
from rse_monitor.pipeline.checks import finite, finite_or_none, in_range, positive

__all__ = ["ClinicalState"]

#: Open alerts whose message is repeated in the advice, in this order.
_ADVICE_KEYS = (
    "below_band",
    "above_band",
    "isoelectric",
    "epileptiform_in_band",
    "breakthrough_seizure",
    "wean_recurrence",
    "anaesthetic_24h",
)
_VERSION = 2


class ClinicalState:
    """SE stage, titration targets and alerts for one bed.

    Parameters
    ----------
    seizure_type : {"generalized_convulsive", "focal_impaired_awareness", "absence", "other"}
        Selects t1/t2 from :data:`T1_T2_MIN` (ILAE 2015, Trinka et al.).
    weight_kg : float
        Patient weight for dose adequacy, 0 < w <= 350 kg.
    targets : Targets, optional
        Titration target; default ``Targets()`` (burst suppression, SR 0.5-0.8, 300 s).
    t1_t2_min : (float, float or None), optional
        Override of (t1, t2) in minutes, 0 < t1 < t2.
    episode_gap_s : float
        Seizures closer than this belong to one SE episode (default 300 s).
    pre_episode_lookback_s : float
        Treatments up to this long before an episode's first seizure count for it
        (default 3600 s).
    withdrawal_window_s : float
        After the last anaesthetic infusion stops, recurrences within this window
        count as recurrence on withdrawal and keep the episode open (default 24 h).
    benzo_latency_s, second_line_latency_s : float
        Seizure activity later than dose time + latency means the drug failed
        (defaults 300 s and 600 s).
    benzo_cumulative_window_s : float
        Same-agent benzodiazepine doses within this window are summed (default
        600 s; 0 disables).
    cluster_gap_s : float
        A seizure alert clears after this long without ictal activity (default 300 s).
    clear_hold_s : float
        A band alert clears after its condition has been absent this long (60 s).
    update_interval_s : float
        Minimum time between updates of an open alert (default 600 s), unless its
        severity changes.
    sr_update_delta : float
        Change of suppression ratio that makes a band alert worth updating (0.1).
    isoelectric_sr : float
        Suppression ratio at or above which the EEG counts as isoelectric (0.99).
    isoelectric_depths : tuple of str
        ``depth`` labels that count as isoelectric (``"suppression"``, ``"isoelectric"``).
    """

    def __init__(
        self,
        seizure_type: SeizureType = "generalized_convulsive",
        weight_kg: float = 70.0,
        targets: Targets | None = None,
        t1_t2_min: tuple[float, float | None] | None = None,
        *,
        episode_gap_s: float = 300.0,
        pre_episode_lookback_s: float = 3600.0,
        withdrawal_window_s: float = 24 * 3600.0,
        benzo_latency_s: float = 300.0,
        second_line_latency_s: float = 600.0,
        benzo_cumulative_window_s: float = 600.0,
        cluster_gap_s: float = 300.0,
        clear_hold_s: float = 60.0,
        update_interval_s: float = 600.0,
        sr_update_delta: float = 0.1,
        isoelectric_sr: float = 0.99,
        isoelectric_depths: tuple[str, ...] = ("suppression", "isoelectric"),
    ) -> None:
        if seizure_type not in T1_T2_MIN:
            raise ValueError(
                f"seizure_type must be one of {', '.join(T1_T2_MIN)}; got {seizure_type!r}"
            )
        self.seizure_type = seizure_type
        self.weight_kg = in_range("weight_kg", weight_kg, 0.0, MAX_WEIGHT_KG, low_open=True)
        if targets is not None and not isinstance(targets, Targets):
            raise TypeError(f"targets must be a Targets, got {type(targets).__name__}")
        self.targets = targets if targets is not None else Targets()
        self.t1_t2_min_override = None if t1_t2_min is None else self._check_t1_t2(t1_t2_min)
        t1, t2 = self.t1_t2_min_override or T1_T2_MIN[seizure_type]
        self.t1_s = t1 * 60.0
        self.t2_s = None if t2 is None else t2 * 60.0
        self.episode_gap_s = positive("episode_gap_s", episode_gap_s)
        self.pre_episode_lookback_s = positive(
            "pre_episode_lookback_s", pre_episode_lookback_s, allow_zero=True
        )
        self.withdrawal_window_s = positive(
            "withdrawal_window_s", withdrawal_window_s, allow_zero=True
        )
        self.benzo_latency_s = positive("benzo_latency_s", benzo_latency_s, allow_zero=True)
        self.second_line_latency_s = positive(
            "second_line_latency_s", second_line_latency_s, allow_zero=True
        )
        self.benzo_cumulative_window_s = positive(
            "benzo_cumulative_window_s", benzo_cumulative_window_s, allow_zero=True
        )
        self.cluster_gap_s = positive("cluster_gap_s", cluster_gap_s)
        self.clear_hold_s = positive("clear_hold_s", clear_hold_s, allow_zero=True)
        self.update_interval_s = positive("update_interval_s", update_interval_s)
        self.sr_update_delta = positive("sr_update_delta", sr_update_delta)
        self.isoelectric_sr = positive("isoelectric_sr", isoelectric_sr)
        if self.isoelectric_sr > 1:
            raise ValueError(f"isoelectric_sr must be <= 1, got {isoelectric_sr!r}")
        if isinstance(isoelectric_depths, str) or not all(
            isinstance(d, str) for d in isoelectric_depths
        ):
            raise TypeError(
                f"isoelectric_depths must be a tuple of str, got {isoelectric_depths!r}"
            )
        self.isoelectric_depths = tuple(isoelectric_depths)
        self.reset()

    @staticmethod
    def _check_t1_t2(value: Any) -> tuple[float, float | None]:
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise ValueError(f"t1_t2_min must be a (t1, t2) pair in minutes, got {value!r}")
        t1 = positive("t1_t2_min[0]", value[0])
        if value[1] is None:
            return (t1, None)
        t2 = positive("t1_t2_min[1]", value[1])
        if t2 <= t1:
            raise ValueError(f"t1_t2_min needs t1 < t2, got {value!r}")
        return (t1, t2)

    # ------------------------------------------------------------------ lifecycle
    def reset(self) -> None:
        """Forget treatments, seizure history and alerts; keep the configuration."""
        self._treatments: list[Treatment] = []
        self._version = 0
        self._tl_cache: tuple[int, int, InfusionTimeline] | None = None
        self._intervals: list[list[float | None]] = []  # [onset, offset or None]
        self._ictal = False
        self._now_s: float | None = None
        self._last_offset_s: float | None = None
        self._alerts = OpenAlerts(self.update_interval_s)
        self._since: dict[str, float | None] = {k: None for k in BAND_KEYS}
        self._false_since: dict[str, float | None] = {k: None for k in BAND_KEYS}
        self._ep_start: float | None = None
        self._ep_t1 = False
        self._ep_t2 = False
        self._ep_stage = "none"
        self._a24_run: float | None = None
        self._bsp: tuple[float, float, float] | None = None  # of the latest hop

    @property
    def t1_t2_min(self) -> tuple[float, float | None]:
        """(t1, t2) in minutes in use."""
        return (self.t1_s / 60.0, None if self.t2_s is None else self.t2_s / 60.0)

    @property
    def staging_rules(self) -> StagingRules:
        """The parameters :func:`~detectors.clinical.stage.se_stage` is called with."""
        return StagingRules(
            self.seizure_type,
            self.t1_s,
            self.t2_s,
            self.episode_gap_s,
            self.pre_episode_lookback_s,
            self.withdrawal_window_s,
            self.benzo_latency_s,
            self.second_line_latency_s,
            self.benzo_cumulative_window_s,
            self.weight_kg,
        )

    @property
    def treatments(self) -> list[Treatment]:
        """Treatments sorted by time (a copy)."""
        return list(self._treatments)

    @property
    def open_alerts(self) -> list[Alert]:
        """Currently open alerts, as their latest ``raised``/``updated`` form."""
        return [o.as_alert("raised") for o in self._alerts]

    def set_targets(self, targets: Targets) -> None:
        """Replace the titration target; band timers restart."""
        if not isinstance(targets, Targets):
            raise TypeError(f"targets must be a Targets, got {type(targets).__name__}")
        self.targets = targets
        self._since = {k: None for k in BAND_KEYS}
        self._false_since = {k: None for k in BAND_KEYS}

    # ----------------------------------------------------------------- inputs
    def add_treatment(
        self, time_s: float, agent: str, dose: float, unit: str, route: str, kind: str = "bolus"
    ) -> Treatment:
        """Log an administration (may arrive out of order) and assess its dose.

        Raises
        ------
        DoseError
            If the entry cannot be interpreted (see :func:`detectors.doses.assess_dose`).
        """
        t = finite("time_s", time_s)
        assessment = assess_dose(agent, dose, unit, route, self.weight_kg, kind)
        tr = Treatment(t, assessment.agent, float(dose), unit, route, kind, assessment)
        i = bisect.bisect_right([x.time_s for x in self._treatments], t)
        self._treatments.insert(i, tr)
        self._version += 1
        self._tl_cache = None
        doses = cumulative_doses(tr, self._treatments, self.benzo_cumulative_window_s)
        if doses:
            tr.cumulative_note = messages.cumulative_text(tr, doses, self.benzo_cumulative_window_s)
        return tr

    def mark_ictal_interval(self, onset_s: float, offset_s: float | None = None) -> None:
        """Record a seizure without replaying hops (e.g. when rebuilding after a restart).

        Overlapping or touching intervals are merged. ``offset_s=None`` marks an
        ongoing seizure; it must then be the latest one. No alerts are produced.
        """
        on = finite("onset_s", onset_s)
        if offset_s is None:
            if self._intervals and (
                self._intervals[-1][1] is None or on <= float(self._intervals[-1][1])
            ):
                raise ValueError(
                    f"an ongoing seizure (offset_s=None) must start after every known one; "
                    f"onset_s={onset_s!r}"
                )
            self._intervals.append([on, None])
            self._ictal = True
            self._now_s = on if self._now_s is None else max(self._now_s, on)
            return
        off = finite("offset_s", offset_s)
        if off <= on:
            raise ValueError(
                f"offset_s must be > onset_s, got onset_s={onset_s!r}, offset_s={offset_s!r}"
            )
        closed = [iv for iv in self._intervals if iv[1] is not None]
        open_ = [iv for iv in self._intervals if iv[1] is None]
        closed.append([on, off])
        closed.sort(key=lambda iv: float(iv[0]))  # type: ignore[arg-type]
        merged: list[list[float | None]] = []
        for iv in closed:
            if merged and float(iv[0]) <= float(merged[-1][1]):  # type: ignore[arg-type]
                merged[-1][1] = max(float(merged[-1][1]), float(iv[1]))  # type: ignore[arg-type]
            else:
                merged.append(list(iv))
        if open_:
            o = open_[0]
            merged = [iv for iv in merged if float(iv[1]) < float(o[0])]  # type: ignore[arg-type]
            merged.append(o)
        self._intervals = merged
        offsets = [float(iv[1]) for iv in merged if iv[1] is not None]
        self._last_offset_s = max(offsets) if offsets else None
        self._now_s = off if self._now_s is None else max(self._now_s, off)

    # ------------------------------------------------------------------ stage
    def _timeline(self, t_s: float) -> InfusionTimeline:
        n = bisect.bisect_right([x.time_s for x in self._treatments], t_s)
        if self._tl_cache is not None and self._tl_cache[:2] == (self._version, n):
            return self._tl_cache[2]
        tl = InfusionTimeline(self._treatments[:n], self.withdrawal_window_s)
        self._tl_cache = (self._version, n, tl)
        return tl

    def stage(self, t_s: float) -> StageResult:
        """The SE stage at ``t_s`` from the history up to ``t_s``, with reasons.

        Ongoing seizures are taken to last until the latest update (they are not
        extrapolated beyond it). See :func:`detectors.clinical.stage.se_stage`.
        """
        t = finite("t_s", t_s)
        intervals = [(float(on), off) for on, off in self._intervals]  # type: ignore[arg-type]
        return se_stage(
            intervals, self._treatments, t, self.staging_rules, known_until_s=self._now_s,
            timeline=self._timeline(t),
        )  # fmt: skip

    # ------------------------------------------------------------------- update
    def update(
        self, t_s: float, ictal: bool, suppression_ratio: float | None, depth: str | None,
        bsp: tuple[float, float, float] | None = None,
    ) -> list[Alert]:  # fmt: skip
        """Feed the EEG state of one hop; return alert transitions.

        Parameters
        ----------
        t_s : float
            End of the analysed window, s on the bed's clock; non-decreasing.
        ictal : bool
            Whether the seizure detector reports seizure activity now.
        suppression_ratio : float or None
            Fraction (0-1) of the trailing 60 s that is suppressed; None or NaN if
            unknown (band timers then neither advance nor reset).
        depth : str or None
            Depth label from the suppression tracker; labels in
            ``isoelectric_depths`` count as isoelectric.
        bsp : (float, float, float) or None
            Burst-suppression probability and its 95 % interval (lo, hi)
            (:mod:`detectors.bsp`). When given and finite, the below/above-band
            conditions hold only while the whole interval is outside the band;
            otherwise the ratio is compared with the targets.

        Returns
        -------
        list of Alert
            Transitions (``raised``, ``updated``, ``cleared``), usually empty.
        """
        t = finite("t_s", t_s)
        if self._now_s is not None and t < self._now_s:
            raise ValueError(f"t_s must not go backwards: got {t_s!r} after {self._now_s!r}")
        ictal = _check_ictal(ictal)
        sr = _check_ratio("suppression_ratio", suppression_ratio)
        self._bsp = _check_bsp(bsp)
        if depth is not None and not isinstance(depth, str):
            raise TypeError(f"depth must be a str or None, got {depth!r}")

        rising = ictal and not self._ictal
        if rising:
            self._intervals.append([t, None])
        elif not ictal and self._ictal:
            if self._intervals and self._intervals[-1][1] is None:
                self._intervals[-1][1] = t
            self._last_offset_s = t
        self._ictal = ictal
        self._now_s = t

        out: list[Alert] = []
        seg = self._timeline(t).at(t)
        res = self.stage(t)
        if rising:
            out += self._on_seizure(t, seg, res)
        last_offset = self._last_offset_s
        if last_offset is not None and titration.cluster_over(
            ictal, last_offset, t, self.cluster_gap_s
        ):
            out += self._end_seizure_alerts(t, last_offset)
        out += self._episode_alerts(t, res)
        out += self._band_alerts(t, seg, sr, depth)
        out += self._a24_alert(t, seg)
        return out

    # ------------------------------------------------------------- alert plumbing
    def _raise(
        self, key: str, severity: Severity, message: str, details: Mapping[str, Any], t: float,
        memo: Mapping[str, Any] | None = None,
    ) -> list[Alert]:  # fmt: skip
        """Raise ``key`` (anew if it is open: its earlier report is superseded)."""
        out = self._alerts.report(
            key, severity, message, details, t, kind=key, origin="clinical", reraise=True
        )
        self._alerts[key].memo.update(memo or {})
        return out

    def _update(
        self, key: str, severity: Severity, message: str, details: Mapping[str, Any], t: float,
        force: bool = False,
    ) -> list[Alert]:  # fmt: skip
        return self._alerts.report(
            key, severity, message, details, t, kind=key, origin="clinical", force=force
        )

    # ------------------------------------------------------------------ the rules
    def _on_seizure(self, t: float, seg: InfusionSegment, res: StageResult) -> list[Alert]:
        sz = titration.seizure_alert(t, seg, res)
        msg = messages.seizure_message(sz.key, t, sz.details)
        o = self._alerts.get(sz.key)
        if o is None:
            return self._raise(sz.key, sz.severity, msg, {**sz.details, "n_seizures": 1}, t,
                               {"count": 1})  # fmt: skip
        o.memo["count"] = n = int(o.memo.get("count", 0)) + 1
        if t - o.last_report_t_s < self.update_interval_s:
            return []
        msg = messages.seizure_update(msg, n, o.raised_t_s)
        return self._update(sz.key, sz.severity, msg, {**sz.details, "n_seizures": n}, t)

    def _end_seizure_alerts(self, t: float, offset_s: float) -> list[Alert]:
        out: list[Alert] = []
        for key in SEIZURE_KEYS:
            o = self._alerts.get(key)
            if o is not None:
                n = int(o.memo.get("count", 0))
                msg = messages.seizures_ended(offset_s, n, o.raised_t_s)
                out += self._alerts.clear(key, msg, t, {"offset_s": offset_s, "n_seizures": n})
        return out

    def _episode_alerts(self, t: float, res: StageResult) -> list[Alert]:
        out: list[Alert] = []
        if res.episode_start_s != self._ep_start:
            if self._ep_start is not None:
                for key in EPISODE_KEYS:
                    out += self._alerts.clear(key, messages.episode_ended(), t, {})
            self._ep_start = res.episode_start_s
            self._ep_t1 = self._ep_t2 = False
            self._ep_stage = "none"
        if res.episode_start_s is None:
            return out
        details = {
            "episode_start_s": res.episode_start_s,
            "duration_s": res.episode_duration_s,
            "stage": res.stage,
            "reasons": list(res.reasons),
            "advice": self._advice(res, None),
        }
        t1_min, t2_min = self.t1_t2_min
        duration = res.episode_duration_s
        if res.t1_crossed and not self._ep_t1:
            self._ep_t1 = True
            msg = messages.t1_message(duration, t1_min, self.seizure_type)
            out += self._raise("t1_crossed", "medium", msg, details, t)
        if res.t2_crossed and not self._ep_t2:
            self._ep_t2 = True
            msg = messages.t2_message(duration, t2_min or 0, self.seizure_type)
            out += self._raise("t2_crossed", "high", msg, details, t)
        if STAGES.index(res.stage) > STAGES.index(self._ep_stage):
            self._ep_stage = res.stage
            if res.stage in ("established", "refractory", "super_refractory"):
                sev: Severity = "medium" if res.stage == "established" else "high"
                msg = messages.stage_change_message(res.stage, res.summary)
                if "stage_change" in self._alerts:
                    out += self._update("stage_change", sev, msg, details, t, force=True)
                else:
                    out += self._raise("stage_change", sev, msg, details, t)
        return out

    def _band_alerts(
        self, t: float, seg: InfusionSegment, sr: float | None, depth: str | None
    ) -> list[Alert]:
        tg = self.targets
        bsp = self._bsp
        conds = titration.band_conditions(
            tg, seg.status, sr, depth, self.isoelectric_sr, self.isoelectric_depths,
            None if bsp is None else (bsp[1], bsp[2]),
        )  # fmt: skip
        out: list[Alert] = []
        for key, (applicable, now) in conds.items():
            is_open = key in self._alerts
            step = titration.band_step(
                applicable, now, is_open, self._since[key], self._false_since[key], t,
                tg.sustain_s, self.clear_hold_s,
            )  # fmt: skip
            self._since[key], self._false_since[key] = step.since_s, step.false_since_s
            if step.action == "drop" and is_open:
                why = titration.band_inapplicable_why(key, tg.goal)
                out += self._alerts.clear(key, messages.band_inapplicable(key, why), t, {})
            elif step.action == "clear":
                msg = messages.band_resolved(key, sr, tg.sr_low, tg.sr_high)
                out += self._alerts.clear(key, msg, t, {"suppression_ratio": sr})
            elif step.action in ("raise", "hold"):
                out += self._band_report(key, step, t, seg, sr, depth)
        return out

    def _band_report(
        self, key: str, step: titration.BandStep, t: float, seg: InfusionSegment,
        sr: float | None, depth: str | None,
    ) -> list[Alert]:  # fmt: skip
        tg = self.targets
        sev = titration.BAND_SEVERITY[key]
        msg = messages.band_message(key, sr, step.held_s, tg.sr_low, tg.sr_high)
        details = {
            "suppression_ratio": sr,
            "depth": depth,
            "sr_low": tg.sr_low,
            "sr_high": tg.sr_high,
            "held_s": step.held_s,
            "goal": tg.goal,
            "infusions_mg_per_kg_h": dict(seg.rates),
        }
        if self._bsp is not None:
            details.update(bsp=self._bsp[0], bsp_lo=self._bsp[1], bsp_hi=self._bsp[2])
        if step.action == "raise":
            memo = {"figure": sr, "ema": sr, "ema_t_s": None if sr is None else t}
            return self._raise(key, sev, msg, details, t, memo)
        o = self._alerts[key]
        o.memo["ema"], o.memo["ema_t_s"] = titration.smoothed_ratio(
            o.memo.get("ema"), o.memo.get("ema_t_s"), sr, t
        )
        material = sr is not None and titration.material_change(
            o.memo["ema"], o.memo.get("figure"), self.sr_update_delta
        )
        if not material or t - o.last_report_t_s < self.update_interval_s:
            return []
        o.memo["figure"] = sr
        return self._update(key, sev, msg, details, t)

    def _a24_alert(self, t: float, seg: InfusionSegment) -> list[Alert]:
        key = "anaesthetic_24h"
        action = titration.anaesthetic_24h(t, seg, key in self._alerts, self._a24_run)
        if action == "clear":
            return self._alerts.clear(key, messages.anaesthetic_24h_clear(seg.status), t, {})
        if action != "raise" or seg.run_start_s is None:
            return []
        run = self._a24_run = seg.run_start_s
        last = None if self._ictal else self._last_offset_s
        msg = messages.anaesthetic_24h_message(t, run, self._ictal, last)
        details = {"run_start_s": run, "anaesthetic_s": t - run, "last_seizure_offset_s": last}
        return self._raise(key, "low", msg, details, t)

    def mark_alerts_seen(self, t_s: float) -> None:
        """Treat the episode conditions true at ``t_s`` as already announced.

        Use after rebuilding a state from stored treatments and seizure events so
        that the next :meth:`update` does not raise t1/t2/stage alerts again.
        """
        res = self.stage(t_s)
        self._ep_start = res.episode_start_s
        self._ep_t1, self._ep_t2 = res.t1_crossed, res.t2_crossed
        self._ep_stage = res.stage
        seg = self._timeline(t_s).at(t_s)
        if (
            seg.status == "running"
            and seg.run_start_s is not None
            and t_s - seg.run_start_s >= SRSE_ANAESTHETIC_S
        ):
            self._a24_run = seg.run_start_s

    # ------------------------------------------------------------------ advice
    def advice(self, t_s: float | None = None) -> list[str]:
        """Decision-support text for the current stage and titration (never orders)."""
        t = self._now_s if t_s is None else finite("t_s", t_s)
        if t is None:
            return []
        return self._advice(self.stage(t), self._timeline(t).at(t))

    def _advice(self, res: StageResult, seg: InfusionSegment | None) -> list[str]:
        if seg is None:
            seg = self._timeline(res.t_s).at(res.t_s)
        out = messages.stage_advice(res.stage, seg.status, self.weight_kg)
        return out + [self._alerts[k].message for k in _ADVICE_KEYS if k in self._alerts]

    # ------------------------------------------------------------- persistence
    def snapshot(self) -> dict[str, Any]:
        """JSON-serialisable view for the service (stage, targets, alerts, treatments)."""
        t = self._now_s if self._now_s is not None else 0.0
        res = self.stage(t)
        seg = self._timeline(t).at(t)
        return {
            "t_s": self._now_s,
            "seizure_type": self.seizure_type,
            "weight_kg": self.weight_kg,
            "t1_min": self.t1_t2_min[0],
            "t2_min": self.t1_t2_min[1],
            "ictal": self._ictal,
            "stage": res.to_dict(),
            "targets": self.targets.to_dict(),
            "infusion": {
                "status": seg.status,
                "run_start_s": seg.run_start_s,
                "rates_mg_per_kg_h": dict(seg.rates),
            },
            "open_alerts": [
                {**o.as_alert("raised").to_dict(), "raised_t_s": o.raised_t_s} for o in self._alerts
            ],
            "treatments": [tr.to_dict() for tr in self._treatments],
            "advice": self._advice(res, seg),
        }

    _PARAMS = (
        "episode_gap_s",
        "pre_episode_lookback_s",
        "withdrawal_window_s",
        "benzo_latency_s",
        "second_line_latency_s",
        "benzo_cumulative_window_s",
        "cluster_gap_s",
        "clear_hold_s",
        "update_interval_s",
        "sr_update_delta",
        "isoelectric_sr",
    )

    def to_dict(self) -> dict[str, Any]:
        """Complete JSON-serialisable state; :meth:`from_dict` restores it exactly.

        Version 2 saves the open alerts as :meth:`detectors.alerts.OpenAlerts.to_dict`.
        """
        return {
            "version": _VERSION,
            "seizure_type": self.seizure_type,
            "weight_kg": self.weight_kg,
            "targets": self.targets.to_dict(),
            "t1_t2_min": None if self.t1_t2_min_override is None else list(self.t1_t2_min_override),
            "params": {
                **{p: getattr(self, p) for p in self._PARAMS},
                "isoelectric_depths": list(self.isoelectric_depths),
            },
            "treatments": [
                {
                    "time_s": tr.time_s,
                    "agent": tr.agent,
                    "dose": tr.dose,
                    "unit": tr.unit,
                    "route": tr.route,
                    "kind": tr.kind,
                }
                for tr in self._treatments
            ],
            "intervals": [list(iv) for iv in self._intervals],
            "ictal": self._ictal,
            "now_s": self._now_s,
            "last_offset_s": self._last_offset_s,
            "alerts": self._alerts.to_dict(),
            "since": dict(self._since),
            "false_since": dict(self._false_since),
            "episode": {
                "start_s": self._ep_start,
                "t1": self._ep_t1,
                "t2": self._ep_t2,
                "stage": self._ep_stage,
            },
            "a24_run": self._a24_run,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClinicalState:
        """Rebuild a state saved by :meth:`to_dict` (treatments are re-assessed).

        Reads version 2 and the version 1 of the single-module clinical layer.
        """
        version = data.get("version")
        if version not in (1, _VERSION):
            raise ValueError(f"unsupported ClinicalState version {version!r}")
        params = dict(data.get("params", {}))
        if "isoelectric_depths" in params:
            params["isoelectric_depths"] = tuple(params["isoelectric_depths"])
        t12 = data.get("t1_t2_min")
        st = cls(
            data["seizure_type"],
            data["weight_kg"],
            Targets.from_dict(data["targets"]),
            None if t12 is None else tuple(t12),
            **params,
        )
        for tr in data.get("treatments", []):
            st.add_treatment(
                tr["time_s"], tr["agent"], tr["dose"], tr["unit"], tr["route"], tr["kind"]
            )
        st._intervals = [list(iv) for iv in data.get("intervals", [])]
        st._ictal = bool(data.get("ictal", False))
        st._now_s = data.get("now_s")
        st._last_offset_s = data.get("last_offset_s")
        if version == 1:
            st._alerts = _open_alerts_v1(data.get("open", {}), st.update_interval_s)
        else:
            st._alerts = OpenAlerts.from_dict(data["alerts"])
        st._since = {k: data.get("since", {}).get(k) for k in BAND_KEYS}
        st._false_since = {k: data.get("false_since", {}).get(k) for k in BAND_KEYS}
        ep = data.get("episode", {})
        st._ep_start = ep.get("start_s")
        st._ep_t1, st._ep_t2 = bool(ep.get("t1")), bool(ep.get("t2"))
        st._ep_stage = ep.get("stage", "none")
        st._a24_run = data.get("a24_run")
        return st


def _open_alerts_v1(saved: Mapping[str, Mapping[str, Any]], interval_s: float) -> OpenAlerts:
    """Open alerts saved by version 1 (rule figures as fields, not in ``memo``)."""
    book: dict[str, dict[str, Any]] = {}
    for key, o in saved.items():
        if key in SEIZURE_KEYS:
            memo: dict[str, Any] = {"count": o.get("count", 0)}
        elif key in BAND_KEYS:
            memo = {k: o.get(k) for k in ("figure", "ema", "ema_t_s")}
        else:
            memo = {}
        fields = ("severity", "message", "details", "raised_t_s", "last_report_t_s")
        book[key] = {"key": key, "kind": key, **{f: o[f] for f in fields},
                     "origin": "clinical", "memo": memo}  # fmt: skip
    return OpenAlerts.from_dict({"min_update_interval_s": interval_s, "open": book})


def _check_ictal(ictal: Any) -> bool:
    """A bool (numpy bools and the ints 0/1 accepted)."""
    if isinstance(ictal, bool):
        return ictal
    is_np_bool = getattr(getattr(ictal, "dtype", None), "kind", "") == "b"
    if is_np_bool or (isinstance(ictal, int) and ictal in (0, 1)):
        return bool(ictal)
    raise TypeError(f"ictal must be a bool, got {ictal!r}")


def _check_bsp(value: Any) -> tuple[float, float, float] | None:
    """(bsp, lo, hi) as three ratios with lo <= bsp <= hi; None when absent or any
    is unknown (NaN)."""
    if value is None:
        return None
    if not isinstance(value, tuple | list) or len(value) != 3:
        raise TypeError(f"bsp must be (bsp, lo, hi) or None, got {value!r}")
    vals = [_check_ratio(n, v) for n, v in zip(("bsp", "bsp_lo", "bsp_hi"), value, strict=True)]
    if any(v is None for v in vals):
        return None
    b, lo, hi = (float(v) for v in vals)  # type: ignore[arg-type]
    if lo > hi:
        raise ValueError(f"bsp must satisfy lo <= hi, got {value!r}")
    return b, lo, hi


def _check_ratio(name: str, value: Any) -> float | None:
    """A fraction in [0, 1] (1e-9 rounding either side clipped), None or NaN unknown."""
    sr = finite_or_none(name, value)
    if sr is None:
        return None
    if not -1e-9 <= sr <= 1 + 1e-9:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return min(1.0, max(0.0, sr))
