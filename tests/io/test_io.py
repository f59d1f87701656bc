"""Model files: round trip, validation of every field, atomic writes under SIGKILL, fuzzing."""

import json
import pickle
import signal
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnscratch.io import FORMAT_VERSION, ModelData, ModelFileError, read_model, write_model


def _model(sizes=(2, 3, 2), dtype=np.float64, classes=(0, 1), acts=None, seed=0):
    rng = np.random.RandomState(seed)
    coefs = [rng.randn(i, o).astype(dtype) for i, o in zip(sizes[:-1], sizes[1:])]
    intercepts = [rng.randn(o).astype(dtype) for o in sizes[1:]]
    acts = acts or ["tanh"] * (len(sizes) - 2)
    return ModelData(coefs, intercepts, np.asarray(classes), acts,
                     hyperparameters={"hidden_layer_sizes": tuple(sizes[1:-1]), "alpha": 1e-4,
                                      "random_state": np.random.RandomState(0), "tol": None},
                     fitted={"n_iter_": 7, "loss_curve_": [0.7, 0.5, 0.25]})


def _arrays_of(path):
    """The file's members read independently with NumPy (no pickle)."""
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _rewrite(path, arrays=None, **meta_changes):
    """Write a tampered copy of ``path`` with changed arrays or metadata keys."""
    arrays = dict(_arrays_of(path) if arrays is None else arrays)
    if meta_changes:
        meta = json.loads(arrays["metadata"].tobytes())
        for key, value in meta_changes.items():
            if value is KeyError:
                del meta[key]
            else:
                meta[key] = value
        arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    out = path.with_name("tampered.npz")
    np.savez(out, **arrays)
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("classes", [(0, 1, 2), (-3, 5, 10), ("cat", "dog", "emu"),
                                     (0.5, 1.5, 2.5), np.array(["a", "b", "c"], dtype=object)])
def test_round_trip_is_exact(tmp_path, dtype, classes):
    model = _model((4, 5, 6, 3), dtype, classes, acts=["relu", "logistic"])
    path = write_model(tmp_path / "m.npz", model)
    back = read_model(path)
    assert back.layer_sizes == (4, 5, 6, 3) and back.dtype == dtype
    for a, b in zip(model.coefs + model.intercepts, back.coefs + back.intercepts):
        assert a.dtype == b.dtype and np.array_equal(a, b)  # bit for bit
    assert back.classes.tolist() == list(classes)
    assert back.activations == ["relu", "logistic"]
    # tuples come back as lists; what JSON cannot hold (a RandomState) as None, and is listed
    assert back.hyperparameters == {"hidden_layer_sizes": [5, 6], "alpha": 1e-4,
                                    "random_state": None, "tol": None}
    assert back.fitted == {"n_iter_": 7, "loss_curve_": [0.7, 0.5, 0.25]}
    meta = json.loads(_arrays_of(path)["metadata"].tobytes())
    assert meta["format_version"] == FORMAT_VERSION and meta["unsaved_hyperparameters"] == [
        "random_state"]
    assert meta["nnscratch_version"] == back.nnscratch_version != ""


def test_file_is_plain_npz_without_pickle(tmp_path):
    path = write_model(tmp_path / "m.npz", _model())
    arrays = _arrays_of(path)  # allow_pickle=False would raise on any object array
    assert sorted(arrays) == ["classes", "coef_0", "coef_1", "intercept_0", "intercept_1",
                              "metadata"]
    assert not [p for p in tmp_path.iterdir() if p.name != "m.npz"]  # no temp file left


