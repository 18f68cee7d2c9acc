"""The audit trail: every journal and lock change leaves an event with the values before
and after (R-4.2.e, R-4.10.a/b/d); events can be neither changed nor deleted, even with raw
SQL; the «Журнал изменений» query answers within the reader's scope (Action.AUDIT_READ).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from netspo_lib import audit, db, journal, locks, refusals
from netspo_lib import models as m
from netspo_lib.access import AccessDenied, Actor
from netspo_lib.clock import fmt_date, now
from netspo_lib.enums import Role
from netspo_lib.errors import NetspoError

from .world import World, build_world, seed_journal


@dataclass
class J:
    engine: Engine
    w: World
    lesson2: int

    @property
    def teacher(self) -> Actor:
        return self.w.actors[Role.TEACHER]


@pytest.fixture
def j(engine: Engine) -> J:
    with db.transaction(engine) as s:
        w = build_world(s)
        lesson2 = seed_journal(s, w)
    return J(engine, w, lesson2)


def make_changes(j: J) -> int:
    """One of every change the library audits; returns the new lesson's id."""
    t, w = j.teacher, j.w
    with db.transaction(j.engine) as s:
        lesson = journal.record_lesson(
            s,
            t,
            group_id=w.group_a,
            curriculum_item_id=w.item_taught,
            period_id=w.period_taught,
            lesson_date=date(2025, 9, 9),
            pair_number=2,
            topic="Процессы",
        )
        journal.update_lesson_topic(s, t, lesson_id=lesson.id, topic="Процессы и потоки", reason="опечатка")
        journal.set_mark(s, t, lesson_id=lesson.id, student_id=w.student_a, value=4)
        journal.set_mark(s, t, lesson_id=lesson.id, student_id=w.student_a, value=5, reason="пересдача")
        journal.delete_mark(s, t, lesson_id=lesson.id, student_id=w.student_a)
        journal.set_attendance(s, t, lesson_id=lesson.id, student_id=w.student_a, code="НП")
        journal.set_attendance(s, t, lesson_id=lesson.id, student_id=w.student_a, code="Б", reason="справка")
        journal.clear_attendance(s, t, lesson_id=lesson.id, student_id=w.student_a)
        kw = {"student_id": w.student_a, "curriculum_item_id": w.item_taught, "period_id": w.period_taught}
        journal.set_final_grade(s, t, **kw, result="4")
        journal.set_final_grade(s, t, **kw, result="5")
        lock = locks.lock_period(
            s,
            w.actors[Role.ENGINEER],
            period_id=w.period_taught,
            reason="Конец семестра",
            order_number="15-у",
        )
        locks.unlock_period(
            s, w.actors[Role.ENGINEER], lock_id=lock.id, reason="Исправление", until=now() + timedelta(days=1)
        )
        return lesson.id


def test_every_change_appends_an_event_with_before_and_after(j: J) -> None:
    lesson_id = make_changes(j)
    with db.transaction(j.engine) as s:
        events = s.scalars(sa.select(m.AuditEvent).order_by(m.AuditEvent.id)).all()
    w = j.w
    assert [(e.action, e.entity, e.group_id, e.student_id) for e in events] == [
        ("lesson.create", "lessons", w.group_a, None),
        ("lesson.update", "lessons", w.group_a, None),
        ("mark.create", "marks", w.group_a, w.student_a),
        ("mark.update", "marks", w.group_a, w.student_a),
        ("mark.delete", "marks", w.group_a, w.student_a),
        ("attendance.create", "attendance", w.group_a, w.student_a),
        ("attendance.update", "attendance", w.group_a, w.student_a),
        ("attendance.delete", "attendance", w.group_a, w.student_a),
        ("final_grade.create", "final_grades", w.group_a, w.student_a),
        ("final_grade.update", "final_grades", w.group_a, w.student_a),
        ("period.lock", "period_locks", None, None),
        ("period.unlock", "period_locks", None, None),
    ]
    by_action = {e.action: e for e in events}
    assert all(e.actor_id is not None for e in events)
    assert all(abs((e.at - now()).total_seconds()) < 120 for e in events)
    created = by_action["lesson.create"]
    assert created.entity_id == lesson_id and created.before is None
    assert created.after is not None and created.after["topic"] == "Процессы"
    assert created.after["lesson_date"] == "2025-09-09"
    topic = by_action["lesson.update"]
    assert (topic.before, topic.after, topic.reason) == (
        {"topic": "Процессы"},
        {"topic": "Процессы и потоки"},
        "опечатка",
    )
    mark_update = by_action["mark.update"]
    assert mark_update.before is not None and mark_update.after is not None
    assert (mark_update.before["value"], mark_update.after["value"]) == (4, 5)
    assert (mark_update.before["version"], mark_update.after["version"]) == (1, 2)
    assert mark_update.reason == "пересдача"
    mark_delete = by_action["mark.delete"]
    assert mark_delete.after is None and mark_delete.before is not None and mark_delete.before["value"] == 5
    attendance = by_action["attendance.update"]
    assert attendance.before is not None and attendance.after is not None
    assert (attendance.before["code"], attendance.after["code"]) == ("unexcused", "sick")
    grade = by_action["final_grade.update"]
    assert grade.before is not None and grade.after is not None
    assert (grade.before["result"], grade.after["result"]) == ("4", "5")
    assert by_action["final_grade.create"].before is None


