"""The four dashboards driven like a user (widget values set in pytest) on the demo college:
what each demo role sees, that the figures show the analytics functions' numbers and
change with the filters, the drill-down, and Russian refusals instead of data or
tracebacks (issue 6 item 3; R-4.11.c, R-6.2, R-6.4, R-4.1.e, R-4.7.d, R-4.11.a, R-5)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from netspo_lib import deadlines
from netspo_lib.access import Actor, load_actor
from netspo_lib.enums import Role
from netspo_lib.reports import analytics as an
from netspo_lib.ui.common import INTERNAL_ERROR
from netspo_lib.ui.dashboards import (
    ActivityDashboard,
    AttendanceDashboard,
    ControlDashboard,
    PerformanceDashboard,
)
from netspo_lib.ui.dashboards.attendance import STACKED, hours_by_reason

REFUSED = "Недостаточно прав"


@pytest.fixture(scope="module")
def demo(demo_college):  # type: ignore[no-untyped-def]
    _, engine, built = demo_college
    with Session(engine) as session:
        actors = {role: load_actor(session, built.logins[role]) for role in built.logins}
    return engine, actors


def text(html: str) -> str:
    return re.sub("<[^>]+>", "", html)


def _numbers(values: object) -> list[float | None]:
    return [None if v is None or pd.isna(v) else round(float(v), 9) for v in list(values)]  # type: ignore[call-overload]


def _expected(engine, actor: Actor, func, **kwargs) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return func(session, actor, **kwargs)


def _assert_units(d: PerformanceDashboard, engine, actor: Actor) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The drill-down chart shows performance_by at the dashboard's level and filters."""
    f = d.filters
    expected = _expected(
        engine, actor, an.performance_by, period_id=f.period.value, by=d.by.value, **f.values()
    )
    bars = d.fig_units.data
    assert list(bars[0].x) == expected["label"].tolist()
    assert _numbers(bars[0].y) == _numbers(expected["students_progress_pct"])
    assert _numbers(bars[1].y) == _numbers(expected["students_quality_pct"])
    assert _numbers(bars[2].y) == _numbers(expected["sou_pct"])
    assert list(bars[0].customdata) == expected["key"].tolist()
    return expected


# --------------------------------------------------------------------------- Успеваемость


def test_performance_for_the_deputy_director_and_the_drill_down(demo) -> None:  # type: ignore[no-untyped-def]
    engine, actors = demo
    deputy = actors[Role.DEPUTY_DIRECTOR]
    d = PerformanceDashboard(engine, deputy)
    assert not d.denied and d.messages.value == ""
    assert d.by.value == "department"
    first = _assert_units(d, engine, deputy)
    assert len(first) >= 2
    assert "успеваемость" in text(d.cards.value)
    trend = _expected(engine, deputy, an.performance_trend)
    assert list(d.fig_trend.data[0].x) == trend["title"].tolist()
    assert _numbers(d.fig_trend.data[-1].y) == _numbers(trend["mean"])

    # Another period: the figure changes and equals the analytics for that period.
    periods = d.filters.period.options
    other = next(v for _, v in periods if v != d.filters.period.value)
    before = list(d.fig_units.data[0].y)
    d.filters.period.value = other
    after = _assert_units(d, engine, deputy)
    assert list(d.fig_units.data[0].y) != before or after.empty
    cells = _expected(engine, deputy, an.discipline_matrix, period_id=other)
    table = an.matrix_pivot(cells, "quality_pct")
    heat = d.fig_heatmap.data[0]
    assert list(heat.y) == list(table.index) and list(heat.x) == list(table.columns)
    d.metric.value = "mean"
    mean = an.matrix_pivot(cells, "mean")
    assert [_numbers(r) for r in d.fig_heatmap.data[0].z] == [_numbers(r) for r in mean.to_numpy()]
    assert list(d.fig_departments.data[0].x) == after["label"].tolist()

    # Drill-down: a department's bar → its groups → a group's students → a student.
    department = d.fig_units.data[0].customdata[0]
    d.drill_down(department)
    assert d.filters.department.value == department and d.by.value == "group"
    groups = _assert_units(d, engine, deputy)
    d.drill_down(groups["key"].iloc[0])
    assert d.filters.group.value == groups["key"].iloc[0] and d.by.value == "student"
    students = _assert_units(d, engine, deputy)
    assert set(students["group"]) == {groups["label"].iloc[0]}
    assert "Причины" in d.table_risk.value or "зоне риска нет" in d.table_risk.value
    d.drill_down(students["key"].iloc[0])
    assert f"Итоговые оценки: {students['label'].iloc[0]}" in d.table_student.value
    d.drill_up()
    assert d.table_student.value == "" and d.filters.group.value is not None
    d.drill_up()
    assert d.filters.group.value is None and d.by.value == "group"
    d.drill_up()
    assert d.filters.department.value is None and d.by.value == "department"
    # The chosen level can be changed by hand.
    d.by.value = "course"
    _assert_units(d, engine, deputy)
    assert d.messages.value == ""


