"""Building blocks shared by every page: Russian messages instead of tracebacks, a progress
bar, file downloads, tables and filter choices.

A page's callbacks run inside :func:`guarded`, so a ``NetspoError`` becomes its Russian
message and anything else a generic Russian apology, with the details in the server log.
"""

from __future__ import annotations

import base64
import functools
import html
import importlib.util
import logging
import os
import re
import sys
import traceback
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import ipywidgets as w
import numpy as np
import pandas as pd

from netspo_lib.clock import fmt_date
from netspo_lib.errors import NetspoError

log = logging.getLogger("netspo.ui")

F = TypeVar("F", bound=Callable[..., Any])

INTERNAL_ERROR = (
    "Не удалось выполнить действие из-за внутренней ошибки. Данные не изменены. "
    "Сообщите администратору время ошибки: подробности записаны в журнал сервера."
)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
MIMES = {".xlsx": XLSX_MIME, ".csv": "text/csv", ".pptx": PPTX_MIME, ".png": "image/png"}


def message_html(text: str, kind: str = "error") -> str:
    """A coloured box with ``text`` escaped (kind: error, warning, info, success)."""
    colours = {
        "error": ("#fff1f0", "#cf222e"),
        "warning": ("#fff8c5", "#9a6700"),
        "info": ("#ddf4ff", "#0969da"),
        "success": ("#dafbe1", "#1a7f37"),
    }
    bg, fg = colours.get(kind, colours["info"])
    body = html.escape(text).replace("\n", "<br>")
    return (
        f'<div class="netspo-msg netspo-msg-{kind}" style="background:{bg};color:{fg};'
        f'border:1px solid {fg};border-radius:6px;padding:8px 12px;margin:6px 0">{body}</div>'
    )


class MessageArea(w.HTML):
    """Where a page tells the user what happened."""

    def show(self, text: str, kind: str = "error") -> None:
        self.value = message_html(text, kind)

    def clear(self) -> None:
        self.value = ""


def explain(exc: BaseException) -> str:
    """The Russian text a user sees for ``exc``; unexpected errors are logged in full."""
    if isinstance(exc, NetspoError):
        return exc.message
    log.error("Внутренняя ошибка страницы:\n%s", "".join(traceback.format_exception(exc)))
    return INTERNAL_ERROR


