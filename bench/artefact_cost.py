"""Cost of the artefact classes (issue 11, part 2) as a share of the engine, one core.

Streams ``--minutes`` of synthetic 19-channel 256-Hz EEG (with chewing, a gain step,
ECG and a 15-Hz line in it, so that every branch runs) through
:class:`monitoring.engine.BedEngine` in 60-s chunks and times
:meth:`detectors.artefacts.ArtefactClassifier.update` inside ``push`` (CPU time,
``time.process_time``), against the whole ``push``. Run
``python bench/artefact_cost.py``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rse_monitor.detectors import artefacts  # noqa: E402
from rse_monitor.monitoring.engine import BedEngine  # noqa: E402
from rse_monitor.pipeline.chunk import Chunk  # noqa: E402
from rse_monitor.recordings.synthetic import DEFAULT_CHANNELS_19  # noqa: E402
from rse_monitor.recordings.synthetic import artefact_classes as ac  # noqa: E402
from rse_monitor.recordings.synthetic.background import background  # noqa: E402

FS = 256.0
CH = tuple(DEFAULT_CHANNELS_19)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    dur = 60.0 * args.minutes
    x = background(dur, FS, CH, 30.0, seed=0)
    x = ac.add_chewing(x, FS, CH, 0.1 * dur, 0.15 * dur)
    x = ac.add_gain_clip(x, FS, 0.3 * dur, 0.32 * dur)
    x = ac.add_ecg(x, FS, CH, 0.5 * dur, 0.6 * dur, amplitude_uv=40.0)
    x = ac.add_mechanical(x, FS, 0.7 * dur, 0.75 * dur, amplitude_uv=40.0)
    real = artefacts.ArtefactClassifier.update
    spent = [0.0]

    def timed(self: artefacts.ArtefactClassifier, *a: Any, **k: Any) -> Any:
        t0 = time.process_time()
        out = real(self, *a, **k)
        spent[0] += time.process_time() - t0
        return out

    artefacts.ArtefactClassifier.update = timed  # type: ignore[method-assign]
    for r in range(args.rounds):
        spent[0] = 0.0
        engine = BedEngine(FS, CH)
        t0 = time.process_time()
        for piece in Chunk(x, 0.0, FS, CH).split(int(60 * FS)):
            engine.push(piece)
        total = time.process_time() - t0
        print(
            f"round {r + 1}: engine {total:.2f} s CPU for {args.minutes:g} min "
            f"({dur / total:.0f}x real time); artefact classes {spent[0]:.3f} s = "
            f"{100 * spent[0] / total:.1f} % of the engine "
            f"({1e6 * spent[0] / max(1, engine.n_hops):.0f} us per hop)"
        )


if __name__ == "__main__":
    main()
