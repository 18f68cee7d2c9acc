"""Student movement through orders (R-4.4.a): enrollment with the student card (R-4.4.b),
expulsion (R-4.4.c), transfer between groups, academic leave and the return from it,
reinstatement, transfer to the next course and graduation.

A student's status and group change only here, and only with an order of the matching
kind: each move adds an :class:`~netspo_lib.models.OrderItem` (the student in the order)
and a :class:`~netspo_lib.models.StudentStatusChange` (the history of the card), updates
the ``students`` row and appends an audit event. Orders are entered by the head of
studies (``Action.ORDERS_EDIT``); the year rollover (``netspo_lib.rollover``) reuses the
same writing steps under the engineer's right.

Every function follows the architecture's order: access, validation, writes, audit, in
the caller's transaction (nothing here commits). Impossible moves are refused with a
Russian :class:`~netspo_lib.errors.NetspoError` before anything is written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, allowed, require, require_any
from netspo_lib.clock import fmt_date, now, today
from netspo_lib.enums import FundingBasis, GroupStatus, OrderKind, Sex, StudentStatus
from netspo_lib.errors import NetspoError
from netspo_lib.snils import check_snils, format_snils

__all__ = [
    "HISTORY_COLUMNS",
    "course_count",
    "create_order",
    "enroll",
    "enroll_many",
    "expel",
    "graduate",
    "grant_academic_leave",
    "order_label",
    "promote",
    "reinstate",
    "return_from_leave",
    "student_history",
    "transfer",
]

HISTORY_COLUMNS = ["Дата", "Событие", "Приказ", "Группа"]
# The youngest age at which a person is admitted to a college (after the 9th class).
MIN_ENROLLMENT_AGE = 13
_STUDENT_FIELDS = ["status", "group_id", "left_on"]


# --- small helpers shared with the rollover ------------------------------------------------
def order_label(order: m.Order) -> str:
    """«№ 57-к от 30.06.2026», how an order is named in messages and tables."""
    return f"№ {order.number} от {fmt_date(order.order_date)}"


def _by_sex(person: m.Person, masculine: str, feminine: str) -> str:
    return feminine if person.sex == Sex.FEMALE else masculine


def course_count(session: Session, curriculum_id: int | None) -> int | None:
    """Courses of a programme: its curriculum's last semester / 2, rounded up (ППССЗ 4 or
    3, ППКРС 3 or 2 …); ``None`` without a curriculum or with an empty one."""
    if curriculum_id is None:
        return None
    last = session.scalar(
        sa.select(sa.func.max(m.CurriculumItem.semester)).where(
            m.CurriculumItem.curriculum_id == curriculum_id
        )
    )
    return None if last is None else (int(last) + 1) // 2


def _new_order(
    session: Session,
    actor: Actor,
    *,
    college_id: int,
    kind: OrderKind,
    number: str,
    order_date: date,
    signed_by: str,
    title: str | None,
) -> m.Order:
    """Validate and write an order (no access check: the callers ask for their right)."""
    number = (number or "").strip()
    signed_by = (signed_by or "").strip()
    if not number:
        raise NetspoError("Не указан номер приказа.")
    if len(number) > 30:
        raise NetspoError("Номер приказа длиннее 30 знаков.")
    if not signed_by:
        raise NetspoError("Не указано, кем подписан приказ.")
    if order_date > today():
        raise NetspoError(
            f"Дата приказа {fmt_date(order_date)} позже сегодняшней: приказ вносится после подписания."
        )
    existing = session.scalar(
        sa.select(m.Order).where(
            m.Order.college_id == college_id, m.Order.number == number, m.Order.order_date == order_date
        )
    )
    if existing is not None:
        raise NetspoError(f"Приказ {order_label(existing)} уже внесён («{existing.kind.label}»).")
    order = m.Order(
        college_id=college_id,
        kind=kind,
        number=number,
        order_date=order_date,
        title=(title or "").strip() or kind.label.capitalize(),
        signed_by=signed_by,
        entered_by_id=actor.account_id,
        created_at=now(),
    )
    session.add(order)
    session.flush()
    audit.record(session, actor, "order.create", "orders", order.id, after=audit.snapshot(order))
    return order


def _order_for(session: Session, order: m.Order | int, kind: OrderKind, college_id: int) -> m.Order:
    """The order behind a move: it must exist, be of ``kind`` and of the student's college."""
    found = session.get(m.Order, order) if isinstance(order, int) else order
    if found is None:
        raise NetspoError("Приказ не найден: сначала внесите приказ.")
    if found.kind != kind:
        raise NetspoError(
            f"Приказ {order_label(found)} — «{found.kind.label}»;"
            f" для этого действия нужен приказ «{kind.label}»."
        )
    if found.college_id != college_id:
        raise NetspoError(f"Приказ {order_label(found)} издан в другом колледже.")
    return found


