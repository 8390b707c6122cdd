"""Validation at scale (issue 13): ``rsemon validate DATASET``.

* :mod:`.dataset` — which recordings a BIDS data set, folder or manifest holds,
  and where each one's outputs go (BIDS derivatives);
* :mod:`.tasks` — one recording as one task, its ``status.json`` and the resume key;
* :mod:`.scores` — SzCORE event and sample scores and the suppression-ratio error
  per recording, per subject and pooled;
* :mod:`.suppression` — the reference suppression-ratio table and the monitor's
  error against it (MAE and bias, percentage points);
* :mod:`.report` — the self-contained HTML report;
* :mod:`.run` — the run on a Dask cluster (embedded LocalCluster or a scheduler).
"""

from __future__ import annotations

from rse_monitor.monitoring.validate.dataset import DatasetError, Recording, discover
from rse_monitor.monitoring.validate.run import ValidationRun, run_validate

__all__ = ["DatasetError", "Recording", "ValidationRun", "discover", "run_validate"]
