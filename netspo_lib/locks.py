"""Period locks and final-grade locks: what may no longer be changed in the journal.

* R-4.2.e: every half-year the engineer locks the previous period; a lock in force refuses
  every write of marks, attendance, lesson topics and final grades dated in that period,
  for every role. A lock names one group or, with ``group_id`` NULL, all groups; the
  engineer may open it temporarily (``relock_at``: the lock is in force again from then).
* R-4.10.b: once the final grade of (student, discipline, period) is set, that student's
  current marks of the discipline in the period are frozen; the final grade itself may
  still be changed by the teacher while the period is not locked.

Domain functions call :func:`check_writable` after ``access.require`` and before they
write; the database refuses the same writes with triggers (``netspo_lib.triggers``), so
raw SQL cannot get around the rule. Locking and unlocking are audited.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import AccessDenied, Action, Actor, Resource, require
from netspo_lib.clock import fmt_date, fmt_datetime, now
from netspo_lib.errors import NetspoError


class Locked(NetspoError):
    """A write refused because the data are closed for changes."""


class PeriodLocked(Locked):
    """The period is locked for the group (R-4.2.e)."""


class MarksFrozen(Locked):
    """The final grade is set: the student's current marks of it are frozen (R-4.10.b)."""


LOCK_COLUMNS = [
    "Период",
    "Группа",
    "Состояние",
    "Приказ",
    "Причина",
    "Закрыт",
    "Кем закрыт",
    "Открыт",
    "Кем открыт",
    "Причина открытия",
    "Снова закрыт с",
]

ALL_GROUPS = "все группы"


# --- reading ---------------------------------------------------------------------------
def in_force(at: datetime | None = None) -> sa.ColumnElement[bool]:
    """The condition «this lock is in force» at ``at`` (now when None).

    At now it is exactly the triggers' rule, ``unlocked_at IS NULL OR relock_at <= now``;
    for a moment in the past the lock must also have been made by then and not yet opened.
    """
    lock = m.PeriodLock
    if at is None:
        return sa.or_(lock.unlocked_at.is_(None), lock.relock_at <= now())
    return sa.and_(
        lock.locked_at <= at,
        sa.or_(lock.unlocked_at.is_(None), lock.unlocked_at > at, lock.relock_at <= at),
    )


def lock_in_force(
    session: Session, period_id: int, group_id: int | None, at: datetime | None = None
) -> m.PeriodLock | None:
    """The lock that closes the period for the group (the one for all groups first), if any.

    ``group_id`` None asks about the locks for all groups only.
    """
    lock = m.PeriodLock
    covers = (
        lock.group_id.is_(None)
        if group_id is None
        else sa.or_(lock.group_id.is_(None), lock.group_id == group_id)
    )
    query = (
        sa.select(lock)
        .where(lock.period_id == period_id, covers, in_force(at))
        .order_by(lock.group_id.is_not(None), lock.locked_at, lock.id)
        .limit(1)
    )
    return session.scalars(query).first()


def is_locked(session: Session, period_id: int, group_id: int | None, at: datetime | None = None) -> bool:
    """Is the period closed for the group (R-4.2.e)?"""
    return lock_in_force(session, period_id, group_id, at) is not None


def period_label(session: Session, period_id: int) -> str:
    """«1 семестр 2025/2026», as users name a period."""
    row = session.execute(
        sa.select(m.StudyPeriod.name, m.AcademicYear.name)
        .join(m.AcademicYear, m.AcademicYear.id == m.StudyPeriod.academic_year_id)
        .where(m.StudyPeriod.id == period_id)
    ).first()
    return f"{row[0]} {row[1]}" if row else f"период № {period_id}"


def _group_name(session: Session, group_id: int | None) -> str:
    if group_id is None:
        return ALL_GROUPS
    name = session.scalar(sa.select(m.Group.name).where(m.Group.id == group_id))
    return name or f"группа № {group_id}"


def _lock_terms(lock: m.PeriodLock) -> str:
    parts = [f"приказ № {lock.order_number}"] if lock.order_number else []
    parts.append(f"закрыт {fmt_date(lock.locked_at)}")
    return ", ".join(parts)


