"""The dashboards' queries (netspo_lib.reports.analytics): golden numbers worked out by
hand on a small world, the same on SQLite and PostgreSQL (every test runs on both),
scopes (a department head sees the own department, a curator the own group), and
refusals in Russian of unknown identifiers and of SQL typed into filters
(R-4.11.c, R-6.2, R-6.4, R-4.7.b, R-4.1.e, R-4.7.d, R-5.3, R-4.7.e)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib import summaries
from netspo_lib.access import AccessDenied, Action, load_actor
from netspo_lib.enums import (
    ActivityKind,
    AttendanceCode,
    FinalResult,
    PeriodKind,
    Role,
    ThreadKind,
)
from netspo_lib.errors import NetspoError
from netspo_lib.reports import analytics as an
from netspo_lib.reports.attendance import student_attendance
from netspo_lib.reports.performance import discipline_results, group_summary

from .factories import T0, person
from .world import World, add_lesson, build_world

F = FinalResult
SQL = "1; DROP TABLE final_grades; --"
SQL_NAME = "Экономика'); DROP TABLE groups; --"


@dataclass
class Small:
    world: World
    session: Session
    dept_a: int
    dept_b: int
    a2: int
    next_period: int


def _student(session: Session, group_id: int, last: str, snils: str, left_on: date | None = None) -> int:
    p = person(last, "Тест", snils=snils)
    session.add(p)
    session.flush()
    s = m.Student(
        person_id=p.id, group_id=group_id, enrolled_on=date(2025, 9, 1), left_on=left_on, created_at=T0
    )
    session.add(s)
    session.flush()
    return s.id


def _grade(session: Session, student: int, item: int, period: int, result: FinalResult) -> None:
    session.add(
        m.FinalGrade(student_id=student, curriculum_item_id=item, period_id=period, result=result, set_at=T0)
    )


def _absent(session: Session, lesson: int, student: int, code: AttendanceCode, hours: int = 2) -> None:
    session.add(m.Attendance(lesson_id=lesson, student_id=student, code=code, hours=hours, entered_at=T0))


@pytest.fixture
def small(engine) -> Small:  # type: ignore[no-untyped-def]
    """The world of tests/world.py with results and absences worked out by hand.

    Semester 1 of 2025/2026 (ОП.01, ОП.02):
      ИСП-25 (department A): Сидорова 5, 5; А2 4, 3; А3 2, зачёт; А4 осв., н/а;
                             А5 (left on 01.11.2025, not counted) 2, 2.
      ЭБ-25 (department B):  Борисов 4, 4; Б2 3, незачёт; Б3 no grades.
    Semester 2: Сидорова ОП.01 4. 2026/2027 semester 1: А2 ОП.01 3.
    """
    with Session(engine) as session:
        w = build_world(session)
        i1, i2, p1, p2 = w.item_taught, w.item_other, w.period_taught, w.period_other
        group_a = session.get(m.Group, w.group_a)
        group_b = session.get(m.Group, w.group_b)
        assert group_a is not None and group_b is not None
        session.get(m.Department, group_b.department_id).name = SQL_NAME  # type: ignore[union-attr]
        a2 = _student(session, w.group_a, "Антонов", "40000000001")
        a3 = _student(session, w.group_a, "Аверин", "40000000002")
        a4 = _student(session, w.group_a, "Алексеев", "40000000003")
        a5 = _student(session, w.group_a, "Ушедший", "40000000004", left_on=date(2025, 11, 1))
        b2 = _student(session, w.group_b, "Белов", "40000000005")
        _student(session, w.group_b, "Васин", "40000000006")
        for student, r1, r2 in [
            (w.student_a, F.FIVE, F.FIVE),
            (a2, F.FOUR, F.THREE),
            (a3, F.TWO, F.PASS),
            (a4, F.EXEMPT, F.NOT_ATTESTED),
            (a5, F.TWO, F.TWO),
            (w.student_b, F.FOUR, F.FOUR),
            (b2, F.THREE, F.FAIL),
        ]:
            _grade(session, student, i1, p1, r1)
            _grade(session, student, i2, p1, r2)
        _grade(session, w.student_a, i1, p2, F.FOUR)
        year2 = m.AcademicYear(
            college_id=w.college_id, name="2026/2027", starts_on=date(2026, 9, 1), ends_on=date(2027, 6, 30)
        )
        session.add(year2)
        session.flush()
        next_period = m.StudyPeriod(
            academic_year_id=year2.id,
            kind=PeriodKind.SEMESTER,
            number=1,
            name="1 семестр",
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 12, 28),
        )
        session.add(next_period)
        session.flush()
        _grade(session, a2, i1, next_period.id, F.THREE)

        def lesson(group: int, day: date, pair: int) -> int:
            return add_lesson(
                session, group_id=group, item_id=i1, period_id=p1, teacher_person=w.teacher_person,
                day=day, pair=pair,
            )  # fmt: skip

        mon, tue, october = date(2025, 9, 8), date(2025, 9, 9), date(2025, 10, 6)
        l1, l2, l3 = lesson(w.group_a, mon, 1), lesson(w.group_a, mon, 2), lesson(w.group_a, tue, 1)
        lesson(w.group_a, tue, 2)  # attended by all
        l5 = lesson(w.group_a, october, 1)
        lb = lesson(w.group_b, mon, 1)
        U, E, S, L = (
            AttendanceCode.UNEXCUSED,
            AttendanceCode.EXCUSED,
            AttendanceCode.SICK,
            AttendanceCode.LATE,
        )
        _absent(session, l1, w.student_a, U)
        _absent(session, l2, w.student_a, U)  # a full day: both lessons of Monday
        _absent(session, l3, w.student_a, S)  # Tuesday: one lesson of two
        _absent(session, l1, a2, E)
        _absent(session, l3, a2, L, 0)
        _absent(session, l5, a2, U)  # a full day: the only lesson of 06.10
        _absent(session, lb, w.student_b, U)  # a full day of ЭБ-25
        session.commit()
        yield Small(w, session, group_a.department_id, group_b.department_id, a2, next_period.id)


def _actor(small: Small, role: Role):  # type: ignore[no-untyped-def]
    return small.world.actors[role]


def _row(frame: pd.DataFrame, label: str) -> pd.Series:
    rows = frame[frame["label"] == label]
    assert len(rows) == 1, (label, frame["label"].tolist())
    return rows.iloc[0]


# --------------------------------------------------------------------------- performance


def test_performance_by_group_golden_numbers(small: Small) -> None:
    s, deputy = small.session, _actor(small, Role.DEPUTY_DIRECTOR)
    frame = an.performance_by(s, deputy, period_id=small.world.period_taught, by="group")
    assert frame["label"].tolist() == ["ИСП-25", "ЭБ-25"]
    a = _row(frame, "ИСП-25")
    # 5,5,4,3,2,зачёт,осв.,н/а (the student who left is not counted): N = 7, N₂ = 6.
    assert (a.n_5, a.n_4, a.n_3, a.n_2, a.n_pass, a.n_not_attested, a.n_exempt) == (2, 1, 1, 1, 1, 1, 1)
    assert a.n == 7
    assert a.progress_pct == pytest.approx(500 / 7)
    assert a.quality_pct == pytest.approx(50.0)
    assert a.sou_pct == pytest.approx(323 / 6)
    assert a["mean"] == pytest.approx(3.8)
    # Students: Сидорова (excellent), А2 (progressing), А3 and А4 (failing).
    assert (a.students, a.progressing, a.quality_students) == (4, 2, 1)
    assert a.students_progress_pct == pytest.approx(50.0)
    assert a.students_quality_pct == pytest.approx(25.0)
    b = _row(frame, "ЭБ-25")
    assert (b.n, b.progress_pct, b.quality_pct) == (4, 75.0, pytest.approx(200 / 3))
    assert b.sou_pct == pytest.approx(164 / 3)
    assert b["mean"] == pytest.approx(11 / 3)
    assert (b.students, b.progressing, b.quality_students) == (2, 1, 1)


def test_performance_of_the_college_course_and_department(small: Small) -> None:
    s, deputy, p1 = small.session, _actor(small, Role.DEPUTY_DIRECTOR), small.world.period_taught
    total = an.performance_by(s, deputy, period_id=p1, by="college")
    assert len(total) == 1
    t = total.iloc[0]
    assert t.n == 11
    assert t.progress_pct == pytest.approx(800 / 11)
    assert t.quality_pct == pytest.approx(500 / 9)
    assert t.sou_pct == pytest.approx(487 / 9)
    assert t["mean"] == pytest.approx(3.75)
    assert (t.students, t.progressing, t.quality_students) == (6, 3, 2)
    course = an.performance_by(s, deputy, period_id=p1, by="course")
    assert course["label"].tolist() == ["1 курс"] and course.iloc[0].n == 11
    departments = an.performance_by(s, deputy, period_id=p1, by="department")
    assert set(departments["label"]) == {"Отделение информатики", SQL_NAME}
    assert _row(departments, SQL_NAME).n == 4
    specialty = an.performance_by(s, deputy, period_id=p1, by="specialty")
    assert specialty["label"].tolist() == ["09.02.07 Информационные системы и программирование"]
    students = an.performance_by(s, deputy, period_id=p1, by="student", group_id=small.world.group_a)
    assert len(students) == 4  # the student who left before the end of the period is not counted
    assert set(students["group"]) == {"ИСП-25"}
    a2 = students[students["key"] == small.a2].iloc[0]
    assert (a2.n_4, a2.n_3, a2.students_progress_pct, a2.students_quality_pct) == (1, 1, 100.0, 0.0)


def test_trends_cover_every_period_and_year_in_time_order(small: Small) -> None:
    s, deputy = small.session, _actor(small, Role.DEPUTY_DIRECTOR)
    trend = an.performance_trend(s, deputy)
    assert trend["title"].tolist() == ["2025/2026, 1 семестр", "2025/2026, 2 семестр", "2026/2027, 1 семестр"]
    assert trend["n"].tolist() == [11, 1, 1]
    assert trend["mean"].tolist() == [pytest.approx(3.75), 4.0, 3.0]
    assert trend["students_quality_pct"].tolist()[1:] == [100.0, 0.0]
    by_department = an.performance_trend(s, deputy, by="department")
    first = by_department[by_department["period_id"] == small.world.period_taught]
    assert sorted(first["n"].tolist()) == [4, 7]
    zavotd = an.performance_trend(s, _actor(small, Role.DEPARTMENT_HEAD))
    assert zavotd["n"].tolist() == [7, 1, 1]


def test_the_heat_map_matrix(small: Small) -> None:
    s, deputy, p1 = small.session, _actor(small, Role.DEPUTY_DIRECTOR), small.world.period_taught
    cells = an.discipline_matrix(s, deputy, period_id=p1)
    assert len(cells) == 4
    cell = cells[(cells["group"] == "ИСП-25") & (cells["index"] == "ОП.01")].iloc[0]
    # 5, 4, 2, осв.: N = 3, качество 2/3, средний балл 11/3.
    assert (cell.n, cell.quality_pct, cell["mean"]) == (3, pytest.approx(200 / 3), pytest.approx(11 / 3))
    table = an.matrix_pivot(cells, "mean")
    assert table.loc["ЭБ-25", "ОП.01 Операционные системы и среды"] == pytest.approx(3.5)
    assert table.loc["ЭБ-25", "ОП.02 Архитектура аппаратных средств"] == 4.0  # «незачёт» is left out
    with pytest.raises(NetspoError, match="Недопустимое значение показателя"):
        an.matrix_pivot(cells, "quality_pct; DROP TABLE groups")


def test_packed_counts_fall_back_to_the_plain_sums_when_a_field_overflows(small: Small, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The results are counted in one packed sum. Fields of one bit (two «5» of a student
    overflow) and of none (every count overflows) are noticed, and the plain sums give
    the same answers."""
    s, deputy, p1 = small.session, _actor(small, Role.DEPUTY_DIRECTOR), small.world.period_taught

    def answers() -> list[pd.DataFrame]:
        return [
            an.performance_by(s, deputy, period_id=p1, by="college"),
            an.performance_by(s, deputy, period_id=p1, by="student", group_id=small.world.group_a),
            an.performance_trend(s, deputy, by="group"),
            an.discipline_matrix(s, deputy, period_id=p1),
        ]

    expected = answers()
    shapes: list[bool] = []
    build, matrix = an._performance_statement.__wrapped__, an._matrix_query.__wrapped__

    def spy(*args: object) -> object:
        shapes.append(bool(args[-2]))  # packed (the last is: from the summaries)
        return build(*args)

    def spy_matrix(packed: bool, summary: bool) -> object:
        shapes.append(packed)
        return matrix(packed, summary)

    monkeypatch.setattr(an, "_performance_statement", spy)
    monkeypatch.setattr(an, "_matrix_query", spy_matrix)
    for bits, plain in ((1, 3), (0, 4)):
        monkeypatch.setattr(an, "_BITS", bits)
        monkeypatch.setattr(an, "_MASK", (1 << bits) - 1)
        shapes.clear()
        with summaries.bypass():  # the packed sums count the final grades themselves
            got = answers()
        for want, got_one in zip(expected, got, strict=True):
            pd.testing.assert_frame_equal(want, got_one)
        assert shapes.count(False) == plain  # the calls that ran again with the plain sums


