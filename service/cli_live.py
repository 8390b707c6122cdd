"""``rsemon stream``, ``rsemon monitor`` and ``rsemon streams``: the live (LSL) subcommands.

Each loads the LSL configuration before any LSL call (precedence: ``--lsl-config
PATH`` > ``RSEMON_LSL_CONFIG`` > the user's ``LSLAPICFG`` > the bundled
machine-scope file, which keeps discovery on this machine; see
:func:`pipeline.lsl.configure_lsl`). When a user's file is in force the command
says which, with its ``ResolveScope``, and warns if discovery can leave the machine.

Register with ``service.cli`` (``_EXTRA_COMMANDS``), or run directly:
``python -m rse_monitor.service.cli_live stream rec.edf --name bed1 --speed 10``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "main"]

_CONFIG_HELP = (
    "LSL configuration file (default: $RSEMON_LSL_CONFIG, else $LSLAPICFG, else the bundled "
    "machine-scope pipeline/lsl_machine.cfg, which keeps discovery on this machine). For a "
    "ward network give a file whose [lab] KnownPeers lists the acquisition hosts"
)


def _lsl_config(args: argparse.Namespace) -> Path:
    """Load the LSL configuration of a command; say so when it is a user's file.

    One line (unless ``-q``) names the file and its ResolveScope; one warning line
    (always) says why discovery can leave this machine under it.
    """
    from rse_monitor.pipeline.lsl import choose_lsl_config, config_notice, configure_lsl

    choice = choose_lsl_config(args.lsl_config)
    info, warning = config_notice(choice)
    if info is not None and not getattr(args, "quiet", False):
        print(info, file=sys.stderr, flush=True)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    return configure_lsl(choice.path)


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT/SIGTERM, so the command can end cleanly and write outputs."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous: dict[signal.Signals, Any] = {}

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _channel_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",")]
    if not names or any(not n for n in names):
        raise argparse.ArgumentTypeError(f"a comma-separated list of names, got {text!r}")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise argparse.ArgumentTypeError(f"channel names must be distinct: {', '.join(dupes)}")
    return names


def _check_declared_channels(args: argparse.Namespace, lsl_config: Path) -> None:
    """``--channels`` must name every channel of each stream already visible."""
    from rse_monitor.pipeline.lsl import resolve_streams, stream_query

    for name in args.lsl:
        for info in resolve_streams(stream_query(name, args.type), 2.0, config=lsl_config):
            if int(info.channel_count()) != len(args.channels):
                raise ValueError(
                    f"--channels gives {len(args.channels)} names but LSL stream {name!r} has "
                    f"{int(info.channel_count())} channels"
                )


def _cmd_stream(args: argparse.Namespace) -> int:
    from rse_monitor.pipeline.lsl import LslPlayer

    config = _lsl_config(args)
    player = LslPlayer(
        args.path, args.name, speed=args.speed, loop=args.loop, source_id=args.source_id,
        config=config,
    )  # fmt: skip
    src = player.source
    if not args.quiet:
        print(
            f"streaming {Path(args.path).name} as LSL '{args.name}' ({len(src.ch_names)} ch, "
            f"{src.sfreq_hz:g} Hz, {src.duration_s:.0f} s) at {args.speed:g}x"
            + (", looping" if args.loop else "")
            + f"; markers on '{args.name}-markers'",
            file=sys.stderr,
            flush=True,
        )
    with _stop_on_signals() as stop:
        stats = player.run(stop=stop, duration_s=args.duration, wait_for_consumer_s=args.wait)
    if not args.quiet:
        print(
            f"sent {stats['n_samples']:,} samples ({stats['n_samples'] / src.sfreq_hz:.0f} s of "
            f"recording, {stats['n_markers']} markers) in {stats['wall_s']:.1f} s",
            file=sys.stderr,
        )
    return 0


def _cmd_monitor(args: argparse.Namespace) -> int:
    from rse_monitor.monitoring.live import run_monitor
    from rse_monitor.service.cli import bed_settings

    config = bed_settings(args)
    lsl_config = _lsl_config(args)
    names = args.lsl
    if args.channels is not None:
        _check_declared_channels(args, lsl_config)
    declared = {"ch_names": args.channels, "units": args.units}
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    with _stop_on_signals() as stop:
        summaries = run_monitor(
            names, args.out, duration_s=args.duration, config=config,
            lsl_config=lsl_config, stream_type=args.type, until_end=args.until_end,
            stop=stop, progress=progress, console=progress,
            source_options={k: v for k, v in declared.items() if v is not None},
        )  # fmt: skip
    never = [n for n in names if not summaries.get(n, {}).get("input", {}).get("channels")]
    for name in names:
        s = summaries.get(name, {})
        dur = s.get("input", {}).get("duration_s", 0.0)
        where = args.out if len(names) == 1 and args.out else Path(args.out or "out") / name
        print(
            f"{name}: {s.get('n_seizures', 0)} seizure(s), {dur:.0f} s monitored, "
            f"{s.get('n_hops', 0)} hops -> {where}"
        )
    if never:
        print(f"rsemon monitor: no LSL stream found for {', '.join(never)}", file=sys.stderr)
        return 1
    return 0


def _cmd_streams(args: argparse.Namespace) -> int:
    import json

    from rse_monitor.pipeline.lsl import choose_lsl_config, list_streams

    config = _lsl_config(args)
    found = list_streams(args.timeout, config=config)
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    if not found:
        try:
            scope = choose_lsl_config(config).resolve_scope
        except Exception:  # an unreadable scope is no reason to fail the listing
            scope = "?"
        print(f"no streams visible (scope: {scope}; config: {config})")
        return 0
    for s in found:
        rate = f"{s['wire_sfreq_hz']:g} Hz" if s["wire_sfreq_hz"] > 0 else "irregular"
        print(
            f"{s['name']}\ttype={s['type'] or '-'}\tchannels={s['n_channels']}\trate={rate}"
            f"\tsource_id={s['source_id'] or '-'}\thost={s['hostname'] or '-'}"
        )
    return 0


def add_parser(subparsers: Any) -> None:
    """Add the ``stream``, ``monitor`` and ``streams`` subcommands to an argparse
    subparsers object."""
    p = subparsers.add_parser(
        "stream", help="replay a recording (EDF/BDF, FIF, ...) as a live LSL stream (an LSL outlet)"
    )
    p.add_argument("path", help="EDF, EDF+ or BDF file")
    p.add_argument("--name", required=True, help="LSL stream name")
    p.add_argument(
        "--speed", type=_positive, default=1.0, help="playback speed (default 1: real time)"
    )
    p.add_argument("--loop", action="store_true", help="start again at the end of the file")
    p.add_argument("--source-id", default=None, help="LSL source id (default rsemon-player:NAME)")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="S",
        help="wait up to S seconds for a consumer before the first sample",
    )
    p.add_argument(
        "--duration",
        type=_positive,
        default=None,
        metavar="S",
        help="stop after S wall-clock seconds",
    )
    p.add_argument("--lsl-config", type=Path, default=None, metavar="PATH", help=_CONFIG_HELP)
    p.add_argument("-q", "--quiet", action="store_true", help="no messages on stderr")
    p.set_defaults(func=_cmd_stream)

    p = subparsers.add_parser(
        "monitor", help="run the engine live on LSL streams, writing the replay files as it goes"
    )
    p.add_argument(
        "--lsl",
        action="append",
        required=True,
        metavar="NAME",
        help="LSL stream name (repeat for several beds)",
    )
    p.add_argument("--type", default=None, help="also require this LSL content type (e.g. EEG)")
    from rse_monitor.service.cli import add_bed_settings_arguments, out_dir

    p.add_argument(
        "--out",
        type=out_dir,
        default=None,
        help="output folder (default ./out/NAME; with several streams DIR/NAME)",
    )
    p.add_argument(
        "--duration",
        type=_positive,
        default=None,
        metavar="S",
        help="monitor for S wall-clock seconds (default: until Ctrl-C)",
    )
    p.add_argument(
        "--until-end",
        action="store_true",
        help="stop when a non-looping 'rsemon stream' player has sent its last sample",
    )
    p.add_argument(
        "--units",
        choices=("uV", "mV", "V"),
        default=None,
        help="unit of every channel, for a stream whose description does not state it",
    )
    p.add_argument(
        "--channels",
        type=_channel_list,
        default=None,
        metavar="A,B,...",
        help="channel names in stream order, one per channel (e.g. Fp1,Fp2,F3,...), for a "
        "stream without labels",
    )
    add_bed_settings_arguments(p)
    p.add_argument("--lsl-config", type=Path, default=None, metavar="PATH", help=_CONFIG_HELP)
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no lines on stderr (seizure onsets/offsets, depth changes, alerts, status)",
    )
    p.set_defaults(func=_cmd_monitor)

    p = subparsers.add_parser(
        "streams", help="list the LSL streams visible under the current LSL configuration"
    )
    p.add_argument(
        "--timeout",
        type=_positive,
        default=1.0,
        metavar="S",
        help="listen S seconds for answers (default 1)",
    )
    p.add_argument("--json", action="store_true", help="a JSON list instead of lines")
    p.add_argument("--lsl-config", type=Path, default=None, metavar="PATH", help=_CONFIG_HELP)
    p.add_argument("-q", "--quiet", action="store_true", help="no notes on stderr")
    p.set_defaults(func=_cmd_streams)


def main(argv: list[str] | None = None) -> int:
    """Run ``stream`` or ``monitor`` (``python -m rse_monitor.service.cli_live``), as ``rsemon``."""
    from rse_monitor.service.cli import main as rsemon_main

    return rsemon_main(argv)


if __name__ == "__main__":
    sys.exit(main())
