"""The deadlines D-1 … D-10 of the requirements, checked on a given day.

:func:`violations` returns every deadline missed (done late, or still open after its due
date) as a DataFrame with the columns of :data:`COLUMNS`; :func:`to_russian` renames them
for users. Working days follow the Russian production calendar (:mod:`netspo_lib.calendar`).

Each check reads only what it needs with SQL and returns one row per violation; D-7 is
summarised per group × discipline (a missing grade of 25 students is one row).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, allowed, require
from netspo_lib.calendar import add_working_days, is_working_day, working_days_between
from netspo_lib.clock import fmt_date
from netspo_lib.enums import (
    AcademicYearStatus,
    GroupStatus,
    OrderKind,
    PeriodKind,
    Role,
    StudentStatus,
    StudyForm,
)
from netspo_lib.models.people import short_name

DEADLINES: dict[str, str] = {
    "D-1": "Карточка студента — не позднее 1 рабочего дня после приказа о зачислении (R-4.4.b)",
    "D-2": "Приказ об отчислении — внесён не позднее 1 рабочего дня (R-4.4.c)",
    "D-3": "Приём или увольнение сотрудника — внесены не позднее 3 рабочих дней (R-4.3.a)",
    "D-4": "Группы, учебные календари, кураторы, учебные планы — до 1 сентября (R-4.2.a, R-4.6.a)",
    "D-5": "Списки студентов: очная форма — до 1 сентября, заочная — до 1 ноября (R-4.2.c)",
    "D-6": "Полные данные студентов — до конца первой недели сентября (R-4.4.d)",
    "D-7": "Итоговые оценки — до последнего дня периода (R-4.10.d)",
    "D-8": "Учебный год закрыт, студенты переведены — до 5 июля (R-4.2.d)",
    "D-9": "Ответ на консультативный вопрос родителя — в течение 3 дней (3.4)",
    "D-10": "Отчёт об активности пользователей — 15-го и в последний день месяца (R-6.1)",
}

COLUMNS = ["deadline", "requirement", "object", "responsible", "due", "done", "days_late", "status"]
COLUMNS_RU = {
    "deadline": "Срок",
    "requirement": "Требование",
    "object": "Что",
    "responsible": "Ответственный",
    "due": "Срок исполнения",
    "done": "Исполнено",
    "days_late": "Опоздание, раб. дней",
    "status": "Состояние",
}
LATE = "исполнено с опозданием"
OPEN = "не исполнено"

# The action that opens the control of deadlines (R-4.11.a, R-5.1, R-4.5.b, R-4.1.f).
ACTION = Action.DASHBOARD_CONTROL

# Fields a full student card must have by the end of the first week of September (D-6).
CARD_FIELDS = {
    "birth_date": "дата рождения",
    "sex": "пол",
    "snils": "СНИЛС",
    "phone": "телефон",
    "enrollment_order_id": "приказ о зачислении",
}

# What marks the activity report as made: the reports module records this audit action.
ACTIVITY_REPORT_ACTION = "report.activity"


@dataclass
class _Ctx:
    session: Session
    college_id: int
    on: date
    department_id: int | None
    names: dict[Role, str]
    # The production calendar asked once per distinct question during one check (a college
    # has thousands of cards and hundreds of late grades, but few distinct dates).
    _added: dict[tuple[date, int], date] = field(default_factory=dict)
    _between: dict[tuple[date, date], int] = field(default_factory=dict)

    def add_working_days(self, day: date, n: int) -> date:
        key = (day, n)
        if key not in self._added:
            self._added[key] = add_working_days(day, n)
        return self._added[key]

    _working: dict[date, bool] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        if day not in self._working:
            self._working[day] = is_working_day(day)
        return self._working[day]

    def working_days_between(self, start: date, end: date) -> int:
        """:func:`calendar.working_days_between`, each day asked of the calendar once."""
        key = (start, end)
        if key not in self._between:
            sign = 1 if end > start else -1
            lo, hi = (start, end) if sign > 0 else (end, start)
            days = (lo + timedelta(days=i) for i in range(1, (hi - lo).days + 1))
            self._between[key] = sign * sum(1 for d in days if self.is_working_day(d))
        return self._between[key]


@dataclass
class Violation:
    deadline: str
    object: str
    responsible: str
    due: date
    done: date | None
    on: date

    def row(self, between: Callable[[date, date], int] = working_days_between) -> dict[str, object]:
        end = self.done or self.on
        return {
            "deadline": self.deadline,
            "requirement": DEADLINES[self.deadline],
            "object": self.object,
            "responsible": self.responsible,
            "due": self.due,
            "done": self.done,
            "days_late": max(between(self.due, end), 0),
            "status": LATE if self.done else OPEN,
        }


def _day(value: datetime | date | None) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


# The roles the checks name as responsible (students' and parents' thousands of grants are
# never read).
RESPONSIBLE = (Role.HEAD_OF_STUDIES, Role.HR, Role.ENGINEER, Role.COMMISSION_CHAIR, Role.ADMIN)


def _role_holders(session: Session, college_id: int) -> dict[Role, str]:
    """Who holds each college-wide role: the responsible persons of the checks."""
    rows = session.execute(
        sa.select(m.RoleGrant.role, m.Person.last_name, m.Person.first_name, m.Person.middle_name)
        .join(m.UserAccount, m.UserAccount.id == m.RoleGrant.account_id)
        .join(m.Person, m.Person.id == m.UserAccount.person_id)
        .where(
            m.RoleGrant.college_id == college_id,
            m.RoleGrant.revoked_at.is_(None),
            m.RoleGrant.role.in_(RESPONSIBLE),
        )
        .order_by(m.Person.last_name)
    )
    names: dict[Role, list[str]] = {}
    for role, last, first, middle in rows:
        names.setdefault(role, []).append(short_name(last, first, middle))
    return {role: ", ".join(dict.fromkeys(v)) for role, v in names.items()}


def _groups_filter(ctx: _Ctx, group_col: sa.ColumnElement) -> list[sa.ColumnElement[bool]]:
    """Restrict to the college (and department) through a group id column."""
    cond = [m.Group.id == group_col, m.Group.college_id == ctx.college_id]
    if ctx.department_id is not None:
        cond.append(m.Group.department_id == ctx.department_id)
    return cond


def _d1_cards(ctx: _Ctx) -> list[Violation]:
    q = (
        sa.select(
            m.Person.last_name, m.Person.first_name, m.Person.middle_name, m.Group.name,
            m.Order.number, m.Order.order_date, m.Student.created_at,
        )
        .join(m.Person, m.Person.id == m.Student.person_id)
        .join(m.Order, m.Order.id == m.Student.enrollment_order_id)
        .join(m.Group, sa.and_(*_groups_filter(ctx, m.Student.group_id)))
        .where(m.Order.order_date <= ctx.on)
    )  # fmt: skip
    out = []
    for last, first, middle, group, number, order_date, created in ctx.session.execute(q):
        due = ctx.add_working_days(order_date, 1)
        done = _day(created)
        if done is not None and done > due and due < ctx.on:
            obj = f"{short_name(last, first, middle)}, {group}: приказ № {number} от {fmt_date(order_date)}"
            out.append(Violation("D-1", obj, ctx.names.get(Role.HEAD_OF_STUDIES, ""), due, done, ctx.on))
    return out


def _d2_expulsions(ctx: _Ctx) -> list[Violation]:
    q = sa.select(m.Order.number, m.Order.order_date, m.Order.created_at).where(
        m.Order.college_id == ctx.college_id,
        m.Order.kind == OrderKind.EXPULSION,
        m.Order.order_date <= ctx.on,
    )
    out = []
    for number, order_date, created in ctx.session.execute(q):
        due = ctx.add_working_days(order_date, 1)
        done = _day(created)
        if done is not None and done > due:
            obj = f"Приказ об отчислении № {number} от {fmt_date(order_date)}"
            out.append(Violation("D-2", obj, ctx.names.get(Role.HEAD_OF_STUDIES, ""), due, done, ctx.on))
    return out


def _d3_staff(ctx: _Ctx) -> list[Violation]:
    q = (
        sa.select(
            m.Person.last_name, m.Person.first_name, m.Person.middle_name,
            m.StaffEmployment.hired_on, m.StaffEmployment.created_at,
            m.StaffEmployment.dismissed_on, m.StaffEmployment.dismissal_entered_at,
        )
        .join(m.Person, m.Person.id == m.StaffEmployment.person_id)
        .where(m.StaffEmployment.college_id == ctx.college_id)
    )  # fmt: skip
    if ctx.department_id is not None:
        q = q.where(m.StaffEmployment.department_id == ctx.department_id)
    hr = ctx.names.get(Role.HR, "")
    out = []
    for last, first, middle, hired_on, created, dismissed_on, dismissal_entered in ctx.session.execute(q):
        who = short_name(last, first, middle)
        events = [("приём", hired_on, _day(created))]
        if dismissed_on is not None:
            events.append(("увольнение", dismissed_on, _day(dismissal_entered)))
        for what, in_order, entered in events:
            if in_order > ctx.on:
                continue
            due = ctx.add_working_days(in_order, 3)
            if (entered is not None and entered > due) or (entered is None and due < ctx.on):
                obj = f"{who}: {what} с {fmt_date(in_order)}"
                out.append(Violation("D-3", obj, hr, due, entered, ctx.on))
    return out


def _current_year(ctx: _Ctx) -> m.AcademicYear | None:
    """The academic year that contains the day (else the last one begun before it)."""
    return ctx.session.scalar(
        sa.select(m.AcademicYear)
        .where(m.AcademicYear.college_id == ctx.college_id, m.AcademicYear.starts_on <= ctx.on)
        .order_by(m.AcademicYear.starts_on.desc())
        .limit(1)
    )


def _september_first(year: m.AcademicYear) -> date:
    return date(year.starts_on.year, 9, 1)


def _d4_setup(ctx: _Ctx) -> list[Violation]:
    year = _current_year(ctx)
    if year is None:
        return []
    due = _september_first(year)
    if ctx.on <= due:
        return []
    engineer = ctx.names.get(Role.ENGINEER, "")
    groups = ctx.session.execute(
        sa.select(m.Group.id, m.Group.name, m.Group.created_at, m.Group.curator_id, m.Group.curriculum_id)
        .where(m.Group.college_id == ctx.college_id, m.Group.status == GroupStatus.ACTIVE)
        .where(*([m.Group.department_id == ctx.department_id] if ctx.department_id else []))
        .order_by(m.Group.name)
    ).all()
    period_ids = ctx.session.scalars(
        sa.select(m.StudyPeriod.id).where(
            m.StudyPeriod.academic_year_id == year.id, m.StudyPeriod.kind == PeriodKind.SEMESTER
        )
    ).all()
    calendars = dict(
        ctx.session.execute(
            sa.select(m.GroupCalendar.group_id, sa.func.max(m.GroupCalendar.created_at))
            .where(m.GroupCalendar.period_id.in_(period_ids))
            .group_by(m.GroupCalendar.group_id)
        ).all()
    )
    curricula = {
        c.id: c
        for c in ctx.session.scalars(sa.select(m.Curriculum).where(m.Curriculum.college_id == ctx.college_id))
    }
    out = []
    for gid, name, created, curator_id, curriculum_id in groups:
        made = _day(created)
        if made is not None and made > due:
            out.append(Violation("D-4", f"Группа {name} создана", engineer, due, made, ctx.on))
        if curator_id is None:
            out.append(Violation("D-4", f"Группа {name}: не назначен куратор", engineer, due, None, ctx.on))
        if gid not in calendars and period_ids:
            obj = f"Группа {name}: нет учебного календаря на {year.name}"
            out.append(Violation("D-4", obj, engineer, due, None, ctx.on))
        elif gid in calendars and _day(calendars[gid]) > due:
            obj = f"Группа {name}: учебный календарь на {year.name}"
            out.append(Violation("D-4", obj, engineer, due, _day(calendars[gid]), ctx.on))
        chair = ctx.names.get(Role.COMMISSION_CHAIR, "")
        curriculum = curricula.get(curriculum_id) if curriculum_id else None
        if curriculum is None:
            obj = f"Группа {name}: нет учебного плана"
            out.append(Violation("D-4", obj, chair, due, None, ctx.on))
        elif curriculum.approved_at is None or curriculum.approved_at.date() > due:
            obj = f"Группа {name}: учебный план «{curriculum.name}» утверждён"
            out.append(Violation("D-4", obj, chair, due, _day(curriculum.approved_at), ctx.on))
    return out


def _d5_lists(ctx: _Ctx) -> list[Violation]:
    year = _current_year(ctx)
    if year is None:
        return []
    start = year.starts_on.year
    dues = {
        StudyForm.FULL_TIME: date(start, 9, 1),
        StudyForm.MIXED: date(start, 9, 1),
        StudyForm.PART_TIME: date(start, 11, 1),
    }
    # The list due is the intake's: students enrolled from June up to the due date.
    due_of_form = sa.case(
        (m.Group.study_form == StudyForm.PART_TIME, dues[StudyForm.PART_TIME]),
        else_=dues[StudyForm.FULL_TIME],
    )
    entered = sa.func.max(m.Student.created_at)
    q = (
        sa.select(m.Group.name, m.Group.study_form, entered, sa.func.count(m.Student.id))
        .join(m.Group, sa.and_(*_groups_filter(ctx, m.Student.group_id)))
        .where(m.Student.enrolled_on >= date(start, 6, 1), m.Student.enrolled_on <= due_of_form)
        .group_by(m.Group.name, m.Group.study_form)
        .order_by(m.Group.name)
    )
    out = []
    engineer = ctx.names.get(Role.ENGINEER, "")
    for name, form, last_entered, count in ctx.session.execute(q):
        due = dues[form]
        done = _day(last_entered)
        if done is not None and done > due and due < ctx.on:
            obj = f"Группа {name} ({form.label} форма): список из {count} студентов"
            out.append(Violation("D-5", obj, engineer, due, done, ctx.on))
    return out


def _d6_cards_complete(ctx: _Ctx) -> list[Violation]:
    year = _current_year(ctx)
    if year is None:
        return []
    due = date(year.starts_on.year, 9, 7)
    if ctx.on <= due:
        return []
    missing = [
        (label, (m.Student if f == "enrollment_order_id" else m.Person).__table__.c[f].is_(None))
        for f, label in CARD_FIELDS.items()
    ]
    q = (
        sa.select(
            m.Person.last_name, m.Person.first_name, m.Person.middle_name, m.Group.name,
            *[sa.case((cond, 1), else_=0) for _, cond in missing],
        )
        .join(m.Person, m.Person.id == m.Student.person_id)
        .join(m.Group, sa.and_(*_groups_filter(ctx, m.Student.group_id)))
        .where(m.Student.status == StudentStatus.STUDYING, sa.or_(*[cond for _, cond in missing]))
        .order_by(m.Group.name, m.Person.last_name)
    )  # fmt: skip
    out = []
    for row in ctx.session.execute(q):
        last, first, middle, group, *flags = row
        lacking = ", ".join(label for (label, _), flag in zip(missing, flags, strict=True) if flag)
        obj = f"{short_name(last, first, middle)}, {group}: нет — {lacking}"
        out.append(Violation("D-6", obj, ctx.names.get(Role.HEAD_OF_STUDIES, ""), due, None, ctx.on))
    return out


def _d7_final_grades(ctx: _Ctx) -> list[Violation]:
    """Per group × discipline × period ended: students without a final grade, and grades
    set after the period's last day (the group's calendar wins over the college's dates)."""
    ta, item, period, cal = m.TeachingAssignment, m.CurriculumItem, m.StudyPeriod, m.GroupCalendar
    ends_on = sa.func.coalesce(cal.ends_on, period.ends_on)
    expected = (
        sa.select(
            ta.group_id, ta.curriculum_item_id, ta.period_id, ta.teacher_id, ta.subgroup_id,
            ends_on.label("ends_on"),
        )
        .join(item, item.id == ta.curriculum_item_id)
        .join(period, period.id == ta.period_id)
        .join(m.Group, sa.and_(*_groups_filter(ctx, ta.group_id)))
        .outerjoin(cal, sa.and_(cal.group_id == ta.group_id, cal.period_id == ta.period_id))
        .where(item.assessment.is_not(None), ends_on < ctx.on)
        .subquery()
    )  # fmt: skip
    member = sa.or_(
        expected.c.subgroup_id.is_(None),
        sa.exists().where(
            m.SubgroupMember.subgroup_id == expected.c.subgroup_id,
            m.SubgroupMember.student_id == m.Student.id,
        ),
    )
    fg = m.FinalGrade
    # Students counted: those of the group who were studying when the period ended.
    studying_then = sa.or_(m.Student.left_on.is_(None), m.Student.left_on > expected.c.ends_on)
    # Counted per assignment's ids first (the names, long texts, are joined to the few
    # counted rows, not sorted with every student), then summed per the names shown.
    keys = (
        expected.c.group_id, expected.c.curriculum_item_id, expected.c.period_id,
        expected.c.teacher_id, expected.c.ends_on,
    )  # fmt: skip
    counted = (
        sa.select(
            *keys,
            sa.func.count(m.Student.id).label("students"),
            sa.func.count(fg.id).label("graded"),
            sa.func.max(fg.set_at).label("last_set"),
        )
        .select_from(expected)
        .join(m.Student, sa.and_(m.Student.group_id == expected.c.group_id, member))
        .outerjoin(
            fg,
            sa.and_(
                fg.student_id == m.Student.id,
                fg.curriculum_item_id == expected.c.curriculum_item_id,
                fg.period_id == expected.c.period_id,
            ),
        )
        .where(m.Student.status.in_([StudentStatus.STUDYING, StudentStatus.GRADUATED]), studying_then)
        .group_by(*keys)
        .subquery()
    )
    names = (
        m.Group.name, item.index, item.name, period.name, counted.c.ends_on,
        m.Person.last_name, m.Person.first_name, m.Person.middle_name,
    )  # fmt: skip
    q = (
        sa.select(
            *names,
            sa.func.sum(counted.c.students).label("students"),
            sa.func.sum(counted.c.graded).label("graded"),
            sa.func.max(counted.c.last_set).label("last_set"),
        )
        .select_from(counted)
        .join(m.Group, m.Group.id == counted.c.group_id)
        .join(item, item.id == counted.c.curriculum_item_id)
        .join(period, period.id == counted.c.period_id)
        .join(m.Person, m.Person.id == counted.c.teacher_id)
        .group_by(*names)
        .order_by(*names)
    )
    out = []
    for (
        group,
        index,
        name,
        period_name,
        due,
        last,
        first,
        middle,
        students,
        graded,
        last_set,
    ) in ctx.session.execute(q):
        teacher = short_name(last, first, middle)
        subject = f"{group}, {index} {name}, {period_name}"
        students, graded = int(students), int(graded)
        if graded < students:
            obj = f"{subject}: нет итоговых оценок у {students - graded} из {students} студентов"
            out.append(Violation("D-7", obj, teacher, due, None, ctx.on))
        elif last_set is not None and _day(last_set) > due:
            out.append(
                Violation("D-7", f"{subject}: оценки выставлены", teacher, due, _day(last_set), ctx.on)
            )
    return out


