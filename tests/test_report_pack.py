"""The report pack (R-4.5.c, R-4.11.d, R-6.3): every group's consolidated grade sheet and
curator report for a period, written with XlsxWriter to a folder, a .zip or one workbook,
with a progress callback — on the shared demo college of each backend."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from sqlalchemy.orm import Session

from netspo_lib.access import AccessDenied, Action, load_actor, visible_groups
from netspo_lib.enums import Role
from netspo_lib.errors import NetspoError
from netspo_lib.reports.curator import curator_report
from netspo_lib.reports.grade_sheet import grade_sheet
from netspo_lib.reports.pack import report_pack
from netspo_lib.reports.performance import group_summary

SEMESTER_1 = 1
SUMMARIES: dict[str, list] = {}


@pytest.fixture(scope="module")
def demo(demo_college):  # type: ignore[no-untyped-def]
    backend, engine, built = demo_college
    with Session(engine) as session:
        yield backend, session, built


def test_pack_zip_holds_every_group_with_the_numbers(demo, tmp_path) -> None:
    """One workbook per group; each holds the grade sheet's cells and the curator report's
    numbers, with the signature lines; progress goes 0 … total."""
    _backend, session, built = demo
    deputy = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    calls: list[tuple[int, int, str]] = []
    result = report_pack(
        session, deputy, period_id=SEMESTER_1, out=tmp_path / "pack.zip", progress=lambda *a: calls.append(a)
    )
    groups = visible_groups(session, deputy, Action.REPORT_GROUP)
    assert result.groups == len(groups) > 1
    assert [c[0] for c in calls] == list(range(len(groups) + 1))
    assert calls[-1] == (len(groups), len(groups), "Готово")
    with zipfile.ZipFile(result.path) as archive:
        assert sorted(archive.namelist()) == sorted(result.files)
        first = archive.read(result.files[0])
    wb = openpyxl.load_workbook(io.BytesIO(first))
    assert len(wb.sheetnames) == 2 and wb.sheetnames[0].endswith("ведомость")
    group_name = wb.sheetnames[0].removesuffix(" ведомость")
    group_id = next(g for g in groups if _name(session, g) == group_name)
    expected = grade_sheet(session, deputy, group_id=group_id, period_id=SEMESTER_1)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "Студент")
    body = [["" if v is None else v for v in r[: len(expected.columns)]] for r in rows[header + 1 :]]
    for line, want in zip(body, expected.itertuples(index=False), strict=False):
        assert line == ["" if v is None or v != v else v for v in want]
    report = curator_report(session, deputy, group_id=group_id, period_id=SEMESTER_1)
    cells = [c for r in wb.worksheets[1].iter_rows(values_only=True) for c in r if c is not None]
    for value in report.summary.iloc[0].tolist():
        if value is not None:
            assert value in cells
    for sheet in wb.worksheets:
        names = [c for r in sheet.iter_rows(values_only=True) for c in r if c is not None]
        assert "Классный руководитель" in names and "Заведующий отделением" in names


def _name(session: Session, group_id: int) -> str:
    from netspo_lib import models as m

    return session.get(m.Group, group_id).name


def test_pack_folder_and_one_workbook(demo, tmp_path) -> None:
    _backend, session, built = demo
    deputy = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    folder = report_pack(session, deputy, period_id=SEMESTER_1, out=tmp_path / "pack")
    assert sorted(p.name for p in (tmp_path / "pack").iterdir()) == sorted(folder.files)
    book = report_pack(session, deputy, period_id=SEMESTER_1, out=tmp_path / "pack.xlsx")
    assert len(openpyxl.load_workbook(book.path, read_only=True).sheetnames) == 2 * book.groups
    with pytest.raises(NetspoError):
        report_pack(session, deputy, period_id=SEMESTER_1, out=tmp_path / "pack.pdf")


def test_curator_pack_holds_the_own_group_and_a_teacher_is_refused(demo, tmp_path) -> None:
    _backend, session, built = demo
    curator = load_actor(session, built.logins[Role.CURATOR])
    result = report_pack(session, curator, period_id=SEMESTER_1, out=tmp_path / "own.zip")
    assert result.groups == 1 and len(result.files) == 1
    teacher = load_actor(session, built.logins[Role.TEACHER])
    with pytest.raises(AccessDenied):
        report_pack(session, teacher, period_id=SEMESTER_1, out=tmp_path / "t.zip")


def test_curator_reports_equal_on_both_backends(demo) -> None:
    """The curator reports of every demo group are the same on SQLite and PostgreSQL."""
    backend, session, built = demo
    deputy = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    found = []
    summary = group_summary(session, deputy, period_id=SEMESTER_1).set_index("group")
    for group_id in visible_groups(session, deputy, Action.REPORT_GROUP):
        report = curator_report(session, deputy, group_id=group_id, period_id=SEMESTER_1)
        # The curator's row of categories is performance.group_summary's row.
        row = summary.loc[report.info.group]
        expected = [
            *row.iloc[:6].astype(int).tolist(),
            round(row["progress_pct"], 1),
            round(row["quality_pct"], 1),
        ]
        assert report.summary.iloc[0].tolist()[:8] == expected
        found.append(
            [
                report.info.group,
                report.summary.values.tolist(),
                report.disciplines.values.tolist(),
                report.attendance.values.tolist(),
                report.failing.values.tolist(),
            ]
        )
    SUMMARIES[backend] = found
    if len(SUMMARIES) == 2:
        assert SUMMARIES["sqlite"] == SUMMARIES["postgresql"]


def test_sheets_are_print_ready_and_text_stays_text(tmp_path) -> None:
    """The XlsxWriter sheets: landscape, A4, fit to the page width, the first table's header
    frozen and repeated on every page; text starting with = or @ is never a formula."""
    import pandas as pd

    from netspo_lib.tables import Block, SheetSpec, write_sheets

    frame = pd.DataFrame({"Студент": ["=1+1", "@b", None], "Балл": [4.5, pd.NA, 3]})
    spec = SheetSpec(
        "Лист/1", "Заголовок", "Колледж; группа", blocks=[Block(frame, "Таблица")], signatures=["Кто"]
    )
    path = write_sheets(tmp_path / "x.xlsx", [spec, spec])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Лист 1", "Лист 1 (2)"]
    ws = wb.worksheets[0]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage  # one page wide (the default), any height
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.freeze_panes == "A6" and ws.print_title_rows == "$5:$5"
    assert [ws.cell(row=r, column=1).data_type for r in range(6, 8)] == ["s", "s"]
    assert ws.cell(row=6, column=1).value == "'=1+1"
    assert ws.cell(row=7, column=2).value is None and ws.cell(row=8, column=2).value == 3
    assert ["Кто", "____________________", "/ ____________________ /"] in [
        list(r[:3]) for r in ws.iter_rows(values_only=True)
    ]


def test_cli_lists_and_writes_the_new_reports(tmp_path, capsys) -> None:
    """`netspo report --list` names the new reports in Russian; `netspo report curator
    --group G --out F.xlsx` writes the curator's table with the signature lines (on a small
    migrated demo of its own: the CLI refuses a database without the migrations' stamp)."""
    from netspo_lib import db
    from netspo_lib.cli import main
    from netspo_lib.demo import build_demo

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    built = build_demo(engine, students=10, seed=3)
    with pytest.raises(SystemExit) as done:
        main(["report", "--list", "--db", url])
    listed = capsys.readouterr().out
    assert done.value.code in (0, None)
    for name, title in (
        ("curator-prelim", "Предварительный отчёт классного руководителя"),
        ("curator", "Отчёт классного руководителя за период"),
        ("letters", "Информационные письма родителям"),
        ("teacher", "Отчёт преподавателя за период"),
        ("teacher-year", "Отчёт преподавателя за учебный год"),
        ("yearly", "Годовой отчёт по специальностям"),
    ):
        assert f"{name} " in listed and title in listed
    with Session(engine) as session:
        curator = load_actor(session, built.logins[Role.CURATOR])
        group_id = visible_groups(session, curator, Action.REPORT_GROUP)[0]
        group = _name(session, group_id)
        expected = curator_report(session, curator, group_id=group_id, period_id=SEMESTER_1).students
    out = tmp_path / "curator.xlsx"
    login = built.logins[Role.CURATOR]
    with pytest.raises(SystemExit) as done:
        main(["report", "curator", "--group", group, "--as", login, "--out", str(out), "--db", url])
    assert done.value.code in (0, None), capsys.readouterr()
    engine.dispose()
    cells = [
        c for r in openpyxl.load_workbook(out).active.iter_rows(values_only=True) for c in r if c is not None
    ]
    assert set(expected["Студент"]) <= set(cells)
    assert set(expected["Категория"]) <= set(cells)
    assert "Классный руководитель" in cells and "Заведующий отделением" in cells
    # The full workbook: the curator report's five tables, not only the students' one.
    sheet_text = " ".join(str(c) for c in cells)
    assert "Пропущено" in sheet_text or "пропущено" in sheet_text.lower()

    # And the pack of every group the curator may report on, with a progress bar.
    pack = tmp_path / "пакет.zip"
    with pytest.raises(SystemExit) as done:
        main(["report-pack", "--period", "1", "--as", login, "--out", str(pack), "--db", url])
    out_text = capsys.readouterr().out
    assert done.value.code in (0, None), out_text
    assert "Групп: 1" in out_text and pack.exists()
    with zipfile.ZipFile(pack) as archive:
        assert any(group in name for name in archive.namelist())
