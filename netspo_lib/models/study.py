"""Programmes: specialties, curricula and their items; groups, subgroups, study calendars,
teaching assignments (R-4.2.a, R-4.6.a, R-4.10.c, R-4.11.b)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netspo_lib.enums import (
    AssessmentForm,
    CurriculumStatus,
    GroupStatus,
    ItemKind,
    SpecialtyKind,
    StudyForm,
)

from .base import Base, CreatedAtMixin, enum_type, fk


class Specialty(Base):
    """A specialty (ППССЗ) or profession (ППКРС) of ФГОС СПО, e.g. 09.02.07."""

    __tablename__ = "specialties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[SpecialtyKind] = mapped_column(enum_type(SpecialtyKind))
    qualification: Mapped[str | None] = mapped_column(sa.String(200))
    fgos_ref: Mapped[str | None] = mapped_column(sa.String(300))

    __table_args__ = (
        # «09.02.07»: two digits, dot, two digits, dot, two digits.
        sa.CheckConstraint(
            "length(code) = 8 AND substr(code, 3, 1) = '.' AND substr(code, 6, 1) = '.'",
            name="code_format",
        ),
    )


class Curriculum(CreatedAtMixin, Base):
    """Учебный план: specialty × intake year × form of study; approved by the deputy
    director (R-4.11.b)."""

    __tablename__ = "curricula"

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = fk("colleges.id")
    specialty_id: Mapped[int] = fk("specialties.id")
    intake_year: Mapped[int] = mapped_column(sa.SmallInteger)
    study_form: Mapped[StudyForm] = mapped_column(enum_type(StudyForm))
    name: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[CurriculumStatus] = mapped_column(
        enum_type(CurriculumStatus), default=CurriculumStatus.DRAFT
    )
    approved_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    specialty = relationship("Specialty")
    items: Mapped[list[CurriculumItem]] = relationship(
        back_populates="curriculum", order_by="(CurriculumItem.semester, CurriculumItem.index)"
    )

    __table_args__ = (
        sa.UniqueConstraint("college_id", "specialty_id", "intake_year", "study_form"),
        sa.CheckConstraint("intake_year BETWEEN 1990 AND 2100", name="intake_year_range"),
        sa.CheckConstraint("(status = 'approved') = (approved_at IS NOT NULL)", name="approval_recorded"),
    )


class CurriculumItem(Base):
    """One line of a curriculum in one semester: ОП.01, МДК.01.01, ПМ.01, УП.01 …

    A discipline taught over several semesters has one item per semester; ``parent_id``
    links an МДК or a practice to its professional module.
    """

    __tablename__ = "curriculum_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    curriculum_id: Mapped[int] = fk("curricula.id")
    parent_id: Mapped[int | None] = fk("curriculum_items.id", nullable=True)
    index: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[ItemKind] = mapped_column(enum_type(ItemKind))
    semester: Mapped[int] = mapped_column(sa.SmallInteger)
    lecture_hours: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    practice_hours: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    lab_hours: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    course_project_hours: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    self_study_hours: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    consultation_hours: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    exam_hours: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    assessment: Mapped[AssessmentForm | None] = mapped_column(enum_type(AssessmentForm))

    curriculum: Mapped[Curriculum] = relationship(back_populates="items")
    parent = relationship("CurriculumItem", remote_side=[id])

    __table_args__ = (
        sa.UniqueConstraint("curriculum_id", "index", "semester"),
        sa.CheckConstraint("semester BETWEEN 1 AND 10", name="semester_range"),
        sa.CheckConstraint(
            "lecture_hours >= 0 AND practice_hours >= 0 AND lab_hours >= 0"
            " AND course_project_hours >= 0 AND self_study_hours >= 0"
            " AND consultation_hours >= 0 AND exam_hours >= 0",
            name="hours_non_negative",
        ),
    )

    @property
    def classroom_hours(self) -> int:
        """Hours with a teacher in class (lectures, practice, labs, course project)."""
        return self.lecture_hours + self.practice_hours + self.lab_hours + self.course_project_hours


class Group(CreatedAtMixin, Base):
    """Учебная группа, e.g. «ИСП-23» (R-4.2.a). ``course`` is the current course, 1–4
    (5 for the longest programmes), advanced by the year rollover."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = fk("colleges.id")
    department_id: Mapped[int] = fk("departments.id")
    specialty_id: Mapped[int] = fk("specialties.id")
    curriculum_id: Mapped[int | None] = fk("curricula.id", nullable=True)
    name: Mapped[str] = mapped_column(sa.String(30))
    intake_year: Mapped[int] = mapped_column(sa.SmallInteger)
    course: Mapped[int] = mapped_column(sa.SmallInteger)
    study_form: Mapped[StudyForm] = mapped_column(enum_type(StudyForm))
    curator_id: Mapped[int | None] = fk("persons.id", nullable=True)
    status: Mapped[GroupStatus] = mapped_column(enum_type(GroupStatus), default=GroupStatus.ACTIVE)

    department = relationship("Department")
    specialty = relationship("Specialty")
    curriculum = relationship("Curriculum")
    curator = relationship("Person")
    students = relationship("Student", back_populates="group")

    __table_args__ = (
        sa.UniqueConstraint("college_id", "name"),
        sa.CheckConstraint("course BETWEEN 1 AND 5", name="course_range"),
        sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
    )


class GroupCalendar(CreatedAtMixin, Base):
    """A group's study calendar: its dates of each period, with the exam session.

    Final grades are due by ``ends_on`` (D-7); a group without a row follows the
    college-wide dates of the period.
    """

    __tablename__ = "group_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = fk("groups.id")
    period_id: Mapped[int] = fk("study_periods.id")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    session_starts_on: Mapped[date | None]
    session_ends_on: Mapped[date | None]

    __table_args__ = (
        sa.UniqueConstraint("group_id", "period_id"),
        sa.CheckConstraint("ends_on > starts_on", name="dates_ordered"),
    )


class Subgroup(CreatedAtMixin, Base):
    """A part of a group for one discipline, formed by its teacher (R-4.10.c)."""

    __tablename__ = "subgroups"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = fk("groups.id")
    name: Mapped[str] = mapped_column(sa.String(50))
    curriculum_item_id: Mapped[int | None] = fk("curriculum_items.id", nullable=True)
    created_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True)

    members = relationship("SubgroupMember", cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("group_id", "curriculum_item_id", "name"),)


class SubgroupMember(Base):
    __tablename__ = "subgroup_members"

    subgroup_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subgroups.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("students.id"), primary_key=True)


class TeachingAssignment(Base):
    """Нагрузка: a teacher teaches an item of the curriculum to a group (or a subgroup) in a
    period, with planned hours; it defines what a teacher may see and record (R-4.10.a)."""

    __tablename__ = "teaching_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = fk("persons.id")
    group_id: Mapped[int] = fk("groups.id")
    subgroup_id: Mapped[int | None] = fk("subgroups.id", nullable=True)
    curriculum_item_id: Mapped[int] = fk("curriculum_items.id")
    period_id: Mapped[int] = fk("study_periods.id")
    planned_hours: Mapped[int] = mapped_column(sa.SmallInteger)

    teacher = relationship("Person")
    group = relationship("Group")
    curriculum_item = relationship("CurriculumItem")

    __table_args__ = (
        sa.UniqueConstraint("teacher_id", "group_id", "subgroup_id", "curriculum_item_id", "period_id"),
        sa.CheckConstraint("planned_hours >= 0", name="planned_hours_non_negative"),
    )
