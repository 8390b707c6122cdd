"""The engine that runs one bed from chunks to hop results.

``BedEngine.push(chunk)`` takes raw chunks from any source (EDF replay, LSL, the
synthetic generator) and returns one :class:`HopResult` per hop: the features of the
window that just ended, the seizure detector's decision, the burst-suppression
figures and depth, and the alerts raised at that hop. The same engine runs offline
and live, so a file replayed gives the same results as the file streamed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detectors.acns.tracker import RULE_CONFIDENCE, PatternEpisode, PatternTracker, PatternWindow
from detectors.alerts import Alert, Severity
from detectors.burden import SeizureBurden
from detectors.burst import DepthClassifier, SuppressionTracker
from detectors.seizure import DetectedSeizure, SeizureDetector
from monitoring.settings import EngineConfig
from pipeline.chunk import Chunk
from pipeline.features import (
    BANDS_HZ,
    Scratch,
    homologous_pairs,
    windowed_band_coherence,
    windowed_line_length,
    windowed_psd,
    windowed_rms,
)
from pipeline.preprocess import BipolarMontage, CausalFilter, WindowBatch, Windower

__all__ = ["EngineConfig", "HopResult", "BedEngine"]


@dataclass
class HopResult:
    """Everything known about a bed at the end of one analysis window."""

    t_s: float
    suppression_ratio: float
    line_length: float
    coherence: float
    ictal: bool
    depth: str
    seizure_score: float
    rms_uv: float
    bursts_per_min: float
    ibi_median_s: float
    band_power_uv2: dict[str, float]
    n_good_channels: int
    spectrum_db: list[float] | None = None
    alerts: list[Alert] = field(default_factory=list)
    seizure_burden_5min: float = 0.0
    seizure_burden_60min: float = 0.0
    ictal_run_s: float = 0.0
    #: the ACNS 2021 term of the newest judged 10-s window ("LPD+F"; "" for none)
    pattern: str = ""
    pattern_hz: float = math.nan
    #: the ACNS electrographic-seizure rule holds at the newest judged window
    acns_seizure: bool = False
    #: the newest judged window is in the ictal-interictal continuum (ACNS 2021)
    iic: bool = False

    TREND_COLUMNS = (
        "t_s", "suppression_ratio", "line_length", "coherence", "ictal", "depth",
        "seizure_score", "rms_uv", "bursts_per_min", "ibi_median_s",
        "delta_uv2", "theta_uv2", "alpha_uv2", "beta_uv2", "n_good_channels",
        "seizure_burden_5min", "seizure_burden_60min", "pattern", "pattern_hz",
    )  # fmt: skip
    #: decimals of each column in ``trends.csv`` (None: as is)
    _DIGITS = (3, 4, 3, 4, None, None, 4, 3, 2, 2, 3, 3, 3, 3, None, 4, 4, None, 2)

    def trend_values(self) -> tuple[Any, ...]:
        """The :attr:`TREND_COLUMNS` of this hop: floats (None where not finite),
        ``ictal`` and ``n_good_channels`` as int, ``depth`` as str. The one mapping
        from a hop to a trend row, for ``trends.csv`` and the store alike."""

        def num(v: Any) -> float | None:
            return None if v is None or not math.isfinite(v) else float(v)

        bp = self.band_power_uv2 or {}
        return (
            float(self.t_s), num(self.suppression_ratio), num(self.line_length),
            num(self.coherence), int(bool(self.ictal)), str(self.depth),
            num(self.seizure_score), num(self.rms_uv), num(self.bursts_per_min),
            num(self.ibi_median_s), num(bp.get("delta")), num(bp.get("theta")),
            num(bp.get("alpha")), num(bp.get("beta")), int(self.n_good_channels),
            num(self.seizure_burden_5min), num(self.seizure_burden_60min),
            str(self.pattern), num(self.pattern_hz),
        )  # fmt: skip

    def trend_row(self) -> list[Any]:
        """The row of ``trends.csv`` (rounded; empty where not finite)."""
        return [
            "" if v is None else (v if d is None else round(v, d))
            for v, d in zip(self.trend_values(), self._DIGITS, strict=True)
        ]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["alerts"] = [a.to_dict() for a in self.alerts]
        for k, v in list(d.items()):
            if isinstance(v, float) and not math.isfinite(v):
                d[k] = None
        return d


class BedEngine:
    """One bed: montage → causal filters → windows → features → detectors.

    Parameters
    ----------
    sfreq_hz : float
    ch_names : tuple of str
        Channel names of the incoming chunks.
    unit_known : bool
        False when the source's values are not in µV (burst suppression, which
        needs absolute µV, is then reported as unknown).
    config : EngineConfig
    """

    def __init__(
        self,
        sfreq_hz: float,
        ch_names: tuple[str, ...],
        unit_known: bool = True,
        config: EngineConfig | None = None,
    ) -> None:
        self.config = cfg = config or EngineConfig()
        self.sfreq_hz = float(sfreq_hz)
        self.in_ch_names = tuple(ch_names)
        self.unit_known = unit_known
        self.montage = BipolarMontage(ch_names, enabled=cfg.montage)
        self.ch_names = self.montage.ch_names
        n = len(self.ch_names)
        self.filter = CausalFilter(sfreq_hz, n, cfg.l_freq_hz, cfg.h_freq_hz, cfg.notch_hz)
        self.windower = Windower(sfreq_hz, n, cfg.window_s, cfg.hop_s)
        self.tracker = SuppressionTracker(
            sfreq_hz, n, cfg.suppression_threshold_uv, cfg.min_suppression_s,
            window_s=cfg.suppression_window_s,
        )  # fmt: skip
        self.depth = DepthClassifier(cfg.depth_hold_s)
        #: the ACNS 2021 rules on 10-s windows (absolute criteria: µV only)
        self.patterns = PatternTracker(sfreq_hz, self.ch_names) if cfg.acns and unit_known else None
        self.detector = SeizureDetector(
            self.ch_names, hop_s=cfg.hop_s, hold_background=self.patterns is not None
        )
        self._acns_event: DetectedSeizure | None = None  # open ACNS electrographic seizure
        self._acns_quiet_from: float | None = None  # start of a window without the criteria
        self._union: DetectedSeizure | None = None  # the seizure reported (either source)
        self._union_end_s = -math.inf
        self._union_sources: set[str] = set()
        self.burden = SeizureBurden(cfg.hop_s)  # across gaps: missing time is not seizure
        pairs = homologous_pairs(self.ch_names)
        self.coherence_kind = "homologous"
        if not pairs:
            pairs = [(i, i + 1, f"{self.ch_names[i]}~{self.ch_names[i + 1]}") for i in range(n - 1)]
            self.coherence_kind = "neighbouring"
        self.pairs = [(i, j) for i, j, _ in pairs]
        self.pair_names = [name for _, _, name in pairs]
        self._tracker_piece = max(256, 65536 // max(1, n))  # samples per tracker push
        self._scratch_psd, self._scratch_coh = Scratch(), Scratch()  # work memory
        self.events: list[DetectedSeizure] = []
        self.n_hops = 0
        self._t_last_s: float | None = None
        self._bad_reported: set[str] = set()
        self.n_gaps = 0

    def reset_stages(self) -> None:
        """Restart filters, windows and trackers cleanly (after a gap in the data)."""
        self.filter.reset()
        self.windower.reset()
        self.tracker.reset()
        self._reset_patterns()

    def _reset_patterns(self) -> None:
        if self.patterns is not None:
            self.patterns.reset()
            self.detector.release_background(math.inf, keep=True)  # never judged: as before

    # -- the hot path -------------------------------------------------------------
    def push(self, chunk: Chunk) -> list[HopResult]:
        """Process one raw chunk; return the results of the hops that completed."""
        if chunk.sfreq_hz != self.sfreq_hz:
            raise ValueError(f"chunk rate {chunk.sfreq_hz} Hz differs from {self.sfreq_hz} Hz")
        if chunk.gap_before:
            self.n_gaps += 1
        mont = self.montage.push(chunk)
        filt = self.filter.push(mont)
        batch = self.windower.push(filt, raw=mont)
        sr_stats = None
        if len(batch):
            good = self._good_channels(batch)
        else:
            good = np.zeros((0, len(self.ch_names)), dtype=bool)
        # the tracker sees every montaged sample once, before the engine's 0.5 Hz
        # high-pass (whose tail after a burst would lengthen it), applies its own
        # 1-20 Hz band, and excludes flat channels sample by sample, so its output
        # does not depend on the chunking
        if chunk.gap_before:
            self.tracker.reset()
            self._reset_patterns()
        if self.patterns is not None:
            self.patterns.push(filt.data_uv, filt.t0_s)
        sr_stats = self._track(mont, batch.t_end_s)
        if not len(batch):
            return []
        return self._hops(batch, good, sr_stats)

    def _track(self, filt: Chunk, hop_t_s: NDArray[np.float64]) -> Any:
        """Feed the suppression tracker in pieces of a few seconds.

        The tracker's result does not depend on how the samples are cut. Pieces of
        64 k samples over all channels (14 s of 18 channels at 256 Hz, 0.5 MB per
        float array) keep its temporaries in cache; a whole 60-s chunk at once cost
        about 40 % more time when measured with ``bench/throughput.py``.
        """
        n = filt.n_samples
        piece = self._tracker_piece
        if n <= piece:
            return self.tracker.push(filt.data_uv, filt.t0_s, hop_t_s)
        fs = self.sfreq_hz
        # a hop belongs to the piece that holds its last sample
        hop_pos = np.rint((hop_t_s - filt.t0_s) * fs)
        stats = []
        for start in range(0, n, piece):
            stop = min(n, start + piece)
            sel = (hop_pos > start) & (hop_pos <= stop) if start else hop_pos <= stop
            stats.append(
                self.tracker.push(filt.data_uv[:, start:stop], filt.t0_s + start / fs, hop_t_s[sel])
            )
        # per-hop arrays are concatenated; totals are those after the last piece
        merged: dict[str, Any] = {
            f.name: np.concatenate([getattr(st, f.name) for st in stats])
            for f in dataclasses.fields(stats[-1])
            if isinstance(getattr(stats[-1], f.name), np.ndarray)
        }
        return dataclasses.replace(stats[-1], **merged)

    def _good_channels(self, batch: WindowBatch) -> NDArray[np.bool_]:
        """Artefact guards per window and channel: flat/disconnected, NaN, clipping.

        On the unfiltered window: not finite → bad; peak-to-peak ≤ ``flat_uv`` (or 0
        when the unit is unknown) → flat; more than 5 % of the samples at the window's
        maximum or minimum → clipped. Returns shape (n_windows, n_channels).
        """
        raw_span = batch.raw_span_uv
        n_window = self.windower.n_window
        n_hop = batch.n_hop
        n_block = math.gcd(n_window, n_hop)
        flat_uv = self.config.flat_uv if self.unit_known else 0.0
        if raw_span is None or n_block < 8:
            raw = batch.raw_uv
            finite = np.isfinite(raw).all(axis=-1)
            with np.errstate(invalid="ignore"):
                top = raw.max(axis=-1)
                bottom = raw.min(axis=-1)
                hi = (raw >= top[..., None]).sum(axis=-1)
                lo = (raw <= bottom[..., None]).sum(axis=-1)
        else:
            # per block of n_block samples: extreme values and how often they occur;
            # a window's extremes and their counts follow from its blocks
            n_win = len(batch)
            step, n_per = n_hop // n_block, n_window // n_block
            n_blocks = (n_win - 1) * step + n_per
            blocks = raw_span[:, : n_blocks * n_block].reshape(raw_span.shape[0], n_blocks, n_block)
            bmax, bmin = blocks.max(axis=-1), blocks.min(axis=-1)  # NaN propagates
            with np.errstate(invalid="ignore"):
                nmax = (blocks == bmax[..., None]).sum(axis=-1)
                nmin = (blocks == bmin[..., None]).sum(axis=-1)
            bfin = np.isfinite(bmax) & np.isfinite(bmin)
            stop = (n_win - 1) * step + 1
            parts = [slice(k, k + stop, step) for k in range(n_per)]
            finite = np.logical_and.reduce([bfin[:, sl] for sl in parts]).T
            top = np.maximum.reduce([bmax[:, sl] for sl in parts])
            bottom = np.minimum.reduce([bmin[:, sl] for sl in parts])
            hi = np.add.reduce([np.where(bmax[:, sl] == top, nmax[:, sl], 0) for sl in parts]).T
            lo = np.add.reduce([np.where(bmin[:, sl] == bottom, nmin[:, sl], 0) for sl in parts]).T
            top, bottom = top.T, bottom.T
        with np.errstate(invalid="ignore"):
            flat = ~(top - bottom > flat_uv)
        clipped = np.maximum(hi, lo) > 0.05 * n_window
        return finite & ~flat & ~clipped

    def _hops(self, batch: WindowBatch, good: NDArray[np.bool_], sr_stats: Any) -> list[HopResult]:
        fs = self.sfreq_hz
        n_window, n_hop = self.windower.n_window, batch.n_hop
        span = batch.span_uv
        if span is None:  # a batch built by hand: windows only
            raise ValueError("BedEngine needs WindowBatch.span_uv (use Windower)")
        ll = windowed_line_length(span, fs, n_window, n_hop)  # (n_win, n_ch)
        amp = windowed_rms(span, n_window, n_hop)
        freqs, psd = windowed_psd(
            span, fs, n_window, n_hop, seg_s=min(1.0, self.config.window_s / 2),
            scratch=self._scratch_psd,
        )  # fmt: skip
        df = freqs[1] - freqs[0]
        band_names = list(BANDS_HZ)
        bp = [
            psd[..., (freqs >= lo) & (freqs < hi)].sum(axis=-1) * df for lo, hi in BANDS_HZ.values()
        ]
        if self.pairs:
            coh = windowed_band_coherence(
                span, fs, n_window, n_hop, self.pairs, seg_s=min(1.0, self.config.window_s / 4),
                scratch=self._scratch_coh,
            )  # fmt: skip
            coh_global = coh.mean(axis=(-1, -2))  # mean over pairs and bands
        else:
            coh_global = np.full(len(batch), np.nan)
        # medians over the good channels of each window (all channels when none is good)
        sel = good | ~good.any(axis=1, keepdims=True)
        med = _masked_median(np.stack([ll, amp, *bp]), sel)  # (2 + n_bands, n_win)
        ll_med, amp_med = med[0].tolist(), med[1].tolist()
        bp_med = [dict(zip(band_names, col, strict=True)) for col in med[2:].T.tolist()]
        t_list = batch.t_end_s.tolist()
        coh_list = coh_global.tolist()
        n_good = good.sum(axis=1).tolist()
        all_good: list[bool] = np.asarray(good.all(axis=1)).tolist()
        if self.unit_known:
            sr_list = sr_stats.suppression_ratio.tolist()
        else:
            sr_list = [math.nan] * len(batch)
        bpm_list = sr_stats.bursts_per_min.tolist()
        ibi_list = sr_stats.ibi_median_s.tolist()
        results = []
        # suppression inside each window (a µV threshold: only when units are known)
        below_frac = sr_stats.below_fraction if self.unit_known else None
        for w, t in enumerate(t_list):
            g = good[w]
            alerts: list[Alert] = []
            if not (all_good[w] and not self._bad_reported):
                self._quality_alerts(t, g, alerts)
            dec = self.detector.update(
                t, ll[w], g, psd=psd[w], freqs_hz=freqs,
                suppressed_fraction=None if below_frac is None else float(below_frac[w]),
            )  # fmt: skip
            pat = self.patterns
            if pat is not None:
                pat.note_good(g)
                for pw in pat.ready(t):
                    self._pattern_window(pw)
            if dec.offset is not None:
                self._union_end_s = max(self._union_end_s, dec.offset.offset_s or t)
            self._seizure_union(t, alerts)
            ictal = self._union is not None
            latest = pat.latest if pat is not None else None
            acns_sz = self._acns_event is not None
            score = max(dec.score, RULE_CONFIDENCE) if acns_sz else dec.score
            burden = self.burden.update(t, ictal)
            sr = sr_list[w]
            depth, changed = self.depth.update(t, sr)
            if changed and self.n_hops > 0:
                alerts.append(
                    _engine_alert(
                        t, "depth_change", "low",
                        f"Depth now {depth.replace('_', ' ')}"
                        + (f" (suppression ratio {sr:.2f})" if math.isfinite(sr) else ""),
                        {"depth": depth,
                         "suppression_ratio": sr if math.isfinite(sr) else None},
                    )
                )  # fmt: skip
            results.append(
                HopResult(
                    t_s=t,
                    suppression_ratio=sr,
                    line_length=ll_med[w],
                    coherence=coh_list[w],
                    ictal=ictal,
                    depth=depth,
                    seizure_score=score,
                    rms_uv=amp_med[w],
                    bursts_per_min=bpm_list[w],
                    ibi_median_s=ibi_list[w],
                    band_power_uv2=bp_med[w],
                    n_good_channels=n_good[w],
                    spectrum_db=None,
                    alerts=alerts,
                    seizure_burden_5min=burden.burden_5min,
                    seizure_burden_60min=burden.burden_60min,
                    ictal_run_s=burden.ictal_run_s,
                    pattern=latest.label if latest is not None else "",
                    pattern_hz=latest.frequency_hz if latest is not None else math.nan,
                    acns_seizure=acns_sz,
                    iic=latest is not None and latest.iic.present,
                )
            )
            self.n_hops += 1
        self._t_last_s = t_list[-1]
        self._last_psd = psd[-1]
        self._last_freqs = freqs
        return results

    def _quality_alerts(self, t: float, good: NDArray[np.bool_], alerts: list[Alert]) -> None:
        bad = {self.ch_names[i] for i in np.flatnonzero(~good)}
        new_bad = bad - self._bad_reported
        recovered = self._bad_reported - bad
        if new_bad and len(bad) >= max(1, len(self.ch_names) // 4):
            alerts.append(
                _engine_alert(
                    t, "signal_quality", "medium" if len(bad) > len(self.ch_names) // 2 else "low",
                    f"{len(bad)} of {len(self.ch_names)} channels flat, clipped or invalid",
                    {"channels": sorted(bad)[:24]},
                )
            )  # fmt: skip
            self._bad_reported = bad
        elif recovered and not bad:
            self._bad_reported = set()

    # -- seizures: the relative detector OR the ACNS rules --------------------------
    def _pattern_window(self, pw: PatternWindow) -> None:
        """One judged 10-s window: background release, the ACNS seizure event."""
        ictal_like = pw.seizure.present or pw.iic.present
        self.detector.release_background(pw.t_end_s, keep=not ictal_like)
        ev = self._acns_event
        if pw.seizure.present:
            self._acns_quiet_from = None
            if ev is None:
                onset = self._acns_onset_s(pw)
                chans = list(pw.pattern.channels) if pw.pattern is not None else []
                self._acns_event = DetectedSeizure(onset, None, RULE_CONFIDENCE, chans,
                                                   pw.t_end_s)  # fmt: skip
        elif ev is not None:
            # hysteresis: a window that still holds a pattern but misses the criteria
            # (e.g. discharges at 2.3 Hz for 10 s) does not end a seizure; a window
            # without any pattern, or a second one in a row, does, from its start
            if self._acns_quiet_from is None and pw.pattern is not None:
                self._acns_quiet_from = pw.t_start_s
            else:
                if self._acns_quiet_from is None:
                    self._acns_quiet_from = pw.t_start_s
                ev.offset_s = self._acns_quiet_from
                self._union_end_s = max(self._union_end_s, ev.offset_s)
                self._acns_event = None
                self._acns_quiet_from = None

    def _acns_onset_s(self, pw: PatternWindow) -> float:
        """Start of the windows that make the seizure: the fast-discharge windows
        that run up to the newest, else the whole evolving run."""
        run = self.patterns._run if self.patterns is not None else []
        fast = [
            w.pattern is not None and w.pattern.main2 in ("PD", "SW") and w.pattern.rate_hz > 2.5
            for w in run
        ]
        if fast and fast[-1]:
            k = len(fast) - 1
            while k > 0 and fast[k - 1]:
                k -= 1
            return float(run[k].t_start_s)
        return float(run[0].t_start_s) if run else pw.t_start_s

    def _seizure_union(self, t: float, alerts: list[Alert]) -> None:
        """Open, extend or close the reported seizure from both sources at hop ``t``."""
        open_now = [(k, e) for k, e in (("relative", self.detector.current),
                                        ("acns", self._acns_event)) if e is not None]  # fmt: skip
        u = self._union
        if u is None and open_now:
            onset = min(e.onset_s for _, e in open_now)
            chans = list(dict.fromkeys(c for _, e in open_now for c in e.channels))
            conf = max(e.confidence for _, e in open_now)
            u = self._union = DetectedSeizure(onset, None, conf, chans, alarm_t_s=t)
            self._union_sources = {k for k, _ in open_now}
            self._union_end_s = -math.inf
            by = " and ".join(sorted(self._union_sources))
            alerts.append(
                _engine_alert(
                    t, "seizure_onset", "high",
                    f"Seizure activity detected from {onset:.0f} s "
                    f"({len(chans)} channel(s); {_SOURCE_WORDS[by]})",
                    {"onset_s": onset, "confidence": round(conf, 3), "channels": chans[:12],
                     "criteria": sorted(self._union_sources)},
                )
            )  # fmt: skip
            return
        if u is None:
            return
        for k, e in open_now:
            self._union_sources.add(k)
            u.onset_s = min(u.onset_s, e.onset_s)
            u.channels = list(dict.fromkeys([*u.channels, *e.channels]))
            u.confidence = max(u.confidence, e.confidence)
        if not open_now:
            self._close_union(t, alerts)

    def _close_union(self, t: float, alerts: list[Alert] | None) -> None:
        u = self._union
        assert u is not None  # internal invariant
        end = self._union_end_s if math.isfinite(self._union_end_s) else t
        u.offset_s = max(u.onset_s, min(end, t))
        self.events.append(u)
        self._union = None
        if alerts is not None:
            alerts.append(
                _engine_alert(
                    t, "seizure_offset", "low",
                    f"Seizure activity ended at {u.offset_s:.0f} s "
                    f"(duration {u.offset_s - u.onset_s:.0f} s)",
                    {"onset_s": u.onset_s, "offset_s": u.offset_s,
                     "confidence": round(u.confidence, 3),
                     "criteria": sorted(self._union_sources)},
                )
            )  # fmt: skip

    def finish(self) -> list[DetectedSeizure]:
        """Close an open event at the end of the data; return all events."""
        t = self._t_last_s
        if t is not None:
            ev = self.detector.finish(t)
            if ev is not None and ev.offset_s is not None:
                self._union_end_s = max(self._union_end_s, ev.offset_s)
            if self._acns_event is not None:
                quiet = self._acns_quiet_from
                self._acns_event.offset_s = t if quiet is None else quiet
                self._union_end_s = max(self._union_end_s, self._acns_event.offset_s)
                self._acns_event = None
            if self._union is not None:
                self._close_union(t, None)
        if self.patterns is not None:
            self.patterns.finish()
        return self.events

    def pattern_episodes(self) -> list[PatternEpisode]:
        """ACNS pattern episodes so far (the open one last, ``offset_s`` None)."""
        return self.patterns.all_episodes() if self.patterns is not None else []

    def settings(self) -> dict[str, Any]:
        return {
            **asdict(self.config),
            "sfreq_hz": self.sfreq_hz,
            "montage": self.montage.kind,
            "channels": list(self.ch_names),
            "coherence_pairs": self.coherence_kind,
            "unit_known": self.unit_known,
        }


_SOURCE_WORDS = {
    "relative": "rise against its own background",
    "acns": "ACNS 2021 electrographic-seizure criteria",
    "acns and relative": "ACNS 2021 criteria and rise against its own background",
}


def _masked_median(values: NDArray[np.float64], mask: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Median over the last axis of the entries where ``mask`` is True.

    ``values`` (..., n) and ``mask`` broadcastable to it, at least one True per row.
    Same value as ``np.median(row[mask_row])`` row by row, in one sort.
    """
    mask = np.broadcast_to(mask, values.shape)
    if mask.all():
        return np.median(values, axis=-1)
    ordered = np.sort(np.where(mask, values, np.inf), axis=-1)
    n_valid = mask.sum(axis=-1, keepdims=True)
    lo = np.take_along_axis(ordered, (n_valid - 1) // 2, axis=-1)[..., 0]
    hi = np.take_along_axis(ordered, n_valid // 2, axis=-1)[..., 0]
    return np.where(n_valid[..., 0] % 2 == 1, lo, (lo + hi) / 2)


def _engine_alert(
    t_s: float, kind: str, severity: Severity, message: str, details: dict[str, Any]
) -> Alert:
    """A condition the engine saw at one hop (the bed's alert policy decides on it)."""
    return Alert(kind, kind, severity, message, details, t_s, "raised", "engine")
