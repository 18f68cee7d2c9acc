"""Persons, staff employment, students with their status history, parents, portfolios.

R-4.3.a (staff list kept within 3 working days), R-4.4.a..d (student cards and movement),
R-4.7.f (portfolio).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netspo_lib.enums import (
    FundingBasis,
    ParentRelation,
    PortfolioKind,
    PortfolioLevel,
    Sex,
    StudentStatus,
)

from .base import Base, CreatedAtMixin, enum_type, fk


def full_name(last: str | None, first: str | None, middle: str | None) -> str:
    """«Иванов Иван Иванович» from the parts of a name (a missing part is left out)."""
    return " ".join(p for p in (last, first, middle) if p)


def short_name(last: str | None, first: str | None, middle: str | None) -> str:
    """«Иванов И.И.» from the parts of a name (for rows selected without the ORM object)."""
    if not last:
        return ""
    initials = "".join(f"{p[0]}." for p in (first, middle) if p)
    return f"{last} {initials}".strip()


class Person(CreatedAtMixin, Base):
    """A human being: staff member, student or parent (one person may be several)."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str] = mapped_column(sa.String(100))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    middle_name: Mapped[str | None] = mapped_column(sa.String(100))
    birth_date: Mapped[date | None]
    sex: Mapped[Sex | None] = mapped_column(enum_type(Sex))
    # Eleven digits without separators; the checksum is verified by the library.
    snils: Mapped[str | None] = mapped_column(sa.String(11), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    email: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (
        sa.CheckConstraint("length(last_name) > 0", name="last_name_not_empty"),
        sa.CheckConstraint("length(first_name) > 0", name="first_name_not_empty"),
        sa.CheckConstraint("snils IS NULL OR length(snils) = 11", name="snils_length"),
        sa.Index("ix_persons_full_name", "last_name", "first_name", "middle_name"),
    )

    @property
    def full_name(self) -> str:
        return full_name(self.last_name, self.first_name, self.middle_name)

    @property
    def short_name(self) -> str:
        """«Иванов И.И.», as printed on reports and signature lines."""
        return short_name(self.last_name, self.first_name, self.middle_name)


class StaffEmployment(CreatedAtMixin, Base):
    """One employment of a person: hire and dismissal with their orders (R-4.3.a).

    ``created_at`` is when the hire was entered, ``dismissal_entered_at`` when the
    dismissal was; D-3 compares both with the dates in the orders.
    """

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = fk("persons.id")
    college_id: Mapped[int] = fk("colleges.id")
    position_id: Mapped[int] = fk("positions.id")
    department_id: Mapped[int | None] = fk("departments.id", nullable=True)
    rate: Mapped[float] = mapped_column(sa.Numeric(3, 2, asdecimal=False), default=1.0)
    hired_on: Mapped[date]
    hire_order_number: Mapped[str] = mapped_column(sa.String(30))
    hire_order_date: Mapped[date]
    dismissed_on: Mapped[date | None]
    dismissal_order_number: Mapped[str | None] = mapped_column(sa.String(30))
    dismissal_order_date: Mapped[date | None]
    dismissal_entered_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    person = relationship("Person")
    position = relationship("Position")
    department = relationship("Department")

    __table_args__ = (
        sa.CheckConstraint("dismissed_on IS NULL OR dismissed_on >= hired_on", name="dismissal_after_hire"),
        sa.CheckConstraint(
            "(dismissed_on IS NULL) = (dismissal_order_number IS NULL)",
            name="dismissal_has_order",
        ),
        sa.CheckConstraint("length(hire_order_number) > 0", name="hire_order_number_not_empty"),
        sa.CheckConstraint("rate > 0 AND rate <= 2", name="rate_range"),
    )


class Student(CreatedAtMixin, Base):
    """The student card (карточка обучающегося, R-4.4.b).

    ``created_at`` is when the card was entered; D-1 compares it with the enrollment order.
    """

    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = fk("persons.id")
    group_id: Mapped[int] = fk("groups.id")
    status: Mapped[StudentStatus] = mapped_column(
        enum_type(StudentStatus), default=StudentStatus.STUDYING, index=True
    )
    basis: Mapped[FundingBasis] = mapped_column(enum_type(FundingBasis), default=FundingBasis.BUDGET)
    record_book_number: Mapped[str | None] = mapped_column(sa.String(30), unique=True)
    enrolled_on: Mapped[date]
    # The card carries its enrollment order (R-4.4.b); D-1 is counted from its date.
    enrollment_order_id: Mapped[int | None] = fk("orders.id", nullable=True)
    left_on: Mapped[date | None]
    address: Mapped[str | None] = mapped_column(sa.String(300))
    previous_education: Mapped[str | None] = mapped_column(sa.String(200))

    person = relationship("Person")
    group = relationship("Group", back_populates="students")
    status_history: Mapped[list[StudentStatusChange]] = relationship(
        back_populates="student", order_by="StudentStatusChange.changed_on"
    )

    __table_args__ = (
        sa.UniqueConstraint("person_id"),
        sa.CheckConstraint("left_on IS NULL OR left_on >= enrolled_on", name="left_after_enrolled"),
    )


def not_left_by(day: Any, student: Any = None) -> sa.ColumnElement[bool]:
    """The student (``Student`` or an alias of it) had not left the group on ``day`` (a date,
    a column or a bound parameter): ``left_on`` empty or later. "Enrolled when the period
    ended" of the metrics and reports (R-6.2)."""
    st = Student if student is None else student
    return sa.or_(st.left_on.is_(None), st.left_on > day)


class StudentStatusChange(Base):
    """One movement of a student (R-4.4.a): new status and group, the order behind it."""

    __tablename__ = "student_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = fk("students.id")
    status: Mapped[StudentStatus] = mapped_column(enum_type(StudentStatus))
    group_id: Mapped[int] = fk("groups.id")
    changed_on: Mapped[date]
    order_id: Mapped[int | None] = fk("orders.id", nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime)
    recorded_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True)

    student: Mapped[Student] = relationship(back_populates="status_history")


class ParentLink(Base):
    """A parent or other legal representative of a student (R-4.9)."""

    __tablename__ = "parent_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = fk("students.id")
    parent_id: Mapped[int] = fk("persons.id")
    relation: Mapped[ParentRelation] = mapped_column(enum_type(ParentRelation))
    is_legal_representative: Mapped[bool] = mapped_column(default=True)

    student = relationship("Student")
    parent = relationship("Person")

    __table_args__ = (sa.UniqueConstraint("student_id", "parent_id"),)


class PortfolioEntry(CreatedAtMixin, Base):
    """An achievement in a student's portfolio, filled by curators and teachers (R-4.7.f)."""

    __tablename__ = "portfolio_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = fk("students.id")
    kind: Mapped[PortfolioKind] = mapped_column(enum_type(PortfolioKind))
    level: Mapped[PortfolioLevel] = mapped_column(enum_type(PortfolioLevel))
    title: Mapped[str] = mapped_column(sa.String(300))
    result: Mapped[str | None] = mapped_column(sa.String(100))
    achieved_on: Mapped[date]
    added_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True)

    __table_args__ = (sa.CheckConstraint("length(title) > 0", name="title_not_empty"),)
