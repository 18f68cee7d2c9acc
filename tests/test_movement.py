"""Student movement through orders (R-4.4.a–c): every kind of order, the card created by
enrollment with its mandatory fields (R-4.4.b), impossible moves refused in Russian with
nothing written, and only the head of studies entering orders."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib import movement as mv
from netspo_lib.access import AccessDenied, Actor
from netspo_lib.enums import (
    AssessmentForm,
    GroupStatus,
    ItemKind,
    OrderKind,
    Role,
    StudentStatus,
    StudyForm,
)
from netspo_lib.errors import NetspoError

from .factories import T0, person, row_counts
from .world import World, build_world

SIGNER = "Директор Е.В. Метель"


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Session, World]]:
    with Session(engine) as session:
        w = build_world(session)
        session.commit()
        yield session, w


def head(w: World) -> Actor:
    return w.actors[Role.HEAD_OF_STUDIES]


def order(s: Session, w: World, kind: OrderKind, number: str, on: date) -> m.Order:
    return mv.create_order(s, head(w), kind=kind, number=number, order_date=on, signed_by=SIGNER)


def enrollment_order(s: Session) -> m.Order:
    """The enrollment order «101-к» of 25.08.2025 that the minimal college holds."""
    return s.scalars(sa.select(m.Order).where(m.Order.number == "101-к")).one()


def second_course_group(s: Session, w: World) -> m.Group:
    base = s.get(m.Group, w.group_a)
    assert base is not None
    g = m.Group(
        college_id=base.college_id,
        department_id=base.department_id,
        specialty_id=base.specialty_id,
        name="ИСП-24",
        intake_year=2024,
        course=2,
        study_form=StudyForm.FULL_TIME,
        created_at=T0,
    )
    s.add(g)
    s.flush()
    return g


def state(s: Session) -> tuple[dict[str, int], list[tuple]]:
    """Row counts of every table and every student's status, group and leaving date."""
    students = s.execute(
        sa.select(m.Student.id, m.Student.status, m.Student.group_id, m.Student.left_on).order_by(
            m.Student.id
        )
    ).all()
    return row_counts(s), [tuple(r) for r in students]


# --- orders ------------------------------------------------------------------------------------
def test_head_of_studies_enters_an_order(world) -> None:
    """R-4.4.a: the order is stored with who entered it and when (D-1, D-2 count from it)."""
    s, w = world
    o = order(s, w, OrderKind.EXPULSION, " 57-к ", date(2025, 10, 1))
    assert (o.kind, o.number, o.order_date, o.signed_by) == (
        OrderKind.EXPULSION,
        "57-к",
        date(2025, 10, 1),
        SIGNER,
    )
    assert o.title == "Об отчислении"
    assert o.entered_by_id == head(w).account_id
    assert o.created_at is not None
    event = s.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "order.create")).one()
    assert event.entity_id == o.id and event.actor_id == head(w).account_id


@pytest.mark.parametrize(
    ("number", "on", "signed_by", "message"),
    [
        ("101-к", date(2025, 8, 25), SIGNER, "Приказ № 101-к от 25.08.2025 уже внесён («о зачислении»)."),
        ("  ", date(2025, 10, 1), SIGNER, "Не указан номер приказа."),
        ("58-к", date(2025, 10, 1), " ", "Не указано, кем подписан приказ."),
        (
            "59-к",
            date(2099, 1, 1),
            SIGNER,
            "Дата приказа 01.01.2099 позже сегодняшней: приказ вносится после подписания.",
        ),
    ],
)
def test_bad_orders_are_refused(world, number: str, on: date, signed_by: str, message: str) -> None:
    s, w = world
    before = state(s)
    with pytest.raises(NetspoError) as refused:
        mv.create_order(
            s, head(w), kind=OrderKind.EXPULSION, number=number, order_date=on, signed_by=signed_by
        )
    assert str(refused.value) == message
    assert state(s) == before


