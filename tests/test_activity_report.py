"""The two-week activity report (R-6.1, R-4.1.e, R-4.7.d) on the demo college."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied, load_actor
from netspo_lib.clock import today
from netspo_lib.deadlines import violations
from netspo_lib.enums import ActivityKind, Role
from netspo_lib.reports.activity import activity_report

START, END = date(2026, 6, 1), date(2026, 6, 15)


@pytest.fixture
def session(demo_college):  # type: ignore[no-untyped-def]
    _, engine, built = demo_college
    with Session(engine) as s:
        yield s, built
        s.rollback()


def test_logins_by_role_equal_the_activity_events(session) -> None:
    s, built = session
    report = activity_report(s, load_actor(s, built.logins[Role.ADMIN]), start=START, end=END)
    logins = s.scalar(
        sa.select(sa.func.count())
        .select_from(m.ActivityEvent)
        .where(
            m.ActivityEvent.kind == ActivityKind.LOGIN,
            m.ActivityEvent.at >= sa.literal(START),
            m.ActivityEvent.at < sa.literal(date(2026, 6, 16)),
        )
    )
    teachers = report.by_role.set_index("Роль").loc[Role.TEACHER.label]
    assert 0 < teachers["Входили"] <= teachers["Пользователей"]
    # An account with two roles counts in both rows: the total is at least the events.
    assert report.by_role["Входов"].sum() >= logins > 0


def test_staff_who_never_log_in_are_listed(session) -> None:
    s, built = session
    report = activity_report(s, load_actor(s, built.logins[Role.ADMIN]), start=START, end=END)
    never = report.silent_staff[report.silent_staff["Последний вход"] == "никогда"]
    assert len(never) >= built.planted["staff_never_logged_in"] > 0


def test_group_shares_of_students_and_parents(session) -> None:
    """R-4.7.d: per group, with credentials ≤ accounts and logged in ≤ accounts."""
    s, built = session
    report = activity_report(s, load_actor(s, built.logins[Role.ADMIN]), start=START, end=END)
    groups = report.groups
    assert len(groups) == s.scalar(sa.select(sa.func.count()).select_from(m.Group))
    assert (groups["Студентов с реквизитами"] <= groups["Студентов"]).all()
    assert (groups["Родителей входили"] <= groups["Родителей"]).all()
    assert groups["Родителей входили"].sum() < groups["Родителей"].sum()  # planted unused accounts


def test_a_curator_sees_the_own_group_only(session) -> None:
    s, built = session
    curator = load_actor(s, built.logins[Role.CURATOR])
    report = activity_report(s, curator, start=START, end=END)
    own = next(g.group_id for g in curator.grants if g.group_id is not None)
    assert list(report.groups["Группа"]) == [s.get(m.Group, own).name]
    assert report.by_role.empty and report.silent_staff.empty
    with pytest.raises(AccessDenied):
        activity_report(s, load_actor(s, built.logins[Role.STUDENT]), start=START, end=END)


def test_making_the_report_satisfies_d10(session) -> None:
    """R-6.1 / D-10: the report is recorded when made; the last report day that was still
    open counts it as done (late, since it is made today)."""
    s, built = session
    deputy = load_actor(s, built.logins[Role.DEPUTY_DIRECTOR])
    on = today()

    def last_report_day() -> dict:
        frame = violations(s, deputy, on=on, deadlines=["D-10"])
        return frame.sort_values("due").iloc[-1].to_dict()

    before = last_report_day()
    assert before["status"] == "не исполнено"
    activity_report(s, load_actor(s, built.logins[Role.ADMIN]), start=START, end=END)
    s.flush()
    after = last_report_day()
    assert after["due"] == before["due"]
    assert after["status"] == "исполнено с опозданием" and after["done"] == on
