"""The audit trail: every change of protected data appends one event (who, when, what,
the values before and after, the reason), like Canvas's grade change log.

Domain functions call :func:`record` in the same transaction as the change they make,
after ``access.require``. Events are never updated or deleted: the database refuses it
(``netspo_lib.triggers``). :func:`events` is the «Журнал изменений» of a group, a student,
an account or the college, with Russian columns.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from netspo_lib import models as m
from netspo_lib.access import AccessDenied, Action, Actor, Resource, require
from netspo_lib.clock import fmt_date, fmt_datetime, now
from netspo_lib.enums import (
    AttendanceCode,
    FinalResult,
    FundingBasis,
    LabeledEnum,
    Role,
    ScopeKind,
    Sex,
    WorkKind,
)
from netspo_lib.errors import NetspoError
from netspo_lib.overview import TABLE_LABELS

# Russian labels of the action verbs; modules that record other verbs add theirs here.
ACTION_LABELS: dict[str, str] = {
    "lesson.create": "занятие записано",
    "lesson.update": "тема занятия изменена",
    "mark.create": "отметка выставлена",
    "mark.update": "отметка изменена",
    "mark.delete": "отметка удалена",
    "attendance.create": "посещаемость отмечена",
    "attendance.update": "посещаемость изменена",
    "attendance.delete": "отметка посещаемости снята",
    "final_grade.create": "итоговая оценка выставлена",
    "final_grade.update": "итоговая оценка изменена",
    "period.lock": "период закрыт",
    "period.unlock": "период открыт",
    # movement through orders (netspo_lib.movement)
    "order.create": "приказ внесён",
    "person.create": "внесены сведения о человеке",
    "student.create": "создана карточка студента",
    "student.enroll": "студент зачислен",
    "student.expel": "студент отчислен",
    "student.transfer": "студент переведён в другую группу",
    "student.academic_leave": "предоставлен академический отпуск",
    "student.return_from_leave": "студент вышел из академического отпуска",
    "student.reinstate": "студент восстановлен",
    "student.promote": "студент переведён на следующий курс",
    "student.graduate": "студент выпущен",
    # the year rollover (netspo_lib.rollover)
    "rollover.apply": "выполнен перевод на следующий учебный год",
    "academic_year.create": "создан учебный год",
    "academic_year.open": "учебный год открыт",
    "academic_year.close": "учебный год закрыт",
    "study_period.create": "создан учебный период",
    "vacation.create": "внесены каникулы",
    "group_calendar.create": "создан учебный календарь группы",
    "group.course_transfer": "группа переведена на следующий курс",
    "group.graduate": "группа выпущена",
    # accounts and messages (netspo_lib.accounts, netspo_lib.messaging)
    "personal_data.export": "выгружены персональные данные",
    "account.create": "учётная запись создана",
    "account.credentials_issued": "выданы реквизиты доступа",
    "account.password_reset": "пароль сброшен",
    "account.password_changed": "пароль изменён пользователем",
    "account.locked": "учётная запись временно заблокирована",
    "account.unlocked": "блокировка учётной записи снята",
    "role_grant.create": "назначена роль",
    "role_grant.revoke": "роль снята",
    "account.status": "изменено состояние учётной записи",
    "student_card.update": "изменена карточка студента",
    "import.run": "загрузка файла данных",
    "curriculum.create": "создан учебный план",
    "curriculum.update": "изменён учебный план",
    "curriculum_item.create": "в учебный план добавлена дисциплина",
    "curriculum_item.update": "изменена дисциплина учебного плана",
    "specialty.create": "добавлена специальность",
    "specialty.update": "изменена специальность",
    "teaching.create": "назначена педагогическая нагрузка",
    "teaching.update": "изменена педагогическая нагрузка",
    "timetable.create": "занятие внесено в расписание",
    "timetable.update": "изменено занятие расписания",
    "room.create": "добавлена аудитория",
    "group.create": "создана учебная группа",
    "group.update": "изменены сведения о группе",
    "room.update": "изменена аудитория",
    "parent.create": "внесены сведения о родителе (законном представителе)",
    "parent.update": "изменены сведения о родителе (законном представителе)",
    "parent_link.create": "родитель (законный представитель) связан со студентом",
    "parent_link.update": "изменена связь родителя (законного представителя) со студентом",
    "position.create": "добавлена должность",
    "staff.create": "внесены сведения о приёме сотрудника",
    "staff.update": "изменены сведения о приёме сотрудника",
    "message.send": "отправлено сообщение",
}

# What an event's row is, in the «Объект» column.
ENTITY_LABELS: dict[str, str] = {
    "lessons": "Занятие",
    "marks": "Отметка",
    "attendance": "Посещаемость",
    "final_grades": "Итоговая оценка",
    "period_locks": "Закрытие периода",
}

# Fields shown in «Было» / «Стало», in this order, with their Russian names.
FIELD_LABELS: dict[str, str] = {
    "value": "отметка",
    "weight": "вес",
    "work_kind": "вид работы",
    "code": "посещаемость",
    "hours": "часы",
    "result": "итоговая оценка",
    "lesson_date": "дата",
    "pair_number": "пара",
    "topic": "тема",
    "homework": "домашнее задание",
    "order_number": "приказ",
    "reason": "причина",
    "locked_at": "закрыт",
    "unlocked_at": "открыт",
    "unlock_reason": "причина открытия",
    "relock_at": "снова закрыт с",
    # Student cards (netspo_lib.cards), accounts and roles (netspo_lib.roles).
    "last_name": "фамилия",
    "first_name": "имя",
    "middle_name": "отчество",
    "birth_date": "дата рождения",
    "sex": "пол",
    "snils": "СНИЛС",
    "phone": "телефон",
    "email": "эл. почта",
    "basis": "основа обучения",
    "record_book_number": "зачётная книжка",
    "address": "адрес",
    "previous_education": "образование",
    "login": "логин",
    "role": "роль",
    "scope": "область",
    "status": "состояние",
    "revoked_at": "роль снята",
}

# Enum-valued fields, shown by their labels.
FIELD_ENUMS: dict[str, type[LabeledEnum]] = {
    "sex": Sex,
    "basis": FundingBasis,
    "role": Role,
    "scope": ScopeKind,
    "work_kind": WorkKind,
    "code": AttendanceCode,
    "result": FinalResult,
}

EVENT_COLUMNS = ["Когда", "Кто", "Действие", "Объект", "Было", "Стало", "Причина"]
MAX_EVENTS = 10_000


def _json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def snapshot(obj: Any, fields: list[str] | None = None) -> dict[str, Any]:
    """A row's column values as JSON-safe data (dates as ISO text, enums as values)."""
    columns = fields or [c.key for c in sa.inspect(obj).mapper.column_attrs]
    return {name: _json_value(getattr(obj, name)) for name in columns}


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    group_id: int | None = None,
    student_id: int | None = None,
    at: datetime | None = None,
) -> m.AuditEvent:
    """Append one event; ``action`` is a dotted verb such as ``mark.update``."""
    event = m.AuditEvent(
        at=at or now(),
        actor_id=actor.account_id if actor else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        reason=reason,
        group_id=group_id,
        student_id=student_id,
    )
    session.add(event)
    return event


