"""Orders (приказы), the legal acts behind every movement of a student (R-4.4.a, R-4.4.c, R-4.2.d)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netspo_lib.enums import OrderKind

from .base import Base, CreatedAtMixin, enum_type, fk


class Order(CreatedAtMixin, Base):
    """An order of the director. ``created_at`` is when it was entered (D-1, D-2)."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = fk("colleges.id")
    kind: Mapped[OrderKind] = mapped_column(enum_type(OrderKind))
    number: Mapped[str] = mapped_column(sa.String(30))
    order_date: Mapped[date]
    title: Mapped[str | None] = mapped_column(sa.String(300))
    signed_by: Mapped[str] = mapped_column(sa.String(200))
    entered_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True)

    items: Mapped[list[OrderItem]] = relationship(back_populates="order")

    __table_args__ = (
        sa.UniqueConstraint("college_id", "number", "order_date"),
        sa.CheckConstraint("length(trim(number)) > 0", name="number_not_empty"),
        sa.CheckConstraint("length(trim(signed_by)) > 0", name="signed_by_not_empty"),
        sa.Index("ix_orders_kind_date", "kind", "order_date"),
    )


class OrderItem(Base):
    """One student in an order, with the group moved from and to."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = fk("orders.id")
    student_id: Mapped[int] = fk("students.id")
    from_group_id: Mapped[int | None] = fk("groups.id", nullable=True, index=False)
    to_group_id: Mapped[int | None] = fk("groups.id", nullable=True, index=False)
    effective_on: Mapped[date]
    reason: Mapped[str | None] = mapped_column(sa.String(300))

    order: Mapped[Order] = relationship(back_populates="items")

    __table_args__ = (sa.UniqueConstraint("order_id", "student_id"),)