# --------------------------------------------------------------------------- attendance


def test_attendance_by_week_and_month_golden_numbers(small: Small) -> None:
    s, deputy, p1 = small.session, _actor(small, Role.DEPUTY_DIRECTOR), small.world.period_taught
    weeks = an.attendance_over_time(s, deputy, freq="week", period_id=p1)
    hours = {(r.bucket, r.code): (r.hours, r.events) for r in weeks.itertuples()}
    assert hours == {
        (date(2025, 9, 8), "excused"): (2, 1),
        (date(2025, 9, 8), "sick"): (2, 1),
        (date(2025, 9, 8), "unexcused"): (6, 3),
        (date(2025, 9, 8), "late"): (0, 1),
        (date(2025, 10, 6), "unexcused"): (2, 1),
    }
    period = s.get(m.StudyPeriod, p1)
    assert period is not None
    months = an.attendance_over_time(s, deputy, freq="month", academic_year_id=period.academic_year_id)
    assert {(r.bucket, r.code): r.hours for r in months.itertuples() if r.code == "unexcused"} == {
        (date(2025, 9, 1), "unexcused"): 6,
        (date(2025, 10, 1), "unexcused"): 2,
    }
    days = an.attendance_over_time(s, deputy, freq="day", period_id=p1)
    assert len(days) == 5  # 08.09: НП, УП; 09.09: Б, ОП; 06.10: НП
    for freq, expected in (("week", weeks), ("month", months)):
        summed = an.rebucket(days, freq)
        assert summed.to_dict("records") == expected.to_dict("records")
    curator = an.attendance_over_time(s, _actor(small, Role.CURATOR), freq="week", period_id=p1)
    assert curator[curator["code"] == "unexcused"]["hours"].tolist() == [4, 2]  # ИСП-25 only
    assert an.attendance_over_time(s, deputy, freq="week", period_id=small.world.period_other).empty


