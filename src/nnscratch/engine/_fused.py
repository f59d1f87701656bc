"""An optional compiled path: a network's training loop as numba kernels.

For the tutorial's 200 x 2 x 3 network one step of the NumPy engine is ~28 NumPy calls on arrays
of a few hundred numbers: the time goes to dispatching them, not to arithmetic. The fused path
(:mod:`nnscratch.engine._fused_kernels`, ``pip install 'nnscratch[fast]'``) runs forward pass,
loss, backpropagation and update of every batch of every epoch in one compiled call and returns
the per-epoch losses, so ``History`` is the same as the NumPy loop's. A batch of more than
``_batching.CHUNK_ROWS`` rows stays in the NumPy loop, its fixed chunks summed on threads as
there, but each chunk's forward and backward pass is one kernel call that releases the GIL
(:func:`chunk_function`): the threads no longer wait for each other's NumPy calls.

Same math, same rounding. It performs the NumPy engine's floating-point operations in the same
order: small products accumulate over k with fused multiply-adds as OpenBLAS's gemm kernels do,
products of at least ``GEMM_MIN_WORK`` multiply-adds call the gemm of NumPy's own OpenBLAS (the
one ``np.dot`` calls, on the kernel's transposed buffers), and tanh, exp, log, expm1 and
logaddexp are NumPy's own loops, called through the function pointers NumPy hands out for
compiled callers (``ufunc._get_strided_loop``). On the tutorial (hidden 3, lr 2.0, at the edge of
stability) it takes bit for bit the NumPy engine's steps. Where BLAS takes another order
(matrix-vector products: one hidden unit; narrow outputs of long rows; wide products, whose
blocking depends on the layout) or a batch is cut into chunks (more than
``_batching.CHUNK_ROWS`` rows), the two agree to rounding (tests/engine/test_fused.py).

Backends: ``train(..., backend=)`` of :mod:`nnscratch.engine.training` takes

- ``'numpy'``: the NumPy loop, always (the reference; ``nnscratch tutorial`` uses it);
- ``'numba'``: this path; an ``ImportError`` naming ``pip install 'nnscratch[fast]'`` when numba is
  missing, a ``ValueError`` for settings it does not support (validation data, early stopping,
  optimizers other than gd/sgd/momentum/nesterov/adam);
- ``'auto'`` (default): numba when it is installed, its kernels are compiled already (in the disk
  cache: ``auto`` never makes a command wait for a compile), the settings are supported, one
  batch is small (at most ``CHUNK_ROWS`` rows and ``FUSED_MAX_WORK`` multiply-adds per product
  pass: where NumPy's calls cost more than their arithmetic) or large (more than ``CHUNK_ROWS``
  rows: its chunks, one kernel call each, run on threads without the GIL, see
  :func:`chunk_function`), and the run is long enough to pay for loading the kernels
  (``MIN_STEPS`` updates or ``MIN_WORK`` multiply-adds, unless this process has loaded them
  already), else NumPy.

``NNSCRATCH_BACKEND=numpy`` in the environment makes numba count as absent (``'auto'`` is NumPy;
the fused tests skip): the test suite then runs the NumPy engine alone, as without the extra.
``NNSCRATCH_BACKEND=numba`` makes ``'auto'`` choose numba wherever it is supported.

Compiled kernels are cached on disk (``cache=True``): the first use compiles (about 20-30 s on
two cores), later processes load them (about a second). Compile them once after installing or
upgrading with ``warm_up()`` (``make`` runs it; a ``backend="numba"`` run compiles what it uses):
it marks them ready for these very sources and this CPU (:func:`compiled`), and only then does
``'auto'`` pick them. The cache lives in
``$NUMBA_CACHE_DIR`` when set, else in ``$XDG_CACHE_HOME/nnscratch/numba``
(``~/.cache/nnscratch/numba``), never beside the package, so a read-only install works.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import math
import os
import platform
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnscratch.engine._batching import CHUNK_ROWS
from nnscratch.engine.losses import SAFE_LOGIT, SAFE_LOGIT_FLOAT32
from nnscratch.engine.optimizers import GD, Adam, Momentum, Optimizer
from nnscratch.engine.parallel import blas_on_one_thread

if TYPE_CHECKING:
    from nnscratch.engine._batching import Workspace
    from nnscratch.engine.history import History
    from nnscratch.engine.network import Network
    from nnscratch.engine.params import Params

BACKENDS = ("auto", "numpy", "numba")
INSTALL_HINT = "pip install 'nnscratch[fast]'"
ACT_CODES = {"identity": 0, "tanh": 1, "logistic": 2, "relu": 3, "leaky_relu": 4, "elu": 5,
             "softplus": 6}
FUSED_MAX_WORK = 2**22  # multiply-adds of one batch's forward products, at most, for 'auto'
# (measured side by side, us/step numpy -> numba, rows x layer sizes: 200 x 2-3-2 40 -> 6,
# 200 x 2-32-32-2 93 -> 53, 64 x 2-16-16-2 float32 54 -> 18, 256 x 2-64-64-2 float32 178 -> 123,
# float64 321 -> 221, 128 x 2-128-128-2 float32 315 -> 298, 512 x 2-64-64-2 float32 263 -> 236;
# but 1024 x 2-64-64-2 float32 479 -> 505 and 1536 x 2-128-128-2 float32 2441 -> 3171: where
# the products dominate, the NumPy engine's layout suits BLAS better)
GEMM_MIN_WORK = 2**12  # multiply-adds from which a product goes to BLAS, not the kernel's loops
# (us/pass, 200 rows, loops -> BLAS: 2-20-2 23.5 -> 15.0, 2-50-2 50.7 -> 27.7; the tutorial's
# 2-3-2, 1200 per product, keeps the loops that round as the NumPy engine, bit for bit)
MIN_STEPS = 20000  # 'auto' loads the kernels into a process for runs of this many steps or more
MIN_WORK = 2**34  # ... or of this many multiply-adds in forward products (~2 s on NumPy)
# Batches of more than CHUNK_ROWS rows run the NumPy loop with each chunk one call of the kernel,
# which holds no GIL: the threads' chunks run in parallel. Side by side, float32, 20 full-batch
# epochs, NumPy chunks -> fused chunks: 1e4 x 2-64-64-2 95 -> 55 ms, 1e5 556 -> 433 ms,
# 1e4 x 2-256-256-2 679 -> 618 ms, 6000 x 2-512-512-2 1607 -> 1296 ms, 1e4 x 2-16-2 43 -> 15 ms.
BLOCK_WORK = 2**26  # multiply-adds per kernel call, about 0.1 s: Ctrl-C and the bar stay live


def numba_available() -> bool:
    """numba is installed (without importing it) and ``NNSCRATCH_BACKEND`` is not 'numpy'."""
    if os.environ.get("NNSCRATCH_BACKEND", "").strip().lower() == "numpy":
        return False
    return importlib.util.find_spec("numba") is not None


def cache_dir() -> Path:
    """Where compiled kernels are kept: ``$NUMBA_CACHE_DIR``, else the user's cache."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nnscratch" / "numba"