def check_writable(
    session: Session,
    *,
    period_id: int,
    group_id: int,
    student_id: int | None = None,
    curriculum_item_id: int | None = None,
) -> None:
    """Refuse a journal write dated in a locked period (R-4.2.e) or, given the student and
    the discipline, a mark write after the final grade (R-4.10.b).

    Raises :class:`PeriodLocked` naming the period, the group and the lock's order, or
    :class:`MarksFrozen`.
    """
    lock = lock_in_force(session, period_id, group_id)
    if lock is not None:
        group = _group_name(session, group_id)
        scope = f"группы {group}" if lock.group_id is not None else f"всех групп, в том числе {group}"
        raise PeriodLocked(
            f"Период «{period_label(session, period_id)}» закрыт для {scope} ({_lock_terms(lock)}): "
            "отметки, посещаемость, темы занятий и итоговые оценки в нём не редактируются."
        )
    if student_id is None or curriculum_item_id is None:
        return
    grade = session.scalar(
        sa.select(m.FinalGrade).where(
            m.FinalGrade.student_id == student_id,
            m.FinalGrade.curriculum_item_id == curriculum_item_id,
            m.FinalGrade.period_id == period_id,
        )
    )
    if grade is not None:
        student = _student_name(session, student_id)
        item = _item_label(session, curriculum_item_id)
        raise MarksFrozen(
            f"Итоговая оценка студенту {student} по «{item}» за период "
            f"«{period_label(session, period_id)}» выставлена {fmt_date(grade.set_at)}: "
            "текущие отметки по этой дисциплине за период изменить нельзя."
        )


def _student_name(session: Session, student_id: int) -> str:
    person = session.scalar(
        sa.select(m.Person)
        .join(m.Student, m.Student.person_id == m.Person.id)
        .where(m.Student.id == student_id)
    )
    return person.short_name if person else f"№ {student_id}"


def _item_label(session: Session, item_id: int) -> str:
    item = session.get(m.CurriculumItem, item_id)
    return f"{item.index} {item.name}" if item else f"дисциплина № {item_id}"


# --- locking ---------------------------------------------------------------------------
def _college_of_period(session: Session, period_id: int) -> int:
    college_id = session.scalar(
        sa.select(m.AcademicYear.college_id)
        .join(m.StudyPeriod, m.StudyPeriod.academic_year_id == m.AcademicYear.id)
        .where(m.StudyPeriod.id == period_id)
    )
    if college_id is None:
        raise NetspoError("Учебный период не найден.")
    return int(college_id)