def _student(session: Session, student_id: int) -> m.Student:
    student = session.get(m.Student, student_id)
    if student is None:
        raise NetspoError("Студент не найден.")
    return student


def _group(session: Session, group_id: int | None) -> m.Group:
    group = session.get(m.Group, group_id) if group_id is not None else None
    if group is None:
        raise NetspoError("Группа не найдена.")
    return group


def _open_group(session: Session, group_id: int | None, college_id: int) -> m.Group:
    """A group a student may be placed into: of the same college and still studying."""
    group = _group(session, group_id)
    if group.college_id != college_id:
        raise NetspoError(
            f"Группа «{group.name}» относится к другому колледжу: перевод между колледжами"
            " оформляется отчислением и зачислением."
        )
    if group.status != GroupStatus.ACTIVE:
        raise NetspoError(f"Группа «{group.name}» {group.status.label}: зачислить в неё нельзя.")
    return group


def _last_move_on(session: Session, student_id: int) -> date | None:
    return session.scalar(
        sa.select(sa.func.max(m.StudentStatusChange.changed_on)).where(
            m.StudentStatusChange.student_id == student_id
        )
    )


def _effective(session: Session, order: m.Order, student: m.Student | None, on: date | None) -> date:
    """The date a move takes effect: by default the order's date; never before the order,
    the enrollment or the student's last move (the history stays in date order)."""
    on = on or order.order_date
    if on < order.order_date:
        raise NetspoError(f"Дата {fmt_date(on)} раньше даты приказа {order_label(order)}.")
    if student is not None:
        last = max(filter(None, (student.enrolled_on, _last_move_on(session, student.id))))
        if on < last:
            raise NetspoError(
                f"Дата {fmt_date(on)} раньше последнего движения по карточке"
                f" ({student.person.short_name}, {fmt_date(last)})."
            )
        in_order = session.scalar(
            sa.select(m.OrderItem.id).where(
                m.OrderItem.order_id == order.id, m.OrderItem.student_id == student.id
            )
        )
        if in_order is not None:
            raise NetspoError(f"{student.person.short_name} уже есть в приказе {order_label(order)}.")
    return on


def _record_move(
    session: Session,
    actor: Actor,
    order: m.Order,
    student: m.Student,
    *,
    verb: str,
    status: StudentStatus,
    to_group_id: int | None,
    effective_on: date,
    reason: str | None,
    from_group_id: int | None = None,
    left_on: date | None = None,
) -> m.OrderItem:
    """Write one move: the order item, the status change, the card, the audit event.

    ``to_group_id`` is the group the student is in after the move (``None`` when the
    student leaves the college: the item names no group to, the history keeps the last).
    """
    before = audit.snapshot(student, _STUDENT_FIELDS)
    item = m.OrderItem(
        order_id=order.id,
        student_id=student.id,
        from_group_id=from_group_id,
        to_group_id=to_group_id,
        effective_on=effective_on,
        reason=(reason or "").strip()[:300] or None,
    )
    session.add(item)
    group_id = to_group_id if to_group_id is not None else student.group_id
    student.status = status
    student.group_id = group_id
    student.left_on = left_on
    session.add(
        m.StudentStatusChange(
            student_id=student.id,
            status=status,
            group_id=group_id,
            changed_on=effective_on,
            order_id=order.id,
            recorded_at=now(),
            recorded_by_id=actor.account_id,
        )
    )
    session.flush()
    after = {**audit.snapshot(student, _STUDENT_FIELDS), "order_id": order.id, "order_item_id": item.id}
    audit.record(
        session,
        actor,
        f"student.{verb}",
        "students",
        student.id,
        before=before,
        after=after,
        reason=item.reason,
        group_id=group_id,
        student_id=student.id,
    )
    return item


def _require_orders(session: Session, actor: Actor, student_id: int, what: str) -> None:
    require(session, actor, Action.ORDERS_EDIT, Resource(student_id=student_id, description=what))


