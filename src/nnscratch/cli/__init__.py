"""Command line: ``nnscratch <command> [options]``.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and ``run(args) -> int``.
Errors a user can fix become ``error: <message>`` on stderr and exit code 2; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from nnscratch import __version__
from nnscratch.cli import exercises as exercises_command
from nnscratch.cli import gradcheck, sweep, tutorial
from nnscratch.cli import train as train_command
from nnscratch.cli._common import CLIError

COMMANDS = [tutorial, gradcheck, sweep]
COMMANDS += [train_command, exercises_command]

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnscratch",
        description="A neural network from scratch: the tutorial, training, figures.",
    )
    parser.add_argument("--version", action="version", version=f"nnscratch {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("error: interrupted", file=sys.stderr)
        return 130
    except (CLIError, ValueError, OSError, FloatingPointError) as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
