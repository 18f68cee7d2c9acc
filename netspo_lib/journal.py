"""The journal's write path: lessons and their topics, marks, attendance, final grades.

R-4.10.a: a teacher records the journal only of the groups and disciplines taught;
R-4.10.b: marks are frozen once the final grade is set; R-4.10.d: the teacher sets the
final grades; R-4.2.e: nothing changes in a locked period.

Every function takes the session and the acting user and, in the caller's transaction:
asks ``access.require``, checks ``locks`` (a closed period is the first thing to say),
validates the input (Russian messages), writes, and appends an ``audit`` event with the
values before and after. Updates of
marks, attendance and final grades bump ``version`` with a conditional UPDATE, so two
users saving the same row cannot silently overwrite each other; pass
``expected_version`` (the version the user saw) to refuse a save over a newer change.
"""

from __future__ import annotations

from datetime import date
from types import EllipsisType
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import audit, locks, refusals
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.clock import fmt_date, now
from netspo_lib.enums import AssessmentForm, AttendanceCode, FinalResult, LabeledEnum, WorkKind
from netspo_lib.errors import NetspoError


class JournalInputError(NetspoError):
    """The journal entry is not valid (a mark out of range, a student of another group)."""


class NotFound(NetspoError):
    """The row the user acts on does not exist (any more)."""


class ConcurrentChange(NetspoError):
    """Someone else changed or deleted the row since the user saw it."""


E = TypeVar("E", bound=LabeledEnum)

# Attendance codes that mean the student missed (part of) the lesson.
ABSENCE_CODES = frozenset({AttendanceCode.EXCUSED, AttendanceCode.SICK, AttendanceCode.UNEXCUSED})

GRADED = frozenset({FinalResult.FIVE, FinalResult.FOUR, FinalResult.THREE, FinalResult.TWO})
PASS_FAIL = frozenset({FinalResult.PASS, FinalResult.FAIL})
ALWAYS = frozenset({FinalResult.NOT_ATTESTED, FinalResult.EXEMPT})
GRADED_FORMS = frozenset(
    {AssessmentForm.EXAM, AssessmentForm.DIFF_CREDIT, AssessmentForm.COURSE_WORK, AssessmentForm.QUAL_EXAM}
)

TEXT_LIMIT = 500


# --- helpers ---------------------------------------------------------------------------
def _flush(session: Session) -> None:
    """Flush, turning a refusal of the database (a lock trigger that fired between the
    check and the write, a unique key) into the user's Russian error."""
    try:
        session.flush()
    except sa.exc.DBAPIError as exc:
        raise refusals.refused(exc) from exc


def _execute(session: Session, statement: sa.Executable) -> sa.CursorResult[Any]:
    try:
        return session.execute(statement, execution_options={"synchronize_session": False})  # type: ignore[return-value]
    except sa.exc.DBAPIError as exc:
        raise refusals.refused(exc) from exc


def _enum(enum_cls: type[E], value: E | str, what: str) -> E:
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls.from_label(str(value))
    except ValueError:
        choices = ", ".join(f"«{member.label}»" for member in enum_cls)
        raise JournalInputError(f"Неизвестное значение «{value}» ({what}); возможные: {choices}.") from None


def _int(value: Any, message: str) -> int:
    if isinstance(value, bool):
        raise JournalInputError(message)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise JournalInputError(message)


# Texts of a lesson: (the name, the name as in «Укажите ...»).
_TEXT_NAMES = {
    "topic": ("Тема занятия", "тему занятия"),
    "homework": ("Домашнее задание", "домашнее задание"),
}


def _text(value: str | None, field: str, *, required: bool) -> str | None:
    name, accusative = _TEXT_NAMES[field]
    text = (value or "").strip()
    if not text:
        if required:
            raise JournalInputError(f"Укажите {accusative}.")
        return None
    if len(text) > TEXT_LIMIT:
        raise JournalInputError(f"{name} длиннее {TEXT_LIMIT} символов.")
    return text


def _get(session: Session, model: type[Any], row_id: int, message: str) -> Any:
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(message)
    return row


def _item_label(item: m.CurriculumItem) -> str:
    return f"{item.index} {item.name}"


