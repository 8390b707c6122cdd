"""The ``rsemon`` command line.

Each subcommand lives with the code it drives; this module only parses arguments,
turns expected failures into a one-line reason on stderr and an exit status.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

# One bed's analysis is single-threaded by design (beds run side by side, one core
# each); a multithreaded BLAS on the engine's small matrices only spins its threads:
# it doubled the CPU time of a 2-h replay at equal wall time (bench/RESULTS.md 1g).
# Set before NumPy is imported; the user's own setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

__all__ = [
    "main", "build_parser", "add_bed_settings_arguments", "bed_settings", "out_dir", "notch_hz",
]  # fmt: skip

#: Flags every subcommand takes, before or after its name.
_COMMON_FLAGS = ("-v", "--verbose", "-q", "--quiet")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line: ``rsemon <cmd>: <what>``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {' '.join(message.split())} (see {self.prog} --help)\n")


def out_dir(text: str) -> Path:
    """``--out``: a folder, existing or to be made; an existing file is refused."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is an existing file, not a folder")
    return path


def notch_hz(text: str) -> float:
    """``--notch``: 50 or 60 (Hz), or 0 / ``off`` for no notch."""
    key = text.strip().lower()
    if key in ("off", "none", "0"):
        return 0.0
    try:
        value = float(key)
    except ValueError:
        value = math.nan
    if value not in (0.0, 50.0, 60.0):
        raise argparse.ArgumentTypeError(f"must be 50, 60 or off (0), got {text!r}")
    return value


def add_bed_settings_arguments(p: argparse.ArgumentParser) -> None:
    """The flags that fill :class:`monitoring.settings.BedSettings` (replay, monitor)."""
    g = p.add_argument_group("analysis settings (as POST /beds takes them)")
    g.add_argument("--notch", type=notch_hz, default=50.0, metavar="{50,60,off}",
                   help="mains notch: 50 or 60 Hz, or off (0); default 50")  # fmt: skip
    g.add_argument("--band", type=float, nargs=2, default=None, metavar=("LOW_HZ", "HIGH_HZ"),
                   help="band-pass, Hz (default 0.5 45)")  # fmt: skip
    g.add_argument("--montage", choices=("bipolar", "as-recorded"), default="bipolar",
                   help="longitudinal bipolar where 10-20 names allow (default), or the "
                   "channels as recorded")  # fmt: skip
    g.add_argument("--seizure-type", default="generalized_convulsive",
                   choices=("generalized_convulsive", "focal_impaired_awareness", "absence",
                            "other"), help="sets t1/t2 (ILAE 2015)")  # fmt: skip


def bed_settings(args: argparse.Namespace) -> Any:
    """:class:`monitoring.settings.BedSettings` from :func:`add_bed_settings_arguments`."""
    from rse_monitor.monitoring.settings import BedSettings, EngineConfig

    engine: dict[str, Any] = {"notch_hz": None if args.notch == 0 else args.notch,
                              "montage": args.montage == "bipolar"}  # fmt: skip
    if args.band is not None:
        engine["l_freq_hz"], engine["h_freq_hz"] = args.band
    return BedSettings(engine=EngineConfig(**engine), seizure_type=args.seizure_type)


def _cmd_replay(args: argparse.Namespace) -> int:
    from rse_monitor.monitoring.replay import run_replay

    summary = run_replay(args.path, args.out, bed_settings(args), progress=not args.quiet)
    out = args.out or Path("out") / Path(args.path).stem
    print(
        f"{summary['n_seizures']} seizure(s), {summary['input']['duration_s']:.0f} s at "
        f"{summary['real_time_factor']:,.0f}x real time -> {out}"
    )
    return 0


