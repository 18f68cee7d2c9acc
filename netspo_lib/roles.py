"""Appointing staff to the roles of the regulation and taking roles away (R-4.1.c, R-4.12.b),
and switching accounts off and on.

The administrator manages accounts and roles; the director appoints to roles. Every change
is audited; a revoked grant stays in the table with its ``revoked_at`` (history kept).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.clock import now
from netspo_lib.enums import AccountStatus, Role, ScopeKind
from netspo_lib.errors import NetspoError

# The scope each role is granted over; college-wide roles take no target.
ROLE_SCOPES: dict[Role, ScopeKind] = {
    Role.DEPARTMENT_HEAD: ScopeKind.DEPARTMENT,
    Role.COMMISSION_CHAIR: ScopeKind.DEPARTMENT,
    Role.CURATOR: ScopeKind.GROUP,
    Role.STUDENT: ScopeKind.STUDENT,
    Role.PARENT: ScopeKind.STUDENT,
}


class RoleRefused(NetspoError):
    """A grant that does not fit the regulation (wrong target, another college, a duplicate)."""


def _account(session: Session, actor: Actor, account_id: int) -> m.UserAccount:
    account = session.get(m.UserAccount, account_id)
    if account is None or account.college_id != actor.college_id:
        raise RoleRefused(f"Учётная запись № {account_id} не найдена в колледже.")
    return account


def _target(
    session: Session, college_id: int, scope: ScopeKind, department_id: int | None, group_id: int | None,
    student_id: int | None,
) -> dict[str, int | None]:  # fmt: skip
    """Check the grant's target exists in the college and matches the role's scope."""
    given = {"department_id": department_id, "group_id": group_id, "student_id": student_id}
    wanted = {
        ScopeKind.COLLEGE: None,
        ScopeKind.DEPARTMENT: "department_id",
        ScopeKind.GROUP: "group_id",
        ScopeKind.STUDENT: "student_id",
    }[scope]
    extra = [k for k, v in given.items() if v is not None and k != wanted]
    labels = {"department_id": "отделение", "group_id": "группу", "student_id": "студента"}
    if extra:
        raise RoleRefused(f"Для этой роли не указывают {', '.join(labels[k] for k in extra)}.")
    if wanted is None:
        return {k: None for k in given}
    if given[wanted] is None:
        raise RoleRefused(f"Для этой роли нужно указать {labels[wanted]}.")
    if wanted == "department_id":
        found = session.scalar(sa.select(m.Department.college_id).where(m.Department.id == department_id))
    elif wanted == "group_id":
        found = session.scalar(sa.select(m.Group.college_id).where(m.Group.id == group_id))
    else:
        found = session.scalar(
            sa.select(m.Group.college_id)
            .join(m.Student, m.Student.group_id == m.Group.id)
            .where(m.Student.id == student_id)
        )
    if found != college_id:
        raise RoleRefused(f"Указанный объект роли ({labels[wanted]}) не найден в колледже.")
    return {k: (v if k == wanted else None) for k, v in given.items()}


def grant_role(
    session: Session,
    actor: Actor,
    *,
    account_id: int,
    role: Role,
    department_id: int | None = None,
    group_id: int | None = None,
    student_id: int | None = None,
    at: datetime | None = None,
) -> m.RoleGrant:
    """Appoint an account to a role over its scope: a department head to a department, a
    curator to a group, a student or a parent to a student; other roles to the college."""
    require(session, actor, Action.ROLES_ASSIGN, Resource(college_id=actor.college_id, description="роли"))
    account = _account(session, actor, account_id)
    scope = ROLE_SCOPES.get(role, ScopeKind.COLLEGE)
    target = _target(session, account.college_id, scope, department_id, group_id, student_id)
    duplicate = session.scalar(
        sa.select(m.RoleGrant.id).where(
            m.RoleGrant.account_id == account.id,
            m.RoleGrant.role == role,
            m.RoleGrant.revoked_at.is_(None),
            *[getattr(m.RoleGrant, k).is_(v) if v is None else getattr(m.RoleGrant, k) == v
              for k, v in target.items()],
        )
    )  # fmt: skip
    if duplicate is not None:
        raise RoleRefused(f"У учётной записи «{account.login}» уже есть роль «{role.label}» с этой областью.")
    moment = at or now()
    grant = m.RoleGrant(
        account_id=account.id,
        role=role,
        scope=scope,
        college_id=account.college_id,
        granted_at=moment,
        granted_by_id=actor.account_id,
        **target,
    )
    session.add(grant)
    session.flush()
    audit.record(
        session, actor, "role_grant.create", "role_grants", grant.id,
        after={"account_id": account.id, "login": account.login, "role": role.value, "scope": scope.value,
               **target},
        group_id=group_id, student_id=student_id, at=moment,
    )  # fmt: skip
    return grant


def revoke_role(
    session: Session, actor: Actor, *, grant_id: int, reason: str, at: datetime | None = None
) -> m.RoleGrant:
    """Take a role away; the grant row stays as history with the time it ended."""
    require(session, actor, Action.ROLES_ASSIGN, Resource(college_id=actor.college_id, description="роли"))
    grant = session.get(m.RoleGrant, grant_id)
    if grant is None or grant.college_id != actor.college_id:
        raise RoleRefused(f"Назначение роли № {grant_id} не найдено.")
    if grant.revoked_at is not None:
        raise RoleRefused("Эта роль уже снята.")
    if not reason or not reason.strip():
        raise RoleRefused("Укажите причину снятия роли.")
    before = audit.snapshot(grant)
    grant.revoked_at = at or now()
    session.flush()
    audit.record(
        session, actor, "role_grant.revoke", "role_grants", grant.id,
        before=before, after=audit.snapshot(grant), reason=reason.strip(),
        group_id=grant.group_id, student_id=grant.student_id, at=grant.revoked_at,
    )  # fmt: skip
    return grant


def set_account_status(
    session: Session,
    actor: Actor,
    *,
    account_id: int,
    status: AccountStatus,
    reason: str,
    at: datetime | None = None,
) -> m.UserAccount:
    """Switch an account off (a dismissed employee, an expelled student) or back on (R-4.1.c)."""
    require(
        session,
        actor,
        Action.USERS_MANAGE,
        Resource(college_id=actor.college_id, description="учётные записи"),
    )
    account = _account(session, actor, account_id)
    if account.id == actor.account_id and status != AccountStatus.ACTIVE:
        raise NetspoError("Нельзя отключить собственную учётную запись.")
    if not reason or not reason.strip():
        raise NetspoError("Укажите причину.")
    if account.status == status:
        return account
    before = {"status": account.status.value}
    account.status = status
    if status == AccountStatus.ACTIVE:
        account.failed_attempts = 0
        account.locked_until = None
    session.flush()
    audit.record(
        session, actor, "account.status", "user_accounts", account.id,
        before=before, after={"status": status.value}, reason=reason.strip(), at=at or now(),
    )  # fmt: skip
    return account