def _required_text(value: str | None, message: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise NetspoError(message)
    if len(text) > limit:
        raise NetspoError(f"Текст длиннее {limit} символов: «{text[:40]}…».")
    return text


def lock_period(
    session: Session,
    actor: Actor | None,
    *,
    period_id: int,
    group_id: int | None = None,
    reason: str,
    order_number: str,
) -> m.PeriodLock:
    """Close the period for one group or, with ``group_id`` None, for all groups (R-4.2.e).

    Only the engineer may (``Action.PERIOD_LOCK``); the lock and its order are audited.
    """
    college_id = _college_of_period(session, period_id)
    label = period_label(session, period_id)
    group_name = _group_name(session, group_id)
    require(
        session,
        actor,
        Action.PERIOD_LOCK,
        Resource(
            college_id=college_id,
            group_id=group_id,
            period_id=period_id,
            description=f"период «{label}», {group_name}",
        ),
    )
    assert actor is not None
    if group_id is not None:
        group = session.get(m.Group, group_id)
        if group is None:
            raise NetspoError("Группа не найдена.")
        if group.college_id != college_id:
            raise NetspoError(f"Группа {group.name} и период «{label}» относятся к разным колледжам.")
    reason = _required_text(reason, "Укажите причину закрытия периода.", 500)
    order_number = _required_text(order_number, "Укажите номер приказа о закрытии периода.", 30)
    existing = lock_in_force(session, period_id, group_id)
    if existing is not None:
        scope = f"группы {group_name}" if existing.group_id is not None else "всех групп"
        raise NetspoError(f"Период «{label}» уже закрыт для {scope} ({_lock_terms(existing)}).")
    lock = m.PeriodLock(
        period_id=period_id,
        group_id=group_id,
        locked_at=now(),
        locked_by_id=actor.account_id,
        reason=reason,
        order_number=order_number,
    )
    session.add(lock)
    session.flush()
    audit.record(
        session,
        actor,
        "period.lock",
        "period_locks",
        lock.id,
        after=audit.snapshot(lock),
        reason=reason,
        group_id=group_id,
    )
    return lock


def unlock_period(
    session: Session,
    actor: Actor | None,
    *,
    lock_id: int | None = None,
    period_id: int | None = None,
    group_id: int | None = None,
    reason: str,
    until: datetime | None = None,
) -> m.PeriodLock:
    """Open a locked period, for good or, with ``until``, until that moment (R-4.2.e).

    Name the lock by ``lock_id`` or by ``period_id`` and ``group_id`` (None: the lock for
    all groups). A lock opened temporarily can be opened again to change its term. Only
    the engineer may (``Action.PERIOD_UNLOCK``); the opening and its reason are audited.
    """
    if lock_id is not None:
        lock = session.get(m.PeriodLock, lock_id)
        if lock is None:
            raise NetspoError("Запись о закрытии периода не найдена.")
    elif period_id is not None:
        lock = _lock_to_open(session, period_id, group_id)
    else:
        raise NetspoError("Укажите, какой период открыть.")
    college_id = _college_of_period(session, lock.period_id)
    label = period_label(session, lock.period_id)
    group_name = _group_name(session, lock.group_id)
    require(
        session,
        actor,
        Action.PERIOD_UNLOCK,
        Resource(
            college_id=college_id,
            group_id=lock.group_id,
            period_id=lock.period_id,
            description=f"период «{label}», {group_name}",
        ),
    )
    assert actor is not None
    reason = _required_text(reason, "Укажите причину открытия периода.", 500)
    moment = now()
    if lock.unlocked_at is not None and lock.relock_at is None:
        raise NetspoError(f"Период «{label}» ({group_name}) уже открыт {fmt_datetime(lock.unlocked_at)}.")
    if until is not None and until <= moment:
        raise NetspoError(
            f"Временно открыть период можно только до момента в будущем, а указано {fmt_datetime(until)}."
        )
    before = audit.snapshot(lock)
    lock.unlocked_at = moment
    lock.unlocked_by_id = actor.account_id
    lock.unlock_reason = reason
    lock.relock_at = until
    session.flush()
    audit.record(
        session,
        actor,
        "period.unlock",
        "period_locks",
        lock.id,
        before=before,
        after=audit.snapshot(lock),
        reason=reason,
        group_id=lock.group_id,
    )
    return lock


def _lock_to_open(session: Session, period_id: int, group_id: int | None) -> m.PeriodLock:
    """The lock of exactly this period and group that is in force or opened temporarily."""
    lock = m.PeriodLock
    same_group = lock.group_id.is_(None) if group_id is None else lock.group_id == group_id
    found = session.scalars(
        sa.select(lock)
        .where(lock.period_id == period_id, same_group)
        .where(sa.or_(lock.unlocked_at.is_(None), lock.relock_at.is_not(None)))
        .order_by(lock.unlocked_at.is_not(None), lock.locked_at.desc(), lock.id.desc())
        .limit(1)
    ).first()
    if found is None:
        raise NetspoError(
            f"Период «{period_label(session, period_id)}» не закрыт для "
            f"{'группы ' + _group_name(session, group_id) if group_id is not None else 'всех групп'}."
        )
    return found


# --- the status table ------------------------------------------------------------------
def _state(lock: m.PeriodLock, moment: datetime) -> str:
    if lock.unlocked_at is None:
        return "закрыт"
    if lock.relock_at is None:
        return "открыт"
    if lock.relock_at <= moment:
        return f"закрыт снова с {fmt_datetime(lock.relock_at)}"
    return f"временно открыт до {fmt_datetime(lock.relock_at)}"


def lock_status(session: Session, actor: Actor | None, period_id: int | None = None) -> pd.DataFrame:
    """The locks of the actor's college (or of one period), newest period first, with
    their state now; every staff member may know what is closed."""
    if actor is None:
        raise AccessDenied(None, Action.JOURNAL_READ, Resource(description="закрытие периодов"))
    lock = m.PeriodLock
    locker = aliased(m.UserAccount)
    unlocker = aliased(m.UserAccount)
    locker_person = aliased(m.Person)
    unlocker_person = aliased(m.Person)
    query = (
        sa.select(lock, m.StudyPeriod, m.AcademicYear, m.Group.name, locker_person, unlocker_person)
        .join(m.StudyPeriod, m.StudyPeriod.id == lock.period_id)
        .join(m.AcademicYear, m.AcademicYear.id == m.StudyPeriod.academic_year_id)
        .outerjoin(m.Group, m.Group.id == lock.group_id)
        .outerjoin(locker, locker.id == lock.locked_by_id)
        .outerjoin(locker_person, locker_person.id == locker.person_id)
        .outerjoin(unlocker, unlocker.id == lock.unlocked_by_id)
        .outerjoin(unlocker_person, unlocker_person.id == unlocker.person_id)
        .where(m.AcademicYear.college_id == actor.college_id)
        .order_by(m.StudyPeriod.starts_on.desc(), lock.locked_at.desc(), lock.id.desc())
    )
    if period_id is not None:
        query = query.where(lock.period_id == period_id)
    moment = now()
    rows = []
    for row, period, year, group_name, by, unlocked_by in session.execute(query):
        rows.append(
            {
                "Период": f"{period.name} {year.name} "
                f"({fmt_date(period.starts_on)}–{fmt_date(period.ends_on)})",
                "Группа": group_name or ALL_GROUPS,
                "Состояние": _state(row, moment),
                "Приказ": row.order_number or "",
                "Причина": row.reason,
                "Закрыт": fmt_datetime(row.locked_at),
                "Кем закрыт": by.short_name if by else "",
                "Открыт": fmt_datetime(row.unlocked_at),
                "Кем открыт": unlocked_by.short_name if unlocked_by else "",
                "Причина открытия": row.unlock_reason or "",
                "Снова закрыт с": fmt_datetime(row.relock_at),
            }
        )
    return pd.DataFrame(rows, columns=LOCK_COLUMNS)
