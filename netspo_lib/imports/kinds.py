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
from netspo_lib.clock import fmt_date, now, today
from netspo_lib.enums import FundingBasis, GroupStatus, OrderKind, ParentRelation, RoomKind, StudyForm
from netspo_lib.errors import NetspoError
from netspo_lib.imports.kinds_journal import JOURNAL_KINDS
from netspo_lib.imports.kinds_study import STUDY_KINDS
from netspo_lib.imports.spec import Column, Kind, norm_text
from netspo_lib.models.people import full_name
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
    this_day = today()
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
        if v["order_date"] and v["order_date"] > this_day:
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


def _apply_changes(
    session: Session, actor: Actor, model: type, plan: Any, verb: str, *, in_group: bool = False
) -> Any:
    """Update a planned row in place and audit the changed fields, before and after."""
    row = session.get(model, plan.existing_id)
    assert row is not None
    fields = list(plan.changes)
    before = audit.snapshot(row, fields)
    for field, value in plan.changes.items():
        setattr(row, field, value)
    session.flush()
    audit.record(
        session, actor, verb, model.__tablename__, row.id, before=before,
        after=audit.snapshot(row, fields), group_id=row.id if in_group else None,
    )  # fmt: skip
    return row


def _write_rooms(
    session: Session, actor: Actor, rows: list[Any], progress: Callable[[int, int], None] | None
) -> None:
    for done, plan in enumerate(rows, start=1):
        if plan.action == "update":
            _apply_changes(session, actor, m.Room, plan, "room.update")
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
        staff.setdefault(norm_text(person.full_name), []).append(person.id)
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
            _apply_changes(session, actor, m.Group, plan, "group.update", in_group=True)
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
            "curator": c.full_name if c else None,
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

# --- parents ---------------------------------------------------------------------------------
PARENT_COLUMNS = (
    Column("last_name", "Фамилия", required=True, max_len=100, example="Иванова"),
    Column("first_name", "Имя", required=True, max_len=100, example="Мария"),
    Column("middle_name", "Отчество", max_len=100, example="Петровна"),
    Column("phone", "Телефон", ("Тел", "Телефон родителя"), max_len=30, example="+7 900 000-00-00"),
    Column("email", "Email", ("E-mail", "Электронная почта", "Эл. почта"), type="email", max_len=200),
    Column("snils", "СНИЛС", ("СНИЛС родителя",), type="snils", example="112-233-445 95"),
    Column(
        "relation",
        "Кем приходится",
        ("Степень родства", "Родство"),
        required=True,
        type="enum",
        enum=ParentRelation,
        example="мать",
    ),
    Column("student_snils", "СНИЛС студента", ("СНИЛС обучающегося",), required=True, type="snils"),
    Column("legal", "Законный представитель", ("Законный представитель (да/нет)",), max_len=10, example="да"),
)
_PARENT_PERSON_FIELDS = ("last_name", "first_name", "middle_name", "phone", "email", "snils")
_PARENT_CONTACT_FIELDS = ("phone", "email", "snils")  # the name is the key: it is not changed
_PARENT_LINK_FIELDS = ("relation", "is_legal_representative")
_YES_NO = {"да": True, "д": True, "yes": True, "1": True, "нет": False, "н": False, "no": False, "0": False}


def _parent_students(session: Session, actor: Actor) -> dict[str, m.Student]:
    stmt = (
        sa.select(m.Person.snils, m.Student)
        .join(m.Student, m.Student.person_id == m.Person.id)
        .join(m.Group, m.Group.id == m.Student.group_id)
        .where(m.Group.college_id == actor.college_id, m.Person.snils.is_not(None))
    )
    return {snils: student for snils, student in session.execute(stmt)}


