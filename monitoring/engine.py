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
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rse_monitor.detectors.acns.tracker import (
    RULE_CONFIDENCE,
    PatternEpisode,
    PatternTracker,
    PatternWindow,
)
from rse_monitor.detectors.alerts import Alert, Severity
from rse_monitor.detectors.artefacts import ArtefactClassifier
from rse_monitor.detectors.bsp import BspStats, BurstSuppressionProbability
from rse_monitor.detectors.burden import SeizureBurden
from rse_monitor.detectors.burst import SETTLE_S, DepthClassifier, SuppressionTracker
from rse_monitor.detectors.quality import (
    AMPLITUDE_CEILING_UV,
    CAUSES,
    QUALITY_MIN_FOR_DEPTH,
    ChannelQuality,
    window_causes,
)
from rse_monitor.detectors.seizure import DetectedSeizure, SeizureDetector
from rse_monitor.monitoring.settings import EngineConfig
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.pipeline.features import (
    BANDS_HZ,
    Scratch,
    homologous_pairs,
    windowed_band_coherence,
    windowed_line_length,
    windowed_psd,
    windowed_rms,
)
from rse_monitor.pipeline.preprocess import BipolarMontage, CausalFilter, WindowBatch, Windower

__all__ = ["EngineConfig", "HopResult", "BedEngine", "MIN_ANALYSIS_S", "SCALE_SHARE"]

