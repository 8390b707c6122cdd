"""No LSL call without the machine-scope configuration.

liblsl reads its configuration once, at first use, from ``LSLAPICFG``. These tests
run fresh interpreters (without the test session's LSLAPICFG) and show that
importing the project does not load pylsl, that the only way to pylsl sets the
project's configuration first and liblsl then reports loading exactly that file,
that a pylsl imported behind the project's back is refused, and that no module
imports pylsl (or mne-lsl) anywhere but inside the guarded accessor.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from rse_monitor.pipeline.lsl import (
    DEFAULT_LSL_CONFIG,
    check_machine_scope,
    choose_lsl_config,
    config_notice,
    configure_lsl,
)

ROOT = Path(__file__).resolve().parents[2]


def _fresh_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LSLAPICFG", "RSEMON_LSL_CONFIG")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_the_shipped_config_keeps_discovery_on_this_machine() -> None:
    settings = check_machine_scope(DEFAULT_LSL_CONFIG)
    assert settings["resolvescope"] == "machine"
    assert settings["knownpeers"] == "{127.0.0.1}"
    assert settings["ipv6"] == "disable"


def test_check_machine_scope_rejects_wider_scopes(tmp_path: Path) -> None:
    text = DEFAULT_LSL_CONFIG.read_text()
    cases = {
        "ResolveScope = machine": ("ResolveScope = site", "ResolveScope"),
        "KnownPeers = {127.0.0.1}": ("KnownPeers = {127.0.0.1, 10.0.0.5}", "KnownPeers"),
        "IPv6 = disable": ("IPv6 = allow", "IPv6"),
        "MachineAddresses = {": ("MachineAddresses = {239.255.172.215, ", "MachineAddresses"),
    }
    for old, (new, what) in cases.items():
        assert old in text
        bad = tmp_path / f"bad-{what}.cfg"
        bad.write_text(text.replace(old, new))
        with pytest.raises(ValueError, match=what):
            check_machine_scope(bad)


def test_importing_the_project_does_not_load_pylsl_and_the_accessor_sets_the_config() -> None:
    name = f"cfgprobe-{uuid.uuid4().hex[:8]}"
    code = f"""
import os, sys
import rse_monitor.pipeline.lsl, rse_monitor.monitoring.live, rse_monitor.service.cli_live
assert "pylsl" not in sys.modules, "importing the project loaded pylsl"
assert "LSLAPICFG" not in os.environ
pylsl = rse_monitor.pipeline.lsl.get_pylsl()
print("CFG", os.environ["LSLAPICFG"])
outlet = pylsl.StreamOutlet(pylsl.StreamInfo({name!r}, "EEG", 1, 10.0, "float32", "probe"))
"""
    res = _run(code, _fresh_env())
    assert res.returncode == 0, res.stderr
    assert f"CFG {DEFAULT_LSL_CONFIG}" in res.stdout
    # liblsl itself says which file it loaded at its first use
    assert f"Configuration loaded from {DEFAULT_LSL_CONFIG}" in res.stderr


def test_pylsl_imported_behind_the_projects_back_is_refused() -> None:
    code = """
import pylsl  # liblsl would read its default (site-scope) configuration
import rse_monitor.pipeline.lsl as lsl
try:
    lsl.get_pylsl()
except lsl.LslConfigError as exc:
    print("REFUSED", exc)
else:
    print("ACCEPTED")
"""
    res = _run(code, _fresh_env())
    assert res.returncode == 0, res.stderr
    assert "REFUSED" in res.stdout and "imported before" in res.stdout


def test_ward_config_from_the_environment(tmp_path: Path) -> None:
    ward = tmp_path / "ward.cfg"
    ward.write_text(DEFAULT_LSL_CONFIG.read_text().replace("rse-monitor", "ward-test"))
    code = """
