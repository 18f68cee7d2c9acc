"""Import kinds of past journals (R-4.2.b: historical grades): final grades, current marks
and attendance, to migrate earlier years into the register.

The journal's own rules hold (:mod:`netspo_lib.journal`): marks 2..5 with a weight, the
result of a final grade fitting the discipline's form of assessment (R-4.10.d), the
student in the group on the lesson's date, nothing written in a locked period (R-4.2.e,
with the lock's Russian message) and no current mark after the final grade (R-4.10.b).
Lessons are created as needed, one per group, date, pair and subgroup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from netspo_lib import locks
from netspo_lib import models as m
from netspo_lib.access import Action, Actor
from netspo_lib.clock import fmt_date, now, today
from netspo_lib.enums import AttendanceCode, FinalResult, WorkKind
from netspo_lib.errors import NetspoError
from netspo_lib.imports.common import (
    Lookups,
    PeriodInfo,
    Planned,
    Progress,
    RowError,
    Rows,
    StudentFinder,
    _apply_changes,
    _bulk_insert,
    _load_students,
    chunks,
    student_on,
)
from netspo_lib.imports.kinds_study import _DISCIPLINE, _GROUP, _PERIOD, _SUBGROUP, _YEAR
from netspo_lib.imports.spec import Column, Kind, norm_text
from netspo_lib.journal import ABSENCE_CODES, JournalInputError, _check_result_form, _mark_value, _mark_weight
from netspo_lib.snils import format_snils

DEFAULT_TOPIC = "Занятие перенесено из архива журнала"
_STUDENT = Column(
    "student",
    "Студент",
    ("ФИО", "ФИО студента", "Обучающийся"),
    required=True,
    example="Сидорова Мария Ивановна",
)
_SNILS = Column("snils", "СНИЛС", ("СНИЛС студента",), type="snils", example="112-233-445 95")


def _refused(problems: list[tuple[str, str]]) -> Planned:
    return ("refused", None, {}, problems)


class _LockCache:
    """The lock message of (period, group), asked once per pair (R-4.2.e)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[tuple[int, int], str | None] = {}

    def check(self, period_id: int, group_id: int) -> None:
        key = (period_id, group_id)
        if key not in self.known:
            try:
                locks.check_writable(self.session, period_id=period_id, group_id=group_id)
                self.known[key] = None
            except locks.Locked as exc:
                self.known[key] = exc.message
        message = self.known[key]
        if message is not None:
            raise RowError("Дата", message)


# --- final grades --------------------------------------------------------------------------------
_RESULTS = {
    "5": FinalResult.FIVE,
    "отлично": FinalResult.FIVE,
    "отл": FinalResult.FIVE,
    "4": FinalResult.FOUR,
    "хорошо": FinalResult.FOUR,
    "хор": FinalResult.FOUR,
    "3": FinalResult.THREE,
    "удовлетворительно": FinalResult.THREE,
    "удовл": FinalResult.THREE,
    "2": FinalResult.TWO,
    "неудовлетворительно": FinalResult.TWO,
    "неуд": FinalResult.TWO,
    "зачет": FinalResult.PASS,
    "зачтено": FinalResult.PASS,
    "зач": FinalResult.PASS,
    "незачет": FinalResult.FAIL,
    "не зачтено": FinalResult.FAIL,
    "не зачет": FinalResult.FAIL,
    "незач": FinalResult.FAIL,
    "н/а": FinalResult.NOT_ATTESTED,
    "на": FinalResult.NOT_ATTESTED,
    "не аттестован": FinalResult.NOT_ATTESTED,
    "осв": FinalResult.EXEMPT,
    "освобожден": FinalResult.EXEMPT,
}


def parse_result(text: str) -> FinalResult:
    """«5», «отлично», «зачёт», «н/а», «осв.» … as a final result; a Russian error if not."""
    wanted = " ".join(text.lower().replace("ё", "е").strip().rstrip(".").split())
    found = _RESULTS.get(wanted)
    if found is None:
        raise RowError(
            "Оценка", f"Оценка «{text}» не из списка: 5, 4, 3, 2, «зачёт», «незачёт», «н/а», «осв.»."
        )
    return found