def test_attendance_by_group_and_student_with_full_days(small: Small) -> None:
    s, deputy, p1 = small.session, _actor(small, Role.DEPUTY_DIRECTOR), small.world.period_taught
    groups = an.attendance_by(s, deputy, by="group", period_id=p1)
    assert groups["label"].tolist() == ["ИСП-25", "ЭБ-25"]  # most unexcused hours first
    a = _row(groups, "ИСП-25")
    assert (a.missed_hours, a.excused_hours, a.sick_hours, a.unexcused_hours, a.late, a.full_days) == (
        10, 4, 2, 6, 1, 2,
    )  # fmt: skip
    assert a.students == 5 and a.unexcused_per_student == pytest.approx(1.2)
    b = _row(groups, "ЭБ-25")
    assert (b.missed_hours, b.unexcused_hours, b.full_days, b.students) == (2, 2, 1, 3)
    students = an.attendance_by(s, deputy, by="student", period_id=p1, limit=3)
    assert students["unexcused_hours"].tolist() == [4, 2, 2]
    assert students["full_days"].tolist() == [1, 1, 1]
    top = students.iloc[0]
    assert top.key == small.world.student_a and top.group == "ИСП-25"
    by_department = an.attendance_by(s, deputy, by="department", sort="label", period_id=p1)
    assert by_department["label"].tolist() == ["Отделение информатики", SQL_NAME]
    assert by_department["unexcused_hours"].tolist() == [6, 2]
    full = an.attendance_by(s, deputy, by="student", sort="full_days", period_id=p1)
    assert full["full_days"].sum() == 3