# --- reading the trail -----------------------------------------------------------------
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def _start(moment: date | datetime | None) -> datetime | None:
    if moment is None or isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time.min)


def _until(moment: date | datetime) -> sa.ColumnElement[bool]:
    """Events up to a moment, or up to the end of a day (a date includes its whole day)."""
    if isinstance(moment, datetime):
        return m.AuditEvent.at <= moment
    return m.AuditEvent.at < datetime.combine(moment + timedelta(days=1), time.min)


def events(
    session: Session,
    actor: Actor | None,
    *,
    group_id: int | None = None,
    student_id: int | None = None,
    account_id: int | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """The change trail, newest first: «Когда», «Кто», «Действие», «Объект», «Было»,
    «Стало», «Причина».

    Filters combine. Access is ``Action.AUDIT_READ`` on the group or the student asked
    about; without either (the changes of an account, or everything) it needs the whole
    college. ``since``/``until`` take dates (whole days) or moments.
    """
    if actor is None:
        raise AccessDenied(None, Action.AUDIT_READ, Resource(description="журнал изменений"))
    if not 1 <= limit <= MAX_EVENTS:
        raise NetspoError(f"Число записей — от 1 до {MAX_EVENTS}.")
    if group_id is not None:
        require(
            session,
            actor,
            Action.AUDIT_READ,
            Resource(group_id=group_id, description=_group_text(session, group_id)),
        )
    if student_id is not None:
        require(
            session,
            actor,
            Action.AUDIT_READ,
            Resource(student_id=student_id, description=_student_text(session, student_id)),
        )
    event = m.AuditEvent
    account = aliased(m.UserAccount)
    person = aliased(m.Person)
    query = (
        sa.select(event, account.login, person)
        .outerjoin(account, account.id == event.actor_id)
        .outerjoin(person, person.id == account.person_id)
        .order_by(event.at.desc(), event.id.desc())
        .limit(limit)
    )
    if group_id is None and student_id is None:
        require(
            session,
            actor,
            Action.AUDIT_READ,
            Resource(college_id=actor.college_id, description="изменения по всему колледжу"),
        )
        group_college = sa.select(m.Group.college_id).where(m.Group.id == event.group_id).scalar_subquery()
        query = query.where(
            sa.or_(
                group_college == actor.college_id,
                sa.and_(event.group_id.is_(None), account.college_id == actor.college_id),
            )
        )
    if group_id is not None:
        query = query.where(event.group_id == group_id)
    if student_id is not None:
        query = query.where(event.student_id == student_id)
    if account_id is not None:
        query = query.where(event.actor_id == account_id)
    if (start := _start(since)) is not None:
        query = query.where(event.at >= start)
    if until is not None:
        query = query.where(_until(until))
    rows = session.execute(query).all()
    names = _Names(session, [r[0] for r in rows])
    sees_personal = _PersonalVisibility(session, actor)
    records = []
    for ev, login, who in rows:
        before, after = _shown(ev.before, ev.after, sees_personal(ev.student_id))
        records.append(
            {
                "Когда": fmt_datetime(ev.at),
                "Кто": f"{who.short_name} ({login})" if who else (login or "система"),
                "Действие": action_label(ev.action),
                "Объект": names.describe(ev),
                "Было": before,
                "Стало": after,
                "Причина": ev.reason or "",
            }
        )
    return pd.DataFrame(records, columns=EVENT_COLUMNS)


def _student_text(session: Session, student_id: int) -> str:
    person = session.scalar(
        sa.select(m.Person)
        .join(m.Student, m.Student.person_id == m.Person.id)
        .where(m.Student.id == student_id)
    )
    return f"студент {person.short_name}" if person else f"студент № {student_id}"


def _group_text(session: Session, group_id: int) -> str:
    name = session.scalar(sa.select(m.Group.name).where(m.Group.id == group_id))
    return f"группа {name or group_id}"


def _format(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    enum_cls = FIELD_ENUMS.get(field)
    if enum_cls is not None:
        try:
            return enum_cls(value).label
        except ValueError:
            return str(value)
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return fmt_date(parsed) if len(value) == 10 else fmt_datetime(parsed)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fields(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    known = [f for f in FIELD_LABELS if f in data]
    if known:
        return known
    return [k for k in data if k != "id" and not k.endswith("_id")]


class _PersonalVisibility:
    """Whether the reader may see personal data (СНИЛС, birth date, phone) in an event,
    per student, asked once each (netspo_lib.privacy)."""

    def __init__(self, session: Session, actor: Actor) -> None:
        from netspo_lib.privacy import may_see

        self._may_see = lambda student_id: may_see(session, actor, student_id=student_id)
        self._college = self._may_see(None)
        self._cache: dict[int, bool] = {}

    def __call__(self, student_id: int | None) -> bool:
        if self._college or student_id is None:
            return self._college
        if student_id not in self._cache:
            self._cache[student_id] = self._may_see(student_id)
        return self._cache[student_id]


def _text(data: dict[str, Any] | None, fields: list[str], personal: bool = True) -> str:
    if not data:
        return ""
    from netspo_lib.privacy import PERSONAL_FIELDS, masked

    def value(f: str) -> str:
        if not personal and f in PERSONAL_FIELDS and data.get(f) not in (None, ""):
            return masked(f, data.get(f))
        return _format(f, data.get(f))

    return "; ".join(f"{FIELD_LABELS.get(f, f)}: {value(f)}" for f in fields)


def _shown(
    before: dict[str, Any] | None, after: dict[str, Any] | None, personal: bool = True
) -> tuple[str, str]:
    """«Было» and «Стало»: for a change only the fields that changed; personal fields
    masked unless the reader may see them."""
    if before and after:
        changed = [f for f in _fields(after) if before.get(f) != after.get(f)]
        fields = changed or _fields(after)
        return _text(before, fields, personal), _text(after, fields, personal)
    return _text(before, _fields(before), personal), _text(after, _fields(after), personal)


class _Names:
    """Names of the students, groups, disciplines, periods and lessons the events touch,
    looked up once per query."""

    def __init__(self, session: Session, evs: list[m.AuditEvent]) -> None:
        def ids(key: str) -> set[int]:
            return {
                data[key]
                for ev in evs
                for data in (ev.before, ev.after)
                if data and isinstance(data.get(key), int)
            }

        def lookup(query: sa.Select[Any], wanted: set[int]) -> dict[int, Any]:
            """id -> the rest of the row (one value or the row), for the wanted ids."""
            if not wanted:
                return {}
            key = query.selected_columns[0]
            return {
                row[0]: (row[1] if len(row) == 2 else row)
                for row in session.execute(query.where(key.in_(wanted)))
            }

        lesson = m.Lesson
        self.lessons = lookup(
            sa.select(lesson.id, lesson.lesson_date, lesson.pair_number, lesson.curriculum_item_id),
            ids("lesson_id") | {ev.entity_id for ev in evs if ev.entity == "lessons" and ev.entity_id},
        )
        self.items = lookup(
            sa.select(m.CurriculumItem.id, m.CurriculumItem.index),
            ids("curriculum_item_id") | {r.curriculum_item_id for r in self.lessons.values()},
        )
        periods = lookup(
            sa.select(m.StudyPeriod.id, m.StudyPeriod.name, m.AcademicYear.name).join(
                m.AcademicYear, m.AcademicYear.id == m.StudyPeriod.academic_year_id
            ),
            ids("period_id"),
        )
        self.periods = {pid: f"{row[1]} {row[2]}" for pid, row in periods.items()}
        self.groups = lookup(sa.select(m.Group.id, m.Group.name), {ev.group_id for ev in evs if ev.group_id})
        people = lookup(
            sa.select(m.Student.id, m.Person).join(m.Person, m.Person.id == m.Student.person_id),
            {ev.student_id for ev in evs if ev.student_id},
        )
        self.students = {sid: p.short_name for sid, p in people.items()}

    def describe(self, ev: m.AuditEvent) -> str:
        data = ev.after or ev.before or {}
        parts: list[str] = []
        if ev.student_id:
            parts.append(self.students.get(ev.student_id, f"студент № {ev.student_id}"))
        if ev.group_id:
            parts.append(self.groups.get(ev.group_id, f"группа № {ev.group_id}"))
        elif ev.entity == "period_locks":
            parts.append("все группы")
        lesson_id = ev.entity_id if ev.entity == "lessons" else data.get("lesson_id")
        lesson = self.lessons.get(lesson_id) if isinstance(lesson_id, int) else None
        item_id = lesson.curriculum_item_id if lesson else data.get("curriculum_item_id")
        if isinstance(item_id, int) and item_id in self.items:
            parts.append(self.items[item_id])
        if lesson is not None:
            parts.append(f"занятие {fmt_date(lesson.lesson_date)}, пара {lesson.pair_number}")
        period_id = data.get("period_id")
        if lesson is None and isinstance(period_id, int) and period_id in self.periods:
            parts.append(self.periods[period_id])
        label = ENTITY_LABELS.get(ev.entity) or TABLE_LABELS.get(ev.entity, ev.entity)
        if not parts:
            return f"{label} № {ev.entity_id}" if ev.entity_id else label
        return f"{label}: {', '.join(parts)}"
