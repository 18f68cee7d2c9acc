"""What the four dashboards share: the access check at opening, short-lived sessions,
a message area, and plotly figures set up in Russian (decimal comma, dd.mm.yyyy)."""

from __future__ import annotations

import base64
import html
import os
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import ipywidgets as w
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import sqlalchemy as sa
from plotly.basedatatypes import BaseFigure, Undefined
from sqlalchemy.orm import Session

from netspo_lib.access import Action, Actor
from netspo_lib.db import session_factory
from netspo_lib.reports.analytics import FilterChoices, filter_choices
from netspo_lib.ui.common import MessageArea, chart_code_url, explain, load_chart_widgets

load_chart_widgets()

T = TypeVar("T")

# Plotly: decimal comma and a thin space between thousands, as Russian documents write numbers.
SEPARATORS = ", "
DATE_FORMAT = "%d.%m.%Y"
COLOURS = {
    "excused": "#4c9be8",
    "sick": "#9ecae1",
    "unexcused": "#e4572e",
    "late": "#f3a712",
    "exempt": "#bbbbbb",
}


class Chart(go.FigureWidget):
    """A FigureWidget that names the server's copy of plotly's chart code from its very first
    message (:func:`chart_code_url`). A plain FigureWidget opens with the 5 MB of code in its
    state and is pointed at the address afterwards: 40 ms of the kernel's time per chart, on
    every page a visitor opens. Outside Voila the code itself, as plotly ships it."""

    @property
    def _esm(self) -> str:  # read once, by anywidget, as the chart opens
        return chart_code_url() or str(go.FigureWidget._esm)


def figure(title: str, *, height: int = 380, **layout: Any) -> go.FigureWidget:
    """An empty chart with a Russian title and Russian number and date formats."""
    # The template given at creation: set afterwards, plotly would apply its default
    # template first and then this one (two validated copies of a template per chart).
    fig = Chart(layout={"template": "plotly_white"})
    fig.update_layout(
        title={"text": html.escape(title)},
        separators=SEPARATORS,
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
        legend={"orientation": "h", "y": -0.2},
        **layout,
    )
    return fig


def set_title(fig: go.FigureWidget, title: str) -> None:
    fig.layout.title.text = html.escape(title)


def values(series: pd.Series) -> list[Any]:
    """A column as plain Python values for a trace (NaN and pandas NA become None)."""
    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else ""  # not pandas' nullable
    if kind in ("i", "u", "b"):  # never missing; ``tolist`` gives Python's numbers
        return series.tolist()  # type: ignore[no-any-return]
    if kind == "f":
        return [None if v != v else v for v in series.tolist()]  # NaN: the one value != itself
    return [None if pd.isna(v) else (float(v) if isinstance(v, float) else v) for v in series.tolist()]


def heat_grid(table: pd.DataFrame) -> np.ndarray:
    """A heat map's cells as one C-ordered array of floats (NaN: an empty cell, a gap as
    None is), for :func:`redraw`."""
    return np.ascontiguousarray(table.to_numpy(dtype=np.float64))


def _typed_array(grid: np.ndarray) -> dict[str, str] | list[Any]:
    """A 2-D array as plotly.js's typed array (``dtype``, base64 ``bdata``, ``shape``): one
    string for the browser, where a nested list of a college's 26 000 cells is walked value
    by value by the widget's serialisers (several milliseconds per redraw)."""
    if grid.size == 0:
        return []
    rows, columns = grid.shape
    return {"dtype": "f8", "bdata": base64.b64encode(grid).decode("ascii"), "shape": f"{rows}, {columns}"}


def redraw(
    fig: go.FigureWidget,
    traces: Sequence[Mapping[str, Any]] = (),
    *,
    title: str | None = None,
    layout: Mapping[str, Any] | None = None,
) -> None:
    """Change the first ``len(traces)`` traces (``traces[i]``: top-level property → value of
    trace i), the title and ``layout`` (``"title.text"``-style paths) of a figure in one
    message to the browser, as ``batch_update`` would.

    This is ``fig.plotly_update`` without its work per value and per key: plotly checks
    every value (a college's heat map has 26 000 cells), resolves each key against the
    schema and looks for change callbacks (the pages register none), about 0.5 ms a chart
    and most of a drill-down's time. The values are already plain (:func:`values`, numbers,
    strings) and the keys the pages' own. A 2-D array of floats (:func:`heat_grid`) is kept
    in the figure as its rows and sent as a typed array (:func:`_typed_array`)."""
    restyle: dict[str, list[Any]] = {}
    for i, props in enumerate(traces):
        for key, value in props.items():
            sent = value
            if isinstance(value, np.ndarray) and value.ndim == 2:
                value, sent = list(value), _typed_array(value)
            fig._data[i][key] = value
            restyle.setdefault(key, [Undefined] * len(traces))[i] = sent
    relayout = dict(layout or {})
    if title is not None:
        relayout["title.text"] = html.escape(title)
    for path, value in relayout.items():
        BaseFigure._set_in(fig._layout, path, value)
    fig._send_update_msg(restyle, relayout, list(range(len(traces))))