#: Least EEG for results worth reading, s: the seizure detector's background warm-up
#: and the suppression ratio's window (both 60 s by default).
MIN_ANALYSIS_S = 60.0
#: Share of electrode windows above the amplitude ceiling (or flat) that means the
#: recording's scale, not a few electrodes, is wrong.
SCALE_SHARE = 0.5


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
    quality: float = 1.0
    #: burst-suppression probability (Chemali et al. 2013) and its 95 % interval;
    #: NaN where the suppression ratio is (units or quality unknown)
    bsp: float = math.nan
    bsp_lo: float = math.nan
    bsp_hi: float = math.nan
    #: artefact class of the window (:mod:`detectors.artefacts`; "" for none)
    artefact: str = ""

    TREND_COLUMNS = (
        "t_s", "suppression_ratio", "line_length", "coherence", "ictal", "depth",
        "seizure_score", "rms_uv", "bursts_per_min", "ibi_median_s",
        "delta_uv2", "theta_uv2", "alpha_uv2", "beta_uv2", "n_good_channels",
        "seizure_burden_5min", "seizure_burden_60min", "pattern", "pattern_hz", "quality",
        "bsp", "bsp_lo", "bsp_hi", "iic", "acns_seizure", "artefact",
    )  # fmt: skip
    #: decimals of each column in ``trends.csv`` (None: as is)
    _DIGITS = (3, 4, 3, 4, None, None, 4, 3, 2, 2, 3, 3, 3, 3, None, 4, 4, None, 2, 3,
               4, 4, 4, None, None, None)  # fmt: skip

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
            str(self.pattern), num(self.pattern_hz), num(self.quality),
            num(self.bsp), num(self.bsp_lo), num(self.bsp_hi),
            int(bool(self.iic)), int(bool(self.acns_seizure)), str(self.artefact),
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
        self.depth = DepthClassifier(cfg.depth_hold_s, settle_s=SETTLE_S)
        #: burst-suppression probability from the tracker's final flags (issue 11.5)
        self.bsp = BurstSuppressionProbability(sfreq_hz)
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
        self._bad_reported: dict[str, str] = {}  # electrode -> cause last alerted
        self._quality: _ElectrodeQuality | None = None  # built at the first push
        self.artefacts = ArtefactClassifier(self.ch_names, sfreq_hz, unit_known)
        self._artefact_time = _ArtefactTime(cfg.suppression_window_s, cfg.hop_s)
        self.n_gaps = 0

    def reset_stages(self) -> None:
        """Restart filters, windows and trackers cleanly (after a gap in the data)."""
        self.filter.reset()
        self.windower.reset()
        self.tracker.reset()
        self.bsp.reset()
        self._reset_patterns()
        if self._quality is not None:
            self._quality.reset()
        self.artefacts.reset()
        self._artefact_time.reset()

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
        # the unfiltered windows serve the quality checks only when the channels are
        # the electrodes (a bipolar bed windows its electrodes apart, _ElectrodeQuality)
        batch = self.windower.push(filt, raw=mont if self.montage.pairs is None else None)
        sr_stats = None
        good = self._good_channels(batch, chunk)  # also feeds the electrodes' windows
        # the tracker sees every montaged sample once, before the engine's 0.5 Hz
        # high-pass (whose tail after a burst would lengthen it), applies its own
        # 1-20 Hz band, and excludes flat channels sample by sample, so its output
        # does not depend on the chunking
        if chunk.gap_before:
            self.tracker.reset()
            self.bsp.reset()
            self._reset_patterns()
            self.artefacts.reset()
            self._artefact_time.reset()
        if self.patterns is not None:
            self.patterns.push(filt.data_uv, filt.t0_s)
        sr_stats = self._track(mont, batch.t_end_s)
        if not len(batch):
            self._bsp_push(sr_stats, np.zeros(0, dtype=bool))
            return []
        return self._hops(batch, good, sr_stats)

    def _bsp_push(self, sr_stats: Any, blocking: NDArray[np.bool_]) -> BspStats:
        """The BSP with artefact time as missing observations (issue 11): hop ``w``'s
        verdict covers the ``hop`` samples before its end, as in :class:`_ArtefactTime`;
        samples after the last hop wait in the BSP for the next hop's verdict."""
        miss = np.zeros(0, dtype=bool)
        if blocking.size:
            ends = sr_stats.n_seen - self.bsp.n_judged  # hop ends, from the first unjudged
            miss = np.zeros(int(ends[-1]), dtype=bool)
            n_hop = self.windower.n_hop
            for e in ends[blocking].tolist():
                miss[max(0, e - n_hop) : e] = True
        return self.bsp.push(
            sr_stats.final_suppressed, sr_stats.final_dead, sr_stats.n_final, missing=miss
        )

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

    def _good_channels(self, batch: WindowBatch, chunk: Chunk) -> NDArray[np.bool_]:
        """Signal quality per window and channel (see :mod:`detectors.quality`).

        The checks run on the unfiltered *electrodes* (a flat electrode does not look
        flat in a bipolar derivation: ``FP1-F7`` then reads ``-F7``); a derivation is
        good when both its electrodes are. Returns shape (n_windows, n_channels) and
        keeps, per window, the electrodes' causes and persistence and the bed's
        quality index (share of good channels) for :meth:`_hops`.
        """
        if self._quality is None:
            self._quality = _ElectrodeQuality(self)
        return self._quality.push(batch, chunk)

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
        if self.unit_known:
            sr_list = sr_stats.suppression_ratio.tolist()
        else:
            sr_list = [math.nan] * len(batch)
        # too few good channels to judge suppression: ratio and depth unknown
        q = self._quality
        q_list: list[float] = q.index.tolist() if q is not None else [1.0] * len(batch)
        sr_list = [
            s if qw >= QUALITY_MIN_FOR_DEPTH else math.nan
            for s, qw in zip(sr_list, q_list, strict=True)
        ]
        q_due = q.any_persistent if q is not None else [False] * len(batch)
        bpm_list = sr_stats.bursts_per_min.tolist()
        ibi_list = sr_stats.ibi_median_s.tolist()
        dpm_list = sr_stats.discharges_per_min.tolist()  # for the depth (issue 11.3-4)
        con_list = sr_stats.burst_contrast.tolist()
        results = []
        # suppression inside each window (a µV threshold: only when units are known)
        below_frac = sr_stats.below_fraction if self.unit_known else None
        art = self.artefacts.update(
            span, n_window, n_hop, psd, freqs, good, q.raw_cause if q is not None else None
        )
        # windows in artefact for the depth (blocking, or EMG at suppression level)
        not_eeg = art.not_eeg_for_depth(self.config.suppression_threshold_uv)
        art_labels, art_block = art.labels(), not_eeg.tolist()
        bsp = self._bsp_push(sr_stats, np.asarray(not_eeg, dtype=bool))
        # the BSP is unknown exactly where the ratio is (same units and quality rule)
        sr_known = np.isfinite(np.asarray(sr_list, dtype=np.float64))
        bsp_cols = [np.where(sr_known, a, np.nan).tolist() for a in (bsp.bsp, bsp.lo, bsp.hi)]
        art_skip = art.unjudged.tolist()  # windows the ACNS rules do not judge
        art_relative = art.no_relative_evidence.tolist()  # blocking or muscle
        for w, t in enumerate(t_list):
            g = good[w]
            blk = art_block[w]
            # artefact time is neither suppressed nor active in the ratio
            sr_list[w] = self._artefact_time.correct(
                sr_list[w], blk, math.nan if below_frac is None else float(below_frac[w])
            )
            alerts: list[Alert] = []
            if q_due[w] or self._bad_reported:
                self._quality_alerts(t, w, alerts)
            dec = self.detector.update(
                t, ll[w], g, psd=psd[w], freqs_hz=freqs,
                suppressed_fraction=None if below_frac is None else float(below_frac[w]),
                artefact=art_relative[w],
            )  # fmt: skip
            pat = self.patterns
            if pat is not None:
                pat.note_good(g, art_skip[w], art_labels[w])
                for pw in pat.ready(t):
                    self._pattern_window(pw)
            if dec.offset is not None:
                self._union_end_s = max(self._union_end_s, dec.offset.offset_s or t)
            self._seizure_union(t, alerts)
            ictal = self._union is not None
            latest = pat.latest if pat is not None else None
            if art_labels[w] == "ecg" and latest is not None and latest.term.pattern is not None:
                # periodic discharges at a cardiac rate are not called ECG (no ECG channel)
                art_labels[w] = "" if latest.term.pattern.main2 == "PD" else "ecg"
            acns_sz = self._acns_event is not None
            score = max(dec.score, RULE_CONFIDENCE) if acns_sz else dec.score
            burden = self.burden.update(t, ictal)
            sr = sr_list[w]
            # ACNS discharges (PD) or spike-and-wave at the hop: epileptiform bursts
            epi = (
                latest is not None
                and latest.term.pattern is not None
                and (latest.term.pattern.main2 in ("PD", "SW"))
            )
            # depth is not decided on a window in artefact, nor while artefact time
            # makes the ratio unknown: the last depth holds
            depth, changed = (
                (self.depth.depth, False) if blk or self._artefact_time.masked
                else self.depth.update(t, sr, con_list[w], bpm_list[w], dpm_list[w], epi)
            )  # fmt: skip
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
                    quality=q_list[w],
                    bsp=bsp_cols[0][w],
                    bsp_lo=bsp_cols[1][w],
                    bsp_hi=bsp_cols[2][w],
                    artefact=art_labels[w],
                )
            )
            self.n_hops += 1
        self._t_last_s = t_list[-1]
        self._last_psd = psd[-1]
        self._last_freqs = freqs
        return results

    def _quality_alerts(self, t: float, w: int, alerts: list[Alert]) -> None:
        """A ``signal_quality`` alert when an electrode becomes persistently bad (or its
        cause changes); details name the electrodes and their causes."""
        q = self._quality
        if q is None:
            return
        bad = q.persistent_causes(w)
        if not bad:
            self._bad_reported = {}
            return
        if all(self._bad_reported.get(ch) == c for ch, c in bad.items()):
            return
        self._bad_reported = bad
        quality = float(q.index[w])
        listed = ", ".join(f"{ch} {c}" for ch, c in list(bad.items())[:8])
        more = f" and {len(bad) - 8} more" if len(bad) > 8 else ""
        alerts.append(
            _engine_alert(
                t, "signal_quality", "medium" if quality < QUALITY_MIN_FOR_DEPTH else "low",
                f"{len(bad)} of {len(q.names)} electrodes unusable: {listed}{more}",
                {"channels": sorted(bad), "causes": bad, "quality": round(quality, 3)},
            )
        )  # fmt: skip

    def input_warnings(self, final: bool = False) -> list[str]:
        """What makes this input hard to trust, in one line each (issue 11, part 6).

        - too short (with ``final``: the input has ended): shorter than one analysis
          window (nothing analysed), or than :data:`MIN_ANALYSIS_S` (the seizure
          detector learns each channel's background and the suppression ratio fills
          its window over the first minute);
        - non-physiological scale (unit known): at least half of all electrode
          windows above the amplitude ceiling, or flat.
        """
        out: list[str] = []
        q = self._quality
        n_samples = q.n_samples if q is not None else 0
        seconds = n_samples / self.sfreq_hz
        if final and self.n_hops == 0:
            out.append(
                f"too short to analyse: {seconds:.1f} s of EEG, shorter than one "
                f"{self.config.window_s:g}-s analysis window; nothing was analysed"
            )
        elif final and seconds < MIN_ANALYSIS_S:
            out.append(
                f"too short to analyse reliably: {seconds:.1f} s of EEG; the seizure "
                f"detector learns each channel's background and the suppression ratio "
                f"its {self.config.suppression_window_s:g}-s window over the first "
                f"{MIN_ANALYSIS_S:g} s"
            )
        if q is None or not self.unit_known or q.stage.n_windows == 0:
            return out
        counts = q.stage.cause_counts
        total = max(1, int(counts.sum()))
        high = counts[CAUSES.index("amplitude")] / total
        flat = counts[CAUSES.index("flat")] / total
        if high >= SCALE_SHARE:
            out.append(
                f"non-physiological scale: {high:.0%} of electrode windows exceed "
                f"{AMPLITUDE_CEILING_UV:g} µV peak to peak (values in mV or V read as µV?)"
            )
        if flat >= SCALE_SHARE:
            out.append(
                f"non-physiological scale: {flat:.0%} of electrode windows are flat "
                f"(≤ {self.config.flat_uv:g} µV peak to peak; electrodes off, or values "
                "in V read as µV?)"
            )
        return out

    # -- seizures: the relative detector OR the ACNS rules --------------------------
    def _pattern_window(self, pw: PatternWindow) -> None:
        """One judged 10-s window: background release, the ACNS seizure event."""
        ictal_like = pw.seizure.present or pw.iic.present
        self.detector.release_background(pw.t_end_s, keep=not ictal_like)
        ev = self._acns_event
        if pw.seizure.present:
            self._acns_quiet_from = None
            if ev is None:
                onset = self.patterns.seizure_onset_s() if self.patterns else pw.t_start_s
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


