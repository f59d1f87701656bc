"""The fused (numba) path against the NumPy engine: gradients, the tutorial bit for bit, every
solver, divergence, and which backend runs. Skipped when numba is absent (or hidden with
NNSCRATCH_BACKEND=numpy); the backend-selection tests without numba run either way."""

import os
import shutil

import numpy as np
import pytest

from nnscratch import MLPClassifier
from nnscratch.engine import DivergenceError, Network, _batching, _fused, init_params, train
from nnscratch.engine.losses import one_hot
from nnscratch.experiments.tutorial import LEARNING_RATE, REG_LAMBDA, tutorial_network
from tests.experiments.test_tutorial import SEED_FINAL_LOSS, SEED_LINES

needs_numba = pytest.mark.skipif(not _fused.numba_available(),
                                 reason="numba is not installed (pip install 'nnscratch[fast]') "
                                        "or NNSCRATCH_BACKEND=numpy hides it")
ACTS = sorted(_fused.ACT_CODES)


def _problem(n, d, k, seed):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = rng.randint(k, size=n)
    return X, one_hot(y, k)


def _both(sizes, act, seed=0, **kw):
    """Train the same network with each backend; return {backend: (net, history)}."""
    X, Y = kw.pop("data")
    out = {}
    for backend in ("numpy", "numba"):
        net = Network(init_params(sizes, "glorot", seed, activation="tanh"), act)
        opt = kw.get("optimizer")
        kw2 = dict(kw, optimizer=opt() if callable(opt) else opt)
        out[backend] = net, train(net, X, Y, random_state=seed, backend=backend, **kw2)
    return out


def _random_case(seed, wide):
    """Layer sizes, activations and rows of a random network: small (every product in the
    kernel's loops) or wide (products of >= GEMM_MIN_WORK multiply-adds go to BLAS, the first
    layer's too, the others stay in the loops: both in one network)."""
    rng = np.random.RandomState((200 if wide else 100) + seed)
    depth = rng.randint(1, 4)
    top_in, top_hidden, top_out, rows = (70, 90, 12, (20, 300)) if wide else (5, 7, 5, (1, 40))
    sizes = (rng.randint(1, top_in), *rng.randint(1, top_hidden, size=depth),
             rng.randint(2, top_out))
    acts = [ACTS[i] for i in rng.randint(len(ACTS), size=depth)]
    return sizes, acts, rng.randint(*rows)


CASES = [(seed, False) for seed in range(12)] + [(seed, True) for seed in range(8)]


@needs_numba
@pytest.mark.parametrize("seed, wide", CASES)
def test_gradient_equals_numpy_engine(seed, wide):
    sizes, acts, n = _random_case(seed, wide)
    X, Y = _problem(n, sizes[0], sizes[-1], seed)
    net = Network(init_params(sizes, "seed", seed), acts)
    alpha = [0.0, 0.01, 1.0][seed % 3]
    loss, grads = net.loss_and_grad(X, Y, alpha)
    f_loss, f_grad = _fused.loss_and_gradient(net, X, Y, alpha)
    assert abs(f_loss - loss) <= 1e-12 * abs(loss)
    scale = np.max(np.abs(grads.flat))
    assert np.max(np.abs(f_grad - grads.flat)) <= 1e-12 * scale, (sizes, acts, n)


@needs_numba
@pytest.mark.parametrize("seed", range(4))
def test_without_a_blas_gemm_wide_products_use_the_loops(seed, monkeypatch):
    # NumPy built on a BLAS without this gemm symbol: the kernel's own loops, the same gradient
    blas = _fused._blas
    monkeypatch.setattr(_fused, "_blas", lambda dtype, name: 0 if name == "gemm" else
                        blas(dtype, name))
    test_gradient_equals_numpy_engine(seed, True)


def test_the_cases_reach_both_kinds_of_product():
    def blas(seed, wide):
        sizes, _, n = _random_case(seed, wide)
        return {n * i * o >= _fused.GEMM_MIN_WORK for i, o in zip(sizes[:-1], sizes[1:])}

    assert set().union(*(blas(s, w) for s, w in CASES if not w)) == {False}
    assert set().union(*(blas(s, w) for s, w in CASES if w)) == {True, False}


