"""The server and its protocol: pages, Host/Origin checks, every cap, bad messages, export."""

from __future__ import annotations

import json

import numpy as np
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

import nnscratch
from nnscratch.playground import caps, create_app
from tests.playground.helpers import ORIGIN, PORT, URL, WS_URL, Reader


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(PORT), base_url=URL)


@pytest.fixture
def session(client: TestClient):
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        r = Reader(ws)
        assert r.text("hello")["caps"]["max_layers"] == caps.MAX_LAYERS
        r.text("config")
        r.frame()
        yield r


def test_index_and_assets_are_served_with_a_strict_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "nnscratch playground" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "controls.js", "draw.js", "math.js", "style.css"):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200 and len(asset.text) > 500
        text = asset.text.replace('"http://www.w3.org/2000/svg"', "")  # a name, not a request
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
    assert "https://" not in page.text


@pytest.mark.parametrize("path", ["/static/../caps.py", "/static/%2e%2e/caps.py",
                                  "/static/..%2fcaps.py", "/caps.py", "/static/", "/etc/passwd"])
def test_nothing_outside_the_static_folder_is_served(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "Refused" not in r.text  # no source code


@pytest.mark.parametrize("host", ["evil.example:8123", "127.0.0.1:9999", "localhost", "127.0.0.1"])
def test_a_foreign_host_header_is_refused(client: TestClient, host: str) -> None:
    r = client.get("/", headers={"host": host})
    assert r.status_code == 403 and "refused: Host" in r.text
    with pytest.raises(WebSocketDisconnect) as exc, \
            client.websocket_connect(WS_URL, headers={"host": host, **ORIGIN}):
        pass
    assert exc.value.code == 1008


@pytest.mark.parametrize("host", ["127.0.0.1:8123", "localhost:8123", "[::1]:8123"])
def test_loopback_names_with_the_port_are_served(client: TestClient, host: str) -> None:
    assert client.get("/", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("origin", [None, "http://evil.example", "http://127.0.0.1:9999",
                                    "null", "https://127.0.0.1:8123"])
def test_a_websocket_from_another_origin_is_refused(client: TestClient, origin: str | None
                                                    ) -> None:
    headers = {} if origin is None else {"origin": origin}
    with pytest.raises(WebSocketDisconnect) as exc, \
            client.websocket_connect(WS_URL, headers=headers):
        pass
    assert exc.value.code == 1008


def test_a_session_starts_at_the_tutorial_settings(client: TestClient) -> None:
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        r = Reader(ws)
        r.text("hello")
        cfg = r.text("config")
        assert cfg["settings"] == caps.TUTORIAL.as_json()
        assert cfg["sizes"] == [2, 3, 2] and cfg["n_train"] == 200 and cfg["batch"] == 200
        head, surface, neurons, weights = r.frame()
        assert head["epoch"] == 0 and surface.shape == (64, 64, 2)
        assert neurons.shape == (3, 32, 32) and weights.shape == (2 * 3 + 3 + 3 * 2 + 2,)
        # a surface of probabilities: the bytes of each cell add up to 255 (to rounding)
        assert np.abs(surface.astype(int).sum(axis=2) - 255).max() <= 1


@pytest.mark.parametrize(("settings", "words"), [
    ({"hidden": [3] * 7}, "at most 6 layer sizes"),
    ({"hidden": [33]}, "1..32 neurons"),
    ({"hidden": [0]}, "1..32 neurons"),
    ({"hidden": "3"}, "hidden must be a list"),
    ({"samples": 1001}, "samples must be in 10..1000"),
    ({"batch": 9}, "batch must be in 10..1000"),
    ({"lr": 0}, "lr must be > 0"),
    ({"lr": "fast"}, "lr must be a number"),
    ({"alpha": -1}, "alpha must be in"),
    ({"activation": "swish"}, "activation must be one of"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of"),
    ({"dataset": "mnist"}, "dataset must be one of"),
    ({"epochs": 10**7}, "epochs must be in 0..1000000"),
    ({"seed": True}, "seed must be a whole number"),
    ({"colour": "red"}, "unknown setting 'colour'"),
    ({"dataset": "csv"}, "drop a CSV file"),
])
def test_each_cap_and_bad_setting_is_refused_with_a_message(session: Reader, settings: dict,
                                                            words: str) -> None:
    session.send(type="config", settings=settings)
    msg = session.text("error")
    assert words in msg["message"]
    session.send(type="config", settings={"hidden": [4]})  # the session still works
    assert session.text("config")["sizes"] == [2, 4, 2]


@pytest.mark.parametrize(("message", "words"), [
    ("not json", "message is not JSON"),
    ("[1, 2]", "unknown message type 'list'"),
    ('{"type": "launch"}', "unknown message type 'launch'"),
    ('{"type": "speed", "value": 1001}', "value must be a whole number in 1..1000"),
    ('{"type": "speed", "value": "max"}', "value must be a whole number"),
    ('{"type": "grid", "value": 1024}', "value must be a whole number in 16..96"),
    ('{"type": "point", "op": "add", "x": 1e9, "y": 0, "label": 0}', "outside the plane"),
    ('{"type": "point", "op": "add", "x": 0, "y": 0, "label": 7}', "class 7"),
    ('{"type": "point", "op": "move", "x": 0, "y": 0}', "op must be 'add' or 'remove'"),
    ('{"type": "edit", "layer": 0, "i": 0, "j": 0, "value": 1}', "press 'step' once"),
    ('{"type": "csv", "name": "a.csv"}', "needs a file name"),
    ('{"type": "config", "settings": [1]}', "settings must be a JSON object"),
    ("{" + '"type": "csv", "name": "big.csv", "text": "' + "1" * 300_001 + '"}',
     "larger than the cap of 300000"),
])
def test_malformed_messages_get_an_error_reply(session: Reader, message: str, words: str) -> None:
    session.ws.send_text(message)
    assert words in session.text("error")["message"]
    session.send(type="step")  # and the session goes on
    assert session.frame(lambda h: h["epoch"] == 1)


def test_a_binary_message_gets_an_error_reply(session: Reader) -> None:
    session.ws.send_bytes(b"\x00\x01")
    assert "text messages" in session.text("error")["message"]


def test_a_large_csv_is_refused(session: Reader) -> None:
    text = "x1,x2,y\n" + "0.5,0.25,1\n" * (caps.MAX_CSV_BYTES // 11 + 1)
    session.send(type="csv", name="big.csv", text=text)
    assert "larger than the playground's cap of 256 KiB" in session.text("error")["message"]


def test_the_session_cap_refuses_one_more_client_clearly() -> None:
    client = TestClient(create_app(PORT, max_sessions=1), base_url=URL)
    with client.websocket_connect(WS_URL, headers=ORIGIN) as first:
        Reader(first).text("config")
        with client.websocket_connect(WS_URL, headers=ORIGIN) as second:
            msg = json.loads(second.receive_text())
            assert msg["fatal"] and "1 open sessions (the cap)" in msg["message"]
            assert second.receive()["code"] == 1013
    with client.websocket_connect(WS_URL, headers=ORIGIN) as again:  # the slot is free again
        Reader(again).text("config")


def test_csv_drop_trains_on_the_files_points(session: Reader) -> None:
    rows = [f"{x:.3f},{y:.3f},{'yes' if x * y > 0 else 'no'}" for x, y in
            np.random.RandomState(0).uniform(-1, 1, (60, 2))]
    session.send(type="csv", name="quadrants.csv", text="a,b,label\n" + "\n".join(rows))
    cfg = session.text("config")
    assert cfg["source"] == "quadrants.csv" and cfg["classes"] == ["no", "yes"]
    assert cfg["settings"]["dataset"] == "csv" and cfg["n_train"] == 60
    session.send(type="step")
    assert session.frame(lambda h: h["epoch"] == 1)[0]["loss"] > 0


def test_a_bad_csv_gets_load_csvs_message(session: Reader, tmp_path) -> None:
    text = "x1,x2,label\n1.0,2.0,a\n3.0,oops,b\n"
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(ValueError) as expected:
        nnscratch.datasets.load_csv(tmp_path / "bad.csv")
    session.send(type="csv", name="bad.csv", text=text)
    got = session.text("error")["message"]
    assert got == str(expected.value).replace(str(tmp_path / "bad.csv"), "bad.csv")
    assert "feature column 'x2' of 'bad.csv' is not numeric" in got


def test_points_are_added_and_removed(session: Reader) -> None:
    session.send(type="point", op="add", x=0.5, y=0.25, label="1")
    cfg = session.text("config")
    assert cfg["n_train"] == 201 and cfg["train"][-1] == [0.5, 0.25, 1] and cfg["edited"]
    session.send(type="point", op="remove", x=0.5, y=0.25)
    assert session.text("config")["n_train"] == 200


def test_an_edited_weight_is_in_the_next_frame_and_refused_while_playing(session: Reader
                                                                         ) -> None:
    session.send(type="step")
    session.frame(lambda h: h["epoch"] == 1)
    session.send(type="edit", layer=1, i=2, j=0, value=3.5)
    _, _, _, weights = session.frame()
    assert weights[2 * 3 + 3 + 2 * 2 + 0] == np.float32(3.5)  # W_2[2, 0]
    session.send(type="edit", layer=0, i=-1, j=1, value=-0.75)
    _, _, _, weights = session.frame()
    assert weights[2 * 3 + 1] == np.float32(-0.75)  # b_1[1]
    session.send(type="edit", layer=5, i=0, j=0, value=1.0)
    assert "no weight (5, 0, 0)" in session.text("error")["message"]


def test_export_gives_a_model_file_that_nnscratch_loads(session: Reader, tmp_path) -> None:
    session.send(type="config", settings={"hidden": [5, 4], "epochs": 50})
    session.text("config")
    session.send(type="speed", value=10)
    session.send(type="play")
    head = session.done(50)
    session.send(type="export")
    info = session.text("export")
    session.until(lambda m: isinstance(m, tuple) and m[0] == "model")
    path = tmp_path / "model.npz"
    path.write_bytes(session.models[-1])
    clf = nnscratch.load(path)
    assert clf.coefs_[0].shape == (2, 5) and len(clf.loss_curve_) == 50
    X, y = nnscratch.datasets.moons()
    from nnscratch.engine.losses import one_hot
    assert clf.network().loss(X, one_hot(y, 2), 0.01) == pytest.approx(head["loss"], rel=1e-12)
    assert "--hidden 5,4" in info["command"] and "--epochs 50" in info["command"]
    assert "hidden_layer_sizes=(5, 4)" in info["python"]


def test_a_closed_tab_stops_its_training(client: TestClient) -> None:
    import threading

    def training() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "nnscratch-playground-train"]

    before = len(training())
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        r = Reader(ws)
        r.send(type="play")
        r.frame(lambda h: h["epoch"] > 5)  # no 'stop after': it would train for ever
        assert len(training()) == before + 1
    # leaving the block closes the socket; the server stops the session's thread and joins it
    client.close()
    assert len(training()) == before
