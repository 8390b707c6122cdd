"""The ``rsemon`` command line.

Each subcommand lives with the code it drives; this module only parses arguments,
turns expected failures into a one-line reason on stderr and an exit status.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "build_parser", "add_bed_settings_arguments", "bed_settings"]


def add_bed_settings_arguments(p: argparse.ArgumentParser) -> None:
    """The flags that fill :class:`monitoring.settings.BedSettings` (replay, monitor)."""
    g = p.add_argument_group("analysis settings (as POST /beds takes them)")
    g.add_argument("--notch", type=float, default=50.0, help="line frequency, 50 or 60 (0: off)")
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
    from monitoring.settings import BedSettings, EngineConfig

    engine: dict[str, Any] = {"notch_hz": None if args.notch == 0 else args.notch,
                              "montage": args.montage == "bipolar"}  # fmt: skip
    if args.band is not None:
        engine["l_freq_hz"], engine["h_freq_hz"] = args.band
    return BedSettings(engine=EngineConfig(**engine), seizure_type=args.seizure_type)


def _cmd_replay(args: argparse.Namespace) -> int:
    from monitoring.replay import run_replay

    summary = run_replay(args.path, args.out, bed_settings(args), progress=not args.quiet)
    out = args.out or Path("out") / Path(args.path).stem
    print(
        f"{summary['n_seizures']} seizure(s), {summary['input']['duration_s']:.0f} s at "
        f"{summary['real_time_factor']:,.0f}x real time -> {out}"
    )
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from detectors.scoring import score_main

    return score_main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rsemon",
        description="EEG monitoring for refractory status epilepticus.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("replay", help="run one EDF/BDF file offline as fast as possible")
    p.add_argument("path", help="EDF, EDF+ or BDF file")
    p.add_argument("--out", type=Path, default=None, help="output folder (default ./out/<stem>)")
    add_bed_settings_arguments(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_replay)

    p = sub.add_parser(
        "score",
        help="SzCORE event scoring: rsemon score REF HYP [REF HYP ...]",
        add_help=False,
    )
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_score)

    for module in _EXTRA_COMMANDS:
        __import__(module, fromlist=["add_parser"]).add_parser(sub)
    return parser


#: Modules that add their own subcommands with ``add_parser(subparsers)``.
_EXTRA_COMMANDS: tuple[str, ...] = ("service.cli_live", "service.cli_service", "service.demo")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from pipeline.ingest import IngestError

    try:
        return int(args.func(args) or 0)
    except IngestError as exc:
        print(f"rsemon: {exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError, PermissionError) as exc:
        print(f"rsemon {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rsemon: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