def test_attendance_matches_the_student_attendance_report(demo_college) -> None:  # type: ignore[no-untyped-def]
    """The consolidated attendance equals the report's per-student rows summed (demo)."""
    _backend, engine, built = demo_college
    with Session(engine) as s:
        deputy = load_actor(s, built.logins[Role.DEPUTY_DIRECTOR])
        period = s.get(m.StudyPeriod, 1)
        assert period is not None
        group = s.scalar(sa.select(m.Group.id).order_by(m.Group.id).limit(1))
        mine = an.attendance_by(s, deputy, by="student", period_id=1, group_id=group).set_index("key")
        report = student_attendance(s, deputy, group_ids=[group], start=period.starts_on, end=period.ends_on)
        report = report[(report["missed_hours"] > 0) | (report["late"] > 0)].set_index("student_id")
        columns = ["missed_hours", "excused_hours", "sick_hours", "unexcused_hours", "late", "full_days"]
        assert len(report) > 10
        assert mine.loc[report.index, columns].astype(int).equals(report[columns].astype(int))


# --------------------------------------------------------------------------- consistency on the demo


def test_performance_matches_the_reports_on_the_demo(demo_college) -> None:  # type: ignore[no-untyped-def]
    _, engine, built = demo_college
    with Session(engine) as s:
        deputy = load_actor(s, built.logins[Role.DEPUTY_DIRECTOR])
        mine = an.performance_by(s, deputy, period_id=1, by="group").set_index("label")
        summary = group_summary(s, deputy, period_id=1).set_index("group")
        assert len(summary) >= 2
        assert mine.loc[summary.index, "students"].tolist() == summary["students"].tolist()
        for column in ("progress_pct", "quality_pct"):
            assert mine.loc[summary.index, f"students_{column}"].tolist() == pytest.approx(
                summary[column].tolist()
            )
        cells = an.discipline_matrix(s, deputy, period_id=1)
        reference = discipline_results(s, deputy, period_id=1)
        assert len(cells) == len(reference)
        merged = cells.merge(reference, on=["group", "index"], suffixes=("", "_ref"))
        assert len(merged) == len(reference)
        assert merged["n"].tolist() == merged["n_ref"].tolist()
        assert merged["mean"].fillna(-1).tolist() == pytest.approx(merged["mean_ref"].fillna(-1).tolist())
        # The department head's view is the own department's groups only.
        head = load_actor(s, built.logins[Role.DEPARTMENT_HEAD])
        own = {g.department_id for g in head.grants if g.department_id is not None}
        theirs = an.performance_by(s, head, period_id=1, by="group")
        departments = set(
            s.scalars(sa.select(m.Group.department_id).where(m.Group.id.in_(theirs["key"].tolist())))
        )
        assert departments == own
        assert len(theirs) < len(mine)


