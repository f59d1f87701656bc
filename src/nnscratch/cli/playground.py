"""``nnscratch playground``: a local web page that shows the engine training a network, live.

Serves on 127.0.0.1 (loopback only) at a port derived from your user id, so two users of one
machine do not clash; opens the browser unless --no-browser. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Any

from nnscratch.cli._common import CLIError

BASE_PORT = 20000


def default_port() -> int:
    """20000 + (user id mod 10000): one port per user of the machine."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return BASE_PORT + uid % 10000


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port in 0..65535 (0: any free port), "
                                         f"got {value}")
    return value


def add_parser(sub: Any) -> None:
    p = sub.add_parser("playground", help="watch the network learn, live, in the browser",
                       description=__doc__)
    p.add_argument("--port", type=_port, default=None,
                   help=f"port to serve on (default: {default_port()}, from your user id; 0: any "
                        "free port)")
    p.add_argument("--host", default=None,
                   help="address to bind (default 127.0.0.1; anything else exposes the "
                        "playground to the network, with a warning)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nnscratch.playground import bind, make_server

    host = args.host or "127.0.0.1"
    port = args.port if args.port is not None else default_port()
    if args.host is not None and host not in ("127.0.0.1", "localhost", "::1"):
        warnings.warn(f"--host {host}: the playground is reachable from other machines on this "
                      "network; anyone who can reach it can train on this computer",
                      UserWarning, stacklevel=1)
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise CLIError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (another "
                       "playground, or another program, uses it); pass another --port") from None
    port = sock.getsockname()[1]  # --port 0: a free port
    server = make_server(sock, host)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    print(f"nnscratch playground: {url}  (Ctrl-C to stop)", flush=True)
    if not args.no_browser:
        import webbrowser

        try:
            webbrowser.open(url)
        except webbrowser.Error:
            print("could not open a browser; open the address above", file=sys.stderr)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
