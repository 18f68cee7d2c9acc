"""«Отчёты» (anyone with a report right; R-4.5.c, R-4.7.b, R-4.10.e, R-6.2…R-6.4): choose a
report of the catalog, the scope (department, group) and the period, preview the table,
download it as .xlsx with the signature lines of the paper copy.

The catalog (:data:`netspo_lib.reports.catalog.REPORTS`) is read when the form opens, so
reports added to it appear by themselves. Which reports and groups are offered is a
convenience (``ReportSpec.rights``, :func:`~netspo_lib.access.allowed`,
:func:`~netspo_lib.access.visible_groups`); the reports' own functions check the rights
and refuse in Russian.
"""

from __future__ import annotations

import dataclasses
import html
from datetime import date
from typing import Any

import ipywidgets as w
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib import tables
from netspo_lib.access import Action, Actor, Resource, allowed, visible_groups
from netspo_lib.clock import fmt_date, parse_date, today
from netspo_lib.errors import NetspoError
from netspo_lib.locks import period_label
from netspo_lib.reports import catalog
from netspo_lib.ui.common import (
    MessageArea,
    Progress,
    download_html,
    guarded,
    options,
    section,
    select,
    table_html,
)
from netspo_lib.ui.forms._shared import (
    _default_period,
    _period_choices,
    private_folder,
    safe_file_name,
)

ALL_DEPARTMENTS = "Все отделения"
ALL_GROUPS = "Все доступные группы"


def _request_fields() -> set[str]:
    return {f.name for f in dataclasses.fields(catalog.Request)}


def _request(values: dict[str, Any]) -> catalog.Request:
    """A catalog request from what the form knows; fields the form does not know are None
    (the catalog's ``Request`` may grow while the form stays the same)."""
    return catalog.Request(**{name: values.get(name) for name in _request_fields()})


GroupRow = tuple[str, int, int | None]  # name, id, department id


