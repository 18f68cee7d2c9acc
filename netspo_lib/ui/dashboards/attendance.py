"""«Посещаемость»: hours missed by reason over weeks and months, the groups and students
with the most unexcused absences, full days missed, and the consolidated attendance by
department, specialty, course, group or student (R-4.7.b, R-6.4; the Metrics section).

Every number comes from :mod:`netspo_lib.reports.analytics` (``DASHBOARD_ATTENDANCE``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import ipywidgets as w
import numpy as np
import pandas as pd
import sqlalchemy as sa

from netspo_lib.access import Action, Actor
from netspo_lib.enums import AttendanceCode
from netspo_lib.reports import analytics as an
from netspo_lib.ui.common import guarded, section, table_html
from netspo_lib.ui.dashboards.base import COLOURS, DATE_FORMAT, Dashboard, figure, redraw, values
from netspo_lib.ui.dashboards.filters import Filters

# The stacked reasons of the hour charts (lateness is a count, exemption not a miss).
STACKED = (AttendanceCode.EXCUSED, AttendanceCode.SICK, AttendanceCode.UNEXCUSED)
TOP_GROUPS = 10
TOP_STUDENTS = 20
BY_CHOICES = [
    ("Отделения", "department"),
    ("Специальности", "specialty"),
    ("Курсы", "course"),
    ("Группы", "group"),
    ("Студенты", "student"),
]
TABLE = {"label": "Подразделение", "group": "Группа", **an.ATTENDANCE_COLUMNS}
STUDENT_TABLE = {**TABLE, "label": "Студент"}


def _headings(frame: pd.DataFrame, names: dict[str, str], without: str | None = None) -> dict[str, str]:
    """Every column of ``frame`` but ``without``, under its Russian name (as ``rename``)."""
    return {c: names.get(c, c) for c in frame.columns if c != without}


def hours_by_reason(frame: pd.DataFrame) -> pd.DataFrame:
    """``attendance_over_time`` as a table bucket × reason of hours (the stacked bars)."""
    codes = [c.value for c in STACKED]
    if frame.empty:
        return pd.DataFrame(columns=codes)
    table = frame[frame["code"].isin(codes)].pivot_table(
        index="bucket", columns="code", values="hours", aggfunc="sum", fill_value=0
    )
    return table.reindex(columns=codes, fill_value=0).sort_index()


def weeks_and_months(days: pd.DataFrame) -> dict[str, tuple[list[date], dict[str, list[int]]]]:
    """The stacked bars of weeks (from their Monday) and months (from their first day) from
    the daily rows of ``attendance_over_time``: ``freq`` → (the buckets in order, the hours
    of each reason in :data:`STACKED` per bucket), what ``hours_by_reason(rebucket(days,
    freq))`` gives, summed in one pass in Python (pandas' grouping and pivot of a few
    hundred rows cost a click several milliseconds)."""
    codes = [c.value for c in STACKED]
    sums: dict[str, dict[date, dict[str, int]]] = {"week": {}, "month": {}}
    if not days.empty:
        for day, code, hours in zip(
            days["bucket"].tolist(), days["code"].tolist(), days["hours"].tolist(), strict=True
        ):
            if code not in codes:
                continue
            if isinstance(day, datetime):  # a timestamp: its day, as pandas' dates are
                day = day.date()
            elif isinstance(day, str):
                day = date.fromisoformat(day[:10])
            for freq, start in (("week", day - timedelta(days=day.weekday())), ("month", day.replace(day=1))):
                bucket = sums[freq].setdefault(start, dict.fromkeys(codes, 0))
                bucket[code] += hours
    return {
        freq: (sorted(table), {c: [int(table[s][c]) for s in sorted(table)] for c in codes})
        for freq, table in sums.items()
    }


class AttendanceDashboard(Dashboard):
    """The page. Public attributes: ``filters``, ``by`` (the consolidated table's level);
    figures ``fig_weeks`` and ``fig_months`` (hours by reason, one trace per reason in
    :data:`STACKED` order), ``fig_groups`` (groups with the most unexcused hours); HTML
    ``table_students`` (most unexcused hours, with full days), ``table_full_days`` (most
    full days missed), ``table_units`` (consolidated)."""

    title = "Посещаемость"
    action = Action.DASHBOARD_ATTENDANCE

    def __init__(self, engine: sa.Engine, actor: Actor) -> None:
        super().__init__(engine, actor)
        axis = {"xaxis": {"tickformat": DATE_FORMAT}, "yaxis": {"title": "академических часов"}}
        self.fig_weeks = figure("Пропуски по неделям", barmode="stack", **axis)
        self.fig_months = figure("Пропуски по месяцам", barmode="stack", **axis)
        self.fig_groups = figure("Группы с наибольшим числом пропусков без уважительной причины", height=420)
        self.table_students = w.HTML()
        self.table_full_days = w.HTML()
        self.table_units = w.HTML()
        self.fig_units = figure(
            "Пропущено часов на одного студента", barmode="stack", yaxis={"title": "часов на студента"}
        )
        if not self._open():
            return
        assert self.choices is not None
        self.filters = Filters(
            self.choices, on_change=self._on_filters, period_kind="lessons", all_periods=True
        )
        self.by = w.Dropdown(description="Разрез", options=BY_CHOICES, value="group")
        for fig in (self.fig_weeks, self.fig_months):
            for code in STACKED:
                fig.add_bar(name=an.REASONS[code.value], marker_color=COLOURS[code.value], x=[], y=[])
        self.fig_groups.add_bar(
            name=an.REASONS[AttendanceCode.UNEXCUSED.value],
            orientation="h",
            marker_color=COLOURS["unexcused"],
            x=[],
            y=[],
        )
        self.fig_groups.update_layout(yaxis={"autorange": "reversed"}, xaxis={"title": "академических часов"})
        for name, colour in (
            ("по уважительной причине", COLOURS["excused"]),
            ("без уважительной причины", COLOURS["unexcused"]),
        ):
            self.fig_units.add_bar(name=name, marker_color=colour, x=[], y=[])
        self.by.observe(guarded(self.messages)(lambda _c: self.refresh_units()), names="value")
        self.widget = w.VBox(
            [
                self._header(),
                self.messages,
                self.filters,
                section("Пропуски по причинам", [self.fig_weeks, self.fig_months]),
                section("Группы и студенты", [
                    self.fig_groups,
                    w.HTML("<h4>Студенты с наибольшим числом пропусков без уважительной причины</h4>"),
                    self.table_students,
                    w.HTML("<h4>Пропущено полных дней</h4>"),
                    self.table_full_days,
                ]),
                section("Сводная посещаемость", [self.by, self.fig_units, self.table_units]),
            ]
        )  # fmt: skip
        guarded(self.messages)(self.refresh)()

    def _filters(self) -> dict[str, int | None]:
        f = self.filters
        return {"period_id": f.period.value, "academic_year_id": f.year.value, **f.values()}

    def _on_filters(self) -> None:
        guarded(self.messages)(self.refresh)()

    def _when(self) -> str:
        f = self.filters
        return f"{f.year.label}, {f.period.label.lower()}" if f.period.value is not None else f.year.label

    def refresh(self) -> None:
        self.messages.clear()
        self.refresh_time()
        self.refresh_students()

    def _inputs(self) -> tuple[int | None, ...]:
        return tuple(self._filters().values())

    def refresh_time(self) -> None:
        """Both charts from one query of hours per day (summed to weeks and months here);
        the memo keeps the two small tables, not the days."""
        inputs = self._inputs()
        if not self.stale("time", inputs):
            return

        def tables() -> dict[str, tuple[list[date], dict[str, list[int]]]]:
            return weeks_and_months(self.call(an.attendance_over_time, freq="day", **self._filters()))

        by_freq = self.memo.get(("time", inputs), tables)
        scope = self.filters.scope_title()
        for fig, freq, what in ((self.fig_weeks, "week", "неделям"), (self.fig_months, "month", "месяцам")):
            starts, hours = by_freq[freq]
            redraw(
                fig,
                [{"x": starts, "y": hours[code.value]} for code in STACKED],
                title=f"Пропуски по {what}, ч — {scope}, {self._when()}",
            )
        self.drawn("time", inputs)

    def _students(self) -> dict[str, pd.DataFrame]:
        """The consolidated query per group and per student, once per filters; of the
        students only the two top lists are kept."""
        groups = self.ask(an.attendance_by, by="group", sort="unexcused_hours", **self._filters())
        students = self.call(an.attendance_by, by="student", **self._filters())
        columns = ["label", "group", "unexcused_hours", "excused_hours", "missed_hours", "late", "full_days"]
        top = students[students["unexcused_hours"] > 0].head(TOP_STUDENTS)[columns]
        by_days = students[students["full_days"] > 0].sort_values(
            ["full_days", "label"], ascending=[False, True]
        )
        found = {
            "groups": groups,
            "by_label": groups.sort_values(["label", "key"], ignore_index=True),
            "top": top,
            "full_days": by_days.head(TOP_STUDENTS)[["label", "group", "full_days", "missed_hours"]],
        }
        if self.by.value == "student":
            found["students"] = students.sort_values(["label", "key"], ignore_index=True)
        return found

    def refresh_students(self) -> None:
        """The groups and students with the most absences, and the consolidated table (the
        groups' query serves both the chart and the table at the group level)."""
        inputs = self._inputs()
        if self.stale("students", inputs):
            key = ("students", inputs, self.by.value == "student")
            found = self.memo.get(key, self._students)
            top_groups = found["groups"].head(TOP_GROUPS)
            redraw(
                self.fig_groups,
                [{"x": values(top_groups["unexcused_hours"]), "y": values(top_groups["label"])}],
                title=f"Группы с наибольшим числом часов без уважительной причины, {self._when()}",
            )
            self.table_students.value = table_html(
                found["top"], columns=_headings(found["top"], STUDENT_TABLE), empty="Пропусков нет."
            )
            self.table_full_days.value = table_html(
                found["full_days"],
                columns=_headings(found["full_days"], STUDENT_TABLE),
                empty="Полных дней пропусков нет.",
            )
            self.drawn("students", inputs)
            if self.by.value == "group":
                self._show_units(found["by_label"], inputs)
            elif self.by.value == "student":
                self._show_units(found["students"], inputs)
        self.refresh_units()

    def refresh_units(self) -> None:
        inputs = self._inputs()
        if not self.stale("units", (inputs, self.by.value)):
            return
        if self.by.value == "group":
            units = self.ask(an.attendance_by, by="group", sort="unexcused_hours", **self._filters())
            units = units.sort_values(["label", "key"], ignore_index=True)
        else:
            units = self.ask(an.attendance_by, by=self.by.value, sort="label", **self._filters())
        self._show_units(units, inputs)

    def _show_units(self, units: pd.DataFrame, inputs: tuple[int | None, ...]) -> None:
        per = units["students"].where(units["students"] > 0)
        level = dict((v, k) for k, v in BY_CHOICES)[self.by.value].lower()
        labels = values(units["label"])
        redraw(
            self.fig_units,
            [
                {"x": labels, "y": values((units[c] / per).round(1))}
                for c in ("excused_hours", "unexcused_hours")
            ],
            title=f"Пропущено часов на одного студента: {level}, {self._when()}",
        )
        if units["unexcused_per_student"].dtype != np.float64:  # e.g. decimals: shown as numbers
            units = units.assign(unexcused_per_student=units["unexcused_per_student"].astype(float))
        self.table_units.value = table_html(units, columns=_headings(units, TABLE, without="key"))
        self.drawn("units", (inputs, self.by.value))
