"""What every notebook of ``dashboards/`` calls: find who is signed in, check the page's
right, build the page and keep a traceback off the screen.

Under Voila the user comes only from the session cookie (``HTTP_COOKIE``, passed by
Voila's ``http_header_envs``): nothing in the address, the query string or a widget can
change who the user is. Outside Voila (an analyst's own Jupyter, nbval) the page acts as
``NETSPO_AS_LOGIN``, because whoever runs a notebook locally already holds the database.
"""

from __future__ import annotations

import html
import logging
import os
import threading
from collections.abc import Callable

import ipywidgets as w
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, configure_mappers

from netspo_lib import accounts, db, websession
from netspo_lib.access import Actor
from netspo_lib.clock import fmt_date, today
from netspo_lib.enums import Role
from netspo_lib.errors import NetspoError
from netspo_lib.ui.common import explain, message_html, sync_figures, warm_up_charts
from netspo_lib.ui.pages import PageInfo, page_by_notebook, pages_for
from netspo_lib.ui.preheat import preheated, wait_for_request
from netspo_lib.ui.rehearsal import rehearse
from netspo_lib.ui.rehearsal import wanted as rehearsal_wanted

log = logging.getLogger("netspo.ui")

LOGIN_URL = "/login"
LOGOUT_URL = "/logout"
HOME_URL = "/voila/render/index.ipynb"
SESSION_CHECK_SECONDS = 30.0

NOT_SIGNED_IN = "Сеанс не открыт или завершён. Войдите в систему заново."


def under_voila() -> bool:
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila") or "VOILA_KERNEL_ID" in os.environ


def wait_for_user() -> None:
    """In a preheated Voila kernel, wait here until a request for the page arrives and its
    headers (the session cookie) are in the environment; elsewhere return at once."""
    wait_for_request()


def session_token() -> str | None:
    return websession.token_from_cookies(os.environ.get("HTTP_COOKIE"))


def current_actor(session: Session) -> Actor | None:
    """The signed-in user of this page, or None."""
    if under_voila():
        return websession.resolve(session, session_token())
    login = os.environ.get("NETSPO_AS_LOGIN")
    if not login:
        return None
    from netspo_lib.access import load_actor

    return load_actor(session, login)


def page_url(notebook: str) -> str:
    return f"/voila/render/{notebook}"


def roles_text(actor: Actor) -> str:
    roles = sorted({Role(g.role).label for g in actor.grants})
    return ", ".join(roles) or "без ролей"


def header_html(actor: Actor, title: str) -> str:
    name = html.escape(actor.name or actor.login)
    return (
        "<div class='netspo-header' style='display:flex;justify-content:space-between;"
        "align-items:baseline;border-bottom:1px solid #d0d7de;margin-bottom:8px;padding-bottom:4px'>"
        f"<div><a href='{HOME_URL}' style='text-decoration:none'>netspo</a> · "
        f"<b>{html.escape(title)}</b></div>"
        f"<div><span class='netspo-user'>{name}</span> "
        f"<span style='color:#57606a'>({html.escape(roles_text(actor))})</span> · "
        f"<a class='netspo-logout' href='{LOGOUT_URL}'>Выйти</a></div></div>"
    )


def login_prompt() -> w.HTML:
    return w.HTML(
        message_html(NOT_SIGNED_IN, "warning")
        + f"<p><a class='netspo-login' href='{LOGIN_URL}'>Перейти к входу</a></p>"
    )


class SessionWatch:
    """Ends an open page when its session ends (logout in another tab, expiry, a disabled
    account): every ``SESSION_CHECK_SECONDS`` the kernel asks the database, and on a closed
    session replaces the page with the login prompt."""

    def __init__(self, engine: Engine, token: str | None, root: w.Box) -> None:
        self.engine, self.token, self.root = engine, token, root
        self._timer: threading.Timer | None = None

    def check_now(self) -> bool:
        """True while the session is open; otherwise closes the page."""
        with Session(self.engine) as s:
            open_ = websession.resolve(s, self.token) is not None
        if not open_:
            self.root.children = [login_prompt()]
            self.stop()
        return open_

    def _tick(self) -> None:
        try:
            if self.check_now():
                self.start()
        except Exception:
            log.exception("Проверка сеанса не удалась")
            self.start()

    def start(self) -> None:
        self._timer = threading.Timer(SESSION_CHECK_SECONDS, self._tick)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _record_view(engine: Engine, actor: Actor, page: str) -> None:
    try:
        with db.transaction(engine) as s:
            accounts.record_page_view(s, actor, page)
    except Exception:
        log.exception("Не удалось записать просмотр страницы")


def build_page(
    engine: Engine, actor: Actor, info: PageInfo, factory: Callable[[Engine, Actor], object] | None = None
) -> w.Widget:
    """The page for a signed-in actor: header, then the page, or a Russian refusal."""
    header = w.HTML(header_html(actor, info.title))
    if not info.opens_for(actor):
        rights = " или ".join(f"«{r.label}»" for r in info.rights)
        text = f"Страница «{info.title}» недоступна: у пользователя {actor.login} нет права {rights}."
        return w.VBox([header, w.HTML(message_html(text, "error"))])
    try:
        page = (factory or info.build_class())(engine, actor)
        body = sync_figures(page.widget)  # type: ignore[attr-defined]  # charts name their code (base.Chart)
    except Exception as exc:
        body = w.HTML(message_html(explain(exc), "error"))
    return w.VBox([header, body])


def show(notebook: str, *, factory: Callable[[Engine, Actor], object] | None = None) -> w.Widget:
    """The whole page of ``dashboards/<notebook>`` for whoever is signed in."""
    root = w.VBox()
    try:
        info = page_by_notebook(notebook)
        if factory is None:
            factory = info.build_class()  # the page's imports: done while the kernel is preheated
        if info.kind == "dashboard":
            warm_up_charts()
        configure_mappers()  # the models' relations, 80 ms at the first query otherwise
        engine = db.make_engine()
        with engine.connect():
            pass  # and the first connection
        if info.kind == "dashboard" and preheated() and rehearsal_wanted():
            rehearse(engine, info, factory)  # the first build's costs, paid before the visitor
        wait_for_user()
        with Session(engine) as s:
            actor = current_actor(s)
        if actor is None:
            root.children = [login_prompt()]
            return root
        _record_view(engine, actor, info.title)
        root.children = [build_page(engine, actor, info, factory)]
        if under_voila():
            SessionWatch(engine, session_token(), root).start()
    except NetspoError as exc:
        root.children = [w.HTML(message_html(exc.message, "error"))]
    except Exception as exc:
        root.children = [w.HTML(message_html(explain(exc), "error"))]
    return root


def landing_menu_html(actor: Actor) -> str:
    """The pages this user may open, as links (the rest are not even listed)."""
    pages = pages_for(actor)
    if not pages:
        return (
            "<p>Для ваших ролей в рабочем месте пока нет страниц. Журнал и дневник ведутся в "
            "«Сетевом Городе».</p>"
        )
    parts = ["<h3>Дашборды и формы</h3><ul class='netspo-pages'>"]
    for p in pages:
        parts.append(
            f"<li><a href='{page_url(p.notebook)}'><b>{html.escape(p.title)}</b></a> — "
            f"{html.escape(p.description)}</li>"
        )
    parts.append(f"</ul><p style='color:#57606a'>Данные на {fmt_date(today())}.</p>")
    return "".join(parts)