FINAL_GRADE_COLUMNS = (
    _GROUP,
    _STUDENT,
    Column("birth_date", "Дата рождения", ("Дата рожд", "ДР"), type="date", example="17.05.2007"),
    _SNILS,
    _DISCIPLINE,
    Column("semester", "Семестр", ("Семестр плана",), type="int", example="1"),
    _YEAR,
    _PERIOD,
    Column("result", "Оценка", ("Итоговая оценка", "Результат"), required=True, max_len=30, example="5"),
    Column("date", "Дата", ("Дата выставления",), type="date", example="25.12.2025"),
)
GradeKey = tuple[int, int, int]


def _plan_final_grades(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    lk = Lookups.load(session, actor)
    group_ids = {g.id for _, v, bad in rows if not bad and (g := lk.groups.get(norm_text(v["group"])))}
    finder = StudentFinder(_load_students(session, actor, group_ids))
    existing: dict[GradeKey, m.FinalGrade] = {}
    for ids in chunks(sorted(finder.by_id)):
        for fg in session.scalars(sa.select(m.FinalGrade).where(m.FinalGrade.student_id.in_(ids))):
            existing[(fg.student_id, fg.curriculum_item_id, fg.period_id)] = fg
    lock = _LockCache(session)
    seen: dict[GradeKey, int] = {}
    out: list[Planned] = []
    for row_no, v, bad in rows:
        problems: list[tuple[str, str]] = []
        result: FinalResult | None = None
        if v.get("result"):
            try:
                result = parse_result(v["result"])
            except RowError as exc:
                problems.append((exc.column, exc.message))
        if v.get("date") and v["date"] > today():
            problems.append(("Дата", f"Дата {fmt_date(v['date'])} позже сегодняшней."))
        if bad or problems or result is None:
            out.append(_refused(problems))
            continue
        try:
            group = lk.group(v["group"])
            student = finder.find(group, v["student"], v.get("birth_date"), v.get("snils"))
            period = lk.period(v["year"], v["period"])
            item = lk.item(group, v["discipline"], period, v.get("semester"))
            try:
                lock.check(period.id, group.id)
            except RowError as exc:
                raise RowError("Период", exc.message) from None
            try:
                _check_result_form(item, result)
            except JournalInputError as exc:
                raise RowError("Оценка", exc.message) from None
        except RowError as exc:
            out.append(_refused([(exc.column, exc.message)]))
            continue
        key: GradeKey = (student.id, item.id, period.id)
        first = seen.setdefault(key, row_no)
        if first != row_no:
            out.append(
                _refused([("Дисциплина", f"Итоговая оценка повторяется: она уже есть в строке {first}.")])
            )
            continue
        set_at = datetime.combine(v["date"], time(12, 0)) if v.get("date") else None
        found = existing.get(key)
        if found is None:
            values = {
                "student_id": student.id,
                "curriculum_item_id": item.id,
                "period_id": period.id,
                "result": result,
                "set_at": set_at,
                "_group_id": group.id,
            }
            out.append(("insert", None, values, []))
            continue
        changes: dict[str, Any] = {}
        if found.result != result:
            changes["result"] = result
        if set_at is not None and found.set_at.date() != set_at.date():
            changes["set_at"] = set_at
        out.append(("update" if changes else "unchanged", found.id, changes, []))
    return out


def _write_final_grades(session: Session, actor: Actor, rows: list[Any], progress: Progress) -> None:
    done = 0
    for plan in rows:
        if plan.action == "update":
            grade = session.get(m.FinalGrade, plan.existing_id)
            assert grade is not None
            changes = {**plan.changes, "set_by_id": actor.account_id}
            _apply_changes(
                session,
                actor,
                m.FinalGrade,
                plan.existing_id,
                changes,
                "final_grade.update",
                student_id=grade.student_id,
            )
            done += 1
    at = now()
    new = [
        {**p.changes, "set_at": p.changes["set_at"] or at, "set_by_id": actor.account_id, "version": 1}
        for p in rows
        if p.action == "insert"
    ]

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, len(rows))

    _bulk_insert(session, actor, m.FinalGrade, new, "final_grade.create", progress=step)
    if progress is not None and not new:
        progress(done, len(rows))


