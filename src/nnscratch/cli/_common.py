"""Shared pieces of the subcommands."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


class CLIError(Exception):
    """A mistake the user can fix; printed as ``error: <message>``."""


def output_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` if needed and check it is a writable folder."""
    out = Path(path)
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
