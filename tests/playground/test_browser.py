"""The playground in a real browser (Debian's chromium via Playwright), as a person uses it.

Every wait is on state the page exposes (``window.playground``) or on an event; no sleeps.
The ``page`` fixture fails a test whose page asked for anything but the loopback server.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nnscratch
from nnscratch.cli import main
from nnscratch.playground.frames import grid_points

GALLERY = Path(__file__).parents[2] / "docs" / "gallery" / "playground.png"
DROP = """([name, text]) => {
  const dt = new DataTransfer();
  dt.items.add(new File([text], name, {type: "text/csv"}));
  document.getElementById("drop").dispatchEvent(
    new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
}"""
PIXELS = """() => Array.from(document.getElementById("surface").getContext("2d")
  .getImageData(0, 0, 64, 64).data)"""


def wait(page: Any, condition: str) -> None:
    page.wait_for_function(f"() => {condition}")


def state(page: Any, key: str) -> Any:
    return page.evaluate(f"() => window.playground.{key}")


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    # the server's default config comes first; the second is its reply to the page's own (URL)
    wait(page, "window.playground.frames > 0 && window.playground.configs >= 2")


def test_play_trains_the_loss_falls_and_the_surface_changes(page: Any, server: Any) -> None:
    open_page(page, server.url + "/")
    loss0, pixels0 = state(page, "loss"), page.evaluate(PIXELS)
    page.click("#play")
    wait(page, "window.playground.epoch >= 150")
    page.click("#play")  # pause
    wait(page, "window.playground.state === 'paused'")
    assert state(page, "loss") < loss0 / 2
    changed = np.any(np.array(pixels0) != np.array(page.evaluate(PIXELS)))
    assert changed
    assert int(page.text_content("#epoch").replace(",", "")) == state(page, "epoch")


def test_the_tutorial_preset_reaches_the_tutorials_loss(page: Any, server: Any) -> None:
    open_page(page, server.url + "/?dataset=circles&hidden=5")
    page.click("#tutorial")
    wait(page, "window.playground.state === 'done' && window.playground.epoch === 20000")
    assert page.text_content("#loss") == "0.0713158087"  # what `nnscratch tutorial` prints
    assert state(page, "settings.hidden") == [3]


def test_a_dropped_csv_trains(page: Any, server: Any) -> None:
    open_page(page, server.url + "/")
    rng = np.random.RandomState(1)
    X = rng.uniform(-2, 2, (80, 2))
    rows = "\n".join(f"{a:.4f},{b:.4f},{'in' if a * a + b * b < 1.5 else 'out'}" for a, b in X)
    page.evaluate(DROP, ["rings.csv", "u,v,where\n" + rows])
    wait(page, "window.playground.config.source === 'rings.csv'")
    assert state(page, "config.classes") == ["in", "out"]
    loss0 = state(page, "loss")
    page.click("#play")
    wait(page, "window.playground.epoch >= 100")
    page.click("#play")
    wait(page, "window.playground.state === 'paused'")
    assert state(page, "loss") < loss0


def test_a_bad_csv_shows_load_csvs_message(page: Any, server: Any, tmp_path: Path) -> None:
    open_page(page, server.url + "/")
    text = "x1,x2,label\n1.0,2.0,a\n3.0,4.0\n"
    (tmp_path / "short.csv").write_text(text)
    with pytest.raises(ValueError) as expected:
        nnscratch.datasets.load_csv(tmp_path / "short.csv")
    page.evaluate(DROP, ["short.csv", text])
    wait(page, "window.playground.errors.length > 0")
    shown = page.text_content("#message")
    assert shown == str(expected.value).replace(str(tmp_path / "short.csv"), "short.csv")
    assert "line 3 has 2 fields" in shown


def test_export_downloads_a_model_that_predict_loads_and_the_page_agrees_with_it(
        page: Any, server: Any, tmp_path: Path, capsys: Any) -> None:
    open_page(page, server.url + "/?hidden=6,3&epochs=60&speed=20&discretize=1")
    page.click("#play")
    wait(page, "window.playground.state === 'done' && window.playground.epoch === 60")
    with page.expect_download() as info:
        page.click("#download")
    model = tmp_path / "model.npz"
    shutil.copy(info.value.path(), model)
    wait(page, "window.playground.lastExport !== null")
    assert "--hidden 6,3" in page.text_content("#command")
    assert "MLPClassifier(" in page.text_content("#python")
    # the page's class map, read from the canvas pixels, against `nnscratch predict` on the grid
    bounds = tuple(state(page, "config.bounds"))
    grid = grid_points(bounds, 64)
    csv = tmp_path / "grid.csv"
    csv.write_text("x1,x2\n" + "\n".join(f"{float(a)!r},{float(b)!r}" for a, b in grid))
    capsys.readouterr()
    assert main(["predict", "--model", str(model), "--csv", str(csv)]) == 0
    predicted = np.array(capsys.readouterr().out.split()[1:], dtype=int)
    colours = np.array(page.evaluate("""() => [0, 1].map(k =>
        Draw.mixWhite(Draw.CLASS_RGB[k], Draw.DISCRETE).map(Math.round))"""))
    rgb = np.array(page.evaluate(PIXELS)).reshape(-1, 4)[:, :3]
    page_class = np.argmin(np.abs(rgb[:, None, :] - colours[None]).sum(axis=2), axis=1)
    p = nnscratch.load(model).predict_proba(grid)
    tie = np.abs(p[:, 0] - p[:, 1]) < 2 / 255  # equal bytes after quantisation
    assert np.array_equal(page_class[~tie], predicted[~tie])
    assert (~tie).sum() > 4000


def test_the_url_restores_the_settings(page: Any, server: Any, browser: Any) -> None:
    url = (server.url + "/?dataset=circles&samples=150&hidden=5,2&activation=relu&lr=0.03"
           "&optimizer=adam&test=0.2&speed=10&discretize=1&showtest=1")
    open_page(page, url)
    s = state(page, "settings")
    assert (s["dataset"], s["samples"], s["hidden"], s["activation"], s["lr"], s["optimizer"],
            s["test"]) == ("circles", 150, [5, 2], "relu", 0.03, "adam", 0.2)
    assert page.input_value("#activation") == "relu" and page.is_checked("#discretize")
    assert page.evaluate("() => document.querySelectorAll('#nodes canvas').length") == 2 + 5 + 2
    page.fill("#lr", "0.5")
    page.dispatch_event("#lr", "change")
    wait(page, "window.playground.settings.lr === 0.5")
    link = page.url
    other = page.context.new_page()  # a second tab of the link (same origin, same routing)
    open_page(other, link)
    s2 = other.evaluate("() => window.playground.settings")
    assert s2 == {**s, "lr": 0.5} and other.evaluate("() => window.playground.speed") == 10
    other.close()


def test_caps_are_refused_on_the_page(page: Any, server: Any) -> None:
    open_page(page, server.url + "/?hidden=32")
    page.click(".layerctl button")  # + on a layer of 32 neurons: stays 32, no error
    for n in range(2, 7):
        page.click("#layer-add")
        wait(page, f"window.playground.settings.hidden.length === {n}")
    assert state(page, "settings.hidden") == [32] * 6
    page.click("#layer-add")
    wait(page, "window.playground.errors.length > 0")
    assert "at most 6 hidden layers" in page.text_content("#message")


def test_screenshot_of_the_playground(page: Any, server: Any, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    open_page(page, server.url + "/?hidden=4,4&test=0.3&showtest=1&speed=5")
    page.click("#play")
    wait(page, "window.playground.epoch >= 400")
    page.click("#play")
    wait(page, "window.playground.state === 'paused'")
    path = tmp_path / "playground.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000
    if os.environ.get("NNSCRATCH_WRITE_GALLERY") == "1":  # make gallery: refresh the picture
        shutil.copy(path, GALLERY)


def test_url_flags_hide_parts_for_a_classroom(page: Any, server: Any) -> None:
    open_page(page, server.url + "/?hide=math,export,training")
    assert not page.is_visible("#mathpanel") and not page.is_visible("#export")
    assert not page.is_visible("#optimizer") and not page.is_visible("#tutorial")
    assert page.is_visible("#play") and page.is_visible("#surface")
    page.click("#play")
    wait(page, "window.playground.epoch >= 5")
    assert "hide=math%2Cexport%2Ctraining" in page.url  # kept in the link
