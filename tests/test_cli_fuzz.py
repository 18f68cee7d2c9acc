"""Bad input at every CLI command (issue 9): wrong types, control characters, huge values,
SQL and HTML fragments in every argument. Never a traceback or an internal error: a Russian
refusal (exit 1) or usage error (exit 2), and a refused command changes nothing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netspo_lib import db
from netspo_lib.cli import main
from netspo_lib.demo import build_demo
from netspo_lib.models import Base

NASTY = st.one_of(
    st.text(min_size=0, max_size=40),
    st.sampled_from(
        [
            "'; DROP TABLE students;--",
            "1 OR 1=1",
            "<script>alert(1)</script>",
            '=HYPERLINK("http://x")',
            "\x00\x01\x1b[31m",
            "9" * 400,
            "-1",
            "31.02.2026",
            "2026-13-45",
            "../../etc/passwd",
            "ИСП-23\u202e",
            "NaN",
            "",
        ]
    ),
)

# Commands with every option a user types; {} is filled with generated text. Commands that
# would legitimately write (a rollover with --apply, an import with --commit) are given
# values that must be refused, and the database is compared after each run.
COMMANDS: list[list[str]] = [
    ["deadlines", "--on", "{}"],
    ["period", "lock", "--period", "{}", "--reason", "{}", "--order", "{}"],
    ["period", "unlock", "--period", "1", "--reason", "{}", "--until", "{}"],
    ["audit", "--group", "{}"],
    ["audit", "--student", "{}"],
    ["audit", "--user", "{}"],
    ["report", "{}", "--out", "{}.xlsx"],
    ["report", "grade-sheet", "--group", "{}", "--period", "1", "--out", "x.xlsx"],
    ["users", "issue", "--group", "{}", "--out", "{}.xlsx", "--as", "curator"],
    ["year", "rollover", "--order", "{}", "--date", "{}"],
    ["slides", "--period", "{}", "--out", "x.pptx", "--as", "metodist"],
    ["template", "{}"],
    ["export", "{}", "x.xlsx"],
    ["import", "students", "{}"],
    ["restore", "{}", "--yes"],
    ["info", "--as", "{}"],
    ["period", "status", "--as", "{}"],
]


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> tuple[str, Path]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'fuzz.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    build_demo(engine, students=30, seed=4)
    engine.dispose()
    return url, folder


# The journal's big tables change only through journal writes and imports, which these
# commands refuse before writing: their row counts are compared, every other row in full.
COUNTED_ONLY = {"marks", "attendance", "lessons", "timetable_lessons", "activity_events"}


def _fingerprint(url: str) -> str:
    """A digest of the database: «exactly as before» (activity events are left out: a
    refused login is logged on purpose)."""
    engine = db.make_engine(url)
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == "activity_events":
                continue
            if table.name in COUNTED_ONLY:
                rows = conn.execute(sa.select(sa.func.count()).select_from(table)).all()
            else:
                rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            digest.update(repr(rows).encode())
    engine.dispose()
    return digest.hexdigest()


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exited:
        code = int(exited.code or 0) if not isinstance(exited.code, str) else 1
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(NASTY, min_size=3, max_size=3))
def test_a_command_never_crashes_on_bad_input(
    database: tuple[str, Path], capsys: pytest.CaptureFixture[str], command: list[str], values: list[str]
) -> None:
    url, folder = database
    filled, it = [], iter(values)
    for part in command:
        if "{}" in part:
            value = next(it).replace("\x00", "")  # a NUL cannot reach argv from a shell
            part = part.replace("{}", value)
            if part.endswith((".xlsx", ".pptx")) or command[0] == "restore":
                part = str(folder / Path(part).name) if Path(part).name else str(folder / "x.xlsx")
        filled.append(part)
    before = _fingerprint(url)
    cwd = os.getcwd()
    os.chdir(folder)  # files a command may write land in the test's folder
    try:
        code, text = _run([*filled, "--db", url], capsys)
    finally:
        os.chdir(cwd)
    assert code in (0, 1, 2), (filled, code, text)
    assert "Traceback" not in text and "внутренняя ошибка" not in text.lower(), (filled, text)
    if code != 0:
        assert any("а" <= ch <= "я" for ch in text.lower()), (filled, text)  # the reason, in Russian
        assert _fingerprint(url) == before, filled  # a refused command changes nothing
