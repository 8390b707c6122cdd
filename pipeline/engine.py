"""The engine that runs one bed from chunks to hop results.

``BedEngine.push(chunk)`` takes raw chunks from any source (EDF replay, LSL, the
synthetic generator) and returns one :class:`HopResult` per hop: the features of the
window that just ended, the seizure detector's decision, the burst-suppression
figures and depth, and the alerts raised at that hop. The same engine runs offline
and live, so a file replayed gives the same results as the file streamed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detectors.burst import DepthClassifier, SuppressionTracker
from detectors.seizure import DetectedSeizure, SeizureDetector
from pipeline.chunk import Chunk
from pipeline.features import (
    BANDS_HZ,
    band_coherence,
    homologous_pairs,
    line_length,
    rms,
    segment_spectra,
)
from pipeline.preprocess import BipolarMontage, CausalFilter, WindowBatch, Windower

__all__ = ["EngineConfig", "HopResult", "BedEngine", "EngineAlert"]


@dataclass(frozen=True)
class EngineConfig:
    """Settings of one bed's engine (all stored in ``summary.json``)."""

    window_s: float = 2.0
    hop_s: float = 1.0
    l_freq_hz: float = 0.5
    h_freq_hz: float = 45.0
    notch_hz: float | None = 50.0
    montage: bool = True
    suppression_threshold_uv: float = 10.0
    min_suppression_s: float = 0.5
    suppression_window_s: float = 60.0
    depth_hold_s: float = 10.0
    flat_uv: float = 0.5
    coherence_every: int = 1


