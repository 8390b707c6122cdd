"""rse-monitor signal pipeline: ingest, preprocessing, features, the engine."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rse-monitor")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0+src"
