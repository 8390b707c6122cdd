"""The installed package carries every module and data file the CLI needs.

Tests run from the source tree, which hides a module or data file missing from the
wheel; this test builds the wheel as ``pip install .`` does and looks inside.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    # build from a copy without build/ or egg-info left by earlier builds, which
    # setuptools would otherwise reuse and so hide a missing package
    src = tmp_path_factory.mktemp("src") / "rse-monitor"
    shutil.copytree(
        REPO, src,
        ignore=shutil.ignore_patterns(
            "build", "*.egg-info", ".venv", ".git", "out", "__pycache__", ".*_cache", "docs"
        ),
    )  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if proc.returncode != 0:
        pytest.fail(f"pip wheel failed: {proc.stderr.strip()[-2000:]}")
    (wheel,) = out.glob("rse_monitor-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


PACKAGES = ("pipeline", "detectors", "monitoring", "service", "recordings")


def test_every_python_module_is_in_the_wheel_under_the_namespace(wheel_names: set[str]) -> None:
    wanted = ["rse_monitor/__init__.py"]
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            wanted.append("rse_monitor/" + path.relative_to(REPO).as_posix())
    missing = [w for w in wanted if w not in wheel_names]
    assert not missing, f"not packaged: {missing}"


def test_nothing_else_is_installed_at_top_level(wheel_names: set[str]) -> None:
    tops = {name.split("/")[0] for name in wheel_names}
    extra = {t for t in tops if t != "rse_monitor" and not t.endswith(".dist-info")}
    assert not extra, f"installed at top level besides rse_monitor: {sorted(extra)}"


def test_data_files_are_in_the_wheel(wheel_names: set[str]) -> None:
    wanted = ["pipeline/lsl_machine.cfg"]
    wanted += [p.relative_to(REPO).as_posix() for p in (REPO / "service" / "static").iterdir()]
    wanted += [p.relative_to(REPO).as_posix() for p in (REPO / "recordings").glob("*.edf")]
    assert any(w.endswith(".edf") for w in wanted)
    missing = [w for w in wanted if "rse_monitor/" + w not in wheel_names]
    assert not missing, f"not packaged: {missing}"
