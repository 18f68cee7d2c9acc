"""The database itself refuses bad data, and the refusal is explained in Russian.

Each case writes one bad row on top of a valid minimal college and expects the
database (not Python code) to refuse it, leaving the valid rows intact.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.enums import OrderKind, Role, ScopeKind
from netspo_lib.refusals import explain

from .factories import T0, Mini, minimal_college, person


def refusal(engine, build) -> str:  # type: ignore[no-untyped-def]
    """Build the valid college, commit it, then try ``build``; return the Russian refusal."""
    with Session(engine) as session:
        mini = minimal_college(session)
        session.commit()
        before = session.scalar(sa.select(sa.func.count()).select_from(m.Person))
        with pytest.raises(sa.exc.IntegrityError) as caught:
            build(session, mini)
            session.flush()
        session.rollback()
        after = session.scalar(sa.select(sa.func.count()).select_from(m.Person))
        assert before == after, "a refused write must leave the database as it was"
    return explain(caught.value)


def test_duplicate_snils_is_refused(engine) -> None:
    def build(s: Session, mini: Mini) -> None:
        s.add(person("Кузнецова", "Ольга", snils=mini.student.person.snils))

    assert refusal(engine, build) == "Человек с таким СНИЛС уже есть в базе."


def test_snils_must_have_eleven_digits(engine) -> None:
    def build(s: Session, mini: Mini) -> None:
        s.add(person("Кузнецова", "Ольга", snils="123456789"))

    assert "11 цифр" in refusal(engine, build)


@pytest.mark.parametrize("value", [7, 1, 0, 6])
def test_mark_outside_2_to_5_is_refused(engine, value: int) -> None:
    def build(s: Session, mini: Mini) -> None:
        s.add(m.Mark(lesson_id=mini.lesson.id, student_id=mini.student.id, value=value, entered_at=T0))

    assert refusal(engine, build) == "Отметка должна быть от 2 до 5."


def test_mark_of_five_is_accepted(engine) -> None:
    with Session(engine) as session:
        mini = minimal_college(session)
        session.add(m.Mark(lesson_id=mini.lesson.id, student_id=mini.student.id, value=5, entered_at=T0))
        session.commit()
        assert session.scalar(sa.select(m.Mark.value)) == 5


def test_lesson_without_group_is_refused(engine) -> None:
    def build(s: Session, mini: Mini) -> None:
        s.add(
            m.Lesson(
                group_id=None,
                curriculum_item_id=mini.item.id,
                period_id=mini.period.id,
                teacher_id=mini.teacher.id,
                lesson_date=date(2025, 9, 3),
                pair_number=2,
                topic="Без группы",
                created_at=T0,
            )
        )

    assert refusal(engine, build) == "Не заполнено обязательное поле «группа» (Проведённые занятия)."


def test_lesson_of_unknown_group_is_refused(engine) -> None:
    def build(s: Session, mini: Mini) -> None:
        s.add(
            m.Lesson(
                group_id=mini.group.id + 1000,
                curriculum_item_id=mini.item.id,
                period_id=mini.period.id,
                teacher_id=mini.teacher.id,
                lesson_date=date(2025, 9, 3),
                pair_number=2,
                topic="Чужая группа",
                created_at=T0,
            )
        )

    assert refusal(engine, build).startswith("Ссылка на несуществующую запись")


@pytest.mark.parametrize("number", [None, "", "   "])
def test_order_without_number_is_refused(engine, number: str | None) -> None:
    def build(s: Session, mini: Mini) -> None:
        s.add(
            m.Order(
                college_id=mini.college.id,
                kind=OrderKind.EXPULSION,
                number=number,
                order_date=date(2025, 10, 1),
                signed_by="Директор",
                created_at=T0,
            )
        )

    message = refusal(engine, build)
    assert message in ("Не указан номер приказа.", "Не заполнено обязательное поле «номер» (Приказы).")


def test_same_order_number_and_date_twice_is_refused(engine) -> None:
    def build(s: Session, mini: Mini) -> None:
        s.add(
            m.Order(
                college_id=mini.college.id,
                kind=OrderKind.ENROLLMENT,
                number="101-к",
                order_date=date(2025, 8, 25),
                signed_by="Директор",
                created_at=T0,
            )
        )

    assert refusal(engine, build) == "Приказ с таким номером и датой уже есть."


def test_duplicate_group_name_in_college_is_refused(engine) -> None:
    def build(s: Session, mini: Mini) -> None:
        g = mini.group
        s.add(
            m.Group(
                college_id=g.college_id,
                department_id=g.department_id,
                specialty_id=g.specialty_id,
                name=g.name,
                intake_year=2025,
                course=1,
                study_form=g.study_form,
                created_at=T0,
            )
        )

    assert refusal(engine, build) == "Группа с таким названием уже есть."


def test_course_beyond_five_is_refused(engine) -> None:
    def build(s: Session, mini: Mini) -> None:
        mini.group.course = 6

    assert refusal(engine, build) == "Курс группы — от 1 до 5."


def test_unknown_final_result_is_refused_with_the_allowed_values(engine) -> None:
    def build(s: Session, mini: Mini) -> None:
        # Raw SQL: the check must hold in the database, not only in the ORM.
        s.execute(
            sa.text(
                "INSERT INTO final_grades (student_id, curriculum_item_id, period_id, result, set_at,"
                " version) VALUES (:s, :i, :p, '6', :t, 1)"
            ),
            {"s": mini.student.id, "i": mini.item.id, "p": mini.period.id, "t": T0},
        )

    message = refusal(engine, build)
    assert "Недопустимое значение" in message and "н/а" in message and "зачёт" in message


def test_second_final_grade_for_same_student_item_period_is_refused(engine) -> None:
    def build(s: Session, mini: Mini) -> None:
        for result in ("5", "4"):
            s.add(
                m.FinalGrade(
                    student_id=mini.student.id,
                    curriculum_item_id=mini.item.id,
                    period_id=mini.period.id,
                    result=result,
                    set_at=datetime(2025, 12, 25, 10, 0),
                )
            )
            s.flush()

    assert "уже выставлена" in refusal(engine, build)


def test_role_grant_scope_must_match_its_target(engine) -> None:
    """R-4.7.a: a curator's grant names the group; a group scope without a group is refused."""

    def build(s: Session, mini: Mini) -> None:
        account = m.UserAccount(
            person_id=mini.teacher.id, college_id=mini.college.id, login="petrova", created_at=T0
        )
        s.add(account)
        s.flush()
        s.add(
            m.RoleGrant(
                account_id=account.id,
                role=Role.CURATOR,
                scope=ScopeKind.GROUP,
                college_id=mini.college.id,
                granted_at=T0,
            )
        )

    assert refusal(engine, build) == "Область действия роли не соответствует указанному объекту."


def test_attendance_code_outside_the_register_is_refused(engine) -> None:
    def build(s: Session, mini: Mini) -> None:
        s.execute(
            sa.text(
                "INSERT INTO attendance (lesson_id, student_id, code, hours, entered_at, version)"
                " VALUES (:l, :s, 'X', 2, :t, 1)"
            ),
            {"l": mini.lesson.id, "s": mini.student.id, "t": T0},
        )

    message = refusal(engine, build)
    assert "УП" in message and "НП" in message


def test_dismissal_before_hire_is_refused(engine) -> None:
    def build(s: Session, mini: Mini) -> None:
        position = m.Position(college_id=mini.college.id, name="Преподаватель", is_teaching=True)
        s.add(position)
        s.flush()
        s.add(
            m.StaffEmployment(
                person_id=mini.teacher.id,
                college_id=mini.college.id,
                position_id=position.id,
                hired_on=date(2025, 9, 1),
                hire_order_number="12-лс",
                hire_order_date=date(2025, 8, 29),
                dismissed_on=date(2025, 8, 1),
                dismissal_order_number="40-лс",
                dismissal_order_date=date(2025, 8, 1),
                created_at=T0,
            )
        )

    assert refusal(engine, build) == "Дата увольнения раньше даты приёма."
