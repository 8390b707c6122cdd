"""``rsemon validate``: every recording of a data set as a Dask task, then scores and report.

The run: discover the recordings (:mod:`.dataset`); skip those already done with
this software version and these settings (:func:`.tasks.is_done`); submit the rest,
one :func:`.tasks.replay_recording` task each, to a Dask cluster — an embedded
``distributed.LocalCluster`` (processes, one thread each, on 127.0.0.1, no
dashboard) or an existing scheduler given by address, through the same
``distributed.Client``; collect statuses as they finish (a lost worker counts as a
failed recording); then score (:mod:`.scores`) and write the report
(:mod:`.report`). This project builds no scheduler of its own: clusters are
started with Dask's tools (``dask scheduler``/``dask worker``, dask-ssh,
dask-kubernetes, dask-jobqueue).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from rse_monitor.monitoring.settings import BedSettings
from rse_monitor.monitoring.validate.dataset import DERIVATIVES, Recording, discover
from rse_monitor.monitoring.validate.tasks import (
    failed_status,
    is_done,
    read_status,
    replay_recording,
    settings_hash,
    write_status,
)

__all__ = ["ValidationRun", "Progress", "run_validate", "default_workers", "local_cluster"]


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Progress:
    """One status line on stderr: done / failed / skipped / remaining."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = total
        self.done = self.failed = self.skipped = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self._t0 = time.perf_counter()

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed - self.skipped

    def line(self) -> str:
        return (f"validate: {self.done} done, {self.failed} failed, {self.skipped} skipped, "
                f"{self.remaining} remaining of {self.total} "
                f"({time.perf_counter() - self._t0:.0f} s)")  # fmt: skip

    def show(self, final: bool = False) -> None:
        if self.enabled:
            self.stream.write("\r" + self.line() + ("\n" if final else ""))
            self.stream.flush()


@dataclass
class ValidationRun:
    """What a run did: statuses by recording key, and where its outputs are."""

    root: Path
    recordings: list[Recording]
    statuses: dict[str, dict[str, Any]]
    skipped: list[str]
    scores: dict[str, Any] = field(default_factory=dict)
    report: Path | None = None
    wall_s: float = 0.0

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [s for s in self.statuses.values() if s.get("status") != "ok"]


def _client(workers: int | None, scheduler: str | None) -> tuple[Any, Any]:
    """A ``distributed.Client`` and the LocalCluster it owns (None for ``scheduler``)."""
    from distributed import Client

    if scheduler is not None:
        try:
            return Client(scheduler, timeout="30s"), None
        except (OSError, ValueError) as exc:  # TimeoutError is an OSError
            raise ValueError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from None
    n = default_workers() if workers is None else workers
    cluster = local_cluster(n)
    return Client(cluster), cluster


def local_cluster(n_workers: int) -> Any:
    """The embedded ``distributed.LocalCluster``: ``n_workers`` processes with one
    thread each, on 127.0.0.1 only, no dashboard.

    The scheduler's small HTTP server (health, metrics; no dashboard) takes any free
    port on 127.0.0.1 rather than 8787, so that concurrent runs do not collide. (Dask's
    ``MALLOC_TRIM_THRESHOLD_`` is undone in each task: :func:`.tasks.undo_dask_malloc_trim`.)
    """
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=logging.ERROR,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
    )  # fmt: skip


def _run_tasks(
    todo: list[Recording], root: Path, settings: dict[str, Any], version: str,
    workers: int | None, scheduler: str | None, progress: Progress,
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Submit one task per recording and collect statuses as they finish."""
    from distributed import as_completed

    statuses: dict[str, dict[str, Any]] = {}
    if not todo:
        return statuses
    # Dask logs every worker start and stop at INFO; the run shows its own progress
    dask_log = logging.getLogger("distributed")
    dask_level = dask_log.level
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        dask_log.setLevel(logging.ERROR)
    client, cluster = _client(workers, scheduler)
    # task keys name the output root and settings too: two runs sharing a scheduler
    # never share a task
    run_id = settings_hash({"root": str(root.resolve()), "settings": settings})
    try:
        futures = {
            client.submit(replay_recording, rec, str(root), settings, version,
                          key=f"rsemon-replay-{rec.key}-{run_id}",
                          pure=False, retries=0): rec
            for rec in todo
        }  # fmt: skip
        for future in as_completed(futures):
            rec = futures[future]
            try:
                status = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker fails one recording
                status = failed_status(rec, version, settings_hash(settings),
                                       f"task failed: {type(exc).__name__}: {exc}")  # fmt: skip
                write_status(rec, root, status)
            statuses[rec.key] = status
            if status.get("status") == "ok":
                progress.done += 1
            else:
                progress.failed += 1
            progress.show()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        dask_log.setLevel(dask_level)
    return statuses


def run_validate(
    dataset: str | Path,
    out: str | Path = ".",
    settings: BedSettings | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    stream: TextIO | None = None,
) -> ValidationRun:
    """Replay, score and report every recording of ``dataset`` into
    ``out/derivatives/rse-monitor``.

    Parameters
    ----------
    dataset : str or Path
        A BIDS EEG data set, a folder of recordings or a CSV manifest
        (see :mod:`monitoring.validate.dataset`).
    out : str or Path
        The output root; results go to ``out/derivatives/rse-monitor/``.
    settings : BedSettings, optional
        Analysis settings (default ``BedSettings()``); part of the resume key.
    workers : int, optional
        Workers of the embedded LocalCluster (default: the cores available).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); then no
        LocalCluster is started. Mutually exclusive with ``workers``.
    progress : bool
        The status line on ``stream`` (default stderr).

    Raises
    ------
    monitoring.validate.dataset.DatasetError
        A DATASET that holds nothing to validate.
    ValueError
        ``workers`` < 1, or both ``workers`` and ``scheduler``.
    """
    from rse_monitor.monitoring.validate.report import write_report
    from rse_monitor.monitoring.validate.scores import aggregate, score_recording, write_scores
    from rse_monitor.pipeline import __version__

    if workers is not None and scheduler is not None:
        raise ValueError("give workers or scheduler, not both")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):  # fmt: skip
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    t0 = time.perf_counter()
    settings = settings or BedSettings()
    settings_dict = settings.to_dict()
    digest = settings_hash(settings_dict)
    recordings = discover(dataset)
    root = Path(out) / DERIVATIVES
    root.mkdir(parents=True, exist_ok=True)

    bar = Progress(len(recordings), stream, enabled=progress)
    skipped = [r.key for r in recordings if is_done(r, root, __version__, digest)]
    bar.skipped = len(skipped)
    bar.show()
    done = set(skipped)
    todo = [r for r in recordings if r.key not in done]
    statuses = _run_tasks(todo, root, settings_dict, __version__, workers, scheduler, bar)
    for rec in recordings:
        if rec.key in done:
            statuses[rec.key] = read_status(rec, root) or {}
    bar.show(final=True)

    ordered = {r.key: statuses[r.key] for r in recordings}
    scored = [score_recording(r, root, float(ordered[r.key]["duration_s"]))
              for r in recordings if ordered[r.key].get("status") == "ok"]  # fmt: skip
    scores = aggregate(scored)
    write_scores(scores, root)
    run = ValidationRun(root, recordings, ordered, skipped, scores)
    run.wall_s = time.perf_counter() - t0
    run.report = write_report(run, scored, dataset=str(dataset), settings_digest=digest,
                              version=__version__)  # fmt: skip
    return run
