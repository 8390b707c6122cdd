"""The machine-scope LSL configuration, and the one way to get pylsl.

liblsl (pylsl >= 1.18.6, whose wheel carries liblsl 1.18) reads its configuration
once, at its first use, from the file named by the ``LSLAPICFG`` environment
variable. The project's file ``pipeline/lsl_machine.cfg`` keeps discovery on this
machine (``ResolveScope = machine``, no IPv4 multicast group, unicast discovery to
``KnownPeers = {127.0.0.1}`` only, IPv6 off). Every module gets pylsl through
:func:`get_pylsl`, which sets ``LSLAPICFG`` (:func:`configure_lsl`) before pylsl is
first imported and refuses to hand out a pylsl that was imported under another
configuration; this module holds the project's only ``import pylsl``. A ward network
passes its own file (``--lsl-config PATH`` or ``RSEMON_LSL_CONFIG``);
:func:`check_machine_scope` says whether a file keeps discovery on this machine.

References
----------
.. [1] liblsl configuration file (``lsl_api.cfg``): ``[multicast] ResolveScope``,
   ``[lab] KnownPeers``, ``[ports] IPv6``,
   https://labstreaminglayer.readthedocs.io/info/lslapicfg.html
"""

from __future__ import annotations

import configparser
import logging
import os
import sys
from pathlib import Path
from types import ModuleType

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_LSL_CONFIG",
    "LslConfigError",
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