# --- orders ---------------------------------------------------------------------------------
def create_order(
    session: Session,
    actor: Actor,
    *,
    kind: OrderKind | str,
    number: str,
    order_date: date,
    signed_by: str,
    title: str | None = None,
) -> m.Order:
    """Enter an order of the director (R-4.4.a); the head of studies' right.

    ``created_at`` is the moment of entry: deadlines D-1 and D-2 compare it with the
    order's date. The same number and date cannot be entered twice.
    """
    kind = kind if isinstance(kind, OrderKind) else OrderKind.from_label(kind)
    # Enrollment orders also come with the student lists the engineer loads (R-4.2.c).
    rights = (
        (Action.ORDERS_EDIT, Action.DATA_IMPORT) if kind == OrderKind.ENROLLMENT else (Action.ORDERS_EDIT,)
    )
    require_any(
        session, actor, rights, Resource(college_id=actor.college_id, description=f"приказ № {number}")
    )
    return _new_order(
        session,
        actor,
        college_id=actor.college_id,
        kind=kind,
        number=number,
        order_date=order_date,
        signed_by=signed_by,
        title=title,
    )


# --- enrollment -----------------------------------------------------------------------------
def _sex(value: Sex | str | None) -> Sex | None:
    if value is None or isinstance(value, Sex):
        return value
    text = value.strip().lower()
    aliases = {"м": Sex.MALE, "муж": Sex.MALE, "ж": Sex.FEMALE, "жен": Sex.FEMALE}
    if text in aliases:
        return aliases[text]
    try:
        return Sex.from_label(text)
    except ValueError:
        raise NetspoError(f"Пол «{value}» не распознан: укажите «мужской» или «женский».") from None


def _enroll_access(session: Session, actor: Actor, group_id: int) -> None:
    # The head of studies enters cards (R-4.4.b); the engineer loads student lists (R-4.2.c).
    if not allowed(session, actor, Action.DATA_IMPORT, Resource(group_id=group_id)):
        require(session, actor, Action.ORDERS_EDIT, Resource(group_id=group_id, description="зачисление"))
        require(session, actor, Action.STUDENT_CARD_EDIT, Resource(group_id=group_id, description="карточка"))


_CARD_LABELS = {
    "last_name": "фамилия",
    "first_name": "имя",
    "birth_date": "дата рождения",
    "sex": "пол",
    "snils": "СНИЛС",
}
_NEW_PERSON_KEYS = ("last_name", "first_name", "middle_name", "birth_date", "sex", "snils")


def _new_person_fields(
    last_name: str | None,
    first_name: str | None,
    middle_name: str | None,
    birth_date: date | None,
    sex: Sex | str | None,
    snils: str | None,
) -> dict[str, Any]:
    return {
        "last_name": (last_name or "").strip(),
        "first_name": (first_name or "").strip(),
        "middle_name": (middle_name or "").strip() or None,
        "birth_date": birth_date,
        "sex": _sex(sex),
        "snils": (snils or "").strip() or None,
    }


def _check_card_fields(fields: dict[str, Any], on: date) -> dict[str, Any]:
    """The card's mandatory fields, the СНИЛС control number and a possible age (R-4.4.b)."""
    missing = [label for key, label in _CARD_LABELS.items() if not fields[key]]
    if missing:
        raise NetspoError("Не заполнены обязательные поля карточки студента: " + ", ".join(missing) + ".")
    fields["snils"] = check_snils(fields["snils"])
    born: date = fields["birth_date"]
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if age < MIN_ENROLLMENT_AGE:
        raise NetspoError(
            f"Дата рождения {fmt_date(born)} невозможна для студента, зачисляемого {fmt_date(on)}."
        )
    return fields


def _refuse_known(person: m.Person | None, card: m.Student | None, *, chosen: bool, snils: str) -> None:
    """A person has at most one card; a new card is not typed over a known person."""
    if person is not None and card is None and not chosen:
        raise NetspoError(
            f"Человек со СНИЛС {format_snils(snils)} уже есть в базе ({person.short_name}):"
            " выберите его, а не вводите заново."
        )
    if person is not None and card is not None:
        raise NetspoError(
            f"{person.short_name} уже {_by_sex(person, 'числится студентом', 'числится студенткой')}"
            f" (группа «{card.group.name}», статус «{card.status.label}»): повторное поступление"
            " оформляется восстановлением."
        )


def _refuse_record_book(number: str | None, taken: bool) -> None:
    if number and taken:
        raise NetspoError(f"Номер зачётной книжки {number} уже выдан другому студенту.")


