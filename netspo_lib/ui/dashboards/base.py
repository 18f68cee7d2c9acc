"""What the four dashboards share: the access check at opening, short-lived sessions,
a message area, and plotly figures set up in Russian (decimal comma, dd.mm.yyyy)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib.access import Action, Actor
from netspo_lib.db import session_factory
from netspo_lib.reports.analytics import FilterChoices, filter_choices
from netspo_lib.ui.common import MessageArea, explain

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


def figure(title: str, *, height: int = 380, **layout: Any) -> go.FigureWidget:
    """An empty FigureWidget with a Russian title and Russian number and date formats."""
    fig = go.FigureWidget()
    fig.update_layout(
        title={"text": html.escape(title)},
        separators=SEPARATORS,
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
        legend={"orientation": "h", "y": -0.2},
        template="plotly_white",
        **layout,
    )
    return fig


def set_title(fig: go.FigureWidget, title: str) -> None:
    fig.layout.title.text = html.escape(title)


def values(series: pd.Series) -> list[Any]:
    """A column as plain Python values for a trace (NaN and pandas NA become None)."""
    return [None if pd.isna(v) else (float(v) if isinstance(v, float) else v) for v in series.tolist()]


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

    def _header(self) -> w.HTML:
        return w.HTML(f"<h2>{html.escape(self.title)}</h2>")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A short-lived read session: nothing is held between interactions."""
        with self._sessions() as session:
            yield session

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
