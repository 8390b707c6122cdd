"""The synthetic recording and its ground truth (:class:`SyntheticRecording`).

What every generator of :mod:`recordings.synthetic` returns: float64 µV shaped
``(n_channels, n_samples)`` with the true seizure, burst, suppression and artefact
intervals, and the true suppression ratio of any trailing window.

References
----------
.. [1] Hirsch LJ et al. American Clinical Neurophysiology Society's Standardized
   Critical Care EEG Terminology: 2021 Version. J Clin Neurophysiol 2021;38:1-29
   (burst suppression: suppression < 10 µV for >= 50 % of the record).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rse_monitor.pipeline.checks import positive
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.recordings.synthetic._common import BoolArray, FloatArray, check_sfreq

__all__ = ["SyntheticRecording"]


@dataclass
class SyntheticRecording:
    """A synthetic recording and its ground truth.

    Parameters
    ----------
    data_uv : ndarray, shape (n_channels, n_samples)
        Samples in microvolts (float64).
    sfreq_hz : float
        Sampling rate in Hz.
    ch_names : tuple of str
        One name per row of ``data_uv``.
    seizures : list of (onset_s, offset_s)
        True seizure intervals, seconds from the recording start, offset exclusive.
    suppressed_mask : ndarray of bool, shape (n_samples,), or None
        True where the whole head is truly suppressed (burst-suppression floor);
        None when the generator makes no statement about suppression.
    bursts : list of (start_s, end_s)
        True burst intervals.
    artefacts : list of (start_s, end_s, kind)
        Artefact intervals and their kind (see :func:`add_artefacts`).
    artefact_channels : list of tuple of str
        The channels each entry of ``artefacts`` affects (same order).
    """

    data_uv: FloatArray
    sfreq_hz: float
    ch_names: tuple[str, ...]
    seizures: list[tuple[float, float]] = field(default_factory=list)
    suppressed_mask: BoolArray | None = None
    bursts: list[tuple[float, float]] = field(default_factory=list)
    artefacts: list[tuple[float, float, str]] = field(default_factory=list)
    artefact_channels: list[tuple[str, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        data = self.data_uv
        if not isinstance(data, np.ndarray) or data.ndim != 2:
            raise ValueError(
                f"data_uv must be a 2-D array (n_channels, n_samples), got "
                f"{type(data).__name__} with shape {getattr(data, 'shape', None)}"
            )
        if data.dtype != np.float64:
            raise TypeError(f"data_uv must be float64, got {data.dtype}")
        self.ch_names = tuple(self.ch_names)
        if len(self.ch_names) != data.shape[0]:
            raise ValueError(
                f"ch_names has {len(self.ch_names)} names for {data.shape[0]} channels"
            )
        check_sfreq(self.sfreq_hz)
        if self.suppressed_mask is not None:
            mask = np.asarray(self.suppressed_mask)
            if mask.dtype != np.bool_ or mask.shape != (data.shape[1],):
                raise ValueError(
                    f"suppressed_mask must be a bool array of shape ({data.shape[1]},), "
                    f"got {mask.dtype} {mask.shape}"
                )
            self.suppressed_mask = mask

    @property
    def n_channels(self) -> int:
        return int(self.data_uv.shape[0])

    @property
    def n_samples(self) -> int:
        return int(self.data_uv.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.sfreq_hz

    def times_s(self) -> FloatArray:
        """Sample times in seconds from the recording start, shape (n_samples,)."""
        return np.arange(self.n_samples) / self.sfreq_hz

    def to_chunk(self) -> Chunk:
        """The whole recording as one :class:`Chunk` starting at ``t0_s = 0``.

        The data are shared, not copied. When the recording has a suppression truth it
        is passed along as ``chunk.meta["suppressed_mask"]``.
        """
        meta: dict[str, object] = {}
        if self.suppressed_mask is not None:
            meta["suppressed_mask"] = self.suppressed_mask
        return Chunk(
            np.ascontiguousarray(self.data_uv),
            0.0,
            float(self.sfreq_hz),
            self.ch_names,
            meta=meta,
        )

    def suppression_ratio_truth(self, t_end_s: float, window_s: float = 60.0) -> float:
        """True suppression ratio of the window ``[t_end_s - window_s, t_end_s)``.

        ``ratio = n_suppressed / n_window`` over the samples whose times fall in the
        window (clipped at the recording start), i.e. the quantity the ACNS 2021
        definition [1]_ asks a monitor to estimate over a trailing 60-s epoch.

        Parameters
        ----------
        t_end_s : float
            End of the window (exclusive), seconds; 0 < t_end_s <= duration.
        window_s : float
            Window length in seconds, > 0.

        Returns
        -------
        float
            Fraction in [0, 1].
        """
        if self.suppressed_mask is None:
            raise ValueError("this recording has no suppression truth (suppressed_mask is None)")
        positive("window_s", window_s)
        fs = self.sfreq_hz
        if not (0 < t_end_s <= self.duration_s + 0.5 / fs):
            raise ValueError(f"t_end_s must be in (0, {self.duration_s}] s, got {t_end_s!r}")
        stop = min(self.n_samples, int(math.ceil(t_end_s * fs - 1e-9)))
        start = max(0, int(math.ceil((t_end_s - window_s) * fs - 1e-9)))
        if stop <= start:
            raise ValueError(f"window [{t_end_s - window_s}, {t_end_s}) s holds no sample")
        return float(np.count_nonzero(self.suppressed_mask[start:stop]) / (stop - start))
