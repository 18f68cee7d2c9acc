"""Signed-in sessions of the workbench (R-4.1.e).

The login page opens a session and gives the browser a random token in an HttpOnly
cookie; the server and every page's kernel (which reads the cookie through Voila's
``http_header_envs``) turn the token back into the actor with :func:`resolve`. Only the
token's SHA-256 is stored. A session ends by itself after ``NETSPO_SESSION_HOURS``
(default 12: a working day) or at logout, and then on every page at once, because every
page asks the database, not the cookie, whether the session is still open.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timedelta
from http.cookies import CookieError, SimpleCookie

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import accounts
from netspo_lib import models as m
from netspo_lib.access import Actor, actor_for_account
from netspo_lib.clock import now
from netspo_lib.db import transaction
from netspo_lib.enums import AccountStatus

COOKIE_NAME = "netspo_session"
MAX_TOKEN_LENGTH = 100


def session_duration() -> timedelta:
    """How long a session lasts: ``NETSPO_SESSION_HOURS`` (1…72), default 12 hours."""
    try:
        hours = float(os.environ.get("NETSPO_SESSION_HOURS", "12"))
    except ValueError:
        hours = 12.0
    return timedelta(hours=min(max(hours, 1.0), 72.0))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(
    engine: Engine, login: str, password: str, *, at: datetime | None = None
) -> tuple[str, Actor]:
    """Check the login and password (with the lockout of :func:`accounts.login`) and open a
    session; return its token (for the cookie, never stored) and the actor.

    Raises :class:`accounts.LoginRefused` with the Russian reason.
    """
    at = at or now()
    actor = accounts.sign_in(engine, login, password, at=at)
    token = secrets.token_urlsafe(32)
    with transaction(engine) as session:
        session.add(
            m.WebSession(
                account_id=actor.account_id,
                token_hash=token_hash(token),
                created_at=at,
                expires_at=at + session_duration(),
            )
        )
    return token, actor


def _open_row(session: Session, token: str | None, at: datetime) -> m.WebSession | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = session.scalar(sa.select(m.WebSession).where(m.WebSession.token_hash == token_hash(token)))
    if row is None or row.ended_at is not None or row.expires_at <= at:
        return None
    return row


def resolve(session: Session, token: str | None, *, at: datetime | None = None) -> Actor | None:
    """The actor of an open session, or None (no such session, ended, expired, or the
    account disabled or locked since)."""
    row = _open_row(session, token, at or now())
    if row is None:
        return None
    account = session.get(m.UserAccount, row.account_id)
    if account is None or account.status in (AccountStatus.DISABLED, AccountStatus.LOCKED):
        return None
    return actor_for_account(session, account)


def end_session(engine: Engine, token: str | None, *, at: datetime | None = None) -> bool:
    """Logout: end the session of this token (recorded in the activity log). False when
    there was no open session."""
    at = at or now()
    with transaction(engine) as session:
        row = _open_row(session, token, at)
        if row is None:
            return False
        row.ended_at = at
        account = session.get(m.UserAccount, row.account_id)
        if account is not None:
            accounts.logout(session, actor_for_account(session, account), at=at)
    return True


def token_from_cookies(header: str | None) -> str | None:
    """The session token in a ``Cookie:`` header, or None (a malformed header is no session)."""
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(COOKIE_NAME)
    return morsel.value if morsel is not None and morsel.value else None
