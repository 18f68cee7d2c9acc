"""Editing a student card: the person's data and the study details (R-4.4.b, R-4.4.d, R-4.4.e).

Status, group and the orders change only through :mod:`netspo_lib.movement`; here the head
of studies corrects and completes what a card says. Each change is audited field by field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require_any
from netspo_lib.clock import now, today
from netspo_lib.enums import FundingBasis, Sex
from netspo_lib.errors import NetspoError
from netspo_lib.snils import check_snils, format_snils

PERSON_FIELDS = {
    "last_name": "фамилия",
    "first_name": "имя",
    "middle_name": "отчество",
    "birth_date": "дата рождения",
    "sex": "пол",
    "snils": "СНИЛС",
    "phone": "телефон",
    "email": "электронная почта",
}
STUDENT_FIELDS = {
    "basis": "основа обучения",
    "record_book_number": "номер зачётной книжки",
    "address": "адрес",
    "previous_education": "предыдущее образование",
}


class CardRefused(NetspoError):
    """A card change that can't be made; the message names the field."""


def _clean(field: str, value: Any) -> Any:
    """Validate one field's new value; refuse with the field named in Russian."""
    label = {**PERSON_FIELDS, **STUDENT_FIELDS}[field]
    if isinstance(value, str):
        value = value.strip() or None
    if field in ("last_name", "first_name") and not value:
        raise CardRefused(f"Поле «{label}» не может быть пустым.")
    if field == "snils" and value is not None:
        return check_snils(value)
    if field == "birth_date" and value is not None:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise CardRefused(f"Поле «{label}»: ожидается дата.")
        age = (today() - value).days / 365.25
        if not 13 <= age <= 80:
            raise CardRefused(
                f"Поле «{label}»: {value:%d.%m.%Y} — возраст студента {age:.0f} лет неправдоподобен."
            )
    if field == "sex" and value is not None:
        return value if isinstance(value, Sex) else Sex.from_label(str(value))
    if field == "basis" and value is not None:
        return value if isinstance(value, FundingBasis) else FundingBasis.from_label(str(value))
    if field == "email" and value is not None and "@" not in value:
        raise CardRefused(f"Поле «{label}»: «{value}» — не адрес электронной почты.")
    return value


def update_student_card(
    session: Session, actor: Actor, *, student_id: int, reason: str | None = None, **changes: Any
) -> m.Student:
    """Change fields of a card (names, birth date, sex, СНИЛС, contacts, basis, address…).

    The head of studies may (``Action.STUDENT_CARD_EDIT``), and the engineer loading the
    student lists (``Action.DATA_IMPORT``, R-4.2.c). Unknown fields and bad
    values are refused before anything is written.
    """
    card = Resource(student_id=student_id, description="карточка")
    require_any(session, actor, (Action.STUDENT_CARD_EDIT, Action.DATA_IMPORT), card)
    student = session.get(m.Student, student_id)
    if student is None:
        raise CardRefused(f"Студент № {student_id} не найден.")
    unknown = sorted(set(changes) - set(PERSON_FIELDS) - set(STUDENT_FIELDS))
    if unknown:
        raise CardRefused(
            f"Эти поля карточки нельзя изменить здесь: {', '.join(unknown)}"
            " (группа и статус меняются только приказом)."
        )
    try:
        cleaned = {field: _clean(field, value) for field, value in changes.items()}
    except ValueError as exc:
        raise CardRefused(f"Неверное значение: {exc}.") from None
    person = student.person
    new_snils = cleaned.get("snils")
    if new_snils and new_snils != person.snils:
        owner = session.scalar(sa.select(m.Person).where(m.Person.snils == new_snils))
        if owner is not None:
            raise CardRefused(
                f"СНИЛС {format_snils(new_snils)} уже записан у другого человека: {owner.short_name}."
            )
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in cleaned.items():
        target = person if field in PERSON_FIELDS else student
        if getattr(target, field) != value:
            before[field] = audit.snapshot(target, [field])[field]
            setattr(target, field, value)
            after[field] = audit.snapshot(target, [field])[field]
    if not after:
        return student
    session.flush()
    audit.record(
        session, actor, "student_card.update", "students", student.id,
        before=before, after=after, reason=reason, group_id=student.group_id, student_id=student.id, at=now(),
    )  # fmt: skip
    return student
