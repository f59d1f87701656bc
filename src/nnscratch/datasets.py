"""Datasets: the tutorial's moons and other seeded toy problems.

Every generator takes ``random_state`` (int, RandomState, Generator or None) and never touches the
global NumPy random state.
"""

from __future__ import annotations

import numpy as np
from sklearn import datasets as skd
from sklearn.utils import check_random_state

RandomLike = int | np.random.RandomState | np.random.Generator | None


def _state(random_state: RandomLike) -> np.random.RandomState:
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(random_state.integers(2**32 - 1))
    return check_random_state(random_state)


def moons(n_samples: int = 200, noise: float = 0.2,
          random_state: RandomLike = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``).

    With the defaults this is bit for bit the tutorial's data:
    ``np.random.seed(0); sklearn.datasets.make_moons(200, noise=0.20)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), labels 0 and 1
    """
    return skd.make_moons(n_samples, noise=noise, random_state=_state(random_state))
