"""Synthetic EEG as streams of :class:`~pipeline.chunk.Chunk` objects.

:func:`iter_chunks` cuts a recording, a chunk or a stream of chunks into chunks of a
fixed or random size (for chunked-equals-batch tests); :func:`stream_background_chunks`
produces arbitrarily long background recordings, optionally with burst-suppression
epochs, in bounded memory (for throughput and long-run tests).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rse_monitor.pipeline.checks import count, positive
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.recordings.synthetic._common import (
    KEY_LINE,
    KEY_SCHEDULE,
    KEY_STREAM_TABLE_A,
    KEY_STREAM_TABLE_B,
    FloatArray,
    SeedLike,
    check_ch_names,
    check_line_hz,
    check_nonneg,
    check_ratio,
    check_sfreq,
    child_rng,
    n_samples_of,
    seed_sequence,
)
from rse_monitor.recordings.synthetic.background import background_unit
from rse_monitor.recordings.synthetic.burst_suppression import (
    BURST_RAMP_S,
    burst_envelope,
    burst_suppression_schedule,
)
from rse_monitor.recordings.synthetic.layout import DEFAULT_CHANNELS_19
from rse_monitor.recordings.synthetic.recording import SyntheticRecording

__all__ = ["iter_chunks", "stream_background_chunks"]

_STREAM_TABLE_LENGTHS = (2**15, 3**9)  # coprime: the sum repeats after 2^15 * 3^9 samples


def iter_chunks(
    source: SyntheticRecording | Chunk | Iterable[Chunk],
    chunk_s: float = 1.0,
    *,
    sizes_seed: int | None = None,
) -> Iterator[Chunk]:
    """Cut a recording, a chunk, or a stream of chunks into chunks of ``chunk_s``.

    Chunks hold ``max(1, round(chunk_s · sfreq_hz))`` samples (the last may be shorter).
    With ``sizes_seed`` the sizes are instead drawn uniformly in ``1 .. 2 ×`` that
    number (for chunked-equals-batch tests; a size of 1 sample occurs). A stream of
    chunks is re-cut across chunk boundaries; a ``gap_before`` in the input flushes
    the pending samples and starts a new run whose first chunk carries ``gap_before``.
    ``meta["suppressed_mask"]``, when present, is cut along.

    Parameters
    ----------
    source : SyntheticRecording, Chunk or iterable of Chunk
        What to cut. The chunks of an iterable must share rate and channel names.
    chunk_s : float
        Nominal chunk length in seconds, > 0.
    sizes_seed : int or None
        Seed of random chunk sizes; None for fixed sizes.

    Yields
    ------
    Chunk
        Consecutive chunks; ``t0_s`` counts from the recording start.
    """
    chunk_len_s = positive("chunk_s", chunk_s)
    if isinstance(source, SyntheticRecording):
        stream: Iterable[Chunk] = [source.to_chunk()]
    elif isinstance(source, Chunk):
        stream = [source]
    elif isinstance(source, Iterable):
        stream = source
    else:
        raise TypeError(
            f"source must be a SyntheticRecording, Chunk or iterable of Chunk, "
            f"got {type(source).__name__}"
        )
    size_rng = None if sizes_seed is None else np.random.default_rng(sizes_seed)
    return _rechunk(stream, chunk_len_s, size_rng)


def _rechunk(
    stream: Iterable[Chunk], chunk_s: float, size_rng: np.random.Generator | None
) -> Iterator[Chunk]:
    pending: list[Chunk] = []
    n_pending = 0
    first: Chunk | None = None
    gap_flag = False
    next_size = 0

    def draw(fs: float) -> int:
        nominal = max(1, int(round(chunk_s * fs)))
        if size_rng is None:
            return nominal
        return int(size_rng.integers(1, 2 * nominal + 1))

    def emit(n_take: int) -> Chunk:
        nonlocal n_pending, gap_flag
        ref = first if first is not None else pending[0]
        t0 = pending[0].t0_s
        parts: list[FloatArray] = []
        masks: list[object] = []
        taken = 0
        while taken < n_take:
            head = pending[0]
            need = n_take - taken
            if head.n_samples <= need:
                parts.append(head.data_uv)
                masks.append(head.meta.get("suppressed_mask"))
                taken += head.n_samples
                pending.pop(0)
            else:
                parts.append(head.data_uv[:, :need])
                m = head.meta.get("suppressed_mask")
                masks.append(None if m is None else m[:need])  # type: ignore[index]
                pending[0] = Chunk(
                    head.data_uv[:, need:],
                    head.t0_s + need / head.sfreq_hz,
                    head.sfreq_hz,
                    head.ch_names,
                    unit_known=head.unit_known,
                    meta={} if m is None else {"suppressed_mask": m[need:]},  # type: ignore[index]
                )
                taken = n_take
        data = np.ascontiguousarray(np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0])
        meta: dict[str, object] = {}
        if all(m is not None for m in masks):
            meta["suppressed_mask"] = np.concatenate(masks)  # type: ignore[arg-type]
        out = Chunk(
            data,
            t0,
            ref.sfreq_hz,
            ref.ch_names,
            gap_before=gap_flag,
            unit_known=ref.unit_known,
            meta=meta,
        )
        gap_flag = False
        n_pending -= n_take
        return out

    for chunk in stream:
        if not isinstance(chunk, Chunk):
            raise TypeError(f"source must yield Chunk objects, got {type(chunk).__name__}")
        if first is not None and (
            chunk.sfreq_hz != first.sfreq_hz or chunk.ch_names != first.ch_names
        ):
            raise ValueError("all chunks of source must share sfreq_hz and ch_names")
        if chunk.gap_before or first is None:
            while n_pending > 0:
                yield emit(min(next_size, n_pending))
                next_size = draw(chunk.sfreq_hz)
            first = chunk
            gap_flag = chunk.gap_before
            next_size = draw(chunk.sfreq_hz)
        if chunk.n_samples == 0:
            continue
        pending.append(chunk)
        n_pending += chunk.n_samples
        while n_pending >= next_size:
            yield emit(next_size)
            next_size = draw(chunk.sfreq_hz)
    while n_pending > 0 and first is not None:
        yield emit(min(next_size, n_pending))
        next_size = draw(first.sfreq_hz)


class _PeriodicBackground:
    """Background from two circular tables of coprime lengths, read at any position.

    ``x[:, i] = A[:, (o_A + i) mod L_A] + B[:, (o_B + i) mod L_B]``; the sum repeats
    only after ``L_A · L_B`` samples (29 days at 256 Hz with the default lengths), and
    each table is a :func:`background` realisation, circular by construction, with RMS
    ``amplitude / sqrt(2)``. Reading is one or two slice additions per chunk.
    """

    def __init__(
        self,
        root: np.random.SeedSequence,
        sfreq_hz: float,
        ch_names: tuple[str, ...],
        amplitude_uv: float,
    ) -> None:
        self.tables: list[FloatArray] = []
        self.offsets: list[int] = []
        for key, length in zip(
            (KEY_STREAM_TABLE_A, KEY_STREAM_TABLE_B), _STREAM_TABLE_LENGTHS, strict=True
        ):
            rng = child_rng(root, key)
            table = background_unit(rng, length, sfreq_hz, ch_names, 1.5)
            table *= amplitude_uv / math.sqrt(2.0)
            self.tables.append(table)
            self.offsets.append(int(rng.integers(0, length)))

    @staticmethod
    def _read(table: FloatArray, start: int, n: int) -> FloatArray:
        length = table.shape[1]
        s = start % length
        if s + n <= length:
            return table[:, s : s + n]
        return np.take(table, (s + np.arange(n)) % length, axis=1)

    def read(self, start_sample: int, n_samples: int) -> FloatArray:
        (a, b), (oa, ob) = self.tables, self.offsets
        part_a = self._read(a, oa + start_sample, n_samples)
        return part_a + self._read(b, ob + start_sample, n_samples)


def stream_background_chunks(
    duration_s: float,
    sfreq_hz: float = 256.0,
    n_channels: int = 19,
    chunk_s: float = 10.0,
    seed: SeedLike = 0,
    *,
    ch_names: Sequence[str] | None = None,
    amplitude_uv: float = 30.0,
    line_noise_uv: float = 0.0,
    line_noise_hz: float = 50.0,
    suppression_epochs: Sequence[tuple[float, float, float]] = (),
    floor_rms_uv: float = 2.0,
) -> Iterator[Chunk]:
    """Chunks of an arbitrarily long background recording, in bounded memory.

    The signal is a function of the absolute sample index only, so it does not depend
    on ``chunk_s``: the concatenation of the chunks is the same for every chunk size
    (bit-identical without line noise and epochs; to floating-point rounding of
    ``sin``/``cos`` otherwise). Memory is two circular background tables of 2^15 and
    3^9 samples (about 8 MB for 19 channels) whatever the duration; the sum of the two
    repeats only after 2^15 × 3^9 samples (29 days at 256 Hz), though each table alone
    repeats every 128 s / 77 s, so the autocorrelation at those lags is 0.5 — fine for
    throughput and long-run tests, not for spectral estimates finer than 1/77 Hz.
    Generation is a slice addition per chunk, far faster than real time (a few
    hundred thousand × for 19 channels at 256 Hz).

    ``suppression_epochs`` turns intervals into burst suppression: inside
    ``(start_s, end_s, ratio)`` the background is scaled to ``floor_rms_uv`` during
    suppressions and to a per-burst RMS drawn in 20-80 µV during bursts (schedule of
    :func:`burst_suppression_schedule`, 0.15-s ramps). Each chunk then carries the
    truth as ``meta["suppressed_mask"]`` (n_samples,) bool.

    Parameters
    ----------
    duration_s : float
        Total length in seconds.
    sfreq_hz : float
        Sampling rate in Hz.
    n_channels : int
        Number of channels; 19 gives :data:`DEFAULT_CHANNELS_19`, others ``EEG001`` ...
        (ignored when ``ch_names`` is given).
    chunk_s : float
        Chunk length in seconds (the last chunk may be shorter).
    seed : int, numpy Generator or SeedSequence
        Random seed.
    ch_names : sequence of str or None
        Explicit channel names.
    amplitude_uv : float
        Background RMS in µV.
    line_noise_uv, line_noise_hz : float
        Optional mains sine (0 µV by default).
    suppression_epochs : sequence of (start_s, end_s, suppression_ratio)
        Non-overlapping burst-suppression intervals.
    floor_rms_uv : float
        Suppression floor RMS in µV.

    Yields
    ------
    Chunk
        ``t0_s`` = index of its first sample / ``sfreq_hz``.
    """
    fs = check_sfreq(sfreq_hz)
    n_total = n_samples_of(duration_s, fs)
    if ch_names is not None:
        names = check_ch_names(ch_names)
    else:
        n_ch = count("n_channels", n_channels)
        names = DEFAULT_CHANNELS_19 if n_ch == 19 else tuple(f"EEG{i + 1:03d}" for i in range(n_ch))
    chunk_len_s = positive("chunk_s", chunk_s)
    amp = positive("amplitude_uv", amplitude_uv)
    line_uv = check_nonneg("line_noise_uv", line_noise_uv)
    line_hz = check_line_hz(line_noise_hz, fs) if line_uv > 0 else None
    floor_uv = check_nonneg("floor_rms_uv", floor_rms_uv)
    root = seed_sequence(seed)
    epochs = _stream_epochs(root, suppression_epochs, n_total, fs)
    chunk_n = max(1, int(round(chunk_len_s * fs)))
    return _stream(root, names, fs, n_total, chunk_n, amp, line_uv, line_hz, floor_uv, epochs)


@dataclass(frozen=True)
class _Epoch:
    start: int
    stop: int
    ratio: float
    burst_starts: NDArray[np.int64]
    burst_ends: NDArray[np.int64]
    burst_rms_uv: FloatArray


def _stream_epochs(
    root: np.random.SeedSequence,
    epochs: Sequence[tuple[float, float, float]],
    n_total: int,
    fs: float,
) -> list[_Epoch]:
    out: list[_Epoch] = []
    try:
        triples = sorted((float(a), float(b), float(r)) for a, b, r in epochs)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"suppression_epochs must be (start_s, end_s, ratio) triples, got {epochs!r}"
        ) from exc
    prev_stop = 0
    for k, (a_s, b_s, ratio) in enumerate(triples):
        start, stop = int(round(a_s * fs)), min(n_total, int(round(b_s * fs)))
        if not (0 <= start < stop) or b_s * fs > n_total + 0.5:
            raise ValueError(f"suppression epoch ({a_s}, {b_s}) must lie inside the recording")
        if start < prev_stop:
            raise ValueError(f"suppression_epochs overlap: {triples}")
        r = check_ratio(ratio)
        rng = child_rng(root, KEY_SCHEDULE, k)
        starts, ends = burst_suppression_schedule(stop - start, fs, r, rng)
        rms_uv = rng.uniform(20.0, 80.0, starts.size)
        out.append(_Epoch(start, stop, r, starts + start, ends + start, rms_uv))
        prev_stop = stop
    return out


def _stream(
    root: np.random.SeedSequence,
    names: tuple[str, ...],
    fs: float,
    n_total: int,
    chunk_n: int,
    amp: float,
    line_uv: float,
    line_hz: float | None,
    floor_uv: float,
    epochs: list[_Epoch],
) -> Iterator[Chunk]:
    source = _PeriodicBackground(root, fs, names, amp)
    n_ch = len(names)
    line_rng = child_rng(root, KEY_LINE)
    line_phase0 = line_rng.uniform(0, 2 * np.pi)
    line_delta = line_rng.uniform(-0.15, 0.15, n_ch)
    ramp_n = int(round(BURST_RAMP_S * fs))
    floor_gain = floor_uv / amp
    for start in range(0, n_total, chunk_n):
        n = min(chunk_n, n_total - start)
        data = source.read(start, n)
        meta: dict[str, object] = {}
        if epochs:
            mask = np.zeros(n, dtype=bool)
            gain = np.ones(n)
            for ep in epochs:
                lo, hi = max(start, ep.start), min(start + n, ep.stop)
                if lo >= hi or ep.ratio <= 0.0:
                    continue
                idx = np.arange(lo, hi, dtype=np.int64)
                env, inside = burst_envelope(
                    idx, ep.burst_starts, ep.burst_ends, ep.burst_rms_uv / amp, ramp_n
                )
                sl = slice(lo - start, hi - start)
                gain[sl] = np.maximum(env, floor_gain)
                mask[sl] = ~inside
            if not np.all(gain == 1.0):
                data = data * gain[None, :]
            meta["suppressed_mask"] = mask
        if line_hz is not None:
            theta = 2 * np.pi * line_hz * np.arange(start, start + n) / fs + line_phase0
            data = data + line_uv * (
                np.cos(line_delta)[:, None] * np.sin(theta)[None, :]
                + np.sin(line_delta)[:, None] * np.cos(theta)[None, :]
            )
        yield Chunk(np.ascontiguousarray(data), start / fs, fs, names, meta=meta)
