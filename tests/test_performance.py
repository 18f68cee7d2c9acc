"""Performance counted in SQL equals the metrics computed by hand from the same grades, and
SQLite and PostgreSQL give the same numbers (R-6.2, R-4.11.c)."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied, load_actor
from netspo_lib.enums import Role, StudentStatus
from netspo_lib.reports.grade_sheet import grade_sheet
from netspo_lib.reports.metrics import grade_metrics
from netspo_lib.reports.performance import discipline_results, group_summary, student_results

SEMESTER_1 = 1
RESULTS_BY_BACKEND: dict[str, list] = {}


@pytest.fixture(scope="module")
def demo(demo_college):  # type: ignore[no-untyped-def]
    backend, engine, built = demo_college
    with Session(engine) as session:
        yield backend, session, built


def test_sql_counts_equal_metrics_of_the_raw_grades(demo) -> None:
    backend, session, built = demo
    actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    frame = discipline_results(session, actor, period_id=SEMESTER_1)
    assert len(frame) > 10
    period_end = session.get(m.StudyPeriod, SEMESTER_1).ends_on
    raw: dict[tuple[str, str], list[str]] = defaultdict(list)
    rows = session.execute(
        sa.select(m.Group.name, m.CurriculumItem.index, m.FinalGrade.result, m.Student.left_on)
        .join(m.Student, m.Student.id == m.FinalGrade.student_id)
        .join(m.Group, m.Group.id == m.Student.group_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == m.FinalGrade.curriculum_item_id)
        .where(m.FinalGrade.period_id == SEMESTER_1)
    )
    for group, index, result, left_on in rows:
        if left_on is None or left_on > period_end:
            raw[(group, index)].append(result.value)
    assert len(raw) == len(frame)
    for row in frame.itertuples(index=False):
        expected = grade_metrics(raw[(row.group, row.index)])
        assert row.n == expected.n
        assert row.progress_pct == pytest.approx(expected.progress_pct)
        assert pd.isna(row.quality_pct) == (expected.quality_pct is None)
        if expected.quality_pct is not None:
            assert row.quality_pct == pytest.approx(expected.quality_pct)
            assert row.sou_pct == pytest.approx(expected.sou_pct)
            assert row.mean == pytest.approx(expected.mean)
    # The same demo on both engines gives the same table (compared once both have run).
    RESULTS_BY_BACKEND[backend] = frame.round(6).astype(object).where(frame.notna(), None).values.tolist()
    if len(RESULTS_BY_BACKEND) == 2:
        assert RESULTS_BY_BACKEND["sqlite"] == RESULTS_BY_BACKEND["postgresql"]


def test_group_summary_counts_students_not_grades(demo) -> None:
    _, session, built = demo
    actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    students = student_results(session, actor, period_id=SEMESTER_1)
    summary = group_summary(session, actor, period_id=SEMESTER_1)
    for row in summary.itertuples(index=False):
        part = students[(students["group"] == row.group) & (students["category"] != "нет оценок")]
        assert row.students == len(part)
        assert row.excellent + row.good + row.one_three + row.failing + row.not_attested <= row.students
        failing = part["category"].isin(["неуспевающий", "не аттестован"]).sum()
        assert row.progress_pct == pytest.approx(100 * (len(part) - failing) / len(part))
    # A student with a «2» is never counted as progressing.
    with_two = students[students["n_2"] > 0]
    assert set(with_two["category"]) <= {"неуспевающий"}


def test_a_curator_reports_on_the_own_group_only(demo) -> None:
    """R-4.7.b: the curator's group results; another group is refused."""
    _, session, built = demo
    curator = load_actor(session, built.logins[Role.CURATOR])
    own = next(g.group_id for g in curator.grants if g.group_id is not None)
    frame = discipline_results(session, curator, period_id=SEMESTER_1)
    name = session.get(m.Group, own).name
    assert set(frame["group"]) == {name}
    other = session.scalar(sa.select(m.Group.id).where(m.Group.id != own).limit(1))
    with pytest.raises(AccessDenied):
        discipline_results(session, curator, period_id=SEMESTER_1, group_ids=[other])


def test_grade_sheet_matches_the_database_and_the_discipline_metrics(demo) -> None:
    """R-4.7.b, R-4.5.c: the consolidated sheet of the curator's group."""
    _, session, built = demo
    curator = load_actor(session, built.logins[Role.CURATOR])
    group_id = next(g.group_id for g in curator.grants if g.group_id is not None)
    sheet = grade_sheet(session, curator, group_id=group_id, period_id=SEMESTER_1)
    students = sheet[~sheet["Студент"].isin(["Успеваемость, %", "Качество, %"])]
    grades = session.execute(
        sa.select(m.Person.last_name, m.CurriculumItem.index, m.FinalGrade.result)
        .join(m.Student, m.Student.id == m.FinalGrade.student_id)
        .join(m.Person, m.Person.id == m.Student.person_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == m.FinalGrade.curriculum_item_id)
        .where(
            m.Student.group_id == group_id,
            m.FinalGrade.period_id == SEMESTER_1,
            m.Student.status != StudentStatus.EXPELLED,
        )
    ).all()
    assert grades, "the demo group has final grades"
    for last_name, index, result in grades:
        row = students[students["Студент"].str.startswith(last_name + " ")]
        assert result.label in set(row[index])
    metrics = discipline_results(session, curator, period_id=SEMESTER_1).set_index("index")
    progress = sheet.set_index("Студент").loc["Успеваемость, %"]
    for index in metrics.index:
        assert progress[index] == pytest.approx(round(metrics.loc[index, "progress_pct"], 1))
    with pytest.raises(AccessDenied):
        other = session.scalar(sa.select(m.Group.id).where(m.Group.id != group_id).limit(1))
        grade_sheet(session, curator, group_id=other, period_id=SEMESTER_1)
