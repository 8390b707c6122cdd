"""Burst-suppression probability (BSP) with its 95 % interval, causally.

Model (Chemali et al. 2013 [1]_, after Smith & Brown 2003 [2]_)
---------------------------------------------------------------
The binary suppression series (a sample is suppressed or not: the final flags of
:class:`detectors.burst.SuppressionTracker`) is cut into bins ``k`` of
``bin_s``. In bin ``k``, ``n_k`` suppressed observations out of ``N_k`` are
binomial with probability ``p_k``; the latent state ``x_k`` is a Gaussian random
walk and ``p_k`` its logistic::

    x_k = x_{k-1} + e_k,   e_k ~ N(0, state_var)        (state_var per bin)
    p_k = 1 / (1 + exp(-x_k))
    n_k ~ Binomial(N_k, p_k)

The filter is the paper's approximate Gaussian (Laplace) filter, one bin at a time::

    x_{k|k-1} = x_{k-1|k-1}
    v_{k|k-1} = v_{k-1|k-1} + state_var
    x_{k|k}   = x_{k|k-1} + v_{k|k-1} (n_k - N_k p_{k|k})      (solved by Newton)
    v_{k|k}   = 1 / (1 / v_{k|k-1} + N_k p_{k|k} (1 - p_{k|k}))

and the BSP at bin ``k`` is the *mode* of the density of ``p_k`` implied by
``x_k ~ N(x_{k|k}, v_{k|k})`` (it solves ``logit p = x_{k|k} + v_{k|k}(2p - 1)``),
with the 95 % interval ``logistic(x_{k|k} ± 1.96 √v_{k|k})`` (exact quantiles, the
logistic being monotone), as in [1]_. A bin without a judged sample (no live
channel) is a prediction step only: the interval widens.

Artefact time is a missing observation, not a suppression and not a burst: the
engine passes the samples of hops whose window the artefact classifier blocks
(:class:`detectors.artefacts.ArtefactBatch` ``blocking``; each hop's verdict
covers its own ``hop_s`` of samples, as for the ratio in the engine) as
``missing``; they leave the bin's counts, so a bin wholly in artefact is a
prediction step: ``x`` stays, ``v`` grows by ``state_var`` per bin, and the
interval widens; a partly missing bin has fewer trials. An artefact minute thus
widens the interval without moving the estimate (tested).

Choices (ours)
--------------
[1]_ estimates the model's parameters from each recording (expectation-
maximisation), which a live monitor starting on a new patient cannot do before it
has to report, so the three figures below are fixed, chosen on synthetic burst
suppression with known ratios and marked as ours. (The paper itself was not at
hand when this was written: its own bin length and variance are not quoted here.)

- ``bin_s`` = 1 s: long enough that the Python loop over bins costs well under 1 %
  of the engine, short against the shortest burst-suppression cycle (a 0.5-s burst
  plus a 0.5-s suppression, ACNS 2021), so a bin seldom spans more than one change.
- ``trial_s`` = 0.5 s, i.e. ``N_k = bin_s / trial_s`` = 2 binomial trials per bin
  (``n_k`` = that times the suppressed share of the bin's judged samples): the
  samples of a bin are not independent trials. A suppression and a burst each
  last at least 0.5 s (ACNS 2021; :mod:`detectors.burst`), so the binary state
  cannot change more often than once per 0.5 s, and we count one trial per 0.5 s.
  Counting the 256 samples of a second as 256 trials made the interval about
  3.5 times too narrow (median width 0.06 against 0.21) and let the BSP chase
  each burst: it covered the true ratio in only 10-30 % of hops on synthetic
  burst suppression; with 0.5 s it covered it in every hop after the first
  3 min at ratios 0.3/0.7/0.9 (bench/RESULTS.md).
- ``state_var`` = 0.002 per bin (per second): the filter's steady-state memory is
  then about a minute, like the 60-s suppression ratio beside it: a step from a
  ratio of 0.3 to 0.9 reached 0.6 after 23 s and stayed within 0.12 of 0.9 from
  65 s on (the 60-s ratio: 30 s and 53 s; bench/RESULTS.md). A larger variance
  follows faster but widens the interval (0.004: width 0.25 against 0.21).
- The state starts at ``x_0 = 0`` (p = 0.5) with ``v_0 = 4`` (the interval spans
  nearly 0–1 before any data) and restarts there on a gap (:meth:`reset`).

Streaming: ``push`` takes the final flags in any chunking; a partial bin is kept
for the next push, so the result does not depend on the chunking. The flags lag
the signal by ``min_suppression_s`` (0.5 s) and the BSP at a hop is that of the
last complete bin, so it lags by at most 1.5 s, immaterial to titration.

References
----------
.. [1] Chemali J, Ching S, Purdon PL, Solt K, Brown EN. Burst suppression
   probability algorithms: state-space methods for tracking EEG burst suppression.
   J Neural Eng 2013;10:056017.
.. [2] Smith AC, Brown EN. Estimating a state-space model from point process
   observations. Neural Comput 2003;15:965-991.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rse_monitor.pipeline.checks import positive

__all__ = [
    "BIN_S",
    "STATE_VAR",
    "TRIAL_S",
    "BspStats",
    "BurstSuppressionProbability",
    "bsp_filter",
    "bsp_interval",
    "bsp_mode",
]

#: Bin length, s (ours; see the module docstring).
BIN_S = 1.0
#: Seconds of the binary series worth one independent binomial trial (ours).
TRIAL_S = 0.5
#: Random-walk variance of the logit state per 1-s bin (ours).
STATE_VAR = 0.002
#: Prior of the state at the start and after a gap: mean and variance (logit).
X0, V0 = 0.0, 4.0
#: Two-sided 95 % normal quantile.
Z95 = 1.959963984540054
_NEWTON_STEPS = 4


@dataclass(frozen=True)
class BspStats:
    """The BSP at each hop (arrays of shape (n_hops,); NaN before the first bin).

    ``x`` and ``v`` are the posterior mean and variance of the logit state.
    """

    bsp: NDArray[np.float64]
    lo: NDArray[np.float64]
    hi: NDArray[np.float64]
    x: NDArray[np.float64]
    v: NDArray[np.float64]


def bsp_filter(
    n_supp: NDArray[np.float64],
    n_trials: NDArray[np.float64],
    x0: float,
    v0: float,
    state_var: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Approximate Gaussian filter of Chemali et al. 2013 over a run of bins.

    Parameters
    ----------
    n_supp, n_trials : ndarray, shape (n_bins,)
        Suppressed observations and trials per bin (may be fractional; a bin with
        ``n_trials`` 0 is a prediction step only).
    x0, v0 : float
        Posterior mean and variance of the logit state before the first bin.
    state_var : float
        Random-walk variance per bin.

    Returns
    -------
    x, v : ndarray, shape (n_bins,)
        Posterior mean and variance of the logit state after each bin.

    Notes
    -----
    The update ``x = x_p + v_p (n - N logistic(x))`` is solved by Newton's method
    from ``x_p`` (the function is monotone, so a few steps converge to 1e-10).
    One scalar loop: O(1) per bin.
    """
    nb = len(n_supp)
    xs = np.empty(nb)
    vs = np.empty(nb)
    x, v = float(x0), float(v0)
    exp = math.exp
    for k, (nk, tk) in enumerate(zip(n_supp.tolist(), n_trials.tolist(), strict=True)):
        vp = v + state_var
        if tk > 0.0:
            xp = x
            for _ in range(_NEWTON_STEPS):
                p = 1.0 / (1.0 + exp(-x)) if x > -700.0 else 0.0
                g = x - xp - vp * (nk - tk * p)
                x -= g / (1.0 + vp * tk * p * (1.0 - p))
            p = 1.0 / (1.0 + exp(-x)) if x > -700.0 else 0.0
            v = 1.0 / (1.0 / vp + tk * p * (1.0 - p))
        else:
            v = vp
        xs[k] = x
        vs[k] = v
    return xs, vs