def enroll(
    session: Session,
    actor: Actor,
    *,
    order: m.Order | int,
    group_id: int,
    enrolled_on: date | None = None,
    person_id: int | None = None,
    last_name: str | None = None,
    first_name: str | None = None,
    middle_name: str | None = None,
    birth_date: date | None = None,
    sex: Sex | str | None = None,
    snils: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    basis: FundingBasis = FundingBasis.BUDGET,
    record_book_number: str | None = None,
    address: str | None = None,
    previous_education: str | None = None,
) -> m.Student:
    """Enroll a person by an enrollment order: creates the student card (R-4.4.b).

    The card's mandatory fields are ФИО, date of birth, sex, СНИЛС (with a valid control
    number), the group, and the order's number and date; they come either from the
    arguments (a new person) or from an existing person (``person_id``: a parent or an
    employee who becomes a student). The card carries ``enrollment_order_id``, from whose
    date D-1 is counted. A person has at most one card: a former student comes back by
    :func:`reinstate`, not by a second enrollment.
    """
    _enroll_access(session, actor, group_id)

    group = _open_group(session, group_id, actor.college_id)
    the_order = _order_for(session, order, OrderKind.ENROLLMENT, group.college_id)
    on = _effective(session, the_order, None, enrolled_on)

    person: m.Person | None = None
    if person_id is not None:
        given = [last_name, first_name, middle_name, birth_date, sex, snils]
        if any(v is not None for v in given):
            raise NetspoError(
                "Укажите либо существующее физическое лицо, либо данные нового, но не то и другое."
            )
        person = session.get(m.Person, person_id)
        if person is None:
            raise NetspoError("Физическое лицо не найдено.")
        fields: dict[str, Any] = {k: getattr(person, k) for k in _NEW_PERSON_KEYS}
    else:
        fields = _new_person_fields(last_name, first_name, middle_name, birth_date, sex, snils)
    fields = _check_card_fields(fields, on)

    chosen = person is not None
    if person is None:
        person = session.scalar(sa.select(m.Person).where(m.Person.snils == fields["snils"]))
    if person is not None:
        card = session.scalar(sa.select(m.Student).where(m.Student.person_id == person.id))
        _refuse_known(person, card, chosen=chosen, snils=fields["snils"])
    number = (record_book_number or "").strip() or None
    _refuse_record_book(
        number,
        bool(number)
        and session.scalar(sa.select(m.Student.id).where(m.Student.record_book_number == number)) is not None,
    )

    if person is None:
        person = m.Person(**fields, phone=phone, email=email, created_at=now())
        session.add(person)
        session.flush()
        audit.record(session, actor, "person.create", "persons", person.id, after=audit.snapshot(person))
    student = m.Student(
        person_id=person.id,
        group_id=group.id,
        status=StudentStatus.STUDYING,
        basis=basis,
        record_book_number=number,
        enrolled_on=on,
        enrollment_order_id=the_order.id,
        address=address,
        previous_education=previous_education,
        created_at=now(),
    )
    session.add(student)
    session.flush()
    audit.record(
        session,
        actor,
        "student.create",
        "students",
        student.id,
        after=audit.snapshot(student),
        group_id=group.id,
        student_id=student.id,
    )
    _record_move(
        session,
        actor,
        the_order,
        student,
        verb="enroll",
        status=StudentStatus.STUDYING,
        to_group_id=group.id,
        effective_on=on,
        reason=None,
    )
    return student


_MANY_CHUNK = 900
# The columns of a new person's and card's audit snapshot after the id, in the mapper's
# order (as audit.snapshot lists them), so the bulk path writes the events enroll() writes.
_PERSON_KEYS = [c.key for c in sa.inspect(m.Person).column_attrs if c.key != "id"]
_STUDENT_KEYS = [c.key for c in sa.inspect(m.Student).column_attrs if c.key != "id"]


def _insert_ids(conn: sa.Connection, model: type[m.Base], rows: list[dict[str, Any]], key: str) -> list[int]:
    """Insert ``rows`` in multi-row statements and return their ids in the rows' order.

    ``INSERT … RETURNING id, key`` (SQLite 3.35+ and PostgreSQL) matched back by ``key``, a
    column unique among the rows: neither engine promises the order of RETURNING rows, and
    SQLAlchemy's ordered variant falls back to a statement per row on SQLite.
    """
    table = model.__table__
    stmt = sa.insert(table).returning(table.c.id, table.c[key])
    got = {k: row_id for row_id, k in conn.execute(stmt, rows)}
    if len(got) != len(rows):  # a key repeated among the rows: the mapping would be wrong
        raise NetspoError("Внутренняя ошибка пакетной записи: ключи строк повторяются. Ничего не записано.")
    return [got[r[key]] for r in rows]