def russian_number(value: object, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".replace(",", "\u00a0").replace(".", ",")
    return f"{value:,}".replace(",", "\u00a0")


def card(label: str, value: object, suffix: str = "", digits: int = 1) -> str:
    text = russian_number(value, digits)
    if text != "—":
        text += suffix
    return (
        '<div style="display:inline-block;min-width:150px;margin:0 10px 10px 0;padding:10px 14px;'
        'border:1px solid #d0d7de;border-radius:8px;background:#f6f8fa">'
        f'<div style="font-size:24px;font-weight:600;color:#1f4e79">{html.escape(text)}</div>'
        f'<div style="color:#57606a">{html.escape(label)}</div></div>'
    )


def memo_seconds() -> float:
    """How long a page reuses an answer (``NETSPO_DASHBOARD_MEMO_SECONDS``, default 300):
    going back to filters seen a minute ago costs nothing, and what others entered since
    shows within minutes without a reload."""
    try:
        return max(0.0, float(os.environ.get("NETSPO_DASHBOARD_MEMO_SECONDS", "300")))
    except ValueError:
        return 300.0


class Memo:
    """What a page computed, keyed on the exact inputs (the filters' values): going back to
    filters seen before (the college after a department, the previous period) redraws from
    memory instead of asking the database again. Bounded in size and in age
    (:func:`memo_seconds`); the library checked the access when it answered."""

    def __init__(self, size: int = 32, seconds: float | None = None) -> None:
        self.size = size
        self.seconds = memo_seconds() if seconds is None else seconds
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        if key in self._items:
            stamp, value = self._items[key]
            if now - stamp <= self.seconds:
                self._items.move_to_end(key)
                return value  # type: ignore[no-any-return]
            del self._items[key]
        value = compute()
        self._items[key] = (now, value)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)


class Dashboard:
    """Base of a dashboard page: ``widget`` is the root; ``messages`` shows refusals and
    errors in Russian; ``denied`` is True when the actor may not open the page (then the
    page shows the refusal only)."""

    title = ""
    action: Action

    def __init__(self, engine: sa.Engine, actor: Actor) -> None:
        self.engine = engine
        self.actor = actor
        self._sessions = session_factory(engine)
        self.messages = MessageArea()
        self.denied = False
        self.choices: FilterChoices | None = None
        self.widget: w.Widget = w.VBox([self._header(), self.messages])
        self.memo = Memo()
        # What each chart was last drawn from, and how many times it was drawn: a change
        # redraws only the charts whose inputs changed.
        self._drawn: dict[str, Hashable] = {}
        self.redraws: Counter[str] = Counter()

    def _header(self) -> w.HTML:
        return w.HTML(f"<h2>{html.escape(self.title)}</h2>")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A short-lived read session: nothing is held between interactions."""
        with self._sessions() as session:
            yield session

    def call(self, func: Callable[..., T], **kwargs: Any) -> T:
        """``func(session, actor, **kwargs)`` of the library in a short session (the library
        checks the actor's access)."""
        with self.session() as session:
            return func(session, self.actor, **kwargs)

    def ask(self, func: Callable[..., T], **kwargs: Any) -> T:
        """:meth:`call`, once per distinct arguments in the page's life (see :class:`Memo`)."""
        key = (func.__module__, func.__qualname__, tuple(sorted(kwargs.items())))
        return self.memo.get(key, lambda: self.call(func, **kwargs))

    def stale(self, chart: str, inputs: Hashable) -> bool:
        """True when ``chart`` was not drawn yet from ``inputs`` (then it must be redrawn)."""
        return self._drawn.get(chart, object()) != inputs

    def drawn(self, chart: str, inputs: Hashable) -> None:
        """Record that ``chart`` now shows ``inputs``."""
        self._drawn[chart] = inputs
        self.redraws[chart] += 1

    def _open(self) -> bool:
        """Check the right to the page and load the filters' choices; on refusal the page
        shows the Russian message and nothing else."""
        try:
            with self.session() as session:
                self.choices = filter_choices(session, self.actor, self.action)
        except Exception as exc:  # a refusal or an error becomes a message
            self.denied = True
            self.messages.show(explain(exc), "error")
            return False
        return True
