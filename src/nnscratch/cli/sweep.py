"""``nnscratch sweep``: cross-validated accuracy over hidden sizes x L2 strengths (GridSearchCV),
here or on a Dask cluster; writes a CSV table and a heat map."""

from __future__ import annotations

import argparse
import math
from typing import Any

from nnscratch.cli._common import CLIError, output_dir, parse_sizes, positive_int

DEFAULT_OUT = "out/sweep"
DEFAULT_HIDDEN = "1,2,3,4,5,20,50"
DEFAULT_ALPHA = "0.0001,0.01,0.1"


def _strength(text: str) -> float:
    """A finite number >= 0, else NaN."""
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) and value >= 0 else math.nan


def alpha_list(text: str) -> tuple[float, ...]:
    """argparse type: comma-separated L2 strengths, each a finite number >= 0."""
    values = tuple(_strength(part) for part in text.replace(",", " ").split())
    if values and not any(math.isnan(v) for v in values):
        return values
    raise argparse.ArgumentTypeError(f"expected numbers >= 0 like 0.0001,0.01; got {text!r}")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("sweep", help="GridSearchCV over hidden sizes and alpha (local or Dask)",
                       description=__doc__)
    p.add_argument("--dataset", default="moons",
                   help="a generator of nnscratch.datasets (default moons)")
    p.add_argument("--n-samples", type=positive_int, default=None,
                   help="samples to draw (default: the generator's, 200 for moons)")
    p.add_argument("--hidden", default=DEFAULT_HIDDEN,
                   help=f"hidden-layer sizes, comma separated (default {DEFAULT_HIDDEN})")
    p.add_argument("--alpha", type=alpha_list, default=alpha_list(DEFAULT_ALPHA),
                   help=f"L2 strengths, comma separated (default {DEFAULT_ALPHA})")
    p.add_argument("--cv", type=positive_int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--n-jobs", type=int, default=None,
                   help="parallel fits (default 1 locally, every worker with --scheduler)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run on this Dask scheduler (pip install 'nnscratch[cluster]')")
    p.add_argument("--max-iter", type=positive_int, default=20000,
                   help="maximum epochs per fit (default 20000, the tutorial's passes)")
    p.add_argument("--learning-rate", type=float, default=2.0,
                   help="learning_rate_init (default 2.0, the tutorial's)")
    p.add_argument("--solver", default="gd", choices=["gd", "sgd", "adam"],
                   help="default gd (the tutorial's full-batch gradient descent)")
    p.add_argument("--activation", default="tanh", help="hidden activation (default tanh)")
    p.add_argument("--random-state", type=int, default=0,
                   help="seed of the data and of the initial weights (default 0)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nnscratch import MLPClassifier
    from nnscratch.experiments.sweep import (
        TUTORIAL_MODEL,
        load_dataset,
        plot_sweep,
        run_sweep,
        write_table,
    )
    from nnscratch.viz.figures import save_figure

    hidden = parse_sizes(args.hidden)
    alphas = args.alpha
    out = output_dir(args.out)
    X, y = load_dataset(args.dataset, args.n_samples, random_state=args.random_state)
    model = dict(TUTORIAL_MODEL, activation=args.activation, solver=args.solver,
                 learning_rate_init=args.learning_rate, random_state=args.random_state)
    estimator = MLPClassifier(**model, max_iter=args.max_iter)
    where = f"Dask cluster {args.scheduler}" if args.scheduler else "this machine"
    print(f"{len(hidden) * len(alphas)} settings x {args.cv} folds on {args.dataset} "
          f"({X.shape[0]} samples), on {where}")
    try:
        result = run_sweep(X, y, hidden, alphas, cv=args.cv, n_jobs=args.n_jobs,
                           scheduler=args.scheduler, estimator=estimator)
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    scores = result.mean_scores
    print()
    print("mean CV accuracy" + "".join(f"{f'alpha={a:g}':>14}" for a in alphas))
    for i, h in enumerate(hidden):
        print(f"{f'hidden {h}':<16}" + "".join(f"{s:>14.3f}" for s in scores[i]))
    best = result.search.best_params_
    print(f"\nbest: hidden {best['hidden_layer_sizes'][0]}, alpha {best['alpha']:g}, "
          f"accuracy {result.search.best_score_:.3f}")
    table = write_table(result, out / "sweep_results.csv")
    ax = plot_sweep(result, title=f"{args.dataset}: mean accuracy, {args.cv}-fold CV")
    figure = save_figure(ax.figure, out / "sweep_heatmap.png")  # type: ignore[arg-type]
    print(f"wrote {table}\nwrote {figure}")
    return 0
