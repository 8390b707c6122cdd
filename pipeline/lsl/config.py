"""The machine-scope LSL configuration, and the one way to get pylsl.

liblsl (pylsl >= 1.18.6, whose wheel carries liblsl 1.18) reads its configuration
once, at its first use, from the file named by the ``LSLAPICFG`` environment
variable. The project's file ``pipeline/lsl_machine.cfg`` keeps discovery on this
machine (``ResolveScope = machine``, queries only to 127.0.0.1: on the multicast
port, answered on a socket bound to 127.0.0.1, and unicast to ``KnownPeers =
{127.0.0.1}``; IPv6 off) in LSL's default session, so that other LSL programs on
this machine (LabRecorder, mne-lsl, a vendor's outlet) and rse-monitor see each
other's streams. Every module gets pylsl through :func:`get_pylsl`, which sets
``LSLAPICFG`` (:func:`configure_lsl`) before pylsl is first imported and refuses to
hand out a pylsl that was imported under another configuration; this module holds
the project's only ``import pylsl``.

Which file (:func:`choose_lsl_config`): ``--lsl-config PATH`` (the ``path``
argument) > ``RSEMON_LSL_CONFIG`` > a ``LSLAPICFG`` the user set > the bundled
machine-scope file. :func:`check_machine_scope` says whether a file keeps discovery
on this machine; :func:`config_notice` gives the lines a command prints when a
user's file is in force.

References
----------
.. [1] liblsl configuration file (``lsl_api.cfg``): ``[multicast] ResolveScope``,
   ``ListenAddress``, ``[lab] KnownPeers``, ``SessionID``, ``[ports] IPv6``,
   https://labstreaminglayer.readthedocs.io/info/lslapicfg.html
"""

from __future__ import annotations

import configparser
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Literal

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_LSL_CONFIG",
    "LslConfigError",
    "LslConfigChoice",
    "choose_lsl_config",
    "config_notice",
    "configure_lsl",
    "get_pylsl",
    "check_machine_scope",
]

log = logging.getLogger(__name__)

#: Environment variable naming a ward-network LSL configuration file.
CONFIG_ENV = "RSEMON_LSL_CONFIG"
#: The project's machine-scope configuration (discovery never leaves this host).
DEFAULT_LSL_CONFIG = Path(__file__).resolve().parents[1] / "lsl_machine.cfg"


class LslConfigError(RuntimeError):
    """LSL would run without the configuration this project requires."""


ConfigOrigin = Literal["argument", "RSEMON_LSL_CONFIG", "LSLAPICFG", "bundled"]

#: How a command names where the file came from.
_ORIGIN_WORDS = {
    "argument": "--lsl-config",
    "RSEMON_LSL_CONFIG": "$RSEMON_LSL_CONFIG",
    "LSLAPICFG": "$LSLAPICFG",
    "bundled": "bundled",
}


@dataclass(frozen=True)
class LslConfigChoice:
    """The LSL configuration file in force and where it came from.

    ``origin`` is ``argument`` (``--lsl-config PATH``), ``RSEMON_LSL_CONFIG``,
    ``LSLAPICFG`` (a file the user set for every LSL program) or ``bundled``
    (:data:`DEFAULT_LSL_CONFIG`; also when ``LSLAPICFG`` names that file).
    """

    path: Path
    origin: ConfigOrigin

    @property
    def is_user_file(self) -> bool:
        return self.origin != "bundled"

    @property
    def resolve_scope(self) -> str:
        """``[multicast] ResolveScope`` of the file (liblsl's default ``site`` if unset)."""
        return _read_config(self.path).get("multicast", "ResolveScope", fallback="site").strip()

    def scope_problem(self) -> str | None:
        """Why discovery under this file can leave the machine (None if it cannot)."""
        try:
            check_machine_scope(self.path)
        except (ValueError, OSError, configparser.Error) as exc:
            return str(exc)
        return None


