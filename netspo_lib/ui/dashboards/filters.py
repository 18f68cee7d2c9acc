"""The dashboards' filters: academic year, period, department, specialty, course and group.

The options come from :func:`analytics.filter_choices`, so they hold only what the
actor may see; choosing a parent (a year, a department, a specialty, a course) narrows
the children. The widget never decides access: the analytics functions check every
value again (a value forced into a dropdown is refused there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import ipywidgets as w

from netspo_lib.reports.analytics import FilterChoices
from netspo_lib.ui.common import options, select

ALL = "Все"
_LAYOUT = {"width": "330px"}
_STYLE = {"description_width": "110px"}


class _Group(NamedTuple):
    group_id: int
    group: str
    department_id: int
    department: str
    specialty_id: int
    specialty: str
    course: int


def _label(pair: tuple[str, Any]) -> str:
    return pair[0]


def _dropdown(description: str) -> w.Dropdown:
    return w.Dropdown(
        description=description, options=[(ALL, None)], index=0, layout=w.Layout(**_LAYOUT), style=_STYLE
    )


def _set_options(dropdown: w.Dropdown, pairs: list[tuple[str, Any]], *, everything: str | None = ALL) -> None:
    """New options, keeping the value when it is still offered (else «Все» / the first)."""
    new = options(pairs, everything=everything)
    values = [v for _, v in new]
    keep = dropdown.value if dropdown.value in values else (values[0] if values else None)
    if list(dropdown.options) != new:
        dropdown.options = new
    select(dropdown, keep)


class Filters(w.VBox):
    """Dropdowns ``year``, ``period``, ``department``, ``specialty``, ``course``, ``group``.

    ``on_change()`` is called once after a user's change (and the narrowing it causes).
    ``period_kind``: ``"grades"`` offers periods with final grades first (performance),
    ``"lessons"`` periods with lessons, ``"any"`` every period; ``all_periods`` adds
    «Весь учебный год» (None) to the periods.
    """

    def __init__(
        self,
        choices: FilterChoices,
        *,
        on_change: Callable[[], None] | None = None,
        period_kind: str = "grades",
        all_periods: bool = False,
    ) -> None:
        self.choices = choices
        self.on_change = on_change
        self.all_periods = all_periods
        self._quiet = False
        self._options: dict[tuple[Any, ...], list[tuple[str, Any]]] = {}
        self._rows = [
            _Group(int(r.group_id), str(r.group), int(r.department_id), str(r.department),
                   int(r.specialty_id), str(r.specialty), int(r.course))
            for r in choices.groups.itertuples()
        ]  # fmt: skip
        self.year = _dropdown("Учебный год")
        self.period = _dropdown("Период")
        self.department = _dropdown("Отделение")
        self.specialty = _dropdown("Специальность")
        self.course = _dropdown("Курс")
        self.group = _dropdown("Группа")
        periods = choices.periods
        flag = {"grades": "has_grades", "lessons": "has_lessons"}.get(period_kind)
        useful = periods[periods[flag]] if flag and not periods.empty else periods
        self._quiet = True
        self.year.options = choices.years() or [("—", None)]
        # The latest academic year that has data of the kind, and its latest period.
        if not useful.empty:
            self.year.value = int(useful["academic_year_id"].iloc[-1])
        self._narrow_periods()
        if not useful.empty:
            # The latest period with data (a semester is quicker to draw than a whole year).
            latest = useful[useful["academic_year_id"] == self.year.value]
            self.period.value = int(latest["period_id"].iloc[-1])
        self._narrow_units()
        self._quiet = False
        for dropdown in (self.year, self.period, self.department, self.specialty, self.course, self.group):
            dropdown.observe(self._changed, names="value")
        super().__init__(
            [
                w.HBox([self.year, self.period]),
                w.HBox([self.department, self.specialty]),
                w.HBox([self.course, self.group]),
            ]
        )

    # -- narrowing

    def _narrow_periods(self) -> None:
        periods = self.choices.periods
        mine = periods[periods["academic_year_id"] == self.year.value] if not periods.empty else periods
        pairs = [(str(r.period), int(r.period_id)) for r in mine.itertuples()]
        _set_options(self.period, pairs, everything="Весь учебный год" if self.all_periods else None)

    def _narrow_units(self) -> None:
        """Options from the choices' rows as plain tuples: a drill-down narrows several
        times, and filtering two hundred tuples is far quicker than a DataFrame each time;
        each level's options are worked out once per choice of the levels above it."""
        _set_options(self.department, self._level_options("department", ()))
        department = self.department.value
        _set_options(self.specialty, self._level_options("specialty", (department,)))
        specialty = self.specialty.value
        _set_options(self.course, self._level_options("course", (department, specialty)))
        course = self.course.value
        _set_options(self.group, self._level_options("group", (department, specialty, course)))

    def _level_options(self, level: str, above: tuple[int | None, ...]) -> list[tuple[str, Any]]:
        """The options of ``level`` under the chosen department, specialty and course
        (``above``, None for «Все»), from :attr:`_rows`; remembered per ``above``."""
        key = (level, *above)
        found = self._options.get(key)
        if found is not None:
            return found
        rows = self._rows
        for at, value in enumerate(above):
            if value is not None:
                field = ("department_id", "specialty_id", "course")[at]
                rows = [r for r in rows if getattr(r, field) == value]
        if level in ("department", "specialty"):
            names: dict[int, str] = {}
            for r in rows:
                names.setdefault(getattr(r, f"{level}_id"), getattr(r, level))
            found = sorted(((n, k) for k, n in names.items()), key=_label)
        elif level == "course":
            found = [(f"{c} курс", c) for c in sorted({r.course for r in rows})]
        else:
            found = [(r.group, r.group_id) for r in rows]
        self._options[key] = found
        return found

    def _changed(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        self._quiet = True
        try:
            if change["owner"] is self.year:
                self._narrow_periods()
            self._narrow_units()
        finally:
            self._quiet = False
        if self.on_change is not None:
            self.on_change()

    # -- reading and setting

    def values(self) -> dict[str, int | None]:
        """The chosen filters as the analytics functions' keyword arguments."""
        return {
            "department_id": self.department.value,
            "specialty_id": self.specialty.value,
            "course": self.course.value,
            "group_id": self.group.value,
        }

    def select(self, **values: int | None) -> None:
        """Set several filters at once (a drill-down) and call ``on_change`` once."""
        self._quiet = True
        try:
            for name in ("department", "specialty", "course", "group"):
                if name in values:
                    self._narrow_units()
                    getattr(self, name).value = values[name]
            self._narrow_units()
        finally:
            self._quiet = False
        if self.on_change is not None:
            self.on_change()

    def group_department(self, group_id: int) -> int | None:
        return next((r.department_id for r in self._rows if r.group_id == group_id), None)

    def scope_title(self) -> str:
        """«ИСП-23», «Отделение …», or «Все доступные группы» for chart titles."""
        for dropdown in (self.group, self.course, self.specialty, self.department):
            if dropdown.value is not None:
                parts = [dropdown.label]
                if dropdown is self.course and self.department.value is not None:
                    parts.insert(0, self.department.label)
                return ", ".join(parts)
        return "все доступные группы"
