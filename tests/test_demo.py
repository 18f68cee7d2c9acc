"""The demo college: the same seed gives the same rows, its shape is believable, every
planted defect is there for the dashboards, and it is built only into an empty database.

One small demo per backend is built for the module and only read; tests that build
again use the ``engine`` fixture.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.calendar import working_days_between
from netspo_lib.demo import DEMO_LOGINS, DEMO_PASSWORD, DemoSummary, build_demo
from netspo_lib.enums import FinalResult, Role, ScopeKind
from netspo_lib.errors import NetspoError
from netspo_lib.passwords import verify_password

from .conftest import BACKENDS, fresh_engine
from .factories import minimal_college

SEED = 11
STUDENTS = 100  # four groups: every course, both kinds of programme
AS_OF = datetime(2026, 6, 30, 23, 59)

Demo = tuple[Engine, DemoSummary]


Types = dict[str, type[sa.types.TypeEngine]] | None
TS, DAY = sa.DateTime, sa.Date


def _query(sql: str, types: Types) -> sa.TextClause | sa.TextualSelect:
    """SQL text whose date and timestamp columns come back typed on SQLite too."""
    return sa.text(sql).columns(**types) if types else sa.text(sql)


def rows(engine: Engine, sql: str, types: Types = None, **params: object) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(_query(sql, types), params))


def scalar(engine: Engine, sql: str, types: Types = None, **params: object) -> Any:
    with engine.connect() as conn:
        return conn.execute(_query(sql, types), params).scalar()


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every table's rows ordered by primary key."""
    out = {}
    with engine.connect() as conn:
        for table in m.Base.metadata.sorted_tables:
            query = sa.select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(r) for r in conn.execute(query)]
    return out


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in m.Base.metadata.sorted_tables
        }


@pytest.fixture(scope="module")
def demos(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Demo]]:
    """Builds the module's demo on a backend the first time a test asks for it."""
    built: dict[str, Demo] = {}
    engines = []

    def get(backend: str) -> Demo:
        if backend not in built:
            gen = fresh_engine(backend, request, tmp_path_factory.mktemp(backend))
            engine = next(gen)
            engines.append(gen)
            m.Base.metadata.create_all(engine)
            built[backend] = (engine, build_demo(engine, students=STUDENTS, seed=SEED))
        return built[backend]

    yield get
    for gen in engines:
        with contextlib.suppress(StopIteration):
            next(gen)


@pytest.fixture(params=BACKENDS)
def demo(request: pytest.FixtureRequest, demos: Callable[[str], Demo]) -> Demo:
    return demos(request.param)


# --- determinism -----------------------------------------------------------------------


def test_same_seed_builds_identical_rows_in_every_table(engine: Engine, demos: Callable[[str], Demo]) -> None:
    reference, reference_summary = demos(engine.dialect.name)
    summary = build_demo(engine, students=STUDENTS, seed=SEED)
    assert summary == reference_summary
    mine, theirs = dump(engine), dump(reference)
    for table, expected in theirs.items():
        got = mine[table]
        assert len(got) == len(expected), table
        first_diff = next((i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b), None)
        assert first_diff is None, (
            f"{table}: row {first_diff} differs: {got[first_diff]} != {expected[first_diff]}"
        )


def test_another_seed_gives_other_people(engine: Engine, demos: Callable[[str], Demo]) -> None:
    reference, _ = demos(engine.dialect.name)
    build_demo(engine, students=STUDENTS, seed=SEED + 1)
    query = "SELECT last_name, first_name, middle_name FROM persons"
    ours = {tuple(r) for r in rows(engine, query)}
    theirs = {tuple(r) for r in rows(reference, query)}
    assert len(ours & theirs) < len(ours) // 5


def test_orm_insert_after_the_demo_gets_a_fresh_id(engine: Engine) -> None:
    """The demo writes explicit ids; on PostgreSQL the sequences must move past them."""
    build_demo(engine, students=40, seed=SEED)
    before = scalar(engine, "SELECT max(id) FROM persons")
    with Session(engine) as session:
        person = m.Person(last_name="Новикова", first_name="Ирина", created_at=datetime(2026, 7, 1, 9))
        session.add(person)
        session.commit()
        assert person.id == before + 1


