"""Two people at the same journal at once (issue 9): separate processes, real connections,
SQLite in WAL mode and PostgreSQL. No update is lost — the second save over a mark both
saw is refused with a clear Russian message — and a reader never sees half of a commit."""

from __future__ import annotations

import multiprocessing as mp
import traceback
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import load_actor
from netspo_lib.db import make_engine
from netspo_lib.enums import Role
from netspo_lib.errors import NetspoError
from netspo_lib.journal import set_mark

from .world import build_world, seed_journal

CTX = mp.get_context("spawn")


def _connect(url: str, options: str | None) -> Engine:
    return make_engine(url, connect_args={"options": options}) if options else make_engine(url)


def _where(engine: Engine) -> tuple[str, str | None]:
    """How a child process reaches the same database (PostgreSQL tests live in a schema)."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.url.get_backend_name() != "postgresql":
        return url, None
    with engine.connect() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    return url, f"-csearch_path={schema}"


def _save_mark(url: str, options: str | None, login: str, lesson_id: int, student_id: int, value: int,
               seen_version: int, barrier: Any, results: Any) -> None:  # fmt: skip
    """One user's save: both users saw version ``seen_version``, then press «Сохранить» together."""
    engine = _connect(url, options)
    try:
        with Session(engine) as s:
            actor = load_actor(s, login)
            barrier.wait(timeout=30)
            try:
                set_mark(s, actor, lesson_id=lesson_id, student_id=student_id, value=value,
                         expected_version=seen_version)  # fmt: skip
                s.commit()
                results.put(("saved", value, ""))
            except NetspoError as exc:
                s.rollback()
                results.put(("refused", value, exc.message))
    except Exception:  # pragma: no cover - reported to the parent as a failure
        results.put(("crashed", value, traceback.format_exc()))
    finally:
        engine.dispose()


def _setup(engine: Engine) -> tuple[str, int, int, int]:
    with Session(engine) as s:
        world = build_world(s)
        seed_journal(s, world)
        s.commit()
        teacher = world.actors[Role.TEACHER]
        mark = s.scalars(
            sa.select(m.Mark)
            .join(m.Lesson, m.Lesson.id == m.Mark.lesson_id)
            .where(m.Lesson.period_id == world.period_taught, m.Mark.value != 2)
            .order_by(m.Mark.id)
        ).first()
        assert mark is not None
        return teacher.login, mark.lesson_id, mark.student_id, mark.version


def test_two_processes_saving_the_same_mark_lose_no_update(engine: Engine) -> None:
    login, lesson_id, student_id, version = _setup(engine)
    url, options = _where(engine)
    barrier, results = CTX.Barrier(2), CTX.Queue()
    workers = [
        CTX.Process(
            target=_save_mark,
            args=(url, options, login, lesson_id, student_id, value, version, barrier, results),
        )
        for value in (2, 3)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    outcomes = sorted(results.get(timeout=5) for _ in workers)
    assert [o[0] for o in outcomes if o[0] == "crashed"] == [], outcomes
    kinds = sorted(o[0] for o in outcomes)
    assert kinds == ["refused", "saved"], outcomes
    winner = next(o[1] for o in outcomes if o[0] == "saved")
    loser_message = next(o[2] for o in outcomes if o[0] == "refused")
    assert "другим пользователем" in loser_message and "повторите" in loser_message.lower()
    with Session(engine) as s:
        mark = s.scalars(
            sa.select(m.Mark).where(m.Mark.lesson_id == lesson_id, m.Mark.student_id == student_id)
        ).one()
        assert mark.value == winner and mark.version == version + 1


def _write_batch(
    url: str, options: str | None, lesson_id: int, student_id: int, n: int, started: Any
) -> None:
    """One transaction that inserts ``n`` activity rows, slowly, then commits."""
    engine = _connect(url, options)
    with Session(engine) as s:
        for i in range(n):
            s.add(m.ActivityEvent(account_id=None, kind="action", at=sa.func.now(), detail=f"batch {i}"))
            s.flush()
            if i == 0:
                started.set()
        s.commit()
    engine.dispose()


@pytest.mark.parametrize("n", [400])
def test_readers_never_see_half_of_a_commit(engine: Engine, n: int) -> None:
    _setup(engine)
    url, options = _where(engine)
    count = (
        sa.select(sa.func.count()).select_from(m.ActivityEvent).where(m.ActivityEvent.detail.like("batch %"))
    )
    started = CTX.Event()
    writer = CTX.Process(target=_write_batch, args=(url, options, 0, 0, n, started))
    writer.start()
    assert started.wait(30)
    seen = set()
    while writer.is_alive():
        with engine.connect() as conn:
            seen.add(conn.execute(count).scalar_one())
    writer.join(30)
    with engine.connect() as conn:
        seen.add(conn.execute(count).scalar_one())
    assert seen <= {0, n} and n in seen, sorted(seen)[:10]


def test_a_lock_timeout_is_explained_not_thrown(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SQLite's «database is locked» (a writer held the file past the wait) reaches the
    user as a Russian sentence saying nothing was lost."""
    from netspo_lib.refusals import explain_db_error

    first = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with first.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    second = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}", connect_args={"timeout": 0.1})
    holder = first.connect()
    holder.exec_driver_sql("BEGIN IMMEDIATE")
    holder.exec_driver_sql("INSERT INTO t VALUES (1)")
    try:
        with pytest.raises(sa.exc.OperationalError) as caught, second.begin() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=100")
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        message = explain_db_error(caught.value)
        assert message is not None and "другой пользователь" in message and "ничего не потеряно" in message
    finally:
        holder.rollback()
        holder.close()
