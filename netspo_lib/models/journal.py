"""The electronic register: lessons held, marks, attendance, final grades, period locks.

R-4.2.e (period locks), R-4.10.a/b/d (teacher records, final grades), R-4.7.a (curator reads).
Each lesson carries its group, discipline, period and teacher so that analytic queries
aggregate marks and absences with one join.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netspo_lib.enums import AttendanceCode, FinalResult, WorkKind

from .base import Base, CreatedAtMixin, enum_type, fk

# The journal-filling keys of a lesson: the indexes that read a period's lessons in order.
PERIOD_KEYS = ("period_id", "teacher_id", "group_id", "curriculum_item_id")


class Lesson(CreatedAtMixin, Base):
    """A lesson actually held and entered in the journal (topic, hours, homework).

    ``created_at`` is when the teacher entered it: journal filling is judged by it.
    """

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = fk("groups.id", index=False)
    subgroup_id: Mapped[int | None] = fk("subgroups.id", nullable=True)
    curriculum_item_id: Mapped[int] = fk("curriculum_items.id")
    period_id: Mapped[int] = fk("study_periods.id")
    teacher_id: Mapped[int] = fk("persons.id")
    timetable_lesson_id: Mapped[int | None] = fk("timetable_lessons.id", nullable=True)
    lesson_date: Mapped[date] = mapped_column(sa.Date)
    pair_number: Mapped[int] = mapped_column(sa.SmallInteger)
    hours: Mapped[int] = mapped_column(sa.SmallInteger, default=2)
    topic: Mapped[str] = mapped_column(sa.String(500))
    homework: Mapped[str | None] = mapped_column(sa.String(500))

    marks = relationship("Mark", back_populates="lesson")

    __table_args__ = (
        sa.CheckConstraint("hours BETWEEN 1 AND 8", name="hours_range"),
        sa.CheckConstraint("pair_number BETWEEN 1 AND 8", name="pair_range"),
        sa.Index("ix_lessons_group_date", "group_id", "lesson_date"),
        sa.Index("ix_lessons_group_item_period", "group_id", "curriculum_item_id", "period_id"),
        sa.Index("ix_lessons_date", "lesson_date"),
        # Dashboards (issue 8): the college's days in date order (attendance over time),
        # and a group's days with the subgroup (full days missed) without reading the rows.
        sa.Index("ix_lessons_date_group", "lesson_date", "group_id"),
        sa.Index("ix_lessons_group_date_subgroup", "group_id", "lesson_date", "subgroup_id"),
        # Journal filling (issue 8): a period's lessons in teacher × group × discipline order.
        sa.Index("ix_lessons_period_keys", *PERIOD_KEYS),
        # ... and its few lessons entered late (LATE_DAYS = 7) or without a topic, counted
        # without reading every lesson. The conditions are those of reports.control's
        # _late and _blank, word for word: SQLite uses a partial index only then.
        sa.Index(
            "ix_lessons_period_late",
            *PERIOD_KEYS,
            sqlite_where=sa.text("julianday(created_at) - julianday(lesson_date) >= 7"),
            postgresql_where=sa.text("created_at >= lesson_date + interval '7 days'"),
        ),
        sa.Index(
            "ix_lessons_period_no_topic",
            *PERIOD_KEYS,
            sqlite_where=sa.text("trim(coalesce(topic, '')) = ''"),
            postgresql_where=sa.text("trim(coalesce(topic, '')) = ''"),
        ),
    )


class Mark(Base):
    """A current mark, 2..5, with a weight and the kind of work (R-4.10.a)."""

    __tablename__ = "marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = fk("lessons.id", index=False)
    student_id: Mapped[int] = fk("students.id")
    value: Mapped[int] = mapped_column(sa.SmallInteger)
    weight: Mapped[float] = mapped_column(sa.Numeric(3, 1, asdecimal=False), default=1.0)
    work_kind: Mapped[WorkKind] = mapped_column(enum_type(WorkKind), default=WorkKind.ORAL)
    entered_at: Mapped[datetime] = mapped_column(sa.DateTime)
    entered_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True, index=False)
    version: Mapped[int] = mapped_column(default=1)

    lesson: Mapped[Lesson] = relationship(back_populates="marks")

    __table_args__ = (
        sa.UniqueConstraint("lesson_id", "student_id", "work_kind"),
        sa.CheckConstraint("value BETWEEN 2 AND 5", name="value_range"),
        sa.CheckConstraint("weight > 0 AND weight <= 10", name="weight_range"),
    )


class Attendance(Base):
    """An absence, lateness or exemption of a student at a lesson, with missed hours."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = fk("lessons.id", index=False)
    student_id: Mapped[int] = fk("students.id")
    code: Mapped[AttendanceCode] = mapped_column(enum_type(AttendanceCode))
    hours: Mapped[int] = mapped_column(sa.SmallInteger)
    entered_at: Mapped[datetime] = mapped_column(sa.DateTime)
    entered_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True, index=False)
    version: Mapped[int] = mapped_column(default=1)

    __table_args__ = (
        sa.UniqueConstraint("lesson_id", "student_id"),
        sa.CheckConstraint("hours BETWEEN 0 AND 8", name="hours_range"),
        # Covering index of the attendance dashboards (issue 8): a lesson's absences with
        # their code and hours are read from the index alone.
        sa.Index("ix_attendance_lesson_cover", "lesson_id", "code", "hours", "student_id"),
    )


class FinalGrade(Base):
    """Итоговая оценка: student × curriculum item × period (R-4.10.d, R-5.3).

    ``set_at`` against the period's end gives D-7; once set, the period's marks of that
    discipline are closed to the teacher (R-4.10.b).
    """

    __tablename__ = "final_grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = fk("students.id")
    curriculum_item_id: Mapped[int] = fk("curriculum_items.id")
    period_id: Mapped[int] = fk("study_periods.id")
    result: Mapped[FinalResult] = mapped_column(enum_type(FinalResult))
    set_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True, index=False)
    set_at: Mapped[datetime] = mapped_column(sa.DateTime)
    version: Mapped[int] = mapped_column(default=1)

    __table_args__ = (
        sa.UniqueConstraint("student_id", "curriculum_item_id", "period_id"),
        sa.Index("ix_final_grades_period_item", "period_id", "curriculum_item_id"),
        # Covering index of the performance dashboards (issue 8): a period's results by
        # student, read from the index alone.
        sa.Index("ix_final_grades_period_cover", "period_id", "student_id", "curriculum_item_id", "result"),
    )


class PeriodLock(Base):
    """A period closed for edits (R-4.2.e), for all groups or one; unlocking is recorded on
    the same row, so the table is the lock history."""

    __tablename__ = "period_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = fk("study_periods.id")
    group_id: Mapped[int | None] = fk("groups.id", nullable=True)
    locked_at: Mapped[datetime] = mapped_column(sa.DateTime)
    locked_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    order_number: Mapped[str | None] = mapped_column(sa.String(30))
    unlocked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    unlocked_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True, index=False)
    unlock_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # A temporary unlock: the lock is in force again from this moment.
    relock_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    __table_args__ = (
        sa.CheckConstraint("length(reason) > 0", name="reason_not_empty"),
        sa.CheckConstraint("unlocked_at IS NULL OR unlock_reason IS NOT NULL", name="unlock_has_reason"),
        sa.CheckConstraint(
            "relock_at IS NULL OR (unlocked_at IS NOT NULL AND relock_at > unlocked_at)",
            name="relock_after_unlock",
        ),
    )
