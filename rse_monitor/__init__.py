"""rse-monitor: EEG monitoring for refractory status epilepticus.

The installed modules live under this one namespace; the repository keeps the design
card's top-level folders, and the packaging maps them here
(``rse_monitor.pipeline`` is the repository's ``pipeline/``, and so on; inside the
source tree the same mapping is made by the symbolic links in ``rse_monitor/``):

- :mod:`rse_monitor.pipeline`: ingest (EDF/BDF, LSL), preprocessing and features;
- :mod:`rse_monitor.detectors`: seizures, ACNS patterns, burst suppression, quality,
  artefacts and the clinical layer;
- :mod:`rse_monitor.monitoring`: the bed engine, replay, live monitoring, validation;
- :mod:`rse_monitor.service`: the HTTP service, its store and the ``rsemon`` CLI;
- :mod:`rse_monitor.recordings`: the bundled recordings and their generator.

``rse_monitor.analyze`` (the Python API) is imported on first use, so that importing
one submodule does not load the whole engine.
"""

from __future__ import annotations

from typing import Any

from rse_monitor.pipeline import __version__

__all__ = ["__version__", "analyze"]


def __getattr__(name: str) -> Any:
    if name == "analyze":
        from rse_monitor.monitoring.api import analyze

        return analyze
    raise AttributeError(f"module 'rse_monitor' has no attribute {name!r}")
