"""The import is the safest door into the database (issue 4, R-4.2.b, R-4.2.c):

* a commit that fails in the middle writes no data row, and the import history still
  records the failed run;
* the progress callback counts up to the total;
* a process killed with SIGKILL in the middle of a commit leaves the database exactly as
  before, and intact;
* whatever the cells of a file of any kind hold (huge strings, control characters,
  formulas, SQL, wrong dates), the answer is a result with Russian row-level errors and an
  unchanged database, never another exception;
* the templates kept in ``data/templates`` are those of the kinds as declared now.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from netspo_lib import db, movement
from netspo_lib import models as m
from netspo_lib.cli import main
from netspo_lib.enums import ImportOutcome, Role
from netspo_lib.errors import NetspoError
from netspo_lib.imports import KINDS, run_import
from netspo_lib.imports.reading import read_sheet
from netspo_lib.snils import format_snils, snils_check_digits

from .factories import T0
from .test_import_study import add_staff, data_counts, russian, write_csv
from .world import World, build_world

TEMPLATES = Path(__file__).resolve().parents[1] / "data" / "templates"
NETSPO = Path(sys.executable).with_name("netspo")
STUDENT_HEADER = (
    "Фамилия",
    "Имя",
    "Отчество",
    "Дата рождения",
    "Пол",
    "СНИЛС",
    "Группа",
    "Основа обучения",
    "Номер приказа о зачислении",
    "Дата приказа",
)


def snils(n: int) -> str:
    nine = f"{n:09d}"
    return format_snils(nine + snils_check_digits(nine))


def student_rows(count: int, order: str = "1-к") -> list[dict[str, str]]:
    return [
        dict(
            zip(
                STUDENT_HEADER,
                (
                    f"Фамилия{n}",
                    "Анна",
                    "Петровна",
                    "15.03.2009",
                    "ж",
                    snils(100000000 + n),
                    "ИСП-25",
                    "бюджет",
                    order,
                    "25.08.2025",
                ),
                strict=True,
            )
        )
        for n in range(count)
    ]


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Session, World]]:
    with Session(engine) as session:
        w = build_world(session)
        add_staff(session, w)
        session.commit()
        yield session, w


# --- all or nothing, with a history row ------------------------------------------------------------
def test_a_failed_commit_writes_no_row_but_keeps_the_history(world, tmp_path, monkeypatch) -> None:
    """The second enrollment order fails in the middle of the commit: the students of the
    first are undone too, and the import history says the run failed, in Russian."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    rows = student_rows(3) + [
        dict(r, СНИЛС=snils(100000010 + i)) for i, r in enumerate(student_rows(3, "2-к"))
    ]
    path = write_csv(tmp_path / "s.csv", rows)
    real = movement.enroll_many
    calls = []

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise NetspoError("Сбой записи приказа.")
        return real(*args, **kwargs)

    monkeypatch.setattr(movement, "enroll_many", failing)
    before = data_counts(s)
    res = run_import(s, eng, "students", path, commit=True)
    assert len(calls) == 2  # the first order's students were written, then undone
    assert not res.committed and not res.ok
    assert data_counts(s) == before
    assert (
        "ничего не записано" in res.problems[-1].message and "Сбой записи приказа" in res.problems[-1].message
    )
    s.commit()  # what the CLI does after a run that returned a result
    run = s.scalars(sa.select(m.ImportRun)).one()
    assert run.outcome == ImportOutcome.FAILED and run.finished_at is not None
    assert "Сбой записи приказа" in (run.message or "") and run.rows_total == 6
    assert data_counts(s) == before
    event = s.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "import.run")).one()
    assert event.after is not None and event.after["outcome"] == ImportOutcome.FAILED.value


def test_a_database_refusal_in_the_commit_is_a_failed_run(world, tmp_path) -> None:
    """A write the database refuses (a trigger, a constraint) is rolled back to the
    savepoint and explained, not raised to the caller."""
    s, w = world
    eng = w.actors[Role.ENGINEER]
    path = write_csv(tmp_path / "r.csv", [{"Номер": "301", "Мест": "20"}, {"Номер": "302", "Мест": "20"}])

    def then_a_bad_mark(session, actor, rows, progress):  # type: ignore[no-untyped-def]
        KINDS["rooms"].write(session, actor, rows, progress)  # the rooms are written...
        bad = sa.insert(m.Mark).values(lesson_id=w.lesson_a, student_id=w.student_a, value=9, entered_at=T0)
        session.execute(bad)  # ...then the database refuses a mark of 9

    before = data_counts(s)
    res = run_import(s, eng, dataclasses.replace(KINDS["rooms"], write=then_a_bad_mark), path, commit=True)
    assert not res.committed and data_counts(s) == before
    assert "от 2 до 5" in res.problems[-1].message
    assert s.scalars(sa.select(m.ImportRun.outcome)).one() == ImportOutcome.FAILED


