"""Students at risk in a period, counted in the database (R-4.11.a, R-5.1, R-4.5.b).

A student is at risk for any of three reasons, each found by one query:

* a final result «2», «н/а» or «незачёт» in a discipline of the period;
* where the final grade of a discipline is not set yet, a current weighted mean mark
  (``sum(value × weight) / sum(weight)``, counted in SQL) below 3.0;
* unexcused absences (НП) in the period of more than the given number of hours.

The reasons come back one row per student and discipline; Python only lists them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Action, Actor
from netspo_lib.enums import AttendanceCode, FinalResult
from netspo_lib.models.people import full_name
from netspo_lib.reports.metrics import weighted_mean_mark
from netspo_lib.reports.performance import readable_groups

ACTION = Action.DASHBOARD_CONTROL
# Who may list students at risk, and through which page: the control (deputy, department
# heads), the performance dashboard (also curators and methodists), the group reports.
ACTIONS = (Action.DASHBOARD_CONTROL, Action.DASHBOARD_PERFORMANCE, Action.REPORT_GROUP)
FAILING = (FinalResult.TWO, FinalResult.NOT_ATTESTED, FinalResult.FAIL)
LOW_MEAN = 3.0
COLUMNS = ["student_id", "Группа", "Студент", "Причины"]


def students_at_risk(
    session: Session,
    actor: Actor,
    *,
    period_id: int,
    group_ids: Sequence[int] | None = None,
    unexcused_hours: int = 100,
    action: Action = ACTION,
) -> pd.DataFrame:
    """One row per student at risk with the reasons in Russian, «; »-separated.

    ``action``: the right the groups are checked with, one of :data:`ACTIONS`.

    ``unexcused_hours``: more НП hours than this in the period puts a student at risk; the
    default, 100 academic hours (50 pairs, about a tenth of a semester's classes), flagged
    16 % of the demo college's students in its first semester.
    """
    if action not in ACTIONS:
        raise ValueError(f"students_at_risk: {action} is not a right that lists students at risk")
    groups = readable_groups(session, actor, group_ids, action)
    period = session.get(m.StudyPeriod, period_id)
    if not groups or period is None:
        return pd.DataFrame(columns=COLUMNS)
    st, item = m.Student, m.CurriculumItem
    counted = (st.group_id.in_(groups), sa.or_(st.left_on.is_(None), st.left_on > period.ends_on))
    reasons: dict[int, list[str]] = defaultdict(list)

    fg = m.FinalGrade
    failed = (
        sa.select(fg.student_id, fg.result, item.index)
        .join(st, st.id == fg.student_id)
        .join(item, item.id == fg.curriculum_item_id)
        .where(fg.period_id == period_id, fg.result.in_(FAILING), *counted)
        .order_by(item.index)
    )
    for student_id, result, index in session.execute(failed):
        reasons[student_id].append(f"итог «{result.label}» по {index}")

    mk, ls = m.Mark, m.Lesson
    mean = weighted_mean_mark()
    no_final = ~sa.exists().where(
        fg.student_id == mk.student_id,
        fg.curriculum_item_id == ls.curriculum_item_id,
        fg.period_id == period_id,
    )
    low = (
        sa.select(mk.student_id, item.index, mean.label("mean"))
        .join(ls, ls.id == mk.lesson_id)
        .join(st, st.id == mk.student_id)
        .join(item, item.id == ls.curriculum_item_id)
        .where(ls.period_id == period_id, no_final, *counted)
        .group_by(mk.student_id, item.index)
        .having(mean < LOW_MEAN)
        .order_by(item.index)
    )
    for student_id, index, value in session.execute(low):
        reasons[student_id].append(f"средний балл {float(value):.2f} по {index}")

    at = m.Attendance
    hours = sa.func.sum(at.hours)
    absent = (
        sa.select(at.student_id, hours.label("hours"))
        .join(ls, ls.id == at.lesson_id)
        .join(st, st.id == at.student_id)
        .where(ls.period_id == period_id, at.code == AttendanceCode.UNEXCUSED, *counted)
        .group_by(at.student_id)
        .having(hours > unexcused_hours)
    )
    for student_id, total in session.execute(absent):
        reasons[student_id].append(f"пропущено без уважительной причины {int(total)} ч")

    if not reasons:
        return pd.DataFrame(columns=COLUMNS)
    names = session.execute(
        sa.select(st.id, m.Group.name, m.Person.last_name, m.Person.first_name, m.Person.middle_name)
        .join(m.Group, m.Group.id == st.group_id)
        .join(m.Person, m.Person.id == st.person_id)
        .where(st.id.in_(list(reasons)))
    )
    rows = [
        [sid, group, full_name(last, first, middle), "; ".join(reasons[sid])]
        for sid, group, last, first, middle in names
    ]
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(["Группа", "Студент"], ignore_index=True)