def test_overwrite_replaces_and_keeps_name(tmp_path):
    path = tmp_path / "model"  # no .npz suffix added, unlike np.savez
    write_model(path, _model(seed=0))
    write_model(path, _model(seed=1))
    assert np.array_equal(read_model(path).coefs[0], _model(seed=1).coefs[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_writer_refuses_models_that_would_not_load(tmp_path):
    bad = _model()
    bad.coefs[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        write_model(tmp_path / "m.npz", bad)
    with pytest.raises(ValueError, match="sorted and unique"):
        write_model(tmp_path / "m.npz", _model(classes=(1, 0)))
    with pytest.raises(ValueError, match="numbers, booleans or strings"):
        write_model(tmp_path / "m.npz", _model(classes=np.array([1, "a"], dtype=object)))
    assert not list(tmp_path.iterdir())


def _good(tmp_path):
    return write_model(tmp_path / "m.npz", _model())


def _swap(path, **arrays):
    return _rewrite(path, {**_arrays_of(path), **arrays})


TAMPERS = {
    "newer format": (lambda p: _rewrite(p, format_version=FORMAT_VERSION + 1),
                     "format version 2, newer than this nnscratch reads"),
    "no version": (lambda p: _rewrite(p, format_version=KeyError), "unknown format version"),
    "other format": (lambda p: _rewrite(p, format="keras"), "'format' is 'keras'"),
    "bad sizes": (lambda p: _rewrite(p, layer_sizes=[2, 0, 2]), "layer_sizes must be"),
    "sizes mismatch": (lambda p: _rewrite(p, layer_sizes=[2, 4, 2]),
                       "array 'coef_0' is float64 of shape (2, 3)"),
    "more layers": (lambda p: _rewrite(p, layer_sizes=[2, 3, 3, 2], activations=["tanh"] * 2),
                    "missing ['coef_2', 'intercept_2']"),
    "unknown activation": (lambda p: _rewrite(p, activations=["swish"]), "known activation"),
    "dtype mismatch": (lambda p: _rewrite(p, dtype="float32"), "need float32"),
    "odd dtype": (lambda p: _rewrite(p, dtype="int8"), "dtype must be one of"),
    "schema type": (lambda p: _rewrite(p, hyperparameters=[1]), "'hyperparameters' must be"),
    "missing key": (lambda p: _rewrite(p, fitted=KeyError), "'fitted' must be"),
    "metadata not object": (lambda p: _swap(p, metadata=np.frombuffer(b"[1]", np.uint8)),
                            "not a JSON object"),
    "metadata not json": (lambda p: _swap(p, metadata=np.frombuffer(b"\xff{", np.uint8)),
                          "not UTF-8 JSON"),
    "nan weight": (lambda p: _swap(p, coef_1=np.full((3, 2), np.nan)), "NaN or infinity"),
    "wrong weight dtype": (lambda p: _swap(p, intercept_0=np.zeros(3, np.float32)),
                           "'intercept_0' is float32"),
    "wrong classes": (lambda p: _swap(p, classes=np.array([0, 1, 2])), "'classes' is int64"),
    "unsorted classes": (lambda p: _swap(p, classes=np.array([1, 0])), "sorted and unique"),
    "extra member": (lambda p: _swap(p, extra=np.zeros(1)), "unexpected ['extra']"),
    "complex weights": (lambda p: _swap(p, coef_0=np.zeros((2, 3), complex)), "need float64"),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_tampered_files_are_rejected_with_reason(tmp_path, name):
    make, reason = TAMPERS[name]
    bad = make(_good(tmp_path))
    with pytest.raises(ModelFileError) as info:
        read_model(bad)
    assert reason in str(info.value)
    assert str(info.value).startswith(f"{bad} is not a valid nnscratch model file: ")
    assert isinstance(info.value, ValueError) and info.value.path == str(bad)


def test_foreign_truncated_and_empty_files(tmp_path):
    data = _good(tmp_path).read_bytes()
    cases = {"empty": b"", "text": b"x,y\n1,2\n", "half": data[: len(data) // 2],
             "last byte missing": data[:-1], "png": b"\x89PNG\r\n\x1a\n" + bytes(100)}
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ModelFileError, match="not a valid"):
            read_model(path)
    np.savez(tmp_path / "foreign.npz", weights=np.ones(3))
    with pytest.raises(ModelFileError, match="no 'metadata' member"):
        read_model(tmp_path / "foreign.npz")
    with pytest.raises(FileNotFoundError):
        read_model(tmp_path / "missing.npz")


class _Boom:
    """Unpickling this creates a file: proof that loading never unpickles."""

    def __init__(self, flag):
        self.flag = flag

    def __reduce__(self):
        return (open, (self.flag, "w"))


def test_pickled_payload_is_never_executed(tmp_path):
    flag = tmp_path / "pwned"
    payload = np.empty(1, dtype=object)
    payload[0] = _Boom(str(flag))
    arrays = {**_arrays_of(_good(tmp_path)), "classes": payload}
    np.savez(tmp_path / "evil.npz", **arrays)
    with zipfile.ZipFile(tmp_path / "evil.npz") as zf:  # the pickle really is in there
        assert b"pwned" in zf.read("classes.npy")
    pickle.loads(pickle.dumps(0))  # (pickle works in this process)
    with pytest.raises(ModelFileError, match="'classes' holds object"):
        read_model(tmp_path / "evil.npz")
    assert not flag.exists()


# --- atomic writes: kill the writer at the worst moments ---------------------------------------
WRITER = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    import numpy.lib.format as fmt
    from nnscratch.io import ModelData, write_model

    path, stage = sys.argv[1], sys.argv[2]

    def model(k):
        f = float(k)
        return ModelData([np.full((400, 400), f), np.full((400, 2), f)],
                         [np.full(400, f), np.full(2, f)], np.array([0, 1]), ["tanh"],
                         fitted={"k": k})

    write_model(path, model(1))
    if stage == "mid_write":  # block after the first weight array reached the temp file
        write_array, calls = fmt.write_array, []
        def blocking(*args, **kwargs):
            write_array(*args, **kwargs)
            calls.append(1)
            if len(calls) == 2:
                print("blocked", flush=True)
                time.sleep(600)
        fmt.write_array = blocking
    elif stage == "before_rename":  # block after the fsync, before os.replace
        fsync = os.fsync
        def blocking_fsync(fd):
            fsync(fd)
            print("blocked", flush=True)
            time.sleep(600)
        os.fsync = blocking_fsync
    k = 2
    while True:
        print(f"saving {k}", flush=True)
        write_model(path, model(k))
        k += 1
""")


@pytest.mark.parametrize("stage", ["mid_write", "before_rename", "loop"])
def test_sigkill_during_save_keeps_previous_file(tmp_path, stage):
    path = tmp_path / "m.npz"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), stage],
                            stdout=subprocess.PIPE, text=True)
    try:
        wanted = "saving 6" if stage == "loop" else "blocked"
        for line in proc.stdout:
            if line.strip() == wanted:
                break
        else:
            pytest.fail(f"writer exited early with {proc.wait()}")
        proc.send_signal(signal.SIGKILL)  # mid-save: "saving 6" is printed just before a save
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    model = read_model(path)
    k = model.fitted["k"]
    for arr in model.coefs + model.intercepts:  # one whole version, never a mixture
        assert np.all(arr == k)
    if stage == "loop":  # 5, or 6 if that save won the race with the signal (or a later one)
        assert k >= 5
    else:
        assert k == 1
        leftovers = [p.name for p in tmp_path.iterdir() if p.name != "m.npz"]
        assert len(leftovers) == 1 and leftovers[0].startswith(".m.npz.")  # killed mid-save


# --- fuzzing: only ModelFileError, whatever the bytes ------------------------------------------
FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.binary(max_size=2048))
def test_fuzz_random_bytes(tmp_path, data):
    path = tmp_path / "fuzz.npz"
    path.write_bytes(data)
    with pytest.raises(ModelFileError):
        read_model(path)


@pytest.fixture(scope="module")
def valid_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "m.npz"
    return write_model(path, _model((3, 2, 2), classes=("no", "yes"))).read_bytes()


@FUZZ
@given(data=st.data())
def test_fuzz_mutations_and_truncations(tmp_path, valid_bytes, data):
    blob = bytearray(valid_bytes)
    n_changes = data.draw(st.integers(1, 8), label="changes")
    for _ in range(n_changes):
        pos = data.draw(st.integers(0, len(blob) - 1), label="pos")
        blob[pos] = data.draw(st.integers(0, 255), label="byte")
    cut = data.draw(st.one_of(st.none(), st.integers(0, len(blob))), label="truncate at")
    if cut is not None:
        del blob[cut:]
    path = tmp_path / "fuzz.npz"
    path.write_bytes(bytes(blob))
    try:
        model = read_model(path)
    except ModelFileError:
        return
    # a change the format does not check (a zip timestamp, padding): the content must be intact
    original = _model((3, 2, 2), classes=("no", "yes"))
    for a, b in zip(original.coefs + original.intercepts, model.coefs + model.intercepts):
        assert np.array_equal(a, b)
    assert model.classes.tolist() == ["no", "yes"]


def test_flipped_weight_byte_is_caught(tmp_path, valid_bytes):
    """A bit flip inside the weights leaves shapes and dtypes valid: the zip CRC catches it."""
    start = valid_bytes.index(_model((3, 2, 2)).coefs[0].tobytes())
    blob = bytearray(valid_bytes)
    blob[start + 5] ^= 0x01
    path = tmp_path / "flip.npz"
    path.write_bytes(bytes(blob))
    with pytest.raises(ModelFileError, match="truncated or damaged.*CRC"):
        read_model(path)


def test_notes_round_trip_and_are_optional(tmp_path):
    model = _model()
    model.notes = {"command": "nnscratch train", "target": None, "columns": ["a", "b"]}
    back = read_model(write_model(tmp_path / "m.npz", model))
    assert back.notes == model.notes
    arrays = _arrays_of(tmp_path / "m.npz")
    meta = json.loads(arrays["metadata"].tobytes())
    del meta["notes"]  # a file written before notes existed
    arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(tmp_path / "old.npz", **arrays)
    assert read_model(tmp_path / "old.npz").notes == {}
    with pytest.raises(ModelFileError, match="metadata 'notes' must be a dict"):
        read_model(_rewrite(tmp_path / "m.npz", notes=[1, 2]))
    model.notes = {"f": print}
    with pytest.raises(ValueError, match="notes must be JSON data"):
        write_model(tmp_path / "bad.npz", model)
