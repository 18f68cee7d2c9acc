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
    # The one workbook and each workbook of the folder: what XlsxWriter writes for the sheets.
    from netspo_lib.reports.pack import group_sheets

    groups = sorted(visible_groups(session, deputy, Action.REPORT_GROUP), key=lambda g: _name(session, g))
    specs = {g: group_sheets(session, deputy, group_id=g, period_id=SEMESTER_1) for g in groups}
    everything = [spec for g in groups for spec in specs[g]]
    assert _book_parts(book.path.read_bytes()) == _book_parts(_xlsxwriter_bytes(everything))
    for g, name in zip(groups, folder.files, strict=True):
        assert _book_parts((tmp_path / "pack" / name).read_bytes()) == _book_parts(
            _xlsxwriter_bytes(specs[g])
        )
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


def test_pack_leaves_the_garbage_collector_as_it_was(demo, tmp_path) -> None:
    """The pack pauses the cyclic garbage collector while it works, and puts it back."""
    import gc

    _backend, session, built = demo
    curator = load_actor(session, built.logins[Role.CURATOR])
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            report_pack(session, curator, period_id=SEMESTER_1, out=tmp_path / f"{enabled}.zip")
            assert gc.isenabled() is enabled
    finally:
        gc.enable()


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


# --- The set-based pack equals the straightforward computation, group by group ----------


def _plain_grade_sheet(session: Session, group_id: int, period_id: int):  # type: ignore[no-untyped-def]
    """The grade sheet as it was computed before the pack was batched: two queries for one
    group, pivoted row by row (the reference the batch must equal)."""
    import pandas as pd
    import sqlalchemy as sa

    from netspo_lib import models as m
    from netspo_lib.enums import StudentStatus
    from netspo_lib.models.people import full_name
    from netspo_lib.reports.grade_sheet import NUMERIC, _index_order
    from netspo_lib.reports.metrics import from_counts

    period = session.get(m.StudyPeriod, period_id)
    students = session.execute(
        sa.select(m.Student.id, m.Person.last_name, m.Person.first_name, m.Person.middle_name)
        .join(m.Person, m.Person.id == m.Student.person_id)
        .where(
            m.Student.group_id == group_id,
            sa.or_(m.Student.left_on.is_(None), m.Student.left_on > period.ends_on),
            m.Student.status != StudentStatus.EXPELLED,
        )
        .order_by(m.Person.last_name, m.Person.first_name, m.Student.id)
    ).all()
    grades = session.execute(
        sa.select(m.FinalGrade.student_id, m.CurriculumItem.index, m.FinalGrade.result)
        .join(m.CurriculumItem, m.CurriculumItem.id == m.FinalGrade.curriculum_item_id)
        .join(m.Student, m.Student.id == m.FinalGrade.student_id)
        .where(m.FinalGrade.period_id == period_id, m.Student.group_id == group_id)
        .order_by(m.FinalGrade.id)
    ).all()
    items = sorted({index for _, index, _ in grades}, key=_index_order)
    by_student: dict = {}
    for student_id, index, result in grades:
        by_student.setdefault(student_id, {})[index] = result
    rows = []
    for student_id, last, first, middle in students:
        own = by_student.get(student_id, {})
        numbers = [NUMERIC[r.value] for r in own.values() if r.value in NUMERIC]
        row: dict = {"Студент": full_name(last, first, middle)}
        row.update({index: own[index].label if index in own else "" for index in items})
        row["Средний балл"] = round(sum(numbers) / len(numbers), 2) if numbers else None
        for value, label in (("5", "«5»"), ("4", "«4»"), ("3", "«3»"), ("2", "«2»"), ("not_attested", "н/а")):
            row[label] = sum(1 for r in own.values() if r.value == value)
        rows.append(row)
    footer = []
    for label, attr in (("Успеваемость, %", "progress_pct"), ("Качество, %", "quality_pct")):
        line: dict = {"Студент": label}
        for index in items:
            counts: dict = {}
            for own in (by_student.get(s[0], {}) for s in students):
                if index in own:
                    counts[own[index].value] = counts.get(own[index].value, 0) + 1
            value = getattr(from_counts(counts), attr)
            line[index] = round(value, 1) if value is not None else ""
        footer.append(line)
    return pd.concat([pd.DataFrame(rows), pd.DataFrame(footer)], ignore_index=True)


