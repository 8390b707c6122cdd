"""Lab Streaming Layer: the machine-scope configuration, a live source and a player.

Three parts, all on top of pylsl (>= 1.18.6, whose wheel carries liblsl 1.18):

- :func:`configure_lsl` / :func:`get_pylsl`: liblsl reads its configuration once, at
  its first use, from the file named by the ``LSLAPICFG`` environment variable. The
  project's file ``pipeline/lsl_machine.cfg`` keeps discovery on this machine
  (``ResolveScope = machine``, no IPv4 multicast group, unicast discovery to
  ``KnownPeers = {127.0.0.1}`` only, IPv6 off). Every module gets pylsl through
  :func:`get_pylsl`, which sets ``LSLAPICFG`` before pylsl is first imported and
  refuses to hand out a pylsl that was imported under another configuration. A ward
  network passes its own file (``--lsl-config PATH`` or ``RSEMON_LSL_CONFIG``).
- :class:`LslSource`: resolves an EEG stream by name, type or source id, reads its
  channel labels, units and rate from the stream description, pulls chunks into a
  preallocated NumPy buffer and turns them into :class:`~pipeline.chunk.Chunk` objects
  in µV on a recording clock (seconds since the first sample). It notices gaps and
  sample-rate drift, reports ``stream_lost`` when the outlet disappears, keeps
  trying, and on return reports ``stream_restored`` and flags the next chunk
  ``gap_before=True`` so that the engine restarts its stages cleanly.
- :class:`LslPlayer`: an outlet that replays an EDF/EDF+/BDF file in real time or
  ``speed`` times faster, with channel metadata, and the EDF+ annotations as a marker
  stream ``<name>-markers``.

Timing model
------------
Recording time is the sample count: sample ``k`` of the stream is at ``k / sfreq_hz``
seconds, exactly as in offline replay, so a file streamed live gives the same hop
times as the file replayed. LSL timestamps (with liblsl's clock synchronisation,
``proc_clocksync``, i.e. the outlet's clock mapped onto this machine's clock) are used
to place the samples on that clock: a local least-squares line through the
timestamps of the chunks (exponential forgetting, half-life 90 s, the smoothing
liblsl's own dejitter uses) gives the dejittered time of every sample and the
effective sampling rate. liblsl's built-in dejitter (``proc_dejitter``) is not used
because it smooths a real gap away (a 2-s drop-out comes out as 30 samples spaced a
few ms too far apart; measured with pylsl 1.18.6), which would hide the gap.

- *Gap*: the first timestamp of a chunk lies more than ``gap_tolerance_s`` after the
  time predicted for it; the sample counter then jumps by the missing samples and
  the chunk is flagged ``gap_before``.
- *Drift*: after ``drift_min_span_s`` of data the fitted rate differs from the
  nominal rate by more than ``drift_tolerance_ratio``.
- *Loss*: liblsl reports the connection lost (the outlet's process ended), or no
  sample has arrived for ``lost_after_s``.

References
----------
.. [1] Kothe C et al. The Lab Streaming Layer for synchronized multimodal recording.
   bioRxiv 2024. doi:10.1101/2024.02.13.580071 (clock synchronisation by NTP-like
   probes, timestamp post-processing).
.. [2] XDF/LSL meta-data conventions for EEG streams (``desc/channels/channel`` with
   ``label``, ``unit``, ``type``), https://github.com/sccn/xdf/wiki/EEG-Meta-Data
"""

from __future__ import annotations

import configparser
import logging
import math
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from pipeline.chunk import Chunk

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_LSL_CONFIG",
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
    "unit_scale_to_uv",
]

log = logging.getLogger(__name__)

#: Environment variable naming a ward-network LSL configuration file.
CONFIG_ENV = "RSEMON_LSL_CONFIG"
#: The project's machine-scope configuration (discovery never leaves this host).
DEFAULT_LSL_CONFIG = Path(__file__).resolve().with_name("lsl_machine.cfg")

#: Severity of the stream-status alerts (IEC 60601-1-8 priorities).
STATUS_SEVERITY = {
    "stream_lost": "medium",
    "stream_restored": "low",
    "data_gap": "low",
    "rate_drift": "low",
}

EventKind = Literal["stream_lost", "stream_restored", "data_gap", "rate_drift"]


class LslConfigError(RuntimeError):
    """LSL would run without the configuration this project requires."""


class LslStreamNotFound(TimeoutError):
    """No stream matching the query answered within the timeout."""


