"""Final-grade summaries kept by the database itself (issue 8): the performance dashboards
read a few thousand count rows instead of grouping every final grade of a period.

The tables are derived data: ``netspo_lib.grade_summaries`` keeps them current with
triggers on ``final_grades``, ``final_grade_students`` and ``students`` (in the same
transaction as the write) and can rebuild them from the final grades. No foreign keys: a
summary row never blocks a change of the data it summarises.

Columns per result (``FinalResult`` values): ``n_<result>``, the number of final grades
with that result.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from netspo_lib.enums import RESULT_CODES

from .base import Base

COUNT_COLUMNS: tuple[str, ...] = tuple(f"n_{code}" for code in RESULT_CODES)
STUDENT_COLUMNS: tuple[str, ...] = ("students", "progressing", "quality_students")
# The ``left_on`` of a heat-map cell of students who have not left (a key is never NULL).
NOT_LEFT = date(9999, 12, 31)


class _ResultCounts:
    """Final grades per result, in :data:`COUNT_COLUMNS` order."""

    n_5: Mapped[int] = mapped_column(default=0, server_default="0")
    n_4: Mapped[int] = mapped_column(default=0, server_default="0")
    n_3: Mapped[int] = mapped_column(default=0, server_default="0")
    n_2: Mapped[int] = mapped_column(default=0, server_default="0")
    n_pass: Mapped[int] = mapped_column(default=0, server_default="0")
    n_fail: Mapped[int] = mapped_column(default=0, server_default="0")
    n_not_attested: Mapped[int] = mapped_column(default=0, server_default="0")
    n_exempt: Mapped[int] = mapped_column(default=0, server_default="0")


class FinalGradeStudent(_ResultCounts, Base):
    """One row per student and period with a final grade: the count of each result. The
    student's group and whether the student was still enrolled when the period ended are
    joined at query time (a transfer or a leaving changes no row here)."""

    __tablename__ = "final_grade_students"

    student_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    period_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)

    # Clustered by the key on SQLite: a student's periods are read in one range (a group's
    # students in a drill-down; a student's rows when the student moves).
    __table_args__ = ({"sqlite_with_rowid": False},)


class FinalGradeGroup(_ResultCounts, Base):
    """One row per period, group and ``left_on`` of the students counted (:data:`NOT_LEFT`
    for those who have not left): the sums of :class:`FinalGradeStudent` over the group's
    current students — the count of each result, ``students`` (with a counted result:
    any but «осв.»), ``progressing`` (besides, no «2», «н/а» or «незачёт») and
    ``quality_students`` (besides, no «3» and some «5» or «4»). The performance of a
    college, department or group sums the rows whose ``left_on`` is after the period's end."""

    __tablename__ = "final_grade_groups"

    period_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    group_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    left_on: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    students: Mapped[int] = mapped_column(default=0, server_default="0")
    progressing: Mapped[int] = mapped_column(default=0, server_default="0")
    quality_students: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = ({"sqlite_with_rowid": False},)


class FinalGradeCell(_ResultCounts, Base):
    """One row per period, group, curriculum item and ``left_on`` of the students counted
    (:data:`NOT_LEFT` for those who have not left): the count of each result of the grades
    of the group's current students. A heat map's cell sums the rows whose ``left_on`` is
    after the period's end."""

    __tablename__ = "final_grade_cells"

    period_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    group_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    curriculum_item_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    left_on: Mapped[date] = mapped_column(sa.Date, primary_key=True)

    __table_args__ = ({"sqlite_with_rowid": False},)
