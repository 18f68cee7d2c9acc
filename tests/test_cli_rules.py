"""The rules' commands of ``netspo`` on a small demo college: acting ``--as`` a user under the
same access rules, Russian refusals with exit code 1."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
import sqlalchemy as sa

from netspo_lib import db
from netspo_lib import models as m
from netspo_lib.demo import build_demo
from netspo_lib.enums import Role

from .test_cli import run


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("cli") / "demo.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    built = build_demo(engine, students=60, seed=21)
    engine.dispose()
    return path, built


@pytest.fixture
def demo_url(demo_file, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A private copy of the demo database for one test (commands write)."""
    path, _ = demo_file
    copy = tmp_path / "demo.sqlite"
    shutil.copy(path, copy)
    return f"sqlite:///{copy}"


def test_deadlines_as_the_default_engineer_writes_a_russian_table(capsys, demo_url, tmp_path) -> None:
    out = tmp_path / "нарушения.xlsx"
    code, stdout, _ = run(capsys, "deadlines", "--on", "10.07.2026", "--out", str(out), "--db", demo_url)
    assert code == 0
    assert "Нарушения сроков на 10.07.2026" in stdout
    assert "Д-7" in stdout and "Д-8" in stdout  # the codes as users read them
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[4]]
    assert header[:4] == ["Срок", "Требование", "Что", "Ответственный"]
    assert sheet.max_row > 5


def test_deadlines_refused_to_a_student(capsys, demo_url, demo_file) -> None:
    _, built = demo_file
    code, _, err = run(capsys, "deadlines", "--as", built.logins[Role.STUDENT], "--db", demo_url)
    assert code == 1
    assert "Недостаточно прав" in err


def test_bad_date_is_a_usage_error(capsys, demo_url) -> None:
    code, _, err = run(capsys, "deadlines", "--on", "31.02.2026", "--db", demo_url)
    assert code == 2
    assert "Неверная дата «31.02.2026»" in err


def test_curator_issues_credentials_for_the_own_group_only(capsys, demo_url, demo_file, tmp_path) -> None:
    """R-4.7.c."""
    _, built = demo_file
    engine = db.make_engine(demo_url)
    with engine.connect() as conn:
        own = conn.execute(
            sa.select(m.Group.name)
            .join(m.RoleGrant, m.RoleGrant.group_id == m.Group.id)
            .join(m.UserAccount, m.UserAccount.id == m.RoleGrant.account_id)
            .where(m.UserAccount.login == built.logins[Role.CURATOR], m.RoleGrant.role == Role.CURATOR)
        ).scalar_one()
        other = conn.execute(sa.select(m.Group.name).where(m.Group.name != own).limit(1)).scalar_one()
    sheet_path = tmp_path / "реквизиты.xlsx"
    curator = built.logins[Role.CURATOR]
    code, stdout, err = run(
        capsys, "users", "issue", "--group", own, "--out", str(sheet_path), "--as", curator, "--db", demo_url
    )
    assert code == 0, err
    assert f"Группа {own}: выдано реквизитов" in stdout
    assert sheet_path.exists()
    code, _, err = run(
        capsys, "users", "issue", "--group", other, "--out", str(tmp_path / "x.xlsx"), "--as", curator,
        "--db", demo_url,
    )  # fmt: skip
    assert code == 1 and "Недостаточно прав" in err
    assert not (tmp_path / "x.xlsx").exists()


def test_rollover_preview_changes_nothing_and_apply_needs_a_reason(capsys, demo_url) -> None:
    """R-4.2.d: preview first; missing final grades refuse the apply unless a reason is given."""
    engine = db.make_engine(demo_url)

    def orders() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(m.Order)).scalar_one()

    before = orders()
    args = ["year", "rollover", "--order", "150-к", "--date", "01.07.2026", "--graduation-order", "151-к"]
    code, stdout, _ = run(capsys, *args, "--db", demo_url)
    assert code == 0 and "Это просмотр" in stdout
    assert orders() == before
    code, _, err = run(capsys, *args, "--apply", "--db", demo_url)
    assert code == 1 and "Не выставлено итоговых оценок" in err
    assert orders() == before
    code, stdout, _ = run(
        capsys, *args, "--apply", "--force-reason", "Долги до 15.09 по приказу", "--db", demo_url
    )
    assert code == 0 and "Перевод выполнен" in stdout
    after = orders()
    assert after > before  # the course-transfer order (and the graduation one if any)
    code, _, err = run(capsys, *args, "--apply", "--force-reason", "ещё раз", "--db", demo_url)
    assert code == 1
    assert orders() == after


def test_unknown_acting_user_is_refused(capsys, demo_url) -> None:
    code, _, err = run(capsys, "deadlines", "--as", "nobody", "--db", demo_url)
    assert code == 1
    assert "Пользователь «nobody» не найден" in err


