"""Detector benchmark: seizure detection vs the Esteller baseline, and burst suppression.

Run from the project root (takes a few minutes on 2 cores)::

    python -m bench.detectors                 # everything
    python -m bench.detectors --only seizure  # or: bs, ictality
    python -m bench.detectors --quick         # fewer recordings

Seizure detection
-----------------
Every recording goes once through :class:`monitoring.engine.BedEngine`; the engine's
detector slot holds a tee that feeds the same per-window features (line length,
channel guards, PSD) to :class:`detectors.seizure.SeizureDetector` and to the
fixed-threshold baseline :class:`detectors.baseline.LineLengthBaseline` at several
thresholds (2.0× is its default; the others show it is not a strawman). Events are
scored with SzCORE (:func:`detectors.scoring.score_many`: 30 s / 60 s tolerance,
90-s merge, 5-min split) and pooled per recording set.

Recording sets (``../shared/data`` ones are skipped when absent):

- ``michigan``: the 500-s Michigan recording (31 ch, 100 Hz, raw amplifier
  units); reference seizure 350–440 s (onset stated by the data owners, strong
  ictal activity to about 440 s).
- ``chb01-dev``, ``chb01-heldout``: 1-h recordings stitched from the chb01
  fragments (``bench/stitch.py``), seeds 0–2 (used while choosing the thresholds)
  and 10–14 (not used), 7 seizures each.
- ``eegmmidb``: the four S001 runs of a healthy volunteer played back to back with
  a gap flag between runs (eyes open, eyes closed, two motor tasks): seizure-free.
- ``synthetic-sz``: :func:`recordings.synthetic.make_seizure_recording` (15 min, two
  seizures, generalized or focal) plus random movement (75–300 µV), electrode-pop
  and clipping artefacts; referential montage, because the generator's generalized
  discharges are nearly identical on all electrodes and cancel in bipolar
  derivations.
- ``synthetic-bg``: seizure-free synthetic EEG (20 min each) with ten artefacts
  each (movement, pops, clipping, NaN, flat), double-banana montage; plus one 6-h
  artefact-free background stream (``--quick`` skips it).

Burst suppression
-----------------
:func:`recordings.synthetic.make_burst_suppression` (10 min) over target ratios,
seeds and noise levels, plus a 30-min recording whose depth changes
(:func:`recordings.synthetic.stream_background_chunks` with suppression epochs).
Figures: mean absolute error of the 60-s suppression ratio at every hop from 60 s
on (percentage points), burst count against the generator's bursts, and the depth
label at the end of every minute against the label of the true ratio of that
minute (also excluding minutes whose true ratio lies within 2 pp of the 0.50
boundary or in (0.97, 0.995) around the 0.99 one). ``--bs-path tracker`` runs the
montage and tracker alone, fed with the unfiltered montaged samples (what the
engine should pass).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import inspect
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stitch import (  # noqa: E402
    background_then,
    data_dir,
    homogeneous_pool,
    load_chb01_fragments,
    stitch_chb01,
)
from rse_monitor.detectors.annotations import SeizureEvent  # noqa: E402
from rse_monitor.detectors.baseline import LineLengthBaseline  # noqa: E402
from rse_monitor.detectors.burst import DepthClassifier, SuppressionTracker, classify_depth  # noqa: E402
from rse_monitor.detectors.scoring import ScoreResult, score_many  # noqa: E402
from rse_monitor.detectors.seizure import DetectedSeizure, SeizureDecision, SeizureDetector  # noqa: E402
from rse_monitor.monitoring.engine import BedEngine, EngineConfig  # noqa: E402
from rse_monitor.pipeline.chunk import Chunk  # noqa: E402
from rse_monitor.pipeline.preprocess import BipolarMontage  # noqa: E402
from rse_monitor.recordings.synthetic import (  # noqa: E402
    ArtefactKind,
    SyntheticRecording,
    add_artefacts,
    iter_chunks,
    make_burst_suppression,
    make_recurring_seizures,
    make_seizure_recording,
    stream_background_chunks,
)

__all__ = [
    "BASELINE_THRESHOLDS",
    "Recording",
    "run_detectors",
    "window_ictality",
    "seizure_benchmark",
    "burst_benchmark",
    "main",
]

MAIN = "ours"
#: the whole engine: the relative detector OR the ACNS 2021 criteria (what a bed reports)
ENGINE = "ours+acns"
#: a detection that overlaps no reference seizure widened by this much is a strict FP
STRICT_MARGIN_S = 5.0
BASELINE_THRESHOLDS = (1.5, 2.0, 2.5, 3.0)
BASELINE_DEFAULT = "esteller@2.0"
Factory = Callable[[tuple[str, ...]], Any]


def detector_factories() -> dict[str, Factory]:
    """Our detector and the baseline at each threshold of :data:`BASELINE_THRESHOLDS`."""
    out: dict[str, Factory] = {MAIN: SeizureDetector}
    for r in BASELINE_THRESHOLDS:
        out[f"esteller@{r:.1f}"] = functools.partial(LineLengthBaseline, threshold_ratio=r)
    return out


# --------------------------------------------------------------------------- running


@dataclass
class Recording:
    """One recording to benchmark: a chunk stream and its reference seizures."""

    name: str
    chunks: Callable[[], Iterable[Chunk]]
    sfreq_hz: float
    ch_names: tuple[str, ...]
    duration_s: float
    reference: list[tuple[float, float]]
    config: EngineConfig = field(default_factory=EngineConfig)
    unit_known: bool = True


class _Tee:
    """Stands in the engine's detector slot; feeds every detector the same features."""

    def __init__(self, detectors: dict[str, Any]) -> None:
        self.detectors = detectors
        self.events: dict[str, list[DetectedSeizure]] = {k: [] for k in detectors}
        self.alarms: dict[str, list[float]] = {k: [] for k in detectors}
        self.strengths: dict[str, list[tuple[float, float]]] = {k: [] for k in detectors}
        # which detectors take the suppressed fraction (the baseline does not)
        self._takes_suppression = {
            k: "suppressed_fraction" in inspect.signature(d.update).parameters
            for k, d in detectors.items()
        }
        # and which take the engine's artefact flag (detectors.artefacts)
        self._takes_artefact = {
            k: "artefact" in inspect.signature(d.update).parameters for k, d in detectors.items()
        }

    def update(
        self,
        t_s: float,
        line_length: Any,
        good: Any,
        psd: Any = None,
        freqs_hz: Any = None,
        suppressed_fraction: float | None = None,
        artefact: bool = False,
    ) -> SeizureDecision:
        first: SeizureDecision | None = None
        for name, det in self.detectors.items():
            extra = (
                {"suppressed_fraction": suppressed_fraction}
                if self._takes_suppression[name]
                else {}
            )
            if self._takes_artefact[name]:
                extra["artefact"] = artefact
            dec = det.update(t_s, line_length, good, psd=psd, freqs_hz=freqs_hz, **extra)
            self.strengths[name].append((t_s, dec.strength))
            if dec.onset is not None:
                self.alarms[name].append(t_s)
            if dec.offset is not None:
                self.events[name].append(dec.offset)
            first = dec if first is None else first
        assert first is not None
        return first

    @property
    def current(self) -> DetectedSeizure | None:
        """The open event of the first detector (the engine reports it)."""
        first = next(iter(self.detectors.values()))
        return getattr(first, "current", None)

    def release_background(self, until_s: float, keep: bool) -> None:
        for det in self.detectors.values():
            if hasattr(det, "release_background"):
                det.release_background(until_s, keep)

    def finish(self, t_end_s: float) -> DetectedSeizure | None:
        out = None
        for name, det in self.detectors.items():
            ev = det.finish(t_end_s)
            if ev is not None:
                self.events[name].append(ev)
                out = ev if name == MAIN else out
        return out


