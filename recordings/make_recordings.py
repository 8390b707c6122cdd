"""Regenerate the bundled synthetic recordings (deterministic; run from the repo root).

    python -m rse_monitor.recordings.make_recordings

Writes ``rse_seizure_synthetic.edf`` (+ ``rse_seizure_synthetic_events.tsv``, the
truth) and ``rse_burst_suppression_synthetic.edf`` (+
``rse_burst_suppression_synthetic_truth.csv``, the true 60-s suppression ratio per
second). Both are 19-channel 10-20 referential EEG at 256 Hz, 10 minutes, written as
EDF+C with the truth also as EDF+ annotations.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from rse_monitor.detectors.annotations import SeizureEvent, write_events_tsv
from rse_monitor.recordings.synthetic import (
    DEFAULT_CHANNELS_19,
    SyntheticRecording,
    make_burst_suppression,
    make_seizure_recording,
)

HERE = Path(__file__).resolve().parent
START = dt.datetime(2026, 1, 1, 8, 0, 0)
SEIZURES_S = ((150.0, 230.0), (400.0, 470.0))
#: (duration_s, target suppression ratio) of the burst-suppression epochs in order:
#: too light, in a typical target band, deep, isoelectric, then lightening again.
BS_EPOCHS = ((120.0, 0.3), (180.0, 0.7), (120.0, 0.93), (90.0, 1.0), (90.0, 0.6))


def write_edf(
    path: Path, data_uv: np.ndarray, sfreq_hz: float, ch_names: tuple[str, ...],
    annotations: list[tuple[float, float, str]],
) -> None:  # fmt: skip
    import edfio

    signals = [
        edfio.EdfSignal(
            row,
            sfreq_hz,
            label=f"EEG {name}",
            transducer_type="AgAgCl electrode",
            physical_dimension="uV",
            physical_range=(-2000.0, 2000.0),
            prefiltering="HP:0.1Hz LP:100Hz",
        )  # fmt: skip
        for name, row in zip(ch_names, np.clip(data_uv, -2000, 2000), strict=True)
    ]
    edf = edfio.Edf(
        signals,
        recording=edfio.Recording(startdate=START.date()),
        starttime=START.time(),
        data_record_duration=1.0,
        annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in annotations],
    )
    edf.write(path)


def make_seizure() -> SyntheticRecording:
    return make_seizure_recording(600.0, 256.0, seizures=SEIZURES_S, seed=20261125)


def make_bs() -> SyntheticRecording:
    parts = [
        make_burst_suppression(d, 256.0, suppression_ratio=r, seed=100 + i)
        for i, (d, r) in enumerate(BS_EPOCHS)
    ]
    data = np.concatenate([p.data_uv for p in parts], axis=1)
    mask = np.concatenate([p.suppressed_mask for p in parts])
    bursts, t0 = [], 0.0
    for p, (d, _) in zip(parts, BS_EPOCHS, strict=True):
        bursts += [(a + t0, b + t0) for a, b in p.bursts]
        t0 += d
    return SyntheticRecording(data, 256.0, tuple(DEFAULT_CHANNELS_19), [], mask, bursts, [])


def main() -> None:
    rec = make_seizure()
    ann = [(on, off - on, "seizure (synthetic truth)") for on, off in rec.seizures]
    write_edf(HERE / "rse_seizure_synthetic.edf", rec.data_uv, 256.0, rec.ch_names, ann)
    write_events_tsv(
        HERE / "rse_seizure_synthetic_events.tsv",
        [SeizureEvent(on, off - on, "sz", 1.0, "all") for on, off in rec.seizures],
        rec.duration_s, START,
    )  # fmt: skip
    bs = make_bs()
    t0, ann = 0.0, []
    for d, r in BS_EPOCHS:
        ann.append((t0, d, f"burst suppression target ratio {r:.2f} (synthetic truth)"))
        t0 += d
    write_edf(HERE / "rse_burst_suppression_synthetic.edf", bs.data_uv, 256.0, bs.ch_names, ann)
    with (HERE / "rse_burst_suppression_synthetic_truth.csv").open("w") as fh:
        fh.write("t_s,suppression_ratio_truth\n")
        for t in range(1, int(bs.duration_s) + 1):
            fh.write(f"{t},{bs.suppression_ratio_truth(float(t)):.4f}\n")


if __name__ == "__main__":
    main()
