"""The attendance summaries (netspo_lib.summaries, issue 8) always equal what the journal
says: after the demo build, after every kind of write to attendance and lessons (insert,
change of code, hours, lesson or student, delete, a lesson added, moved to another day,
group or subgroup, deleted; one row at a time and in bulk, through the ORM and raw SQL),
on SQLite and PostgreSQL; a refused write leaves them as they were; the migrations
create them and their triggers. The student months (kept from the student days) are
checked alongside, and the sums of any date range read from months and days equal the
journal's."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from netspo_lib import models as m
from netspo_lib import summaries
from netspo_lib.enums import AttendanceCode

from .rebuilt import assert_as_rebuilt, lock_period, table_rows

TABLES = (summaries.GROUP_DAYS, summaries.STUDENT_DAYS, summaries.STUDENT_MONTHS)


def _rows(conn: Connection) -> dict[str, set[tuple]]:
    return table_rows(conn, TABLES)


def assert_current(conn: Connection) -> None:
    """The maintained summaries equal a rebuild from the journal."""
    assert_as_rebuilt(conn, TABLES, summaries.rebuild)


def _open_journal(conn: Connection) -> None:
    """Writes below are not about locks: lift every lock (rolled back with the test)."""
    conn.execute(sa.delete(m.PeriodLock))
    conn.execute(sa.delete(m.FinalGrade))


def test_the_demo_build_leaves_the_summaries_current(demo_college) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, _built = demo_college
    with engine.connect() as conn:
        counts = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in TABLES}
        absences = conn.scalar(sa.select(sa.func.count()).select_from(m.Attendance))
        assert absences and counts[summaries.STUDENT_DAYS] and counts[summaries.GROUP_DAYS]
        assert_current(conn)
        assert summaries.installed(conn) == set(summaries.trigger_names(conn.dialect.name))


def test_every_kind_of_journal_write_keeps_the_summaries_current(demo_college) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, _built = demo_college
    rnd = random.Random(8)
    a, ls = m.Attendance.__table__, m.Lesson.__table__
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            _open_journal(conn)
            lessons = conn.execute(sa.select(ls).order_by(ls.c.id)).mappings().all()
            by_group: dict[int, list[int]] = {}
            for sid, gid in conn.execute(sa.select(m.Student.id, m.Student.group_id)):
                by_group.setdefault(gid, []).append(sid)
            codes = [c.value for c in AttendanceCode]

            def new_absences(lesson, count):  # type: ignore[no-untyped-def]
                taken = set(conn.scalars(sa.select(a.c.student_id).where(a.c.lesson_id == lesson["id"])))
                free = [s for s in by_group.get(lesson["group_id"], []) if s not in taken]
                return [
                    dict(
                        lesson_id=lesson["id"],
                        student_id=s,
                        code=rnd.choice(codes),
                        hours=rnd.choice([0, 1, 2]),
                        entered_at=datetime(2025, 10, 1),
                        version=1,
                    )
                    for s in rnd.sample(free, min(count, len(free)))
                ]

            # One row at a time, and a bulk insert of many rows in one statement.
            for lesson in rnd.sample(list(lessons), 5):
                for row in new_absences(lesson, 1):
                    conn.execute(a.insert().values(**row))
            assert_current(conn)
            bulk = [r for lesson in rnd.sample(list(lessons), 20) for r in new_absences(lesson, 3)]
            conn.execute(a.insert(), bulk)
            assert_current(conn)
            ids = list(conn.scalars(sa.select(a.c.id).order_by(a.c.id)))
            # Changes of code and hours, row by row and one statement over many rows.
            for aid in rnd.sample(ids, 10):
                conn.execute(
                    a.update().where(a.c.id == aid).values(code=rnd.choice(codes), hours=rnd.choice([1, 2]))
                )
            conn.execute(a.update().where(a.c.id.in_(rnd.sample(ids, 40))).values(code="sick", hours=2))
            # A version bump alone changes nothing.
            conn.execute(a.update().where(a.c.id.in_(ids[:10])).values(version=a.c.version + 1))
            assert_current(conn)
            # An absence moved to another lesson of its group (another day).
            moved = conn.execute(sa.select(a.c.id, a.c.student_id, ls.c.group_id).join(ls)).all()
            for aid, sid, gid in rnd.sample(moved, 10):
                others = [
                    x["id"]
                    for x in lessons
                    if x["group_id"] == gid
                    and not conn.scalar(
                        sa.select(sa.func.count()).where(a.c.lesson_id == x["id"], a.c.student_id == sid)
                    )
                ]
                conn.execute(a.update().where(a.c.id == aid).values(lesson_id=rnd.choice(others[:50])))
            assert_current(conn)
            # Deletes: one by one and in bulk.
            ids = list(conn.scalars(sa.select(a.c.id)))
            for aid in rnd.sample(ids, 10):
                conn.execute(a.delete().where(a.c.id == aid))
            conn.execute(a.delete().where(a.c.id.in_(rnd.sample(sorted(set(ids) - set()), 200))))
            assert_current(conn)
            # Lessons: a new day (whole group and a subgroup's), moved with their absences
            # to another day and group, a change of subgroup, deleted.
            template = dict(lessons[0])
            subgroup = conn.scalar(
                sa.select(m.Subgroup.id).where(m.Subgroup.group_id == template["group_id"])
            )
            new_ids = []
            for n, sub in enumerate([None, subgroup, None]):
                row = {k: v for k, v in template.items() if k != "id"}
                row.update(lesson_date=template["lesson_date"] + timedelta(days=200), pair_number=n + 1,
                           subgroup_id=sub, timetable_lesson_id=None)  # fmt: skip
                new_ids.append(conn.execute(ls.insert().values(**row)).inserted_primary_key[0])
            assert_current(conn)
            for lid in new_ids:
                lesson = conn.execute(sa.select(ls).where(ls.c.id == lid)).mappings().one()
                conn.execute(a.insert(), new_absences(lesson, 4))
            assert_current(conn)
            busy = conn.execute(
                sa.select(ls.c.id, ls.c.group_id).where(ls.c.id.in_(conn.scalars(sa.select(a.c.lesson_id))))
            ).all()
            for lid, _gid in rnd.sample(busy, 8):
                day = conn.scalar(sa.select(ls.c.lesson_date).where(ls.c.id == lid))
                conn.execute(
                    ls.update()
                    .where(ls.c.id == lid)
                    .values(lesson_date=day + timedelta(days=rnd.choice([1, 7])))
                )
            assert_current(conn)
            conn.execute(ls.update().where(ls.c.id == new_ids[0]).values(subgroup_id=subgroup))
            conn.execute(ls.update().where(ls.c.id == new_ids[1]).values(subgroup_id=None))
            conn.execute(ls.update().where(ls.c.id.in_(new_ids)).values(topic="Новая тема"))
            # The same lesson moved to another group in one statement with others.
            other_group = next(g for g in by_group if g != template["group_id"])
            conn.execute(ls.update().where(ls.c.id.in_(new_ids[:2])).values(group_id=other_group))
            assert_current(conn)
            conn.execute(a.delete().where(a.c.lesson_id.in_(new_ids)))
            conn.execute(ls.delete().where(ls.c.id == new_ids[2]))
            conn.execute(ls.delete().where(ls.c.id.in_(new_ids[:2])))
            assert_current(conn)
            # Subgroups: a student joins one, another leaves, one moves to another subgroup.
            sm = m.SubgroupMember.__table__
            members = conn.execute(sa.select(sm.c.subgroup_id, sm.c.student_id)).all()
            subgroups = conn.execute(sa.select(m.Subgroup.id, m.Subgroup.group_id)).all()
            joined = 0
            for sub_id, gid in subgroups:
                inside = {s for sg, s in members if sg == sub_id}
                outside = [s for s in by_group.get(gid, []) if s not in inside]
                if outside and joined < 3:
                    conn.execute(sm.insert().values(subgroup_id=sub_id, student_id=outside[0]))
                    joined += 1
            assert joined
            gone = rnd.sample(members, 3)
            for sub_id, sid in gone:
                conn.execute(sm.delete().where(sm.c.subgroup_id == sub_id, sm.c.student_id == sid))
            assert_current(conn)
            sub_id, sid = next(x for x in members if x not in gone)
            other = next(
                s
                for s, g in subgroups
                if s != sub_id and g == dict(subgroups)[sub_id] and (s, sid) not in members
            )
            conn.execute(
                sm.update()
                .where(sm.c.subgroup_id == sub_id, sm.c.student_id == sid)
                .values(subgroup_id=other)
            )
            conn.execute(sm.delete().where(sm.c.subgroup_id == other))
            assert_current(conn)
        finally:
            trans.rollback()


def test_a_refused_write_leaves_the_summaries_as_they_were(demo_college) -> None:  # type: ignore[no-untyped-def]
    """Absences of a locked period are refused by the guard trigger (R-4.2.e), in bulk
    too: the summaries stay exactly as they were."""
    _backend, engine, _built = demo_college
    a = m.Attendance.__table__
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            lesson = conn.execute(
                sa.select(m.Lesson.id, m.Lesson.group_id, m.Lesson.period_id).where(
                    m.Lesson.id == sa.select(sa.func.min(a.c.lesson_id)).scalar_subquery()
                )
            ).one()
            lock_period(conn, lesson.period_id, lesson.group_id)
            before = _rows(conn)
            taken = set(conn.scalars(sa.select(a.c.student_id).where(a.c.lesson_id == lesson.id)))
            free = conn.scalars(
                sa.select(m.Student.id).where(
                    m.Student.group_id == lesson.group_id, m.Student.id.not_in(taken)
                )
            ).all()
            rows = [
                dict(lesson_id=lesson.id, student_id=s, code="unexcused", hours=2,
                     entered_at=datetime(2025, 10, 1), version=1)
                for s in free
            ]  # fmt: skip
            for statement, params in (
                (a.insert(), rows),
                (a.delete().where(a.c.lesson_id == lesson.id), None),
                (m.Lesson.__table__.update().where(m.Lesson.id == lesson.id).values(pair_number=8), None),
            ):
                savepoint = conn.begin_nested()
                with pytest.raises(sa.exc.DBAPIError, match="period_locked"):
                    conn.execute(statement, params) if params else conn.execute(statement)
                savepoint.rollback()
                assert _rows(conn) == before
        finally:
            outer.rollback()


def test_migrations_create_the_summaries_and_their_triggers(empty_engine: Engine) -> None:
    from netspo_lib.db import upgrade

    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        assert set(TABLES) <= set(sa.inspect(conn).get_table_names())
        names = set(summaries.trigger_names(conn.dialect.name))
        assert {f"netspo_sum_student_days_a{op}" for op in "iud"} <= names
        assert summaries.installed(conn) == names


def test_the_dashboards_answer_the_same_from_the_summaries_and_the_journal(demo_college) -> None:  # type: ignore[no-untyped-def]
    """Issue 8: results stay identical to the straightforward computation (attendance
    joined to lessons) for every attendance query of the dashboards and reports."""
    from sqlalchemy.orm import Session

    from netspo_lib.access import load_actor
    from netspo_lib.reports import analytics as an
    from netspo_lib.reports import attendance as att

    _backend, engine, _built = demo_college
    with Session(engine) as session:
        actor = load_actor(session, "zamdir")
        periods = session.scalars(sa.select(m.Lesson.period_id).distinct().order_by(m.Lesson.period_id)).all()
        last = periods[-1]
        year = session.scalar(sa.select(m.StudyPeriod.academic_year_id).where(m.StudyPeriod.id == last))
        department = session.scalar(sa.select(m.Department.id).order_by(m.Department.id))
        groups = session.scalars(sa.select(m.Group.id).order_by(m.Group.id)).all()
        scopes = [
            dict(period_id=periods[0]),
            dict(period_id=periods[-1]),
            dict(academic_year_id=year),
            dict(academic_year_id=year, department_id=department),
            dict(academic_year_id=year, group_id=groups[0]),
        ]
        calls = []
        for scope in scopes:
            for freq in ("day", "week", "month"):
                calls.append(lambda s=scope, f=freq: an.attendance_over_time(session, actor, freq=f, **s))
            for by in ("department", "specialty", "course", "group", "student"):
                calls.append(lambda s=scope, b=by: an.attendance_by(session, actor, by=b, **s))
        calls.append(lambda: an.attendance_by(session, actor, by="student", sort="full_days", limit=10))
        calls.append(lambda: att.student_attendance(session, actor, group_ids=groups))
        calls.append(lambda: att.monthly_attendance(session, actor, group_ids=groups[:3]))
        checked = 0
        for call in calls:
            fast = call()
            with summaries.bypass():
                plain = call()
            pd.testing.assert_frame_equal(fast, plain, check_dtype=False)
            checked += int(not fast.empty)
        assert checked >= len(calls) - 2  # the comparisons are of real answers


def test_date_ranges_read_from_months_and_days_equal_the_journal(demo_college, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The sums per group and student of any date range (whole months from the month rows,
    the partial months at the edges added from, or taken off with, the student days)
    equal the journal's: ranges starting and ending early or late in a month, spanning
    whole months, one day, within one month, a year, open at either end, empty."""
    from datetime import date

    from sqlalchemy.orm import Session

    from netspo_lib.access import load_actor
    from netspo_lib.reports import analytics as an
    from netspo_lib.reports import attendance as att

    _backend, engine, _built = demo_college
    with Session(engine) as session:
        actor = load_actor(session, "zamdir")
        groups = session.scalars(sa.select(m.Group.id).order_by(m.Group.id)).all()
        first = session.scalar(sa.select(sa.func.min(m.Lesson.lesson_date)))
        busiest = session.execute(
            sa.select(m.Lesson.lesson_date)
            .join(m.Attendance, m.Attendance.lesson_id == m.Lesson.id)
            .group_by(m.Lesson.lesson_date)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).scalar_one()
        y = first.year
        ranges = [
            (date(y, 9, 10), date(y, 11, 20)),  # both edges: a month minus its days outside
            (date(y, 9, 25), date(y, 12, 5)),  # both edges: the days inside
            (date(y, 9, 25), date(y, 10, 3)),  # two partial months, no whole one
            (date(y, 9, 1), date(y, 12, 31)),  # whole months
            (date(y, 10, 3), date(y, 10, 27)),  # within a month, most of it
            (date(y, 10, 10), date(y, 10, 12)),  # within a month, a few days
            (busiest, busiest),  # one day
            (date(y, 9, 1), date(y + 1, 6, 30)),  # a year
            (date(y, 11, 17), date(y + 1, 2, 13)),
            (None, date(y, 11, 20)),
            (date(y, 10, 10), None),
            (None, None),
            (date(y, 11, 1), date(y, 10, 1)),  # empty
        ]
        key = ["group_id", "student_id"]

        def sums(start, end):  # type: ignore[no-untyped-def]
            q = att.student_sums(groups, start, end)
            frame = pd.DataFrame([dict(r._mapping) for r in session.execute(sa.select(q))])
            return frame.sort_values(key, ignore_index=True).astype("int64") if len(frame) else frame

        found = 0
        for start, end in ranges:
            monkeypatch.setattr(an, "_date_range", lambda *a, s=start, e=end, **k: (s, e))
            calls = [
                lambda b=by: an.attendance_by(session, actor, by=b)
                for by in ("department", "specialty", "course", "group", "student")
            ]
            calls.append(lambda s=start, e=end: att.student_attendance(session, actor, start=s, end=e))
            calls.append(  # a group or two: from the student days
                lambda s=start, e=end: att.student_attendance(
                    session, actor, group_ids=groups[:2], start=s, end=e
                )
            )
            for call in calls:
                fast = call()
                with summaries.bypass():
                    plain = call()
                pd.testing.assert_frame_equal(fast, plain)
            fast = sums(start, end)
            with summaries.bypass():
                plain = sums(start, end)
            pd.testing.assert_frame_equal(fast, plain)
            found += len(fast) > 0
        assert found >= len(ranges) - 2  # the comparisons are of real answers