def _plain_curator_tables(session: Session, actor, group_id: int, period_id: int):  # type: ignore[no-untyped-def]
    """The curator report's tables as they were computed before the pack was batched: the
    library's per-group queries (performance, attendance) for this one group."""
    import pandas as pd
    import sqlalchemy as sa

    from netspo_lib import models as m
    from netspo_lib.locks import period_label
    from netspo_lib.reports import attendance, performance
    from netspo_lib.reports import curator as c
    from netspo_lib.reports.metrics import from_counts

    group, college, department, person = session.execute(
        sa.select(m.Group.name, m.College.name, m.Department.name, m.Person)
        .join(m.College, m.College.id == m.Group.college_id)
        .join(m.Department, m.Department.id == m.Group.department_id)
        .outerjoin(m.Person, m.Person.id == m.Group.curator_id)
        .where(m.Group.id == group_id)
    ).one()
    period = session.get(m.StudyPeriod, period_id)
    info = c.GroupInfo(
        group_id, group, college, department, person.short_name if person else "",
        period_label(session, period_id), period.starts_on, period.ends_on,
    )  # fmt: skip
    students = performance.student_results(session, actor, period_id=period_id, group_ids=[group_id])
    disciplines = performance.discipline_results(session, actor, period_id=period_id, group_ids=[group_id])
    totals = {
        r: int(disciplines[f"n_{r}"].sum()) if not disciplines.empty else 0 for r in performance.RESULTS
    }
    pooled = from_counts(totals)
    part = students[students["category"] != "нет оценок"]
    n, cat = len(part), part["category"]
    failing_n = int(cat.isin(c.FAILING_CATEGORIES).sum())
    summary = c._round(
        pd.DataFrame(
            [[
                n, int((cat == "отличник").sum()), int((cat == "хорошист").sum()),
                int((cat == "с одной «3»").sum()), int((cat == "неуспевающий").sum()),
                int((cat == "не аттестован").sum()),
                100.0 * (n - failing_n) / n if n else None,
                100.0 * int(cat.isin(["отличник", "хорошист"]).sum()) / n if n else None,
                pooled.sou_pct, pooled.mean,
            ]],
            columns=c.SUMMARY_COLUMNS,
        )
    )  # fmt: skip
    hours = attendance.student_attendance(
        session, actor, group_ids=[group_id], start=info.starts_on, end=info.ends_on
    )
    enrolled = {sid for sid, _ in c._students(session, group_id, info.ends_on)}
    hours = hours[hours["student_id"].isin(enrolled)]
    att = pd.DataFrame(
        {
            "Студент": hours["student"],
            "Пропущено, ч": hours["missed_hours"],
            "По уважительной причине, ч": hours["excused_hours"],
            "Без уважительной причины, ч": hours["unexcused_hours"],
            "Опозданий": hours["late"],
            "Пропущено полных дней": hours["full_days"],
        }
    ).reset_index(drop=True)
    total = ["Итого", *[int(att[col].sum()) for col in c.ATTENDANCE_COLUMNS[1:]]]
    att = pd.concat([att, pd.DataFrame([total], columns=c.ATTENDANCE_COLUMNS)], ignore_index=True)
    failing_ids = students.loc[students["category"].isin(c.FAILING_CATEGORIES)]
    debts = c._debts(session, period_id, list(failing_ids["student_id"]), [group_id])
    failing = pd.DataFrame(
        [[r.student, r.category, debts.get(r.student_id, "")] for r in failing_ids.itertuples(index=False)],
        columns=c.FAILING_COLUMNS,
    )
    missed = hours.set_index("student_id")
    per_student = pd.DataFrame(
        [
            [
                r.student, r.n_5, r.n_4, r.n_3, r.n_2, r.n_not_attested, r.category,
                debts.get(r.student_id, ""),
                int(missed.at[r.student_id, "missed_hours"]) if r.student_id in missed.index else 0,
                int(missed.at[r.student_id, "unexcused_hours"]) if r.student_id in missed.index else 0,
            ]
            for r in students.itertuples(index=False)
        ],
        columns=c.STUDENT_COLUMNS,
    )  # fmt: skip
    return info, {
        "summary": summary,
        "disciplines": c._discipline_table(disciplines),
        "attendance": att,
        "failing": failing,
        "students": per_student,
    }