def _final_grade_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    lk = Lookups.load(session, actor)
    periods = {p.id: p for p in lk.periods}
    stmt = (
        sa.select(m.FinalGrade, m.Group.name, m.Person, m.CurriculumItem)
        .join(m.Student, m.Student.id == m.FinalGrade.student_id)
        .join(m.Person, m.Person.id == m.Student.person_id)
        .join(m.Group, m.Group.id == m.Student.group_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == m.FinalGrade.curriculum_item_id)
        .where(m.Group.college_id == actor.college_id)
        .order_by(m.Group.name, m.Person.last_name, m.Person.first_name, m.Person.id, m.FinalGrade.id)
    )
    return [
        {
            "group": gname,
            "student": p.full_name,
            "birth_date": p.birth_date,
            "snils": format_snils(p.snils) if p.snils else None,
            "discipline": item.index,
            "semester": item.semester,
            "year": periods[fg.period_id].year_name,
            "period": periods[fg.period_id].name,
            "result": fg.result,
            "date": fg.set_at.date(),
        }
        for fg, gname, p, item in session.execute(stmt)
    ]


FINAL_GRADES = Kind(
    name="final_grades",
    title="итоговые оценки",
    aliases=("итоговые оценки", "final grades", "ведомости", "оценки за период"),
    columns=FINAL_GRADE_COLUMNS,
    key="student",
    action=Action.DATA_IMPORT,
    plan=_plan_final_grades,
    write=_write_final_grades,
    rows=_final_grade_rows,
)


# --- marks and attendance: the shared part -------------------------------------------------------
_LESSON_COLUMNS = (
    Column("date", "Дата", ("Дата занятия",), required=True, type="date", example="02.09.2025"),
    Column("pair", "Пара", ("Номер пары", "№ пары"), required=True, type="int", example="1"),
    _GROUP,
    _DISCIPLINE,
    _STUDENT,
    _SNILS,
)
_LESSON_TAIL = (
    Column("teacher", "Преподаватель", ("ФИО преподавателя",), example="Петрова Анна Ивановна"),
    Column("topic", "Тема", ("Тема занятия",), max_len=500, example="Введение"),
    _SUBGROUP,
)
Slot = tuple[int, date, int, int | None]


@dataclass
class _Row:
    """A journal row resolved to ids: its lesson (existing or to create) and its student."""

    slot: Slot
    group_id: int
    student_id: int
    item_id: int
    period: PeriodInfo
    lesson_id: int | None
    lesson_hours: int