def run_detectors(rec: Recording, factories: dict[str, Factory]) -> tuple[_Tee, list[float]]:
    """Run the engine over ``rec`` with all detectors; return the tee and the
    times of the engine's own ``seizure_onset`` alerts (our detector's)."""
    config = dataclasses.replace(rec.config, acns=False)  # each detector on its own
    engine = BedEngine(rec.sfreq_hz, rec.ch_names, rec.unit_known, config)
    tee = _Tee({k: f(engine.ch_names) for k, f in factories.items()})
    engine.detector = tee  # type: ignore[assignment]
    alerts: list[float] = []
    for chunk in rec.chunks():
        for hop in engine.push(chunk):
            alerts += [a.t_s for a in hop.alerts if a.kind == "seizure_onset"]
    engine.finish()
    return tee, alerts


def run_engine(rec: Recording) -> tuple[list[DetectedSeizure], list[float]]:
    """The whole engine as a bed runs it (relative detector OR ACNS criteria): its
    seizure events and the times of its ``seizure_onset`` alerts."""
    engine = BedEngine(rec.sfreq_hz, rec.ch_names, rec.unit_known, rec.config)
    alerts: list[float] = []
    for chunk in rec.chunks():
        for hop in engine.push(chunk):
            alerts += [a.t_s for a in hop.alerts if a.kind == "seizure_onset"]
    return engine.finish(), alerts


