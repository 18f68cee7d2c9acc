"""Alembic migrations create the schema the models describe, on both engines."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from netspo_lib import db
from netspo_lib.models import Base

from .conftest import fresh_engine


def test_migrations_build_exactly_the_models_schema(empty_engine) -> None:
    db.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    assert db.current_revision(empty_engine) == db.head_revision(empty_engine)


def test_upgrade_twice_changes_nothing(empty_engine) -> None:
    db.upgrade(empty_engine)
    tables = set(sa.inspect(empty_engine).get_table_names())
    db.upgrade(empty_engine)
    assert set(sa.inspect(empty_engine).get_table_names()) == tables
    assert set(Base.metadata.tables) <= tables


def test_sqlite_has_foreign_keys_and_wal_on(tmp_path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_default_database_is_the_sqlite_file_under_data(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("NETSPO_DB_URL", raising=False)
    monkeypatch.setenv("NETSPO_DATA_DIR", str(tmp_path))
    assert db.database_url() == f"sqlite:///{tmp_path / 'netspo.sqlite'}"
    monkeypatch.setenv("NETSPO_DB_URL", "postgresql+psycopg://u@h/d")
    assert db.database_url() == "postgresql+psycopg://u@h/d"


def _constraints(engine) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    """Names of the check and unique constraints and indexes of every table."""
    inspector = sa.inspect(engine)
    result = {}
    for table in Base.metadata.tables:
        result[table] = (
            sorted(c["name"] for c in inspector.get_check_constraints(table)),
            sorted(c["name"] for c in inspector.get_unique_constraints(table)),
            sorted(i["name"] for i in inspector.get_indexes(table)),
        )
    return result


def test_migrations_carry_every_check_constraint_of_the_models(empty_engine, request, tmp_path) -> None:
    """Alembic's comparison ignores CHECK constraints; compare them by name with a schema
    made from the models on the same backend."""
    db.upgrade(empty_engine)
    migrated = _constraints(empty_engine)
    (tmp_path / "ref").mkdir()
    for reference in fresh_engine(empty_engine.dialect.name, request, tmp_path / "ref"):
        Base.metadata.create_all(reference)
        expected = _constraints(reference)
    for table, (checks, uniques, indexes) in expected.items():
        assert migrated[table][0] == checks, table
        assert migrated[table][1] == uniques, table
        assert migrated[table][2] == indexes, table


def test_downgrade_to_nothing_and_back(empty_engine) -> None:
    from alembic import command

    db.upgrade(empty_engine)
    command.downgrade(db.alembic_config(empty_engine), "base")
    assert not set(Base.metadata.tables) & set(sa.inspect(empty_engine).get_table_names())
    db.upgrade(empty_engine)
    assert db.current_revision(empty_engine) == db.head_revision(empty_engine)
