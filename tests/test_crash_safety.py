"""Crash safety (issue 9, item 2): a `netspo` process killed with SIGKILL in the middle of a
year rollover or a period lock leaves the database exactly as it was before, and intact.
(The import's case is in ``test_import_safety.py``.)

How a kill is known to have landed in the middle of the transaction, not before or after it:
the child is first frozen with SIGSTOP, its state is read while it cannot move, then it is
killed with SIGKILL.

* SQLite (WAL mode): the writer holds the WAL write lock (byte 120 of the ``-shm`` file, an
  fcntl lock other processes can test with ``F_GETLK``) from its first write until the end of
  its commit; the WAL file itself is parsed to see whether a complete commit frame is already
  in it. Lock held and no commit frame: the kill is inside the transaction, and the database
  must be exactly as before. The WAL grown (its header, maybe some frames) without a commit
  frame: killed while the commit was being written. Rows are compared with the pristine
  copy by SQLite itself (EXCEPT, both ways by the counts); a full digest of every table's
  rows in primary-key order is also compared once per test.
* PostgreSQL: the backend of the frozen client has a transaction id (``backend_xid``: it has
  written) and is not executing a COMMIT: killing the client must roll everything back.

Every other kill (before the transaction began, after it committed) must leave either the
database as before or the whole change, never a part of it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from netspo_lib import db
from netspo_lib.demo import build_demo

from .conftest import IN_CI, PG_URL

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGSTOP/F_GETLK probes: Linux")

NETSPO = Path(sys.executable).with_name("netspo")
ROLLOVER = [
    "year", "rollover", "--order", "150-к", "--date", "01.07.2026", "--graduation-order", "151-к",
    "--apply", "--force-reason", "проверка", "--as", "engineer",
]  # fmt: skip
LOCK = [
    "period",
    "lock",
    "--period",
    "1",
    "--reason",
    "Конец семестра",
    "--order",
    "12-о",
    "--as",
    "engineer",
]

Digest = dict[str, str]


# --- the state of a database: a digest of every table's rows ------------------------------------------
def digest(engine: Engine) -> Digest:
    """A SHA-256 of every table's rows in primary-key order (all columns if it has none),
    read through the driver's cursor (no type processing: fast and exact)."""
    meta = sa.MetaData()
    out: Digest = {}
    with engine.connect() as conn:
        meta.reflect(conn)
        quote = engine.dialect.identifier_preparer.quote
        tables = [
            (t.name, [c.name for c in (list(t.primary_key.columns) or list(t.columns))])
            for t in meta.sorted_tables
        ]
        sequences = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
        if engine.dialect.name == "sqlite" and conn.exec_driver_sql(sequences).first():
            tables.append(("sqlite_sequence", ["name"]))
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            for name, order in tables:
                cursor.execute(f"SELECT * FROM {quote(name)} ORDER BY {', '.join(map(quote, order))}")
                h = hashlib.sha256()
                count = 0
                while rows := cursor.fetchmany(5000):
                    h.update(repr(rows).encode())
                    count += len(rows)
                out[name] = f"{count}:{h.hexdigest()}"
        finally:
            cursor.close()
    return out


