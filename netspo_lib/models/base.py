"""Declarative base, constraint naming and column helpers shared by every model module."""

from __future__ import annotations

from datetime import datetime
from enum import Enum as PyEnum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from netspo_lib.clock import now

# Stable constraint names: Alembic migrations and error messages can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def enum_type(enum_cls: type[PyEnum], name: str | None = None) -> sa.Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint listing the stored values."""
    return sa.Enum(
        enum_cls,
        name=name or enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),  # type: ignore[attr-defined]
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def fk(target: str, *, nullable: bool = False, ondelete: str | None = None, index: bool = True):
    """A foreign-key integer column, indexed by default (joins and filters use them all)."""
    return mapped_column(sa.ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index)


class CreatedAtMixin:
    """When the row was entered into the system; deadlines D-1..D-4 are checked against it."""

    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now, nullable=False)
