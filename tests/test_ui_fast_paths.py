"""The dashboards' drawing shortcuts (issue 8: a click's time went to the widgets, not the
queries) give what the plain ways gave: the HTML tables cell for cell, the traces' values,
the charts' data in the browser (one message per chart, the heat map as a typed array),
the weeks and months of absences, and the filters' options after any narrowing."""

from __future__ import annotations

import base64
import html
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import plotly.basewidget
import pytest
from sqlalchemy.orm import Session

from netspo_lib.access import load_actor
from netspo_lib.enums import Role
from netspo_lib.reports import analytics as an
from netspo_lib.ui.common import cell_text, table_html
from netspo_lib.ui.dashboards.attendance import STACKED, hours_by_reason, weeks_and_months
from netspo_lib.ui.dashboards.base import figure, heat_grid, redraw, values
from netspo_lib.ui.dashboards.filters import ALL, Filters


def _table_by_rows(frame: pd.DataFrame, max_rows: int = 200, empty: str = "Нет данных.") -> str:
    """table_html the plain way: every cell of every row through cell_text."""
    if frame.empty:
        return f"<p style='color:#57606a'>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = [
        "<tr>" + "".join(f"<td>{html.escape(cell_text(v))}</td>" for v in record) + "</tr>"
        for record in frame.head(max_rows).itertuples(index=False)
    ]
    more = ""
    if len(frame) > max_rows:
        more = f"<p style='color:#57606a'>Показаны первые {max_rows} строк из {len(frame)}.</p>"
    return (
        "<table class='netspo-table' style='border-collapse:collapse;font-size:13px'>"
        "<style>.netspo-table th,.netspo-table td{border:1px solid #d0d7de;padding:3px 8px}"
        ".netspo-table th{background:#f6f8fa}</style>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"
    )


FRAMES = [
    pd.DataFrame(
        {
            "Доля": [1.0, np.nan, 2.25, -0.05, np.inf],
            "Число": [1, 2, 3, 4, 5],
            "Имя": ["<b>Иванов</b>", None, "А & Б", np.nan, "Ё"],
            "Флаг": [True, False, True, True, False],
            "Целое с пропуском": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "Дата": [date(2025, 1, 2), None, date(2024, 2, 3), date(2024, 2, 3), date(2024, 2, 3)],
            "Момент": pd.to_datetime(["2025-01-02", "2025-01-05", "2025-03-04", "2025-03-04", "2025-03-04"]),
            "Смесь": [1.5, "x", None, 3, datetime(2025, 1, 1, 10)],
            "uint8": np.array([1, 2, 3, 4, 5], dtype=np.uint8),
            "float32": np.array([1.25, 2, 3, 4, 5], dtype=np.float32),
        }
    ),
    pd.DataFrame({"x": range(300), "y": np.linspace(0, 1, 300)}),
    pd.DataFrame(columns=["a", "b"]),
    pd.DataFrame([[1, 2.5]], columns=["дубль", "дубль"]),
]


@pytest.mark.parametrize("frame", FRAMES)
def test_a_table_is_built_as_cell_by_cell(frame: pd.DataFrame) -> None:
    assert table_html(frame) == _table_by_rows(frame)
    assert table_html(frame, max_rows=3) == _table_by_rows(frame, max_rows=3)
    assert table_html(frame, empty="<нет>") == _table_by_rows(frame, empty="<нет>")


def test_chosen_columns_are_the_selected_and_renamed_frame() -> None:
    frame = FRAMES[0]
    chosen = {"Имя": "Студент <ФИО>", "Доля": "Доля, %", "Число": "N"}
    shown = frame[list(chosen)].rename(columns=chosen)
    assert table_html(frame, columns=chosen) == _table_by_rows(shown)


def test_values_are_plain_python_with_none_for_missing() -> None:
    def plain(series: pd.Series) -> list[Any]:
        return [None if pd.isna(v) else (float(v) if isinstance(v, float) else v) for v in series.tolist()]

    for series in [
        pd.Series([1.5, np.nan, 2.0]),
        pd.Series([1, 2, 3]),
        pd.Series([True, False]),
        pd.Series(["а", None, np.nan]),
        pd.Series(pd.array([1, None], dtype="Int64")),
        pd.Series(pd.array([1.5, None], dtype="Float64")),
        pd.Series(np.array([1.5, np.nan], dtype=np.float32)),
        pd.Series([], dtype=float),
    ]:
        got, expected = values(series), plain(series)
        assert got == expected and [type(v) for v in got] == [type(v) for v in expected]