def enroll_many(
    session: Session, actor: Actor, *, order: m.Order | int, rows: list[dict[str, Any]]
) -> list[int]:
    """Enroll many new persons by one enrollment order, in bulk (R-4.2.c: thousands of rows
    in seconds). Each row holds the arguments of :func:`enroll` for a new person
    (``group_id``, ``last_name`` … ``snils``, ``phone``, ``email``, ``basis``,
    ``record_book_number``, ``address``, ``previous_education``, ``enrolled_on``).

    The same rights and rules as :func:`enroll`; the rights are asked once per group. Every
    row is checked before anything is written; the rows (persons, cards, order items,
    status history) and the trail's three events per student are the ones :func:`enroll`
    writes, inserted table by table in multi-row statements without ORM objects (5 000
    students in well under a second). Returns the new cards' ids in the rows' order.
    """
    if not rows:
        return []
    group_ids = sorted({int(r["group_id"]) for r in rows})
    for gid in group_ids:
        _enroll_access(session, actor, gid)
    groups = {gid: _open_group(session, gid, actor.college_id) for gid in group_ids}
    the_order = _order_for(session, order, OrderKind.ENROLLMENT, actor.college_id)

    prepared: list[tuple[dict[str, Any], date, str | None]] = []
    for n, row in enumerate(rows, start=1):
        try:
            on = _effective(session, the_order, None, row.get("enrolled_on"))
            fields = _check_card_fields(_new_person_fields(*(row.get(k) for k in _NEW_PERSON_KEYS)), on)
        except NetspoError as exc:
            raise NetspoError(f"Запись {n} из {len(rows)}: {exc.message}") from None
        prepared.append((fields, on, (row.get("record_book_number") or "").strip() or None))

    # Every lookup in one query per table (chunked for the parameters' limit).
    snilses = [f["snils"] for f, _, _ in prepared]
    numbers = [nb for _, _, nb in prepared if nb]
    known: dict[str, tuple[m.Person, m.Student | None]] = {}
    taken: set[str] = set()
    for i in range(0, len(snilses), _MANY_CHUNK):
        stmt = (
            sa.select(m.Person, m.Student)
            .outerjoin(m.Student, m.Student.person_id == m.Person.id)
            .where(m.Person.snils.in_(snilses[i : i + _MANY_CHUNK]))
        )
        for person, card in session.execute(stmt):
            known[person.snils or ""] = (person, card)
    for i in range(0, len(numbers), _MANY_CHUNK):
        taken.update(
            session.scalars(
                sa.select(m.Student.record_book_number).where(
                    m.Student.record_book_number.in_(numbers[i : i + _MANY_CHUNK])
                )
            )
        )
    seen_snils: set[str] = set()
    seen_numbers: set[str] = set()
    for n, (fields, _, number) in enumerate(prepared, start=1):
        try:
            person, card = known.get(fields["snils"], (None, None))
            _refuse_known(person, card, chosen=False, snils=fields["snils"])
            if fields["snils"] in seen_snils:
                raise NetspoError(f"СНИЛС {format_snils(fields['snils'])} повторяется в списке.")
            _refuse_record_book(number, number in taken or number in seen_numbers)
        except NetspoError as exc:
            raise NetspoError(f"Запись {n} из {len(rows)}: {exc.message}") from None
        seen_snils.add(fields["snils"])
        if number:
            seen_numbers.add(number)

    stamp = now()
    session.flush()  # the order (and anything pending) gets its id before the rows name it
    conn = session.connection()
    person_rows = [
        {**fields, "phone": row.get("phone"), "email": row.get("email"), "created_at": stamp}
        for (fields, _, _), row in zip(prepared, rows, strict=True)
    ]
    person_ids = _insert_ids(conn, m.Person, person_rows, "snils")
    student_rows = [
        {
            "person_id": person_id,
            "group_id": groups[int(row["group_id"])].id,
            "status": StudentStatus.STUDYING,
            "basis": row.get("basis") or FundingBasis.BUDGET,
            "record_book_number": number,
            "enrolled_on": on,
            "enrollment_order_id": the_order.id,
            "left_on": None,
            "address": row.get("address"),
            "previous_education": row.get("previous_education"),
            "created_at": stamp,
        }
        for person_id, (_, on, number), row in zip(person_ids, prepared, rows, strict=True)
    ]
    student_ids = _insert_ids(conn, m.Student, student_rows, "person_id")
    item_rows = [
        {
            "order_id": the_order.id,
            "student_id": student_id,
            "from_group_id": None,
            "to_group_id": st["group_id"],
            "effective_on": st["enrolled_on"],
            "reason": None,
        }
        for student_id, st in zip(student_ids, student_rows, strict=True)
    ]
    item_ids = _insert_ids(conn, m.OrderItem, item_rows, "student_id")
    conn.execute(
        sa.insert(m.StudentStatusChange.__table__),
        [
            {
                "student_id": student_id,
                "status": StudentStatus.STUDYING,
                "group_id": st["group_id"],
                "changed_on": st["enrolled_on"],
                "order_id": the_order.id,
                "recorded_at": stamp,
                "recorded_by_id": actor.account_id,
            }
            for student_id, st in zip(student_ids, student_rows, strict=True)
        ],
    )
    # The same three events per student as enroll() writes, with the same snapshots.
    json = audit._json_value
    events: list[dict[str, Any]] = []
    base = {"at": stamp, "actor_id": actor.account_id, "reason": None, "before": None}
    moved = {"status": StudentStatus.STUDYING.value}
    for person_id, person, student_id, st, item_id in zip(
        person_ids, person_rows, student_ids, student_rows, item_ids, strict=True
    ):
        person_after = {"id": person_id, **{k: json(person[k]) for k in _PERSON_KEYS}}
        student_after = {"id": student_id, **{k: json(st[k]) for k in _STUDENT_KEYS}}
        before = {**moved, "group_id": st["group_id"], "left_on": None}
        where = {"group_id": st["group_id"], "student_id": student_id}
        events.append(
            {**base, "action": "person.create", "entity": "persons", "entity_id": person_id,
             "after": person_after, "group_id": None, "student_id": None}
        )  # fmt: skip
        events.append(
            {**base, "action": "student.create", "entity": "students", "entity_id": student_id,
             "after": student_after, **where}
        )  # fmt: skip
        events.append(
            {**base, "action": "student.enroll", "entity": "students", "entity_id": student_id,
             "before": before, "after": {**before, "order_id": the_order.id, "order_item_id": item_id},
             **where}
        )  # fmt: skip
    conn.execute(sa.insert(m.AuditEvent.__table__), events)
    return student_ids