def strict_false_detections(
    ref: Sequence[SeizureEvent], hyp: Sequence[SeizureEvent], margin_s: float = STRICT_MARGIN_S
) -> int:
    """Detections that overlap no reference seizure widened by ``margin_s`` on each
    side, each counted (no SzCORE merging of detections < 90 s apart)."""
    return sum(
        not any(h.onset_s < r.offset_s + margin_s and h.offset_s > r.onset_s - margin_s
                for r in ref)
        for h in hyp
    )  # fmt: skip


def _as_events(events: Sequence[DetectedSeizure], duration_s: float) -> list[SeizureEvent]:
    out = []
    for e in events:
        end = duration_s if e.offset_s is None else e.offset_s
        out.append(
            SeizureEvent(
                e.onset_s, max(0.0, end - e.onset_s), confidence=float(np.clip(e.confidence, 0, 1))
            )
        )
    return out


# --------------------------------------------------------------------------- recording sets


def _edf_chunks(path: Path, chunk_s: float = 60.0) -> Callable[[], Iterable[Chunk]]:
    from rse_monitor.pipeline.ingest import EdfSource

    return lambda: EdfSource(path, chunk_s=chunk_s).chunks()


def michigan_set() -> list[Recording]:
    from rse_monitor.pipeline.ingest import EdfSource

    path = data_dir() / "michigan_seizure" / "michigan_seizure_500s.edf"
    if not path.exists():
        return []
    src = EdfSource(path, chunk_s=60.0)
    return [
        Recording(
            "michigan",
            _edf_chunks(path),
            src.sfreq_hz,
            src.ch_names,
            src.duration_s,
            [(350.0, 440.0)],
            unit_known=src.info.unit_known,
        )
    ]


def chb01_set(seeds: Sequence[int], duration_s: float = 3600.0) -> list[Recording]:
    if not (data_dir() / "chbmit_chb01_fragments").is_dir():
        return []
    frags, names = load_chb01_fragments()
    out = []
    for seed in seeds:
        rec = stitch_chb01(duration_s, seed, fragments=frags, ch_names=names)
        out.append(_synthetic_recording(f"chb01_s{seed}", rec))
    return out


def eegmmidb_set() -> list[Recording]:
    from rse_monitor.pipeline.ingest import EdfSource

    folder = data_dir() / "eegmmidb_S001"
    paths = sorted(folder.glob("S001R0[1-4].edf"))
    if not paths:
        return []
    sources = [EdfSource(p, chunk_s=10.0) for p in paths]
    total = sum(s.duration_s for s in sources)

    def chunks() -> Iterable[Chunk]:
        offset = 0.0
        for p in paths:
            src = EdfSource(p, chunk_s=10.0)
            for i, c in enumerate(src.chunks()):
                yield Chunk(
                    c.data_uv,
                    c.t0_s + offset,
                    c.sfreq_hz,
                    c.ch_names,
                    gap_before=(i == 0 and offset > 0),
                    unit_known=c.unit_known,
                )
            offset += src.duration_s

    s0 = sources[0]
    return [Recording("eegmmidb_S001", chunks, s0.sfreq_hz, s0.ch_names, total, [])]


def eegmat_set() -> list[Recording]:
    """Healthy adults (PhysioNet EEG during mental arithmetic), 8 channels, 500 Hz."""
    from rse_monitor.pipeline.ingest import EdfSource

    out = []
    for path in sorted((data_dir() / "eegmat_rest_task").glob("Subject*_*.edf")):
        src = EdfSource(path, chunk_s=60.0)
        out.append(Recording(path.stem, _edf_chunks(path), src.sfreq_hz, src.ch_names,
                             src.duration_s, [], unit_known=src.info.unit_known))  # fmt: skip
    return out


