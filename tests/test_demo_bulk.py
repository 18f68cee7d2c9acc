"""The demo's bulk load (``netspo_lib.demo.bulk``): the secondary indexes and SQLite's
triggers are dropped for the load and come back exactly as they were; SQLite's skipped
per-row checks are made at the end; a failed build leaves the database as it found it;
the stored Argon2 hashes of the default seed are the computed ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from netspo_lib import models as m
from netspo_lib import summaries, triggers
from netspo_lib.db import make_engine
from netspo_lib.demo import DEMO_LOGINS, build_demo, bulk, credentials, journal
from netspo_lib.models import Base

SEED = 5
STUDENTS = 30


def schema_objects(engine: Engine) -> set[tuple[str, ...]]:
    """Every trigger and index of the schema with its definition."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
            )
        else:
            rows = conn.exec_driver_sql(
                "SELECT 'index', indexname, tablename, indexdef FROM pg_indexes"
                " WHERE schemaname = current_schema()"
                " UNION ALL SELECT 'trigger', t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
                " AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
            )
        return {tuple(r) for r in rows}


def row_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return sum(
            conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in m.Base.metadata.sorted_tables
        )


def test_every_index_and_trigger_is_back_after_the_build(engine: Engine) -> None:
    before = schema_objects(engine)
    with engine.connect() as conn:
        deferred = bulk.deferred_objects(conn)
    assert {o.table for o in deferred} >= {"marks", "attendance", "lessons", "final_grades"}
    build_demo(engine, students=STUDENTS, seed=SEED)
    assert schema_objects(engine) == before
    with engine.connect() as conn:
        assert triggers.installed(conn) == set(triggers.trigger_names(engine.dialect.name))
        assert summaries.installed(conn) == set(summaries.trigger_names(engine.dialect.name))


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """The SQLite-only cases: its connection settings, and the checks PostgreSQL makes as
    every row goes in."""
    engine = make_engine(f"sqlite:///{tmp_path / 'bulk.sqlite'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_the_pooled_connection_gets_its_sqlite_settings_back(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    pragmas = ("foreign_keys", "ignore_check_constraints", "cache_size")

    def read() -> dict[str, int]:
        with engine.connect() as conn:
            return {p: conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in pragmas}

    before = read()
    assert before["foreign_keys"] == 1
    build_demo(engine, students=STUDENTS, seed=SEED)
    assert read() == before


def test_a_failed_build_leaves_no_rows_and_the_whole_schema(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = schema_objects(engine)

    def fail(b: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(journal, "write_final_grades", fail)  # after the journal went in
    with pytest.raises(RuntimeError, match="the disk is full"):
        build_demo(engine, students=STUDENTS, seed=SEED)
    assert row_count(engine) == 0
    assert schema_objects(engine) == before
    monkeypatch.undo()
    build_demo(engine, students=STUDENTS, seed=SEED)  # and the database is as good as new
    assert schema_objects(engine) == before


@pytest.mark.parametrize("broken", ["check", "reference"])
def test_sqlite_checks_what_the_load_did_not(sqlite_engine: Engine, broken: str) -> None:
    engine = sqlite_engine
    with engine.connect() as conn, bulk.build_settings(conn), conn.begin():
        bulk.begin(conn)
        bulk.check_constraints(conn)  # an empty database is fine
        if broken == "check":
            conn.exec_driver_sql(
                "INSERT INTO colleges (id, name, short_name, timezone, grading_scale, periods_per_year,"
                " created_at) VALUES (1, 'Колледж', 'К', 'Asia/Barnaul', 7, 2, '2026-01-01 00:00:00.000000')"
            )
            message = "break its CHECK constraints"
        else:
            conn.exec_driver_sql(
                "INSERT INTO departments (id, college_id, name, created_at)"
                " VALUES (1, 99, 'Отделение', '2026-01-01 00:00:00.000000')"
            )
            message = "refer to missing rows"
        with pytest.raises(RuntimeError, match=message):
            bulk.check_constraints(conn)
        conn.rollback()


def test_check_expressions_are_read_whole() -> None:
    sql = (
        'CREATE TABLE x (a INTEGER CHECK (a > 0), "check" TEXT, c_check INT,'
        " b TEXT CHECK (b IN ('(', ')', 'it''s (')), CONSTRAINT ck_x CHECK ((a) < 5 AND length(b) > 0))"
    )
    assert bulk.check_expressions(sql) == ["a > 0", "b IN ('(', ')', 'it''s (')", "(a) < 5 AND length(b) > 0"]


def test_the_stored_hashes_of_the_default_seed_are_the_computed_ones() -> None:
    logins = credentials.known_logins(2025)
    assert sorted(logins) == sorted(DEMO_LOGINS.values())
    for login in logins:
        assert credentials.demo_hash(2025, login) == credentials.compute_demo_hash(2025, login)
    assert credentials.known_logins(SEED) == []
