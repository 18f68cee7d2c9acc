"""Helpers shared by the study and journal import kinds (R-4.2.b): lookups preloaded in one
query per table, so that thousands of rows validate without a query per row, and bulk
writes audited in bulk.

Each lookup turns what people write in a file (a group's name, «ОП.01», «Петрова Анна
Ивановна», «1 семестр» of «2025/2026») into an id, or into a Russian message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import Actor
from netspo_lib.clock import fmt_date, now
from netspo_lib.enums import PeriodKind
from netspo_lib.imports.spec import norm_text
from netspo_lib.models.people import full_name

Planned = tuple[str, int | None, dict[str, Any], list[tuple[str, str]]]
Rows = list[tuple[int, dict[str, Any], bool]]
Progress = Callable[[int, int], None] | None
CHUNK = 900  # bound parameters per IN (...) and per bulk statement


class RowError(Exception):
    """A problem of one row: the column's title and a Russian message."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def count(value: str | None, title: str, *, low: int = 0, high: int = 2000) -> int:
    """A whole number of hours (0 allowed; an empty cell is 0)."""
    if value is None or not str(value).strip():
        return 0
    text = str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise RowError(title, f"«{value}» — не число часов.") from None
    if not number.is_integer() or not low <= number <= high:
        raise RowError(title, f"Число {text} вне допустимых пределов {low}–{high}.")
    return int(number)


def fio_key(text: str) -> str:
    return norm_text(text)


def chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class PeriodInfo:
    id: int
    year_name: str
    name: str
    number: int
    kind: PeriodKind
    starts_on: date
    ends_on: date
    year_start: int

    @property
    def label(self) -> str:
        return f"{self.name} {self.year_name}"