def test_only_the_head_of_studies_enters_orders_and_moves(world) -> None:
    """R-4.4.a: orders are the head of studies' (ORDERS_EDIT); the director signs them on
    paper but does not enter them; nobody else moves students."""
    s, w = world
    o = order(s, w, OrderKind.EXPULSION, "60-к", date(2025, 10, 1))
    before = state(s)
    attempts: list[Callable[[Actor], object]] = [
        lambda a: mv.create_order(
            s, a, kind=OrderKind.TRANSFER, number="61-к", order_date=date(2025, 10, 1), signed_by=SIGNER
        ),
        lambda a: mv.expel(s, a, order=o, student_id=w.student_a, reason="по собственному желанию"),
        lambda a: mv.enroll(
            s,
            a,
            order=enrollment_order(s),
            group_id=w.group_a,
            last_name="Кузнецов",
            first_name="Олег",
            birth_date=date(2009, 3, 4),
            sex="м",
            snils="123-456-789 64",
        ),
    ]
    for role in Role:
        if role == Role.HEAD_OF_STUDIES:
            continue
        # The engineer loads student lists (R-4.2.c): enrollment is the one move allowed.
        for attempt in attempts[:2] if role == Role.ENGINEER else attempts:
            with pytest.raises(AccessDenied) as refused:
                attempt(w.actors[role])
            assert str(refused.value).startswith("Недостаточно прав: у пользователя u_")
    assert state(s) == before


# --- enrollment and the card (R-4.4.b) ---------------------------------------------------------
def test_enrollment_creates_the_card_with_its_order(world) -> None:
    s, w = world
    o = order(s, w, OrderKind.ENROLLMENT, "45-к", date(2025, 8, 28))
    st = mv.enroll(
        s,
        head(w),
        order=o,
        group_id=w.group_a,
        enrolled_on=date(2025, 9, 1),
        last_name="Кузнецов",
        first_name="Олег",
        middle_name="Петрович",
        birth_date=date(2009, 3, 4),
        sex="мужской",
        snils="123 456 789 64",
        record_book_number="25-017",
    )
    assert st.status == StudentStatus.STUDYING
    assert (st.group_id, st.enrolled_on, st.enrollment_order_id) == (w.group_a, date(2025, 9, 1), o.id)
    assert st.person.snils == "12345678964"
    assert st.person.full_name == "Кузнецов Олег Петрович"
    item = s.scalars(sa.select(m.OrderItem).where(m.OrderItem.student_id == st.id)).one()
    assert (item.order_id, item.from_group_id, item.to_group_id, item.effective_on) == (
        o.id,
        None,
        w.group_a,
        date(2025, 9, 1),
    )
    change = s.scalars(
        sa.select(m.StudentStatusChange).where(m.StudentStatusChange.student_id == st.id)
    ).one()
    assert (change.status, change.group_id, change.changed_on, change.order_id) == (
        StudentStatus.STUDYING,
        w.group_a,
        date(2025, 9, 1),
        o.id,
    )
    assert change.recorded_by_id == head(w).account_id and change.recorded_at is not None
    actions = set(s.scalars(sa.select(m.AuditEvent.action).where(m.AuditEvent.student_id == st.id)))
    assert actions == {"student.create", "student.enroll"}
    assert s.scalar(sa.select(m.AuditEvent.id).where(m.AuditEvent.action == "person.create"))
    history = mv.student_history(s, head(w), st.id)
    assert history.to_dict("records") == [
        {"Дата": "01.09.2025", "Событие": "Зачисление", "Приказ": "№ 45-к от 28.08.2025", "Группа": "ИСП-25"}
    ]


def test_enrollment_of_a_person_already_in_the_database(world) -> None:
    """A parent or an employee becomes a student: the existing person gets the card."""
    s, w = world
    p = person("Орехова", "Дарья", snils="12345678964")
    p.birth_date = date(2008, 1, 2)
    s.add(p)
    s.flush()
    st = mv.enroll(s, head(w), order=enrollment_order(s), group_id=w.group_b, person_id=p.id)
    assert st.person_id == p.id
    assert st.enrolled_on == date(2025, 8, 25)  # by default the order's date