class _PlainAttendance:
    """:func:`analytics.attendance_by` computed the plain way from the journal's rows in
    Python: the units' enrolled students, hours by reason, lateness and full days (days on
    which a student missed every lesson the student had) per unit, sorted as documented."""

    def __init__(self, session) -> None:  # type: ignore[no-untyped-def]
        from netspo_lib.models.people import full_name

        st, g = m.Student, m.Group
        self.groups = {
            gid: (name, dept, course, f"{code} {sname}", spec, dname)
            for gid, name, dept, course, spec, code, sname, dname in session.execute(
                sa.select(g.id, g.name, g.department_id, g.course, g.specialty_id, m.Specialty.code,
                          m.Specialty.name, m.Department.name)
                .join(m.Specialty, m.Specialty.id == g.specialty_id)
                .join(m.Department, m.Department.id == g.department_id)
            )
        }  # fmt: skip
        self.students = [
            (sid, gid, status, left, full_name(last, first, middle))
            for sid, gid, status, left, last, first, middle in session.execute(
                sa.select(st.id, st.group_id, st.status, st.left_on, m.Person.last_name, m.Person.first_name,
                          m.Person.middle_name)
                .join(m.Person, m.Person.id == st.person_id)
                .order_by(st.id)
            )
        ]  # fmt: skip
        members = set(session.execute(sa.select(m.SubgroupMember.subgroup_id, m.SubgroupMember.student_id)))
        lessons = session.execute(
            sa.select(m.Lesson.id, m.Lesson.group_id, m.Lesson.lesson_date, m.Lesson.subgroup_id)
        ).all()
        self.lesson_day = {lid: (gid, day) for lid, gid, day, _sub in lessons}
        day_lessons: dict = {}
        for _lid, gid, day, sub in lessons:
            day_lessons.setdefault((gid, day), []).append(sub)
        self.rows = session.execute(
            sa.select(m.Attendance.student_id, m.Attendance.lesson_id, m.Attendance.code, m.Attendance.hours)
        ).all()
        self.had = {
            (gid, day, sid): sum(1 for sub in day_lessons[(gid, day)] if sub is None or (sub, sid) in members)
            for sid, lid, _code, _hours in self.rows
            for gid, day in [self.lesson_day[lid]]
        }

    def unit(self, by: str, group_id: int) -> tuple:
        name, dept, course, spec_label, spec, dept_name = self.groups[group_id]
        return {
            "group": (group_id, name),
            "department": (dept, dept_name),
            "specialty": (spec, spec_label),
            "course": (course, f"{course} курс"),
        }[by]

    def frame(self, groups, start, end, by, sort, limit):  # type: ignore[no-untyped-def]
        from netspo_lib.enums import StudentStatus
        from netspo_lib.reports.analytics import ATTENDANCE_COLUMNS

        units: dict = {}  # key -> [label, (group,) students]
        for sid, gid, status, left, name in self.students:
            if gid not in groups or status == StudentStatus.GRADUATED or (start and left and left < start):
                continue
            if by == "student":
                units[sid] = [name, self.groups[gid][0], 1]
            else:
                key, label = self.unit(by, gid)
                units.setdefault(key, [label, 0])[-1] += 1
        sums: dict = {}
        missed_on: dict = {}  # (group, day, student) -> rows missed
        for sid, lid, code, hours in self.rows:
            gid, day = self.lesson_day[lid]
            if gid not in groups or (start and day < start) or (end and day > end):
                continue
            s = sums.setdefault(sid if by == "student" else self.unit(by, gid)[0], [0, 0, 0, 0, 0, 0])
            missed = code in (AttendanceCode.EXCUSED, AttendanceCode.SICK, AttendanceCode.UNEXCUSED)
            s[0] += hours if missed else 0
            s[1] += hours if code in (AttendanceCode.EXCUSED, AttendanceCode.SICK) else 0
            s[2] += hours if code == AttendanceCode.SICK else 0
            s[3] += hours if code == AttendanceCode.UNEXCUSED else 0
            s[4] += code == AttendanceCode.LATE
            missed_on[(gid, day, sid)] = missed_on.get((gid, day, sid), 0) + missed
        for (gid, day, sid), missed in missed_on.items():
            had = self.had[(gid, day, sid)]
            if had > 0 and missed >= had:
                sums[sid if by == "student" else self.unit(by, gid)[0]][5] += 1
        rows = []
        for key, unit in units.items():
            summed = sums.get(key, [0] * 6)
            rows.append([key, *unit[:-1], *summed, unit[-1], summed[3] / unit[-1]])
        columns = ["key", "label", *(["group"] if by == "student" else []), *ATTENDANCE_COLUMNS]
        at = columns.index(sort)
        rows.sort(key=(lambda r: (r[1], r[0])) if sort == "label" else (lambda r: (-r[at], r[1])))
        frame = pd.DataFrame(rows, columns=columns)
        return frame if limit is None else frame.head(limit)


