"""``nnscratch exercises``: the tutorial's five exercises as experiments, one figure each, and a
summary table."""

from __future__ import annotations

import argparse
from typing import Any

from nnscratch.cli._common import add_out_command, output_dir, print_written

DEFAULT_OUT = "out/exercises"


def add_parser(sub: Any) -> None:
    add_out_command(sub, "exercises", "run the five exercises: figures and a summary table",
                    __doc__, DEFAULT_OUT, run)


def run(args: argparse.Namespace) -> int:
    from nnscratch.experiments.exercises import run_exercises

    out = output_dir(args.out)
    result = run_exercises(out)
    widths = {"exercise": -16, "setting": -26, "epochs": 6, "final loss": 10, "train acc": 9,
              "test acc": 8}  # negative: left-aligned
    header = "  ".join(f"{name:{'<' if w < 0 else '>'}{abs(w)}}" for name, w in widths.items())
    print(header)
    print("-" * len(header))
    for r in result.rows:
        cells = (r.exercise, r.setting, str(r.epochs), f"{r.final_loss:.6f}",
                 f"{r.train_accuracy:.3f}", f"{r.test_accuracy:.3f}")
        aligned = (c.ljust(-w) if w < 0 else c.rjust(w) for c, w in zip(cells, widths.values()))
        print("  ".join(aligned))
    print()
    print_written(result.figures.values(), out)
    return 0
