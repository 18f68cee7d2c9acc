"""Signing in to the workbench in a real browser: every page needs a session, the landing
page lists what the role may open, logout closes the session (issue 6)."""

from __future__ import annotations

import urllib.request

import pytest

from netspo_lib import db
from netspo_lib.demo import DEMO_LOGINS
from netspo_lib.enums import Role
from netspo_lib.overview import college_overviews

from .conftest import PAGE_TIMEOUT_MS, screenshot, sign_in


def test_a_page_without_a_session_leads_to_the_login_form(page, voila_url: str) -> None:
    page.goto(f"{voila_url}/voila/render/performance.ipynb", wait_until="domcontentloaded")
    assert "/login" in page.url and "next=" in page.url
    assert "Войдите" in page.inner_text("body") and page.locator("#password").count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/voila/render/control.ipynb",
        "/voila/tree",
        "/api/kernels/5f0d6f7e-0000-4000-8000-000000000000",
        "/voila/api/contents/",
    ],
)
def test_the_server_refuses_anonymous_requests(voila_url: str, path: str) -> None:
    """Not only the pages: the kernels' API and the file tree need a session too."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.request.HTTPError) as refused:
        opener.open(f"{voila_url}{path}", timeout=10)
    assert refused.value.code in (302, 403)


def test_a_wrong_password_is_refused_in_russian(page, voila_url: str) -> None:
    page.goto(f"{voila_url}/login", wait_until="domcontentloaded")
    page.fill("#login", DEMO_LOGINS[Role.DEPUTY_DIRECTOR])
    page.fill("#password", "wrong-password-1")
    page.click("button[type=submit]")
    page.get_by_text("Неверный логин или пароль").wait_for(timeout=PAGE_TIMEOUT_MS)


def test_landing_shows_college_counts_and_the_role_s_pages(page, voila_url: str, demo_db_url: str) -> None:
    college = college_overviews(db.make_engine(demo_db_url))[0]
    sign_in(page, voila_url, DEMO_LOGINS[Role.DEPUTY_DIRECTOR])
    page.get_by_text(college.name).wait_for(timeout=PAGE_TIMEOUT_MS)
    text = page.inner_text("body")
    assert "студентов обучается" in text
    for number in (college.students, college.groups, college.staff):
        assert str(number) in text
    assert "Успеваемость" in text and "Контроль" in text and "Отчёты" in text
    assert "Импорт" not in text  # the deputy director does not load data
    assert "Traceback" not in text
    screenshot(page, "landing-zamdir")


def test_the_engineer_sees_the_forms_not_the_performance(page, voila_url: str) -> None:
    sign_in(page, voila_url, DEMO_LOGINS[Role.ENGINEER])
    page.get_by_text("Закрытие периода").first.wait_for(timeout=PAGE_TIMEOUT_MS)
    text = page.inner_text("body")
    assert "Импорт" in text and "Переход на новый учебный год" in text
    assert "Успеваемость" not in text


def test_a_page_out_of_the_role_s_reach_is_refused_even_by_address(page, voila_url: str) -> None:
    """Typing the address of a page the role may not open shows a refusal, not data."""
    sign_in(page, voila_url, DEMO_LOGINS[Role.TEACHER], "/voila/render/import.ipynb")
    page.get_by_text("недоступна").wait_for(timeout=PAGE_TIMEOUT_MS)
    assert "Загрузить в базу" not in page.inner_text("body")


def test_logout_ends_the_session_on_every_page(page, voila_url: str) -> None:
    sign_in(page, voila_url, DEMO_LOGINS[Role.DIRECTOR])
    page.click("a.netspo-logout")
    page.get_by_text("Вы вышли из системы").wait_for(timeout=PAGE_TIMEOUT_MS)
    page.goto(f"{voila_url}/voila/render/index.ipynb", wait_until="domcontentloaded")
    assert "/login" in page.url


def test_voila_serves_only_rendered_pages_not_sources(page, voila_url: str) -> None:
    """Voila strips code cells: the page shows no Python source."""
    sign_in(page, voila_url, DEMO_LOGINS[Role.DIRECTOR])
    assert "from netspo_lib" not in page.content()


def test_no_session_token_or_password_in_the_server_log_or_address(page, voila_url: str, server_log) -> None:  # type: ignore[no-untyped-def]
    from netspo_lib.demo import DEMO_PASSWORD

    sign_in(page, voila_url, DEMO_LOGINS[Role.CURATOR])
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "netspo_session")
    cookie = next(c for c in page.context.cookies() if c["name"] == "netspo_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert token not in page.url and DEMO_PASSWORD not in page.url
    log = server_log.read_text(errors="replace")
    assert token not in log and DEMO_PASSWORD not in log
    assert "Вход в систему: curator" in log  # the log does say who signed in


def test_notebook_sources_and_project_files_are_not_served(page, voila_url: str) -> None:
    """Even to a signed-in user (one sign-in, every path)."""
    sign_in(page, voila_url, DEMO_LOGINS[Role.DIRECTOR])
    for path in ["/voila/files/index.ipynb", "/voila/files/../pyproject.toml", "/voila/render/../README.md"]:
        response = page.request.get(f"{voila_url}{path}")
        assert response.status in (403, 404), (path, response.status)
        assert "netspo_lib" not in response.text(), path


def _menu(demo_db_url: str, role: Role) -> list[str]:
    from sqlalchemy.orm import Session

    from netspo_lib.access import load_actor
    from netspo_lib.ui.pages import pages_for

    with Session(db.make_engine(demo_db_url)) as s:
        return [p.title for p in pages_for(load_actor(s, DEMO_LOGINS[role]))]


def test_every_demo_role_sees_exactly_its_pages(browser, voila_url: str, demo_db_url: str) -> None:  # type: ignore[no-untyped-def]
    """Each menu of the demo logins: the landing lists the pages the library allows, and
    nothing else. One login per distinct menu signs in (a browser sign-in costs a kernel;
    in the demo the curator's menu is often the commission chair's, the student's the
    parent's)."""
    by_menu: dict[tuple[str, ...], Role] = {}
    for role in DEMO_LOGINS:
        by_menu.setdefault(tuple(_menu(demo_db_url, role)), role)
    assert len(by_menu) >= 6  # the demo's roles do see different menus
    for menu, role in by_menu.items():
        context = browser.new_context(locale="ru-RU")
        try:
            _sees_exactly(context.new_page(), voila_url, role, list(menu))
        finally:
            context.close()


def _sees_exactly(page, voila_url: str, role: Role, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    from netspo_lib.ui.pages import PAGES

    sign_in(page, voila_url, DEMO_LOGINS[role])
    shown = page.locator(".netspo-pages a").all_inner_texts() if expected else []
    assert [t.replace("\xa0", " ") for t in shown] == expected, DEMO_LOGINS[role]
    text = page.inner_text("body")
    for other in (p.title for p in PAGES if p.title not in expected):
        assert f"{other} —" not in text, (DEMO_LOGINS[role], other)
    if not expected:
        assert "Сетевом Городе" in text