def _lesson_resource(session: Session, lesson: m.Lesson, student_id: int | None = None) -> Resource:
    group = session.get(m.Group, lesson.group_id)
    item = session.get(m.CurriculumItem, lesson.curriculum_item_id)
    where = f"группа {group.name if group else lesson.group_id}"
    if item is not None:
        where += f", «{_item_label(item)}»"
    return Resource(
        group_id=lesson.group_id,
        student_id=student_id,
        curriculum_item_id=lesson.curriculum_item_id,
        period_id=lesson.period_id,
        description=f"{where}, занятие {fmt_date(lesson.lesson_date)}",
    )


def _check_version(row: Any, expected_version: int | None, what: str) -> None:
    """Refuse a save over a change the user has not seen (optimistic concurrency)."""
    if expected_version is None:
        return
    if row is None and expected_version != 0:
        raise ConcurrentChange(f"{what} уже удалена другим пользователем: обновите журнал и повторите.")
    if row is not None and row.version != expected_version:
        raise ConcurrentChange(
            f"{what} уже изменена другим пользователем (версия {row.version}, а у вас {expected_version}): "
            "обновите журнал и повторите."
        )


def _update_versioned(session: Session, row: Any, values: dict[str, Any], what: str) -> None:
    """UPDATE ... WHERE version = <seen>: a concurrent save in between makes it match nothing."""
    model = type(row)
    seen = row.version
    result = _execute(
        session,
        sa.update(model).where(model.id == row.id, model.version == seen).values(**values, version=seen + 1),
    )
    if result.rowcount != 1:
        raise ConcurrentChange(
            f"{what} только что изменена другим пользователем: обновите журнал и повторите."
        )
    session.refresh(row)


def _delete_versioned(session: Session, row: Any, what: str) -> None:
    model = type(row)
    result = _execute(session, sa.delete(model).where(model.id == row.id, model.version == row.version))
    if result.rowcount != 1:
        raise ConcurrentChange(
            f"{what} только что изменена другим пользователем: обновите журнал и повторите."
        )
    session.expunge(row)


def _student_of_lesson(session: Session, lesson: m.Lesson, student_id: int) -> m.Student:
    """The student, if the lesson's group (or subgroup) had them on the lesson's date."""
    student = session.get(m.Student, student_id)
    if student is None:
        raise NotFound("Студент не найден.")
    name = student.person.short_name
    group = session.get(m.Group, lesson.group_id)
    group_name = group.name if group else str(lesson.group_id)
    if student.group_id != lesson.group_id:
        raise JournalInputError(f"Студент {name} не учится в группе {group_name}.")
    if lesson.subgroup_id is not None:
        member = session.get(m.SubgroupMember, (lesson.subgroup_id, student_id))
        if member is None:
            subgroup = session.get(m.Subgroup, lesson.subgroup_id)
            label = subgroup.name if subgroup else str(lesson.subgroup_id)
            raise JournalInputError(f"Студент {name} не входит в подгруппу «{label}» группы {group_name}.")
    if student.enrolled_on > lesson.lesson_date:
        raise JournalInputError(
            f"Студент {name} зачислен {fmt_date(student.enrolled_on)}, "
            f"позже занятия {fmt_date(lesson.lesson_date)}."
        )
    if student.left_on is not None and student.left_on < lesson.lesson_date:
        raise JournalInputError(
            f"Студент {name} выбыл {fmt_date(student.left_on)}, "
            f"раньше занятия {fmt_date(lesson.lesson_date)}."
        )
    return student


