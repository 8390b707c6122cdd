"""Test-session setup shared by all test packages.

LSL: liblsl reads its configuration once, at first use, from ``LSLAPICFG``. Point it
at the project's machine-scope file before any test module can import pylsl, so
stream discovery in tests never leaves this machine; drop a ward-network override.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ["LSLAPICFG"] = str(Path(__file__).resolve().parents[1] / "pipeline" / "lsl_machine.cfg")
os.environ.pop("RSEMON_LSL_CONFIG", None)
