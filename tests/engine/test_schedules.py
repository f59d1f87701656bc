"""Learning-rate schedules against their formulas, and as the training loop uses them."""

import numpy as np
import pytest

from nnscratch.engine import (
    Network,
    ReduceOnPlateau,
    constant,
    exponential_decay,
    init_params,
    inverse_time,
    step_decay,
    train,
)
from nnscratch.engine.losses import one_hot
from nnscratch.engine.schedules import EpochAware, as_schedule

STEPS = [0, 1, 2, 7, 99, 100, 101, 999, 1000, 2500, 10**6]


def test_constant_and_plain_float():
    for lr in (constant(0.3), as_schedule(0.3)):
        assert [lr(t) for t in STEPS] == [0.3] * len(STEPS)
    f = inverse_time(1.0)
    assert as_schedule(f) is f


@pytest.mark.parametrize("factor,every", [(0.5, 100), (0.1, 1), (0.9, 7)])
def test_step_decay(factor, every):
    lr = step_decay(0.2, factor=factor, every=every)
    for t in STEPS:
        assert lr(t) == pytest.approx(0.2 * factor ** (t // every), rel=1e-12)
    assert lr(every - 1) == 0.2 and lr(every) == pytest.approx(0.2 * factor)


@pytest.mark.parametrize("rate,every", [(0.99, 1), (0.5, 100)])
def test_exponential_decay(rate, every):
    lr = exponential_decay(0.1, rate=rate, every=every)
    for t in STEPS:
        assert lr(t) == pytest.approx(0.1 * np.exp(np.log(rate) * t / every), rel=1e-10)


@pytest.mark.parametrize("decay,power", [(1e-3, 1.0), (0.5, 0.5), (0.0, 1.0)])
def test_inverse_time(decay, power):
    lr = inverse_time(0.4, decay=decay, power=power)
    for t in STEPS:
        assert lr(t) == pytest.approx(0.4 / (1 + decay * t) ** power, rel=1e-12)
    if decay == 1e-3 and power == 1.0:
        assert lr(1000) == pytest.approx(0.2)  # halved after 1/decay steps


def test_reduce_on_plateau():
    sched = ReduceOnPlateau(1.0, factor=0.5, patience=2, tol=0.1, min_lr=0.2)
    trace = []
    for loss in [5.0, 4.0, 3.95, 3.99, 3.0, 3.0, 2.95, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]:
        assert sched.end_epoch(loss, False) is False  # never overrides the stopping rule
        trace.append(sched(12345))  # the rate does not depend on the step
    # 3.95 and 3.99 are not 0.1 below the best (4.0): two bad epochs -> halve.
    # 3.0 improves; 3.0, 2.95 do not -> halve; 2.0 improves; then bad pairs halve to min_lr
    assert trace == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2]


def test_schedule_errors():
    with pytest.raises(ValueError, match="learning rate must be a finite number > 0; got -1"):
        constant(-1)
    with pytest.raises(ValueError, match="factor"):
        step_decay(0.1, factor=2.0)
    with pytest.raises(ValueError, match="rate"):
        exponential_decay(0.1, rate=0.0)
    with pytest.raises(ValueError, match="decay"):
        inverse_time(0.1, decay=-1)
    with pytest.raises(ValueError, match="patience"):
        ReduceOnPlateau(0.1, patience=0)


def test_training_uses_lr_of_the_step_count():
    # minibatch SGD with 1/t annealing: the loop asks lr(t) for t = 0, 1, 2, ... one per update,
    # records the last rate of each epoch, and continues the count across warm starts
    rng = np.random.RandomState(0)
    X, y = rng.randn(10, 2), rng.randint(2, size=10)
    asked = []

    def sched(t):
        asked.append(t)
        return 0.1 / (1 + 0.5 * t)

    net = Network(init_params((2, 3, 2), "seed", 0))
    hist = train(net, X, one_hot(y, 2), learning_rate=sched, epochs=3, batch_size=4,
                 random_state=0, tol=None)
    # 3 batches per epoch (4, 4, 2): steps 0..8
    assert asked[-9:] == list(range(9))
    assert hist.n_steps == 9
    assert hist.learning_rate == [sched(2), sched(5), sched(8)]
    train(net, X, one_hot(y, 2), learning_rate=sched, epochs=1, batch_size=4, tol=None,
          random_state=0, history=hist)
    assert asked[-3:] == [9, 10, 11] and hist.n_steps == 12


def test_plateau_observes_each_epoch_loss():
    X = np.zeros((4, 2))
    y = np.array([0, 1, 0, 1])  # nothing to learn: the loss stalls at log 2
    sched = ReduceOnPlateau(0.5, factor=0.5, patience=1, tol=1e-3, min_lr=1e-6)
    net = Network(init_params((2, 2, 2), "seed", 0))
    net.params.flat[...] = 0.0
    hist = train(net, X, one_hot(y, 2), learning_rate=sched, epochs=4, tol=None)
    assert np.allclose(hist.loss, np.log(2))
    # epoch 1 sets the best; epochs 2, 3, 4 each fail to improve -> halve each time
    assert hist.learning_rate == [0.5, 0.5, 0.25, 0.125]
    assert sched.lr == 0.0625


def test_epoch_aware_schedule_hears_every_epoch_and_may_overrule_a_stall():
    class Halving:  # halve the rate instead of stopping, twice
        def __init__(self):
            self.lr, self.calls, self.overruled = 0.5, [], 0

        def __call__(self, step):
            return self.lr

        def end_epoch(self, loss, stalled):
            self.calls.append((loss, stalled))
            if stalled and self.overruled < 2:
                self.lr, self.overruled = self.lr / 2, self.overruled + 1
                return True
            return False

    X = np.zeros((4, 2))
    y = np.array([0, 1, 0, 1])  # nothing to learn: every epoch after the first stalls
    net = Network(init_params((2, 2, 2), "seed", 0))
    net.params.flat[...] = 0.0
    sched = Halving()
    assert isinstance(sched, EpochAware) and isinstance(ReduceOnPlateau(0.1), EpochAware)
    hist = train(net, X, one_hot(y, 2), learning_rate=sched, epochs=50, tol=1e-3,
                 n_iter_no_change=2)
    # epoch 4 is the 3rd without progress (more than 2): a stall, overruled; then every 3rd again
    assert hist.n_epochs == 10 and hist.stop_reason == "converged"
    assert [s for _, s in sched.calls] == [False] + [False, False, True] * 3
    assert [loss for loss, _ in sched.calls] == hist.loss
    assert hist.learning_rate == [0.5] * 4 + [0.25] * 3 + [0.125] * 3
