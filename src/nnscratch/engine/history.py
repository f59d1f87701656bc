"""What training reports: the :class:`History` of a run and the :class:`DivergenceError` it may
end in (shared by the NumPy loop, engine/training.py, and the fused one, engine/_fused.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nnscratch.engine.network import Network

DIVERGENCE_FACTOR = 1e4  # loss above this many times its first value (or 1) means divergence


class DivergenceError(FloatingPointError):
    """The loss or a weight became non-finite, or the loss blew up; parameters were restored.

    ``history`` is the training history; ``network`` the network trained (its parameters are
    the last finite ones), when known.
    """

    def __init__(self, message: str, history: History, network: Network | None = None) -> None:
        super().__init__(message)
        self.history = history
        self.network = network


@dataclass
class History:
    """What happened during training (per epoch unless said otherwise)."""

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_score: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    n_steps: int = 0  # optimizer updates taken
    n_samples_seen: int = 0
    best_loss: float = math.inf
    best_val_score: float = -math.inf
    stop_reason: str = "max_epochs"
    n_no_improvement: int = 0  # epochs in a row without progress by tol; goes on in warm starts
    backend: str = "numpy"  # the loop of the last call: 'numpy' or 'numba' (engine/_fused.py)

    @property
    def n_epochs(self) -> int:
        return len(self.loss)


def divergence_message(epoch: int, step: int, first: float, bad: float, lr: float) -> str:
    """The message of a DivergenceError: where, what blew up, and the rate to try instead."""
    if math.isnan(bad):
        what = "the loss or a weight became nan"
    elif math.isinf(bad):
        what = f"the loss became {bad}"
    else:
        what = (f"the loss rose from {first:.4g} to {bad:.4g}, more than {DIVERGENCE_FACTOR:g} "
                "times its start")
    return (f"training diverged at epoch {epoch} (step {step}): {what}; the parameters were "
            f"restored to the last step with a finite loss. Try a smaller learning rate "
            f"than {lr:g}, e.g. {lr / 10:g}.")