# --------------------------------------------------------------------- configuration
def configure_lsl(path: str | Path | None = None) -> Path:
    """Choose the liblsl configuration file; call before pylsl is first imported.

    The file is, in order: ``path``; the file named by ``RSEMON_LSL_CONFIG``; the
    project's machine-scope file :data:`DEFAULT_LSL_CONFIG`. It is put into
    ``os.environ["LSLAPICFG"]``, which liblsl reads once, at its first use.

    Parameters
    ----------
    path : str or Path, optional
        A configuration file (e.g. for a ward network whose ``KnownPeers`` list the
        acquisition hosts).

    Returns
    -------
    Path
        The absolute path of the file in force.

    Raises
    ------
    ValueError
        The file does not exist or is not readable.
    LslConfigError
        pylsl was already imported while ``LSLAPICFG`` named another file (liblsl
        may already have read that one; restart the process).
    """
    chosen = path if path is not None else os.environ.get(CONFIG_ENV) or DEFAULT_LSL_CONFIG
    cfg = Path(chosen).expanduser().resolve()
    if not cfg.is_file() or not os.access(cfg, os.R_OK):
        source = (
            "path"
            if path is not None
            else (CONFIG_ENV if os.environ.get(CONFIG_ENV) else "default")
        )
        raise ValueError(f"LSL configuration ({source}) {str(chosen)!r} is not a readable file")
    current = os.environ.get("LSLAPICFG")
    if current is not None and _same_file(current, cfg):
        return cfg
    if "pylsl" in sys.modules:
        raise LslConfigError(
            f"pylsl was imported before the LSL configuration was set (LSLAPICFG="
            f"{current!r}); liblsl reads its configuration once, so {cfg} cannot take "
            "effect in this process. Import pylsl only through pipeline.lsl.get_pylsl()."
        )
    if current is not None:
        log.info("LSLAPICFG was %s; using %s instead", current, cfg)
    os.environ["LSLAPICFG"] = str(cfg)
    return cfg


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    except OSError:
        return False


def get_pylsl(config: str | Path | None = None) -> ModuleType:
    """Return the pylsl module, after :func:`configure_lsl` (the only way to get it).

    Raises
    ------
    LslConfigError
        pylsl is already loaded under another configuration (see
        :func:`configure_lsl`), or its liblsl is older than 1.18.
    ValueError
        The configuration file is missing.
    """
    cfg = configure_lsl(config)
    if not _same_file(os.environ.get("LSLAPICFG", ""), cfg):  # pragma: no cover - defensive
        raise LslConfigError(f"LSLAPICFG does not name {cfg}")
    import pylsl  # the one import of pylsl in the project

    if pylsl.library_version() < 118:
        raise LslConfigError(
            f"liblsl {pylsl.library_version()} is too old: need 1.18 (pylsl >= 1.18.6)"
        )
    return pylsl


