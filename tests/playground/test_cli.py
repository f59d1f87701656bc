"""``nnscratch playground`` on the command line: address, busy port, --host warning."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx2 as httpx

from nnscratch.cli import main
from nnscratch.cli.playground import default_port

SRC = str(Path(__file__).parents[2] / "src")


def test_a_busy_port_is_one_error_line_and_exit_2(capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["playground", "--port", str(port), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot listen on 127.0.0.1:{port}") and err.count("\n") == 1
    assert "pass another --port" in err


def test_the_default_port_depends_on_the_user() -> None:
    assert default_port() == 20000 + os.getuid() % 10000


def test_it_prints_the_address_and_serves_the_page() -> None:
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-m", "nnscratch", "playground", "--port", "0",
                             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        line = proc.stdout.readline()  # printed once the socket listens
        assert line.startswith("nnscratch playground: http://127.0.0.1:")
        url = line.split()[2]
        assert "nnscratch playground" in httpx.get(url).text
    finally:
        proc.terminate()
        proc.wait()
    assert "warning" not in proc.stderr.read()
