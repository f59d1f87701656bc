"""The checks of :class:`nnscratch.MLPClassifier`'s hyperparameters, run at ``fit`` (and ``load``).

One rule per parameter; a value that breaks it is a ``ValueError`` that names the parameter, what
it must be and the value given: ``alpha must be a float in [0, inf); got -0.5``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

import numpy as np

from nnscratch.engine.activations import ACTIVATIONS
from nnscratch.engine.initializers import INITIALIZERS

SOLVERS = ("adam", "gd", "sgd")
LEARNING_RATES = ("constant", "invscaling", "adaptive")
DTYPES = ("float64", "float32")
MAX_SEED = 2**32 - 1  # what RandomState(seed) accepts


def _is_int(v: Any) -> bool:
    return isinstance(v, (Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_real(v: Any) -> bool:
    return (isinstance(v, (Real, np.floating, np.integer))
            and not isinstance(v, (bool, np.bool_)))


def _is_bool(v: Any) -> bool:
    return isinstance(v, (bool, np.bool_))


def _interval(lo: float, hi: float, closed: str) -> tuple[str, Callable[[float], bool]]:
    """(text, test) of an interval; closed is 'both', 'left', 'right' or 'neither'."""
    left = "[" if closed in ("both", "left") else "("
    right = "]" if closed in ("both", "right") else ")"

    def test(v: float) -> bool:
        low_ok = v >= lo if left == "[" else v > lo
        high_ok = v <= hi if right == "]" else v < hi
        return bool(low_ok and high_ok)

    return f"{left}{lo:g}, {hi:g}{right}", test


def real(lo: float, hi: float = math.inf, closed: str = "left",
         none: bool = False) -> tuple[str, Callable[[Any], bool]]:
    text, inside = _interval(lo, hi, closed)
    return (f"a float in {text}" + (" or None" if none else ""),
            lambda v: (none and v is None) or (_is_real(v) and inside(float(v))))


def integer(lo: int, also: str = "") -> tuple[str, Callable[[Any], bool]]:
    return f"an int >= {lo}" + also, lambda v: _is_int(v) and int(v) >= lo


def one_of(*names: str) -> tuple[str, Callable[[Any], bool]]:
    return (f"one of {', '.join(map(repr, names))}",
            lambda v: isinstance(v, str) and v in names)


def boolean() -> tuple[str, Callable[[Any], bool]]:
    return "True or False", _is_bool


def _activation(v: Any) -> bool:
    if isinstance(v, str):
        return v in ACTIVATIONS
    return (isinstance(v, (tuple, list)) and len(v) > 0
            and all(isinstance(a, str) and a in ACTIVATIONS for a in v))


def _random_state(v: Any) -> bool:
    return (v is None or isinstance(v, np.random.RandomState)
            or (_is_int(v) and 0 <= int(v) <= MAX_SEED))


def _callbacks(v: Any) -> bool:
    return v is None or (isinstance(v, (tuple, list)) and all(callable(cb) for cb in v))


_names = ", ".join(map(repr, sorted(ACTIVATIONS)))
RULES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    # hidden_layer_sizes is checked by _estimator_solver.hidden_sizes (it also converts it)
    "activation": (f"one of {_names}, or a tuple of them (one per hidden layer)", _activation),
    "solver": one_of(*SOLVERS),
    "alpha": real(0),
    "batch_size": ("'auto' or an int >= 1",
                   lambda v: v == "auto" if isinstance(v, str) else integer(1)[1](v)),
    "learning_rate": (f"one of {', '.join(map(repr, LEARNING_RATES))} or a callable lr(step)",
                      lambda v: callable(v) or (isinstance(v, str) and v in LEARNING_RATES)),
    "learning_rate_init": real(0, closed="neither"),
    "power_t": real(0),
    "max_iter": integer(1),
    "shuffle": boolean(),
    "random_state": (f"None, an int in [0, {MAX_SEED}] or a numpy RandomState",
                     _random_state),
    "tol": real(0, none=True),
    "verbose": ("True, False or an int >= 0",
                lambda v: _is_bool(v) or (_is_int(v) and int(v) >= 0)),
    "warm_start": boolean(),
    "momentum": real(0, 1, "both"),
    "nesterovs_momentum": boolean(),
    "early_stopping": boolean(),
    "validation_fraction": real(0, 1, "neither"),
    "beta_1": real(0, 1, "left"),
    "beta_2": real(0, 1, "left"),
    "epsilon": real(0, closed="neither"),
    "n_iter_no_change": ("an int >= 1 or numpy.inf",
                         lambda v: (_is_int(v) and int(v) >= 1) or (_is_real(v) and v == math.inf)),
    "init": one_of(*INITIALIZERS),
    "dtype": ("'float64', 'float32', numpy.float64 or numpy.float32",
              lambda v: (isinstance(v, str) and v in DTYPES) or v in (np.float64, np.float32)),
    "callbacks": ("None or a list of callables cb(history, network)", _callbacks),
    "backend": one_of("auto", "numpy", "numba"),  # engine/_fused.py
}


def check_params(params: dict[str, Any]) -> None:
    """Raise ``ValueError`` for the first parameter in ``params`` that breaks its rule.

    Parameters
    ----------
    params : dict, ``get_params(deep=False)`` of an MLPClassifier
    """
    for name, value in params.items():
        if name not in RULES:
            continue
        expected, ok = RULES[name]
        try:
            good = ok(value)
        except (TypeError, ValueError):  # e.g. an array compared with ==
            good = False
        if not good:
            raise ValueError(f"MLPClassifier parameter {name} must be {expected}; "
                             f"got {value!r}")