@needs_numba
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-5)])
def test_wide_minibatches_take_the_same_steps(dtype, rtol):
    # 2-64-64-2 relu on 256-row shuffled minibatches (a short last one): the large-data shape
    X, Y = _problem(1000, 2, 2, 4)
    runs = {}
    for backend in ("numpy", "numba"):
        net = Network(init_params((2, 64, 64, 2), "glorot", 0, dtype, "relu"), "relu")
        runs[backend] = net, train(net, X.astype(dtype), Y.astype(dtype), learning_rate=0.05,
                                   alpha=1e-4, epochs=5, tol=None, batch_size=256,
                                   random_state=0, backend=backend)
    (net_a, h_a), (net_b, h_b) = runs["numpy"], runs["numba"]
    assert h_b.backend == "numba" and net_b.params.dtype == dtype
    scale = np.max(np.abs(net_a.params.flat))
    assert np.max(np.abs(net_b.params.flat - net_a.params.flat)) <= rtol * scale
    np.testing.assert_allclose(h_b.loss, h_a.loss, rtol=rtol)


@needs_numba
@pytest.mark.parametrize("batch", [None, 2500])  # 3 chunks; shuffled minibatches of 2 chunks
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_large_batches_in_fused_chunks_take_the_same_steps(dtype, rtol, batch):
    # more than CHUNK_ROWS rows: the chunks on threads, each one call of the compiled kernel
    n = 2 * _batching.CHUNK_ROWS + 700
    X, Y = _problem(n, 3, 3, 5)
    runs = {}
    for backend in ("numpy", "numba"):
        net = Network(init_params((3, 40, 24, 3), "glorot", 0, dtype), ("tanh", "relu"))
        runs[backend] = net, train(net, X.astype(dtype), Y.astype(dtype), learning_rate=0.1,
                                   optimizer="momentum", alpha=1e-3, epochs=6, tol=None,
                                   batch_size=batch, random_state=0, backend=backend)
    (net_a, h_a), (net_b, h_b) = runs["numpy"], runs["numba"]
    assert h_b.backend == "numba" and h_b.n_steps == h_a.n_steps
    scale = np.max(np.abs(net_a.params.flat))
    assert np.max(np.abs(net_b.params.flat - net_a.params.flat)) <= rtol * scale
    np.testing.assert_allclose(h_b.loss, h_a.loss, rtol=rtol)


@needs_numba
def test_tutorial_bit_for_bit():
    from nnscratch.datasets import moons

    X, y = moons()
    Y = one_hot(y, 2)
    runs = {}
    for backend in ("numpy", "numba"):
        net = tutorial_network(2, 3)
        hist = train(net, X, Y, learning_rate=LEARNING_RATE, alpha=REG_LAMBDA, epochs=20000,
                     tol=None, backend=backend)
        assert hist.backend == backend
        runs[backend] = net, hist
    net, hist = runs["numba"]
    final = net.loss(X, Y, REG_LAMBDA)
    after = hist.loss[1:] + [final]
    assert {i: f"{after[i]:f}" for i in range(0, 20000, 1000)} == SEED_LINES
    assert abs(final - SEED_FINAL_LOSS) < 1e-9
    # the same steps and the same losses, bit for bit
    assert np.array_equal(net.params.flat, runs["numpy"][0].params.flat)
    assert hist.loss == runs["numpy"][1].loss


SOLVERS = [
    dict(optimizer="gd", learning_rate=0.5),
    dict(optimizer="sgd", learning_rate=0.1, batch_size=7),
    dict(optimizer="sgd", learning_rate=0.1, batch_size=16, shuffle=False),
    dict(optimizer="momentum", learning_rate=0.05, batch_size=8),
    dict(optimizer="nesterov", learning_rate=0.05, batch_size=8),
    dict(optimizer="adam", learning_rate=0.01, batch_size=10),
    dict(optimizer="adam", learning_rate=0.01),
]


@needs_numba
@pytest.mark.parametrize("settings", SOLVERS, ids=lambda s: "-".join(map(str, s.values())))
@pytest.mark.parametrize("act", ["tanh", "relu", ("logistic", "elu"), ("softplus",
                                                                        "leaky_relu")])
