"""The landing page: the college, its headline figures and the dashboards."""

from __future__ import annotations

import html

import ipywidgets as w
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import db
from netspo_lib.overview import CollegeOverview, college_overviews
from netspo_lib.ui.page import current_actor, header_html, landing_menu_html, login_prompt, wait_for_user

STYLE = """
<style>
.netspo-card {display:inline-block; min-width:150px; margin:0 12px 12px 0; padding:12px 16px;
  border:1px solid #d0d7de; border-radius:8px; background:#f6f8fa}
.netspo-card .n {font-size:28px; font-weight:600; color:#1f4e79}
.netspo-card .l {color:#57606a}
.netspo-pages li {margin:4px 0}
</style>
"""


def _card(number: int, label: str) -> str:
    shown = f"{number:,}".replace(",", "\u00a0")
    return f'<div class="netspo-card"><div class="n">{shown}</div><div class="l">{label}</div></div>'


def landing_html(colleges: list[CollegeOverview]) -> str:
    """The page's HTML; every name from the database is escaped."""
    parts = [STYLE]
    if not colleges:
        parts.append(
            "<h2>netspo</h2><p>В базе пока нет колледжа. Постройте демонстрационный колледж "
            "командой <code>netspo demo</code> или загрузите данные через импорт.</p>"
        )
    for c in colleges:
        parts.append(f"<h2>{html.escape(c.name)}</h2>")
        parts.append(
            _card(c.students, "студентов обучается")
            + _card(c.groups, "учебных групп")
            + _card(c.staff, "сотрудников")
            + _card(c.departments, "отделений")
        )
    return "".join(parts)


def landing() -> w.Widget:
    """The landing page for whoever is signed in: the own college's figures and the pages
    this user may open; the login prompt otherwise; a Russian message if the database
    can't be read."""
    try:
        engine = db.make_engine()
        wait_for_user()
        with Session(engine) as s:
            actor = current_actor(s)
        if actor is None:
            return login_prompt()
        colleges = [c for c in college_overviews(engine) if c.id == actor.college_id]
    except sa.exc.SQLAlchemyError:
        return w.HTML(
            "<h2>netspo</h2><p>Не удалось прочитать базу данных "
            f"<code>{html.escape(db.database_url())}</code>. Постройте её командой "
            "<code>make run</code> или <code>netspo demo</code>, затем обновите страницу.</p>"
        )
    return w.HTML(header_html(actor, "Главная") + landing_html(colleges) + landing_menu_html(actor))