def icu_clip_set() -> list[Recording]:
    """The 12 expert-labelled 50-s ICU clips: the two ``sz`` clips are seizure from
    their first sample to their end; the others hold no seizure (60-Hz country)."""
    from rse_monitor.pipeline.ingest import EdfSource

    folder = data_dir() / "iiic_icu_patterns"
    out = []
    for path in sorted(folder.glob("*_sample*.edf")):
        src = EdfSource(path, chunk_s=10.0)
        ref = [(0.0, src.duration_s)] if path.name.startswith("SZ_") else []
        out.append(Recording(path.stem, _edf_chunks(path, 10.0), src.sfreq_hz, src.ch_names,
                             src.duration_s, ref, EngineConfig(notch_hz=60.0),
                             src.info.unit_known))  # fmt: skip
    return out


def _synthetic_recording(name: str, rec: SyntheticRecording, montage: bool = True) -> Recording:
    return Recording(
        name,
        lambda: iter_chunks(rec, 60.0),
        rec.sfreq_hz,
        rec.ch_names,
        rec.duration_s,
        list(rec.seizures),
        EngineConfig(montage=montage),
    )


def synthetic_seizure_recording(seed: int, duration_s: float = 900.0) -> SyntheticRecording:
    """Two seizures (generalized for even seeds, focal for odd) and random artefacts."""
    rng = np.random.default_rng(1000 + seed)
    focal = None if seed % 2 == 0 else [["T3", "F7"], ["C4"], ["O1", "P3"], ["F4", "F8"]][seed % 4]
    first_end = 340.0 + 20.0 * (seed % 3)
    rec = make_seizure_recording(
        duration_s,
        256.0,
        seizures=((300.0, first_end), (620.0, 700.0)),
        seed=seed,
        focal_channels=focal,
    )
    for j, kind in enumerate(("movement", "electrode_pop", "movement", "clip", "movement")):
        start = float(rng.uniform(70.0, duration_s - 20.0))
        if any(a - 40.0 < start < b + 40.0 for a, b in rec.seizures):
            continue
        chans = [str(rng.choice(rec.ch_names))] if kind == "electrode_pop" else None
        amp = float(rng.choice([75.0, 150.0, 300.0])) if kind == "movement" else None
        rec = add_artefacts(
            rec,
            cast(ArtefactKind, kind),
            start,
            float(rng.uniform(3.0, 15.0)),
            channels=chans,
            seed=seed * 10 + j,
            amplitude_uv=amp,
        )
    return rec


def synthetic_background_recording(seed: int, duration_s: float = 1200.0) -> SyntheticRecording:
    """Seizure-free synthetic EEG with ten artefacts of random kinds and sizes."""
    rng = np.random.default_rng(2000 + seed)
    rec = make_seizure_recording(duration_s, 256.0, seizures=(), seed=100 + seed)
    kinds = (
        "movement",
        "electrode_pop",
        "clip",
        "movement",
        "nan",
        "flat",
        "movement",
        "electrode_pop",
        "movement",
        "clip",
    )
    for j, kind in enumerate(kinds):
        start = 90.0 + j * (duration_s - 120.0) / len(kinds) + float(rng.uniform(0, 20))
        chans = None
        if kind == "electrode_pop":
            chans = [str(c) for c in rng.choice(rec.ch_names, size=2, replace=False)]
        elif kind == "flat":
            chans = [str(rng.choice(rec.ch_names))]
        amp = float(rng.choice([75.0, 150.0, 300.0])) if kind == "movement" else None
        rec = add_artefacts(
            rec,
            cast(ArtefactKind, kind),
            start,
            float(rng.uniform(3.0, 15.0)),
            channels=chans,
            seed=seed * 50 + j,
            amplitude_uv=amp,
        )
    return rec


def long_background(duration_s: float = 6 * 3600.0, seed: int = 7) -> Recording:
    names = tuple(make_seizure_recording(2.0, 256.0, seizures=()).ch_names)
    return Recording(
        f"stream_bg_{duration_s / 3600:.0f}h",
        lambda: stream_background_chunks(duration_s, 256.0, 19, chunk_s=60.0, seed=seed),
        256.0,
        names,
        duration_s,
        [],
    )


