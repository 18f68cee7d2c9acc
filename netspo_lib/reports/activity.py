"""The user activity report, made every two weeks (R-6.1, R-4.1.e, R-4.7.d).

Three tables, counted in the database: logins and actions by role over the period (the
database lists the events' accounts, numpy counts them per role: see "events per role"
below); staff who have not logged in (ever, or not since the period began); per group,
how many students and parents have credentials and how many have logged in at least
once. Making the report for the whole college records the audit action
``report.activity`` that the D-10 deadline check looks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from netspo_lib import audit, summaries
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, allowed, require
from netspo_lib.clock import fmt_date, fmt_datetime
from netspo_lib.deadlines import ACTIVITY_REPORT_ACTION
from netspo_lib.enums import AccountStatus, ActivityKind, Role, StudentStatus
from netspo_lib.models.people import full_name
from netspo_lib.reports.performance import readable_groups

FAMILY = (Role.STUDENT, Role.PARENT)
WORK = (ActivityKind.ACTION, ActivityKind.PAGE_VIEW)


@dataclass(frozen=True)
class ActivityReport:
    start: date
    end: date
    by_role: pd.DataFrame  # Роль, Пользователей, Входили, Входов, Действий
    silent_staff: pd.DataFrame  # Сотрудник, Роли, Последний вход
    groups: pd.DataFrame  # Группа, Студентов, …


def _moments(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)


# --------------------------------------------------------------------------- events per role
#
# Counting a period's events per role joins every event to the role grants of its account
# and groups the pairs: SQLite, which has no hash join or hash aggregate, seeks and sorts
# per event (a college-year's two weeks: ≈ 70 ms for the logins per role and day of 28,000
# logins, ≈ 85 ms for the report's logins and 70,000 views per role). Instead the database
# lists the accounts of the events (one text of ids per period or bucket, read from the
# covering index ix_activity_events_kind_at: ≈ 5 ms for 28,000 ids) and of each role's
# grants, and numpy counts: a bincount of the events' ids, read at each role's accounts.


def id_list(column: sa.ColumnElement[int]) -> sa.ColumnElement[str]:
    """The aggregated rows' ids as one text, "17,3,17" (no order; NULL when no row)."""
    return sa.func.aggregate_strings(sa.cast(column, sa.String), ",")


def id_array(text: str | None) -> np.ndarray:
    """The ids of an :func:`id_list` text (empty for NULL)."""
    return np.fromstring(text or "", dtype=np.int64, sep=",")


class RoleAccounts:
    """The accounts holding each role (an account with two roles is in both), and the
    counting of events per role.

    ``roles`` lists the roles held, in the order of their values."""

    def __init__(self, session: Session, *where: sa.ColumnElement[bool]) -> None:
        rg = m.RoleGrant
        query = sa.select(rg.role, id_list(rg.account_id)).where(*where).group_by(rg.role)
        self._accounts = {Role(role): np.unique(id_array(ids)) for role, ids in session.execute(query)}
        self.roles = sorted(self._accounts, key=lambda r: r.value)
        self._size = 1 + max((int(ids[-1]) for ids in self._accounts.values()), default=0)

    def per_account(self, ids: np.ndarray) -> np.ndarray:
        """How many times each account id occurs in ``ids`` (indexed by the id)."""
        return np.bincount(ids, minlength=self._size)

    def of(self, role: Role, counts: np.ndarray) -> np.ndarray:
        """The counts of :meth:`per_account` of the accounts holding ``role``."""
        return counts[self._accounts[role]]


def _by_role(session: Session, college_id: int, start: date, end: date) -> pd.DataFrame:
    if not summaries.enabled():
        return _by_role_plain(session, college_id, start, end)
    since, until = _moments(start, end)
    ev, rg = m.ActivityEvent, m.RoleGrant
    roles = RoleAccounts(session, rg.college_id == college_id, rg.revoked_at.is_(None))

    def accounts_of(*kinds: ActivityKind) -> sa.ScalarSelect[str]:
        return (
            sa.select(id_list(ev.account_id))
            .where(ev.kind.in_(kinds), ev.at >= since, ev.at < until)
            .scalar_subquery()
        )

    texts = session.execute(sa.select(accounts_of(ActivityKind.LOGIN), accounts_of(*WORK))).one()
    logins, work = (roles.per_account(id_array(text)) for text in texts)
    rows = []
    for role in roles.roles:
        entered = roles.of(role, logins)
        active = int(np.count_nonzero(entered))
        rows.append(
            _role_row(role, len(entered), active, int(entered.sum()), int(roles.of(role, work).sum()))
        )
    return _in_role_order(rows)


