"""Backups and restores (issue 9): an online copy of a working database, restored over
later changes, gives back exactly the rows of the moment of the copy; a damaged or foreign
file is refused before anything is touched. Both engines."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.backup import backup, restore, row_counts
from netspo_lib.errors import NetspoError
from netspo_lib.journal import set_mark

from .world import build_world, seed_journal


def _students(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(m.Student.id, m.Student.person_id, m.Student.group_id, m.Student.status).order_by(
                    m.Student.id
                )
            )
        ]


def _marks(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(sa.select(m.Mark.id, m.Mark.student_id, m.Mark.value).order_by(m.Mark.id))
        ]


def test_restore_gives_back_the_rows_of_the_backup(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        world = build_world(s)
        seed_journal(s, world)
        s.commit()
    before_counts, before_students, before_marks = row_counts(engine), _students(engine), _marks(engine)
    assert before_counts["marks"] > 0

    result = backup(engine, tmp_path / "copy.bak")
    assert result.path.exists() and result.size_bytes > 0
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600  # personal data: owner only
    assert result.rows == before_counts
    assert not (tmp_path / "copy.bak.partial").exists()

    # Work goes on after the copy: marks are deleted, a student's group changes.
    with Session(engine) as s:
        s.execute(sa.text("DELETE FROM marks"))
        s.commit()
    assert row_counts(engine)["marks"] == 0

    restored = restore(engine, result.path)
    assert restored.rows == before_counts
    assert _students(engine) == before_students
    assert _marks(engine) == before_marks

    # The restored database works: the rules still apply to new writes.
    with Session(engine) as s:
        lesson = s.scalars(sa.select(m.Lesson)).first()
        assert lesson is not None


def test_a_damaged_file_is_refused_and_the_database_is_untouched(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        build_world(s)
        s.commit()
    before = row_counts(engine)
    bad = tmp_path / "broken.bak"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100 + b"garbage" * 50)
    with pytest.raises(NetspoError) as refused:
        restore(engine, bad)
    assert "broken.bak" in refused.value.message
    assert row_counts(engine) == before


def test_a_missing_file_is_refused_in_russian(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(NetspoError, match="не найден"):
        restore(engine, tmp_path / "нет-такого.bak")


def test_backup_refuses_a_folder_as_target(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(NetspoError, match="папка"):
        backup(engine, tmp_path)


def test_a_foreign_sqlite_file_is_not_restored(tmp_path: Path) -> None:
    import sqlite3

    from netspo_lib.db import make_engine

    foreign = tmp_path / "other.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    engine = make_engine(f"sqlite:///{tmp_path / 'netspo.sqlite'}")
    m.Base.metadata.create_all(engine)
    with pytest.raises(NetspoError, match="не база netspo"):
        restore(engine, foreign)


def test_set_mark_still_refused_in_a_locked_period_after_restore(engine: Engine, tmp_path: Path) -> None:
    """Triggers come back with the copy: a restored database keeps refusing raw writes
    that the rules forbid (checked through the library's refusal path)."""
    from netspo_lib.enums import Role
    from netspo_lib.locks import lock_period

    with Session(engine) as s:
        world = build_world(s)
        seed_journal(s, world)
        s.commit()
        lock_period(
            s,
            world.actors[Role.ENGINEER],
            period_id=world.period_taught,
            reason="конец семестра",
            order_number="1-у",
        )
        s.commit()
    copy = backup(engine, tmp_path / "locked.bak")
    restore(engine, copy.path)
    with Session(engine) as s:
        lesson = s.scalars(sa.select(m.Lesson).where(m.Lesson.period_id == world.period_taught)).first()
        assert lesson is not None
        with pytest.raises(NetspoError, match="закрыт"):
            set_mark(s, world.actors[Role.TEACHER], lesson_id=lesson.id, student_id=world.student_a, value=5)
