"""«Слайды для ОМС»: a methodist or the deputy director chooses the period and the scope,
and downloads the council deck (netspo_lib.slides does the work)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import ipywidgets as w
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.clock import fmt_date, today
from netspo_lib.enums import PeriodKind
from netspo_lib.slides import build_deck, default_period, period_title
from netspo_lib.ui.common import MessageArea, Progress, download_html, guarded, message_html


class SlidesForm:
    """Attributes: ``period``, ``department`` (None: the whole college), ``names`` (list
    the students at risk by name), ``build_button``, ``progress``, ``download``, ``path``."""

    def __init__(self, engine: Engine, actor: Actor) -> None:
        self.engine, self.actor = engine, actor
        self.messages = MessageArea()
        self.path: Path | None = None
        with Session(engine) as s:
            require(s, actor, Action.SLIDES_MAKE, Resource(college_id=actor.college_id, description="слайды"))
            periods = s.scalars(
                sa.select(m.StudyPeriod)
                .join(m.AcademicYear, m.AcademicYear.id == m.StudyPeriod.academic_year_id)
                .where(
                    m.AcademicYear.college_id == actor.college_id, m.StudyPeriod.kind == PeriodKind.SEMESTER
                )
                .order_by(m.StudyPeriod.ends_on)
            ).all()
            period_options = [(period_title(s, p), p.id) for p in periods]
            try:
                chosen: int | None = default_period(s, actor.college_id).id
            except Exception:  # no semester has ended yet: the user picks one
                chosen = periods[-1].id if periods else None
            departments = s.execute(
                sa.select(m.Department.name, m.Department.id)
                .where(m.Department.college_id == actor.college_id)
                .order_by(m.Department.name)
            ).all()
        self.period = w.Dropdown(description="Период", options=period_options, value=chosen)
        self.department = w.Dropdown(
            description="Отделение",
            options=[("Весь колледж", None), *[(n, i) for n, i in departments]],
            index=0,
        )
        self.names = w.Checkbox(description="Называть студентов в зоне риска по фамилии", value=False)
        self.build_button = w.Button(description="Собрать презентацию", button_style="primary", icon="file")
        self.progress = Progress()
        self.download = w.HTML()
        self.build_button.on_click(guarded(self.messages)(self.build))
        for dropdown in (self.period, self.department):
            dropdown.style.description_width = "90px"
            dropdown.layout.width = "480px"
        self.widget = w.VBox(
            [
                w.HTML(
                    "<p>Презентация 16:9 для методического совета: ключевые показатели против прошлого "
                    "периода, графики дашбордов по отделениям, курсам и группам, лучшие и отстающие группы, "
                    "студенты в зоне риска и соблюдение сроков. Числа — те же, что в отчётах.</p>"
                ),
                self.messages,
                self.period,
                self.department,
                self.names,
                self.build_button,
                self.progress,
                self.download,
            ]
        )

    def build(self, _button: object = None) -> Path:
        self.messages.clear()
        self.download.value = ""
        if self.period.value is None:
            self.messages.show("Выберите учебный период.", "warning")
            raise ValueError("no period")
        self.progress.start("Собираю презентацию…")
        self.build_button.disabled = True
        try:
            folder = Path(tempfile.mkdtemp(prefix="netspo-slides-"))
            out = folder / f"Итоги для ОМС {fmt_date(today())}.pptx"
            self.path = build_deck(
                self.engine,
                self.actor,
                out,
                period_id=self.period.value,
                department_id=self.department.value,
                names=self.names.value,
                progress=self.progress.callback,
            )
            data = self.path.read_bytes()
        finally:
            self.progress.finish()
            self.build_button.disabled = False
        self.download.value = download_html(data, self.path.name, "Скачать презентацию .pptx") + message_html(
            f"Готово: {len(data) // 1024} КБ.", "success"
        )
        return self.path
