"""Alerts per hour on recordings where a clinician expects (almost) none.

Runs a bed session (engine, clinical layer and the alert policy of
``monitoring/policy.py``, as the service and ``rsemon replay`` do) and counts the
alert changes by kind and state:

- 6 h of synthetic seizure-free background with artefacts-free 1/f EEG, no treatment;
- 1 h of synthetic burst suppression held inside the target band (ratio 0.7,
  target 0.5–0.8) on a midazolam infusion: titration alerts here would be noise;
- 1 h of burst suppression too light (ratio 0.3) on the infusion: one ``below_band``
  alert is expected, not one per hop;
- the real seizure-free eegmmidb S001 runs back to back (if ``../shared/data`` exists).

    python bench/alert_rate.py
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rse_monitor.detectors.alerts import Alert  # noqa: E402
from rse_monitor.detectors.clinical import ClinicalState, Targets  # noqa: E402
from rse_monitor.monitoring.engine import HopResult  # noqa: E402
from rse_monitor.monitoring.session import BedSession, Sink, SourceInfo  # noqa: E402
from rse_monitor.pipeline.chunk import Chunk  # noqa: E402
from rse_monitor.pipeline.ingest import EdfSource  # noqa: E402
from rse_monitor.recordings.synthetic import (  # noqa: E402
    DEFAULT_CHANNELS_19,
    iter_chunks,
    make_burst_suppression,
    stream_background_chunks,
)

DATA = REPO.parent / "shared" / "data"


class _Count(Sink):
    """Counts the alert transitions a bed session publishes, by kind and state."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.t_end_s = 0.0

    def write(self, session: BedSession, hops: list[HopResult], alerts: list[Alert]) -> None:
        self.kinds.update(f"{a.kind} ({a.state})" for a in alerts)
        if hops:
            self.t_end_s = hops[-1].t_s


def count(chunks: Iterable[Chunk], fs: float, names: tuple[str, ...],
          clinical: ClinicalState) -> tuple[Counter[str], float]:  # fmt: skip
    """The chunks through a bed session (as ``rsemon replay`` and a service bed)."""
    sink = _Count()
    session = BedSession("bench", None, None, [sink], clinical=clinical)
    session.start(SourceInfo(fs, tuple(names)))
    for chunk in chunks:
        session.push(chunk)
    return sink.kinds, sink.t_end_s / 3600.0


def on_infusion() -> ClinicalState:
    state = ClinicalState(weight_kg=70.0, targets=Targets("burst_suppression", 0.5, 0.8, 300.0))
    state.add_treatment(0.0, "midazolam", 0.2, "mg/kg/h", "IV", "infusion_start")
    return state


def main() -> None:
    rows = []
    t0 = time.perf_counter()
    bg = stream_background_chunks(6 * 3600, 256.0, chunk_s=60, seed=11,
                                  ch_names=DEFAULT_CHANNELS_19, line_noise_uv=5.0)  # fmt: skip
    rows.append(("synthetic background, no treatment", *count(bg, 256.0, DEFAULT_CHANNELS_19,
                                                              ClinicalState())))  # fmt: skip
    for ratio, label in ((0.7, "in band"), (0.3, "too light")):
        rec = make_burst_suppression(3600, 256.0, suppression_ratio=ratio, seed=5)
        kinds, hours = count(iter_chunks(rec, 60.0), 256.0, rec.ch_names, on_infusion())
        rows.append((f"burst suppression {ratio} on midazolam, target 0.5-0.8 ({label})",
                     kinds, hours))  # fmt: skip
    runs = sorted((DATA / "eegmmidb_S001").glob("*.edf"))
    if runs:
        sources = [EdfSource(p, chunk_s=30.0) for p in runs]
        offset = 0.0
        chunks = []
        for src in sources:  # back to back, as one recording
            for c in src.chunks():
                chunks.append(Chunk(c.data_uv, c.t0_s + offset, c.sfreq_hz, c.ch_names))
            offset += src.duration_s
        rows.append(("eegmmidb S001 (real, seizure-free), no treatment",
                     *count(chunks, sources[0].sfreq_hz, sources[0].ch_names,
                            ClinicalState())))  # fmt: skip
    print(f"{'recording':58s} {'hours':>6s} {'alerts/h':>8s}  by kind")
    for label, kinds, hours in rows:
        n = sum(kinds.values())
        print(f"{label:58s} {hours:6.2f} {n / max(hours, 1e-9):8.2f}  {dict(kinds) or '-'}")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