def _weights_per_sample(net: Network) -> int:
    sizes = net.layer_sizes
    return sum(i * o for i, o in zip(sizes[:-1], sizes[1:]))


def unsupported(net: Network, optimizer: Optimizer, validation: object,
                early_stopping: bool) -> str | None:
    """Why the fused path cannot run these settings, or None."""
    if validation is not None or early_stopping:
        return "validation data and early stopping"
    if net.params.dtype not in (np.float64, np.float32):
        return f"dtype {net.params.dtype}"
    names = [a.name for a in net.activations]
    if any(name not in ACT_CODES for name in names):
        return f"activations {names}"
    if type(optimizer) not in (GD, Momentum, Adam):
        return f"optimizer {type(optimizer).__name__}"
    n = net.params.flat.shape
    state = optimizer.state  # None before the first step; else one dict per parameter array
    if state is not None and (len(state) != 1
                              or any(a.shape != n for a in state[0].values())):
        return "optimizer state from another parameter layout"
    return None


def select_backend(backend: str, net: Network, batch_size: int, optimizer: Optimizer,
                   validation: object = None, early_stopping: bool = False,
                   steps: int = MIN_STEPS) -> str:
    """'numpy' or 'numba' for ``backend`` in ('auto', 'numpy', 'numba') (module docstring);
    ``steps``: the updates the run will make at most."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if backend == "numpy":
        return "numpy"
    why = unsupported(net, optimizer, validation, early_stopping)
    if backend == "numba":
        if not numba_available():
            raise ImportError(f"backend='numba' needs numba: {INSTALL_HINT} (or use "
                              "backend='auto' or 'numpy')")
        if why is not None:
            raise ValueError(f"backend='numba' does not support {why}; use backend='numpy' "
                             "or 'auto'")
        return "numba"
    if why is not None or not numba_available():
        return "numpy"
    if os.environ.get("NNSCRATCH_BACKEND", "").strip().lower() == "numba":
        return "numba"
    work = batch_size * _weights_per_sample(net)  # multiply-adds of a batch's forward products
    small = batch_size <= CHUNK_ROWS and work <= FUSED_MAX_WORK  # the whole loop compiled
    chunked = batch_size > CHUNK_ROWS  # the chunks on threads, each a call of the kernel
    # loading the kernels costs ~0.5-1 s: worth it for long runs or much work
    worth = _KERNELS is not None or steps >= MIN_STEPS or steps * work >= MIN_WORK
    return "numba" if (small or chunked) and worth and compiled() else "numpy"


_COMPILED = False


ENTRY_POINTS = ("run_epochs", "chunk_gradient", "scratch")  # the kernels called from Python
KERNEL_SOURCES = ("_fused_kernels.py", "_fused_layers.py", "_fused_ops.py")  # beside this file


# /proc/cpuinfo's lines that name a CPU: x86 (vendor, model, flags) and ARM (implementer, part)
CPU_FIELDS = ("vendor_id", "model name", "flags", "CPU implementer", "CPU part", "Features")


def kernel_sources() -> list[Path]:
    here = Path(__file__).resolve().parent
    return [here / name for name in KERNEL_SOURCES]


def host_cpu() -> str:
    """The CPU that numba compiles for, as text (its cache keys on the host CPU's name and
    features): numba's overrides ``$NUMBA_CPU_NAME`` and ``$NUMBA_CPU_FEATURES``, the machine,
    and the first CPU's vendor, model and flags from /proc/cpuinfo (Linux; elsewhere the
    platform's processor name). Read in ~0.2 ms, without importing numba."""
    parts = [os.environ.get("NUMBA_CPU_NAME", ""), os.environ.get("NUMBA_CPU_FEATURES", ""),
             platform.machine()]
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if not line.strip():  # the end of the first CPU's block
                    break
                if line.split(":", 1)[0].strip() in CPU_FIELDS:
                    parts.append(" ".join(line.split()))
    except OSError:
        parts.append(platform.processor())
    return "\n".join(parts)


