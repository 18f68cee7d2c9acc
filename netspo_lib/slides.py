"""Council slides (R-5.2): a 16:9 PowerPoint deck of a period's results for the
methodological council, in Russian, from the same numbers as the reports and the same
plotly figures as the dashboards (rendered by Chromium through Kaleido).

The look comes from ``data/slides/``: ``template.pptx`` (the slide master: fonts, colours,
logo — a college replaces it with its own, keeping the layouts «Титульный слайд» first and
«Только заголовок» sixth, as in PowerPoint's default) and ``theme.json`` (colours of the
tables and the footer text).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import sqlalchemy as sa
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import deadlines
from netspo_lib import models as m
from netspo_lib.access import AccessDenied, Action, Actor, Resource, allowed, require
from netspo_lib.clock import fmt_date, fmt_datetime, now, today
from netspo_lib.db import PROJECT_DIR
from netspo_lib.enums import PeriodKind
from netspo_lib.errors import NetspoError
from netspo_lib.render import figures_to_png
from netspo_lib.reports import analytics as an
from netspo_lib.reports import risk

SLIDES_DIR = PROJECT_DIR / "data" / "slides"
WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 16:9, 33.867 × 19.05 cm
TITLE_LAYOUT, TITLE_ONLY_LAYOUT = 0, 5
TOP_N = 5

# Totals over several disciplines count students (requirements, «Metrics»): успеваемость and
# качество of a group or the college are shares of students; СОУ and the mean are of grades.
KEY_METRICS: list[tuple[str, str, int]] = [
    ("students_progress_pct", "Успеваемость, %", 1),
    ("students_quality_pct", "Качество знаний, %", 1),
    ("sou_pct", "СОУ, %", 1),
    ("mean", "Средний балл", 2),
]
KEY_ATTENDANCE: list[tuple[str, str, int]] = [
    ("missed_per_student", "Пропущено часов на студента", 1),
    ("unexcused_per_student", "Из них без уважительной причины", 1),
]


@dataclass
class Theme:
    header_fill: str = "1F4E79"
    header_text: str = "FFFFFF"
    good: str = "1A7F37"
    bad: str = "CF222E"
    footer: str = "Методический совет"
    font: str = "Calibri"

    @classmethod
    def load(cls, folder: Path = SLIDES_DIR) -> Theme:
        path = folder / "theme.json"
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {k: str(v) for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class DeckData:
    """Everything the deck shows, computed before any slide is drawn (tests compare it
    with the report functions)."""

    college: str
    period: m.StudyPeriod
    period_title: str
    previous_title: str | None
    scope_title: str
    department_id: int | None
    key: pd.DataFrame  # rows: indicator; columns: previous, current, change
    groups: pd.DataFrame  # performance_by(by="group")
    best: pd.DataFrame
    weakest: pd.DataFrame
    risk_counts: pd.DataFrame  # group, students at risk
    risk_names: pd.DataFrame | None
    deadlines: pd.DataFrame | None  # deadlines.summary, or None when out of the user's reach
    figures: list[tuple[str, go.Figure]] = field(default_factory=list)


def default_period(session: Session, college_id: int, on: date | None = None) -> m.StudyPeriod:
    """The last semester of the college that has ended by ``on`` (default today)."""
    on = on or today()
    period = session.scalar(
        sa.select(m.StudyPeriod)
        .join(m.AcademicYear, m.AcademicYear.id == m.StudyPeriod.academic_year_id)
        .where(
            m.AcademicYear.college_id == college_id,
            m.StudyPeriod.kind == PeriodKind.SEMESTER,
            m.StudyPeriod.ends_on < on,
        )
        .order_by(m.StudyPeriod.ends_on.desc())
        .limit(1)
    )
    if period is None:
        raise NetspoError("В колледже нет завершённого семестра: укажите период явно.")
    return period


def previous_period(session: Session, period: m.StudyPeriod) -> m.StudyPeriod | None:
    """The period of the same kind that ended last before ``period`` in the same college."""
    college_id = session.scalar(
        sa.select(m.AcademicYear.college_id).where(m.AcademicYear.id == period.academic_year_id)
    )
    return session.scalar(
        sa.select(m.StudyPeriod)
        .join(m.AcademicYear, m.AcademicYear.id == m.StudyPeriod.academic_year_id)
        .where(
            m.AcademicYear.college_id == college_id,
            m.StudyPeriod.kind == period.kind,
            m.StudyPeriod.ends_on < period.ends_on,
        )
        .order_by(m.StudyPeriod.ends_on.desc())
        .limit(1)
    )


def period_title(session: Session, period: m.StudyPeriod) -> str:
    year = session.get(m.AcademicYear, period.academic_year_id)
    return f"{period.name} {year.name if year else ''} учебного года".strip()


def _college_row(session: Session, actor: Actor, period_id: int, department_id: int | None) -> dict[str, Any]:
    perf = an.performance_by(session, actor, period_id=period_id, by="college", department_id=department_id)
    row: dict[str, Any] = perf.iloc[0].to_dict() if not perf.empty else {}
    att = an.attendance_by(session, actor, by="department", period_id=period_id, department_id=department_id)
    students = float(att["students"].sum()) if not att.empty else 0.0
    row["missed_per_student"] = float(att["missed_hours"].sum()) / students if students else None
    row["unexcused_per_student"] = float(att["unexcused_hours"].sum()) / students if students else None
    return row


def key_metrics(
    session: Session, actor: Actor, period: m.StudyPeriod, department_id: int | None
) -> tuple[pd.DataFrame, str | None]:
    """The key indicators of the period beside the previous period's, with the change."""
    current = _college_row(session, actor, period.id, department_id)
    before = previous_period(session, period)
    previous = _college_row(session, actor, before.id, department_id) if before else {}
    rows = []
    for column, label, digits in [*KEY_METRICS, *KEY_ATTENDANCE]:
        now_v, was_v = current.get(column), previous.get(column)
        now_v = None if now_v is None or pd.isna(now_v) else round(float(now_v), digits)
        was_v = None if was_v is None or pd.isna(was_v) else round(float(was_v), digits)
        change = round(now_v - was_v, digits) if now_v is not None and was_v is not None else None
        rows.append(
            {"indicator": label, "column": column, "previous": was_v, "current": now_v, "change": change}
        )
    return pd.DataFrame(rows), (period_title(session, before) if before else None)


