"""The workbench's forms driven like a user: values set on the widgets, buttons clicked
(netspo_lib.ui.forms; issue 6, item 4). Each form runs on a writable database."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import journal
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, load_actor
from netspo_lib.demo import DEMO_LOGINS, build_demo
from netspo_lib.enums import Role, StudentStatus
from netspo_lib.imports import export_kind, write_template
from netspo_lib.locks import PeriodLocked
from netspo_lib.reports import catalog
from netspo_lib.snils import format_snils, snils_check_digits
from netspo_lib.ui.common import INTERNAL_ERROR
from netspo_lib.ui.forms import ImportForm, PeriodCloseForm, ReportsForm, RolloverForm
from netspo_lib.ui.forms._shared import private_file, safe_file_name

from .factories import row_counts
from .world import World, build_world

LOG_TABLES = {"import_runs", "audit_events"}


# --- helpers ----------------------------------------------------------------------------------
def snils(n: int) -> str:
    nine = f"{n:09d}"
    return format_snils(nine + snils_check_digits(nine))


def students_xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    """The students template (write_template) with ``rows`` filled in under its header."""
    write_template("students", path)
    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[sheet.max_row]]
    for row in rows:
        sheet.append([row.get(str(h), "") for h in header])
    book.save(path)
    return path


def student(n: int, **over: str) -> dict[str, str]:
    row = {
        "Фамилия": f"Загрузкина{n}",
        "Имя": "Анна",
        "Отчество": "Петровна",
        "Дата рождения": "15.03.2009",
        "Пол": "ж",
        "СНИЛС": snils(300000000 + n),
        "Группа": "ИСП-25",
        "Основа обучения": "бюджет",
        "Номер приказа о зачислении": "7-к",
        "Дата приказа": "25.08.2025",
        "Кем подписан приказ": "директор",
    }
    row.update(over)
    return row


def choose_file(form: ImportForm, path: Path, name: str | None = None) -> None:
    """What the browser sends when a user picks a file (ipywidgets 8 FileUpload.value)."""
    data = path.read_bytes()
    form.upload.value = (
        {
            "name": name or path.name,
            "type": "text/csv" if path.suffix == ".csv" else "application/vnd.ms-excel",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime(2025, 8, 30, 12, 0),
        },
    )


def download_bytes(html_text: str) -> bytes:
    found = re.search(r'href="data:[^;]+;base64,([^"]+)"', html_text)
    assert found, html_text[:300]
    return base64.b64decode(found.group(1))


def data_counts(session: Session) -> dict[str, int]:
    return {k: v for k, v in row_counts(session).items() if k not in LOG_TABLES}


def no_traceback(*htmls: str) -> None:
    for text in htmls:
        assert "Traceback" not in text and INTERNAL_ERROR not in text


@pytest.fixture
def world(engine: Engine) -> Iterator[tuple[Engine, World]]:
    with Session(engine) as session:
        w = build_world(session)
        session.commit()
    yield engine, w


@pytest.fixture
def demo(engine: Engine) -> Iterator[tuple[Engine, dict[Role, Actor]]]:
    """A small writable demo college (one group of 30 students)."""
    build_demo(engine, students=30, seed=11)
    with Session(engine) as session:
        actors = {role: load_actor(session, login) for role, login in DEMO_LOGINS.items()}
    yield engine, actors


# --- import -----------------------------------------------------------------------------------
def test_import_form_detects_checks_commits_and_keeps_history(world, tmp_path) -> None:
    engine, w = world
    form = ImportForm(engine, w.actors[Role.ENGINEER])
    assert "Загрузок ещё не было" in form.history.value
    assert form.commit_button.disabled
    assert form.kind.options[0] == ("Определить автоматически", "__auto__")
    assert ("Студенты", "students") in form.kind.options

    path = students_xlsx(tmp_path / "новый набор.xlsx", [student(1), student(2), student(3)])
    choose_file(form, path)
    assert "новый набор.xlsx" in form.file_label.value
    assert "студенты" in form.detected.value  # detected from the header row
    assert "Номер приказа о зачислении" in form.mapping.value and "Фамилия" in form.mapping.value

    with Session(engine) as s:
        before = data_counts(s)
    form.check_button.click()
    no_traceback(form.messages.value)
    assert "Проверка пройдена" in form.messages.value
    assert form.result is not None and form.result.counts["insert"] == 3 and not form.result.committed
    assert "Будет добавлено" in form.counts.value and "<td>3</td>" in form.counts.value
    # The progress bar went through run_import's callback and is hidden again.
    assert form.progress.bar.max == 3 and form.progress.bar.value == 3
    assert form.progress.layout.display == "none"
    assert not form.commit_button.disabled
    with Session(engine) as s:
        assert data_counts(s) == before  # a dry run writes nothing

    form.commit_button.click()
    no_traceback(form.messages.value)
    assert "Загружено: строк 3" in form.messages.value
    assert form.result.committed and form.commit_button.disabled
    with Session(engine) as s:
        after = data_counts(s)
        assert after["students"] == before["students"] + 3
        names = set(s.scalars(sa.select(m.Person.last_name).where(m.Person.last_name.like("Загрузкина%"))))
    assert names == {"Загрузкина1", "Загрузкина2", "Загрузкина3"}
    history = form.history.value
    assert "новый набор.xlsx" in history and "загружено" in history and "пробный прогон" in history
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", history)

    # The same file again: all unchanged; another file after the check: commit disabled again.
    form.check_button.click()
    assert form.result.counts == {"insert": 0, "update": 0, "unchanged": 3, "refused": 0}
    assert not form.commit_button.disabled
    other = students_xlsx(tmp_path / "ещё.xlsx", [student(4)])
    choose_file(form, other)
    assert form.commit_button.disabled
    form.commit_button.click()
    assert "Сначала проверьте" in form.messages.value
    with Session(engine) as s:
        assert data_counts(s) == after


def test_import_form_shows_row_and_column_errors_and_writes_nothing(world, tmp_path) -> None:
    engine, w = world
    form = ImportForm(engine, w.actors[Role.ENGINEER])
    path = tmp_path / "плохой.csv"
    rows = [student(1), student(2, СНИЛС="112-233-445 96"), student(3, Группа="НЕТ-99")]
    header = list(rows[0])
    path.write_text(
        "\n".join(
            ";".join(r.get(h, "") for h in header) for r in [dict(zip(header, header, strict=True)), *rows]
        ),
        encoding="utf-8-sig",
    )
    form.kind.value = "students"
    choose_file(form, path)
    with Session(engine) as s:
        before = data_counts(s)
    form.check_button.click()
    no_traceback(form.messages.value, form.errors.value)
    assert "В файле ошибок" in form.messages.value
    assert form.commit_button.disabled
    problems = {(p.row, p.column) for p in form.result.problems}
    assert {(3, "СНИЛС"), (4, "Группа")} <= problems
    # The errors table: row, column, message.
    assert "<th>Строка</th><th>Столбец</th><th>Ошибка</th>" in form.errors.value
    assert (
        "<td>3</td><td>СНИЛС</td>" in form.errors.value and "<td>4</td><td>Группа</td>" in form.errors.value
    )
    # The error report .xlsx: the file's rows with an «Ошибки» column.
    report = load_workbook(io.BytesIO(download_bytes(form.report.value))).active
    assert report.cell(1, report.max_column).value == "Ошибки"
    assert "СНИЛС" in (report.cell(3, report.max_column).value or "")
    form.commit_button.click()  # disabled in the browser; a click anyway is refused
    assert "Сначала проверьте" in form.messages.value
    with Session(engine) as s:
        assert data_counts(s) == before
    assert "отклонено из-за ошибок" in form.history.value


def test_import_form_explains_a_file_it_cannot_read(world, tmp_path) -> None:
    engine, w = world
    form = ImportForm(engine, w.actors[Role.ENGINEER])
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    choose_file(form, junk)
    no_traceback(form.messages.value)
    assert "не читается как книга Excel" in form.messages.value
    weird = tmp_path / "x.csv"
    weird.write_text("Колонка;Другая\n1;2\n", encoding="utf-8")
    choose_file(form, weird)
    assert "Не удалось определить вид данных" in form.messages.value
    form.check_button.click()
    assert "Не удалось определить вид данных" in form.messages.value and form.result is None


def test_uploads_go_to_a_private_temporary_file_removed_after() -> None:
    with private_file(b"data", "../../etc/passwd") as path:
        assert path.name == "passwd" and path.read_bytes() == b"data"
        assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
        folder = path.parent
    assert not folder.exists()
    assert safe_file_name("C:\\Users\\me\\список <1>.xlsx") == "список _1_.xlsx"


# --- refusals ---------------------------------------------------------------------------------
def test_roles_without_the_right_see_the_russian_refusal(world, tmp_path) -> None:
    engine, w = world
    teacher = w.actors[Role.TEACHER]
    form = ImportForm(engine, teacher)
    assert "Недостаточно прав" in form.messages.value and "импорт данных" in form.messages.value
    assert form.check_button.layout.display == "none"
    choose_file(form, students_xlsx(tmp_path / "s.xlsx", [student(1)]))
    form.check_button.click()  # hidden for the teacher; the library refuses anyway
    assert "Недостаточно прав" in form.messages.value and form.result is None

    close = PeriodCloseForm(engine, teacher)
    assert "Недостаточно прав" in close.messages.value
    close.period.value = w.period_taught
    close.reason.value, close.order_number.value = "конец семестра", "1-о"
    close.lock_button.click()
    assert "закрытие периода" in close.messages.value
    with Session(engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(m.PeriodLock)) == 0

    roll = RolloverForm(engine, teacher)
    assert "перевод на следующий учебный год" in roll.messages.value
    roll.order_number.value = "1-к"
    roll.preview_button.click()
    assert "Недостаточно прав" in roll.messages.value and roll.plan is None

    reports = ReportsForm(engine, w.actors[Role.STUDENT])
    assert "Недостаточно прав" in reports.messages.value and reports.report.options == ()
    for form_ in (form, close, roll, reports):
        no_traceback(form_.messages.value)


# --- period close -----------------------------------------------------------------------------
def test_period_close_checklist_lock_refuses_writes_then_unlock(world) -> None:
    engine, w = world
    form = PeriodCloseForm(engine, w.actors[Role.ENGINEER])
    form.period.value = w.period_taught
    no_traceback(form.messages.value)
    assert "ИСП-25" in form.checklist.value and "Нет итоговых оценок" in form.checklist.value
    frame = form.readiness_frame
    isp = frame[frame["Группа"] == "ИСП-25"].iloc[0]
    assert isp["Нет итоговых оценок"] == 1 and isp["Готова к закрытию"] == "нет"
    assert "Закрытых периодов нет" in form.locks_table.value

    form.group.value = w.group_a
    form.lock_button.click()  # no reason, no order: the library says what is missing
    assert "Укажите причину закрытия периода" in form.messages.value
    form.reason.value = "Окончание 1 семестра"
    form.lock_button.click()
    assert "Укажите номер приказа" in form.messages.value
    form.order_number.value = "123-о"
    form.lock_button.click()
    no_traceback(form.messages.value)
    assert "закрыт для группы ИСП-25" in form.messages.value
    assert "123-о" in form.locks_table.value and "Окончание 1 семестра" in form.locks_table.value
    assert form.readiness_frame[form.readiness_frame["Группа"] == "ИСП-25"].iloc[0]["Период закрыт"] == "да"

    teacher = w.actors[Role.TEACHER]
    with Session(engine) as s, pytest.raises(PeriodLocked, match="закрыт"):
        journal.set_mark(s, teacher, lesson_id=w.lesson_a, student_id=w.student_a, value=4)
    form.lock_button.click()  # twice: refused, named
    assert "уже закрыт" in form.messages.value

    form.reason.value = ""
    form.unlock_button.click()
    assert "Укажите причину открытия периода" in form.messages.value
    form.reason.value = "Исправление ошибки в журнале"
    form.until.value = "32.13.2025"
    form.unlock_button.click()
    assert "Неверная дата" in form.messages.value
    form.until.value = ""
    form.unlock_button.click()
    no_traceback(form.messages.value)
    assert "открыт для группы ИСП-25" in form.messages.value
    assert "Исправление ошибки в журнале" in form.locks_table.value
    with Session(engine) as s:
        journal.set_mark(s, teacher, lesson_id=w.lesson_a, student_id=w.student_a, value=4)
        s.commit()


def test_locking_all_groups_from_the_form(world) -> None:
    engine, w = world
    form = PeriodCloseForm(engine, w.actors[Role.ENGINEER])
    form.period.value = w.period_taught
    assert form.group.value is None and form.group.label == "Все группы"
    form.reason.value, form.order_number.value = "Конец полугодия", "9-о"
    form.lock_button.click()
    assert "закрыт для всех групп" in form.messages.value
    with Session(engine) as s:
        lock = s.scalars(sa.select(m.PeriodLock)).one()
        assert lock.group_id is None and lock.order_number == "9-о"


# --- rollover ---------------------------------------------------------------------------------
def test_export_reimport_then_rollover_preview_and_apply_on_the_demo(demo, tmp_path) -> None:
    engine, actors = demo
    # The demo's students exported (export_kind) and checked back in the import form: unchanged.
    with Session(engine) as s:
        path = export_kind(s, actors[Role.ENGINEER], "students", tmp_path / "выгрузка.csv")
    upload = ImportForm(engine, actors[Role.ENGINEER])
    choose_file(upload, path)
    assert "студенты" in upload.detected.value
    upload.check_button.click()
    assert upload.result.ok and upload.result.counts["unchanged"] == len(upload.result.rows) > 0

    form = RolloverForm(engine, actors[Role.ENGINEER])
    no_traceback(form.messages.value)
    assert form.apply_button.disabled
    form.order_number.value = "45-к"
    form.order_date.value = "31.13.2026"
    form.preview_button.click()
    assert "Неверная дата" in form.messages.value and form.plan is None
    form.order_date.value = "30.06.2026"
    form.graduation_order_number.value = "46-к"
    form.preview_button.click()
    no_traceback(form.messages.value)
    plan = form.plan
    assert plan is not None and not plan.errors
    with Session(engine) as s:
        studying = s.scalar(
            sa.select(sa.func.count())
            .select_from(m.Student)
            .where(m.Student.status == StudentStatus.STUDYING)
        )
        groups_before = dict(s.execute(sa.select(m.Group.id, m.Group.course)).all())
    assert len(plan.students) >= studying > 0
    for d in plan.students[:5]:
        assert d.student_name in form.students_table.value
    assert "Решение" in form.students_table.value and "Причина" in form.students_table.value
    assert "переводятся" in form.summary.value and not form.apply_button.disabled

    # Final grades are missing (planted in the demo): the apply asks for a reason.
    assert plan.problems and not plan.missing_grades.empty
    assert form.force_reason.layout.display == "flex" and "Нет итоговых оценок" in form.missing_table.value
    form.apply_button.click()
    assert "укажите причину" in form.messages.value and form.outcome is None
    with Session(engine) as s:
        assert dict(s.execute(sa.select(m.Group.id, m.Group.course)).all()) == groups_before
    form.force_reason.value = "Оценки выставляются по ведомостям пересдачи"
    form.apply_button.click()
    no_traceback(form.messages.value)
    assert "Перевод выполнен" in form.messages.value, form.messages.value
    result = form.outcome
    assert result is not None
    assert result.promoted + result.graduated + result.stayed > 0
    assert f"<td>{result.promoted}</td>" in form.result_html.value
    with Session(engine) as s:
        groups_after = dict(s.execute(sa.select(m.Group.id, m.Group.course)).all())
        year = s.scalars(sa.select(m.AcademicYear).order_by(m.AcademicYear.starts_on)).first()
    assert year.status.value == "closed"
    promoted = [g for g in plan.groups if g.outcome.value == "promote"]
    for g in promoted:
        assert groups_after[g.group_id] == groups_before[g.group_id] + 1
    assert form.apply_button.disabled
    form.preview_button.click()  # the year is closed now: the library says so
    assert form.plan is None or form.plan.errors


# --- reports ----------------------------------------------------------------------------------
def test_reports_form_previews_and_downloads_an_xlsx(demo_college) -> None:
    _backend, engine, _built = demo_college
    with Session(engine) as s:
        deputy = load_actor(s, DEMO_LOGINS[Role.DEPUTY_DIRECTOR])
        curator = load_actor(s, DEMO_LOGINS[Role.CURATOR])
        engineer = load_actor(s, DEMO_LOGINS[Role.ENGINEER])
        all_groups = dict(s.execute(sa.select(m.Group.name, m.Group.id)).all())
        period_id = s.scalar(
            sa.select(m.StudyPeriod.id).where(
                m.StudyPeriod.name == "1 семестр", m.StudyPeriod.starts_on == date(2025, 9, 1)
            )
        )
    form = ReportsForm(engine, deputy)
    no_traceback(form.messages.value)
    names = [v for _, v in form.report.options]
    assert {"groups", "grade-sheet", "journal-filling"} <= set(names)
    form.report.value = "groups"
    form.period.value = period_id
    assert form.group.value is None
    form.show_button.click()
    no_traceback(form.messages.value)
    frame = form.frame
    assert frame is not None and not frame.empty and "Группа" in frame.columns
    assert set(frame["Группа"]) <= set(all_groups)
    for name in frame["Группа"]:
        assert name in form.preview.value

    form.download_button.click()
    no_traceback(form.messages.value)
    data = download_bytes(form.download.value)
    assert data == form.file_bytes
    sheet = load_workbook(io.BytesIO(data)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "Итоги успеваемости групп" in values
    numeric = frame.select_dtypes("number")
    first_number = next(v for v in numeric.iloc[0].tolist() if v == v)
    assert any(isinstance(v, int | float) and abs(v - first_number) < 1e-6 for v in values)

    # A report on one group: the signature lines of the paper copy.
    form.report.value = "grade-sheet"
    assert form.group.value is not None
    form.download_button.click()
    no_traceback(form.messages.value)
    sheet = load_workbook(io.BytesIO(form.file_bytes)).active
    texts = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    assert "Классный руководитель" in texts and "Заведующий отделением" in texts

    # A department: the groups of that department only.
    form.report.value = "groups"
    departments = [v for _, v in form.department.options if v is not None]
    assert departments
    form.department.value = departments[0]
    with Session(engine) as s:
        in_department = set(s.scalars(sa.select(m.Group.name).where(m.Group.department_id == departments[0])))
    assert {label for label, v in form.group.options if v is not None} == in_department
    form.show_button.click()
    no_traceback(form.messages.value)
    assert set(form.frame["Группа"]) <= in_department

    # The curator is offered only the curator's own group; the engineer the control reports.
    mine = ReportsForm(engine, curator)
    mine.report.value = "groups"
    own = [v for _, v in mine.group.options if v is not None]
    assert len(own) == 1
    mine.period.value = period_id
    mine.show_button.click()
    no_traceback(mine.messages.value)
    assert len(mine.frame) == 1
    assert {v for _, v in ReportsForm(engine, engineer).report.options} >= {"journal-filling", "hours"}
    assert "groups" not in {v for _, v in ReportsForm(engine, engineer).report.options}


def test_reports_of_several_sheets_and_the_teachers_own_reports(demo_college) -> None:
    """Reports added to the catalog appear by themselves: the teacher gets the teacher's own
    reports; one with print-ready sheets (``ReportSpec.sheets``) downloads as that workbook."""
    _backend, engine, _built = demo_college
    with Session(engine) as s:
        teacher = load_actor(s, DEMO_LOGINS[Role.TEACHER])
        period_id = s.scalar(
            sa.select(m.StudyPeriod.id).where(
                m.StudyPeriod.name == "1 семестр", m.StudyPeriod.starts_on == date(2025, 9, 1)
            )
        )
    own = [n for n, spec in catalog.REPORTS.items() if spec.rights == (Action.REPORT_TEACHER,)]
    form = ReportsForm(engine, teacher)
    no_traceback(form.messages.value)
    offered = [v for _, v in form.report.options]
    assert set(offered) == set(own)
    if not own:
        assert "Недостаточно прав" in form.messages.value
        return
    with_sheets = [v for v in offered if getattr(catalog.get(v), "sheets", None) is not None]
    for name in with_sheets[:1]:
        form.report.value = name
        form.period.value = period_id
        form.download_button.click()
        no_traceback(form.messages.value)
        assert "Файл готов" in form.messages.value, form.messages.value
        book = load_workbook(io.BytesIO(form.file_bytes))
        texts = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
        assert any(teacher.name.split()[0] in t for t in texts), texts[:10]
    form.report.value = offered[0]
    form.period.value = period_id
    form.show_button.click()
    no_traceback(form.messages.value)
    assert form.frame is not None
