"""The playground's server: Starlette + uvicorn, one WebSocket per session.

Why this stack: the page needs two things from a server, its files and a two-way stream (controls
up, frames down, at up to 60 per second, with pause and edits taking effect at once). A WebSocket
carries both directions and binary frames in one connection; server-sent events would need a
second channel for the controls and base64 for binary frames. Starlette is a small, well-kept ASGI
toolkit (routing, static files without path traversal, a TestClient for the tests) and uvicorn
(with its ``websockets-sansio`` implementation: the websockets library's current protocol, not
its deprecated legacy server) is its standard server, with a cap on message size
(``ws_max_size``). Training runs in one thread per session (session.py), never in the event loop,
so a slow network never blocks the server.

Safe by default (each refused request gets a message, never a crash):

- it binds 127.0.0.1 unless the user passes ``--host`` (and then the CLI warns);
- every HTTP and WebSocket request must carry a Host header naming a loopback name (or the
  ``--host`` given) with the server's port: a DNS-rebinding page cannot reach it;
- a WebSocket must come from the server's own origin (``Origin: http://127.0.0.1:PORT``): another
  site the user visits cannot drive it (cross-site WebSocket hijacking);
- messages are capped (uvicorn's ``ws_max_size`` and :func:`protocol.parse_message`), so are
  points, layers, neurons, steps per frame, uploads and concurrent sessions (caps.py);
- only the files of the package's ``static`` folder are served (Starlette's StaticFiles);
  a Content-Security-Policy keeps the page itself from loading anything from elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from nnscratch.playground.caps import MAX_MESSAGE_BYTES, MAX_SESSIONS, Refused, caps
from nnscratch.playground.handlers import handle
from nnscratch.playground.protocol import parse_message
from nnscratch.playground.session import Mailbox, Session

STATIC = Path(__file__).parent / "static"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
log = logging.getLogger("nnscratch.playground")


class Guard:
    """ASGI middleware: Host and Origin checks, security headers on every response."""

    def __init__(self, app: ASGIApp, port: int, host: str) -> None:
        self.app = app
        names = {*LOOPBACK, f"[{host}]" if ":" in host else host}
        self.hosts = {f"{name}:{port}" for name in names}
        self.origins = {f"http://{h}" for h in self.hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        problem = None
        if host not in self.hosts:
            problem = (f"refused: Host {host!r:.60} is not this server's ({sorted(self.hosts)[0]}"
                       "); the playground answers only its own loopback address")
        elif scope["type"] == "websocket" and headers.get("origin") not in self.origins:
            problem = (f"refused: a WebSocket from origin {headers.get('origin')!r:.60}; only "
                       "the playground's own page may connect")
        if problem is not None:
            log.warning(problem)
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": problem[:120]})
            else:
                await PlainTextResponse(problem, status_code=403)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", CSP.encode()),
                         (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"),
                         (b"cache-control", b"no-store")]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(port: int, host: str = "127.0.0.1", max_sessions: int = MAX_SESSIONS) -> ASGIApp:
    """The playground as an ASGI app for a server listening on ``host:port``."""
    active = {"sessions": 0}

    async def index(request: Any) -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    async def stream(ws: WebSocket) -> None:
        await ws.accept()
        if active["sessions"] >= max_sessions:
            await ws.send_json({"type": "error", "fatal": True, "message": (
                f"the playground already has {max_sessions} open sessions (the cap): close "
                "another playground tab, then reload this one")})
            await ws.close(code=1013)
            return
        active["sessions"] += 1
        try:
            await _serve_session(ws)
        finally:
            active["sessions"] -= 1

    routes = [Route("/", index), Mount("/static", StaticFiles(directory=STATIC), name="static"),
              WebSocketRoute("/ws", stream)]
    app = Starlette(routes=routes)
    app.state.active = active
    return Guard(app, port, host)


async def _serve_session(ws: WebSocket) -> None:
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()
    texts: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=256)

    def notify() -> None:
        loop.call_soon_threadsafe(wake.set)

    def say(message: dict[str, Any]) -> None:  # from any thread; drops when the page lags far
        def put() -> None:
            if not texts.full():
                texts.put_nowait(message)
            wake.set()
        loop.call_soon_threadsafe(put)

    mailbox = Mailbox(notify)
    session = await run_in_threadpool(Session, mailbox, say)
    await ws.send_json({"type": "hello", "caps": caps()})
    await ws.send_json(session.describe())
    session.publish_initial()

    async def sender() -> None:
        while True:
            await wake.wait()
            wake.clear()
            while not texts.empty():
                await ws.send_json(texts.get_nowait())
            frame = mailbox.take()  # the newest frame; older ones were replaced
            if frame is not None:
                await ws.send_bytes(frame)

    send_task = asyncio.create_task(sender())
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            try:
                msg = parse_message(message.get("text") if message.get("text") is not None
                                    else None)
                replies = await run_in_threadpool(handle, session, msg)
            except Refused as exc:
                replies = [{"type": "error", "message": str(exc)}]
            except Exception as exc:  # a bug must not take the server down
                log.exception("playground: internal error")
                replies = [{"type": "error", "message": f"internal error: "
                            f"{type(exc).__name__}: {exc}"}]
            for reply in replies:
                if isinstance(reply, bytes):
                    await ws.send_bytes(reply)
                else:
                    await ws.send_json(reply)
    except WebSocketDisconnect:
        pass
    finally:
        send_task.cancel()
        await run_in_threadpool(session.stop)  # a closed tab stops its training


class Server(uvicorn.Server):
    """uvicorn's server with a ``ready`` event, set once it listens (or once it gave up)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (``OSError`` when the port is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def make_server(sock: socket.socket, host: str, max_sessions: int = MAX_SESSIONS) -> Server:
    """A uvicorn server of the playground on a bound socket."""
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(port, host, max_sessions), ws="websockets-sansio",
                            ws_max_size=MAX_MESSAGE_BYTES, log_level="warning", lifespan="off")
    config.load()
    return Server(config)


class BackgroundServer:
    """The playground served from a thread on a free loopback port (tests, benchmarks).

    ``with BackgroundServer() as srv: srv.url`` — ready when the ``with`` body starts.
    """

    def __init__(self, max_sessions: int = MAX_SESSIONS) -> None:
        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server(self.sock, "127.0.0.1", max_sessions)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True, name="nnscratch-playground-server")

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        self.server.ready.wait()
        if not self.server.started:
            raise RuntimeError("the playground server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join()
        self.sock.close()
