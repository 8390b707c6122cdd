"""A live bed's raw EEG on disk: what is written reads back (within the stated
quantisation), gaps stay gaps, a crash-cut file reads to its last block, a file per
hour, pruning by age and size, and the session's ``chunk`` hook feeds the sink."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from rse_monitor.monitoring.raw_archive import BLOCK_HEADER, RawArchive, RawArchiveSink, prune
from rse_monitor.monitoring.session import BedSession, SourceInfo
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.recordings.synthetic import make_seizure_recording

FS = 256.0
NAMES = ("C3", "C4", "O1")


def _chunk(t0_s: float, n: int, seed: int = 0, dc_uv: float = 0.0) -> Chunk:
    rng = np.random.default_rng(seed)
    data = rng.normal(0, 40, (len(NAMES), n)) + dc_uv
    return Chunk(data, t0_s, FS, NAMES)


def test_written_samples_read_back_within_half_a_step(tmp_path: Path) -> None:
    arc = RawArchive(tmp_path / "bed")
    chunks = [_chunk(10.0 + i, 256, seed=i, dc_uv=50_000.0) for i in range(5)]  # 50 mV DC
    for c in chunks:
        arc.append(c)
    arc.close()
    span = arc.read(10.0, 15.0)
    assert span is not None and span.ch_names == NAMES and span.sfreq_hz == FS
    assert span.t0_s == 10.0 and span.data_uv.shape == (3, 1280)
    truth = np.concatenate([c.data_uv for c in chunks], axis=1)
    step = (truth.max(axis=1) - truth.min(axis=1)) / 65534  # a bound on each block's step
    assert (np.abs(span.data_uv - truth).max(axis=1) <= step / 2 + 1e-3).all()
    # a part of the span, on the sample grid
    part = arc.read(11.5, 12.0)
    assert part is not None and part.t0_s == 11.5
    np.testing.assert_allclose(part.data_uv, truth[:, 384:512], atol=0.01)


def test_gaps_and_nan_samples_stay_missing(tmp_path: Path) -> None:
    arc = RawArchive(tmp_path / "bed")
    a = _chunk(0.0, 256)
    bad = a.data_uv.copy()
    bad[1, 10:20] = np.nan
    arc.append(Chunk(bad, 0.0, FS, NAMES))
    arc.append(_chunk(3.0, 256, seed=2))  # 2 s never arrived
    span = arc.read(0.0, 4.0)
    assert span is not None
    assert np.isnan(span.data_uv[1, 10:20]).all() and np.isfinite(span.data_uv[0, 10:20]).all()
    assert np.isnan(span.data_uv[:, 256:768]).all()
    assert np.isfinite(span.data_uv[:, 768:]).all()
    assert arc.read(100.0, 110.0) is None


def test_a_file_per_hour_and_a_cut_last_block_is_ignored(tmp_path: Path) -> None:
    arc = RawArchive(tmp_path / "bed")
    arc.append(_chunk(3599.0, 512))  # crosses the hour: stays in the file it began in
    arc.append(_chunk(3601.0, 256, seed=1))
    arc.close()
    files = sorted(p.name for p in (tmp_path / "bed").glob("*.eeg"))
    assert files == ["0000000-0.eeg", "0000001-0.eeg"]
    span = arc.read(3599.5, 3601.5)
    assert span is not None and np.isfinite(span.data_uv).all()
    # a crash in the middle of a block: the reader stops at the last complete one
    path = tmp_path / "bed" / "0000001-0.eeg"
    arc2 = RawArchive(tmp_path / "bed")
    arc2.append(_chunk(3602.0, 256, seed=3))  # a restarted writer: a new file
    arc2.close()
    assert (tmp_path / "bed" / "0000001-1.eeg").exists()
    with path.open("ab") as fh:
        fh.write(BLOCK_HEADER.pack(3700.0, 256) + b"\0" * 100)
    span = arc.read(3601.0, 3603.0)
    assert span is not None and np.isfinite(span.data_uv).all()


def test_prune_removes_old_files_then_the_oldest_beyond_the_size(tmp_path: Path) -> None:
    now = time.time()
    for bed in ("admission-1", "admission-2"):
        arc = RawArchive(tmp_path / bed)
        for hour in range(3):
            arc.append(_chunk(hour * 3600.0, 2560, seed=hour))
        arc.close()
    files = sorted(tmp_path.glob("*/*.eeg"))
    size = files[0].stat().st_size
    for i, p in enumerate(files):  # hour 0 of both beds is 80 h old; the others recent
        age_h = 80 if p.name.startswith("0000000") else 2 - int(p.name[6])
        os.utime(p, (now - age_h * 3600 - i, now - age_h * 3600 - i))
    assert prune(tmp_path, 72 * 3600, 1e12, now) == 2
    left = sorted(p.name for p in tmp_path.glob("*/*.eeg"))
    assert left == ["0000001-0.eeg", "0000001-0.eeg", "0000002-0.eeg", "0000002-0.eeg"]
    assert not list(tmp_path.glob("*/0000000-0.json"))  # the index goes with its file
    # size: the oldest go first, the newest file of each bed stays
    assert prune(tmp_path, 72 * 3600, 2.5 * size, now) == 2
    assert sorted(p.name for p in tmp_path.glob("*/*.eeg")) == ["0000002-0.eeg"] * 2
    assert prune(tmp_path, 72 * 3600, 1.0, now) == 0
    # everything past retention: folders go too
    assert prune(tmp_path, 3600, 1e12, now + 10 * 3600) == 2
    assert list(tmp_path.iterdir()) == []


def test_the_session_feeds_every_chunk_to_the_sink(tmp_path: Path) -> None:
    rec = make_seizure_recording(30.0, FS, seizures=(), seed=3)
    sink = RawArchiveSink(tmp_path, "admission-9", 72 * 3600, 1e9)
    session = BedSession("b", None, sinks=[sink])
    session.start(SourceInfo(FS, tuple(rec.ch_names)))
    chunk = Chunk(np.ascontiguousarray(rec.data_uv), 0.0, FS, tuple(rec.ch_names))
    for c in chunk.split(77):
        session.push(c)
    session.finish()
    span = RawArchive(tmp_path / "admission-9").read(0.0, 30.0)
    assert span is not None and span.ch_names == tuple(rec.ch_names)
    np.testing.assert_allclose(span.data_uv, rec.data_uv, atol=0.05)
    assert session.n_sink_errors == 0


def test_a_store_that_cannot_write_counts_and_the_bed_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")  # the archive root is a file: every write fails
    rec = make_seizure_recording(10.0, FS, seizures=(), seed=4)
    sink = RawArchiveSink(blocker, "admission-1", 3600, 1e9)
    session = BedSession("b", None, sinks=[sink])
    session.start(SourceInfo(FS, tuple(rec.ch_names)))
    hops = []
    for c in Chunk(np.ascontiguousarray(rec.data_uv), 0.0, FS, tuple(rec.ch_names)).split(256):
        hops += session.push(c)
    assert len(hops) >= 8 and sink.n_write_errors == 10 and session.n_sink_errors == 0
