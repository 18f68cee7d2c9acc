"""The year rollover by the director's order (R-4.2.d; due 5 July, D-8): close the academic
year, transfer the students to the next course, graduate the final course, open the next
year with its periods and the groups' calendars.

The engineer first looks at :func:`preview` — every student of the college who studied in
the year appears exactly once with a decision and its reason — and then runs
:func:`apply`, which writes the whole plan in the caller's transaction or nothing.

The rules, as a Russian college applies them (ФЗ-273, ст. 58):

* A group keeps its name and its ``course`` grows by one; its studying students are
  transferred by one order «о переводе на следующий курс» (an order item and a history
  entry each, effective on the first day of the next year).
* A group on the final course of its programme graduates: the number of courses is the
  curriculum's last semester / 2, rounded up (ППССЗ 4 or 3, ППКРС 3 or 2). Its students
  graduate by one order «о выпуске» and the group becomes «выпущена».
* Academic debts — a final grade 2, «н/а» or «незачёт» of the year — do not stop the
  transfer: the student is transferred **conditionally** (условный перевод, the debt to be
  cleared next year) and the plan and the order item name the debts. On the final course
  a student with a debt is **not graduated** (не допущен к выпуску): the student stays
  studying in the group, which then stays open on the same course, until the head of
  studies issues the next order (graduation after the retake, expulsion, or repetition).
* A missing final grade of the year (a curriculum item with an assessment, in a semester
  the student studied) is not a decision the system may take silently: :func:`apply`
  refuses while any is missing, unless the engineer gives a ``force_reason``, which goes
  into the audit trail; the students concerned are then handled as having a debt.
* Students on academic leave stay on leave in their group; students who left during the
  year (expelled, graduated) are listed as not transferred. Nobody is skipped.

Running the rollover twice changes nothing: the year is closed by the first run and the
second is refused, in Russian, before anything is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.clock import fmt_date, today
from netspo_lib.enums import (
    AcademicYearStatus,
    FinalResult,
    GroupStatus,
    LabeledEnum,
    OrderKind,
    PeriodKind,
    StudentStatus,
)
from netspo_lib.errors import NetspoError
from netspo_lib.movement import _by_sex, _new_order, _record_move

__all__ = [
    "DEBT_RESULTS",
    "PLAN_COLUMNS",
    "Debt",
    "GroupDecision",
    "Outcome",
    "RolloverPlan",
    "RolloverResult",
    "StudentDecision",
    "apply",
    "next_year_dates",
    "preview",
]

PLAN_COLUMNS = ["Студент", "Группа", "Курс", "Решение", "Причина"]
MISSING_COLUMNS = ["Студент", "Группа", "Дисциплина", "Период"]
GROUP_COLUMNS = ["Группа", "Курс", "Курсов по плану", "Решение"]
# Final results that leave an academic debt (задолженность).
DEBT_RESULTS = (FinalResult.TWO, FinalResult.NOT_ATTESTED, FinalResult.FAIL)
# D-8: the year is closed and the students transferred by 5 July.
DEADLINE_MONTH_DAY = (7, 5)
_ROLLOVER = "перевод на следующий учебный год"


class Outcome(LabeledEnum):
    PROMOTE = "promote", "переводится"
    PROMOTE_CONDITIONAL = "promote_conditional", "переводится условно"
    GRADUATE = "graduate", "выпускается"
    STAY = "stay", "остаётся"
    LEFT = "left", "не переводится"


@dataclass(frozen=True)
class Debt:
    """A final grade of the year that is a debt, or one that is missing (``result`` None)."""

    student_id: int
    item_index: str
    item_name: str
    period_name: str
    result: FinalResult | None = None

    @property
    def text(self) -> str:
        what = f"«{self.result.label}»" if self.result else "нет итоговой оценки"
        return f"{self.item_index} {self.item_name} — {what} ({self.period_name})"


@dataclass(frozen=True)
class StudentDecision:
    student_id: int
    student_name: str
    group_id: int
    group_name: str
    course: int
    outcome: Outcome
    new_course: int | None = None
    short: str = ""  # what «остаётся: …» / «не переводится: …» says
    reason: str = ""
    debts: tuple[Debt, ...] = ()

    @property
    def decision(self) -> str:
        if self.outcome == Outcome.PROMOTE:
            return f"переводится на {self.new_course} курс"
        if self.outcome == Outcome.PROMOTE_CONDITIONAL:
            return f"переводится на {self.new_course} курс условно"
        if self.outcome == Outcome.GRADUATE:
            return "выпускается"
        return f"{self.outcome.label}: {self.short}"

    def key(self) -> tuple:
        return (self.student_id, self.outcome.value, self.group_id, self.new_course, self.reason)


@dataclass(frozen=True)
class GroupDecision:
    group_id: int
    name: str
    course: int
    courses: int | None
    outcome: Outcome  # PROMOTE, GRADUATE or STAY
    new_course: int | None = None
    closes: bool = False  # the group becomes «выпущена»
    reason: str = ""

    @property
    def decision(self) -> str:
        if self.outcome == Outcome.PROMOTE:
            return f"переходит на {self.new_course} курс"
        if self.outcome == Outcome.GRADUATE:
            return (
                "выпускается" if self.closes else "выпускается частично: остаются студенты с задолженностями"
            )
        return f"остаётся: {self.reason}"

    def key(self) -> tuple:
        return (self.group_id, self.outcome.value, self.new_course, self.closes)


@dataclass(frozen=True)
class RolloverPlan:
    """What :func:`apply` will do; ``rows`` is the table the engineer checks."""

    college_id: int
    academic_year_id: int
    year_name: str
    next_year_name: str
    next_starts_on: date
    order_number: str
    order_date: date
    graduation_order_number: str | None
    graduation_order_date: date
    signed_by: str
    students: tuple[StudentDecision, ...]
    groups: tuple[GroupDecision, ...]
    missing: tuple[Debt, ...] = ()
    problems: tuple[str, ...] = ()  # refuse unless forced: missing grades, no curriculum
    errors: tuple[str, ...] = ()  # refuse always: bad orders, dates
    warnings: tuple[str, ...] = ()
    student_names: dict[int, tuple[str, str]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def rows(self) -> pd.DataFrame:
        """Студент, Группа, Курс, Решение, Причина: one row per student."""
        return pd.DataFrame(
            [
                {
                    "Студент": d.student_name,
                    "Группа": d.group_name,
                    "Курс": d.course,
                    "Решение": d.decision,
                    "Причина": d.reason,
                }
                for d in self.students
            ],
            columns=PLAN_COLUMNS,
        )

    @property
    def group_rows(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "Группа": g.name,
                    "Курс": g.course,
                    "Курсов по плану": g.courses or "—",
                    "Решение": g.decision,
                }
                for g in self.groups
            ],
            columns=GROUP_COLUMNS,
        )

    @property
    def missing_grades(self) -> pd.DataFrame:
        """The missing final grades that block :func:`apply` unless it is forced."""
        return pd.DataFrame(
            [
                {
                    "Студент": self.student_names.get(d.student_id, ("", ""))[0],
                    "Группа": self.student_names.get(d.student_id, ("", ""))[1],
                    "Дисциплина": f"{d.item_index} {d.item_name}",
                    "Период": d.period_name,
                }
                for d in self.missing
            ],
            columns=MISSING_COLUMNS,
        )

    def count(self, *outcomes: Outcome) -> int:
        return sum(1 for d in self.students if d.outcome in outcomes)

    @property
    def summary(self) -> str:
        promoted = self.count(Outcome.PROMOTE, Outcome.PROMOTE_CONDITIONAL)
        return (
            f"Учебный год {self.year_name} → {self.next_year_name}: переводятся {promoted}"
            f" (из них условно {self.count(Outcome.PROMOTE_CONDITIONAL)}),"
            f" выпускаются {self.count(Outcome.GRADUATE)}, остаются {self.count(Outcome.STAY)},"
            f" выбыли в течение года {self.count(Outcome.LEFT)}; нет итоговых оценок: {len(self.missing)}."
        )

    def key(self) -> tuple:
        """What must not change between the preview the engineer saw and the apply."""
        return (
            tuple(d.key() for d in self.students),
            tuple(g.key() for g in self.groups),
            tuple(self.missing),
            self.problems,
            self.errors,
        )


@dataclass(frozen=True)
class RolloverResult:
    academic_year_id: int
    next_year_id: int
    transfer_order_id: int | None
    graduation_order_id: int | None
    promoted: int
    conditional: int
    graduated: int
    stayed: int
    groups_promoted: int
    groups_graduated: int
    calendars_created: int
    forced: bool

    @property
    def summary(self) -> str:
        return (
            f"Переведено {self.promoted} (условно {self.conditional}), выпущено {self.graduated},"
            f" остались {self.stayed}; групп переведено {self.groups_promoted},"
            f" выпущено {self.groups_graduated}; календарей групп создано {self.calendars_created}."
        )


# --- dates of the next year ----------------------------------------------------------------
def next_year_dates(first_year: int) -> dict[str, tuple[date, date]]:
    """Default dates of the year starting on 1 September of ``first_year``: 01.09–30.06,
    semester 1 to 28.12, semester 2 from the first Monday on or after 9 January (after the
    New Year holidays), the winter and summer vacations between them."""
    start, end = date(first_year, 9, 1), date(first_year + 1, 6, 30)
    jan9 = date(first_year + 1, 1, 9)
    sem2 = jan9 + timedelta(days=(7 - jan9.weekday()) % 7)
    return {
        "year": (start, end),
        "sem1": (start, date(first_year, 12, 28)),
        "sem2": (sem2, end),
        "winter": (date(first_year, 12, 29), sem2 - timedelta(days=1)),
        "summer": (date(first_year + 1, 7, 1), date(first_year + 1, 8, 31)),
    }


def _next_name(year: m.AcademicYear) -> tuple[str, int]:
    first = year.ends_on.year
    return f"{first}/{first + 1}", first


# --- the plan ------------------------------------------------------------------------------
def _year(session: Session, actor: Actor, academic_year_id: int | None) -> m.AcademicYear:
    if academic_year_id is None:
        current = session.scalars(
            sa.select(m.AcademicYear).where(
                m.AcademicYear.college_id == actor.college_id,
                m.AcademicYear.status == AcademicYearStatus.CURRENT,
            )
        ).all()
        if not current:
            raise NetspoError("Нет текущего учебного года: укажите, какой год закрывается.")
        if len(current) > 1:
            names = ", ".join(sorted(y.name for y in current))
            raise NetspoError(
                f"Текущими отмечены несколько учебных лет ({names}): укажите, какой закрывается."
            )
        year = current[0]
    else:
        year = session.get(m.AcademicYear, academic_year_id)
        if year is None or year.college_id != actor.college_id:
            raise NetspoError("Учебный год не найден.")
    if year.status == AcademicYearStatus.CLOSED:
        raise NetspoError(
            f"Учебный год {year.name} уже закрыт: перевод студентов на следующий курс по нему выполнен."
        )
    return year


def _debts(session: Session, year: m.AcademicYear, college_id: int) -> dict[int, list[Debt]]:
    """Final grades of the year's periods that are debts, for studying students."""
    fg, ci, sp, s, g = m.FinalGrade, m.CurriculumItem, m.StudyPeriod, m.Student, m.Group
    rows = session.execute(
        sa.select(fg.student_id, ci.index, ci.name, sp.name, fg.result)
        .join(ci, ci.id == fg.curriculum_item_id)
        .join(sp, sp.id == fg.period_id)
        .join(s, s.id == fg.student_id)
        .join(g, g.id == s.group_id)
        .where(
            sp.academic_year_id == year.id,
            g.college_id == college_id,
            s.status == StudentStatus.STUDYING,
            fg.result.in_(DEBT_RESULTS),
        )
        .order_by(fg.student_id, sp.starts_on, ci.index)
    ).all()
    out: dict[int, list[Debt]] = defaultdict(list)
    for sid, index, name, period, result in rows:
        out[sid].append(Debt(sid, index, name, period, result))
    return out


