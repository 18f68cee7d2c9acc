"""The workloads, built once and cached: the college-year (``build_demo(students=5000)``
on SQLite) and the region (N colleges on PostgreSQL).

A cached database is reused while the fingerprint of the demo generator (its source
files), the student count and the seed are the same; it is then upgraded to the newest
migration (new indexes) and analysed."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import sqlalchemy as sa

from netspo_lib import db
from netspo_lib.demo import build_demo

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
DEMO_DIR = Path(db.__file__).resolve().parent / "demo"


def demo_fingerprint(students: int, seed: int) -> str:
    digest = hashlib.sha256(f"{students}:{seed}".encode())
    for path in sorted(DEMO_DIR.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _meta_path(db_path: Path) -> Path:
    return db_path.with_suffix(".json")


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def timed_demo_build(url: str, students: int, seed: int) -> float:
    """Build the demo into the (empty) database at ``url``; seconds, as ``netspo demo``
    spends them (schema upgrade included)."""
    engine = db.make_engine(url)
    try:
        started = time.perf_counter()
        db.upgrade(engine)
        build_demo(engine, students=students, seed=seed)
        return time.perf_counter() - started
    finally:
        engine.dispose()


def college(students: int = 5000, seed: int = 2025, *, rebuild: bool = False, log=print) -> dict:
    """The cached college-year on SQLite: ``{"url", "path", "build_seconds", "built_now"}``."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"college-{students}.sqlite"
    meta_path = _meta_path(path)
    fingerprint = demo_fingerprint(students, seed)
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    built_now = False
    if rebuild or not path.exists() or meta.get("fingerprint") != fingerprint:
        log(f"Building the college-year workload: build_demo(students={students}, seed={seed}) …")
        tmp = CACHE / f"college-{students}.building.sqlite"
        _remove_sqlite(tmp)
        seconds = timed_demo_build(f"sqlite:///{tmp}", students, seed)
        engine = db.make_engine(f"sqlite:///{tmp}")
        with engine.connect() as conn:  # fold the WAL into the file before moving it
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        _remove_sqlite(path)
        shutil.move(tmp, path)
        _remove_sqlite(tmp)
        meta = {"fingerprint": fingerprint, "students": students, "seed": seed, "build_seconds": seconds}
        meta_path.write_text(json.dumps(meta, indent=2))
        built_now = True
        log(f"  built in {seconds:.1f} s")
    url = f"sqlite:///{path}"
    upgrade_and_analyse(url)
    return {"url": url, "path": str(path), "build_seconds": meta.get("build_seconds"), "built_now": built_now}


def upgrade_and_analyse(url: str) -> None:
    """Bring a cached database to the newest migration; analyse when that changed it."""
    engine = db.make_engine(url)
    try:
        before = db.current_revision(engine)
        db.upgrade(engine)
        if db.current_revision(engine) != before:
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


def copy_sqlite(src: str, dst: Path) -> str:
    """A private copy of the cached database (for writes: the import)."""
    src_path = Path(sa.engine.make_url(src).database or "")
    _remove_sqlite(dst)
    engine = db.make_engine(src)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    shutil.copyfile(src_path, dst)
    return f"sqlite:///{dst}"
