"""A preheated page's kernel gets its visitor's request from the server (netspo_lib.ui.preheat):
the variables arrive into the environment, and a server that is gone does not hang the page."""

from __future__ import annotations

import json
import os
import socket
import threading

import pytest
from websockets.sync.server import serve

from netspo_lib.ui.preheat import wait_for_request

from .fresh_process import modules_loaded


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def preheated_env(monkeypatch: pytest.MonkeyPatch) -> int:
    port = _free_port()
    for key, value in {
        "VOILA_PREHEAT": "True",
        "VOILA_APP_IP": "127.0.0.1",
        "VOILA_APP_PORT": str(port),
        "VOILA_SERVER_URL": "/",
        "VOILA_KERNEL_ID": "k-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("VOILA_WS_BASE_URL", raising=False)
    monkeypatch.delenv("HTTP_COOKIE", raising=False)
    return port


def test_the_request_of_the_visitor_reaches_the_kernels_environment(preheated_env: int) -> None:
    asked: list[str] = []

    def handler(ws) -> None:  # type: ignore[no-untyped-def]
        asked.append(ws.request.path)
        ws.send(json.dumps({"HTTP_COOKIE": "netspo_session=abc", "SERVER_NAME": "college.example"}))

    with serve(handler, "127.0.0.1", preheated_env) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            assert wait_for_request() is True
        finally:
            server.shutdown()
    assert asked == ["/voila/query/k-1"]
    assert os.environ["HTTP_COOKIE"] == "netspo_session=abc"
    assert os.environ["SERVER_NAME"] == "college.example"


def test_a_server_that_is_gone_lets_the_page_go_on_without_a_visitor(preheated_env: int) -> None:
    assert wait_for_request() is False  # nobody listens on the port
    assert "HTTP_COOKIE" not in os.environ


def test_outside_a_preheated_kernel_nothing_is_awaited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    assert wait_for_request() is False


def test_a_page_kernel_does_not_import_voilas_server() -> None:
    """Voila's own helper imports jupyter_server and jupyterlab_server into each kernel: 2 s
    of CPU for each of the ten pages' kernels when the server starts."""
    code = (
        "from netspo_lib.ui.landing import landing\n"
        "from netspo_lib.ui.page import wait_for_user\n"
        "wait_for_user()\n"
    )
    assert modules_loaded(code, ["voila", "jupyter_server", "jupyterlab_server"]) == []