def test_performance_for_a_department_head_and_a_curator(demo) -> None:  # type: ignore[no-untyped-def]
    engine, actors = demo
    for role in (Role.DEPARTMENT_HEAD, Role.CURATOR, Role.METHODIST):
        actor = actors[role]
        d = PerformanceDashboard(engine, actor)
        assert not d.denied, d.messages.value
        with Session(engine) as session:
            visible = an.scope_groups(session, actor, d.action)
        assert {v for _, v in d.filters.group.options} - {None} == set(visible)
        _assert_units(d, engine, actor)
        if role == Role.CURATOR:
            assert d.by.value == "student" and len(visible) == 1
            assert REFUSED in text(d.table_risk.value) or "Причины" in d.table_risk.value


def test_a_value_forced_into_a_filter_is_refused_not_shown(demo) -> None:  # type: ignore[no-untyped-def]
    """Editing a widget's options in the browser cannot reach another group's data."""
    engine, actors = demo
    curator = actors[Role.CURATOR]
    d = PerformanceDashboard(engine, curator)
    own = d.filters.group.options[-1][1]
    with Session(engine) as session:
        every = an.scope_groups(session, actors[Role.DEPUTY_DIRECTOR], d.action)
    foreign = next(g for g in every if g != own)
    shown = list(d.fig_units.data[0].y)
    forged = [*d.filters.group.options, ("Чужая", foreign)]
    d.filters.group.options = forged
    d.filters.group.value = foreign  # the narrowing drops a value it does not offer
    assert d.filters.group.value != foreign and d.messages.value == ""
    assert list(d.fig_units.data[0].y) == shown
    # Had the value got through the widget, the query refuses it (no exception escapes).
    d.filters._quiet = True
    d.filters.group.options = forged
    d.filters.group.value = foreign
    d.filters._quiet = False
    d.filters.on_change()  # type: ignore[misc]
    assert REFUSED in text(d.messages.value)
    assert list(d.fig_units.data[0].y) == shown


def test_the_roles_without_the_right_get_a_russian_refusal(demo) -> None:  # type: ignore[no-untyped-def]
    engine, actors = demo
    cases = [
        (PerformanceDashboard, Role.ADMIN),
        (PerformanceDashboard, Role.TEACHER),
        (AttendanceDashboard, Role.ADMIN),
        (AttendanceDashboard, Role.STUDENT),
        (ActivityDashboard, Role.DEPARTMENT_HEAD),
        (ActivityDashboard, Role.PARENT),
        (ControlDashboard, Role.CURATOR),
        (ControlDashboard, Role.METHODIST),
    ]
    for page, role in cases:
        d = page(engine, actors[role])
        assert d.denied, (page, role)
        assert text(d.messages.value).startswith(REFUSED), (page, role, d.messages.value)
        assert len(d.widget.children) == 2  # the title and the refusal: no data
        figures = [getattr(d, n) for n in dir(d) if n.startswith("fig_")]
        assert figures and all(not any(len(t.x or []) for t in f.data) for f in figures)


