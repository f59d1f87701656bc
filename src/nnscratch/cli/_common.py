"""Shared pieces of the subcommands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


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
