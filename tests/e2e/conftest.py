"""Browser tests: Voila serving ``dashboards/`` on a small demo college, driven by Debian's
Chromium through Playwright (browsers cannot be downloaded here)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from netspo_lib import db
from netspo_lib.demo import build_demo
from netspo_lib.serve import voila_command

from ..conftest import IN_CI

PROJECT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("NETSPO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'demo.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    build_demo(engine, students=60, seed=11)
    _plant_markup(engine)
    engine.dispose()
    return url


# Names a user might type (or an attacker might import): every page must show them as text.
HOSTILE_DEPARTMENT = '<img src=x onerror="window.__xss=1">Отделение <b>экономики</b>'
HOSTILE_LAST_NAME = "<script>window.__xss=2</script>Иванов"


def _plant_markup(engine) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from netspo_lib import models as m

    with engine.begin() as conn:
        last = conn.execute(  # the department of a group that has students
            sa.select(m.Group.department_id).order_by(m.Group.id.desc()).limit(1)
        ).scalar_one()
        conn.execute(sa.update(m.Department).where(m.Department.id == last).values(name=HOSTILE_DEPARTMENT))
        person = conn.execute(
            sa.select(m.Student.person_id).order_by(m.Student.id.desc()).limit(1)
        ).scalar_one()
        conn.execute(sa.update(m.Person).where(m.Person.id == person).values(last_name=HOSTILE_LAST_NAME))


@pytest.fixture(scope="session")
def server_log(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """Where the Voila server writes its log (tests read it: no secrets in it)."""
    return tmp_path_factory.mktemp("voila") / "voila.log"


@pytest.fixture(scope="session")
def voila_url(demo_db_url: str, server_log: Path) -> Iterator[str]:
    """A Voila server over ``dashboards/``, as ``make run`` starts it."""
    port = _free_port()
    env = {**os.environ, "NETSPO_DB_URL": demo_db_url}
    env.pop("NETSPO_AS_LOGIN", None)
    log = server_log.open("wb")
    proc = subprocess.Popen(
        voila_command("127.0.0.1", port),
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(server_log.read_text(errors="replace")) from None
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("Voila did not start in 60 s")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (make system-deps installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    yield page
    context.close()


ARTEFACTS = Path(os.environ.get("NETSPO_TEST_ARTEFACTS", PROJECT / "test-artefacts"))
PAGE_TIMEOUT_MS = 90_000


def sign_in(page, base: str, login: str, next_path: str = "/voila/render/index.ipynb") -> None:  # type: ignore[no-untyped-def]
    """Log in through the login form, as a user does, and wait for the page's header."""
    from netspo_lib.demo import DEMO_PASSWORD

    page.goto(f"{base}{next_path}", wait_until="domcontentloaded")
    page.fill("#login", login)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.locator(".netspo-header").first.wait_for(timeout=PAGE_TIMEOUT_MS)


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a screenshot under the test artefacts folder (for people reviewing a run)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
