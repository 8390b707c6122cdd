"""Stitch the CHB-MIT chb01 fragments into a long recording with known seizures.

The shared data hold, for each of 7 seizures of CHB-MIT patient chb01 (Shoeb 2009;
PhysioNet, ODC-By 1.0), one 10-s window inside the seizure (``*_ictal.npy``) and
one shortly before it (``*_preictal10s.npy``): float64 µV, 23 bipolar channels,
256 Hz. No continuous recording is available, so this module builds one:

- **background**: pieces of 4–8 s cut at random offsets from the 7 pre-ictal
  windows, each played forwards or time-reversed (the spectrum and amplitude are
  unchanged), joined with 1-s equal-power crossfades (``sin``/``cos`` gains, so
  the variance of two uncorrelated signals is preserved through the fade);
- **seizures**: seizure ``k`` is preceded by its own pre-ictal window and made of
  its ictal window played forwards, backwards, forwards, ... (a mirror loop, which
  is continuous at every turn) up to the seizure's true duration in the CHB-MIT
  summary (27–101 s), entering and leaving through the same crossfades. The
  reference onset and offset are the midpoints of the crossfades.

This is a semi-synthetic recording: real EEG of one patient, rearranged. It
tests whether a detector separates that patient's ictal EEG from their
inter-ictal EEG over an hour of streaming and scores it with SzCORE; it does not
test seizure evolution, pre-ictal change or real transitions, which the
10-s fragments do not contain.

Usage::

    python -m bench.stitch --out /tmp/chb01_stitched   # EDF + reference TSV
    rsemon replay /tmp/chb01_stitched/chb01_stitched.edf --out /tmp/out
    rsemon score /tmp/chb01_stitched/chb01_stitched_events.tsv /tmp/out/events.tsv
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rse_monitor.recordings.synthetic import SyntheticRecording  # noqa: E402

__all__ = [
    "CHB01_SEIZURES",
    "background_then",
    "homogeneous_pool",
    "Fragment",
    "data_dir",
    "load_chb01_fragments",
    "stitch_chb01",
    "write_stitched",
]

FloatArray = NDArray[np.float64]

#: (record, onset_s, offset_s) of the 7 chb01 seizures in the original 1-h files
#: (CHB-MIT ``chb01-summary.txt``), the source of each fragment pair.
CHB01_SEIZURES: tuple[tuple[str, float, float], ...] = (
    ("chb01_03", 2996.0, 3036.0),
    ("chb01_04", 1467.0, 1494.0),
    ("chb01_15", 1732.0, 1772.0),
    ("chb01_16", 1015.0, 1066.0),
    ("chb01_18", 1720.0, 1810.0),
    ("chb01_21", 327.0, 420.0),
    ("chb01_26", 1862.0, 1963.0),
)

SFREQ_HZ = 256.0
_CROSSFADE_S = 1.0
#: Seizures are at least this far apart on average: with ±20 % jitter and seizures of
#: up to 101 s, consecutive ones stay > 90 s apart, so SzCORE never merges them.
_MIN_SPACING_S = 250.0


def data_dir() -> Path:
    """``../shared/data`` beside the project (may not exist in a fresh clone)."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass(frozen=True)
class Fragment:
    """The two 10-s windows of one chb01 seizure.

    ``preictal_uv`` and ``ictal_uv`` have shape (23, 2561), µV, 256 Hz;
    ``duration_s`` is the seizure's true length in the original recording.
    """

    record: str
    preictal_uv: FloatArray
    ictal_uv: FloatArray
    duration_s: float


def _channel_names(summary: Path) -> tuple[str, ...]:
    names: list[str] = []
    for line in summary.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("Channel ") and ":" in line:
            names.append(line.split(":", 1)[1].strip())
        elif names and line.startswith("File Name"):
            break
    seen: dict[str, int] = {}
    unique = []
    for name in names:  # chb01 lists T8-P8 twice (channels 15 and 23)
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}.{seen[name]}")
    return tuple(unique)


def load_chb01_fragments(
    folder: str | Path | None = None,
) -> tuple[list[Fragment], tuple[str, ...]]:
    """Read the 7 fragment pairs and the channel names.

    Parameters
    ----------
    folder : path, optional
        Default ``../shared/data/chbmit_chb01_fragments``.

    Returns
    -------
    fragments : list of Fragment
        In the order of :data:`CHB01_SEIZURES`.
    ch_names : tuple of str
        23 names; the duplicate ``T8-P8`` is renamed ``T8-P8.2``.

    Raises
    ------
    FileNotFoundError
        When the folder or a file is missing.
    """
    root = Path(folder) if folder is not None else data_dir() / "chbmit_chb01_fragments"
    if not root.is_dir():
        raise FileNotFoundError(f"chb01 fragment folder not found: {root}")
    names = _channel_names(root / "chb01-summary.txt")
    frags = []
    for record, on_s, off_s in CHB01_SEIZURES:
        pre = np.load(root / f"{record}_preictal10s.npy").astype(np.float64)
        ict = np.load(root / f"{record}_ictal.npy").astype(np.float64)
        if pre.shape != ict.shape or pre.shape[0] != len(names):
            raise ValueError(
                f"{record}: fragment shapes {pre.shape}, {ict.shape} do not match "
                f"{len(names)} channels"
            )
        frags.append(Fragment(record, pre, ict, off_s - on_s))
    return frags, names


