"""Command line: ``nnscratch <command> [options]``.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and ``run(args) -> int``.
Errors a user can fix become ``error: <message>`` on stderr and exit code 2; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from nnscratch._version import __version__
from nnscratch.cli import (
    exercises,
    export,
    gradcheck,
    playground,
    predict,
    sweep,
    train,
    tutorial,
)
from nnscratch.cli._common import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    USER_ERRORS,
    CLIError,
    Interrupted,
    error_message,
    quiet_stdout,
    show_warning,
    stop_on_ctrl_c,
)

COMMANDS = [tutorial, train, predict, exercises, sweep, gradcheck, export, playground]

# Ctrl-C stops the training of these commands gracefully (KeyboardInterrupt: the engine keeps the
# weights of the epochs it counts and the command saves them); every other command stops at once
KEEPS_ON_CTRL_C = {"train"}

__all__ = ["COMMANDS", "CLIError", "build_parser", "entry", "main"]


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
    for command in sub.choices.values():  # `nnscratch train --debug ...` works too
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show tracebacks on errors")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; return the exit code.

    0 success; 1 a failed check (gradcheck) or an unexpected internal error; 2 a mistake the user
    can fix (bad argument, file, data, model file, divergence), reported as ``error: <message>``
    on stderr; 130 interrupted by Ctrl-C. ``--debug`` lets exceptions through with tracebacks.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings(), stop_on_ctrl_c(args.command not in KEEPS_ON_CTRL_C):
        if args.debug:
            return int(args.run(args) or 0)
        warnings.showwarning = show_warning  # "warning: ..." without file and line
        try:
            return int(args.run(args) or 0)
        except (KeyboardInterrupt, Interrupted):
            print("error: interrupted (Ctrl-C)", file=sys.stderr)
            return EXIT_INTERRUPTED
        except BrokenPipeError:  # the reader went away (`nnscratch predict ... | head`)
            quiet_stdout()
            return EXIT_BROKEN_PIPE
        except USER_ERRORS as exc:
            print(f"error: {error_message(exc)}", file=sys.stderr)
            return EXIT_USAGE
        except Exception as exc:  # a bug: still no traceback unless asked for
            print(f"error: unexpected {type(exc).__name__}: {exc}\n(this is a bug in nnscratch; "
                  "run again with --debug for the traceback and report it)", file=sys.stderr)
            return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def entry() -> None:
    """The ``nnscratch`` program: :func:`main`, then exit with its code.

    After Ctrl-C the process ends at once (``os._exit`` once the output is flushed): an interrupt
    that lands inside an import (matplotlib loads while the tutorial's workers train) can leave
    half-built objects whose clean-up would print "Exception ignored ..." noise at shutdown.
    Everything worth keeping was saved by then (``train --save``; worker pools are stopped).
    """
    code = main()
    if code == EXIT_INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
