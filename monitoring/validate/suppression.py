"""Suppression-ratio error of a replay against a reference suppression ratio.

A **reference** is a table of the true (or expert-scored) suppression ratio over
time, comma- or tab-separated with a header:

* ``t_s``: seconds from the recording start, increasing; the end of the trailing
  window the ratio describes (the meaning of ``t_s`` in ``trends.csv``);
* ``suppression_ratio`` (or ``suppression_ratio_truth``, the column of the bundled
  ``recordings/rse_burst_suppression_synthetic_truth.csv``): the fraction 0–1 of
  the trailing 60 s that is suppressed; empty or ``n/a`` where unknown.

On the reference's time grid, the monitor's value at reference time ``t`` is the
``suppression_ratio`` of its newest ``trends.csv`` row with ``t_s <= t`` (what the
bedside showed at ``t``; rows are at most 1 s apart), if that row is at most
``max_age_s`` (1 s) old and its ratio is known. With ``e_k = monitor_k -
reference_k`` over the N reference times where both are known::

    MAE  = 100 · Σ|e_k| / N        (percentage points)
    bias = 100 · Σ e_k  / N        (percentage points; > 0: the monitor reads high)
    max  = 100 · max |e_k|

Reference times where the reference is known but the monitor is not (before its
first hop, a gap, signal quality below 0.5) are counted as ``n_unjudged`` and left
out. Per subject and pooled figures are over all paired times of the recordings
(errors summed, then divided by the total N), as the event scores pool counts.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "RATIO_COLUMNS", "SuppressionError", "read_reference_ratio", "read_monitor_ratio",
    "suppression_error", "pool_suppression", "has_ratio_column",
]  # fmt: skip

#: Accepted names of the reference's ratio column, in order of preference.
RATIO_COLUMNS: tuple[str, ...] = ("suppression_ratio", "suppression_ratio_truth")
_MISSING = {"", "n/a", "na", "nan"}
#: Points kept of each paired trend for the report.
TREND_POINTS = 240


@dataclass
class SuppressionError:
    """Suppression-ratio error of one recording or of several pooled.

    Attributes
    ----------
    n_points : int
        Reference times paired with a monitor value.
    n_unjudged : int
        Reference times with a known reference but no monitor value.
    mae_pp, bias_pp, max_abs_error_pp : float or None
        See the module docstring; None when ``n_points`` is 0.
    n_records : int
        Number of recordings pooled.
    trend : list of [t_s, reference, monitor]
        Up to 240 bin means of the paired series for the report (not pooled).
    """

    n_points: int
    n_unjudged: int
    mae_pp: float | None
    bias_pp: float | None
    max_abs_error_pp: float | None
    n_records: int = 1
    sum_abs_error: float = 0.0
    sum_error: float = 0.0
    trend: list[list[float]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Metrics as a JSON-ready dictionary (without the running sums and the trend)."""
        return {"n_points": self.n_points, "n_unjudged": self.n_unjudged,
                "mae_pp": self.mae_pp, "bias_pp": self.bias_pp,
                "max_abs_error_pp": self.max_abs_error_pp,
                "n_records": self.n_records}  # fmt: skip


def _number(text: str, what: str) -> float:
    text = (text or "").strip()
    if text.lower() in _MISSING:
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{what}: not a number: {text!r}") from None


def _header(path: Path) -> tuple[list[str], str]:
    with path.open(encoding="utf-8-sig") as fh:
        line = fh.readline()
    delimiter = "\t" if "\t" in line else ","
    return [c.strip() for c in line.rstrip("\r\n").split(delimiter)], delimiter


def has_ratio_column(path: str | Path) -> bool:
    """True when ``path`` is a readable table whose header has ``t_s`` and a ratio column."""
    try:
        columns, _ = _header(Path(path))
    except (OSError, UnicodeDecodeError):
        return False
    return "t_s" in columns and any(c in columns for c in RATIO_COLUMNS)


def read_reference_ratio(path: str | Path) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(t_s, ratio)`` of a reference suppression-ratio table (see module doc).

    Returns
    -------
    t_s, ratio : ndarray, shape (n,)
        Seconds from the recording start (increasing) and ratios 0–1 (NaN: unknown).

    Raises
    ------
    ValueError
        No ``t_s`` or ratio column, a value that is not a number, times not
        increasing, a ratio outside 0–1 (percentages are refused, not guessed).
    OSError
        The file cannot be read.
    """
    src = Path(path)
    columns, delimiter = _header(src)
    ratio_col = next((c for c in RATIO_COLUMNS if c in columns), None)
    if "t_s" not in columns or ratio_col is None:
        raise ValueError(
            f"{src}: a suppression reference needs columns t_s and one of "
            f"{', '.join(RATIO_COLUMNS)} (found {', '.join(columns) or 'no header'})"
        )
    times: list[float] = []
    ratios: list[float] = []
    with src.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        for line_no, row in enumerate(reader, start=2):
            row = {(k or "").strip(): v for k, v in row.items()}
            t = _number(row.get("t_s") or "", f"{src}: line {line_no}: t_s")
            r = _number(row.get(ratio_col) or "", f"{src}: line {line_no}: {ratio_col}")
            if not math.isfinite(t):
                raise ValueError(f"{src}: line {line_no}: t_s must be a finite number of seconds")
            if not (math.isnan(r) or 0.0 <= r <= 1.0):
                raise ValueError(
                    f"{src}: line {line_no}: {ratio_col} must be a fraction 0-1, got {r:g}"
                )
            if times and t <= times[-1]:
                raise ValueError(f"{src}: line {line_no}: t_s {t:g} does not increase")
            times.append(t)
            ratios.append(r)
    return np.asarray(times, dtype=float), np.asarray(ratios, dtype=float)


def read_monitor_ratio(trends_csv: str | Path) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(t_s, suppression_ratio)`` of a replay's ``trends.csv`` (NaN where empty).

    Raises
    ------
    ValueError
        A ``trends.csv`` without ``t_s`` or ``suppression_ratio``.
    """
    src = Path(trends_csv)
    times: list[float] = []
    ratios: list[float] = []
    with src.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if "t_s" not in header or "suppression_ratio" not in header:
            raise ValueError(f"{src}: no t_s and suppression_ratio columns")
        i_t, i_r = header.index("t_s"), header.index("suppression_ratio")
        for row in reader:
            times.append(float(row[i_t]))
            ratios.append(_number(row[i_r], f"{src}: suppression_ratio"))
    return np.asarray(times, dtype=float), np.asarray(ratios, dtype=float)


