"""Deadlines D-1 … D-10 on real calendar dates: New Year holidays, a working Saturday."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied, load_actor
from netspo_lib.deadlines import LATE, OPEN, summary, to_russian, violations
from netspo_lib.demo import build_demo
from netspo_lib.enums import FinalResult, OrderKind, Role
from netspo_lib.models import Base

from .conftest import BACKENDS, fresh_engine
from .world import World, build_world


@pytest.fixture
def world(engine):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        w = build_world(session)
        session.commit()
        yield session, w


def _order(session: Session, w: World, kind: OrderKind, number: str, on: date, entered: datetime) -> m.Order:
    order = m.Order(
        college_id=w.college_id,
        kind=kind,
        number=number,
        order_date=on,
        signed_by="Директор",
        created_at=entered,
    )
    session.add(order)
    session.flush()
    return order


def test_d2_order_before_new_year_entered_after_the_holidays_is_on_time(world) -> None:
    """R-4.4.c: 1 working day after 30.12.2025 is 12.01.2026 (31.12 and 1–11.01 are days off)."""
    session, w = world
    _order(session, w, OrderKind.EXPULSION, "1-о", date(2025, 12, 30), datetime(2026, 1, 12, 16, 0))
    _order(session, w, OrderKind.EXPULSION, "2-о", date(2025, 12, 30), datetime(2026, 1, 14, 9, 0))
    session.flush()
    found = violations(session, w.actors[Role.DEPUTY_DIRECTOR], on=date(2026, 2, 1), deadlines=["D-2"])
    assert list(found["object"]) == ["Приказ об отчислении № 2-о от 30.12.2025"]
    row = found.iloc[0]
    assert row["due"] == date(2026, 1, 12)
    assert row["done"] == date(2026, 1, 14)
    assert row["days_late"] == 2
    assert row["status"] == LATE


def test_d1_card_counts_a_working_saturday(world) -> None:
    """R-4.4.b: an order of Friday 31.10.2025; Saturday 1.11.2025 was a working day, so the
    card entered on Monday 3.11 (a day off) or Wednesday 5.11 is late."""
    session, w = world
    order = _order(
        session, w, OrderKind.ENROLLMENT, "77-к", date(2025, 10, 31), datetime(2025, 10, 31, 12, 0)
    )
    student = session.get(m.Student, w.student_a)
    student.enrollment_order_id = order.id
    student.created_at = datetime(2025, 11, 5, 10, 0)
    session.flush()
    found = violations(session, w.actors[Role.DEPUTY_DIRECTOR], on=date(2025, 12, 1), deadlines=["D-1"])
    assert len(found) == 1
    assert found.iloc[0]["due"] == date(2025, 11, 1)
    assert found.iloc[0]["days_late"] == 1  # 3 and 4 November are days off; 5 November is late by one
    student.created_at = datetime(2025, 11, 1, 15, 0)
    session.flush()
    assert violations(session, w.actors[Role.DEPUTY_DIRECTOR], on=date(2025, 12, 1), deadlines=["D-1"]).empty


def test_d3_hire_entered_late_and_dismissal_never_entered(world) -> None:
    """R-4.3.a: 3 working days after the date in the order."""
    session, w = world
    position = m.Position(college_id=w.college_id, name="Преподаватель", is_teaching=True)
    session.add(position)
    session.flush()
    session.add(
        m.StaffEmployment(
            person_id=w.other_teacher_person,
            college_id=w.college_id,
            position_id=position.id,
            hired_on=date(2026, 1, 12),
            hire_order_number="3-лс",
            hire_order_date=date(2026, 1, 9),
            created_at=datetime(2026, 1, 20, 9, 0),
            dismissed_on=date(2026, 3, 2),
            dismissal_order_number="40-лс",
            dismissal_order_date=date(2026, 2, 27),
            dismissal_entered_at=None,
        )
    )
    session.flush()
    found = violations(session, w.actors[Role.DIRECTOR], on=date(2026, 3, 20), deadlines=["D-3"])
    assert sorted(found["status"]) == [LATE, OPEN]
    hire = found[found["status"] == LATE].iloc[0]
    assert hire["due"] == date(2026, 1, 15)
    assert hire["days_late"] == 3
    dismissal = found[found["status"] == OPEN].iloc[0]
    assert dismissal["due"] == date(2026, 3, 5)
    assert dismissal["done"] is None


def test_d7_missing_and_late_final_grades_name_the_teacher(world) -> None:
    """R-4.10.d, R-5.3: grades due on the period's last day (28.12.2025)."""
    session, w = world
    # The taught item (ОП.01, exam) in ИСП-25, semester 1: one student, no grade yet.
    found = violations(session, w.actors[Role.DEPUTY_DIRECTOR], on=date(2026, 1, 20), deadlines=["D-7"])
    assert len(found) == 1
    row = found.iloc[0]
    assert "нет итоговых оценок у 1 из 1 студентов" in row["object"]
    assert row["responsible"] == "Петрова А.И."
    assert row["due"] == date(2025, 12, 28)
    assert row["status"] == OPEN
    # Working days after Sunday 28.12.2025: 29 and 30 December, 12–16 and 19–20 January.
    assert row["days_late"] == 9
    session.add(
        m.FinalGrade(
            student_id=w.student_a,
            curriculum_item_id=w.item_taught,
            period_id=w.period_taught,
            result=FinalResult.FOUR,
            set_at=datetime(2026, 1, 13, 10, 0),
        )
    )
    session.flush()
    found = violations(session, w.actors[Role.DEPUTY_DIRECTOR], on=date(2026, 1, 20), deadlines=["D-7"])
    assert list(found["status"]) == [LATE]
    assert found.iloc[0]["days_late"] == 4  # 29, 30 December, 12 and 13 January


