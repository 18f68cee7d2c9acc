"""How the workbench is served: Voila over ``dashboards/``, with the settings in one place
(``make run``, ``netspo serve`` and the browser tests all start it from here)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from netspo_lib.db import PROJECT_DIR

DASHBOARDS_DIR = PROJECT_DIR / "dashboards"
LANDING_PATH = "/voila/render/index.ipynb"
# Where Voila finds the workbench's page template «netspo» (voila/templates/netspo).
JUPYTER_DATA_DIR = Path(__file__).resolve().parent / "web" / "jupyter_data"
TEMPLATE = "netspo"
# Lab extensions the pages never use, left out of every page: plotly's renderer of static
# figures (4.8 MB of JavaScript; the pages draw FigureWidgets, whose code is the chart code
# below) and the highlighting of code cells (pages show no code).
UNUSED_EXTENSIONS = ("jupyterlab-plotly", "jupyterlab_pygments")


def chart_code_path() -> str:
    """Where the server hands out plotly's widget code (netspo_lib.web.auth), one address per
    plotly release so that browsers may keep it for good."""
    return f"/netspo/static/plotly-widget-{version('plotly')}.js"


def chart_pages() -> list[str]:
    """Notebook names (without .ipynb) of the pages that draw charts."""
    from netspo_lib.ui.pages import notebooks

    return [name.removesuffix(".ipynb") for name in notebooks("dashboard")]


def template_resources() -> dict[str, object]:
    """What the «netspo» template needs to know: the chart code and the pages that load it
    while the server is still building the page (index.html.j2)."""
    return {"netspo": {"chart_code": chart_code_path(), "chart_pages": chart_pages()}}


def run_voila(argv: list[str]) -> None:
    """Voila with the workbench's template on its search path (``python -m netspo_lib.serve``):
    the path travels with the command, so every way of starting the server gets it. Its
    preheated kernels start in the order of :func:`startup_delay`."""
    paths = [str(JUPYTER_DATA_DIR), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    import voila.app

    voila.app.voila_kernel_manager_factory = staggered(voila.app.voila_kernel_manager_factory)
    sys.argv = ["voila", *argv]
    voila.app.main()


REHEARSAL_ENV = "NETSPO_REHEARSAL"  # "0": a preheated dashboard kernel does not rehearse its page


def startup_delay(notebook: str | None) -> float:
    """Seconds after the server's start at which a page's first preheated kernel starts.

    Ten pages' kernels starting at once share two cores: the landing page, which everyone
    opens first, waited 7 s for its kernel behind the forms'. It starts at once, beside the
    menu's first dashboard (each has a core); the other dashboards follow one a second, the
    forms (opened by a few, later in the day) one every 3 s from the 10th second, so that a
    page opened meanwhile keeps a core for itself."""
    from netspo_lib.ui.pages import notebooks

    name = Path(notebook or "").name
    dashboards, forms = notebooks("dashboard"), notebooks("form")
    if name in dashboards:
        return 1.0 * dashboards.index(name)
    if name in forms:
        return 10.0 + 3.0 * forms.index(name)
    return 0.0  # the landing page, and any notebook the registry does not know


def staggered(factory: Callable[..., type]) -> Callable[..., type]:
    """Voila's kernel manager factory, with the first filling of each page's pool of
    preheated kernels delayed by :func:`startup_delay` (refills after use are Voila's own)."""

    def make(*args: Any, **kwargs: Any) -> type:
        manager = factory(*args, **kwargs)
        if not hasattr(manager, "fill_if_needed"):
            return manager  # preheating is off

        class StaggeredKernelManager(manager):  # type: ignore[misc, valid-type]
            _netspo_started = False

            def __init__(self, **options: Any) -> None:
                super().__init__(**options)  # fills every page's pool
                self._netspo_started = True

            def fill_if_needed(self, delay: float | None = None, notebook_name: str | None = None,
                               **options: Any) -> None:  # fmt: skip
                if not self._netspo_started and delay == 0:
                    delay = startup_delay(notebook_name)
                    # The server's first kernels skip the page's rehearsal (ui.rehearsal): ten
                    # kernels start on two cores; the kernels started later, one at a time
                    # after each visit, rehearse.
                    env = {**options.pop("extra_kernel_env_variables", {}), REHEARSAL_ENV: "0"}
                    options["extra_kernel_env_variables"] = env
                super().fill_if_needed(delay=delay, notebook_name=notebook_name, **options)

        return StaggeredKernelManager

    return make


def kernel_idle_seconds() -> int:
    """Seconds after which an idle page's kernel is stopped: ``NETSPO_KERNEL_IDLE_MINUTES``
    (default 30)."""
    try:
        minutes = int(os.environ.get("NETSPO_KERNEL_IDLE_MINUTES", "30"))
    except ValueError:
        minutes = 30
    return max(minutes, 1) * 60


def preheat_pool() -> int:
    """Kernels kept started per page, with the page's imports done, waiting for a user:
    ``NETSPO_PREHEAT_POOL`` (default 1; 0 turns preheating off)."""
    try:
        return max(int(os.environ.get("NETSPO_PREHEAT_POOL", "1")), 0)
    except ValueError:
        return 1


def preheat_options() -> list[str]:
    """Voila's preheated kernels: a page's notebook runs up to the point where it needs the
    user (netspo_lib.ui.page waits there for the request), so a user waits only for the
    queries and the drawing, not for Python and the libraries to start."""
    pool = preheat_pool()
    if pool == 0:
        return []
    return ["--VoilaConfiguration.preheat_kernel=True", f"--VoilaConfiguration.default_pool_size={pool}"]


def voila_command(host: str = "127.0.0.1", port: int = 8866) -> list[str]:
    return [
        sys.executable,
        "-m",
        "netspo_lib.serve",
        str(DASHBOARDS_DIR),
        f"--template={TEMPLATE}",
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",
        "--show_tracebacks=False",  # no Python traceback reaches a user
        "--strip_sources=True",  # pages never show their code
        "--theme=light",
        f"--VoilaConfiguration.resources={json.dumps(template_resources())}",
        *(f"--VoilaConfiguration.extension_denylist={name}" for name in UNUSED_EXTENSIONS),
        # Sign-in: every page, kernel and websocket needs an open session (netspo_lib.web.auth),
        # and each page's kernel learns who it serves from the session cookie.
        "--Voila.identity_provider_class=netspo_lib.web.auth.NetspoIdentityProvider",
        "--VoilaConfiguration.http_header_envs=Cookie",
        *preheat_options(),
        # A page left open and idle gives its kernel back after a while (many users, one host).
        f"--MappingKernelManager.cull_idle_timeout={kernel_idle_seconds()}",
        "--MappingKernelManager.cull_interval=60",
        # Kernels talk to the server over Unix sockets, not TCP ports: ports picked at random
        # for the preheated kernels of every page can collide ("Address already in use"), and
        # a kernel that died that way was still handed to a visitor. No port is open either.
        "--KernelManager.transport=ipc",
    ]


def landing_url(host: str = "127.0.0.1", port: int = 8866) -> str:
    return f"http://{host}:{port}{LANDING_PATH}"


if __name__ == "__main__":
    run_voila(sys.argv[1:])
