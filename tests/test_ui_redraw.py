"""The dashboards redraw only what changes (issue 8): a click redraws the charts whose
inputs changed and leaves the others as they were; filters seen before are drawn again from
the page's memo without asking the database; the attendance page runs its consolidated
query once per filter change. The library's calls are counted with wrappers around the
real functions (the demo database answers them)."""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from netspo_lib.access import load_actor
from netspo_lib.enums import Role
from netspo_lib.reports import analytics as an
from netspo_lib.ui.dashboards import AttendanceDashboard, PerformanceDashboard

from .fresh_process import modules_loaded


@pytest.fixture(scope="module")
def deputy(demo_college):  # type: ignore[no-untyped-def]
    _, engine, built = demo_college
    with Session(engine) as session:
        return engine, load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])


def _count_calls(monkeypatch: pytest.MonkeyPatch, names: list[str]) -> Counter[str]:
    """Wrap analytics functions so that each call is counted as «name» and «name:by»."""
    calls: Counter[str] = Counter()
    for name in names:
        real = getattr(an, name)

        @functools.wraps(real)  # the same name: the page's memo keys on it
        def wrapper(*args: Any, _real: Callable[..., Any] = real, _name: str = name, **kwargs: Any) -> Any:
            calls[_name] += 1
            if "by" in kwargs:
                calls[f"{_name}:{kwargs['by']}"] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(an, name, wrapper)
    return calls


def _messages(figures: dict[str, Any]) -> Counter[str]:
    """Count what plotly sends the browser for each figure (restyle, relayout, update)."""
    sent: Counter[str] = Counter()
    for name, fig in figures.items():
        for method in ("_send_restyle_msg", "_send_relayout_msg", "_send_update_msg"):
            real = getattr(fig, method)

            def wrapper(*args: Any, _real: Callable[..., Any] = real, _name: str = name, **kw: Any) -> Any:
                sent[_name] += 1
                return _real(*args, **kw)

            setattr(fig, method, wrapper)
    return sent


def _data(fig: Any) -> list[dict[str, Any]]:
    return json.loads(fig.to_json())["data"]  # type: ignore[no-any-return]


