"""Attendance summaries kept by the database itself (issue 8): the attendance dashboards
and consolidated reports read a few tens of thousands of day (or month) rows instead of
every absence joined to its lesson.

The tables are derived data: ``netspo_lib.summaries`` keeps them current with triggers
on ``attendance``, ``lessons`` and ``subgroup_members`` (the months: on the student
days), in the same transaction as the write, so a reader never sees one without the
other, and can rebuild them from the journal. No foreign keys: a summary row never
blocks a change of the journal it summarises.

Columns per attendance code (``AttendanceCode`` values): ``h_<code>`` academic hours and
``n_<code>`` the number of journal rows (for «ОП», the lateness count).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from netspo_lib.enums import AttendanceCode

from .base import Base

CODES: tuple[str, ...] = tuple(c.value for c in AttendanceCode)
SUM_COLUMNS: tuple[str, ...] = tuple(f"{kind}_{code}" for code in CODES for kind in ("h", "n"))


class _DaySums:
    """Hours (h_) and journal rows (n_) per attendance code, in :data:`SUM_COLUMNS` order."""

    h_excused: Mapped[int] = mapped_column(default=0, server_default="0")
    n_excused: Mapped[int] = mapped_column(default=0, server_default="0")
    h_sick: Mapped[int] = mapped_column(default=0, server_default="0")
    n_sick: Mapped[int] = mapped_column(default=0, server_default="0")
    h_unexcused: Mapped[int] = mapped_column(default=0, server_default="0")
    n_unexcused: Mapped[int] = mapped_column(default=0, server_default="0")
    h_late: Mapped[int] = mapped_column(default=0, server_default="0")
    n_late: Mapped[int] = mapped_column(default=0, server_default="0")
    h_exempt: Mapped[int] = mapped_column(default=0, server_default="0")
    n_exempt: Mapped[int] = mapped_column(default=0, server_default="0")


class AttendanceGroupDay(_DaySums, Base):
    """One row per group and day with an absence, lateness or exemption at the group's
    lessons: hours and rows per code."""

    __tablename__ = "attendance_group_days"

    group_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lesson_date: Mapped[date] = mapped_column(sa.Date, primary_key=True)

    # Clustered by the key on SQLite: a group's days are read in one range, no lookups;
    # the college's days in date order from the covering index, with no sort.
    __table_args__ = (
        sa.Index("ix_attendance_group_days_date_cover", "lesson_date", "group_id", *SUM_COLUMNS),
        {"sqlite_with_rowid": False},
    )


class AttendanceStudentDay(_DaySums, Base):
    """One row per student, group (of the lessons) and day with an absence, lateness or
    exemption: hours and rows per code, and ``lessons_had``, the lessons the student had
    that day (the whole group's and those of the student's subgroups): a full day missed
    is a row whose missed lessons reach it."""

    __tablename__ = "attendance_student_days"

    group_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lesson_date: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    student_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lessons_had: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = ({"sqlite_with_rowid": False},)


class AttendanceStudentMonth(_DaySums, Base):
    """The student days summed per group, month and student (``netspo_lib.summaries``
    keeps it from the student days): hours and rows per code and ``full_days``, the
    month's full days missed. A date range reads its whole months here."""

    __tablename__ = "attendance_student_months"

    group_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # its first day
    student_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    full_days: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = ({"sqlite_with_rowid": False},)
