"""``rsemon`` command-line conventions: --version, --help everywhere, -v/-q anywhere,
one-line usage errors with exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from rse_monitor.pipeline import __version__
from rse_monitor.service.cli import build_parser, main

SUBCOMMANDS = (
    ("replay",), ("score",), ("stream",), ("monitor",), ("streams",), ("serve",), ("token",),
    ("token", "create"), ("token", "list"), ("token", "revoke"), ("demo",), ("validate",),
)  # fmt: skip


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"rsemon {__version__}"


@pytest.mark.parametrize("words", SUBCOMMANDS)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_on_every_subcommand_exits_0(
    words: tuple[str, ...], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([*words, flag], capsys)
    assert code == 0, err
    assert out.startswith(f"usage: rsemon {' '.join(words)}")


def test_every_subcommand_is_listed() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {w[0] for w in SUBCOMMANDS} == set(sub.choices)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "argv",
    [
        ["-v", "replay", "x.edf"], ["replay", "x.edf", "-v"], ["replay", "-v", "x.edf"],
        ["-q", "replay", "x.edf"], ["replay", "x.edf", "--quiet"],
        ["token", "list", "-v"], ["-v", "token", "list", "-q"], ["serve", "--verbose"],
    ],
)  # fmt: skip
def test_verbose_and_quiet_before_or_after_the_subcommand(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.verbose == ("-v" in argv or "--verbose" in argv)
    assert args.quiet == ("-q" in argv or "--quiet" in argv)


def test_flags_around_score_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["score", "--help", "-v"], capsys)
    assert code == 0 and out.startswith("usage: rsemon score")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        ([], "rsemon: the following arguments are required: COMMAND"),
        (["nope"], "rsemon: argument COMMAND: invalid choice: 'nope'"),
        (["replay"], "rsemon replay: the following arguments are required: path"),
        (["replay", "x.edf", "--notch", "55"], "rsemon replay: argument --notch: must be 50, 60"),
        (["monitor", "--lsl", "b", "--notch", "fifty"], "rsemon monitor: argument --notch: must"),
        (["replay", "x.edf", "--bogus"], "rsemon: unrecognized arguments: --bogus"),
        (["token", "create", "--role", "god"], "rsemon token create: argument --role"),
        (["score", "only-one.tsv"], "rsemon score: error: files must come in REF HYP pairs"),
        (
            ["validate", "ds", "--workers", "2", "--scheduler", "tcp://h:8786"],
            "rsemon validate: argument --scheduler: not allowed with argument --workers",
        ),
        (["validate", "/nonexistent/ds"], "rsemon validate: no such file or folder"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(fragment), err
    assert "Traceback" not in err and "usage:" not in err


@pytest.mark.parametrize(
    "command", [["replay", "x.edf"], ["monitor", "--lsl", "b"], ["validate", "ds"]]
)
def test_out_onto_an_existing_file_is_refused(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "results.txt"
    existing.write_text("keep me")
    code, out, err = run([*command, "--out", str(existing)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "is an existing file, not a folder" in err and "Traceback" not in err
    assert existing.read_text() == "keep me"
    # an existing folder is fine for argparse
    args = build_parser().parse_args([*command, "--out", str(tmp_path)])
    assert args.out == tmp_path


@pytest.mark.parametrize(("text", "hz"), [("50", 50.0), ("60", 60.0), ("off", 0.0), ("0", 0.0)])
def test_notch_values(text: str, hz: float) -> None:
    assert build_parser().parse_args(["replay", "x.edf", "--notch", text]).notch == hz