def test_no_exception_escapes_a_callback(demo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine, actors = demo
    d = PerformanceDashboard(engine, actors[Role.DEPUTY_DIRECTOR])

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(an, "performance_by", broken)
    d.filters.department.value = d.filters.department.options[1][1]
    assert text(d.messages.value) == INTERNAL_ERROR
    d.by.value = "course"
    assert text(d.messages.value) == INTERNAL_ERROR


# --------------------------------------------------------------------------- Посещаемость


def _assert_hours(d: AttendanceDashboard, engine, actor: Actor) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    f = d.filters
    filters = {"period_id": f.period.value, "academic_year_id": f.year.value, **f.values()}
    weeks = hours_by_reason(_expected(engine, actor, an.attendance_over_time, freq="week", **filters))
    for trace, code in zip(d.fig_weeks.data, STACKED, strict=True):
        assert list(trace.x) == list(weeks.index)
        assert list(trace.y) == weeks[code.value].tolist()
    months = hours_by_reason(_expected(engine, actor, an.attendance_over_time, freq="month", **filters))
    assert [list(t.y) for t in d.fig_months.data] == [months[c.value].tolist() for c in STACKED]
    groups = _expected(engine, actor, an.attendance_by, by="group", limit=10, **filters)
    assert list(d.fig_groups.data[0].y) == groups["label"].tolist()
    assert list(d.fig_groups.data[0].x) == groups["unexcused_hours"].tolist()
    return weeks


def test_attendance_dashboard_follows_its_filters(demo) -> None:  # type: ignore[no-untyped-def]
    engine, actors = demo
    deputy = actors[Role.DEPUTY_DIRECTOR]
    d = AttendanceDashboard(engine, deputy)
    assert not d.denied and d.messages.value == ""
    whole_year = _assert_hours(d, engine, deputy)
    assert whole_year.to_numpy().sum() > 0
    assert "Без уважительной причины, ч" in d.table_students.value
    d.filters.period.value = d.filters.period.options[1][1]
    semester = _assert_hours(d, engine, deputy)
    assert len(semester) < len(whole_year)
    group = d.filters.group.options[1][1]
    d.filters.group.value = group
    one = _assert_hours(d, engine, deputy)
    assert one.to_numpy().sum() < semester.to_numpy().sum()
    d.by.value = "student"
    students = _expected(
        engine, deputy, an.attendance_by, by="student", period_id=d.filters.period.value, group_id=group
    )
    assert all(name in d.table_units.value for name in students["label"].head(3))
    assert d.messages.value == ""
    d.filters.group.index = 0  # «Все»
    d.by.value = "course"
    courses = _expected(
        engine, deputy, an.attendance_by, by="course", sort="label", period_id=d.filters.period.value
    )
    assert list(d.fig_units.data[1].x) == list(courses["label"])
    per_student = (courses["unexcused_hours"] / courses["students"]).round(1)
    assert list(d.fig_units.data[1].y) == pytest.approx(list(per_student))
    page = AttendanceDashboard(engine, actors[Role.CURATOR])
    assert not page.denied
    _assert_hours(page, engine, actors[Role.CURATOR])
    assert len(page.fig_groups.data[0].y) == 1  # the own group only


# --------------------------------------------------------------------------- Активность


def test_activity_dashboard_for_the_administrator_and_a_curator(demo) -> None:  # type: ignore[no-untyped-def]
    engine, actors = demo
    admin = actors[Role.ADMIN]
    d = ActivityDashboard(engine, admin)
    assert not d.denied and d.messages.value == ""
    logins = _expected(engine, admin, an.logins_over_time, start=d.start.value, end=d.end.value)
    assert len(logins) > 0
    assert sum(sum(t.y) for t in d.fig_logins.data) == logins["logins"].sum()
    assert {t.name for t in d.fig_logins.data} == set(logins["role_label"])
    assert "Роль" in d.table_roles.value
    d.start.value = date(d.end.value.year, d.end.value.month, 1) if d.end.value.day > 15 else d.start.value
    d.freq.value = "week"
    weekly = _expected(engine, admin, an.logins_over_time, start=d.start.value, end=d.end.value, freq="week")
    assert list(d.fig_logins.data[0].x) == sorted(
        set(weekly[weekly["role_label"] == d.fig_logins.data[0].name]["bucket"])
    )
    assert sum(sum(t.y) for t in d.fig_logins.data) == weekly["logins"].sum()
    d.record_report = False  # the shared demo database stays as it was
    d.report_button.click()
    assert d.download.value.count("data:application/vnd.openxmlformats") == 3
    assert "активность-группы-" in d.download.value
    d.end.value = date(2000, 1, 1)
    assert "раньше даты начала" in text(d.messages.value)

    curator = actors[Role.CURATOR]
    own = ActivityDashboard(engine, curator)
    assert not own.denied, own.messages.value
    with Session(engine) as session:
        visible = an.scope_groups(session, curator, own.action)
    assert len(own.fig_credentials.data[0].x) == len(visible) == 1
    roles = {t.name for t in own.fig_logins.data}
    assert roles <= {Role.STUDENT.label, Role.PARENT.label}


# --------------------------------------------------------------------------- Контроль


def test_control_dashboard(demo) -> None:  # type: ignore[no-untyped-def]
    engine, actors = demo
    deputy = actors[Role.DEPUTY_DIRECTOR]
    d = ControlDashboard(engine, deputy)
    assert not d.denied and d.messages.value == ""
    d.on.value = date(2026, 6, 30)
    found = _expected(engine, deputy, deadlines.violations, on=date(2026, 6, 30))
    assert len(found) > 0
    assert sum(sum(t.x) for t in d.fig_violations.data) == len(found)
    assert {t.name for t in d.fig_violations.data} == set(found["deadline"])
    for period in [v for _, v in d.filters.period.options][:2]:
        d.filters.period.value = period
        missing = _expected(engine, deputy, an.missing_final_grades, period_id=period)
        assert sum(d.fig_missing.data[0].y) == missing["missing"].sum()
    assert "Преподаватель" in d.table_filling.value or "нет занятий" in d.table_filling.value
    assert d.messages.value == ""
    head = actors[Role.DEPARTMENT_HEAD]
    own = ControlDashboard(engine, head)
    assert not own.denied
    own.on.value = date(2026, 6, 30)
    theirs = _expected(engine, head, deadlines.violations, on=date(2026, 6, 30))
    assert sum(sum(t.x) for t in own.fig_violations.data) == len(theirs) <= len(found)