def choose_lsl_config(path: str | Path | None = None) -> LslConfigChoice:
    """Which LSL configuration file applies, without setting anything.

    Precedence: ``path`` (the ``--lsl-config PATH`` flag) > the file named by
    ``RSEMON_LSL_CONFIG`` > the file named by ``LSLAPICFG`` (a user's own liblsl
    configuration) > the bundled machine-scope file :data:`DEFAULT_LSL_CONFIG`.
    Empty variables count as unset.

    Raises
    ------
    ValueError
        The chosen file does not exist or is not readable (naming where it came from).
    """
    chosen: str | Path
    origin: ConfigOrigin
    if path is not None:
        chosen, origin = path, "argument"
    elif os.environ.get(CONFIG_ENV):
        chosen, origin = os.environ[CONFIG_ENV], "RSEMON_LSL_CONFIG"
    elif os.environ.get("LSLAPICFG"):
        chosen, origin = os.environ["LSLAPICFG"], "LSLAPICFG"
    else:
        chosen, origin = DEFAULT_LSL_CONFIG, "bundled"
    cfg = Path(chosen).expanduser().resolve()
    if not cfg.is_file() or not os.access(cfg, os.R_OK):
        raise ValueError(
            f"LSL configuration ({_ORIGIN_WORDS[origin]}) {str(chosen)!r} is not a readable file"
        )
    if cfg == DEFAULT_LSL_CONFIG.resolve():
        origin = "bundled"
    return LslConfigChoice(cfg, origin)


def config_notice(choice: LslConfigChoice) -> tuple[str | None, str | None]:
    """The line a command prints about a user's LSL file, and its warning.

    Returns
    -------
    (info, warning)
        ``info``: which file and its ResolveScope (None for the bundled file);
        ``warning``: why discovery can leave this machine under it (None if it
        cannot, and for the bundled file).
    """
    if not choice.is_user_file:
        return None, None
    try:
        scope = choice.resolve_scope
    except (OSError, configparser.Error) as exc:
        scope = f"unreadable ({exc})"
    info = f"LSL config {choice.path} (from {_ORIGIN_WORDS[choice.origin]}): ResolveScope = {scope}"
    problem = choice.scope_problem()
    warning = (
        None
        if problem is None
        else f"warning: LSL discovery may leave this machine under {choice.path}: {problem}"
    )
    return info, warning


def configure_lsl(path: str | Path | None = None) -> Path:
    """Choose the liblsl configuration file; call before pylsl is first imported.

    The file is, in order of precedence:

    1. ``path`` (the commands' ``--lsl-config PATH``);
    2. the file named by ``RSEMON_LSL_CONFIG``;
    3. the file named by ``LSLAPICFG``, when the user set it for their LSL programs;
    4. the project's machine-scope file :data:`DEFAULT_LSL_CONFIG` (``ResolveScope =
       machine``, ``KnownPeers = {127.0.0.1}``, IPv6 off, LSL's default session).

    It is put into ``os.environ["LSLAPICFG"]``, which liblsl reads once, at its first
    use (and which child processes inherit). A user's file (1-3) is used as given,
    even when its scope is wider than this machine: the commands say so
    (:func:`config_notice`).

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
    cfg = choose_lsl_config(path).path
    current = os.environ.get("LSLAPICFG")
    if current is not None and _same_file(current, cfg):
        return cfg
    if "pylsl" in sys.modules:
        raise LslConfigError(
            f"pylsl was imported before the LSL configuration was set (LSLAPICFG="
            f"{current!r}); liblsl reads its configuration once, so {cfg} cannot take "
            "effect in this process. Import pylsl only through pipeline.lsl.get_pylsl()."
        )
    if current:
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
    ``IPv6 = disable``); no address override; ``ListenAddress``, if set, is a
    loopback address; the multicast interface and every ``KnownPeers`` entry is
    ``127.0.0.1``. The session (``SessionID``, reported as ``sessionid``) does not
    widen the scope: it only decides which streams inside it see each other.

    Returns
    -------
    dict
        The relevant settings (lower-case keys).

    Raises
    ------
    ValueError
        Naming the first setting that would let discovery leave the machine.
    """
    parser = _read_config(path)

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
        "listenaddress": get("multicast", "ListenAddress"),
        "sessionid": get("lab", "SessionID", "default"),
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
    listen = settings["listenaddress"]
    if listen and not listen.startswith("127."):
        raise ValueError(f"ListenAddress is {listen!r}, not a loopback address")
    if as_set(settings["interfaces"]) != ["127.0.0.1"]:
        raise ValueError(f"Interfaces is {settings['interfaces']!r}, not {{127.0.0.1}}")
    peers = as_set(settings["knownpeers"])
    if not peers or any(p not in ("127.0.0.1", "localhost") for p in peers):
        raise ValueError(f"KnownPeers is {settings['knownpeers']!r}, not {{127.0.0.1}}")
    return settings


def _read_config(path: str | Path) -> configparser.ConfigParser:
    """An ``lsl_api.cfg`` file as liblsl reads it (keys case-sensitive, ``;`` comments)."""
    parser = configparser.ConfigParser(inline_comment_prefixes=(";", "#"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(Path(path).read_text(encoding="utf-8"))
    return parser
