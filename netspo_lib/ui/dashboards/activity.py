"""«Активность»: logins by role over time, staff who do not use the system, per group the
share of students and parents with credentials and active, and the two-week report for
download (R-4.1.e, R-4.7.d, R-6.1).

The administrator and the leaders see the college; a curator the own group's students
and parents (``DASHBOARD_ACTIVITY``; the report itself checks ``ACTIVITY_READ``).
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import ipywidgets as w
import pandas as pd
import sqlalchemy as sa

from netspo_lib import clock
from netspo_lib.access import Action, Actor
from netspo_lib.db import transaction
from netspo_lib.errors import NetspoError
from netspo_lib.reports import analytics as an
from netspo_lib.reports.activity import activity_report
from netspo_lib.ui.common import download_html, guarded, section, table_html
from netspo_lib.ui.dashboards.base import DATE_FORMAT, Dashboard, figure, set_title

SHARES = [
    ("Студентов с реквизитами", "Студентов", "Студенты: выданы реквизиты, %", "#90caf9"),
    ("Студентов входили", "Студентов", "Студенты: входили, %", "#1565c0"),
    ("Родителей с реквизитами", "Родителей", "Родители: выданы реквизиты, %", "#ffcc80"),
    ("Родителей входили", "Родителей", "Родители: входили, %", "#ef6c00"),
]


def half_month(day: date) -> tuple[date, date]:
    """The reporting half-month of R-6.1 that contains ``day``: 1–15 or 16–the last day."""
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day.replace(day=16), following - timedelta(days=1)


def shares(groups: pd.DataFrame) -> pd.DataFrame:
    """Per group, the shares (%) of :data:`SHARES` from the report's counts."""
    out = pd.DataFrame({"Группа": groups["Группа"]}) if not groups.empty else pd.DataFrame(columns=["Группа"])
    for column, total, name, _ in SHARES:
        if groups.empty:
            out[name] = []
            continue
        base = groups[total].astype(float)
        out[name] = (100.0 * groups[column].astype(float) / base.where(base > 0)).round(1)
    return out


class ActivityDashboard(Dashboard):
    """The page. Public attributes: ``start``, ``end`` (DatePickers), ``freq``; figures
    ``fig_logins`` (one line per role) and ``fig_credentials`` (per group shares); HTML
    ``table_roles``, ``table_silent``, ``table_groups``; ``report_button`` and ``download``
    (the two-week report as .xlsx links)."""

    title = "Активность пользователей"
    action = Action.DASHBOARD_ACTIVITY

    def __init__(self, engine: sa.Engine, actor: Actor) -> None:
        super().__init__(engine, actor)
        self.fig_logins = figure(
            "Входы в систему по ролям", xaxis={"tickformat": DATE_FORMAT}, yaxis={"title": "входов"}
        )
        self.fig_credentials = figure(
            "Реквизиты и входы студентов и родителей по группам", yaxis={"title": "%", "range": [0, 100]}
        )
        self.table_roles = w.HTML()
        self.table_silent = w.HTML()
        self.table_groups = w.HTML()
        self.download = w.HTML()
        # Making the report for the college records it as done (D-10); tests switch it off.
        self.record_report = True
        if not self._open():
            return
        with self.session() as session:
            last = an.last_activity_day(session, self.actor)
        start, end = half_month(min(last or clock.today(), clock.today()))
        self.start = w.DatePicker(description="С", value=start)
        self.end = w.DatePicker(description="По", value=end)
        self.freq = w.Dropdown(
            description="Шаг", options=[(v, k) for k, v in an.LOGIN_FREQUENCIES.items()], value="day"
        )
        self.report_button = w.Button(
            description="Сформировать отчёт (.xlsx)", layout=w.Layout(width="260px")
        )
        for _, _, name, colour in SHARES:
            self.fig_credentials.add_bar(name=name, marker_color=colour, x=[], y=[])
        changed = guarded(self.messages)(lambda _c: self.refresh())
        for control in (self.start, self.end, self.freq):
            control.observe(changed, names="value")
        self.report_button.on_click(guarded(self.messages)(lambda _b: self.make_report()))
        self.widget = w.VBox(
            [
                self._header(),
                self.messages,
                w.HBox([self.start, self.end, self.freq]),
                section("Входы по ролям", [self.fig_logins, self.table_roles]),
                section("Сотрудники, не входившие в систему с начала периода", [self.table_silent]),
                section("Студенты и родители по группам", [self.fig_credentials, self.table_groups]),
                section("Отчёт об активности за две недели", [self.report_button, self.download]),
            ]
        )
        guarded(self.messages)(self.refresh)()

    def _dates(self) -> tuple[date, date]:
        start, end = self.start.value, self.end.value
        if start is None or end is None:
            raise NetspoError("Укажите даты начала и конца периода.")
        if end < start:
            raise NetspoError("Дата конца периода раньше даты начала.")
        return start, end

    def refresh(self) -> None:
        self.messages.clear()
        self.download.value = ""
        start, end = self._dates()
        with self.session() as session:
            logins = an.logins_over_time(session, self.actor, start=start, end=end, freq=self.freq.value)
            report = activity_report(session, self.actor, start=start, end=end, record=False)
        when = f"{clock.fmt_date(start)} — {clock.fmt_date(end)}"
        set_title(self.fig_logins, f"Входы в систему по ролям, {when}")
        traces = []
        for label, part in logins.groupby("role_label", sort=True):
            traces.append({"type": "scatter", "mode": "lines+markers", "name": label,
                           "x": list(part["bucket"]), "y": [int(v) for v in part["logins"]]})  # fmt: skip
        with self.fig_logins.batch_update():
            self.fig_logins.data = []
            for trace in traces:
                self.fig_logins.add_trace(trace)
        self.table_roles.value = table_html(report.by_role, empty="Сводка по ролям — для всего колледжа.")
        self.table_silent.value = table_html(
            report.silent_staff,
            empty="Все сотрудники входили в систему."
            if not report.by_role.empty
            else "Список сотрудников доступен администратору и руководству колледжа.",
        )
        share = shares(report.groups)
        set_title(self.fig_credentials, "Реквизиты и входы студентов и родителей по группам, %")
        with self.fig_credentials.batch_update():
            for trace, (_, _, name, _) in zip(self.fig_credentials.data, SHARES, strict=True):
                trace.x = list(share["Группа"])
                trace.y = [None if pd.isna(v) else float(v) for v in share[name]]
        self.table_groups.value = table_html(report.groups)

    def make_report(self) -> None:
        """The two-week report (R-6.1) as .xlsx files; made for the college, it is recorded
        as done (D-10)."""
        from netspo_lib.tables import write_table  # the Excel writers load only when a report is asked for

        start, end = self._dates()
        with transaction(self.engine) as session:
            report = activity_report(session, self.actor, start=start, end=end, record=self.record_report)
        when = f"с {clock.fmt_date(start)} по {clock.fmt_date(end)}"
        stamp = f"{start:%Y%m%d}-{end:%Y%m%d}"
        parts = [
            (report.by_role, f"Активность по ролям {when}", "роли"),
            (report.silent_staff, f"Сотрудники, не входившие в систему, {when}", "сотрудники"),
            (report.groups, f"Студенты и родители по группам {when}", "группы"),
        ]
        links = []
        with tempfile.TemporaryDirectory() as folder:
            for frame, title, part in parts:
                if frame.empty and not len(frame.columns):
                    continue
                filename = f"активность-{part}-{stamp}.xlsx"
                path = write_table(frame, Path(folder) / filename, title=title)
                links.append(download_html(path.read_bytes(), filename))
        self.download.value = " ".join(links)