def test_the_statistics_after_the_build_are_of_its_own_tables(engine: Engine) -> None:
    """The build ends with ANALYZE; on PostgreSQL of the workbench's tables by name, not a
    bare ANALYZE of the whole database: that one read the other schemas' tables too and
    was picked as a deadlock victim beside a schema being dropped (seen in CI)."""
    analyzed: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("ANALYZE"):
            analyzed.append(statement.strip())

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        build_demo(engine, students=40, seed=SEED)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert analyzed, "no ANALYZE after the build"
    if engine.dialect.name == "postgresql":
        assert "ANALYZE" not in analyzed, analyzed
        named = {n.strip().strip('"') for n in analyzed[-1].removeprefix("ANALYZE").split(",")}
        assert named == {t.name for t in m.Base.metadata.sorted_tables}


def test_progress_reports_every_stage_up_to_its_total(engine: Engine) -> None:
    calls: list[tuple[str, int, int]] = []
    build_demo(engine, students=40, seed=SEED, progress=lambda s, d, t: calls.append((s, d, t)))
    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    runs = [stage for stage, _ in itertools.groupby(stage for stage, _, _ in calls)]
    assert runs == stages, "a stage came back after another one (the CLI would draw it twice)"
    for stage in ("Оргструктура", "Журнал", "Итоговые оценки", "Сообщения", "Активность"):
        assert stage in stages
    for stage in stages:
        done = [(d, t) for s, d, t in calls if s == stage]
        assert all(0 <= d <= t for d, t in done), stage
        assert done[-1][0] == done[-1][1], f"{stage} did not reach its total"


# --- refusal ---------------------------------------------------------------------------


def test_refuses_a_database_that_already_has_a_college(engine: Engine) -> None:
    with Session(engine) as session:
        minimal_college(session)
        session.commit()
    before = counts(engine)
    with pytest.raises(NetspoError, match="уже есть данные колледжа"):
        build_demo(engine, students=40, seed=SEED)
    assert counts(engine) == before


def test_refuses_to_build_twice_and_changes_nothing(demo: Demo) -> None:
    engine, _ = demo
    before = counts(engine)
    with pytest.raises(NetspoError, match="только в пустой базе"):
        build_demo(engine, students=STUDENTS, seed=SEED)
    assert counts(engine) == before


# --- shape -----------------------------------------------------------------------------


def test_summary_counts_match_the_database(demo: Demo) -> None:
    engine, summary = demo
    c = counts(engine)
    assert summary.students == c["students"] == STUDENTS
    assert (summary.groups, summary.lessons, summary.marks) == (c["groups"], c["lessons"], c["marks"])
    assert (summary.absences, summary.final_grades) == (c["attendance"], c["final_grades"])
    assert summary.accounts == c["user_accounts"]
    assert summary.activity_events == c["activity_events"]
    assert len(summary.count_lines()) >= 10
    assert [login for _, login in summary.login_lines()] == list(DEMO_LOGINS.values())


def test_groups_have_about_25_students_a_teaching_curator_and_a_curriculum(demo: Demo) -> None:
    engine, _ = demo
    groups = rows(
        engine,
        """SELECT g.id, g.name, g.course, g.curator_id, c.status,
                  (SELECT count(*) FROM students s WHERE s.group_id = g.id) AS size,
                  (SELECT count(*) FROM teaching_assignments ta
                    WHERE ta.group_id = g.id AND ta.teacher_id = g.curator_id) AS curator_lessons
           FROM groups g JOIN curricula c ON c.id = g.curriculum_id""",
    )
    assert len(groups) == round(STUDENTS / 25)
    sizes = [g.size for g in groups]
    assert all(17 <= s <= 32 for s in sizes), sizes
    assert 23 <= sum(sizes) / len(sizes) <= 27
    assert all(g.status == "approved" and g.curator_id and g.curator_lessons for g in groups)
    assert {g.course for g in groups} == {1, 2, 3, 4}
    kinds = {
        r[0]
        for r in rows(
            engine, "SELECT DISTINCT s.kind FROM groups g JOIN specialties s ON s.id = g.specialty_id"
        )
    }
    assert kinds == {"ppssz", "ppkrs"}


def test_curricula_have_modules_with_their_mdk_and_practices(demo: Demo) -> None:
    engine, _ = demo
    orphans = scalar(
        engine,
        """SELECT count(*) FROM curriculum_items i
           LEFT JOIN curriculum_items p ON p.id = i.parent_id
           WHERE i.kind IN ('mdk', 'edu_practice') AND (p.id IS NULL OR p.kind <> 'module'
                 OR p.semester <> i.semester OR p.curriculum_id <> i.curriculum_id)""",
    )
    assert orphans == 0
    per_semester = rows(
        engine,
        """SELECT g.name, count(*) AS n FROM groups g
           JOIN curriculum_items i ON i.curriculum_id = g.curriculum_id AND i.semester = 2 * g.course - 1
           WHERE i.kind NOT IN ('module', 'gia') GROUP BY g.name""",
    )
    assert all(6 <= r.n <= 12 for r in per_semester), per_semester


