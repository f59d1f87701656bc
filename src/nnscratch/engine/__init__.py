"""The tutorial's math in NumPy alone: what a learner reads.

Nothing here imports scikit-learn or matplotlib. ``reference`` is the math in its plainest form
(the oracle every faster path is tested against; it imports only a constant from losses). The
engine is the same math arranged for speed; data flows one way:
activations/losses/initializers/params -> parallel -> _batching (buffers, fixed chunks, threads;
no math) -> network (forward/backward on buffers) -> optimizers/schedules -> training -> gradcheck.
"""

from nnscratch.engine._batching import Workspace
from nnscratch.engine.activations import ACTIVATIONS, Activation, get_activation
from nnscratch.engine.gradcheck import gradcheck
from nnscratch.engine.history import DivergenceError, History
from nnscratch.engine.initializers import INITIALIZERS, init_params
from nnscratch.engine.network import Network, Params
from nnscratch.engine.optimizers import (
    GD,
    OPTIMIZERS,
    Adam,
    Momentum,
    Optimizer,
    get_optimizer,
)
from nnscratch.engine.schedules import (
    SCHEDULES,
    EpochAware,
    ReduceOnPlateau,
    constant,
    exponential_decay,
    get_schedule,
    inverse_time,
    step_decay,
)
from nnscratch.engine.training import train

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "OPTIMIZERS",
    "SCHEDULES",
    "GD",
    "Activation",
    "Adam",
    "DivergenceError",
    "EpochAware",
    "History",
    "Momentum",
    "Network",
    "Optimizer",
    "Params",
    "ReduceOnPlateau",
    "Workspace",
    "constant",
    "exponential_decay",
    "get_activation",
    "get_optimizer",
    "get_schedule",
    "gradcheck",
    "init_params",
    "inverse_time",
    "step_decay",
    "train",
]