def recording_sets(quick: bool = False) -> dict[str, list[Recording]]:
    sz_seeds = (0, 1, 10, 11) if quick else (0, 1, 2, 3, 10, 11, 12, 13)
    bg_seeds = (0,) if quick else (0, 1, 2, 3)
    sets = {
        "michigan": michigan_set(),
        "chb01-dev": chb01_set((0,) if quick else (0, 1, 2)),
        "chb01-heldout": chb01_set((10,) if quick else (10, 11, 12, 13, 14)),
        "eegmmidb": eegmmidb_set(),
        "eegmat": eegmat_set(),
        "icu-clips": icu_clip_set(),
        "synthetic-sz": [
            _synthetic_recording(f"synsz_s{s}", synthetic_seizure_recording(s), montage=False)
            for s in sz_seeds
        ],
        "synthetic-bg": [
            _synthetic_recording(f"synbg_s{s}", synthetic_background_recording(s)) for s in bg_seeds
        ],
    }
    # recordings that start inside a seizure (the seizure generator of the bundled
    # recording, seizure 0-60 s) and an ICU scenario with seizures every 2-5 min
    sets["synthetic-ictal-start"] = [
        _synthetic_recording(
            f"synstart_s{s}",
            make_seizure_recording(180.0, 256.0, seizures=((0.0, 60.0),), seed=s),
        )
        for s in ((0, 1) if quick else (0, 1, 2, 3))
    ]
    sets["synthetic-recurring"] = [
        _synthetic_recording(f"synrec_s{s}", make_recurring_seizures(1800.0, seed=s))
        for s in ((0,) if quick else (0, 1))
    ]
    # the same scenario on an attenuated background (15 µV RMS instead of 30): in
    # RSE under anaesthesia the EEG between seizures is of low voltage (Treiman et
    # al., Epilepsy Res 1990;5:49-60: periodic discharges "on a flat background"),
    # so the ictal discharges stand out from it more than on an awake adult's 30 µV
    sets["synthetic-recurring-lowv"] = [
        _synthetic_recording(
            f"synreclv_s{s}", make_recurring_seizures(1800.0, seed=s, background_uv=15.0)
        )
        for s in ((0,) if quick else (0, 1))
    ]
    if not quick:
        sets["synthetic-bg"].append(long_background())
    return {k: v for k, v in sets.items() if v}


# --------------------------------------------------------------------------- seizure benchmark