def _missing(session: Session, year: m.AcademicYear, college_id: int) -> list[Debt]:
    """Final grades that should exist and do not (R-5.3): for each studying student of an
    active group, each semester of the year the student was enrolled in, each item of the
    group's curriculum in that semester (2·(course−1) + semester number) with an
    assessment. Counted in SQL with NOT EXISTS."""
    fg, ci, sp, s, g = m.FinalGrade, m.CurriculumItem, m.StudyPeriod, m.Student, m.Group
    graded = sa.exists().where(fg.student_id == s.id, fg.curriculum_item_id == ci.id, fg.period_id == sp.id)
    rows = session.execute(
        sa.select(s.id, ci.index, ci.name, sp.name)
        .join(g, g.id == s.group_id)
        .join(sp, sa.and_(sp.academic_year_id == year.id, sp.kind == PeriodKind.SEMESTER))
        .join(
            ci,
            sa.and_(
                ci.curriculum_id == g.curriculum_id,
                ci.semester == 2 * (g.course - 1) + sp.number,
                ci.assessment.is_not(None),
            ),
        )
        .where(
            g.college_id == college_id,
            g.status == GroupStatus.ACTIVE,
            s.status == StudentStatus.STUDYING,
            s.enrolled_on <= sp.ends_on,
            ~graded,
        )
        .order_by(g.name, s.id, sp.starts_on, ci.index)
    ).all()
    return [Debt(sid, index, name, period) for sid, index, name, period in rows]


