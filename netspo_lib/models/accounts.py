"""User accounts and role grants with their scope (R-4.1.c, R-4.1.d, R-4.7.c, R-4.12.b)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netspo_lib.enums import AccountStatus, Role, ScopeKind

from .base import Base, CreatedAtMixin, enum_type, fk


class UserAccount(CreatedAtMixin, Base):
    """A login of a person. ``password_hash`` is None until credentials are issued (R-4.1.d)."""

    __tablename__ = "user_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = fk("persons.id")
    college_id: Mapped[int] = fk("colleges.id")
    login: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[AccountStatus] = mapped_column(enum_type(AccountStatus), default=AccountStatus.ACTIVE)
    failed_attempts: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    credentials_issued_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    credentials_issued_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    person = relationship("Person")
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="account", foreign_keys="RoleGrant.account_id"
    )

    __table_args__ = (
        sa.UniqueConstraint("person_id"),
        sa.CheckConstraint("length(login) >= 3", name="login_length"),
        sa.CheckConstraint("failed_attempts >= 0", name="failed_attempts_non_negative"),
    )


class RoleGrant(Base):
    """A role held by an account over a scope: the whole college, a department, a group or
    a student. Exactly the column of the scope's kind is filled (checked by the database)."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = fk("user_accounts.id")
    role: Mapped[Role] = mapped_column(enum_type(Role))
    scope: Mapped[ScopeKind] = mapped_column(enum_type(ScopeKind))
    college_id: Mapped[int] = fk("colleges.id")
    department_id: Mapped[int | None] = fk("departments.id", nullable=True)
    group_id: Mapped[int | None] = fk("groups.id", nullable=True)
    student_id: Mapped[int | None] = fk("students.id", nullable=True)
    granted_at: Mapped[datetime] = mapped_column(sa.DateTime)
    granted_by_id: Mapped[int | None] = fk("user_accounts.id", nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    account: Mapped[UserAccount] = relationship(back_populates="grants", foreign_keys=[account_id])

    __table_args__ = (
        sa.CheckConstraint(
            "(scope = 'college' AND department_id IS NULL AND group_id IS NULL"
            " AND student_id IS NULL)"
            " OR (scope = 'department' AND department_id IS NOT NULL AND group_id IS NULL"
            " AND student_id IS NULL)"
            " OR (scope = 'group' AND group_id IS NOT NULL AND department_id IS NULL"
            " AND student_id IS NULL)"
            " OR (scope = 'student' AND student_id IS NOT NULL AND department_id IS NULL"
            " AND group_id IS NULL)",
            name="scope_matches_target",
        ),
    )


class WebSession(Base):
    """A signed-in browser session of the workbench (R-4.1.e).

    The browser holds a random token in a cookie; only its SHA-256 is stored, so a copy of
    the database opens no session. A session ends at ``expires_at`` or at logout
    (``ended_at``), which ends it on every page at once.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = fk("user_accounts.id")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    __table_args__ = (sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),)