def _by_role_plain(session: Session, college_id: int, start: date, end: date) -> pd.DataFrame:
    """:func:`_by_role` straightforwardly: events per account, joined to the grants and
    grouped per role in SQL (under ``summaries.bypass()``: what the tests and the
    benchmarks' DuckDB reference compare with)."""
    since, until = _moments(start, end)
    ev = m.ActivityEvent
    events = (
        sa.select(
            ev.account_id,
            sa.func.sum(sa.case((ev.kind == ActivityKind.LOGIN, 1), else_=0)).label("logins"),
            sa.func.sum(sa.case((ev.kind.in_(WORK), 1), else_=0)).label("actions"),
        )
        .where(ev.at >= since, ev.at < until)
        .group_by(ev.account_id)
        .subquery()
    )
    roles = (
        sa.select(m.RoleGrant.role, m.RoleGrant.account_id)
        .where(m.RoleGrant.college_id == college_id, m.RoleGrant.revoked_at.is_(None))
        .distinct()
        .subquery()
    )
    query = (
        sa.select(
            roles.c.role,
            sa.func.count(roles.c.account_id).label("users"),
            sa.func.count(events.c.account_id).filter(events.c.logins > 0).label("active"),
            sa.func.coalesce(sa.func.sum(events.c.logins), 0).label("logins"),
            sa.func.coalesce(sa.func.sum(events.c.actions), 0).label("actions"),
        )
        .outerjoin(events, events.c.account_id == roles.c.account_id)
        .group_by(roles.c.role)
    )
    rows = [
        _role_row(Role(r.role), int(r.users), int(r.active), int(r.logins), int(r.actions))
        for r in session.execute(query)
    ]
    return _in_role_order(rows)


def _role_row(role: Role, users: int, active: int, logins: int, actions: int) -> dict[str, object]:
    return {
        "Роль": role.label,
        "Пользователей": users,
        "Входили": active,
        "Доля входивших, %": round(100 * active / users, 1) if users else None,
        "Входов": logins,
        "Просмотров и действий": actions,
    }


def _in_role_order(rows: list[dict[str, object]]) -> pd.DataFrame:
    order = {role.label: i for i, role in enumerate(Role)}
    return pd.DataFrame(rows).sort_values("Роль", key=lambda s: s.map(order)).reset_index(drop=True)


def _silent_staff(session: Session, college_id: int, start: date) -> pd.DataFrame:
    since, _ = _moments(start, start)
    acc = m.UserAccount
    staff_roles = sa.select(m.RoleGrant.account_id).where(
        m.RoleGrant.college_id == college_id,
        m.RoleGrant.revoked_at.is_(None),
        m.RoleGrant.role.not_in(FAMILY),
    )
    employed = sa.select(m.StaffEmployment.person_id).where(
        m.StaffEmployment.college_id == college_id, m.StaffEmployment.dismissed_on.is_(None)
    )
    query = (
        sa.select(m.Person.last_name, m.Person.first_name, m.Person.middle_name, acc.id, acc.last_login_at)
        .join(m.Person, m.Person.id == acc.person_id)
        .where(
            acc.college_id == college_id,
            sa.or_(acc.id.in_(staff_roles), acc.person_id.in_(employed)),
            acc.status == AccountStatus.ACTIVE,
            sa.or_(acc.last_login_at.is_(None), acc.last_login_at < since),
        )
        .order_by(m.Person.last_name, m.Person.first_name)
    )
    rows = session.execute(query).all()
    grants = session.execute(
        sa.select(m.RoleGrant.account_id, m.RoleGrant.role).where(
            m.RoleGrant.account_id.in_([r.id for r in rows]), m.RoleGrant.revoked_at.is_(None)
        )
    ).all()
    roles: dict[int, list[str]] = {}
    for account_id, role in grants:
        roles.setdefault(account_id, []).append(Role(role).label)
    return pd.DataFrame(
        [
            {
                "Сотрудник": full_name(r.last_name, r.first_name, r.middle_name),
                "Роли": ", ".join(sorted(roles.get(r.id, []))),
                "Последний вход": fmt_datetime(r.last_login_at) if r.last_login_at else "никогда",
            }
            for r in rows
        ],
        columns=["Сотрудник", "Роли", "Последний вход"],
    )


