"""The recording clock of a live stream: a line fitted through the LSL timestamps.

Recording time is the sample count: sample ``k`` of a stream is at ``k / sfreq_hz``
seconds, exactly as in offline replay, so a file streamed live gives the same hop
times as the file replayed. LSL timestamps (with liblsl's clock synchronisation,
``proc_clocksync``, i.e. the outlet's clock mapped onto this machine's clock) place
the samples on that clock: :class:`ClockFit`, a local least-squares line through the
timestamps of the chunks (exponential forgetting, half-life 90 s, the smoothing
liblsl's own dejitter uses), gives the dejittered time of every sample and the
effective sampling rate. liblsl's built-in dejitter (``proc_dejitter``) is not used
because it smooths a real gap away (a 2-s drop-out comes out as 30 samples spaced a
few ms too far apart; measured with pylsl 1.18.6), which would hide the gap.
:class:`~pipeline.lsl.source.LslSource` uses the fit to find gaps and rate drift.

References
----------
.. [1] Kothe C et al. The Lab Streaming Layer for synchronized multimodal recording.
   bioRxiv 2024. doi:10.1101/2024.02.13.580071 (clock synchronisation by NTP-like
   probes, timestamp post-processing).
.. [2] West DHD. Updating mean and variance estimates: an improved method.
   Commun ACM 1979;22(9):532-5. doi:10.1145/359146.359153
"""

from __future__ import annotations

import math

__all__ = ["ClockFit"]


class ClockFit:
    """Exponentially weighted least-squares line ``t = a + b·n`` through timestamps.

    One point per chunk (the chunk's last sample, whose stamp is the push time for an
    outlet that stamps its chunks). Weights decay with half-life ``halflife_s`` of
    stream time, as liblsl's dejitter does [1]_. Until the points span ``min_span_s``
    the slope is the nominal period. Mean/co-moment updates (West 1979 [2]_) keep the
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
