"""Consolidated reports by department, specialty, course and group, and the multi-year trend
(R-6.2, R-6.4, R-4.5.c): the catalog's tables hold the analytics' numbers; a department
head gets only the own department; CSV files use a decimal comma."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from netspo_lib.access import AccessDenied, load_actor
from netspo_lib.enums import Role
from netspo_lib.reports import analytics as an
from netspo_lib.reports import catalog
from netspo_lib.tables import write_table


def test_every_unit_has_its_consolidated_reports() -> None:
    for by in ("department", "specialty", "course", "group"):
        assert f"performance-{by}" in catalog.REPORTS and f"attendance-{by}" in catalog.REPORTS
    assert "trend" in catalog.REPORTS


def test_consolidated_performance_holds_the_analytics_numbers(demo_college, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as s:
        deputy = load_actor(s, built.logins[Role.DEPUTY_DIRECTOR])
        request = catalog.Request(period_id=1, group_id=None, start=None, end=None)
        table = catalog.get("performance-group").build(s, deputy, request)
        raw = an.performance_by(s, deputy, period_id=1, by="group").set_index("label")
        trend = catalog.get("trend").build(s, deputy, request)
        att = catalog.get("attendance-course").build(s, deputy, request)
    assert list(table["Подразделение"]) == list(raw.index)
    for row in table.itertuples(index=False):
        assert row[2] == pytest.approx(round(raw.loc[row[0], "students_progress_pct"], 1))
        assert row[-2] == pytest.approx(round(raw.loc[row[0], "mean"], 2))
    assert len(trend) >= 2 and "Период" in trend.columns  # both semesters of the demo year
    assert "Без уважительной причины, ч" in att.columns
    path = write_table(table, tmp_path / "свод.csv", title="Свод")
    text = path.read_text(encoding="utf-8-sig")
    first = table.iloc[0]
    shown = f"{first['Средний балл']:g}"
    assert f";{shown.replace('.', ',')};" in text and f";{shown};" not in text  # 3,45 — not 3.45


def test_a_department_head_gets_only_the_own_department(demo_college) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as s:
        head = load_actor(s, built.logins[Role.DEPARTMENT_HEAD])
        own = next(g.department_id for g in head.grants if g.department_id)
        request = catalog.Request(period_id=1, group_id=None, start=None, end=None)
        mine = catalog.get("performance-department").build(s, head, request)
        other = next(
            d for d in an.filter_choices(s, load_actor(s, built.logins[Role.DEPUTY_DIRECTOR]),
                                         an.Action.DASHBOARD_PERFORMANCE).groups["department_id"].unique()
            if d != own
        )  # fmt: skip
        with pytest.raises(AccessDenied):
            catalog.get("performance-group").build(
                s,
                head,
                catalog.Request(period_id=1, group_id=None, start=None, end=None, department_id=int(other)),
            )
    assert len(mine) == 1 and isinstance(mine, pd.DataFrame)


def test_each_report_declares_the_rights_it_is_asked_for_under() -> None:
    """The library, not the reports page, says which right opens a report (the page only
    offers what the user holds; the report functions still check every scope)."""
    from netspo_lib.access import Action

    assert catalog.get("performance-group").rights == (Action.DASHBOARD_PERFORMANCE,)
    assert catalog.get("attendance-course").rights == (Action.DASHBOARD_ATTENDANCE,)
    assert catalog.get("teacher").rights == (Action.REPORT_TEACHER,)
    assert catalog.get("grade-sheet").rights == (Action.REPORT_GROUP,)
    assert all(spec.rights for spec in catalog.REPORTS.values())
