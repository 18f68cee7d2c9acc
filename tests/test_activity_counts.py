"""The activity dashboard's logins per role and the activity report's counts per role
(R-4.1.e, R-4.7.d, R-6.1) equal a straightforward computation in pandas over the raw
events and role grants of the demo college, on both engines.

The library counts in numpy over the id lists the database aggregates (issue 8); this
reference joins every event to the grants of its account and groups the pairs. The
demo's grants are extended first: an account holding two roles (a teacher who is also a
parent in the curator's group), the same role granted twice (a parent of two students)
and a revoked grant, which does not count.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib import summaries
from netspo_lib.access import Actor, load_actor
from netspo_lib.enums import Role, ScopeKind
from netspo_lib.reports import analytics as an
from netspo_lib.reports.activity import activity_report

RANGES = [
    (date(2026, 6, 1), date(2026, 6, 15)),  # two weeks from a Monday
    (date(2026, 5, 20), date(2026, 6, 10)),  # over a month's end, from a Wednesday
    (date(2026, 5, 1), date(2026, 6, 30)),  # the whole log
    (date(2026, 6, 7), date(2026, 6, 7)),  # one Sunday
    (date(2026, 7, 1), date(2026, 7, 31)),  # after the log: nothing
]


@pytest.fixture
def demo(demo_college):  # type: ignore[no-untyped-def]
    """The demo college with the grants above added (rolled back after the test)."""
    _, engine, built = demo_college
    with Session(engine) as s:
        curator = load_actor(s, built.logins[Role.CURATOR])
        group = next(g.group_id for g in curator.grants if g.group_id is not None)
        pupils = list(
            s.scalars(sa.select(m.Student.id).where(m.Student.group_id == group).order_by(m.Student.id))
        )
        teacher = s.scalar(
            sa.select(m.UserAccount.id).where(m.UserAccount.login == built.logins[Role.TEACHER])
        )
        parent = s.scalar(sa.select(m.UserAccount.id).where(m.UserAccount.login == built.logins[Role.PARENT]))
        granted = datetime(2025, 9, 1)

        def grant(account: int, role: Role, student: int, revoked: datetime | None = None) -> None:
            s.add(
                m.RoleGrant(
                    account_id=account, role=role, scope=ScopeKind.STUDENT, college_id=curator.college_id,
                    student_id=student, granted_at=granted, revoked_at=revoked,
                )
            )  # fmt: skip

        grant(teacher, Role.PARENT, pupils[0])  # two roles: teacher and parent
        grant(teacher, Role.PARENT, pupils[1])  # and the parent's role twice
        grant(parent, Role.PARENT, pupils[2])  # the demo parent: of a second student
        grant(parent, Role.STUDENT, pupils[3], revoked=granted)  # a revoked grant counts nowhere
        s.flush()
        yield s, built, curator, group, teacher
        s.rollback()


def _raw(s: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    conn = s.connection()
    events = pd.read_sql(
        sa.select(m.ActivityEvent.account_id, m.ActivityEvent.kind, m.ActivityEvent.at), conn
    )
    events["at"] = pd.to_datetime(events["at"])
    rg = m.RoleGrant
    grants = pd.read_sql(
        sa.select(rg.account_id, rg.role, rg.student_id, m.Student.group_id)
        .outerjoin(m.Student, m.Student.id == rg.student_id)
        .where(rg.revoked_at.is_(None)),
        conn,
    )
    return events, grants


def _scope(grants: pd.DataFrame, group: int | None) -> pd.DataFrame:
    """Distinct (account, role) pairs: the college's, or the students and parents of a group."""
    if group is not None:
        grants = grants[grants["role"].isin(["student", "parent"]) & (grants["group_id"] == group)]
    return grants[["account_id", "role"]].drop_duplicates()


def _in_period(events: pd.DataFrame, start: date, end: date, kinds: list[str]) -> pd.DataFrame:
    since, until = pd.Timestamp(start), pd.Timestamp(end + timedelta(days=1))
    return events[events["kind"].isin(kinds) & (events["at"] >= since) & (events["at"] < until)]


def _expected_logins(events, grants, start, end, freq, group=None) -> list[tuple]:  # type: ignore[no-untyped-def]
    logins = _in_period(events, start, end, ["login"]).copy()
    day = logins["at"].dt.normalize()
    if freq == "week":
        day = day - pd.to_timedelta(day.dt.weekday, unit="D")
    elif freq == "month":
        day = day.dt.to_period("M").dt.start_time
    logins["bucket"] = day.dt.date
    pairs = logins.merge(_scope(grants, group), on="account_id")
    table = pairs.groupby(["bucket", "role"]).agg(logins=("at", "size"), users=("account_id", "nunique"))
    return sorted((b, r, int(n), int(u)) for (b, r), (n, u) in table.iterrows())


def _rows(frame: pd.DataFrame) -> list[tuple]:
    assert list(frame.columns) == ["bucket", "role", "role_label", "logins", "users"]
    assert all(
        label == Role(role).label for role, label in zip(frame["role"], frame["role_label"], strict=True)
    )
    return [(r.bucket, r.role, r.logins, r.users) for r in frame.itertuples()]


