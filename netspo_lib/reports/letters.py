"""The information letter to parents (R-4.7.b): one page per student of a group.

Each letter gives, for the period, the student's marks by discipline (in the order of the
lessons), the weighted average of each discipline (``sum(value × weight) / sum(weight)``,
counted in SQL), the period grade where it is set, and the hours missed, excused and
unexcused. The marks of one group and period are printed, so they are read (a few thousand
rows); every number on the letter is counted in the database.

The workbook has one sheet per student: each prints as its own page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import clock
from netspo_lib import models as m
from netspo_lib.access import Actor
from netspo_lib.enums import Sex
from netspo_lib.models.people import full_name
from netspo_lib.reports import attendance
from netspo_lib.reports.curator import GroupInfo, group_info
from netspo_lib.reports.grade_sheet import _index_order
from netspo_lib.reports.metrics import weighted_mean_mark
from netspo_lib.tables import Block, SheetSpec, write_sheets

LETTER_COLUMNS = ["Индекс", "Дисциплина", "Отметки", "Средний балл", "Оценка за период"]


@dataclass(frozen=True)
class Letter:
    student_id: int
    student: str  # full name
    parents: str  # «Иванова Анна Петровна, Иванов Пётр Сергеевич» or ""
    greeting: str  # «Уважаемая Анна Петровна!»
    student_word: str  # «студента» or «студентки»
    marks: pd.DataFrame  # LETTER_COLUMNS
    average: float | None  # the weighted mean over all the period's marks
    missed_hours: int
    excused_hours: int
    unexcused_hours: int


@dataclass(frozen=True)
class Letters:
    info: GroupInfo
    as_of: date
    letters: list[Letter]


def parent_letters(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    period_id: int,
    student_ids: Sequence[int] | None = None,
    as_of: date | None = None,
) -> Letters:
    """The letters of a group's students (or of the given ones) for a period, with marks up
    to ``as_of`` (default: today, or the period's end if it is over). Students who left
    before ``as_of`` get no letter. Scope: :attr:`Action.REPORT_GROUP` (the curator's group)."""
    info = group_info(session, actor, group_id=group_id, period_id=period_id)
    as_of = as_of or min(clock.today(), info.ends_on)
    st, mk, ls, item = m.Student, m.Mark, m.Lesson, m.CurriculumItem
    in_group = [st.group_id == group_id, sa.or_(st.left_on.is_(None), st.left_on > as_of)]
    if student_ids is not None:
        in_group.append(st.id.in_(list(student_ids) or [-1]))
    students = session.execute(
        sa.select(st.id, m.Person.last_name, m.Person.first_name, m.Person.middle_name, m.Person.sex)
        .join(m.Person, m.Person.id == st.person_id)
        .where(*in_group)
        .order_by(m.Person.last_name, m.Person.first_name, st.id)
    ).all()
    ids = [s.id for s in students] or [-1]
    in_period = [ls.period_id == period_id, ls.group_id == group_id, ls.lesson_date <= as_of]
    mean = weighted_mean_mark()
    means = session.execute(
        sa.select(mk.student_id, ls.curriculum_item_id, mean)
        .join(ls, ls.id == mk.lesson_id)
        .where(*in_period, mk.student_id.in_(ids))
        .group_by(mk.student_id, ls.curriculum_item_id)
    ).all()
    overall = dict(
        session.execute(
            sa.select(mk.student_id, mean)
            .join(ls, ls.id == mk.lesson_id)
            .where(*in_period, mk.student_id.in_(ids))
            .group_by(mk.student_id)
        ).all()
    )
    marks = session.execute(
        sa.select(mk.student_id, ls.curriculum_item_id, mk.value)
        .join(ls, ls.id == mk.lesson_id)
        .where(*in_period, mk.student_id.in_(ids))
        .order_by(ls.lesson_date, ls.pair_number, mk.id)
    ).all()
    finals = session.execute(
        sa.select(m.FinalGrade.student_id, m.FinalGrade.curriculum_item_id, m.FinalGrade.result).where(
            m.FinalGrade.period_id == period_id, m.FinalGrade.student_id.in_(ids)
        )
    ).all()
    item_ids = {r[1] for r in means} | {r[1] for r in finals}
    names = {
        r.id: (r.index, r.name)
        for r in session.execute(
            sa.select(item.id, item.index, item.name).where(item.id.in_(item_ids or {-1}))
        )
    }
    parents: dict[int, list[m.Person]] = {}
    for sid, parent in session.execute(
        sa.select(m.ParentLink.student_id, m.Person)
        .join(m.Person, m.Person.id == m.ParentLink.parent_id)
        .where(m.ParentLink.student_id.in_(ids))
        .order_by(m.Person.last_name, m.Person.first_name)
    ):
        parents.setdefault(sid, []).append(parent)
    hours = attendance.student_attendance(
        session, actor, group_ids=[group_id], start=info.starts_on, end=min(as_of, info.ends_on)
    ).set_index("student_id")

    table: dict[int, dict[int, dict[str, object]]] = {}
    for sid, item_id, value in means:
        table.setdefault(sid, {}).setdefault(item_id, {})["mean"] = round(float(value), 2)
    for sid, item_id, value in marks:
        table.setdefault(sid, {}).setdefault(item_id, {}).setdefault("marks", []).append(str(value))  # type: ignore[union-attr]
    for sid, item_id, result in finals:
        table.setdefault(sid, {}).setdefault(item_id, {})["final"] = result.label
    letters = []
    for sid, last, first, middle, sex in students:
        own = table.get(sid, {})
        rows = [
            [
                names[i][0],
                names[i][1],
                " ".join(own[i].get("marks", [])),
                own[i].get("mean"),
                own[i].get("final", ""),
            ]  # type: ignore[arg-type]
            for i in sorted(own, key=lambda i: _index_order(names[i][0]))
        ]
        missed = hours.loc[sid] if sid in hours.index else None
        average = overall.get(sid)
        letters.append(
            Letter(
                student_id=sid,
                student=full_name(last, first, middle),
                parents=", ".join(p.full_name for p in parents.get(sid, [])),
                greeting=greeting(parents.get(sid, [])),
                student_word="студентки" if sex == Sex.FEMALE else "студента",
                marks=pd.DataFrame(rows, columns=LETTER_COLUMNS),
                average=round(float(average), 2) if average is not None else None,
                missed_hours=int(missed["missed_hours"]) if missed is not None else 0,
                excused_hours=int(missed["excused_hours"]) if missed is not None else 0,
                unexcused_hours=int(missed["unexcused_hours"]) if missed is not None else 0,
            )
        )
    return Letters(info, as_of, letters)


def greeting(parents: Sequence[m.Person]) -> str:
    """«Уважаемая Анна Петровна!», «Уважаемые Анна Петровна и Пётр Сергеевич!», or the general
    «Уважаемые родители (законные представители)!» when no parent is recorded."""
    if not parents:
        return "Уважаемые родители (законные представители)!"
    names = [" ".join(p for p in (x.first_name, x.middle_name) if p) for x in parents]
    if len(parents) == 1:
        word = "Уважаемый" if parents[0].sex == Sex.MALE else "Уважаемая"
        return f"{word} {names[0]}!"
    return f"Уважаемые {', '.join(names[:-1])} и {names[-1]}!"


def letter_sheet(letters: Letters, letter: Letter, number: int) -> SheetSpec:
    """One letter as a print-ready sheet (a page of its own)."""
    info = letters.info
    average = f"{letter.average:.2f}".replace(".", ",") if letter.average is not None else "нет отметок"
    return SheetSpec(
        name=f"{number:02d} {letter.student}",
        title="Информационное письмо родителям (законным представителям)",
        subtitle=f"{info.college}; {info.department}; группа {info.group}",
        before=[
            letter.greeting,
            (
                f"Сообщаем вам результаты обучения {letter.student_word} группы {info.group} "
                f"{letter.student} за {info.period} по состоянию на {clock.fmt_date(letters.as_of)}."
            ),
        ],
        blocks=[Block(letter.marks, "Отметки по дисциплинам")],
        after=[
            f"Средний балл за период: {average}.",
            (
                f"Пропущено занятий: {letter.missed_hours} ч, из них по уважительной причине — "
                f"{letter.excused_hours} ч, без уважительной причины — {letter.unexcused_hours} ч."
            ),
            "Просим вас обратить внимание на успеваемость и посещаемость и при необходимости",
            "связаться с классным руководителем. Благодарим за сотрудничество!",
            "",
            "С уважением,",
        ],
        signatures=[("Классный руководитель", info.curator or "____________________")],
    )


def write_letters(letters: Letters, path: str | Path) -> Path:
    """All the letters in one .xlsx workbook, one sheet (printed page) per student."""
    sheets = [letter_sheet(letters, letter, n) for n, letter in enumerate(letters.letters, start=1)]
    write_sheets(Path(path), sheets)
    return Path(path)


def letters_table(letters: Letters) -> pd.DataFrame:
    """The letters as one long table (student × discipline), for a .csv or the CLI; a
    student without marks or grades keeps one row with the absences."""
    extra = [
        "Средний балл за период",
        "Пропущено, ч",
        "По уважительной причине, ч",
        "Без уважительной причины, ч",
    ]
    rows = []
    for x in letters.letters:
        tail = [x.average, x.missed_hours, x.excused_hours, x.unexcused_hours]
        lines = x.marks.values.tolist() or [["", "", "", None, ""]]
        rows.extend([x.student, *line, *tail] for line in lines)
    return pd.DataFrame(rows, columns=["Студент", *LETTER_COLUMNS, *extra])