def _enroll(s: Session, w: World, **fields) -> Callable[[], object]:  # type: ignore[no-untyped-def]
    args = {
        "order": enrollment_order(s),
        "group_id": w.group_a,
        "last_name": "Кузнецов",
        "first_name": "Олег",
        "birth_date": date(2009, 3, 4),
        "sex": "м",
        "snils": "123-456-789 64",
    }
    args.update(fields)
    return lambda: mv.enroll(s, head(w), **args)


ENROLL_REFUSALS: dict[str, tuple[Callable[[Session, World], Callable[[], object]], str]] = {
    "wrong_order_kind": (
        lambda s, w: _enroll(s, w, order=order(s, w, OrderKind.TRANSFER, "12-к", date(2025, 8, 25))),
        "Приказ № 12-к от 25.08.2025 — «о переводе»; для этого действия нужен приказ «о зачислении».",
    ),
    "mandatory_fields": (
        lambda s, w: _enroll(s, w, birth_date=None, sex=None, snils=None),
        "Не заполнены обязательные поля карточки студента: дата рождения, пол, СНИЛС.",
    ),
    "no_name": (
        lambda s, w: _enroll(s, w, last_name=" "),
        "Не заполнены обязательные поля карточки студента: фамилия.",
    ),
    "bad_snils": (
        lambda s, w: _enroll(s, w, snils="123-456-789 46"),
        "СНИЛС 123-456-789 46 введён с ошибкой: не сходится контрольное число.",
    ),
    "person_with_a_card": (
        lambda s, w: _enroll(
            s,
            w,
            last_name=None,
            first_name=None,
            birth_date=None,
            sex=None,
            snils=None,
            person_id=s.get(m.Student, w.student_a).person_id,  # type: ignore[union-attr]
        ),
        "Сидорова М.И. уже числится студенткой (группа «ИСП-25», статус «обучается»):"
        " повторное поступление оформляется восстановлением.",
    ),
    "snils_of_a_student": (
        lambda s, w: _enroll(s, w, snils="112-233-446 96"),
        "Сидорова М.И. уже числится студенткой (группа «ИСП-25», статус «обучается»):"
        " повторное поступление оформляется восстановлением.",
    ),
    "snils_of_a_teacher": (
        lambda s, w: _enroll(s, w, snils="112-233-445 95"),
        "Человек со СНИЛС 112-233-445 95 уже есть в базе (Петрова А.И.): выберите его, а не вводите заново.",
    ),
    "before_the_order": (
        lambda s, w: _enroll(s, w, enrolled_on=date(2025, 8, 20)),
        "Дата 20.08.2025 раньше даты приказа № 101-к от 25.08.2025.",
    ),
    "impossible_birth_date": (
        lambda s, w: _enroll(s, w, birth_date=date(2020, 1, 1)),
        "Дата рождения 01.01.2020 невозможна для студента, зачисляемого 25.08.2025.",
    ),
    "unknown_sex": (
        lambda s, w: _enroll(s, w, sex="x"),
        "Пол «x» не распознан: укажите «мужской» или «женский».",
    ),
    "graduated_group": (
        lambda s, w: (
            setattr(s.get(m.Group, w.group_b), "status", GroupStatus.GRADUATED),
            _enroll(s, w, group_id=w.group_b),
        )[1],
        "Группа «ЭБ-25» выпущена: зачислить в неё нельзя.",
    ),
    "group_of_another_college": (
        lambda s, w: _enroll(s, w, group_id=w.group_foreign),
        "Недостаточно прав: у пользователя u_head_of_studies нет права"
        " «внесение приказов о движении студентов» (зачисление).",
    ),
}