class _ElectrodeQuality:
    """The engine's signal-quality stage: unfiltered electrode windows (aligned with
    the engine's), their causes (:func:`detectors.quality.window_causes` and
    :class:`detectors.quality.ChannelQuality`), and the mapping to the montage."""

    def __init__(self, engine: BedEngine) -> None:
        cfg = engine.config
        pairs = engine.montage.pairs
        self.engine = engine
        self.bipolar = pairs is not None
        if pairs is None:
            self.names = engine.ch_names
            self._a = self._b = np.arange(len(self.names))
            self._used = self._a
        else:
            self._a = np.array([a for a, _, _ in pairs])
            self._b = np.array([b for _, b, _ in pairs])
            self._used = np.union1d(self._a, self._b)
            self.names = tuple(engine.in_ch_names[i] for i in self._used)
        n_in = len(engine.in_ch_names) if self.bipolar else len(self.names)
        self.windower = Windower(engine.sfreq_hz, n_in, cfg.window_s, cfg.hop_s)
        self.stage = ChannelQuality(n_in, cfg.hop_s)
        self.flat_uv = cfg.flat_uv
        self.scratch = Scratch()
        self.n_samples = 0  # samples of the input so far
        self.reset()

    def reset(self) -> None:
        """After a gap: windows restart (counts of the input so far are kept)."""
        self.windower.reset()
        self._last_cause = np.zeros(len(self._used), dtype=np.int8)
        self.index = np.zeros(0)
        self.raw_cause: NDArray[np.int8] | None = None

    def push(self, batch: WindowBatch, chunk: Chunk) -> NDArray[np.bool_]:
        eng = self.engine
        self.n_samples += chunk.n_samples
        if self.bipolar:
            span = self.windower.push(chunk).span_uv
        else:
            span = batch.raw_span_uv if batch.raw_span_uv is not None else batch.span_uv
        n_win = len(batch)
        if span is None or n_win == 0:
            self.index = np.zeros(0)
            self.raw_cause = None
            return np.zeros((n_win, len(eng.ch_names)), dtype=bool)
        causes = window_causes(
            span, eng.sfreq_hz, eng.windower.n_window, batch.n_hop,
            unit_known=eng.unit_known, flat_uv=self.flat_uv, scratch=self.scratch,
        )  # fmt: skip
        if causes.shape[0] != n_win:
            raise RuntimeError(f"quality windows ({causes.shape[0]}) out of step ({n_win})")
        qb = self.stage.update(causes)
        #: the electrodes' causes before the hold (for :mod:`detectors.artefacts`)
        self.raw_cause = causes[:, self._used]
        ca, cb = qb.cause[:, self._a], qb.cause[:, self._b]
        good = (ca == 0) & (cb == 0)
        self.index = good.mean(axis=1)
        el = qb.cause[:, self._used]
        # the latest bad cause of each electrode at or before each window
        idx = np.arange(n_win)[:, None]
        last = np.maximum.accumulate(np.where(el != 0, idx, -1), axis=0)
        picked = np.take_along_axis(el, np.maximum(last, 0), axis=0)
        self.last_cause = np.where(last >= 0, picked, self._last_cause[None, :])
        self._last_cause = self.last_cause[-1]
        self.persistent = qb.persistent[:, self._used]
        self.any_persistent: list[bool] = np.asarray(self.persistent.any(axis=1)).tolist()
        return good

    def persistent_causes(self, w: int) -> dict[str, str]:
        """Electrode → cause of the persistently bad electrodes at window ``w``."""
        if not self.any_persistent[w]:
            return {}
        return {
            self.names[i]: CAUSES[int(self.last_cause[w, i])]
            for i in np.flatnonzero(self.persistent[w])
        }