def collect(
    session: Session,
    actor: Actor,
    *,
    period_id: int | None = None,
    department_id: int | None = None,
    names: bool = False,
) -> DeckData:
    """The deck's numbers (no figures yet): key metrics, groups, risk, deadlines."""
    require(session, actor, Action.SLIDES_MAKE, Resource(college_id=actor.college_id, description="слайды"))
    period = session.get(m.StudyPeriod, period_id) if period_id else default_period(session, actor.college_id)
    if period is None:
        raise NetspoError(f"Учебный период № {period_id} не найден.")
    college = session.get(m.College, actor.college_id)
    department = session.get(m.Department, department_id) if department_id else None
    if department_id and department is None:
        raise NetspoError(f"Отделение № {department_id} не найдено.")
    key, previous_title = key_metrics(session, actor, period, department_id)
    groups = an.performance_by(session, actor, period_id=period.id, by="group", department_id=department_id)
    ranked = groups.dropna(subset=["students_quality_pct"])
    best = ranked.sort_values(["students_quality_pct", "mean"], ascending=False).head(TOP_N)
    weakest = ranked.sort_values(["students_progress_pct", "students_quality_pct"], ascending=True).head(
        TOP_N
    )
    group_ids = [int(k) for k in groups["key"]] if not groups.empty else None
    at_risk = (
        risk.students_at_risk(
            session, actor, period_id=period.id, group_ids=group_ids, action=Action.REPORT_GROUP
        )
        if group_ids
        else None
    )
    if at_risk is None or at_risk.empty:
        risk_counts = pd.DataFrame(columns=["Группа", "Студентов в зоне риска"])
    else:
        risk_counts = (
            at_risk.groupby("Группа")
            .size()
            .rename("Студентов в зоне риска")
            .reset_index()
            .sort_values("Группа")
        )
    risk_names = None
    may_name = allowed(session, actor, Action.REPORT_GROUP, Resource(college_id=actor.college_id))
    if names and at_risk is not None and may_name:
        risk_names = at_risk[["Группа", "Студент", "Причины"]]
    try:
        found = deadlines.violations(session, actor, on=today(), department_id=department_id)
        deadline_table: pd.DataFrame | None = deadlines.summary(found)
    except AccessDenied:
        deadline_table = None
    return DeckData(
        college=college.name if college else "",
        period=period,
        period_title=period_title(session, period),
        previous_title=previous_title,
        scope_title=department.name if department else "весь колледж",
        department_id=department_id,
        key=key,
        groups=groups,
        best=best,
        weakest=weakest,
        risk_counts=risk_counts,
        risk_names=risk_names,
        deadlines=deadline_table,
    )


