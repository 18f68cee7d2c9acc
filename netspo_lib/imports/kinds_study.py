"""Import kinds of the study programme (R-4.2.b): specialties, curricula with their items,
teaching assignments (R-4.10.a) and the class timetable (R-4.4.g).

Each kind is declared once as data (:class:`~netspo_lib.imports.spec.Kind`); its hooks
preload every lookup in one query per table and write new rows in bulk.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import Action, Actor
from netspo_lib.clock import fmt_date, now
from netspo_lib.enums import AssessmentForm, CurriculumStatus, ItemKind, SpecialtyKind, StudyForm
from netspo_lib.imports.common import (
    Lookups,
    Planned,
    Progress,
    RowError,
    Rows,
    _apply_changes,
    _bulk_insert,
    count,
)
from netspo_lib.imports.spec import Column, Kind, norm_text

_CODE = re.compile(r"^\d\d\.\d\d\.\d\d$")


def _refused(problems: list[tuple[str, str]]) -> Planned:
    return ("refused", None, {}, problems)


# --- specialties -------------------------------------------------------------------------------
SPECIALTY_COLUMNS = (
    Column(
        "code", "Код", ("Код специальности", "Код профессии"), required=True, max_len=8, example="09.02.07"
    ),
    Column(
        "name",
        "Наименование",
        ("Название", "Наименование специальности"),
        required=True,
        example="Информационные системы и программирование",
    ),
    Column(
        "kind",
        "Вид программы",
        ("Тип программы", "Программа"),
        required=True,
        type="enum",
        enum=SpecialtyKind,
        example="ППССЗ",
    ),
    Column("qualification", "Квалификация", (), max_len=200, example="Программист"),
    Column("fgos_ref", "ФГОС", ("Реквизиты ФГОС", "Приказ ФГОС"), example="приказ Минпросвещения № 1547"),
)
_SPECIALTY_FIELDS = ("name", "kind", "qualification", "fgos_ref")


def _plan_specialties(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    existing = {s.code: s for s in session.scalars(sa.select(m.Specialty))}
    seen: dict[str, int] = {}
    out: list[Planned] = []
    for row_no, v, bad in rows:
        if bad:
            out.append(_refused([]))
            continue
        code = v["code"].strip()
        if not _CODE.match(code):
            out.append(_refused([("Код", f"Код «{code}» не по образцу 09.02.07 (цифры и точки).")]))
            continue
        first = seen.setdefault(code, row_no)
        if first != row_no:
            out.append(_refused([("Код", f"Специальность повторяется: она уже есть в строке {first}.")]))
            continue
        spec = existing.get(code)
        if spec is None:
            out.append(("insert", None, {}, []))
            continue
        # An empty optional cell keeps the value in the database (as for rooms).
        changes = {f: v[f] for f in _SPECIALTY_FIELDS if v.get(f) is not None and v[f] != getattr(spec, f)}
        out.append(("update" if changes else "unchanged", spec.id, changes, []))
    return out


def _write_specialties(session: Session, actor: Actor, rows: list[Any], progress: Progress) -> None:
    for done, plan in enumerate(rows, start=1):
        if plan.action == "update":
            _apply_changes(session, actor, m.Specialty, plan.existing_id, plan.changes, "specialty.update")
        else:
            spec = m.Specialty(
                code=plan.values["code"].strip(), **{f: plan.values.get(f) for f in _SPECIALTY_FIELDS}
            )
            session.add(spec)
            session.flush()
            audit.record(
                session, actor, "specialty.create", "specialties", spec.id, after=audit.snapshot(spec)
            )
        if progress is not None:
            progress(done, len(rows))


def _specialty_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    specs = session.scalars(sa.select(m.Specialty).order_by(m.Specialty.code))
    return [{"code": s.code, **{f: getattr(s, f) for f in _SPECIALTY_FIELDS}} for s in specs]


SPECIALTIES = Kind(
    name="specialties",
    title="специальности",
    aliases=("специальности", "specialty", "профессии", "специальности и профессии"),
    columns=SPECIALTY_COLUMNS,
    key="code",
    action=Action.DATA_IMPORT,
    plan=_plan_specialties,
    write=_write_specialties,
    rows=_specialty_rows,
)


# --- curricula with their items ------------------------------------------------------------------
_HOURS = (
    ("lecture_hours", "Лекции", ("Лекционные занятия", "Лекций")),
    ("practice_hours", "Практические занятия", ("Практические", "Практ. занятия")),
    ("lab_hours", "Лабораторные занятия", ("Лабораторные",)),
    ("course_project_hours", "Курсовой проект", ("Курсовое проектирование", "Курсовая работа (часы)")),
    ("self_study_hours", "Самостоятельная работа", ("СРС", "Самостоятельная")),
    ("consultation_hours", "Консультации", ()),
    ("exam_hours", "Промежуточная аттестация", ("Экзамен (часы)", "Часы аттестации")),
)
_HOUR_TITLE = {key: title for key, title, _ in _HOURS}
CURRICULUM_COLUMNS = (
    Column("plan", "Учебный план", ("Название плана", "План"), required=True, example="УП 09.02.07 (2025)"),
    Column(
        "specialty", "Специальность", ("Код специальности",), required=True, max_len=8, example="09.02.07"
    ),
    Column("intake_year", "Год набора", ("Год поступления",), required=True, type="int", example="2025"),
    Column("study_form", "Форма обучения", ("Форма",), required=True, type="enum", enum=StudyForm),
    Column("index", "Индекс", ("Индекс дисциплины",), required=True, max_len=20, example="ОП.01"),
    Column(
        "name",
        "Наименование",
        ("Наименование дисциплины", "Дисциплина"),
        required=True,
        example="Операционные системы и среды",
    ),
    Column(
        "kind",
        "Вид",
        ("Вид элемента", "Тип"),
        required=True,
        type="enum",
        enum=ItemKind,
        example="дисциплина",
    ),
    Column("semester", "Семестр", ("Номер семестра",), required=True, type="int", example="1"),
    *(Column(key, title, syn, max_len=6, example="32") for key, title, syn in _HOURS),
    Column(
        "assessment",
        "Форма контроля",
        ("Форма аттестации", "Форма промежуточной аттестации"),
        type="enum",
        enum=AssessmentForm,
        example="экзамен",
    ),
    Column("parent", "Модуль", ("Профессиональный модуль", "Входит в модуль"), max_len=20, example="ПМ.01"),
)
_ITEM_FIELDS = ("name", "kind", "assessment", *(k for k, _, _ in _HOURS))
CurKey = tuple[int, int, str]


def _plan_curricula(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    specialties = {s.code: s.id for s in session.scalars(sa.select(m.Specialty))}
    curricula: dict[CurKey, m.Curriculum] = {
        (c.specialty_id, c.intake_year, c.study_form.value): c
        for c in session.scalars(sa.select(m.Curriculum).where(m.Curriculum.college_id == actor.college_id))
    }
    items: dict[tuple[int, str, int], m.CurriculumItem] = {}
    indexes: dict[int, dict[str, int]] = {}  # curriculum -> index -> an item id (lowest semester)
    index_of: dict[int, str] = {}
    for item in session.scalars(
        sa.select(m.CurriculumItem)
        .where(m.CurriculumItem.curriculum_id.in_([c.id for c in curricula.values()] or [0]))
        .order_by(m.CurriculumItem.semester.desc())
    ):
        items[(item.curriculum_id, norm_text(item.index), item.semester)] = item
        indexes.setdefault(item.curriculum_id, {})[norm_text(item.index)] = item.id
        index_of[item.id] = item.index
    file_indexes: dict[CurKey, set[str]] = {}
    for _, v, bad in rows:
        if not bad and v["specialty"].strip() in specialties:
            key = (specialties[v["specialty"].strip()], v["intake_year"], v["study_form"].value)
            file_indexes.setdefault(key, set()).add(norm_text(v["index"]))
    names: dict[CurKey, tuple[str, int]] = {}
    seen: dict[tuple[CurKey, str, int], int] = {}
    out: list[Planned] = []
    for row_no, v, bad in rows:
        problems: list[tuple[str, str]] = []
        hours: dict[str, int] = {}
        for key, title, _ in _HOURS:
            try:
                hours[key] = count(v.get(key), title)
            except RowError as exc:
                problems.append((exc.column, exc.message))
        if bad:
            out.append(_refused(problems))
            continue
        spec_id = specialties.get(v["specialty"].strip())
        if spec_id is None:
            problems.append(("Специальность", f"Специальность с кодом «{v['specialty']}» не найдена."))
        if not 1990 <= v["intake_year"] <= 2100:
            problems.append(("Год набора", f"Год набора {v['intake_year']} невозможен."))
        if not 1 <= v["semester"] <= 10:
            problems.append(("Семестр", f"Семестр {v['semester']} вне пределов 1–10."))
        if problems or spec_id is None:
            out.append(_refused(problems))
            continue
        ckey: CurKey = (spec_id, v["intake_year"], v["study_form"].value)
        index = norm_text(v["index"])
        first = seen.setdefault((ckey, index, v["semester"]), row_no)
        if first != row_no:
            problems.append(("Индекс", f"Строка плана повторяется: она уже есть в строке {first}."))
        plan_name = v["plan"].strip()
        named, named_row = names.setdefault(ckey, (plan_name, row_no))
        if named != plan_name:
            problems.append(("Учебный план", f"Название плана не то, что в строке {named_row}: «{named}»."))
        parent = norm_text(v["parent"]) if v.get("parent") else None
        curriculum = curricula.get(ckey)
        if parent is not None:
            known = file_indexes.get(ckey, set()) | set(indexes.get(curriculum.id, {}) if curriculum else ())
            if parent == index:
                problems.append(("Модуль", "Элемент плана не может входить сам в себя."))
            elif parent not in known:
                problems.append(("Модуль", f"Модуль «{v['parent']}» не найден в этом учебном плане."))
        if problems:
            out.append(_refused(problems))
            continue
        wanted = {**{f: v.get(f) for f in ("name", "kind", "assessment")}, **hours}
        wanted["name"] = v["name"].strip()
        item = items.get((curriculum.id, index, v["semester"])) if curriculum else None
        changes: dict[str, Any] = {}
        if curriculum is not None and curriculum.name != plan_name:
            changes["curriculum_name"] = plan_name
        if item is None:
            action = "insert"
        else:
            changes.update({f: wanted[f] for f in _ITEM_FIELDS if wanted[f] != getattr(item, f)})
            old_parent = norm_text(index_of.get(item.parent_id, "")) if item.parent_id else None
            if old_parent != parent:
                changes["parent"] = v.get("parent")
            action = "update" if changes else "unchanged"
        if (
            action != "unchanged"
            and curriculum is not None
            and curriculum.status == CurriculumStatus.APPROVED
        ):
            out.append(
                _refused(
                    [
                        (
                            "Учебный план",
                            f"План «{curriculum.name}» утверждён {fmt_date(curriculum.approved_at)}: "
                            "изменить его загрузкой нельзя (R-4.11.b).",
                        )
                    ]
                )
            )
            continue
        out.append((action, item.id if item else None, changes, []))
    return out


def _write_curricula(session: Session, actor: Actor, rows: list[Any], progress: Progress) -> None:
    specialties = {s.code: s.id for s in session.scalars(sa.select(m.Specialty))}
    curricula: dict[CurKey, m.Curriculum] = {
        (c.specialty_id, c.intake_year, c.study_form.value): c
        for c in session.scalars(sa.select(m.Curriculum).where(m.Curriculum.college_id == actor.college_id))
    }
    parents: list[tuple[int, int, str | None]] = []  # item id, curriculum id, parent index
    renamed: set[int] = set()
    for done, plan in enumerate(rows, start=1):
        v = plan.values
        ckey: CurKey = (specialties[v["specialty"].strip()], v["intake_year"], v["study_form"].value)
        curriculum = curricula.get(ckey)
        if curriculum is None:
            curriculum = m.Curriculum(
                college_id=actor.college_id,
                specialty_id=ckey[0],
                intake_year=ckey[1],
                study_form=v["study_form"],
                name=v["plan"].strip(),
                status=CurriculumStatus.DRAFT,
                created_at=now(),
            )
            session.add(curriculum)
            session.flush()
            audit.record(
                session,
                actor,
                "curriculum.create",
                "curricula",
                curriculum.id,
                after=audit.snapshot(curriculum),
            )
            curricula[ckey] = curriculum
        changes = dict(plan.changes)
        if "curriculum_name" in changes and curriculum.id not in renamed:
            _apply_changes(
                session,
                actor,
                m.Curriculum,
                curriculum.id,
                {"name": changes["curriculum_name"]},
                "curriculum.update",
            )
            renamed.add(curriculum.id)
        changes.pop("curriculum_name", None)
        if plan.action == "update":
            parent = changes.pop("parent", False)
            if changes:
                _apply_changes(
                    session, actor, m.CurriculumItem, plan.existing_id, changes, "curriculum_item.update"
                )
            if parent is not False:
                parents.append((plan.existing_id, curriculum.id, parent))
        else:
            item = m.CurriculumItem(
                curriculum_id=curriculum.id,
                index=v["index"].strip(),
                name=v["name"].strip(),
                kind=v["kind"],
                semester=v["semester"],
                assessment=v.get("assessment"),
                **{k: count(v.get(k), title) for k, title, _ in _HOURS},
            )
            session.add(item)
            session.flush()
            audit.record(
                session,
                actor,
                "curriculum_item.create",
                "curriculum_items",
                item.id,
                after=audit.snapshot(item),
            )
            if v.get("parent"):
                parents.append((item.id, curriculum.id, v["parent"]))
        if progress is not None:
            progress(done, len(rows))
    if not parents:
        return
    index_ids: dict[tuple[int, str], int] = {}
    for item in session.scalars(
        sa.select(m.CurriculumItem)
        .where(m.CurriculumItem.curriculum_id.in_({c for _, c, _ in parents}))
        .order_by(m.CurriculumItem.semester.desc())
    ):
        index_ids[(item.curriculum_id, norm_text(item.index))] = item.id
    for item_id, cid, parent in parents:
        parent_id = index_ids[(cid, norm_text(parent))] if parent else None
        _apply_changes(
            session, actor, m.CurriculumItem, item_id, {"parent_id": parent_id}, "curriculum_item.update"
        )


def _curriculum_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    parent = aliased(m.CurriculumItem)
    stmt = (
        sa.select(m.CurriculumItem, m.Curriculum, m.Specialty.code, parent.index)
        .join(m.Curriculum, m.Curriculum.id == m.CurriculumItem.curriculum_id)
        .join(m.Specialty, m.Specialty.id == m.Curriculum.specialty_id)
        .outerjoin(parent, parent.id == m.CurriculumItem.parent_id)
        .where(m.Curriculum.college_id == actor.college_id)
        .order_by(m.Curriculum.name, m.Curriculum.id, m.CurriculumItem.semester, m.CurriculumItem.index)
    )
    return [
        {
            "plan": c.name,
            "specialty": code,
            "intake_year": c.intake_year,
            "study_form": c.study_form,
            "index": i.index,
            "name": i.name,
            "kind": i.kind,
            "semester": i.semester,
            "assessment": i.assessment,
            "parent": parent_index,
            **{k: getattr(i, k) for k, _, _ in _HOURS},
        }
        for i, c, code, parent_index in session.execute(stmt)
    ]


CURRICULA = Kind(
    name="curricula",
    title="учебные планы",
    aliases=("учебные планы", "curriculum", "планы", "учебный план"),
    columns=CURRICULUM_COLUMNS,
    key="index",
    action=Action.DATA_IMPORT,
    plan=_plan_curricula,
    write=_write_curricula,
    rows=_curriculum_rows,
)


# --- teaching assignments --------------------------------------------------------------------------
_GROUP = Column("group", "Группа", ("Учебная группа",), required=True, max_len=30, example="ИСП-25")
_DISCIPLINE = Column(
    "discipline", "Дисциплина", ("Индекс", "Индекс дисциплины", "Предмет"), required=True, example="ОП.01"
)
_TEACHER = Column(
    "teacher",
    "Преподаватель",
    ("ФИО преподавателя", "Учитель"),
    required=True,
    example="Петрова Анна Ивановна",
)
_YEAR = Column("year", "Учебный год", ("Год",), required=True, max_len=20, example="2025/2026")
_PERIOD = Column(
    "period", "Период", ("Учебный период", "Полугодие"), required=True, max_len=50, example="1 семестр"
)
_SUBGROUP = Column("subgroup", "Подгруппа", (), max_len=50, example="1")
TEACHING_COLUMNS = (
    _GROUP,
    _DISCIPLINE,
    _TEACHER,
    _YEAR,
    _PERIOD,
    Column("semester", "Семестр", ("Семестр плана",), type="int", example="1"),
    Column("hours", "Часы", ("Часов", "Нагрузка", "Плановые часы"), required=True, max_len=6, example="64"),
    _SUBGROUP,
)
TeachKey = tuple[int, int, int | None, int, int]


def _plan_teaching(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    lk = Lookups.load(session, actor)
    existing: dict[TeachKey, m.TeachingAssignment] = {}
    stmt = (
        sa.select(m.TeachingAssignment)
        .join(m.Group, m.Group.id == m.TeachingAssignment.group_id)
        .where(m.Group.college_id == actor.college_id)
    )
    for t in session.scalars(stmt):
        existing[(t.teacher_id, t.group_id, t.subgroup_id, t.curriculum_item_id, t.period_id)] = t
    seen: dict[TeachKey, int] = {}
    out: list[Planned] = []
    for row_no, v, bad in rows:
        problems: list[tuple[str, str]] = []
        hours = 0
        try:
            hours = count(v.get("hours"), "Часы")
        except RowError as exc:
            problems.append((exc.column, exc.message))
        if bad:
            out.append(_refused(problems))
            continue
        try:
            group = lk.group(v["group"])
            period = lk.period(v["year"], v["period"])
            item = lk.item(group, v["discipline"], period, v.get("semester"))
            teacher = lk.teacher(v["teacher"])
            subgroup = lk.subgroup(group, v.get("subgroup"), item.id)
        except RowError as exc:
            out.append(_refused([*problems, (exc.column, exc.message)]))
            continue
        if problems:
            out.append(_refused(problems))
            continue
        key: TeachKey = (teacher, group.id, subgroup, item.id, period.id)
        first = seen.setdefault(key, row_no)
        if first != row_no:
            out.append(_refused([("Дисциплина", f"Нагрузка повторяется: она уже есть в строке {first}.")]))
            continue
        ids = {
            "teacher_id": teacher,
            "group_id": group.id,
            "subgroup_id": subgroup,
            "curriculum_item_id": item.id,
            "period_id": period.id,
            "planned_hours": hours,
        }
        found = existing.get(key)
        if found is None:
            out.append(("insert", None, ids, []))
        elif found.planned_hours != hours:
            out.append(("update", found.id, {"planned_hours": hours}, []))
        else:
            out.append(("unchanged", found.id, {}, []))
    return out


def _write_teaching(session: Session, actor: Actor, rows: list[Any], progress: Progress) -> None:
    done = 0
    for plan in rows:
        if plan.action == "update":
            _apply_changes(
                session,
                actor,
                m.TeachingAssignment,
                plan.existing_id,
                plan.changes,
                "teaching.update",
                group_id=None,
            )
            done += 1
    new = [{**p.changes} for p in rows if p.action == "insert"]

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, len(rows))

    _bulk_insert(session, actor, m.TeachingAssignment, new, "teaching.create", progress=step)
    if progress is not None and not new:
        progress(done, len(rows))


def _teaching_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    lk = Lookups.load(session, actor)
    periods = {p.id: p for p in lk.periods}
    stmt = (
        sa.select(m.TeachingAssignment, m.Group.name, m.CurriculumItem, m.Person, m.Subgroup.name)
        .join(m.Group, m.Group.id == m.TeachingAssignment.group_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == m.TeachingAssignment.curriculum_item_id)
        .join(m.Person, m.Person.id == m.TeachingAssignment.teacher_id)
        .outerjoin(m.Subgroup, m.Subgroup.id == m.TeachingAssignment.subgroup_id)
        .where(m.Group.college_id == actor.college_id)
        .order_by(
            m.Group.name, m.CurriculumItem.index, m.TeachingAssignment.period_id, m.TeachingAssignment.id
        )
    )
    return [
        {
            "group": gname,
            "discipline": item.index,
            "teacher": p.full_name,
            "year": periods[t.period_id].year_name,
            "period": periods[t.period_id].name,
            "semester": item.semester,
            "hours": t.planned_hours,
            "subgroup": sg,
        }
        for t, gname, item, p, sg in session.execute(stmt)
    ]


TEACHING = Kind(
    name="teaching",
    title="педагогическая нагрузка",
    aliases=("нагрузка", "педагогическая нагрузка", "teaching assignments", "распределение нагрузки"),
    columns=TEACHING_COLUMNS,
    key="group",
    action=Action.DATA_IMPORT,
    plan=_plan_teaching,
    write=_write_teaching,
    rows=_teaching_rows,
)


# --- timetable -----------------------------------------------------------------------------------
TIMETABLE_COLUMNS = (
    Column("date", "Дата", ("Дата занятия",), required=True, type="date", example="02.09.2025"),
    Column("pair", "Пара", ("Номер пары", "№ пары"), required=True, type="int", example="1"),
    _GROUP,
    _DISCIPLINE,
    _TEACHER,
    Column("room", "Аудитория", ("Кабинет", "Ауд."), max_len=20, example="101"),
    _SUBGROUP,
)
Slot = tuple[int, date, int, int | None]  # group, date, pair, subgroup


def _plan_timetable(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    lk = Lookups.load(session, actor)
    rooms = {
        norm_text(r.number): r.id
        for r in session.scalars(sa.select(m.Room).where(m.Room.college_id == actor.college_id))
    }
    days = [v["date"] for _, v, bad in rows if not bad]
    state: dict[Slot, dict[str, Any]] = {}  # the timetable as it will be: slot -> values
    ids: dict[Slot, int] = {}
    if days:
        stmt = (
            sa.select(m.TimetableLesson)
            .join(m.Group, m.Group.id == m.TimetableLesson.group_id)
            .where(
                m.Group.college_id == actor.college_id,
                m.TimetableLesson.lesson_date.between(min(days), max(days)),
            )
        )
        for t in session.scalars(stmt):
            slot = (t.group_id, t.lesson_date, t.pair_number, t.subgroup_id)
            ids[slot] = t.id
            state[slot] = {
                "curriculum_item_id": t.curriculum_item_id,
                "teacher_id": t.teacher_id,
                "room_id": t.room_id,
            }
    seen: dict[Slot, int] = {}
    planned: list[tuple[int, Slot | None, dict[str, Any], list[tuple[str, str]]]] = []
    for row_no, v, bad in rows:
        if bad:
            planned.append((row_no, None, {}, []))
            continue
        problems: list[tuple[str, str]] = []
        if not 1 <= v["pair"] <= 8:
            problems.append(("Пара", f"Номер пары {v['pair']} вне пределов 1–8."))
        try:
            group = lk.group(v["group"])
            try:
                period = lk.period_on(v["date"])
            except RowError:
                period = None
            item = lk.item(group, v["discipline"], period)
            teacher = lk.teacher(v["teacher"], on=v["date"])
            subgroup = lk.subgroup(group, v.get("subgroup"), item.id)
        except RowError as exc:
            planned.append((row_no, None, {}, [*problems, (exc.column, exc.message)]))
            continue
        room = None
        if v.get("room"):
            room = rooms.get(norm_text(v["room"]))
            if room is None:
                problems.append(("Аудитория", f"Аудитория «{v['room']}» не найдена в колледже."))
        slot: Slot = (group.id, v["date"], v["pair"], subgroup)
        first = seen.setdefault(slot, row_no)
        if first != row_no:
            problems.append(("Пара", f"Занятие группы в это время уже есть в строке {first}."))
        values = {"curriculum_item_id": item.id, "teacher_id": teacher, "room_id": room}
        if not problems:
            state[slot] = values
        planned.append((row_no, slot, values, problems))
    # Conflicts (R-4.4.g): a teacher, a room or a group booked twice at the same pair.
    teachers: dict[tuple[int, date, int], list[Slot]] = {}
    rooms_busy: dict[tuple[int, date, int], list[Slot]] = {}
    groups_busy: dict[tuple[int, date, int], list[Slot]] = {}
    for slot, values in state.items():
        teachers.setdefault((values["teacher_id"], slot[1], slot[2]), []).append(slot)
        if values["room_id"] is not None:
            rooms_busy.setdefault((values["room_id"], slot[1], slot[2]), []).append(slot)
        groups_busy.setdefault((slot[0], slot[1], slot[2]), []).append(slot)
    out: list[Planned] = []
    for _row_no, slot, values, problems in planned:
        if slot is None or problems:
            out.append(_refused(problems))
            continue
        when = f"{fmt_date(slot[1])}, {slot[2]}-я пара"
        others = [s for s in teachers[(values["teacher_id"], slot[1], slot[2])] if s != slot]
        if others:
            name = lk.staff_names.get(values["teacher_id"], "")
            problems.append(
                (
                    "Преподаватель",
                    f"{name} в это время ({when}) ведёт занятие группы {lk.group_names[others[0][0]]}.",
                )
            )
        if values["room_id"] is not None:
            others = [s for s in rooms_busy[(values["room_id"], slot[1], slot[2])] if s != slot]
            if others:
                problems.append(
                    ("Аудитория", f"Аудитория занята ({when}) группой {lk.group_names[others[0][0]]}.")
                )
        same_group = [s for s in groups_busy[(slot[0], slot[1], slot[2])] if s != slot]
        if same_group and (slot[3] is None or any(s[3] is None for s in same_group)):
            problems.append(("Пара", f"У группы в это время ({when}) уже есть другое занятие."))
        if problems:
            out.append(_refused(problems))
            continue
        row_id = ids.get(slot)
        if row_id is None:
            out.append(
                (
                    "insert",
                    None,
                    {
                        "group_id": slot[0],
                        "lesson_date": slot[1],
                        "pair_number": slot[2],
                        "subgroup_id": slot[3],
                        **values,
                    },
                    [],
                )
            )
            continue
        stmt_values = session.get(m.TimetableLesson, row_id)
        assert stmt_values is not None
        changes = {k: x for k, x in values.items() if getattr(stmt_values, k) != x}
        out.append(("update" if changes else "unchanged", row_id, changes, []))
    return out


def _write_timetable(session: Session, actor: Actor, rows: list[Any], progress: Progress) -> None:
    done = 0
    for plan in rows:
        if plan.action == "update":
            row = session.get(m.TimetableLesson, plan.existing_id)
            assert row is not None
            _apply_changes(
                session,
                actor,
                m.TimetableLesson,
                plan.existing_id,
                plan.changes,
                "timetable.update",
                group_id=row.group_id,
            )
            done += 1
    at = now()
    new = [{**p.changes, "created_at": at} for p in rows if p.action == "insert"]

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, len(rows))

    _bulk_insert(session, actor, m.TimetableLesson, new, "timetable.create", progress=step)
    if progress is not None and not new:
        progress(done, len(rows))


def _timetable_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    stmt = (
        sa.select(
            m.TimetableLesson, m.Group.name, m.CurriculumItem.index, m.Person, m.Room.number, m.Subgroup.name
        )
        .join(m.Group, m.Group.id == m.TimetableLesson.group_id)
        .join(m.CurriculumItem, m.CurriculumItem.id == m.TimetableLesson.curriculum_item_id)
        .join(m.Person, m.Person.id == m.TimetableLesson.teacher_id)
        .outerjoin(m.Room, m.Room.id == m.TimetableLesson.room_id)
        .outerjoin(m.Subgroup, m.Subgroup.id == m.TimetableLesson.subgroup_id)
        .where(m.Group.college_id == actor.college_id)
        .order_by(
            m.TimetableLesson.lesson_date, m.TimetableLesson.pair_number, m.Group.name, m.TimetableLesson.id
        )
    )
    return [
        {
            "date": t.lesson_date,
            "pair": t.pair_number,
            "group": gname,
            "discipline": index,
            "teacher": p.full_name,
            "room": room,
            "subgroup": sg,
        }
        for t, gname, index, p, room, sg in session.execute(stmt)
    ]


TIMETABLE = Kind(
    name="timetable",
    title="расписание занятий",
    aliases=("расписание", "расписание занятий", "schedule"),
    columns=TIMETABLE_COLUMNS,
    key="date",
    action=Action.DATA_IMPORT,
    plan=_plan_timetable,
    write=_write_timetable,
    rows=_timetable_rows,
)

STUDY_KINDS = (SPECIALTIES, CURRICULA, TEACHING, TIMETABLE)