def _digest(
    t_s: NDArray[np.float64], ref: NDArray[np.float64], mon: NDArray[np.float64]
) -> list[list[float]]:
    """Bin means of the paired series, at most :data:`TREND_POINTS` bins."""
    if t_s.size == 0:
        return []
    per_bin = max(1, math.ceil(t_s.size / TREND_POINTS))
    out = []
    for start in range(0, t_s.size, per_bin):
        stop = min(start + per_bin, t_s.size)
        out.append([float(t_s[stop - 1]), round(float(ref[start:stop].mean()), 4),
                    round(float(mon[start:stop].mean()), 4)])  # fmt: skip
    return out


def suppression_error(
    ref_t_s: NDArray[np.float64],
    ref_ratio: NDArray[np.float64],
    mon_t_s: NDArray[np.float64],
    mon_ratio: NDArray[np.float64],
    max_age_s: float = 1.0,
) -> SuppressionError:
    """Error of the monitor's suppression ratio on the reference's time grid.

    Parameters
    ----------
    ref_t_s, ref_ratio : ndarray, shape (n,)
        Reference times (s, increasing) and ratios (0–1, NaN unknown).
    mon_t_s, mon_ratio : ndarray, shape (m,)
        The monitor's ``trends.csv`` ``t_s`` (increasing) and ``suppression_ratio``.
    max_age_s : float
        The newest monitor row at or before a reference time is used when it is at
        most this old (default 1 s, the largest hop).

    Returns
    -------
    SuppressionError
        MAE, bias and largest error in percentage points (module docstring).

    Examples
    --------
    >>> t = np.arange(1.0, 5.0)
    >>> e = suppression_error(t, np.full(4, 0.5), t, np.array([0.6, 0.6, 0.4, np.nan]))
    >>> e.n_points, e.n_unjudged, round(e.mae_pp, 6), round(e.bias_pp, 6)
    (3, 1, 10.0, 3.333333)
    """
    if not (isinstance(max_age_s, int | float) and max_age_s >= 0):
        raise ValueError(f"max_age_s must be >= 0, got {max_age_s!r}")
    ref_t = np.asarray(ref_t_s, dtype=float)
    ref_r = np.asarray(ref_ratio, dtype=float)
    mon_t = np.asarray(mon_t_s, dtype=float)
    mon_r = np.asarray(mon_ratio, dtype=float)
    if ref_t.shape != ref_r.shape or mon_t.shape != mon_r.shape:
        raise ValueError("times and ratios must have the same length")
    known = ~np.isnan(ref_r)
    ref_t, ref_r = ref_t[known], ref_r[known]
    idx = np.searchsorted(mon_t, ref_t + 1e-9, side="right") - 1
    value = np.full(ref_t.shape, np.nan)
    found = idx >= 0
    fresh = found.copy()
    fresh[found] = ref_t[found] - mon_t[idx[found]] <= max_age_s + 1e-9
    value[fresh] = mon_r[idx[fresh]]
    paired = ~np.isnan(value)
    err = value[paired] - ref_r[paired]
    n = int(err.size)
    result = SuppressionError(
        n_points=n, n_unjudged=int(ref_t.size - n), mae_pp=None, bias_pp=None,
        max_abs_error_pp=None, sum_abs_error=float(np.abs(err).sum()),
        sum_error=float(err.sum()),
        trend=_digest(ref_t[paired], ref_r[paired], value[paired]),
    )  # fmt: skip
    if n:
        result.mae_pp = 100.0 * result.sum_abs_error / n
        result.bias_pp = 100.0 * result.sum_error / n
        result.max_abs_error_pp = 100.0 * float(np.abs(err).max())
    return result


def pool_suppression(errors: Sequence[SuppressionError]) -> SuppressionError:
    """Pooled error of several recordings: sums over all paired times, then the means.

    Raises
    ------
    ValueError
        ``errors`` empty.
    """
    if not errors:
        raise ValueError("nothing to pool: no recording has a suppression reference")
    n = sum(e.n_points for e in errors)
    sum_abs = sum(e.sum_abs_error for e in errors)
    sum_err = sum(e.sum_error for e in errors)
    worst = [e.max_abs_error_pp for e in errors if e.max_abs_error_pp is not None]
    return SuppressionError(
        n_points=n, n_unjudged=sum(e.n_unjudged for e in errors),
        mae_pp=100.0 * sum_abs / n if n else None, bias_pp=100.0 * sum_err / n if n else None,
        max_abs_error_pp=max(worst) if worst else None,
        n_records=sum(e.n_records for e in errors), sum_abs_error=sum_abs, sum_error=sum_err,
    )  # fmt: skip