@pytest.mark.parametrize("case", list(ENROLL_REFUSALS))
def test_enrollment_refusals(world, case: str) -> None:
    s, w = world
    setup, message = ENROLL_REFUSALS[case]
    attempt = setup(s, w)
    s.flush()
    before = state(s)
    with pytest.raises(NetspoError) as refused:
        attempt()
    assert str(refused.value) == message
    assert state(s) == before


# --- every kind of order -----------------------------------------------------------------------
def test_every_kind_of_order_moves_the_student(world) -> None:
    """Transfer, academic leave, return, expulsion, reinstatement, next course, graduation:
    each updates the card and leaves an order item, a history entry and an audit event."""
    s, w = world
    hs = head(w)
    sid = w.student_a
    isp24 = second_course_group(s, w)
    st = s.get(m.Student, sid)
    assert st is not None

    mv.transfer(
        s,
        hs,
        order=order(s, w, OrderKind.TRANSFER, "20-к", date(2025, 10, 1)),
        student_id=sid,
        to_group_id=w.group_b,
    )
    assert (st.status, st.group_id) == (StudentStatus.STUDYING, w.group_b)

    mv.grant_academic_leave(
        s,
        hs,
        order=order(s, w, OrderKind.ACADEMIC_LEAVE, "21-к", date(2025, 11, 5)),
        student_id=sid,
        reason="по медицинским показаниям",
    )
    assert (st.status, st.group_id) == (StudentStatus.ACADEMIC_LEAVE, w.group_b)

    mv.return_from_leave(
        s,
        hs,
        order=order(s, w, OrderKind.REINSTATEMENT, "22-к", date(2025, 12, 1)),
        student_id=sid,
        to_group_id=w.group_a,
    )
    assert (st.status, st.group_id) == (StudentStatus.STUDYING, w.group_a)

    mv.expel(
        s,
        hs,
        order=order(s, w, OrderKind.EXPULSION, "23-к", date(2025, 12, 10)),
        student_id=sid,
        reason="по собственному желанию",
    )
    assert (st.status, st.left_on) == (StudentStatus.EXPELLED, date(2025, 12, 10))

    mv.reinstate(
        s,
        hs,
        order=order(s, w, OrderKind.REINSTATEMENT, "2-к", date(2026, 1, 15)),
        student_id=sid,
        to_group_id=w.group_a,
    )
    assert (st.status, st.group_id, st.left_on) == (StudentStatus.STUDYING, w.group_a, None)

    mv.promote(
        s,
        hs,
        order=order(s, w, OrderKind.COURSE_TRANSFER, "40-к", date(2026, 6, 20)),
        student_id=sid,
        to_group_id=isp24.id,
        effective_on=date(2026, 9, 1),
    )
    assert (st.status, st.group_id) == (StudentStatus.STUDYING, isp24.id)

    mv.graduate(
        s,
        hs,
        order=order(s, w, OrderKind.GRADUATION, "41-к", date(2026, 9, 2)),
        student_id=sid,
    )
    assert (st.status, st.left_on) == (StudentStatus.GRADUATED, date(2026, 9, 2))

    history = mv.student_history(s, w.actors[Role.DIRECTOR], sid)
    assert history.to_dict("records") == [
        {
            "Дата": "01.10.2025",
            "Событие": "Перевод в другую группу",
            "Приказ": "№ 20-к от 01.10.2025",
            "Группа": "ЭБ-25",
        },
        {
            "Дата": "05.11.2025",
            "Событие": "Академический отпуск: по медицинским показаниям",
            "Приказ": "№ 21-к от 05.11.2025",
            "Группа": "ЭБ-25",
        },
        {
            "Дата": "01.12.2025",
            "Событие": "Выход из академического отпуска",
            "Приказ": "№ 22-к от 01.12.2025",
            "Группа": "ИСП-25",
        },
        {
            "Дата": "10.12.2025",
            "Событие": "Отчисление: по собственному желанию",
            "Приказ": "№ 23-к от 10.12.2025",
            "Группа": "ИСП-25",
        },
        {
            "Дата": "15.01.2026",
            "Событие": "Восстановление",
            "Приказ": "№ 2-к от 15.01.2026",
            "Группа": "ИСП-25",
        },
        {
            "Дата": "01.09.2026",
            "Событие": "Перевод на следующий курс",
            "Приказ": "№ 40-к от 20.06.2026",
            "Группа": "ИСП-24",
        },
        {"Дата": "02.09.2026", "Событие": "Выпуск", "Приказ": "№ 41-к от 02.09.2026", "Группа": "ИСП-24"},
    ]
    kinds = s.scalars(
        sa.select(m.Order.kind)
        .join(m.OrderItem, m.OrderItem.order_id == m.Order.id)
        .where(m.OrderItem.student_id == sid)
        .order_by(m.OrderItem.effective_on)
    ).all()
    assert kinds == [
        OrderKind.TRANSFER,
        OrderKind.ACADEMIC_LEAVE,
        OrderKind.REINSTATEMENT,
        OrderKind.EXPULSION,
        OrderKind.REINSTATEMENT,
        OrderKind.COURSE_TRANSFER,
        OrderKind.GRADUATION,
    ]
    audited = s.scalars(
        sa.select(m.AuditEvent.action)
        .where(m.AuditEvent.student_id == sid, m.AuditEvent.entity == "students")
        .order_by(m.AuditEvent.id)
    ).all()
    assert audited == [
        "student.transfer",
        "student.academic_leave",
        "student.return_from_leave",
        "student.expel",
        "student.reinstate",
        "student.promote",
        "student.graduate",
    ]
    _every_status_change_has_its_order(s)


