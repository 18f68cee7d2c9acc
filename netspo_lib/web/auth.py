"""Sign-in for the Voila server: the identity provider Voila asks for every request, and the
Russian login, logout and password-change pages.

A page, a kernel or a kernel's websocket requested without an open session is redirected
to ``/login`` (or refused) by jupyter_server before any notebook runs. The cookie holds an
opaque random token (HttpOnly, SameSite=Strict, Secure behind HTTPS); whether it opens a
session is decided by the database on every request (:mod:`netspo_lib.websession`), so a
logout or a disabled account takes effect everywhere at once.
"""

from __future__ import annotations

import html
import os
from typing import Any
from urllib.parse import quote, urlparse

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.base.handlers import JupyterHandler
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from tornado import web

from netspo_lib import accounts, db, websession
from netspo_lib.errors import NetspoError
from netspo_lib.ui.common import message_html
from netspo_lib.ui.page import HOME_URL, NOT_SIGNED_IN

_engine: Engine | None = None


def engine() -> Engine:
    """The server's engine on ``NETSPO_DB_URL`` (set by ``netspo serve``)."""
    global _engine
    if _engine is None:
        _engine = db.make_engine()
    return _engine


def safe_next(url: str | None) -> str:
    """Where to go after login: a path of this server only (no scheme, host or ``//``)."""
    if not url:
        return HOME_URL
    url = url.replace("\\", "/")
    parsed = urlparse(url)
    if parsed.scheme or parsed.netloc or not url.startswith("/") or url.startswith("//"):
        return HOME_URL
    return url


PAGE = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:#f6f8fa;
  margin:0; color:#1f2328}}
main {{max-width:380px; margin:8vh auto; background:#fff; border:1px solid #d0d7de;
  border-radius:8px; padding:24px 28px}}
