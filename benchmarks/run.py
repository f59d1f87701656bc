"""nnscratch side by side with what people would use instead: one entry point, one table.

    python benchmarks/run.py            # the full benchmark (tens of minutes on 2 cores)
    python benchmarks/run.py --quick    # small sizes, 3 repetitions, about a minute
    python benchmarks/run.py --markdown benchmarks/RESULTS.md   # also write the table there

Every workload runs its implementations interleaved (A, B, C, A, B, C, ...) for ``--reps``
rounds, so that machine noise hits them alike, and reports medians. Ratios are
``time(other) / time(nnscratch)``: how many times longer the alternative takes. Workloads:

(a) the tutorial: 200 moons points, hidden 3 (tanh), 20000 full-batch passes, float64, on the
    NumPy engine and on the fused numba path (engine/_fused.py); its cold start (compiling into
    an empty cache, loading from the cache) is timed apart, in fresh processes;
(b) the tutorial's hidden-size sweep (1, 2, 3, 4, 5, 20, 50), 20000 passes each, float64;
(c) ``nnscratch tutorial`` end to end (a fresh process: imports, 7 trainings, 5 figures);
(g) ``nnscratch exercises`` end to end, NumPy only (NNSCRATCH_BACKEND=numpy) and as installed;
(d) moons 1e4, 1e5, 1e6 samples, hidden (64, 64) relu, 20 epochs, full batch and minibatch 256;
(e) scikit-learn's digits (1797 x 64, 10 classes), hidden 128 relu, minibatch 64, 200 epochs;
(f) predicting 1e6 grid points (the decision-boundary plot's cost) with the tutorial network.

Peak memory (1e6 samples, full batch, float32) is measured in a fresh process per implementation
as the growth of the resident set during training: peak (``VmHWM``) minus resident before
(``memory.py``). ``harness.py`` holds the interleaved timing, the table and its targets;
``baselines.py`` the peers' code.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baselines as B  # noqa: E402
from harness import (  # noqa: E402
    FUSED,
    LARGE_ALPHA,
    LARGE_HIDDEN,
    NOTES,
    Row,
    Section,
    interleaved,
    machine,
    progress,
    render,
)
from memory import memory_section  # noqa: E402
from nnscratch.datasets import moons  # noqa: E402
from nnscratch.engine import Network, _fused, init_params, train  # noqa: E402
from nnscratch.engine.losses import one_hot  # noqa: E402
from nnscratch.experiments.tutorial import (  # noqa: E402
    HIDDEN_SIZES,
    LEARNING_RATE,
    REG_LAMBDA,
    _train,
    _workers,
    train_tutorial_network,
)

ROOT = Path(__file__).resolve().parent.parent
LARGE_EPOCHS = 20
LARGE_LR = {"full": 0.5, "minibatch": 0.05}  # mean-loss learning rates, same for every library
DIGITS_LR = 0.05


# --- (a) and (b): the tutorial --------------------------------------------------------------
def tutorial_section(reps: int, passes: int, torch_ok: bool) -> Section:
    X, y = moons(200, 0.2, 0)
    Y = one_hot(y, 2)
    final: dict[str, float] = {}

    def naive() -> str:
        final["naive"] = B.naive_loss(B.naive_tutorial(X, y, 3, passes), X, y)
        return f"loss {final['naive']:.10f}"

    def ours() -> str:
        net, _ = train_tutorial_network(X, y, 3, passes)
        final["ours"] = net.loss(X, Y, REG_LAMBDA)
        return f"loss {final['ours']:.10f}"

    def sk() -> str:
        clf = B.sklearn_mlp(X, y, (3,), "tanh", LEARNING_RATE, REG_LAMBDA, passes, 200)
        return f"loss {clf.loss_:.10f} (1 logistic output, own init)"  # type: ignore[attr-defined]

    def torch64() -> str:
        p = init_params((2, 3, 2), "seed", 0)
        model = B.torch_model(p.coefs, p.intercepts, "tanh", "float64")
        B.torch_train(model, X, y, LEARNING_RATE, REG_LAMBDA, passes, 200)
        return f"loss {B.torch_loss(model, X, y, REG_LAMBDA):.10f}"

    def fused() -> str:
        net = Network(init_params((2, 3, 2), "seed", 0), "tanh")
        train(net, X, Y, learning_rate=LEARNING_RATE, alpha=REG_LAMBDA, epochs=passes, tol=None,
              backend="numba")
        final["fused"] = net.loss(X, Y, REG_LAMBDA)
        return f"loss {final['fused']:.10f}"

    impls = {"nnscratch float64": ours, "naive (seed's code)": naive,
             "scikit-learn MLPClassifier": sk}
    if _fused.numba_available():
        _fused.warm_up()  # compiled or loaded here; the cold start is timed by cold_start()
        impls[FUSED] = fused
    if torch_ok:
        impls["PyTorch CPU float64"] = torch64
    rows = interleaved(impls, reps)
    rows[0].score, rows[1].score = final["ours"], final["naive"]  # unrounded, for the target
    notes = [f"|final loss nnscratch - naive| = {abs(final['naive'] - final['ours']):.2e} "
             "(target < 1e-9)"]
    if "fused" in final:
        rows[3].score = final["fused"]
        notes.append(f"|final loss fused - naive| = {abs(final['naive'] - final['fused']):.2e}")
    per_pass = ", ".join(f"{r.name} {r.median / passes * 1e6:.1f}" for r in rows)
    notes.append(f"µs per pass: {per_pass}; the machine limit is ~2-4 µs (~15 kFLOP and ~1000 "
                 "transcendentals a pass)")
    return Section(f"(a) tutorial: 200 x 2, hidden 3, {passes} full-batch passes", rows,
                   "\n\n".join(notes))


def cold_start(reps: int, compile_too: bool = True) -> Section:
    """The fused path's first use: compiling into an empty cache, then loading from it (each in
    a fresh process: import nnscratch.engine, compile or load the float64 and float32 kernels)."""
    code = "from nnscratch.engine import _fused; _fused.warm_up()"
    rows = [Row("compile (empty cache)"), Row("load (cached)"), Row("import only (no kernels)")]
    with tempfile.TemporaryDirectory() as cache:
        # --quick: the cache as it is (compiled before) instead of a compile of ~10-20 s
        env = dict(os.environ, NUMBA_CACHE_DIR=cache) if compile_too else dict(os.environ)
        for _ in range(reps):
            for row, cmd, fresh in ((rows[0], code, True), (rows[1], code, False),
                                    (rows[2], "import nnscratch.engine", False)):
                if fresh and not compile_too:
                    continue
                if fresh:
                    shutil.rmtree(cache)
                    os.mkdir(cache)
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-c", cmd], check=True, env=env)
                row.times.append(time.perf_counter() - t0)
    rows = [r for r in rows if r.times]
    for r in rows:
        r.quality = "fresh process"
    return Section("(a') fused path cold start: fresh processes, float64 + float32 kernels", rows,
                   "`backend='auto'` uses the fused path only once its kernels are in the cache "
                   "(`_fused.warm_up()`, run by `make`, compiles them), so no command waits for "
                   "a compile it did not ask for.")


def sweep_section(reps: int, passes: int) -> Section:
    X, y = moons(200, 0.2, 0)

    def naive() -> str:
        for h in HIDDEN_SIZES:
            B.naive_tutorial(X, y, h, passes)
        return ""

    def ours() -> str:
        for h in HIDDEN_SIZES:
            train_tutorial_network(X, y, h, passes)
        return ""

    def ours_parallel() -> str:
        with _workers(len(HIDDEN_SIZES)) as pool:
            if pool is None:
                return ours()
            jobs = [pool.apply_async(_train, (X, y, h, passes))
                    for h in sorted(HIDDEN_SIZES, reverse=True)]
            for job in jobs:
                job.get()
        return "as `nnscratch tutorial` runs it"

    def fused() -> str:
        for h in HIDDEN_SIZES:
            net = Network(init_params((2, h, 2), "seed", 0), "tanh")
            train(net, X, one_hot(y, 2), learning_rate=LEARNING_RATE, alpha=REG_LAMBDA,
                  epochs=passes, tol=None, backend="numba")
        return "every size forced onto the fused path"

    impls = {"nnscratch float64": ours, "naive (seed's code)": naive,
             f"nnscratch, {os.cpu_count()} processes": ours_parallel}
    if _fused.numba_available():
        _fused.warm_up()
        impls[FUSED] = fused
    rows = interleaved(impls, reps)
    return Section(f"(b) hidden-size sweep {HIDDEN_SIZES}, {passes} passes each", rows)


def cli_section(reps: int) -> Section:
    exe = Path(sys.executable).with_name("nnscratch")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "nnscratch"]

    def run_cli() -> str:
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([*cmd, "tutorial", "--out", out], check=True, capture_output=True)
            return f"{len(list(Path(out).glob('*.png')))} figures"

    def in_process() -> str:
        from nnscratch.experiments.tutorial import run_tutorial

        with tempfile.TemporaryDirectory() as out:
            result = run_tutorial(out)
            return f"{len(result.figures)} figures, no report"

    rows = interleaved({"nnscratch tutorial": run_cli,
                        "run_tutorial() in this process (7 trainings + 5 figures)": in_process},
                       reps)
    return Section("(c) `nnscratch tutorial` end to end (fresh process: imports, 7 trainings, "
                   "5 figures, the HTML report; target < 4 s)", rows)


def exercises_section(reps: int) -> Section:
    """`nnscratch exercises` in a fresh process: NumPy only, and with the fused path allowed."""
    exe = Path(sys.executable).with_name("nnscratch")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "nnscratch"]

    def run(backend: str) -> Callable[[], str]:
        def go() -> str:
            env = dict(os.environ, NNSCRATCH_BACKEND=backend)
            with tempfile.TemporaryDirectory() as out:
                subprocess.run([*cmd, "exercises", "--out", out], check=True,
                               capture_output=True, env=env)
            return f"NNSCRATCH_BACKEND={backend}"
        return go

    impls = {"nnscratch exercises, NumPy only": run("numpy")}
    if _fused.numba_available():
        _fused.warm_up()
        impls["nnscratch exercises, auto (numba where small)"] = run("")
    return Section("(g) `nnscratch exercises` end to end (fresh process)",
                   interleaved(impls, reps))


# --- (d) large moons and (e) digits ---------------------------------------------------------
def mlp_gflop(layer_sizes: tuple[int, ...], n_samples: int, epochs: int) -> float:
    """Multiply-adds x 2 of forward (a W) and backward (a^T delta, delta W^T but not to X)."""
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    per_sample = 2 * sum(i * o for i, o in pairs) * 3 - 2 * pairs[0][0] * pairs[0][1]
    return per_sample * n_samples * epochs / 1e9


def mlp_impls(X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
              hidden: tuple[int, ...], lr: float, epochs: int, batch: int | None,
              torch_ok: bool, naive_ok: bool) -> dict[str, Callable[[], str]]:
    """nnscratch (float32, float64), scikit-learn, PyTorch and naive on the same problem."""
    k = int(y.max()) + 1
    sizes = (X.shape[1], *hidden, k)
    m = batch or len(X)
    p64 = init_params(sizes, "glorot", 0, np.float64, "relu")
    p32 = p64.astype(np.float32)
    X32, Xt32 = X.astype(np.float32), X_test.astype(np.float32)
    Y32, Y64 = one_hot(y, k, np.float32), one_hot(y, k, np.float64)

    def acc(pred: np.ndarray) -> str:
        return f"test acc {np.mean(pred == y_test):.4f}"

    def ours(dtype: type, backend: str = "auto") -> Callable[[], str]:
        Xd, Xtd, Yd, p0 = (X32, Xt32, Y32, p32) if dtype is np.float32 else (X, X_test, Y64, p64)

        def run() -> str:
            net = Network(p0.copy(), "relu")
            hist = train(net, Xd, Yd, learning_rate=lr, alpha=LARGE_ALPHA, epochs=epochs,
                         batch_size=batch, shuffle=False, tol=None, backend=backend)
            return f"{acc(np.argmax(net.predict_proba(Xtd), axis=1))}, {hist.backend}"

        return run

    def sk() -> str:
        clf = B.sklearn_mlp(X32, y, hidden, "relu", lr, LARGE_ALPHA, epochs, m)
        return acc(clf.predict(Xt32))  # type: ignore[attr-defined]

    def torch32() -> str:
        model = B.torch_model(p32.coefs, p32.intercepts, "relu", "float32")
        B.torch_train(model, X32, y, lr, LARGE_ALPHA, epochs, m)
        return acc(B.torch_predict(model, Xt32))

    def naive() -> str:
        Ws, bs = B.naive_mlp(X, y, p64.coefs, p64.intercepts, lr, LARGE_ALPHA, epochs, m)
        return acc(B.mlp_predict(Ws, bs, X_test))

    impls = {"nnscratch float32": ours(np.float32), "nnscratch float64": ours(np.float64)}
    if _fused.numba_available():  # 'auto' may run the fused path
        impls["nnscratch float32, NumPy only"] = ours(np.float32, "numpy")
    impls["scikit-learn float32"] = sk
    if torch_ok:
        impls["PyTorch CPU float32"] = torch32
    if naive_ok:
        impls["naive float64"] = naive
    return impls


def large_sections(reps: int, sizes: list[int], torch_ok: bool, naive_max: int,
                   f64_max: int) -> list[Section]:
    X_test, y_test = moons(10000, 0.2, 1)
    sections = []
    for n in sizes:
        X, y = moons(n, 0.2, 0)
        for mode, batch in (("full batch", None), ("minibatch 256", 256)):
            lr = LARGE_LR["full" if batch is None else "minibatch"]
            progress(f"(d) n={n} {mode}")
            impls = mlp_impls(X, y, X_test, y_test, LARGE_HIDDEN, lr, LARGE_EPOCHS, batch,
                              torch_ok, naive_ok=n <= naive_max)
            if n > f64_max:  # to keep the full run within the hour
                del impls["nnscratch float64"]
            rows = interleaved(impls, reps)
            work = mlp_gflop((2, *LARGE_HIDDEN, 2), n, LARGE_EPOCHS)
            for r in rows:
                r.gflops = work
            sections.append(Section(
                f"(d) moons n={n:.0e}, hidden {LARGE_HIDDEN} relu, {LARGE_EPOCHS} epochs, "
                f"{mode}, lr {lr}", rows))
    return sections


def digits_section(reps: int, epochs: int, torch_ok: bool) -> Section:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    impls = mlp_impls(X_tr, y_tr, X_te, y_te, (128,), DIGITS_LR, epochs, 64, torch_ok, True)
    rows = interleaved(impls, reps)
    work = mlp_gflop((64, 128, 10), len(X_tr), epochs)
    for r in rows:
        r.gflops = work
    return Section(f"(e) digits {X_tr.shape[0]} train / {X_te.shape[0]} test, hidden 128 relu, "
                   f"minibatch 64, {epochs} epochs, lr {DIGITS_LR}", rows)


# --- (f) prediction on a grid ---------------------------------------------------------------
def predict_section(reps: int, n_points: int, torch_ok: bool) -> Section:
    X, y = moons(200, 0.2, 0)
    net, _ = train_tutorial_network(X, y, 3, 1000)
    model = [a.reshape(1, -1) if a.ndim == 1 else a for a in net.params.arrays()]
    side = int(np.sqrt(n_points))
    xx, yy = np.meshgrid(np.linspace(-2, 3, side), np.linspace(-1.5, 2, side))
    grid = np.c_[xx.ravel(), yy.ravel()]
    ref = B.naive_predict(model, grid)

    def same(pred: np.ndarray) -> str:
        return f"{np.mean(pred == ref):.6f} agree with naive"

    def ours() -> str:
        return same(np.argmax(net.predict_proba(grid), axis=1))

    impls = {"nnscratch float64": ours, "naive (seed's predict)": lambda: same(
        B.naive_predict(model, grid))}
    if torch_ok:
        tm = B.torch_model(net.params.coefs, net.params.intercepts, "tanh", "float64")
        impls["PyTorch CPU float64"] = lambda: same(B.torch_predict(tm, grid))
    rows = interleaved(impls, reps)
    return Section(f"(f) predict {len(grid):.1e} grid points (tutorial network, hidden 3)", rows)




def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, 3 repetitions")
    ap.add_argument("--reps", type=int, help="repetitions (default 5, --quick 3)")
    ap.add_argument("--only", default="abcdefgm", help="workloads to run, e.g. 'ad' (m: memory)")
    ap.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    ap.add_argument("--markdown", help="also write the table to this file")
    args = ap.parse_args(argv)
    reps = args.reps or (3 if args.quick else 5)
    torch_ok = B.torch_available() and not args.no_torch
    if torch_ok:
        B.torch_setup()
    passes = 2000 if args.quick else 20000
    sizes = [10_000] if args.quick else [10_000, 100_000, 1_000_000]
    header = ["## nnscratch benchmark", "",
              f"Command: `python benchmarks/run.py {' '.join(sys.argv[1:])}`".rstrip() + "; "
              f"medians of {reps} interleaved repetitions; started "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", ""]
    header += [f"- {line}" for line in machine()]
    header += ["", *NOTES]
    if not torch_ok:
        header.append("- PyTorch not installed (pip install -e '.[bench]'): skipped")
    sections: list[Section] = []
    if _fused.numba_available() and _fused.compiled():
        _fused.kernels()  # loaded once, as any long run loads them: 'auto' may then choose them

    def add(*new: Section) -> None:  # the table so far is written after every workload
        sections.extend(new)
        if args.markdown:
            Path(args.markdown).write_text(render(sections, header) + "\n")

    only = args.only
    if "a" in only:
        progress("(a) tutorial")
        add(tutorial_section(reps, passes, torch_ok))
    if "b" in only:
        progress("(b) sweep")
        add(sweep_section(reps, passes))
    if "a" in only and _fused.numba_available():
        progress("(a') cold start")
        add(cold_start(1 if args.quick else 3, compile_too=not args.quick))
    if "c" in only:
        progress("(c) nnscratch tutorial")
        add(cli_section(1 if args.quick else reps))  # ~10 s a round
    if "g" in only:
        progress("(g) nnscratch exercises")
        add(exercises_section(1 if args.quick else reps))
    if "e" in only:
        progress("(e) digits")
        add(digits_section(reps, 20 if args.quick else 200, torch_ok))
    if "f" in only:
        progress("(f) predict")
        add(predict_section(reps, 100_000 if args.quick else 1_000_000, torch_ok))
    if "m" in only:
        add(memory_section(100_000 if args.quick else 1_000_000, torch_ok))
    if "d" in only:  # the longest, last
        for n in sizes:
            add(*large_sections(reps, [n], torch_ok, naive_max=100_000, f64_max=100_000))
    print(render(sections, header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