# --- moves of an existing student -----------------------------------------------------------
def _required_reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise NetspoError(f"Укажите основание {what} (например, «по собственному желанию»).")
    return text


def expel(
    session: Session,
    actor: Actor,
    *,
    order: m.Order | int,
    student_id: int,
    reason: str,
    effective_on: date | None = None,
) -> m.OrderItem:
    """Expel a studying student or one on academic leave (R-4.4.c); D-2 counts from the
    order's date. The card stays, with ``left_on``; the student keeps the last group."""
    _require_orders(session, actor, student_id, "отчисление")
    student = _student(session, student_id)
    the_order = _order_for(session, order, OrderKind.EXPULSION, student.group.college_id)
    p = student.person
    if student.status == StudentStatus.EXPELLED:
        raise NetspoError(
            f"{p.short_name} уже {_by_sex(p, 'отчислен', 'отчислена')} (с {fmt_date(student.left_on)})."
        )
    if student.status == StudentStatus.GRADUATED:
        raise NetspoError(f"{p.short_name} уже {_by_sex(p, 'выпущен', 'выпущена')}: отчисление невозможно.")
    text = _required_reason(reason, "отчисления")
    on = _effective(session, the_order, student, effective_on)
    return _record_move(
        session,
        actor,
        the_order,
        student,
        verb="expel",
        status=StudentStatus.EXPELLED,
        from_group_id=student.group_id,
        to_group_id=None,
        effective_on=on,
        reason=text,
        left_on=on,
    )


def _require_studying(student: m.Student, what: str) -> None:
    if student.status != StudentStatus.STUDYING:
        raise NetspoError(
            f"{what.capitalize()} возможен только для обучающегося студента"
            f" ({student.person.short_name}: «{student.status.label}»)."
        )


