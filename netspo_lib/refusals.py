"""Russian explanations of the database's refusals (unique keys, checks, required fields,
references, the guard triggers), so that a refused write tells the user which rule it broke.

The database enforces the rules; this module only names them. It works from the
constraint names that ``models.base.NAMING_CONVENTION`` gives and from the ``netspo:<code>``
messages of ``netspo_lib.triggers``, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from netspo_lib.errors import DataRefused, NetspoError
from netspo_lib.models import Base
from netspo_lib.overview import TABLE_LABELS

# Messages for named CHECK constraints (the part after ``ck_<table>_``).
CHECK_MESSAGES: dict[str, str] = {
    "marks.value_range": "отметка должна быть от 2 до 5",
    "marks.weight_range": "вес отметки должен быть больше 0 и не больше 10",
    "attendance.hours_range": "число пропущенных часов должно быть от 0 до 8",
    "lessons.hours_range": "продолжительность занятия — от 1 до 8 академических часов",
    "lessons.pair_range": "номер пары — от 1 до 8",
    "timetable_lessons.pair_range": "номер пары — от 1 до 8",
    "groups.course_range": "курс группы — от 1 до 5",
    "groups.name_not_empty": "не указано название группы",
    "orders.number_not_empty": "не указан номер приказа",
    "orders.signed_by_not_empty": "не указано, кем подписан приказ",
    "persons.snils_length": "СНИЛС должен состоять из 11 цифр",
    "persons.last_name_not_empty": "не указана фамилия",
    "persons.first_name_not_empty": "не указано имя",
    "specialties.code_format": "код специальности записывается как 09.02.07",
    "staff.dismissal_after_hire": "дата увольнения раньше даты приёма",
    "staff.dismissal_has_order": "увольнение вносится вместе с номером приказа",
    "staff.hire_order_number_not_empty": "не указан номер приказа о приёме",
    "students.left_after_enrolled": "дата выбытия раньше даты зачисления",
    "role_grants.scope_matches_target": "область действия роли не соответствует указанному объекту",
    "curricula.approval_recorded": "утверждённый учебный план должен иметь дату утверждения",
    "academic_years.dates_ordered": "учебный год заканчивается раньше, чем начинается",
    "study_periods.dates_ordered": "период заканчивается раньше, чем начинается",
    "period_locks.reason_not_empty": "не указана причина закрытия периода",
    "period_locks.unlock_has_reason": "открытие периода требует причины",
    "user_accounts.login_length": "логин должен быть не короче 3 символов",
}

# Messages for unique keys, by table and columns.
UNIQUE_MESSAGES: dict[tuple[str, tuple[str, ...]], str] = {
    ("persons", ("snils",)): "человек с таким СНИЛС уже есть в базе",
    ("user_accounts", ("login",)): "такой логин уже занят",
    ("groups", ("college_id", "name")): "группа с таким названием уже есть",
    ("orders", ("college_id", "number", "order_date")): "приказ с таким номером и датой уже есть",
    ("specialties", ("code",)): "специальность с таким кодом уже есть",
    ("final_grades", ("student_id", "curriculum_item_id", "period_id")): (
        "итоговая оценка этому студенту по этой дисциплине за этот период уже выставлена"
    ),
    ("students", ("person_id",)): "у этого человека уже есть карточка студента",
}

# Russian names of columns that users fill in.
COLUMN_LABELS: dict[str, str] = {
    "group_id": "группа",
    "student_id": "студент",
    "teacher_id": "преподаватель",
    "curriculum_item_id": "дисциплина",
    "period_id": "учебный период",
    "number": "номер",
    "order_date": "дата",
    "lesson_date": "дата занятия",
    "last_name": "фамилия",
    "first_name": "имя",
    "value": "отметка",
    "result": "итоговая оценка",
    "code": "код",
    "login": "логин",
    "name": "название",
    "snils": "СНИЛС",
    "topic": "тема",
}


# Messages for the refusals of the guard triggers (``netspo_lib.triggers``), by code.
TRIGGER_MESSAGES: dict[str, str] = {
    "period_locked": (
        "Период закрыт для изменений: отметки, посещаемость, темы занятий и итоговые оценки "
        "в нём не редактируются."
    ),
    "marks_frozen": (
        "Итоговая оценка уже выставлена: текущие отметки студента по этой дисциплине "
        "за этот период изменить нельзя."
    ),
    "audit_immutable": "Журнал изменений нельзя исправить или удалить: записи в него только добавляются.",
}


@dataclass(frozen=True)
class Violation:
    kind: str  # unique, check, not_null, foreign_key
    table: str | None
    columns: tuple[str, ...]
    constraint: str | None


def _table_label(table: str | None) -> str:
    return TABLE_LABELS.get(table or "", table or "")


def _column_label(column: str) -> str:
    return COLUMN_LABELS.get(column, column)


def _constraint_by_name(name: str) -> tuple[str, sa.Constraint] | None:
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            if constraint.name == name:
                return table.name, constraint
    return None


def classify(exc: sa.exc.IntegrityError) -> Violation:
    """What kind of rule the database enforced, on which table and columns."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # PostgreSQL (psycopg)
        state = getattr(orig, "sqlstate", None)
        kind = {"23505": "unique", "23514": "check", "23502": "not_null", "23503": "foreign_key"}.get(
            state or "", "other"
        )
        name = diag.constraint_name
        columns: tuple[str, ...] = (diag.column_name,) if diag.column_name else ()
        if kind == "unique" and name and (found := _constraint_by_name(name)):
            columns = tuple(c.name for c in found[1].columns)  # type: ignore[attr-defined]
        return Violation(kind, diag.table_name, columns, name)
    text = str(orig)
    if m := re.search(r"UNIQUE constraint failed: (.+)", text):
        pairs = [p.strip().split(".", 1) for p in m.group(1).split(",")]
        return Violation("unique", pairs[0][0], tuple(p[1] for p in pairs), None)
    if m := re.search(r"NOT NULL constraint failed: (\w+)\.(\w+)", text):
        return Violation("not_null", m.group(1), (m.group(2),), None)
    if m := re.search(r"CHECK constraint failed: (\w+)", text):
        name = m.group(1)
        found = _constraint_by_name(name)
        return Violation("check", found[0] if found else None, (), name)
    if "FOREIGN KEY constraint failed" in text:
        return Violation("foreign_key", None, (), None)
    return Violation("other", None, (), None)