def _d8_year_closed(ctx: _Ctx) -> list[Violation]:
    years = ctx.session.scalars(
        sa.select(m.AcademicYear).where(m.AcademicYear.college_id == ctx.college_id)
    ).all()
    out = []
    engineer = ctx.names.get(Role.ENGINEER, "")
    for year in years:
        due = date(year.ends_on.year, 7, 5)
        if due >= ctx.on:
            continue
        closed_at = ctx.session.scalar(
            sa.select(sa.func.min(m.AuditEvent.at)).where(
                m.AuditEvent.entity == "academic_years",
                m.AuditEvent.entity_id == year.id,
                m.AuditEvent.action == "year.close",
            )
        )
        done = _day(closed_at)
        if year.status != AcademicYearStatus.CLOSED:
            out.append(Violation("D-8", f"Учебный год {year.name} не закрыт", engineer, due, None, ctx.on))
        elif done is not None and done > due:
            out.append(Violation("D-8", f"Учебный год {year.name} закрыт", engineer, due, done, ctx.on))
    return out


def _d9_questions(ctx: _Ctx) -> list[Violation]:
    from netspo_lib.messaging import unanswered_questions

    group_ids = None
    if ctx.department_id is not None:
        group_ids = ctx.session.scalars(
            sa.select(m.Group.id).where(m.Group.department_id == ctx.department_id)
        ).all()
    frame = unanswered_questions(ctx.session, on=ctx.on, college_id=ctx.college_id, group_ids=group_ids)
    out = []
    for row in frame.itertuples(index=False):
        obj = f"Вопрос «{row.subject}» от {row.parent} ({row.student}, {row.group})"
        out.append(Violation("D-9", obj, row.curator, row.due, row.replied_on, ctx.on))
    return out