def transfer(
    session: Session,
    actor: Actor,
    *,
    order: m.Order | int,
    student_id: int,
    to_group_id: int,
    effective_on: date | None = None,
    reason: str | None = None,
) -> m.OrderItem:
    """Transfer a studying student to another group of the same college (R-4.4.a)."""
    _require_orders(session, actor, student_id, "перевод в другую группу")
    student = _student(session, student_id)
    college_id = student.group.college_id
    the_order = _order_for(session, order, OrderKind.TRANSFER, college_id)
    _require_studying(student, "перевод")
    if to_group_id == student.group_id:
        raise NetspoError(f"{student.person.short_name} уже учится в группе «{student.group.name}».")
    target = _open_group(session, to_group_id, college_id)
    on = _effective(session, the_order, student, effective_on)
    return _record_move(
        session,
        actor,
        the_order,
        student,
        verb="transfer",
        status=StudentStatus.STUDYING,
        from_group_id=student.group_id,
        to_group_id=target.id,
        effective_on=on,
        reason=reason,
    )


def grant_academic_leave(
    session: Session,
    actor: Actor,
    *,
    order: m.Order | int,
    student_id: int,
    reason: str,
    effective_on: date | None = None,
) -> m.OrderItem:
    """Grant academic leave (R-4.4.a); the student stays on the group's list, not studying."""
    _require_orders(session, actor, student_id, "академический отпуск")
    student = _student(session, student_id)
    the_order = _order_for(session, order, OrderKind.ACADEMIC_LEAVE, student.group.college_id)
    if student.status == StudentStatus.ACADEMIC_LEAVE:
        raise NetspoError(f"{student.person.short_name} уже в академическом отпуске.")
    _require_studying(student, "академический отпуск")
    text = _required_reason(reason, "академического отпуска")
    on = _effective(session, the_order, student, effective_on)
    return _record_move(
        session,
        actor,
        the_order,
        student,
        verb="academic_leave",
        status=StudentStatus.ACADEMIC_LEAVE,
        from_group_id=student.group_id,
        to_group_id=student.group_id,
        effective_on=on,
        reason=text,
    )


def return_from_leave(
    session: Session,
    actor: Actor,
    *,
    order: m.Order | int,
    student_id: int,
    to_group_id: int | None = None,
    effective_on: date | None = None,
    reason: str | None = None,
) -> m.OrderItem:
    """Return a student from academic leave («о восстановлении», выход из отпуска).

    The student comes back to the own group, or to ``to_group_id`` — usually a group of
    the course the student left, since the own group has moved on meanwhile (a group
    that has graduated must be replaced by another).
    """
    _require_orders(session, actor, student_id, "выход из академического отпуска")
    student = _student(session, student_id)
    college_id = student.group.college_id
    the_order = _order_for(session, order, OrderKind.REINSTATEMENT, college_id)
    if student.status != StudentStatus.ACADEMIC_LEAVE:
        raise NetspoError(
            f"{student.person.short_name} не находится в академическом отпуске"
            f" (статус «{student.status.label}»)."
        )
    target = _open_group(session, to_group_id if to_group_id is not None else student.group_id, college_id)
    on = _effective(session, the_order, student, effective_on)
    return _record_move(
        session,
        actor,
        the_order,
        student,
        verb="return_from_leave",
        status=StudentStatus.STUDYING,
        from_group_id=student.group_id,
        to_group_id=target.id,
        effective_on=on,
        reason=reason,
    )


def reinstate(
    session: Session,
    actor: Actor,
    *,
    order: m.Order | int,
    student_id: int,
    to_group_id: int,
    effective_on: date | None = None,
    reason: str | None = None,
) -> m.OrderItem:
    """Reinstate an expelled student (восстановление) into a group; the card is reused."""
    _require_orders(session, actor, student_id, "восстановление")
    student = _student(session, student_id)
    college_id = student.group.college_id
    the_order = _order_for(session, order, OrderKind.REINSTATEMENT, college_id)
    if student.status != StudentStatus.EXPELLED:
        raise NetspoError(
            f"Восстановить можно только отчисленного студента ({student.person.short_name}:"
            f" «{student.status.label}»)."
        )
    target = _open_group(session, to_group_id, college_id)
    on = _effective(session, the_order, student, effective_on)
    return _record_move(
        session,
        actor,
        the_order,
        student,
        verb="reinstate",
        status=StudentStatus.STUDYING,
        from_group_id=None,
        to_group_id=target.id,
        effective_on=on,
        reason=reason,
    )


