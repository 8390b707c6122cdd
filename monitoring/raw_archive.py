"""A live bed's raw EEG on disk, for review: writer (a session sink), reader, pruning.

Layout: one folder per bed (admission), one file per hour of bed time, a new file
whenever the stream's layout changes or the writer (re)starts::

    <root>/<key>/<hour:07d>-<n>.eeg        blocks, appended as chunks arrive
    <root>/<key>/<hour:07d>-<n>.json       the file's layout: sfreq_hz, ch_names, unit_known

A block is one chunk as the source delivered it (µV, before the montage), in
little-endian binary::

    float64 t0_s | int32 n_samples | float32 offset_uv[n_ch] | float32 step_uv[n_ch]
    | int16 q[n_ch, n_samples]          x = offset_uv + q · step_uv

with, per block and channel, ``offset_uv`` the mid-range and ``step_uv`` the range
/ 65,534 (never below 1e-3 µV): the quantisation error is at most ``step_uv / 2``
(0.002 µV for a block spanning 200 µV; 0.08 µV for one spanning 10 mV), whatever
DC offset the amplifier has. ``q = -32768`` marks a NaN sample. Gaps are kept: each
block carries its own ``t0_s``, and blocks that do not follow on are a gap.

Size: 2 bytes per sample plus 12 + 8 · n_ch bytes per block (a block per hop, ≈ 1 s):
19 channels at 256 Hz are 9.9 kB/s, 35.6 MB per hour, **2.56 GB per bed for 72 h**
(float32 would be 4.7 GB). A file whose last block was cut by a crash is read up to
its last complete block; a writer never appends to an old file.

Pruning (:func:`prune`): files whose last write is older than the retention are
removed, then the oldest files until the folder tree is within ``max_bytes``; the
newest file of each bed is never removed for size (it may be open for writing).
"""

from __future__ import annotations

import json
import logging
import math
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from rse_monitor.monitoring.session import BedSession, Sink, SourceInfo
from rse_monitor.pipeline.chunk import Chunk

__all__ = ["BLOCK_HEADER", "RawArchive", "RawArchiveSink", "RawSpan", "prune", "read_archive"]

log = logging.getLogger(__name__)

#: t0_s (float64), n_samples (int32)
BLOCK_HEADER = struct.Struct("<di")
FILE_S = 3600.0
NAN_Q = -32768
MIN_STEP_UV = 1e-3


@dataclass(frozen=True)
class RawSpan:
    """Stored samples of one layout over a span: ``data_uv`` (n_channels, n_samples)
    on the grid ``t0_s + k / sfreq_hz``, NaN where nothing was stored (gaps)."""

    data_uv: NDArray[np.float64]
    t0_s: float
    sfreq_hz: float
    ch_names: tuple[str, ...]
    unit_known: bool


def _encode(data_uv: NDArray[np.float64]) -> tuple[bytes, bytes, bytes]:
    finite = np.isfinite(data_uv)
    with np.errstate(invalid="ignore"):
        lo = np.where(finite, data_uv, np.inf).min(axis=1)
        hi = np.where(finite, data_uv, -np.inf).max(axis=1)
    empty = ~np.isfinite(lo)
    lo[empty], hi[empty] = 0.0, 0.0
    offset = ((lo + hi) / 2).astype(np.float32)
    step = np.maximum((hi - lo) / 65534.0, MIN_STEP_UV).astype(np.float32)
    q = np.round((data_uv - offset[:, None].astype(np.float64)) / step[:, None].astype(np.float64))
    q = np.where(finite, np.clip(q, -32767, 32767), NAN_Q).astype("<i2")
    return offset.astype("<f4").tobytes(), step.astype("<f4").tobytes(), q.tobytes()