class _ArtefactTime:
    """Removes artefact time from the trailing suppression ratio (issue 11, part 2).

    The tracker's ratio ``r`` is the suppressed share of the trailing ``window_s``
    (``w`` seconds so far). With ``A`` the time of the hops in artefact within it and
    ``S_A`` the suppressed time the tracker counted in them, the ratio without
    artefact is ``(r w - S_A) / (w - A)``; unknown (NaN) when artefact fills more
    than half the window. ``S_A`` is read from the tracker's own count, hop by hop:
    the suppressed seconds a hop added are the change of ``r w`` from the previous
    hop plus what left the window with the oldest hop (clipped to ``[0, hop]``), so a
    suppression the tracker did not count (gaps shorter than its minimum run, e.g.
    between chewing bursts) is not subtracted either. Where that bookkeeping has no
    start (the first hop, after an unknown ratio) the hop's below-threshold fraction
    stands in. An approximation at the hop grain: the tracker segments sample by
    sample and is left as it is (another stage builds on it). ECG windows are not in
    artefact (:class:`detectors.artefacts.ArtefactBatch`): the tracker's 1-20 Hz band,
    0.25-s median and channel consensus already keep QRS complexes from breaking a
    suppression (:mod:`detectors.burst`).
    """

    def __init__(self, window_s: float, hop_s: float) -> None:
        self.n_keep = max(1, int(round(window_s / hop_s)))
        self.hop_s = float(hop_s)
        self.window_s = float(window_s)
        self.reset()

    def reset(self) -> None:
        #: per hop of the trailing window: (in artefact, suppressed seconds it added)
        self._hist: deque[tuple[bool, float]] = deque(maxlen=self.n_keep)
        self._n_art = 0
        self._supp_s = 0.0  # suppressed seconds of the artefact hops in the window
        self._n_seen = 0
        self._prev_total = math.nan  # r w at the previous hop
        #: the last ratio was made unknown by artefact time (the depth then holds)
        self.masked = False

    def correct(self, ratio: float, artefact: bool, below_fraction: float) -> float:
        """The ratio at this hop without the artefact hops of the trailing window."""
        self._n_seen += 1
        w = min(self.window_s, self._n_seen * self.hop_s)
        total = ratio * w if math.isfinite(ratio) else math.nan
        leaving = self._hist[0] if len(self._hist) == self.n_keep else (False, 0.0)
        if math.isfinite(total) and math.isfinite(self._prev_total):
            added = total - self._prev_total + leaving[1]
        elif math.isfinite(below_fraction):
            added = below_fraction * self.hop_s
        else:
            added = 0.0
        added = min(self.hop_s, max(0.0, added))
        self._prev_total = total
        if len(self._hist) == self.n_keep:
            self._n_art -= leaving[0]
            self._supp_s -= leaving[1] if leaving[0] else 0.0
        self._hist.append((artefact, added))
        self._n_art += artefact
        self._supp_s += added if artefact else 0.0
        self.masked = False
        if self._n_art == 0 or not math.isfinite(ratio):
            return ratio
        a = self._n_art * self.hop_s
        if a > 0.5 * w:
            self.masked = True
            return math.nan
        return min(1.0, max(0.0, (total - min(self._supp_s, total)) / (w - a)))


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