def preview(
    session: Session,
    actor: Actor,
    *,
    academic_year_id: int | None = None,
    order_number: str,
    order_date: date,
    graduation_order_number: str | None = None,
    graduation_order_date: date | None = None,
    signed_by: str | None = None,
) -> RolloverPlan:
    """The plan of the rollover of ``academic_year_id`` (default: the current year).

    ``order_number``/``order_date`` name the order «о переводе на следующий курс»; when
    the plan has graduates, ``graduation_order_number`` (and its date, by default the
    same) name the order «о выпуске». ``signed_by`` defaults to the college's director.
    Nothing is written; problems are listed in the plan, not raised.
    """
    require(session, actor, Action.ROLLOVER_RUN, Resource(college_id=actor.college_id, description=_ROLLOVER))
    year = _year(session, actor, academic_year_id)
    college = session.get(m.College, year.college_id)
    assert college is not None
    next_name, first = _next_name(year)
    next_year = session.scalar(
        sa.select(m.AcademicYear).where(
            m.AcademicYear.college_id == college.id, m.AcademicYear.name == next_name
        )
    )
    next_start = next_year.starts_on if next_year is not None else next_year_dates(first)["year"][0]
    grad_date = graduation_order_date or order_date
    signer = (signed_by or college.director_name or "").strip()

    # Groups and their number of courses (one aggregate over the curricula).
    groups = session.scalars(
        sa.select(m.Group).where(m.Group.college_id == college.id).order_by(m.Group.name)
    ).all()
    last_semester = dict(
        session.execute(
            sa.select(m.CurriculumItem.curriculum_id, sa.func.max(m.CurriculumItem.semester)).group_by(
                m.CurriculumItem.curriculum_id
            )
        ).all()
    )
    students = session.execute(
        sa.select(m.Student, m.Person)
        .join(m.Person, m.Person.id == m.Student.person_id)
        .join(m.Group, m.Group.id == m.Student.group_id)
        .where(
            m.Group.college_id == college.id,
            sa.or_(
                m.Student.status.in_((StudentStatus.STUDYING, StudentStatus.ACADEMIC_LEAVE)),
                m.Student.left_on >= year.starts_on,
            ),
        )
        .order_by(m.Group.name, m.Person.last_name, m.Person.first_name, m.Person.middle_name, m.Student.id)
    ).all()
    leave_since = dict(
        session.execute(
            sa.select(m.StudentStatusChange.student_id, sa.func.max(m.StudentStatusChange.changed_on))
            .join(m.Student, m.Student.id == m.StudentStatusChange.student_id)
            .where(
                m.Student.status == StudentStatus.ACADEMIC_LEAVE,
                m.StudentStatusChange.status == StudentStatus.ACADEMIC_LEAVE,
            )
            .group_by(m.StudentStatusChange.student_id)
        ).all()
    )
    debts = _debts(session, year, college.id)
    missing = _missing(session, year, college.id)
    owed: dict[int, list[Debt]] = defaultdict(list)
    for d in missing:
        owed[d.student_id].append(d)
    for sid, ds in debts.items():
        owed[sid].extend(ds)

    by_group: dict[int, list[tuple[m.Student, m.Person]]] = defaultdict(list)
    for s, p in students:
        by_group[s.group_id].append((s, p))

    decisions: list[StudentDecision] = []
    group_decisions: list[GroupDecision] = []
    problems: list[str] = []
    for g in groups:
        members = by_group.get(g.id, [])
        if g.status != GroupStatus.ACTIVE:
            for s, p in members:
                decisions.append(_left_or_stay(s, p, g, leave_since, f"группа {g.status.label}"))
            continue
        last = last_semester.get(g.curriculum_id) if g.curriculum_id is not None else None
        courses = None if last is None else (int(last) + 1) // 2
        if courses is None:
            why = "у группы не указан учебный план" if g.curriculum_id is None else "учебный план группы пуст"
            problems.append(f"Группа «{g.name}»: {why} — неизвестно, переводить её или выпускать.")
            group_decisions.append(GroupDecision(g.id, g.name, g.course, None, Outcome.STAY, reason=why))
            for s, p in members:
                decisions.append(_left_or_stay(s, p, g, leave_since, why))
            continue
        final = g.course >= courses
        kept = False
        for s, p in members:
            if s.status != StudentStatus.STUDYING:
                decisions.append(_left_or_stay(s, p, g, leave_since, ""))
                continue
            own = tuple(owed.get(s.id, ()))
            debt_text = "академическая задолженность: " + "; ".join(d.text for d in own) if own else ""
            base = {"student_id": s.id, "student_name": p.full_name, "group_id": g.id, "group_name": g.name}
            if final and own:
                kept = True
                decisions.append(
                    StudentDecision(
                        **base,
                        course=g.course,
                        outcome=Outcome.STAY,
                        short=_by_sex(p, "не допущен к выпуску", "не допущена к выпуску"),
                        reason=debt_text,
                        debts=own,
                    )
                )
            elif final:
                decisions.append(StudentDecision(**base, course=g.course, outcome=Outcome.GRADUATE))
            else:
                decisions.append(
                    StudentDecision(
                        **base,
                        course=g.course,
                        outcome=Outcome.PROMOTE_CONDITIONAL if own else Outcome.PROMOTE,
                        new_course=g.course + 1,
                        reason=debt_text,
                        debts=own,
                    )
                )
        if final:
            group_decisions.append(
                GroupDecision(g.id, g.name, g.course, courses, Outcome.GRADUATE, closes=not kept)
            )
        else:
            group_decisions.append(
                GroupDecision(g.id, g.name, g.course, courses, Outcome.PROMOTE, new_course=g.course + 1)
            )
    if missing:
        n_students = len({d.student_id for d in missing})
        problems.insert(
            0,
            f"Не выставлено итоговых оценок за {year.name}: {len(missing)} (у {n_students} студентов).",
        )

    errors, warnings = _check_orders(
        session,
        college_id=college.id,
        year=year,
        next_name=next_name,
        next_year=next_year,
        next_start=next_start,
        order_number=order_number,
        order_date=order_date,
        graduation_order_number=graduation_order_number,
        graduation_order_date=grad_date,
        signer=signer,
        has_promoted=any(d.outcome in (Outcome.PROMOTE, Outcome.PROMOTE_CONDITIONAL) for d in decisions),
        has_graduates=any(d.outcome == Outcome.GRADUATE for d in decisions),
    )
    names = {d.student_id: (d.student_name, d.group_name) for d in decisions}
    return RolloverPlan(
        college_id=college.id,
        academic_year_id=year.id,
        year_name=year.name,
        next_year_name=next_name,
        next_starts_on=next_start,
        order_number=(order_number or "").strip(),
        order_date=order_date,
        graduation_order_number=(graduation_order_number or "").strip() or None,
        graduation_order_date=grad_date,
        signed_by=signer,
        students=tuple(decisions),
        groups=tuple(group_decisions),
        missing=tuple(missing),
        problems=tuple(problems),
        errors=tuple(errors),
        warnings=tuple(warnings),
        student_names=names,
    )