def test_d7_not_due_before_the_period_ends(world) -> None:
    session, w = world
    assert violations(session, w.actors[Role.DEPUTY_DIRECTOR], on=date(2025, 12, 20), deadlines=["D-7"]).empty


def test_d8_year_not_closed_after_5_july(world) -> None:
    """R-4.2.d."""
    session, w = world
    actor = w.actors[Role.DEPUTY_DIRECTOR]
    assert violations(session, actor, on=date(2026, 7, 5), deadlines=["D-8"]).empty
    found = violations(session, actor, on=date(2026, 7, 8), deadlines=["D-8"])
    assert list(found["object"]) == ["Учебный год 2025/2026 не закрыт"]
    assert found.iloc[0]["days_late"] == 3  # 6, 7 and 8 July 2026


def test_d10_report_days_are_the_15th_and_the_month_end(world) -> None:
    """R-6.1: an activity report made on 15.09 covers the first; 30.09 is still open."""
    session, w = world
    session.add(
        m.AuditEvent(
            at=datetime(2025, 9, 15, 14, 0),
            actor_id=w.actors[Role.ADMIN].account_id,
            action="report.activity",
            entity="reports",
            entity_id=None,
        )
    )
    session.flush()
    found = violations(session, w.actors[Role.ADMIN], on=date(2025, 10, 5), deadlines=["D-10"])
    assert list(found["due"]) == [date(2025, 9, 30)]


def test_department_head_sees_only_the_own_department(world) -> None:
    """R-4.5.b: the department head controls the own department."""
    session, w = world
    head = w.actors[Role.DEPARTMENT_HEAD]
    frame = violations(session, head, on=date(2026, 1, 20), deadlines=["D-7"])
    assert all("ИСП-25" in o for o in frame["object"])
    with pytest.raises(AccessDenied):
        violations(session, head, on=date(2026, 1, 20), department_id=_other_department(session, w))


def _other_department(session: Session, w: World) -> int:
    return session.scalar(sa.select(m.Group.department_id).where(m.Group.id == w.group_b))


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STUDENT, Role.PARENT, Role.HR])
def test_deadline_control_is_refused_to_others(world, role: Role) -> None:
    session, w = world
    with pytest.raises(AccessDenied):
        violations(session, w.actors[role], on=date(2026, 1, 20))


def test_russian_view_and_summary(world) -> None:
    session, w = world
    frame = violations(session, w.actors[Role.DIRECTOR], on=date(2026, 7, 10), deadlines=["D-7", "D-8"])
    ru = to_russian(frame)
    assert list(ru.columns[:4]) == ["Срок", "Требование", "Что", "Ответственный"]
    assert "28.12.2025" in set(ru["Срок исполнения"])
    table = summary(frame)
    assert set(table["Срок"]) == {"Д-7", "Д-8"}  # as users read the codes
    assert set(ru["Срок"]) == {"Д-7", "Д-8"}
    assert int(table["Нарушений"].sum()) == len(frame)


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A small demo college per backend, read only."""
    for engine in fresh_engine(request.param, request, tmp_path_factory.mktemp("deadlines")):
        Base.metadata.create_all(engine)
        summary_ = build_demo(engine, students=60, seed=5)
        with Session(engine) as session:
            yield session, summary_


def test_the_demo_s_planted_defects_are_found(demo) -> None:
    """R-4.4.b, R-4.4.c, R-4.3.a, R-4.10.d, R-4.7.e: every planted lateness is reported."""
    session, built = demo
    frame = violations(session, load_actor(session, built.logins[Role.DEPUTY_DIRECTOR]), on=date(2026, 7, 10))
    found = frame.groupby("deadline").size().to_dict()
    planted = built.planted
    assert found.get("D-1", 0) == planted["student_cards_late"]
    assert found.get("D-2", 0) == planted["expulsion_orders_late"]
    assert found.get("D-3", 0) >= planted["staff_hire_entered_late"] > 0
    assert found.get("D-7", 0) > 0
    # On the demo's last day its two fresh questions are not due yet.
    questions = planted["parent_questions_unanswered"] + planted["parent_questions_answered_late"]
    actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    on_last_day = violations(session, actor, on=date(2026, 6, 30), deadlines=["D-9"])
    assert len(on_last_day) == questions > 0
    assert found.get("D-8") == 1  # the demo year is not closed yet
