"""Performance of groups and disciplines for a period, counted in the database (R-4.11.c, R-6.2).

Final results are counted with one ``GROUP BY`` per table; only the per-result counts come
back to Python, where :func:`metrics.from_counts` turns them into успеваемость, качество,
СОУ and средний балл, so the SQL and the analysts' function share one formula.

Who is counted (the requirements' «Metrics»): students of the group with a final grade for
the period, except «осв.»; students who left before the period ended are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import POLICY, Action, Actor, Reach, Resource, require, visible_groups
from netspo_lib.enums import FinalResult
from netspo_lib.reports.metrics import from_counts

RESULTS = [r.value for r in FinalResult]
METRIC_COLUMNS = {
    "n": "Учтено студентов",
    "progress_pct": "Успеваемость, %",
    "quality_pct": "Качество, %",
    "sou_pct": "СОУ, %",
    "mean": "Средний балл",
}
CATEGORY_COLUMNS = {
    "students": "Студентов",
    "excellent": "Отличники",
    "good": "Хорошисты",
    "one_three": "С одной «3»",
    "failing": "Неуспевающие",
    "not_attested": "Не аттестованы",
    "progress_pct": "Успеваемость, %",
    "quality_pct": "Качество, %",
}


def readable_groups(
    session: Session, actor: Actor, group_ids: Sequence[int] | None, action: Action = Action.REPORT_GROUP
) -> list[int]:
    """The groups asked for (default: all of the college) that the actor may report on;
    asking for a group out of reach is refused rather than silently dropped.

    An actor whose role reaches the whole college is allowed every group of it: those are
    found with one query instead of an access check per group (200 checks cost ≈ 0.2 s);
    any other group still goes through :func:`require`."""
    college = _reaches_college(actor, action)
    g = m.Group
    if group_ids is None:
        if college:
            return list(
                session.scalars(sa.select(g.id).where(g.college_id == actor.college_id).order_by(g.name))
            )
        found = visible_groups(session, actor, action)
        if not found:  # no group within reach: refuse, naming the right
            require(session, actor, action, Resource(college_id=actor.college_id, description="колледж"))
        return found
    wanted = list(group_ids)
    here: set[int] = set()
    if college and wanted:
        here = set(session.scalars(sa.select(g.id).where(g.id.in_(wanted), g.college_id == actor.college_id)))
    for gid in wanted:
        if gid not in here:
            require(session, actor, action, Resource(group_id=gid, description=f"группа № {gid}"))
    return wanted


def _reaches_college(actor: Actor, action: Action) -> bool:
    """Does one of the actor's grants in the own college reach the whole college for
    ``action`` (then :func:`access.allowed` allows every group of the college)?"""
    rules = POLICY.get(action, {})
    return any(
        rules.get(grant.role) == Reach.COLLEGE and grant.college_id == actor.college_id
        for grant in actor.grants
    )


def _counted_grades(period_id: int, group_ids: Sequence[int]) -> sa.Select:
    """Final grades of the period of students still enrolled when it ended."""
    fg, st, per = m.FinalGrade, m.Student, m.StudyPeriod
    return (
        sa.select(fg.student_id, fg.curriculum_item_id, fg.result, st.group_id)
        .join(st, st.id == fg.student_id)
        .join(per, per.id == fg.period_id)
        .where(
            fg.period_id == period_id,
            st.group_id.in_(group_ids),
            sa.or_(st.left_on.is_(None), st.left_on > per.ends_on),
        )
    )


def _count_columns(result_col: sa.ColumnElement) -> list[sa.ColumnElement]:
    return [sa.func.sum(sa.case((result_col == r, 1), else_=0)).label(f"n_{r}") for r in RESULTS]


def _with_metrics(rows: list[dict]) -> pd.DataFrame:
    out = []
    for row in rows:
        counts = {r: int(row.pop(f"n_{r}") or 0) for r in RESULTS}
        metrics = from_counts(counts)
        out.append({**row, **{f"n_{r}": counts[r] for r in RESULTS}, **{
            k: getattr(metrics, k) for k in METRIC_COLUMNS
        }})  # fmt: skip
    return pd.DataFrame(out)


def discipline_results(
    session: Session, actor: Actor, *, period_id: int, group_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """One row per group × discipline: the count of each result and the metrics.

    Columns: group, index, discipline, n_5 … n_exempt, n, progress_pct, quality_pct,
    sou_pct, mean (percentages unrounded; None where undefined).
    """
    groups = readable_groups(session, actor, group_ids)
    if not groups:
        return _with_metrics([])
    grades = _counted_grades(period_id, groups).subquery()
    query = (
        sa.select(
            m.Group.name.label("group"),
            m.CurriculumItem.index.label("index"),
            m.CurriculumItem.name.label("discipline"),
            *_count_columns(grades.c.result),
        )
        .select_from(grades)
        .join(m.Group, m.Group.id == grades.c.group_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == grades.c.curriculum_item_id)
        .group_by(m.Group.name, m.CurriculumItem.index, m.CurriculumItem.name)
        .order_by(m.Group.name, m.CurriculumItem.index)
    )
    return _with_metrics([dict(r._mapping) for r in session.execute(query)])


def student_results(
    session: Session, actor: Actor, *, period_id: int, group_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """One row per student: the count of each result over all disciplines of the period,
    and the student's category (R-6.2: отличник, хорошист, с одной «3», неуспевающий,
    не аттестован)."""
    groups = readable_groups(session, actor, group_ids)
    grades = _counted_grades(period_id, groups or [-1]).subquery()
    query = (
        sa.select(
            grades.c.student_id,
            m.Group.name.label("group"),
            m.Person.last_name,
            m.Person.first_name,
            m.Person.middle_name,
            *_count_columns(grades.c.result),
        )
        .select_from(grades)
        .join(m.Group, m.Group.id == grades.c.group_id)
        .join(m.Student, m.Student.id == grades.c.student_id)
        .join(m.Person, m.Person.id == m.Student.person_id)
        .group_by(
            grades.c.student_id, m.Group.name, m.Person.last_name, m.Person.first_name, m.Person.middle_name
        )
        .order_by(m.Group.name, m.Person.last_name, m.Person.first_name)
    )
    frame = pd.DataFrame([dict(r._mapping) for r in session.execute(query)])
    if frame.empty:
        return pd.DataFrame(
            columns=["student_id", "group", "student", *[f"n_{r}" for r in RESULTS], "category"]
        )
    frame["student"] = (
        frame["last_name"] + " " + frame["first_name"] + (" " + frame["middle_name"].fillna("")).str.rstrip()
    )
    frame["category"] = frame.apply(category, axis=1)
    return frame.drop(columns=["last_name", "first_name", "middle_name"])


def category(row: pd.Series) -> str:
    """A student's category from the counts of the results (exempt results are ignored)."""
    failing = row["n_2"] + row["n_not_attested"] + row["n_fail"]
    counted = sum(row[f"n_{r}"] for r in RESULTS if r != "exempt")
    if counted == 0:
        return "нет оценок"
    if row["n_not_attested"] == counted:
        return "не аттестован"
    if failing:
        return "неуспевающий"
    if row["n_5"] + row["n_4"] + row["n_3"] == 0:
        return "успевающий"  # only «зачёт»: passed, with no grade to rank
    if row["n_3"] == 0 and row["n_4"] == 0:
        return "отличник"
    if row["n_3"] == 0:
        return "хорошист"
    if row["n_3"] == 1:
        return "с одной «3»"
    return "успевающий"


def group_summary(
    session: Session, actor: Actor, *, period_id: int, group_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """One row per group, counting students, not grades: the categories, and успеваемость
    and качество as shares of students (успевающий: no 2, н/а or незачёт; качественный:
    besides, every graded result is 4 or 5)."""
    students = student_results(session, actor, period_id=period_id, group_ids=group_ids)
    rows = []
    for group, part in students.groupby("group", sort=True):
        part = part[part["category"] != "нет оценок"]
        n = len(part)
        failing = part["category"].isin(["неуспевающий", "не аттестован"]).sum()
        quality = part["category"].isin(["отличник", "хорошист"]).sum()
        rows.append(
            {
                "group": group,
                "students": n,
                "excellent": int((part["category"] == "отличник").sum()),
                "good": int((part["category"] == "хорошист").sum()),
                "one_three": int((part["category"] == "с одной «3»").sum()),
                "failing": int((part["category"] == "неуспевающий").sum()),
                "not_attested": int((part["category"] == "не аттестован").sum()),
                "progress_pct": 100.0 * (n - failing) / n if n else None,
                "quality_pct": 100.0 * quality / n if n else None,
            }
        )
    return pd.DataFrame(rows, columns=["group", *CATEGORY_COLUMNS])