def cache_stamp() -> str:
    """What numba's cache of these kernels depends on, as a hash: numba's and Python's versions,
    the CPU (:func:`host_cpu`), and the path, modification time and size of every kernel
    source (numba's own stamp of a source file; the path, because numba keeps each source
    folder's kernels apart)."""
    parts = [version("numba"), sys.version, host_cpu()]
    for path in kernel_sources():
        st = path.stat()
        parts.append(f"{path.resolve()} {st.st_mtime!r} {st.st_size}")
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()


def _ready_file() -> Path:
    return cache_dir() / f"ready-{cache_stamp()}"


def compiled() -> bool:
    """Every kernel of these very sources is in :func:`cache_dir`: :func:`warm_up` compiled or
    loaded them all and left its mark. Kernels of other sources (an upgrade, another copy of
    the package, another numba) or for another CPU (a cache folder shared between machines) do
    not count: loading those would compile them again."""
    global _COMPILED
    if not _COMPILED:
        try:
            _COMPILED = _ready_file().is_file()
        except OSError:  # a source or the package metadata cannot be read
            _COMPILED = False
    return _COMPILED


# --- NumPy's loops and the compiled kernels -------------------------------------------------
_LOOPS: dict[np.dtype, tuple[np.ndarray, list[object]]] = {}
_KERNELS: Any = None


