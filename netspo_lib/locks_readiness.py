"""Is a period ready to be closed (R-4.2.e, R-5.3)? Per group: final grades missing and
journals not filled, for the engineer's «Закрытие периода» form.

The journal figures come from :func:`netspo_lib.reports.control.journal_filling` and
:func:`~netspo_lib.reports.control.hours_delivered`; the missing final grades are counted
here for every discipline with an assessment taught to the group in the period, whether
the period has ended or not (the control report counts them only after its end).
Readiness informs the engineer; it does not forbid a lock.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import clock, locks
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.enums import StudentStatus
from netspo_lib.errors import NetspoError
from netspo_lib.reports import control
from netspo_lib.reports.performance import readable_groups

READINESS_COLUMNS = [
    "group_id",
    "Группа",
    "Дисциплин с аттестацией",
    "Нет итоговых оценок",
    "Журналов с пробелами",
    "Занятий без темы",
    "Занятий без отметок и посещаемости",
    "Не проведено часов по плану",
    "Период закрыт",
    "Готова к закрытию",
]


def _missing_final_grades(session: Session, period: m.StudyPeriod, groups: Sequence[int]) -> dict[int, int]:
    """Per group: (student, discipline) pairs of the period without a final grade."""
    ta, item, fg = m.TeachingAssignment, m.CurriculumItem, m.FinalGrade
    member = sa.or_(
        ta.subgroup_id.is_(None),
        sa.exists().where(
            m.SubgroupMember.subgroup_id == ta.subgroup_id, m.SubgroupMember.student_id == m.Student.id
        ),
    )
    graded = sa.exists().where(
        fg.student_id == m.Student.id,
        fg.curriculum_item_id == ta.curriculum_item_id,
        fg.period_id == period.id,
    )
    pairs = (
        sa.select(ta.group_id, m.Student.id.label("student_id"), ta.curriculum_item_id)
        .join(item, item.id == ta.curriculum_item_id)
        .join(m.Student, sa.and_(m.Student.group_id == ta.group_id, member))
        .where(
            ta.period_id == period.id,
            ta.group_id.in_(groups),
            item.assessment.is_not(None),
            m.Student.status.in_([StudentStatus.STUDYING, StudentStatus.GRADUATED]),
            m.Student.enrolled_on <= period.ends_on,
            sa.or_(m.Student.left_on.is_(None), m.Student.left_on > period.ends_on),
            ~graded,
        )
        .distinct()
        .subquery()
    )
    query = sa.select(pairs.c.group_id, sa.func.count()).group_by(pairs.c.group_id)
    return {int(g): int(n) for g, n in session.execute(query)}


def _assessed_items(session: Session, period_id: int, groups: Sequence[int]) -> dict[int, int]:
    ta, item = m.TeachingAssignment, m.CurriculumItem
    query = (
        sa.select(ta.group_id, sa.func.count(sa.distinct(ta.curriculum_item_id)))
        .join(item, item.id == ta.curriculum_item_id)
        .where(ta.period_id == period_id, ta.group_id.in_(groups), item.assessment.is_not(None))
        .group_by(ta.group_id)
    )
    return {int(g): int(n) for g, n in session.execute(query)}


def readiness(
    session: Session, actor: Actor, period_id: int, group_ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """One row per group taught in the period (``group_id`` and the Russian columns of
    :data:`READINESS_COLUMNS`). A group is ready when no final grade is missing, no
    journal has lessons without marks and attendance, and, once the period has ended,
    every planned hour was held.

    Asks for the control right (``Action.DASHBOARD_CONTROL``) on every group reported
    (a department head gets the department's groups; without the right on any group, or
    for another college's period, the call is refused).
    """
    period = session.get(m.StudyPeriod, period_id)
    if period is None:
        raise NetspoError("Учебный период не найден.")
    year = session.get(m.AcademicYear, period.academic_year_id)
    if year is None or year.college_id != actor.college_id:  # another college's period: refused
        require(
            session,
            actor,
            Action.DASHBOARD_CONTROL,
            Resource(
                college_id=year.college_id if year else -1, description=locks.period_label(session, period_id)
            ),
        )
    groups = readable_groups(session, actor, group_ids, Action.DASHBOARD_CONTROL)
    taught = set(
        session.scalars(
            sa.select(m.TeachingAssignment.group_id).where(
                m.TeachingAssignment.period_id == period_id, m.TeachingAssignment.group_id.in_(groups or [-1])
            )
        )
    )
    groups = [g for g in groups if g in taught]
    if not groups:
        return pd.DataFrame(columns=READINESS_COLUMNS)
    names = dict(session.execute(sa.select(m.Group.id, m.Group.name).where(m.Group.id.in_(groups))).all())
    missing = _missing_final_grades(session, period, groups)
    items = _assessed_items(session, period_id, groups)
    filling = control.journal_filling(session, actor, period_id=period_id, group_ids=groups)
    hours = control.hours_delivered(session, actor, period_id=period_id, group_ids=groups)
    ended = period.ends_on < clock.today()
    rows = []
    for group_id in sorted(groups, key=lambda g: names.get(g, "")):
        name = names.get(group_id, "")
        mine = filling[filling["Группа"] == name]
        gaps = int((mine["Без отметок и посещаемости"] > 0).sum())
        no_topic = int(mine["Без темы"].sum())
        empty = int(mine["Без отметок и посещаемости"].sum())
        short = hours[hours["Группа"] == name]["Разница, ч"]
        shortfall = int(short[short > 0].sum()) if ended else 0
        lost = missing.get(group_id, 0)
        rows.append(
            [
                group_id, name, items.get(group_id, 0), lost, gaps, no_topic, empty, shortfall,
                "да" if locks.is_locked(session, period_id, group_id) else "нет",
                "да" if lost == 0 and gaps == 0 and shortfall == 0 else "нет",
            ]
        )  # fmt: skip
    return pd.DataFrame(rows, columns=READINESS_COLUMNS)