def test_a_redraw_is_one_message_and_the_browser_gets_the_same_cells() -> None:
    fig = figure("Тест")
    fig.add_heatmap(z=[], x=[], y=[])
    fig.add_bar(x=[], y=[])
    sent: list[tuple[dict[str, Any], dict[str, Any]]] = []
    real = plotly.basewidget.BaseFigureWidget._send_update_msg

    def spy(restyle: dict[str, Any], relayout: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        sent.append((restyle, relayout))
        real(fig, restyle, relayout, *args, **kwargs)

    fig._send_update_msg = spy  # type: ignore[method-assign]
    table = pd.DataFrame(
        [[1.0, np.nan], [np.nan, 75.5], [3.0, 4.0]], index=["г1", "г2", "г3"], columns=["а", "б"]
    )
    redraw(
        fig,
        [
            {"x": list(table.columns), "y": list(table.index), "z": heat_grid(table)},
            {"x": ["a"], "y": [None]},
        ],
        title="Качество <знаний>",
        layout={"height": 400},
    )
    assert len(sent) == 1
    restyle, relayout = sent[0]
    assert relayout == {"title.text": "Качество &lt;знаний&gt;", "height": 400}
    spec = restyle["z"][0]
    assert spec["dtype"] == "f8" and spec["shape"] == "3, 2"
    cells = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.float64).reshape(3, 2)
    np.testing.assert_array_equal(cells, table.to_numpy())
    # In Python the figure holds the rows, as the checks of plotly would have kept them.
    heat = fig.data[0]
    assert [[None if v != v else v for v in row] for row in heat.z] == [[1.0, None], [None, 75.5], [3.0, 4.0]]
    assert list(heat.x) == ["а", "б"] and list(heat.y) == ["г1", "г2", "г3"]
    assert list(fig.data[1].y) == [None] and fig.layout.title.text == "Качество &lt;знаний&gt;"
    assert fig.layout.height == 400
    redraw(fig, [{"z": heat_grid(pd.DataFrame())}])  # an empty heat map: an empty list
    assert sent[-1][0]["z"] == [[]]


def test_weeks_and_months_equal_the_pandas_pivot(demo_college) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as session:
        actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
        choices = an.filter_choices(session, actor, an.Action.DASHBOARD_ATTENDANCE)
        checked = 0
        for year in sorted(set(choices.periods["academic_year_id"])):
            in_year = choices.periods[choices.periods["academic_year_id"] == year]
            for period in [None, *in_year["period_id"]]:
                for group in [None, *choices.groups["group_id"][:3]]:
                    days = an.attendance_over_time(
                        session, actor, freq="day", period_id=period, academic_year_id=year, group_id=group
                    )
                    got = weeks_and_months(days)
                    for freq in ("week", "month"):
                        table = hours_by_reason(an.rebucket(days, freq))
                        hours = {c.value: [int(v) for v in table[c.value]] for c in STACKED}
                        assert got[freq] == (list(table.index), hours)
                        checked += len(table)
        assert checked > 0


def _narrowed(f: Filters) -> dict[str, list[tuple[str, Any]]]:
    """The options each dropdown should offer under the chosen values, worked out anew."""
    rows = f.choices.groups
    out = {"department": sorted({(r.department, r.department_id) for r in rows.itertuples()})}
    if f.department.value is not None:
        rows = rows[rows["department_id"] == f.department.value]
    out["specialty"] = sorted({(r.specialty, r.specialty_id) for r in rows.itertuples()})
    if f.specialty.value is not None:
        rows = rows[rows["specialty_id"] == f.specialty.value]
    out["course"] = [(f"{c} курс", c) for c in sorted(set(rows["course"]))]
    if f.course.value is not None:
        rows = rows[rows["course"] == f.course.value]
    out["group"] = [(r.group, r.group_id) for r in rows.itertuples()]
    return {k: [(ALL, None), *v] for k, v in out.items()}


def test_the_filters_offer_what_the_chosen_values_allow(demo_college) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as session:
        actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
        choices = an.filter_choices(session, actor, an.Action.DASHBOARD_PERFORMANCE)
    f = Filters(choices)
    checked = 0
    for department in [None, *sorted(set(choices.groups["department_id"]))]:
        f.select(department=department, specialty=None, course=None, group=None)
        for specialty in [v for _, v in f.specialty.options]:
            f.select(specialty=specialty, course=None, group=None)
            for course in [v for _, v in f.course.options]:
                f.select(course=course, group=None)
                for name, offered in _narrowed(f).items():
                    assert [tuple(o) for o in getattr(f, name).options] == offered, (name, department, course)
                for group in [g for _, g in f.group.options][1:3]:
                    f.select(group=group)
                    assert f.group.value == group and _narrowed(f)["group"] == list(f.group.options)
                    checked += 1
    assert checked > 10
