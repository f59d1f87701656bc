"""Bounded load on a real uvicorn server: as many sessions as the cap train and stream at once;
the server keeps answering; one client more gets the clear refusal."""

from __future__ import annotations

import json
import threading

import httpx2 as httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from nnscratch.playground import BackgroundServer
from nnscratch.playground.caps import MAX_SESSIONS
from nnscratch.playground.protocol import KIND_FRAME

FRAMES = 40  # frames each session must receive while all train


def _client(url: str, origin: str, results: list, ready: threading.Barrier) -> None:
    with connect(url, origin=origin, max_size=2**22) as ws:
        ws.send(json.dumps({"type": "config", "settings": {
            "hidden": [8, 8, 8], "optimizer": "adam", "lr": 0.01, "batch": 20,
            "init": "glorot", "samples": 400}}))
        ws.send(json.dumps({"type": "speed", "value": 2}))
        ready.wait()  # every session is open before any trains
        ws.send(json.dumps({"type": "play"}))
        epochs = []
        while len(epochs) < FRAMES:
            msg = ws.recv()
            if isinstance(msg, bytes) and msg[0] == KIND_FRAME:
                head = json.loads(msg[5 : 5 + int.from_bytes(msg[1:5], "little")])
                epochs.append(head["epoch"])
        results.append(epochs)


def test_the_session_cap_under_load() -> None:
    with BackgroundServer() as srv:
        ws_url, origin = f"ws://127.0.0.1:{srv.port}/ws", srv.url
        results: list[list[int]] = []
        ready = threading.Barrier(MAX_SESSIONS + 1)
        threads = [threading.Thread(target=_client, args=(ws_url, origin, results, ready))
                   for _ in range(MAX_SESSIONS)]
        for t in threads:
            t.start()
        ready.wait()
        # while they train: the page is still served, and one more client is refused
        assert httpx.get(srv.url + "/").status_code == 200
        with connect(ws_url, origin=origin) as extra:
            refusal = json.loads(extra.recv())
            try:
                extra.recv()
                closed_code = None
            except ConnectionClosed as exc:
                closed_code = exc.rcvd.code if exc.rcvd else None
        assert refusal["type"] == "error" and refusal["fatal"]
        assert f"already has {MAX_SESSIONS} open sessions (the cap)" in refusal["message"]
        assert closed_code == 1013
        for t in threads:
            t.join()
        assert len(results) == MAX_SESSIONS
        for epochs in results:  # every session trained and streamed, frames in order
            assert len(epochs) == FRAMES and epochs == sorted(epochs) and epochs[-1] > 1
        assert httpx.get(srv.url + "/static/app.js").status_code == 200


def test_a_foreign_origin_is_refused_by_the_real_server() -> None:
    with BackgroundServer() as srv:
        try:
            with connect(f"ws://127.0.0.1:{srv.port}/ws", origin="http://evil.example") as ws:
                ws.recv()
            refused = False
        except Exception as exc:  # the handshake is rejected (HTTP 403) or closed at once
            refused = "403" in str(exc) or isinstance(exc, ConnectionClosed)
        assert refused
        r = httpx.get(srv.url + "/", headers={"host": "attacker.example"})
        assert r.status_code == 403