def guarded(messages: MessageArea) -> Callable[[F], F]:
    """Decorate a widget callback: errors become a Russian message in ``messages``."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                messages.show(explain(exc), "error")
                return None

        return inner  # type: ignore[return-value]

    return wrap


class Progress(w.VBox):
    """A progress bar with a caption; ``callback(done, total, text)`` fits the library's
    progress callbacks (imports, report packs, demo)."""

    def __init__(self) -> None:
        self.bar = w.IntProgress(value=0, min=0, max=100, layout=w.Layout(width="420px"))
        self.caption = w.Label("")
        super().__init__([self.bar, self.caption], layout=w.Layout(display="none"))

    def start(self, text: str = "") -> None:
        self.bar.value = 0
        self.caption.value = text
        self.layout.display = "flex"

    def callback(self, done: int, total: int, text: str = "") -> None:
        self.bar.max = max(total, 1)
        self.bar.value = min(done, self.bar.max)
        if text:
            self.caption.value = text

    def finish(self) -> None:
        self.layout.display = "none"


def download_html(data: bytes, filename: str, label: str | None = None) -> str:
    """A link that saves ``data`` as ``filename`` in the browser (a data: URI: the page needs
    no file server, and the file never lands in a served folder)."""
    mime = MIMES.get(Path(filename).suffix.lower(), "application/octet-stream")
    encoded = base64.b64encode(data).decode("ascii")
    text = html.escape(label or f"Скачать {filename}")
    return (
        f'<a class="netspo-download" download="{html.escape(filename)}" '
        f'href="data:{mime};base64,{encoded}" '
        f'style="display:inline-block;padding:6px 12px;border:1px solid #0969da;'
        f'border-radius:6px;text-decoration:none;color:#0969da">⬇ {text}</a>'
    )


def download_link(path: str | Path, label: str | None = None, filename: str | None = None) -> w.HTML:
    path = Path(path)
    return w.HTML(download_html(path.read_bytes(), filename or path.name, label))


def cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    if hasattr(value, "strftime") and hasattr(value, "year"):
        return fmt_date(value)  # type: ignore[arg-type]
    return str(value)


def _column_cells(column: pd.Series) -> list[str]:
    """The escaped :func:`cell_text` of every value of a column, a column at a time: a
    column of numbers needs no escaping and no test of each value's type (a drill-down's
    tables have hundreds of cells)."""
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else ""
    if kind == "f":
        return ["" if v != v else f"{v:.1f}".replace(".", ",") for v in column.tolist()]
    if kind in ("i", "u", "b"):
        return [str(v) for v in column.tolist()]
    return [html.escape(v if type(v) is str else cell_text(v)) for v in column]


def table_html(
    frame: pd.DataFrame,
    *,
    columns: Mapping[Any, str] | None = None,
    max_rows: int = 200,
    empty: str = "Нет данных.",
) -> str:
    """A DataFrame as an escaped HTML table (numbers with a decimal comma, dates dd.mm.yyyy).
    ``columns``: the columns shown and their headings, in order (default: every column under
    its own name), as ``frame[list(columns)].rename(columns=columns)`` without the copies."""
    if frame.empty:
        return f"<p style='color:#57606a'>{html.escape(empty)}</p>"
    shown = frame.head(max_rows)
    if columns is None:
        names = list(frame.columns)
        series = [column for _, column in shown.items()]
    else:
        names, series = list(columns.values()), [shown[c] for c in columns]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in names)
    cells = [_column_cells(column) for column in series]
    rows = ["<tr><td>" + "</td><td>".join(row) + "</td></tr>" for row in zip(*cells, strict=True)]
    more = ""
    if len(frame) > max_rows:
        more = f"<p style='color:#57606a'>Показаны первые {max_rows} строк из {len(frame)}.</p>"
    return (
        "<table class='netspo-table' style='border-collapse:collapse;font-size:13px'>"
        "<style>.netspo-table th,.netspo-table td{border:1px solid #d0d7de;padding:3px 8px}"
        ".netspo-table th{background:#f6f8fa}</style>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"
    )


def options(pairs: Iterable[tuple[str, Any]], *, everything: str | None = None) -> list[tuple[str, Any]]:
    """Dropdown options; ``everything`` adds a first choice with the value None («Все»)."""
    out: list[tuple[str, Any]] = [(everything, None)] if everything else []
    out.extend(pairs)
    return out


def file_name(title: str, suffix: str) -> str:
    """A safe file name from a chart's or report's Russian title."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", title))
    text = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", text)
    text = re.sub(r"\s+", " ", text).strip(" .")[:80]
    return (text or "график") + suffix


class PngButton(w.VBox):
    """«Скачать PNG» under a chart: renders the figure as the user sees it (Kaleido with the
    machine's Chromium) and offers the file; without a browser, says so in Russian."""

    def __init__(self, figure: Any) -> None:
        self.figure = figure
        self.button = w.Button(description="Скачать PNG", icon="download", tooltip="Картинка графика")
        self.link = w.HTML()
        self.button.on_click(self._render)
        super().__init__([self.button, self.link])

    def _render(self, _button: object = None) -> None:
        from netspo_lib.render import figure_to_png

        self.link.value = "<span style='color:#57606a'>Готовлю картинку…</span>"
        try:
            png = figure_to_png(
                self.figure, width=1200, height=max(int(self.figure.layout.height or 450), 400)
            )
        except Exception as exc:
            self.link.value = message_html(explain(exc), "error")
            return
        title = self.figure.layout.title.text or "график"
        self.link.value = download_html(png, file_name(title, ".png"), "Сохранить картинку")


class _LazyModule(types.ModuleType):
    """Stands for an installed module until one of its attributes is used; then the real
    module is imported and replaces it in ``sys.modules``. (The standard library's
    ``importlib.util.LazyLoader`` loads on any attribute, ``__spec__`` included, which
    plotly's import touches: nbformat would load at once.)"""

    def __getattr__(self, attr: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attr)