# --------------------------------------------------------------------------- access and refusals


def test_a_department_head_sees_the_own_department_only(small: Small) -> None:
    s, head, w = small.session, _actor(small, Role.DEPARTMENT_HEAD), small.world
    departments = an.performance_by(s, head, period_id=w.period_taught, by="department")
    assert departments["label"].tolist() == ["Отделение информатики"]
    assert an.attendance_by(s, head, by="group", period_id=w.period_taught)["label"].tolist() == ["ИСП-25"]
    with pytest.raises(AccessDenied, match="Недостаточно прав"):
        an.performance_by(s, head, period_id=w.period_taught, by="group", group_id=w.group_b)
    with pytest.raises(AccessDenied, match="Недостаточно прав"):
        an.attendance_by(s, head, department_id=small.dept_b)
    with pytest.raises(AccessDenied):
        an.performance_by(s, head, period_id=w.period_taught, group_id=w.group_foreign)
    choices = an.filter_choices(s, head, Action.DASHBOARD_PERFORMANCE)
    assert choices.groups["group"].tolist() == ["ИСП-25"]
    assert [name for name, _ in choices.years()] == ["2025/2026", "2026/2027"]


def test_a_curator_sees_the_own_group_only(small: Small) -> None:
    s, curator, w = small.session, _actor(small, Role.CURATOR), small.world
    groups = an.performance_by(s, curator, period_id=w.period_taught, by="group")
    assert groups["label"].tolist() == ["ИСП-25"]
    students = an.performance_by(s, curator, period_id=w.period_taught, by="student")
    assert set(students["group"]) == {"ИСП-25"}
    with pytest.raises(AccessDenied):
        an.performance_by(s, curator, period_id=w.period_taught, department_id=small.dept_a)
    with pytest.raises(AccessDenied):
        an.student_detail(s, curator, period_id=w.period_taught, student_id=w.student_b)
    detail = an.student_detail(s, curator, period_id=w.period_taught, student_id=w.student_a)
    assert detail["Итоговая оценка"].tolist() == ["5", "5"]
    # Roles without the dashboards' rights are refused.
    for role in (Role.TEACHER, Role.STUDENT, Role.ENGINEER):
        with pytest.raises(AccessDenied, match="Недостаточно прав"):
            an.performance_by(s, _actor(small, role), period_id=w.period_taught)
    with pytest.raises(AccessDenied):
        an.filter_choices(s, _actor(small, Role.TEACHER), Action.DASHBOARD_ATTENDANCE)


