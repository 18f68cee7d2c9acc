"""Timetable and exam-session events (R-4.4.f, R-4.4.g)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from netspo_lib.enums import ExamEventKind

from .base import Base, CreatedAtMixin, enum_type, fk


class TimetableLesson(CreatedAtMixin, Base):
    """A planned lesson: date, pair, group (or subgroup), discipline, teacher, room."""

    __tablename__ = "timetable_lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_date: Mapped[date] = mapped_column(sa.Date, index=True)
    pair_number: Mapped[int] = mapped_column(sa.SmallInteger)
    group_id: Mapped[int] = fk("groups.id")
    subgroup_id: Mapped[int | None] = fk("subgroups.id", nullable=True)
    curriculum_item_id: Mapped[int] = fk("curriculum_items.id")
    teacher_id: Mapped[int] = fk("persons.id")
    room_id: Mapped[int | None] = fk("rooms.id", nullable=True)

    __table_args__ = (
        sa.CheckConstraint("pair_number BETWEEN 1 AND 8", name="pair_range"),
        sa.Index("ix_timetable_lessons_teacher_slot", "teacher_id", "lesson_date", "pair_number"),
        sa.Index("ix_timetable_lessons_room_slot", "room_id", "lesson_date", "pair_number"),
        sa.Index("ix_timetable_lessons_group_slot", "group_id", "lesson_date", "pair_number"),
    )


class ExamEvent(CreatedAtMixin, Base):
    """An event of the exam session: consultation, exam, credit, defence (R-4.4.f)."""

    __tablename__ = "exam_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = fk("groups.id")
    subgroup_id: Mapped[int | None] = fk("subgroups.id", nullable=True)
    curriculum_item_id: Mapped[int] = fk("curriculum_items.id")
    period_id: Mapped[int] = fk("study_periods.id")
    kind: Mapped[ExamEventKind] = mapped_column(enum_type(ExamEventKind))
    starts_at: Mapped[datetime] = mapped_column(sa.DateTime)
    room_id: Mapped[int | None] = fk("rooms.id", nullable=True)
    examiner_id: Mapped[int | None] = fk("persons.id", nullable=True)
