"""The audit trail: every change of protected data appends one event (who, when, what,
the values before and after, the reason), like Canvas's grade change log.

Domain functions call :func:`record` in the same transaction as the change they make,
after ``access.require``. Events are never updated or deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Actor
from netspo_lib.clock import now


def _json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def snapshot(obj: Any, fields: list[str] | None = None) -> dict[str, Any]:
    """A row's column values as JSON-safe data (dates as ISO text, enums as values)."""
    columns = fields or [c.key for c in sa.inspect(obj).mapper.column_attrs]
    return {name: _json_value(getattr(obj, name)) for name in columns}


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    group_id: int | None = None,
    student_id: int | None = None,
    at: datetime | None = None,
) -> m.AuditEvent:
    """Append one event; ``action`` is a dotted verb such as ``mark.update``."""
    event = m.AuditEvent(
        at=at or now(),
        actor_id=actor.account_id if actor else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        reason=reason,
        group_id=group_id,
        student_id=student_id,
    )
    session.add(event)
    return event
