"""Voltage units: the one table from a unit string to the factor that gives microvolts.

Every source converts its samples to µV exactly once, at ingest: an EDF/BDF file by
the physical dimension of each signal (:mod:`pipeline.ingest`), an LSL stream by the
``unit`` of each channel in its description (:mod:`pipeline.lsl.info`). Both look the
unit up here, so a unit accepted by one is accepted by the other.

Accepted: the volt with the SI prefixes milli, micro and nano, as symbols (``V``,
``mV``, ``uV``/``µV``/``μV``, ``nV``; EDF's physical dimension [1]_) or spelled out
(``volts``, ``millivolts``, ``microvolts`` — the XDF convention [2]_ — ``nanovolt``),
in any case and with or without spaces. Anything else (``counts``, ``%``, ``a.u.``,
an empty string) is not a voltage: the caller then keeps the values as given and
says the scale is unknown.

Examples
--------
>>> unit_scale_to_uv("mV")
1000.0
>>> unit_scale_to_uv("Microvolts")
1.0
>>> unit_scale_to_uv("counts") is None
True

References
----------
.. [1] Kemp B, Olivan J. European data format 'plus' (EDF+), an EDF alike standard
   format for the exchange of physiological data. Clin Neurophysiol
   2003;114:1755-1761 (physical dimension of a signal, e.g. ``uV``).
.. [2] XDF/LSL meta-data conventions for EEG streams (channel ``unit``, e.g.
   ``microvolts``), https://github.com/sccn/xdf/wiki/EEG-Meta-Data
"""

from __future__ import annotations

import re

__all__ = ["UNIT_TO_UV", "unit_scale_to_uv"]

#: Microvolts per unit, by unit symbol in lower case (``µ`` is U+00B5, ``μ`` U+03BC).
UNIT_TO_UV: dict[str, float] = {
    "v": 1e6,
    "mv": 1e3,
    "uv": 1.0,
    "µv": 1.0,
    "μv": 1.0,
    "nv": 1e-3,
}

_PREFIX_WORDS = (("milli", "m"), ("micro", "u"), ("nano", "n"))
_VOLT_WORD = re.compile(r"volts?$")


def unit_scale_to_uv(unit: str | None) -> float | None:
    """Factor that turns values in ``unit`` into µV; None when the unit is not a volt.

    The unit is reduced to a symbol first (lower case, spaces removed, ``volt(s)``
    → ``v``, a spelled-out prefix → its symbol), then looked up in :data:`UNIT_TO_UV`.

    Parameters
    ----------
    unit : str or None
        A unit as a file header or a stream description gives it.

    Returns
    -------
    float or None
        µV per ``unit``; None for None, an empty string or a unit that is not a volt.
    """
    if unit is None:
        return None
    key = _VOLT_WORD.sub("v", unit.strip().lower().replace(" ", ""))
    for word, symbol in _PREFIX_WORDS:
        if key.startswith(word):
            key = symbol + key[len(word) :]
            break
    return UNIT_TO_UV.get(key)