def _left_or_stay(
    s: m.Student, p: m.Person, g: m.Group, leave_since: dict[int, date], why: str
) -> StudentDecision:
    """The decision for a student who is not transferred: on leave, left, or stuck."""
    base = {"student_id": s.id, "student_name": p.full_name, "group_id": g.id, "group_name": g.name}
    if s.status == StudentStatus.EXPELLED:
        word = _by_sex(p, "отчислен", "отчислена")
        return StudentDecision(
            **base, course=g.course, outcome=Outcome.LEFT, short=word, reason=f"{word} {fmt_date(s.left_on)}"
        )
    if s.status == StudentStatus.GRADUATED:
        word = _by_sex(p, "выпущен", "выпущена")
        return StudentDecision(
            **base, course=g.course, outcome=Outcome.LEFT, short=word, reason=f"{word} {fmt_date(s.left_on)}"
        )
    if s.status == StudentStatus.ACADEMIC_LEAVE:
        since = leave_since.get(s.id)
        reason = "академический отпуск" + (f" с {fmt_date(since)}" if since else "")
        if why:
            reason += f"; {why}"
        return StudentDecision(
            **base, course=g.course, outcome=Outcome.STAY, short="академический отпуск", reason=reason
        )
    return StudentDecision(**base, course=g.course, outcome=Outcome.STAY, short=why, reason=why)


