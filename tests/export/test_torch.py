"""to_torch: a torch.nn.Sequential with the same weights computes predict_proba."""

import sys

import numpy as np
import pytest

from nnscratch.engine import ACTIVATIONS

from .conftest import fitted

torch = pytest.importorskip("torch")

# float64 as the ONNX test; float32: torch's kernels sum in another order than NumPy's BLAS, so
# logits differ by a few float32 ulps of |z| (measured up to 2.4e-6 relative in probabilities)
TOL = {"float64": (1e-12, 0.0), "float32": (1e-5, 1e-9)}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n_classes", [2, 5])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_same_outputs(activation, n_classes, dtype):
    clf, X = fitted((6, 4), activation, n_classes, dtype)
    if dtype == "float64":  # the tails too (softplus above torch's threshold, logistic, elu)
        X = np.vstack([X, 30 * X[:20]])
    X = X.astype(dtype)
    seq = clf.to_torch()
    assert isinstance(seq, torch.nn.Sequential) and not seq.training
    assert isinstance(seq[-1], torch.nn.Softmax)
    with torch.no_grad():
        proba = seq(torch.from_numpy(X)).numpy()
    rtol, atol = TOL[dtype]
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=rtol, atol=atol)
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    for linear, W, b in zip(linears, clf.coefs_, clf.intercepts_, strict=True):
        np.testing.assert_array_equal(linear.weight.detach().numpy(), W.T)
        np.testing.assert_array_equal(linear.bias.detach().numpy(), b)


def test_logits_train_in_torch_without_touching_the_model():
    clf, X = fitted((5,), "tanh", 3)
    before = [W.copy() for W in clf.coefs_]
    seq = clf.to_torch().train()
    logits = seq[:-1](torch.from_numpy(X))
    loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(clf.predict(X)))
    loss.backward()
    with torch.no_grad():
        for p in seq.parameters():
            p -= 0.1 * p.grad
    for W, W0 in zip(clf.coefs_, before):
        np.testing.assert_array_equal(W, W0)


def test_missing_torch_names_the_extra(monkeypatch):
    clf, _ = fitted()
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install 'nnscratch\[torch\]'"):
        clf.to_torch()