@pytest.mark.parametrize("freq", ["day", "week", "month"])
def test_logins_over_time_equal_the_events_joined_to_the_grants(demo, freq: str) -> None:
    s, built, curator, group, teacher = demo
    events, grants = _raw(s)
    deputy = load_actor(s, built.logins[Role.DEPUTY_DIRECTOR])
    assert set(grants.loc[grants["account_id"] == teacher, "role"]) >= {"teacher", "parent"}
    some = 0
    for start, end in RANGES:
        for actor, scope in ((deputy, None), (curator, group)):
            got = _rows(an.logins_over_time(s, actor, start=start, end=end, freq=freq))
            assert got == _expected_logins(events, grants, start, end, freq, scope), (actor.login, start, end)
            some += len(got)
    assert some > 0
    # The teacher logged in during the demo's June and counts under both roles.
    june = _rows(an.logins_over_time(s, deputy, start=date(2026, 6, 1), end=date(2026, 6, 30), freq="month"))
    teacher_logins = len(
        _in_period(events[events["account_id"] == teacher], date(2026, 6, 1), date(2026, 6, 30), ["login"])
    )
    assert teacher_logins > 0
    parents = next(n for _, role, n, _ in june if role == "parent")
    teachers = next(n for _, role, n, _ in june if role == "teacher")
    assert parents >= teacher_logins and teachers >= teacher_logins


def test_logins_over_time_of_an_empty_scope_or_period(demo) -> None:
    s, built, *_ = demo
    deputy = load_actor(s, built.logins[Role.DEPUTY_DIRECTOR])
    empty = an.logins_over_time(s, deputy, start=date(2026, 7, 1), end=date(2026, 7, 31))
    assert empty.empty and list(empty.columns) == ["bucket", "role", "role_label", "logins", "users"]
    assert an.logins_over_time(s, deputy, start=date(2026, 6, 10), end=date(2026, 6, 1)).empty


def test_a_long_period_by_day_takes_several_statements(demo) -> None:
    """More days than one statement holds (a column each) give the same rows."""
    s, built, *_ = demo
    events, grants = _raw(s)
    deputy = load_actor(s, built.logins[Role.DEPUTY_DIRECTOR])
    start, end = date(2025, 9, 1), date(2026, 8, 31)
    assert (end - start).days + 1 > an._BUCKETS_PER_STATEMENT
    got = _rows(an.logins_over_time(s, deputy, start=start, end=end))
    assert got == _expected_logins(events, grants, start, end, "day") and len(got) > 0


def _expected_by_role(events, grants, start, end) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    pairs = _scope(grants, None)
    logins = _in_period(events, start, end, ["login"]).groupby("account_id").size().rename("logins")
    work = _in_period(events, start, end, ["action", "page_view"]).groupby("account_id").size().rename("work")
    per = pairs.join(logins, on="account_id").join(work, on="account_id").fillna(0)
    rows = []
    for role in Role:
        mine = per[per["role"] == role.value]
        if mine.empty:
            continue
        users, active = len(mine), int((mine["logins"] > 0).sum())
        rows.append(
            {
                "Роль": role.label,
                "Пользователей": users,
                "Входили": active,
                "Доля входивших, %": round(100 * active / users, 1),
                "Входов": int(mine["logins"].sum()),
                "Просмотров и действий": int(mine["work"].sum()),
            }
        )
    return pd.DataFrame(rows)


def test_report_by_role_equals_the_events_per_account(demo) -> None:
    s, built, _, _, teacher = demo
    events, grants = _raw(s)
    deputy: Actor = load_actor(s, built.logins[Role.DEPUTY_DIRECTOR])
    for start, end in RANGES:
        report = activity_report(s, deputy, start=start, end=end, record=False)
        pd.testing.assert_frame_equal(report.by_role, _expected_by_role(events, grants, start, end))
    june = activity_report(s, deputy, start=date(2026, 6, 1), end=date(2026, 6, 30), record=False)
    parents = june.by_role.set_index("Роль").loc[Role.PARENT.label, "Пользователей"]
    # The teacher is one parent more, however many students; the revoked grant is none.
    assert parents == grants.loc[grants["role"] == "parent", "account_id"].nunique()
    assert teacher in set(grants.loc[grants["role"] == "parent", "account_id"])


@pytest.mark.parametrize("freq", ["day", "week", "month"])
def test_the_fast_counts_equal_the_plain_sql(demo, freq: str) -> None:
    """The numpy counting and the straightforward SQL (``summaries.bypass()``, what the
    benchmarks' DuckDB reference runs) give the same frames, for the college and a curator."""
    s, built, curator, _, _ = demo
    deputy = load_actor(s, built.logins[Role.DEPUTY_DIRECTOR])
    compared = 0
    for start, end in RANGES:
        for actor in (deputy, curator):
            fast = an.logins_over_time(s, actor, start=start, end=end, freq=freq)
            with summaries.bypass():
                plain = an.logins_over_time(s, actor, start=start, end=end, freq=freq)
            pd.testing.assert_frame_equal(fast, plain)
            compared += len(fast)
        fast_report = activity_report(s, deputy, start=start, end=end, record=False)
        with summaries.bypass():
            plain_report = activity_report(s, deputy, start=start, end=end, record=False)
        pd.testing.assert_frame_equal(fast_report.by_role, plain_report.by_role)
    assert compared > 0
