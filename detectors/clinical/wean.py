"""Wean readiness: the figures behind the decision to wean an anaesthetic infusion.

After 24-48 h of electrographic seizure control on a continuous infusion, a slow
withdrawal is usually tried (Brophy et al. 2012, Neurocritical Care Society
guideline). This module gathers what that decision looks at; it states figures and
makes no recommendation:

* **time in the target band**: of the trailing ``band_window_s`` (24 h), the EEG
  time whose suppression ratio lay in the titration band, over the EEG time with a
  suppression ratio (``in_band_ratio``);
* **hours since the last seizure** on the EEG (the last ictal hop), and whether the
  EEG has been seizure-free for 24 h and for 48 h (None while less EEG than that
  has been seen since the last seizure or the start);
* **the EEG response to each bolus and rate change**: seizure burden (fraction of
  hops ictal) and mean suppression ratio over ``response_window_s`` (30 min; a
  choice of this module, not a guideline figure) before and after the entry, and
  their changes (after - before); ``complete`` is False while the after window is
  still running;
* **recurrence on a wean**: EEG seizure time from each ``wean_start`` until the next
  rescue (bolus or infusion start), at most ``wean_follow_s`` (24 h). A recurrence
  before 24 h of anaesthetic is anaesthetic-dependent SE, after it super-refractory
  SE (:mod:`detectors.clinical.stage`).

The EEG figures come in aggregated (:class:`EegWindow`: hop counts per window, as
the store sums them); the functions here are pure.

References
----------
.. [1] Brophy GM, Bell R, Claassen J, et al. Guidelines for the evaluation and
   management of status epilepticus. Neurocrit Care 2012;17:3-23.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "BAND_WINDOW_S",
    "RESPONSE_KINDS",
    "RESPONSE_WINDOW_S",
    "WEAN_FOLLOW_S",
    "EegWindow",
    "Entry",
    "Response",
    "WeanReadiness",
    "WeanTrial",
    "response",
    "wean_end_s",
    "wean_readiness",
]

RESPONSE_WINDOW_S = 1800.0
BAND_WINDOW_S = 24 * 3600.0
WEAN_FOLLOW_S = 24 * 3600.0
SEIZURE_FREE_S = (24 * 3600.0, 48 * 3600.0)
#: Entries whose EEG response is reported.
RESPONSE_KINDS: tuple[str, ...] = (
    "bolus", "infusion_start", "infusion_change", "wean_start", "infusion_stop",
)  # fmt: skip
#: Entries that end a wean trial (a rescue).
RESCUE_KINDS: tuple[str, ...] = ("bolus", "infusion_start")


@dataclass(frozen=True)
class EegWindow:
    """Hops stored with ``start_s < t_s <= end_s``: all, ictal, and their mean SR."""

    start_s: float
    end_s: float
    n_hops: int
    n_ictal_hops: int = 0
    sr_mean: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.n_ictal_hops <= self.n_hops:
            raise ValueError(f"need 0 <= n_ictal_hops <= n_hops, got {self.n_ictal_hops!r}, "
                             f"{self.n_hops!r}")  # fmt: skip

    @property
    def burden_ratio(self) -> float | None:
        """Fraction of the window's hops in seizure (None: no EEG in the window)."""
        return self.n_ictal_hops / self.n_hops if self.n_hops else None


@dataclass(frozen=True)
class Entry:
    """A treatment entry as the treatment log holds it."""

    id: int
    t_s: float
    agent: str
    kind: str
    dose: float
    unit: str


@dataclass(frozen=True)
class Response:
    """The EEG before and after one entry."""

    entry: Entry
    before: EegWindow
    after: EegWindow
    complete: bool
    burden_change: float | None
    sr_change: float | None


def response(entry: Entry, before: EegWindow, after: EegWindow, now_s: float) -> Response:
    """Before/after figures of an entry; changes are after - before (None if either lacks EEG)."""
    b0, b1 = before.burden_ratio, after.burden_ratio
    s0, s1 = before.sr_mean, after.sr_mean
    return Response(
        entry, before, after, complete=now_s >= after.end_s,
        burden_change=None if b0 is None or b1 is None else b1 - b0,
        sr_change=None if s0 is None or s1 is None else s1 - s0,
    )  # fmt: skip


