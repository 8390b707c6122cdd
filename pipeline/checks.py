"""Input checks at the edges, one place for all layers.

Each check returns the value in its checked form or raises with a message that names
the argument and the bad value (``TypeError`` for the wrong kind of value,
``ValueError`` for a value out of range). ``bool`` is never accepted as a number:
``True`` typed where a dose or a rate belongs is a mistake, not 1.

Examples
--------
>>> positive("sfreq_hz", 256)
256.0
>>> positive("sfreq_hz", 0)
Traceback (most recent call last):
...
ValueError: sfreq_hz must be > 0, got 0
>>> fraction("sr_low", 0.5)
0.5
>>> greater_than("off_ratio", 1.5, 1.0)
1.5
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Sequence
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "channel_names",
    "count",
    "eeg_array",
    "finite",
    "finite_or_none",
    "fraction",
    "greater_than",
    "in_range",
    "one_of",
    "positive",
]

T = TypeVar("T")


def finite(name: str, value: Any) -> float:
    """``value`` as a finite float (TypeError for non-numbers and bools)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


def finite_or_none(name: str, value: Any) -> float | None:
    """``None`` or NaN as ``None`` (not known); otherwise :func:`finite`."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return finite(name, value)


def positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite number > 0 (≥ 0 with ``allow_zero``)."""
    v = finite(name, value)
    if v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return v


def greater_than(name: str, value: Any, bound: float) -> float:
    """A finite number > ``bound`` (e.g. a ratio that must exceed 1)."""
    v = finite(name, value)
    if not v > bound:
        raise ValueError(f"{name} must be > {bound:g}, got {value!r}")
    return v


def in_range(
    name: str, value: Any, low: float, high: float, *, low_open: bool = False,
    high_open: bool = False,
) -> float:  # fmt: skip
    """A finite number in ``[low, high]`` (either end open on request)."""
    v = finite(name, value)
    below = v <= low if low_open else v < low
    above = v >= high if high_open else v > high
    if below or above:
        lb, hb = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{name} must be in {lb}{low:g}, {high:g}{hb}, got {value!r}")
    return v


def fraction(name: str, value: Any) -> float:
    """A ratio in ``[0, 1]``."""
    return in_range(name, value, 0.0, 1.0)


def count(name: str, value: Any, minimum: int = 1) -> int:
    """An ``int`` (not bool) ≥ ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def one_of(name: str, value: T, options: Collection[T]) -> T:
    """``value`` if it is one of ``options``."""
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(map(str, options))}, got {value!r}")
    return value


def channel_names(name: str, value: Sequence[str]) -> tuple[str, ...]:
    """At least one channel name, all non-empty strings, none repeated."""
    if isinstance(value, str):
        raise TypeError(f"{name} must be a sequence of channel names, not one string {value!r}")
    names = tuple(value)
    if not names:
        raise ValueError(f"{name} must name at least one channel")
    bad = [n for n in names if not isinstance(n, str) or not n.strip()]
    if bad:
        raise ValueError(f"{name} must be non-empty strings, got {bad[0]!r}")
    seen: set[str] = set()
    dup = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
    if dup:
        raise ValueError(f"{name} has a repeated channel name: {dup[0]!r}")
    return names


def eeg_array(name: str, value: Any, min_samples: int = 1) -> NDArray[np.float64]:
    """A finite 2-D ``(n_channels, n_samples)`` array as float64 (µV by convention).

    ``TypeError`` for a non-numeric array, ``ValueError`` for another shape, fewer
    than ``min_samples`` samples, no channel, or a NaN/inf sample.
    """
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] < 1:
        raise ValueError(f"{name} must have shape (n_channels, n_samples), got {arr.shape}")
    if arr.shape[1] < min_samples:
        raise ValueError(f"{name} must have at least {min_samples} samples, got {arr.shape[1]}")
    out = arr.astype(np.float64, copy=False)
    if not np.isfinite(out).all():
        raise ValueError(f"{name} must be finite, got {int((~np.isfinite(out)).sum())} NaN/inf")
    return out