def _groups(session: Session, group_ids: list[int]) -> pd.DataFrame:
    """Per group: students and parents, with credentials, and who logged in at least once."""
    family = aliased(m.RoleGrant)
    student = aliased(m.Student)
    query = (
        sa.select(
            m.Group.name,
            family.role,
            sa.func.count(sa.distinct(m.UserAccount.id)).label("accounts"),
            sa.func.count(sa.distinct(m.UserAccount.id))
            .filter(m.UserAccount.password_hash.is_not(None))
            .label("issued"),
            sa.func.count(sa.distinct(m.UserAccount.id))
            .filter(m.UserAccount.last_login_at.is_not(None))
            .label("logged_in"),
        )
        .select_from(family)
        .join(m.UserAccount, m.UserAccount.id == family.account_id)
        .join(student, student.id == family.student_id)
        .join(m.Group, m.Group.id == student.group_id)
        .where(
            family.role.in_(FAMILY),
            family.revoked_at.is_(None),
            student.status == StudentStatus.STUDYING,
            m.Group.id.in_(group_ids),
        )
        .group_by(m.Group.name, family.role)
        .order_by(m.Group.name)
    )
    table: dict[str, dict[str, object]] = {}
    for name, role, accounts, issued, logged_in in session.execute(query):
        who = "Студентов" if role == Role.STUDENT else "Родителей"
        row = table.setdefault(name, {"Группа": name})
        row[f"{who}"] = int(accounts)
        row[f"{who} с реквизитами"] = int(issued)
        row[f"{who} входили"] = int(logged_in)
        row[f"{who}: доля входивших, %"] = round(100 * logged_in / accounts, 1) if accounts else None
    columns = ["Группа"] + [
        f"{who}{suffix}"
        for who in ("Студентов", "Родителей")
        for suffix in ("", " с реквизитами", " входили", ": доля входивших, %")
    ]
    return pd.DataFrame(list(table.values()), columns=columns).fillna(0)


def activity_report(
    session: Session,
    actor: Actor,
    *,
    start: date,
    end: date,
    group_ids: list[int] | None = None,
    record: bool = True,
) -> ActivityReport:
    """The two-week activity report. The administrator and the leaders see the college; a
    curator sees the own group's students and parents only (R-4.7.d)."""
    college = Resource(college_id=actor.college_id, description="активность пользователей")
    whole_college = allowed(session, actor, Action.ACTIVITY_READ, college) and group_ids is None
    if whole_college:
        groups = session.scalars(sa.select(m.Group.id).where(m.Group.college_id == actor.college_id)).all()
        by_role = _by_role(session, actor.college_id, start, end)
        silent = _silent_staff(session, actor.college_id, start)
    else:
        groups = readable_groups(session, actor, group_ids, Action.ACTIVITY_READ)
        if not groups:
            require(session, actor, Action.ACTIVITY_READ, college)
        by_role = pd.DataFrame()
        silent = pd.DataFrame()
    report = ActivityReport(start, end, by_role, silent, _groups(session, list(groups)))
    if whole_college and record:
        audit.record(
            session, actor, ACTIVITY_REPORT_ACTION, "reports", None,
            after={"start": start.isoformat(), "end": end.isoformat()},
            reason=f"Отчёт об активности с {fmt_date(start)} по {fmt_date(end)}",
        )  # fmt: skip
    return report