def _check_orders(
    session: Session,
    *,
    college_id: int,
    year: m.AcademicYear,
    next_name: str,
    next_year: m.AcademicYear | None,
    next_start: date,
    order_number: str,
    order_date: date,
    graduation_order_number: str | None,
    graduation_order_date: date,
    signer: str,
    has_promoted: bool,
    has_graduates: bool,
) -> tuple[list[str], list[str]]:
    """Errors that no ``force_reason`` overrides, and warnings."""
    errors: list[str] = []
    warnings: list[str] = []
    number = (order_number or "").strip()
    grad_number = (graduation_order_number or "").strip()
    if not number:
        errors.append("Не указан номер приказа о переводе на следующий курс.")
    if not signer:
        errors.append("Не указано, кем подписаны приказы (в сведениях о колледже нет директора).")
    if has_graduates and not grad_number:
        errors.append("В плане есть выпускники: укажите номер и дату приказа о выпуске.")
    orders = [(number, order_date, "о переводе на следующий курс")]
    if grad_number:
        orders.append((grad_number, graduation_order_date, "о выпуске"))
        if (grad_number, graduation_order_date) == (number, order_date):
            errors.append("У приказов о переводе и о выпуске совпадают номер и дата.")
    for num, on, what in orders:
        if not num:
            continue
        if not (year.starts_on < on <= next_start):
            errors.append(
                f"Дата приказа {what} {fmt_date(on)} не относится к окончанию учебного года {year.name}"
                f" (от {fmt_date(year.starts_on)} до {fmt_date(next_start)})."
            )
        if on > today():
            errors.append(f"Дата приказа {what} {fmt_date(on)} позже сегодняшней.")
        existing = session.scalar(
            sa.select(m.Order).where(
                m.Order.college_id == college_id, m.Order.number == num, m.Order.order_date == on
            )
        )
        if existing is not None:
            errors.append(
                f"Приказ № {num} от {fmt_date(on)} уже внесён («{existing.kind.label}»):"
                " перевод по нему, видимо, уже выполнен."
            )
        deadline = date(year.ends_on.year, *DEADLINE_MONTH_DAY)
        if on > deadline:
            warnings.append(
                f"Приказ {what} датирован {fmt_date(on)} — позже срока закрытия года"
                f" {fmt_date(deadline)} (D-8)."
            )
    if next_year is not None and next_year.status != AcademicYearStatus.PLANNED:
        errors.append(
            f"Следующий учебный год {next_name} уже {next_year.status.label}: открыть его повторно нельзя."
        )
    if not has_promoted and not has_graduates:
        warnings.append("В плане нет ни переводимых, ни выпускаемых студентов.")
    return errors, warnings


