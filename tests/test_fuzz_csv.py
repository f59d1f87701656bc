"""Fuzzed CSV files into :func:`nnscratch.datasets.load_csv`: every file ends in data equal to
what was written, or in a ValueError with a message; never another exception.

The files vary what real files vary: encodings (UTF-8 with and without BOM, latin-1, UTF-16),
delimiters, quoting, line ends, blank and ragged rows, huge and non-finite numbers, text in
feature columns, labels of every type, and raw bytes.
"""

import csv
import io
import math

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nnscratch.datasets import load_csv
from tests.conftest import fuzz_examples

DELIMITERS = [",", ";", "\t", "|"]
ENCODINGS = ["utf-8", "utf-8-sig", "latin-1", "utf-16"]

numbers = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e300", "-1e300", "1e309", "-1e-320", "nan", "inf", "-Infinity", " 3 ",
                     "0x10", "1_000", "1,5", "", " ", "1e", "+.5", "\u0661"]),  # \u0661: Arabic 1
)
labels = st.one_of(
    st.integers(-3, 3).map(str), st.sampled_from(["a", "b", "yes", "no", "True", "False", "",
                                                  "1.0", "1", "nan", "é", "ß", "\u4e2d"]),
    st.floats(allow_nan=False, width=16).map(repr), st.text(max_size=4),
)
names = st.one_of(st.sampled_from(["x", "y", "label", "a b", "é", "\ufeffx", ""]),
                  st.text(max_size=5))


@st.composite
def tables(draw):
    """(header, rows): mostly rectangular, sometimes ragged, with a label column last."""
    n_cols = draw(st.integers(1, 4))
    header = draw(st.lists(names, min_size=n_cols, max_size=n_cols))
    n_rows = draw(st.integers(0, 6))
    rows = []
    for _ in range(n_rows):
        width = n_cols if draw(st.integers(0, 9)) else draw(st.integers(0, n_cols + 2))
        row = [draw(numbers) for _ in range(max(width - 1, 0))]
        rows.append(row + [draw(labels)] if width else [])
    return header, rows


@st.composite
def csv_files(draw):
    """Bytes of a CSV file, and how it was made."""
    header, rows = draw(tables())
    delimiter = draw(st.sampled_from(DELIMITERS))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, quoting=quoting,
                        lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    for row in [header, *rows]:
        writer.writerow(row)
        if draw(st.integers(0, 7)) == 0:
            text.write("\n" if draw(st.booleans()) else delimiter * len(row) + "\n")  # blank
    encoding = draw(st.sampled_from(ENCODINGS))
    blob = text.getvalue().encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:  # damage: bytes flipped, cut short, or NULs
        blob = draw(st.binary(max_size=64)) + blob[draw(st.integers(0, len(blob))):]
    return blob, delimiter, encoding, header, rows


def _cells(blob, delimiter):
    """Independent reading of a file that load_csv accepted: the table's rows, as text."""
    text = blob.decode("utf-8-sig") if not blob.startswith((b"\xff\xfe", b"\xfe\xff")) \
        else blob.decode("utf-16")
    return [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            if any(c.strip() for c in r)]


@settings(max_examples=fuzz_examples(3))
@given(csv_files(), st.one_of(st.none(), st.integers(-5, 5), names))
@example((b"x,label\n1e300,a\n-1e300,b\n", ",", "utf-8", None, None), None)
@example(("x;label\n1;\u00e9\n".encode("latin-1"), ";", "latin-1", None, None), None)
@example(("\ufeffx,label\n1,a\n".encode("utf-16"), ",", "utf-16", None, None), "label")
@example((b"x,label\n1,a\n\n2\n", ",", "utf-8", None, None), None)
@example((b'"x\n",label\n"1",a\n', ",", "utf-8", None, None), 0)
@example((b"x,label\n1,\x00\n", ",", "utf-8", None, None), None)
@example((b"x,label\n1,a" + b"b" * 140_000 + b"\n", ",", "utf-8", None, None), None)
def test_load_csv_gives_the_data_or_a_value_error(tmp_path, file, target):
    blob, delimiter = file[0], file[1]
    path = tmp_path / "data.csv"
    path.write_bytes(blob)
    try:
        X, y = load_csv(path, target=target, delimiter=delimiter)
    except ValueError as exc:
        assert str(exc)
        return
    rows = _cells(blob, delimiter)  # the file was readable: check it against an independent read
    header = [c.strip() for c in rows[0]]
    col = (len(header) - 1 if target is None else header.index(target)
           if isinstance(target, str) else target % len(header))
    data = rows[1:]
    assert X.dtype == np.float64 and X.shape == (len(data), len(header) - 1)
    assert np.isfinite(X).all() and y.shape == (len(data),)
    for i, row in enumerate(data):
        features = [float(c) for j, c in enumerate(row) if j != col]
        assert X[i].tolist() == features
        label = row[col].strip()
        assert str(y[i]) == label or float(y[i]) == float(label) \
            or (isinstance(y[i], (float, np.floating)) and math.isnan(y[i]))
