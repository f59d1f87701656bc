"""``nnscratch exercises``: the tutorial's five exercises as experiments, one figure each, and a
summary table."""

from __future__ import annotations

import argparse
from typing import Any

from nnscratch.cli._common import output_dir

DEFAULT_OUT = "out/exercises"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("exercises", help="run the five exercises: figures and a summary table",
                       description=__doc__)
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nnscratch.experiments.exercises import run_exercises

    out = output_dir(args.out)
    result = run_exercises(out)
    header = (f"{'exercise':<16}  {'setting':<26}  {'epochs':>6}  {'final loss':>10}  "
              f"{'train acc':>9}  {'test acc':>8}")
    print(header)
    print("-" * len(header))
    for r in result.rows:
        print(f"{r.exercise:<16}  {r.setting:<26}  {r.epochs:>6}  {r.final_loss:>10.6f}  "
              f"{r.train_accuracy:>9.3f}  {r.test_accuracy:>8.3f}")
    print()
    for path in result.figures.values():
        print(f"wrote {path}")
    print(f"Figures are in {out}/")
    return 0