def test_attendance_by_equals_the_plain_computation(demo_college) -> None:  # type: ignore[no-untyped-def]
    """Issue 8: the consolidated attendance is assembled in Python, not pandas: every unit,
    sort, limit and range answers as the plain computation from the journal's rows, from
    the summaries and from the journal."""
    import contextlib

    from sqlalchemy.orm import Session

    from netspo_lib.access import load_actor
    from netspo_lib.reports import analytics as an

    _backend, engine, _built = demo_college
    with Session(engine) as session:
        actor = load_actor(session, "zamdir")
        plain = _PlainAttendance(session)
        groups = session.scalars(sa.select(m.Group.id).order_by(m.Group.id)).all()
        periods = session.scalars(sa.select(m.Lesson.period_id).distinct().order_by(m.Lesson.period_id)).all()
        last = periods[-1]
        year = session.scalar(sa.select(m.StudyPeriod.academic_year_id).where(m.StudyPeriod.id == last))
        department = session.scalar(sa.select(m.Department.id).order_by(m.Department.id))
        scopes = [
            ({}, groups),
            ({"period_id": periods[0]}, groups),
            ({"academic_year_id": year}, groups),
            ({"period_id": last, "group_id": groups[0]}, [groups[0]]),
            (
                {"period_id": last, "department_id": department},
                session.scalars(sa.select(m.Group.id).where(m.Group.department_id == department)).all(),
            ),
        ]
        orders = [("unexcused_hours", None), ("label", None), ("full_days", 3), ("students", None),
                  ("unexcused_per_student", 2), ("late", None)]  # fmt: skip
        checked = 0
        for scope, scoped in scopes:
            start, end = None, None
            if "period_id" in scope:
                period = session.get(m.StudyPeriod, scope["period_id"])
                start, end = period.starts_on, period.ends_on
            elif "academic_year_id" in scope:
                ay = session.get(m.AcademicYear, year)
                start, end = ay.starts_on, ay.ends_on
            for by in ("department", "specialty", "course", "group", "student"):
                for sort, limit in orders:
                    want = plain.frame(set(scoped), start, end, by, sort, limit)
                    for bypass in (False, True):
                        with summaries.bypass() if bypass else contextlib.nullcontext():
                            got = an.attendance_by(session, actor, by=by, sort=sort, limit=limit, **scope)
                        pd.testing.assert_frame_equal(got, want)
                    checked += int(want["missed_hours"].sum() > 0)
        assert checked > 100  # the comparisons are of real answers