class _Journal:
    """What a journal file refers to, read once: lessons, students, teachers, locks."""

    def __init__(self, session: Session, actor: Actor, rows: Rows) -> None:
        self.session = session
        self.lk = Lookups.load(session, actor)
        good = [v for _, v, bad in rows if not bad]
        group_ids = {g.id for v in good if (g := self.lk.groups.get(norm_text(v["group"])))}
        self.finder = StudentFinder(_load_students(session, actor, group_ids))
        self.lock = _LockCache(session)
        self.lessons: dict[Slot, m.Lesson] = {}
        self.busy: dict[tuple[int, date, int], list[Slot]] = {}
        self.timetable: dict[Slot, int] = {}
        self.teaching: dict[tuple[int, int, int], set[int]] = {}
        self.members: set[tuple[int, int]] = set()
        self.new_lessons: dict[Slot, tuple[int, int, int]] = {}  # slot -> item, teacher, first row
        days = [v["date"] for v in good]
        if not days or not group_ids:
            return
        for ids in chunks(sorted(group_ids)):
            lessons = session.scalars(
                sa.select(m.Lesson).where(
                    m.Lesson.group_id.in_(ids), m.Lesson.lesson_date.between(min(days), max(days))
                )
            )
            for lesson in lessons:
                slot = (lesson.group_id, lesson.lesson_date, lesson.pair_number, lesson.subgroup_id)
                self.lessons[slot] = lesson
                self.busy.setdefault(slot[:3], []).append(slot)  # type: ignore[arg-type]
            planned = session.scalars(
                sa.select(m.TimetableLesson).where(
                    m.TimetableLesson.group_id.in_(ids),
                    m.TimetableLesson.lesson_date.between(min(days), max(days)),
                )
            )
            for t in planned:
                self.timetable[(t.group_id, t.lesson_date, t.pair_number, t.subgroup_id)] = t.teacher_id
            for t in session.scalars(
                sa.select(m.TeachingAssignment).where(m.TeachingAssignment.group_id.in_(ids))
            ):
                self.teaching.setdefault((t.group_id, t.curriculum_item_id, t.period_id), set()).add(
                    t.teacher_id
                )
            members = session.execute(
                sa.select(m.SubgroupMember.subgroup_id, m.SubgroupMember.student_id)
                .join(m.Subgroup, m.Subgroup.id == m.SubgroupMember.subgroup_id)
                .where(m.Subgroup.group_id.in_(ids))
            )
            self.members.update((a, b) for a, b in members)

    def resolve(self, row_no: int, v: dict[str, Any]) -> _Row:
        lk = self.lk
        if not 1 <= v["pair"] <= 8:
            raise RowError("Пара", f"Номер пары {v['pair']} вне пределов 1–8.")
        if v["date"] > today():
            raise RowError("Дата", f"Дата занятия {fmt_date(v['date'])} позже сегодняшней.")
        group = lk.group(v["group"])
        period = lk.period_on(v["date"])
        self.lock.check(period.id, group.id)
        item = lk.item(group, v["discipline"], period)
        subgroup = lk.subgroup(group, v.get("subgroup"), item.id)
        student = self.finder.find(group, v["student"], None, v.get("snils"))
        student_on(student, v["date"], group.name)
        if subgroup is not None and (subgroup, student.id) not in self.members:
            raise RowError("Студент", f"Студент «{v['student']}» не входит в подгруппу «{v['subgroup']}».")
        slot: Slot = (group.id, v["date"], v["pair"], subgroup)
        when = f"{fmt_date(v['date'])} на {v['pair']}-й паре"
        lesson = self.lessons.get(slot)
        if lesson is not None:
            if lesson.curriculum_item_id != item.id:
                other = lk.item_by_id.get(lesson.curriculum_item_id)
                label = f"{other.index} {other.name}" if other else "другой дисциплины"
                raise RowError("Дисциплина", f"У группы {group.name} {when} записано занятие «{label}».")
            return _Row(slot, group.id, student.id, item.id, period, lesson.id, lesson.hours)
        others = self.busy.get(slot[:3], [])  # type: ignore[arg-type]
        if others and (subgroup is None or any(s[3] is None for s in others)):
            raise RowError("Пара", f"У группы {group.name} {when} уже записано другое занятие.")
        teacher = self._teacher(v, slot, group.id, item.id, period.id)
        planned = self.new_lessons.setdefault(slot, (item.id, teacher, row_no))
        if planned[0] != item.id:
            raise RowError("Дисциплина", f"В строке {planned[2]} на это время указана другая дисциплина.")
        if planned[1] != teacher:
            raise RowError("Преподаватель", f"В строке {planned[2]} у этого занятия другой преподаватель.")
        return _Row(slot, group.id, student.id, item.id, period, None, 2)

    def _teacher(self, v: dict[str, Any], slot: Slot, group_id: int, item_id: int, period_id: int) -> int:
        if v.get("teacher"):
            return self.lk.teacher(v["teacher"], on=v["date"])
        if slot in self.timetable:
            return self.timetable[slot]
        teachers = self.teaching.get((group_id, item_id, period_id), set())
        if len(teachers) == 1:
            return next(iter(teachers))
        raise RowError(
            "Преподаватель", "Укажите преподавателя: занятия нет в расписании, а нагрузка не называет одного."
        )


def _lesson_values(r: _Row, v: dict[str, Any], teacher: int) -> dict[str, Any]:
    return {
        "group_id": r.slot[0],
        "lesson_date": r.slot[1],
        "pair_number": r.slot[2],
        "subgroup_id": r.slot[3],
        "curriculum_item_id": r.item_id,
        "period_id": r.period.id,
        "teacher_id": teacher,
        "topic": (v.get("topic") or DEFAULT_TOPIC).strip(),
    }


