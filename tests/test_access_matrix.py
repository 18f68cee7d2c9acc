"""Every role × every action × a resource inside and outside the role's scope.

The expectations below are written from the regulation, role by role, each citing the
duty it comes from; the policy table in ``netspo_lib.access`` must agree with them.
A role's action marked *wide* reaches the whole college; otherwise only the role's own
group, department, student, teaching assignment or self. Nothing reaches another college.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from netspo_lib.access import AccessDenied, Action, Resource, allowed, require
from netspo_lib.enums import Role
from netspo_lib.models import Base

from .conftest import BACKENDS, fresh_engine
from .world import World, build_world

A = Action
WIDE, OWN = True, False

# role -> action -> (requirement, reaches the whole college?)
EXPECTED: dict[Role, dict[Action, tuple[str, bool]]] = {
    Role.TEACHER: {
        A.JOURNAL_READ: ("R-4.10.a", OWN),
        A.JOURNAL_WRITE: ("R-4.10.a", OWN),
        A.FINAL_GRADE_SET: ("R-4.10.d", OWN),
        A.SUBGROUP_EDIT: ("R-4.10.c", OWN),
        A.PORTFOLIO_EDIT: ("R-4.7.f", OWN),
        A.REMARK_FIX: ("R-4.10.f", OWN),
        A.REPORT_TEACHER: ("R-4.10.e", OWN),
        A.MESSAGE_SEND: ("R-4.8.b", WIDE),
    },
    Role.CURATOR: {
        A.PERSONAL_DATA_READ: ("R-4.7.a", OWN),
        A.JOURNAL_READ: ("R-4.7.a", OWN),
        A.STUDENT_CARD_READ: ("R-4.7.a", OWN),
        A.CREDENTIALS_ISSUE: ("R-4.7.c", OWN),
        A.ACTIVITY_READ: ("R-4.7.d", OWN),
        A.DASHBOARD_ACTIVITY: ("R-4.7.d", OWN),
        A.DASHBOARD_PERFORMANCE: ("R-4.7.b", OWN),
        A.DASHBOARD_ATTENDANCE: ("R-4.7.b", OWN),
        A.REPORT_GROUP: ("R-4.7.b", OWN),
        A.PORTFOLIO_EDIT: ("R-4.7.f", OWN),
        A.AUDIT_READ: ("R-4.7.a", OWN),
        A.MESSAGE_SEND: ("R-4.7.e", WIDE),
    },
    Role.DEPARTMENT_HEAD: {
        A.JOURNAL_READ: ("R-4.5.b", OWN),
        A.STUDENT_CARD_READ: ("R-4.5.c", OWN),
        A.REPORT_GROUP: ("R-4.5.c", OWN),
        A.REPORT_TEACHER: ("R-4.5.b", OWN),
        A.REPORT_DEPARTMENT: ("R-6.4", OWN),
        A.DASHBOARD_PERFORMANCE: ("R-6.4", OWN),
        A.DASHBOARD_ATTENDANCE: ("R-6.4", OWN),
        A.DASHBOARD_CONTROL: ("R-4.5.b", OWN),
        A.AUDIT_READ: ("R-4.5.b", OWN),
        A.MESSAGE_SEND: ("R-4.5.b", WIDE),
    },
    Role.COMMISSION_CHAIR: {
        A.CURRICULUM_EDIT: ("R-4.6.a", OWN),
        A.MESSAGE_SEND: ("R-4.6.a", WIDE),
    },
    Role.STUDENT: {
        A.PERSONAL_DATA_READ: ("R-4.8.a", OWN),
        A.JOURNAL_READ: ("R-4.8.a", OWN),
        A.STUDENT_CARD_READ: ("R-4.8.a", OWN),
        A.MESSAGE_SEND: ("R-4.8.b", WIDE),
    },
    Role.PARENT: {
        A.PERSONAL_DATA_READ: ("R-4.9.a", OWN),
        A.JOURNAL_READ: ("R-4.9.a", OWN),
        A.STUDENT_CARD_READ: ("R-4.9.a", OWN),
        A.MESSAGE_SEND: ("R-4.9.b", WIDE),
    },
    Role.DEPUTY_DIRECTOR: {
        A.JOURNAL_READ: ("R-4.11.a", WIDE),
        A.STUDENT_CARD_READ: ("R-4.11.a", WIDE),
        A.CURRICULUM_EDIT: ("R-4.11.b", WIDE),
        A.CURRICULUM_APPROVE: ("R-4.11.b", WIDE),
        A.REMARK_CREATE: ("R-4.10.f", WIDE),
        A.ACTIVITY_READ: ("R-5.1", WIDE),
        A.AUDIT_READ: ("R-5.1", WIDE),
        A.REPORT_GROUP: ("R-4.11.d", WIDE),
        A.REPORT_TEACHER: ("R-4.11.d", WIDE),
        A.REPORT_DEPARTMENT: ("R-4.11.d", WIDE),
        A.REPORT_COLLEGE: ("R-6.4", WIDE),
        A.DASHBOARD_PERFORMANCE: ("R-4.11.c", WIDE),
        A.DASHBOARD_ATTENDANCE: ("R-4.11.c", WIDE),
        A.DASHBOARD_ACTIVITY: ("R-5.1", WIDE),
        A.DASHBOARD_CONTROL: ("R-4.11.a", WIDE),
        A.SLIDES_MAKE: ("R-5.2", WIDE),
        A.MESSAGE_SEND: ("R-4.9.b", WIDE),
    },
    Role.DIRECTOR: {
        A.JOURNAL_READ: ("R-4.12.a", WIDE),
        A.STUDENT_CARD_READ: ("R-4.12.a", WIDE),
        A.ROLES_ASSIGN: ("R-4.12.b", WIDE),
        A.ACTIVITY_READ: ("R-5.1", WIDE),
        A.AUDIT_READ: ("R-5.1", WIDE),
        A.REPORT_GROUP: ("R-5.1", WIDE),
        A.REPORT_TEACHER: ("R-5.1", WIDE),
        A.REPORT_DEPARTMENT: ("R-5.1", WIDE),
        A.REPORT_COLLEGE: ("R-5.1", WIDE),
        A.DASHBOARD_PERFORMANCE: ("R-5.1", WIDE),
        A.DASHBOARD_ATTENDANCE: ("R-5.1", WIDE),
        A.DASHBOARD_ACTIVITY: ("R-5.1", WIDE),
        A.DASHBOARD_CONTROL: ("R-5.1", WIDE),
        A.MESSAGE_SEND: ("R-4.9.b", WIDE),
    },
    Role.ADMIN: {
        A.USERS_MANAGE: ("R-4.1.c", WIDE),
        A.ROLES_ASSIGN: ("R-4.1.c", WIDE),
        A.CREDENTIALS_ISSUE: ("R-4.1.d", WIDE),
        A.COLLEGE_SETTINGS: ("R-4.1.a", WIDE),
        A.SUPPORT_REQUEST: ("R-4.1.g", WIDE),
        A.ACTIVITY_READ: ("R-4.1.e", WIDE),
        A.DASHBOARD_ACTIVITY: ("R-4.1.e", WIDE),
        A.DASHBOARD_CONTROL: ("R-4.1.f", WIDE),
        A.JOURNAL_READ: ("R-4.1.f", WIDE),
        A.AUDIT_READ: ("R-4.1.f", WIDE),
        A.MESSAGE_SEND: ("R-4.9.b", WIDE),
    },
    Role.ENGINEER: {
        A.PERSONAL_DATA_READ: ("R-4.2.c", WIDE),
        A.PERIOD_LOCK: ("R-4.2.e", WIDE),
        A.PERIOD_UNLOCK: ("R-4.2.e", WIDE),
        A.DATA_IMPORT: ("R-4.2.b", WIDE),
        A.DATA_EXPORT: ("R-4.2.b", WIDE),
        A.ORG_EDIT: ("R-4.2.a", WIDE),
        A.ROLLOVER_RUN: ("R-4.2.d", WIDE),
        A.JOURNAL_READ: ("R-4.2.b", WIDE),
        A.STUDENT_CARD_READ: ("R-4.2.c", WIDE),
        A.AUDIT_READ: ("R-4.2.e", WIDE),
        A.DASHBOARD_CONTROL: ("R-5.3", WIDE),
        A.MESSAGE_SEND: ("R-4.1.g", WIDE),
    },
    Role.HR: {
        A.PERSONAL_DATA_READ: ("R-4.3.a", WIDE),
        A.STAFF_EDIT: ("R-4.3.a", WIDE),
        A.MESSAGE_SEND: ("R-4.3.a", WIDE),
    },
    Role.HEAD_OF_STUDIES: {
        A.PERSONAL_DATA_READ: ("R-4.4.b", WIDE),
        A.STUDENT_CARD_EDIT: ("R-4.4.b", WIDE),
        A.STUDENT_CARD_READ: ("R-4.4.e", WIDE),
        A.ORDERS_EDIT: ("R-4.4.a", WIDE),
        A.TIMETABLE_EDIT: ("R-4.4.g", WIDE),
        A.AUDIT_READ: ("R-4.4.e", WIDE),
        A.JOURNAL_READ: ("R-4.4.h", WIDE),
        A.REPORT_GROUP: ("R-4.4.h", WIDE),
        A.REPORT_COLLEGE: ("R-6.4", WIDE),
        A.MESSAGE_SEND: ("R-4.4.g", WIDE),
    },
    Role.METHODIST: {
        A.REPORT_GROUP: ("R-5.2", WIDE),
        A.REPORT_TEACHER: ("R-5.2", WIDE),
        A.REPORT_DEPARTMENT: ("R-5.2", WIDE),
        A.REPORT_COLLEGE: ("R-5.2", WIDE),
        A.DASHBOARD_PERFORMANCE: ("R-5.2", WIDE),
        A.DASHBOARD_ATTENDANCE: ("R-5.2", WIDE),
        A.SLIDES_MAKE: ("R-5.2", WIDE),
        A.MESSAGE_SEND: ("R-5.2", WIDE),
    },
}

CASES = [(role, action) for role in Role for action in Action]


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory) -> Iterator[tuple[Session, World]]:  # type: ignore[no-untyped-def]
    """One world per backend for the whole module: access checks only read."""
    for engine in fresh_engine(request.param, request, tmp_path_factory.mktemp("access")):
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            w = build_world(session)
            session.commit()
            yield session, w


def test_every_role_has_expectations() -> None:
    assert set(EXPECTED) == set(Role)


@pytest.mark.parametrize(("role", "action"), CASES, ids=[f"{r.value}-{a.value}" for r, a in CASES])
def test_access_matrix(world, role: Role, action: Action) -> None:
    session, w = world
    actor = w.actors[role]
    rid, wide = EXPECTED[role].get(action, ("", False))
    expected_inside = bool(rid)
    why = f"{rid or 'not granted by the regulation'}: {role.value} / {action.value}"
    assert allowed(session, actor, action, w.inside(role)) is expected_inside, f"inside scope — {why}"
    assert allowed(session, actor, action, w.other_group()) is (expected_inside and wide), (
        f"other group of the college — {why}"
    )
    assert allowed(session, actor, action, w.other_college()) is False, f"other college — {why}"


def test_teacher_is_limited_to_the_taught_discipline_and_period(world) -> None:
    """R-4.10.a: the own group, but another discipline or another period, is refused."""
    session, w = world
    teacher = w.actors[Role.TEACHER]
    taught = Resource(group_id=w.group_a, curriculum_item_id=w.item_taught, period_id=w.period_taught)
    assert allowed(session, teacher, A.JOURNAL_WRITE, taught)
    other_item = Resource(group_id=w.group_a, curriculum_item_id=w.item_other, period_id=w.period_taught)
    assert not allowed(session, teacher, A.JOURNAL_WRITE, other_item)
    other_period = Resource(group_id=w.group_a, curriculum_item_id=w.item_taught, period_id=w.period_other)
    assert not allowed(session, teacher, A.JOURNAL_WRITE, other_period)


def test_student_sees_only_own_record(world) -> None:
    """R-4.8.a: the own record yes; a classmate's or the group as a whole no."""
    session, w = world
    student = w.actors[Role.STUDENT]
    assert allowed(session, student, A.JOURNAL_READ, Resource(student_id=w.student_a))
    assert not allowed(session, student, A.JOURNAL_READ, Resource(group_id=w.group_a))
    assert not allowed(session, student, A.JOURNAL_READ, Resource(student_id=w.student_b))


def test_director_reads_everything_and_edits_nothing(world) -> None:
    """R-4.12.a."""
    session, w = world
    director = w.actors[Role.DIRECTOR]
    assert allowed(session, director, A.JOURNAL_READ, w.other_group())
    for action in (A.JOURNAL_WRITE, A.FINAL_GRADE_SET, A.PERIOD_LOCK, A.STUDENT_CARD_EDIT):
        assert not allowed(session, director, action, w.inside(Role.DIRECTOR))


def test_refusal_names_the_missing_right_in_russian(world) -> None:
    session, w = world
    curator = w.actors[Role.CURATOR]
    with pytest.raises(AccessDenied) as refused:
        require(session, curator, A.JOURNAL_WRITE, Resource(group_id=w.group_a, description="группа ИСП-25"))
    assert str(refused.value) == (
        "Недостаточно прав: у пользователя u_curator нет права "
        "«ведение журнала: темы занятий, отметки, посещаемость» (группа ИСП-25)."
    )


def test_nobody_without_an_account_is_allowed_anything(world) -> None:
    session, w = world
    for action in Action:
        assert not allowed(session, None, action, w.inside(Role.DIRECTOR))
