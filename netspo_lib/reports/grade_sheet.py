"""The consolidated grade sheet of a group for a period (сводная ведомость, R-4.7.b, R-4.5.c):
student × discipline final results, with each student's average and counts, and each
discipline's metrics in the bottom rows.

The final grades of the groups and the period (a few hundred rows a group) are selected by
two queries for any number of groups — the report pack asks for all 200 groups of a
college at once — and pivoted per group; :func:`grade_sheet` is the case of one group.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.enums import FinalResult, StudentStatus
from netspo_lib.models.people import full_name
from netspo_lib.reports.metrics import from_counts
from netspo_lib.reports.performance import readable_groups

NUMERIC = {"5": 5, "4": 4, "3": 3, "2": 2}
_COUNTED = (("5", "«5»"), ("4", "«4»"), ("3", "«3»"), ("2", "«2»"), ("not_attested", "н/а"))


def grade_sheet(session: Session, actor: Actor, *, group_id: int, period_id: int) -> pd.DataFrame:
    """Rows: the group's students (those who left before the period ended are left out);
    columns: «Студент», one column per discipline (its index) with the printed result
    («5», «зачёт», «н/а», «осв.», empty for no grade), then «Средний балл», «Отметок 5»,
    «4», «3», «2», «н/а». The last rows give each discipline's успеваемость and качество."""
    require(session, actor, Action.REPORT_GROUP, Resource(group_id=group_id, description="сводная ведомость"))
    return _build_grade_sheets(session, [group_id], period_id).get(group_id, pd.DataFrame())


def grade_sheets(
    session: Session, actor: Actor, *, period_id: int, group_ids: Sequence[int] | None = None
) -> dict[int, pd.DataFrame]:
    """:func:`grade_sheet` of each group asked for (default: every group the actor may
    report on), by group id; a group out of reach is refused."""
    groups = readable_groups(session, actor, group_ids, Action.REPORT_GROUP)
    return _build_grade_sheets(session, groups, period_id)


def _build_grade_sheets(
    session: Session, group_ids: Sequence[int], period_id: int
) -> dict[int, pd.DataFrame]:
    """The grade sheets of groups whose access the caller has checked (two queries in all);
    an empty dict for an unknown period."""
    period = session.get(m.StudyPeriod, period_id)
    if period is None:
        return {}
    groups = list(group_ids)
    students: dict[int, list[tuple[int, str]]] = {g: [] for g in groups}
    for student_id, group_id, last, first, middle in session.execute(
        sa.select(
            m.Student.id, m.Student.group_id, m.Person.last_name, m.Person.first_name, m.Person.middle_name
        )
        .join(m.Person, m.Person.id == m.Student.person_id)
        .where(
            m.Student.group_id.in_(groups or [-1]),
            sa.or_(m.Student.left_on.is_(None), m.Student.left_on > period.ends_on),
            m.Student.status != StudentStatus.EXPELLED,
        )
        .order_by(m.Student.group_id, m.Person.last_name, m.Person.first_name, m.Student.id)
    ):
        students[group_id].append((student_id, full_name(last, first, middle)))
    # Every grade of the groups' students, those who left included: their disciplines are
    # columns of the sheet too. Results come as their stored values (no enum per row); the
    # disciplines' indexes from the few hundred items graded in the period, not joined to
    # each of the ≈40 000 grades.
    fg, item = m.FinalGrade, m.CurriculumItem
    indexes = dict(
        session.execute(
            sa.select(item.id, item.index).where(
                item.id.in_(sa.select(fg.curriculum_item_id).where(fg.period_id == period_id))
            )
        ).all()
    )
    items: dict[int, set[str]] = {g: set() for g in groups}
    by_student: dict[int, dict[str, str]] = {}
    for student_id, group_id, item_id, result in session.execute(
        sa.select(
            fg.student_id, m.Student.group_id, fg.curriculum_item_id, sa.type_coerce(fg.result, sa.String)
        )
        .join(m.Student, m.Student.id == fg.student_id)
        .where(fg.period_id == period_id, m.Student.group_id.in_(groups or [-1]))
        .order_by(fg.id)
    ):
        index = indexes.get(item_id)
        if index is None:  # no such item: the join with the items drops the grade
            continue
        items[group_id].add(index)
        by_student.setdefault(student_id, {})[index] = result
    footers: dict[tuple, list[object]] = {}
    return {g: _sheet(students[g], sorted(items[g], key=_index_order), by_student, footers) for g in groups}