def _create_lessons(session: Session, actor: Actor, rows: list[Any]) -> dict[Slot, int]:
    """The lessons the planned rows need, created once each, in bulk; slot -> lesson id."""
    wanted: dict[Slot, dict[str, Any]] = {}
    for plan in rows:
        lesson = plan.changes.get("lesson")
        if plan.action == "insert" and lesson is not None:
            slot = (lesson["group_id"], lesson["lesson_date"], lesson["pair_number"], lesson["subgroup_id"])
            wanted.setdefault(slot, lesson)
    slots = list(wanted)
    at = now()
    values = [{**wanted[s], "hours": 2, "created_at": at} for s in slots]
    ids = _bulk_insert(session, actor, m.Lesson, values, "lesson.create")
    return dict(zip(slots, ids, strict=True))


def _with_lesson(plan: Any, created: dict[Slot, int]) -> int:
    lesson = plan.changes.get("lesson")
    if lesson is None:
        return int(plan.changes["lesson_id"])
    return created[(lesson["group_id"], lesson["lesson_date"], lesson["pair_number"], lesson["subgroup_id"])]


def _journal_export(
    session: Session, actor: Actor, model: type, extra: tuple[Any, ...]
) -> list[tuple[Any, ...]]:
    student_person = aliased(m.Person)
    teacher = aliased(m.Person)
    stmt = (
        sa.select(
            m.Lesson, m.Group.name, m.CurriculumItem.index, student_person, teacher, m.Subgroup.name, *extra
        )
        .select_from(model)
        .join(m.Lesson, m.Lesson.id == model.lesson_id)  # type: ignore[attr-defined]
        .join(m.Group, m.Group.id == m.Lesson.group_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == m.Lesson.curriculum_item_id)
        .join(m.Student, m.Student.id == model.student_id)  # type: ignore[attr-defined]
        .join(student_person, student_person.id == m.Student.person_id)
        .join(teacher, teacher.id == m.Lesson.teacher_id)
        .outerjoin(m.Subgroup, m.Subgroup.id == m.Lesson.subgroup_id)
        .where(m.Group.college_id == actor.college_id)
        .order_by(
            m.Lesson.lesson_date,
            m.Lesson.pair_number,
            m.Group.name,
            student_person.last_name,
            student_person.first_name,
            model.id,
        )  # type: ignore[attr-defined]
    )
    return [tuple(r) for r in session.execute(stmt)]


def _lesson_export(
    lesson: m.Lesson, gname: str, index: str, sp: m.Person, tp: m.Person, sg: str | None
) -> dict[str, Any]:
    return {
        "date": lesson.lesson_date,
        "pair": lesson.pair_number,
        "group": gname,
        "discipline": index,
        "student": sp.full_name,
        "snils": format_snils(sp.snils) if sp.snils else None,
        "teacher": tp.full_name,
        "topic": lesson.topic,
        "subgroup": sg,
    }


# --- marks ---------------------------------------------------------------------------------------
MARK_COLUMNS = (
    *_LESSON_COLUMNS,
    Column("value", "Отметка", ("Оценка",), required=True, max_len=10, example="5"),
    Column(
        "work_kind", "Вид работы", ("Вид", "Вид отметки"), type="enum", enum=WorkKind, example="устный ответ"
    ),
    Column("weight", "Вес", ("Вес отметки",), max_len=10, example="1"),
    *_LESSON_TAIL,
)
MarkKey = tuple[Slot, int, WorkKind]


