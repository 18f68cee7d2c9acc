"""The landing page: the college, its headline figures and the dashboards."""

from __future__ import annotations

import html

import ipywidgets as w
import sqlalchemy as sa

from netspo_lib import db
from netspo_lib.clock import fmt_date, today
from netspo_lib.overview import CollegeOverview, college_overviews

# Pages of the workbench, in the order users meet them (issue 6 builds them).
PAGES: list[tuple[str, str]] = [
    ("Успеваемость", "успеваемость, качество знаний, СОУ и средний балл; студенты в зоне риска"),
    ("Посещаемость", "пропуски по причинам, неделям и месяцам; группы и студенты с пропусками"),
    ("Активность", "входы в систему по ролям; выдача реквизитов студентам и родителям"),
    ("Контроль", "нарушения сроков Д-1…Д-10, заполнение журналов, итоговые оценки"),
    ("Импорт", "загрузка списков и журналов из Excel и CSV с пробным прогоном"),
    ("Закрытие периода", "проверка готовности групп и запрет исправлений за прошедший период"),
    ("Отчёты", "сводные ведомости, отчёты классного руководителя и преподавателя"),
    ("Слайды для ОМС", "презентация итогов для методического совета"),
]

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
    parts.append("<h3>Дашборды и формы</h3><ul class='netspo-pages'>")
    for title, what in PAGES:
        parts.append(f"<li><b>{title}</b> — {what} <i>(готовится)</i></li>")
    parts.append(f"</ul><p style='color:#57606a'>Данные на {fmt_date(today())}.</p>")
    return "".join(parts)


def landing() -> w.Widget:
    """The landing widget on the configured database; a Russian message if it can't be read."""
    try:
        engine = db.make_engine()
        colleges = college_overviews(engine)
    except sa.exc.SQLAlchemyError:
        return w.HTML(
            "<h2>netspo</h2><p>Не удалось прочитать базу данных "
            f"<code>{html.escape(db.database_url())}</code>. Постройте её командой "
            "<code>make run</code> или <code>netspo demo</code>, затем обновите страницу.</p>"
        )
    return w.HTML(landing_html(colleges))
