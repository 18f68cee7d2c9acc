"""The information letter to parents (R-4.7.b): one page per student with the marks by
discipline, the weighted averages, the period grades and the absences — golden numbers on
the small class of :mod:`tests.test_reports_curator`, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied
from netspo_lib.enums import FinalResult, ParentRelation, Role, Sex
from netspo_lib.reports import catalog
from netspo_lib.reports.letters import LETTER_COLUMNS, letters_table, parent_letters, write_letters

from .factories import person
from .test_reports_curator import add_absences, add_finals, add_marks, class_world


def test_letter_of_a_student_golden(engine, tmp_path) -> None:
    """On 01.10.2025 Сидорова has in ОП.01 the marks 5 (weight 1) and 4 (weight 2): average
    13 / 3 = 4.33; in ОП.02 a 3; over all (5 + 8 + 3) / 4 = 4.0; the final grade of ОП.02
    «5»; 2 h missed without a good reason. Her mother is addressed by name."""
    with Session(engine) as session:
        k = class_world(session)
        add_marks(session, k)
        add_absences(session, k)
        add_finals(session, k, {(k.a, k.w.item_other): FinalResult.FIVE})
        mother = person("Сидорова", "Ольга", snils="50000000001")
        session.add(mother)
        session.flush()
        session.add(m.ParentLink(student_id=k.a, parent_id=mother.id, relation=ParentRelation.MOTHER))
        session.flush()
        found = parent_letters(
            session,
            k.w.actors[Role.CURATOR],
            group_id=k.w.group_a,
            period_id=k.w.period_taught,
            as_of=date(2025, 10, 1),
        )
        assert [x.student for x in found.letters] == [
            "Быков Иван Ивановна", "Волков Иван Ивановна", "Громов Иван Ивановна", "Сидорова Мария Ивановна",
        ]  # fmt: skip
        letter = found.letters[-1]
        assert list(letter.marks.columns) == LETTER_COLUMNS
        assert letter.marks.values.tolist() == [
            ["ОП.01", "Операционные системы и среды", "5 4", 4.33, ""],
            ["ОП.02", "Архитектура аппаратных средств", "3", 3.0, "5"],
        ]
        assert letter.average == 4.0
        assert (letter.missed_hours, letter.excused_hours, letter.unexcused_hours) == (2, 0, 2)
        assert letter.greeting == "Уважаемая Ольга Ивановна!"
        assert letter.student_word == "студентки"
        b = found.letters[0]
        assert b.marks.values.tolist() == [["ОП.01", "Операционные системы и среды", "2 3", 2.5, ""]]
        assert (b.missed_hours, b.excused_hours, b.unexcused_hours) == (4, 4, 0)
        assert b.greeting == "Уважаемые родители (законные представители)!"

        path = write_letters(found, tmp_path / "letters.xlsx")
        wb = openpyxl.load_workbook(path)
        assert len(wb.sheetnames) == 4
        ws = wb[wb.sheetnames[-1]]
        cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
        assert "Уважаемая Ольга Ивановна!" in cells
        assert "5 4" in cells and 4.33 in cells and "Архитектура аппаратных средств" in cells
        assert "Средний балл за период: 4,00." in cells
        assert any(
            "Пропущено занятий: 2 ч" in str(c) and "без уважительной причины — 2 ч" in str(c) for c in cells
        )
        assert any("Тестовый колледж" in str(c) for c in cells)
        assert any("01.10.2025" in str(c) and "студентки группы ИСП-25" in str(c) for c in cells)
        assert "Классный руководитель" in cells and "/ Петрова А.И. /" in cells
        table = letters_table(found)
        # Быков: ОП.01; Волков and Громов: no marks, one row each; Сидорова: ОП.01, ОП.02.
        assert len(table) == 5
        session.rollback()


def test_one_student_and_the_end_of_the_period(engine) -> None:
    """By default the marks run to the period's end: Сидорова's 2 of 15.10 counts, (5 + 8 +
    2) / 4 = 3.75; a student who left before then gets no letter."""
    with Session(engine) as session:
        k = class_world(session)
        add_marks(session, k)
        curator = k.w.actors[Role.CURATOR]
        found = parent_letters(session, curator, group_id=k.w.group_a, period_id=k.w.period_taught)
        assert found.as_of == date(2025, 12, 28)
        assert "Громов Иван Ивановна" not in [x.student for x in found.letters]
        only = parent_letters(
            session, curator, group_id=k.w.group_a, period_id=k.w.period_taught, student_ids=[k.a]
        )
        assert len(only.letters) == 1
        assert only.letters[0].marks.iloc[0].tolist()[2:4] == ["5 4 2", 3.75]
        session.rollback()


def test_letters_refused_outside_the_group(engine) -> None:
    with Session(engine) as session:
        k = class_world(session)
        with pytest.raises(AccessDenied):
            parent_letters(
                session, k.w.actors[Role.CURATOR], group_id=k.w.group_b, period_id=k.w.period_taught
            )
        with pytest.raises(AccessDenied):
            parent_letters(
                session, k.w.actors[Role.PARENT], group_id=k.w.group_a, period_id=k.w.period_taught
            )
        session.rollback()


def test_greeting_of_two_parents_and_a_father() -> None:
    from netspo_lib.reports.letters import greeting

    father = m.Person(last_name="Ли", first_name="Пётр", middle_name="Ильич", sex=Sex.MALE)
    mother = m.Person(last_name="Ли", first_name="Анна", middle_name=None, sex=Sex.FEMALE)
    assert greeting([father]) == "Уважаемый Пётр Ильич!"
    assert greeting([mother, father]) == "Уважаемые Анна и Пётр Ильич!"


def test_letters_in_the_catalog() -> None:
    spec = catalog.get("letters")
    assert spec.needs_group and spec.sheets is not None