h1 {{font-size:22px; margin:0 0 4px}} p.sub {{color:#57606a; margin:0 0 16px}}
label {{display:block; margin:12px 0 4px; font-weight:600}}
input[type=text], input[type=password] {{width:100%; box-sizing:border-box; padding:8px;
  border:1px solid #d0d7de; border-radius:6px; font-size:15px}}
button {{margin-top:18px; width:100%; padding:9px; font-size:15px; border:0; border-radius:6px;
  background:#1f883d; color:#fff; cursor:pointer}}
</style></head>
<body><main>{body}</main></body></html>"""


class _Page(JupyterHandler):
    def page(self, title: str, body: str) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(PAGE.format(title=html.escape(title), body=body))

    def set_session_cookie(self, token: str) -> None:
        self.set_cookie(
            websession.COOKIE_NAME,
            token,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=self.request.protocol == "https" or os.environ.get("NETSPO_SECURE_COOKIE") == "1",
        )


class LoginHandler(_Page):
    """``/login``: the form, and the check of the login and password."""

    def _form(self, message: str = "", login: str = "") -> None:
        nxt = html.escape(quote(safe_next(self.get_argument("next", None)), safe="/"))
        notice = message_html(message, "error") if message else ""
        body = (
            "<h1>netspo</h1><p class='sub'>Рабочее место колледжа. Войдите под своей учётной "
            "записью «Сетевого Города».</p>"
            f"{notice}<form method='post' action='/login?next={nxt}'>"
            f"{self.xsrf_form_html()}"
            "<label for='login'>Логин</label>"
            f"<input type='text' id='login' name='login' value='{html.escape(login)}' "
            "autocomplete='username' autofocus required>"
            "<label for='password'>Пароль</label>"
            "<input type='password' id='password' name='password' autocomplete='current-password' required>"
            "<button type='submit'>Войти</button></form>"
        )
        self.page("Вход — netspo", body)

    @allow_unauthenticated
    def get(self) -> None:
        if self.current_user:
            self.redirect(safe_next(self.get_argument("next", None)))
            return
        self._form()

    @allow_unauthenticated
    def post(self) -> None:
        login = self.get_body_argument("login", "")[:200]
        password = self.get_body_argument("password", "")[:1000]
        try:
            token, actor = websession.open_session(engine(), login, password)
        except NetspoError as exc:
            self.set_status(401)
            self._form(exc.message, login)
            return
        self.log.info("Вход в систему: %s", actor.login)
        self.set_session_cookie(token)
        with Session(engine()) as s:
            must_change = accounts.password_change_required(s, actor)
        target = safe_next(self.get_argument("next", None))
        self.redirect(f"/password?next={quote(target, safe='/')}" if must_change else target)


class LogoutHandler(_Page):
    """``/logout``: ends the session on every page and forgets the cookie."""

    @allow_unauthenticated
    def get(self) -> None:
        websession.end_session(engine(), self.get_cookie(websession.COOKIE_NAME))
        self.clear_cookie(websession.COOKIE_NAME, path="/")
        self.page(
            "Выход — netspo",
            "<h1>Вы вышли из системы</h1><p class='sub'>Сеанс завершён на всех открытых страницах.</p>"
            "<p><a href='/login'>Войти снова</a></p>",
        )


class PasswordHandler(_Page):
    """``/password``: the user replaces the own password (a one-time password after
    credentials were issued must be replaced, R-4.1.d)."""

    def _form(self, message: str = "", kind: str = "error") -> None:
        nxt = html.escape(quote(safe_next(self.get_argument("next", None)), safe="/"))
        notice = message_html(message, kind) if message else ""
        body = (
            "<h1>Смена пароля</h1><p class='sub'>Придумайте пароль не короче 10 символов, "
            "с буквами и цифрами.</p>"
            f"{notice}<form method='post' action='/password?next={nxt}'>{self.xsrf_form_html()}"
            "<label for='old'>Текущий пароль</label>"
            "<input type='password' id='old' name='old' autocomplete='current-password' required>"
            "<label for='new'>Новый пароль</label>"
            "<input type='password' id='new' name='new' autocomplete='new-password' required>"
            "<label for='again'>Новый пароль ещё раз</label>"
            "<input type='password' id='again' name='again' autocomplete='new-password' required>"
            "<button type='submit'>Сменить пароль</button></form>"
            f"<p><a href='{nxt}'>Позже</a></p>"
        )
        self.page("Смена пароля — netspo", body)

    @web.authenticated
    def get(self) -> None:
        self._form()

    @web.authenticated
    def post(self) -> None:
        new = self.get_body_argument("new", "")[:1000]
        if new != self.get_body_argument("again", "")[:1000]:
            self._form("Новый пароль и его повтор не совпадают.")
            return
        token = self.get_cookie(websession.COOKIE_NAME)
        try:
            with db.transaction(engine()) as s:
                actor = websession.resolve(s, token)
                if actor is None:
                    raise NetspoError(NOT_SIGNED_IN)
                accounts.change_password(
                    s, actor, old_password=self.get_body_argument("old", "")[:1000], new_password=new
                )
        except NetspoError as exc:
            self._form(exc.message)
            return
        self.redirect(safe_next(self.get_argument("next", None)))


class PlotlyBundleHandler(JupyterHandler):
    """``/netspo/static/plotly-widget-<version>.js``: plotly's widget code (5 MB) as a file the
    browser caches, instead of a copy inside the state of every chart on every page
    (netspo_lib.ui.dashboards.base.Chart points the charts here)."""

    _body: bytes | None = None

    @allow_unauthenticated
    def get(self, version: str) -> None:
        import plotly

        if version != plotly.__version__:
            raise web.HTTPError(404)
        if PlotlyBundleHandler._body is None:
            from pathlib import Path

            PlotlyBundleHandler._body = (
                Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
            ).read_bytes()
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "public, max-age=31536000, immutable")
        self.write(PlotlyBundleHandler._body)


class HomeHandler(JupyterHandler):
    """``/``: the landing page (Voila's file list is of no use to the college's users)."""

    @allow_unauthenticated
    def get(self) -> None:
        self.redirect(HOME_URL if self.current_user else "/login")


class NetspoIdentityProvider(IdentityProvider):
    """Who is behind a request: the account of the open session named by the cookie."""

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    @property
    def logout_available(self) -> bool:
        return True

    def get_user(self, handler: web.RequestHandler) -> User | None:
        token = handler.get_cookie(websession.COOKIE_NAME)
        if not token:
            return None
        with Session(engine()) as s:
            actor = websession.resolve(s, token)
        if actor is None:
            return None
        return User(username=actor.login, name=actor.name or actor.login, display_name=actor.name)

    def get_handlers(self) -> list[tuple[str, Any]]:
        return [
            (r"/", HomeHandler),
            (r"/login", LoginHandler),
            (r"/logout", LogoutHandler),
            (r"/password", PasswordHandler),
            (r"/netspo/static/plotly-widget-([0-9A-Za-z.]+)\.js", PlotlyBundleHandler),
        ]

    def validate_security(self, app: Any, ssl_options: dict | None = None) -> None:
        """Sessions are the database's: there is no server token or password to check."""