def test_every_solver_takes_the_same_steps(settings, act):
    X, Y = _problem(50, 3, 3, 1)
    runs = _both((3, 5, 4, 3), act, data=(X, Y), alpha=1e-3, epochs=60, tol=None, **settings)
    (net_a, h_a), (net_b, h_b) = runs["numpy"], runs["numba"]
    assert h_b.backend == "numba" and h_a.backend == "numpy"
    np.testing.assert_allclose(net_b.params.flat, net_a.params.flat, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h_b.loss, h_a.loss, rtol=1e-10)
    assert h_b.learning_rate == h_a.learning_rate and h_b.n_steps == h_a.n_steps
    assert h_b.n_samples_seen == h_a.n_samples_seen


@needs_numba
def test_stopping_schedules_callbacks_and_warm_state_match():
    from nnscratch.engine import ReduceOnPlateau, inverse_time

    X, Y = _problem(60, 2, 2, 3)
    for kw in (dict(tol=1e-3, n_iter_no_change=3, learning_rate=0.3),
               dict(tol=None, learning_rate=inverse_time(0.5, 0.01)),
               dict(tol=1e-4, learning_rate=ReduceOnPlateau(0.5, patience=2))):
        runs = {}
        for backend in ("numpy", "numba"):
            seen: list[int] = []
            net = Network(init_params((2, 4, 2), "seed", 0), "tanh")
            lr = kw["learning_rate"]
            fresh = dict(kw, learning_rate=ReduceOnPlateau(0.5, patience=2)
                         if isinstance(lr, ReduceOnPlateau) else lr)
            h = train(net, X, Y, epochs=300, backend=backend, optimizer="momentum",
                      callbacks=[lambda hist, _net, seen=seen: seen.append(hist.n_epochs)], **fresh)
            runs[backend] = net, h, seen
        (na, ha, sa), (nb, hb, sb) = runs["numpy"], runs["numba"]
        assert hb.n_epochs == ha.n_epochs and hb.stop_reason == ha.stop_reason and sa == sb
        np.testing.assert_allclose(nb.params.flat, na.params.flat, rtol=1e-10, atol=1e-12)


@needs_numba
def test_divergence_restores_the_same_parameters():
    X, Y = _problem(40, 2, 2, 0)
    out = {}
    for backend in ("numpy", "numba"):
        net = Network(init_params((2, 8, 2), "seed", 0), "relu")
        with pytest.raises(DivergenceError) as err:
            train(net, X, Y, learning_rate=1e6, epochs=50, tol=None, backend=backend)
        out[backend] = net.params.flat.copy(), err.value.history
    np.testing.assert_allclose(out["numba"][0], out["numpy"][0], rtol=1e-12)
    assert out["numba"][1].n_epochs == out["numpy"][1].n_epochs
    assert out["numba"][1].stop_reason == "diverged"


@needs_numba
def test_float32_agrees_to_float32_rounding():
    X, Y = _problem(80, 2, 3, 2)
    runs = _both((2, 6, 3), "tanh", data=(X.astype(np.float32), Y.astype(np.float32)),
                 learning_rate=0.2, epochs=50, tol=None, batch_size=16)
    for net, _ in runs.values():
        net.params = net.params.astype(np.float64)
    np.testing.assert_allclose(runs["numba"][0].params.flat, runs["numpy"][0].params.flat,
                               rtol=1e-4, atol=1e-5)


@needs_numba
def test_auto_picks_numba_for_small_and_numpy_for_large_batches():
    X, Y = _problem(30, 2, 2, 0)
    net = Network(init_params((2, 3, 2), "seed", 0), "tanh")
    _fused.warm_up()  # compiled and loaded, as after `make`
    assert train(net, X, Y, epochs=2).backend == "numba"
    big = Network(init_params((2, 64, 64, 2), "seed", 0), "relu")
    assert _fused.select_backend("auto", big, 256, _fused.GD()) == "numba"  # dispatch-bound
    assert _fused.select_backend("auto", big, 1024, _fused.GD()) == "numpy"  # BLAS-bound
    assert _fused.select_backend("auto", big, 4096, _fused.GD()) == "numba"  # chunks, no GIL
    tiny = Network(init_params((2, 3, 2), "seed", 0), "tanh")
    assert _fused.select_backend("auto", tiny, 1537, _fused.GD()) == "numba"
    assert train(net, X, Y, epochs=2, validation=(X, np.argmax(Y, 1))).backend == "numpy"
    with pytest.raises(ValueError, match="does not support validation"):
        train(net, X, Y, epochs=2, validation=(X, np.argmax(Y, 1)), backend="numba")


