"""The one data model that crosses the ingest boundary.

Every source (EDF/BDF file, LSL stream, synthetic generator) converts its samples
exactly once into a :class:`Chunk`: float64 microvolts, channels first, with the
time of the first sample in seconds from the start of the recording. Everything
downstream trusts it and never converts units again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from rse_monitor.pipeline.checks import count, positive


@dataclass(frozen=True)
class Chunk:
    """A block of contiguous multichannel EEG samples.

    Parameters
    ----------
    data_uv : ndarray, shape (n_channels, n_samples)
        Samples in microvolts (float64). For recordings whose scale is unknown
        (``unit_known=False``) the values are in the file's physical units.
    t0_s : float
        Time of the first sample, seconds from the start of the recording.
    sfreq_hz : float
        Sampling rate in Hz.
    ch_names : tuple of str
        One name per row of ``data_uv``.
    gap_before : bool
        True when samples are missing between the previous chunk and this one
        (a discontinuity or a stream drop-out). Stateful stages restart cleanly.
    unit_known : bool
        False when the source does not state that its values are volts
        (e.g. raw amplifier units); detectors must then be scale-free.
    """

    data_uv: NDArray[np.float64]
    t0_s: float
    sfreq_hz: float
    ch_names: tuple[str, ...]
    gap_before: bool = False
    unit_known: bool = True
    meta: dict[str, object] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        data = self.data_uv
        if not isinstance(data, np.ndarray) or data.ndim != 2:
            raise ValueError(
                f"data_uv must be a 2-D array (n_channels, n_samples), got "
                f"{type(data).__name__} with shape {getattr(data, 'shape', None)}"
            )
        if data.dtype != np.float64:
            raise TypeError(f"data_uv must be float64, got {data.dtype}")
        if len(self.ch_names) != data.shape[0]:
            raise ValueError(
                f"ch_names has {len(self.ch_names)} names for {data.shape[0]} channels"
            )
        positive("sfreq_hz", self.sfreq_hz)

    @property
    def n_channels(self) -> int:
        return int(self.data_uv.shape[0])

    @property
    def n_samples(self) -> int:
        return int(self.data_uv.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.sfreq_hz

    @property
    def t_end_s(self) -> float:
        """Time just after the last sample (``t0_s + n_samples / sfreq_hz``)."""
        return self.t0_s + self.duration_s

    def times_s(self) -> NDArray[np.float64]:
        """Sample times in seconds from the recording start, shape (n_samples,)."""
        return self.t0_s + np.arange(self.n_samples) / self.sfreq_hz

    def split(self, n_samples: int) -> list[Chunk]:
        """Cut into consecutive chunks of at most ``n_samples`` samples (for tests)."""
        count("n_samples", n_samples)
        out = []
        for start in range(0, self.n_samples, n_samples):
            out.append(
                Chunk(
                    np.ascontiguousarray(self.data_uv[:, start : start + n_samples]),
                    self.t0_s + start / self.sfreq_hz,
                    self.sfreq_hz,
                    self.ch_names,
                    gap_before=self.gap_before and start == 0,
                    unit_known=self.unit_known,
                )
            )
        return out