def test_nothing_changed_leaves_no_event(j: J) -> None:
    with db.transaction(j.engine) as s:
        journal.set_mark(s, j.teacher, lesson_id=j.w.lesson_a, student_id=j.w.student_a, value=4)
        journal.update_lesson_topic(s, j.teacher, lesson_id=j.w.lesson_a, topic="Введение")
        assert not journal.clear_attendance(s, j.teacher, lesson_id=j.lesson2, student_id=j.w.student_a)
        assert s.scalar(sa.select(sa.func.count()).select_from(m.AuditEvent)) == 0


def test_refused_writes_leave_no_event(j: J) -> None:
    with db.transaction(j.engine) as s:
        locks.lock_period(
            s, j.w.actors[Role.ENGINEER], period_id=j.w.period_taught, reason="Конец", order_number="1"
        )
    with pytest.raises(locks.PeriodLocked), db.transaction(j.engine) as s:
        journal.set_mark(s, j.teacher, lesson_id=j.w.lesson_a, student_id=j.w.student_a, value=5)
    with pytest.raises(AccessDenied), db.transaction(j.engine) as s:
        journal.set_mark(
            s, j.w.actors[Role.CURATOR], lesson_id=j.w.lesson_a, student_id=j.w.student_a, value=5
        )
    with db.transaction(j.engine) as s:
        assert s.scalars(sa.select(m.AuditEvent.action)).all() == ["period.lock"]


# --- immutability -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_events SET reason = 'подчищено'",
        "UPDATE audit_events SET after = NULL WHERE action = 'mark.update'",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE action = 'mark.delete'",
    ],
)
def test_audit_events_cannot_be_changed_or_deleted_with_raw_sql(j: J, sql: str) -> None:
    make_changes(j)
    with db.transaction(j.engine) as s:
        before = [tuple(r) for r in s.execute(sa.select(m.AuditEvent.__table__).order_by(m.AuditEvent.id))]
    with pytest.raises(sa.exc.DBAPIError) as caught, db.transaction(j.engine) as s:
        s.execute(sa.text(sql))
    assert refusals.trigger_code(caught.value) == "audit_immutable"
    assert refusals.explain_db_error(caught.value) == refusals.TRIGGER_MESSAGES["audit_immutable"]
    with db.transaction(j.engine) as s:
        after = [tuple(r) for r in s.execute(sa.select(m.AuditEvent.__table__).order_by(m.AuditEvent.id))]
    assert after == before and len(after) == 12


def test_audit_events_cannot_be_changed_through_the_orm_or_truncated(j: J) -> None:
    make_changes(j)
    with pytest.raises(sa.exc.DBAPIError), db.transaction(j.engine) as s:
        event = s.scalars(sa.select(m.AuditEvent)).first()
        assert event is not None
        s.delete(event)
        s.flush()
    if j.engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError) as caught, db.transaction(j.engine) as s:
            s.execute(sa.text("TRUNCATE audit_events"))
        assert refusals.trigger_code(caught.value) == "audit_immutable"
    with db.transaction(j.engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(m.AuditEvent)) == 12
        # appending stays open
        audit.record(s, None, "test.append", "marks", None)