@dataclass(frozen=True)
class WeanTrial:
    """One wean: from its start to the next rescue (or ``wean_follow_s``, or now)."""

    entry: Entry
    end_s: float
    seizure_s: float | None  # None: no EEG in the window
    recurrence: bool | None


def wean_end_s(wean: Entry, entries: Sequence[Entry], now_s: float,
               follow_s: float = WEAN_FOLLOW_S) -> float:  # fmt: skip
    """End of the window in which a seizure counts as a recurrence on this wean."""
    end = min(now_s, wean.t_s + follow_s)
    for e in entries:
        if e.kind in RESCUE_KINDS and wean.t_s < e.t_s < end:
            end = e.t_s
    return max(end, wean.t_s)


@dataclass(frozen=True)
class WeanReadiness:
    t_s: float
    hours_since_last_seizure: float | None
    seizure_free_24h: bool | None
    seizure_free_48h: bool | None
    band_low: float
    band_high: float
    band_window_s: float
    band_observed_s: float
    in_band_s: float
    in_band_ratio: float | None
    responses: tuple[Response, ...]
    weans: tuple[WeanTrial, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for r in d["responses"]:
            r["burden_before"] = _burden(r["before"])
            r["burden_after"] = _burden(r["after"])
        return d


def _burden(w: dict[str, Any]) -> float | None:
    return w["n_ictal_hops"] / w["n_hops"] if w["n_hops"] else None


def wean_readiness(
    now_s: float,
    eeg_start_s: float | None,
    last_seizure_s: float | None,
    band: tuple[float, float],
    band_observed_s: float,
    in_band_s: float,
    responses: Sequence[Response] = (),
    weans: Sequence[WeanTrial] = (),
    band_window_s: float = BAND_WINDOW_S,
) -> WeanReadiness:
    """The wean-readiness figures at ``now_s`` (see the module docstring).

    Parameters
    ----------
    now_s : float
        The bed's current time (s on the bed clock).
    eeg_start_s : float or None
        Time of the first stored hop (None: no EEG yet).
    last_seizure_s : float or None
        Time of the last ictal hop (None: none on the EEG).
    band : (float, float)
        The titration band of the suppression ratio (0-1).
    band_observed_s, in_band_s : float
        Of the trailing ``band_window_s``: EEG time with a suppression ratio, and of
        it the time inside the band (s).
    """
    if in_band_s < 0 or band_observed_s < 0 or in_band_s > band_observed_s + 1e-9:
        raise ValueError(f"need 0 <= in_band_s <= band_observed_s, got {in_band_s!r}, "
                         f"{band_observed_s!r}")  # fmt: skip
    notes: list[str] = []
    since: float | None = None
    free: list[bool | None] = [None, None]
    if last_seizure_s is not None:
        since = max(0.0, now_s - last_seizure_s)
        free = [since >= s for s in SEIZURE_FREE_S]
    elif eeg_start_s is not None:
        seen = max(0.0, now_s - eeg_start_s)
        free = [True if seen >= s else None for s in SEIZURE_FREE_S]
        notes.append(f"no seizure on the EEG in {seen / 3600:.1f} h recorded")
    else:
        notes.append("no EEG recorded")
    if any(w.recurrence for w in weans):
        notes.append("seizures recurred on a wean")
    ratio = in_band_s / band_observed_s if band_observed_s > 0 else None
    return WeanReadiness(
        t_s=now_s, hours_since_last_seizure=None if since is None else since / 3600.0,
        seizure_free_24h=free[0], seizure_free_48h=free[1], band_low=band[0],
        band_high=band[1], band_window_s=band_window_s, band_observed_s=band_observed_s,
        in_band_s=in_band_s, in_band_ratio=ratio, responses=tuple(responses),
        weans=tuple(weans), notes=tuple(notes),
    )  # fmt: skip
