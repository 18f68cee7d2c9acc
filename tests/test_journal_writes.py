"""The journal's write path (R-4.10.a, R-4.10.b, R-4.10.d): who may write, what is
accepted, what is stored, and the optimistic version check; locks are in test_locks.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from netspo_lib import db, journal
from netspo_lib import models as m
from netspo_lib.access import AccessDenied, Actor
from netspo_lib.clock import now
from netspo_lib.enums import AssessmentForm, AttendanceCode, FinalResult, Role, WorkKind
from netspo_lib.journal import ConcurrentChange, JournalInputError, NotFound

from .factories import T0
from .world import World, add_lesson, build_world, seed_journal


@dataclass
class J:
    engine: Engine
    w: World
    lesson2: int

    @property
    def teacher(self) -> Actor:
        return self.w.actors[Role.TEACHER]


@pytest.fixture
def j(engine: Engine) -> J:
    with db.transaction(engine) as s:
        w = build_world(s)
        lesson2 = seed_journal(s, w)
    return J(engine, w, lesson2)


def lesson_kwargs(j: J, **over: object) -> dict[str, object]:
    kwargs: dict[str, object] = {
        "group_id": j.w.group_a,
        "curriculum_item_id": j.w.item_taught,
        "period_id": j.w.period_taught,
        "lesson_date": date(2025, 9, 9),
        "pair_number": 3,
        "topic": "  Файловые системы ",
    }
    kwargs.update(over)
    return kwargs


# --- lessons ----------------------------------------------------------------------------
def test_teacher_records_a_lesson(j: J) -> None:
    """R-4.10.a: the teacher enters the lesson held; the teacher is the acting user."""
    with db.transaction(j.engine) as s:
        lesson = journal.record_lesson(s, j.teacher, **lesson_kwargs(j), homework="§ 3", hours=2)  # type: ignore[arg-type]
        lesson_id = lesson.id
    with db.transaction(j.engine) as s:
        stored = s.get(m.Lesson, lesson_id)
        assert stored is not None
        assert (stored.topic, stored.homework, stored.teacher_id) == (
            "Файловые системы",
            "§ 3",
            j.w.teacher_person,
        )
        assert stored.lesson_date == date(2025, 9, 9) and stored.pair_number == 3
        assert abs((stored.created_at - now()).total_seconds()) < 60


LESSON_INPUT: list[tuple[dict[str, object], str]] = [
    ({"lesson_date": date(2026, 1, 15)}, "Дата занятия 15.01.2026 вне периода «1 семестр 2025/2026»"),
    ({"topic": "   "}, "Укажите тему занятия"),
    ({"topic": "т" * 501}, "Тема занятия длиннее 500 символов"),
    ({"pair_number": 9}, "Номер пары — от 1 до 8"),
    ({"hours": 0}, "от 1 до 8 академических часов"),
    ({"lesson_date": date(2025, 9, 2), "pair_number": 1}, "02.09.2025 на 1-й паре уже записано занятие"),
]


def test_lesson_input_is_checked(j: J) -> None:
    with db.transaction(j.engine) as s:
        before = s.scalar(sa.select(sa.func.count()).select_from(m.Lesson))
        for over, message in LESSON_INPUT:
            with pytest.raises(JournalInputError, match=message):
                journal.record_lesson(s, j.teacher, **lesson_kwargs(j, **over))  # type: ignore[arg-type]
        assert s.scalar(sa.select(sa.func.count()).select_from(m.Lesson)) == before


def test_subgroup_lessons(j: J) -> None:
    """Two subgroups may share a pair; a subgroup of another group is refused."""
    with db.transaction(j.engine) as s:
        own = m.Subgroup(
            group_id=j.w.group_a, name="1 подгруппа", curriculum_item_id=j.w.item_taught, created_at=T0
        )
        other = m.Subgroup(group_id=j.w.group_b, name="чужая", created_at=T0)
        s.add_all([own, other])
        s.flush()
        first = journal.record_lesson(s, j.teacher, **lesson_kwargs(j), subgroup_id=own.id)  # type: ignore[arg-type]
        with pytest.raises(JournalInputError, match="не относится к группе ИСП-25"):
            journal.record_lesson(s, j.teacher, **lesson_kwargs(j, pair_number=4), subgroup_id=other.id)  # type: ignore[arg-type]
        # a student outside the subgroup gets no mark at its lesson
        with pytest.raises(JournalInputError, match="не входит в подгруппу «1 подгруппа»"):
            journal.set_mark(s, j.teacher, lesson_id=first.id, student_id=j.w.student_a, value=5)
        s.add(m.SubgroupMember(subgroup_id=own.id, student_id=j.w.student_a))
        s.flush()
        assert (
            journal.set_mark(s, j.teacher, lesson_id=first.id, student_id=j.w.student_a, value=5).value == 5
        )


def test_update_lesson_topic(j: J) -> None:
    with db.transaction(j.engine) as s:
        lesson = journal.update_lesson_topic(
            s, j.teacher, lesson_id=j.w.lesson_a, topic="Введение в ОС", homework="§1"
        )
        assert (lesson.topic, lesson.homework) == ("Введение в ОС", "§1")
        journal.update_lesson_topic(s, j.teacher, lesson_id=j.w.lesson_a, topic="Введение в ОС")
        assert lesson.homework == "§1"  # homework not given: kept
        journal.update_lesson_topic(
            s, j.teacher, lesson_id=j.w.lesson_a, topic="Введение в ОС", homework=None
        )
        assert lesson.homework is None
        with pytest.raises(JournalInputError, match="Укажите тему"):
            journal.update_lesson_topic(s, j.teacher, lesson_id=j.w.lesson_a, topic="")
        with pytest.raises(NotFound, match="Занятие не найдено"):
            journal.update_lesson_topic(s, j.teacher, lesson_id=999_999, topic="x")


# --- who may write ----------------------------------------------------------------------
def test_teacher_cannot_write_another_groups_or_disciplines_journal(j: J) -> None:
    """R-4.10.a: only the groups, disciplines and periods the teacher teaches."""
    with db.transaction(j.engine) as s:
        lesson_b = add_lesson(
            s,
            group_id=j.w.group_b,
            item_id=j.w.item_other,
            period_id=j.w.period_taught,
            teacher_person=j.w.other_teacher_person,
            day=date(2025, 9, 10),
        )
        other_item = add_lesson(
            s,
            group_id=j.w.group_a,
            item_id=j.w.item_other,
            period_id=j.w.period_taught,
            teacher_person=j.w.other_teacher_person,
            day=date(2025, 9, 10),
        )
    attempts = {
        "another group's lesson": lambda s: journal.record_lesson(
            s, j.teacher, **lesson_kwargs(j, group_id=j.w.group_b, curriculum_item_id=j.w.item_other)
        ),
        "another discipline": lambda s: journal.record_lesson(
            s, j.teacher, **lesson_kwargs(j, curriculum_item_id=j.w.item_other)
        ),
        "another period": lambda s: journal.record_lesson(
            s, j.teacher, **lesson_kwargs(j, period_id=j.w.period_other, lesson_date=date(2026, 2, 3))
        ),
        "mark in another group": lambda s: journal.set_mark(
            s, j.teacher, lesson_id=lesson_b, student_id=j.w.student_b, value=5
        ),
        "mark in another discipline": lambda s: journal.set_mark(
            s, j.teacher, lesson_id=other_item, student_id=j.w.student_a, value=5
        ),
        "topic of another group": lambda s: journal.update_lesson_topic(
            s, j.teacher, lesson_id=lesson_b, topic="x"
        ),
        "attendance in another group": lambda s: journal.set_attendance(
            s, j.teacher, lesson_id=lesson_b, student_id=j.w.student_b, code="НП"
        ),
        "final grade of another group": lambda s: journal.set_final_grade(
            s,
            j.teacher,
            student_id=j.w.student_b,
            curriculum_item_id=j.w.item_other,
            period_id=j.w.period_taught,
            result="5",
        ),
        "final grade of another discipline": lambda s: journal.set_final_grade(
            s,
            j.teacher,
            student_id=j.w.student_a,
            curriculum_item_id=j.w.item_other,
            period_id=j.w.period_taught,
            result="5",
        ),
    }
    for what, attempt in attempts.items():
        with db.transaction(j.engine) as s, pytest.raises(AccessDenied) as denied:
            attempt(s)
        assert str(denied.value).startswith("Недостаточно прав: у пользователя u_teacher"), what


def test_only_teachers_write_the_journal(j: J) -> None:
    """R-4.7.a, R-4.12.a: curators, the director and every other role read without editing."""
    for role, actor in j.w.actors.items():
        if role == Role.TEACHER:
            continue
        with db.transaction(j.engine) as s:
            with pytest.raises(AccessDenied, match="«ведение журнала"):
                journal.set_mark(s, actor, lesson_id=j.w.lesson_a, student_id=j.w.student_a, value=5)
            with pytest.raises(AccessDenied, match="«выставление итоговых оценок»"):
                journal.set_final_grade(
                    s,
                    actor,
                    student_id=j.w.student_a,
                    curriculum_item_id=j.w.item_taught,
                    period_id=j.w.period_taught,
                    result="5",
                )
            with pytest.raises(AccessDenied):
                journal.record_lesson(s, actor, **lesson_kwargs(j))  # type: ignore[arg-type]
            with pytest.raises(AccessDenied):
                journal.update_lesson_topic(s, actor, lesson_id=j.w.lesson_a, topic="x")
            with pytest.raises(AccessDenied):
                journal.clear_attendance(s, actor, lesson_id=j.w.lesson_a, student_id=j.w.student_a)
    with db.transaction(j.engine) as s, pytest.raises(AccessDenied, match="неавторизованного"):
        journal.delete_mark(s, None, lesson_id=j.w.lesson_a, student_id=j.w.student_a)


# --- marks ------------------------------------------------------------------------------
def test_set_mark_inserts_then_updates_with_a_new_version(j: J) -> None:
    with db.transaction(j.engine) as s:
        mark = journal.set_mark(
            s,
            j.teacher,
            lesson_id=j.lesson2,
            student_id=j.w.student_a,
            value="5",
            work_kind="контрольная работа",
            weight="1,5",
        )
        assert (mark.value, mark.weight, mark.work_kind, mark.version) == (5, 1.5, WorkKind.CONTROL, 1)
        assert mark.entered_by_id == j.teacher.account_id
        mark_id = mark.id
    with db.transaction(j.engine) as s:
        same = journal.set_mark(
            s,
            j.teacher,
            lesson_id=j.lesson2,
            student_id=j.w.student_a,
            value=5,
            work_kind=WorkKind.CONTROL,
            weight=1.5,
        )
        assert same.version == 1  # nothing changed, nothing written
        changed = journal.set_mark(
            s,
            j.teacher,
            lesson_id=j.lesson2,
            student_id=j.w.student_a,
            value=4,
            work_kind=WorkKind.CONTROL,
            weight=1.5,
        )
        assert (changed.id, changed.value, changed.version) == (mark_id, 4, 2)
        other_kind = journal.set_mark(s, j.teacher, lesson_id=j.lesson2, student_id=j.w.student_a, value=3)
        assert other_kind.id != mark_id  # oral and control work are two marks
    with db.transaction(j.engine) as s:
        stored = s.get(m.Mark, mark_id)
        assert stored is not None and (stored.value, stored.version) == (4, 2)


MARK_INPUT: list[tuple[dict[str, object], str]] = [
    ({"value": 6}, "Отметка должна быть от 2 до 5"),
    ({"value": 1}, "Отметка должна быть от 2 до 5"),
    ({"value": "отл"}, "Отметка должна быть от 2 до 5"),
    ({"value": True}, "Отметка должна быть от 2 до 5"),
    ({"value": 5, "weight": 0}, "Вес отметки должен быть числом больше 0 и не больше 10"),
    ({"value": 5, "weight": 11}, "Вес отметки"),
    ({"value": 5, "weight": 1.25}, "с точностью до десятых"),
    ({"value": 5, "work_kind": "реферат"}, "Неизвестное значение «реферат» \\(вид работы\\)"),
]


def test_mark_input_is_checked(j: J) -> None:
    with db.transaction(j.engine) as s:
        for kwargs, message in MARK_INPUT:
            with pytest.raises(JournalInputError, match=message):
                journal.set_mark(s, j.teacher, lesson_id=j.lesson2, student_id=j.w.student_a, **kwargs)  # type: ignore[arg-type]
        assert s.scalar(sa.select(sa.func.count()).select_from(m.Mark)) == 1


def test_marks_only_for_students_of_the_lesson(j: J) -> None:
    with db.transaction(j.engine) as s:
        student_a = s.get(m.Student, j.w.student_a)
        assert student_a is not None
        with pytest.raises(
            JournalInputError, match=re.escape("Студент Борисов И.И. не учится в группе ИСП-25")
        ):
            journal.set_mark(s, j.teacher, lesson_id=j.lesson2, student_id=j.w.student_b, value=5)
        with pytest.raises(NotFound, match="Студент не найден"):
            journal.set_mark(s, j.teacher, lesson_id=j.lesson2, student_id=999_999, value=5)
        student_a.left_on = date(2025, 9, 2)
        student_a.enrolled_on = date(2025, 9, 1)
        s.flush()
        with pytest.raises(JournalInputError, match=re.escape("выбыл 02.09.2025, раньше занятия 03.09.2025")):
            journal.set_mark(s, j.teacher, lesson_id=j.lesson2, student_id=j.w.student_a, value=5)
        student_a.left_on = None
        student_a.enrolled_on = date(2025, 9, 10)
        s.flush()
        with pytest.raises(
            JournalInputError, match=re.escape("зачислен 10.09.2025, позже занятия 03.09.2025")
        ):
            journal.set_mark(s, j.teacher, lesson_id=j.lesson2, student_id=j.w.student_a, value=5)
        s.rollback()


def test_delete_mark(j: J) -> None:
    with db.transaction(j.engine) as s:
        assert journal.delete_mark(s, j.teacher, lesson_id=j.w.lesson_a, student_id=j.w.student_a)
        assert not journal.delete_mark(s, j.teacher, lesson_id=j.w.lesson_a, student_id=j.w.student_a)
    with db.transaction(j.engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(m.Mark)) == 0


def test_expected_version_refuses_a_save_over_a_newer_change(j: J) -> None:
    """Two users saw version 1; the second save is refused instead of overwriting."""
    kw = {"lesson_id": j.w.lesson_a, "student_id": j.w.student_a}
    with db.transaction(j.engine) as s:
        assert journal.set_mark(s, j.teacher, **kw, value=5, expected_version=1).version == 2
    with db.transaction(j.engine) as s:
        with pytest.raises(ConcurrentChange, match="уже изменена другим пользователем"):
            journal.set_mark(s, j.teacher, **kw, value=3, expected_version=1)
        with pytest.raises(ConcurrentChange):
            journal.delete_mark(s, j.teacher, **kw, expected_version=1)
        with pytest.raises(ConcurrentChange, match="уже удалена"):
            journal.set_mark(
                s, j.teacher, lesson_id=j.lesson2, student_id=j.w.student_a, value=3, expected_version=2
            )
        assert journal.set_mark(
            s, j.teacher, lesson_id=j.lesson2, student_id=j.w.student_a, value=3, expected_version=0
        )
        with pytest.raises(ConcurrentChange):
            journal.set_attendance(s, j.teacher, **kw, code="Б", expected_version=7)
        with pytest.raises(ConcurrentChange):
            journal.set_final_grade(
                s,
                j.teacher,
                student_id=j.w.student_a,
                curriculum_item_id=j.w.item_taught,
                period_id=j.w.period_taught,
                result="5",
                expected_version=1,
            )
    with db.transaction(j.engine) as s:
        mark = s.scalar(sa.select(m.Mark).where(m.Mark.lesson_id == j.w.lesson_a))
        assert mark is not None and (mark.value, mark.version) == (5, 2)


def test_a_stale_row_in_the_session_is_not_saved_over_a_newer_change(j: J) -> None:
    """The conditional UPDATE compares the version the session saw with the stored one."""
    kw = {"lesson_id": j.w.lesson_a, "student_id": j.w.student_a}
    with db.session_factory(j.engine)() as first:
        seen = first.scalar(sa.select(m.Mark).where(m.Mark.lesson_id == j.w.lesson_a))
        assert seen is not None and seen.version == 1
        first.commit()  # the first user has the row in the page; the transaction is over
        with db.transaction(j.engine) as second:
            journal.set_mark(second, j.teacher, **kw, value=2)
        with first.begin(), pytest.raises(ConcurrentChange, match="только что изменена"):
            journal.set_mark(first, j.teacher, **kw, value=3)


# --- attendance -------------------------------------------------------------------------
def test_attendance(j: J) -> None:
    kw = {"lesson_id": j.lesson2, "student_id": j.w.student_a}
    with db.transaction(j.engine) as s:
        row = journal.set_attendance(s, j.teacher, **kw, code="Б")
        assert (row.code, row.hours, row.version) == (AttendanceCode.SICK, 2, 1)
        row = journal.set_attendance(s, j.teacher, **kw, code=AttendanceCode.LATE)
        assert (row.code, row.hours, row.version) == (AttendanceCode.LATE, 0, 2)
        row = journal.set_attendance(s, j.teacher, **kw, code="unexcused", hours=1)
        assert (row.code, row.hours, row.version) == (AttendanceCode.UNEXCUSED, 1, 3)
        with pytest.raises(JournalInputError, match="Пропущено 3 ч, а занятие длилось 2 ч"):
            journal.set_attendance(s, j.teacher, **kw, code="НП", hours=3)
        with pytest.raises(JournalInputError, match="Для отсутствия \\(«УП»\\) укажите пропущенные часы"):
            journal.set_attendance(s, j.teacher, **kw, code="УП", hours=0)
        with pytest.raises(JournalInputError, match="код посещаемости"):
            journal.set_attendance(s, j.teacher, **kw, code="прогул")
        assert journal.clear_attendance(s, j.teacher, **kw)
        assert not journal.clear_attendance(s, j.teacher, **kw)


# --- final grades -----------------------------------------------------------------------
def test_final_grade_set_then_changed(j: J) -> None:
    """R-4.10.d: set_by/set_at are the teacher and now; a change bumps the version."""
    kw = {"student_id": j.w.student_a, "curriculum_item_id": j.w.item_taught, "period_id": j.w.period_taught}
    with db.transaction(j.engine) as s:
        grade = journal.set_final_grade(s, j.teacher, **kw, result="4")
        assert (grade.result, grade.version, grade.set_by_id) == (FinalResult.FOUR, 1, j.teacher.account_id)
        assert abs((grade.set_at - now()).total_seconds()) < 60
        assert journal.set_final_grade(s, j.teacher, **kw, result=FinalResult.FOUR).version == 1
        grade = journal.set_final_grade(s, j.teacher, **kw, result="н/а", expected_version=1)
        assert (grade.result, grade.version) == (FinalResult.NOT_ATTESTED, 2)


def test_final_grade_fits_the_form_of_assessment(j: J) -> None:
    kw = {"student_id": j.w.student_a, "curriculum_item_id": j.w.item_taught, "period_id": j.w.period_taught}
    with db.transaction(j.engine) as s:
        with pytest.raises(
            JournalInputError, match="форма контроля — экзамен: выставляется оценка 5, 4, 3, 2"
        ):
            journal.set_final_grade(s, j.teacher, **kw, result="зачёт")
        with pytest.raises(JournalInputError, match="итоговая оценка"):
            journal.set_final_grade(s, j.teacher, **kw, result="6")
        item = s.get(m.CurriculumItem, j.w.item_taught)
        assert item is not None
        item.assessment = AssessmentForm.CREDIT
        s.flush()
        with pytest.raises(JournalInputError, match="форма контроля — зачёт"):
            journal.set_final_grade(s, j.teacher, **kw, result="5")
        assert journal.set_final_grade(s, j.teacher, **kw, result="зачет").result == FinalResult.PASS
        assert journal.set_final_grade(s, j.teacher, **kw, result="осв.").result == FinalResult.EXEMPT