def test_wrong_identifiers_and_sql_in_filters_are_refused_in_russian(small: Small) -> None:
    s, deputy, p1 = small.session, _actor(small, Role.DEPUTY_DIRECTOR), small.world.period_taught
    with pytest.raises(NetspoError, match="Недопустимое значение разреза: «teacher»"):
        an.performance_by(s, deputy, period_id=p1, by="teacher")
    with pytest.raises(NetspoError, match="Недопустимое значение разреза"):
        an.performance_by(s, deputy, period_id=p1, by="group; DROP TABLE groups")
    with pytest.raises(NetspoError, match="Недопустимое значение сортировки"):
        an.attendance_by(s, deputy, sort="unexcused_hours DESC; DELETE FROM students")
    with pytest.raises(NetspoError, match="Недопустимое значение периодичности"):
        an.attendance_over_time(s, deputy, freq="year")
    for name in ("group_id", "department_id", "specialty_id", "course"):
        with pytest.raises(NetspoError, match="Неверное значение фильтра"):
            an.performance_by(s, deputy, period_id=p1, **{name: SQL})
    with pytest.raises(NetspoError, match="Неверное значение фильтра"):
        an.performance_by(s, deputy, period_id=SQL)
    with pytest.raises(NetspoError, match="Учебный период № 999 не найден"):
        an.performance_by(s, deputy, period_id=999)
    with pytest.raises(NetspoError, match="Неверный курс"):
        an.performance_by(s, deputy, period_id=p1, course=9)
    # A number as text is a number; nothing was dropped or changed.
    assert len(an.performance_by(s, deputy, period_id=str(p1), group_id=str(small.world.group_a))) == 1
    assert s.scalar(sa.select(sa.func.count()).select_from(m.FinalGrade)) == 16
    assert s.scalar(sa.select(sa.func.count()).select_from(m.Group)) == 3


