"""``nnscratch tutorial``: the whole tutorial on the built-in data, every figure, a report."""

from __future__ import annotations

import argparse
from typing import Any

from nnscratch.cli._common import output_dir

DEFAULT_OUT = "out/tutorial"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("tutorial", help="reproduce the tutorial: numbers, table and figures",
                       description=__doc__)
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    p.add_argument("--animate", action="store_true",
                   help="also write a GIF of the hidden-3 boundary evolving during training")
    p.add_argument("--insights", action="store_true",
                   help="also draw what the seed gets wrong or leaves out (L2 sweep, edge of "
                        "stability, summed vs mean gradients, softmax overflow; ~15 s more)")
    p.set_defaults(run=run)


def result_lines(result: Any) -> list[str]:
    """The printed output: loss lines, final loss, the results table."""
    lines = [f"Loss after iteration {i}: {loss:f}" for i, loss in result.loss_lines]
    lines.append(f"Final loss (hidden 3, {len(result.history.loss)} passes): "
                 f"{result.final_loss:.10f}")
    lines.append("")
    header = f"{'model':<20} {'hidden':>6} {'final loss':>11} {'train acc':>9} {'test acc':>8}"
    lines += [header, "-" * len(header)]
    for r in result.rows:
        hidden = "-" if r.hidden is None else str(r.hidden)
        loss_text = "-" if r.loss is None else f"{r.loss:.6f}"
        lines.append(f"{r.model:<20} {hidden:>6} {loss_text:>11} {r.train_accuracy:>9.3f} "
                     f"{r.test_accuracy:>8.3f}")
    return lines


def run(args: argparse.Namespace) -> int:
    from nnscratch.experiments.tutorial import run_tutorial

    out = output_dir(args.out)
    pictures: dict[str, Any] = {}

    def draw_training(result: Any) -> None:  # while the other hidden sizes train
        from nnscratch.experiments.tutorial_report import training_pictures

        pictures.update(training_pictures(result, out, animate=args.animate))

    # starts the trainings first, then loads matplotlib and draws meanwhile
    result = run_tutorial(out, on_hidden3=draw_training)
    from nnscratch.experiments.tutorial_report import write_tutorial_report

    lines = result_lines(result)
    print("\n".join(lines))
    print()
    for path in result.figures.values():
        print(f"wrote {path}")
    report = write_tutorial_report(result, out, "\n".join(lines), insights=args.insights,
                                   animate=args.animate, pictures=pictures)
    print(f"wrote {report}")
    print(f"Figures are in {out}/; open {report} in a browser for the report")
    return 0
