"""The tutorial's math in NumPy alone: what a learner reads.

Nothing here imports scikit-learn or matplotlib. Data flows one way:
activations/losses/initializers -> network -> optimizers/schedules -> training -> gradcheck.
"""

from nnscratch.engine.activations import ACTIVATIONS, Activation, get_activation
from nnscratch.engine.gradcheck import gradcheck
from nnscratch.engine.initializers import INITIALIZERS, init_params
from nnscratch.engine.network import Network, Params, Workspace
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
    ReduceOnPlateau,
    constant,
    exponential_decay,
    get_schedule,
    inverse_time,
    step_decay,
)
from nnscratch.engine.training import DivergenceError, History, train

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "OPTIMIZERS",
    "SCHEDULES",
    "GD",
    "Activation",
    "Adam",
    "DivergenceError",
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