# --- applying ------------------------------------------------------------------------------
def apply(
    session: Session,
    actor: Actor,
    plan: RolloverPlan | None = None,
    *,
    academic_year_id: int | None = None,
    order_number: str | None = None,
    order_date: date | None = None,
    graduation_order_number: str | None = None,
    graduation_order_date: date | None = None,
    signed_by: str | None = None,
    force_reason: str | None = None,
) -> RolloverResult:
    """Carry out the rollover in the caller's transaction (R-4.2.d).

    Give the plan the engineer previewed, or the same arguments as :func:`preview`. The
    plan is computed again here; if the data changed since the preview, the apply is
    refused (preview again). Refused while final grades of the year are missing or a
    group has no curriculum, unless ``force_reason`` says why (recorded in the audit).
    """
    require(session, actor, Action.ROLLOVER_RUN, Resource(college_id=actor.college_id, description=_ROLLOVER))
    if plan is not None:
        args = {
            "academic_year_id": plan.academic_year_id,
            "order_number": plan.order_number,
            "order_date": plan.order_date,
            "graduation_order_number": plan.graduation_order_number,
            "graduation_order_date": plan.graduation_order_date,
            "signed_by": plan.signed_by,
        }
    else:
        if order_number is None or order_date is None:
            raise NetspoError("Укажите номер и дату приказа о переводе на следующий курс.")
        args = {
            "academic_year_id": academic_year_id,
            "order_number": order_number,
            "order_date": order_date,
            "graduation_order_number": graduation_order_number,
            "graduation_order_date": graduation_order_date,
            "signed_by": signed_by,
        }
    fresh = preview(session, actor, **args)  # type: ignore[arg-type]
    if plan is not None and plan.key() != fresh.key():
        raise NetspoError(
            "Данные изменились после предварительного просмотра: постройте план перевода заново."
        )
    if fresh.errors:
        raise NetspoError("Перевод на следующий учебный год невозможен:\n— " + "\n— ".join(fresh.errors))
    reason = (force_reason or "").strip() or None
    if fresh.problems and reason is None:
        raise NetspoError(
            "Перевод на следующий учебный год не выполнен:\n— "
            + "\n— ".join(fresh.problems)
            + "\nУстраните это или укажите причину, по которой перевод выполняется без этого."
        )
    return _write(session, actor, fresh, reason)


