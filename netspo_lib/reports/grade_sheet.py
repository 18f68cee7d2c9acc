"""The consolidated grade sheet of a group for a period (сводная ведомость, R-4.7.b, R-4.5.c):
student × discipline final results, with each student's average and counts, and each
discipline's metrics in the bottom rows.

The final grades of one group and period are a few hundred rows: they are selected by
SQL with the names joined in, and pivoted in pandas.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.enums import FinalResult, StudentStatus
from netspo_lib.models.people import full_name
from netspo_lib.reports.metrics import from_counts

NUMERIC = {"5": 5, "4": 4, "3": 3, "2": 2}


def grade_sheet(session: Session, actor: Actor, *, group_id: int, period_id: int) -> pd.DataFrame:
    """Rows: the group's students (those who left before the period ended are left out);
    columns: «Студент», one column per discipline (its index) with the printed result
    («5», «зачёт», «н/а», «осв.», empty for no grade), then «Средний балл», «Отметок 5»,
    «4», «3», «2», «н/а». The last rows give each discipline's успеваемость and качество."""
    require(session, actor, Action.REPORT_GROUP, Resource(group_id=group_id, description="сводная ведомость"))
    period = session.get(m.StudyPeriod, period_id)
    if period is None:
        return pd.DataFrame()
    students = session.execute(
        sa.select(m.Student.id, m.Person.last_name, m.Person.first_name, m.Person.middle_name)
        .join(m.Person, m.Person.id == m.Student.person_id)
        .where(
            m.Student.group_id == group_id,
            sa.or_(m.Student.left_on.is_(None), m.Student.left_on > period.ends_on),
            m.Student.status != StudentStatus.EXPELLED,
        )
        .order_by(m.Person.last_name, m.Person.first_name)
    ).all()
    grades = session.execute(
        sa.select(m.FinalGrade.student_id, m.CurriculumItem.index, m.FinalGrade.result)
        .join(m.CurriculumItem, m.CurriculumItem.id == m.FinalGrade.curriculum_item_id)
        .join(m.Student, m.Student.id == m.FinalGrade.student_id)
        .where(m.FinalGrade.period_id == period_id, m.Student.group_id == group_id)
    ).all()
    items = sorted({index for _, index, _ in grades}, key=_index_order)
    by_student: dict[int, dict[str, FinalResult]] = {}
    for student_id, index, result in grades:
        by_student.setdefault(student_id, {})[index] = result
    rows = []
    for student_id, last, first, middle in students:
        own = by_student.get(student_id, {})
        numbers = [NUMERIC[r.value] for r in own.values() if r.value in NUMERIC]
        row: dict[str, object] = {"Студент": full_name(last, first, middle)}
        row.update({index: own[index].label if index in own else "" for index in items})
        row["Средний балл"] = round(sum(numbers) / len(numbers), 2) if numbers else None
        for value, label in (("5", "«5»"), ("4", "«4»"), ("3", "«3»"), ("2", "«2»"), ("not_attested", "н/а")):
            row[label] = sum(1 for r in own.values() if r.value == value)
        rows.append(row)
    frame = pd.DataFrame(rows)
    footer = []
    for label, attr in (("Успеваемость, %", "progress_pct"), ("Качество, %", "quality_pct")):
        line: dict[str, object] = {"Студент": label}
        for index in items:
            counts: dict[str, int] = {}
            for own in (by_student.get(s[0], {}) for s in students):
                if index in own:
                    counts[own[index].value] = counts.get(own[index].value, 0) + 1
            value = getattr(from_counts(counts), attr)
            line[index] = round(value, 1) if value is not None else ""
        footer.append(line)
    return pd.concat([frame, pd.DataFrame(footer)], ignore_index=True)


def _index_order(index: str) -> tuple:
    """Curriculum order: ОУД/ОУП, ОГСЭ, ЕН, ОП, МДК, УП, ПП… then the number."""
    prefix, _, number = index.partition(".")
    order = ["ОУД", "ОУП", "УД", "ИП", "ОГСЭ", "ЕН", "ОП", "ПМ", "МДК", "УП", "ПП", "ПДП", "ГИА"]
    rank = order.index(prefix) if prefix in order else len(order)
    parts = tuple(int(p) if p.isdigit() else 0 for p in number.split("."))
    return (rank, parts, index)