# --- lessons ---------------------------------------------------------------------------
def record_lesson(
    session: Session,
    actor: Actor | None,
    *,
    group_id: int,
    curriculum_item_id: int,
    period_id: int,
    lesson_date: date,
    pair_number: int,
    topic: str,
    hours: int = 2,
    homework: str | None = None,
    subgroup_id: int | None = None,
) -> m.Lesson:
    """Enter a lesson held (its topic, hours, homework) into the journal (R-4.10.a).

    The teacher is the acting user; the date must lie in the period, the period must not
    be locked for the group (R-4.2.e), and the pair must not already have a lesson.
    """
    group = _get(session, m.Group, group_id, "Группа не найдена.")
    item = _get(session, m.CurriculumItem, curriculum_item_id, "Дисциплина не найдена.")
    period = _get(session, m.StudyPeriod, period_id, "Учебный период не найден.")
    period_name = locks.period_label(session, period_id)
    require(
        session,
        actor,
        Action.JOURNAL_WRITE,
        Resource(
            group_id=group_id,
            curriculum_item_id=curriculum_item_id,
            period_id=period_id,
            description=f"группа {group.name}, «{_item_label(item)}», {period_name}",
        ),
    )
    assert actor is not None
    locks.check_writable(session, period_id=period_id, group_id=group_id)
    topic_text = _text(topic, "topic", required=True)
    homework_text = _text(homework, "homework", required=False)
    hours = _int(hours, "Продолжительность занятия — от 1 до 8 академических часов.")
    if not 1 <= hours <= 8:
        raise JournalInputError("Продолжительность занятия — от 1 до 8 академических часов.")
    pair_number = _int(pair_number, "Номер пары — от 1 до 8.")
    if not 1 <= pair_number <= 8:
        raise JournalInputError("Номер пары — от 1 до 8.")
    if not isinstance(lesson_date, date):
        raise JournalInputError("Укажите дату занятия.")
    if not period.starts_on <= lesson_date <= period.ends_on:
        raise JournalInputError(
            f"Дата занятия {fmt_date(lesson_date)} вне периода «{period_name}» "
            f"({fmt_date(period.starts_on)}–{fmt_date(period.ends_on)})."
        )
    college_id = session.scalar(
        sa.select(m.AcademicYear.college_id).where(m.AcademicYear.id == period.academic_year_id)
    )
    if college_id != group.college_id:
        raise JournalInputError(f"Период «{period_name}» относится к другому колледжу.")
    if group.curriculum_id is not None and item.curriculum_id != group.curriculum_id:
        raise JournalInputError(f"«{_item_label(item)}» не входит в учебный план группы {group.name}.")
    if subgroup_id is not None:
        subgroup = _get(session, m.Subgroup, subgroup_id, "Подгруппа не найдена.")
        if subgroup.group_id != group_id:
            raise JournalInputError(f"Подгруппа «{subgroup.name}» не относится к группе {group.name}.")
        if subgroup.curriculum_item_id not in (None, curriculum_item_id):
            raise JournalInputError(f"Подгруппа «{subgroup.name}» сформирована для другой дисциплины.")
    lesson_cls = m.Lesson
    same_slot = sa.select(lesson_cls.id).where(
        lesson_cls.group_id == group_id,
        lesson_cls.lesson_date == lesson_date,
        lesson_cls.pair_number == pair_number,
    )
    if subgroup_id is not None:  # two subgroups may have the same pair; the whole group may not
        same_slot = same_slot.where(
            sa.or_(lesson_cls.subgroup_id.is_(None), lesson_cls.subgroup_id == subgroup_id)
        )
    if session.scalar(same_slot.limit(1)) is not None:
        raise JournalInputError(
            f"У группы {group.name} {fmt_date(lesson_date)} на {pair_number}-й паре уже записано занятие."
        )
    lesson = m.Lesson(
        group_id=group_id,
        subgroup_id=subgroup_id,
        curriculum_item_id=curriculum_item_id,
        period_id=period_id,
        teacher_id=actor.person_id,
        lesson_date=lesson_date,
        pair_number=pair_number,
        hours=hours,
        topic=topic_text,
        homework=homework_text,
        created_at=now(),
    )
    session.add(lesson)
    _flush(session)
    audit.record(
        session,
        actor,
        "lesson.create",
        "lessons",
        lesson.id,
        after=audit.snapshot(lesson),
        group_id=group_id,
    )
    return lesson


def update_lesson_topic(
    session: Session,
    actor: Actor | None,
    *,
    lesson_id: int,
    topic: str,
    homework: str | EllipsisType | None = ...,
    reason: str | None = None,
) -> m.Lesson:
    """Change a lesson's topic (and homework, when given; None clears it) (R-4.10.a).

    Refused in a locked period (R-4.2.e). Nothing is written when nothing changes.
    """
    lesson = _get(session, m.Lesson, lesson_id, "Занятие не найдено.")
    require(session, actor, Action.JOURNAL_WRITE, _lesson_resource(session, lesson))
    locks.check_writable(session, period_id=lesson.period_id, group_id=lesson.group_id)
    values: dict[str, Any] = {"topic": _text(topic, "topic", required=True)}
    if not isinstance(homework, EllipsisType):
        values["homework"] = _text(homework, "homework", required=False)
    if all(getattr(lesson, k) == v for k, v in values.items()):
        return lesson
    before = audit.snapshot(lesson, list(values))
    for key, value in values.items():
        setattr(lesson, key, value)
    _flush(session)
    audit.record(
        session,
        actor,
        "lesson.update",
        "lessons",
        lesson.id,
        before=before,
        after=audit.snapshot(lesson, list(values)),
        reason=reason,
        group_id=lesson.group_id,
    )
    return lesson


