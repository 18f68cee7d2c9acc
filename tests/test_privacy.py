"""Personal data (issue 9): СНИЛС, birth date and phone in full only for the roles that need
them, masked for the others — on the card and in the change trail; exports of personal
data are audited. Both engines."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import audit, privacy
from netspo_lib import models as m
from netspo_lib.access import AccessDenied
from netspo_lib.cards import update_student_card
from netspo_lib.enums import Role
from netspo_lib.snils import format_snils

from .world import World, build_world


@pytest.fixture
def world(engine: Engine) -> World:
    with Session(engine) as s:
        world = build_world(s)
        student = s.get(m.Student, world.student_a)
        assert student is not None
        student.person.birth_date = date(2008, 4, 17)
        student.person.phone = "+7 913 123-45-67"
        s.commit()
    return world


def _snils(session: Session, student_id: int) -> str:
    student = session.get(m.Student, student_id)
    assert student is not None and student.person.snils
    return student.person.snils


def test_masks_keep_only_what_tells_cards_apart() -> None:
    assert privacy.mask_snils("11223344595") == "•••-•••-••• 95"
    assert privacy.mask_date(date(2008, 4, 17)) == "••.••.2008"
    assert privacy.mask_phone("+7 913 123-45-67") == "•••••••••67"
    assert privacy.mask_snils(None) == "" and privacy.mask_phone("") == ""


@pytest.mark.parametrize(
    ("role", "full"),
    [
        (Role.HEAD_OF_STUDIES, True),  # keeps the cards
        (Role.CURATOR, True),  # own group
        (Role.ENGINEER, True),  # loads the lists
        (Role.DEPUTY_DIRECTOR, False),
        (Role.DIRECTOR, False),
        (Role.DEPARTMENT_HEAD, False),
    ],
)
def test_the_card_shows_personal_data_only_to_who_needs_it(
    engine: Engine, world: World, role: Role, full: bool
) -> None:
    with Session(engine) as s:
        card = privacy.student_card(s, world.actors[role], world.student_a)
        snils = _snils(s, world.student_a)
    assert card["ФИО"]  # the name is never hidden from who may open the card
    if full:
        assert card["СНИЛС"] == format_snils(snils)
        assert card["Дата рождения"] == "17.04.2008" and card["Телефон"] == "+7 913 123-45-67"
    else:
        assert card["СНИЛС"] == privacy.mask_snils(snils) and snils[:3] not in card["СНИЛС"]
        assert card["Дата рождения"] == "••.••.2008" and card["Телефон"].endswith("67")
        assert "913" not in card["Телефон"]


def test_a_teacher_may_not_open_the_card_at_all(engine: Engine, world: World) -> None:
    with Session(engine) as s, pytest.raises(AccessDenied, match="карточки студента"):
        privacy.student_card(s, world.actors[Role.TEACHER], world.student_a)


def test_the_change_trail_masks_a_changed_snils_for_the_deputy(engine: Engine, world: World) -> None:
    new_snils = "12345678964"
    with Session(engine) as s:
        old = _snils(s, world.student_a)
        update_student_card(
            s,
            world.actors[Role.HEAD_OF_STUDIES],
            student_id=world.student_a,
            snils=new_snils,
            reason="опечатка",
        )
        s.commit()
        for_deputy = audit.events(s, world.actors[Role.DEPUTY_DIRECTOR], student_id=world.student_a)
        for_head = audit.events(s, world.actors[Role.HEAD_OF_STUDIES], student_id=world.student_a)
    deputy_text = " ".join(for_deputy["Было"]) + " ".join(for_deputy["Стало"])
    head_text = " ".join(for_head["Было"]) + " ".join(for_head["Стало"])
    assert "СНИЛС" in deputy_text and "••• 64" in deputy_text
    assert new_snils not in deputy_text and old not in deputy_text and "123-456-789" not in deputy_text
    assert new_snils in head_text or format_snils(new_snils) in head_text


def test_an_export_of_personal_data_is_audited(engine: Engine, world: World) -> None:
    with Session(engine) as s:
        engineer = world.actors[Role.ENGINEER]
        privacy.record_export(s, engineer, what="Студенты", rows=42, file_name="студенты.xlsx")
        s.commit()
        event = s.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "personal_data.export")).one()
        trail = audit.events(s, world.actors[Role.DIRECTOR])
    assert event.actor_id == engineer.account_id and event.after == {
        "what": "Студенты",
        "rows": 42,
        "file": "студенты.xlsx",
    }
    assert "выгружены персональные данные" in set(trail["Действие"])


def test_only_those_who_may_export_record_an_export(engine: Engine, world: World) -> None:
    with Session(engine) as s, pytest.raises(AccessDenied):
        privacy.record_export(s, world.actors[Role.TEACHER], what="Студенты", rows=1, file_name="x.xlsx")