class ReportsForm:
    """The reports form; ``widget`` is its root. Inputs: ``report`` (a catalog name),
    ``department``, ``group`` (None: every group within reach), ``period``, ``start`` and
    ``end`` (dd.mm.yyyy, empty: the period's dates); buttons ``show_button``,
    ``download_button``; outputs ``preview``, ``download``, ``messages``, ``progress``;
    ``frame`` is the last table built and ``file_bytes`` the last .xlsx."""

    def __init__(self, engine: sa.Engine, actor: Actor) -> None:
        self.engine = engine
        self.actor = actor
        self.messages = MessageArea()
        self.report = w.Dropdown(options=[], description="Отчёт", layout=w.Layout(width="560px"))
        self.department = w.Dropdown(options=[(ALL_DEPARTMENTS, None)], index=0, description="Отделение")
        self.group = w.Dropdown(options=[(ALL_GROUPS, None)], index=0, description="Группа")
        self.period = w.Dropdown(options=[], description="Период", layout=w.Layout(width="560px"))
        self.start = w.Text(description="С", placeholder="дд.мм.гггг")
        self.end = w.Text(description="По", placeholder="дд.мм.гггг")
        for field in (self.report, self.department, self.group, self.period, self.start, self.end):
            field.style.description_width = "90px"
        self.show_button = w.Button(description="Показать", icon="table", button_style="info")
        self.download_button = w.Button(description="Скачать .xlsx", icon="download")
        self.progress = Progress()
        self.preview = w.HTML("")
        self.download = w.HTML("")
        self.frame: pd.DataFrame | None = None
        self.file_bytes: bytes | None = None
        self._groups: dict[Action, list[GroupRow]] = {}
        self._departments: dict[int, str] = {}
        self._loading = False

        guard = guarded(self.messages)
        self.report.observe(guard(self._on_report), names="value")
        self.department.observe(guard(self._on_department), names="value")
        for field in (self.group, self.period, self.start, self.end):
            field.observe(guard(self._stale), names="value")
        self.show_button.on_click(guard(self._on_show))
        self.download_button.on_click(guard(self._on_download))

        self.widget = w.VBox(
            [
                w.HTML("<h2>Отчёты</h2>"),
                self.messages,
                section(
                    "Параметры",
                    [
                        self.report,
                        w.HBox([self.department, self.group]),
                        self.period,
                        w.HBox([self.start, self.end]),
                        w.HTML(
                            "<small>Даты «с» и «по» нужны отчётам о посещаемости и активности; "
                            "без них берутся даты периода.</small>"
                        ),
                        w.HBox([self.show_button, self.download_button]),
                        self.progress,
                    ],
                ),
                section("Результат", [self.download, self.preview]),
            ]
        )
        guard(self._start)()

    # --- choices ------------------------------------------------------------------------------
    def _groups_of(self, session: Session, action: Action) -> list[GroupRow]:
        if action not in self._groups:
            ids = visible_groups(session, self.actor, action)
            rows = session.execute(
                sa.select(m.Group.name, m.Group.id, m.Group.department_id).where(m.Group.id.in_(ids or [-1]))
            ).all()
            self._groups[action] = sorted(((n, i, d) for n, i, d in rows), key=lambda r: r[0])
        return self._groups[action]

    def _groups_for(self, session: Session, spec: catalog.ReportSpec) -> list[GroupRow]:
        """The groups within reach of any of the report's rights."""
        found: dict[int, GroupRow] = {}
        for action in spec.rights:
            found.update({row[1]: row for row in self._groups_of(session, action)})
        return sorted(found.values(), key=lambda r: r[0])

    def _may(self, session: Session, spec: catalog.ReportSpec) -> bool:
        """Could the actor get this report anywhere: the college, the own person or a group?"""
        for action in spec.rights:
            college = Resource(college_id=self.actor.college_id)
            own = Resource(college_id=self.actor.college_id, person_id=self.actor.person_id)
            if allowed(session, self.actor, action, college) or allowed(session, self.actor, action, own):
                return True
            if self._groups_of(session, action):
                return True
        return False

    def _start(self) -> None:
        with Session(self.engine) as session:
            offered = [
                (spec.title, spec.name)
                for spec in list(catalog.REPORTS.values())  # read now: reports are added over time
                if self._may(session, spec)
            ]
            self._departments = dict(
                session.execute(
                    sa.select(m.Department.id, m.Department.name).where(
                        m.Department.college_id == self.actor.college_id
                    )
                ).all()
            )
            periods = _period_choices(session, self.actor)
            default = _default_period(session, periods)
        self.period.options = periods
        self.period.value = default
        if not offered:
            self.show_button.layout.display = self.download_button.layout.display = "none"
            raise NetspoError(
                f"Недостаточно прав: у пользователя {self.actor.login} нет права ни на один отчёт "
                "(отчёты по группе, преподавателя, отделению, колледжу, контроль заполнения журналов)."
            )
        self.report.options = offered
        self.report.value = offered[0][1]
        self._on_report()

    def spec(self) -> catalog.ReportSpec:
        if not self.report.value:
            raise NetspoError("Выберите отчёт.")
        return catalog.get(str(self.report.value))

    def _on_report(self, _change: Any = None) -> None:
        """The departments and groups within reach for the chosen report."""
        with Session(self.engine) as session:
            groups = self._groups_for(session, self.spec())
        departments = sorted(
            {d for _, _, d in groups if d is not None}, key=lambda d: self._departments.get(d, "")
        )
        keep = self.department.value if self.department.value in departments else None
        self._loading = True  # one update of the groups below, not one per trait change
        try:
            self.department.options = options(
                ((self._departments.get(d, f"отделение № {d}"), d) for d in departments),
                everything=ALL_DEPARTMENTS,
            )
            select(self.department, keep)
        finally:
            self._loading = False
        self._on_department()

    def _on_department(self, _change: Any = None) -> None:
        if self._loading:
            return
        spec = self.spec()
        with Session(self.engine) as session:
            groups = self._groups_for(session, spec)
        chosen = [(n, i) for n, i, d in groups if self.department.value is None or d == self.department.value]
        keep = self.group.value if self.group.value in {i for _, i in chosen} else None
        if spec.needs_group and keep is None and chosen:
            keep = chosen[0][1]
        self.group.options = chosen if spec.needs_group else options(chosen, everything=ALL_GROUPS)
        select(self.group, keep)
        self._stale()

    def _stale(self, _change: Any = None) -> None:
        self.download.value = ""
        self.file_bytes = None

    # --- building -----------------------------------------------------------------------------
    def _dates(self, session: Session, period_id: int) -> tuple[date | None, date | None]:
        period = session.get(m.StudyPeriod, period_id)
        start = parse_date(self.start.value) if (self.start.value or "").strip() else None
        end = parse_date(self.end.value) if (self.end.value or "").strip() else None
        if period is not None:
            start = start or period.starts_on
            end = end or min(period.ends_on, max(period.starts_on, today()))
        if start and end and start > end:
            raise NetspoError(f"Дата «с» ({fmt_date(start)}) позже даты «по» ({fmt_date(end)}).")
        return start, end

    def _requests(self, session: Session, spec: catalog.ReportSpec) -> tuple[list[catalog.Request], str]:
        """The requests to build (one, or one per group of the chosen department when the
        catalog's requests cannot name a department) and the subtitle of the file."""
        if self.period.value is None:
            raise NetspoError("Выберите учебный период.")
        period_id = int(self.period.value)
        group_id = self.group.value
        if spec.needs_group and group_id is None:
            raise NetspoError(f"Для отчёта «{spec.title}» выберите группу.")
        start, end = self._dates(session, period_id)
        base: dict[str, Any] = {"period_id": period_id, "group_id": group_id, "start": start, "end": end}
        department = self.department.value if group_id is None else None
        if department is None:
            requests = [_request(base)]
        elif "department_id" in _request_fields():
            requests = [_request({**base, "department_id": department})]
        else:
            ids = [i for _n, i, d in self._groups_for(session, spec) if d == department]
            requests = [_request({**base, "group_id": g}) for g in ids]
        college = session.get(m.College, self.actor.college_id)
        scope = ""
        if group_id is not None:
            scope = f"группа {self.group.label}"
        elif department is not None:
            scope = f"отделение «{self._departments.get(department, '')}»"
        parts = [college.name if college else "", scope, period_label(session, period_id)]
        if start or end:
            parts.append(f"с {fmt_date(start)} по {fmt_date(end)}")
        return requests, "; ".join(p for p in parts if p) + f". Сформировано {fmt_date(today())}"

    def _frame(
        self, session: Session, spec: catalog.ReportSpec, requests: list[catalog.Request]
    ) -> pd.DataFrame:
        frames = [spec.build(session, self.actor, r) for r in requests]
        filled = [f for f in frames if not f.empty]
        if len(filled) > 1:
            return pd.concat(filled, ignore_index=True)
        return filled[0] if filled else (frames[0] if frames else pd.DataFrame())

    def build(self) -> tuple[pd.DataFrame, str]:
        """The chosen report's table and the subtitle naming its scope and period."""
        spec = self.spec()
        with Session(self.engine) as session:
            requests, subtitle = self._requests(session, spec)
            return self._frame(session, spec, requests), subtitle

    def _on_show(self, _button: Any = None) -> None:
        self.messages.clear()
        self._stale()
        self.progress.start("Строится отчёт…")
        try:
            frame, subtitle = self.build()
        finally:
            self.progress.finish()
        self.frame = frame
        self.preview.value = (
            f"<p><b>{html.escape(self.spec().title)}</b><br>{html.escape(subtitle)}. Строк: {len(frame)}.</p>"
            + table_html(frame, empty="По выбранным условиям данных нет.")
        )

    def _on_download(self, _button: Any = None) -> None:
        """The .xlsx: the report's own print-ready sheets when the catalog has them (and one
        request), else the table with its title, subtitle and signature lines."""
        self.messages.clear()
        spec = self.spec()
        sheets = getattr(spec, "sheets", None)
        name = safe_file_name(f"{spec.title}.xlsx")
        frame: pd.DataFrame | None = None
        self.progress.start("Готовится файл .xlsx…")
        try:
            with Session(self.engine) as session, private_folder() as folder:
                requests, subtitle = self._requests(session, spec)
                path = folder / name
                if sheets is not None and len(requests) == 1:
                    # The report's own sheets: built once, not a second time for a table.
                    tables.write_sheets(path, sheets(session, self.actor, requests[0]))
                else:
                    frame = self._frame(session, spec, requests)
                    tables.write_table(
                        frame, path, title=spec.title, subtitle=subtitle, signatures=list(spec.signatures)
                    )
                self.file_bytes = path.read_bytes()
        finally:
            self.progress.finish()
        if frame is not None:
            self.frame = frame
        self.download.value = download_html(self.file_bytes, name, f"Скачать «{spec.title}» (.xlsx)")
        rows = f"строк {len(frame)}. " if frame is not None else ""
        self.messages.show(f"Файл готов: {rows}Нажмите ссылку, чтобы сохранить его.", "success")
