"""«Контроль»: deadline violations D-1 … D-10 by responsible person, journal filling,
missing final grades and parents' questions without an answer (R-4.11.a, R-5, R-4.5.b,
R-4.7.e; ``DASHBOARD_CONTROL``: a department head sees the own department)."""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
import sqlalchemy as sa

from netspo_lib import clock
from netspo_lib.access import Action, Actor
from netspo_lib.deadlines import DEADLINES, summary, to_russian, violations
from netspo_lib.messaging import UNANSWERED_COLUMNS
from netspo_lib.reports import analytics as an
from netspo_lib.reports.control import journal_filling
from netspo_lib.ui.common import guarded, section, table_html
from netspo_lib.ui.dashboards.base import Dashboard, figure, set_title
from netspo_lib.ui.dashboards.filters import Filters

QUESTION_COLUMNS = [
    "sent_on",
    "due",
    "replied_on",
    "days_late",
    "group",
    "student",
    "parent",
    "curator",
    "subject",
]
MISSING_COLUMNS = {
    "group": "Группа",
    "index": "Индекс",
    "discipline": "Дисциплина",
    "students": "Студентов",
    "missing": "Без итоговой оценки",
}


def by_responsible(frame: pd.DataFrame) -> pd.DataFrame:
    """Violations counted per responsible person × deadline (rows: people, most first)."""
    if frame.empty:
        return pd.DataFrame()
    who = frame["responsible"].fillna("").replace("", "не назначен")
    table = pd.crosstab(who, frame["deadline"])
    order = [d for d in DEADLINES if d in table.columns]
    table = table[order]
    return table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]


class ControlDashboard(Dashboard):
    """The page. Public attributes: ``filters``, ``on`` (the day of the check); figures
    ``fig_violations`` (a stacked bar per deadline over responsible people) and
    ``fig_missing`` (missing final grades per group); HTML ``table_summary``,
    ``table_violations``, ``table_filling``, ``table_missing``, ``table_questions``."""

    title = "Контроль сроков и заполнения"
    action = Action.DASHBOARD_CONTROL

    def __init__(self, engine: sa.Engine, actor: Actor) -> None:
        super().__init__(engine, actor)
        self.fig_violations = figure("Нарушения сроков по ответственным", barmode="stack", height=460)
        self.fig_missing = figure("Итоговые оценки не выставлены", yaxis={"title": "оценок"})
        self.table_summary = w.HTML()
        self.table_violations = w.HTML()
        self.table_filling = w.HTML()
        self.table_missing = w.HTML()
        self.table_questions = w.HTML()
        if not self._open():
            return
        assert self.choices is not None
        self.filters = Filters(self.choices, on_change=self._on_filters, period_kind="lessons")
        self.on = w.DatePicker(description="На дату", value=clock.today())
        self.fig_missing.add_bar(name="Без итоговой оценки", marker_color="#e4572e", x=[], y=[])
        self.fig_violations.update_layout(yaxis={"autorange": "reversed"}, xaxis={"title": "нарушений"})
        self.on.observe(guarded(self.messages)(lambda _c: self.refresh()), names="value")
        self.widget = w.VBox(
            [
                self._header(),
                self.messages,
                self.filters,
                self.on,
                section("Сроки Д-1 … Д-10", [self.fig_violations, self.table_summary, self.table_violations]),
                section("Заполнение журналов", [self.table_filling]),
                section("Итоговые оценки", [self.fig_missing, self.table_missing]),
                section("Вопросы родителей без ответа (более 3 дней)", [self.table_questions]),
            ]
        )
        guarded(self.messages)(self.refresh)()

    def _on_filters(self) -> None:
        guarded(self.messages)(self.refresh)()

    def refresh(self) -> None:
        """Redraw what the change concerns: the deadlines depend on the day and the
        department only (a period or a group does not recompute them)."""
        self.messages.clear()
        self.refresh_deadlines()
        self.refresh_journal()

    def refresh_deadlines(self) -> None:
        on = self.on.value or clock.today()
        inputs = (on, self.filters.department.value)
        if not self.stale("deadlines", inputs):
            return
        frame = self.call(violations, on=on, department_id=self.filters.department.value)
        table = by_responsible(frame)
        set_title(self.fig_violations, f"Нарушения сроков по ответственным на {clock.fmt_date(on)}")
        traces = [
            {"type": "bar", "orientation": "h", "name": code, "x": [int(v) for v in table[code]],
             "y": list(table.index), "hovertemplate": f"{code}: %{{x}}<extra>%{{y}}</extra>"}
            for code in table.columns
        ]  # fmt: skip
        with self.fig_violations.batch_update():
            self.fig_violations.data = []
            for trace in traces:
                self.fig_violations.add_trace(trace)
        self.table_summary.value = table_html(
            summary(frame) if len(frame) else pd.DataFrame(), empty="Нарушений сроков нет."
        )
        self.table_violations.value = table_html(to_russian(frame), empty="")
        self.drawn("deadlines", inputs)

    def refresh_journal(self) -> None:
        period_id = self.filters.period.value
        on = self.on.value or clock.today()
        filters = self.filters.values()
        inputs = (period_id, on, *filters.values())
        if not self.stale("journal", inputs):
            return
        with self.session() as session:
            questions = an.parent_questions(session, self.actor, on=on, **filters)
            if period_id is None:
                filling, missing = pd.DataFrame(), pd.DataFrame(columns=list(MISSING_COLUMNS))
            else:
                groups = an.scope_groups(session, self.actor, self.action, **filters)
                filling = journal_filling(session, self.actor, period_id=period_id, group_ids=groups)
                missing = an.missing_final_grades(session, self.actor, period_id=period_id, **filters)
        self.table_filling.value = table_html(filling, empty="За период нет занятий.")
        per_group = missing.groupby("group", sort=True)["missing"].sum() if not missing.empty else pd.Series()
        set_title(self.fig_missing, f"Итоговые оценки не выставлены, {self.filters.period.label}")
        with self.fig_missing.batch_update():
            self.fig_missing.data[0].x = list(per_group.index)
            self.fig_missing.data[0].y = [int(v) for v in per_group.to_numpy()]
        self.table_missing.value = table_html(
            missing.rename(columns=MISSING_COLUMNS), empty="Все итоговые оценки выставлены."
        )
        shown = questions[QUESTION_COLUMNS].rename(columns=UNANSWERED_COLUMNS)
        self.table_questions.value = table_html(shown, empty="Вопросов без ответа нет.")
        self.drawn("journal", inputs)