def homogeneous_pool(windows: Sequence[FloatArray], max_ratio: float = 1.6) -> list[FloatArray]:
    """The windows whose level is within ``max_ratio`` of the median level.

    Level: the median over channels of the line length (Esteller 2001) of the
    window. chb01_16's pre-ictal window runs at about 3× the others (it may hold
    pre-ictal activity); looping it as inter-ictal background would plant
    3× excursions that are not part of chb01's background. Such windows still
    appear once, just before their own seizure.
    """
    from rse_monitor.pipeline.features import line_length

    levels = np.array([np.median(line_length(w, SFREQ_HZ)) for w in windows])
    ref = float(np.median(levels))
    keep = [
        w for w, lv in zip(windows, levels, strict=True) if ref / max_ratio <= lv <= ref * max_ratio
    ]
    return keep or list(windows)


def _fade_gains(n: int) -> tuple[FloatArray, FloatArray]:
    """Equal-power crossfade gains (out, in) over ``n`` samples: cos and sin."""
    phase = 0.5 * np.pi * (np.arange(n) + 0.5) / n
    return np.cos(phase), np.sin(phase)


def _mirror_loop(x: FloatArray, n: int) -> FloatArray:
    """``x`` forwards, backwards, forwards, ... cut to ``n`` samples."""
    period = np.concatenate([x, x[:, ::-1]], axis=1)
    reps = int(math.ceil(n / period.shape[1]))
    return np.tile(period, (1, reps))[:, :n]


class _Builder:
    """Append pieces with crossfades; keeps the sample index of every join."""

    def __init__(self, n_ch: int, n_fade: int) -> None:
        self.parts: list[FloatArray] = []
        self.n = 0
        self.n_ch = n_ch
        self.n_fade = n_fade
        self._tail: FloatArray | None = None

    def add(self, piece: FloatArray) -> float:
        """Append ``piece``; return the time (samples) of the crossfade midpoint."""
        f = self.n_fade
        if self._tail is None:
            self._tail = piece
            return 0.0
        g_out, g_in = _fade_gains(f)
        prev = self._tail
        head = prev[:, :-f]
        mixed = prev[:, -f:] * g_out + piece[:, :f] * g_in
        self.parts.append(head)
        self.parts.append(mixed)
        self.n += head.shape[1]
        mid = self.n + f / 2.0
        self.n += f
        self._tail = piece[:, f:]
        return mid

    def finish(self) -> FloatArray:
        if self._tail is not None:
            self.parts.append(self._tail)
        return np.concatenate(self.parts, axis=1)


def _fill_background(
    b: _Builder, pool: Sequence[FloatArray], target_n: int, rng: np.random.Generator
) -> None:
    """Append 4–8-s pieces of the pool (random window, offset, direction) up to ``target_n``."""
    while b.n + (0 if b._tail is None else b._tail.shape[1]) < target_n:
        src = pool[int(rng.integers(len(pool)))]
        length = min(int(rng.uniform(4.0, 8.0) * SFREQ_HZ), src.shape[1] - 1)
        start = int(rng.integers(0, src.shape[1] - length))
        piece = src[:, start : start + length]
        if rng.random() < 0.5:
            piece = piece[:, ::-1]
        b.add(np.ascontiguousarray(piece))


def background_then(
    pool: Sequence[FloatArray], window_uv: FloatArray, background_s: float, seed: int = 0
) -> tuple[FloatArray, float]:
    """``background_s`` of background from ``pool``, then ``window_uv`` crossfaded in.

    For judging one fragment against a background the detector has learnt. Returns
    the data (n_ch, n) and the time (s) at which the crossfade into the window ends.
    """
    rng = np.random.default_rng(seed)
    n_fade = int(_CROSSFADE_S * SFREQ_HZ)
    b = _Builder(window_uv.shape[0], n_fade)
    _fill_background(b, pool, int(background_s * SFREQ_HZ), rng)
    mid = b.add(np.ascontiguousarray(window_uv))
    return b.finish(), (mid + n_fade / 2) / SFREQ_HZ


