"""Electrode layout of the synthetic EEG: the 10-20 channel set and scalp geometry.

:data:`DEFAULT_CHANNELS_19` is the 19-channel 10-20 set every generator uses by
default; :data:`ELECTRODE_POSITIONS` places 10-20 electrodes (also the 10-10 names
T7/T8/P7/P8) on the unit disc. The distances between them make scalp neighbours
coherent in the background (:func:`spatial_mixing`), let a focal seizure spread
(:func:`distance_matrix`), place the field of a generalized discharge
(:func:`field_distance`) and the posterior alpha rhythm (:func:`posterior_weight`).

References
----------
.. [1] Jasper HH. The ten-twenty electrode system of the International Federation.
   Electroencephalogr Clin Neurophysiol 1958;10:371-375.
"""

from __future__ import annotations

import math

import numpy as np

from rse_monitor.recordings.synthetic._common import FloatArray

__all__ = [
    "DEFAULT_CHANNELS_19",
    "ELECTRODE_POSITIONS",
    "distance_matrix",
    "field_distance",
    "posterior_weight",
    "spatial_mixing",
]

DEFAULT_CHANNELS_19: tuple[str, ...] = (
    "Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8",
    "T3", "C3", "Cz", "C4", "T4",
    "T5", "P3", "Pz", "P4", "T6",
    "O1", "O2",
)  # fmt: skip

# Approximate azimuthal projection of the 10-20 system on the unit disc (x to the
# right ear, y to the nose, Cz at the origin, the 10-20 "equator" at radius 0.8).
ELECTRODE_POSITIONS: dict[str, tuple[float, float]] = {
    "FP1": (-0.25, 0.76), "FPZ": (0.0, 0.80), "FP2": (0.25, 0.76),
    "F7": (-0.65, 0.47), "F3": (-0.33, 0.42), "FZ": (0.0, 0.40),
    "F4": (0.33, 0.42), "F8": (0.65, 0.47),
    "T3": (-0.80, 0.0), "T7": (-0.80, 0.0), "C3": (-0.40, 0.0), "CZ": (0.0, 0.0),
    "C4": (0.40, 0.0), "T4": (0.80, 0.0), "T8": (0.80, 0.0),
    "T5": (-0.65, -0.47), "P7": (-0.65, -0.47), "P3": (-0.33, -0.42),
    "PZ": (0.0, -0.40), "P4": (0.33, -0.42), "T6": (0.65, -0.47), "P8": (0.65, -0.47),
    "O1": (-0.25, -0.76), "OZ": (0.0, -0.80), "O2": (0.25, -0.76),
    "A1": (-1.0, 0.0), "A2": (1.0, 0.0),
}  # fmt: skip

_SPATIAL_SIGMA = 0.25  # width of the neighbour-coherence kernel (unit-disc distance)


def positions(ch_names: tuple[str, ...]) -> list[tuple[float, float] | None]:
    out: list[tuple[float, float] | None] = []
    for name in ch_names:
        key = name.upper().replace("EEG", "").strip().split("-")[0].strip()
        out.append(ELECTRODE_POSITIONS.get(key))
    return out


def distance_matrix(ch_names: tuple[str, ...]) -> FloatArray:
    """Pairwise scalp distances (unit disc); NaN where a position is unknown."""
    pos = positions(ch_names)
    xy = np.array([p if p is not None else (np.nan, np.nan) for p in pos])
    return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))


def spatial_mixing(ch_names: tuple[str, ...]) -> FloatArray:
    """Row-normalised mixing of independent sources: ``M_ij = exp(-d_ij² / 2σ²)``.

    Channels without a known position mix only with themselves.
    """
    d = distance_matrix(ch_names)
    m = np.exp(-0.5 * (d / _SPATIAL_SIGMA) ** 2)
    m[np.isnan(m)] = 0.0
    np.fill_diagonal(m, 1.0)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def field_distance(ch_names: tuple[str, ...]) -> FloatArray:
    """Scalp distance of each channel from the frontocentral midline (Fz-Cz), 0 if unknown."""
    pos = positions(ch_names)
    centre = np.array([0.0, 0.2])
    return np.array(
        [0.0 if p is None else float(np.hypot(p[0] - centre[0], p[1] - centre[1])) for p in pos]
    )


def posterior_weight(ch_names: tuple[str, ...]) -> FloatArray:
    """Alpha-rhythm weight, ~1 at O1/O2, ~0.75 at P3/Pz/P4, ~0.07 at Cz, ~0 frontally."""
    weights = []
    for pos in positions(ch_names):
        if pos is None:
            weights.append(0.3)
        else:
            weights.append(1.0 / (1.0 + math.exp((pos[1] + 0.3) / 0.12)))
    return np.array(weights)
