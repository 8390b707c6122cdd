"""JSON for the database: no NaN, no tuples, no numpy scalars."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["clean_json", "dumps"]


def clean_json(value: Any) -> Any:
    """Replace non-finite floats by None (JSON has no NaN) and tuples by lists, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return clean_json(value.item())
    return value


def dumps(value: Any) -> str:
    """Compact JSON of ``value`` after :func:`clean_json` (never NaN)."""
    return json.dumps(clean_json(value), allow_nan=False, separators=(",", ":"))
