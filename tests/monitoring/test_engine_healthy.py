"""The engine on real healthy EEG (``../shared/data``): no seizure and no ACNS pattern.

eegmat (12 recordings of 6 healthy adults, resting and counting, 8 channels with
ear reference) and eegmmidb S001 (4 runs, 64 channels). Known answers that have
failed before: posterior alpha peaks made a 3.97-Hz "LPD" on Subject05_1, and slow
eye movements a frontopolar 0.75-Hz "GRDA" on S001R02. Skipped when the data are
absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rse_monitor.monitoring.engine import BedEngine
from rse_monitor.monitoring.settings import EngineConfig
from rse_monitor.pipeline.ingest import EdfSource

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
FILES = sorted((DATA / "eegmat_rest_task").glob("Subject*_*.edf")) + sorted(
    (DATA / "eegmmidb_S001").glob("*.edf")
)

pytestmark = pytest.mark.skipif(not FILES, reason=f"no healthy EEG under {DATA}")


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_healthy_eeg_has_no_seizure_and_no_pattern(path: Path) -> None:
    src = EdfSource(path, chunk_s=10.0)
    eng = BedEngine(src.sfreq_hz, src.ch_names, src.info.unit_known, EngineConfig())
    alarms = []
    for chunk in src.chunks():
        for hop in eng.push(chunk):
            alarms += [a.t_s for a in hop.alerts if a.kind == "seizure_onset"]
    eng.finish()
    assert not eng.events and not alarms
    assert eng.pattern_episodes() == [], [
        (ep.term, ep.onset_s, ep.offset_s, ep.top_channels(4)) for ep in eng.pattern_episodes()
    ]


#: healthy files whose posterior alpha rhythm, read every other wave, made BIRDs
#: (7 on Subject05_1, 1 on S001R02) before the rhythm at twice a run's rate was checked
ALPHA_BIRDS = [p for p in FILES if p.stem in ("Subject05_1", "S001R02")]


@pytest.mark.parametrize("path", ALPHA_BIRDS, ids=[p.stem for p in ALPHA_BIRDS])
def test_a_healthy_alpha_rhythm_makes_no_birds(path: Path) -> None:
    """BIRDs score 2 points of 2HELPS2B; the alpha rhythm of an awake adult is a known
    normal pattern (ACNS 2021: not a BIRD), however the detector samples it."""
    src = EdfSource(path, chunk_s=10.0)
    eng = BedEngine(src.sfreq_hz, src.ch_names, src.info.unit_known, EngineConfig())
    for chunk in src.chunks():
        eng.push(chunk)
    eng.finish()
    assert eng.patterns is not None and eng.patterns.n_windows > 0
    birds = [(t0 + b.onset_s, b.frequency_hz, b.channels)
             for t0, f in eng.patterns.brief_log for b in f.birds]  # fmt: skip
    assert birds == []
