"""The HTML report: links only files that exist, tables as HTML, and renders in a real browser."""

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from nnscratch.datasets import moons
from nnscratch.experiments.tutorial import N_SAMPLES, TEST_SEED, run_tutorial
from nnscratch.experiments.tutorial_report import write_tutorial_report
from nnscratch.viz import new_figure, save_figure
from nnscratch.viz.report import Image, Section, Table, write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.imgs, self.cells = [], [], []
        self._in_td = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if attrs.get(key):
                self.urls.append(attrs[key])
        if tag == "img":
            self.imgs.append(attrs["src"])
        self._in_td = tag in ("td", "th")

    def handle_data(self, data):
        if self._in_td:
            self.cells.append(data)
            self._in_td = False


def _parse(path):
    p = _Links()
    p.feed(Path(path).read_text(encoding="utf-8"))
    return p


def assert_links_exist(index):
    """Every link is relative (no scheme, no absolute path) and names an existing file."""
    parsed = _parse(index)
    for url in parsed.urls:
        if url.startswith("#"):
            continue
        u = urlparse(url)
        assert not u.scheme and not u.netloc and not url.startswith("/"), url
        assert (index.parent / unquote(u.path)).is_file(), url
    return parsed


def _png(path, color="C0"):
    ax = new_figure((2, 2)).add_subplot()
    ax.plot([0, 1], [0, 1], color=color)
    return save_figure(ax.figure, path)


def test_report_links_existing_files_and_renders_tables(tmp_path):
    out = tmp_path / "run"
    _png(out / "a.png")
    _png(out / "figs" / "b c.png")  # a subfolder and a space in the name
    elsewhere = _png(tmp_path / "other" / "d.png")
    table = Table(["model", "loss"], [["net <3>", 0.0713158087], ["logreg", None]], "results")
    index = write_report(out, "Run & report", [
        Section("Numbers", "first paragraph\n\nsecond", pre="Loss after iteration 0: 0.432387",
                tables=[table], figures=["a.png", Image(out / "figs" / "b c.png", "B")]),
        Section("Copied in", figures=[elsewhere]),
    ], settings={"learning rate": 2.0, "epochs": 20000})
    assert index == out / "index.html"
    parsed = assert_links_exist(index)
    assert sorted(parsed.imgs) == ["a.png", "d.png", "figs/b%20c.png"]
    assert (out / "d.png").read_bytes() == elsewhere.read_bytes()
    text = index.read_text()
    assert "<title>Run &amp; report</title>" in text and "net &lt;3&gt;" in text
    assert "<pre>Loss after iteration 0: 0.432387</pre>" in text
    assert text.count("<table") == 2  # settings and results
    for cell in ["model", "loss", "net <3>", "0.0713158", "logreg", "-", "learning rate", "2.0",
                 "epochs", "20000"]:
        assert cell in parsed.cells, cell
    assert "http" not in text.replace("<!DOCTYPE html>", "")  # nothing online


def test_missing_figure_is_a_clear_error_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="missing.png.*does not exist"):
        write_report(tmp_path, "t", [Section("s", figures=["missing.png"])])
    assert not (tmp_path / "index.html").exists()
    (tmp_path / "data.csv").write_text("1,2\n")
    with pytest.raises(ValueError, match="not an image"):
        write_report(tmp_path, "t", [Section("s", figures=["data.csv"])])
    index = write_report(tmp_path, "t", [Section("s", links=["data.csv"])])
    assert _parse(index).urls[-1] == "data.csv"


def test_table_from_records():
    from nnscratch.experiments.tutorial import ModelResult

    t = Table.from_records([ModelResult("neural network", 3, 0.07, 0.975, 0.96)])
    assert list(t.header) == ["model", "hidden", "loss", "train_accuracy", "test_accuracy"]
    assert [t.cell(v) for v in t.rows[0]] == ["neural network", "3", "0.07", "0.975", "0.96"]


