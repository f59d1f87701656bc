"""A small client of the playground protocol over Starlette's TestClient WebSocket."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any

from nnscratch.playground.protocol import KIND_FRAME, decode, frame_arrays

PORT = 8123
URL = f"http://127.0.0.1:{PORT}"
WS_URL = f"ws://127.0.0.1:{PORT}/ws"
ORIGIN = {"origin": URL}


class Reader:
    """Reads a session's messages: text as dicts, frames as (header, surface, neurons, weights)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[tuple[dict[str, Any], Any, Any, Any]] = []
        self.texts: list[dict[str, Any]] = []
        self.models: list[bytes] = []

    def send(self, **msg: Any) -> None:
        self.ws.send_text(json.dumps(msg))

    def next(self) -> dict[str, Any] | tuple[Any, ...]:
        m = self.ws.receive()
        if m.get("type") == "websocket.close":
            raise ConnectionError(f"closed: {m.get('code')}")
        if m.get("bytes") is not None:
            kind, head, raw = decode(m["bytes"])
            if kind == KIND_FRAME:
                frame = frame_arrays(raw)
                self.frames.append(frame)
                return frame
            self.models.append(raw[5 + struct.unpack_from("<I", raw, 1)[0]:])
            return ("model", head)
        msg = json.loads(m["text"])
        self.texts.append(msg)
        return msg

    def until(self, pred: Callable[[Any], bool]) -> Any:
        while True:
            item = self.next()
            if pred(item):
                return item

    def seen(self, pred: Callable[[Reader], bool]) -> None:
        """Read until ``pred(self)`` holds over everything received so far."""
        while not pred(self):
            self.next()

    def done(self, epoch: int) -> dict[str, Any]:
        """Wait for the end of a run: the 'done' state and the frame of its last epoch."""
        self.seen(lambda r: any(t.get("state") == "done" for t in r.texts)
                  and any(f[0]["epoch"] == epoch for f in r.frames))
        return next(f for f in self.frames if f[0]["epoch"] == epoch)[0]

    def text(self, kind: str) -> dict[str, Any]:
        return self.until(lambda m: isinstance(m, dict) and m.get("type") == kind)

    def state(self, state: str) -> dict[str, Any]:
        return self.until(lambda m: isinstance(m, dict) and m.get("type") == "state"
                          and m.get("state") == state)

    def frame(self, pred: Callable[[dict[str, Any]], bool] = lambda h: True) -> tuple[Any, ...]:
        return self.until(lambda m: isinstance(m, tuple) and m[0] != "model" and pred(m[0]))
