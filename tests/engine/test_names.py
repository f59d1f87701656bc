"""The engine's name -> object tables: optimizers (``get_optimizer``) and schedules
(``get_schedule``), the names ``nnscratch train`` offers."""

import pytest

from nnscratch.engine import (
    GD,
    OPTIMIZERS,
    SCHEDULES,
    Adam,
    Momentum,
    ReduceOnPlateau,
    get_optimizer,
    get_schedule,
)


@pytest.mark.parametrize("name,expected", [
    ("constant", lambda t: 0.5),
    ("invtime", lambda t: 0.5 / (1 + 0.01 * t)),
    ("exponential", lambda t: 0.5 * 0.99**t),
    ("step", lambda t: 0.5 * 0.5 ** (t // 100)),
])
def test_schedule_formulas(name, expected):
    lr = get_schedule(name, 0.5, decay=0.01, every=100)
    for t in (0, 1, 99, 100, 250, 1000):
        assert lr(t) == pytest.approx(expected(t), rel=1e-12)


def test_every_schedule_name_builds_and_plateau_reacts_to_epochs():
    assert set(SCHEDULES) == {"constant", "invtime", "exponential", "step", "plateau"}
    for name in SCHEDULES:
        assert get_schedule(name, 0.1)(0) == 0.1
    plateau = get_schedule("plateau", 0.1)
    assert isinstance(plateau, ReduceOnPlateau)
    for _ in range(11):  # patience 10: the 11th epoch without progress lowers the rate by 5
        plateau.end_epoch(1.0, False)
    assert plateau(0) == pytest.approx(0.02)


def test_schedule_name_errors():
    with pytest.raises(ValueError, match="schedule must be one of .*got 'cosine'"):
        get_schedule("cosine", 0.1)
    with pytest.raises(ValueError, match="decay must be in"):
        get_schedule("invtime", 0.1, decay=2.0)


def test_every_optimizer_name_builds_its_rule():
    built = {name: get_optimizer(name) for name in OPTIMIZERS}
    assert type(built["gd"]) is GD and type(built["sgd"]) is GD
    assert isinstance(built["momentum"], Momentum) and not built["momentum"].nesterov
    assert isinstance(built["nesterov"], Momentum) and built["nesterov"].nesterov
    assert isinstance(built["adam"], Adam)
    assert get_optimizer("momentum", momentum=0.5).momentum == 0.5
    with pytest.raises(ValueError, match="optimizer must be one of .*got 'rmsprop'"):
        get_optimizer("rmsprop")
