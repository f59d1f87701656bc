"""``nnscratch gradcheck``: backpropagation against central finite differences (float64)."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from nnscratch.cli._common import parse_sizes, positive_int

THRESHOLD = 1e-6


def add_parser(sub: Any) -> None:
    p = sub.add_parser("gradcheck", help="check backprop against finite differences",
                       description=__doc__)
    p.add_argument("--hidden", default="3", help="hidden layer sizes, comma separated (default 3)")
    p.add_argument("--activation", default="tanh", help="hidden activation (default tanh)")
    p.add_argument("--features", type=positive_int, default=2)
    p.add_argument("--classes", type=positive_int, default=2)
    p.add_argument("--samples", type=positive_int, default=20)
    p.add_argument("--alpha", type=float, default=0.01, help="L2 strength (default 0.01)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threshold", type=float, default=THRESHOLD,
                   help=f"largest relative error accepted (default {THRESHOLD:g})")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nnscratch.engine import Network, gradcheck, init_params
    from nnscratch.engine.losses import one_hot

    if args.classes < 2:
        raise ValueError(f"--classes must be >= 2; got {args.classes}")
    rng = np.random.RandomState(args.seed)
    sizes = (args.features, *parse_sizes(args.hidden), args.classes)
    net = Network(init_params(sizes, "seed", rng), args.activation)
    for b in net.params.intercepts:  # random biases too: zero biases put relu units on their kink
        b[...] = 0.1 * rng.randn(b.size)
    X = rng.randn(args.samples, args.features)
    Y = one_hot(rng.randint(args.classes, size=args.samples), args.classes)
    errors = gradcheck(net, X, Y, alpha=args.alpha)
    print(f"network {sizes}, activation {args.activation}, alpha {args.alpha}, "
          f"{args.samples} samples, float64")
    for name, err in errors.items():
        status = "ok" if err <= args.threshold else "FAIL"
        print(f"{name:>4}  max relative error {err:.3e}  {status}")
    worst = max(errors.values())
    print(f"worst {worst:.3e} (threshold {args.threshold:g})")
    return 0 if worst <= args.threshold else 1
