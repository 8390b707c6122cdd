"""Lab Streaming Layer: the machine-scope configuration, discovery, a live source, a player.

All on top of pylsl (>= 1.18.6, whose wheel carries liblsl 1.18), which only
:func:`get_pylsl` imports, after pointing liblsl at the machine-scope configuration
(``pipeline/lsl_machine.cfg``: ``ResolveScope = machine``, ``KnownPeers =
{127.0.0.1}``, LSL's default session), so that discovery never leaves this machine
while other LSL programs on it see our streams and we see theirs.

- :mod:`pipeline.lsl.config`: choosing and checking the LSL configuration; the one
  way to get pylsl.
- :mod:`pipeline.lsl.discovery`: the query for a stream, resolving, listing streams.
- :mod:`pipeline.lsl.info`: what a stream's description says (channels, units, rate).
- :mod:`pipeline.lsl.clock`: the recording clock fitted through LSL timestamps.
- :mod:`pipeline.lsl.source`: :class:`LslSource`, a live EEG stream as chunks in µV,
  with the stream events (lost, restored, gap, drift).
- :mod:`pipeline.lsl.player`: :class:`LslPlayer`, an EDF file replayed as a stream.

Importing this package does not import pylsl.
"""

from __future__ import annotations

from rse_monitor.pipeline.lsl.config import (
    CONFIG_ENV,
    DEFAULT_LSL_CONFIG,
    LslConfigChoice,
    LslConfigError,
    check_machine_scope,
    choose_lsl_config,
    config_notice,
    configure_lsl,
    get_pylsl,
)
from rse_monitor.pipeline.lsl.discovery import list_streams, resolve_streams, stream_query
from rse_monitor.pipeline.lsl.info import LslStreamInfo, read_stream_info
from rse_monitor.pipeline.lsl.player import LslPlayer
from rse_monitor.pipeline.lsl.source import LslSource, LslStreamNotFound, Pulled, StreamEvent
from rse_monitor.pipeline.units import unit_scale_to_uv

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_LSL_CONFIG",
    "LslConfigChoice",
    "LslConfigError",
    "LslStreamNotFound",
    "LslStreamInfo",
    "StreamEvent",
    "Pulled",
    "LslSource",
    "LslPlayer",
    "configure_lsl",
    "get_pylsl",
    "check_machine_scope",
    "choose_lsl_config",
    "config_notice",
    "list_streams",
    "read_stream_info",
    "resolve_streams",
    "stream_query",
    "unit_scale_to_uv",
]