def seizure_benchmark(quick: bool = False, out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Score every detector on every set; print the table; return the figures."""
    factories = detector_factories()
    results: dict[str, Any] = {}
    print("\nSeizure detection (SzCORE event scoring, pooled per set)")
    head = (
        f"{'set':14s} {'detector':13s} {'rec':>3s} {'hours':>6s} {'ref':>4s} {'TP':>3s} "
        f"{'FP':>3s} {'sens':>5s} {'prec':>5s} {'F1':>5s} {'FA/24h':>7s} {'lat_s':>6s} "
        f"{'strictFP':>8s}"
    )
    print(head)
    print("-" * len(head))
    t0 = time.perf_counter()
    for set_name, recs in recording_sets(quick).items():
        names = [ENGINE, *factories]
        per_det: dict[str, list[tuple[list[SeizureEvent], list[SeizureEvent], float]]] = {
            k: [] for k in names
        }
        extra: dict[str, Any] = {}
        for rec in recs:
            tee, alerts = run_detectors(rec, factories)
            ref = [SeizureEvent(a, b - a) for a, b in rec.reference]
            for k in factories:
                per_det[k].append((ref, _as_events(tee.events[k], rec.duration_s), rec.duration_s))
            eng_events, eng_alerts = run_engine(rec)
            per_det[ENGINE].append((ref, _as_events(eng_events, rec.duration_s), rec.duration_s))
            if set_name == "michigan":
                extra = {
                    "first_alarm_t_s": eng_alerts[0] if eng_alerts else None,
                    "relative_first_alarm_t_s": alerts[0] if alerts else None,
                    "alarms_t_s": alerts,
                    "baseline_alarms_t_s": tee.alarms[BASELINE_DEFAULT],
                }
        results[set_name] = {"recordings": [r.name for r in recs], **extra}
        for k in names:
            r = score_many(per_det[k])
            strict = sum(strict_false_detections(ref, hyp) for ref, hyp, _ in per_det[k])
            results[set_name][k] = {**r.to_dict(), "strict_false_detections": strict}
            print(_row(set_name, k, r) + f" {strict:8d}")
        if extra:
            fa = extra["first_alarm_t_s"]
            print(
                f"{'':14s} Michigan: our first seizure_onset alert at t = {fa} s "
                f"(all: {extra['alarms_t_s']}); baseline alarms {extra['baseline_alarms_t_s']}"
            )
    print(f"(seizure benchmark {time.perf_counter() - t0:.0f} s)")
    if out is not None:
        out["seizure"] = results
    return results


def _fmt(v: float | None, spec: str = ".2f") -> str:
    return "n/a" if v is None else format(v, spec)


def _row(set_name: str, det: str, r: ScoreResult) -> str:
    return (
        f"{set_name:14s} {det:13s} {r.n_records:3d} {r.total_duration_s / 3600:6.2f} "
        f"{r.n_ref:4d} {r.n_true_positive:3d} {r.n_false_positive:3d} {_fmt(r.sensitivity):>5s} "
        f"{_fmt(r.precision):>5s} {_fmt(r.f1):>5s} {r.false_alarms_per_24h:7.1f} "
        f"{_fmt(r.median_onset_latency_s, '.1f'):>6s}"
    )


# --------------------------------------------------------------------------- ictality (chb01)


def window_ictality(
    factory: Factory | None = None, background_s: float = 180.0, seed: int = 0
) -> list[dict[str, Any]]:
    """Judge each chb01 ictal window against its own pre-ictal window.

    For seizure ``i`` a background of ``background_s`` is stitched from the
    pre-ictal windows of the *other* seizures (homogeneous pool, see
    :func:`bench.stitch.homogeneous_pool`); the detector learns it (warm-up and
    baseline), then the window under test is crossfaded in. The window's
    ictality is the mean detector ``strength`` (ln of the k-th highest channel
    line-length ratio to baseline) over the hops whose 2-s window lies entirely
    in the test window; the pre-ictal and the ictal window of a seizure are each
    judged after the same background. Comparable across windows because it is a
    log ratio to a baseline learnt the same way each time.

    Returns one dict per seizure: record, pre, ictal (mean strengths), and the
    mean hop scores.
    """
    frags, names = load_chb01_fragments()
    factory = factory or SeizureDetector
    out = []
    for i, frag in enumerate(frags):
        pool = homogeneous_pool([f.preictal_uv for j, f in enumerate(frags) if j != i])
        row: dict[str, Any] = {"record": frag.record}
        for label, window in (("pre", frag.preictal_uv), ("ictal", frag.ictal_uv)):
            data, t_in = background_then(pool, window, background_s, seed=seed + i)
            engine = BedEngine(256.0, names)
            tee = _Tee({"d": factory(engine.ch_names)})
            engine.detector = tee  # type: ignore[assignment]
            engine.push(Chunk(data, 0.0, 256.0, names))
            end_s = data.shape[1] / 256.0
            hops = [(t, s) for t, s in tee.strengths["d"] if t_in + 2.0 <= t <= end_s]
            vals = np.array([s for _, s in hops], dtype=np.float64)
            row[label] = float(np.nanmean(vals)) if vals.size else math.nan
        out.append(row)
    return out


def ictality_benchmark(out: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    if not (data_dir() / "chbmit_chb01_fragments").is_dir():
        print("\nchb01 fragments absent: ictality skipped")
        return []
    print("\nchb01 window ictality (mean ln k-th channel LL ratio to a learnt background)")
    print(
        f"{'seizure':10s} {'ours pre':>9s} {'ours ictal':>10s} {'base pre':>9s} {'base ictal':>10s}"
    )
    ours = window_ictality()
    base = window_ictality(
        lambda ch: LineLengthBaseline(ch, threshold_ratio=2.0, calibration_s=60.0)
    )
    rows = []
    for a, b in zip(ours, base, strict=True):
        rows.append(
            {
                "record": a["record"],
                "ours_pre": a["pre"],
                "ours_ictal": a["ictal"],
                "baseline_pre": b["pre"],
                "baseline_ictal": b["ictal"],
            }
        )
        print(
            f"{a['record']:10s} {a['pre']:9.2f} {a['ictal']:10.2f} "
            f"{b['pre']:9.2f} {b['ictal']:10.2f}"
        )
    n_ok = sum(r["ours_ictal"] > r["ours_pre"] for r in rows)
    print(f"ictal judged more ictal than its own pre-ictal window: {n_ok}/{len(rows)} (ours)")
    if out is not None:
        out["ictality"] = rows
    return rows


# --------------------------------------------------------------------------- burst suppression

#: Noise levels of the burst-suppression benchmark (make_burst_suppression arguments).
BS_NOISE: dict[str, dict[str, Any]] = {
    "clean": dict(floor_rms_uv=1.0, line_noise_uv=5.0, ecg_uv=15.0),
    "mains60+ecg": dict(floor_rms_uv=2.0, line_noise_uv=20.0, line_noise_hz=60.0, ecg_uv=40.0),
    "noisy": dict(floor_rms_uv=4.0, line_noise_uv=10.0, ecg_uv=80.0, artefact_channel="C3"),
}
BS_RATIOS = (0.3, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


@dataclass
class BsRun:
    """Figures of one burst-suppression recording."""

    ratio: float
    seed: int
    noise: str
    sr_mae_pp: float
    sr_bias_pp: float
    n_bursts: int
    n_bursts_true: int
    depth_ok: int
    depth_n: int
    depth_ok_clear: int
    depth_n_clear: int


def _bs_series(
    rec_chunks: Iterable[Chunk], sfreq_hz: float, ch_names: tuple[str, ...], path: str
) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """Hop times, suppression ratios, depth labels and total bursts."""
    if path == "engine":
        engine = BedEngine(sfreq_hz, ch_names)
        t, sr, depth = [], [], []
        for c in rec_chunks:
            for h in engine.push(c):
                t.append(h.t_s)
                sr.append(h.suppression_ratio)
                depth.append(h.depth)
        return np.array(t), np.array(sr), depth, engine.tracker.n_bursts_total
    montage = BipolarMontage(ch_names)
    tracker = SuppressionTracker(sfreq_hz, len(montage.ch_names))
    dc = DepthClassifier()
    t_all, sr_all, depth = [], [], []
    next_hop = 1.0
    for c in rec_chunks:
        m = montage.push(c)
        hops = np.arange(next_hop, c.t_end_s + 1e-9, 1.0)
        st = tracker.push(m.data_uv, m.t0_s, hops)
        next_hop = float(hops[-1]) + 1.0 if hops.size else next_hop
        for tt, r in zip(hops, st.suppression_ratio, strict=True):
            t_all.append(float(tt))
            sr_all.append(float(r))
            depth.append(dc.update(float(tt), float(r))[0])
    return np.array(t_all), np.array(sr_all), depth, tracker.n_bursts_total


def _truth_ratio(mask: np.ndarray, fs: float, t_end_s: float, window_s: float = 60.0) -> float:
    stop = min(mask.size, int(math.ceil(t_end_s * fs - 1e-9)))
    start = max(0, int(math.ceil((t_end_s - window_s) * fs - 1e-9)))
    return float(mask[start:stop].mean())


def _near_boundary(ratio: float) -> bool:
    """True ratio within 2 pp of the 0.50 boundary, or in (0.97, 0.995) around 0.99."""
    return abs(ratio - 0.5) < 0.02 or 0.97 < ratio < 0.995


def _bs_figures(
    t: np.ndarray, sr: np.ndarray, depth: list[str], mask: np.ndarray, fs: float
) -> tuple[float, float, int, int, int, int]:
    sel = t >= 60.0
    truth = np.array([_truth_ratio(mask, fs, x) for x in t[sel]])
    err = sr[sel] - truth
    minutes = [i for i, x in enumerate(t) if x >= 60.0 and abs(x / 60.0 - round(x / 60.0)) < 1e-9]
    ok = n = ok_c = n_c = 0
    for i in minutes:
        tr = _truth_ratio(mask, fs, t[i])
        good = depth[i] == classify_depth(tr)
        ok += good
        n += 1
        if not _near_boundary(tr):
            ok_c += good
            n_c += 1
    return float(np.nanmean(np.abs(err)) * 100), float(np.nanmean(err) * 100), ok, n, ok_c, n_c


def burst_benchmark(
    quick: bool = False, path: str = "engine", out: dict[str, Any] | None = None
) -> list[BsRun]:
    seeds = (0,) if quick else (0, 1, 2)
    ratios = (0.6, 0.8, 0.95) if quick else BS_RATIOS
    runs: list[BsRun] = []
    t0 = time.perf_counter()
    for noise, kw in BS_NOISE.items():
        for ratio in ratios:
            for seed in seeds:
                rec = make_burst_suppression(600.0, 256.0, suppression_ratio=ratio, seed=seed, **kw)
                assert rec.suppressed_mask is not None
                t, sr, depth, nb = _bs_series(iter_chunks(rec, 10.0), 256.0, rec.ch_names, path)
                mae, bias, ok, n, okc, nc = _bs_figures(t, sr, depth, rec.suppressed_mask, 256.0)
                runs.append(
                    BsRun(ratio, seed, noise, mae, bias, nb, len(rec.bursts), ok, n, okc, nc)
                )
    # a recording whose depth changes: continuous → BS 0.7 → BS 0.9 → isoelectric → BS 0.6
    epochs = [
        (300.0, 720.0, 0.7),
        (720.0, 1140.0, 0.9),
        (1140.0, 1500.0, 1.0),
        (1500.0, 1800.0, 0.6),
    ]
    chunks = list(
        stream_background_chunks(1800.0, 256.0, 19, 10.0, seed=5, suppression_epochs=epochs)
    )
    mask = np.concatenate([np.asarray(c.meta["suppressed_mask"]) for c in chunks])
    t, sr, depth, nb = _bs_series(chunks, 256.0, chunks[0].ch_names, path)
    mae, bias, ok, n, okc, nc = _bs_figures(t, sr, depth, mask, 256.0)
    runs.append(BsRun(-1.0, 5, "depth-changes", mae, bias, nb, -1, ok, n, okc, nc))
    _print_bs(runs, path, time.perf_counter() - t0)
    if out is not None:
        out[f"burst_{path}"] = [r.__dict__ for r in runs]
    return runs


def _print_bs(runs: list[BsRun], path: str, wall_s: float) -> None:
    print(f"\nBurst suppression (synthetic, 10 min each; path: {path})")
    head = (
        f"{'noise':14s} {'ratio':>5s} {'runs':>4s} {'MAE_pp':>7s} {'bias_pp':>8s} "
        f"{'bursts/true':>12s} {'burst_err%':>10s} {'depth_ok':>9s} {'depth_ok*':>9s}"
    )
    print(head)
    print("-" * len(head))
    keys = sorted({(r.noise, r.ratio) for r in runs}, key=lambda k: (k[0] != "clean", k))
    for noise, ratio in keys:
        rs = [r for r in runs if r.noise == noise and r.ratio == ratio]
        nb = sum(r.n_bursts for r in rs)
        nt = sum(r.n_bursts_true for r in rs)
        berr = "n/a" if nt <= 0 else f"{100 * (nb - nt) / nt:+.1f}"
        btxt = f"{nb}/{nt}" if nt >= 0 else f"{nb}/n/a"
        ok = sum(r.depth_ok for r in rs) / max(1, sum(r.depth_n for r in rs))
        n_c = sum(r.depth_n_clear for r in rs)
        okc_txt = "n/a" if n_c == 0 else f"{100 * sum(r.depth_ok_clear for r in rs) / n_c:.1f}%"
        print(
            f"{noise:14s} {ratio:5.2f} {len(rs):4d} {np.mean([r.sr_mae_pp for r in rs]):7.2f} "
            f"{np.mean([r.sr_bias_pp for r in rs]):+8.2f} {btxt:>12s} {berr:>10s} "
            f"{100 * ok:8.1f}% {okc_txt:>9s}"
        )
    grid = [r for r in runs if r.ratio >= 0]
    nb = sum(r.n_bursts for r in grid)
    nt = sum(r.n_bursts_true for r in grid)
    ok = sum(r.depth_ok for r in runs) / max(1, sum(r.depth_n for r in runs))
    okc = sum(r.depth_ok_clear for r in runs) / max(1, sum(r.depth_n_clear for r in runs))
    worst = max(grid, key=lambda r: r.sr_mae_pp)
    print(
        f"all: MAE {np.mean([r.sr_mae_pp for r in runs]):.2f} pp "
        f"(worst run {worst.sr_mae_pp:.2f} pp: "
        f"{worst.noise} ratio {worst.ratio} seed {worst.seed}); bursts {nb}/{nt} "
        f"({100 * (nb - nt) / max(nt, 1):+.1f} %); depth right on {100 * ok:.1f} % of minutes "
        f"({100 * okc:.1f} % away from class boundaries) ({wall_s:.0f} s)"
    )
    print(
        "depth_ok* excludes minutes whose true ratio lies within 2 pp of 0.50 or in (0.97, 0.995)"
    )


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Detector benchmark (see module docstring)")
    parser.add_argument("--only", choices=("seizure", "ictality", "bs"), default=None)
    parser.add_argument("--quick", action="store_true", help="fewer recordings")
    parser.add_argument("--bs-path", choices=("engine", "tracker"), default="engine")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {}
    import os

    print(f"machine: {os.cpu_count()} CPU(s); python {sys.version.split()[0]}")
    if args.only in (None, "seizure"):
        seizure_benchmark(args.quick, figures)
    if args.only in (None, "ictality"):
        ictality_benchmark(figures)
    if args.only in (None, "bs"):
        burst_benchmark(args.quick, args.bs_path, figures)
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