def test_marks_are_2_to_5_and_averages_differ_between_groups(demo: Demo) -> None:
    engine, _ = demo
    values = {r[0] for r in rows(engine, "SELECT DISTINCT value FROM marks")}
    assert values == {2, 3, 4, 5}
    averages = [
        r[0]
        for r in rows(
            engine,
            "SELECT avg(value) FROM marks mk JOIN lessons l ON l.id = mk.lesson_id GROUP BY l.group_id",
        )
    ]
    assert min(averages) > 3.2 and max(averages) < 4.6
    assert max(averages) - min(averages) > 0.25
    per_student = scalar(engine, "SELECT count(*) FROM marks") / STUDENTS
    assert 250 < per_student < 500


def test_no_teacher_room_or_group_is_booked_twice(demo: Demo) -> None:
    engine, _ = demo
    for column in ("teacher_id", "room_id"):
        clashes = scalar(
            engine,
            f"""SELECT count(*) FROM (SELECT {column} FROM timetable_lessons WHERE {column} IS NOT NULL
                GROUP BY {column}, lesson_date, pair_number HAVING count(*) > 1) x""",
        )
        assert clashes == 0, column
    group_clashes = scalar(
        engine,
        """SELECT count(*) FROM (SELECT group_id FROM timetable_lessons
           GROUP BY group_id, lesson_date, pair_number
           HAVING count(*) > 1 AND (count(*) <> count(subgroup_id)
                                    OR count(DISTINCT subgroup_id) <> count(*))) x""",
    )
    assert group_clashes == 0
    holiday_lessons = scalar(
        engine, "SELECT count(*) FROM lessons WHERE lesson_date IN ('2025-11-04', '2026-02-23', '2026-01-05')"
    )
    assert holiday_lessons == 0


def test_every_group_has_a_full_week_of_18_pairs(demo: Demo) -> None:
    """36 hours a week Monday–Saturday: nothing of the curriculum was left unplaced."""
    engine, _ = demo
    for monday in ("2025-09-08", "2026-02-09"):
        weeks = rows(
            engine,
            """SELECT g.name, count(DISTINCT t.lesson_date || '/' || t.pair_number) AS pairs,
                      count(DISTINCT t.lesson_date) AS days
               FROM timetable_lessons t JOIN groups g ON g.id = t.group_id
               WHERE t.lesson_date BETWEEN :a AND :b GROUP BY g.name""",
            a=monday,
            b=str(date.fromisoformat(monday) + timedelta(days=5)),
        )
        assert len(weeks) == round(STUDENTS / 25)
        assert all(w.pairs == 18 and w.days == 6 for w in weeks), weeks


def test_attendance_codes_hours_and_final_results_are_consistent(demo: Demo) -> None:
    engine, _ = demo
    for code, hours in rows(engine, "SELECT DISTINCT code, hours FROM attendance"):
        assert hours == (0 if code == "late" else 2), code
    assert {r[0] for r in rows(engine, "SELECT DISTINCT code FROM attendance")} >= {
        "sick",
        "unexcused",
        "late",
    }
    results = rows(
        engine,
        """SELECT i.assessment, f.result FROM final_grades f
           JOIN curriculum_items i ON i.id = f.curriculum_item_id GROUP BY i.assessment, f.result""",
    )
    special = {FinalResult.NOT_ATTESTED.value, FinalResult.EXEMPT.value}
    for assessment, result in results:
        allowed = {"pass", "fail"} if assessment == "credit" else {"5", "4", "3", "2"}
        assert result in allowed | special, (assessment, result)
    assert any(r == "pass" for _, r in results) and any(r == "5" for _, r in results)


def test_every_snils_is_valid_and_unique(demo: Demo) -> None:
    engine, _ = demo
    values = [r[0] for r in rows(engine, "SELECT snils FROM persons WHERE snils IS NOT NULL")]
    assert len(values) == len(set(values)) > STUDENTS
    for v in values:
        assert len(v) == 11 and v.isdigit()
        total = sum(int(ch) * w for ch, w in zip(v[:9], range(9, 0, -1), strict=True)) % 101
        assert int(v[9:]) == (0 if total == 100 else total), v


