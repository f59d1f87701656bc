"""Initial weights.

- ``seed``: the tutorial's ``W = randn(fan_in, fan_out) / sqrt(fan_in)``, ``b = 0``; drawn layer by
  layer from the given random state, so ``random_state=0`` gives exactly the tutorial's numbers
  (``numpy.random.seed(0)`` and ``RandomState(0)`` are the same stream).
- ``glorot``: Glorot/Xavier uniform, ``U(-r, r)`` with ``r = sqrt(6 / (fan_in + fan_out))``
  (``sqrt(2 / ...)`` for logistic units), biases drawn from the same range, as scikit-learn's
  MLP draws them: with the same integer ``random_state`` both start from identical weights.
- ``he``: He normal, ``W = randn * sqrt(2 / fan_in)``, ``b = 0`` (for relu-like units).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nnscratch.engine.params import Params

RandomLike = int | np.random.RandomState | np.random.Generator | None

INITIALIZERS = ("seed", "glorot", "he")


def as_random_state(random_state: RandomLike) -> np.random.RandomState | np.random.Generator:
    """An int seeds a ``RandomState`` (the tutorial's stream); states and generators pass."""
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return np.random.RandomState(random_state)
    if isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return random_state
    raise ValueError(
        f"random_state must be None, an int, a RandomState or a Generator; got {random_state!r}"
    )


def _normal(rng: np.random.RandomState | np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    if isinstance(rng, np.random.Generator):
        return rng.standard_normal(shape)
    return rng.randn(*shape)


def init_params(
    layer_sizes: Sequence[int],
    init: str = "seed",
    random_state: RandomLike = 0,
    dtype: type | np.dtype = np.float64,
    activation: str = "tanh",
) -> Params:
    """Draw initial weights for a network with the given layer sizes.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_features, hidden_1, ..., n_classes)``.
    init : {'seed', 'glorot', 'he'}
        The scheme (module docstring).
    random_state : int, RandomState, Generator or None
        Source of randomness; never the global NumPy state.
    dtype : float dtype
        Parameter dtype. Values are drawn in float64 and cast, so float32 starts from the
        rounded float64 weights.
    activation : str
        First hidden activation; ``glorot`` narrows its range for logistic units.

    Returns
    -------
    params : Params
    """
    if init not in INITIALIZERS:
        raise ValueError(f"init must be one of {', '.join(INITIALIZERS)}; got {init!r}")
    rng = as_random_state(random_state)
    params = Params(layer_sizes, dtype)
    for W, b in zip(params.coefs, params.intercepts):
        fan_in, fan_out = W.shape
        if init == "seed":
            W[...] = _normal(rng, (fan_in, fan_out)) / np.sqrt(fan_in)
        elif init == "he":
            W[...] = _normal(rng, (fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
        else:
            factor = 2.0 if activation in ("logistic", "sigmoid") else 6.0
            bound = np.sqrt(factor / (fan_in + fan_out))
            W[...] = rng.uniform(-bound, bound, (fan_in, fan_out))
            b[...] = rng.uniform(-bound, bound, fan_out)
    return params