# -- the dashboards' figures


def _choose_scope(filters: Any, period: m.StudyPeriod, department_id: int | None) -> None:
    filters.year.value = period.academic_year_id
    filters.period.value = period.id
    if department_id is not None:
        filters.department.value = department_id


def _still(fig: go.Figure, title: str) -> go.Figure:
    """A copy of a dashboard's figure for a slide: its own title, no click hints."""
    out = go.Figure(fig)
    out.update_layout(title={"text": title}, height=None, width=None)
    return out


def dashboard_figures(engine: Engine, actor: Actor, data: DeckData) -> list[tuple[str, go.Figure]]:
    """The figures of the «Успеваемость» and «Посещаемость» dashboards, drawn for the deck's
    period and scope by the dashboards themselves (the same plotly figures a user sees)."""
    from netspo_lib.ui.dashboards.attendance import AttendanceDashboard
    from netspo_lib.ui.dashboards.performance import PerformanceDashboard

    out: list[tuple[str, go.Figure]] = []
    perf = PerformanceDashboard(engine, actor)
    if not perf.denied:
        _choose_scope(perf.filters, data.period, data.department_id)
        levels = [("course", "курсам"), ("group", "группам")]
        if data.department_id is None:
            levels.insert(0, ("department", "отделениям"))
        for by, label in levels:
            perf.by.value = by
            perf.refresh_units()
            title = f"Успеваемость и качество по {label}: {data.period_title}"
            out.append((title, _still(perf.fig_units, title)))
        title = "Динамика показателей по периодам"
        out.append((title, _still(perf.fig_trend, title)))
    att = AttendanceDashboard(engine, actor)
    if not att.denied:
        _choose_scope(att.filters, data.period, data.department_id)
        att.refresh()
        title = f"Пропуски по месяцам: {data.period_title}"
        out.append((title, _still(att.fig_months, title)))
        levels = [("course", "курсам"), ("group", "группам")]
        if data.department_id is None:
            levels.insert(0, ("department", "отделениям"))
        for by, label in levels:
            att.by.value = by
            att.refresh_units()
            title = f"Пропущено часов на одного студента по {label}: {data.period_title}"
            out.append((title, _still(att.fig_units, title)))
        title = "Группы с наибольшим числом пропусков без уважительной причины"
        out.append((title, _still(att.fig_groups, title)))
    return out


# -- drawing


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.strip("#").upper())