def _every_status_change_has_its_order(s: Session) -> None:
    """R-4.4.a: each history entry names an order in which the student is an item."""
    orphan = s.scalar(
        sa.select(sa.func.count())
        .select_from(m.StudentStatusChange)
        .outerjoin(
            m.OrderItem,
            sa.and_(
                m.OrderItem.order_id == m.StudentStatusChange.order_id,
                m.OrderItem.student_id == m.StudentStatusChange.student_id,
            ),
        )
        .where(m.OrderItem.id.is_(None))
    )
    assert orphan == 0


def test_status_is_written_only_by_the_movement_module() -> None:
    """R-4.4.a: no other library module writes a student's status or history; everything
    else goes through these functions (the demo generator writes its history rows itself)."""
    root = Path(mv.__file__).parent
    writers = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("demo/", "models/", "migrations/")):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"StudentStatusChange\(|\.status\s*=\s*StudentStatus\.", text):
            writers.add(rel)
    assert writers == {"movement.py"}


# --- impossible moves --------------------------------------------------------------------------
def _expel_twice(s: Session, w: World) -> Callable[[], object]:
    mv.expel(
        s,
        head(w),
        order=order(s, w, OrderKind.EXPULSION, "10-к", date(2025, 10, 1)),
        student_id=w.student_a,
        reason="по собственному желанию",
    )
    again = order(s, w, OrderKind.EXPULSION, "11-к", date(2025, 10, 2))
    return lambda: mv.expel(s, head(w), order=again, student_id=w.student_a, reason="повторно")


def _twice_in_one_order(s: Session, w: World) -> Callable[[], object]:
    o = order(s, w, OrderKind.TRANSFER, "12-к", date(2025, 10, 1))
    mv.transfer(s, head(w), order=o, student_id=w.student_a, to_group_id=w.group_b)
    return lambda: mv.transfer(s, head(w), order=o, student_id=w.student_a, to_group_id=w.group_a)


def _leave_twice(s: Session, w: World) -> Callable[[], object]:
    mv.grant_academic_leave(
        s,
        head(w),
        order=order(s, w, OrderKind.ACADEMIC_LEAVE, "13-к", date(2025, 10, 1)),
        student_id=w.student_a,
        reason="по семейным обстоятельствам",
    )
    again = order(s, w, OrderKind.ACADEMIC_LEAVE, "14-к", date(2025, 10, 2))
    return lambda: mv.grant_academic_leave(s, head(w), order=again, student_id=w.student_a, reason="повторно")