# --------------------------------------------------------------------------- activity and control


def test_logins_by_role_over_time(small: Small) -> None:
    s, w = small.session, small.world
    accounts = {
        login: account_id for login, account_id in s.execute(sa.select(m.UserAccount.login, m.UserAccount.id))
    }
    for login, moment in [
        ("u_admin", datetime(2025, 9, 8, 10)),
        ("u_admin", datetime(2025, 9, 8, 15)),
        ("u_admin", datetime(2025, 9, 10, 9)),
        ("u_student", datetime(2025, 9, 9, 18)),
    ]:
        s.add(m.ActivityEvent(account_id=accounts[login], kind=ActivityKind.LOGIN, at=moment))
    s.add(
        m.ActivityEvent(account_id=accounts["u_admin"], kind=ActivityKind.PAGE_VIEW, at=datetime(2025, 9, 8))
    )
    s.flush()
    start, end = date(2025, 9, 1), date(2025, 9, 15)
    days = an.logins_over_time(s, w.actors[Role.ADMIN], start=start, end=end)
    assert [(r.bucket, r.role, r.logins, r.users) for r in days.itertuples()] == [
        (date(2025, 9, 8), "admin", 2, 1),
        (date(2025, 9, 9), "student", 1, 1),
        (date(2025, 9, 10), "admin", 1, 1),
    ]
    weeks = an.logins_over_time(s, w.actors[Role.ADMIN], start=start, end=end, freq="week")
    assert [(r.bucket, r.role, r.logins) for r in weeks.itertuples()] == [
        (date(2025, 9, 8), "admin", 3),
        (date(2025, 9, 8), "student", 1),
    ]
    own = an.logins_over_time(s, w.actors[Role.CURATOR], start=start, end=end)
    assert own["role"].tolist() == ["student"]  # the own group's students and parents only
    assert an.last_activity_day(s, w.actors[Role.ADMIN]) == date(2025, 9, 10)
    with pytest.raises(AccessDenied):
        an.logins_over_time(s, w.actors[Role.DEPARTMENT_HEAD], start=start, end=end)


def test_missing_final_grades_and_parent_questions(small: Small) -> None:
    s, w = small.session, small.world
    deputy, head = w.actors[Role.DEPUTY_DIRECTOR], w.actors[Role.DEPARTMENT_HEAD]
    missing = an.missing_final_grades(s, deputy, period_id=w.period_taught)
    assert missing.to_dict("records") == [
        {"group": "ЭБ-25", "index": "ОП.02", "discipline": "Архитектура аппаратных средств",
         "students": 3, "missing": 1},
    ]  # fmt: skip
    assert an.missing_final_grades(s, head, period_id=w.period_taught).empty
    with pytest.raises(AccessDenied):
        an.missing_final_grades(s, w.actors[Role.CURATOR], period_id=w.period_taught)
    parent = s.scalar(sa.select(m.UserAccount.id).where(m.UserAccount.login == "u_parent"))
    thread = m.MessageThread(
        college_id=w.college_id, subject="Вопрос", kind=ThreadKind.PARENT_QUESTION,
        is_consultative_question=True, started_by_id=parent, student_id=w.student_a, created_at=T0,
    )  # fmt: skip
    s.add(thread)
    s.flush()
    s.add(
        m.Message(thread_id=thread.id, sender_id=parent, body="Как дела?", sent_at=datetime(2025, 9, 1, 10))
    )
    s.flush()
    questions = an.parent_questions(s, deputy, on=date(2025, 9, 10))
    assert questions["group"].tolist() == ["ИСП-25"] and questions["days_late"].tolist() == [6]
    assert len(an.parent_questions(s, head, on=date(2025, 9, 10))) == 1
    assert an.parent_questions(s, deputy, on=date(2025, 9, 10), group_id=w.group_b).empty
