"""Training callbacks: ``cb(history, network)`` after every epoch; returning True stops training."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nnscratch.engine.history import History
from nnscratch.engine.network import Network


class Snapshots:
    """Training callback: keep a copy of the parameters every ``every`` epochs.

    Works with :func:`nnscratch.engine.train` and ``MLPClassifier(callbacks=[...])`` alike: the
    parameters are copied from the network the callback is called with.

    Parameters
    ----------
    net : Network or None
        The network about to be trained, to keep its parameters before the first epoch
        (epoch 0); None when it is not known in advance (an estimator builds it in ``fit``):
        then the first snapshot is the first epoch picked.
    every : int >= 1, epochs between snapshots
    at : epochs to snapshot instead of every ``every``-th (e.g. log-spaced: most of the change
        happens early)
    include_initial : also keep the parameters of ``net`` before the first epoch (epoch 0)

    Attributes
    ----------
    epochs : list of int, the epoch count at each snapshot
    flats : list of ndarray of shape (n_params,), the parameters at each snapshot
    losses : list of float, the training loss of that epoch (nan for epoch 0)
    """

    def __init__(self, net: Network | None = None, every: int = 100,
                 at: Iterable[int] | None = None, include_initial: bool = True) -> None:
        if not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"every must be an int >= 1; got {every!r}")
        self.every = int(every)
        self.at = None if at is None else {int(e) for e in at}
        self.epochs: list[int] = []
        self.flats: list[np.ndarray] = []
        self.losses: list[float] = []
        if include_initial and net is not None:
            self._keep(0, float("nan"), net)

    @classmethod
    def log_spaced(cls, net: Network | None, epochs: int, frames: int = 30) -> Snapshots:
        """About ``frames`` snapshots at log-spaced epochs of a run of ``epochs`` (plus epoch 0
        when ``net`` is given): most of the change happens early."""
        if frames < 1 or epochs < 1:
            raise ValueError(f"need epochs >= 1 and frames >= 1; got {epochs}, {frames}")
        return cls(net, at=np.unique(np.geomspace(1, epochs, frames).astype(int)).tolist())

    def _keep(self, epoch: int, loss: float, net: Network) -> None:
        self.epochs.append(epoch)
        self.flats.append(net.params.flat.copy())
        self.losses.append(loss)

    def __call__(self, history: History, network: Network) -> bool:
        n = history.n_epochs
        if (n in self.at) if self.at is not None else (n % self.every == 0):
            self._keep(n, history.loss[-1], network)
        return False  # never stops training

    def __len__(self) -> int:
        return len(self.flats)
