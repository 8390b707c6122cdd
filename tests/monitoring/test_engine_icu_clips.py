"""The engine on the expert-labelled ICU clips (SPaRCNet samples, ``../shared/data``).

Each 50-s clip is labelled on its central 10 s (20-30 s; the IIIC annotation
protocol, see ``bench/acns_clips.py``). These are known answers on real EEG: the
clips where the engine agrees with the experts must keep agreeing, and no clip
without a seizure may give one. Skipped when the data are absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rse_monitor.monitoring.engine import BedEngine
from rse_monitor.monitoring.settings import EngineConfig
from rse_monitor.pipeline.ingest import EdfSource

ROOT = Path(__file__).resolve().parents[2]
CLIPS = ROOT.parent / "shared" / "data" / "iiic_icu_patterns"
CENTRE = (20.0, 30.0)

pytestmark = pytest.mark.skipif(not CLIPS.is_dir(), reason=f"{CLIPS} not present")


def run(name: str) -> tuple[BedEngine, list[float]]:
    """The engine over one clip in 10-s chunks (60-Hz notch); the seizure alarm times."""
    src = EdfSource(CLIPS / f"{name}.edf", chunk_s=10.0)
    eng = BedEngine(src.sfreq_hz, src.ch_names, src.info.unit_known, EngineConfig(notch_hz=60.0))
    alarms = []
    for chunk in src.chunks():
        for hop in eng.push(chunk):
            alarms += [a.t_s for a in hop.alerts if a.kind == "seizure_onset"]
    eng.finish()
    return eng, alarms


def covers_centre(eng: BedEngine, event_type: str) -> bool:
    lo, hi = CENTRE
    return any(
        ep.event_type == event_type and ep.onset_s < hi and (ep.offset_s or 50.0) > lo
        for ep in eng.pattern_episodes()
    )


def test_the_seizure_clip_is_a_seizure_dated_from_its_discharges() -> None:
    """SZ_sample1: 3-Hz discharges from about 22 s. The seizure event starts in the
    labelled centre (20-30 s) and is raised by 45 s (ACNS: ≥ 10 s of discharges
    averaging > 2.5 Hz, judged on 10-s windows)."""
    eng, alarms = run("SZ_sample1")
    assert eng.events, "no seizure"
    assert CENTRE[0] - 2.0 <= eng.events[0].onset_s <= CENTRE[1]
    assert alarms and alarms[0] <= 45.0


@pytest.mark.parametrize(
    ("name", "event_type"),
    [("LPD_sample1", "lpd"), ("GPD_sample1", "gpd"), ("GRDA_sample1", "grda"),
     ("GRDA_sample2", "grda")],
)  # fmt: skip
def test_pattern_clips_carry_their_class_over_the_labelled_centre(
    name: str, event_type: str
) -> None:
    eng, _ = run(name)
    assert covers_centre(eng, event_type), [
        (ep.term, ep.onset_s, ep.offset_s) for ep in eng.pattern_episodes()
    ]


def test_a_clip_with_none_of_the_patterns_gives_none() -> None:
    eng, alarms = run("Other_sample1")
    assert not eng.events and not alarms
    assert eng.pattern_episodes() == []


@pytest.mark.parametrize(
    "name",
    [f"{c}_sample{i}" for c in ("LPD", "GPD", "LRDA", "GRDA", "Other") for i in (1, 2)],
)
def test_no_seizure_on_a_clip_without_one(name: str) -> None:
    eng, alarms = run(name)
    assert not eng.events and not alarms, [(e.onset_s, e.offset_s) for e in eng.events]
