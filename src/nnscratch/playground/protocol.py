"""The wire protocol between the page and the server (one WebSocket per session).

Client -> server: text messages, one JSON object each, ``{"type": ..., ...}``:

=========  =====================================================================================
config     ``{"settings": {...}}`` (caps.Settings keys): restart training with these settings
play       train until paused (or until the "stop after" epoch)
pause      stop after the current epoch
step       train one epoch, then pause
reset      back to epoch 0 (new initial weights from the seed)
speed      ``{"value": k}``: epochs per frame, 1..MAX_STEPS_PER_FRAME
grid       ``{"value": G}``: cells per side of the surface
csv        ``{"name": str, "text": str}``: the user's own data (at most MAX_CSV_BYTES)
point      ``{"op": "add", "x", "y", "label"}`` or ``{"op": "remove", "x", "y"}``
edit       ``{"layer": l, "i": i, "j": j, "value": v}``: set W_{l+1}[i, j] while paused
           (``i = -1``: the bias b_{l+1}[j])
export     the model file (a binary reply) and the equivalent command and Python
=========  =====================================================================================

Server -> client: text JSON for everything but frames and model files (``hello``, ``config``,
``state``, ``error``, ``export``); binary messages start with one kind byte::

    byte 0      KIND_FRAME (1) or KIND_MODEL (2)
    bytes 1-4   H, the header's length (uint32, little-endian)
    next H      the header: JSON, utf-8
    ...         KIND_FRAME: at the header's byte offsets, the surface (uint8, G x G x K), the
                neuron maps (uint8, n x Gn x Gn) and the weights (float32, W_1 b_1 W_2 ...);
                KIND_MODEL: the .npz file
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import numpy as np

from nnscratch.playground.caps import MAX_MESSAGE_BYTES, Refused

KIND_FRAME, KIND_MODEL = 1, 2
TYPES = ("config", "play", "pause", "step", "reset", "speed", "grid", "csv", "point", "edit",
         "export")


def parse_message(text: str | bytes | None) -> dict[str, Any]:
    """A client message as a dict with a known ``type``; :class:`Refused` otherwise."""
    if text is None:
        raise Refused("the playground takes text messages (JSON), not binary ones")
    if len(text) > MAX_MESSAGE_BYTES:
        raise Refused(f"message of {len(text)} bytes is larger than the cap of "
                      f"{MAX_MESSAGE_BYTES}")
    try:
        msg = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(f"message is not JSON: {exc}") from None
    if not isinstance(msg, dict) or msg.get("type") not in TYPES:
        kind = msg.get("type") if isinstance(msg, dict) else type(msg).__name__
        raise Refused(f"unknown message type {kind!r:.40}; expected one of {', '.join(TYPES)}")
    return msg


def number(msg: dict[str, Any], key: str) -> float:
    value = msg.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Refused(f"{msg['type']}: {key} must be a finite number; got {value!r:.40}")
    return float(value)


def integer(msg: dict[str, Any], key: str, lo: int, hi: int) -> int:
    value = msg.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise Refused(f"{msg['type']}: {key} must be a whole number in {lo}..{hi}; got "
                      f"{value!r:.40}")
    return value


def _binary(kind: int, header: dict[str, Any], parts: list[bytes]) -> bytes:
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    return b"".join([struct.pack("<BI", kind, len(head)), head, *parts])


def encode_frame(header: dict[str, Any], surface: np.ndarray, neurons: np.ndarray,
                 weights: np.ndarray) -> bytes:
    """A frame: the header (plus the payload's offsets and shapes) and the three arrays."""
    head = dict(header, surface_shape=list(surface.shape), neurons_shape=list(neurons.shape),
                n_weights=int(weights.size))
    # offsets depend on the header's length, which depends on the offsets: fix their width
    head.update(surface_offset=0, neurons_offset=0, weights_offset=0)
    base = 5 + len(json.dumps(head, separators=(",", ":")).encode("utf-8")) + 3 * 9
    s_off = base
    n_off = s_off + surface.nbytes
    w_off = -(-(n_off + neurons.nbytes) // 4) * 4  # float32 aligned for a Float32Array view
    head.update(surface_offset=s_off, neurons_offset=n_off, weights_offset=w_off)
    text = json.dumps(head, separators=(",", ":")).encode("utf-8")
    text += b" " * (base - 5 - len(text))  # pad the header to its fixed length
    return b"".join([struct.pack("<BI", KIND_FRAME, len(text)), text, surface.tobytes(),
                     neurons.tobytes(), b"\0" * (w_off - n_off - neurons.nbytes),
                     weights.astype("<f4").tobytes()])


def encode_model(name: str, data: bytes) -> bytes:
    return _binary(KIND_MODEL, {"name": name}, [data])


def decode(message: bytes) -> tuple[int, dict[str, Any], bytes]:
    """(kind, header, whole message) of a binary message (tests and benchmarks read frames)."""
    kind, length = struct.unpack_from("<BI", message)
    return kind, json.loads(message[5 : 5 + length]), message


def frame_arrays(message: bytes) -> tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray]:
    """Header, surface (G, G, K), neurons (n, Gn, Gn) and weights of a frame message."""
    kind, head, raw = decode(message)
    if kind != KIND_FRAME:
        raise ValueError(f"not a frame (kind {kind})")
    s_shape, n_shape = head["surface_shape"], head["neurons_shape"]
    surface = np.frombuffer(raw, np.uint8, int(np.prod(s_shape)), head["surface_offset"])
    neurons = np.frombuffer(raw, np.uint8, int(np.prod(n_shape)), head["neurons_offset"])
    weights = np.frombuffer(raw, "<f4", head["n_weights"], head["weights_offset"])
    return head, surface.reshape(s_shape), neurons.reshape(n_shape), weights