def trigger_code(exc: BaseException) -> str | None:
    """The code of a guard trigger's refusal (``period_locked``, ...), or None.

    SQLite reports ``RAISE(ABORT, 'netspo:<code>')`` as an ``IntegrityError``; PostgreSQL's
    ``RAISE EXCEPTION`` arrives as an ``InternalError`` whose text also carries a CONTEXT.
    """
    text = str(getattr(exc, "orig", None) or exc)
    found = re.search(r"netspo:(\w+)", text)
    if found and found.group(1) in TRIGGER_MESSAGES:
        return found.group(1)
    return None


def explain_db_error(exc: sa.exc.DBAPIError) -> str | None:
    """A Russian sentence for a write the database refused, or None when the error is not a
    refusal by a rule (a lost connection, a bug in SQL): those are not the user's to read."""
    if code := trigger_code(exc):
        return TRIGGER_MESSAGES[code]
    if isinstance(exc, sa.exc.IntegrityError):
        return explain(exc)
    if is_write_conflict(exc):
        return WRITE_CONFLICT
    return None


WRITE_CONFLICT = (
    "Эти данные в ту же минуту сохраняет другой пользователь: ваша запись не сохранена, "
    "ничего не потеряно. Обновите страницу и повторите."
)


def is_write_conflict(exc: sa.exc.DBAPIError) -> bool:
    """Two writers at once: SQLite's lock wait ran out, or PostgreSQL chose this transaction
    as the loser of a serialization conflict or a deadlock (SQLSTATE 40001 / 40P01)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "database is locked" in text or "database is busy" in text:
        return True
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in ("40001", "40P01")


def explain(exc: sa.exc.IntegrityError) -> str:
    """A Russian sentence saying which rule of the database a write broke."""
    if code := trigger_code(exc):
        return TRIGGER_MESSAGES[code]
    v = classify(exc)
    where = f" ({_table_label(v.table)})" if v.table else ""
    if v.kind == "unique":
        message = UNIQUE_MESSAGES.get((v.table or "", v.columns))
        if message:
            return message[0].upper() + message[1:] + "."
        cols = ", ".join(_column_label(c) for c in v.columns)
        return f"Такая запись уже есть{where}: совпадают поля «{cols}»."
    if v.kind == "not_null":
        return f"Не заполнено обязательное поле «{_column_label(v.columns[0])}»{where}."
    if v.kind == "check" and v.constraint:
        table = v.table or ""
        short = v.constraint.removeprefix(f"ck_{table}_")
        message = CHECK_MESSAGES.get(f"{table}.{short}")
        if message:
            return message[0].upper() + message[1:] + "."
        enum_values = _enum_values(table, short)
        if enum_values:
            return f"Недопустимое значение{where}; возможные значения: {', '.join(enum_values)}."
        return f"Значение не прошло проверку «{short}»{where}."
    if v.kind == "foreign_key":
        return f"Ссылка на несуществующую запись{where}."
    return f"База данных отклонила запись{where}."


def _enum_values(table: str, type_name: str) -> list[str]:
    """Russian labels of the enum whose CHECK constraint is ``ck_<table>_<type_name>``."""
    t = Base.metadata.tables.get(table)
    if t is None:
        return []
    for column in t.columns:
        enum_cls = getattr(column.type, "enum_class", None)
        if enum_cls is not None and getattr(column.type, "name", None) == type_name:
            return [getattr(m, "label", m.value) for m in enum_cls]
    return []


def refused(exc: sa.exc.DBAPIError) -> NetspoError:
    """The user-facing error for a refused write: ``locks.PeriodLocked`` / ``MarksFrozen``
    for the lock triggers (R-4.2.e, R-4.10.b), otherwise ``DataRefused``.

    Re-raises ``exc`` itself when it is not a refusal by a rule of the database.
    """
    from netspo_lib import locks  # locks builds on access and audit; import on demand

    code = trigger_code(exc)
    if code == "period_locked":
        return locks.PeriodLocked(TRIGGER_MESSAGES[code])
    if code == "marks_frozen":
        return locks.MarksFrozen(TRIGGER_MESSAGES[code])
    message = explain_db_error(exc)
    if message is None:
        raise exc
    return DataRefused(message)
