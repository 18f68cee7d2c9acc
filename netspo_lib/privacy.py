"""Personal data (152-ФЗ): СНИЛС, birth date and phone are shown in full only to the roles
whose duties need them; everyone else sees them masked. Every export of personal data is
recorded in the audit trail (who exported what, how many rows, to which file).

Who needs them (``Action.PERSONAL_DATA_READ`` in :data:`netspo_lib.access.POLICY`): the
head of studies keeping the cards (R-4.4.b), the engineer loading the lists (R-4.2.c),
HR for staff (R-4.3.a), the curator for the own group (R-4.7.a), a student for the own
card and a parent for the own child (R-4.8.a, R-4.9.a). The director, the deputy, the
department heads and the teachers work with marks and names, not with СНИЛС.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, allowed, require
from netspo_lib.clock import fmt_date, now
from netspo_lib.snils import format_snils

PERSONAL_FIELDS = ("snils", "birth_date", "phone")
MASK = "•"


def mask_snils(value: str | None) -> str:
    """«•••-•••-••• 95»: only the check number stays (enough to tell two cards apart)."""
    if not value:
        return ""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return f"{MASK * 3}-{MASK * 3}-{MASK * 3} {digits[-2:]}" if len(digits) >= 2 else MASK * 3


def mask_date(value: date | datetime | str | None) -> str:
    """«••.••.2008»: the year stays (the age group is no secret in a college)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return f"{MASK * 2}.{MASK * 2}.{MASK * 4}"
    return f"{MASK * 2}.{MASK * 2}.{value.year}"


def mask_phone(value: str | None) -> str:
    """«•••••••67»: the last two digits stay."""
    if not value:
        return ""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return MASK * max(len(digits) - 2, 3) + digits[-2:]


def masked(field: str, value: Any) -> str:
    """The masked text of a personal field; other fields are not masked here."""
    if field == "snils":
        return mask_snils(value)
    if field == "birth_date":
        return mask_date(value)
    if field == "phone":
        return mask_phone(value)
    return "" if value is None else str(value)


def may_see(session: Session, actor: Actor, *, student_id: int | None = None) -> bool:
    """May the actor see this student's (or, without one, any student's) personal data?"""
    resource = Resource(student_id=student_id) if student_id else Resource(college_id=actor.college_id)
    return allowed(session, actor, Action.PERSONAL_DATA_READ, resource)


def shown(field: str, value: Any, visible: bool) -> str:
    """A personal field as the actor sees it: in full (dates dd.mm.yyyy) or masked."""
    if not visible:
        return masked(field, value)
    if value is None:
        return ""
    if field == "snils":
        return format_snils(value)
    if isinstance(value, date):
        return fmt_date(value)
    return str(value)


CARD_LABELS = {
    "full_name": "ФИО",
    "group": "Группа",
    "status": "Статус",
    "birth_date": "Дата рождения",
    "snils": "СНИЛС",
    "phone": "Телефон",
    "email": "Электронная почта",
}


def student_card(session: Session, actor: Actor, student_id: int) -> dict[str, str]:
    """The student's card as this user may see it: names and group for whoever may open
    the card (``STUDENT_CARD_READ``), СНИЛС, birth date and phone masked unless the user
    needs them (``PERSONAL_DATA_READ``)."""
    require(session, actor, Action.STUDENT_CARD_READ, Resource(student_id=student_id, description="карточка"))
    student = session.get(m.Student, student_id)
    assert student is not None  # require() located it
    person = student.person
    visible = may_see(session, actor, student_id=student_id)
    group = session.get(m.Group, student.group_id) if student.group_id else None
    values = {
        "full_name": person.full_name,
        "group": group.name if group else "",
        "status": student.status.label,
        "birth_date": shown("birth_date", person.birth_date, visible),
        "snils": shown("snils", person.snils, visible),
        "phone": shown("phone", person.phone, visible),
        "email": person.email or "",
    }
    return {CARD_LABELS[k]: v for k, v in values.items()}


def record_export(session: Session, actor: Actor, *, what: str, rows: int, file_name: str) -> None:
    """Audit an export of personal data (who, when, what, how many rows, which file)."""
    require(session, actor, Action.DATA_EXPORT, Resource(college_id=actor.college_id, description=what))
    audit.record(
        session,
        actor,
        "personal_data.export",
        "user_accounts",
        actor.account_id,
        after={"what": what, "rows": rows, "file": file_name},
        at=now(),
    )