@needs_numba
def test_auto_never_waits_for_a_compile(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))  # an empty cache: nothing compiled
    monkeypatch.setattr(_fused, "_KERNELS", None)
    monkeypatch.setattr(_fused, "_COMPILED", False)
    X, Y = _problem(30, 2, 2, 0)
    net = Network(init_params((2, 3, 2), "seed", 0), "tanh")
    assert train(net, X, Y, epochs=20000, tol=None).backend == "numpy"


@needs_numba
def test_auto_loads_the_kernels_only_for_long_runs(monkeypatch):
    _fused.warm_up()
    assert _fused.compiled()
    monkeypatch.setattr(_fused, "_KERNELS", None)  # as in a fresh process with a warm cache
    net = Network(init_params((2, 3, 2), "seed", 0), "tanh")
    assert _fused.select_backend("auto", net, 200, _fused.GD(), steps=100) == "numpy"
    assert _fused.select_backend("auto", net, 200, _fused.GD(), steps=20000) == "numba"
    big = Network(init_params((2, 64, 64, 2), "seed", 0), "relu")  # 4352 multiply-adds a row
    assert _fused.select_backend("auto", big, 10**5, _fused.GD(), steps=20) == "numpy"  # ~0.5 s
    assert _fused.select_backend("auto", big, 10**6, _fused.GD(), steps=20) == "numba"  # ~5 s


@needs_numba
def test_kernels_are_cached_on_disk():
    _fused.warm_up()  # what `make` runs after installing: every kernel, so 'auto' may use it
    for name in _fused.ENTRY_POINTS:
        assert list(_fused.cache_dir().rglob(f"*{name}*.nbi")), (name, _fused.cache_dir())


@needs_numba
def test_only_kernels_of_these_sources_count_as_compiled(monkeypatch, tmp_path):
    """numba recompiles a kernel whose source changed (an upgrade) or moved (another copy of
    the package): such a cache must not make 'auto' pick the fused path and wait for that."""
    _fused.warm_up()
    assert _fused.compiled()
    sources = _fused.kernel_sources()
    assert (_fused.cache_dir() / f"ready-{_fused.cache_stamp()}").is_file()
    moved = [tmp_path / path.name for path in sources]
    for path, copy in zip(sources, moved):
        shutil.copy2(path, copy)  # the same contents and times, in another folder
    monkeypatch.setattr(_fused, "kernel_sources", lambda: moved)
    monkeypatch.setattr(_fused, "_COMPILED", False)
    assert not _fused.compiled()
    stamp = _fused.cache_stamp()
    (_fused.cache_dir() / f"ready-{stamp}").touch()
    try:
        assert _fused.compiled()  # as warm_up() would mark them
        monkeypatch.setattr(_fused, "_COMPILED", False)
        st = moved[1].stat()
        os.utime(moved[1], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # an upgrade rewrote it
        assert _fused.cache_stamp() != stamp and not _fused.compiled()
        net = Network(init_params((2, 3, 2), "seed", 0), "tanh")
        assert _fused.select_backend("auto", net, 200, _fused.GD(), steps=10**6) == "numpy"
    finally:
        (_fused.cache_dir() / f"ready-{stamp}").unlink()



@needs_numba
def test_kernels_compiled_for_another_cpu_do_not_count(monkeypatch):
    """numba keys its cache on the host CPU: a cache folder shared with another machine (a
    network home) holds kernels it would compile again here."""
    _fused.warm_up()
    assert _fused.compiled()
    here = _fused.host_cpu()
    assert "x86_64" in here or "aarch64" in here or "arm64" in here  # the machine is named
    for other in (here.replace("\n", "\nother-", 1), here + " avx512f"):
        monkeypatch.setattr(_fused, "host_cpu", lambda other=other: other)
        monkeypatch.setattr(_fused, "_COMPILED", False)
        assert not _fused.compiled()
    monkeypatch.undo()
    monkeypatch.setenv("NUMBA_CPU_NAME", "generic")  # numba's own override changes its key too
    monkeypatch.setattr(_fused, "_COMPILED", False)
    assert not _fused.compiled()

WARM_UP_AND_COUNT = """
from nnscratch.engine import _fused
_fused.warm_up()
K = _fused.kernels()
print(*[len(getattr(K, name).signatures) for name in _fused.ENTRY_POINTS])
"""


@needs_numba
def test_warm_up_prepares_every_kernel_for_both_dtypes():
    # a fresh process: only what warm_up() compiled or loaded is there
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", WARM_UP_AND_COUNT], check=True, text=True,
                         capture_output=True).stdout.split()
    assert out == ["2"] * len(_fused.ENTRY_POINTS), out  # float64 and float32 each


