"""The workbench's pages: one notebook in ``dashboards/`` each, the class that builds it and
the right that opens it. The landing page lists from here the pages a user may open."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from netspo_lib.access import Action, Actor, holds

A = Action


@dataclass(frozen=True)
class PageInfo:
    notebook: str  # file in dashboards/
    title: str
    description: str
    rights: tuple[Action, ...]  # any one of them opens the page
    builder: str  # "module:Class" with __init__(engine, actor) and .widget
    kind: str = "dashboard"  # or "form"

    def opens_for(self, actor: Actor) -> bool:
        return any(holds(actor, right) for right in self.rights)

    def build_class(self) -> type:
        module, _, name = self.builder.partition(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        "performance.ipynb",
        "Успеваемость",
        "успеваемость, качество знаний, СОУ и средний балл по периодам; студенты в зоне риска",
        (A.DASHBOARD_PERFORMANCE,),
        "netspo_lib.ui.dashboards.performance:PerformanceDashboard",
    ),
    PageInfo(
        "attendance.ipynb",
        "Посещаемость",
        "пропуски по причинам, неделям и месяцам; группы и студенты с пропусками",
        (A.DASHBOARD_ATTENDANCE,),
        "netspo_lib.ui.dashboards.attendance:AttendanceDashboard",
    ),
    PageInfo(
        "activity.ipynb",
        "Активность",
        "входы в систему по ролям; выдача реквизитов студентам и родителям; отчёт за две недели",
        (A.DASHBOARD_ACTIVITY,),
        "netspo_lib.ui.dashboards.activity:ActivityDashboard",
    ),
    PageInfo(
        "control.ipynb",
        "Контроль",
        "нарушения сроков Д-1…Д-10, заполнение журналов, итоговые оценки, вопросы родителей",
        (A.DASHBOARD_CONTROL,),
        "netspo_lib.ui.dashboards.control:ControlDashboard",
    ),
    PageInfo(
        "import.ipynb",
        "Импорт",
        "загрузка списков и журналов из Excel и CSV с пробным прогоном и историей загрузок",
        (A.DATA_IMPORT,),
        "netspo_lib.ui.forms.import_form:ImportForm",
        "form",
    ),
    PageInfo(
        "period_close.ipynb",
        "Закрытие периода",
        "готовность групп и запрет исправлений за прошедший период",
        (A.PERIOD_LOCK,),
        "netspo_lib.ui.forms.period_close:PeriodCloseForm",
        "form",
    ),
    PageInfo(
        "rollover.ipynb",
        "Переход на новый учебный год",
        "перевод студентов на следующий курс, выпуск и открытие нового года",
        (A.ROLLOVER_RUN,),
        "netspo_lib.ui.forms.rollover:RolloverForm",
        "form",
    ),
    PageInfo(
        "reports.ipynb",
        "Отчёты",
        "сводные ведомости, отчёты куратора и преподавателя, выгрузка в Excel",
        (A.REPORT_GROUP, A.REPORT_TEACHER, A.REPORT_DEPARTMENT, A.REPORT_COLLEGE),
        "netspo_lib.ui.forms.reports:ReportsForm",
        "form",
    ),
    PageInfo(
        "slides.ipynb",
        "Слайды для ОМС",
        "презентация итогов периода для методического совета с графиками и таблицами",
        (A.SLIDES_MAKE,),
        "netspo_lib.ui.slides_form:SlidesForm",
        "form",
    ),
)


def notebooks(kind: str) -> list[str]:
    """The notebooks of the pages of one kind («dashboard» or «form»), in the menu's order."""
    return [p.notebook for p in PAGES if p.kind == kind]


def page_by_notebook(notebook: str) -> PageInfo:
    for page in PAGES:
        if page.notebook == notebook:
            return page
    raise KeyError(notebook)


def pages_for(actor: Actor) -> list[PageInfo]:
    """The pages the actor may open, in the order of :data:`PAGES`."""
    return [p for p in PAGES if p.opens_for(actor)]
