"""How the workbench is served: Voila over ``dashboards/``, with the settings in one place
(``make run``, ``netspo serve`` and the browser tests all start it from here)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from netspo_lib.db import PROJECT_DIR

DASHBOARDS_DIR = PROJECT_DIR / "dashboards"
LANDING_PATH = "/voila/render/index.ipynb"


def voila_executable() -> str:
    """The ``voila`` next to this Python (the project's venv), else the one on PATH."""
    return shutil.which("voila", path=str(Path(sys.executable).parent)) or "voila"


def voila_command(host: str = "127.0.0.1", port: int = 8866) -> list[str]:
    return [
        voila_executable(),
        str(DASHBOARDS_DIR),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",
        "--show_tracebacks=False",  # no Python traceback reaches a user
        "--strip_sources=True",  # pages never show their code
        "--theme=light",
        # Sign-in: every page, kernel and websocket needs an open session (netspo_lib.web.auth),
        # and each page's kernel learns who it serves from the session cookie.
        "--Voila.identity_provider_class=netspo_lib.web.auth.NetspoIdentityProvider",
        "--VoilaConfiguration.http_header_envs=Cookie",
    ]


def landing_url(host: str = "127.0.0.1", port: int = 8866) -> str:
    return f"http://{host}:{port}{LANDING_PATH}"