def _namesakes_by_values(frame):  # type: ignore[no-untyped-def]
    """SQL gives namesakes («Фамилия Имя» twice in a group) in no set order: rows sorted
    by every column when there are some, the frame itself otherwise."""
    names = frame.iloc[:, 0]
    if not names.duplicated().any():
        return frame
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("period_id", [1, 2])
def test_batch_reports_equal_the_per_group_computation(demo, period_id: int) -> None:
    """The pack's set-based tables (a few queries over all the groups, split per group)
    equal, for every demo group, frame by frame, what the straightforward per-group
    computation gives — and what the one-group public functions return."""
    import pandas as pd

    from netspo_lib.reports.curator import curator_reports, group_info, group_infos
    from netspo_lib.reports.grade_sheet import grade_sheets

    _backend, session, built = demo
    deputy = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    groups = visible_groups(session, deputy, Action.REPORT_GROUP)
    sheets = grade_sheets(session, deputy, period_id=period_id)
    reports = curator_reports(session, deputy, period_id=period_id)
    infos = group_infos(session, deputy, period_id=period_id)
    assert set(sheets) == set(reports) == set(infos) == set(groups) and len(groups) > 1
    for group_id in groups:
        plain = _plain_grade_sheet(session, group_id, period_id)
        pd.testing.assert_frame_equal(sheets[group_id], plain)
        pd.testing.assert_frame_equal(
            grade_sheet(session, deputy, group_id=group_id, period_id=period_id), plain
        )
        info, tables = _plain_curator_tables(session, deputy, group_id, period_id)
        assert infos[group_id] == info == group_info(session, deputy, group_id=group_id, period_id=period_id)
        one = curator_report(session, deputy, group_id=group_id, period_id=period_id)
        for report in (reports[group_id], one):
            assert report.info == info
            for name, expected in tables.items():
                got = getattr(report, name)
                if name == "attendance":
                    got, expected = _namesakes_by_values(got), _namesakes_by_values(expected)
                pd.testing.assert_frame_equal(got, expected, obj=f"{name} of group {group_id}")
        # The one-group report and the batch's part agree exactly, row order included.
        for name in tables:
            pd.testing.assert_frame_equal(getattr(one, name), getattr(reports[group_id], name))


def test_batch_covers_only_the_groups_within_reach(demo) -> None:
    from netspo_lib.reports.curator import curator_reports
    from netspo_lib.reports.grade_sheet import grade_sheets

    _backend, session, built = demo
    curator = load_actor(session, built.logins[Role.CURATOR])
    own = visible_groups(session, curator, Action.REPORT_GROUP)
    assert len(own) == 1
    assert list(curator_reports(session, curator, period_id=SEMESTER_1)) == own
    assert list(grade_sheets(session, curator, period_id=SEMESTER_1)) == own
    deputy = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    other = next(g for g in visible_groups(session, deputy, Action.REPORT_GROUP) if g not in own)
    with pytest.raises(AccessDenied):
        curator_reports(session, curator, period_id=SEMESTER_1, group_ids=[*own, other])
    with pytest.raises(AccessDenied):
        grade_sheets(session, curator, period_id=SEMESTER_1, group_ids=[other])


