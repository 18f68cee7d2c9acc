"""The curator's reports for a group and a period (R-4.7.b, R-6.3).

* :func:`preliminary_report` — before the period ends: each student's current weighted
  average per discipline (``sum(value × weight) / sum(weight)`` over the marks so far,
  counted in SQL) and the students at risk (a current average below 3.0, a final result
  «2», «н/а» or «незачёт» already set, or more unexcused hours than the threshold);
* :func:`curator_report` — at the period's end: the group's results (the categories of
  students, успеваемость and качество counted over students, СОУ and средний балл over the
  final grades, as the requirements' «Metrics» define them), the results per discipline,
  the attendance totals and the list of failing students with their disciplines.

Both are signed on paper by the curator and the department head (:data:`SIGNATURES`).
The scope is :attr:`Action.REPORT_GROUP`: a curator reports on the own group only.

:func:`curator_reports` and :func:`group_infos` give the same for many groups with a few
set-based queries in all (the report pack of 200 groups); the one-group functions are the
case of one group.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import clock
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.enums import FinalResult
from netspo_lib.errors import NetspoError
from netspo_lib.locks import period_label
from netspo_lib.models.people import full_name, short_name
from netspo_lib.reports import attendance, performance
from netspo_lib.reports.grade_sheet import _index_order
from netspo_lib.reports.metrics import from_counts, weighted_mean_mark
from netspo_lib.tables import Block, SheetSpec, write_sheets

SIGNATURES = ("Классный руководитель", "Заведующий отделением")
FAILING = (FinalResult.TWO, FinalResult.NOT_ATTESTED, FinalResult.FAIL)
LOW_MEAN = 3.0
# The students' categories of performance.category a group report counts.
CATEGORIES = ["отличник", "хорошист", "с одной «3»", "неуспевающий", "не аттестован"]
FAILING_CATEGORIES = ["неуспевающий", "не аттестован"]
# More НП hours than this since the period began puts a student at risk: the default of
# reports.risk.students_at_risk (100 academic hours, about a tenth of a semester's classes).
UNEXCUSED_HOURS = 100

SUMMARY_COLUMNS = [
    "Студентов",
    "Отличники",
    "Хорошисты",
    "С одной «3»",
    "Неуспевающие",
    "Не аттестованы",
    "Успеваемость, %",
    "Качество, %",
    "СОУ, %",
    "Средний балл",
]
DISCIPLINE_COLUMNS = [
    "Индекс",
    "Дисциплина",
    "«5»",
    "«4»",
    "«3»",
    "«2»",
    "н/а",
    "зачёт",
    "незачёт",
    "осв.",
    "Учтено студентов",
    "Успеваемость, %",
    "Качество, %",
    "СОУ, %",
    "Средний балл",
]
ATTENDANCE_COLUMNS = [
    "Студент",
    "Пропущено, ч",
    "По уважительной причине, ч",
    "Без уважительной причины, ч",
    "Опозданий",
    "Пропущено полных дней",
]
FAILING_COLUMNS = ["Студент", "Категория", "Задолженности"]
STUDENT_COLUMNS = [
    "Студент",
    "«5»",
    "«4»",
    "«3»",
    "«2»",
    "н/а",
    "Категория",
    "Задолженности",
    "Пропущено, ч",
    "Без уважительной причины, ч",
]
RISK_COLUMNS = ["Студент", "Причины"]


@dataclass(frozen=True)
class GroupInfo:
    group_id: int
    group: str
    college: str
    department: str
    curator: str  # «Иванов И.И.» or ""
    period: str  # «1 семестр 2025/2026»
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class PreliminaryReport:
    info: GroupInfo
    as_of: date
    averages: pd.DataFrame  # Студент, one column per discipline index, «Средний балл»
    at_risk: pd.DataFrame  # Студент, Причины


@dataclass(frozen=True)
class CuratorReport:
    info: GroupInfo
    summary: pd.DataFrame  # one row: SUMMARY_COLUMNS
    disciplines: pd.DataFrame  # DISCIPLINE_COLUMNS
    attendance: pd.DataFrame  # ATTENDANCE_COLUMNS, the last row «Итого»
    failing: pd.DataFrame  # FAILING_COLUMNS
    students: pd.DataFrame  # STUDENT_COLUMNS: one row per student counted


def group_info(session: Session, actor: Actor, *, group_id: int, period_id: int) -> GroupInfo:
    """Names for a group report's title; refuses a group out of the actor's reach."""
    require(session, actor, Action.REPORT_GROUP, Resource(group_id=group_id, description="отчёт по группе"))
    found = _build_group_infos(session, [group_id], period_id)
    if group_id not in found:
        raise NetspoError(f"Нет группы № {group_id} или учебного периода № {period_id}.")
    return found[group_id]


def group_infos(
    session: Session, actor: Actor, *, period_id: int, group_ids: Sequence[int] | None = None
) -> dict[int, GroupInfo]:
    """:func:`group_info` of each group asked for (default: every group the actor may report
    on), by group id; a group out of reach is refused."""
    groups = performance.readable_groups(session, actor, group_ids, Action.REPORT_GROUP)
    return _build_group_infos(session, groups, period_id)


def _build_group_infos(session: Session, group_ids: Sequence[int], period_id: int) -> dict[int, GroupInfo]:
    """The titles' names of groups whose access the caller has checked, in one query; an
    unknown group is left out, and every group is for an unknown period."""
    period = session.get(m.StudyPeriod, period_id)
    if period is None:
        return {}
    label = period_label(session, period_id)
    rows = session.execute(
        sa.select(
            m.Group.id, m.Group.name, m.College.name, m.Department.name,
            m.Person.last_name, m.Person.first_name, m.Person.middle_name,
        )
        .join(m.College, m.College.id == m.Group.college_id)
        .join(m.Department, m.Department.id == m.Group.department_id)
        .outerjoin(m.Person, m.Person.id == m.Group.curator_id)
        .where(m.Group.id.in_(list(group_ids) or [-1]))
    ).all()  # fmt: skip
    return {
        group_id: GroupInfo(
            group_id=group_id,
            group=group,
            college=college,
            department=department,
            curator=short_name(last, first, middle),
            period=label,
            starts_on=period.starts_on,
            ends_on=period.ends_on,
        )
        for group_id, group, college, department, last, first, middle in rows
    }


def _enrolled_on(day: date) -> sa.ColumnElement[bool]:
    return sa.or_(m.Student.left_on.is_(None), m.Student.left_on > day)


def current_averages(
    session: Session, actor: Actor, *, group_id: int, period_id: int, as_of: date | None = None
) -> pd.DataFrame:
    """Student × discipline current weighted averages of the period's marks up to ``as_of``
    (default: today, or the period's end if it is over), counted in SQL; columns «Студент»,
    the disciplines' indexes in curriculum order, «Средний балл» (the student's weighted
    mean over all the marks).
    Students who left before ``as_of`` are left out; empty cells mean no marks."""
    require(session, actor, Action.REPORT_GROUP, Resource(group_id=group_id, description="текущие отметки"))
    period = session.get(m.StudyPeriod, period_id)
    as_of = as_of or (min(clock.today(), period.ends_on) if period else clock.today())
    mk, ls, st = m.Mark, m.Lesson, m.Student
    mean = weighted_mean_mark()
    base = (
        sa.select(mk.student_id)
        .join(ls, ls.id == mk.lesson_id)
        .join(st, st.id == mk.student_id)
        .where(
            ls.period_id == period_id,
            ls.group_id == group_id,
            st.group_id == group_id,
            ls.lesson_date <= as_of,
            _enrolled_on(as_of),
        )
    )
    per_item = session.execute(
        base.add_columns(m.CurriculumItem.index, mean.label("mean"))
        .join(m.CurriculumItem, m.CurriculumItem.id == ls.curriculum_item_id)
        .group_by(mk.student_id, m.CurriculumItem.index)
    ).all()
    overall = dict(session.execute(base.add_columns(mean.label("mean")).group_by(mk.student_id)).all())
    students = _students(session, group_id, as_of)
    items = sorted({index for _, index, _ in per_item}, key=_index_order)
    means: dict[int, dict[str, float]] = {}
    for student_id, index, value in per_item:
        means.setdefault(student_id, {})[index] = round(float(value), 2)
    rows = []
    for student_id, name in students:
        own = means.get(student_id, {})
        mean = overall.get(student_id)
        row: dict[str, object] = {"Студент": name}
        row.update({index: own.get(index) for index in items})
        row["Средний балл"] = round(float(mean), 2) if mean is not None else None
        rows.append(row)
    return pd.DataFrame(rows, columns=["Студент", *items, "Средний балл"])


def _students(session: Session, group_id: int, day: date) -> list[tuple[int, str]]:
    rows = session.execute(
        sa.select(m.Student.id, m.Person.last_name, m.Person.first_name, m.Person.middle_name)
        .join(m.Person, m.Person.id == m.Student.person_id)
        .where(m.Student.group_id == group_id, _enrolled_on(day))
        .order_by(m.Person.last_name, m.Person.first_name, m.Student.id)
    ).all()
    return [(sid, full_name(last, first, middle)) for sid, last, first, middle in rows]


def preliminary_report(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    period_id: int,
    as_of: date | None = None,
    unexcused_hours: int = UNEXCUSED_HOURS,
) -> PreliminaryReport:
    """The curator's preliminary report (R-4.7.b, R-6.3): current averages and the students
    at risk before the period ends. A student is at risk with a current average below 3.0
    in a discipline, a final result «2», «н/а» or «незачёт» already set, or more than
    ``unexcused_hours`` hours missed without a good reason since the period began."""
    info = group_info(session, actor, group_id=group_id, period_id=period_id)
    as_of = as_of or min(clock.today(), info.ends_on)
    averages = current_averages(session, actor, group_id=group_id, period_id=period_id, as_of=as_of)
    students = _students(session, group_id, as_of)  # the rows of ``averages``, in order
    reasons: dict[int, list[str]] = {}
    for (student_id, _), row in zip(students, averages.itertuples(index=False), strict=True):
        values = dict(zip(averages.columns, row, strict=True))
        for index in averages.columns[1:-1]:
            value = values[index]
            if value is not None and not pd.isna(value) and value < LOW_MEAN:
                reasons.setdefault(student_id, []).append(f"средний балл {value:.2f} по {index}")
    fg, st = m.FinalGrade, m.Student
    failed = session.execute(
        sa.select(st.id, fg.result, m.CurriculumItem.index)
        .join(st, st.id == fg.student_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == fg.curriculum_item_id)
        .where(
            fg.period_id == period_id, st.group_id == group_id, fg.result.in_(FAILING), _enrolled_on(as_of)
        )
        .order_by(m.CurriculumItem.index)
    ).all()
    for student_id, result, index in failed:
        reasons.setdefault(student_id, []).append(f"итог «{result.label}» по {index}")
    hours = attendance.student_attendance(
        session, actor, group_ids=[group_id], start=info.starts_on, end=min(as_of, info.ends_on)
    )
    counted = {sid for sid, _ in students}
    for row in hours.itertuples(index=False):
        if row.student_id in counted and row.unexcused_hours > unexcused_hours:
            reasons.setdefault(row.student_id, []).append(
                f"пропущено без уважительной причины {row.unexcused_hours} ч"
            )
    at_risk = pd.DataFrame(
        [[name, "; ".join(reasons[sid])] for sid, name in students if sid in reasons], columns=RISK_COLUMNS
    )
    return PreliminaryReport(info, as_of, averages, at_risk)


def _discipline_table(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=DISCIPLINE_COLUMNS)
    out = frame.rename(
        columns={
            "index": "Индекс", "discipline": "Дисциплина", "n_5": "«5»", "n_4": "«4»", "n_3": "«3»",
            "n_2": "«2»", "n_not_attested": "н/а", "n_pass": "зачёт", "n_fail": "незачёт",
            "n_exempt": "осв.", **performance.METRIC_COLUMNS,
        }
    )  # fmt: skip
    return _round(out[DISCIPLINE_COLUMNS].reset_index(drop=True))


def _round(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("Успеваемость, %", "Качество, %", "СОУ, %"):
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce").round(1)
    if "Средний балл" in out:
        out["Средний балл"] = pd.to_numeric(out["Средний балл"], errors="coerce").round(2)
    return out.astype(object).where(out.notna(), None)


def curator_report(session: Session, actor: Actor, *, group_id: int, period_id: int) -> CuratorReport:
    """The curator's report for a period (R-4.7.b, R-6.3): the group's results, results per
    discipline, attendance in hours over the period's dates, and the failing students.

    Students who left before the period ended are not counted (requirements' «Metrics»).
    """
    info = group_info(session, actor, group_id=group_id, period_id=period_id)
    return _build_curator_reports(session, actor, {group_id: info}, period_id)[group_id]


def curator_reports(
    session: Session, actor: Actor, *, period_id: int, group_ids: Sequence[int] | None = None
) -> dict[int, CuratorReport]:
    """:func:`curator_report` of each group asked for (default: every group the actor may
    report on), by group id, with a few queries in all; a group out of reach is refused."""
    groups = performance.readable_groups(session, actor, group_ids, Action.REPORT_GROUP)
    infos = _build_group_infos(session, groups, period_id)
    missing = [g for g in groups if g not in infos]
    if missing:
        raise NetspoError(f"Нет группы № {missing[0]} или учебного периода № {period_id}.")
    return _build_curator_reports(session, actor, infos, period_id)


def _build_curator_reports(
    session: Session, actor: Actor, infos: dict[int, GroupInfo], period_id: int
) -> dict[int, CuratorReport]:
    """The curator reports of groups whose access the caller has checked (``infos`` from
    :func:`_build_group_infos`): each table is selected once for all the groups, grouped by
    group in SQL, built for all of them at once and only then split per group (pandas
    costs about a millisecond a call: 200 groups × a dozen calls would be seconds)."""
    if not infos:
        return {}
    groups = list(infos)
    first = next(iter(infos.values()))
    students = _student_results(session, period_id, groups)
    disciplines = _discipline_results(session, period_id, groups)
    hours = attendance.student_attendance(
        session, actor, group_ids=groups, start=first.starts_on, end=first.ends_on
    )
    enrolled = dict(
        session.execute(
            sa.select(m.Student.id, m.Student.group_id).where(
                m.Student.group_id.in_(groups), _enrolled_on(first.ends_on)
            )
        ).all()
    )
    hours = hours[hours["student_id"].isin(enrolled)]
    # Namesakes (the same «Фамилия Имя») come in no set order from SQL: by id, so that a
    # group's rows do not depend on which other groups were asked for.
    namesakes = hours.groupby(["group", "student"], sort=False).ngroup()
    hours = hours.assign(_key=namesakes).sort_values(["_key", "student_id"], kind="stable")
    hours = hours.drop(columns="_key").reset_index(drop=True)
    hours_group = hours["student_id"].map(enrolled).to_numpy()
    failing = students[students["category"].isin(FAILING_CATEGORIES)]
    debts = pd.Series(
        _debts(session, period_id, [int(s) for s in failing["student_id"]], groups), dtype=object
    )

    summaries = _split(_summaries(students, disciplines, groups), groups, None)
    keys = disciplines["group_id"].to_numpy()
    tables = _split(
        _discipline_table(disciplines), groups, lambda: pd.DataFrame(columns=DISCIPLINE_COLUMNS), keys
    )
    att_table, att_keys = _attendance_table(hours, hours_group, groups)
    att = _split(att_table, groups, None, att_keys)
    failing_table = pd.DataFrame(
        {
            "Студент": failing["student"],
            "Категория": failing["category"],
            "Задолженности": failing["student_id"].map(debts).fillna(""),
            "group_id": failing["group_id"],
        }
    )
    failing_parts = _split(failing_table, groups, lambda: pd.DataFrame([], columns=FAILING_COLUMNS))
    missed = hours.set_index("student_id")
    per_student = pd.DataFrame(
        {
            "Студент": students["student"],
            "«5»": students["n_5"],
            "«4»": students["n_4"],
            "«3»": students["n_3"],
            "«2»": students["n_2"],
            "н/а": students["n_not_attested"],
            "Категория": students["category"],
            "Задолженности": students["student_id"].map(debts).fillna(""),
            "Пропущено, ч": students["student_id"].map(missed["missed_hours"]).fillna(0).astype("int64"),
            "Без уважительной причины, ч": students["student_id"]
            .map(missed["unexcused_hours"])
            .fillna(0)
            .astype("int64"),
            "group_id": students["group_id"],
        }
    )
    student_parts = _split(per_student, groups, lambda: pd.DataFrame([], columns=STUDENT_COLUMNS))
    return {
        g: CuratorReport(infos[g], summaries[g], tables[g], att[g], failing_parts[g], student_parts[g])
        for g in groups
    }


def _split(
    frame: pd.DataFrame,
    groups: list[int],
    empty: Callable[[], pd.DataFrame] | None,
    keys: Any = None,
) -> dict[int, pd.DataFrame]:
    """The rows of each group (by ``keys``, default the ``group_id`` column, which is left
    out of the parts), in the frame's order and numbered from 0; a group without rows gets
    ``empty()`` — the empty table the one-group report has always given."""
    if keys is None:
        keys = frame["group_id"].to_numpy()
        frame = frame.drop(columns="group_id")
    positions = pd.Series(range(len(frame))).groupby(keys, sort=False).indices if len(frame) else {}
    blank = empty() if empty is not None else frame.iloc[0:0].reset_index(drop=True)
    out = {}
    for g in groups:
        at = positions.get(g)
        if at is None:
            out[g] = blank.copy()
            continue
        # A run of rows: a slice is cheaper than a take.
        part = frame.iloc[at[0] : at[-1] + 1] if at[-1] - at[0] + 1 == len(at) else frame.iloc[at]
        # Numbered from 0 without copying the rows again (reset_index copies every column):
        # the parts share no row, and the frames split here are built for it and dropped.
        part.index = pd.RangeIndex(len(part))
        out[g] = part
    return out


def _summaries(students: pd.DataFrame, disciplines: pd.DataFrame, groups: list[int]) -> pd.DataFrame:
    """SUMMARY_COLUMNS of each group (a ``group_id`` column besides): the categories of the
    students (:func:`performance.group_summary`'s counting) and СОУ and средний балл over
    the final grades pooled over the disciplines."""
    counted = students[students["category"] != "нет оценок"]
    cats = pd.crosstab(counted["group_id"], counted["category"]).reindex(index=groups, fill_value=0)
    cat = {c: (cats[c] if c in cats else pd.Series(0, index=groups)).to_numpy() for c in CATEGORIES}
    n = cats.sum(axis=1).to_numpy()
    failing = cat["неуспевающий"] + cat["не аттестован"]
    quality = cat["отличник"] + cat["хорошист"]
    counts = [f"n_{r}" for r in performance.RESULTS]
    if disciplines.empty:
        totals = pd.DataFrame(0, index=groups, columns=counts)
    else:
        totals = disciplines.groupby("group_id")[counts].sum().reindex(index=groups, fill_value=0)
    pooled = [
        from_counts({r: int(v) for r, v in zip(performance.RESULTS, row, strict=True)})
        for row in totals.itertuples(index=False)
    ]
    rows = [
        [
            int(n[i]), int(cat["отличник"][i]), int(cat["хорошист"][i]), int(cat["с одной «3»"][i]),
            int(cat["неуспевающий"][i]), int(cat["не аттестован"][i]),
            100.0 * (int(n[i]) - int(failing[i])) / int(n[i]) if n[i] else None,
            100.0 * int(quality[i]) / int(n[i]) if n[i] else None,
            pooled[i].sou_pct, pooled[i].mean,
        ]
        for i in range(len(groups))
    ]  # fmt: skip
    frame = _round(pd.DataFrame(rows, columns=SUMMARY_COLUMNS))
    frame["group_id"] = groups
    return frame


def _attendance_table(hours: pd.DataFrame, hours_group: Any, groups: list[int]) -> tuple[pd.DataFrame, Any]:
    """ATTENDANCE_COLUMNS of all the groups' students, each group's rows followed by its
    «Итого» row; and the group of every row."""
    body = pd.DataFrame(
        {
            "Студент": hours["student"],
            "Пропущено, ч": hours["missed_hours"],
            "По уважительной причине, ч": hours["excused_hours"],
            "Без уважительной причины, ч": hours["unexcused_hours"],
            "Опозданий": hours["late"],
            "Пропущено полных дней": hours["full_days"],
        }
    ).astype({c: "int64" for c in ATTENDANCE_COLUMNS[1:]})
    sums = body[ATTENDANCE_COLUMNS[1:]].groupby(hours_group).sum().reindex(index=groups, fill_value=0)
    totals = sums.reset_index(drop=True).astype("int64")
    totals.insert(0, "Студент", "Итого")
    order = {g: i for i, g in enumerate(groups)}
    rank = np.concatenate([[order[g] for g in hours_group], np.arange(len(groups))]).astype("int64")
    last = np.concatenate([np.zeros(len(body), dtype="int64"), np.ones(len(groups), dtype="int64")])
    table = pd.concat([body, totals], ignore_index=True)
    sort = np.lexsort((last, rank))  # stable: the students keep their order within a group
    keys = np.concatenate([np.asarray(hours_group, dtype="int64"), np.asarray(groups, dtype="int64")])
    return table.iloc[sort].reset_index(drop=True), keys[sort]


def _student_results(session: Session, period_id: int, groups: list[int]) -> pd.DataFrame:
    """:func:`performance.student_results` of the groups with a ``group_id`` column and the
    students ordered by group, name and id (one query: the grades counted per student from
    the covering index first, the ≈5 000 students' names joined after; the category is
    found once per distinct combination of counts)."""
    grades = performance._counted_grades(period_id, groups).subquery()
    counted = (
        sa.select(grades.c.student_id, grades.c.group_id, *performance._count_columns(grades.c.result))
        .group_by(grades.c.student_id, grades.c.group_id)
        .subquery()
    )
    p = m.Person
    counts = [f"n_{r}" for r in performance.RESULTS]
    query = (
        sa.select(
            counted.c.student_id,
            counted.c.group_id,
            m.Group.name.label("group"),
            p.last_name,
            p.first_name,
            p.middle_name,
            *[counted.c[c] for c in counts],
        )
        .select_from(counted)
        .join(m.Group, m.Group.id == counted.c.group_id)
        .join(m.Student, m.Student.id == counted.c.student_id)
        .join(p, p.id == m.Student.person_id)
        .order_by(counted.c.group_id, p.last_name, p.first_name, counted.c.student_id)
    )
    columns = ["student_id", "group_id", "group", "last_name", "first_name", "middle_name", *counts]
    frame = pd.DataFrame(session.execute(query).all(), columns=columns)
    if frame.empty:
        return pd.DataFrame(columns=["student_id", "group_id", "group", "student", *counts, "category"])
    for column in counts:
        frame[column] = frame[column].astype("int64")
    frame["student"] = (
        frame["last_name"] + " " + frame["first_name"] + (" " + frame["middle_name"].fillna("")).str.rstrip()
    )
    keys = list(zip(*(frame[c].tolist() for c in counts), strict=True))
    kinds: dict[tuple, str] = {}
    for key in keys:
        if key not in kinds:
            kinds[key] = performance.category(dict(zip(counts, key, strict=True)))  # type: ignore[arg-type]
    frame["category"] = [kinds[key] for key in keys]
    return frame[["student_id", "group_id", "group", "student", *counts, "category"]]


def _discipline_results(session: Session, period_id: int, groups: list[int]) -> pd.DataFrame:
    """:func:`performance.discipline_results` of the groups with a ``group_id`` column (one
    query: the grades counted per group × curriculum item first, the items' names joined
    to those ≈1 700 rows, then summed per group × index × name as the plain query groups)."""
    grades = performance._counted_grades(period_id, groups).subquery()
    counted = (
        sa.select(
            grades.c.group_id, grades.c.curriculum_item_id, *performance._count_columns(grades.c.result)
        )
        .group_by(grades.c.group_id, grades.c.curriculum_item_id)
        .subquery()
    )
    item = m.CurriculumItem
    query = (
        sa.select(
            counted.c.group_id,
            item.index.label("index"),
            item.name.label("discipline"),
            *[sa.func.sum(counted.c[f"n_{r}"]).label(f"n_{r}") for r in performance.RESULTS],
        )
        .select_from(counted)
        .join(item, item.id == counted.c.curriculum_item_id)
        .group_by(counted.c.group_id, item.index, item.name)
        .order_by(counted.c.group_id, item.index, item.name)
    )
    frame = performance._with_metrics([dict(r._mapping) for r in session.execute(query)])
    return frame if not frame.empty else pd.DataFrame(columns=["group_id"])


def _debts(session: Session, period_id: int, student_ids: list[int], group_ids: list[int]) -> dict[int, str]:
    """«ОП.01 (2), ЕН.01 (н/а)» per student of the groups: the failing final results of the
    period (one query over the groups, not a list of thousands of students)."""
    if not student_ids:
        return {}
    fg, st = m.FinalGrade, m.Student
    rows = session.execute(
        sa.select(fg.student_id, m.CurriculumItem.index, fg.result)
        .join(m.CurriculumItem, m.CurriculumItem.id == fg.curriculum_item_id)
        .join(st, st.id == fg.student_id)
        .where(fg.period_id == period_id, st.group_id.in_(group_ids), fg.result.in_(FAILING))
    ).all()
    wanted = set(student_ids)
    found: dict[int, list[tuple[str, str]]] = {}
    for student_id, index, result in rows:
        if student_id in wanted:
            found.setdefault(student_id, []).append((index, result.label))
    return {
        sid: ", ".join(
            f"{index} ({label})" for index, label in sorted(items, key=lambda x: _index_order(x[0]))
        )
        for sid, items in found.items()
    }


def _subtitle(info: GroupInfo, extra: str = "") -> str:
    parts = [info.college, info.department, f"группа {info.group}", info.period]
    if extra:
        parts.append(extra)
    return "; ".join(parts) + f". Сформировано {clock.fmt_date(clock.today())}"


def _signatures(info: GroupInfo) -> list[str | tuple[str, str]]:
    curator: str | tuple[str, str] = (SIGNATURES[0], info.curator) if info.curator else SIGNATURES[0]
    return [curator, SIGNATURES[1]]


def preliminary_sheet(report: PreliminaryReport) -> SheetSpec:
    info = report.info
    return SheetSpec(
        name=f"{info.group} предв. отчёт",
        title=f"Предварительный отчёт классного руководителя группы {info.group}",
        subtitle=_subtitle(info, f"по состоянию на {clock.fmt_date(report.as_of)}"),
        blocks=[
            Block(_round(report.averages), "Текущие средние баллы по дисциплинам (с учётом весов отметок)"),
            Block(report.at_risk, "Студенты группы риска"),
        ],
        signatures=_signatures(info),
    )


def curator_sheet(report: CuratorReport) -> SheetSpec:
    info = report.info
    return SheetSpec(
        name=f"{info.group} отчёт",
        title=f"Отчёт классного руководителя группы {info.group} за {info.period}",
        subtitle=_subtitle(info, f"с {clock.fmt_date(info.starts_on)} по {clock.fmt_date(info.ends_on)}"),
        blocks=[
            Block(report.summary, "Итоги успеваемости группы"),
            Block(report.disciplines, "Итоги по дисциплинам"),
            Block(report.attendance, "Посещаемость (академические часы)"),
            Block(report.failing, "Неуспевающие студенты"),
            Block(report.students, "Итоги по студентам"),
        ],
        signatures=_signatures(info),
    )


def write_preliminary_report(report: PreliminaryReport, path: str | Path) -> Path:
    """The preliminary report as a print-ready .xlsx with the signature lines."""
    write_sheets(Path(path), [preliminary_sheet(report)])
    return Path(path)


def write_curator_report(report: CuratorReport, path: str | Path) -> Path:
    """The curator's report as a print-ready .xlsx with the signature lines."""
    write_sheets(Path(path), [curator_sheet(report)])
    return Path(path)
