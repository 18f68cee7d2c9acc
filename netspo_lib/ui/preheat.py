"""A preheated page's kernel waiting for its visitor.

Voila starts a kernel per page before anyone asks (``preheat_kernel``) and runs the page's
notebook up to the point where it needs the request. There the kernel asks the server on
``<server>/voila/query/<kernel id>`` and gets, when a visitor arrives, the request's
variables (the session cookie among them). This is the client side of that exchange, as
``voila.utils.wait_for_request`` does it, without importing Voila's server into every
kernel: that import alone (jupyter_server, jupyterlab_server) costs a kernel 2 s of CPU,
and ten pages' kernels start together on a server's first minute.
"""

from __future__ import annotations

import json
import logging
import os

log = logging.getLogger("netspo.ui")

OPEN_TIMEOUT_S = 5


def preheated() -> bool:
    return os.environ.get("VOILA_PREHEAT", "False") != "False"


def query_url() -> str:
    """Where the server hands this kernel its request (the address Voila's helper uses)."""
    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    ip = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{ip}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID', '')}"


def wait_for_request(url: str | None = None) -> bool:
    """In a preheated kernel, block until a visitor's request arrives and put its variables
    into the environment; True if they came. Elsewhere return False at once."""
    if not preheated():
        return False
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    try:
        with connect(url or query_url(), open_timeout=OPEN_TIMEOUT_S, max_size=None) as ws:
            message = ws.recv()
    except (OSError, TimeoutError, WebSocketException) as exc:
        # The server went away or never answered: the page goes on without a visitor and
        # shows the login prompt, as with Voila's own helper.
        log.warning("Запрос страницы не получен: %s", exc)
        return False
    for key, value in json.loads(message).items():
        os.environ[key] = value
    return True