def _parts(writer, specs) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """The parts of a workbook the writer makes of the sheets (docProps hold the time)."""
    from netspo_lib.tables import new_workbook

    buffer = io.BytesIO()
    wb = new_workbook(buffer)
    taken: set[str] = set()
    for spec in specs:
        writer(wb, spec, taken)
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as book:
        return {n: book.read(n) for n in book.namelist() if not n.startswith("docProps/")}


def _reference_add_sheet(wb, spec, taken=None) -> None:  # type: ignore[no-untyped-def]
    """tables.add_sheet as it was written first: one generic ``write`` per cell."""
    from netspo_lib.clock import fmt_date, today
    from netspo_lib.tables import _cell_value, _Styles, sheet_name

    styles = getattr(wb, "_netspo_styles", None) or _Styles(wb)
    wb._netspo_styles = styles
    ws = wb.add_worksheet(sheet_name(spec.name, taken))
    widths: dict[int, int] = {}
    ws.write_string(0, 0, spec.title, styles.title)
    ws.write_string(1, 0, spec.subtitle or f"Сформировано {fmt_date(today())}")
    row = 3
    for line in spec.before:
        ws.write_string(row, 0, line, styles.text)
        row += 1
    row += 1 if spec.before else 0
    first_header = None
    for block in spec.blocks:
        if block.caption:
            ws.write_string(row, 0, block.caption, styles.caption)
            row += 1
        first_header = row if first_header is None else first_header
        for col, name in enumerate(block.frame.columns):
            ws.write(row, col, str(name), styles.header)
            widths[col] = max(widths.get(col, 10), min(len(str(name)) + 2, 30))
        row += 1
        for values in block.frame.itertuples(index=False):
            for col, value in enumerate(values):
                cell = _cell_value(value)
                ws.write(row, col, cell, styles.cell)
                widths[col] = max(widths.get(col, 10), min(len(str(cell)) + 2, 60))
            row += 1
        row += 1
    for line in spec.after:
        ws.write_string(row, 0, line, styles.text)
        row += 1
    row += 1 if spec.after else 0
    for who in spec.signatures:
        role, name = (who, "____________________") if isinstance(who, str) else who
        ws.write_row(row, 0, [role, "____________________", f"/ {name} /"])
        row += 2
    if spec.dated:
        ws.write_string(row, 0, f"Дата: {fmt_date(today())}")
    for col, width in widths.items():
        ws.set_column(col, col, width)
    if first_header is not None and len(spec.blocks) == 1:
        ws.freeze_panes(first_header + 1, 0)
        ws.repeat_rows(first_header)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def test_sheet_writer_writes_what_the_plain_writer_writes(demo) -> None:
    """tables.add_sheet (typed writes, one conversion per table) gives byte for byte the
    workbook parts of the plain one-write-per-cell writer: for every group's two pack
    sheets and for awkward cells."""
    from datetime import date, datetime

    import numpy as np
    import pandas as pd

    from netspo_lib.reports.pack import group_sheets
    from netspo_lib.tables import Block, SheetSpec, add_sheet

    _backend, session, built = demo
    deputy = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    for group_id in visible_groups(session, deputy, Action.REPORT_GROUP):
        specs = group_sheets(session, deputy, group_id=group_id, period_id=SEMESTER_1)
        assert _parts(add_sheet, specs) == _parts(_reference_add_sheet, specs)
    odd = pd.DataFrame(
        {
            "Текст": ["=1+1", "@b", "", None, "обычный"],
            "Число": [4.5, np.nan, 3.0, -1.25, 1e20],
            "Целое": np.array([1, 2, 3, 4, 5], dtype="int64"),
            "Разное": [pd.NA, np.int64(7), True, date(2026, 1, 12), datetime(2026, 1, 12, 8, 30)],
            "Nullable": pd.array([1, None, 3, None, 5], dtype="Int64"),
        }
    )
    spec = SheetSpec(
        "Лист/1", "Заголовок", "", blocks=[Block(odd, "Таблица"), Block(odd.iloc[0:0])],
        before=["До"], after=["После"], signatures=["Кто", ("Кто ещё", "Иванов И.И.")],
    )  # fmt: skip
    single = SheetSpec("Один", "Одна таблица", blocks=[Block(odd)], dated=False)
    assert _parts(add_sheet, [spec, single, spec]) == _parts(_reference_add_sheet, [spec, single, spec])