def _loop_pointers(dtype: np.dtype) -> np.ndarray:
    """(6, 3) addresses (strided loop, context, auxdata) of NumPy's tanh, exp, log, expm1,
    logaddexp and add for ``dtype``; the capsules that own them are kept alive here."""
    if dtype not in _LOOPS:
        get = ctypes.pythonapi.PyCapsule_GetPointer
        get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
        rows, keep = [], []
        ufuncs: list[Any] = [np.tanh, np.exp, np.log, np.expm1, np.logaddexp, np.add]
        for ufunc in ufuncs:
            _, capsule = ufunc._resolve_dtypes_and_context((dtype,) * (ufunc.nin + 1))
            ufunc._get_strided_loop(capsule)
            info = ctypes.cast(get(capsule, b"numpy_1.24_ufunc_call_info"),
                               ctypes.POINTER(ctypes.c_void_p * 3)).contents
            rows.append([info[0] or 0, info[1] or 0, info[2] or 0])
            keep.append(capsule)
        _LOOPS[dtype] = (np.array(rows, dtype=np.intp), keep)
    return _LOOPS[dtype][0]


_BLAS: dict[tuple[np.dtype, str], int] = {}


def _blas(dtype: np.dtype, name: str) -> int:
    """Address of the BLAS ``name`` ('dot': what ``np.vdot`` calls, 'gemm': what ``np.dot``
    calls for matrices) in NumPy's bundled OpenBLAS, or 0 when it cannot be found (the kernel then
    sums in its own loops: losses and wide products agree to rounding, small steps unchanged)."""
    if (dtype, name) not in _BLAS:
        address = 0
        libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
        symbol = f"scipy_cblas_{'d' if dtype == np.float64 else 's'}{name}64_"
        for path in sorted(libs.glob("libscipy_openblas64_*.so")):
            try:
                address = ctypes.cast(getattr(ctypes.CDLL(str(path)), symbol),
                                      ctypes.c_void_p).value or 0
            except (OSError, AttributeError):
                continue
        _BLAS[dtype, name] = address
    return _BLAS[dtype, name]


def kernels() -> Any:
    """The compiled module (imports numba; kernels cached under :func:`cache_dir`)."""
    global _KERNELS
    if _KERNELS is None:
        if not numba_available():
            raise ImportError(f"the fused path needs numba: {INSTALL_HINT}")
        from numba.core import config

        previous = config.CACHE_DIR  # type: ignore[attr-defined]
        config.CACHE_DIR = str(cache_dir())  # type: ignore[attr-defined]  # read at decoration
        try:
            from nnscratch.engine import _fused_kernels
        finally:
            config.CACHE_DIR = previous  # type: ignore[attr-defined]
        _KERNELS = _fused_kernels
    return _KERNELS


def _constants(dtype: np.dtype, alpha: float, optimizer: Optimizer) -> np.ndarray:
    from nnscratch.engine.activations import ELU_ALPHA, LEAKY_SLOPE

    mu = getattr(optimizer, "momentum", 0.0)
    b1, b2 = getattr(optimizer, "beta_1", 0.0), getattr(optimizer, "beta_2", 0.0)
    eps = getattr(optimizer, "epsilon", 0.0)
    return np.array([1.0, 0.5, 0.0, LEAKY_SLOPE, ELU_ALPHA, 1.0 - LEAKY_SLOPE, alpha, mu, b1,
                     1 - b1, b2, 1 - b2, eps], dtype=dtype)