def _write(session: Session, actor: Actor, plan: RolloverPlan, reason: str | None) -> RolloverResult:
    year = session.get(m.AcademicYear, plan.academic_year_id)
    assert year is not None
    promoted = [d for d in plan.students if d.outcome in (Outcome.PROMOTE, Outcome.PROMOTE_CONDITIONAL)]
    graduates = [d for d in plan.students if d.outcome == Outcome.GRADUATE]

    # The next year first: the transfer takes effect on its first day.
    next_year = _open_next_year(session, actor, year, plan)

    transfer_order = graduation_order = None
    if promoted:
        transfer_order = _new_order(
            session,
            actor,
            college_id=plan.college_id,
            kind=OrderKind.COURSE_TRANSFER,
            number=plan.order_number,
            order_date=plan.order_date,
            signed_by=plan.signed_by,
            title="О переводе студентов на следующий курс",
        )
    if graduates:
        assert plan.graduation_order_number is not None
        graduation_order = _new_order(
            session,
            actor,
            college_id=plan.college_id,
            kind=OrderKind.GRADUATION,
            number=plan.graduation_order_number,
            order_date=plan.graduation_order_date,
            signed_by=plan.signed_by,
            title="О выпуске студентов",
        )

    groups = {
        g.id: g for g in session.scalars(sa.select(m.Group).where(m.Group.college_id == plan.college_id))
    }
    promoted_groups = graduated_groups = 0
    for gd in plan.groups:
        g = groups[gd.group_id]
        before = audit.snapshot(g, ["course", "status"])
        if gd.outcome == Outcome.PROMOTE:
            g.course = gd.new_course  # type: ignore[assignment]
            verb = "group.course_transfer"
            promoted_groups += 1
        elif gd.outcome == Outcome.GRADUATE and gd.closes:
            g.status = GroupStatus.GRADUATED
            verb = "group.graduate"
            graduated_groups += 1
        else:
            continue
        audit.record(
            session,
            actor,
            verb,
            "groups",
            g.id,
            before=before,
            after=audit.snapshot(g, ["course", "status"]),
            reason=reason,
            group_id=g.id,
        )

    ids = [d.student_id for d in (*promoted, *graduates)]
    students = (
        {s.id: s for s in session.scalars(sa.select(m.Student).where(m.Student.id.in_(ids)))} if ids else {}
    )
    for d in promoted:
        note = f"на {d.new_course} курс" + (
            f" условно; {d.reason}" if d.outcome == Outcome.PROMOTE_CONDITIONAL else ""
        )
        assert transfer_order is not None
        _record_move(
            session,
            actor,
            transfer_order,
            students[d.student_id],
            verb="course_transfer",
            status=StudentStatus.STUDYING,
            from_group_id=d.group_id,
            to_group_id=d.group_id,
            effective_on=next_year.starts_on,
            reason=note,
        )
    for d in graduates:
        assert graduation_order is not None
        _record_move(
            session,
            actor,
            graduation_order,
            students[d.student_id],
            verb="graduate",
            status=StudentStatus.GRADUATED,
            from_group_id=d.group_id,
            to_group_id=None,
            effective_on=graduation_order.order_date,
            reason=None,
            left_on=graduation_order.order_date,
        )

    calendars = _calendars(session, actor, plan.college_id, next_year)

    before = audit.snapshot(year, ["status"])
    year.status = AcademicYearStatus.CLOSED
    session.flush()
    audit.record(
        session,
        actor,
        "academic_year.close",
        "academic_years",
        year.id,
        before=before,
        after=audit.snapshot(year, ["status"]),
        reason=reason,
    )
    result = RolloverResult(
        academic_year_id=year.id,
        next_year_id=next_year.id,
        transfer_order_id=transfer_order.id if transfer_order else None,
        graduation_order_id=graduation_order.id if graduation_order else None,
        promoted=len(promoted),
        conditional=sum(1 for d in promoted if d.outcome == Outcome.PROMOTE_CONDITIONAL),
        graduated=len(graduates),
        stayed=plan.count(Outcome.STAY),
        groups_promoted=promoted_groups,
        groups_graduated=graduated_groups,
        calendars_created=calendars,
        forced=reason is not None,
    )
    audit.record(
        session,
        actor,
        "rollover.apply",
        "academic_years",
        year.id,
        after={
            "next_year_id": next_year.id,
            "transfer_order_id": result.transfer_order_id,
            "graduation_order_id": result.graduation_order_id,
            "promoted": result.promoted,
            "conditional": result.conditional,
            "graduated": result.graduated,
            "stayed": result.stayed,
            "missing_final_grades": len(plan.missing),
            "problems": list(plan.problems),
        },
        reason=reason,
    )
    return result


