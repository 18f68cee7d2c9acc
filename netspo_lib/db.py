"""The database: engine from ``NETSPO_DB_URL``, sessions, SQLite pragmas, schema upgrades.

SQLite (a file under ``data/``) is the single-user default; PostgreSQL through psycopg is
the multi-user database. Both run the same Alembic migrations.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from netspo_lib.clock import college_tz

PROJECT_DIR = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def data_dir() -> Path:
    return Path(os.environ.get("NETSPO_DATA_DIR", PROJECT_DIR / "data"))


def default_url() -> str:
    return f"sqlite:///{data_dir() / 'netspo.sqlite'}"


def database_url(url: str | None = None) -> str:
    """The URL in force: the argument, else ``NETSPO_DB_URL``, else the SQLite default."""
    return url or os.environ.get("NETSPO_DB_URL") or default_url()


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str | None = None, **kwargs) -> Engine:  # type: ignore[no-untyped-def]
    """Build the engine; on SQLite turn on foreign keys and WAL for every connection."""
    url = database_url(url)
    sa_url = sa.engine.make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if sa_url.get_backend_name() == "postgresql":
        kwargs["connect_args"] = _with_college_timezone(dict(kwargs.get("connect_args") or {}))
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _with_college_timezone(connect_args: dict) -> dict:  # type: ignore[type-arg]
    """Run PostgreSQL sessions in the college's time zone: ``LOCALTIMESTAMP`` (which the
    lock triggers compare with ``relock_at``) is then the naive local time the library
    stores. A ``timezone`` the caller sets in ``options`` wins."""
    options = str(connect_args.get("options") or "")
    if "timezone=" not in options.lower():
        options = f"-c timezone={college_tz().key} {options}".strip()
    connect_args["options"] = options
    return connect_args


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits at the end of the block, or is rolled back whole."""
    with session_factory(engine)() as session, session.begin():
        yield session


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` with the Alembic migrations."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