def _logistic(x: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free
    return out


def bsp_mode(x: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mode of ``p = logistic(z)``, ``z ~ N(x, v)`` (Chemali et al. 2013's BSP).

    The density of ``p`` is ``N(logit p; x, v) / (p (1 - p))``; its mode solves
    ``z = x + v (2 logistic(z) - 1)`` for ``z = logit p``, found by Newton's method
    (a few vectorised steps). For ``v >= 2`` the density is U-shaped with no
    interior mode (only right after a reset, under the prior ``V0``); the median
    ``logistic(x)`` is returned there. Shapes broadcast; NaN propagates.
    """
    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    vm = np.minimum(v, 1.9)
    z = x.copy()
    for _ in range(8):
        p = _logistic(z)
        g = z - x - vm * (2.0 * p - 1.0)
        z = z - g / (1.0 - 2.0 * vm * p * (1.0 - p))
    return np.where(v < 2.0, _logistic(z), _logistic(x))


def bsp_interval(
    x: NDArray[np.float64], v: NDArray[np.float64], z: float = Z95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Equal-tailed interval of ``logistic(N(x, v))``: ``logistic(x ± z √v)``."""
    sd = np.sqrt(np.asarray(v, dtype=np.float64))
    return _logistic(x - z * sd), _logistic(x + z * sd)


class BurstSuppressionProbability:
    """Streaming BSP from the tracker's final per-sample suppression flags.

    Parameters
    ----------
    sfreq_hz : float
        Sampling rate of the flags, Hz.
    bin_s : float
        Bin length, s (:data:`BIN_S`).
    trial_s : float
        Seconds of the series worth one binomial trial (:data:`TRIAL_S`).
    state_var_per_s : float
        Random-walk variance of the logit state per second (:data:`STATE_VAR` per
        1-s bin); scaled to the bin length.

    Notes
    -----
    The bin length may not be an integer number of samples: each bin holds
    ``round(bin_s × sfreq_hz)`` samples. See the module docstring for the model.
    """

    def __init__(
        self,
        sfreq_hz: float,
        bin_s: float = BIN_S,
        trial_s: float = TRIAL_S,
        state_var_per_s: float = STATE_VAR / BIN_S,
    ) -> None:
        positive("sfreq_hz", sfreq_hz)
        positive("bin_s", bin_s)
        positive("trial_s", trial_s)
        positive("state_var_per_s", state_var_per_s)
        self.sfreq_hz = float(sfreq_hz)
        self.bin_s = float(bin_s)
        self.trial_s = float(trial_s)
        self.state_var_per_s = float(state_var_per_s)
        self._n_bin = max(1, int(round(bin_s * sfreq_hz)))
        self._state_var = self.state_var_per_s * self._n_bin / self.sfreq_hz
        self._trials_per_sample = 1.0 / (self.trial_s * self.sfreq_hz)
        self.reset()

    def reset(self) -> None:
        """Back to the prior (start, or a gap in the stream)."""
        self.x, self.v = X0, V0
        self.n_bins = 0  # complete bins filtered since the reset
        self._n_in = 0  # flags received since the reset
        self._left_supp = np.zeros(0, dtype=bool)  # flags not yet in a filtered bin
        self._left_live = np.zeros(0, dtype=bool)
        self._left_missing = np.zeros(0, dtype=bool)  # missing flags not yet filtered
        self.n_judged = 0  # samples since the reset whose missing flag was given

    def push(
        self,
        suppressed: NDArray[np.bool_],
        dead: NDArray[np.bool_],
        n_final_at_hops: NDArray[np.int64],
        missing: NDArray[np.bool_] | None = None,
    ) -> BspStats:
        """Add consecutive final flags; report the BSP at each hop.

        Parameters
        ----------
        suppressed, dead : ndarray of bool, shape (n,)
            Final per-sample flags (suppressed; no live channel, i.e. not judged),
            following those of the previous push.
        n_final_at_hops : ndarray of int, shape (n_hops,)
            Per hop, the number of flags since the reset that were final at it (at
            most those received so far); the BSP at a hop is that of the last bin
            complete within them.
        missing : ndarray of bool, shape (n_missing,), optional
            Per-sample "not an observation" flags (e.g. artefact time), consecutive
            across pushes since the reset like the flags, but running ahead of or
            behind them: a bin is filtered once both its flags and its missing flags
            are in. A missing sample is neither suppressed nor burst: a bin of them
            is a prediction step only (the interval widens, the estimate stays).
            None: every flag received is judged (as without artefact knowledge).

        Returns
        -------
        BspStats
        """
        supp = np.asarray(suppressed, dtype=bool)
        dead = np.asarray(dead, dtype=bool)
        if supp.shape != dead.shape or supp.ndim != 1:
            raise ValueError(
                f"suppressed and dead must be 1-D of one shape, got {supp.shape} and {dead.shape}"
            )
        if missing is None:
            # everything received so far is judged, nothing is missing
            gap = max(0, self._n_in + supp.size - self.n_judged)
            miss = np.zeros(gap, dtype=bool)
        else:
            miss = np.asarray(missing, dtype=bool)
            if miss.ndim != 1:
                raise ValueError(f"missing must be 1-D, got shape {miss.shape}")
        hops = np.atleast_1d(np.asarray(n_final_at_hops, dtype=np.int64))
        nb0, x_start, v_start = self.n_bins, self.x, self.v
        live_all = np.concatenate([self._left_live, ~dead])
        s_all = np.concatenate([self._left_supp, supp & ~dead])
        miss_all = np.concatenate([self._left_missing, miss])
        self.n_judged += miss.size
        m = self._n_bin
        n_full = min(live_all.size, miss_all.size) // m
        use = n_full * m
        live = live_all[:use] & ~miss_all[:use]
        s = s_all[:use] & ~miss_all[:use]
        if n_full:
            cnt_live = live.reshape(n_full, m).sum(axis=1, dtype=np.float64)
            cnt_supp = s.reshape(n_full, m).sum(axis=1, dtype=np.float64)
            k = self._trials_per_sample
            xs, vs = bsp_filter(cnt_supp * k, cnt_live * k, self.x, self.v, self._state_var)
            self.x, self.v = float(xs[-1]), float(vs[-1])
        else:
            xs = vs = np.zeros(0)
        self._left_live = live_all[use:]
        self._left_supp = s_all[use:]
        self._left_missing = miss_all[use:]
        self._n_in += supp.size
        self.n_bins += n_full
        # state after bin j (absolute, 1-based count) for each hop
        done = np.minimum(hops, self._n_in) // m  # complete bins at each hop
        x_all = np.concatenate([[x_start], xs])
        v_all = np.concatenate([[v_start], vs])
        idx = np.clip(done - nb0, 0, n_full)
        x_h, v_h = x_all[idx], v_all[idx]
        none = done <= 0
        x_h = np.where(none, np.nan, x_h)
        v_h = np.where(none, np.nan, v_h)
        lo, hi = bsp_interval(x_h, v_h)
        return BspStats(bsp_mode(x_h, v_h), lo, hi, x_h, v_h)
