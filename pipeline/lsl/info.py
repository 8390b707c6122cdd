"""What an LSL EEG stream's description says: channels, units, rate, playback speed.

:func:`read_stream_info` turns the full ``pylsl.StreamInfo`` of a stream (with its
``desc`` element, as an inlet returns it) into :class:`LslStreamInfo`: the channel
labels, units and types under ``desc/channels/channel`` as the XDF meta-data
conventions give them [1]_, the channels kept as EEG (by declared type, else by
label) and those set aside, the factor that turns each kept channel into µV
(:func:`pipeline.units.unit_scale_to_uv`), and
what :class:`~pipeline.lsl.player.LslPlayer` states under ``desc/rsemon`` (playback
speed, duration, looping).

References
----------
.. [1] XDF/LSL meta-data conventions for EEG streams (``desc/channels/channel`` with
   ``label``, ``unit``, ``type``), https://github.com/sccn/xdf/wiki/EEG-Meta-Data
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from rse_monitor.pipeline.units import unit_scale_to_uv

__all__ = ["LslStreamInfo", "read_stream_info"]


@dataclass(frozen=True)
class LslStreamInfo:
    """What the stream description says, after channel selection.

    ``sfreq_hz`` is the rate of the recording; ``wire_sfreq_hz`` the nominal rate on
    the wire. They differ only for a player replaying faster than real time
    (``speed`` > 1), which declares its wire rate truthfully and states the speed in
    ``desc/rsemon/speed``.
    """

    name: str
    stype: str
    source_id: str
    uid: str
    hostname: str
    n_channels_total: int
    channel_format: int
    wire_sfreq_hz: float
    speed: float
    sfreq_hz: float
    ch_names: tuple[str, ...]
    units: tuple[str, ...]
    picks: tuple[int, ...]
    set_aside: tuple[str, ...]
    scale_to_uv: tuple[float, ...]
    unit_known: bool
    duration_s: float | None = None
    loop: bool = False
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.stype, "source_id": self.source_id,
            "hostname": self.hostname, "sfreq_hz": self.sfreq_hz,
            "wire_sfreq_hz": self.wire_sfreq_hz, "speed": self.speed,
            "channels": list(self.ch_names), "units": list(self.units),
            "channels_set_aside": list(self.set_aside), "unit_known": self.unit_known,
            "warnings": list(self.warnings),
        }  # fmt: skip


def _child_text(node: Any, name: str) -> str:
    child = node.child(name)
    return "" if child.empty() else child.child_value()


def _declared(
    name: str,
    labels: list[str],
    unit_list: list[str],
    warnings: list[str],
    ch_names: Sequence[str] | None,
    units: str | None,
) -> tuple[list[str], list[str], list[str]]:
    """Labels, units and warnings after the user's declared names and unit."""
    n_total = len(labels)
    if ch_names is not None:
        if len(ch_names) != n_total:
            raise ValueError(
                f"stream {name!r} has {n_total} channels, but {len(ch_names)} channel "
                "names were given"
            )
        labels = [str(n) for n in ch_names]
        warnings = [w for w in warnings if not w.startswith("description names")]
    if units is not None:
        unit_list = [units] * n_total
    return labels, unit_list, warnings


def read_stream_info(
    pylsl: ModuleType,
    info: Any,
    *,
    ch_names: Sequence[str] | None = None,
    units: str | None = None,
) -> LslStreamInfo:
    """Turn a full pylsl StreamInfo (with ``desc``) into :class:`LslStreamInfo`.

    ``ch_names`` (one per channel of the stream, in order) and ``units`` (one unit
    for every channel) are what the user declares for a stream without metadata;
    they replace the description's labels and units.

    Raises
    ------
    ValueError
        Not a sampled numeric EEG stream, or ``ch_names`` does not have one name per
        channel of the stream.
    """
    from rse_monitor.pipeline.ingest import classify_channel

    n_total = int(info.channel_count())
    wire = float(info.nominal_srate())
    fmt = int(info.channel_format())
    if wire <= 0:
        raise ValueError(f"stream {info.name()!r} has an irregular rate; need a sampled EEG stream")
    if fmt in (pylsl.cf_string, getattr(pylsl, "cf_undefined", 0)):
        raise ValueError(f"stream {info.name()!r} does not carry numbers (format {fmt})")
    desc = info.desc()
    labels: list[str] = []
    unit_list: list[str] = []
    types: list[str] = []
    ch = desc.child("channels").child("channel")
    while not ch.empty() and len(labels) < n_total:
        labels.append(_child_text(ch, "label").strip())
        unit_list.append(_child_text(ch, "unit").strip())
        types.append(_child_text(ch, "type").strip())
        ch = ch.next_sibling("channel")
    warnings: list[str] = []
    if len(labels) != n_total:
        warnings.append(f"description names {len(labels)} of {n_total} channels")
        labels += [""] * (n_total - len(labels))
        unit_list += [""] * (n_total - len(unit_list))
        types += [""] * (n_total - len(types))
    labels = [lab or f"ch{i + 1:02d}" for i, lab in enumerate(labels)]
    labels, unit_list, warnings = _declared(
        info.name(), labels, unit_list, warnings, ch_names, units
    )
    rs = desc.child("rsemon")
    speed = 1.0
    duration_s = None
    loop = False
    if not rs.empty():
        try:
            speed = float(_child_text(rs, "speed") or 1.0)
        except ValueError:
            warnings.append("desc/rsemon/speed is not a number; assuming 1")
        if not (speed > 0 and math.isfinite(speed)):
            speed = 1.0
        try:
            duration_s = (
                float(_child_text(rs, "duration_s")) if _child_text(rs, "duration_s") else None
            )
        except ValueError:
            duration_s = None
        loop = _child_text(rs, "loop").strip().lower() in ("1", "true", "yes")
    picks, set_aside = [], []
    for i, (lab, typ) in enumerate(zip(labels, types, strict=True)):
        kind = typ.upper()
        if kind and kind != "EEG":
            set_aside.append(lab)
        elif not kind and classify_channel(lab) != "eeg":
            set_aside.append(lab)
        else:
            picks.append(i)
    if not picks:
        raise ValueError(
            f"stream {info.name()!r} has no EEG channel among {n_total} ({', '.join(labels[:8])})"
        )
    names: list[str] = []
    seen: dict[str, int] = {}
    for i in picks:
        seen[labels[i]] = seen.get(labels[i], 0) + 1
        names.append(labels[i] if seen[labels[i]] == 1 else f"{labels[i]}#{seen[labels[i]]}")
    scales = [unit_scale_to_uv(unit_list[i]) for i in picks]
    unit_known = all(s is not None for s in scales)
    if not unit_known:
        odd = sorted(
            {unit_list[i] or "(none)" for i, s in zip(picks, scales, strict=True) if s is None}
        )
        warnings.append(f"channel unit(s) {', '.join(odd)} not a volt unit: scale unknown")
    return LslStreamInfo(
        name=info.name(),
        stype=info.type(),
        source_id=info.source_id(),
        uid=info.uid(),
        hostname=info.hostname(),
        n_channels_total=n_total,
        channel_format=fmt,
        wire_sfreq_hz=wire,
        speed=speed,
        sfreq_hz=wire / speed,
        ch_names=tuple(names),
        units=tuple(unit_list[i] for i in picks),
        picks=tuple(picks),
        set_aside=tuple(set_aside),
        scale_to_uv=tuple(1.0 if s is None else s for s in scales),
        unit_known=unit_known,
        duration_s=duration_s,
        loop=loop,
        warnings=tuple(warnings),
    )