def _book_parts(data: bytes) -> dict[str, bytes]:
    """Every part of an .xlsx in its order, the time in docProps/core.xml blanked."""
    import re

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert book.testzip() is None
        return {
            n: re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"<time>", book.read(n)) for n in book.namelist()
        }


def _xlsxwriter_bytes(specs) -> bytes:  # type: ignore[no-untyped-def]
    from netspo_lib.tables import write_sheets

    buffer = io.BytesIO()
    write_sheets(buffer, specs)
    return buffer.getvalue()


def _odd_specs():  # type: ignore[no-untyped-def]
    """Sheets with awkward cells, names and layouts for the direct writer."""
    from datetime import date, datetime

    import numpy as np
    import pandas as pd

    from netspo_lib.tables import Block, SheetSpec

    odd = pd.DataFrame(
        {
            "Текст": ["=1+1", "@b", "", None, "обычный"],
            "Число": [4.5, np.nan, 3.0, -1.25, 1e20],
            "Целое": np.array([1, 2, 3, 4, 5], dtype="int64"),
            "Разное": [pd.NA, np.int64(7), True, date(2026, 1, 12), datetime(2026, 1, 12, 8, 30)],
            "Nullable": pd.array([1, None, 3, None, 5], dtype="Int64"),
            "Время": [pd.Timestamp("2026-01-12 08:30"), pd.NaT, None, np.float64(2.5), np.int32(-3)],
        }
    )
    texts = pd.DataFrame(
        {
            "": [" ведущий", "хвост ", "a\x01b", "_x0041_", "<r>x</r>", 'a & b < c > d "e"', "-1", "+7"],
            "Да/нет": [True, False, np.bool_(True), None, 0.1 + 0.2, 2**40, np.float32(1.5), -0.0],
        }
    )
    wide = pd.DataFrame({f"Столбец {i}": ["x" * (i * 3)] * 40 for i in range(30)})
    return {
        "odd": [
            SheetSpec(
                "Лист/1", "Заголовок", "", blocks=[Block(odd, "Таблица"), Block(odd.iloc[0:0])],
                before=["До"], after=["После"], signatures=["Кто", ("Кто ещё", "Иванов И.И.")],
            ),
            SheetSpec("Один", "Одна таблица", blocks=[Block(odd)], dated=False),
        ],
        "texts": [SheetSpec("1 лист's & <b>", "", blocks=[Block(texts)], signatures=["", ("", "")])],
        "wide": [
            SheetSpec("Широкий", "Т", blocks=[Block(wide)]),
            SheetSpec("Б", "Т", blocks=[Block(wide.iloc[:3], "a"), Block(pd.DataFrame(index=range(3)), "b")]),
            SheetSpec("А", "Т", "П", blocks=[Block(wide.iloc[:20, :3])], before=["x", "y"]),
        ],
        "no tables": [SheetSpec("Пусто", "Нет данных", after=["Только текст"])],
        "names": [
            SheetSpec(name, "Т", blocks=[Block(odd.iloc[:2])])
            for name in (
                "Имя_x0041_", "упр\x01символ", 'Б & <b> "q"', 'б & <B> "Q"',
                "Имя листа длиннее тридцати одного знака",
            )
        ],
        "empty": [],
    }  # fmt: skip