@dataclass
class Lookups:
    """The college's groups, staff, periods, curricula and their items, read once."""

    session: Session
    college_id: int
    groups: dict[str, m.Group] = field(default_factory=dict)
    group_names: dict[int, str] = field(default_factory=dict)
    staff: dict[str, list[int]] = field(default_factory=dict)
    staff_names: dict[int, str] = field(default_factory=dict)
    employed: dict[int, list[tuple[date, date | None]]] = field(default_factory=dict)
    periods: list[PeriodInfo] = field(default_factory=list)
    curricula: dict[tuple[int, int, str], int] = field(default_factory=dict)
    items: dict[int, list[m.CurriculumItem]] = field(default_factory=dict)
    item_by_id: dict[int, m.CurriculumItem] = field(default_factory=dict)
    subgroups: dict[tuple[int, str], list[m.Subgroup]] = field(default_factory=dict)
    subgroup_names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, actor: Actor) -> Lookups:
        college = actor.college_id
        lk = cls(session, college)
        for g in session.scalars(sa.select(m.Group).where(m.Group.college_id == college)):
            lk.groups[norm_text(g.name)] = g
            lk.group_names[g.id] = g.name
        stmt = (
            sa.select(m.Person, m.StaffEmployment.hired_on, m.StaffEmployment.dismissed_on)
            .join(m.StaffEmployment, m.StaffEmployment.person_id == m.Person.id)
            .where(m.StaffEmployment.college_id == college)
        )
        for p, hired, dismissed in session.execute(stmt):
            if p.id not in lk.staff_names:
                lk.staff.setdefault(fio_key(p.full_name), []).append(p.id)
                lk.staff_names[p.id] = p.full_name
            lk.employed.setdefault(p.id, []).append((hired, dismissed))
        stmt2 = (
            sa.select(m.StudyPeriod, m.AcademicYear)
            .join(m.AcademicYear, m.AcademicYear.id == m.StudyPeriod.academic_year_id)
            .where(m.AcademicYear.college_id == college)
            .order_by(m.StudyPeriod.starts_on)
        )
        for p, y in session.execute(stmt2):
            lk.periods.append(
                PeriodInfo(p.id, y.name, p.name, p.number, p.kind, p.starts_on, p.ends_on, y.starts_on.year)
            )
        for c in session.scalars(sa.select(m.Curriculum).where(m.Curriculum.college_id == college)):
            lk.curricula[(c.specialty_id, c.intake_year, c.study_form.value)] = c.id
        stmt3 = (
            sa.select(m.CurriculumItem)
            .join(m.Curriculum, m.Curriculum.id == m.CurriculumItem.curriculum_id)
            .where(m.Curriculum.college_id == college)
        )
        for item in session.scalars(stmt3):
            lk.items.setdefault(item.curriculum_id, []).append(item)
            lk.item_by_id[item.id] = item
        stmt4 = (
            sa.select(m.Subgroup)
            .join(m.Group, m.Group.id == m.Subgroup.group_id)
            .where(m.Group.college_id == college)
        )
        for sg in session.scalars(stmt4):
            lk.subgroups.setdefault((sg.group_id, norm_text(sg.name)), []).append(sg)
            lk.subgroup_names[sg.id] = sg.name
        return lk

    # --- lookups by what a file says -------------------------------------------------------
    def group(self, name: str, title: str = "Группа") -> m.Group:
        group = self.groups.get(norm_text(name))
        if group is None:
            raise RowError(title, f"Группа «{name}» не найдена в колледже.")
        return group

    def teacher(self, name: str, title: str = "Преподаватель", *, on: date | None = None) -> int:
        """An employee of the college by ФИО (past employees too: old journals name them);
        given ``on``, the employee must have worked in the college that day."""
        found = self.staff.get(fio_key(name), [])
        if not found:
            raise RowError(title, f"«{name}» не найден среди сотрудников колледжа.")
        if len(found) > 1:
            raise RowError(title, f"Сотрудников «{name}» несколько: уточните в программе.")
        if on is not None and not any(
            hired <= on and (left is None or on <= left) for hired, left in self.employed.get(found[0], [])
        ):
            raise RowError(title, f"{self.staff_names[found[0]]} не работал(а) в колледже {fmt_date(on)}.")
        return found[0]

    def period(self, year: str, name: str, title: str = "Период") -> PeriodInfo:
        wanted_year = norm_text(year).replace(" ", "").replace("-", "/")
        wanted = norm_text(name)
        for p in self.periods:
            if norm_text(p.year_name).replace(" ", "") != wanted_year:
                continue
            if wanted in (norm_text(p.name), str(p.number), f"{p.number} семестр"):
                return p
        raise RowError(title, f"Учебный период «{name}» {year} не найден в колледже.")

    def period_on(self, day: date, title: str = "Дата") -> PeriodInfo:
        found = [p for p in self.periods if p.starts_on <= day <= p.ends_on]
        found.sort(key=lambda p: p.kind != PeriodKind.SEMESTER)
        if not found:
            raise RowError(title, f"Дата {fmt_date(day)} не входит ни в один учебный период колледжа.")
        return found[0]

    def curriculum_of(self, group: m.Group) -> int:
        cid = group.curriculum_id or self.curricula.get(
            (group.specialty_id, group.intake_year, group.study_form.value)
        )
        if cid is None:
            raise RowError("Группа", f"У группы «{group.name}» нет учебного плана.")
        return cid

    def item(
        self, group: m.Group, text: str, period: PeriodInfo | None, semester: int | None = None
    ) -> m.CurriculumItem:
        """A discipline of the group's curriculum by its index («ОП.01»), «индекс название»
        or its name; several semesters of it are told apart by the period (R-4.2.b)."""
        title = "Дисциплина"
        candidates = self._matching(self.curriculum_of(group), text)
        if not candidates:
            raise RowError(title, f"Дисциплина «{text}» не входит в учебный план группы {group.name}.")
        if semester is not None:  # the file names the curriculum's semester: it must be there
            exact = [i for i in candidates if i.semester == semester]
            if len(exact) != 1:
                raise RowError(
                    "Семестр", f"В учебном плане группы {group.name} нет «{text}» в {semester}-м семестре."
                )
            return exact[0]
        if period is not None and period.kind == PeriodKind.SEMESTER:
            semester = (period.year_start - group.intake_year) * 2 + period.number
        exact = [i for i in candidates if i.semester == semester]
        if len(exact) == 1:
            return exact[0]
        if len(candidates) == 1:
            return candidates[0]
        raise RowError(title, f"Дисциплина «{text}» есть в плане в нескольких семестрах: укажите семестр.")

    def _matching(self, curriculum_id: int, text: str) -> list[m.CurriculumItem]:
        items = self.items.get(curriculum_id, [])
        wanted = norm_text(text)
        first = wanted.split(" ", 1)[0]
        by_index = [i for i in items if norm_text(i.index) in (wanted, first)]
        if by_index:
            return by_index
        return [i for i in items if norm_text(i.name) == wanted]

    def subgroup(self, group: m.Group, name: str | None, item_id: int) -> int | None:
        if not name:
            return None
        found = [
            sg
            for sg in self.subgroups.get((group.id, norm_text(name)), [])
            if sg.curriculum_item_id in (None, item_id)
        ]
        if not found:
            raise RowError(
                "Подгруппа",
                f"Подгруппа «{name}» группы {group.name} не найдена: её формирует преподаватель (R-4.10.c).",
            )
        found.sort(key=lambda sg: sg.curriculum_item_id is None)
        return found[0].id


@dataclass
class StudentInfo:
    id: int
    group_id: int
    fio: str
    birth_date: date | None
    snils: str | None
    enrolled_on: date
    left_on: date | None