def scalar(engine: Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def rollover_done(engine: Engine) -> bool:
    """The whole rollover is there: its audit event, the old year closed, the new one current."""
    with engine.connect() as conn:
        years = {n: st for n, st in conn.execute(sa.text("SELECT name, status FROM academic_years"))}
    event = scalar(engine, "SELECT count(*) FROM audit_events WHERE action = 'rollover.apply'")
    return event == 1 and years.get("2025/2026") == "closed" and years.get("2026/2027") == "current"


# --- SQLite: comparing with the pristine file, probing a frozen writer ----------------------------------
def sqlite_changes(work: Path, pristine: Path) -> dict[str, tuple[int, int, int]]:
    """The tables whose rows differ from the pristine copy's: (rows now, rows before, rows now
    that were not there before) — an exact comparison done by SQLite (EXCEPT, rows with
    their primary keys), quicker than digests of the 300-student college."""
    conn = sqlite3.connect(work)
    try:
        conn.execute("ATTACH DATABASE ? AS p", (f"file:{pristine}?mode=ro",))
        names = [r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")]
        before = {r[0] for r in conn.execute("SELECT name FROM p.sqlite_master WHERE type = 'table'")}
        assert set(names) >= before
        out = {}
        for name in names:
            if name not in before:
                out[name] = (conn.execute(f'SELECT count(*) FROM main."{name}"').fetchone()[0], 0, -1)
                continue
            now, was, new = conn.execute(
                f'SELECT (SELECT count(*) FROM main."{name}"), (SELECT count(*) FROM p."{name}"), '
                f'(SELECT count(*) FROM (SELECT * FROM main."{name}" EXCEPT SELECT * FROM p."{name}"))'
            ).fetchone()
            if now != was or new:
                out[name] = (now, was, new)
        return out
    finally:
        conn.close()


def lock_done(engine: Engine, changes: dict[str, tuple[int, int, int]]) -> bool:
    """The whole period lock is there and nothing else changed: one more lock (with our order)
    and one more audit event, «period.lock», about that lock."""
    lock_id = scalar(engine, "SELECT max(id) FROM period_locks WHERE order_number = '12-о'")
    event = scalar(
        engine,
        "SELECT count(*) FROM audit_events WHERE action = 'period.lock' AND entity_id = :id",
        id=lock_id,
    )
    grew = {t: (now - was, new) for t, (now, was, new) in changes.items() if t != "sqlite_sequence"}
    return grew == {"period_locks": (1, 1), "audit_events": (1, 1)} and lock_id is not None and event == 1


WAL_WRITE_LOCK_BYTE = 120  # sqlite3 os_unix.c: UNIX_SHM_BASE + WAL_WRITE_LOCK


def wal_write_lock_held(db_path: Path) -> bool:
    """Whether another process holds the WAL write lock of this database (F_GETLK: a test
    that takes no lock itself)."""
    try:
        fd = os.open(f"{db_path}-shm", os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        query = struct.pack("@hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, WAL_WRITE_LOCK_BYTE, 1, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        return struct.unpack("@hhqqi4x", answer)[0] != fcntl.F_UNLCK
    finally:
        os.close(fd)


def wal_frames(db_path: Path) -> tuple[int, bool]:
    """(complete frames in the WAL, whether one of them is a commit frame) — from the file
    format: a 32-byte header, then frames of a 24-byte header and a page; a commit frame has
    the database size after the commit in its header; frames of this WAL carry its salts."""
    try:
        data = Path(f"{db_path}-wal").read_bytes()
    except FileNotFoundError:
        return 0, False
    if len(data) < 32:
        return 0, False
    page_size = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    frames, committed, offset = 0, False, 32
    while offset + 24 + page_size <= len(data) and data[offset + 8 : offset + 16] == salts:
        frames += 1
        committed = committed or struct.unpack(">I", data[offset + 4 : offset + 8])[0] != 0
        offset += 24 + page_size
    return frames, committed


def _wal_size(db_path: Path) -> int:
    try:
        return os.stat(f"{db_path}-wal").st_size
    except FileNotFoundError:
        return 0


@dataclass
class Kill:
    """What was seen while the child was frozen, just before SIGKILL."""

    how: str
    running: bool = False
    locked: bool = False  # SQLite: the WAL write lock; PostgreSQL: a written, uncommitted xid
    frames: int = 0
    committed: bool = False
    wal_bytes: int = 0
    steps: int = 0

    @property
    def mid_transaction(self) -> bool:
        return self.running and self.locked and not self.committed

    @property
    def mid_write(self) -> bool:
        """Inside the transaction, and its commit already writing the WAL (the header, maybe
        some pages: ``frames``)."""
        return self.mid_transaction and self.wal_bytes > 0


def stop(proc: subprocess.Popen[bytes]) -> bool:
    """SIGSTOP, and wait until the kernel shows the child stopped: True, or gone: False."""
    try:
        os.kill(proc.pid, signal.SIGSTOP)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state in "tT":
            return True
        if state in "ZX":
            return False
        time.sleep(0.0002)
    raise AssertionError("the child did not stop")


def kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def start(args: list[str], url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(NETSPO), *args, "--db", url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Digest]]:
    """The demo college (300 students) and the digest of its rows."""
    path = tmp_path_factory.mktemp("crash") / "pristine.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    build_demo(engine, students=300, seed=2025)
    state = digest(engine)
    engine.dispose()
    assert not Path(f"{path}-wal").exists()
    yield path, state


def fresh_copy(pristine: Path, work: Path) -> Path:
    shutil.copy(pristine, work)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    return work


def run_and_kill_sqlite(args: list[str], work: Path, how: str, rng: random.Random) -> Kill:
    """Start the command, freeze it, look, kill it. When: «lock» as soon as it takes the write
    lock; «lock+» a random moment later; «delay» at a random time; «wal» when its commit
    begins writing the WAL (the header); «wal+» then let it run on in steps of 20 µs, frozen
    after each, until some of its pages are in the WAL (or it has committed: the ~120 frames
    of the rollover often go in one step)."""
    proc = start(args, f"sqlite:///{work}")
    seen = Kill(how)
    deadline = time.monotonic() + 60
    started = time.monotonic()
    delay = rng.uniform(0.5, 2.0)
    while proc.poll() is None and time.monotonic() < deadline:
        if how.startswith("wal") and _wal_size(work) > 0:
            break
        if how.startswith("lock") and wal_write_lock_held(work):
            if how == "lock+":
                time.sleep(rng.uniform(0.0, 0.3))
            break
        if how == "delay":
            if time.monotonic() - started >= delay:
                break
            time.sleep(0.001)

    def look() -> None:
        seen.locked = wal_write_lock_held(work)
        seen.frames, seen.committed = wal_frames(work)
        seen.wal_bytes = _wal_size(work)

    seen.running = stop(proc)
    if seen.running:
        look()
    while how == "wal+" and seen.mid_transaction and not seen.frames and seen.steps < 1000:
        os.kill(proc.pid, signal.SIGCONT)
        until = time.perf_counter() + 20e-6
        while time.perf_counter() < until:
            pass
        seen.running = stop(proc)
        seen.steps += 1
        if seen.running:
            look()
    kill(proc)
    return seen


def check_sqlite_outcome(work: Path, pristine: Path, kill: Kill, done: Callable[[Engine, dict], bool]) -> str:
    """«before» or «after» — anything else (half a change, a broken file) fails the test."""
    engine = db.make_engine(f"sqlite:///{work}")
    try:
        assert scalar(engine, "PRAGMA integrity_check") == "ok", kill
        changes = sqlite_changes(work, pristine)
        if kill.mid_transaction:
            assert not changes, f"killed inside the transaction, yet the database changed: {kill} {changes}"
            return "before"
        if not changes:
            return "before"
        assert done(engine, changes), f"the database holds part of the change: {kill} {changes}"
        return "after"
    finally:
        engine.dispose()


def sqlite_digest(path: Path) -> Digest:
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        return digest(engine)
    finally:
        engine.dispose()


def run_to_the_end(args: list[str], url: str, says: str) -> None:
    done = subprocess.run([str(NETSPO), *args, "--db", url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and says in done.stdout, done.stderr


def test_sigkill_in_the_middle_of_a_rollover_leaves_the_database_as_before(pristine, tmp_path) -> None:
    """`netspo year rollover --apply` on the demo college, killed inside its transaction
    (before and while its commit writes the WAL): every table's rows are as before and the
    file is intact; then the same rollover, uninterrupted, succeeds on that file."""
    path, before = pristine
    rng = random.Random(9)
    kills: list[tuple[Kill, str]] = []
    mid_write: Path | None = None
    for n, how in enumerate(("lock+", "wal+", "wal", "wal+", "lock", "wal", "wal+", "wal")):
        work = fresh_copy(path, tmp_path / f"work{n}.sqlite")
        seen = run_and_kill_sqlite(ROLLOVER, work, how, rng)
        kills.append((seen, check_sqlite_outcome(work, path, seen, lambda e, _: rollover_done(e))))
        if seen.mid_write and mid_write is None:
            mid_write = work
        else:
            work.unlink()
        if n >= 3 and mid_write and any(k.mid_transaction and not k.wal_bytes for k, _ in kills):
            break
    report(kills)
    assert any(k.mid_transaction and not k.wal_bytes for k, _ in kills), (
        f"none inside the transaction: {kills}"
    )
    assert mid_write, f"no kill landed while the commit was being written: {kills}"
    assert sqlite_digest(mid_write) == before  # every table's rows, in primary-key order
    run_to_the_end(ROLLOVER, f"sqlite:///{mid_write}", "Перевод выполнен")
    engine = db.make_engine(f"sqlite:///{mid_write}")
    try:
        assert rollover_done(engine) and scalar(engine, "PRAGMA integrity_check") == "ok"
    finally:
        engine.dispose()


def test_sigkill_during_a_period_lock_leaves_all_of_it_or_nothing(pristine, tmp_path) -> None:
    """`netspo period lock` is a short write: killed the moment it takes the write lock, while
    its commit writes the WAL, and at random moments: every outcome is the database as before
    or the lock with its audit event and nothing else, never a half; kills inside the
    transaction leave it as before; then the lock goes through on that file."""
    path, before = pristine
    rng = random.Random(12)
    kills: list[tuple[Kill, str]] = []
    inside: Path | None = None
    for n in range(9):  # at least 5 kills, more until one lands inside the transaction
        if n >= 5 and inside:
            break
        work = fresh_copy(path, tmp_path / f"work{n}.sqlite")
        seen = run_and_kill_sqlite(LOCK, work, ("lock", "wal", "delay", "wal+")[n % 4], rng)
        kills.append((seen, check_sqlite_outcome(work, path, seen, lock_done)))
        if seen.mid_transaction and inside is None:
            inside = work
        else:
            work.unlink()
    report(kills)
    assert inside, f"no kill landed inside the transaction: {kills}"
    assert sqlite_digest(inside) == before
    run_to_the_end(LOCK, f"sqlite:///{inside}", "Период закрыт")
    engine = db.make_engine(f"sqlite:///{inside}")
    try:
        assert lock_done(engine, sqlite_changes(inside, path))
        assert scalar(engine, "PRAGMA integrity_check") == "ok"
    finally:
        engine.dispose()


def report(kills: list[tuple[Kill, str]]) -> None:
    for k, outcome in kills:
        print(
            f"{k.how:6} running={k.running} locked={k.locked} frames={k.frames} commit-frame={k.committed} "
            f"wal={k.wal_bytes} steps={k.steps} -> {outcome}"
        )
    print(
        f"{len(kills)} kills: {sum(k.mid_transaction for k, _ in kills)} inside the transaction, "
        f"{sum(k.mid_write for k, _ in kills)} while the commit was writing the WAL "
        f"({sum(k.mid_write and k.frames > 0 for k, _ in kills)} with pages of it already there)"
    )


# --- PostgreSQL ----------------------------------------------------------------------------------------
@dataclass
class PgServer:
    admin: Engine
    created: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return str(sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False))

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(
                f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
            )
        self.created.append(name)
        return self.url(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def backends(self, name: str) -> list[sa.Row]:
        with self.admin.connect() as conn:
            return list(
                conn.execute(
                    sa.text(
                        "SELECT pid, state, backend_xid::text AS xid, query FROM pg_stat_activity "
                        "WHERE datname = :d AND pid <> pg_backend_pid()"
                    ),
                    {"d": name},
                ).all()
            )


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    def unavailable(reason: str) -> None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {reason}")
        pytest.skip(reason)

    if not PG_URL:
        unavailable("NETSPO_TEST_PG_URL is not set")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:  # pragma: no cover - depends on the machine
        unavailable(f"PostgreSQL is not reachable: {exc}")
    server = PgServer(admin)
    try:
        yield server
    finally:
        for name in server.created:
            server.drop(name)
        admin.dispose()


def test_sigkill_in_the_middle_of_a_rollover_on_postgresql(pg: PgServer) -> None:
    """The same on PostgreSQL, in databases of their own: the client frozen while its backend
    holds a written, uncommitted transaction, then killed: the rows are as before; a second,
    uninterrupted run succeeds."""
    tag = uuid.uuid4().hex[:10]
    template = f"netspo_crash_{tag}"
    engine = db.make_engine(pg.create(template))
    try:
        db.upgrade(engine)
        build_demo(engine, students=200, seed=2025)
        before = digest(engine)
    finally:
        engine.dispose()
    rng = random.Random(5)
    kills: list[tuple[Kill, str]] = []
    for attempt in range(4):
        name = f"{template}_{attempt}"
        url = pg.create(name, template=template)
        proc = start(ROLLOVER, url)
        seen = Kill("xid")
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if any(b.xid for b in pg.backends(name)):
                time.sleep(rng.uniform(0.0, 0.2))
                break
            time.sleep(0.002)
        seen.running = stop(proc)
        if seen.running:
            # Written (it has a transaction id) and not committing: the COMMIT cannot come now.
            seen.locked = any(
                b.xid and not (b.state == "active" and b.query.lstrip().upper().startswith("COMMIT"))
                for b in pg.backends(name)
            )
        kill(proc)
        # The server rolls back when it sees the client gone; wait for its backend to end.
        deadline = time.monotonic() + 30
        while pg.backends(name) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not pg.backends(name), "the killed client's backend did not end"
        engine = db.make_engine(url)
        try:
            now = digest(engine)
            if seen.mid_transaction:
                assert now == before, f"killed inside the transaction, yet the database changed: {seen}"
                outcome = "before"
            else:
                outcome = "before" if now == before else "after"
                assert outcome == "before" or rollover_done(engine), f"part of the change: {seen}"
        finally:
            engine.dispose()
        kills.append((seen, outcome))
        if seen.mid_transaction:
            # The database still works: the same rollover, uninterrupted.
            run_to_the_end(ROLLOVER, url, "Перевод выполнен")
            engine = db.make_engine(url)
            try:
                assert rollover_done(engine)
            finally:
                engine.dispose()
            pg.drop(name)
            break
        pg.drop(name)
    report(kills)
    assert any(k.mid_transaction for k, _ in kills), f"no kill landed inside the transaction: {kills}"