def lazy_module(name: str) -> None:
    """Put ``name`` in ``sys.modules`` as a module that loads on its first attribute use
    (an installed module not imported yet; otherwise nothing changes)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    stub = _LazyModule(name)
    stub.__spec__ = spec
    sys.modules[name] = stub


def load_chart_widgets() -> None:
    """Import plotly's FigureWidget with nbformat left lazy: plotly's renderers import
    nbformat for ``fig.show()`` (the pages never call it), and nbformat's jsonschema builds
    a URI grammar on import, about 3.5 s and 20 MB of every page's kernel."""
    if "plotly.basewidget" not in sys.modules:
        lazy_module("nbformat")
        import plotly.basewidget  # noqa: F401


def warm_up_charts() -> None:
    """Load plotly's figure machinery (validators, templates) once, about 2 s: a preheated
    page does it before any user arrives, so the first chart a user sees is drawn at once."""
    load_chart_widgets()
    import plotly.graph_objects as go

    fig = go.FigureWidget()
    fig.update_layout(
        title={"text": "—"}, template="plotly_white", separators=", ", legend={"orientation": "h"},
        yaxis={"title": "%"}, yaxis2={"overlaying": "y", "side": "right"}, barmode="stack",
    )  # fmt: skip
    fig.add_bar(x=[1], y=[1], marker_color="#1f4e79", customdata=[1])
    fig.add_scatter(x=[1], y=[1], mode="lines+markers")
    fig.add_heatmap(z=np.ones((1, 1)), x=["a"], y=["b"], colorscale="RdYlGn", hoverongaps=False)
    fig.data[0].on_click(lambda *_args: None)
    # Closed, or the page would send it along: the browser asks the kernel for every widget
    # alive, and this one carries the 5 MB of chart code in its state (0.7 s to run it again).
    fig.close()


def chart_code_url() -> str | None:
    """Where the browser finds plotly's widget code under Voila (served by
    netspo_lib.web.auth and cached by the browser), or None outside Voila. The origin is
    ``NETSPO_PUBLIC_URL`` when set (behind a TLS proxy), else the request's own host: the
    page's own origin, so that the copy the page template loaded early is the one used."""
    from netspo_lib.serve import chart_code_path

    if not os.environ.get("SERVER_NAME"):
        return None
    base = os.environ.get("NETSPO_PUBLIC_URL", "").rstrip("/")
    if not base:
        scheme = "https" if os.environ.get("NETSPO_SECURE_COOKIE") == "1" else "http"
        port = os.environ.get("SERVER_PORT", "")
        host = os.environ["SERVER_NAME"] + (f":{port}" if port and port not in ("80", "443") else "")
        base = f"{scheme}://{host}"
    return base + chart_code_path()


def sync_figures(widget: w.Widget) -> w.Widget:
    """Give every plotly FigureWidget in a widget tree its current data before the first
    display. Plotly sends a figure's changes as messages to views that exist and refreshes
    the synced state only when the figure itself is displayed (``_repr_mimebundle_``); a
    figure shown inside a box would otherwise appear empty."""
    import copy

    import plotly.graph_objects as go

    if isinstance(widget, go.FigureWidget):
        widget._widget_layout = copy.deepcopy(widget._layout_obj._props)
        widget._widget_data = copy.deepcopy(widget._data)
    for child in getattr(widget, "children", ()):
        sync_figures(child)
    return widget


def _with_png(child: w.Widget) -> w.Widget:
    import plotly.graph_objects as go

    if isinstance(child, go.FigureWidget):
        return w.VBox([child, PngButton(child)])
    return child


def select(dropdown: w.Dropdown, value: Any) -> None:
    """Choose ``value``; for None choose the «Все…» option by its index, because an
    ipywidgets Dropdown takes ``value=None`` for «nothing selected» and shows it blank."""
    if value is None and dropdown.options:
        first = dropdown.options[0]
        if isinstance(first, tuple) and first[1] is None:
            dropdown.index = 0
            return
    dropdown.value = value


def section(title: str, children: Sequence[w.Widget]) -> w.VBox:
    """A titled block of a page; every plotly chart in it gets a «Скачать PNG» button."""
    return w.VBox([w.HTML(f"<h3>{html.escape(title)}</h3>"), *(_with_png(c) for c in children)])