def _workers(text: str) -> int:
    """``--workers``: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return value


def _cmd_validate(args: argparse.Namespace) -> int:
    # imported here: `rsemon replay` never loads Dask
    from rse_monitor.monitoring.validate import run_validate

    run = run_validate(args.dataset, args.out, bed_settings(args), workers=args.workers,
                       scheduler=args.scheduler, progress=not args.quiet)  # fmt: skip
    pooled = run.scores.get("pooled")
    n = len(run.recordings)
    print(f"{n} recording(s): {n - len(run.failed) - len(run.skipped)} replayed, "
          f"{len(run.skipped)} skipped (done before), {len(run.failed)} failed "
          f"in {run.wall_s:.1f} s")  # fmt: skip
    for status in run.failed:
        print(f"  failed: {status.get('prefix')}: {status.get('reason')}")
    if pooled is not None:
        f1 = "n/a" if pooled["f1"] is None else f"{pooled['f1']:.3f}"
        print(f"pooled SzCORE event scores over {pooled['n_records']} scored recording(s): "
              f"F1 {f1}, {pooled['n_true_positive']}/{pooled['n_ref']} seizures detected, "
              f"{pooled['n_false_positive']} false alarm(s)")  # fmt: skip
    else:
        print("no recording with reference annotations: nothing scored")
    print(f"-> {run.report}")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from rse_monitor.detectors.scoring import score_main

    return score_main(args.rest)


def build_parser(*, extra_commands: bool = True) -> argparse.ArgumentParser:
    """The ``rsemon`` parser; without ``extra_commands``, only ``replay``, ``validate`` and
    ``score``
    (the other subcommands' modules are then not imported: ``rsemon replay`` starts
    with what it needs only)."""
    from rse_monitor.pipeline import __version__

    parser = _Parser(
        prog="rsemon",
        description="EEG monitoring for refractory status epilepticus.",
    )
    parser.add_argument("--version", action="version", version=f"rsemon {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser.add_argument("-q", "--quiet", action="store_true", help="quieter (no progress)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("replay", help="run one recording offline as fast as possible")
    p.add_argument("path", help="EDF, EDF+ or BDF file, or by extension a file MNE reads: FIF "
                   "(.fif, .fif.gz), BrainVision (.vhdr), EEGLAB (.set), GDF, CNT ...")  # fmt: skip
    p.add_argument("--out", type=out_dir, default=None,
                   help="output folder (default ./out/<stem>)")  # fmt: skip
    add_bed_settings_arguments(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_replay)

    p = sub.add_parser(
        "validate",
        help="replay and score every recording of a BIDS data set, folder or CSV manifest "
        "on a Dask cluster; resumable; HTML report",
    )
    p.add_argument("dataset", metavar="DATASET",
                   help="BIDS EEG data set, folder of recordings (EDF/BDF, FIF, .vhdr, "
                   ".set, ...), or CSV manifest (columns path, reference)")  # fmt: skip
    p.add_argument("--out", type=out_dir, default=Path("."),
                   help="output root: OUT/derivatives/rse-monitor (default .)")  # fmt: skip
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_workers, default=None, metavar="N",
                       help="workers of the embedded LocalCluster (default: cores)")  # fmt: skip
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")  # fmt: skip
    add_bed_settings_arguments(p)
    p.set_defaults(func=_cmd_validate)

    # parsed by detectors.scoring (main() hands it the arguments, --help included)
    p = sub.add_parser(
        "score",
        help="SzCORE event scoring: rsemon score REF HYP [REF HYP ...]",
        add_help=False,
    )
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_score)

    for module in _EXTRA_COMMANDS if extra_commands else ():
        __import__(module, fromlist=["add_parser"]).add_parser(sub)
    for name, command in sub.choices.items():
        if name != "score":
            _add_common_flags(command)
    return parser


def _add_common_flags(parser: argparse.ArgumentParser) -> None:
    """``-v``/``-q`` on a subcommand (and its own subcommands), not resetting the top level.

    A subcommand's defaults would overwrite what was given before its name, so here
    they are ``SUPPRESS``: the top-level parser's defaults stand unless a flag is given.
    """
    have = parser._option_string_actions
    for flags, help_text in ((("-v", "--verbose"), "log more"), (("-q", "--quiet"), "quieter")):
        if flags[1] in have:
            have[flags[1]].default = argparse.SUPPRESS
        else:
            parser.add_argument(*flags, action="store_true", default=argparse.SUPPRESS,
                                help=help_text)  # fmt: skip
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _add_common_flags(child)


#: Modules that add their own subcommands with ``add_parser(subparsers)``.
_EXTRA_COMMANDS: tuple[str, ...] = (
    "rse_monitor.service.cli_live",
    "rse_monitor.service.cli_service",
    "rse_monitor.service.demo",
)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    words = [a for a in argv if a not in _COMMON_FLAGS]
    if words[:1] == ["score"]:
        # its own parser: REMAINDER would not pass a leading --help through argparse
        from rse_monitor.detectors.scoring import score_main

        return score_main(words[1:])
    # `rsemon replay|validate ...` need no other subcommand's parser (nor its imports)
    parser = build_parser(extra_commands=words[:1] not in (["replay"], ["validate"]))
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from rse_monitor.pipeline.ingest import IngestError

    try:
        return int(args.func(args) or 0)
    except IngestError as exc:
        print(f"rsemon: {exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError,
            IsADirectoryError, PermissionError) as exc:  # fmt: skip
        print(f"rsemon {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rsemon: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