def test_every_role_has_one_demo_login_with_the_right_scope(demo: Demo) -> None:
    engine, summary = demo
    assert set(DEMO_LOGINS) == set(Role) and len(set(DEMO_LOGINS.values())) == len(Role)
    assert summary.logins == {role.value: login for role, login in DEMO_LOGINS.items()}
    expected_scope = {
        Role.DEPARTMENT_HEAD: ScopeKind.DEPARTMENT,
        Role.COMMISSION_CHAIR: ScopeKind.DEPARTMENT,
        Role.CURATOR: ScopeKind.GROUP,
        Role.STUDENT: ScopeKind.STUDENT,
        Role.PARENT: ScopeKind.STUDENT,
    }
    grant: dict[Role, sa.Row] = {}
    for role, login in DEMO_LOGINS.items():
        found = rows(
            engine,
            """SELECT g.scope, g.department_id, g.group_id, g.student_id, g.revoked_at
               FROM role_grants g JOIN user_accounts a ON a.id = g.account_id
               WHERE a.login = :login AND g.role = :role""",
            login=login,
            role=role.value,
        )
        assert len(found) == 1, login
        grant[role] = found[0]
        assert found[0].scope == expected_scope.get(role, ScopeKind.COLLEGE).value, login
        assert found[0].revoked_at is None
    # The demo parent is the demo student's parent; the demo curator curates that group.
    assert grant[Role.PARENT].student_id == grant[Role.STUDENT].student_id
    student_group = scalar(
        engine, "SELECT group_id FROM students WHERE id = :s", s=grant[Role.STUDENT].student_id
    )
    assert grant[Role.CURATOR].group_id == student_group
    linked = scalar(
        engine,
        """SELECT count(*) FROM parent_links pl JOIN user_accounts a ON a.person_id = pl.parent_id
           WHERE a.login = :login AND pl.student_id = :s""",
        login=DEMO_LOGINS[Role.PARENT],
        s=grant[Role.STUDENT].student_id,
    )
    assert linked == 1
    # The curator also teaches; the teacher login is a teacher only.
    roles_of = {
        login: {
            r[0]
            for r in rows(
                engine,
                """SELECT g.role FROM role_grants g JOIN user_accounts a ON a.id = g.account_id
                   WHERE a.login = :l""",
                l=login,
            )
        }
        for login in (DEMO_LOGINS[Role.CURATOR], DEMO_LOGINS[Role.TEACHER])
    }
    assert roles_of[DEMO_LOGINS[Role.CURATOR]] == {"curator", "teacher"}
    assert roles_of[DEMO_LOGINS[Role.TEACHER]] == {"teacher"}
    teaches = scalar(
        engine,
        """SELECT count(*) FROM teaching_assignments ta
           JOIN user_accounts a ON a.person_id = ta.teacher_id WHERE a.login = :l""",
        l=DEMO_LOGINS[Role.TEACHER],
    )
    assert teaches > 0


def test_demo_password_opens_the_demo_logins_only(demo: Demo) -> None:
    engine, _ = demo
    hashes = dict(
        rows(engine, "SELECT login, password_hash FROM user_accounts WHERE password_hash IS NOT NULL")
    )
    for login in DEMO_LOGINS.values():
        assert verify_password(hashes[login], DEMO_PASSWORD), login
    assert not verify_password(hashes[DEMO_LOGINS[Role.DIRECTOR]], DEMO_PASSWORD + "!")
    others = [h for login, h in hashes.items() if login not in DEMO_LOGINS.values()]
    assert others and not verify_password(others[0], DEMO_PASSWORD)


def test_nothing_is_dated_after_the_end_of_the_year(demo: Demo) -> None:
    engine, _ = demo
    for table, column in (
        ("lessons", "created_at"),
        ("marks", "entered_at"),
        ("final_grades", "set_at"),
        ("messages", "sent_at"),
        ("activity_events", "at"),
        ("students", "created_at"),
        ("orders", "created_at"),
    ):
        latest = scalar(engine, f"SELECT max({column}) AS latest FROM {table}", {"latest": TS})
        assert latest is not None and latest <= AS_OF, (table, latest)


# --- planted defects -------------------------------------------------------------------


def test_some_student_cards_were_entered_after_the_d1_deadline(demo: Demo) -> None:
    engine, _ = demo
    cards = rows(
        engine,
        """SELECT s.created_at, o.order_date FROM students s
           JOIN order_items oi ON oi.student_id = s.id
           JOIN orders o ON o.id = oi.order_id AND o.kind = 'enrollment'""",
        {"created_at": TS, "order_date": DAY},
    )
    late = [c for c in cards if working_days_between(c.order_date, c.created_at.date()) > 1]
    assert 1 <= len(late) < len(cards) // 10


