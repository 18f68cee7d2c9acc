"""«Переход на новый учебный год» (the engineer, R-4.2.d, D-8): the orders, a preview of
who moves, graduates, stays and why, then the rollover itself.

:func:`netspo_lib.rollover.preview` decides and :func:`~netspo_lib.rollover.apply` writes
(or refuses, in Russian); the form shows both.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

import ipywidgets as w
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import rollover
from netspo_lib.access import AccessDenied, Action, Actor, Resource, require
from netspo_lib.clock import fmt_date, parse_date, today
from netspo_lib.errors import NetspoError
from netspo_lib.ui.common import MessageArea, Progress, guarded, message_html, section, table_html


def _date_or_none(text: str) -> date | None:
    text = (text or "").strip()
    return parse_date(text) if text else None


class RolloverForm:
    """The rollover form; ``widget`` is its root. Inputs: ``order_number``,
    ``order_date`` (dd.mm.yyyy), ``graduation_order_number``, ``graduation_order_date``
    (empty: the transfer order's date), ``force_reason`` (shown when final grades are
    missing); buttons ``preview_button``, ``apply_button`` (enabled after a preview
    without errors); outputs ``summary``, ``groups_table``, ``students_table``,
    ``missing_table``, ``result_html``, ``messages``, ``progress``; ``plan`` and
    ``outcome`` hold the last preview and result."""

    def __init__(self, engine: sa.Engine, actor: Actor) -> None:
        self.engine = engine
        self.actor = actor
        self.messages = MessageArea()
        self.order_number = w.Text(description="Приказ о переводе №", placeholder="Например: 45-к")
        self.order_date = w.Text(value=fmt_date(today()), description="от", placeholder="дд.мм.гггг")
        self.graduation_order_number = w.Text(
            description="Приказ о выпуске №", placeholder="если есть выпускники"
        )
        self.graduation_order_date = w.Text(description="от", placeholder="дд.мм.гггг")
        for field in (self.order_number, self.graduation_order_number):
            field.style.description_width = "150px"
        for field in (self.order_date, self.graduation_order_date):
            field.style.description_width = "30px"
            field.layout.width = "160px"
        self.force_reason = w.Textarea(
            description="Причина",
            placeholder="Почему перевод выполняется, хотя не все итоговые оценки выставлены",
            layout=w.Layout(width="560px", display="none"),
        )
        self.preview_button = w.Button(description="Предпросмотр", icon="eye", button_style="info")
        self.apply_button = w.Button(
            description="Выполнить перевод", icon="forward", button_style="danger", disabled=True
        )
        self.progress = Progress()
        self.summary = w.HTML("")
        self.groups_table = w.HTML("")
        self.students_table = w.HTML("")
        self.missing_table = w.HTML("")
        self.result_html = w.HTML("")
        self.plan: rollover.RolloverPlan | None = None
        self.outcome: rollover.RolloverResult | None = None

        guard = guarded(self.messages)
        self.preview_button.on_click(guard(self._on_preview))
        self.apply_button.on_click(guard(self._on_apply))
        for field in (
            self.order_number,
            self.order_date,
            self.graduation_order_number,
            self.graduation_order_date,
        ):
            field.observe(guard(self._on_change), names="value")

        self.widget = w.VBox(
            [
                w.HTML("<h2>Переход на новый учебный год</h2>"),
                self.messages,
                section(
                    "Приказы",
                    [
                        w.HBox([self.order_number, self.order_date]),
                        w.HBox([self.graduation_order_number, self.graduation_order_date]),
                        self.preview_button,
                    ],
                ),
                section(
                    "План перевода",
                    [self.summary, self.groups_table, self.missing_table, self.students_table],
                ),
                section(
                    "Выполнение", [self.force_reason, self.apply_button, self.progress, self.result_html]
                ),
            ]
        )
        guard(self._start)()

    def _start(self) -> None:
        with Session(self.engine) as session:
            try:  # the library's refusal, shown at once; preview and apply refuse anyway
                require(session, self.actor, Action.ROLLOVER_RUN, Resource(college_id=self.actor.college_id))
            except AccessDenied:
                self.preview_button.layout.display = self.apply_button.layout.display = "none"
                raise

    def _on_change(self, _change: Any = None) -> None:
        """Changed orders make the preview stale: preview again before applying."""
        if self.plan is not None:
            self.plan = None
            self.apply_button.disabled = True
            self.summary.value = message_html("Приказы изменены: постройте предпросмотр заново.", "info")

    def _arguments(self) -> dict[str, Any]:
        order_date = _date_or_none(self.order_date.value)
        if order_date is None:
            raise NetspoError("Укажите дату приказа о переводе: дд.мм.гггг.")
        number = (self.graduation_order_number.value or "").strip() or None
        return {
            "order_number": (self.order_number.value or "").strip(),
            "order_date": order_date,
            "graduation_order_number": number,
            "graduation_order_date": _date_or_none(self.graduation_order_date.value),
        }

    def _on_preview(self, _button: Any = None) -> None:
        self.messages.clear()
        self.plan = None
        self.apply_button.disabled = True
        self.result_html.value = ""
        args = self._arguments()
        self.progress.start("Строится план перевода…")
        try:
            with Session(self.engine) as session:
                plan = rollover.preview(session, self.actor, **args)
        finally:
            self.progress.finish()
        self.plan = plan
        notes = "".join(message_html(text, "error") for text in plan.errors)
        notes += "".join(message_html(text, "warning") for text in (*plan.problems, *plan.warnings))
        self.summary.value = f"<p><b>{html.escape(plan.summary)}</b></p>" + notes
        self.groups_table.value = "<b>Группы</b>" + table_html(plan.group_rows)
        self.missing_table.value = (
            "<b>Нет итоговых оценок</b>" + table_html(plan.missing_grades, max_rows=300)
            if not plan.missing_grades.empty
            else ""
        )
        self.students_table.value = "<b>Студенты</b>" + table_html(plan.rows, max_rows=2000)
        self.force_reason.layout.display = "flex" if plan.problems else "none"
        self.apply_button.disabled = bool(plan.errors)
        if plan.errors:
            self.messages.show("Перевод невозможен: исправьте ошибки в приказах и постройте план заново.")

    def _on_apply(self, _button: Any = None) -> None:
        self.messages.clear()
        if self.plan is None:
            raise NetspoError("Сначала постройте предпросмотр перевода.")
        reason = (self.force_reason.value or "").strip() or None
        self.progress.start("Выполняется перевод на следующий учебный год…")
        try:
            with Session(self.engine) as session:
                result = rollover.apply(session, self.actor, self.plan, force_reason=reason)
                session.commit()
        finally:
            self.progress.finish()
        self.outcome = result
        self.plan = None
        self.apply_button.disabled = True
        counts = [
            ("Переведено", result.promoted),
            ("из них условно", result.conditional),
            ("Выпущено", result.graduated),
            ("Остались", result.stayed),
            ("Групп переведено", result.groups_promoted),
            ("Групп выпущено", result.groups_graduated),
            ("Календарей групп создано", result.calendars_created),
        ]
        self.result_html.value = table_html(pd.DataFrame(counts, columns=["", "Количество"]))
        self.messages.show("Перевод выполнен. " + result.summary, "success")
