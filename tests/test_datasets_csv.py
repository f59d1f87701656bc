"""The one home of CSV header parsing: ``csv_header``, ``target_column``, ``parse_labels``."""

import numpy as np
import pytest

from nnscratch.datasets import csv_header, load_csv, parse_labels, target_column


def test_header_is_parsed_as_csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes('\ufeff a ,"b, with comma",c\n1,2,x\n'.encode())  # BOM, quotes, spaces
    assert csv_header(path) == ["a", "b, with comma", "c"]
    X, y = load_csv(path, target="c")
    assert X.tolist() == [[1.0, 2.0]] and y.tolist() == ["x"]


@pytest.mark.parametrize("target, col", [(None, 2), ("b", 1), (0, 0), (-1, 2), ("1", 1),
                                         ("-3", 0), ("2", 3)])
def test_target_column(target, col):
    header = ["a", "b", "c"] if target != "2" else ["a", "b", "c", "2"]  # a name wins over an index
    assert target_column(header, target) == col


@pytest.mark.parametrize("target, message", [("z", "target column 'z' not in 'f.csv'; its "
                                              "columns are: a, b"),
                                             (5, "index 5 out of range for 2 columns")])
def test_target_column_errors(target, message):
    with pytest.raises(ValueError, match=message):
        target_column(["a", "b"], target, "f.csv")


def test_parse_labels_kinds():
    assert parse_labels(["1", "-2"]).dtype.kind == "i"
    assert parse_labels(["1", "2.5"]).tolist() == [1.0, 2.5]
    assert parse_labels(["1", "cat"]).tolist() == ["1", "cat"]
    assert np.array_equal(parse_labels(["3", "3"]), [3, 3])
