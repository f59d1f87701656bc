"""Shared pieces of the subcommands."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

EXIT_INTERNAL = 1  # also: a check that failed (gradcheck)
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


class CLIError(Exception):
    """A mistake the user can fix; printed as ``error: <message>``."""


# what a user can fix: bad values (ValueError, also sklearn's and ModelFileError), files and
# folders (OSError), divergence (FloatingPointError)
USER_ERRORS = (CLIError, ValueError, OSError, FloatingPointError)


class Interrupted(BaseException):
    """Ctrl-C in a command with nothing to keep: unlike KeyboardInterrupt, which the training
    loop catches to stop gracefully, it goes straight up to ``main`` (exit code 130)."""


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted


@contextmanager
def stop_on_ctrl_c(active: bool = True) -> Iterator[None]:
    """While active, Ctrl-C raises :class:`Interrupted` instead of KeyboardInterrupt.

    The tutorial, the exercises and the sweep run many trainings; a KeyboardInterrupt would
    only end the current one (the engine catches it), and the command would go on.
    """
    if not active or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def error_message(exc: BaseException) -> str:
    """One line for the user: OSErrors as "<what>: '<file>'" without the errno."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return f"{exc.strerror}: {str(exc.filename)!r}"
    return str(exc) or type(exc).__name__


def show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: Any = None, line: str | None = None) -> None:
    """``warnings.showwarning`` for the command line: ``warning: <message>``."""
    print(f"warning: {message}", file=sys.stderr if file is None else file)


def quiet_stdout() -> None:
    """After a broken pipe: point stdout at the null device so the exit flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def output_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` if needed and check it is a writable folder."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise CLIError(f"output folder {str(out)!r} is a file, not a folder; pass another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot create output folder {str(out)!r}: {exc.strerror}") from None
    if not out.is_dir() or not os.access(out, os.W_OK):
        raise CLIError(f"output folder {str(out)!r} is not writable; pass another --out")
    return out


def positive_int(text: str) -> int:
    """argparse type: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def parse_sizes(text: str) -> tuple[int, ...]:
    """Hidden-layer sizes from ``--hidden`` text: ``'20,20'`` -> ``(20, 20)``."""
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise ValueError(f"hidden sizes must be integers like 20,20; got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise ValueError(f"hidden sizes must be integers >= 1 like 20,20; got {text!r}")
    return sizes


def add_out_command(sub: Any, name: str, help: str, description: str | None, default_out: str,
                    run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """A subcommand whose only option is ``--out DIR`` (figures and tables go there)."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=help, description=description)
    p.add_argument("--out", default=default_out, help=f"output folder (default: {default_out})")
    p.set_defaults(run=run)
    return p


def print_written(paths: Iterable[os.PathLike[str] | str], out: Path) -> None:
    """List the files written, then the folder holding them."""
    for path in paths:
        print(f"wrote {path}")
    print(f"Figures are in {out}/")
