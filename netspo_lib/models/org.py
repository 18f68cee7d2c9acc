"""The college, its departments, rooms and staff positions; academic years and periods.

R-4.1.a, R-4.1.b, R-4.2.a.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netspo_lib.enums import AcademicYearStatus, PeriodKind, RoomKind

from .base import Base, CreatedAtMixin, enum_type, fk


class College(CreatedAtMixin, Base):
    """Primary data and base settings of a college (R-4.1.a); a database may hold several."""

    __tablename__ = "colleges"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    director_name: Mapped[str | None] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(50), default="Asia/Barnaul")
    grading_scale: Mapped[int] = mapped_column(sa.SmallInteger, default=5)
    periods_per_year: Mapped[int] = mapped_column(sa.SmallInteger, default=2)

    departments: Mapped[list[Department]] = relationship(back_populates="college")

    __table_args__ = (
        sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
        sa.CheckConstraint("grading_scale IN (5, 10, 100)", name="grading_scale"),
        sa.CheckConstraint("periods_per_year BETWEEN 1 AND 4", name="periods_per_year"),
    )


class Department(CreatedAtMixin, Base):
    """Отделение, led by a заведующий отделением."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = fk("colleges.id")
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str | None] = mapped_column(sa.String(50))
    head_id: Mapped[int | None] = fk("persons.id", nullable=True)

    college: Mapped[College] = relationship(back_populates="departments")
    head = relationship("Person", foreign_keys=[head_id])

    __table_args__ = (
        sa.UniqueConstraint("college_id", "name"),
        sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
    )


class Room(Base):
    """Аудитория (R-4.1.b); the timetable refuses double-booking a room (R-4.4.g)."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = fk("colleges.id")
    number: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[RoomKind] = mapped_column(enum_type(RoomKind), default=RoomKind.CLASSROOM)
    capacity: Mapped[int | None] = mapped_column(sa.SmallInteger)

    __table_args__ = (
        sa.UniqueConstraint("college_id", "number"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )


class Position(Base):
    """Должность сотрудника (R-4.1.b)."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = fk("colleges.id")
    name: Mapped[str] = mapped_column(sa.String(200))
    is_teaching: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (sa.UniqueConstraint("college_id", "name"),)


class AcademicYear(CreatedAtMixin, Base):
    """Учебный год, e.g. «2025/2026»; closed by the rollover (R-4.2.d)."""

    __tablename__ = "academic_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = fk("colleges.id")
    name: Mapped[str] = mapped_column(sa.String(20))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[AcademicYearStatus] = mapped_column(
        enum_type(AcademicYearStatus), default=AcademicYearStatus.PLANNED
    )

    periods: Mapped[list[StudyPeriod]] = relationship(
        back_populates="academic_year", order_by="StudyPeriod.starts_on"
    )

    __table_args__ = (
        sa.UniqueConstraint("college_id", "name"),
        sa.CheckConstraint("ends_on > starts_on", name="dates_ordered"),
    )


class StudyPeriod(Base):
    """A period a final grade is given for: a semester, or the whole year."""

    __tablename__ = "study_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year_id: Mapped[int] = fk("academic_years.id")
    kind: Mapped[PeriodKind] = mapped_column(enum_type(PeriodKind))
    number: Mapped[int] = mapped_column(sa.SmallInteger)
    name: Mapped[str] = mapped_column(sa.String(50))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    academic_year: Mapped[AcademicYear] = relationship(back_populates="periods")

    __table_args__ = (
        sa.UniqueConstraint("academic_year_id", "kind", "number"),
        sa.CheckConstraint("ends_on > starts_on", name="dates_ordered"),
        sa.CheckConstraint("number BETWEEN 0 AND 4", name="number_range"),
    )


class Vacation(Base):
    """Каникулы: for the whole college, or for one group when its calendar differs."""

    __tablename__ = "vacations"

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year_id: Mapped[int] = fk("academic_years.id")
    group_id: Mapped[int | None] = fk("groups.id", nullable=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),)