def test_the_callers_rollback_undoes_a_committed_import(world, tmp_path) -> None:
    """The import writes in the caller's transaction (a savepoint inside it, also on SQLite):
    rolling the caller back leaves no trace."""
    s, w = world
    before = row_counts_all(s)
    res = run_import(
        s, w.actors[Role.ENGINEER], "students", write_csv(tmp_path / "s.csv", student_rows(5)), commit=True
    )
    assert res.committed and data_counts(s)["students"] == before["students"] + 5
    s.rollback()
    assert row_counts_all(s) == before


def row_counts_all(s: Session) -> dict[str, int]:
    return {
        t.name: s.scalar(sa.select(sa.func.count()).select_from(t)) or 0
        for t in m.Base.metadata.sorted_tables
    }


# --- progress --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["students", "timetable"])
def test_progress_counts_up_to_the_total(world, tmp_path, kind) -> None:
    s, w = world
    if kind == "students":
        rows = student_rows(40, "1-к")[:20] + [
            dict(r, СНИЛС=snils(100000100 + i)) for i, r in enumerate(student_rows(20, "2-к"))
        ]
    else:
        # 600 lessons: more than one bulk statement of 500 rows, so more than one report.
        days = [date(2025, 9, 1) + timedelta(days=n) for n in range(119)]
        rows = [
            {
                "Дата": day.strftime("%d.%m.%Y"),
                "Пара": str(p),
                "Группа": "ИСП-25",
                "Дисциплина": "ОП.01",
                "Преподаватель": "Петрова Анна Ивановна",
            }
            for day in days
            for p in (1, 2, 3, 4, 5, 6)
        ][:600]
    calls: list[tuple[int, int]] = []
    res = run_import(
        s,
        w.actors[Role.ENGINEER],
        kind,
        write_csv(tmp_path / "p.csv", rows),
        commit=True,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert res.committed, res.problems
    assert len(calls) >= 2
    dones = [d for d, _ in calls]
    assert dones == sorted(dones) and dones[0] > 0
    assert {t for _, t in calls} == {len(rows)} and calls[-1] == (len(rows), len(rows))


# --- SIGKILL in the middle of a commit ----------------------------------------------------------------
def _snapshot(path: Path) -> tuple[dict[str, int], str, str]:
    """Row counts of every table, a checksum of the students table, integrity_check."""
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            counts = {
                t.name: conn.scalar(sa.select(sa.func.count()).select_from(t)) or 0
                for t in m.Base.metadata.sorted_tables
            }
            digest = hashlib.sha256()
            students = m.Base.metadata.tables["students"]
            for row in conn.execute(sa.select(students).order_by(students.c.id)):
                digest.update(repr(tuple(row)).encode())
            integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
    finally:
        engine.dispose()
    return counts, digest.hexdigest(), str(integrity)


def _wal_size(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_sigkill_in_the_middle_of_a_commit_leaves_the_database_as_before(tmp_path) -> None:
    """`netspo import students FILE --commit` with 5 000 rows, killed with SIGKILL while it
    writes (its uncommitted pages are seen spilling into the WAL): the database has the same
    rows, the same students and passes ``PRAGMA integrity_check``."""
    pristine = tmp_path / "pristine.sqlite"
    engine = db.make_engine(f"sqlite:///{pristine}")
    db.upgrade(engine)
    with Session(engine) as session:
        build_world(session)
        session.commit()
    engine.dispose()
    expected = _snapshot(pristine)
    assert expected[2] == "ok"
    path = write_csv(tmp_path / "students.csv", student_rows(5000))
    work = tmp_path / "work.sqlite"
    killed_at: list[int] = []
    # Kill when this much of the transaction has spilled into the WAL (bytes); if a run
    # finishes before, try again at a lower mark, and last after a fixed delay.
    for threshold in (400_000, 100_000, 20_000, 1):
        shutil.copy(pristine, work)
        for suffix in ("-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        proc = subprocess.Popen(
            [
                str(NETSPO),
                "import",
                "students",
                str(path),
                "--commit",
                "--db",
                f"sqlite:///{work}",
                "--as",
                "u_engineer",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if _wal_size(work) >= threshold:
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.002)
        proc.wait(timeout=60)
        if proc.returncode == -signal.SIGKILL:
            killed_at.append(_wal_size(work))
            print(f"killed with {killed_at[0]} bytes of the transaction in the WAL (mark {threshold})")
            break
    assert killed_at, "the import finished every time before it could be killed"
    assert killed_at[0] > 0  # it was writing: uncommitted pages were in the WAL
    counts, students, integrity = _snapshot(work)
    assert integrity == "ok"
    assert counts == expected[0] and students == expected[1]


# --- garbage in every kind -------------------------------------------------------------------------
GARBAGE = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=31), min_size=1, max_size=5),
    st.sampled_from(
        [
            "",
            " ",
            "=1+1",
            '=HYPERLINK("http://x")',
            "@SUM(A1)",
            "+7",
            "-1",
            "0",
            "6",
            "2",
            "5",
            "НП",
            "'; DROP TABLE students;--",
            "1); DELETE FROM marks; --",
            "х" * 5000,
            "31.02.2025",
            "99.99.9999",
            "2025-13-01",
            "45000",
            "1e309",
            "inf",
            "nan",
            "²",
            "٣",
            "ИСП-25",
            "ОП.01",
            "2025/2026",
            "1 семестр",
            "02.09.2025",
            "Петрова Анна Ивановна",
            "Сидорова Мария Ивановна",
            "09.02.07",
            "101",
            "очная",
            "экзамен",
            "дисциплина",
            "зачёт",
            "н/а",
            "12.12.2999",
            "\x00",
            "a\r\nb",
        ]
    ),
)


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_garbage_cells_give_russian_row_errors_and_change_nothing(
    world, tmp_path_factory, kind, data
) -> None:
    s, w = world
    spec = KINDS[kind]
    titles = [c.title for c in spec.columns]
    rows = data.draw(
        st.lists(st.lists(GARBAGE, min_size=len(titles), max_size=len(titles)), min_size=1, max_size=3)
    )
    path = tmp_path_factory.mktemp("g") / f"{kind}.csv"
    write_csv(path, [dict(zip(titles, r, strict=True)) for r in rows])
    before = row_counts_all(s)
    try:
        res = run_import(s, w.actors[Role.ENGINEER], kind, path, commit=True)
    except NetspoError as exc:  # a file-level refusal (no header row found), in Russian
        assert russian(exc.message)
        s.rollback()
        assert row_counts_all(s) == before
        return
    try:
        if res.ok:
            assert res.committed
            return
        assert not res.committed
        header = read_sheet(path, spec).header_row
        for p in res.problems:
            assert p.row > header and p.column in titles, p
            assert russian(p.message), p
        after = row_counts_all(s)
        logs = {"import_runs": 1, "audit_events": 1}
        assert {k: v - before[k] for k, v in after.items() if v != before[k]} == logs
    finally:
        s.rollback()
    assert row_counts_all(s) == before


# --- the shipped templates ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_has_its_current_template_in_data_templates(kind) -> None:
    """`netspo template KIND` output is kept in data/templates: every column, no other."""
    spec = KINDS[kind]
    sheet = read_sheet(TEMPLATES / f"{kind}.xlsx", spec)
    assert sheet.unknown == [] and sheet.rows == []
    assert list(sheet.columns) == [c.key for c in spec.columns]


def test_netspo_template_writes_every_kind_by_its_russian_name(tmp_path, capsys) -> None:
    """`netspo template ВИД [ФАЙЛ]` knows every kind by its Russian alias (in process: the
    CLI's own entry point, without a subprocess per kind)."""
    for spec in KINDS.values():
        out = tmp_path / f"{spec.name}.xlsx"
        with pytest.raises(SystemExit) as exited:
            main(["template", spec.aliases[0], str(out)])
        assert (exited.value.code or 0) == 0, capsys.readouterr().err
        assert list(read_sheet(out, spec).columns) == [c.key for c in spec.columns]
