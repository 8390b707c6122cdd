"""Imports run one way: pipeline (signal) <- detectors <- monitoring <- service.

Every project import names the installed namespace (``rse_monitor.pipeline``, ...):
an import of a bare top-level ``pipeline`` works only inside the source tree.

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


NAMESPACE = "rse_monitor"


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute import in a file, as full module names (``from a import b`` -> a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == NAMESPACE:
                found += [(node.lineno, f"{NAMESPACE}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def _project_imports(path: Path) -> list[tuple[int, str]]:
    """The project imports of a file, without the namespace prefix."""
    prefix = NAMESPACE + "."
    return [
        (line, name[len(prefix) :])
        for line, name in _imports(path)
        if name.startswith(prefix) and name[len(prefix) :].split(".")[0] in ALLOWED
    ]


def test_project_imports_name_the_namespace() -> None:
    wrong = []
    for folder in (*ALLOWED, "tests", "bench"):
        for path in sorted((REPO / folder).rglob("*.py")):
            for line, name in _imports(path):
                if name.split(".")[0] in ALLOWED:
                    wrong.append(f"{path.relative_to(REPO)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)


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
                if name.startswith("recordings.synthetic"):
                    wrong.append(f"{path.relative_to(REPO)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_a_wrong_import(tmp_path: Path) -> None:
    bad = tmp_path / "m.py"
    bad.write_text(
        "from rse_monitor import service\n"
        "def f():\n    from rse_monitor.monitoring.engine import BedEngine\n    return BedEngine\n"
    )
    assert _project_imports(bad) == [(1, "service"), (3, "monitoring.engine")]
