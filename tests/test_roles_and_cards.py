"""Appointing to roles (R-4.1.c, R-4.12.b), switching accounts off, correcting student cards
(R-4.4.b, R-4.4.d): who may, what is refused, and the audit trail of each change."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import AccessDenied, Action, Resource, actor_for_account, allowed
from netspo_lib.cards import update_student_card
from netspo_lib.enums import AccountStatus, Role, Sex
from netspo_lib.errors import NetspoError
from netspo_lib.roles import RoleRefused, grant_role, revoke_role, set_account_status

from .world import build_world


@pytest.fixture
def world(engine):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        w = build_world(session)
        session.commit()
        yield session, w


def _events(session: Session, action: str) -> list[m.AuditEvent]:
    return list(session.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == action)))


def test_director_appoints_a_curator_who_then_reads_the_group(world) -> None:
    """R-4.12.b: the director appoints; the grant takes effect for the access decisions."""
    session, w = world
    teacher = w.actors[Role.TEACHER]
    assert not allowed(session, teacher, Action.REPORT_GROUP, Resource(group_id=w.group_b))
    grant = grant_role(
        session, w.actors[Role.DIRECTOR], account_id=teacher.account_id, role=Role.CURATOR, group_id=w.group_b
    )
    account = session.get(m.UserAccount, teacher.account_id)
    assert allowed(
        session, actor_for_account(session, account), Action.REPORT_GROUP, Resource(group_id=w.group_b)
    )
    [event] = _events(session, "role_grant.create")
    assert event.entity_id == grant.id and event.after["role"] == "curator"
    assert event.actor_id == w.actors[Role.DIRECTOR].account_id


def test_a_curator_grant_needs_its_group_and_nothing_else(world) -> None:
    session, w = world
    admin = w.actors[Role.ADMIN]
    target = w.actors[Role.TEACHER].account_id
    with pytest.raises(RoleRefused, match="нужно указать группу"):
        grant_role(session, admin, account_id=target, role=Role.CURATOR)
    with pytest.raises(RoleRefused, match="не указывают отделение"):
        grant_role(session, admin, account_id=target, role=Role.CURATOR, group_id=w.group_a, department_id=1)
    with pytest.raises(RoleRefused, match="не найден в колледже"):
        grant_role(session, admin, account_id=target, role=Role.CURATOR, group_id=w.group_foreign)


def test_the_same_role_twice_is_refused(world) -> None:
    session, w = world
    admin = w.actors[Role.ADMIN]
    target = w.actors[Role.HR].account_id
    grant_role(session, admin, account_id=target, role=Role.METHODIST)
    with pytest.raises(RoleRefused, match="уже есть роль «Методист»"):
        grant_role(session, admin, account_id=target, role=Role.METHODIST)


@pytest.mark.parametrize("role", [Role.CURATOR, Role.DEPUTY_DIRECTOR, Role.ENGINEER, Role.HR])
def test_only_the_admin_and_the_director_assign_roles(world, role: Role) -> None:
    session, w = world
    with pytest.raises(AccessDenied, match="назначение ролей"):
        grant_role(session, w.actors[role], account_id=w.actors[Role.TEACHER].account_id, role=Role.METHODIST)


def test_revoking_keeps_the_history_and_ends_the_right(world) -> None:
    session, w = world
    admin = w.actors[Role.ADMIN]
    curator = w.actors[Role.CURATOR]
    grant_id = session.scalar(sa.select(m.RoleGrant.id).where(m.RoleGrant.account_id == curator.account_id))
    with pytest.raises(RoleRefused, match="причину"):
        revoke_role(session, admin, grant_id=grant_id, reason=" ")
    revoke_role(session, admin, grant_id=grant_id, reason="Приказ № 5 о смене куратора")
    account = session.get(m.UserAccount, curator.account_id)
    assert not allowed(
        session, actor_for_account(session, account), Action.JOURNAL_READ, Resource(group_id=w.group_a)
    )
    assert session.get(m.RoleGrant, grant_id).revoked_at is not None
    [event] = _events(session, "role_grant.revoke")
    assert event.reason == "Приказ № 5 о смене куратора"
    with pytest.raises(RoleRefused, match="уже снята"):
        revoke_role(session, admin, grant_id=grant_id, reason="ещё раз")


def test_admin_disables_an_account_but_not_the_own(world) -> None:
    """R-4.1.c."""
    session, w = world
    admin = w.actors[Role.ADMIN]
    set_account_status(
        session,
        admin,
        account_id=w.actors[Role.TEACHER].account_id,
        status=AccountStatus.DISABLED,
        reason="Уволен",
    )
    assert session.get(m.UserAccount, w.actors[Role.TEACHER].account_id).status == AccountStatus.DISABLED
    assert _events(session, "account.status")[0].after == {"status": "disabled"}
    with pytest.raises(NetspoError, match="собственную"):
        set_account_status(
            session, admin, account_id=admin.account_id, status=AccountStatus.DISABLED, reason="x"
        )
    with pytest.raises(AccessDenied):
        set_account_status(
            session, w.actors[Role.DIRECTOR], account_id=w.actors[Role.HR].account_id,
            status=AccountStatus.DISABLED, reason="x",
        )  # fmt: skip


def test_head_of_studies_corrects_a_card_and_the_trail_shows_before_and_after(world) -> None:
    """R-4.4.b, R-4.4.d: card data are completed; each change is audited."""
    session, w = world
    zavuch = w.actors[Role.HEAD_OF_STUDIES]
    update_student_card(
        session, zavuch, student_id=w.student_a, snils="123-456-789 64", phone="+7 913 000-00-00",
        sex="мужской", reason="Сверка с личным делом",
    )  # fmt: skip
    student = session.get(m.Student, w.student_a)
    assert student.person.snils == "12345678964"
    assert student.person.sex == Sex.MALE
    [event] = _events(session, "student_card.update")
    assert event.before["snils"] == "11223344696" and event.after["snils"] == "12345678964"
    assert event.student_id == w.student_a and event.group_id == w.group_a
    trail = audit.events(session, zavuch, student_id=w.student_a)
    assert "изменена карточка студента" in set(trail["Действие"])
    assert any("СНИЛС" in str(v) for v in trail["Стало"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"snils": "112-233-445 96"}, "СНИЛС"),
        ({"snils": "112-233-445 95"}, "уже записан у другого человека: Петрова А.И."),
        ({"birth_date": date(2024, 1, 1)}, "неправдоподобен"),
        ({"last_name": "  "}, "«фамилия» не может быть пустым"),
        ({"email": "нет-почты"}, "не адрес электронной почты"),
        ({"group_id": 2}, "только приказом"),
        ({"sex": "средний"}, "Неверное значение"),
    ],
)
def test_bad_card_values_are_refused_and_nothing_changes(world, changes: dict, message: str) -> None:
    session, w = world
    before = session.get(m.Student, w.student_a).person.snils
    with pytest.raises(NetspoError, match=message):
        update_student_card(session, w.actors[Role.HEAD_OF_STUDIES], student_id=w.student_a, **changes)
    assert session.get(m.Student, w.student_a).person.snils == before
    assert _events(session, "student_card.update") == []


@pytest.mark.parametrize("role", [Role.CURATOR, Role.DIRECTOR, Role.STUDENT, Role.TEACHER, Role.HR])
def test_only_the_head_of_studies_edits_cards(world, role: Role) -> None:
    session, w = world
    with pytest.raises(AccessDenied, match="ведение карточек студентов"):
        update_student_card(session, w.actors[role], student_id=w.student_a, phone="+7 900 000-00-00")


def test_the_engineer_loading_student_lists_may_correct_cards(world) -> None:
    """R-4.2.c: the engineer loads the student lists, updating the cards they describe."""
    session, w = world
    update_student_card(session, w.actors[Role.ENGINEER], student_id=w.student_a, phone="+7 900 111-22-33")
    assert session.get(m.Student, w.student_a).person.phone == "+7 900 111-22-33"
