"""Shared fixtures: every database test runs on SQLite and, when ``NETSPO_TEST_PG_URL`` is
set, on PostgreSQL too (each test in a fresh schema of its own).

Outside CI a missing PostgreSQL skips its half; in CI (``CI=true``) it fails.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from netspo_lib.db import make_engine
from netspo_lib.models import Base

PG_URL = os.environ.get("NETSPO_TEST_PG_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"

BACKENDS = ["sqlite", "postgresql"]


def _pg_unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_admin_engine() -> Iterator[Engine]:
    if not PG_URL:
        _pg_unavailable("NETSPO_TEST_PG_URL is not set")
    engine = make_engine(PG_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:  # pragma: no cover - depends on the machine
        _pg_unavailable(f"PostgreSQL is not reachable: {exc}")
    yield engine
    engine.dispose()


def fresh_engine(backend: str, request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """An engine on an empty database (no tables yet) of the given backend."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.sqlite'}")
        yield engine
        engine.dispose()
        return
    admin: Engine = request.getfixturevalue("pg_admin_engine")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    # Tests need no durability across crashes: skip the commit fsync.
    options = f"-csearch_path={schema} -csynchronous_commit=off"
    engine = make_engine(PG_URL, connect_args={"options": options})
    try:
        yield engine
    finally:
        engine.dispose()
        _drop_schema(admin, schema)


def _drop_schema(admin: Engine, schema: str) -> None:
    """Drop a test schema; again when PostgreSQL picks the drop as a deadlock's victim (an
    autovacuum or ANALYZE of its freshly written tables holds a lock the drop needs)."""
    for attempt in range(5):
        try:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            return
        except sa.exc.OperationalError as exc:
            if "deadlock detected" not in str(exc) or attempt == 4:
                raise
            time.sleep(0.5 * (attempt + 1))


@pytest.fixture(params=BACKENDS)
def empty_engine(request, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """An empty database on each backend, without a schema."""
    yield from fresh_engine(request.param, request, tmp_path)


@pytest.fixture(scope="session")
def pg_schema_engine(request, tmp_path_factory) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """One PostgreSQL schema with all tables per test session (per xdist worker)."""
    for eng in fresh_engine("postgresql", request, tmp_path_factory.mktemp("pg")):
        Base.metadata.create_all(eng)
        yield eng


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A database with the full schema (from the models) and no rows, on each backend.

    SQLite gets a new file per test; PostgreSQL reuses the session's schema, emptied
    with DELETEs (creating or truncating 41 tables per test costs ~0.4 s each).
    """
    if request.param == "sqlite":
        for eng in fresh_engine("sqlite", request, tmp_path):
            Base.metadata.create_all(eng)
            yield eng
        return
    eng: Engine = request.getfixturevalue("pg_schema_engine")
    with eng.begin() as conn:
        # Emptying is not a change of the data: the guard triggers (period locks, the
        # append-only audit trail, netspo_lib.triggers) stay out of it.
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    yield eng


@pytest.fixture(scope="session", params=BACKENDS)
def demo_college(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A small demo college (60 students, seed 9) per backend, shared by the test session.

    Read only: a test that writes must roll its session back.
    """
    from netspo_lib.demo import build_demo

    for eng in fresh_engine(request.param, request, tmp_path_factory.mktemp("demo")):
        Base.metadata.create_all(eng)
        built = build_demo(eng, students=60, seed=9)
        yield request.param, eng, built
