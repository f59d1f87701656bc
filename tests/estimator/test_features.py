"""MLPClassifier's own features beyond scikit-learn's: one activation per hidden layer,
engine callbacks, engine schedule objects as ``learning_rate``, model data and notes."""

import numpy as np
import pytest
from sklearn.base import clone

import nnscratch
from nnscratch import MLPClassifier
from nnscratch.datasets import moons
from nnscratch.engine import Network, Params, ReduceOnPlateau, init_params, step_decay, train
from nnscratch.engine.callbacks import Snapshots
from nnscratch.engine.losses import one_hot
from nnscratch.io import read_model

GD = dict(solver="gd", learning_rate_init=0.5, max_iter=30, tol=None, random_state=0)


@pytest.fixture(scope="module")
def data():
    return moons(120, noise=0.2, random_state=0)


def test_one_activation_per_layer_is_the_engine_network_with_those_activations(data):
    X, y = data
    clf = MLPClassifier((5, 4), activation=("relu", "tanh"), init="seed", **GD).fit(X, y)
    assert clf.get_params()["activation"] == ("relu", "tanh")  # stored unchanged
    assert [a.name for a in clf.network().activations] == ["relu", "tanh"]
    # the same run by the engine, from the same initial weights: the same steps, bit for bit
    net = Network(init_params((2, 5, 4, 2), "seed", np.random.RandomState(0)), ["relu", "tanh"])
    hist = train(net, X, one_hot(y, 2), learning_rate=0.5, alpha=1e-4, epochs=30, tol=None)
    assert clf.loss_curve_ == hist.loss
    np.testing.assert_array_equal(clf.predict_proba(X), net.predict_proba(X))


def test_a_tuple_of_one_name_is_that_name(data):
    X, y = data
    one = MLPClassifier((5, 4), activation="tanh", **GD).fit(X, y)
    each = MLPClassifier((5, 4), activation=("tanh", "tanh"), **GD).fit(X, y)
    assert one.loss_curve_ == each.loss_curve_
    sigmoid = MLPClassifier((5,), activation=("sigmoid",), **GD).fit(X, y)
    logistic = MLPClassifier((5,), activation="logistic", **GD).fit(X, y)
    assert sigmoid.loss_curve_ == logistic.loss_curve_
    assert clone(each).get_params() == each.get_params()


@pytest.mark.parametrize("activation", [("relu", "tanh"), "elu", ("sigmoid", "identity")])
def test_per_layer_models_round_trip(data, tmp_path, activation):
    X, y = data
    clf = MLPClassifier((6, 3), activation=activation, **GD).fit(X, np.array(["a", "b"])[y])
    back = nnscratch.load(clf.save(tmp_path / "m.npz"))
    assert back.get_params() == clf.get_params()
    assert back.predict_proba(X).tobytes() == clf.predict_proba(X).tobytes()
    names = [a.name for a in clf.network().activations]
    assert read_model(tmp_path / "m.npz").activations == names


def test_callbacks_see_every_epoch_and_the_live_network(data):
    X, y = data
    seen = []

    def watch(history, network):
        seen.append((history.n_epochs, history.loss[-1], network.params.flat.copy()))

    clf = MLPClassifier((4,), callbacks=[watch], **GD).fit(X, y)
    assert [s[0] for s in seen] == list(range(1, 31))
    assert [s[1] for s in seen] == clf.loss_curve_
    final = Network(Params.from_arrays(clf.coefs_, clf.intercepts_), "relu").params.flat
    np.testing.assert_array_equal(seen[-1][2], final)  # the network after the last step
    seen.clear()
    clf.partial_fit(X, y)  # partial_fit calls them too, and the epoch count goes on
    assert [s[0] for s in seen] == [31]


def test_a_callback_that_returns_true_stops_training(data):
    X, y = data
    clf = MLPClassifier((4,), callbacks=[lambda h, net: h.n_epochs == 7], **GD).fit(X, y)
    assert clf.n_iter_ == 7 and len(clf.loss_curve_) == 7


def test_snapshots_record_the_weights_without_knowing_the_network(data):
    X, y = data
    snaps = Snapshots(every=10)
    clf = MLPClassifier((4,), callbacks=[snaps], **GD).fit(X, y)
    assert snaps.epochs == [10, 20, 30]
    np.testing.assert_array_equal(snaps.flats[-1], clf.network().params.flat)
    assert snaps.losses == [clf.loss_curve_[9], clf.loss_curve_[19], clf.loss_curve_[29]]


def test_schedule_object_rates_each_step_and_is_not_changed(data):
    X, y = data
    schedule = step_decay(0.5, factor=0.5, every=10)
    clf = MLPClassifier((4,), **{**GD, "learning_rate": schedule}).fit(X, y)
    net = Network(init_params((2, 4, 2), "glorot", np.random.RandomState(0), activation="relu"),
                  "relu")
    hist = train(net, X, one_hot(y, 2), learning_rate=step_decay(0.5, 0.5, 10), alpha=1e-4,
                 epochs=30, tol=None)
    assert clf.loss_curve_ == hist.loss
    assert clf.get_params()["learning_rate"] is schedule


def test_plateau_schedule_reacts_to_epoch_ends_and_each_fit_starts_fresh(data):
    X, y = data
    plateau = ReduceOnPlateau(50.0, factor=0.2, patience=2)  # far too large: the loss stalls
    seen = []
    clf = MLPClassifier((4,), solver="sgd", momentum=0.0, batch_size=120, learning_rate=plateau,
                        max_iter=40, tol=None, random_state=0, activation="tanh",
                        callbacks=[lambda h, net: seen.append(h.learning_rate[-1])])
    clf.fit(X, y)
    assert plateau.lr == 50.0 and plateau.bad_epochs == 0  # the object passed is not changed
    twin, expected = ReduceOnPlateau(50.0, factor=0.2, patience=2), []
    for loss in clf.loss_curve_:  # the rate of each epoch: lowered by the epochs before it
        expected.append(twin(0))
        twin.end_epoch(loss, False)
    assert seen == expected and min(seen) < 50.0
    first = list(clf.loss_curve_)
    seen.clear()
    assert clf.fit(X, y).loss_curve_ == first  # a second fit starts from a fresh plateau


def test_model_data_round_trip_and_notes(data, tmp_path):
    X, y = data
    clf = MLPClassifier((4,), **GD).fit(X, y)
    model = clf.to_model_data()
    assert model.activations == ["relu"] and model.layer_sizes == (2, 4, 2)
    assert model.fitted["loss_curve_"] == clf.loss_curve_
    back = MLPClassifier.from_model_data(model)
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    path = clf.save(tmp_path / "m.npz", notes={"command": "test", "target": None})
    assert read_model(path).notes == {"command": "test", "target": None}
    assert nnscratch.load(path).get_params() == clf.get_params()
    with pytest.raises(ValueError, match="notes"):
        clf.save(tmp_path / "bad.npz", notes={"callable": print})


def test_hyperparameters_that_are_not_data_load_as_their_defaults(data, tmp_path):
    X, y = data
    clf = MLPClassifier((4,), callbacks=[lambda h, net: None],
                        **{**GD, "learning_rate": step_decay(0.5)}).fit(X, y)
    back = nnscratch.load(clf.save(tmp_path / "m.npz"))
    assert back.get_params()["learning_rate"] == "constant"
    assert back.get_params()["callbacks"] is None
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


def test_partial_fit_classes_must_stay_the_same(data):
    X, y = data
    clf = MLPClassifier((4,), solver="sgd", random_state=0).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2\] differs from .* \[0, 1\]"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