def test_a_drill_down_redraws_only_the_affected_charts(deputy, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine, actor = deputy
    d = PerformanceDashboard(engine, actor)
    assert not d.denied and d.by.value == "department"
    figures = {n: getattr(d, f"fig_{n}") for n in ("units", "trend", "heatmap", "departments")}
    sent = _messages(figures)
    college = {n: _data(f) for n, f in figures.items()}
    calls = _count_calls(monkeypatch, ["performance_by", "performance_trend", "discipline_matrix"])

    # A department's bar: its groups, its trend and heat map; the comparison of departments
    # (it depends on the period alone) is not touched.
    d.drill_down(d.fig_units.data[0].customdata[0])
    assert d.by.value == "group"
    assert set(sent) == {"units", "trend", "heatmap"}
    assert _data(d.fig_departments) == college["departments"]
    assert calls["performance_by"] == 2 and calls["performance_by:department"] == 0

    # Another measure of the heat map redraws the heat map alone, without a query.
    sent.clear()
    calls.clear()
    d.metric.value = "mean"
    assert set(sent) == {"heatmap"} and calls["discipline_matrix"] == 1
    d.metric.value = "quality_pct"  # seen before: from the memo
    assert calls["discipline_matrix"] == 1

    # Another level of the units chart: the units chart alone.
    sent.clear()
    d.by.value = "course"
    assert set(sent) == {"units"}

    # Back to the college: every chart as first drawn, and no query (the memo).
    d.by.value = "group"
    calls.clear()
    sent.clear()
    d.drill_up()
    assert d.filters.department.value is None and d.by.value == "department"
    assert sum(calls.values()) == 0
    assert {n: _data(f) for n, f in figures.items()} == college
    assert "departments" not in sent
    assert d.messages.value == ""


def test_the_same_filters_again_redraw_nothing(deputy, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine, actor = deputy
    d = PerformanceDashboard(engine, actor)
    drawn = dict(d.redraws)
    calls = _count_calls(monkeypatch, ["performance_by", "performance_trend", "discipline_matrix"])
    d.refresh()
    assert dict(d.redraws) == drawn and sum(calls.values()) == 0


def test_attendance_runs_its_consolidated_query_once_per_filter_change(deputy, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine, actor = deputy
    d = AttendanceDashboard(engine, actor)
    assert not d.denied and d.by.value == "group"
    calls = _count_calls(monkeypatch, ["attendance_by", "attendance_over_time"])
    first = {n: _data(getattr(d, f"fig_{n}")) for n in ("weeks", "months", "groups", "units")}
    department = d.filters.department.options[1][1]
    group = next(
        g for _, g in d.filters.group.options if g is not None and d.filters.group_department(g) == department
    )

    d.filters.select(department=department, group=group)
    assert calls["attendance_by:group"] == 1  # the chart of groups and the consolidated table
    assert calls["attendance_by:student"] == 1  # both lists of students
    assert calls["attendance_over_time"] == 1  # weeks and months
    with Session(engine) as session:
        expected = an.attendance_by(
            session, actor, by="group", sort="label", period_id=d.filters.period.value,
            academic_year_id=d.filters.year.value, department_id=department, group_id=group,
        )  # fmt: skip
    assert list(d.fig_units.data[1].x) == list(expected["label"])

    # Back to every group: drawn again from the memo, as first drawn.
    calls.clear()
    d.filters.select(department=None, group=None)
    assert sum(calls.values()) == 0
    assert {n: _data(getattr(d, f"fig_{n}")) for n in ("weeks", "months", "groups", "units")} == first
    assert d.messages.value == ""


def test_a_dashboard_kernel_loads_only_what_its_page_needs() -> None:
    """A page's kernel imports its own dashboard and plotly's widget, not the Excel
    writers, the other pages or nbformat's jsonschema (seconds and megabytes per kernel)."""
    code = (
        "from netspo_lib.ui.page import show\n"
        "from netspo_lib.ui.pages import page_by_notebook\n"
        "from netspo_lib.ui.common import warm_up_charts\n"
        "page_by_notebook('performance.ipynb').build_class()\n"
        "warm_up_charts()\n"
    )
    heavy = ["openpyxl", "xlsxwriter", "jsonschema", "netspo_lib.tables", "netspo_lib.reports.catalog",
             "netspo_lib.ui.dashboards.control", "netspo_lib.ui.dashboards.activity"]  # fmt: skip
    assert modules_loaded(code, heavy) == []


def test_control_recomputes_the_deadlines_only_for_their_inputs(deputy, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The deadline violations depend on the day and the department: another period or
    group redraws the journals' part alone."""
    from netspo_lib.ui.dashboards import control

    engine, actor = deputy
    d = control.ControlDashboard(engine, actor)
    assert not d.denied
    calls: Counter[str] = Counter()
    for name in ("violations", "journal_filling"):
        real = getattr(control, name)

        @functools.wraps(real)
        def wrapper(*args: Any, _real: Callable[..., Any] = real, _name: str = name, **kwargs: Any) -> Any:
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(control, name, wrapper)
    other = next(v for _, v in d.filters.period.options if v != d.filters.period.value)
    d.filters.period.value = other
    assert calls == Counter({"journal_filling": 1})
    d.filters.department.value = d.filters.department.options[1][1]
    assert calls == Counter({"journal_filling": 2, "violations": 1})
    assert d.messages.value == ""


def test_a_page_reuses_an_answer_only_while_it_is_fresh(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Going back to earlier filters reuses the answer for a few minutes; after that the
    database is asked again, so what others entered meanwhile shows without a reload."""
    from netspo_lib.ui.dashboards.base import Memo, memo_seconds

    asked: list[int] = []

    def compute() -> int:
        asked.append(1)
        return len(asked)

    fresh = Memo(seconds=60)
    assert fresh.get("k", compute) == 1 and fresh.get("k", compute) == 1
    stale = Memo(seconds=0)
    stale.get("k", compute)
    import time

    time.sleep(0.01)
    assert stale.get("k", compute) == 3
    monkeypatch.setenv("NETSPO_DASHBOARD_MEMO_SECONDS", "12")
    assert memo_seconds() == 12
    monkeypatch.setenv("NETSPO_DASHBOARD_MEMO_SECONDS", "много")
    assert memo_seconds() == 300
