"""The ``netspo`` command speaks Russian and keeps its exit codes: 0 done, 1 refused, 2 usage."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from netspo_lib import db
from netspo_lib.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_help_is_russian(capsys) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "Использование: netspo [ПАРАМЕТРЫ] КОМАНДА" in out
    for command in ("db", "demo", "info"):
        assert f"  {command} " in out
    assert "Показать эту справку и выйти." in out


def test_unknown_command_is_a_usage_error_in_russian(capsys) -> None:
    code, _, err = run(capsys, "frobnicate")
    assert code == 2
    assert "Нет такой команды: 'frobnicate'" in err


def test_non_numeric_student_count_is_a_usage_error(capsys) -> None:
    code, _, err = run(capsys, "demo", "--students", "много")
    assert code == 2
    assert "'много' — не число" in err


def test_info_on_missing_file_is_refused_without_creating_it(capsys, tmp_path) -> None:
    path = tmp_path / "нет.sqlite"
    code, _, err = run(capsys, "info", "--db", f"sqlite:///{path}")
    assert code == 1
    assert "файл базы данных не найден" in err
    assert not path.exists()


def test_info_on_database_without_schema_is_refused(capsys, tmp_path) -> None:
    path = tmp_path / "empty.sqlite"
    sa.create_engine(f"sqlite:///{path}").connect().close()
    code, _, err = run(capsys, "info", "--db", f"sqlite:///{path}")
    assert code == 1
    assert "netspo db upgrade" in err


def test_bad_database_url_is_refused(capsys) -> None:
    code, _, err = run(capsys, "info", "--db", "это не адрес")
    assert code == 1
    assert "неверный адрес базы данных" in err


def test_db_upgrade_creates_schema_then_reports_it_current(capsys, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'n.sqlite'}"
    code, out, _ = run(capsys, "db", "upgrade", "--db", url)
    assert code == 0 and "Схема обновлена" in out
    code, out, _ = run(capsys, "db", "upgrade", "--db", url)
    assert code == 0 and "Схема уже актуальна" in out
    assert db.current_revision(db.make_engine(url)) == db.head_revision(db.make_engine(url))


def test_console_script_runs_as_a_process(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    done = subprocess.run(
        [sys.executable, "-m", "netspo_lib.cli", "db", "upgrade", "--db", url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Схема обновлена" in done.stdout
    assert "Traceback" not in done.stderr