def _report_days(start: date, end: date) -> list[date]:
    """The 15th and the last day of every month in [start, end]."""
    days = []
    d = date(start.year, start.month, 1)
    while d <= end:
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        for day in (d.replace(day=15), nxt - timedelta(days=1)):
            if start <= day <= end:
                days.append(day)
        d = nxt
    return days


def _d10_activity_reports(ctx: _Ctx) -> list[Violation]:
    """Each 15th and month end of the current year needs an activity report made on or
    after the previous report day; the report is due that day."""
    year = _current_year(ctx)
    if year is None:
        return []
    made = sorted(
        _day(at)
        for at in ctx.session.scalars(
            sa.select(m.AuditEvent.at)
            .join(m.UserAccount, m.UserAccount.id == m.AuditEvent.actor_id)
            .where(
                m.AuditEvent.action == ACTIVITY_REPORT_ACTION,
                m.UserAccount.college_id == ctx.college_id,
                m.AuditEvent.at >= datetime.combine(year.starts_on, datetime.min.time()),
                m.AuditEvent.at < datetime.combine(ctx.on + timedelta(days=1), datetime.min.time()),
            )
        )
    )
    admin = ctx.names.get(Role.ADMIN, "")
    out = []
    previous = year.starts_on
    for due in _report_days(year.starts_on, min(ctx.on - timedelta(days=1), year.ends_on)):
        window = [d for d in made if previous < d]
        done = window[0] if window else None
        if done is None or done > due:
            obj = f"Отчёт об активности за период до {fmt_date(due)}"
            out.append(Violation("D-10", obj, admin, due, done, ctx.on))
        previous = due
    return out