def _plan_marks(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    journal = _Journal(session, actor, rows)
    existing: dict[tuple[int, int, WorkKind], m.Mark] = {}
    frozen: set[tuple[int, int, int]] = set()
    lesson_ids = sorted(lesson.id for lesson in journal.lessons.values())
    for ids in chunks(lesson_ids):
        for mark in session.scalars(sa.select(m.Mark).where(m.Mark.lesson_id.in_(ids))):
            existing[(mark.lesson_id, mark.student_id, mark.work_kind)] = mark
    for ids in chunks(sorted(journal.finder.by_id)):
        grades = session.execute(
            sa.select(m.FinalGrade.student_id, m.FinalGrade.curriculum_item_id, m.FinalGrade.period_id).where(
                m.FinalGrade.student_id.in_(ids)
            )
        )
        frozen.update((a, b, c) for a, b, c in grades)
    seen: dict[MarkKey, int] = {}
    out: list[Planned] = []
    for row_no, v, bad in rows:
        problems: list[tuple[str, str]] = []
        value = weight = None
        try:
            value = _mark_value(v["value"]) if v.get("value") else None
        except (JournalInputError, ValueError):
            problems.append(
                ("Отметка", f"Отметка «{v['value']}» недопустима: отметка должна быть от 2 до 5.")
            )
        try:
            weight = _mark_weight(v.get("weight") or 1.0)
        except JournalInputError as exc:
            problems.append(("Вес", exc.message))
        if bad or problems or value is None or weight is None:
            out.append(_refused(problems))
            continue
        try:
            r = journal.resolve(row_no, v)
            if (r.student_id, r.item_id, r.period.id) in frozen:
                try:
                    locks.check_writable(
                        session,
                        period_id=r.period.id,
                        group_id=r.group_id,
                        student_id=r.student_id,
                        curriculum_item_id=r.item_id,
                    )
                except NetspoError as exc:
                    raise RowError("Отметка", exc.message) from None
        except RowError as exc:
            out.append(_refused([(exc.column, exc.message)]))
            continue
        kind = v.get("work_kind") or WorkKind.ORAL
        first = seen.setdefault((r.slot, r.student_id, kind), row_no)
        if first != row_no:
            out.append(_refused([("Отметка", f"Отметка повторяется: она уже есть в строке {first}.")]))
            continue
        mark = existing.get((r.lesson_id, r.student_id, kind)) if r.lesson_id else None
        if mark is None:
            where: dict[str, Any] = (
                {"lesson_id": r.lesson_id}
                if r.lesson_id
                else {"lesson": _lesson_values(r, v, journal.new_lessons[r.slot][1])}
            )
            values = {
                "student_id": r.student_id,
                "value": value,
                "weight": weight,
                "work_kind": kind,
                "_group_id": r.group_id,
                **where,
            }
            out.append(("insert", None, values, []))
            continue
        changes = {k: x for k, x in (("value", value), ("weight", weight)) if getattr(mark, k) != x}
        out.append(("update" if changes else "unchanged", mark.id, changes, []))
    return out


def _write_journal(
    session: Session,
    actor: Actor,
    rows: list[Any],
    progress: Progress,
    model: type[m.Mark] | type[m.Attendance],
    verb: str,
    fields: tuple[str, ...],
) -> None:
    """Marks or attendance of a file: changed rows through the audited change helper, the
    lessons created once per slot, new rows in bulk (audited as ``<verb>.create``)."""
    done = 0
    at = now()
    for plan in rows:
        if plan.action == "update":
            row = session.get(model, plan.existing_id)
            assert row is not None
            changes = {**plan.changes, "entered_at": at, "entered_by_id": actor.account_id}
            _apply_changes(
                session, actor, model, row.id, changes, f"{verb}.update", student_id=row.student_id
            )
            done += 1
    created = _create_lessons(session, actor, rows)
    new = [
        {
            "lesson_id": _with_lesson(p, created),
            "student_id": p.changes["student_id"],
            **{field: p.changes[field] for field in fields},
            "entered_at": at,
            "entered_by_id": actor.account_id,
            "version": 1,
            "_group_id": p.changes["_group_id"],
        }
        for p in rows
        if p.action == "insert"
    ]

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, len(rows))

    _bulk_insert(session, actor, model, new, f"{verb}.create", progress=step)
    if progress is not None and not new:
        progress(done, len(rows))


def _write_marks(session: Session, actor: Actor, rows: list[Any], progress: Progress) -> None:
    _write_journal(session, actor, rows, progress, m.Mark, "mark", ("value", "weight", "work_kind"))


def _mark_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    return [
        {**_lesson_export(*r[:6]), "value": mark.value, "work_kind": mark.work_kind, "weight": mark.weight}
        for *r, mark in _journal_export(session, actor, m.Mark, (m.Mark,))
    ]