def _transfer_while_on_leave(s: Session, w: World) -> Callable[[], object]:
    mv.grant_academic_leave(
        s,
        head(w),
        order=order(s, w, OrderKind.ACADEMIC_LEAVE, "13-к", date(2025, 10, 1)),
        student_id=w.student_a,
        reason="по семейным обстоятельствам",
    )
    o = order(s, w, OrderKind.TRANSFER, "15-к", date(2025, 10, 2))
    return lambda: mv.transfer(s, head(w), order=o, student_id=w.student_a, to_group_id=w.group_b)


def _graduate_from_first_course(s: Session, w: World) -> Callable[[], object]:
    group = s.get(m.Group, w.group_a)
    assert group is not None and group.curriculum_id is not None
    s.add(
        m.CurriculumItem(
            curriculum_id=group.curriculum_id,
            index="ПДП",
            name="Преддипломная практика",
            kind=ItemKind.WORK_PRACTICE,
            semester=8,
            assessment=AssessmentForm.DIFF_CREDIT,
        )
    )
    o = order(s, w, OrderKind.GRADUATION, "16-к", date(2026, 6, 30))
    return lambda: mv.graduate(s, head(w), order=o, student_id=w.student_a)


def _foreign_order(s: Session, w: World) -> Callable[[], object]:
    o = m.Order(
        college_id=w.other_college_id,
        kind=OrderKind.EXPULSION,
        number="5",
        order_date=date(2025, 10, 1),
        signed_by=SIGNER,
        created_at=T0,
    )
    s.add(o)
    s.flush()
    return lambda: mv.expel(s, head(w), order=o.id, student_id=w.student_a, reason="по собственному желанию")


def _simple(kind: OrderKind, call: Callable[[Session, World, m.Order], object]):  # type: ignore[no-untyped-def]
    def setup(s: Session, w: World) -> Callable[[], object]:
        o = order(s, w, kind, "30-к", date(2025, 10, 1))
        return lambda: call(s, w, o)

    return setup


