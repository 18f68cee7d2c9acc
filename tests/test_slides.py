"""Council slides (issue 7, R-5.2): the deck opens with python-pptx and has the expected
slides, pictures and tables; its numbers are the reports' numbers; names of students at
risk only when asked and allowed; no browser — a Russian message. Both engines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from pptx import Presentation
from pptx.util import Emu
from sqlalchemy.orm import Session

from netspo_lib import db
from netspo_lib.access import AccessDenied, load_actor
from netspo_lib.demo import build_demo
from netspo_lib.enums import Role
from netspo_lib.render import NoBrowser
from netspo_lib.reports import analytics as an
from netspo_lib.reports.performance import group_summary
from netspo_lib.reports.risk import students_at_risk
from netspo_lib.slides import build_deck, collect, default_period, previous_period
from netspo_lib.ui.common import PngButton
from netspo_lib.ui.slides_form import SlidesForm

CHARTS = [
    "Успеваемость и качество по отделениям",
    "Успеваемость и качество по курсам",
    "Успеваемость и качество по группам",
    "Динамика показателей по периодам",
    "Пропуски по месяцам",
    "Пропущено часов на одного студента по отделениям",
    "Пропущено часов на одного студента по курсам",
    "Пропущено часов на одного студента по группам",
    "Группы с наибольшим числом пропусков без уважительной причины",
]


def _slides(path: Path) -> list[dict]:
    deck = Presentation(str(path))
    out = []
    for slide in deck.slides:
        tables = [
            [[cell.text for cell in row.cells] for row in shape.table.rows]
            for shape in slide.shapes
            if shape.has_table
        ]
        pictures = [shape for shape in slide.shapes if shape.shape_type == 13]
        texts = " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
        out.append({"title": slide.shapes.title.text, "tables": tables, "pictures": pictures, "text": texts})
    return out


def _number(text: str) -> float:
    return float(text.replace(",", ".").replace("▲", "").replace("▼", "").strip())


def test_the_deck_has_its_slides_pictures_and_tables(demo_college, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as s:
        methodist = load_actor(s, built.logins[Role.METHODIST])
        period = default_period(s, methodist.college_id)
    path = build_deck(engine, methodist, tmp_path / "итоги.pptx")
    deck = Presentation(str(path))
    assert (deck.slide_width, deck.slide_height) == (Emu(12192000), Emu(6858000))  # 16:9
    slides = _slides(path)
    titles = [s["title"] for s in slides]
    assert titles[0].startswith("Итоги: ") and period.name in titles[0]
    assert titles[1] == "Ключевые показатели"
    for chart in CHARTS:
        slide = next(s for s in slides if s["title"].startswith(chart))
        assert len(slide["pictures"]) == 1 and slide["pictures"][0].image.content_type == "image/png"
        assert len(slide["pictures"][0].image.blob) > 10_000  # a drawn chart, not an empty frame
    for title in ("Лучшие группы по качеству знаний", "Группы, требующие внимания", "Студенты в зоне риска"):
        assert next(s for s in slides if s["title"] == title)["tables"], title
    deadlines = next(s for s in slides if s["title"].startswith("Соблюдение сроков"))
    assert "недоступен для вашей роли" in deadlines["text"]  # the methodist has no deadline control
    assert titles[-1] == "Спасибо за внимание" and "Данные на" in slides[-1]["text"]


def test_the_numbers_are_the_reports_numbers(demo_college, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as s:
        deputy = load_actor(s, built.logins[Role.DEPUTY_DIRECTOR])
        period = default_period(s, deputy.college_id)
        before = previous_period(s, period)
        assert before is not None
        data = collect(s, deputy)
        # The group report of the reports issue counts students the same way.
        summary = group_summary(s, deputy, period_id=period.id).set_index("group")
        college = an.performance_by(s, deputy, period_id=period.id, by="college").iloc[0]
        college_before = an.performance_by(s, deputy, period_id=before.id, by="college").iloc[0]
        risk = students_at_risk(s, deputy, period_id=period.id)
    key = data.key.set_index("column")
    assert key.loc["students_progress_pct", "current"] == round(college["students_progress_pct"], 1)
    assert key.loc["students_quality_pct", "previous"] == round(college_before["students_quality_pct"], 1)
    assert key.loc["mean", "current"] == round(college["mean"], 2)
    for row in data.best.itertuples():
        assert row.students_quality_pct == pytest.approx(summary.loc[row.label, "quality_pct"])
        assert row.students_progress_pct == pytest.approx(summary.loc[row.label, "progress_pct"])
    assert int(data.risk_counts["Студентов в зоне риска"].sum()) == len(risk)
    assert data.deadlines is not None and int(data.deadlines["Нарушений"].sum()) > 0  # the planted defects

    # And the slide shows what was collected, as Russian numbers.
    from netspo_lib.slides import draw

    path = draw(data, [], tmp_path / "numbers.pptx")
    table = _slides(path)[1]["tables"][0]
    shown = {row[0]: row for row in table[1:]}
    assert _number(shown["Успеваемость, %"][2]) == key.loc["students_progress_pct", "current"]
    assert _number(shown["Средний балл"][1]) == key.loc["mean", "previous"]
    change = round(key.loc["mean", "current"] - key.loc["mean", "previous"], 2)
    assert _number(shown["Средний балл"][3]) == pytest.approx(abs(change))


def test_names_of_students_at_risk_only_when_asked(demo_college) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as s:
        methodist = load_actor(s, built.logins[Role.METHODIST])
        assert collect(s, methodist).risk_names is None
        named = collect(s, methodist, names=True).risk_names
    assert named is not None and list(named.columns) == ["Группа", "Студент", "Причины"]


def test_a_teacher_may_not_make_slides(demo_college, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as s:
        teacher = load_actor(s, built.logins[Role.TEACHER])
    with pytest.raises(AccessDenied, match="слайды для методического совета"):
        build_deck(engine, teacher, tmp_path / "x.pptx")
    assert not (tmp_path / "x.pptx").exists()


def test_without_a_browser_the_user_is_told_what_to_install(
    demo_college, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    monkeypatch.setenv("NETSPO_CHROMIUM", str(tmp_path / "no-such-browser"))
    with Session(engine) as s:
        methodist = load_actor(s, built.logins[Role.METHODIST])
    with pytest.raises(NoBrowser, match="нужен браузер Chromium"):
        build_deck(engine, methodist, tmp_path / "x.pptx")
    button = PngButton(go.FigureWidget(go.Bar(x=["ИСП-23"], y=[1])))
    button.button.click()
    assert "нужен браузер Chromium" in button.link.value


def test_a_chart_downloads_as_png(tmp_path: Path) -> None:
    figure = go.FigureWidget(go.Bar(x=["ИСП-23", "ЭБ-24"], y=[81.5, 66.7]))
    figure.update_layout(title={"text": "Успеваемость по группам"})
    button = PngButton(figure)
    button.button.click()
    assert 'download="Успеваемость по группам.png"' in button.link.value
    assert "data:image/png;base64," in button.link.value


def test_the_form_offers_the_deck_for_download(demo_college) -> None:  # type: ignore[no-untyped-def]
    backend, engine, built = demo_college
    if backend == "postgresql":
        pytest.skip("the deck itself is built on both engines above; the form once is enough")
    with Session(engine) as s:
        deputy = load_actor(s, built.logins[Role.DEPUTY_DIRECTOR])
    form = SlidesForm(engine, deputy)
    assert form.period.value is not None and form.department.value is None
    form.build_button.click()
    assert form.path is not None and form.path.suffix == ".pptx"
    assert "presentationml.presentation;base64," in form.download.value
    assert form.messages.value == ""


def test_cli_writes_the_deck(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from netspo_lib.cli import main

    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    built = build_demo(engine, students=40, seed=3)
    engine.dispose()
    out = tmp_path / "ОМС.pptx"
    with pytest.raises(SystemExit) as exited:
        main(["slides", "--db", url, "--as", built.logins[Role.METHODIST], "--out", str(out)])
    assert exited.value.code in (0, None)
    assert out.exists() and "Презентация сохранена" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        main(["slides", "--db", url, "--out", str(tmp_path / "x.pptx")])  # the engineer by default
    assert refused.value.code == 1 and "слайды для методического совета" in capsys.readouterr().err
    assert pd.notna(out.stat().st_size)
