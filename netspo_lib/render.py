"""Plotly figures to PNG with Kaleido, driving the machine's Chromium (issue 7).

Kaleido 1.x needs a Chrome-like browser; nothing is downloaded at run time: the browser is
``NETSPO_CHROMIUM``, else Debian's ``/usr/bin/chromium``, else ``chromium`` or
``google-chrome`` on PATH. Without one, the caller gets a Russian message saying what to
install. Several figures are rendered in one browser session (Kaleido starts a browser per
call, about 3 s).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go

from netspo_lib.errors import NetspoError

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
NO_BROWSER = (
    "Чтобы сохранить графики картинками, нужен браузер Chromium: установите пакет chromium "
    "(sudo apt-get install chromium) или укажите путь к браузеру в переменной NETSPO_CHROMIUM."
)


class NoBrowser(NetspoError):
    """No Chromium to render charts with."""


def chromium_path() -> str | None:
    configured = os.environ.get("NETSPO_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in CANDIDATES:
        if Path(candidate).exists():
            return candidate
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def figures_to_png(
    figures: Sequence[go.Figure], *, width: int = 1200, height: int = 640, scale: float = 1.5
) -> list[bytes]:
    """PNG bytes of each figure, rendered by Chromium through Kaleido."""
    if not figures:
        return []
    browser = chromium_path()
    if browser is None:
        raise NoBrowser(NO_BROWSER)
    os.environ["BROWSER_PATH"] = browser  # where Kaleido's choreographer looks
    import plotly.io as pio

    plain = [go.Figure(f) for f in figures]  # FigureWidgets too
    with tempfile.TemporaryDirectory(prefix="netspo-png-") as folder:
        paths = [Path(folder) / f"chart-{i}.png" for i in range(len(plain))]
        try:
            pio.write_images(plain, paths, format="png", width=width, height=height, scale=scale)
        except Exception as exc:  # the browser failed to start or crashed
            if "chrom" in str(exc).lower() or "browser" in str(exc).lower():
                raise NoBrowser(f"{NO_BROWSER} (Chromium: {browser})") from exc
            raise
        return [p.read_bytes() for p in paths]


def figure_to_png(figure: go.Figure, **size: int) -> bytes:
    return figures_to_png([figure], **size)[0]  # type: ignore[arg-type]