MOVE_REFUSALS: dict[str, tuple[Callable[[Session, World], Callable[[], object]], str]] = {
    "expel_an_expelled_student": (_expel_twice, "Сидорова М.И. уже отчислена (с 01.10.2025)."),
    "expel_without_a_reason": (
        _simple(
            OrderKind.EXPULSION,
            lambda s, w, o: mv.expel(s, head(w), order=o, student_id=w.student_a, reason=" "),
        ),
        "Укажите основание отчисления (например, «по собственному желанию»).",
    ),
    "expel_by_an_enrollment_order": (
        lambda s, w: (
            lambda: mv.expel(
                s,
                head(w),
                order=enrollment_order(s),
                student_id=w.student_a,
                reason="по собственному желанию",
            )
        ),
        "Приказ № 101-к от 25.08.2025 — «о зачислении»; для этого действия нужен приказ «об отчислении».",
    ),
    "transfer_to_the_same_group": (
        _simple(
            OrderKind.TRANSFER,
            lambda s, w, o: mv.transfer(s, head(w), order=o, student_id=w.student_a, to_group_id=w.group_a),
        ),
        "Сидорова М.И. уже учится в группе «ИСП-25».",
    ),
    "transfer_to_another_college": (
        _simple(
            OrderKind.TRANSFER,
            lambda s, w, o: mv.transfer(
                s, head(w), order=o, student_id=w.student_a, to_group_id=w.group_foreign
            ),
        ),
        "Группа «ЧУЖ-25» относится к другому колледжу: перевод между колледжами оформляется"
        " отчислением и зачислением.",
    ),
    "transfer_before_the_order": (
        _simple(
            OrderKind.TRANSFER,
            lambda s, w, o: mv.transfer(
                s,
                head(w),
                order=o,
                student_id=w.student_a,
                to_group_id=w.group_b,
                effective_on=date(2025, 9, 30),
            ),
        ),
        "Дата 30.09.2025 раньше даты приказа № 30-к от 01.10.2025.",
    ),
    "transfer_on_leave": (
        _transfer_while_on_leave,
        "Перевод возможен только для обучающегося студента (Сидорова М.И.: «академический отпуск»).",
    ),
    "twice_in_one_order": (_twice_in_one_order, "Сидорова М.И. уже есть в приказе № 12-к от 01.10.2025."),
    "leave_twice": (_leave_twice, "Сидорова М.И. уже в академическом отпуске."),
    "return_without_leave": (
        _simple(
            OrderKind.REINSTATEMENT,
            lambda s, w, o: mv.return_from_leave(s, head(w), order=o, student_id=w.student_a),
        ),
        "Сидорова М.И. не находится в академическом отпуске (статус «обучается»).",
    ),
    "reinstate_a_studying_student": (
        _simple(
            OrderKind.REINSTATEMENT,
            lambda s, w, o: mv.reinstate(s, head(w), order=o, student_id=w.student_a, to_group_id=w.group_b),
        ),
        "Восстановить можно только отчисленного студента (Сидорова М.И.: «обучается»).",
    ),
    "promote_into_the_same_course": (
        _simple(
            OrderKind.COURSE_TRANSFER,
            lambda s, w, o: mv.promote(s, head(w), order=o, student_id=w.student_a, to_group_id=w.group_b),
        ),
        "Группа «ЭБ-25» — 1 курс; Сидорова М.И. учится на 1 курсе и переводится в группу 2 курса.",
    ),
    "graduate_from_the_first_course": (
        _graduate_from_first_course,
        "Группа «ИСП-25» учится на 1 курсе из 4: выпуск возможен только с последнего курса.",
    ),
    "order_of_another_college": (_foreign_order, "Приказ № 5 от 01.10.2025 издан в другом колледже."),
    "unknown_student": (
        _simple(
            OrderKind.EXPULSION,
            lambda s, w, o: mv.expel(
                s, head(w), order=o, student_id=999_999, reason="по собственному желанию"
            ),
        ),
        "Студент не найден.",
    ),
}


@pytest.mark.parametrize("case", list(MOVE_REFUSALS))
def test_impossible_moves_are_refused_and_write_nothing(world, case: str) -> None:
    s, w = world
    setup, message = MOVE_REFUSALS[case]
    attempt = setup(s, w)
    s.flush()
    before = state(s)
    with pytest.raises(NetspoError) as refused:
        attempt()
    assert str(refused.value) == message
    assert state(s) == before


def test_history_is_read_with_the_card_right(world) -> None:
    """STUDENT_CARD_READ: the curator of the group yes, a teacher no."""
    s, w = world
    assert mv.student_history(s, w.actors[Role.CURATOR], w.student_a).empty
    assert list(mv.student_history(s, w.actors[Role.CURATOR], w.student_a).columns) == mv.HISTORY_COLUMNS
    with pytest.raises(AccessDenied):
        mv.student_history(s, w.actors[Role.TEACHER], w.student_a)
    with pytest.raises(AccessDenied):
        mv.student_history(s, w.actors[Role.CURATOR], w.student_b)


