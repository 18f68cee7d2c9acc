"""The landing page renders in Voila, in a real browser, with the college's figures."""

from __future__ import annotations

from netspo_lib import db
from netspo_lib.overview import college_overviews


def test_landing_shows_college_and_counts(page, voila_url: str, demo_db_url: str) -> None:
    college = college_overviews(db.make_engine(demo_db_url))[0]
    page.goto(f"{voila_url}/voila/render/index.ipynb", wait_until="domcontentloaded")
    page.get_by_text(college.name).wait_for(timeout=90_000)
    text = page.inner_text("body")
    assert "студентов обучается" in text
    for number in (college.students, college.groups, college.staff):
        assert str(number) in text
    assert "Успеваемость" in text and "Контроль" in text
    assert "Traceback" not in text and "Error" not in text


def test_voila_serves_only_rendered_pages_not_sources(page, voila_url: str) -> None:
    """Voila strips code cells: the page shows no Python source."""
    page.goto(f"{voila_url}/voila/render/index.ipynb", wait_until="domcontentloaded")
    page.get_by_text("студентов обучается").wait_for(timeout=90_000)
    assert "from netspo_lib" not in page.content()