def test_engineer_locks_a_period_and_a_teacher_cannot(capsys, demo_url, demo_file) -> None:
    """R-4.2.e: the engineer closes a period with a reason and an order number; audited."""
    _, built = demo_file
    lock = ["period", "lock", "--year", "2025/2026", "--period", "1", "--reason", "Конец семестра"]
    code, _, err = run(capsys, *lock, "--order", "12-о", "--as", built.logins[Role.TEACHER], "--db", demo_url)
    assert code == 1 and "нет права «закрытие периода»" in err
    code, stdout, _ = run(capsys, *lock, "--order", "12-о", "--db", demo_url)
    assert code == 0 and "Период закрыт: 1 семестр 2025/2026, все группы." in stdout
    code, stdout, _ = run(capsys, "period", "status", "--db", demo_url)
    assert "12-о" in stdout and "Конец семестра" in stdout
    code, stdout, _ = run(capsys, "audit", "--db", demo_url)
    assert code == 0 and "период закрыт" in stdout
    engine = db.make_engine(demo_url)
    with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError, match="netspo:period_locked"):
        conn.execute(
            sa.text(
                "UPDATE marks SET value = 5 WHERE lesson_id IN (SELECT id FROM lessons WHERE period_id = 1)"
            )
        )


def test_unlock_until_a_past_date_is_refused(capsys, demo_url) -> None:
    run(
        capsys,
        "period",
        "lock",
        "--period",
        "1",
        "--reason",
        "Конец семестра",
        "--order",
        "1-о",
        "--db",
        demo_url,
    )
    code, _, err = run(
        capsys,
        "period",
        "unlock",
        "--period",
        "1",
        "--reason",
        "Исправить",
        "--until",
        "15.01.2026",
        "--db",
        demo_url,
    )
    assert code == 1 and "в будущем" in err


def test_report_list_and_a_report_file_with_the_same_numbers(capsys, demo_url, demo_file, tmp_path) -> None:
    """R-6.2: the discipline results in the file equal the library's table."""
    from sqlalchemy.orm import Session

    from netspo_lib.access import load_actor
    from netspo_lib.reports.performance import discipline_results

    _, built = demo_file
    code, stdout, _ = run(capsys, "report", "--list", "--db", demo_url)
    assert code == 0 and "grade-sheet" in stdout and "Сводная ведомость" in stdout
    out = tmp_path / "итоги.xlsx"
    deputy = built.logins[Role.DEPUTY_DIRECTOR]
    args = ["report", "disciplines", "--year", "2025/2026", "--period", "1", "--as", deputy]
    code, stdout, err = run(capsys, *args, "--out", str(out), "--db", demo_url)
    assert code == 0, err
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[4]]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=5)]
    with Session(db.make_engine(demo_url)) as session:
        frame = discipline_results(session, load_actor(session, deputy), period_id=1)
    assert len(rows) == len(frame)
    progress = header.index("Успеваемость, %")
    expected = sorted(round(v, 1) for v in frame["progress_pct"])
    assert sorted(float(r[progress]) for r in rows) == expected


def test_report_scope_and_arguments(capsys, demo_url, demo_file, tmp_path) -> None:
    _, built = demo_file
    code, _, err = run(capsys, "report", "grade-sheet", "--out", str(tmp_path / "x.xlsx"), "--db", demo_url)
    assert code == 1 and "укажите группу" in err
    teacher = built.logins[Role.TEACHER]
    code, _, err = run(
        capsys, "report", "groups", "--as", teacher, "--out", str(tmp_path / "y.xlsx"), "--db", demo_url
    )
    assert code == 1 and "нет права «отчёты по группе»" in err
    assert not (tmp_path / "y.xlsx").exists()


def test_grade_sheet_file_equals_its_table_and_has_signature_lines(
    capsys, demo_url, demo_file, tmp_path
) -> None:
    """R-4.7.b, R-4.5.c: the printed consolidated sheet holds the library's numbers and
    the lines where the curator and the department head sign."""
    from sqlalchemy.orm import Session

    from netspo_lib.access import load_actor
    from netspo_lib.reports.grade_sheet import grade_sheet

    _, built = demo_file
    curator = built.logins[Role.CURATOR]
    engine = db.make_engine(demo_url)
    with Session(engine) as session:
        actor = load_actor(session, curator)
        group_id = next(g.group_id for g in actor.grants if g.group_id is not None)
        group = session.get(m.Group, group_id).name
        frame = grade_sheet(session, actor, group_id=group_id, period_id=1)
    out = tmp_path / "ведомость.xlsx"
    args = [
        "report",
        "grade-sheet",
        "--group",
        group,
        "--year",
        "2025/2026",
        "--period",
        "1",
        "--as",
        curator,
    ]
    code, _, err = run(capsys, *args, "--out", str(out), "--db", demo_url)
    assert code == 0, err
    sheet = openpyxl.load_workbook(out).active
    assert sheet["A1"].value == "Сводная ведомость успеваемости"
    assert group in sheet["A2"].value
    header = [c.value for c in sheet[4]]
    assert header == list(frame.columns)
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=5, max_row=4 + len(frame))]
    expected = frame.astype(object).where(frame.notna(), "").values.tolist()
    assert [[("" if v is None else v) for v in r] for r in body] == expected
    text = [str(c.value) for row in sheet.iter_rows(min_row=5 + len(frame)) for c in row if c.value]
    assert "Классный руководитель" in text and "Заведующий отделением" in text