CHECKS: dict[str, Callable[[_Ctx], list[Violation]]] = {
    "D-1": _d1_cards,
    "D-2": _d2_expulsions,
    "D-3": _d3_staff,
    "D-4": _d4_setup,
    "D-5": _d5_lists,
    "D-6": _d6_cards_complete,
    "D-7": _d7_final_grades,
    "D-8": _d8_year_closed,
    "D-9": _d9_questions,
    "D-10": _d10_activity_reports,
}


def violations(
    session: Session,
    actor: Actor,
    *,
    on: date,
    department_id: int | None = None,
    deadlines: list[str] | None = None,
) -> pd.DataFrame:
    """Every deadline violated as of ``on`` in the actor's college (or one department).

    A department head sees the own department only (R-4.5.b); the deputy director, the
    director and the administrator the whole college (R-4.11.a, R-5.1, R-4.1.f).
    """
    if department_id is None and not allowed(session, actor, ACTION, Resource(college_id=actor.college_id)):
        department_id = next((g.department_id for g in actor.grants if g.department_id is not None), None)
    resource = (
        Resource(department_id=department_id, description="отделение")
        if department_id is not None
        else Resource(college_id=actor.college_id, description="колледж")
    )
    require(session, actor, ACTION, resource)
    ctx = _Ctx(session, actor.college_id, on, department_id, _role_holders(session, actor.college_id))
    rows = []
    for code, check in CHECKS.items():
        if deadlines is None or code in deadlines:
            rows.extend(v.row(ctx.working_days_between) for v in check(ctx))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["days_late"] = frame["days_late"].astype("int64")
    return frame


def code_ru(code: str) -> str:
    """«Д-7»: a deadline's code as users read it (the code itself stays «D-7»)."""
    return code.replace("D-", "Д-", 1)


def to_russian(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table with Russian headings and dates as dd.mm.yyyy, for screens and files."""
    out = frame.rename(columns=COLUMNS_RU).copy()
    out["Срок"] = out["Срок"].map(code_ru)
    for column in ("Срок исполнения", "Исполнено"):
        out[column] = out[column].map(lambda d: fmt_date(d) if isinstance(d, date) else "")
    return out


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Violations per deadline: how many, how many still open, the most working days late."""
    grouped = frame.groupby("deadline", sort=False)
    table = pd.DataFrame(
        {
            "Требование": grouped["requirement"].first(),
            "Нарушений": grouped.size(),
            "Не исполнено": grouped["status"].apply(lambda s: int((s == OPEN).sum())),
            "Наибольшее опоздание, раб. дней": grouped["days_late"].max(),
        }
    )
    table.index = table.index.map(code_ru)
    table.index.name = "Срок"
    return table.reset_index()
