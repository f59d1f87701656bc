"""Fuzzed files into the command line, in process (``nnscratch.cli.main``): ``train --csv`` with
odd CSV files, ``predict`` with damaged and tampered model files. Every case ends in exit 0, or
in exit 2 with exactly one ``error: ...`` line on stderr; never a traceback, another code or a
partial model file.
"""

import json
import zipfile

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nnscratch.cli import main
from tests.conftest import fuzz_examples
from tests.test_fuzz_csv import csv_files


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code in (0, 2), (code, err)
    lines = err.splitlines()
    assert "Traceback" not in err
    errors = [line for line in lines if line.startswith("error: ")]
    if code == 2:
        assert len(errors) == 1 and len(errors[0]) > len("error: "), err
    else:
        assert not errors, err
    return code, out, err


GOOD = "".join(f"{i % 7 * 1e300:g},{i % 3},{'ab'[i % 2]}\n" for i in range(24))


@settings(max_examples=fuzz_examples(0.25))
@given(csv_files(), st.sampled_from([[], ["--target", "0"], ["--target", "label"],
                                     ["--test-size", "0"], ["--scale", "none"]]))
@example(((b"x,z,label\n" + GOOD.encode()), ",", "utf-8", None, None), [])  # |x| up to 6e300
@example((("x,z,label\n" + GOOD).encode("utf-16"), ",", "utf-16", None, None),
         ["--target", "label"])
def test_train_on_any_csv(tmp_path, capsys, file, extra):
    blob = file[0] if file[1] == "," else file[0].replace(file[1].encode(), b",")
    path = tmp_path / "data.csv"
    path.write_bytes(blob)
    model = tmp_path / "m.npz"
    code, out, _ = run_cli(capsys, "train", "--csv", path, "--epochs", "2", "--hidden", "3",
                           "--out", tmp_path / "out", "--save", model, *extra)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".m.npz")]
    assert not leftovers  # no partial model file, whatever happened
    if code == 0:
        assert "train accuracy" in out and model.is_file()
        code, out, _ = run_cli(capsys, "predict", "--model", model, "--csv", path,
                               *(["--target", extra[1]] if extra[:1] == ["--target"] else []))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model saved by ``train --save`` and the CSV it was trained on."""
    folder = tmp_path_factory.mktemp("model")
    rng = np.random.RandomState(0)
    rows = [f"{a:.6f},{b:.6f},{'yes' if a * b > 0 else 'no'}" for a, b in rng.randn(40, 2)]
    (folder / "data.csv").write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    assert main(["train", "--csv", str(folder / "data.csv"), "--epochs", "3", "--out",
                 str(folder / "out"), "--save", str(folder / "m.npz")]) == 0
    return folder / "m.npz", folder / "data.csv"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                  max_size=3),
    max_leaves=6)


def tamper(meta, data):
    """Replace, delete or add one entry somewhere in the metadata (a nested path)."""
    node = meta
    while isinstance(node, dict) and node and data.draw(st.booleans(), label="deeper"):
        key = data.draw(st.sampled_from(sorted(node)), label="key")
        if not isinstance(node[key], (dict, list)) or not node[key]:
            break
        node = node[key] if isinstance(node[key], dict) else {i: v for i, v in
                                                              enumerate(node[key])}
    action = data.draw(st.sampled_from(["replace", "delete", "add"]), label="action")
    if not isinstance(node, dict) or not node or action == "add":
        if isinstance(node, dict):
            node[data.draw(st.text(max_size=6), label="new key")] = data.draw(json_values)
        return meta
    key = data.draw(st.sampled_from(sorted(node, key=str)), label="key")
    if action == "delete":
        del node[key]
    else:
        node[key] = data.draw(json_values, label="value")
    return meta


@settings(max_examples=fuzz_examples(1))
@given(data=st.data())
def test_predict_with_tampered_metadata(tmp_path, capsys, trained, data):
    model, csv_path = trained
    with zipfile.ZipFile(model) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    meta = json.loads(np.load(model)["metadata"].tobytes())
    meta = tamper(meta, data)
    text = json.dumps(meta, allow_nan=True).encode()
    path = tmp_path / "t.npz"
    arrays = {name[:-4]: np.load(model)[name[:-4]] for name in members}
    arrays["metadata"] = np.frombuffer(text, dtype=np.uint8)
    np.savez(path, **arrays)
    code, out, err = run_cli(capsys, "predict", "--model", path, "--csv", csv_path, "--target",
                             "label")
    if code == 0:
        assert len(out.splitlines()) >= 40


@settings(max_examples=fuzz_examples(1))
@given(data=st.data())
def test_predict_with_damaged_file(tmp_path, capsys, trained, data):
    model, csv_path = trained
    blob = bytearray(model.read_bytes())
    how = data.draw(st.sampled_from(["flip", "truncate", "random"]), label="damage")
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 4), label="flips")):
            pos = data.draw(st.integers(0, len(blob) - 1), label="pos")
            blob[pos] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    elif how == "truncate":
        del blob[data.draw(st.integers(0, len(blob) - 1), label="cut"):]
    else:
        blob = bytearray(data.draw(st.binary(max_size=512), label="bytes"))
    path = tmp_path / "d.npz"
    path.write_bytes(bytes(blob))
    run_cli(capsys, "predict", "--model", path, "--csv", csv_path)