import os, rse_monitor.pipeline.lsl as lsl
pylsl = lsl.get_pylsl()
print("CFG", os.environ["LSLAPICFG"])
outlet = pylsl.StreamOutlet(pylsl.StreamInfo("wardprobe", "EEG", 1, 10.0, "float32", "w"))
"""
    res = _run(code, _fresh_env(RSEMON_LSL_CONFIG=str(ward)))
    assert res.returncode == 0, res.stderr
    assert f"CFG {ward.resolve()}" in res.stdout
    assert f"Configuration loaded from {ward.resolve()}" in res.stderr


def test_missing_config_is_a_one_line_error() -> None:
    with pytest.raises(ValueError, match="nope.cfg"):
        configure_lsl("/nonexistent/nope.cfg")
    res = subprocess.run(
        [sys.executable, "-m", "rse_monitor.service.cli_live", "stream", "x.edf", "--name", "n",
         "--lsl-config", "/nonexistent/nope.cfg"],
        cwd=ROOT, env=_fresh_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "nope.cfg" in res.stderr


def _lsl_imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, enclosing function or None) for each import of pylsl / mne_lsl."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, str | None]] = []

    def visit(node: ast.AST, func: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module:
                names = [child.module]
            for mod in names:
                if mod.split(".")[0] in ("pylsl", "mne_lsl"):
                    found.append((mod, func))
            visit(child, func)

    visit(tree, None)
    return found


def test_no_module_imports_lsl_outside_the_guarded_accessor() -> None:
    offenders = []
    for pkg in ("pipeline", "detectors", "service", "recordings", "bench"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            for mod, func in _lsl_imports(path):
                rel = path.relative_to(ROOT).as_posix()
                if mod == "pylsl" and rel == "pipeline/lsl/config.py" and func == "get_pylsl":
                    continue
                if mod.startswith("mne_lsl") and func is not None and rel.startswith("bench/"):
                    # the benchmark's mne-lsl reader: the function configures LSL first
                    src = (ROOT / rel).read_text(encoding="utf-8")
                    if "get_pylsl(" in src or "configure_lsl(" in src:
                        continue
                offenders.append(f"{rel}: import {mod} in {func or 'module scope'}")
    assert offenders == []


# ---------------------------------------------------------------- the session, the scope
def test_the_shipped_config_uses_the_default_session_and_listens_on_loopback() -> None:
    """No private SessionID (other LSL programs see our streams); still machine scope."""
    settings = check_machine_scope(DEFAULT_LSL_CONFIG)
    assert settings["sessionid"] == "default"
    assert "SessionID =" not in DEFAULT_LSL_CONFIG.read_text()
    assert settings["machineaddresses"] == "{127.0.0.1}"
    assert settings["listenaddress"] == "127.0.0.1"
    assert settings["interfaces"] == "{127.0.0.1}"


def test_check_machine_scope_rejects_a_listen_address_off_loopback(tmp_path: Path) -> None:
    text = DEFAULT_LSL_CONFIG.read_text()
    assert "ListenAddress = 127.0.0.1" in text
    bad = tmp_path / "listen.cfg"
    bad.write_text(text.replace("ListenAddress = 127.0.0.1", "ListenAddress = 0.0.0.0"))
    with pytest.raises(ValueError, match="ListenAddress"):
        check_machine_scope(bad)
    # a private session does not widen the scope
    session = tmp_path / "session.cfg"
    session.write_text(text.replace("[lab]", "[lab]\nSessionID = ward-7"))
    assert check_machine_scope(session)["sessionid"] == "ward-7"


# ------------------------------------------------------------------------ precedence
def _cfg(tmp_path: Path, name: str, scope: str = "machine") -> Path:
    path = tmp_path / name
    text = DEFAULT_LSL_CONFIG.read_text()
    path.write_text(text.replace("ResolveScope = machine", f"ResolveScope = {scope}"))
    return path.resolve()


@pytest.mark.parametrize(
    ("flag", "rsemon_env", "lslapicfg", "want"),
    [
        ("flag", "env", "user", "flag"),
        (None, "env", "user", "env"),
        (None, None, "user", "user"),
        (None, None, None, "bundled"),
        (None, "", "", "bundled"),  # empty variables count as unset
    ],
)
def test_config_precedence(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str | None,
    rsemon_env: str | None,
    lslapicfg: str | None,
    want: str,
) -> None:
    """--lsl-config > RSEMON_LSL_CONFIG > LSLAPICFG > the bundled file."""
    files = {k: _cfg(tmp_path, f"{k}.cfg") for k in ("flag", "env", "user")}
    files["bundled"] = DEFAULT_LSL_CONFIG.resolve()
    origins = {"flag": "argument", "env": "RSEMON_LSL_CONFIG", "user": "LSLAPICFG",
               "bundled": "bundled"}  # fmt: skip
    for var, value in (("RSEMON_LSL_CONFIG", rsemon_env), ("LSLAPICFG", lslapicfg)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, str(files[value]) if value else "")
    choice = choose_lsl_config(files[flag] if flag else None)
    assert choice.path == files[want]
    assert choice.origin == origins[want]
    assert choice.is_user_file == (want != "bundled")


def test_lslapicfg_naming_the_bundled_file_is_the_bundled_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RSEMON_LSL_CONFIG", raising=False)
    monkeypatch.setenv("LSLAPICFG", str(DEFAULT_LSL_CONFIG))
    choice = choose_lsl_config()
    assert choice.origin == "bundled"
    assert config_notice(choice) == (None, None)


def test_a_missing_user_file_names_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RSEMON_LSL_CONFIG", raising=False)
    monkeypatch.setenv("LSLAPICFG", "/nonexistent/user.cfg")
    with pytest.raises(ValueError, match=r"\$LSLAPICFG.*user\.cfg"):
        choose_lsl_config()
    monkeypatch.setenv("RSEMON_LSL_CONFIG", "/nonexistent/ward.cfg")
    with pytest.raises(ValueError, match=r"\$RSEMON_LSL_CONFIG.*ward\.cfg"):
        choose_lsl_config()


def test_config_notice_names_the_file_and_warns_on_a_wider_scope(tmp_path: Path) -> None:
    machine = _cfg(tmp_path, "machine.cfg")
    info, warning = config_notice(choose_lsl_config(machine))
    assert info == f"LSL config {machine} (from --lsl-config): ResolveScope = machine"
    assert warning is None
    site = _cfg(tmp_path, "site.cfg", scope="site")
    info, warning = config_notice(choose_lsl_config(site))
    assert info is not None and info.endswith("ResolveScope = site")
    assert warning is not None and "\n" not in warning
    assert warning.startswith(f"warning: LSL discovery may leave this machine under {site}")
    assert "ResolveScope is 'site'" in warning


@pytest.mark.parametrize("level", ["--lsl-config", "RSEMON_LSL_CONFIG", "LSLAPICFG", "bundled"])
def test_each_level_is_the_file_liblsl_loads(tmp_path: Path, level: str) -> None:
    """``rsemon streams`` in a fresh process: liblsl loads the file the precedence picks,
    and the command names a user's file in one line."""
    files = {k: _cfg(tmp_path, f"{k}.cfg") for k in ("flag", "env", "user")}
    extra: dict[str, str] = {}
    args: list[str] = []
    if level in ("--lsl-config", "RSEMON_LSL_CONFIG", "LSLAPICFG"):
        extra["LSLAPICFG"] = str(files["user"])
    if level in ("--lsl-config", "RSEMON_LSL_CONFIG"):
        extra["RSEMON_LSL_CONFIG"] = str(files["env"])
    if level == "--lsl-config":
        args = ["--lsl-config", str(files["flag"])]
    want = {"--lsl-config": files["flag"], "RSEMON_LSL_CONFIG": files["env"],
            "LSLAPICFG": files["user"], "bundled": DEFAULT_LSL_CONFIG}[level]  # fmt: skip
    res = subprocess.run(
        [sys.executable, "-m", "rse_monitor.service.cli_live",
         "streams", "--timeout", "0.2", *args],
        cwd=ROOT, env=_fresh_env(**extra), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert f"Configuration loaded from {want}" in res.stderr
    notes = [ln for ln in res.stderr.splitlines() if ln.startswith("LSL config ")]
    if level == "bundled":
        assert notes == []
    else:
        word = "--lsl-config" if level == "--lsl-config" else f"${level}"
        assert notes == [f"LSL config {want} (from {word}): ResolveScope = machine"]
    assert "warning" not in res.stderr
