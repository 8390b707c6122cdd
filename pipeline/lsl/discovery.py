"""Finding LSL streams: the query for a stream, resolving it, listing what is visible.

A stream is found by name, content type and/or source id. The query is an XPath 1.0
predicate over the stream's header (``name='EEG-1' and type='EEG'``), which liblsl
evaluates on each outlet that answers discovery [1]_; a value therefore may not hold
quotes or brackets (:func:`check_query_value`). Discovery goes only as far as the
LSL configuration in force lets it, which by default is this machine
(:mod:`pipeline.lsl.config`): every function here gets pylsl through
:func:`~pipeline.lsl.config.get_pylsl`.

References
----------
.. [1] liblsl ``lsl_resolve_bypred``: "resolve all streams that match a given
   predicate ... an XPath 1.0 predicate", https://github.com/sccn/liblsl
   (``include/lsl/resolver.h``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rse_monitor.pipeline.checks import positive
from rse_monitor.pipeline.lsl.config import get_pylsl

__all__ = ["check_query_value", "stream_query", "resolve_streams", "list_streams"]

_QUERY_SAFE = re.compile(r"^[^'\"\[\]]*$")


def check_query_value(arg: str, value: str) -> str:
    """Return ``value`` if it can go into a query; raise naming ``arg`` otherwise.

    Raises
    ------
    ValueError
        ``value`` is empty or holds a quote or a bracket.
    """
    if not value or not _QUERY_SAFE.match(value):
        raise ValueError(f"{arg} must be non-empty without quotes or brackets, got {value!r}")
    return value


def stream_query(
    name: str | None = None, stype: str | None = None, source_id: str | None = None
) -> str:
    """The XPath predicate that matches a stream by ``name``, ``stype`` and ``source_id``.

    Only the arguments given take part (at least one must be given).

    Examples
    --------
    >>> stream_query("bed-1", "EEG")
    "name='bed-1' and type='EEG'"

    Raises
    ------
    ValueError
        No argument given, or a value unfit for a query (see :func:`check_query_value`).
    """
    if name is None and stype is None and source_id is None:
        raise ValueError("give at least one of name, stype, source_id")
    parts = []
    for arg, field, value in (
        ("name", "name", name), ("stype", "type", stype), ("source_id", "source_id", source_id)
    ):  # fmt: skip
        if value is not None:
            parts.append(f"{field}='{check_query_value(arg, value)}'")
    return " and ".join(parts)


def resolve_streams(
    query: str, timeout_s: float, *, minimum: int = 1, config: str | Path | None = None
) -> list[Any]:
    """The ``pylsl.StreamInfo`` of the streams matching ``query`` (possibly none).

    Parameters
    ----------
    query : str
        An XPath predicate, e.g. from :func:`stream_query`.
    timeout_s : float
        Longest wait (wall seconds). liblsl waits at least its minimum round-trip
        time (``UnicastMinRTT``) for answers, so a resolve may take longer.
    minimum : int
        Return as soon as this many streams answered.
    config : str or Path, optional
        LSL configuration (see :func:`~pipeline.lsl.config.configure_lsl`).
    """
    positive("timeout_s", timeout_s)
    pylsl = get_pylsl(config)
    return list(pylsl.resolve_bypred(query, minimum, timeout_s))


def list_streams(timeout_s: float = 1.0, config: str | Path | None = None) -> list[dict[str, Any]]:
    """Every stream visible under the LSL configuration in force, sorted by name.

    Parameters
    ----------
    timeout_s : float
        How long to listen for answers (wall seconds).
    config : str or Path, optional
        LSL configuration (see :func:`~pipeline.lsl.config.configure_lsl`).

    Returns
    -------
    list of dict
        Per stream its header: ``name``, ``type``, ``source_id``, ``uid``,
        ``hostname``, ``n_channels`` and ``wire_sfreq_hz`` (0 for an irregular rate).
    """
    positive("timeout_s", timeout_s)
    pylsl = get_pylsl(config)
    found = [
        {
            "name": s.name(),
            "type": s.type(),
            "source_id": s.source_id(),
            "uid": s.uid(),
            "hostname": s.hostname(),
            "n_channels": int(s.channel_count()),
            "wire_sfreq_hz": float(s.nominal_srate()),
        }
        for s in pylsl.resolve_streams(wait_time=timeout_s)
    ]
    return sorted(found, key=lambda s: (s["name"], s["uid"]))
