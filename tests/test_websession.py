"""Signed-in sessions of the workbench (R-4.1.e): the login opens one, the cookie's token
names it, logout and expiry end it, only the token's hash is stored. Both engines."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib import websession
from netspo_lib.accounts import LoginRefused
from netspo_lib.enums import AccountStatus, ActivityKind, Role
from netspo_lib.passwords import hash_password

from .world import build_world

AT = datetime(2026, 3, 2, 10, 0)
PASSWORD = "Kolledzh-2026-pass"


def _world_with_password(engine: Engine, role: Role = Role.DEPUTY_DIRECTOR) -> str:
    with Session(engine) as s:
        world = build_world(s)
        login = world.actors[role].login
        account = s.scalar(sa.select(m.UserAccount).where(m.UserAccount.login == login))
        assert account is not None
        account.password_hash = hash_password(PASSWORD)
        account.must_change_password = False
        s.commit()
    return login


def test_login_opens_a_session_that_names_the_user(engine: Engine) -> None:
    login = _world_with_password(engine)
    token, actor = websession.open_session(engine, login, PASSWORD, at=AT)
    assert actor.login == login
    with Session(engine) as s:
        resolved = websession.resolve(s, token, at=AT + timedelta(minutes=5))
        assert resolved is not None and resolved.login == login
        assert resolved.roles == actor.roles
        # Only the hash is kept: the token itself is nowhere in the table.
        row = s.scalars(sa.select(m.WebSession)).one()
        assert row.token_hash == websession.token_hash(token) and token not in row.token_hash


def test_wrong_password_opens_nothing_and_says_so_in_russian(engine: Engine) -> None:
    login = _world_with_password(engine)
    with pytest.raises(LoginRefused, match="Неверный логин или пароль"):
        websession.open_session(engine, login, "not-the-password", at=AT)
    with Session(engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(m.WebSession)) == 0


def test_session_expires_after_its_hours(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETSPO_SESSION_HOURS", "2")
    login = _world_with_password(engine)
    token, _ = websession.open_session(engine, login, PASSWORD, at=AT)
    with Session(engine) as s:
        assert websession.resolve(s, token, at=AT + timedelta(hours=1, minutes=59)) is not None
        assert websession.resolve(s, token, at=AT + timedelta(hours=2)) is None


def test_logout_ends_the_session_everywhere_and_is_logged(engine: Engine) -> None:
    login = _world_with_password(engine)
    token, actor = websession.open_session(engine, login, PASSWORD, at=AT)
    other_tab_token = token  # every tab of the browser sends the same cookie
    assert websession.end_session(engine, token, at=AT + timedelta(minutes=1)) is True
    with Session(engine) as s:
        assert websession.resolve(s, other_tab_token, at=AT + timedelta(minutes=2)) is None
        kinds = s.scalars(
            sa.select(m.ActivityEvent.kind).where(m.ActivityEvent.account_id == actor.account_id)
        ).all()
    assert ActivityKind.LOGIN in kinds and ActivityKind.LOGOUT in kinds
    assert websession.end_session(engine, token, at=AT + timedelta(minutes=3)) is False


def test_a_disabled_account_loses_its_open_session(engine: Engine) -> None:
    login = _world_with_password(engine)
    token, _ = websession.open_session(engine, login, PASSWORD, at=AT)
    with Session(engine) as s:
        account = s.scalar(sa.select(m.UserAccount).where(m.UserAccount.login == login))
        assert account is not None
        account.status = AccountStatus.DISABLED
        s.commit()
        assert websession.resolve(s, token, at=AT) is None


@pytest.mark.parametrize("token", [None, "", "x" * 500, "guess", "' OR 1=1 --"])
def test_made_up_tokens_open_nothing(engine: Engine, token: str | None) -> None:
    _world_with_password(engine)
    with Session(engine) as s:
        assert websession.resolve(s, token, at=AT) is None


def test_token_is_read_from_a_cookie_header() -> None:
    header = "_xsrf=2|ab|cd|1; netspo_session=abc-DEF_123; other=1"
    assert websession.token_from_cookies(header) == "abc-DEF_123"
    assert websession.token_from_cookies("other=1") is None
    assert websession.token_from_cookies(None) is None
    assert websession.token_from_cookies('netspo_session="unterminated') is None
