"""The final-grade summaries (netspo_lib.grade_summaries, issue 8) always equal what the
final grades say: after the demo build, after every kind of write to final grades (insert
one at a time and in bulk, a change of result, a grade moved to another student,
curriculum item or period, delete) and to students (a transfer, a leaving set, moved or
cleared), on SQLite and PostgreSQL; a refused write leaves them as they were; the
migrations create and fill them and their triggers; and the performance dashboards answer
the same from the summaries and from the final grades themselves, also after such writes
and after a change of a period's end."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from netspo_lib import grade_summaries, summaries
from netspo_lib import models as m
from netspo_lib.enums import FinalResult

from .rebuilt import assert_as_rebuilt, lock_period, table_rows

TABLES = (grade_summaries.STUDENTS, grade_summaries.GROUPS, grade_summaries.CELLS)
RESULTS = [r.value for r in FinalResult]
fg = m.FinalGrade.__table__
st = m.Student.__table__


def _rows(conn: Connection) -> dict[str, set[tuple]]:
    return table_rows(conn, TABLES)


def assert_current(conn: Connection) -> None:
    """The maintained summaries equal a rebuild from the final grades."""
    assert_as_rebuilt(conn, TABLES, grade_summaries.rebuild)


@contextmanager
def _statements(engine: Engine | Connection) -> Iterator[list[str]]:
    """The SQL statements run meanwhile."""
    seen: list[str] = []
    target = engine.engine if isinstance(engine, Connection) else engine

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(target, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(target, "before_cursor_execute", record)


def _dashboard_calls(session: Session) -> list[Callable[[], pd.DataFrame]]:
    """Every performance query of the dashboards at the college, a department and a group:
    performance_by (every ``by``), performance_trend (every ``by``), the heat map, and the
    drill-downs."""
    from netspo_lib.access import load_actor
    from netspo_lib.reports import analytics as an

    actor = load_actor(session, "zamdir")
    periods = session.scalars(sa.select(fg.c.period_id).distinct().order_by(fg.c.period_id)).all()
    department = session.scalar(sa.select(m.Department.id).order_by(m.Department.id))
    group = session.scalar(
        sa.select(st.c.group_id).group_by(st.c.group_id).order_by(sa.func.count().desc(), st.c.group_id)
    )
    scopes: list[dict[str, Any]] = [{}, dict(department_id=department), dict(group_id=group)]
    calls = []
    for scope in scopes:
        for period in periods:
            for by in an.DIMENSIONS:
                calls.append(
                    lambda p=period, b=by, s=scope: an.performance_by(session, actor, period_id=p, by=b, **s)
                )
            calls.append(lambda p=period, s=scope: an.discipline_matrix(session, actor, period_id=p, **s))
        for by in an.TREND_DIMENSIONS:
            calls.append(lambda b=by, s=scope: an.performance_trend(session, actor, by=b, **s))
    return calls


def assert_same_answers(session: Session) -> int:
    """Every dashboard call answers the same from the summaries and from the final grades;
    the first reads the summaries, the second does not. Returns the non-empty answers."""
    checked = 0
    bind = session.get_bind()
    for call in _dashboard_calls(session):
        with _statements(bind) as fast_sql:
            fast = call()
        with summaries.bypass(), _statements(bind) as plain_sql:
            plain = call()
        pd.testing.assert_frame_equal(fast, plain, check_dtype=False)
        kept = [s for s in fast_sql if any(t in s for t in TABLES)]
        assert kept and not [s for s in plain_sql if any(t in s for t in TABLES)]
        checked += int(not fast.empty)
    return checked


def _in_transaction(conn: Connection) -> Session:
    return Session(bind=conn, join_transaction_mode="create_savepoint")


def test_the_demo_build_leaves_the_summaries_current(demo_college) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, _built = demo_college
    with engine.connect() as conn:
        counts = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in TABLES}
        assert all(counts.values())
        assert_current(conn)
        assert grade_summaries.installed(conn) == set(grade_summaries.trigger_names(conn.dialect.name))


def test_the_dashboards_answer_the_same_from_the_summaries_and_the_grades(demo_college) -> None:  # type: ignore[no-untyped-def]
    """Issue 8: results stay identical to the straightforward computation (final grades
    joined to students and periods) for every performance query of the dashboards."""
    _backend, engine, _built = demo_college
    with Session(engine) as session:
        calls = len(_dashboard_calls(session))
        checked = assert_same_answers(session)
    assert checked >= calls * 2 // 3  # the comparisons are of real answers


def test_every_kind_of_write_keeps_the_summaries_current(demo_college) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, _built = demo_college
    rnd = random.Random(8)
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.execute(sa.delete(m.PeriodLock))  # the writes below are not about locks
            students = conn.execute(sa.select(st.c.id, st.c.group_id).order_by(st.c.id)).all()
            groups = sorted({g for _s, g in students})
            items = list(conn.scalars(sa.select(m.CurriculumItem.id).order_by(m.CurriculumItem.id)))
            periods = list(conn.scalars(sa.select(fg.c.period_id).distinct().order_by(fg.c.period_id)))
            taken = {
                tuple(r)
                for r in conn.execute(sa.select(fg.c.student_id, fg.c.curriculum_item_id, fg.c.period_id))
            }

            def new_grades(count: int, student: int | None = None, period: int | None = None) -> list[dict]:
                rows: list[dict] = []
                while len(rows) < count:
                    key = (
                        student or rnd.choice(students)[0],
                        rnd.choice(items[:12]),
                        period or rnd.choice(periods),
                    )
                    if key in taken:
                        continue
                    taken.add(key)
                    rows.append(
                        dict(student_id=key[0], curriculum_item_id=key[1], period_id=key[2],
                             result=rnd.choice(RESULTS), set_at=datetime(2025, 12, 20), version=1)
                    )  # fmt: skip
                return rows

            def ids() -> list[int]:
                return list(conn.scalars(sa.select(fg.c.id).order_by(fg.c.id)))

            # One grade at a time, and a bulk insert of many rows in one statement (several
            # of one student and period, several in one cell).
            for row in new_grades(5):
                conn.execute(fg.insert().values(**row))
            assert_current(conn)
            bulk = new_grades(30) + new_grades(6, student=students[3][0], period=periods[0])
            conn.execute(fg.insert(), bulk)
            conn.exec_driver_sql(
                "INSERT INTO final_grades"
                " (student_id, curriculum_item_id, period_id, result, set_at, version)"
                f" VALUES ({students[5][0]}, {items[-1]}, {periods[-1]}, '4', '2025-12-20 10:00:00', 1)"
            )
            assert_current(conn)
            # Changes of result: row by row, one statement over many rows, raw SQL; a
            # version bump alone changes nothing.
            for gid in rnd.sample(ids(), 10):
                conn.execute(fg.update().where(fg.c.id == gid).values(result=rnd.choice(RESULTS)))
            conn.execute(fg.update().where(fg.c.id.in_(rnd.sample(ids(), 60))).values(result="3"))
            conn.exec_driver_sql(
                "UPDATE final_grades SET result = CASE WHEN result = '5' THEN '4' ELSE '5' END"
                f" WHERE period_id = {periods[0]} AND student_id IN ({students[0][0]}, {students[1][0]})"
            )
            conn.execute(fg.update().where(fg.c.id.in_(ids()[:20])).values(version=fg.c.version + 1))
            assert_current(conn)
            # A grade moved to another student (of another group), curriculum item, period.
            choices = {
                "student_id": [s for s, _g in students],
                "curriculum_item_id": items[:12],
                "period_id": periods,
            }
            for gid in rnd.sample(ids(), 9):
                key = list(conn.execute(sa.select(fg.c.student_id, fg.c.curriculum_item_id, fg.c.period_id)
                                        .where(fg.c.id == gid)).one())  # fmt: skip
                n, field = rnd.choice(list(enumerate(choices)))
                value = next(v for v in rnd.sample(choices[field], len(choices[field]))
                             if (*key[:n], v, *key[n + 1:]) not in taken)  # fmt: skip
                taken.add((*key[:n], value, *key[n + 1 :]))
                conn.execute(fg.update().where(fg.c.id == gid).values({field: value}))
            # Many grades of one student and period moved to another period in one statement.
            one = conn.execute(sa.select(fg.c.student_id, fg.c.period_id).order_by(fg.c.id)).first()
            assert one is not None
            free_period = next(
                p
                for p in conn.scalars(sa.select(m.StudyPeriod.id).order_by(m.StudyPeriod.id))
                if not conn.scalar(
                    sa.select(sa.func.count()).where(fg.c.student_id == one[0], fg.c.period_id == p)
                )
            )
            conn.execute(
                fg.update()
                .where(fg.c.student_id == one[0], fg.c.period_id == one[1])
                .values(period_id=free_period)
            )
            assert_current(conn)
            # Deletes: one by one and in bulk.
            for gid in rnd.sample(ids(), 10):
                conn.execute(fg.delete().where(fg.c.id == gid))
            conn.execute(fg.delete().where(fg.c.id.in_(rnd.sample(ids(), 80))))
            assert_current(conn)
            # Students: a transfer, several transferred in one statement, a leaving set
            # (before one period's end, after another's), moved, cleared; a change of both in
            # one statement; a change of the address alone.
            moving = rnd.sample([s for s, _g in students], 8)
            other = {s: next(g for g in groups if g != gs) for s, gs in students}
            conn.execute(st.update().where(st.c.id == moving[0]).values(group_id=other[moving[0]]))
            conn.execute(st.update().where(st.c.id.in_(moving[1:4])).values(group_id=groups[-1]))
            assert_current(conn)
            ends = sorted(conn.scalars(sa.select(m.StudyPeriod.ends_on)))
            conn.execute(st.update().where(st.c.id == moving[4]).values(left_on=ends[0] - timedelta(days=3)))
            conn.execute(
                st.update().where(st.c.id.in_(moving[5:8])).values(left_on=ends[0] + timedelta(days=3))
            )
            assert_current(conn)
            conn.execute(st.update().where(st.c.id == moving[5]).values(left_on=ends[-1] + timedelta(days=1)))
            conn.execute(st.update().where(st.c.id == moving[6]).values(left_on=None))
            conn.execute(
                st.update()
                .where(st.c.id.in_(moving[:2]))
                .values(group_id=groups[0], left_on=ends[0] - timedelta(days=1))
            )
            conn.execute(st.update().where(st.c.id.in_(moving)).values(address="Новый адрес"))
            assert_current(conn)
            # Grades of students who left: added, changed, removed.
            conn.execute(fg.insert(), new_grades(3, student=moving[4]))
            conn.execute(fg.update().where(fg.c.student_id == moving[5]).values(result="2"))
            conn.execute(fg.delete().where(fg.c.student_id == moving[7]))
            assert_current(conn)
            with _in_transaction(conn) as session:
                assert assert_same_answers(session)
            # A period's end moved before and after the leavings: the summaries need no
            # change, the dashboards still answer the same.
            for shift in (-10, 10):
                conn.execute(
                    sa.update(m.StudyPeriod)
                    .where(m.StudyPeriod.ends_on == ends[0])
                    .values(ends_on=ends[0] + timedelta(days=shift))
                )
                assert_current(conn)
                with _in_transaction(conn) as session:
                    assert assert_same_answers(session)
                conn.execute(
                    sa.update(m.StudyPeriod)
                    .where(m.StudyPeriod.ends_on == ends[0] + timedelta(days=shift))
                    .values(ends_on=ends[0])
                )
        finally:
            trans.rollback()


def test_a_refused_write_leaves_the_summaries_as_they_were(demo_college) -> None:  # type: ignore[no-untyped-def]
    """Final grades of a locked period and group are refused by the guard trigger
    (R-4.2.e), in bulk too: the summaries stay exactly as they were."""
    _backend, engine, _built = demo_college
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            conn.execute(sa.delete(m.PeriodLock))
            grade = conn.execute(
                sa.select(fg.c.id, fg.c.period_id, fg.c.curriculum_item_id, st.c.group_id)
                .join(st, st.c.id == fg.c.student_id)
                .order_by(fg.c.id)
            ).first()
            assert grade is not None
            lock_period(conn, grade.period_id, grade.group_id)
            before = _rows(conn)
            group_students = list(conn.scalars(sa.select(st.c.id).where(st.c.group_id == grade.group_id)))
            have = set(
                conn.scalars(
                    sa.select(fg.c.student_id).where(
                        fg.c.period_id == grade.period_id, fg.c.curriculum_item_id == grade.curriculum_item_id
                    )
                )
            )
            rows = [
                dict(student_id=s, curriculum_item_id=grade.curriculum_item_id, period_id=grade.period_id,
                     result="5", set_at=datetime(2025, 12, 20), version=1)
                for s in group_students
                if s not in have
            ]  # fmt: skip
            unlocked = conn.execute(
                sa.select(fg.c.id)
                .join(st, st.c.id == fg.c.student_id)
                .where(st.c.group_id == grade.group_id, fg.c.period_id != grade.period_id)
            ).first()
            of_group = fg.c.student_id.in_(group_students)
            statements: list[tuple[Any, Any]] = [
                (fg.update().where(fg.c.id == grade.id).values(result="2"), None),
                (fg.update().where(of_group, fg.c.period_id == grade.period_id).values(result="3"), None),
                (fg.delete().where(of_group, fg.c.period_id == grade.period_id), None),
            ]
            if rows:
                statements.insert(0, (fg.insert(), rows))
            if unlocked is not None:  # moved into the locked period
                statements.append(
                    (fg.update().where(fg.c.id == unlocked.id).values(period_id=grade.period_id), None)
                )
            for statement, params in statements:
                savepoint = conn.begin_nested()
                with pytest.raises(sa.exc.DBAPIError, match="period_locked"):
                    conn.execute(statement, params) if params else conn.execute(statement)
                savepoint.rollback()
                assert _rows(conn) == before
        finally:
            outer.rollback()


def test_migrations_create_and_fill_the_summaries_and_their_triggers(empty_engine: Engine) -> None:
    from alembic import command

    from netspo_lib import db

    from .factories import minimal_college

    db.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert set(TABLES) <= set(sa.inspect(conn).get_table_names())
        assert grade_summaries.installed(conn) == set(grade_summaries.trigger_names(conn.dialect.name))
    with Session(empty_engine) as session:
        mini = minimal_college(session)
        session.add(
            m.FinalGrade(
                student_id=mini.student.id,
                curriculum_item_id=mini.item.id,
                period_id=mini.period.id,
                result=FinalResult.FOUR,
                set_at=datetime(2025, 12, 20),
            )
        )
        session.commit()
    command.downgrade(db.alembic_config(empty_engine), "0007")
    with empty_engine.connect() as conn:
        assert not set(TABLES) & set(sa.inspect(conn).get_table_names())
        assert not grade_summaries.installed(conn)
    db.upgrade(empty_engine)  # fills the summaries from the final grades
    with empty_engine.connect() as conn:
        assert conn.execute(sa.select(m.FinalGradeStudent.n_4)).scalars().all() == [1]
        cell = conn.execute(sa.select(m.FinalGradeCell.left_on, m.FinalGradeCell.n_4)).one()
        assert (cell.left_on, cell.n_4) == (date(9999, 12, 31), 1)
        assert_current(conn)
        assert grade_summaries.installed(conn) == set(grade_summaries.trigger_names(conn.dialect.name))