def _load_students(session: Session, actor: Actor, group_ids: set[int]) -> list[StudentInfo]:
    out: list[StudentInfo] = []
    for ids in chunks(sorted(group_ids)):
        stmt = (
            sa.select(m.Student, m.Person)
            .join(m.Person, m.Person.id == m.Student.person_id)
            .join(m.Group, m.Group.id == m.Student.group_id)
            .where(m.Group.college_id == actor.college_id, m.Student.group_id.in_(ids))
        )
        for s, p in session.execute(stmt):
            out.append(
                StudentInfo(s.id, s.group_id, p.full_name, p.birth_date, p.snils, s.enrolled_on, s.left_on)
            )
    return out


class StudentFinder:
    """A student of a group by ФИО, told apart from namesakes by the birth date or СНИЛС."""

    def __init__(self, students: list[StudentInfo]) -> None:
        self.by_name: dict[tuple[int, str], list[StudentInfo]] = {}
        self.by_id = {s.id: s for s in students}
        for s in students:
            self.by_name.setdefault((s.group_id, fio_key(s.fio)), []).append(s)

    def find(
        self, group: m.Group, fio: str, birth: date | None = None, snils: str | None = None
    ) -> StudentInfo:
        title = "Студент"
        found = self.by_name.get((group.id, fio_key(fio)), [])
        if snils:
            found = [s for s in found if s.snils == snils]
            if not found:
                raise RowError("СНИЛС", f"В группе {group.name} нет студента «{fio}» с этим СНИЛС.")
        if birth is not None:
            found = [s for s in found if s.birth_date == birth]
            if not found:
                raise RowError(
                    "Дата рождения",
                    f"В группе {group.name} нет студента «{fio}», родившегося {fmt_date(birth)}.",
                )
        if not found:
            raise RowError(title, f"Студент «{fio}» не найден в группе {group.name}.")
        if len(found) > 1:
            raise RowError(title, f"В группе {group.name} несколько студентов «{fio}»: укажите СНИЛС.")
        return found[0]


def student_on(student: StudentInfo, day: date, group_name: str) -> None:
    """The student studied in the group on that day (as the journal's own rule)."""
    if student.enrolled_on > day:
        raise RowError(
            "Студент", f"Студент зачислен {fmt_date(student.enrolled_on)}, позже занятия {fmt_date(day)}."
        )
    if student.left_on is not None and student.left_on < day:
        raise RowError(
            "Студент", f"Студент выбыл {fmt_date(student.left_on)}, раньше занятия {fmt_date(day)}."
        )


def person_fio(p: m.Person) -> str:
    return full_name(p.last_name, p.first_name, p.middle_name)


def _apply_changes(
    session: Session,
    actor: Actor,
    model: type,
    row_id: int,
    changes: dict[str, Any],
    verb: str,
    **where: int | None,
) -> Any:
    """Update a row in place and audit the changed fields, before and after."""
    row = session.get(model, row_id)
    assert row is not None
    fields = list(changes)
    before = audit.snapshot(row, fields)
    for name, value in changes.items():
        setattr(row, name, value)
    if hasattr(row, "version"):
        row.version = (row.version or 0) + 1
    session.flush()
    audit.record(
        session,
        actor,
        verb,
        model.__tablename__,
        row.id,
        before=before,
        after=audit.snapshot(row, fields),
        **where,
    )
    return row


def _bulk_insert(
    session: Session,
    actor: Actor,
    model: type,
    rows: list[dict[str, Any]],
    verb: str,
    *,
    progress: Callable[[int], None] | None = None,
) -> list[int]:
    """Insert ``rows`` with multi-row statements and one audit event each, also in bulk
    (5 000 rows in a second or two instead of a flush per row)."""
    ids: list[int] = []
    table = model.__table__  # type: ignore[attr-defined]
    at = now()
    for whole in chunks(rows, 500):
        # «_group_id» only files the audit event under the group; it is not a column.
        part = [{k: v for k, v in r.items() if k != "_group_id"} for r in whole]
        got = session.scalars(
            sa.insert(model).returning(table.c.id, sort_by_parameter_order=True), part
        ).all()
        ids.extend(got)
        events = [
            {
                "at": at,
                "actor_id": actor.account_id,
                "action": verb,
                "entity": table.name,
                "entity_id": row_id,
                "before": None,
                "after": {k: audit._json_value(v) for k, v in values.items()},
                "reason": "загрузка из файла",
                "group_id": full.get("_group_id", values.get("group_id")),
                "student_id": values.get("student_id"),
            }
            for row_id, values, full in zip(got, part, whole, strict=True)
        ]
        session.execute(sa.insert(m.AuditEvent), events)
        if progress is not None:
            progress(len(part))
    return ids