def promote(
    session: Session,
    actor: Actor,
    *,
    order: m.Order | int,
    student_id: int,
    to_group_id: int,
    effective_on: date | None = None,
    reason: str | None = None,
) -> m.OrderItem:
    """Transfer one student to the next course (перевод на следующий курс), into a group
    of that course. Whole groups move by the year rollover (``netspo_lib.rollover``),
    where a group keeps its name and its ``course`` grows by one."""
    _require_orders(session, actor, student_id, "перевод на следующий курс")
    student = _student(session, student_id)
    college_id = student.group.college_id
    the_order = _order_for(session, order, OrderKind.COURSE_TRANSFER, college_id)
    _require_studying(student, "перевод на следующий курс")
    target = _open_group(session, to_group_id, college_id)
    course = student.group.course
    if target.course != course + 1:
        raise NetspoError(
            f"Группа «{target.name}» — {target.course} курс; {student.person.short_name} учится на"
            f" {course} курсе и переводится в группу {course + 1} курса."
        )
    on = _effective(session, the_order, student, effective_on)
    return _record_move(
        session,
        actor,
        the_order,
        student,
        verb="promote",
        status=StudentStatus.STUDYING,
        from_group_id=student.group_id,
        to_group_id=target.id,
        effective_on=on,
        reason=reason,
    )


def graduate(
    session: Session,
    actor: Actor,
    *,
    order: m.Order | int,
    student_id: int,
    effective_on: date | None = None,
) -> m.OrderItem:
    """Graduate a studying student of the final course of the programme (выпуск)."""
    _require_orders(session, actor, student_id, "выпуск")
    student = _student(session, student_id)
    group = student.group
    the_order = _order_for(session, order, OrderKind.GRADUATION, group.college_id)
    p = student.person
    if student.status == StudentStatus.GRADUATED:
        raise NetspoError(f"{p.short_name} уже {_by_sex(p, 'выпущен', 'выпущена')}.")
    _require_studying(student, "выпуск")
    courses = course_count(session, group.curriculum_id)
    if courses is not None and group.course < courses:
        raise NetspoError(
            f"Группа «{group.name}» учится на {group.course} курсе из {courses}: выпуск возможен"
            " только с последнего курса."
        )
    on = _effective(session, the_order, student, effective_on)
    return _record_move(
        session,
        actor,
        the_order,
        student,
        verb="graduate",
        status=StudentStatus.GRADUATED,
        from_group_id=group.id,
        to_group_id=None,
        effective_on=on,
        reason=None,
        left_on=on,
    )


# --- reading --------------------------------------------------------------------------------
_EVENTS: dict[OrderKind, str] = {
    OrderKind.ENROLLMENT: "Зачисление",
    OrderKind.EXPULSION: "Отчисление",
    OrderKind.TRANSFER: "Перевод в другую группу",
    OrderKind.ACADEMIC_LEAVE: "Академический отпуск",
    OrderKind.REINSTATEMENT: "Восстановление",
    OrderKind.COURSE_TRANSFER: "Перевод на следующий курс",
    OrderKind.GRADUATION: "Выпуск",
}


def student_history(session: Session, actor: Actor, student_id: int) -> pd.DataFrame:
    """The movement history of one student card, oldest first (R-4.4.a): Дата, Событие
    (with the order item's reason), Приказ, Группа."""
    require(session, actor, Action.STUDENT_CARD_READ, Resource(student_id=student_id, description="история"))
    change, order, item = m.StudentStatusChange, m.Order, m.OrderItem
    rows = session.execute(
        sa.select(change.changed_on, change.status, order.kind, order.number, order.order_date, item.reason)
        .add_columns(m.Group.name)
        .join(m.Group, m.Group.id == change.group_id)
        .outerjoin(order, order.id == change.order_id)
        .outerjoin(item, sa.and_(item.order_id == change.order_id, item.student_id == change.student_id))
        .where(change.student_id == student_id)
        .order_by(change.changed_on, change.recorded_at, change.id)
    ).all()
    out: list[dict[str, str]] = []
    previous: StudentStatus | None = None
    for on, status, kind, number, order_date, reason, group_name in rows:
        if kind is None:
            event = f"Статус: {status.label}"
        elif kind == OrderKind.REINSTATEMENT and previous == StudentStatus.ACADEMIC_LEAVE:
            event = "Выход из академического отпуска"
        else:
            event = _EVENTS[kind]
        if reason:
            event = f"{event}: {reason}"
        out.append(
            {
                "Дата": fmt_date(on),
                "Событие": event,
                "Приказ": f"№ {number} от {fmt_date(order_date)}" if number else "—",
                "Группа": group_name,
            }
        )
        previous = status
    return pd.DataFrame(out, columns=HISTORY_COLUMNS)
