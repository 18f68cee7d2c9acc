"""The user activity report, made every two weeks (R-6.1, R-4.1.e, R-4.7.d).

Three tables, counted in SQL: logins and actions by role over the period; staff who have
not logged in (ever, or not since the period began); per group, how many students and
parents have credentials and how many have logged in at least once. Making the report
for the whole college records the audit action ``report.activity`` that the D-10
deadline check looks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from netspo_lib import audit
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


def _by_role(session: Session, college_id: int, start: date, end: date) -> pd.DataFrame:
    since, until = _moments(start, end)
    ev = m.ActivityEvent
    in_period = sa.and_(ev.at >= since, ev.at < until)
    events = (
        sa.select(
            ev.account_id,
            sa.func.sum(sa.case((ev.kind == ActivityKind.LOGIN, 1), else_=0)).label("logins"),
            sa.func.sum(
                sa.case((ev.kind.in_([ActivityKind.ACTION, ActivityKind.PAGE_VIEW]), 1), else_=0)
            ).label("actions"),
        )
        .where(in_period)
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
        {
            "Роль": Role(r.role).label,
            "Пользователей": int(r.users),
            "Входили": int(r.active),
            "Доля входивших, %": round(100 * r.active / r.users, 1) if r.users else None,
            "Входов": int(r.logins),
            "Просмотров и действий": int(r.actions),
        }
        for r in session.execute(query)
    ]
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
