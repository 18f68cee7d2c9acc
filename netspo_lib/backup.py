"""Online, consistent backups and checked restores (``netspo backup`` / ``netspo restore``).

SQLite: the SQLite backup API copies a live database page by page under a read
transaction, so a backup taken while people work is a consistent snapshot. PostgreSQL:
``pg_dump`` in its custom format (one snapshot too); ``pg_restore`` in one transaction.
A backup is written beside its target and renamed at the end, so a crash leaves no
half-written file under the final name; it is readable by its owner only (it holds
personal data). Every restore is checked before it touches the database: SQLite's
``PRAGMA integrity_check`` and the presence of netspo's schema, or ``pg_restore --list``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from netspo_lib.errors import NetspoError
from netspo_lib.models import Base


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    rows: dict[str, int]  # rows per table, as counted in the copy's source

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of netspo's schema (to compare a restore with its source)."""
    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in Base.metadata.sorted_tables
        }


def _private(path: Path) -> None:
    path.chmod(0o600)


def _check_sqlite_file(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise NetspoError(f"Файл «{path.name}» не открывается как база SQLite: {exc}.") from exc
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()
        if not verdict or verdict[0] != "ok":
            raise NetspoError(f"Файл «{path.name}» повреждён: проверка целостности SQLite не пройдена.")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise NetspoError(f"Файл «{path.name}» не является базой SQLite.") from exc
    finally:
        conn.close()
    if not {"students", "user_accounts", "marks"} <= tables:
        raise NetspoError(f"Файл «{path.name}» — база SQLite, но не база netspo.")


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise NetspoError("Резервная копия базы в памяти не делается: укажите файл базы.")
    return Path(database)


def _libpq_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_schema(engine: Engine) -> str | None:
    """The schema netspo lives in, when it is not ``public`` (as in the tests)."""
    with engine.connect() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    return None if schema == "public" else str(schema)


def _run(command: list[str], what: str) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise NetspoError(f"Не найдена программа {command[0]}: установите клиент PostgreSQL.")
    done = subprocess.run([tool, *command[1:]], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        raise NetspoError(f"{what}: не удалось. Подробности: {detail[0]}")


def backup(engine: Engine, out: str | Path) -> BackupResult:
    """Write an online, consistent copy of the database to ``out``."""
    out = Path(out)
    if out.is_dir():
        raise NetspoError(f"«{out}» — папка; укажите имя файла копии.")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    rows = row_counts(engine)
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        _private(partial)
        _check_sqlite_file(partial)
    elif backend == "postgresql":
        schema = _pg_schema(engine)
        command = ["pg_dump", "--format=custom", "--no-owner", f"--file={partial}"]
        if schema:
            command.append(f"--schema={schema}")
        _run([*command, _libpq_url(engine)], f"Резервное копирование в «{out.name}»")
        _private(partial)
        _run(["pg_restore", "--list", str(partial)], f"Проверка копии «{out.name}»")
    else:
        raise NetspoError(f"Резервное копирование базы {backend} не поддерживается.")
    os.replace(partial, out)
    return BackupResult(out, out.stat().st_size, rows)


def restore(engine: Engine, source: str | Path) -> BackupResult:
    """Replace the database's contents with the backup ``source`` (checked first: a bad
    file changes nothing)."""
    source = Path(source)
    if not source.is_file():
        raise NetspoError(f"Файл резервной копии не найден: {source}.")
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        _check_sqlite_file(source)
        engine.dispose()  # no pooled connection may hold the old pages
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(_sqlite_path(engine))
        try:
            src.backup(dst)
            verdict = dst.execute("PRAGMA integrity_check").fetchone()
        finally:
            dst.close()
            src.close()
        if not verdict or verdict[0] != "ok":
            raise NetspoError("После восстановления база не прошла проверку целостности.")
    elif backend == "postgresql":
        _run(["pg_restore", "--list", str(source)], f"Проверка копии «{source.name}»")
        engine.dispose()
        command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
        _run([*command, f"--dbname={_libpq_url(engine)}", str(source)], f"Восстановление из «{source.name}»")
    else:
        raise NetspoError(f"Восстановление базы {backend} не поддерживается.")
    return BackupResult(source, source.stat().st_size, row_counts(engine))