def test_backend_numpy_and_errors_without_numba(monkeypatch):
    X, Y = _problem(30, 2, 2, 0)
    net = Network(init_params((2, 3, 2), "seed", 0), "tanh")
    assert train(net, X, Y, epochs=2, backend="numpy").backend == "numpy"
    with pytest.raises(ValueError, match="backend must be one of auto, numpy, numba"):
        train(net, X, Y, epochs=2, backend="fast")
    monkeypatch.setenv("NNSCRATCH_BACKEND", "numpy")  # numba counts as absent
    assert train(net, X, Y, epochs=2).backend == "numpy"
    with pytest.raises(ImportError, match=r"pip install 'nnscratch\[fast\]'"):
        train(net, X, Y, epochs=2, backend="numba")


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "n"))
    assert _fused.cache_dir() == tmp_path / "n"
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _fused.cache_dir() == tmp_path / "nnscratch" / "numba"


@pytest.mark.skipif(os.environ.get("NNSCRATCH_HIDE_NUMBA") != "1",
                    reason="runs in `make test-numpy`, where numba is hidden")
def test_numba_is_hidden_in_make_test_numpy():
    with pytest.raises(ImportError):
        import numba  # noqa: F401
    assert not _fused.numba_available()
    X, y = _problem(40, 2, 2, 0)[0], np.arange(40) % 2
    clf = MLPClassifier((3,), solver="gd", max_iter=20000, tol=None, random_state=0).fit(X, y)
    assert clf.backend_ == "numpy"  # 'auto' on a run the fused path would take


class _CtrlCAtLength(list):
    """A history list whose append raises KeyboardInterrupt once it holds ``at`` items."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def append(self, item):
        if len(self) == self.at:
            raise KeyboardInterrupt
        super().append(item)


@needs_numba
def test_ctrl_c_while_a_block_is_recorded_rolls_the_whole_block_back(monkeypatch):
    # a kernel call runs many epochs; Ctrl-C as their losses are copied into hist leaves the
    # weights, Adam's moments and every count of hist at the block before, not half of each
    from nnscratch.engine import Adam, History
    X, Y = _problem(50, 2, 2, 0)

    def fit(epochs, hist, net=None, opt=None):
        net = net or Network(init_params((2, 4, 2), "glorot", 0), "tanh")
        opt = opt or Adam()
        return net, opt, train(net, X, Y, learning_rate=0.05, optimizer=opt, epochs=epochs,
                               tol=None, backend="numba", history=hist)

    sizes_net = Network(init_params((2, 4, 2), "glorot", 0), "tanh")
    monkeypatch.setattr(_fused, "BLOCK_WORK", 20 * 50 * _fused._weights_per_sample(sizes_net))
    hist = History(loss=_CtrlCAtLength(30))
    net, opt, hist = fit(40, hist)  # blocks of 20 epochs: the second one half recorded
    assert hist.stop_reason == "interrupted"
    assert (hist.n_epochs, len(hist.learning_rate), hist.n_steps, opt.t) == (20, 20, 20, 20)
    assert hist.n_samples_seen == 20 * 50 and hist.best_loss == min(hist.loss)
    ref_net, _, ref = fit(20, None)
    np.testing.assert_array_equal(net.params.flat, ref_net.params.flat)
    assert list(hist.loss) == ref.loss
    hist.loss = list(hist.loss)
    fit(10, hist, net, opt)  # resumes with the moments of epoch 20
    ref_net, _, _ = fit(30, None)
    np.testing.assert_array_equal(net.params.flat, ref_net.params.flat)