# --- marks -----------------------------------------------------------------------------
def _mark_value(value: Any) -> int:
    number = _int(value, "Отметка должна быть от 2 до 5.")
    if not 2 <= number <= 5:
        raise JournalInputError("Отметка должна быть от 2 до 5.")
    return number


def _mark_weight(weight: Any) -> float:
    try:
        number = float(weight.replace(",", ".")) if isinstance(weight, str) else float(weight)
    except (TypeError, ValueError):
        raise JournalInputError("Вес отметки должен быть числом больше 0 и не больше 10.") from None
    if isinstance(weight, bool) or not 0 < number <= 10:
        raise JournalInputError("Вес отметки должен быть числом больше 0 и не больше 10.")
    if round(number, 1) != number:
        raise JournalInputError("Вес отметки задаётся с точностью до десятых, например 1,5.")
    return number


def _find_mark(session: Session, lesson_id: int, student_id: int, work_kind: WorkKind) -> m.Mark | None:
    return session.scalar(
        sa.select(m.Mark).where(
            m.Mark.lesson_id == lesson_id, m.Mark.student_id == student_id, m.Mark.work_kind == work_kind
        )
    )


def set_mark(
    session: Session,
    actor: Actor | None,
    *,
    lesson_id: int,
    student_id: int,
    value: int,
    work_kind: WorkKind | str = WorkKind.ORAL,
    weight: float = 1.0,
    expected_version: int | None = None,
    reason: str | None = None,
) -> m.Mark:
    """Put or change a student's mark for a kind of work at a lesson (R-4.10.a).

    Refused in a locked period (R-4.2.e) and after the final grade of the discipline for
    the period (R-4.10.b). ``expected_version`` 0 means «there was no mark».
    """
    lesson = _get(session, m.Lesson, lesson_id, "Занятие не найдено.")
    require(session, actor, Action.JOURNAL_WRITE, _lesson_resource(session, lesson, student_id))
    assert actor is not None
    locks.check_writable(
        session,
        period_id=lesson.period_id,
        group_id=lesson.group_id,
        student_id=student_id,
        curriculum_item_id=lesson.curriculum_item_id,
    )
    _student_of_lesson(session, lesson, student_id)
    number = _mark_value(value)
    kind = _enum(WorkKind, work_kind, "вид работы")
    mark_weight = _mark_weight(weight)
    mark = _find_mark(session, lesson_id, student_id, kind)
    _check_version(mark, expected_version, "Отметка")
    if mark is None:
        mark = m.Mark(
            lesson_id=lesson_id,
            student_id=student_id,
            value=number,
            weight=mark_weight,
            work_kind=kind,
            entered_at=now(),
            entered_by_id=actor.account_id,
            version=1,
        )
        session.add(mark)
        _flush(session)
        action, before = "mark.create", None
    elif mark.value == number and float(mark.weight) == mark_weight:
        return mark
    else:
        before = audit.snapshot(mark)
        _update_versioned(
            session,
            mark,
            {"value": number, "weight": mark_weight, "entered_at": now(), "entered_by_id": actor.account_id},
            "Отметка",
        )
        action = "mark.update"
    audit.record(
        session,
        actor,
        action,
        "marks",
        mark.id,
        before=before,
        after=audit.snapshot(mark),
        reason=reason,
        group_id=lesson.group_id,
        student_id=student_id,
    )
    return mark