def _number(value: object, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return str(value)
    return f"{float(value):.{digits}f}".replace(".", ",")  # type: ignore[arg-type]


def _change(value: object, digits: int) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    v = float(value)  # type: ignore[arg-type]
    arrow = "▲" if v > 0 else ("▼" if v < 0 else "=")
    return f"{arrow} {abs(v):.{digits}f}".replace(".", ",")


class _Deck:
    def __init__(self, theme: Theme, template: Path | None) -> None:
        self.theme = theme
        self.prs = Presentation(str(template)) if template and template.exists() else Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT

    def _layout(self, index: int):  # type: ignore[no-untyped-def]
        layouts = self.prs.slide_layouts
        return layouts[min(index, len(layouts) - 1)]

    def title_slide(self, title: str, subtitle: str) -> None:
        slide = self.prs.slides.add_slide(self._layout(TITLE_LAYOUT))
        slide.shapes.title.text = title
        if len(slide.placeholders) > 1:
            slide.placeholders[1].text = subtitle

    def slide(self, title: str):  # type: ignore[no-untyped-def]
        slide = self.prs.slides.add_slide(self._layout(TITLE_ONLY_LAYOUT))
        slide.shapes.title.text = title
        slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(30)
        return slide

    def note(self, slide, text: str, top: float = 6.7) -> None:  # type: ignore[no-untyped-def]
        box = slide.shapes.add_textbox(Inches(0.6), Inches(top), Inches(12), Inches(0.5))
        box.text_frame.text = text
        box.text_frame.paragraphs[0].font.size = Pt(12)
        box.text_frame.paragraphs[0].font.color.rgb = _rgb("57606A")

    def table(self, slide, header: list[str], rows: list[list[str]], *, top: float = 1.6,  # type: ignore[no-untyped-def]
              left: float = 0.6, width: float = 12.1, font: int = 14,
              colours: list[list[str | None]] | None = None) -> Any:  # fmt: skip
        shape = slide.shapes.add_table(
            len(rows) + 1,
            len(header),
            Inches(left),
            Inches(top),
            Inches(width),
            Inches(0.4 * (len(rows) + 1)),
        )
        table = shape.table
        for j, text in enumerate(header):
            cell = table.cell(0, j)
            cell.text = text
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb(self.theme.header_fill)
            para = cell.text_frame.paragraphs[0]
            para.font.bold, para.font.size = True, Pt(font)
            para.font.color.rgb = _rgb(self.theme.header_text)
        for i, row in enumerate(rows, start=1):
            for j, text in enumerate(row):
                cell = table.cell(i, j)
                cell.text = text
                para = cell.text_frame.paragraphs[0]
                para.font.size = Pt(font)
                colour = colours[i - 1][j] if colours else None
                if colour:
                    para.font.color.rgb = _rgb(colour)
        return table

    def picture(self, slide, png: bytes) -> None:  # type: ignore[no-untyped-def]
        width = Inches(12.1)
        slide.shapes.add_picture(BytesIO(png), Inches(0.6), Inches(1.35), width=width)

    def save(self, out: Path) -> Path:
        out.parent.mkdir(parents=True, exist_ok=True)
        self.prs.save(str(out))
        return out


def _frame_rows(
    frame: pd.DataFrame, columns: list[tuple[str, str, int | None]]
) -> tuple[list[str], list[list[str]]]:
    header = [label for _, label, _ in columns]
    rows = []
    for record in frame.to_dict("records"):
        rows.append([
            str(record.get(col, "")) if digits is None else _number(record.get(col), digits)
            for col, _, digits in columns
        ])  # fmt: skip
    return header, rows


def _same(*names: str, digits: int | None = None) -> list[tuple[str, str, int | None]]:
    return [(n, n, digits) for n in names]


RISK_RULE = (
    "В зоне риска: «2», «н/а», «незачёт», средний балл ниже 3 или более 100 часов пропусков "
    "без уважительной причины."
)
DEADLINE_COLUMNS = _same("Срок", "Требование") + _same(
    "Нарушений", "Не исполнено", "Наибольшее опоздание, раб. дней", digits=0
)
RISK_NAME_COLUMNS = _same("Группа", "Студент", "Причины")
RISK_COUNT_COLUMNS = _same("Группа") + _same("Студентов в зоне риска", digits=0)
GROUP_COLUMNS: list[tuple[str, str, int | None]] = [
    ("label", "Группа", None),
    ("students", "Студентов", 0),
    ("students_progress_pct", "Успеваемость, %", 1),
    ("students_quality_pct", "Качество, %", 1),
    ("sou_pct", "СОУ, %", 1),
    ("mean", "Средний балл", 2),
]


def draw(data: DeckData, charts: list[tuple[str, bytes]], out: Path, *, theme: Theme | None = None,
         template: Path | None = None) -> Path:  # fmt: skip
    """Write the deck: title, key metrics, charts, best and weakest groups, risk, deadlines, end."""
    theme = theme or Theme.load()
    deck = _Deck(theme, template if template is not None else SLIDES_DIR / "template.pptx")
    deck.title_slide(
        f"Итоги: {data.period_title}",
        f"{data.college}\n{data.scope_title[:1].upper() + data.scope_title[1:]}\n"
        f"{theme.footer}, {fmt_date(today())}",
    )
    slide = deck.slide("Ключевые показатели")
    previous = data.previous_title or "предыдущий период"
    rows, colours = [], []
    for rec in data.key.to_dict("records"):
        digits = 2 if rec["column"] == "mean" else 1
        change = rec["change"]
        # Fewer missed hours is better; higher metrics are better.
        lower_is_better = rec["column"].endswith("per_student")
        good = None if change in (None, 0) or pd.isna(change) else ((change < 0) == lower_is_better)
        rows.append([rec["indicator"], _number(rec["previous"], digits), _number(rec["current"], digits),
                     _change(change, digits)])  # fmt: skip
        colours.append([None, None, None, None if good is None else (theme.good if good else theme.bad)])
    deck.table(
        slide, ["Показатель", previous, data.period_title, "Изменение"], rows, colours=colours, font=16
    )
    deck.note(
        slide,
        "Успеваемость, качество, СОУ и средний балл — по итоговым оценкам периода "
        "(формулы «Сетевого Города»).",
    )
    for title, png in charts:
        deck.picture(deck.slide(title), png)
    slide = deck.slide("Лучшие группы по качеству знаний")
    deck.table(slide, *_frame_rows(data.best, GROUP_COLUMNS))
    slide = deck.slide("Группы, требующие внимания")
    deck.table(slide, *_frame_rows(data.weakest, GROUP_COLUMNS))
    slide = deck.slide("Студенты в зоне риска")
    total = int(data.risk_counts["Студентов в зоне риска"].sum()) if not data.risk_counts.empty else 0
    if data.risk_names is not None and not data.risk_names.empty:
        header, body = _frame_rows(data.risk_names.head(14), RISK_NAME_COLUMNS)
        deck.table(slide, header, body, font=11)
    elif not data.risk_counts.empty:
        header, body = _frame_rows(data.risk_counts, RISK_COUNT_COLUMNS)
        deck.table(slide, header, body, width=7.0)
    deck.note(
        slide,
        f"Всего студентов в зоне риска: {total}. {RISK_RULE}",
    )
    slide = deck.slide("Соблюдение сроков положения (Д-1…Д-10)")
    if data.deadlines is None:
        deck.note(
            slide,
            "Контроль сроков недоступен для вашей роли: этот слайд заполняет заместитель директора.",
            top=1.6,
        )
    elif data.deadlines.empty:
        deck.note(slide, f"Нарушений сроков на {fmt_date(today())} нет.", top=1.6)
    else:
        header, body = _frame_rows(data.deadlines, DEADLINE_COLUMNS)
        deck.table(slide, header, body, font=12)
    end = deck.slide("Спасибо за внимание")
    deck.note(
        end,
        f"Данные на {fmt_datetime(now())}. Источник: netspo — рабочее место колледжа на данных "
        "«Сетевой Город. Образование. Модуль ПОО». Числа совпадают с отчётами и дашбордами netspo.",
        top=3.0,
    )
    return deck.save(out)


def build_deck(
    engine: Engine,
    actor: Actor,
    out: str | Path,
    *,
    period_id: int | None = None,
    department_id: int | None = None,
    names: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> Path:
    """Collect the numbers, draw the dashboards' figures, render them and write the deck."""
    step = progress or (lambda done, total, text: None)
    step(0, 4, "Считаю показатели…")
    with Session(engine) as session:
        data = collect(session, actor, period_id=period_id, department_id=department_id, names=names)
    step(1, 4, "Строю графики…")
    figures = dashboard_figures(engine, actor, data)
    step(2, 4, "Рисую картинки графиков…")
    pngs = figures_to_png([f for _, f in figures], width=1200, height=600)
    step(3, 4, "Собираю презентацию…")
    path = draw(data, [(t, p) for (t, _), p in zip(figures, pngs, strict=True)], Path(out))
    step(4, 4, "Готово")
    return path
