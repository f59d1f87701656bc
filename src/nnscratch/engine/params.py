"""Parameters as aligned lists of views into one flat vector.

``coefs[l]`` (fan_in, fan_out) and ``intercepts[l]`` (fan_out,) are views into ``flat``, laid out
as ``[W_1, ..., W_L, b_1, ..., b_L]``: all weights first, so the L2 penalty and its gradient work on
one slice (``weights``), and an optimizer can update every parameter with a single array operation.
The lists are what a learner reads; the flat vector is what makes the loop cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


class Params:
    """Weights and biases of a fully connected network.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_features, hidden_1, ..., n_outputs)``.
    dtype : float dtype
    flat : ndarray of shape (n_params,), optional
        Storage to wrap (not copied); zeros when omitted.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        dtype: type | np.dtype = np.float64,
        flat: np.ndarray | None = None,
    ) -> None:
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer sizes must be >= 1 and at least two of them; got {sizes}")
        self.layer_sizes = tuple(sizes)
        shapes = list(zip(sizes[:-1], sizes[1:]))
        self.n_weights = sum(i * o for i, o in shapes)
        n_params = self.n_weights + sum(sizes[1:])
        if flat is None:
            flat = np.zeros(n_params, dtype=dtype)
        elif flat.shape != (n_params,):
            raise ValueError(f"flat parameters must have shape ({n_params},); got {flat.shape}")
        self.flat = flat
        self.weights = flat[: self.n_weights]  # every weight matrix, one flat view (L2 acts on it)
        self.coefs: list[np.ndarray] = []
        self.intercepts: list[np.ndarray] = []
        pos = 0
        for i, o in shapes:
            self.coefs.append(flat[pos : pos + i * o].reshape(i, o))
            pos += i * o
        for _, o in shapes:
            self.intercepts.append(flat[pos : pos + o])
            pos += o

    @property
    def dtype(self) -> np.dtype:
        return self.flat.dtype

    def zeros_like(self) -> Params:
        """Same layout, zero values (gradient buffers)."""
        return Params(self.layer_sizes, flat=np.zeros_like(self.flat))

    def copy(self) -> Params:
        return Params(self.layer_sizes, flat=self.flat.copy())

    def astype(self, dtype: type | np.dtype) -> Params:
        return Params(self.layer_sizes, flat=self.flat.astype(dtype))

    def arrays(self) -> list[np.ndarray]:
        """``[W_1, b_1, W_2, b_2, ...]``: each layer's weights then bias."""
        return [a for pair in zip(self.coefs, self.intercepts) for a in pair]

    @classmethod
    def from_arrays(
        cls, coefs: Iterable[np.ndarray], intercepts: Iterable[np.ndarray],
        dtype: type | np.dtype | None = None,
    ) -> Params:
        """Pack lists of weight matrices and bias vectors (copied)."""
        coefs, intercepts = [np.asarray(c) for c in coefs], [np.asarray(b) for b in intercepts]
        if len(coefs) != len(intercepts) or not coefs:
            raise ValueError("need as many intercepts as coefs, at least one of each")
        sizes = [coefs[0].shape[0]] + [c.shape[1] for c in coefs]
        dtype = dtype or np.result_type(*coefs, *intercepts)
        params = cls(sizes, dtype)
        for dst, src in zip(params.coefs + params.intercepts, coefs + intercepts):
            if dst.shape != src.shape:
                raise ValueError(f"parameter shape {src.shape} does not fit layer sizes {sizes}")
            dst[...] = src
        return params
