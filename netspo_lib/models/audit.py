"""Append-only records: the audit trail of changes and the history of imports.

Audit events keep before/after values as JSON, like Canvas's grade change log; nothing
in the library updates or deletes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from netspo_lib.enums import ImportOutcome

from .base import Base, enum_type, fk


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
    actor_id: Mapped[int | None] = fk("user_accounts.id", nullable=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    entity: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    # Where the change sits, so the trail of a group or a student is one indexed filter.
    group_id: Mapped[int | None] = fk("groups.id", nullable=True)
    student_id: Mapped[int | None] = fk("students.id", nullable=True)

    __table_args__ = (sa.Index("ix_audit_events_entity", "entity", "entity_id"),)


class ImportRun(Base):
    """One run of an import: who, when, what kind, which file, counts and the outcome."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = fk("colleges.id")
    account_id: Mapped[int | None] = fk("user_accounts.id", nullable=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    file_name: Mapped[str] = mapped_column(sa.String(300))
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    started_at: Mapped[datetime] = mapped_column(sa.DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    outcome: Mapped[ImportOutcome] = mapped_column(enum_type(ImportOutcome))
    rows_total: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(sa.Text)