# --- the «Журнал изменений» query -------------------------------------------------------
def test_curator_reads_the_trail_of_the_own_group(j: J) -> None:
    make_changes(j)
    with db.transaction(j.engine) as s:
        table = audit.events(s, j.w.actors[Role.CURATOR], group_id=j.w.group_a)
    assert list(table.columns) == ["Когда", "Кто", "Действие", "Объект", "Было", "Стало", "Причина"]
    assert len(table) == 10  # the lock was for all groups: it is not one group's event
    first = table.iloc[-1]  # newest first: the lesson's creation is last
    assert first["Действие"] == "занятие записано"
    assert first["Кто"] == "Петрова А.И. (u_teacher)"
    assert first["Когда"].startswith(fmt_date(now()))
    assert first["Объект"] == "Занятие: ИСП-25, ОП.01, занятие 09.09.2025, пара 2"
    assert "тема: Процессы" in first["Стало"] and "дата: 09.09.2025" in first["Стало"]
    assert first["Было"] == ""
    rows = {r["Действие"]: r for _, r in table.iterrows()}
    mark = rows["отметка изменена"]
    assert (mark["Было"], mark["Стало"], mark["Причина"]) == ("отметка: 4", "отметка: 5", "пересдача")
    assert mark["Объект"] == "Отметка: Сидорова М.И., ИСП-25, ОП.01, занятие 09.09.2025, пара 2"
    assert rows["посещаемость изменена"]["Стало"] == "посещаемость: Б"
    assert rows["итоговая оценка изменена"]["Было"] == "итоговая оценка: 4"
    assert (
        rows["итоговая оценка изменена"]["Объект"]
        == "Итоговая оценка: Сидорова М.И., ИСП-25, ОП.01, 1 семестр 2025/2026"
    )
    assert rows["тема занятия изменена"]["Было"] == "тема: Процессы"
    assert rows["отметка удалена"]["Стало"] == ""


def test_curator_cannot_read_another_groups_trail(j: J) -> None:
    make_changes(j)
    curator = j.w.actors[Role.CURATOR]
    with db.transaction(j.engine) as s:
        with pytest.raises(AccessDenied, match="«просмотр журнала изменений» \\(группа ЭБ-25\\)"):
            audit.events(s, curator, group_id=j.w.group_b)
        with pytest.raises(AccessDenied, match=re.escape("(студент Борисов И.И.)")):
            audit.events(s, curator, student_id=j.w.student_b)
        with pytest.raises(AccessDenied, match="по всему колледжу"):
            audit.events(s, curator, account_id=j.teacher.account_id)
        with pytest.raises(AccessDenied):
            audit.events(s, curator)
        with pytest.raises(AccessDenied):
            audit.events(s, j.teacher, group_id=j.w.group_a)  # teachers have no audit right
        with pytest.raises(AccessDenied):
            audit.events(s, None, group_id=j.w.group_a)
        assert len(audit.events(s, curator, student_id=j.w.student_a)) == 8


def test_college_readers_filter_by_account_and_time(j: J) -> None:
    make_changes(j)
    with db.transaction(j.engine) as s:
        audit.record(s, None, "mark.update", "marks", None, group_id=j.w.group_foreign)  # another college
        deputy = j.w.actors[Role.DEPUTY_DIRECTOR]
        everything = audit.events(s, deputy)
        assert len(everything) == 12  # the other college's event is not shown
        engineer_changes = audit.events(s, deputy, account_id=j.w.actors[Role.ENGINEER].account_id)
        assert list(engineer_changes["Действие"]) == ["период открыт", "период закрыт"]
        assert list(engineer_changes["Объект"]) == ["Закрытие периода: все группы, 1 семестр 2025/2026"] * 2
        opened = engineer_changes.iloc[0]
        assert "открыт: —" in opened["Было"] and "снова закрыт с:" in opened["Стало"]
        assert opened["Причина"] == "Исправление"
        assert len(audit.events(s, deputy, since=now().date() + timedelta(days=1))) == 0
        assert len(audit.events(s, deputy, until=now().date())) == 12
        assert len(audit.events(s, deputy, until=now() - timedelta(days=1))) == 0
        assert len(audit.events(s, deputy, limit=3)) == 3
        with pytest.raises(NetspoError, match="Число записей"):
            audit.events(s, deputy, limit=0)
        head = j.w.actors[Role.DEPARTMENT_HEAD]
        assert len(audit.events(s, head, group_id=j.w.group_a)) == 10
        with pytest.raises(AccessDenied):
            audit.events(s, head, group_id=j.w.group_b)


def test_every_recorded_action_has_a_russian_label(j: J) -> None:
    make_changes(j)
    with db.transaction(j.engine) as s:
        actions = set(s.scalars(sa.select(m.AuditEvent.action)))
    assert actions <= set(audit.ACTION_LABELS)
    assert audit.action_label("something.else") == "something.else"


def test_every_action_named_in_the_code_has_a_russian_label() -> None:
    """The «Журнал изменений» names each verb in Russian: every literal action passed to
    ``audit.record`` anywhere in the library has a label in ``audit.ACTION_LABELS``."""
    import ast
    from pathlib import Path

    import netspo_lib

    found: set[str] = set()
    for path in Path(netspo_lib.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute | ast.Name)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "record"
                and len(node.args) >= 3
                and isinstance(node.args[2], ast.Constant)
                and isinstance(node.args[2].value, str)
            ):
                found.add(node.args[2].value)
    assert len(found) > 10
    assert sorted(found - set(audit.ACTION_LABELS)) == []
