"""An EDF/EDF+/BDF file replayed as a live LSL stream (behind ``rsemon stream``).

:class:`LslPlayer` is the test double for live input and the demo's acquisition
device: the file's EEG channels go out in real time (or ``speed`` times faster) on an
EEG outlet whose description follows the XDF meta-data conventions [1]_, and the
EDF+ annotations on a marker outlet ``<name>-markers``. Replayed live, a file gives
the same hop times as the file replayed offline (see :mod:`pipeline.lsl.clock`).
The outlets exist only under the machine-scope LSL configuration
(:func:`~pipeline.lsl.config.get_pylsl`).

References
----------
.. [1] XDF/LSL meta-data conventions for EEG streams (``desc/channels/channel`` with
   ``label``, ``unit``, ``type``), https://github.com/sccn/xdf/wiki/EEG-Meta-Data
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from rse_monitor.pipeline.checks import in_range, positive
from rse_monitor.pipeline.lsl.config import get_pylsl
from rse_monitor.pipeline.lsl.discovery import check_query_value

__all__ = ["LslPlayer"]

log = logging.getLogger(__name__)


class LslPlayer:
    """Replay an EDF/EDF+/BDF file as a live LSL stream.

    The EEG channels (as :class:`~pipeline.ingest.EdfSource` selects them), in µV,
    float32, go out on an outlet named ``name`` of type ``EEG`` whose description
    carries each channel's ``label``, ``unit`` (``microvolts``; ``n/a`` when the
    file's scale is unknown) and ``type`` (``EEG``), plus ``desc/rsemon`` with
    ``speed``, ``recording_sfreq_hz``, ``duration_s`` and ``loop``. The nominal rate
    on the wire is the file's rate times ``speed``. EDF+ annotations go out on a
    string marker outlet ``<name>-markers`` (type ``Markers``) when playback reaches
    their onset.

    Samples leave in blocks of about ``block_s`` wall seconds (1/32 s by default,
    as a typical amplifier does); each block is pushed when its last sample is due
    and stamped with that due time (``local_clock`` base), so the stamps are
    regular and a consumer's gap detection sees real drop-outs only.

    Parameters
    ----------
    path : str or Path
        The recording.
    name : str
        Stream name.
    speed : float
        Playback speed (1 = real time).
    loop : bool
        Start again from the beginning at the end of the file (time keeps running).
    source_id : str, optional
        Default ``rsemon-player:<name>``, so a restarted player is the same source.
    block_s : float
        Wall seconds per pushed block.
    config : str or Path, optional
        LSL configuration (see :func:`configure_lsl`).
    """

    def __init__(
        self,
        path: str | Path,
        name: str,
        *,
        speed: float = 1.0,
        loop: bool = False,
        source_id: str | None = None,
        block_s: float = 1.0 / 32,
        config: str | Path | None = None,
    ) -> None:
        from rse_monitor.pipeline.ingest_mne import open_reader

        check_query_value("name", name)
        positive("speed", speed)
        in_range("block_s", block_s, 0.0, 1.0, low_open=True)
        self.path = Path(path)
        self.name = name
        self.speed = float(speed)
        self.loop = bool(loop)
        self.source_id = source_id or f"rsemon-player:{name}"
        self.block_s = float(block_s)
        self.linger_s = 1.0
        self._pylsl = get_pylsl(config)
        self.source = open_reader(self.path, chunk_s=10.0)
        self.n_pushed = 0
        self.n_markers = 0
        self.max_late_s = 0.0

    def _outlets(self) -> tuple[Any, Any]:
        pylsl = self._pylsl
        src = self.source
        info = src.info
        fs = src.sfreq_hz
        si = pylsl.StreamInfo(
            self.name, "EEG", len(src.ch_names), fs * self.speed, pylsl.cf_float32, self.source_id
        )
        chans = si.desc().append_child("channels")
        unit = "microvolts" if info.unit_known else "n/a"
        for label in src.ch_names:
            ch = chans.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", unit)
            ch.append_child_value("type", "EEG")
        rs = si.desc().append_child("rsemon")
        rs.append_child_value("speed", repr(self.speed))
        rs.append_child_value("recording_sfreq_hz", repr(fs))
        rs.append_child_value("duration_s", repr(src.duration_s))
        rs.append_child_value("loop", "1" if self.loop else "0")
        rs.append_child_value("file", self.path.name)
        acq = si.desc().append_child("acquisition")
        acq.append_child_value("manufacturer", "rse-monitor")
        acq.append_child_value("model", "EDF player")
        outlet = pylsl.StreamOutlet(si, chunk_size=0, max_buffered=60)
        mi = pylsl.StreamInfo(
            f"{self.name}-markers", "Markers", 1, pylsl.IRREGULAR_RATE, pylsl.cf_string,
            f"{self.source_id}-markers",
        )  # fmt: skip
        markers = pylsl.StreamOutlet(mi)
        return outlet, markers

    def run(
        self,
        stop: threading.Event | None = None,
        duration_s: float | None = None,
        wait_for_consumer_s: float = 0.0,
    ) -> dict[str, Any]:
        """Stream until the end of the file (or ``duration_s`` wall seconds, or ``stop``).

        Parameters
        ----------
        stop : threading.Event, optional
            Set it to end playback early.
        duration_s : float, optional
            Wall-clock limit.
        wait_for_consumer_s : float
            Wait up to this long for an inlet before the first sample (so that a
            consumer sees the recording from its first sample).

        Returns
        -------
        dict
            ``n_samples``, ``n_loops``, ``n_markers``, ``wall_s``, ``max_late_s``.
        """
        pylsl = self._pylsl
        stop = stop or threading.Event()
        src = self.source
        fs = src.sfreq_hz
        wire = fs * self.speed
        blk = max(1, int(round(wire * self.block_s)))
        outlet, markers = self._outlets()
        annotations = src.info.annotations  # sorted by onset (pipeline.annotations_edf)
        try:
            if wait_for_consumer_s > 0 and not outlet.wait_for_consumers(wait_for_consumer_s):
                log.warning("no consumer after %.1f s; streaming anyway", wait_for_consumer_s)
            clock0 = pylsl.local_clock()
            t_wall0 = time.monotonic()
            n_loops = 0
            n_file = src.n_samples
            while not stop.is_set():
                next_ann = 0
                for chunk in src.chunks():
                    block = np.ascontiguousarray(chunk.data_uv.T, dtype=np.float32)
                    base = int(round(chunk.t0_s * fs))
                    for s in range(0, block.shape[0], blk):
                        part = block[s : s + blk]
                        k_last = self.n_pushed + part.shape[0] - 1
                        due = clock0 + k_last / wire
                        delay = due - pylsl.local_clock()
                        if delay > 0 and stop.wait(delay):
                            return self._stats(n_loops, t_wall0)
                        self.max_late_s = max(self.max_late_s, -delay)
                        outlet.push_chunk(part, timestamp=due)
                        # markers whose onset sample is in this block
                        file_hi = base + s + part.shape[0]
                        while (
                            next_ann < len(annotations) and annotations[next_ann][0] * fs < file_hi
                        ):
                            onset, dur, text = annotations[next_ann]
                            k_on = self.n_pushed + int(round(onset * fs)) - (base + s)
                            markers.push_sample([text], timestamp=clock0 + max(k_on, 0) / wire)
                            self.n_markers += 1
                            next_ann += 1
                        self.n_pushed += part.shape[0]
                        if duration_s is not None and time.monotonic() - t_wall0 >= duration_s:
                            return self._stats(n_loops, t_wall0)
                n_loops += 1
                if not self.loop or n_file == 0:
                    break
            # liblsl drops what an outlet has not sent when it is destroyed: give the
            # consumers time to take the last blocks before closing
            if outlet.have_consumers():
                stop.wait(self.linger_s)
            return self._stats(n_loops, t_wall0)
        finally:
            del outlet, markers

    def _stats(self, n_loops: int, t_wall0: float) -> dict[str, Any]:
        return {
            "n_samples": self.n_pushed,
            "n_loops": n_loops,
            "n_markers": self.n_markers,
            "wall_s": round(time.monotonic() - t_wall0, 3),
            "max_late_s": round(self.max_late_s, 4),
        }
