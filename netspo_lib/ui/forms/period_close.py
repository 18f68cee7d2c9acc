"""«Закрытие периода» (the engineer, R-4.2.e, R-5.3): per group a readiness checklist
(final grades missing, journals not filled), then lock or unlock the period for one group
or for all, with a reason and an order number; the lock history.

The library validates and refuses (:func:`netspo_lib.locks.lock_period`,
:func:`~netspo_lib.locks.unlock_period`); the form shows its Russian messages.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any

import ipywidgets as w
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import locks
from netspo_lib.access import Action, Actor, Resource, allowed
from netspo_lib.clock import fmt_date, parse_date
from netspo_lib.errors import NetspoError
from netspo_lib.locks_readiness import readiness
from netspo_lib.ui.common import MessageArea, guarded, options, section, select, table_html
from netspo_lib.ui.forms._shared import _default_period, _group_choices, _period_choices

ALL_GROUPS_LABEL = "Все группы"


class PeriodCloseForm:
    """The period-closing form; ``widget`` is its root. Inputs: ``period``, ``group``
    (None: all groups), ``reason``, ``order_number``, ``until`` (dd.mm.yyyy, an unlock
    until that day inclusive; empty: for good); buttons ``refresh_button``,
    ``lock_button``, ``unlock_button``; outputs ``checklist``, ``locks_table``,
    ``messages``; the last readiness table in ``readiness_frame``."""

    def __init__(self, engine: sa.Engine, actor: Actor) -> None:
        self.engine = engine
        self.actor = actor
        self.messages = MessageArea()
        self.period = w.Dropdown(options=[], description="Период")
        self.group = w.Dropdown(options=[(ALL_GROUPS_LABEL, None)], index=0, description="Группа")
        self.reason = w.Textarea(
            description="Причина",
            placeholder="Например: окончание 1 семестра",
            layout=w.Layout(width="520px"),
        )
        self.order_number = w.Text(description="Приказ №", placeholder="Например: 123-о")
        self.until = w.Text(description="Открыть до", placeholder="дд.мм.гггг (необязательно)")
        for field in (self.period, self.group, self.reason, self.order_number, self.until):
            field.style.description_width = "90px"
        self.refresh_button = w.Button(description="Обновить", icon="refresh")
        self.lock_button = w.Button(description="Закрыть период", icon="lock", button_style="danger")
        self.unlock_button = w.Button(description="Открыть период", icon="unlock", button_style="warning")
        self.checklist = w.HTML("")
        self.locks_table = w.HTML("")
        self.readiness_frame = None

        guard = guarded(self.messages)
        self._loading = False
        self.period.observe(guard(lambda _c: None if self._loading else self.refresh()), names="value")
        self.refresh_button.on_click(guard(lambda _b: self.refresh()))
        self.lock_button.on_click(guard(self._on_lock))
        self.unlock_button.on_click(guard(self._on_unlock))

        self.widget = w.VBox(
            [
                w.HTML("<h2>Закрытие периода</h2>"),
                self.messages,
                w.HBox([self.period, self.refresh_button]),
                section("Готовность групп", [self.checklist]),
                section(
                    "Закрыть или открыть период",
                    [
                        self.group,
                        self.reason,
                        self.order_number,
                        w.HBox([self.lock_button]),
                        w.HTML(
                            "<small>Чтобы открыть период временно, укажите дату, до которой он открыт "
                            "(включительно); без даты период открывается до нового закрытия.</small>"
                        ),
                        w.HBox([self.until, self.unlock_button]),
                    ],
                ),
                section("Закрытые периоды", [self.locks_table]),
            ]
        )
        guard(self._start)()

    def _start(self) -> None:
        with Session(self.engine) as session:
            choices = _period_choices(session, self.actor)
            default = _default_period(session, choices, ended=True)
            groups = _group_choices(session, self.actor, Action.JOURNAL_READ)
            may_lock = allowed(
                session, self.actor, Action.PERIOD_LOCK, Resource(college_id=self.actor.college_id)
            )
        if not may_lock:  # a convenience only: the library refuses anyway
            self.lock_button.layout.display = self.unlock_button.layout.display = "none"
        self.group.options = options(groups, everything=ALL_GROUPS_LABEL)
        select(self.group, None)
        self._loading = True  # one refresh below, not one per trait change
        try:
            self.period.options = choices
            self.period.value = default
        finally:
            self._loading = False
        if default is None:
            self.messages.show("В колледже нет учебных периодов.", "info")
        self.refresh()

    def refresh(self) -> None:
        """The checklist of the chosen period and the lock history."""
        self.show_locks()
        if self.period.value is None:
            self.checklist.value = ""
            return
        with Session(self.engine) as session:
            frame = readiness(session, self.actor, int(self.period.value))
            label = locks.period_label(session, int(self.period.value))
        self.readiness_frame = frame
        ready = int((frame["Готова к закрытию"] == "да").sum()) if not frame.empty else 0
        head = (
            f"<p>Период «{html.escape(label)}»: готовы к закрытию {ready} из {len(frame)} групп.</p>"
            if not frame.empty
            else ""
        )
        self.checklist.value = head + table_html(
            frame.drop(columns=["group_id"]), empty="В этом периоде нет занятий ни в одной группе."
        )

    def show_locks(self) -> None:
        with Session(self.engine) as session:
            frame = locks.lock_status(session, self.actor)
        self.locks_table.value = table_html(frame, empty="Закрытых периодов нет.")

    def _period_id(self) -> int:
        if self.period.value is None:
            raise NetspoError("Выберите учебный период.")
        return int(self.period.value)

    def _scope(self) -> str:
        return "всех групп" if self.group.value is None else f"группы {self.group.label}"

    def _on_lock(self, _button: Any = None) -> None:
        self.messages.clear()
        period_id = self._period_id()
        with Session(self.engine) as session:
            lock = locks.lock_period(
                session,
                self.actor,
                period_id=period_id,
                group_id=self.group.value,
                reason=self.reason.value,
                order_number=self.order_number.value,
            )
            label = locks.period_label(session, period_id)
            order = lock.order_number
            session.commit()
        self.refresh()
        self.messages.show(
            f"Период «{label}» закрыт для {self._scope()} (приказ № {order}): отметки, посещаемость и "
            "итоговые оценки в нём больше не редактируются.",
            "success",
        )

    def _relock_at(self) -> datetime | None:
        text = (self.until.value or "").strip()
        if not text:
            return None
        day = parse_date(text)
        return datetime.combine(day + timedelta(days=1), datetime.min.time())

    def _on_unlock(self, _button: Any = None) -> None:
        self.messages.clear()
        period_id = self._period_id()
        relock = self._relock_at()
        with Session(self.engine) as session:
            locks.unlock_period(
                session,
                self.actor,
                period_id=period_id,
                group_id=self.group.value,
                reason=self.reason.value,
                until=relock,
            )
            label = locks.period_label(session, period_id)
            session.commit()
        self.refresh()
        term = f" до {fmt_date(relock - timedelta(days=1))} включительно" if relock else ""
        self.messages.show(f"Период «{label}» открыт для {self._scope()}{term}.", "success")
