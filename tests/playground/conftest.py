"""Fixtures of the playground tests: a real server on a free loopback port, a real browser.

The browser is Debian's chromium driven by Playwright (no browser download). Without it the
browser tests skip, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from nnscratch.playground import BackgroundServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser tests need {reason} (CI=true: a missing browser is a failure)")
    pytest.skip(f"browser tests need {reason}")


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright (pip install playwright)")
    if not os.path.exists(CHROMIUM):
        _unavailable(f"chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: BackgroundServer) -> Iterator[Any]:
    """A page of the server; any request to anywhere else is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    foreign: list[str] = []
    errors: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(server.url + "/") or url.startswith(f"ws://127.0.0.1:{server.port}/"):
            r.continue_()
        else:
            foreign.append(url)
            r.abort()

    context.route("**/*", route)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("websocket", lambda ws: None if ws.url.startswith(f"ws://127.0.0.1:{server.port}/")
          else foreign.append(ws.url))
    pg.foreign, pg.errors = foreign, errors
    yield pg
    context.close()
    assert not errors, f"page errors: {errors}"
    assert not foreign, f"the page asked for something outside the loopback server: {foreign}"
