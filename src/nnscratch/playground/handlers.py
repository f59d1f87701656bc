"""What each client message does to a session (see protocol.py for the messages).

``handle`` runs in a worker thread of the server (it may wait up to one epoch for a training
thread to stop); it returns the replies: JSON-able dicts, or bytes for binary messages.
"""

from __future__ import annotations

from typing import Any

from nnscratch.playground.caps import (
    MAX_GRID,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_STEPS_PER_FRAME,
    MIN_GRID,
    Refused,
    parse_settings,
)
from nnscratch.playground.exports import model_file, python_code, train_command
from nnscratch.playground.protocol import encode_model, integer, number
from nnscratch.playground.session import Session

Reply = dict[str, Any] | bytes


def handle(session: Session, msg: dict[str, Any]) -> list[Reply]:
    kind = msg["type"]
    if kind == "config":
        session.configure(parse_settings(msg.get("settings")))
        return [session.describe()]
    if kind == "play":
        session.play()
    elif kind == "pause":
        session.pause()
    elif kind == "step":
        session.step()
    elif kind == "reset":
        session.reset()
        return [session.describe()]
    elif kind == "speed":
        session.set_speed(integer(msg, "value", 1, MAX_STEPS_PER_FRAME))
    elif kind == "grid":
        session.set_grid(integer(msg, "value", MIN_GRID, MAX_GRID))
        return [session.describe()]
    elif kind == "csv":
        name, text = msg.get("name"), msg.get("text")
        if not isinstance(name, str) or not isinstance(text, str) or len(name) > 200:
            raise Refused("csv: needs a file name (at most 200 characters) and its text")
        session.load_csv(name, text)
        return [session.describe()]
    elif kind == "point":
        return _point(session, msg)
    elif kind == "edit":
        session.edit_weight(integer(msg, "layer", 0, MAX_LAYERS),
                            integer(msg, "i", -1, MAX_NEURONS), integer(msg, "j", 0, MAX_NEURONS),
                            number(msg, "value"))
    elif kind == "export":
        return _export(session)
    return []


def _point(session: Session, msg: dict[str, Any]) -> list[Reply]:
    op = msg.get("op")
    if op not in ("add", "remove"):
        raise Refused(f"point: op must be 'add' or 'remove'; got {op!r:.20}")
    x, y = number(msg, "x"), number(msg, "y")
    x0, x1, y0, y1 = session.split.bounds
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        raise Refused(f"point ({x:g}, {y:g}) is outside the plane drawn")
    session.edit_points(op, x, y, msg.get("label"))
    return [session.describe()]


def _export(session: Session) -> list[Reply]:
    if session.net is None:
        raise Refused("nothing to export yet")
    was_playing = session.state == "playing"
    session.pause(wait=True)  # the weights must not change while they are written
    s, source = session.settings, session.data_source
    data = model_file(s, session.net, session.split, session.history)
    epochs = session.epoch
    replies: list[Reply] = [
        {"type": "export", "epoch": epochs, "command": train_command(s, source, epochs),
         "python": python_code(s, source, epochs, session.split.stratified),
         "resumed": was_playing},
        encode_model(f"nnscratch-playground-epoch{epochs}.npz", data),
    ]
    if was_playing:
        session.play()
    return replies