def _opt_code(optimizer: Optimizer) -> int:
    if isinstance(optimizer, Adam):
        return 3
    if isinstance(optimizer, Momentum):
        return 2 if optimizer.nesterov else 1
    return 0


def _mark(hist: History, optimizer: Optimizer) -> tuple[Any, ...]:
    """The counts of ``hist`` and ``optimizer`` that a block's record changes."""
    return (len(hist.loss), len(hist.learning_rate), hist.n_samples_seen, hist.n_steps,
            hist.n_no_improvement, hist.best_loss, optimizer.t)


def _roll_back(hist: History, optimizer: Optimizer, mark: tuple[Any, ...]) -> None:
    """Undo what a block's record did to ``hist`` and ``optimizer`` since ``mark``."""
    n_loss, n_lr, hist.n_samples_seen, hist.n_steps, hist.n_no_improvement, \
        hist.best_loss, optimizer.t = mark
    del hist.loss[n_loss:], hist.learning_rate[n_lr:]


def train(net: Network, X: np.ndarray, Y: np.ndarray, *, schedule: Callable[[int], float],
          optimizer: Optimizer, alpha: float, epochs: int, batch_size: int, shuffle: bool,
          rng: np.random.RandomState | np.random.Generator, tol: float | None,
          n_iter_no_change: int, end_epoch: Callable[[float, bool], bool] | None,
          callbacks: Sequence[Callable[..., Any]], hist: History, bar: Any = None) -> History:
    """The training loop of :func:`nnscratch.engine.training.train` on the fused kernel.

    Takes the checked arguments of that function (``X``, ``Y`` C-contiguous in the parameters'
    dtype, ``batch_size`` resolved to an int) and records the same ``History``; epochs run in
    blocks of about ``BLOCK_WORK`` multiply-adds, one epoch per block when ``callbacks``, a
    schedule that observes the loss or a progress bar need every epoch.
    """
    from nnscratch.engine.history import DivergenceError, divergence_message

    K = kernels()
    params = net.params
    flat, dtype = params.flat, params.dtype
    n, m = X.shape[0], batch_size
    batches = -(-n // m)
    grad, backup = np.zeros_like(flat), flat.copy()
    code = _opt_code(optimizer)
    if optimizer.state is None:  # the base class's per-array state, for the one flat vector
        optimizer.state = [{k: np.zeros_like(flat) for k in optimizer.state_names}]
    state_arrays = [optimizer.state[0][k] for k in optimizer.state_names]  # Momentum v; Adam m, v
    v1, v2 = (state_arrays + [flat[:0], flat[:0]])[:2]
    sizes = np.array(params.layer_sizes, dtype=np.int64)
    acts = np.array([ACT_CODES[a.name] for a in net.activations], dtype=np.int64)
    c = _constants(dtype, alpha, optimizer)
    safe = SAFE_LOGIT if dtype == np.float64 else SAFE_LOGIT_FLOAT32
    tol_value = math.nan if tol is None else float(tol)
    state = np.array([hist.best_loss, hist.n_no_improvement, math.inf, math.nan, math.nan,
                      tol_value, n_iter_no_change, safe, alpha, 0], dtype=np.float64)
    loops = _loop_pointers(dtype)
    Xf, Yf = X.reshape(-1), Y.reshape(-1)
    per_epoch = callbacks or end_epoch is not None or bar is not None
    block_max = 1 if per_epoch else max(1, BLOCK_WORK // max(1, n * _weights_per_sample(net)))
    if shuffle and m < n:
        block_max = min(block_max, max(1, 2**22 // n))
    step, done, taken, raw = hist.n_steps, 0, 0, [math.nan]
    # what ``hist`` describes: weights, optimizer state, hist's own counts (Ctrl-C restores them)
    kept, kept_state, mark = flat.copy(), [a.copy() for a in state_arrays], _mark(hist, optimizer)
    blas = blas_on_one_thread()  # the wide products' BLAS calls: one batch, too small to share
    try:
        while done < epochs:
            block = min(block_max, epochs - done)
            order = (np.concatenate([rng.permutation(n) for _ in range(block)])
                     if shuffle and m < n else np.empty(0, np.int64))
            raw = [schedule(step + i) for i in range(block * batches)]  # lr(t) of every step
            rates = raw
            if isinstance(optimizer, Adam):  # the bias-corrected lr_t of optimizers.Adam
                b1, b2, t0 = optimizer.beta_1, optimizer.beta_2, optimizer.t
                rates = [lr * math.sqrt(1 - b2 ** (t0 + i)) / (1 - b1 ** (t0 + i))
                         for i, lr in enumerate(raw, start=1)]
            losses = np.empty(block)
            ran, status = K.run_epochs(flat, grad, backup, sizes, acts, Xf, Yf,
                                       order.astype(np.int64), np.array(rates, dtype), m, block,
                                       code, c, v1, v2, loops, _blas(dtype, "dot"),
                                       _blas(dtype, "gemm"), GEMM_MIN_WORK, state, losses)
            taken = int(state[9])  # updates made by this call
            if isinstance(optimizer, Adam):
                optimizer.t += taken
            for e in range(ran):
                hist.loss.append(float(losses[e]))
                hist.learning_rate.append(float(raw[e * batches + batches - 1]))
                hist.best_loss = min(hist.best_loss, float(losses[e]))
            hist.n_samples_seen += ran * n
            hist.n_no_improvement = int(state[1])
            done += ran
            if status == K.DIVERGED:
                raise FloatingPointError
            step += taken
            hist.n_steps = step
            kept[...] = flat  # hist now holds this block: Ctrl-C in the bar or a callback keeps it
            for a, k in zip(state_arrays, kept_state):
                k[...] = a
            mark = _mark(hist, optimizer)
            if bar is not None:  # after the commit: Ctrl-C while the bar draws keeps the block
                bar.update(ran)
                bar.set_postfix(loss=f"{hist.loss[-1]:.4g}", refresh=False)
            stalled = status == K.STALLED
            if end_epoch is not None and end_epoch(hist.loss[-1], stalled):
                state[1] = hist.n_no_improvement = 0  # the schedule lowered its rate: go on
                stalled = False
            if callbacks and any([bool(cb(hist, net)) for cb in callbacks]):  # call every one
                hist.stop_reason = "callback"
                break
            if stalled:
                hist.stop_reason = "converged"
                break
        if not np.isfinite(flat).all():
            taken = 0
            raise FloatingPointError
    except FloatingPointError:
        flat[...] = backup
        hist.stop_reason = "diverged"
        hist.n_steps = (step + taken) - (taken % batches)  # whole epochs, as the NumPy loop
        lr = raw[min(taken, len(raw) - 1)]
        raise DivergenceError(divergence_message(hist.n_epochs + 1, step + taken,
                                                  float(state[3]), float(state[4]), lr),
                              hist, net) from None
    except KeyboardInterrupt:  # raised between kernel calls (compiled code cannot be interrupted)
        flat[...] = kept  # the last block that hist records, whole (not half recorded)
        for a, k in zip(state_arrays, kept_state):
            a[...] = k
        _roll_back(hist, optimizer, mark)
        hist.stop_reason = "interrupted"
    finally:
        blas.restore_original_limits()
    return hist


def chunk_function(net: Network) -> Callable[..., float]:
    """``network.py``'s chunk function on the fused kernel: ``fn(X1_chunk, Y_chunk, workspace,
    grads) -> summed cross-entropy``, the chunk's summed gradient into ``grads``, for
    ``_batching.sum_chunks``. The kernel runs without the GIL, so each thread's chunks run in
    parallel, with no per-call cost of NumPy's; its buffers are kept in each thread's
    workspace (``workspace.extra``)."""
    K = kernels()
    params = net.params
    flat, dtype = params.flat, params.dtype
    sizes = np.array(params.layer_sizes, dtype=np.int64)
    acts = np.array([ACT_CODES[a.name] for a in net.activations], dtype=np.int64)
    c = _constants(dtype, 0.0, GD())
    safe = SAFE_LOGIT if dtype == np.float64 else SAFE_LOGIT_FLOAT32
    loops, dot, gemm = _loop_pointers(dtype), _blas(dtype, "dot"), _blas(dtype, "gemm")

    def fn(x1: np.ndarray, y: np.ndarray, ws: Workspace, grads: Params) -> float:
        bufs: Any = ws.extra.get("fused")
        if bufs is None:  # this thread's buffers, for chunks of up to ws.n_rows rows
            m = ws._root.n_rows
            bufs = ws.extra["fused"] = (*K.scratch(sizes, m, flat),
                                        np.ones((sizes[0] + 1) * m, dtype))
        return float(K.chunk_gradient(flat, grads.flat, sizes, acts, x1.reshape(-1),
                                      y.reshape(-1), c, loops, dot, gemm, GEMM_MIN_WORK, safe,
                                      *bufs))

    return fn


def loss_and_gradient(net: Network, X: np.ndarray, Y: np.ndarray,
                      alpha: float = 0.0) -> tuple[float, np.ndarray]:
    """Mean loss and its gradient (flat, ``Params`` layout) from the fused kernel: one
    full-batch step of size 0 (for tests against ``Network.loss_and_grad``)."""
    K = kernels()
    params = net.params
    flat, dtype = params.flat.copy(), params.dtype
    X = np.ascontiguousarray(X, dtype)
    Y = np.ascontiguousarray(Y, dtype)
    grad = np.zeros_like(flat)
    safe = SAFE_LOGIT if dtype == np.float64 else SAFE_LOGIT_FLOAT32
    state = np.array([math.inf, 0, math.inf, math.nan, math.nan, math.nan, 1, safe, alpha, 0])
    losses = np.empty(1)
    K.run_epochs(flat, grad, flat.copy(), np.array(params.layer_sizes, np.int64),
                 np.array([ACT_CODES[a.name] for a in net.activations], np.int64),
                 X.reshape(-1), Y.reshape(-1), np.empty(0, np.int64), np.zeros(1, dtype),
                 X.shape[0], 1, 0, _constants(dtype, alpha, GD()), flat[:0], flat[:0],
                 _loop_pointers(dtype), _blas(dtype, "dot"), _blas(dtype, "gemm"),
                 GEMM_MIN_WORK, state, losses)
    return float(losses[0]), grad


def warm_up() -> Path:
    """Compile (or load) the kernels for float64 and float32, mark them ready for these sources
    (:func:`compiled`); return the cache folder."""
    from nnscratch.engine._batching import Workspace, with_ones
    from nnscratch.engine.initializers import init_params
    from nnscratch.engine.network import Network

    for dtype in (np.float64, np.float32):
        net = Network(init_params((2, 3, 2), "seed", 0, dtype), "tanh")
        X, Y = np.zeros((2, 2), dtype), np.eye(2, dtype=dtype)
        loss_and_gradient(net, X, Y)  # run_epochs
        chunk_function(net)(with_ones(X), Y, Workspace(net.layer_sizes, 2, dtype),
                            net.params.zeros_like())  # chunk_gradient
    try:  # every kernel is cached: 'auto' may now use them (compiled())
        _ready_file().write_text("nnscratch's fused kernels are compiled for these sources\n")
    except OSError:  # a read-only cache: numba could not keep the kernels either
        pass
    return cache_dir()