@dataclass
class EngineAlert:
    """An alert as the engine raises it (the service adds id, bed and ack fields)."""

    t_s: float
    kind: str
    severity: str  # low | medium | high (IEC 60601-1-8 priorities)
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    alerts: list[EngineAlert] = field(default_factory=list)

    TREND_COLUMNS = (
        "t_s", "suppression_ratio", "line_length", "coherence", "ictal", "depth",
        "seizure_score", "rms_uv", "bursts_per_min", "ibi_median_s",
        "delta_uv2", "theta_uv2", "alpha_uv2", "beta_uv2", "n_good_channels",
    )  # fmt: skip

    def trend_row(self) -> list[Any]:
        def num(v: float, digits: int = 4) -> Any:
            return "" if v is None or not math.isfinite(v) else round(float(v), digits)

        bp = self.band_power_uv2
        return [
            round(self.t_s, 3), num(self.suppression_ratio), num(self.line_length, 3),
            num(self.coherence), int(self.ictal), self.depth, num(self.seizure_score),
            num(self.rms_uv, 3), num(self.bursts_per_min, 2), num(self.ibi_median_s, 2),
            num(bp.get("delta", math.nan), 3), num(bp.get("theta", math.nan), 3),
            num(bp.get("alpha", math.nan), 3), num(bp.get("beta", math.nan), 3),
            self.n_good_channels,
        ]  # fmt: skip

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
        self.detector = SeizureDetector(self.ch_names, hop_s=cfg.hop_s)
        pairs = homologous_pairs(self.ch_names)
        self.coherence_kind = "homologous"
        if not pairs:
            pairs = [(i, i + 1, f"{self.ch_names[i]}~{self.ch_names[i + 1]}") for i in range(n - 1)]
            self.coherence_kind = "neighbouring"
        self.pairs = [(i, j) for i, j, _ in pairs]
        self.pair_names = [name for _, _, name in pairs]
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
        # the tracker sees every filtered sample once and excludes flat channels
        # sample by sample, so its output does not depend on the chunking
        if chunk.gap_before:
            self.tracker.reset()
        sr_stats = self.tracker.push(filt.data_uv, filt.t0_s, batch.t_end_s)
        if not len(batch):
            return []
        return self._hops(batch, good, sr_stats)

    def _good_channels(self, batch: WindowBatch) -> NDArray[np.bool_]:
        """Artefact guards per window and channel: flat/disconnected, NaN, clipping."""
        raw = batch.raw_uv
        finite = np.isfinite(raw).all(axis=-1)
        with np.errstate(invalid="ignore"):
            ptp = np.nanmax(raw, axis=-1) - np.nanmin(raw, axis=-1)
        flat = ~(ptp > self.config.flat_uv) if self.unit_known else ~(ptp > 0)
        # clipping: many samples sitting at the window's extreme value
        hi = (raw >= np.nanmax(raw, axis=-1, keepdims=True)).sum(axis=-1)
        lo = (raw <= np.nanmin(raw, axis=-1, keepdims=True)).sum(axis=-1)
        clipped = np.maximum(hi, lo) > 0.05 * raw.shape[-1]
        return finite & ~flat & ~(clipped & ~flat)

    def _hops(self, batch: WindowBatch, good: NDArray[np.bool_], sr_stats: Any) -> list[HopResult]:
        data = batch.data_uv  # (n_win, n_ch, n)
        fs = self.sfreq_hz
        ll = line_length(data, fs)  # (n_win, n_ch)
        amp = rms(data)
        freqs, spec = segment_spectra(data, fs, seg_s=min(1.0, self.config.window_s / 2))
        psd = (np.abs(spec) ** 2).mean(axis=-2)  # (n_win, n_ch, n_freq)
        df = freqs[1] - freqs[0]
        bp = {
            name: psd[..., (freqs >= lo) & (freqs < hi)].sum(axis=-1) * df
            for name, (lo, hi) in BANDS_HZ.items()
        }
        if self.pairs:
            coh = band_coherence(data, fs, self.pairs, seg_s=min(1.0, self.config.window_s / 4))
            coh_global = coh.mean(axis=(-1, -2))  # mean over pairs and bands
        else:
            coh_global = np.full(len(batch), np.nan)
        results = []
        for w in range(len(batch)):
            t = float(batch.t_end_s[w])
            g = good[w]
            alerts: list[EngineAlert] = []
            self._quality_alerts(t, g, alerts)
            dec = self.detector.update(t, ll[w], g, psd=psd[w], freqs_hz=freqs)
            if dec.onset is not None:
                ev = dec.onset
                alerts.append(
                    EngineAlert(
                        t, "seizure_onset", "high",
                        f"Seizure activity detected from {ev.onset_s:.0f} s "
                        f"({len(ev.channels)} channel(s))",
                        {"onset_s": ev.onset_s, "confidence": round(ev.confidence, 3),
                         "channels": ev.channels[:12]},
                    )
                )  # fmt: skip
            if dec.offset is not None:
                ev = dec.offset
                self.events.append(ev)
                alerts.append(
                    EngineAlert(
                        t, "seizure_offset", "low",
                        f"Seizure activity ended at {ev.offset_s:.0f} s "
                        f"(duration {ev.offset_s - ev.onset_s:.0f} s)",
                        {"onset_s": ev.onset_s, "offset_s": ev.offset_s,
                         "confidence": round(ev.confidence, 3)},
                    )
                )  # fmt: skip
            sr = float(sr_stats.suppression_ratio[w]) if self.unit_known else math.nan
            depth, changed = self.depth.update(t, sr)
            if changed and self.n_hops > 0:
                alerts.append(
                    EngineAlert(
                        t, "depth_change", "low",
                        f"Depth now {depth.replace('_', ' ')}"
                        + (f" (suppression ratio {sr:.2f})" if math.isfinite(sr) else ""),
                        {"depth": depth, "suppression_ratio": None if not math.isfinite(sr) else sr},
                    )
                )  # fmt: skip
            gsel = g if g.any() else np.ones_like(g)
            results.append(
                HopResult(
                    t_s=t,
                    suppression_ratio=sr,
                    line_length=float(np.median(ll[w][gsel])),
                    coherence=float(coh_global[w]),
                    ictal=dec.ictal,
                    depth=depth,
                    seizure_score=dec.score,
                    rms_uv=float(np.median(amp[w][gsel])),
                    bursts_per_min=float(sr_stats.bursts_per_min[w]),
                    ibi_median_s=float(sr_stats.ibi_median_s[w]),
                    band_power_uv2={k: float(np.median(v[w][gsel])) for k, v in bp.items()},
                    n_good_channels=int(g.sum()),
                    spectrum_db=None,
                    alerts=alerts,
                )
            )
            self.n_hops += 1
        self._t_last_s = float(batch.t_end_s[-1])
        self._last_psd = psd[-1]
        self._last_freqs = freqs
        return results

    def _quality_alerts(self, t: float, good: NDArray[np.bool_], alerts: list[EngineAlert]) -> None:
        bad = {self.ch_names[i] for i in np.flatnonzero(~good)}
        new_bad = bad - self._bad_reported
        recovered = self._bad_reported - bad
        if new_bad and len(bad) >= max(1, len(self.ch_names) // 4):
            alerts.append(
                EngineAlert(
                    t, "signal_quality", "medium" if len(bad) > len(self.ch_names) // 2 else "low",
                    f"{len(bad)} of {len(self.ch_names)} channels flat, clipped or invalid",
                    {"channels": sorted(bad)[:24]},
                )
            )  # fmt: skip
            self._bad_reported = bad
        elif recovered and not bad:
            self._bad_reported = set()

    def finish(self) -> list[DetectedSeizure]:
        """Close an open event at the end of the data; return all events."""
        if self._t_last_s is not None:
            ev = self.detector.finish(self._t_last_s)
            if ev is not None:
                self.events.append(ev)
        return self.events

    def settings(self) -> dict[str, Any]:
        return {
            **asdict(self.config),
            "sfreq_hz": self.sfreq_hz,
            "montage": self.montage.kind,
            "channels": list(self.ch_names),
            "coherence_pairs": self.coherence_kind,
            "unit_known": self.unit_known,
        }
