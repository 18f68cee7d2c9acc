"""User activity events: logins, page views, actions (R-4.1.e, R-4.7.d, R-6.1)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from netspo_lib.enums import ActivityKind

from .base import Base, enum_type, fk


class ActivityEvent(Base):
    __tablename__ = "activity_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = fk("user_accounts.id", nullable=True, index=False)
    kind: Mapped[ActivityKind] = mapped_column(enum_type(ActivityKind))
    at: Mapped[datetime] = mapped_column(sa.DateTime)
    page: Mapped[str | None] = mapped_column(sa.String(200))
    detail: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (
        sa.Index("ix_activity_events_account_at", "account_id", "at"),
        sa.Index("ix_activity_events_at", "at"),
        # The activity dashboard and report read a period's logins (or views and actions)
        # and their accounts from this index alone.
        sa.Index("ix_activity_events_kind_at", "kind", "at", "account_id"),
    )
