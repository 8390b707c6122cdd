"""An LSL outlet, run as its own process, that plays an EDF with a data gap and a drop-out.

``python tests/service/gappy_outlet.py NAME EDF SPEED GAP_AT_S GAP_S SILENCE_AT_S
SILENCE_WALL_S GO_FILE``

The stream is announced like ``rsemon stream``'s (channel labels, µV, the speed in
``desc/rsemon/speed``). Samples are stamped on this machine's LSL clock as a real
amplifier would stamp them:

- at recording time ``GAP_AT_S``, ``GAP_S`` seconds of samples are never sent (a hole
  in the stamps: a ``data_gap``, the stream stays up);
- at ``SILENCE_AT_S`` the outlet sends nothing for ``SILENCE_WALL_S`` wall seconds and
  the samples of that time are lost (a drop-out: ``stream_lost``, then
  ``stream_restored``).

It sends its first sample once the file ``GO_FILE`` exists (the test creates it when
every consumer is connected), so that every consumer sees the recording from its
start. Like every process that
touches LSL here, it loads the project's machine-scope LSL configuration first.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from rse_monitor.pipeline.ingest import EdfSource
from rse_monitor.pipeline.lsl import get_pylsl


def main(argv: list[str]) -> int:
    name, path = argv[0], argv[1]
    speed, gap_at_s, gap_s, silence_at_s, silence_wall_s = (float(x) for x in argv[2:7])
    go_file = Path(argv[7])
    pylsl = get_pylsl()  # the machine-scope configuration, before any LSL call
    src = EdfSource(path)
    fs = src.sfreq_hz
    wire = fs * speed
    si = pylsl.StreamInfo(name, "EEG", len(src.ch_names), wire, pylsl.cf_float32, f"{name}-src")
    chans = si.desc().append_child("channels")
    for label in src.ch_names:
        ch = chans.append_child("channel")
        ch.append_child_value("label", label)
        ch.append_child_value("unit", "microvolts")
        ch.append_child_value("type", "EEG")
    rs = si.desc().append_child("rsemon")
    rs.append_child_value("speed", repr(speed))
    rs.append_child_value("recording_sfreq_hz", repr(fs))
    rs.append_child_value("duration_s", repr(src.duration_s))
    rs.append_child_value("loop", "0")
    outlet = pylsl.StreamOutlet(si, chunk_size=0, max_buffered=60)
    data = np.ascontiguousarray(src.read(0, src.n_samples).data_uv.T, dtype=np.float32)
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline and not go_file.exists():  # every consumer connected
        time.sleep(0.02)
    blk = max(1, int(round(wire * 0.05)))
    gap = (int(round(gap_at_s * fs)), int(round((gap_at_s + gap_s) * fs)))
    silence_k = int(round(silence_at_s * fs))
    silenced = False
    clock0 = pylsl.local_clock()
    k = 0
    while k < data.shape[0]:
        if gap[0] <= k < gap[1]:
            k = gap[1]  # never sent: a hole in the stamps
            continue
        if not silenced and k >= silence_k:
            silenced = True
            time.sleep(silence_wall_s)
            k += int(round(silence_wall_s * wire))  # what the amplifier sampled meanwhile
            continue
        part = data[k : k + blk]
        due = clock0 + (k + part.shape[0] - 1) / wire
        delay = due - pylsl.local_clock()
        if delay > 0:
            time.sleep(delay)
        outlet.push_chunk(part, timestamp=due)
        k += part.shape[0]
    time.sleep(3.0)  # let the consumers take the last blocks
    print(f"pushed up to sample {k} of {data.shape[0]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