# --- enroll_many: the bulk path writes what enroll() writes --------------------------------------
def _written(s: Session, student_id: int) -> dict[str, object]:
    """Every row a new student's enrollment wrote, ids and moments replaced by their roles."""
    st = s.get(m.Student, student_id)
    assert st is not None
    item = s.scalars(sa.select(m.OrderItem).where(m.OrderItem.student_id == student_id)).one()
    roles = {
        ("persons", st.person_id): "person",
        ("students", student_id): "student",
        ("orders", st.enrollment_order_id): "order",
        ("order_items", item.id): "item",
    }
    by_key = {"person_id": "persons", "order_id": "orders", "enrollment_order_id": "orders"}
    by_key |= {"order_item_id": "order_items", "student_id": "students"}

    def plain(table: str, row: object, skip: tuple[str, ...] = ()) -> dict[str, object]:
        out: dict[str, object] = {}
        for c in sa.inspect(row).mapper.column_attrs:  # type: ignore[union-attr]
            value = getattr(row, c.key)
            if c.key in skip:
                value = "…" if value is not None else None
            elif c.key == "id":
                value = roles.get((table, value), value)
            elif c.key in by_key:
                value = roles.get((by_key[c.key], value), value)
            out[c.key] = value
        return out

    def snap(entity: str, data: dict[str, object] | None) -> dict[str, object] | None:
        if data is None:
            return None
        out = dict(data)
        for key, value in data.items():
            if key in ("snils", "created_at", "record_book_number", "last_name"):
                out[key] = "…"
            elif key == "id":
                out[key] = roles.get((entity, value), value)
            elif key in by_key:
                out[key] = roles.get((by_key[key], value), value)
        return out

    events = s.scalars(
        sa.select(m.AuditEvent)
        .where(
            sa.or_(
                m.AuditEvent.student_id == student_id,
                sa.and_(m.AuditEvent.entity == "persons", m.AuditEvent.entity_id == st.person_id),
            )
        )
        .order_by(m.AuditEvent.id)
    )
    moment = ("created_at", "recorded_at")
    return {
        "person": plain("persons", st.person, ("snils", "last_name", *moment)),
        "student": plain("students", st, ("record_book_number", *moment)),
        "item": plain("order_items", item),
        "history": [plain("student_status_changes", h, ("id", *moment)) for h in st.status_history],
        "events": [
            (
                e.action,
                e.entity,
                roles.get((e.entity, e.entity_id)),
                e.actor_id,
                e.reason,
                e.group_id,
                roles.get(("students", e.student_id)),
                snap(e.entity, e.before),
                snap(e.entity, e.after),
            )
            for e in events
        ],
    }


def test_enroll_many_writes_the_rows_and_events_enroll_writes(world) -> None:
    """R-4.2.c: a list enrolled in bulk leaves the same persons, cards, order items, status
    history and audit events, in the same order, as the same people enrolled one by one."""
    from netspo_lib.snils import snils_check_digits

    s, w = world

    def people(first: int) -> list[dict[str, object]]:
        rows = []
        for n, (group, sex, middle) in enumerate(
            [(w.group_a, "ж", "Петровна"), (w.group_b, "мужской", None), (w.group_a, "м", "Ильич")]
        ):
            nine = f"{first + n:09d}"
            rows.append(
                dict(
                    group_id=group, last_name=f"Новикова{first + n}", first_name="Анна", middle_name=middle,
                    birth_date=date(2009, 3, 15 + n), sex=sex, snils=nine + snils_check_digits(nine),
                    phone="+7 900 000-00-00" if n else None, email=f"n{n}@example.ru",
                    record_book_number=f"25-{first + n}", enrolled_on=date(2025, 9, 1) if n == 2 else None,
                )
            )  # fmt: skip
        return rows

    one = order(s, w, OrderKind.ENROLLMENT, "46-к", date(2025, 8, 28))
    many = order(s, w, OrderKind.ENROLLMENT, "47-к", date(2025, 8, 28))
    singles = [mv.enroll(s, head(w), order=one, **row).id for row in people(700000100)]  # type: ignore[arg-type]
    bulk = mv.enroll_many(s, head(w), order=many, rows=people(700000200))
    s.flush()
    s.expire_all()
    assert len(bulk) == 3 and len(set(bulk)) == 3
    for single_id, bulk_id in zip(singles, bulk, strict=True):
        alone, together = _written(s, single_id), _written(s, bulk_id)
        assert together == alone
        assert [e[0] for e in together["events"]] == ["person.create", "student.create", "student.enroll"]  # type: ignore[index]
    # The bulk cards are the rows' own, in the rows' order.
    names = [s.get(m.Student, i).person.last_name for i in bulk]  # type: ignore[union-attr]
    assert names == [f"Новикова{700000200 + n}" for n in range(3)]
