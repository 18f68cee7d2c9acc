"""«Успеваемость»: успеваемость, качество знаний, СОУ and средний балл by period, trends
across periods and years, a group × discipline heat map, the comparison of departments,
the students at risk, and a drill-down college → department → group → student
(R-4.11.c, R-6.2, R-6.4; issue 6 item 3).

Every number comes from :mod:`netspo_lib.reports.analytics` (aggregated in SQL, checked
with ``DASHBOARD_PERFORMANCE``); the page keeps only the small frames it draws.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w
import pandas as pd
import sqlalchemy as sa

from netspo_lib.access import Action, Actor
from netspo_lib.reports import analytics as an
from netspo_lib.reports.risk import students_at_risk
from netspo_lib.ui.common import explain, guarded, message_html, section, table_html
from netspo_lib.ui.dashboards.base import Dashboard, card, figure, heat_grid, redraw, values
from netspo_lib.ui.dashboards.filters import Filters

# The bars of the drill-down chart: (column, Russian name, colour).
UNIT_BARS = [
    ("students_progress_pct", "Успеваемость, %", "#2e7d32"),
    ("students_quality_pct", "Качество знаний, %", "#1565c0"),
    ("sou_pct", "СОУ, %", "#f9a825"),
]
TREND_LINES = [
    ("students_progress_pct", "Успеваемость, %"),
    ("students_quality_pct", "Качество знаний, %"),
    ("sou_pct", "СОУ, %"),
]
BY_CHOICES = [
    ("Отделения", "department"),
    ("Специальности", "specialty"),
    ("Курсы", "course"),
    ("Группы", "group"),
    ("Студенты", "student"),
]
UNIT_TABLE = {
    "label": "Подразделение",
    "students": "Студентов",
    "progressing": "Успевающих",
    "quality_students": "На «4» и «5»",
    "students_progress_pct": "Успеваемость, %",
    "students_quality_pct": "Качество знаний, %",
    "sou_pct": "СОУ, %",
    "mean": "Средний балл",
    "n_2": "Оценок «2»",
    "n_not_attested": "«н/а»",
}


class PerformanceDashboard(Dashboard):
    """The page. Public attributes: ``filters`` (:class:`Filters`), ``by`` (the drill-down
    level), ``metric`` (the heat map's measure), ``up`` (one level up); figures
    ``fig_units`` (the current level, click a bar to drill down), ``fig_trend``,
    ``fig_heatmap``, ``fig_departments``; HTML ``cards``, ``table_units``, ``table_risk``,
    ``table_student``; the drawn frames ``units`` and ``trend``."""

    title = "Успеваемость"
    action = Action.DASHBOARD_PERFORMANCE

    def __init__(self, engine: sa.Engine, actor: Actor) -> None:
        super().__init__(engine, actor)
        self.fig_units = figure("Успеваемость по подразделениям", yaxis={"title": "%", "range": [0, 100]})
        self.fig_trend = figure("Динамика по периодам и учебным годам", yaxis={"title": "%"})
        self.fig_heatmap = figure("Качество знаний: группы × дисциплины", height=520)
        self.fig_departments = figure("Сравнение отделений", yaxis={"title": "%", "range": [0, 100]})
        self.cards = w.HTML()
        self.table_units = w.HTML()
        self.table_risk = w.HTML()
        self.table_student = w.HTML()
        self.units = pd.DataFrame()
        self.trend = pd.DataFrame()
        self.student_id: int | None = None
        if not self._open():
            return
        assert self.choices is not None
        self.filters = Filters(self.choices, on_change=self._on_filters, period_kind="grades")
        self.by = w.Dropdown(description="Разрез", options=BY_CHOICES, value=self._natural_level())
        self.metric = w.Dropdown(
            description="Показатель",
            options=[(v, k) for k, v in an.MATRIX_METRICS.items()],
            value="quality_pct",
        )
        self.up = w.Button(description="↑ Уровень выше", tooltip="Вернуться на уровень выше")
        self.risk_button = w.Button(
            description="Найти студентов в зоне риска", layout=w.Layout(width="260px")
        )
        self.risk_button.on_click(guarded(self.messages)(lambda _b: self.refresh_risk()))
        for fig in (self.fig_units,):
            for trace_no, (_, name, colour) in enumerate(UNIT_BARS):
                fig.add_bar(name=name, marker_color=colour, x=[], y=[])
                fig.data[trace_no].on_click(self._on_bar_click)
        for _, name in TREND_LINES:
            self.fig_trend.add_scatter(name=name, mode="lines+markers", x=[], y=[])
        self.fig_trend.add_scatter(name="Средний балл", mode="lines+markers", x=[], y=[], yaxis="y2")
        self.fig_trend.update_layout(
            yaxis2={"title": "балл", "overlaying": "y", "side": "right", "range": [2, 5]}
        )
        self.fig_heatmap.add_heatmap(z=[], x=[], y=[], colorscale="RdYlGn", hoverongaps=False)
        for _, name, colour in UNIT_BARS:
            self.fig_departments.add_bar(name=name, marker_color=colour, x=[], y=[])
        self._quiet_by = False
        self.by.observe(self._on_by, names="value")
        self.metric.observe(guarded(self.messages)(lambda _c: self.refresh_heatmap()), names="value")
        self.up.on_click(guarded(self.messages)(lambda _b: self.drill_up()))
        self.widget = w.VBox(
            [
                self._header(),
                self.messages,
                self.filters,
                self.cards,
                section("Детализация: колледж → отделение → группа → студент", [
                    w.HBox([self.by, self.up]), self.fig_units, self.table_units, self.table_student,
                ]),
                section("Динамика", [self.fig_trend]),
                section("Группы и дисциплины", [self.metric, self.fig_heatmap]),
                section("Отделения", [self.fig_departments]),
                section("Студенты в зоне риска", [self.risk_button, self.table_risk]),
            ]
        )  # fmt: skip
        guarded(self.messages)(self.refresh)()

    # -- reading the filters

    def _period(self) -> int | None:
        return self.filters.period.value

    def _natural_level(self) -> str:
        """The level below the chosen one: departments → groups → students."""
        f = self.filters
        if f.group.value is not None:
            return "student"
        if f.department.value is not None or f.specialty.value is not None or f.course.value is not None:
            return "group"
        groups = self.choices.groups if self.choices is not None else pd.DataFrame()
        if groups.empty or groups["department_id"].nunique() > 1:
            return "department"
        return "group" if len(groups) > 1 else "student"

    # -- callbacks

    def _on_filters(self) -> None:
        guarded(self.messages)(self._filters_changed)()

    def _filters_changed(self) -> None:
        self.student_id = None
        self.table_student.value = ""
        self._quiet_by = True
        try:
            self.by.value = self._natural_level()
        finally:
            self._quiet_by = False
        self.refresh()

    def _on_by(self, _change: object) -> None:
        if not self._quiet_by:
            guarded(self.messages)(self.refresh_units)()

    def _on_bar_click(self, trace: Any, points: Any, _state: Any) -> None:
        if points.point_inds:
            key = trace.customdata[points.point_inds[0]]
            guarded(self.messages)(self.drill_down)(key)

    def drill_down(self, key: Any) -> None:
        """Narrow to the unit ``key`` of the current level (a department, specialty, course,
        group), or open the results of a student."""
        level = self.by.value
        key = int(key)
        if level == "student":
            self.show_student(key)
            return
        if level == "group":
            self.filters.select(department=self.filters.group_department(key), group=key)
        else:
            self.filters.select(**{level: key})

    def drill_up(self) -> None:
        """One level up: student → group → department → college."""
        f = self.filters
        if self.student_id is not None:
            self.student_id = None
            self.table_student.value = ""
        elif f.group.value is not None:
            f.select(group=None)
        elif f.course.value is not None or f.specialty.value is not None:
            f.select(course=None, specialty=None)
        elif f.department.value is not None:
            f.select(department=None)

    def show_student(self, student_id: int) -> None:
        period_id = self._period()
        if period_id is None:
            return
        detail = self.ask(an.student_detail, period_id=period_id, student_id=student_id)
        self.student_id = student_id
        name = self.units.loc[self.units["key"] == student_id, "label"]
        who = name.iloc[0] if not name.empty else f"студент № {student_id}"
        self.table_student.value = f"<h4>Итоговые оценки: {_esc(who)}</h4>" + table_html(detail)

    # -- drawing

    def _scope(self) -> tuple[int | None, ...]:
        """The filters every chart of the current scope depends on, as a memo key."""
        f = self.filters.values()
        return (f["department_id"], f["specialty_id"], f["course"], f["group_id"])

    def refresh(self) -> None:
        """Redraw what depends on the current filters, each chart only when its inputs
        changed (the comparison of departments only with the period; the students at risk,
        a slower search over current marks, at once for a group and on request otherwise)."""
        self.messages.clear()
        self.refresh_units()
        self.refresh_trend()
        self.refresh_heatmap()
        self.refresh_departments()
        one_group = self.choices is not None and len(self.choices.groups) == 1
        if self.filters.group.value is not None or one_group:
            self.refresh_risk()
        else:
            self._drawn.pop("risk", None)
            self.table_risk.value = (
                "<p style='color:#57606a'>Нажмите «Найти студентов в зоне риска» или выберите группу.</p>"
            )

    def refresh_units(self) -> None:
        period_id = self._period()
        if period_id is None:
            self.messages.show("Выберите учебный период.", "info")
            return
        inputs = (period_id, self._scope(), self.by.value)
        if not self.stale("units", inputs):
            return
        filters = self.filters.values()
        total = self.ask(an.performance_by, period_id=period_id, by="college", **filters)
        units = self.ask(an.performance_by, period_id=period_id, by=self.by.value, **filters)
        self.units = units
        self.cards.value = _cards(total)
        level = dict((v, k) for k, v in BY_CHOICES)[self.by.value].lower()
        labels, keys = values(units["label"]), values(units["key"])
        redraw(
            self.fig_units,
            [{"x": labels, "y": values(units[column]), "customdata": keys} for column, _, _ in UNIT_BARS],
            title=f"{self.filters.period.label}: {level} — {self.filters.scope_title()} (нажмите на столбец)",
        )
        names = {**UNIT_TABLE, "group": "Группа"}
        columns = ["label", *(["group"] if "group" in units.columns else []), *list(UNIT_TABLE)[1:]]
        self.table_units.value = table_html(units, columns={c: names[c] for c in columns})
        self.drawn("units", inputs)

    def refresh_trend(self) -> None:
        inputs = self._scope()
        if not self.stale("trend", inputs):
            return
        trend = self.ask(an.performance_trend, by="college", **self.filters.values())
        self.trend = trend
        titles = values(trend["title"])
        redraw(
            self.fig_trend,
            [{"x": titles, "y": values(trend[column])} for column in [*(c for c, _ in TREND_LINES), "mean"]],
            title=f"Динамика по периодам и учебным годам — {self.filters.scope_title()}",
        )
        self.drawn("trend", inputs)

    def refresh_heatmap(self) -> None:
        period_id = self._period()
        if period_id is None:
            return
        inputs = (period_id, self._scope(), self.metric.value)
        if not self.stale("heatmap", inputs):
            return
        filters = self.filters.values()
        # The pivot of one measure, not the cells of every measure, is what the memo keeps.
        table = self.memo.get(
            ("heatmap", *inputs),
            lambda: an.matrix_pivot(
                self.call(an.discipline_matrix, period_id=period_id, **filters), self.metric.value
            ),
        )
        low, high = (2, 5) if self.metric.value == "mean" else (0, 100)
        cells = {
            "x": list(table.columns),
            "y": list(table.index),
            "z": heat_grid(table),
            "zmin": low,
            "zmax": high,
        }
        redraw(
            self.fig_heatmap,
            [cells],
            title=f"{self.metric.label}: группы × дисциплины, {self.filters.period.label}",
            layout={"height": max(360, 120 + 22 * len(table.index))},
        )
        self.drawn("heatmap", inputs)

    def refresh_departments(self) -> None:
        period_id = self._period()
        if period_id is None or not self.stale("departments", period_id):
            return
        # The same call as the units chart's at the college level: one query on opening.
        everything = dict.fromkeys(self.filters.values())
        departments = self.ask(an.performance_by, period_id=period_id, by="department", **everything)
        labels = values(departments["label"])
        redraw(
            self.fig_departments,
            [{"x": labels, "y": values(departments[column])} for column, _, _ in UNIT_BARS],
            title=f"Сравнение отделений, {self.filters.period.label}",
        )
        self.drawn("departments", period_id)

    def refresh_risk(self) -> None:
        period_id = self._period()
        if period_id is None:
            return
        inputs = (period_id, self._scope())
        if not self.stale("risk", inputs):
            return
        try:
            filters = self.filters.values()
            groups = tuple(self.ask(an.scope_groups, action=self.action, **filters))
            risk = self.ask(students_at_risk, period_id=period_id, group_ids=groups, action=self.action)
        except Exception as exc:  # a refusal here leaves the rest of the page
            self.table_risk.value = message_html(explain(exc), "warning")
            return
        self.table_risk.value = table_html(
            risk.drop(columns=["student_id"]), empty="Студентов в зоне риска нет."
        )
        self.drawn("risk", inputs)


def _esc(text: object) -> str:
    return html.escape(str(text))


def _cards(total: pd.DataFrame) -> str:
    if total.empty:
        return "<p style='color:#57606a'>За период нет итоговых оценок.</p>"
    row = total.iloc[0]
    return "".join(
        [
            card("студентов с оценками", int(row["students"])),
            card("успеваемость", row["students_progress_pct"], " %"),
            card("качество знаний", row["students_quality_pct"], " %"),
            card("СОУ", row["sou_pct"], " %"),
            card("средний балл", row["mean"], "", 2),
        ]
    )