def _plan_parents(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    students = _parent_students(session, actor)
    wanted = sorted({v["snils"] for _, v, _ in rows if v.get("snils")})
    by_snils: dict[str, m.Person] = {}
    for i in range(0, len(wanted), 900):
        for person in session.scalars(sa.select(m.Person).where(m.Person.snils.in_(wanted[i : i + 900]))):
            by_snils[person.snils or ""] = person
    links: dict[tuple[int, int], m.ParentLink] = {}
    linked: dict[tuple[int, str], m.Person] = {}
    stmt = (
        sa.select(m.ParentLink, m.Person)
        .join(m.Person, m.Person.id == m.ParentLink.parent_id)
        .join(m.Student, m.Student.id == m.ParentLink.student_id)
        .join(m.Group, m.Group.id == m.Student.group_id)
        .where(m.Group.college_id == actor.college_id)
    )
    for link, person in session.execute(stmt):
        links[(link.student_id, person.id)] = link
        linked.setdefault((link.student_id, norm_text(person.full_name)), person)
    seen: dict[tuple[str, str], int] = {}
    new_names: dict[str, str] = {}
    out: list[Planned] = []
    for row_no, v, bad in rows:
        problems: list[tuple[str, str]] = []
        legal_text = (v.get("legal") or "да").strip().lower()
        legal = _YES_NO.get(legal_text)
        if legal is None:
            problems.append(("Законный представитель", f"«{v['legal']}» — укажите «да» или «нет»."))
        if bad:
            out.append(("refused", None, {}, problems))
            continue
        student = students.get(v["student_snils"])
        if student is None:
            problems.append(
                (
                    "СНИЛС студента",
                    f"Студент со СНИЛС {format_snils(v['student_snils'])} не найден в колледже.",
                )
            )
        fio = norm_text(full_name(v["last_name"], v["first_name"], v.get("middle_name")))
        key = (v["student_snils"], v["snils"] or fio)
        first = seen.setdefault(key, row_no)
        if first != row_no:
            problems.append(
                ("СНИЛС студента", f"Представитель студента повторяется: он уже есть в строке {first}.")
            )
        if problems or student is None:
            out.append(("refused", None, {}, problems))
            continue
        person = by_snils.get(v["snils"]) if v["snils"] else None
        if person is None:
            person = linked.get((student.id, fio))
            if person is not None and v["snils"] and person.snils:
                person = None  # a namesake with another СНИЛС: a different person
        if person is not None and person.id == student.person_id:
            problems.append(("СНИЛС", "Это СНИЛС самого студента, а не его представителя."))
        elif person is not None and norm_text(person.full_name) != fio:
            problems.append(
                (
                    "СНИЛС",
                    f"СНИЛС {format_snils(v['snils'])} принадлежит другому человеку: {person.short_name}.",
                )
            )
        if person is None and v["snils"]:
            named = new_names.setdefault(v["snils"], fio)
            if named != fio:
                problems.append(("СНИЛС", f"СНИЛС {format_snils(v['snils'])} в файле указан у разных людей."))
        if problems:
            out.append(("refused", None, {}, problems))
            continue
        wanted_values = {**v, "is_legal_representative": legal}
        changes: dict[str, Any] = {}
        if person is not None:
            for f in _PARENT_CONTACT_FIELDS:
                if v.get(f) is not None and v[f] != getattr(person, f):
                    changes[f] = v[f]
        link = links.get((student.id, person.id)) if person is not None else None
        if link is None:
            out.append(("insert", person.id if person is not None else None, changes, []))
            continue
        for f in _PARENT_LINK_FIELDS:
            if wanted_values[f] != getattr(link, f):
                changes[f] = wanted_values[f]
        out.append(("update" if changes else "unchanged", link.id, changes, []))
    return out


def _write_parents(
    session: Session, actor: Actor, rows: list[Any], progress: Callable[[int, int], None] | None
) -> None:
    students = _parent_students(session, actor)
    created: dict[str, m.Person] = {}
    for done, plan in enumerate(rows, start=1):
        v = plan.values
        legal = _YES_NO[(v.get("legal") or "да").strip().lower()]
        person_changes = {k: x for k, x in plan.changes.items() if k in _PARENT_CONTACT_FIELDS}
        link_changes = {k: x for k, x in plan.changes.items() if k in _PARENT_LINK_FIELDS}
        link: m.ParentLink | None = None
        if plan.action == "update":
            link = session.get(m.ParentLink, plan.existing_id)
            assert link is not None
            person = session.get(m.Person, link.parent_id)
        elif plan.existing_id is not None:
            person = session.get(m.Person, plan.existing_id)
        elif v.get("snils") in created:  # a new parent of several students in the file
            person = created[v["snils"]]
            person_changes = {
                f: v[f] for f in _PARENT_CONTACT_FIELDS if v.get(f) is not None and v[f] != getattr(person, f)
            }
        else:
            person = m.Person(**{k: v.get(k) for k in _PARENT_PERSON_FIELDS})
            session.add(person)
            session.flush()
            audit.record(session, actor, "parent.create", "persons", person.id, after=audit.snapshot(person))
            if person.snils:
                created[person.snils] = person
        assert person is not None
        if person_changes:
            before = audit.snapshot(person, list(person_changes))
            for field, value in person_changes.items():
                setattr(person, field, value)
            session.flush()
            audit.record(
                session, actor, "parent.update", "persons", person.id, before=before,
                after=audit.snapshot(person, list(person_changes)),
            )  # fmt: skip
        if link is None:
            student = students[v["student_snils"]]
            link = m.ParentLink(
                student_id=student.id,
                parent_id=person.id,
                relation=v["relation"],
                is_legal_representative=legal,
            )
            session.add(link)
            session.flush()
            audit.record(
                session, actor, "parent_link.create", "parent_links", link.id, after=audit.snapshot(link),
                student_id=student.id,
            )  # fmt: skip
        elif link_changes:
            before = audit.snapshot(link, list(link_changes))
            for field, value in link_changes.items():
                setattr(link, field, value)
            session.flush()
            audit.record(
                session, actor, "parent_link.update", "parent_links", link.id, before=before,
                after=audit.snapshot(link, list(link_changes)), student_id=link.student_id,
            )  # fmt: skip
        if progress is not None:
            progress(done, len(rows))


def _parent_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    student_person = sa.orm.aliased(m.Person)
    stmt = (
        sa.select(m.ParentLink, m.Person, student_person.snils)
        .join(m.Person, m.Person.id == m.ParentLink.parent_id)
        .join(m.Student, m.Student.id == m.ParentLink.student_id)
        .join(student_person, student_person.id == m.Student.person_id)
        .join(m.Group, m.Group.id == m.Student.group_id)
        .where(m.Group.college_id == actor.college_id, student_person.snils.is_not(None))
        .order_by(student_person.snils, m.Person.last_name, m.Person.first_name, m.Person.id)
    )
    return [
        {
            **{k: getattr(p, k) for k in ("last_name", "first_name", "middle_name", "phone", "email")},
            "snils": format_snils(p.snils) if p.snils else None,
            "relation": link.relation,
            "student_snils": format_snils(student_snils),
            "legal": "да" if link.is_legal_representative else "нет",
        }
        for link, p, student_snils in session.execute(stmt)
    ]


PARENTS = Kind(
    name="parents",
    title="родители",
    aliases=("родители", "законные представители", "parent", "представители"),
    columns=PARENT_COLUMNS,
    key="student_snils",
    action=Action.DATA_IMPORT,
    plan=_plan_parents,
    write=_write_parents,
    rows=_parent_rows,
)

# --- staff -----------------------------------------------------------------------------------
STAFF_COLUMNS = (
    Column("fio", "ФИО", ("Фамилия Имя Отчество", "Сотрудник"), required=True, max_len=300),
    Column("snils", "СНИЛС", ("Номер СНИЛС",), required=True, type="snils", example="112-233-445 95"),
    Column("position", "Должность", (), required=True, max_len=200, example="Преподаватель"),
    Column("department", "Отделение", ("Название отделения",), max_len=200),
    Column("hired_on", "Дата приёма", ("Принят",), required=True, type="date", example="01.09.2025"),
    Column("hire_order_number", "Номер приказа о приёме", ("Номер приказа",), required=True, max_len=30),
    Column("hire_order_date", "Дата приказа", ("Дата приказа о приёме",), required=True, type="date"),
)
_STAFF_FIELDS = ("position", "department_id", "hire_order_number", "hire_order_date")


def _split_fio(text: str) -> tuple[str, str, str | None] | None:
    parts = text.split()
    if len(parts) < 2:
        return None
    return parts[0], parts[1], " ".join(parts[2:]) or None


def _plan_staff(session: Session, actor: Actor, rows: Rows) -> list[Planned]:
    college = actor.college_id
    departments = {
        norm_text(d.name): d.id
        for d in session.scalars(sa.select(m.Department).where(m.Department.college_id == college))
    }
    positions = {
        p.id: p.name for p in session.scalars(sa.select(m.Position).where(m.Position.college_id == college))
    }
    wanted = sorted({v["snils"] for _, v, _ in rows if v.get("snils")})
    people: dict[str, m.Person] = {}
    for i in range(0, len(wanted), 900):
        for person in session.scalars(sa.select(m.Person).where(m.Person.snils.in_(wanted[i : i + 900]))):
            people[person.snils or ""] = person
    jobs = {
        (e.person_id, e.hired_on): e
        for e in session.scalars(sa.select(m.StaffEmployment).where(m.StaffEmployment.college_id == college))
    }
    seen: dict[tuple[str, date], int] = {}
    new_names: dict[str, str] = {}
    out: list[Planned] = []
    for row_no, v, bad in rows:
        if bad:
            out.append(("refused", None, {}, []))
            continue
        problems: list[tuple[str, str]] = []
        fio = norm_text(v["fio"])
        if _split_fio(v["fio"]) is None:
            problems.append(("ФИО", "Укажите фамилию и имя (и отчество, если есть)."))
        dep_id = None
        if v.get("department"):
            dep_id = departments.get(norm_text(v["department"]))
            if dep_id is None:
                problems.append(("Отделение", f"Отделение «{v['department']}» не найдено в колледже."))
        for key, title in (("hired_on", "Дата приёма"), ("hire_order_date", "Дата приказа")):
            if v[key] > today():
                problems.append((title, f"Дата {fmt_date(v[key])} позже сегодняшней."))
        first = seen.setdefault((v["snils"], v["hired_on"]), row_no)
        if first != row_no:
            problems.append(
                ("СНИЛС", f"Приём сотрудника с этой датой повторяется: он уже есть в строке {first}.")
            )
        person = people.get(v["snils"])
        if person is not None and norm_text(person.full_name) != fio:
            problems.append(
                (
                    "СНИЛС",
                    f"СНИЛС {format_snils(v['snils'])} принадлежит другому человеку: {person.short_name}.",
                )
            )
        if person is None and new_names.setdefault(v["snils"], fio) != fio:
            problems.append(("СНИЛС", f"СНИЛС {format_snils(v['snils'])} в файле указан у разных людей."))
        if problems:
            out.append(("refused", None, {}, problems))
            continue
        job = jobs.get((person.id, v["hired_on"])) if person is not None else None
        if job is None:
            out.append(("insert", person.id if person is not None else None, {"department_id": dep_id}, []))
            continue
        wanted_values = {
            "position": v["position"].strip(), "department_id": dep_id,
            "hire_order_number": v["hire_order_number"], "hire_order_date": v["hire_order_date"],
        }  # fmt: skip
        changes = {}
        for f in _STAFF_FIELDS:
            old: Any = getattr(job, f) if f != "position" else positions.get(job.position_id, "")
            if f == "position" and norm_text(old) == norm_text(wanted_values[f]):
                continue
            if wanted_values[f] != old:
                changes[f] = wanted_values[f]
        out.append(("update" if changes else "unchanged", job.id, changes, []))
    return out


def _write_staff(
    session: Session, actor: Actor, rows: list[Any], progress: Callable[[int, int], None] | None
) -> None:
    college = actor.college_id
    positions = {
        norm_text(p.name): p
        for p in session.scalars(sa.select(m.Position).where(m.Position.college_id == college))
    }

    def position_id(name: str) -> int:
        position = positions.get(norm_text(name))
        if position is None:
            position = m.Position(college_id=college, name=name.strip())
            session.add(position)
            session.flush()
            audit.record(
                session, actor, "position.create", "positions", position.id, after=audit.snapshot(position)
            )
            positions[norm_text(name)] = position
        return position.id

    created: dict[str, m.Person] = {}
    for done, plan in enumerate(rows, start=1):
        v = plan.values
        if plan.action == "update":
            job = session.get(m.StaffEmployment, plan.existing_id)
            assert job is not None
            changes = dict(plan.changes)
            if "position" in changes:
                changes["position_id"] = position_id(changes.pop("position"))
            before = audit.snapshot(job, list(changes))
            for field, value in changes.items():
                setattr(job, field, value)
            session.flush()
            audit.record(
                session, actor, "staff.update", "staff", job.id, before=before,
                after=audit.snapshot(job, list(changes)),
            )  # fmt: skip
        else:
            if plan.existing_id is not None:
                person = session.get(m.Person, plan.existing_id)
            elif v["snils"] in created:
                person = created[v["snils"]]
            else:
                names = _split_fio(v["fio"])
                assert names is not None
                person = m.Person(
                    last_name=names[0], first_name=names[1], middle_name=names[2], snils=v["snils"]
                )
                session.add(person)
                session.flush()
                audit.record(
                    session, actor, "person.create", "persons", person.id, after=audit.snapshot(person)
                )
                created[v["snils"]] = person
            assert person is not None
            job = m.StaffEmployment(
                person_id=person.id, college_id=college, position_id=position_id(v["position"]),
                department_id=plan.changes.get("department_id"), hired_on=v["hired_on"],
                hire_order_number=v["hire_order_number"], hire_order_date=v["hire_order_date"],
                created_at=now(),
            )  # fmt: skip
            session.add(job)
            session.flush()
            audit.record(session, actor, "staff.create", "staff", job.id, after=audit.snapshot(job))
        if progress is not None:
            progress(done, len(rows))


def _staff_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    stmt = (
        sa.select(m.StaffEmployment, m.Person, m.Position.name, m.Department.name)
        .join(m.Person, m.Person.id == m.StaffEmployment.person_id)
        .join(m.Position, m.Position.id == m.StaffEmployment.position_id)
        .outerjoin(m.Department, m.Department.id == m.StaffEmployment.department_id)
        .where(m.StaffEmployment.college_id == actor.college_id, m.Person.snils.is_not(None))
        .order_by(m.Person.last_name, m.Person.first_name, m.Person.id, m.StaffEmployment.hired_on)
    )
    return [
        {
            "fio": p.full_name,
            "snils": format_snils(p.snils or ""),
            "position": position,
            "department": dep,
            "hired_on": e.hired_on,
            "hire_order_number": e.hire_order_number,
            "hire_order_date": e.hire_order_date,
        }
        for e, p, position, dep in session.execute(stmt)
    ]


STAFF = Kind(
    name="staff",
    title="сотрудники",
    aliases=("сотрудники", "кадры", "персонал"),
    columns=STAFF_COLUMNS,
    key="snils",
    action=Action.DATA_IMPORT,
    plan=_plan_staff,
    write=_write_staff,
    rows=_staff_rows,
)

KINDS: dict[str, Kind] = {
    k.name: k for k in (STUDENTS, ROOMS, GROUPS, PARENTS, STAFF, *STUDY_KINDS, *JOURNAL_KINDS)
}


def kind_by_name(name: str) -> Kind:
    """A kind by its name or a Russian alias («студенты», «аудитории»)."""
    wanted = name.strip().lower().replace("ё", "е")
    for kind in KINDS.values():
        if wanted == kind.name or wanted in kind.aliases:
            return kind
    raise NetspoError(f"Неизвестный вид данных «{name}»: доступны {', '.join(KINDS)}.")