def test_an_expulsion_order_and_a_staff_hire_were_entered_late(demo: Demo) -> None:
    engine, _ = demo
    expulsions = rows(
        engine,
        "SELECT created_at, order_date FROM orders WHERE kind = 'expulsion'",
        {"created_at": TS, "order_date": DAY},
    )
    assert any(working_days_between(o.order_date, o.created_at.date()) > 1 for o in expulsions)  # D-2
    hires = rows(
        engine,
        "SELECT created_at, hire_order_date FROM staff",
        {"created_at": TS, "hire_order_date": DAY},
    )
    late = [h for h in hires if working_days_between(h.hire_order_date, h.created_at.date()) > 3]  # D-3
    assert 1 <= len(late) < len(hires) // 5


def test_journals_have_unfilled_slots_and_late_lessons(demo: Demo) -> None:
    engine, _ = demo
    unfilled = scalar(
        engine,
        """SELECT count(*) FROM timetable_lessons t
           WHERE t.lesson_date >= '2026-06-15' AND NOT EXISTS
                 (SELECT 1 FROM lessons l WHERE l.timetable_lesson_id = t.id)""",
    )
    assert unfilled > 0
    entered = rows(
        engine, "SELECT lesson_date, created_at FROM lessons", {"lesson_date": DAY, "created_at": TS}
    )
    late = [e for e in entered if e.created_at.date() - e.lesson_date >= timedelta(days=7)]
    assert 0 < len(late) < len(entered) // 20


def test_some_final_grades_are_late_and_some_missing(demo: Demo) -> None:
    engine, _ = demo
    late = scalar(engine, "SELECT count(*) FROM final_grades WHERE period_id = 1 AND set_at > '2025-12-29'")
    assert late > 0  # D-7
    missing = scalar(
        engine,
        """SELECT count(*) FROM students s JOIN groups g ON g.id = s.group_id
           JOIN curriculum_items i ON i.curriculum_id = g.curriculum_id AND i.semester = 2 * g.course
           WHERE s.status = 'studying' AND i.assessment IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM final_grades f WHERE f.student_id = s.id
                             AND f.curriculum_item_id = i.id AND f.period_id = 2)""",
    )
    given = scalar(engine, "SELECT count(*) FROM final_grades WHERE period_id = 2")
    assert 0 < missing < given


def test_a_parent_question_is_unanswered_after_three_days(demo: Demo) -> None:
    engine, _ = demo
    questions = rows(
        engine,
        """SELECT t.id, t.created_at,
                  (SELECT min(r.sent_at) FROM messages r
                    WHERE r.thread_id = t.id AND r.sender_id <> t.started_by_id) AS replied
           FROM message_threads t
           WHERE t.is_consultative_question AND t.kind = 'parent_question'""",
        {"created_at": TS, "replied": TS},
    )
    overdue = [q for q in questions if q.replied is None and AS_OF - q.created_at > timedelta(days=3)]
    on_time = [q for q in questions if q.replied and q.replied - q.created_at <= timedelta(days=3)]
    assert overdue  # D-9
    assert len(on_time) > len(questions) // 2


def test_some_accounts_with_credentials_never_logged_in(demo: Demo) -> None:
    engine, _ = demo
    never = """SELECT count(*) FROM user_accounts a
               WHERE a.password_hash IS NOT NULL AND a.status = 'active'
                 AND EXISTS (SELECT 1 FROM role_grants g WHERE g.account_id = a.id AND g.role = :role)
                 AND NOT EXISTS (SELECT 1 FROM activity_events e
                                 WHERE e.account_id = a.id AND e.kind = 'login')"""
    parents = scalar(engine, never, role="parent")
    all_parents = scalar(engine, "SELECT count(*) FROM role_grants WHERE role = 'parent'")
    assert 0 < parents < all_parents // 2
    staff_never = scalar(
        engine,
        """SELECT count(*) FROM user_accounts a JOIN staff s ON s.person_id = a.person_id
           WHERE a.password_hash IS NOT NULL AND a.status = 'active' AND s.dismissed_on IS NULL
             AND NOT EXISTS (SELECT 1 FROM activity_events e WHERE e.account_id = a.id)""",
    )
    assert staff_never >= 2
    teachers_daily = Counter(
        r[0]
        for r in rows(
            engine,
            """SELECT a.login FROM activity_events e JOIN user_accounts a ON a.id = e.account_id
               WHERE e.kind = 'login' AND a.login = :l""",
            l=DEMO_LOGINS[Role.TEACHER],
        )
    )
    assert teachers_daily[DEMO_LOGINS[Role.TEACHER]] > 20