def test_direct_workbook_is_what_xlsxwriter_writes(demo, monkeypatch) -> None:
    """xlsx_direct.workbook_bytes (the pack's writer: the parts' XML written directly) gives the
    parts XlsxWriter writes for the same sheets, byte for byte and in the same order (but
    the time in docProps/core.xml): every group's two pack sheets and awkward sheets. And it
    writes them itself — XlsxWriter is only its fallback."""
    from netspo_lib import xlsx_direct
    from netspo_lib.reports.pack import group_sheets

    _backend, session, built = demo
    deputy = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
    cases = {
        f"group {g}": group_sheets(session, deputy, group_id=g, period_id=SEMESTER_1)
        for g in visible_groups(session, deputy, Action.REPORT_GROUP)
    }
    cases.update(_odd_specs())
    written = {name: _xlsxwriter_bytes(specs) for name, specs in cases.items()}
    expected = {name: _book_parts(data) for name, data in written.items()}

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the direct writer fell back to XlsxWriter")

    monkeypatch.setattr(xlsx_direct, "write_sheets", refused)
    for name, specs in cases.items():
        for level in (1, 6):
            assert _book_parts(xlsx_direct.workbook_bytes(specs, compresslevel=level)) == expected[name], name
    # What openpyxl reads back: values, types, number formats, fonts, fills, borders,
    # alignment, merged ranges, widths, the frozen header and the printed titles.
    for name in (next(iter(cases)), "odd", "texts", "wide"):
        direct = openpyxl.load_workbook(io.BytesIO(xlsx_direct.workbook_bytes(cases[name])))
        plain = openpyxl.load_workbook(io.BytesIO(written[name]))
        for a, b in zip(direct.worksheets, plain.worksheets, strict=True):
            assert (a.title, a.freeze_panes, a.print_title_rows, a.dimensions) == (
                b.title, b.freeze_panes, b.print_title_rows, b.dimensions
            )  # fmt: skip
            assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))
            for ra, rb in zip(a.iter_rows(), b.iter_rows(), strict=True):
                for ca, cb in zip(ra, rb, strict=True):
                    for attr in ("value", "data_type", "number_format"):
                        assert getattr(ca, attr) == getattr(cb, attr)
                    for style in ("font", "fill", "border", "alignment"):  # proxies: compared as shown
                        assert repr(getattr(ca, style)) == repr(getattr(cb, style))
            assert {k: v.width for k, v in a.column_dimensions.items()} == {
                k: v.width for k, v in b.column_dimensions.items()
            }


def test_direct_workbook_leaves_what_it_does_not_know_to_xlsxwriter() -> None:
    """An over-long text, a value of another type, an infinite number or a sheet name
    XlsxWriter refuses: the workbook is XlsxWriter's (the same parts), or XlsxWriter's error."""
    from decimal import Decimal

    import pandas as pd
    import xlsxwriter.exceptions

    from netspo_lib.tables import Block, SheetSpec
    from netspo_lib.xlsx_direct import workbook_bytes

    long = [SheetSpec("Длинный", "Т", blocks=[Block(pd.DataFrame({"a": ["я" * 20000, "b"]}))])]
    assert _book_parts(workbook_bytes(long)) == _book_parts(_xlsxwriter_bytes(long))
    other = [SheetSpec("Десятичные", "Т", blocks=[Block(pd.DataFrame({"a": [Decimal("1.50"), 2]}))])]
    assert _book_parts(workbook_bytes(other)) == _book_parts(_xlsxwriter_bytes(other))
    for bad, error in (
        ([SheetSpec("Бесконечность", "Т", blocks=[Block(pd.DataFrame({"a": [float("inf")]}))])], TypeError),
        ([SheetSpec("'кавычка'", "Т")], xlsxwriter.exceptions.InvalidWorksheetName),
    ):
        with pytest.raises(error):
            _xlsxwriter_bytes(bad)
        with pytest.raises(error):
            workbook_bytes(bad)