def check_machine_scope(path: str | Path = DEFAULT_LSL_CONFIG) -> dict[str, str]:
    """Read an LSL configuration file and check that discovery stays on this machine.

    Machine scope means: ``ResolveScope = machine``; every IPv4 address in
    ``MachineAddresses`` is a loopback address (the IPv6 ones are inert because
    ``IPv6 = disable``); no address override; the multicast interface and every
    ``KnownPeers`` entry is ``127.0.0.1``.

    Returns
    -------
    dict
        The relevant settings (lower-case keys).

    Raises
    ------
    ValueError
        Naming the first setting that would let discovery leave the machine.
    """
    parser = configparser.ConfigParser(inline_comment_prefixes=(";", "#"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    text = Path(path).read_text(encoding="utf-8")
    parser.read_string(text)

    def get(section: str, key: str, default: str = "") -> str:
        return parser.get(section, key, fallback=default).strip()

    def as_set(value: str) -> list[str]:
        value = value.strip()
        if not (value.startswith("{") and value.endswith("}")):
            return [value] if value else []
        return [v.strip() for v in value[1:-1].split(",") if v.strip()]

    settings = {
        "resolvescope": get("multicast", "ResolveScope", "site"),
        "ipv6": get("ports", "IPv6", "allow"),
        "interfaces": get("multicast", "Interfaces"),
        "machineaddresses": get("multicast", "MachineAddresses", "{127.0.0.1}"),
        "addressesoverride": get("multicast", "AddressesOverride", "{}"),
        "knownpeers": get("lab", "KnownPeers", "{}"),
    }
    if settings["resolvescope"] != "machine":
        raise ValueError(f"ResolveScope is {settings['resolvescope']!r}, not 'machine'")
    if settings["ipv6"] not in ("disable", "disabled"):
        raise ValueError(f"IPv6 is {settings['ipv6']!r}, not 'disable'")
    if as_set(settings["addressesoverride"]):
        raise ValueError(f"AddressesOverride is set: {settings['addressesoverride']}")
    for addr in as_set(settings["machineaddresses"]):
        if ":" not in addr and not addr.startswith("127."):
            raise ValueError(f"MachineAddresses holds a non-loopback IPv4 address {addr!r}")
    if as_set(settings["interfaces"]) != ["127.0.0.1"]:
        raise ValueError(f"Interfaces is {settings['interfaces']!r}, not {{127.0.0.1}}")
    peers = as_set(settings["knownpeers"])
    if not peers or any(p not in ("127.0.0.1", "localhost") for p in peers):
        raise ValueError(f"KnownPeers is {settings['knownpeers']!r}, not {{127.0.0.1}}")
    return settings


# ------------------------------------------------------------------- stream metadata
_UNIT_TO_UV = {
    "v": 1e6, "volt": 1e6, "volts": 1e6,
    "mv": 1e3, "millivolt": 1e3, "millivolts": 1e3,
    "uv": 1.0, "µv": 1.0, "μv": 1.0, "microvolt": 1.0, "microvolts": 1.0,
    "nv": 1e-3, "nanovolt": 1e-3, "nanovolts": 1e-3,
}  # fmt: skip


def unit_scale_to_uv(unit: str | None) -> float | None:
    """Factor that turns values in ``unit`` into µV; None when the unit is not a volt.

    Accepts ``V``, ``mV``, ``uV``/``µV``/``μV``, ``nV`` and their spelled-out forms
    (``microvolts`` is the XDF convention [2]_), in any case.
    """
    if unit is None:
        return None
    key = unit.strip().lower().replace(" ", "").replace("micro", "u")
    key = {"uvolt": "uv", "uvolts": "uv"}.get(key, key)
    return _UNIT_TO_UV.get(key, _UNIT_TO_UV.get(unit.strip().lower()))


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


def _read_info(pylsl: ModuleType, info: Any) -> LslStreamInfo:
    """Turn a full pylsl StreamInfo (with ``desc``) into :class:`LslStreamInfo`."""
    from pipeline.ingest import classify_channel

    n_total = int(info.channel_count())
    wire = float(info.nominal_srate())
    fmt = int(info.channel_format())
    if wire <= 0:
        raise ValueError(f"stream {info.name()!r} has an irregular rate; need a sampled EEG stream")
    if fmt in (pylsl.cf_string, getattr(pylsl, "cf_undefined", 0)):
        raise ValueError(f"stream {info.name()!r} does not carry numbers (format {fmt})")
    desc = info.desc()
    labels: list[str] = []
    units: list[str] = []
    types: list[str] = []
    ch = desc.child("channels").child("channel")
    while not ch.empty() and len(labels) < n_total:
        labels.append(_child_text(ch, "label").strip())
        units.append(_child_text(ch, "unit").strip())
        types.append(_child_text(ch, "type").strip())
        ch = ch.next_sibling("channel")
    warnings: list[str] = []
    if len(labels) != n_total:
        warnings.append(f"description names {len(labels)} of {n_total} channels")
        labels += [""] * (n_total - len(labels))
        units += [""] * (n_total - len(units))
        types += [""] * (n_total - len(types))
    labels = [lab or f"ch{i + 1:02d}" for i, lab in enumerate(labels)]
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
    scales = [unit_scale_to_uv(units[i]) for i in picks]
    unit_known = all(s is not None for s in scales)
    if not unit_known:
        odd = sorted(
            {units[i] or "(none)" for i, s in zip(picks, scales, strict=True) if s is None}
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
        units=tuple(units[i] for i in picks),
        picks=tuple(picks),
        set_aside=tuple(set_aside),
        scale_to_uv=tuple(1.0 if s is None else s for s in scales),
        unit_known=unit_known,
        duration_s=duration_s,
        loop=loop,
        warnings=tuple(warnings),
    )


# -------------------------------------------------------------------------- events
@dataclass(frozen=True)
class StreamEvent:
    """A change in the state of a live stream.

    ``t_s`` is recording time (seconds since the stream's first sample); ``kind`` is
    ``stream_lost``, ``stream_restored``, ``data_gap`` or ``rate_drift``.
    """

    kind: EventKind
    t_s: float
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return STATUS_SEVERITY[self.kind]

    def to_alert(self) -> dict[str, Any]:
        """The event as an alert record for :class:`~pipeline.outputs.OutputWriter`."""
        return {
            "t_s": self.t_s,
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class Pulled:
    """What one :meth:`LslSource.pull` returned: at most one chunk, and events."""

    chunk: Chunk | None
    events: list[StreamEvent]


# ------------------------------------------------------------------- clock mapping
class _ClockFit:
    """Exponentially weighted least-squares line ``t = a + b·n`` through timestamps.

    One point per chunk (the chunk's last sample, whose stamp is the push time for an
    outlet that stamps its chunks). Weights decay with half-life ``halflife_s`` of
    stream time, as liblsl's dejitter does [1]_. Until the points span ``min_span_s``
    the slope is the nominal period. Mean/co-moment updates (West 1979) keep the
    arithmetic stable for day-long streams.
    """

    def __init__(self, period_s: float, halflife_s: float = 90.0, min_span_s: float = 1.0) -> None:
        self.nominal_period_s = float(period_s)
        self.halflife_s = float(halflife_s)
        self.min_span_s = float(min_span_s)
        self.reset()

    def reset(self) -> None:
        self._w = 0.0
        self._mx = 0.0
        self._my = 0.0
        self._cxx = 0.0
        self._cxy = 0.0
        self._last_y: float | None = None
        self._first_y: float | None = None
        self.n_points = 0

    def update(self, n: float, t: float) -> None:
        if self._last_y is not None:
            lam = 0.5 ** (max(0.0, t - self._last_y) / self.halflife_s)
        else:
            lam = 1.0
            self._first_y = t
        self._last_y = t
        self._w = lam * self._w + 1.0
        dx = n - self._mx
        self._mx += dx / self._w
        self._my += (t - self._my) / self._w
        self._cxx = lam * self._cxx + dx * (n - self._mx)
        self._cxy = lam * self._cxy + dx * (t - self._my)
        self.n_points += 1

    @property
    def span_s(self) -> float:
        if self._first_y is None or self._last_y is None:
            return 0.0
        return self._last_y - self._first_y

    @property
    def period_s(self) -> float:
        """Seconds per sample (fitted once the points span ``min_span_s``)."""
        if self.n_points < 3 or self._w <= 0:
            return self.nominal_period_s
        sd_x = math.sqrt(max(self._cxx, 0.0) / self._w)
        if sd_x * self.nominal_period_s < self.min_span_s / 4:
            return self.nominal_period_s
        b = self._cxy / self._cxx
        # a slope far off the nominal is a broken stamp series, not drift
        if not (0.5 * self.nominal_period_s < b < 2.0 * self.nominal_period_s):
            return self.nominal_period_s
        return b

    def predict(self, n: float) -> float:
        """Dejittered time of sample ``n`` (NaN before the first point)."""
        if self.n_points == 0:
            return math.nan
        return self._my + self.period_s * (n - self._mx)


# ------------------------------------------------------------------------ the source
_QUERY_SAFE = re.compile(r"^[^'\"\[\]]*$")


class LslSource:
    """A live EEG stream as a sequence of :class:`~pipeline.chunk.Chunk` objects.

    Parameters
    ----------
    name, stype, source_id : str, optional
        What to resolve (at least one). ``stype`` is the LSL content type, e.g. EEG.
    config : str or Path, optional
        LSL configuration file (default: ``RSEMON_LSL_CONFIG`` or the project's
        machine-scope file); see :func:`configure_lsl`.
    lost_after_s : float
        Wall-clock seconds without a sample after which the stream counts as lost.
    retry_s : float
        Interval between resolve attempts while the stream is lost; it grows by
        half after each failed attempt, up to 5 s (a failed 1-s resolve costs about
        45 ms of CPU with the machine-scope port range).
    gap_tolerance_s : float
        A chunk stamped more than this (wall seconds) after its predicted time marks
        missing samples (a gap). Late pushes below it are jitter.
    drift_tolerance_ratio : float
        Relative difference between the fitted and the nominal rate that raises a
        ``rate_drift`` event (once per connection) after ``drift_min_span_s``.
    max_buffer_s : float
        Seconds of data liblsl may hold for us before dropping the oldest.
    resolve_timeout_s : float
        Longest wait of one resolve attempt (a pull while the stream is lost may
        block this long; with the machine-scope configuration a present stream
        answers within about 50 ms).

    Notes
    -----
    One verb: :meth:`pull`. :meth:`open` resolves the stream the first time (it is
    also called by :meth:`pull`); :meth:`close` releases the inlet; :meth:`reset`
    forgets the recording clock.
    """

    def __init__(
        self,
        name: str | None = None,
        stype: str | None = None,
        source_id: str | None = None,
        *,
        config: str | Path | None = None,
        lost_after_s: float = 3.0,
        retry_s: float = 1.0,
        gap_tolerance_s: float = 0.5,
        drift_tolerance_ratio: float = 0.01,
        drift_min_span_s: float = 30.0,
        max_buffer_s: float = 60.0,
        resolve_timeout_s: float = 1.0,
    ) -> None:
        if name is None and stype is None and source_id is None:
            raise ValueError("give at least one of name, stype, source_id")
        for arg, value in (("name", name), ("stype", stype), ("source_id", source_id)):
            if value is not None and (not value or not _QUERY_SAFE.match(value)):
                raise ValueError(
                    f"{arg} must be non-empty without quotes or brackets, got {value!r}"
                )
        numbers: dict[str, float] = {
            "lost_after_s": lost_after_s, "retry_s": retry_s,
            "gap_tolerance_s": gap_tolerance_s, "drift_tolerance_ratio": drift_tolerance_ratio,
            "max_buffer_s": max_buffer_s, "resolve_timeout_s": resolve_timeout_s,
        }  # fmt: skip
        for arg, number in numbers.items():
            if not (number > 0 and math.isfinite(number)):
                raise ValueError(f"{arg} must be a positive number, got {number!r}")
        self.name = name
        self.stype = stype
        self.source_id = source_id
        self.config = config
        self.lost_after_s = float(lost_after_s)
        self.retry_s = float(retry_s)
        self.gap_tolerance_s = float(gap_tolerance_s)
        self.drift_tolerance_ratio = float(drift_tolerance_ratio)
        self.drift_min_span_s = float(drift_min_span_s)
        self.max_buffer_s = float(max_buffer_s)
        self.resolve_timeout_s = float(resolve_timeout_s)
        self._pylsl = get_pylsl(config)
        self.info: LslStreamInfo | None = None
        self._inlet: Any = None
        self.n_lost = 0
        self.n_restored = 0
        self.n_gaps = 0
        self.reset()

    # -- state --------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the recording clock: the next sample is at t = 0 again."""
        self._n_next: int | None = None
        self._fit: _ClockFit | None = None
        self._restoring = False
        self._lost_since: float | None = None
        self._last_try = -math.inf
        self._retry_interval_s = self.retry_s
        self._last_data = time.monotonic()
        self._drift_flagged = False
        self._skip_uids: set[str] = set()
        self._pending: tuple[NDArray[Any], NDArray[np.float64]] | None = None

    @property
    def connected(self) -> bool:
        return self._inlet is not None

    @property
    def t_next_s(self) -> float:
        """Recording time of the next sample (0 before any sample)."""
        if self._n_next is None or self.info is None:
            return 0.0
        return self._n_next / self.info.sfreq_hz

    @property
    def effective_sfreq_hz(self) -> float | None:
        """Recording rate as measured from the timestamps (None before enough data)."""
        if (
            self._fit is None
            or self.info is None
            or self._fit.period_s == self._fit.nominal_period_s
        ):
            return None
        return 1.0 / (self._fit.period_s * self.info.speed)

    def lsl_time_of(self, t_s: float) -> float:
        """Dejittered LSL time (this machine's ``local_clock``) of recording time ``t_s``."""
        if self._fit is None or self.info is None:
            return math.nan
        return self._fit.predict(t_s * self.info.sfreq_hz)

    def _query(self) -> str:
        parts = []
        if self.name is not None:
            parts.append(f"name='{self.name}'")
        if self.stype is not None:
            parts.append(f"type='{self.stype}'")
        if self.source_id is not None:
            parts.append(f"source_id='{self.source_id}'")
        return " and ".join(parts)

    def describe(self) -> str:
        return self._query().replace("'", "")

    # -- connection ---------------------------------------------------------------
    def _connect(self, timeout_s: float) -> bool:
        """Resolve and open an inlet; True on success. Sets ``self._inlet``."""
        pylsl = self._pylsl
        # liblsl waits at least its minimum round-trip time (UnicastMinRTT) for
        # answers, so the resolve may take longer than the caller's pull timeout
        found = pylsl.resolve_bypred(self._query(), 1, max(self.resolve_timeout_s, timeout_s))
        found = [s for s in found if s.uid() not in self._skip_uids]
        if not found:
            return False
        inlet = pylsl.StreamInlet(
            found[0],
            max_buflen=max(1, int(math.ceil(self.max_buffer_s))),
            max_chunklen=0,
            recover=False,
            processing_flags=pylsl.proc_clocksync,
        )
        try:
            full = inlet.info(timeout=max(1.0, timeout_s))
            inlet.open_stream(timeout=max(1.0, timeout_s))
            info = _read_info(pylsl, full)
        except (pylsl.util.TimeoutError, pylsl.util.LostError) as exc:
            log.warning("stream %s answered but did not open (%s)", self.describe(), exc)
            inlet.close_stream()
            return False
        except ValueError as exc:
            log.warning("ignoring stream %s: %s", found[0].uid(), exc)
            self._skip_uids.add(found[0].uid())
            inlet.close_stream()
            return False
        if self.info is not None and (
            info.ch_names != self.info.ch_names or info.sfreq_hz != self.info.sfreq_hz
        ):
            log.warning(
                "ignoring stream %s: its channels or rate differ from the stream being "
                "monitored (%d ch at %g Hz vs %d ch at %g Hz)", info.uid, len(info.ch_names),
                info.sfreq_hz, len(self.info.ch_names), self.info.sfreq_hz,
            )  # fmt: skip
            self._skip_uids.add(info.uid)
            inlet.close_stream()
            return False
        self.info = info
        self._inlet = inlet
        self._dtype = np.dtype(inlet.np_dtype)
        # room for a few seconds of wire samples; pulls never ask for more
        self._max_samples = int(max(64, math.ceil(info.wire_sfreq_hz * 2.0)))
        self._buf = np.empty((self._max_samples, info.n_channels_total), dtype=self._dtype)
        self._picks = np.asarray(info.picks, dtype=np.intp)
        self._all_picked = len(info.picks) == info.n_channels_total
        self._scale = np.asarray(info.scale_to_uv, dtype=np.float64)[:, None]
        self._unit_scaled = bool(np.any(self._scale != 1.0))
        self._last_data = time.monotonic()
        if self._fit is None:
            self._fit = _ClockFit(1.0 / info.wire_sfreq_hz)
        return True

    def open(self, timeout_s: float = 5.0) -> LslStreamInfo:
        """Resolve the stream and open an inlet (no-op when connected).

        Raises
        ------
        LslStreamNotFound
            Nothing answered the query within ``timeout_s``.
        """
        if self._inlet is not None and self.info is not None:
            return self.info
        if not self._connect(timeout_s):
            raise LslStreamNotFound(
                f"no LSL stream with {self.describe()} answered within {timeout_s:g} s"
            )
        assert self.info is not None
        return self.info

    def close(self) -> None:
        """Release the inlet (the recording clock is kept)."""
        if self._inlet is not None:
            try:
                self._inlet.close_stream()
            except Exception:  # pragma: no cover - closing a broken inlet
                pass
            self._inlet = None

    def _lose(self, reason: str) -> StreamEvent:
        self.close()
        self.n_lost += 1
        self._lost_since = time.monotonic()
        self._last_try = -math.inf
        self._retry_interval_s = self.retry_s
        self._restoring = True
        t = self.t_next_s
        log.warning("stream %s lost at t=%.1f s: %s", self.describe(), t, reason)
        return StreamEvent(
            "stream_lost", t, f"LSL stream {self.describe()} lost ({reason})",
            {"reason": reason, "n_lost": self.n_lost},
        )  # fmt: skip

    # -- the verb -----------------------------------------------------------------
    def pull(self, timeout_s: float = 0.5, min_samples: int = 1) -> Pulled:
        """Wait up to ``timeout_s`` for samples; return them as a chunk, with events.

        Parameters
        ----------
        timeout_s : float
            Longest wait (wall seconds).
        min_samples : int
            Return as soon as this many samples are there (then take everything
            already buffered); fewer only when the timeout expires. 1 gives the
            lowest latency; a hop's worth gives one engine push per hop.

        Returns
        -------
        Pulled
            ``chunk`` (None when nothing arrived) in µV, channels first, on the
            recording clock; ``events`` in the order they happened.
        """
        if min_samples < 1:
            raise ValueError(f"min_samples must be >= 1, got {min_samples}")
        if not timeout_s >= 0:
            raise ValueError(f"timeout_s must be >= 0, got {timeout_s!r}")
        events: list[StreamEvent] = []
        if self._pending is not None:  # samples after a gap found inside the last pull
            raw, stamps = self._pending
            self._pending = None
            return Pulled(self._to_chunk(raw, stamps, events), events)
        if self._inlet is None:
            now = time.monotonic()
            wait = self._last_try + self._retry_interval_s - now
            if wait > 0:
                time.sleep(min(wait, timeout_s))
                return Pulled(None, events)
            self._last_try = now
            if not self._connect(timeout_s):
                self._retry_interval_s = min(max(5.0, self.retry_s), 1.5 * self._retry_interval_s)
                return Pulled(None, events)
            self._retry_interval_s = self.retry_s
            log.info(
                "stream %s connected (%s)", self.describe(), self.info.uid if self.info else ""
            )
        pylsl = self._pylsl
        try:
            _, stamps = self._inlet.pull_chunk(
                timeout=timeout_s,
                max_samples=self._max_samples,
                dest_obj=self._buf,
                min_samples=min(int(min_samples), self._max_samples),
                as_numpy=True,
            )
        except pylsl.util.LostError:
            events.append(self._lose("the outlet is gone"))
            return Pulled(None, events)
        n = len(stamps)
        now = time.monotonic()
        if n == 0:
            if now - self._last_data > self.lost_after_s:
                events.append(self._lose(f"no samples for {now - self._last_data:.1f} s"))
            return Pulled(None, events)
        self._last_data = now
        stamps = np.array(stamps, dtype=np.float64)
        raw = self._buf[:n]
        jumps = np.flatnonzero(np.diff(stamps) > self.gap_tolerance_s)
        if jumps.size:  # a gap inside this pull: hand out the part before it first
            cut = int(jumps[0]) + 1
            self._pending = (raw[cut:].copy(), stamps[cut:])
            raw, stamps = raw[:cut], stamps[:cut]
        return Pulled(self._to_chunk(raw, stamps, events), events)

    def _to_chunk(
        self, raw: NDArray[Any], stamps: NDArray[np.float64], events: list[StreamEvent]
    ) -> Chunk:
        """Samples ``raw`` (n, n_channels_total) with their stamps → a Chunk in µV."""
        info = self.info
        fit = self._fit
        assert info is not None and fit is not None
        n = raw.shape[0]
        if self._all_picked:
            data = raw.T.astype(np.float64)
        else:
            data = raw[:, self._picks].T.astype(np.float64)
        if self._unit_scaled:
            data *= self._scale
        gap_before = False
        period = fit.period_s
        if self._restoring or self._n_next is None:
            skip = 0
            if self._n_next is not None:
                predicted = fit.predict(self._n_next)
                if math.isfinite(predicted):
                    skip = max(0, int(round((stamps[0] - predicted) / period)))
            n_first = (self._n_next or 0) + skip
            gap_before = self._n_next is not None
            if self._restoring:  # lost earlier (possibly before any sample)
                self.n_restored += 1
                down_s = time.monotonic() - (self._lost_since or time.monotonic())
                events.append(
                    StreamEvent(
                        "stream_restored", n_first / info.sfreq_hz,
                        f"LSL stream {self.describe()} restored after {down_s:.1f} s "
                        f"({skip / info.sfreq_hz:.1f} s of recording missing)",
                        {"down_s": round(down_s, 3), "missing_s": round(skip / info.sfreq_hz, 3),
                         "uid": info.uid},
                    )
                )  # fmt: skip
                log.info("stream %s restored after %.1f s", self.describe(), down_s)
            fit.reset()
            self._drift_flagged = False
        else:
            n_first = self._n_next
            late_s = stamps[0] - fit.predict(n_first)
            if late_s > self.gap_tolerance_s:
                skip = int(round(late_s / period))
                n_first += skip
                gap_before = True
                self.n_gaps += 1
                events.append(
                    StreamEvent(
                        "data_gap", n_first / info.sfreq_hz,
                        f"{skip / info.sfreq_hz:.2f} s of samples missing from "
                        f"{self.describe()}",
                        {"missing_s": round(skip / info.sfreq_hz, 3), "n_missing": skip},
                    )
                )  # fmt: skip
                fit.reset()
        self._restoring = False
        self._lost_since = None
        fit.update(n_first + n - 1, float(stamps[-1]))
        self._n_next = n_first + n
        if fit.span_s >= self.drift_min_span_s:
            rate = 1.0 / fit.period_s
            ratio = rate / info.wire_sfreq_hz - 1.0
            if abs(ratio) > self.drift_tolerance_ratio and not self._drift_flagged:
                self._drift_flagged = True
                events.append(
                    StreamEvent(
                        "rate_drift", self._n_next / info.sfreq_hz,
                        f"{self.describe()} delivers {rate / info.speed:.2f} Hz, "
                        f"not the declared {info.sfreq_hz:g} Hz ({ratio * 100:+.2f} %)",
                        {"effective_sfreq_hz": rate / info.speed,
                         "nominal_sfreq_hz": info.sfreq_hz, "ratio": ratio},
                    )
                )  # fmt: skip
            elif abs(ratio) < self.drift_tolerance_ratio / 2:
                self._drift_flagged = False
        return Chunk(
            data,
            n_first / info.sfreq_hz,
            info.sfreq_hz,
            info.ch_names,
            gap_before=gap_before,
            unit_known=info.unit_known,
            meta={"lsl_stamps_s": stamps},
        )


# ------------------------------------------------------------------------ the player
class LslPlayer:
    """Replay an EDF/EDF+/BDF file as a live LSL stream.

    The EEG channels (as :class:`~pipeline.ingest.EdfSource` selects them), in µV,
    float32, go out on an outlet named ``name`` of type ``EEG`` whose description
    carries each channel's ``label``, ``unit`` (``microvolts``; ``n/a`` when the
    file's scale is unknown) and ``type`` (``EEG``), plus ``desc/rsemon`` with
    ``speed``, ``recording_sfreq_hz``, ``duration_s`` and ``loop``. The nominal rate
    on the wire is the file's rate times ``speed``. EDF+ annotations go out on a
    string marker outlet ``<name>-markers`` (type ``Markers``) when playback reaches
    their onset.

    Samples leave in blocks of about ``block_s`` wall seconds (1/32 s by default,
    as a typical amplifier does); each block is pushed when its last sample is due
    and stamped with that due time (``local_clock`` base), so the stamps are
    regular and a consumer's gap detection sees real drop-outs only.

    Parameters
    ----------
    path : str or Path
        The recording.
    name : str
        Stream name.
    speed : float
        Playback speed (1 = real time).
    loop : bool
        Start again from the beginning at the end of the file (time keeps running).
    source_id : str, optional
        Default ``rsemon-player:<name>``, so a restarted player is the same source.
    block_s : float
        Wall seconds per pushed block.
    config : str or Path, optional
        LSL configuration (see :func:`configure_lsl`).
    """

    def __init__(
        self,
        path: str | Path,
        name: str,
        *,
        speed: float = 1.0,
        loop: bool = False,
        source_id: str | None = None,
        block_s: float = 1.0 / 32,
        config: str | Path | None = None,
    ) -> None:
        from pipeline.ingest import EdfSource

        if not name or not _QUERY_SAFE.match(name):
            raise ValueError(f"name must be non-empty without quotes or brackets, got {name!r}")
        if not (speed > 0 and math.isfinite(speed)):
            raise ValueError(f"speed must be a positive number, got {speed!r}")
        if not (0 < block_s <= 1.0):
            raise ValueError(f"block_s must be in (0, 1] s, got {block_s!r}")
        self.path = Path(path)
        self.name = name
        self.speed = float(speed)
        self.loop = bool(loop)
        self.source_id = source_id or f"rsemon-player:{name}"
        self.block_s = float(block_s)
        self.linger_s = 1.0
        self._pylsl = get_pylsl(config)
        self.source = EdfSource(self.path, chunk_s=10.0)
        self.n_pushed = 0
        self.n_markers = 0
        self.max_late_s = 0.0

    def _outlets(self) -> tuple[Any, Any]:
        pylsl = self._pylsl
        src = self.source
        info = src.info
        fs = src.sfreq_hz
        si = pylsl.StreamInfo(
            self.name, "EEG", len(src.ch_names), fs * self.speed, pylsl.cf_float32, self.source_id
        )
        chans = si.desc().append_child("channels")
        unit = "microvolts" if info.unit_known else "n/a"
        for label in src.ch_names:
            ch = chans.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", unit)
            ch.append_child_value("type", "EEG")
        rs = si.desc().append_child("rsemon")
        rs.append_child_value("speed", repr(self.speed))
        rs.append_child_value("recording_sfreq_hz", repr(fs))
        rs.append_child_value("duration_s", repr(src.duration_s))
        rs.append_child_value("loop", "1" if self.loop else "0")
        rs.append_child_value("file", self.path.name)
        acq = si.desc().append_child("acquisition")
        acq.append_child_value("manufacturer", "rse-monitor")
        acq.append_child_value("model", "EDF player")
        outlet = pylsl.StreamOutlet(si, chunk_size=0, max_buffered=60)
        mi = pylsl.StreamInfo(
            f"{self.name}-markers", "Markers", 1, pylsl.IRREGULAR_RATE, pylsl.cf_string,
            f"{self.source_id}-markers",
        )  # fmt: skip
        markers = pylsl.StreamOutlet(mi)
        return outlet, markers

    def run(
        self,
        stop: threading.Event | None = None,
        duration_s: float | None = None,
        wait_for_consumer_s: float = 0.0,
    ) -> dict[str, Any]:
        """Stream until the end of the file (or ``duration_s`` wall seconds, or ``stop``).

        Parameters
        ----------
        stop : threading.Event, optional
            Set it to end playback early.
        duration_s : float, optional
            Wall-clock limit.
        wait_for_consumer_s : float
            Wait up to this long for an inlet before the first sample (so that a
            consumer sees the recording from its first sample).

        Returns
        -------
        dict
            ``n_samples``, ``n_loops``, ``n_markers``, ``wall_s``, ``max_late_s``.
        """
        pylsl = self._pylsl
        stop = stop or threading.Event()
        src = self.source
        fs = src.sfreq_hz
        wire = fs * self.speed
        blk = max(1, int(round(wire * self.block_s)))
        outlet, markers = self._outlets()
        annotations = sorted(src.info.annotations)
        try:
            if wait_for_consumer_s > 0 and not outlet.wait_for_consumers(wait_for_consumer_s):
                log.warning("no consumer after %.1f s; streaming anyway", wait_for_consumer_s)
            clock0 = pylsl.local_clock()
            t_wall0 = time.monotonic()
            n_loops = 0
            n_file = src.n_samples
            while not stop.is_set():
                next_ann = 0
                for chunk in src.chunks():
                    block = np.ascontiguousarray(chunk.data_uv.T, dtype=np.float32)
                    base = int(round(chunk.t0_s * fs))
                    for s in range(0, block.shape[0], blk):
                        part = block[s : s + blk]
                        k_last = self.n_pushed + part.shape[0] - 1
                        due = clock0 + k_last / wire
                        delay = due - pylsl.local_clock()
                        if delay > 0 and stop.wait(delay):
                            return self._stats(n_loops, t_wall0)
                        self.max_late_s = max(self.max_late_s, -delay)
                        outlet.push_chunk(part, timestamp=due)
                        # markers whose onset sample is in this block
                        file_hi = base + s + part.shape[0]
                        while (
                            next_ann < len(annotations) and annotations[next_ann][0] * fs < file_hi
                        ):
                            onset, dur, text = annotations[next_ann]
                            k_on = self.n_pushed + int(round(onset * fs)) - (base + s)
                            markers.push_sample([text], timestamp=clock0 + max(k_on, 0) / wire)
                            self.n_markers += 1
                            next_ann += 1
                        self.n_pushed += part.shape[0]
                        if duration_s is not None and time.monotonic() - t_wall0 >= duration_s:
                            return self._stats(n_loops, t_wall0)
                n_loops += 1
                if not self.loop or n_file == 0:
                    break
            # liblsl drops what an outlet has not sent when it is destroyed: give the
            # consumers time to take the last blocks before closing
            if outlet.have_consumers():
                stop.wait(self.linger_s)
            return self._stats(n_loops, t_wall0)
        finally:
            del outlet, markers

    def _stats(self, n_loops: int, t_wall0: float) -> dict[str, Any]:
        return {
            "n_samples": self.n_pushed,
            "n_loops": n_loops,
            "n_markers": self.n_markers,
            "wall_s": round(time.monotonic() - t_wall0, 3),
            "max_late_s": round(self.max_late_s, 4),
        }
