"""``nnscratch tutorial``: the whole tutorial on the built-in data, with every figure."""

from __future__ import annotations

import argparse
from typing import Any

from nnscratch.cli._common import output_dir

DEFAULT_OUT = "out/tutorial"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("tutorial", help="reproduce the tutorial: numbers, table and figures",
                       description=__doc__)
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nnscratch.experiments.tutorial import run_tutorial

    out = output_dir(args.out)
    result = run_tutorial(out)
    for i, loss in result.loss_lines:
        print(f"Loss after iteration {i}: {loss:f}")
    print(f"Final loss (hidden 3, {len(result.history.loss)} passes): {result.final_loss:.10f}")
    print()
    header = f"{'model':<20} {'hidden':>6} {'final loss':>11} {'train acc':>9} {'test acc':>8}"
    print(header)
    print("-" * len(header))
    for r in result.rows:
        hidden = "-" if r.hidden is None else str(r.hidden)
        loss_text = "-" if r.loss is None else f"{r.loss:.6f}"
        print(f"{r.model:<20} {hidden:>6} {loss_text:>11} {r.train_accuracy:>9.3f} "
              f"{r.test_accuracy:>8.3f}")
    print()
    for path in result.figures.values():
        print(f"wrote {path}")
    print(f"Figures are in {out}/")
    return 0