def delete_mark(
    session: Session,
    actor: Actor | None,
    *,
    lesson_id: int,
    student_id: int,
    work_kind: WorkKind | str = WorkKind.ORAL,
    expected_version: int | None = None,
    reason: str | None = None,
) -> bool:
    """Remove a mark; False when there was none. Locks and frozen marks as in :func:`set_mark`."""
    lesson = _get(session, m.Lesson, lesson_id, "Занятие не найдено.")
    require(session, actor, Action.JOURNAL_WRITE, _lesson_resource(session, lesson, student_id))
    locks.check_writable(
        session,
        period_id=lesson.period_id,
        group_id=lesson.group_id,
        student_id=student_id,
        curriculum_item_id=lesson.curriculum_item_id,
    )
    kind = _enum(WorkKind, work_kind, "вид работы")
    mark = _find_mark(session, lesson_id, student_id, kind)
    _check_version(mark, expected_version, "Отметка")
    if mark is None:
        return False
    before = audit.snapshot(mark)
    mark_id = mark.id
    _delete_versioned(session, mark, "Отметка")
    audit.record(
        session,
        actor,
        "mark.delete",
        "marks",
        mark_id,
        before=before,
        reason=reason,
        group_id=lesson.group_id,
        student_id=student_id,
    )
    return True


# --- attendance ------------------------------------------------------------------------
def _find_attendance(session: Session, lesson_id: int, student_id: int) -> m.Attendance | None:
    return session.scalar(
        sa.select(m.Attendance).where(
            m.Attendance.lesson_id == lesson_id, m.Attendance.student_id == student_id
        )
    )


def set_attendance(
    session: Session,
    actor: Actor | None,
    *,
    lesson_id: int,
    student_id: int,
    code: AttendanceCode | str,
    hours: int | None = None,
    expected_version: int | None = None,
    reason: str | None = None,
) -> m.Attendance:
    """Record an absence (УП, Б, НП), lateness (ОП) or exemption (ОСВ) at a lesson
    (R-4.10.a). ``hours`` missed defaults to the whole lesson, 0 for lateness.

    Refused in a locked period (R-4.2.e); attendance is not frozen by final grades.
    """
    lesson = _get(session, m.Lesson, lesson_id, "Занятие не найдено.")
    require(session, actor, Action.JOURNAL_WRITE, _lesson_resource(session, lesson, student_id))
    assert actor is not None
    locks.check_writable(session, period_id=lesson.period_id, group_id=lesson.group_id)
    _student_of_lesson(session, lesson, student_id)
    mark_code = _enum(AttendanceCode, code, "код посещаемости")
    if hours is None:
        hours = 0 if mark_code == AttendanceCode.LATE else lesson.hours
    missed = _int(hours, f"Пропущенные часы — целое число от 0 до {lesson.hours}.")
    if not 0 <= missed <= lesson.hours:
        raise JournalInputError(f"Пропущено {missed} ч, а занятие длилось {lesson.hours} ч.")
    if mark_code in ABSENCE_CODES and missed == 0:
        raise JournalInputError(
            f"Для отсутствия («{mark_code.label}») укажите пропущенные часы, от 1 до {lesson.hours}."
        )
    row = _find_attendance(session, lesson_id, student_id)
    _check_version(row, expected_version, "Отметка посещаемости")
    if row is None:
        row = m.Attendance(
            lesson_id=lesson_id,
            student_id=student_id,
            code=mark_code,
            hours=missed,
            entered_at=now(),
            entered_by_id=actor.account_id,
            version=1,
        )
        session.add(row)
        _flush(session)
        action, before = "attendance.create", None
    elif row.code == mark_code and row.hours == missed:
        return row
    else:
        before = audit.snapshot(row)
        _update_versioned(
            session,
            row,
            {"code": mark_code, "hours": missed, "entered_at": now(), "entered_by_id": actor.account_id},
            "Отметка посещаемости",
        )
        action = "attendance.update"
    audit.record(
        session,
        actor,
        action,
        "attendance",
        row.id,
        before=before,
        after=audit.snapshot(row),
        reason=reason,
        group_id=lesson.group_id,
        student_id=student_id,
    )
    return row


def clear_attendance(
    session: Session,
    actor: Actor | None,
    *,
    lesson_id: int,
    student_id: int,
    expected_version: int | None = None,
    reason: str | None = None,
) -> bool:
    """Remove an attendance mark (the student was present); False when there was none."""
    lesson = _get(session, m.Lesson, lesson_id, "Занятие не найдено.")
    require(session, actor, Action.JOURNAL_WRITE, _lesson_resource(session, lesson, student_id))
    locks.check_writable(session, period_id=lesson.period_id, group_id=lesson.group_id)
    row = _find_attendance(session, lesson_id, student_id)
    _check_version(row, expected_version, "Отметка посещаемости")
    if row is None:
        return False
    before = audit.snapshot(row)
    row_id = row.id
    _delete_versioned(session, row, "Отметка посещаемости")
    audit.record(
        session,
        actor,
        "attendance.delete",
        "attendance",
        row_id,
        before=before,
        reason=reason,
        group_id=lesson.group_id,
        student_id=student_id,
    )
    return True