def _open_next_year(
    session: Session, actor: Actor, year: m.AcademicYear, plan: RolloverPlan
) -> m.AcademicYear:
    """The next year becomes current: the planned one if the engineer prepared it (its
    missing periods are added), else a new one with the default dates."""
    first = year.ends_on.year
    dates = next_year_dates(first)
    nxt = session.scalar(
        sa.select(m.AcademicYear).where(
            m.AcademicYear.college_id == plan.college_id, m.AcademicYear.name == plan.next_year_name
        )
    )
    if nxt is None:
        nxt = m.AcademicYear(
            college_id=plan.college_id,
            name=plan.next_year_name,
            starts_on=dates["year"][0],
            ends_on=dates["year"][1],
            status=AcademicYearStatus.CURRENT,
        )
        session.add(nxt)
        session.flush()
        audit.record(
            session, actor, "academic_year.create", "academic_years", nxt.id, after=audit.snapshot(nxt)
        )
        for name, key in (("Зимние каникулы", "winter"), ("Летние каникулы", "summer")):
            vacation = m.Vacation(
                academic_year_id=nxt.id, name=name, starts_on=dates[key][0], ends_on=dates[key][1]
            )
            session.add(vacation)
            session.flush()
            audit.record(
                session, actor, "vacation.create", "vacations", vacation.id, after=audit.snapshot(vacation)
            )
    else:
        before = audit.snapshot(nxt, ["status"])
        nxt.status = AcademicYearStatus.CURRENT
        session.flush()
        audit.record(
            session,
            actor,
            "academic_year.open",
            "academic_years",
            nxt.id,
            before=before,
            after=audit.snapshot(nxt, ["status"]),
        )
    have = {
        (p.kind, p.number)
        for p in session.scalars(sa.select(m.StudyPeriod).where(m.StudyPeriod.academic_year_id == nxt.id))
    }
    sem1, sem2 = dates["sem1"], dates["sem2"]
    if nxt.starts_on != dates["year"][0] or nxt.ends_on != dates["year"][1]:
        # A planned year with its own dates: split it the same way within them.
        sem1 = (nxt.starts_on, min(sem1[1], nxt.ends_on - timedelta(days=1)))
        sem2 = (max(sem2[0], sem1[1] + timedelta(days=1)), nxt.ends_on)
    wanted = [
        (PeriodKind.SEMESTER, 1, "1 семестр", sem1),
        (PeriodKind.SEMESTER, 2, "2 семестр", sem2),
        (PeriodKind.YEAR, 0, "Учебный год", (nxt.starts_on, nxt.ends_on)),
    ]
    for kind, number, name, (start, end) in wanted:
        if (kind, number) in have:
            continue
        period = m.StudyPeriod(
            academic_year_id=nxt.id, kind=kind, number=number, name=name, starts_on=start, ends_on=end
        )
        session.add(period)
        session.flush()
        audit.record(
            session, actor, "study_period.create", "study_periods", period.id, after=audit.snapshot(period)
        )
    return nxt


def _calendars(session: Session, actor: Actor, college_id: int, year: m.AcademicYear) -> int:
    """A calendar row per open group and semester of the new year, with the college's
    dates and the exam session in the period's last week (R-4.2.a, R-4.10.d)."""
    periods = session.scalars(
        sa.select(m.StudyPeriod)
        .where(m.StudyPeriod.academic_year_id == year.id, m.StudyPeriod.kind == PeriodKind.SEMESTER)
        .order_by(m.StudyPeriod.starts_on)
    ).all()
    groups = session.scalars(
        sa.select(m.Group)
        .where(m.Group.college_id == college_id, m.Group.status == GroupStatus.ACTIVE)
        .order_by(m.Group.name)
    ).all()
    have = set(
        session.execute(
            sa.select(m.GroupCalendar.group_id, m.GroupCalendar.period_id).where(
                m.GroupCalendar.period_id.in_([p.id for p in periods])
            )
        ).all()
    )
    created = 0
    for g in groups:
        for p in periods:
            if (g.id, p.id) in have:
                continue
            row = m.GroupCalendar(
                group_id=g.id,
                period_id=p.id,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                session_starts_on=max(p.starts_on, p.ends_on - timedelta(days=6)),
                session_ends_on=p.ends_on,
            )
            session.add(row)
            session.flush()
            audit.record(
                session,
                actor,
                "group_calendar.create",
                "group_calendars",
                row.id,
                after=audit.snapshot(row),
                group_id=g.id,
            )
            created += 1
    return created