class RawArchive:
    """One bed's stored raw EEG (a folder); :meth:`append` writes, :meth:`read` reads.

    Parameters
    ----------
    folder : Path
        The bed's folder (created on the first write).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._fh: IO[bytes] | None = None
        self._hour: int | None = None
        self._layout: tuple[float, tuple[str, ...], bool] | None = None
        #: called after a new file is opened (the sink prunes the archive then)
        self.on_new_file: Callable[[], None] | None = None

    # -- writing ---------------------------------------------------------------------
    def append(self, chunk: Chunk) -> None:
        """Store one chunk (a new file at each hour of bed time and layout change)."""
        if chunk.n_samples == 0:
            return
        layout = (float(chunk.sfreq_hz), tuple(chunk.ch_names), bool(chunk.unit_known))
        hour = int(math.floor(chunk.t0_s / FILE_S))
        if self._fh is None or hour != self._hour or layout != self._layout:
            self._open(hour, layout)
        fh = self._fh
        if fh is None:  # pragma: no cover - _open sets it or raises
            raise RuntimeError(f"raw archive {self.folder}: no file open")
        offset, step, q = _encode(chunk.data_uv)
        fh.write(BLOCK_HEADER.pack(float(chunk.t0_s), chunk.n_samples) + offset + step + q)
        fh.flush()

    def _open(self, hour: int, layout: tuple[float, tuple[str, ...], bool]) -> None:
        self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        n = sum(1 for _ in self.folder.glob(f"{hour:07d}-*.eeg"))
        while (self.folder / f"{hour:07d}-{n}.eeg").exists():
            n += 1
        stem = self.folder / f"{hour:07d}-{n}"
        meta = {"sfreq_hz": layout[0], "ch_names": list(layout[1]), "unit_known": layout[2],
                "format": "rsemon-raw-1"}  # fmt: skip
        tmp = stem.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(meta))
        os.replace(tmp, stem.with_suffix(".json"))
        self._fh = stem.with_suffix(".eeg").open("ab")
        self._hour, self._layout = hour, layout
        if self.on_new_file is not None:
            self.on_new_file()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    # -- reading ---------------------------------------------------------------------
    def _files(self, start_s: float, end_s: float) -> list[tuple[Path, dict[str, Any]]]:
        if not self.folder.is_dir():
            return []
        first = int(math.floor(start_s / FILE_S)) - 1  # a block may cross the hour
        last = int(math.floor(end_s / FILE_S))
        out = []
        for path in sorted(self.folder.glob("*.eeg")):
            try:
                hour = int(path.stem.split("-")[0])
                meta = json.loads(path.with_suffix(".json").read_text())
            except (ValueError, OSError):
                continue
            if first <= hour <= last:
                out.append((path, meta))
        return out

    def read(self, start_s: float, end_s: float) -> RawSpan | None:
        """The stored samples in ``[start_s, end_s)`` (None if there are none).

        The layout is that of the first stored block in the span; blocks of another
        layout count as gaps.
        """
        span: RawSpan | None = None
        for path, meta in self._files(start_s, end_s):
            fs = float(meta["sfreq_hz"])
            names = tuple(meta["ch_names"])
            if span is not None and (fs, names) != (span.sfreq_hz, span.ch_names):
                continue
            for t0, data in _blocks(path, len(names), fs, start_s, end_s):
                if span is None:
                    k0 = math.ceil(start_s * fs - 1e-6)
                    n = max(0, math.ceil(end_s * fs - 1e-6) - k0)
                    span = RawSpan(np.full((len(names), n), np.nan), k0 / fs, fs, names,
                                   bool(meta.get("unit_known", True)))  # fmt: skip
                i0 = int(round((t0 - span.t0_s) * fs))
                a, b = max(0, i0), min(span.data_uv.shape[1], i0 + data.shape[1])
                if a < b:
                    span.data_uv[:, a:b] = data[:, a - i0 : b - i0]
        return span


def _blocks(
    path: Path, n_ch: int, fs: float, start_s: float, end_s: float
) -> list[tuple[float, NDArray[np.float64]]]:
    """Blocks of one file overlapping ``[start_s, end_s)`` (headers are scanned; a cut
    last block is ignored)."""
    out = []
    scales = 8 * n_ch
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        pos = 0
        while pos + BLOCK_HEADER.size <= size:
            fh.seek(pos)
            t0, n = BLOCK_HEADER.unpack(fh.read(BLOCK_HEADER.size))
            body = scales + 2 * n_ch * n
            if n <= 0 or pos + BLOCK_HEADER.size + body > size:
                break
            if t0 < end_s and t0 + n / fs > start_s:
                raw = fh.read(body)
                offset = np.frombuffer(raw, "<f4", n_ch, 0).astype(np.float64)
                step = np.frombuffer(raw, "<f4", n_ch, 4 * n_ch).astype(np.float64)
                q = np.frombuffer(raw, "<i2", n_ch * n, scales).reshape(n_ch, n)
                x = offset[:, None] + q.astype(np.float64) * step[:, None]
                x[q == NAN_Q] = np.nan
                out.append((float(t0), x))
            pos += BLOCK_HEADER.size + body
    return out


def prune(root: Path, max_age_s: float, max_bytes: float, now_s: float | None = None) -> int:
    """Remove stored files older than ``max_age_s`` (by last write), then the oldest
    until ``root`` holds at most ``max_bytes``; the newest file of each bed folder is
    kept whatever its size. Returns the number of ``.eeg`` files removed."""
    root = Path(root)
    if not root.is_dir():
        return 0
    now = time.time() if now_s is None else float(now_s)
    files: list[tuple[float, int, Path]] = []
    newest: set[Path] = set()
    for folder in (p for p in root.iterdir() if p.is_dir()):
        mine = []
        for path in folder.glob("*.eeg"):
            try:
                st = path.stat()
            except OSError:
                continue
            mine.append((st.st_mtime, st.st_size, path))
        if mine:
            newest.add(max(mine)[2])
        files += mine
    removed = 0
    total = sum(size for _, size, _ in files)
    for mtime, size, path in sorted(files):
        too_old = now - mtime > max_age_s
        too_big = total > max_bytes and path not in newest
        if not (too_old or too_big):
            continue
        for p in (path, path.with_suffix(".json")):
            p.unlink(missing_ok=True)
        total -= size
        removed += 1
    for folder in (p for p in root.iterdir() if p.is_dir()):
        if not any(folder.iterdir()):
            folder.rmdir()
    return removed


class RawArchiveSink(Sink):
    """A bed session's sink that stores every chunk the source delivers.

    Not critical: a chunk that cannot be written (disk full, folder removed) is
    counted and logged at most once a minute, and the bed keeps being monitored.
    After each new file the archive tree is pruned.

    Parameters
    ----------
    root : Path
        The archive of every bed; this bed's folder is ``root / key``.
    key : str
        The bed's folder name (the service uses the admission id).
    retention_s, max_bytes : float
        What :func:`prune` keeps.
    """

    def __init__(self, root: Path, key: str, retention_s: float, max_bytes: float) -> None:
        self.root = Path(root)
        self.archive = RawArchive(self.root / key)
        self.retention_s = float(retention_s)
        self.max_bytes = float(max_bytes)
        self.archive.on_new_file = self._prune
        #: chunks that could not be stored (logged at most once a minute)
        self.n_write_errors = 0
        self._logged_at = -math.inf

    def _prune(self) -> None:
        n = prune(self.root, self.retention_s, self.max_bytes)
        if n:
            log.info("raw EEG archive: removed %d file(s) past retention or size", n)

    def start(self, session: BedSession, info: SourceInfo) -> None:
        self.archive.close()  # a (re)connection starts a new file

    def chunk(self, session: BedSession, chunk: Chunk) -> None:
        try:
            self.archive.append(chunk)
        except OSError as exc:  # disk full, folder gone: logged, counted, retried
            self.n_write_errors += 1
            self.archive.close()  # the next chunk opens a new file
            now = time.monotonic()
            if now - self._logged_at >= 60.0:
                self._logged_at = now
                log.error("bed %s: raw EEG not stored (%s); %d chunk(s) lost so far",
                          session.bed_id, exc, self.n_write_errors)  # fmt: skip

    def close(self, session: BedSession, summary: dict[str, Any]) -> None:
        self.archive.close()


def read_archive(folder: Path, start_s: float, end_s: float) -> RawSpan | None:
    """:meth:`RawArchive.read` of a bed folder, for readers that do not write."""
    return RawArchive(folder).read(start_s, end_s)
