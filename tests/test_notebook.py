"""docs/tutorial.ipynb runs end to end in a fresh kernel, and shows what it says it shows."""

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the dev extra installs nbformat")
nbclient = pytest.importorskip("nbclient", reason="the dev extra installs nbclient")

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cwd = tmp_path_factory.mktemp("notebook")  # the notebook writes its figures here
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb, cwd


def _text(nb):
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")))
    return "\n".join(out)


def test_notebook_runs_and_reproduces_the_tutorial(executed):
    nb, cwd = executed
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    text = _text(nb)
    assert "Loss after iteration 0: 0.432387" in text
    assert "Loss after iteration 1000: 0.068947" in text
    assert "final loss 0.0713158087" in text
    assert "gradient check: True" in text
    assert re.search(r"seed nan\s+nnscratch 0\.7311", text)  # logits [710, 709]


def test_notebook_shows_figures_and_writes_its_report(executed):
    nb, cwd = executed
    images = sum("image/png" in o.get("data", {}) or "image/gif" in o.get("data", {})
                 for c in nb.cells for o in c.get("outputs", []))
    assert images >= 10
    assert (cwd / "notebook_out" / "index.html").is_file()
    assert (cwd / "notebook_out" / "training.gif").stat().st_size > 10_000


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
