"""The kinds of data arrays (R-4.2.b): students with their enrollment orders (R-4.2.c)
and rooms. Each kind is declared once; its hooks preload every lookup in one query per
table, so thousands of rows validate without a query per row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import audit, cards, movement
from netspo_lib import models as m
from netspo_lib.access import Action, Actor
from netspo_lib.clock import fmt_date, today
from netspo_lib.enums import FundingBasis, GroupStatus, OrderKind, RoomKind, StudyForm
from netspo_lib.errors import NetspoError
from netspo_lib.imports.spec import Column, Kind, norm_text
from netspo_lib.snils import format_snils

Planned = tuple[str, int | None, dict[str, Any], list[tuple[str, str]]]
Rows = list[tuple[int, dict[str, Any], bool]]
DEFAULT_SIGNER = "директор"


# --- students --------------------------------------------------------------------------------
STUDENT_COLUMNS = (
    Column("last_name", "Фамилия", required=True, max_len=100, example="Иванов"),
    Column("first_name", "Имя", required=True, max_len=100, example="Иван"),
    Column("middle_name", "Отчество", max_len=100, example="Иванович"),
    Column("birth_date", "Дата рождения", ("Дата рожд", "ДР"), type="date", example="15.03.2009"),
    Column("sex", "Пол", type="sex", example="м"),
    Column("snils", "СНИЛС", ("Номер СНИЛС",), required=True, type="snils", example="112-233-445 95"),
    Column("phone", "Телефон", ("Тел", "Телефон студента"), max_len=30, example="+7 900 000-00-00"),
    Column("email", "Email", ("E-mail", "Электронная почта", "Эл. почта"), type="email", max_len=200),
    Column("group", "Группа", ("Учебная группа",), required=True, max_len=30, example="ИСП-25"),
    Column("basis", "Основа обучения", ("Основа",), type="enum", enum=FundingBasis, example="бюджет"),
    Column("order_number", "Номер приказа о зачислении", ("Номер приказа", "Приказ"), max_len=30),
    Column("order_date", "Дата приказа", ("Дата приказа о зачислении",), type="date"),
    Column("signed_by", "Кем подписан приказ", ("Подписал",), max_len=200, example="директор"),
)
_CARD_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "sex", "phone", "email", "basis")
_ENROLL_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "sex", "snils", "phone", "email")
# Needed to enroll a new student; an existing card keeps its value when the cell is empty
# (old cards may lack an enrollment order or a birth date).
_NEW_REQUIRED = ("birth_date", "sex", "order_number", "order_date")
_TITLE = {c.key: c.title for c in STUDENT_COLUMNS}


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _plan_students(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    college = actor.college_id
    groups = {
        norm_text(g.name): g for g in session.scalars(sa.select(m.Group).where(m.Group.college_id == college))
    }
    snilses = {v["snils"] for _, v, _ in rows if v.get("snils")}
    people: dict[str, tuple[m.Person, m.Student | None]] = {}
    wanted = sorted(snilses)
    for i in range(0, len(wanted), 900):
        stmt = (
            sa.select(m.Person, m.Student)
            .outerjoin(m.Student, m.Student.person_id == m.Person.id)
            .where(m.Person.snils.in_(wanted[i : i + 900]))
        )
        for person, student in session.execute(stmt):
            people[person.snils or ""] = (person, student)
    orders = {
        (o.number, o.order_date): o
        for o in session.scalars(sa.select(m.Order).where(m.Order.college_id == college))
    }
    group_names = {g.id: g.name for g in groups.values()}
    seen: dict[str, int] = {}
    out: list[Planned] = []
    for row_no, v, bad in rows:
        problems: list[tuple[str, str]] = []
        if bad:
            out.append(("refused", None, {}, problems))
            continue
        group = groups.get(norm_text(v["group"]))
        if group is None:
            problems.append((_TITLE["group"], f"Группа «{v['group']}» не найдена в колледже."))
        elif group.status != GroupStatus.ACTIVE:
            problems.append(
                (_TITLE["group"], f"Группа «{group.name}» {group.status.label}: зачислить в неё нельзя.")
            )
        person, student = people.get(v["snils"], (None, None))
        if student is None:
            for key in _NEW_REQUIRED:
                if v.get(key) is None:
                    problems.append((_TITLE[key], "Обязательное значение для нового студента не заполнено."))
        if v["order_date"] and v["order_date"] > today():
            problems.append(
                (_TITLE["order_date"], f"Дата приказа {fmt_date(v['order_date'])} позже сегодняшней.")
            )
        if (
            v["birth_date"]
            and v["order_date"]
            and _age(v["birth_date"], v["order_date"]) < movement.MIN_ENROLLMENT_AGE
        ):
            problems.append(
                (_TITLE["birth_date"], f"Студенту на дату приказа нет {movement.MIN_ENROLLMENT_AGE} лет.")
            )
        order = orders.get((v["order_number"], v["order_date"]))
        if order is not None and order.kind != OrderKind.ENROLLMENT:
            problems.append(
                (
                    _TITLE["order_number"],
                    f"Приказ {movement.order_label(order)} — «{order.kind.label}», не о зачислении.",
                )
            )
        first = seen.setdefault(v["snils"], row_no)
        if first != row_no:
            problems.append((_TITLE["snils"], f"СНИЛС повторяется: он уже есть в строке {first}."))
        if person is not None and student is None:
            problems.append(
                (
                    _TITLE["snils"],
                    f"Человек со СНИЛС {format_snils(v['snils'])} уже есть в базе"
                    f" и не студент ({person.short_name}).",
                )
            )
        if student is not None and group is not None and student.group_id != group.id:
            where = group_names.get(student.group_id, "другого колледжа")
            problems.append(
                (
                    _TITLE["group"],
                    f"Студент числится в группе «{where}»: перевод оформляется приказом, не загрузкой.",
                )
            )
        if problems or student is None or person is None:
            out.append(("refused" if problems else "insert", None, {}, problems))
            continue
        changes: dict[str, Any] = {}
        for key in _CARD_FIELDS:
            new = v.get(key)
            if new is None and key in ("basis", "birth_date", "sex"):
                continue
            old = getattr(student if key == "basis" else person, key)
            if new != old:
                changes[key] = new
        out.append(("update" if changes else "unchanged", student.id, changes, problems))
    return out


def _write_students(
    session: Session, actor: Actor, rows: list[Any], progress: Callable[[int, int], None] | None
) -> None:
    writer = actor  # the engineer's own right to load student lists (R-4.2.c)
    groups = {
        norm_text(g.name): g.id
        for g in session.scalars(sa.select(m.Group).where(m.Group.college_id == actor.college_id))
    }
    orders: dict[tuple[str, date], m.Order] = {
        (o.number, o.order_date): o
        for o in session.scalars(
            sa.select(m.Order).where(
                m.Order.college_id == actor.college_id, m.Order.kind == OrderKind.ENROLLMENT
            )
        )
    }
    done = 0
    by_order: dict[tuple[str, date], list[Any]] = {}
    for plan in rows:
        if plan.action == "update":
            try:
                cards.update_student_card(
                    session, writer, student_id=plan.existing_id, reason="загрузка из файла", **plan.changes
                )
            except NetspoError as exc:
                raise NetspoError(f"Строка {plan.row}: {exc.message} Ничего не загружено.") from None
            done += 1
            if progress is not None:
                progress(done, len(rows))
        else:
            by_order.setdefault((plan.values["order_number"], plan.values["order_date"]), []).append(plan)
    # New students go in bulk, one call per enrollment order (R-4.2.c: 5 000 rows in seconds).
    for key, plans in by_order.items():
        try:
            if key not in orders:
                orders[key] = movement.create_order(
                    session, writer, kind=OrderKind.ENROLLMENT, number=key[0], order_date=key[1],
                    signed_by=plans[0].values.get("signed_by") or DEFAULT_SIGNER,
                )  # fmt: skip
            movement.enroll_many(
                session,
                writer,
                order=orders[key],
                rows=[
                    {
                        **{k: p.values.get(k) for k in _ENROLL_FIELDS},
                        "group_id": groups[norm_text(p.values["group"])],
                        "basis": p.values.get("basis") or FundingBasis.BUDGET,
                    }
                    for p in plans
                ],
            )
        except NetspoError as exc:
            raise NetspoError(
                f"Строки {plans[0].row}–{plans[-1].row}: {exc.message} Ничего не загружено."
            ) from None
        done += len(plans)
        if progress is not None:
            progress(done, len(rows))


def _student_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    stmt = (
        sa.select(m.Person, m.Student, m.Group.name, m.Order)
        .join(m.Student, m.Student.person_id == m.Person.id)
        .join(m.Group, m.Group.id == m.Student.group_id)
        .outerjoin(m.Order, m.Order.id == m.Student.enrollment_order_id)
        .where(m.Group.college_id == actor.college_id)
        .order_by(m.Group.name, m.Person.last_name, m.Person.first_name, m.Person.id)
    )
    out = []
    for person, student, group_name, order in session.execute(stmt):
        out.append(
            {
                **{
                    k: getattr(person, k)
                    for k in ("last_name", "first_name", "middle_name", "birth_date", "sex", "phone", "email")
                },
                "snils": format_snils(person.snils) if person.snils else None,
                "group": group_name,
                "basis": student.basis,
                "order_number": order.number if order else None,
                "order_date": order.order_date if order else None,
                "signed_by": order.signed_by if order else None,
            }
        )
    return out


STUDENTS = Kind(
    name="students",
    title="студенты",
    aliases=("студенты", "student", "контингент"),
    columns=STUDENT_COLUMNS,
    key="snils",
    action=Action.DATA_IMPORT,
    plan=_plan_students,
    write=_write_students,
    rows=_student_rows,
)


# --- rooms -----------------------------------------------------------------------------------
ROOM_COLUMNS = (
    Column(
        "number", "Номер", ("Номер аудитории", "Аудитория", "№"), required=True, max_len=20, example="101"
    ),
    Column("name", "Название", ("Наименование",), max_len=200, example="Кабинет информатики"),
    Column("kind", "Вид", ("Тип",), type="enum", enum=RoomKind, example="компьютерный класс"),
    Column("capacity", "Мест", ("Вместимость", "Количество мест"), type="int", example="25"),
)
_ROOM_FIELDS = ("name", "kind", "capacity")


def _plan_rooms(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    rooms = {
        norm_text(r.number): r
        for r in session.scalars(sa.select(m.Room).where(m.Room.college_id == actor.college_id))
    }
    seen: dict[str, int] = {}
    out: list[Planned] = []
    for row_no, v, bad in rows:
        if bad:
            out.append(("refused", None, {}, []))
            continue
        key = norm_text(v["number"])
        first = seen.setdefault(key, row_no)
        if first != row_no:
            out.append(
                ("refused", None, {}, [("Номер", f"Аудитория повторяется: она уже есть в строке {first}.")])
            )
            continue
        room = rooms.get(key)
        if room is None:
            out.append(("insert", None, {}, []))
            continue
        changes = {f: v[f] for f in _ROOM_FIELDS if v.get(f) is not None and v[f] != getattr(room, f)}
        out.append(("update" if changes else "unchanged", room.id, changes, []))
    return out


def _write_rooms(
    session: Session, actor: Actor, rows: list[Any], progress: Callable[[int, int], None] | None
) -> None:
    for done, plan in enumerate(rows, start=1):
        if plan.action == "update":
            room = session.get(m.Room, plan.existing_id)
            assert room is not None
            before = audit.snapshot(room, list(plan.changes))
            for field, value in plan.changes.items():
                setattr(room, field, value)
            session.flush()
            audit.record(
                session,
                actor,
                "room.update",
                "rooms",
                room.id,
                before=before,
                after=audit.snapshot(room, list(plan.changes)),
            )
        else:
            v = plan.values
            room = m.Room(
                college_id=actor.college_id, number=v["number"], name=v.get("name"),
                kind=v.get("kind") or RoomKind.CLASSROOM, capacity=v.get("capacity"),
            )  # fmt: skip
            session.add(room)
            session.flush()
            audit.record(session, actor, "room.create", "rooms", room.id, after=audit.snapshot(room))
        if progress is not None:
            progress(done, len(rows))


def _room_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    rooms = session.scalars(
        sa.select(m.Room).where(m.Room.college_id == actor.college_id).order_by(m.Room.number)
    )
    return [{"number": r.number, "name": r.name, "kind": r.kind, "capacity": r.capacity} for r in rooms]


ROOMS = Kind(
    name="rooms",
    title="аудитории",
    aliases=("аудитории", "room", "кабинеты"),
    columns=ROOM_COLUMNS,
    key="number",
    action=Action.DATA_IMPORT,
    plan=_plan_rooms,
    write=_write_rooms,
    rows=_room_rows,
)


# --- groups ----------------------------------------------------------------------------------
GROUP_COLUMNS = (
    Column(
        "name", "Группа", ("Учебная группа", "Название группы"), required=True, max_len=30, example="ИСП-25"
    ),
    Column(
        "specialty", "Специальность", ("Код специальности",), required=True, max_len=8, example="09.02.07"
    ),
    Column("department", "Отделение", ("Название отделения",), required=True, max_len=200),
    Column("course", "Курс", (), required=True, type="int", example="1"),
    Column("intake_year", "Год набора", ("Год поступления",), required=True, type="int", example="2025"),
    Column("study_form", "Форма обучения", ("Форма",), required=True, type="enum", enum=StudyForm),
    Column("curator", "Куратор", ("Классный руководитель",), max_len=300, example="Петрова Анна Ивановна"),
)
_GROUP_FIELDS = ("specialty_id", "department_id", "course", "intake_year", "study_form", "curator_id")


def _fio(person: m.Person) -> str:
    return " ".join(p for p in (person.last_name, person.first_name, person.middle_name) if p)


def _group_lookups(session: Session, actor: Actor) -> tuple[dict[str, Any], ...]:
    college = actor.college_id
    specialties = {s.code: s.id for s in session.scalars(sa.select(m.Specialty))}
    departments = {
        norm_text(d.name): d.id
        for d in session.scalars(sa.select(m.Department).where(m.Department.college_id == college))
    }
    staff: dict[str, list[int]] = {}
    stmt = (
        sa.select(m.Person)
        .join(m.StaffEmployment, m.StaffEmployment.person_id == m.Person.id)
        .where(m.StaffEmployment.college_id == college, m.StaffEmployment.dismissed_on.is_(None))
        .distinct()
    )
    for person in session.scalars(stmt):
        staff.setdefault(norm_text(_fio(person)), []).append(person.id)
    groups = {
        norm_text(g.name): g for g in session.scalars(sa.select(m.Group).where(m.Group.college_id == college))
    }
    return specialties, departments, staff, groups


def _plan_groups(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    specialties, departments, staff, groups = _group_lookups(session, actor)
    seen: dict[str, int] = {}
    out: list[Planned] = []
    for row_no, v, bad in rows:
        if bad:
            out.append(("refused", None, {}, []))
            continue
        problems: list[tuple[str, str]] = []
        key = norm_text(v["name"])
        first = seen.setdefault(key, row_no)
        if first != row_no:
            problems.append(("Группа", f"Группа повторяется: она уже есть в строке {first}."))
        spec_id = specialties.get(v["specialty"].strip())
        if spec_id is None:
            problems.append(("Специальность", f"Специальность с кодом «{v['specialty']}» не найдена."))
        dep_id = departments.get(norm_text(v["department"]))
        if dep_id is None:
            problems.append(("Отделение", f"Отделение «{v['department']}» не найдено в колледже."))
        if not 1 <= v["course"] <= 6:
            problems.append(("Курс", f"Курс {v['course']} вне пределов 1–6."))
        if not 1990 <= v["intake_year"] <= today().year + 1:
            problems.append(("Год набора", f"Год набора {v['intake_year']} невозможен."))
        curator_id = None
        if v.get("curator"):
            found = staff.get(norm_text(v["curator"]), [])
            if not found:
                problems.append(("Куратор", f"«{v['curator']}» не найден среди сотрудников колледжа."))
            elif len(found) > 1:
                problems.append(("Куратор", f"Сотрудников «{v['curator']}» несколько: уточните в программе."))
            else:
                curator_id = found[0]
        if problems:
            out.append(("refused", None, {}, problems))
            continue
        wanted = {
            "specialty_id": spec_id, "department_id": dep_id, "course": v["course"],
            "intake_year": v["intake_year"], "study_form": v["study_form"], "curator_id": curator_id,
        }  # fmt: skip
        group = groups.get(key)
        if group is None:
            out.append(("insert", None, wanted, []))
            continue
        changes = {f: wanted[f] for f in _GROUP_FIELDS if wanted[f] != getattr(group, f)}
        out.append(("update" if changes else "unchanged", group.id, changes, []))
    return out


def _write_groups(
    session: Session, actor: Actor, rows: list[Any], progress: Callable[[int, int], None] | None
) -> None:
    for done, plan in enumerate(rows, start=1):
        if plan.action == "update":
            group = session.get(m.Group, plan.existing_id)
            assert group is not None
            before = audit.snapshot(group, list(plan.changes))
            for field, value in plan.changes.items():
                setattr(group, field, value)
            session.flush()
            audit.record(
                session, actor, "group.update", "groups", group.id, before=before,
                after=audit.snapshot(group, list(plan.changes)), group_id=group.id,
            )  # fmt: skip
        else:
            group = m.Group(college_id=actor.college_id, name=plan.values["name"], **plan.changes)
            session.add(group)
            session.flush()
            after = audit.snapshot(group)
            audit.record(session, actor, "group.create", "groups", group.id, after=after, group_id=group.id)
        if progress is not None:
            progress(done, len(rows))


def _group_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    curator = sa.orm.aliased(m.Person)
    stmt = (
        sa.select(m.Group, m.Specialty.code, m.Department.name, curator)
        .join(m.Specialty, m.Specialty.id == m.Group.specialty_id)
        .join(m.Department, m.Department.id == m.Group.department_id)
        .outerjoin(curator, curator.id == m.Group.curator_id)
        .where(m.Group.college_id == actor.college_id)
        .order_by(m.Group.name)
    )
    return [
        {
            "name": g.name,
            "specialty": code,
            "department": dep,
            "course": g.course,
            "intake_year": g.intake_year,
            "study_form": g.study_form,
            "curator": _fio(c) if c else None,
        }
        for g, code, dep, c in session.execute(stmt)
    ]


GROUPS = Kind(
    name="groups",
    title="группы",
    aliases=("группы", "group", "учебные группы"),
    columns=GROUP_COLUMNS,
    key="name",
    action=Action.DATA_IMPORT,
    plan=_plan_groups,
    write=_write_groups,
    rows=_group_rows,
)

KINDS: dict[str, Kind] = {k.name: k for k in (STUDENTS, ROOMS, GROUPS)}


def kind_by_name(name: str) -> Kind:
    """A kind by its name or a Russian alias («студенты», «аудитории»)."""
    wanted = name.strip().lower().replace("ё", "е")
    for kind in KINDS.values():
        if wanted == kind.name or wanted in kind.aliases:
            return kind
    raise NetspoError(f"Неизвестный вид данных «{name}»: доступны {', '.join(KINDS)}.")