CHECK_SCRIPT = """<script>
window.addEventListener('load', function () { setTimeout(function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++; }
  var d = document.createElement('div'); d.id = 'nnscratch-check';
  d.textContent = 'loaded ' + ok + ' of ' + imgs.length; document.body.appendChild(d);
}, 0); });
</script>"""


def rendered_images(index, tmp_path):
    """(loaded, total) images of ``index`` as headless Chromium renders it."""
    probe = index.with_name("_render_check.html")  # same folder: same relative links
    probe.write_text(index.read_text().replace("</body>", CHECK_SCRIPT + "</body>"))
    try:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={tmp_path / 'chromium-profile'}",
             "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
            capture_output=True, text=True, timeout=120)
    finally:
        probe.unlink()
    m = re.search(r"loaded (\d+) of (\d+)", proc.stdout)
    assert m, proc.stderr[-2000:]
    return int(m.group(1)), int(m.group(2))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it "
                    "where apt-get is available)")
def test_chromium_loads_every_image_and_notices_a_broken_one(tmp_path):
    out = tmp_path / "run"
    figs = [_png(out / f"f{i}.png", f"C{i}") for i in range(3)]
    index = write_report(out, "t", [Section("s", figures=figs)])
    assert rendered_images(index, tmp_path) == (3, 3)
    figs[1].write_bytes(b"not a png")  # the check can fail
    assert rendered_images(index, tmp_path) == (2, 3)


@pytest.fixture(scope="module")
def tutorial_report(tmp_path_factory):
    """The tutorial's report, short runs (the full run is tests/test_cli.py's)."""
    out = tmp_path_factory.mktemp("tutorial")
    result = run_tutorial(out, num_passes=300)
    index = write_tutorial_report(result, out, "Loss after iteration 0: 0.432387\nmodel table",
                                  num_passes=300, insights=True, animate=True)
    return out, index, result


def test_tutorial_report_shows_every_figure(tutorial_report):
    out, index, _ = tutorial_report
    parsed = assert_links_exist(index)
    written = {p.name for p in out.iterdir() if p.suffix in (".png", ".gif")}
    assert len(written) >= 14 and "training_hidden_3.gif" in written
    assert {unquote(s) for s in parsed.imgs} == written  # every figure, each once
    assert len(parsed.imgs) == len(written)
    text = index.read_text()
    assert "Loss after iteration 0: 0.432387" in text  # the printed output
    for cell in ["learning rate (mean loss) = epsilon * N", "reg_lambda = alpha", "passes", "300",
                 "logistic regression", "neural network"]:
        assert cell in parsed.cells, cell
    for title in ["(a) The two L2 lines", "(b) At the seed", "(c) Summed", "(d) The unshifted"]:
        assert title in text


def test_tutorial_logistic_regression_is_scikit_learns(tutorial_report):
    """The baseline's row (fitted in a worker process) is LogisticRegressionCV's own, and the
    report names the scikit-learn that ran it."""
    import warnings

    import sklearn
    from sklearn.linear_model import LogisticRegressionCV

    _, index, result = tutorial_report
    X, y = moons(N_SAMPLES, noise=0.2, random_state=0)
    X_test, y_test = moons(N_SAMPLES, noise=0.2, random_state=TEST_SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        logreg = LogisticRegressionCV().fit(X, y)
    row = result.rows[0]
    assert row.model == "logistic regression"
    assert (row.train_accuracy, row.test_accuracy) == (logreg.score(X, y),
                                                       logreg.score(X_test, y_test))
    assert sklearn.__version__ in assert_links_exist(index).cells


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it "
                    "where apt-get is available)")
def test_chromium_renders_the_tutorial_report(tutorial_report, tmp_path):
    _, index, _ = tutorial_report
    loaded, total = rendered_images(index, tmp_path)
    assert total >= 14 and loaded == total