# --- final grades ----------------------------------------------------------------------
def _check_result_form(item: m.CurriculumItem, result: FinalResult) -> None:
    """A pass/fail discipline gets «зачёт»/«незачёт», a graded one 5..2; «н/а» and «осв.»
    fit both."""
    form = item.assessment
    if result in ALWAYS or form is None or form == AssessmentForm.OTHER:
        return
    if form == AssessmentForm.CREDIT and result not in PASS_FAIL:
        raise JournalInputError(
            f"По «{_item_label(item)}» форма контроля — зачёт: "
            "выставляется «зачёт», «незачёт», «н/а» или «осв.»."
        )
    if form in GRADED_FORMS and result not in GRADED:
        raise JournalInputError(
            f"По «{_item_label(item)}» форма контроля — {form.label}: "
            "выставляется оценка 5, 4, 3, 2, «н/а» или «осв.»."
        )


def set_final_grade(
    session: Session,
    actor: Actor | None,
    *,
    student_id: int,
    curriculum_item_id: int,
    period_id: int,
    result: FinalResult | str,
    expected_version: int | None = None,
    reason: str | None = None,
) -> m.FinalGrade:
    """Set or change a student's final grade of a discipline for a period (R-4.10.d).

    From then on the student's current marks of it in the period are frozen (R-4.10.b);
    the grade itself may be changed until the period is locked (R-4.2.e).
    """
    student = _get(session, m.Student, student_id, "Студент не найден.")
    item = _get(session, m.CurriculumItem, curriculum_item_id, "Дисциплина не найдена.")
    _get(session, m.StudyPeriod, period_id, "Учебный период не найден.")
    group = session.get(m.Group, student.group_id)
    period_name = locks.period_label(session, period_id)
    require(
        session,
        actor,
        Action.FINAL_GRADE_SET,
        Resource(
            group_id=student.group_id,
            student_id=student_id,
            curriculum_item_id=curriculum_item_id,
            period_id=period_id,
            description=f"{student.person.short_name}, «{_item_label(item)}», {period_name}",
        ),
    )
    assert actor is not None
    locks.check_writable(session, period_id=period_id, group_id=student.group_id)
    grade_result = _enum(FinalResult, result, "итоговая оценка")
    if group is not None and group.curriculum_id is not None and item.curriculum_id != group.curriculum_id:
        raise JournalInputError(f"«{_item_label(item)}» не входит в учебный план группы {group.name}.")
    _check_result_form(item, grade_result)
    grade = session.scalar(
        sa.select(m.FinalGrade).where(
            m.FinalGrade.student_id == student_id,
            m.FinalGrade.curriculum_item_id == curriculum_item_id,
            m.FinalGrade.period_id == period_id,
        )
    )
    _check_version(grade, expected_version, "Итоговая оценка")
    if grade is None:
        grade = m.FinalGrade(
            student_id=student_id,
            curriculum_item_id=curriculum_item_id,
            period_id=period_id,
            result=grade_result,
            set_by_id=actor.account_id,
            set_at=now(),
            version=1,
        )
        session.add(grade)
        _flush(session)
        action, before = "final_grade.create", None
    elif grade.result == grade_result:
        return grade
    else:
        before = audit.snapshot(grade)
        _update_versioned(
            session,
            grade,
            {"result": grade_result, "set_by_id": actor.account_id, "set_at": now()},
            "Итоговая оценка",
        )
        action = "final_grade.update"
    audit.record(
        session,
        actor,
        action,
        "final_grades",
        grade.id,
        before=before,
        after=audit.snapshot(grade),
        reason=reason,
        group_id=student.group_id,
        student_id=student_id,
    )
    return grade


__all__ = [
    "ConcurrentChange",
    "JournalInputError",
    "NotFound",
    "clear_attendance",
    "delete_mark",
    "record_lesson",
    "set_attendance",
    "set_final_grade",
    "set_mark",
    "update_lesson_topic",
]
