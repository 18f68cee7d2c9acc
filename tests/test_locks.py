"""Period locks (R-4.2.e) and frozen marks (R-4.10.b), in the library and in the database.

Every write path is tried against a locked period twice: through ``netspo_lib.journal``
(refused with ``PeriodLocked`` naming the period, the group and the order) and as raw
SQL (refused by the triggers of ``netspo_lib.triggers``), on SQLite and PostgreSQL, and
the journal's tables are compared before and after.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import db, journal, locks, refusals, triggers
from netspo_lib import models as m
from netspo_lib.access import AccessDenied
from netspo_lib.clock import college_tz, fmt_date, now
from netspo_lib.enums import AttendanceCode, FinalResult, Role
from netspo_lib.errors import NetspoError
from netspo_lib.models import Base

from .world import World, add_lesson, add_teaching, build_world, journal_rows, seed_journal

ORDER = "15-у"
PERIOD_TEXT = "1 семестр 2025/2026"


@dataclass
class J:
    engine: Engine
    w: World
    lesson2: int

    @property
    def teacher(self):  # type: ignore[no-untyped-def]
        return self.w.actors[Role.TEACHER]

    @property
    def engineer(self):  # type: ignore[no-untyped-def]
        return self.w.actors[Role.ENGINEER]


@pytest.fixture
def j(engine: Engine) -> J:
    with db.transaction(engine) as s:
        w = build_world(s)
        lesson2 = seed_journal(s, w)
    return J(engine, w, lesson2)


def lock(j: J, group_id: int | None = None, period_id: int | None = None) -> int:
    with db.transaction(j.engine) as s:
        row = locks.lock_period(
            s,
            j.engineer,
            period_id=period_id or j.w.period_taught,
            group_id=group_id,
            reason="Окончание семестра",
            order_number=ORDER,
        )
        return row.id


def age_unlock(j: J, lock_id: int) -> None:
    """Move a temporary unlock into the past: opened 3 days ago, in force again since
    yesterday (a day's margin keeps the test clear of clock and time zone edges)."""
    with db.transaction(j.engine) as s:
        s.execute(
            sa.update(m.PeriodLock)
            .where(m.PeriodLock.id == lock_id)
            .values(unlocked_at=now() - timedelta(days=3), relock_at=now() - timedelta(days=1))
        )


def state(j: J) -> dict[str, list[tuple]]:
    with db.transaction(j.engine) as s:
        return journal_rows(s)


# --- the library's write paths ----------------------------------------------------------
Write = Callable[[Session, J], Any]

WRITES: dict[str, Write] = {
    "record_lesson": lambda s, j: journal.record_lesson(
        s,
        j.teacher,
        group_id=j.w.group_a,
        curriculum_item_id=j.w.item_taught,
        period_id=j.w.period_taught,
        lesson_date=date(2025, 9, 4),
        pair_number=2,
        topic="Процессы и потоки",
    ),
    "update_lesson_topic": lambda s, j: journal.update_lesson_topic(
        s, j.teacher, lesson_id=j.w.lesson_a, topic="Другая тема"
    ),
    "set_mark (new)": lambda s, j: journal.set_mark(
        s, j.teacher, lesson_id=j.lesson2, student_id=j.w.student_a, value=5
    ),
    "set_mark (change)": lambda s, j: journal.set_mark(
        s, j.teacher, lesson_id=j.w.lesson_a, student_id=j.w.student_a, value=2
    ),
    "delete_mark": lambda s, j: journal.delete_mark(
        s, j.teacher, lesson_id=j.w.lesson_a, student_id=j.w.student_a
    ),
    "set_attendance (new)": lambda s, j: journal.set_attendance(
        s, j.teacher, lesson_id=j.lesson2, student_id=j.w.student_a, code=AttendanceCode.SICK
    ),
    "set_attendance (change)": lambda s, j: journal.set_attendance(
        s, j.teacher, lesson_id=j.w.lesson_a, student_id=j.w.student_a, code=AttendanceCode.EXCUSED
    ),
    "clear_attendance": lambda s, j: journal.clear_attendance(
        s, j.teacher, lesson_id=j.w.lesson_a, student_id=j.w.student_a
    ),
    "set_final_grade": lambda s, j: journal.set_final_grade(
        s,
        j.teacher,
        student_id=j.w.student_a,
        curriculum_item_id=j.w.item_taught,
        period_id=j.w.period_taught,
        result=FinalResult.FIVE,
    ),
}


def test_locked_period_refuses_every_library_write(j: J) -> None:
    """R-4.2.e: the teacher (the only role that writes the journal) is refused on every
    write path; the message names the period, the group and the order."""
    lock(j, group_id=j.w.group_a)
    before = state(j)
    for write, call in WRITES.items():
        with pytest.raises(locks.PeriodLocked) as caught, db.transaction(j.engine) as s:
            call(s, j)
        message = str(caught.value)
        assert f"«{PERIOD_TEXT}»" in message, write
        assert "группы ИСП-25" in message, write
        assert f"приказ № {ORDER}" in message, write
    assert state(j) == before


def test_temporary_unlock_allows_writes_then_the_lock_is_back(j: J) -> None:
    """R-4.2.e: opened until tomorrow, the period takes every write; once ``relock_at``
    has passed, the same lock refuses them again."""
    lock_id = lock(j, group_id=j.w.group_a)
    with db.transaction(j.engine) as s:
        opened = locks.unlock_period(
            s, j.engineer, lock_id=lock_id, reason="Исправление ошибки", until=now() + timedelta(days=1)
        )
        assert opened.relock_at is not None
    for call in WRITES.values():  # in this order they all succeed; the final grade last
        with db.transaction(j.engine) as s:
            assert not locks.is_locked(s, j.w.period_taught, j.w.group_a)
            call(s, j)
    age_unlock(j, lock_id)
    with db.transaction(j.engine) as s:
        assert locks.is_locked(s, j.w.period_taught, j.w.group_a)
    before = state(j)
    for write, call in WRITES.items():
        with pytest.raises(locks.PeriodLocked), db.transaction(j.engine) as s:
            call(s, j)
        assert state(j) == before, write


# --- raw SQL ----------------------------------------------------------------------------
RAW: dict[str, str] = {
    "marks insert": "INSERT INTO marks (lesson_id, student_id, value, weight, work_kind, entered_at, version)"
    " VALUES (:lesson2, :student, 5, 1.0, 'oral', '2025-09-03 10:00:00', 1)",
    "marks update": "UPDATE marks SET value = 2 WHERE lesson_id = :lesson",
    "marks delete": "DELETE FROM marks WHERE lesson_id = :lesson",
    "attendance insert": "INSERT INTO attendance (lesson_id, student_id, code, hours, entered_at, version)"
    " VALUES (:lesson2, :student, 'sick', 2, '2025-09-03 10:00:00', 1)",
    "attendance update": "UPDATE attendance SET hours = 1 WHERE lesson_id = :lesson",
    "attendance delete": "DELETE FROM attendance WHERE lesson_id = :lesson",
    "lessons insert": "INSERT INTO lessons (group_id, curriculum_item_id, period_id, teacher_id, lesson_date,"
    " pair_number, hours, topic, created_at)"
    " VALUES (:group, :item, :period, :teacher, '2025-09-04', 2, 2, 'Тема', '2025-09-04 10:00:00')",
    "lessons topic update": "UPDATE lessons SET topic = 'Другая тема' WHERE id = :lesson",
    "lessons delete": "DELETE FROM lessons WHERE id = :lesson2",
    "final_grades insert": "INSERT INTO final_grades"
    " (student_id, curriculum_item_id, period_id, result, set_at, version)"
    " VALUES (:student, :item, :period, '5', '2025-12-25 10:00:00', 1)",
    "final_grades update": "UPDATE final_grades SET result = '3' WHERE student_id = :student",
    "final_grades delete": "DELETE FROM final_grades WHERE student_id = :student",
}


def raw_params(j: J) -> dict[str, int]:
    return {
        "lesson": j.w.lesson_a,
        "lesson2": j.lesson2,
        "student": j.w.student_a,
        "group": j.w.group_a,
        "item": j.w.item_taught,
        "period": j.w.period_taught,
        "teacher": j.w.teacher_person,
    }


def run_raw(j: J, sql: str, *, commit: bool = True) -> None:
    """Run a statement in a session of its own; without ``commit`` it is rolled back, so
    the statements can be tried one after another on the same rows."""
    used = set(re.findall(r":(\w+)", sql))
    with db.session_factory(j.engine)() as s, s.begin() as tx:
        s.execute(sa.text(sql), {k: v for k, v in raw_params(j).items() if k in used})
        if not commit:
            tx.rollback()


def raw_refusal(j: J, sql: str) -> str | None:
    with pytest.raises(sa.exc.DBAPIError) as caught:
        run_raw(j, sql)
    return refusals.trigger_code(caught.value)


def test_locked_period_refuses_raw_sql(j: J) -> None:
    """The database itself refuses every statement: a script or a console cannot get
    around the lock."""
    lock(j, group_id=j.w.group_a)
    before = state(j)
    for statement, sql in RAW.items():
        assert raw_refusal(j, sql) == "period_locked", statement
    assert state(j) == before


def test_raw_sql_passes_when_the_period_is_open(j: J) -> None:
    """The same statements work without a lock, so the refusals above are the lock's;
    a lock of another group or another period is no obstacle."""
    lock(j, group_id=j.w.group_b)
    lock(j, period_id=j.w.period_other)
    for sql in RAW.values():
        run_raw(j, sql, commit=False)


def test_temporary_unlock_opens_raw_sql_until_relock(j: J) -> None:
    lock_id = lock(j, group_id=None)
    with db.transaction(j.engine) as s:
        locks.unlock_period(
            s, j.engineer, period_id=j.w.period_taught, reason="Исправление", until=now() + timedelta(days=2)
        )
    for sql in RAW.values():
        run_raw(j, sql, commit=False)
    age_unlock(j, lock_id)
    for statement, sql in RAW.items():
        assert raw_refusal(j, sql) == "period_locked", statement
    with db.transaction(j.engine) as s:  # a relocked lock can be opened again
        locks.unlock_period(
            s, j.engineer, lock_id=lock_id, reason="Исправление", until=now() + timedelta(days=2)
        )
    run_raw(j, RAW["marks update"])


def test_lock_for_all_groups_covers_every_group(j: J) -> None:
    lock(j, group_id=None)
    with db.transaction(j.engine) as s:
        add_teaching(s, j.w.teacher_person, j.w.group_b, j.w.item_other, j.w.period_taught)
        assert locks.is_locked(s, j.w.period_taught, j.w.group_a)
        assert locks.is_locked(s, j.w.period_taught, j.w.group_b)
        assert locks.is_locked(s, j.w.period_taught, None)
        assert not locks.is_locked(s, j.w.period_other, j.w.group_a)
    with (
        pytest.raises(locks.PeriodLocked, match="всех групп, в том числе ЭБ-25"),
        db.transaction(j.engine) as s,
    ):
        journal.record_lesson(
            s,
            j.teacher,
            group_id=j.w.group_b,
            curriculum_item_id=j.w.item_other,
            period_id=j.w.period_taught,
            lesson_date=date(2025, 9, 5),
            pair_number=1,
            topic="Тема",
        )


def test_group_lock_leaves_another_group_open(j: J) -> None:
    """A lock of ИСП-25 does not stop ЭБ-25's journal, in the library or the database."""
    lock(j, group_id=j.w.group_a)
    with db.transaction(j.engine) as s:
        add_teaching(s, j.w.teacher_person, j.w.group_b, j.w.item_other, j.w.period_taught)
    with db.transaction(j.engine) as s:
        assert locks.is_locked(s, j.w.period_taught, j.w.group_a)
        assert not locks.is_locked(s, j.w.period_taught, j.w.group_b)
        assert not locks.is_locked(s, j.w.period_taught, None)
        lesson = journal.record_lesson(
            s,
            j.teacher,
            group_id=j.w.group_b,
            curriculum_item_id=j.w.item_other,
            period_id=j.w.period_taught,
            lesson_date=date(2025, 9, 5),
            pair_number=1,
            topic="Тема",
        )
        journal.set_mark(s, j.teacher, lesson_id=lesson.id, student_id=j.w.student_b, value=5)
        s.execute(sa.text("UPDATE marks SET value = 4 WHERE lesson_id = :l"), {"l": lesson.id})
        journal.set_final_grade(
            s,
            j.teacher,
            student_id=j.w.student_b,
            curriculum_item_id=j.w.item_other,
            period_id=j.w.period_taught,
            result="4",
        )


def test_permanent_unlock_opens_the_period(j: J) -> None:
    lock(j, group_id=j.w.group_a)
    with db.transaction(j.engine) as s:
        row = locks.unlock_period(
            s, j.engineer, period_id=j.w.period_taught, group_id=j.w.group_a, reason="Ошибка приказа"
        )
        assert row.unlocked_at is not None and row.relock_at is None
    run_raw(j, RAW["marks update"])
    with db.transaction(j.engine) as s:
        journal.set_mark(s, j.teacher, lesson_id=j.w.lesson_a, student_id=j.w.student_a, value=3)
        assert not locks.is_locked(s, j.w.period_taught, j.w.group_a)
        with pytest.raises(NetspoError, match="уже открыт"):
            locks.unlock_period(s, j.engineer, lock_id=row.id, reason="Ещё раз")


def test_is_locked_at_a_past_moment(j: J) -> None:
    lock_id = lock(j, group_id=None)
    with db.transaction(j.engine) as s:
        row = s.get(m.PeriodLock, lock_id)
        assert row is not None
        row.locked_at = now() - timedelta(days=2)
        s.flush()
        locks.unlock_period(s, j.engineer, lock_id=lock_id, reason="Исправление")
        assert locks.is_locked(s, j.w.period_taught, j.w.group_a, at=row.locked_at)
        assert not locks.is_locked(s, j.w.period_taught, j.w.group_a, at=row.locked_at - timedelta(seconds=1))
        assert not locks.is_locked(s, j.w.period_taught, j.w.group_a, at=now() + timedelta(hours=1))


# --- who may lock -----------------------------------------------------------------------
def test_only_the_engineer_may_lock_and_unlock(j: J) -> None:
    """R-4.2.e: locking and unlocking are the engineer's (Action.PERIOD_LOCK/UNLOCK)."""
    lock_id = lock(j, group_id=j.w.group_a)
    for role, actor in j.w.actors.items():
        if role == Role.ENGINEER:
            continue
        with db.transaction(j.engine) as s:
            with pytest.raises(AccessDenied) as denied:
                locks.lock_period(
                    s, actor, period_id=j.w.period_other, reason="Окончание семестра", order_number="1"
                )
            assert str(denied.value).startswith(f"Недостаточно прав: у пользователя {actor.login}")
            assert "«закрытие периода»" in str(denied.value)
            with pytest.raises(AccessDenied, match="«открытие закрытого периода»"):
                locks.unlock_period(s, actor, lock_id=lock_id, reason="Исправление")
    with db.transaction(j.engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(m.PeriodLock)) == 1
        assert locks.is_locked(s, j.w.period_taught, j.w.group_a)
        with pytest.raises(AccessDenied, match="неавторизованного"):
            locks.lock_period(s, None, period_id=j.w.period_other, reason="x", order_number="1")


def test_lock_and_unlock_input_is_checked(j: J) -> None:
    lock_id = lock(j, group_id=None)
    eng = j.engineer
    with db.transaction(j.engine) as s:
        with pytest.raises(NetspoError, match="уже закрыт для всех групп"):
            locks.lock_period(
                s, eng, period_id=j.w.period_taught, group_id=j.w.group_a, reason="x", order_number="1"
            )
        with pytest.raises(NetspoError, match="Укажите причину закрытия"):
            locks.lock_period(s, eng, period_id=j.w.period_other, reason="  ", order_number="1")
        with pytest.raises(NetspoError, match="номер приказа"):
            locks.lock_period(s, eng, period_id=j.w.period_other, reason="Конец", order_number="")
        with pytest.raises(NetspoError, match="Учебный период не найден"):
            locks.lock_period(s, eng, period_id=999_999, reason="Конец", order_number="1")
        with pytest.raises(AccessDenied, match="ЧУЖ-25"):  # another college's group
            locks.lock_period(
                s, eng, period_id=j.w.period_other, group_id=j.w.group_foreign, reason="x", order_number="1"
            )
        with pytest.raises(NetspoError, match="Укажите причину открытия"):
            locks.unlock_period(s, eng, lock_id=lock_id, reason="")
        with pytest.raises(NetspoError, match="до момента в будущем"):
            locks.unlock_period(s, eng, lock_id=lock_id, reason="x", until=now() - timedelta(hours=1))
        with pytest.raises(NetspoError, match=r"не закрыт для группы ИСП-25"):
            locks.unlock_period(s, eng, period_id=j.w.period_taught, group_id=j.w.group_a, reason="x")
        with pytest.raises(NetspoError, match="Укажите, какой период"):
            locks.unlock_period(s, eng, reason="x")
        assert s.scalar(sa.select(sa.func.count()).select_from(m.PeriodLock)) == 1


def test_lock_and_unlock_are_audited(j: J) -> None:
    lock_id = lock(j, group_id=j.w.group_a)
    with db.transaction(j.engine) as s:
        locks.unlock_period(
            s, j.engineer, lock_id=lock_id, reason="Исправление оценки", until=now() + timedelta(days=1)
        )
    with db.transaction(j.engine) as s:
        events = s.scalars(sa.select(m.AuditEvent).order_by(m.AuditEvent.id)).all()
    assert [(e.action, e.entity, e.entity_id, e.group_id) for e in events] == [
        ("period.lock", "period_locks", lock_id, j.w.group_a),
        ("period.unlock", "period_locks", lock_id, j.w.group_a),
    ]
    locked, unlocked = events
    assert locked.before is None and locked.after is not None
    assert locked.after["order_number"] == ORDER and locked.reason == "Окончание семестра"
    assert locked.actor_id == j.engineer.account_id
    assert unlocked.before is not None and unlocked.after is not None
    assert unlocked.before["unlocked_at"] is None and unlocked.after["unlocked_at"] is not None
    assert unlocked.after["relock_at"] is not None and unlocked.reason == "Исправление оценки"


def test_lock_status_lists_the_locks_in_russian(j: J) -> None:
    first = lock(j, group_id=j.w.group_a)
    lock(j, group_id=None, period_id=j.w.period_other)
    with db.transaction(j.engine) as s:
        until = now() + timedelta(days=1)
        locks.unlock_period(s, j.engineer, lock_id=first, reason="Исправление", until=until)
        table = locks.lock_status(s, j.w.actors[Role.TEACHER])
        only_first = locks.lock_status(s, j.engineer, period_id=j.w.period_taught)
    assert list(table.columns) == locks.LOCK_COLUMNS
    assert len(table) == 2 and len(only_first) == 1
    row = only_first.iloc[0]
    assert row["Период"] == f"{PERIOD_TEXT} (01.09.2025–28.12.2025)"
    assert row["Группа"] == "ИСП-25"
    assert row["Приказ"] == ORDER
    assert row["Состояние"] == f"временно открыт до {until:%d.%m.%Y %H:%M}"
    assert row["Закрыт"].startswith(fmt_date(now()))
    assert row["Причина открытия"] == "Исправление"
    second = table[table["Группа"] == "все группы"].iloc[0]
    assert second["Состояние"] == "закрыт" and second["Открыт"] == ""
    with db.transaction(j.engine) as s, pytest.raises(AccessDenied):
        locks.lock_status(s, None)


# --- frozen marks (R-4.10.b) ------------------------------------------------------------
def set_final(j: J, result: FinalResult = FinalResult.FOUR) -> None:
    with db.transaction(j.engine) as s:
        journal.set_final_grade(
            s,
            j.teacher,
            student_id=j.w.student_a,
            curriculum_item_id=j.w.item_taught,
            period_id=j.w.period_taught,
            result=result,
        )


def test_marks_are_frozen_once_the_final_grade_is_set(j: J) -> None:
    set_final(j)
    before = state(j)
    frozen = ["set_mark (new)", "set_mark (change)", "delete_mark"]
    for write in frozen:
        with pytest.raises(locks.MarksFrozen) as caught, db.transaction(j.engine) as s:
            WRITES[write](s, j)
        assert "Итоговая оценка студенту Сидорова М.И." in str(caught.value)
        assert "ОП.01" in str(caught.value)
    for statement in ("marks insert", "marks update", "marks delete"):
        assert raw_refusal(j, RAW[statement]) == "marks_frozen"
    assert state(j) == before
    # The final grade itself, attendance and topics stay open while the period is.
    set_final(j, FinalResult.FIVE)
    for write in ("set_attendance (change)", "update_lesson_topic"):
        with db.transaction(j.engine) as s:
            WRITES[write](s, j)


def test_frozen_marks_are_only_that_students_of_that_discipline(j: J) -> None:
    set_final(j)
    with db.transaction(j.engine) as s:
        other_item_lesson = add_lesson(
            s,
            group_id=j.w.group_a,
            item_id=j.w.item_other,
            period_id=j.w.period_taught,
            teacher_person=j.w.other_teacher_person,
            day=date(2025, 9, 8),
        )
        other_period_lesson = add_lesson(
            s,
            group_id=j.w.group_a,
            item_id=j.w.item_taught,
            period_id=j.w.period_other,
            teacher_person=j.w.teacher_person,
            day=date(2026, 2, 2),
        )
    insert = (
        "INSERT INTO marks (lesson_id, student_id, value, weight, work_kind, entered_at, version)"
        " VALUES (:l, :s, 5, 1.0, 'oral', '2025-09-08 10:00:00', 1)"
    )
    with db.transaction(j.engine) as s:
        # ОП.02 has its own final grade in the seed: its marks are frozen, ОП.01's of
        # another period are not.
        s.execute(sa.text(insert), {"l": other_period_lesson, "s": j.w.student_a})
    with pytest.raises(sa.exc.DBAPIError) as caught, db.transaction(j.engine) as s:
        s.execute(sa.text(insert), {"l": other_item_lesson, "s": j.w.student_a})
    assert refusals.trigger_code(caught.value) == "marks_frozen"


def test_a_lock_outranks_frozen_marks(j: J) -> None:
    set_final(j)
    lock(j, group_id=None)
    with pytest.raises(locks.PeriodLocked), db.transaction(j.engine) as s:
        WRITES["set_mark (change)"](s, j)
    assert raw_refusal(j, RAW["marks update"]) == "period_locked"


# --- the database side ------------------------------------------------------------------
def test_refusals_explain_trigger_errors_in_russian(j: J) -> None:
    lock(j, group_id=j.w.group_a)
    with pytest.raises(sa.exc.DBAPIError) as caught:
        run_raw(j, RAW["marks update"])
    assert refusals.explain_db_error(caught.value) == refusals.TRIGGER_MESSAGES["period_locked"]
    assert refusals.explain_db_error(caught.value).startswith("Период закрыт для изменений")
    assert isinstance(refusals.refused(caught.value), locks.PeriodLocked)
    if j.engine.dialect.name == "sqlite":
        assert isinstance(caught.value, sa.exc.IntegrityError)
        assert refusals.explain(caught.value) == refusals.TRIGGER_MESSAGES["period_locked"]


def test_create_all_installs_every_trigger(engine: Engine) -> None:
    with engine.connect() as conn:
        assert triggers.installed(conn) == set(triggers.trigger_names(engine.dialect.name))


def test_migrations_install_every_trigger_and_downgrade_removes_them(empty_engine: Engine) -> None:
    """Head has them all (a later SQLite batch migration that rebuilds a guarded table
    must call triggers.install again)."""
    from alembic import command

    db.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert triggers.installed(conn) == set(triggers.trigger_names(empty_engine.dialect.name))
    command.downgrade(db.alembic_config(empty_engine), "0002")
    with empty_engine.connect() as conn:
        assert triggers.installed(conn) == set()
    db.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert len(triggers.installed(conn)) == len(triggers.trigger_names(empty_engine.dialect.name))


def test_postgresql_sessions_run_on_college_time(pg_schema_engine: Engine) -> None:
    """LOCALTIMESTAMP, which the triggers compare with relock_at, is the college's clock;
    the caller's connect options (the tests' search_path) are kept."""
    with pg_schema_engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW timezone").scalar() == college_tz().key
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
        db_now = conn.exec_driver_sql("SELECT LOCALTIMESTAMP").scalar()
    assert abs((db_now - now()).total_seconds()) < 120


def test_caller_time_zone_wins() -> None:
    args = db._with_college_timezone({"options": "-c timezone=UTC"})
    assert args["options"] == "-c timezone=UTC"
    assert db._with_college_timezone({})["options"] == f"-c timezone={college_tz().key}"


def test_drop_all_removes_triggers(engine: Engine) -> None:
    Base.metadata.drop_all(engine)
    with engine.connect() as conn:
        assert triggers.installed(conn) == set()
    Base.metadata.create_all(engine)  # the PostgreSQL schema is shared by the session