MARKS = Kind(
    name="marks",
    title="отметки журнала",
    aliases=("отметки", "отметки журнала", "текущие оценки", "журнал"),
    columns=MARK_COLUMNS,
    key="date",
    action=Action.DATA_IMPORT,
    plan=_plan_marks,
    write=_write_marks,
    rows=_mark_rows,
)


# --- attendance ----------------------------------------------------------------------------------
ATTENDANCE_COLUMNS = (
    *_LESSON_COLUMNS,
    Column(
        "code",
        "Код",
        ("Посещаемость", "Отметка посещаемости", "Код посещаемости"),
        required=True,
        type="enum",
        enum=AttendanceCode,
        example="НП",
    ),
    Column("hours", "Часы", ("Пропущено часов", "Часов пропущено"), max_len=6, example="2"),
    *_LESSON_TAIL,
)


def _missed(code: AttendanceCode, text: str | None, lesson_hours: int) -> int:
    if text is None or not str(text).strip():
        return 0 if code == AttendanceCode.LATE else lesson_hours
    try:
        missed = float(str(text).replace(",", "."))
    except ValueError:
        raise RowError("Часы", f"«{text}» — не число часов.") from None
    if not missed.is_integer() or not 0 <= missed <= lesson_hours:
        raise RowError("Часы", f"Пропущено {text} ч, а занятие длилось {lesson_hours} ч.")
    if code in ABSENCE_CODES and missed == 0:
        raise RowError(
            "Часы", f"Для отсутствия («{code.label}») укажите пропущенные часы, от 1 до {lesson_hours}."
        )
    return int(missed)


def _plan_attendance(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    journal = _Journal(session, actor, rows)
    existing: dict[tuple[int, int], m.Attendance] = {}
    lesson_ids = sorted(lesson.id for lesson in journal.lessons.values())
    for ids in chunks(lesson_ids):
        for a in session.scalars(sa.select(m.Attendance).where(m.Attendance.lesson_id.in_(ids))):
            existing[(a.lesson_id, a.student_id)] = a
    seen: dict[tuple[Slot, int], int] = {}
    out: list[Planned] = []
    for row_no, v, bad in rows:
        if bad:
            out.append(_refused([]))
            continue
        try:
            r = journal.resolve(row_no, v)
            hours = _missed(v["code"], v.get("hours"), r.lesson_hours)
        except RowError as exc:
            out.append(_refused([(exc.column, exc.message)]))
            continue
        first = seen.setdefault((r.slot, r.student_id), row_no)
        if first != row_no:
            out.append(_refused([("Код", f"Посещаемость студента на занятии уже есть в строке {first}.")]))
            continue
        row = existing.get((r.lesson_id, r.student_id)) if r.lesson_id else None
        if row is None:
            where: dict[str, Any] = (
                {"lesson_id": r.lesson_id}
                if r.lesson_id
                else {"lesson": _lesson_values(r, v, journal.new_lessons[r.slot][1])}
            )
            values = {
                "student_id": r.student_id,
                "code": v["code"],
                "hours": hours,
                "_group_id": r.group_id,
                **where,
            }
            out.append(("insert", None, values, []))
            continue
        changes = {k: x for k, x in (("code", v["code"]), ("hours", hours)) if getattr(row, k) != x}
        out.append(("update" if changes else "unchanged", row.id, changes, []))
    return out


def _write_attendance(session: Session, actor: Actor, rows: list[Any], progress: Progress) -> None:
    _write_journal(session, actor, rows, progress, m.Attendance, "attendance", ("code", "hours"))


def _attendance_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    return [
        {**_lesson_export(*r[:6]), "code": a.code, "hours": a.hours}
        for *r, a in _journal_export(session, actor, m.Attendance, (m.Attendance,))
    ]


ATTENDANCE = Kind(
    name="attendance",
    title="посещаемость",
    aliases=("посещаемость", "пропуски", "attendance journal"),
    columns=ATTENDANCE_COLUMNS,
    key="date",
    action=Action.DATA_IMPORT,
    plan=_plan_attendance,
    write=_write_attendance,
    rows=_attendance_rows,
)

JOURNAL_KINDS = (FINAL_GRADES, MARKS, ATTENDANCE)