_LABELS = {r.value: r.label for r in FinalResult}
_FOOTER = (("Успеваемость, %", "progress_pct"), ("Качество, %", "quality_pct"))


def _sheet(
    students: list[tuple[int, str]],
    items: list[str],
    by_student: dict[int, dict[str, str]],
    footers: dict[tuple, list[object]] | None = None,
) -> pd.DataFrame:
    """One group's sheet: the students' rows, then the disciplines' metrics — built column
    by column, with the dtypes of the rows-then-footer concatenation it replaces.
    ``footers`` keeps the footer of each distinct count of results (a pure function of it)."""
    footers = {} if footers is None else footers
    counts: dict[str, dict[str, int]] = {index: {} for index in items}
    cells: dict[str, list[object]] = {index: [] for index in items}
    means: list[float | None] = []
    tallies: list[list[int]] = [[] for _ in _COUNTED]
    labels, numeric, counted = _LABELS, NUMERIC, [value for value, _ in _COUNTED]
    for student_id, _ in students:
        own = by_student.get(student_id, {})
        for index, column in cells.items():
            result = own.get(index)
            column.append(labels[result] if result is not None else "")
        mine: dict[str, int] = {}
        for index, result in own.items():
            mine[result] = mine.get(result, 0) + 1
            per = counts.get(index)
            if per is not None:
                per[result] = per.get(result, 0) + 1
        graded = sum(mine.get(r, 0) for r in numeric)
        total = sum(numeric[r] * n for r, n in mine.items() if r in numeric)
        means.append(round(total / graded, 2) if graded else None)
        for column, value in zip(tallies, counted, strict=True):
            column.append(mine.get(value, 0))
    data: dict[str, object] = {"Студент": [name for _, name in students] + [label for label, _ in _FOOTER]}
    for index in items:
        key = tuple(sorted(counts[index].items()))
        footer = footers.get(key)
        if footer is None:
            metrics = from_counts(counts[index])
            values = [getattr(metrics, attr) for _, attr in _FOOTER]
            footer = footers[key] = [round(v, 1) if v is not None else "" for v in values]
        data[index] = cells[index] + footer
    if students:
        if any(v is not None for v in means):
            data["Средний балл"] = [*means, None, None]
        else:  # no grade 5…2 at all: the column stays one of objects
            data["Средний балл"] = np.array([*means, np.nan, np.nan], dtype=object)
        for (_, label), values in zip(_COUNTED, tallies, strict=True):
            data[label] = np.array([*values, np.nan, np.nan], dtype=float)
    frame = pd.DataFrame(data)
    if not students:  # the footer alone: text columns, as the rows-and-footer concatenation gives
        return frame.astype(object)
    return frame


def _index_order(index: str) -> tuple:
    """Curriculum order: ОУД/ОУП, ОГСЭ, ЕН, ОП, МДК, УП, ПП… then the number."""
    prefix, _, number = index.partition(".")
    order = ["ОУД", "ОУП", "УД", "ИП", "ОГСЭ", "ЕН", "ОП", "ПМ", "МДК", "УП", "ПП", "ПДП", "ГИА"]
    rank = order.index(prefix) if prefix in order else len(order)
    parts = tuple(int(p) if p.isdigit() else 0 for p in number.split("."))
    return (rank, parts, index)