def stitch_chb01(
    duration_s: float = 3600.0,
    seed: int = 0,
    folder: str | Path | None = None,
    first_onset_s: float = 300.0,
    fragments: Sequence[Fragment] | None = None,
    ch_names: Sequence[str] | None = None,
) -> SyntheticRecording:
    """Build a chb01 recording of ``duration_s`` with the 7 seizures at known times.

    Seizures are spread evenly after ``first_onset_s`` (with a random jitter of
    ±20 % of the spacing), in a random order; everything else is background.

    Parameters
    ----------
    duration_s : float
        Length in seconds (rounded down to whole seconds, so it can be written as
        EDF with 1-s records); at least ``first_onset_s + 7 × 250 s``.
    seed : int
        Random seed (piece order, offsets, directions, seizure order, jitter).
    folder : path, optional
        Fragment folder (default ``../shared/data/chbmit_chb01_fragments``).
    first_onset_s : float
        Earliest seizure onset (leave the detectors time to warm up).
    fragments, ch_names : optional
        Already loaded fragments (see :func:`load_chb01_fragments`).

    Returns
    -------
    SyntheticRecording
        ``data_uv`` (23, n) µV at 256 Hz; ``seizures`` the reference
        ``(onset_s, offset_s)`` in time order.
    """
    if fragments is None or ch_names is None:
        fragments, ch_names = load_chb01_fragments(folder)
    n_total = int(math.floor(duration_s)) * int(SFREQ_HZ)
    min_s = first_onset_s + _MIN_SPACING_S * len(fragments)
    if duration_s < min_s:
        raise ValueError(f"duration_s must be >= {min_s} s for {len(fragments)} seizures")
    rng = np.random.default_rng(seed)
    fs = SFREQ_HZ
    n_fade = int(_CROSSFADE_S * fs)
    n_ch = fragments[0].ictal_uv.shape[0]
    order = rng.permutation(len(fragments))
    spacing = (duration_s - first_onset_s - 150.0) / len(fragments)  # last one ends in time
    planned = [
        first_onset_s + k * spacing + rng.uniform(-0.2, 0.2) * spacing * (k > 0)
        for k in range(len(fragments))
    ]
    pre_pool = homogeneous_pool([f.preictal_uv for f in fragments])
    b = _Builder(n_ch, n_fade)
    seizures: list[tuple[float, float]] = []

    def background_until(target_n: int) -> None:
        _fill_background(b, pre_pool, target_n, rng)

    for k, idx in enumerate(order):
        frag = fragments[int(idx)]
        pre_n = frag.preictal_uv.shape[1]
        background_until(int(planned[k] * fs) - pre_n)
        b.add(frag.preictal_uv)
        n_sz = int(round(frag.duration_s * fs)) + n_fade
        onset = b.add(_mirror_loop(frag.ictal_uv, n_sz))
        # the next piece starts the fade out; its midpoint is the offset
        src = pre_pool[int(rng.integers(len(pre_pool)))]
        piece = src if rng.random() < 0.5 else src[:, ::-1]
        offset = b.add(np.ascontiguousarray(piece))
        seizures.append((onset / fs, offset / fs))
    background_until(n_total)
    data = b.finish()[:, :n_total]
    return SyntheticRecording(
        data_uv=np.ascontiguousarray(data),
        sfreq_hz=fs,
        ch_names=tuple(ch_names),
        seizures=seizures,
        suppressed_mask=None,
    )


def write_stitched(
    rec: SyntheticRecording, out_dir: str | Path, stem: str = "chb01_stitched"
) -> tuple[Path, Path]:
    """Write ``rec`` as EDF+ (with seizure annotations) and a SzCORE reference TSV.

    Returns the paths of the EDF and of ``<stem>_events.tsv``.
    """
    import edfio

    from rse_monitor.detectors.annotations import SeizureEvent, write_events_tsv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lim = float(np.ceil(np.max(np.abs(rec.data_uv)) / 100.0) * 100.0)
    signals = [
        edfio.EdfSignal(
            row,
            rec.sfreq_hz,
            label=f"EEG {name}",
            physical_dimension="uV",
            physical_range=(-lim, lim),
        )
        for name, row in zip(rec.ch_names, rec.data_uv, strict=True)
    ]
    edf = edfio.Edf(
        signals,
        data_record_duration=1.0,
        annotations=[edfio.EdfAnnotation(a, b - a, "seizure") for a, b in rec.seizures],
    )
    edf_path = out / f"{stem}.edf"
    edf.write(edf_path)
    ref = [SeizureEvent(a, b - a, "sz") for a, b in rec.seizures]
    tsv_path = write_events_tsv(out / f"{stem}_events.tsv", ref, rec.duration_s)
    return edf_path, tsv_path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--duration", type=float, default=3600.0, help="seconds (default 3600)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rec = stitch_chb01(args.duration, args.seed)
    edf, tsv = write_stitched(rec, args.out)
    print(f"{edf}\n{tsv}")
    for a, b in rec.seizures:
        print(f"seizure {a:8.1f} – {b:8.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
