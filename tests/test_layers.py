"""Imports run one way: pipeline (signal) <- detectors <- monitoring <- service.

Read from the source with :mod:`ast` (every ``import`` and ``from ... import``,
including those inside functions), so a lazy import that climbs a layer is caught
as well as a module-level one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Each runtime package and the project packages it may import (itself included).
ALLOWED: dict[str, set[str]] = {
    "pipeline": {"pipeline"},
    "detectors": {"pipeline", "detectors"},
    "monitoring": {"pipeline", "detectors", "monitoring"},
    "service": {"pipeline", "detectors", "monitoring", "service", "recordings"},
    # the bundled recordings and their generator (make_recordings.py writes the truth
    # files with the annotation writer of detectors/)
    "recordings": {"pipeline", "detectors", "recordings"},
}


def _project_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in ALLOWED:
                found.append((node.lineno, name))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_layer_imports_only_itself_and_the_layers_below(package: str) -> None:
    wrong = []
    for path in sorted((REPO / package).rglob("*.py")):
        for line, name in _project_imports(path):
            if name.split(".")[0] not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_runtime_code_does_not_import_the_synthetic_generator() -> None:
    wrong = []
    for package in ("pipeline", "detectors", "monitoring", "service"):
        for path in sorted((REPO / package).rglob("*.py")):
            for line, name in _project_imports(path):
                if name.startswith("rse_monitor.recordings.synthetic"):
                    wrong.append(f"{path.relative_to(REPO)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_a_wrong_import(tmp_path: Path) -> None:
    bad = tmp_path / "m.py"
    bad.write_text("def f():\n    from monitoring.engine import BedEngine\n    return BedEngine\n")
    assert _project_imports(bad) == [(2, "rse_monitor.monitoring.engine")]
