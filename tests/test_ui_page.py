"""The frame of every page: who is signed in comes from the session cookie only, the menu
lists the pages a role may open, a page out of reach says so in Russian, and a closed
session closes open pages (issue 6, R-4.1.e)."""

from __future__ import annotations

import json
from datetime import timedelta

import ipywidgets as w
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib import websession
from netspo_lib.clock import now
from netspo_lib.enums import Role
from netspo_lib.passwords import hash_password
from netspo_lib.ui import page as ui_page
from netspo_lib.ui.pages import PAGES, page_by_notebook, pages_for

from .world import World, build_world

PASSWORD = "Kolledzh-2026-pass"


def _text(widget: w.Widget) -> str:
    """All HTML text inside a widget tree, as a user reads it."""
    parts = []
    if isinstance(widget, w.HTML):
        parts.append(widget.value)
    for child in getattr(widget, "children", ()):
        parts.append(_text(child))
    return "\n".join(parts)


@pytest.fixture
def world(engine: Engine) -> World:
    with Session(engine) as s:
        world = build_world(s)
        for account in s.scalars(sa.select(m.UserAccount)):
            account.password_hash = hash_password(PASSWORD) if account.login == "u_engineer" else None
            account.must_change_password = False
        s.commit()
    return world


@pytest.fixture
def voila_env(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> pytest.MonkeyPatch:
    """A kernel as Voila starts it: the request's headers in the environment."""
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    monkeypatch.setattr(ui_page.db, "make_engine", lambda *a, **k: engine)
    return monkeypatch


def test_menu_lists_only_the_pages_a_role_may_open(world: World) -> None:
    titles = {role: [p.title for p in pages_for(actor)] for role, actor in world.actors.items()}
    assert titles[Role.ENGINEER] == ["Контроль", "Импорт", "Закрытие периода", "Переход на новый учебный год"]
    assert titles[Role.DEPUTY_DIRECTOR] == [
        "Успеваемость",
        "Посещаемость",
        "Активность",
        "Контроль",
        "Отчёты",
        "Слайды для ОМС",
    ]
    assert titles[Role.METHODIST] == ["Успеваемость", "Посещаемость", "Отчёты", "Слайды для ОМС"]
    assert "Импорт" not in titles[Role.CURATOR] and "Успеваемость" in titles[Role.CURATOR]
    assert titles[Role.STUDENT] == [] and titles[Role.PARENT] == []
    assert "У вас" not in ui_page.landing_menu_html(world.actors[Role.STUDENT])
    assert "Сетевом Городе" in ui_page.landing_menu_html(world.actors[Role.STUDENT])


def test_a_page_out_of_reach_is_refused_in_russian(engine: Engine, world: World) -> None:
    built: list[str] = []
    page = ui_page.build_page(
        engine,
        world.actors[Role.TEACHER],
        page_by_notebook("import.ipynb"),
        factory=lambda e, a: built.append(a.login),  # type: ignore[func-returns-value]
    )
    text = _text(page)
    assert "Страница «Импорт» недоступна" in text and "импорт данных" in text
    assert built == []  # the form was never built


def test_a_failing_page_shows_a_russian_message_not_a_traceback(engine: Engine, world: World) -> None:
    def broken(e: Engine, a: object) -> object:
        raise ZeroDivisionError("boom")

    page = ui_page.build_page(engine, world.actors[Role.ENGINEER], page_by_notebook("import.ipynb"), broken)
    text = _text(page)
    assert "внутренней ошибки" in text and "Данные не изменены" in text
    assert "ZeroDivisionError" not in text and "Traceback" not in text


def test_under_voila_only_the_session_cookie_names_the_user(
    engine: Engine, world: World, voila_env: pytest.MonkeyPatch
) -> None:
    # Whoever set NETSPO_AS_LOGIN on the server does not sign anyone in under Voila.
    voila_env.setenv("NETSPO_AS_LOGIN", "u_director")
    voila_env.delenv("HTTP_COOKIE", raising=False)
    assert "Сеанс не открыт" in _text(ui_page.show("control.ipynb"))

    voila_env.setenv("HTTP_COOKIE", "netspo_session=made-up-token")
    assert "Сеанс не открыт" in _text(ui_page.show("control.ipynb"))

    token, _ = websession.open_session(engine, "u_engineer", PASSWORD)
    voila_env.setenv("HTTP_COOKIE", f"_xsrf=1; netspo_session={token}")
    shown = _text(ui_page.show("control.ipynb", factory=lambda e, a: _Stub(a.login)))
    assert "Выйти" in shown and "Инженер-программист" in shown and "stub for u_engineer" in shown


def test_opening_a_page_is_recorded_for_the_activity_monitor(
    engine: Engine, world: World, voila_env: pytest.MonkeyPatch
) -> None:
    token, actor = websession.open_session(engine, "u_engineer", PASSWORD)
    voila_env.setenv("HTTP_COOKIE", f"netspo_session={token}")
    ui_page.show("import.ipynb", factory=lambda e, a: _Stub(a.login))
    with Session(engine) as s:
        pages = s.scalars(
            sa.select(m.ActivityEvent.page).where(
                m.ActivityEvent.account_id == actor.account_id, m.ActivityEvent.page.is_not(None)
            )
        ).all()
    assert pages == ["Импорт"]


def test_logout_closes_a_page_left_open(engine: Engine, world: World) -> None:
    token, _ = websession.open_session(engine, "u_engineer", PASSWORD)
    root = w.VBox([w.HTML("данные страницы")])
    watch = ui_page.SessionWatch(engine, token, root)
    assert watch.check_now() is True and "данные страницы" in _text(root)
    websession.end_session(engine, token, at=now() + timedelta(seconds=1))
    assert watch.check_now() is False
    assert "данные страницы" not in _text(root) and "Войдите" in _text(root)


def test_outside_voila_a_local_analyst_acts_as_netspo_as_login(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    monkeypatch.setenv("NETSPO_AS_LOGIN", "u_engineer")
    with Session(engine) as s:
        actor = ui_page.current_actor(s)
    assert actor is not None and actor.login == "u_engineer"


def test_names_in_the_header_are_escaped(world: World) -> None:
    actor = world.actors[Role.ENGINEER]
    from dataclasses import replace

    evil = replace(actor, name="<script>alert(1)</script>")
    html = ui_page.header_html(evil, "Импорт")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_every_page_has_its_notebook() -> None:
    from netspo_lib.serve import DASHBOARDS_DIR

    for p in PAGES:
        notebook = DASHBOARDS_DIR / p.notebook
        assert notebook.exists(), p.notebook
        source = "".join(
            "".join(c["source"]) for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        )
        assert f'show("{p.notebook}")' in source


class _Stub:
    def __init__(self, login: str) -> None:
        self.widget = w.HTML(f"stub for {login}")


def test_the_server_runs_kernels_over_unix_sockets_without_tracebacks_or_sources() -> None:
    """The workbench's Voila settings: kernels on Unix sockets (random TCP ports of the
    preheated kernels could collide and a dead kernel be handed out), no tracebacks, no
    notebook sources, sign-in through the library's identity provider."""
    from netspo_lib.serve import voila_command

    command = voila_command(port=8899)
    assert "--KernelManager.transport=ipc" in command
    assert "--show_tracebacks=False" in command and "--strip_sources=True" in command
    assert "--Voila.identity_provider_class=netspo_lib.web.auth.NetspoIdentityProvider" in command
    assert "--port=8899" in command


def test_the_server_pages_use_the_workbench_template_that_keeps_charts_updating() -> None:
    """``--template=netspo`` is found by Voila through the launcher's JUPYTER_PATH and is
    Voila's «lab» page with anywidget's 2-second wait for a chart's code lifted (a chart
    that loaded slower never drew a later change; tests/e2e reproduces it)."""
    import os

    from voila.paths import collect_template_paths

    from netspo_lib.serve import JUPYTER_DATA_DIR, TEMPLATE, voila_command

    command = voila_command(port=8899)
    assert command[1:3] == ["-m", "netspo_lib.serve"] and f"--template={TEMPLATE}" in command
    paths = collect_template_paths(
        ["voila", "nbconvert"], TEMPLATE, root_dirs=[str(JUPYTER_DATA_DIR), *jupyter_roots()]
    )
    ours = os.path.join(str(JUPYTER_DATA_DIR), "voila", "templates", TEMPLATE)
    assert paths[0] == ours and any(p.endswith(os.path.join("voila", "templates", "lab")) for p in paths)
    page = (JUPYTER_DATA_DIR / "voila" / "templates" / TEMPLATE / "index.html.j2").read_text()
    assert "extends 'voila/templates/lab/index.html.j2'" in page
    assert "ms === 2000 ? 120000 : ms" in page


def test_chart_pages_load_the_chart_code_from_the_head_and_skip_unused_extensions() -> None:
    """The pages with charts start loading plotly's widget code from the page's head, at the
    address the charts use and the server answers; no page loads plotly's renderer of static
    figures (4.8 MB) or code highlighting, which the pages never use."""
    from netspo_lib.serve import JUPYTER_DATA_DIR, TEMPLATE, chart_code_path, voila_command
    from netspo_lib.ui.common import chart_code_url

    command = voila_command(port=8899)
    option = next(a for a in command if a.startswith("--VoilaConfiguration.resources="))
    resources = json.loads(option.split("=", 1)[1])
    assert resources["netspo"]["chart_code"] == chart_code_path()
    assert sorted(resources["netspo"]["chart_pages"]) == sorted(
        p.notebook.removesuffix(".ipynb") for p in PAGES if p.kind == "dashboard"
    )
    assert "--VoilaConfiguration.extension_denylist=jupyterlab-plotly" in command
    assert "--VoilaConfiguration.extension_denylist=jupyterlab_pygments" in command
    page = (JUPYTER_DATA_DIR / "voila" / "templates" / TEMPLATE / "index.html.j2").read_text()
    assert '<script type="module" async src="{{ netspo.chart_code }}">' in page
    assert "resources.metadata.name in netspo.chart_pages" in page
    import plotly

    assert chart_code_path() == f"/netspo/static/plotly-widget-{plotly.__version__}.js"
    env = {"SERVER_NAME": "college.example", "SERVER_PORT": "8866"}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        mp.delenv("NETSPO_PUBLIC_URL", raising=False)
        assert chart_code_url() == "http://college.example:8866" + chart_code_path()


def test_warming_up_the_charts_leaves_no_widget_for_the_page_to_send() -> None:
    """A page's browser asks its kernel for every widget alive: the figure that warms up
    plotly in a preheated kernel is closed, or its 5 MB of chart code would travel with
    every page (0.7 s of the browser's time to run it again)."""
    from ipywidgets.widgets.widget import _instances

    from netspo_lib.ui.common import warm_up_charts

    before = set(_instances)
    warm_up_charts()
    assert set(_instances) == before


def jupyter_roots() -> list[str]:
    from jupyter_core.paths import jupyter_path

    return jupyter_path()


def test_the_landing_page_kernel_starts_first_then_dashboards_then_forms() -> None:
    """At the server's start the landing page's kernel does not share two cores with the
    nine other pages' (it waited 7 s behind them): dashboards follow, forms come last;
    refills after a visit keep Voila's own delay."""
    from netspo_lib.serve import staggered, startup_delay

    assert startup_delay("index.ipynb") == 0 == startup_delay(PAGES[0].notebook)  # a core each
    assert startup_delay("performance.ipynb") < startup_delay("control.ipynb") < startup_delay("import.ipynb")
    assert startup_delay("sub/attendance.ipynb") == startup_delay("attendance.ipynb")
    dashboards = [startup_delay(p.notebook) for p in PAGES if p.kind == "dashboard"]
    forms = [startup_delay(p.notebook) for p in PAGES if p.kind == "form"]
    assert dashboards == sorted(set(dashboards)) and forms == sorted(set(forms))  # one by one
    assert max(dashboards) < min(forms)

    calls: list[tuple[str, float | None]] = []
    envs: list[dict[str, str] | None] = []

    class Preheating:
        def __init__(self, **_options: object) -> None:
            for name in ("import.ipynb", "index.ipynb", "control.ipynb"):
                self.fill_if_needed(delay=0, notebook_name=name)

        def fill_if_needed(
            self, delay: float | None = None, notebook_name: str | None = None, **options: object
        ) -> None:
            calls.append((str(notebook_name), delay))
            envs.append(options.get("extra_kernel_env_variables"))  # type: ignore[arg-type]

    manager = staggered(lambda *_a, **_k: Preheating)()()
    manager.fill_if_needed(notebook_name="control.ipynb")  # a refill after a visit
    assert calls == [
        ("import.ipynb", startup_delay("import.ipynb")),
        ("index.ipynb", 0.0),
        ("control.ipynb", startup_delay("control.ipynb")),
        ("control.ipynb", None),
    ]
    # The first kernels skip the page's rehearsal (ten start together); refills rehearse.
    assert envs == [{"NETSPO_REHEARSAL": "0"}] * 3 + [None]

    class NotPreheating:
        pass

    assert staggered(lambda *_a, **_k: NotPreheating)() is NotPreheating


def test_a_chart_opens_with_the_address_of_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under Voila a chart's first message names the server's copy of plotly's chart code
    (5 MB serialised per chart cost 40 ms of every page's build); outside Voila, where no
    server hands it out, the chart carries the code itself."""
    from ipywidgets import comm as widget_comm

    from netspo_lib.ui.common import chart_code_url
    from netspo_lib.ui.dashboards.base import figure

    opened: list[int] = []
    create = widget_comm.create_comm

    def recording(*args: object, **kwargs: object) -> object:
        state = (kwargs.get("data") or {}).get("state", {})  # type: ignore[union-attr]
        if "_esm" in state:
            opened.append(len(state["_esm"]))
        return create(*args, **kwargs)

    monkeypatch.setattr(widget_comm, "create_comm", recording)
    monkeypatch.setenv("SERVER_NAME", "college.example")
    monkeypatch.setenv("SERVER_PORT", "8866")
    monkeypatch.delenv("NETSPO_PUBLIC_URL", raising=False)
    chart = figure("Успеваемость по отделениям", yaxis={"title": "%"})
    assert chart._esm == chart_code_url() and opened == [len(chart_code_url() or "")]
    assert chart.layout.title.text == "Успеваемость по отделениям" and chart.layout.separators == ", "
    assert chart.layout.template.layout.plot_bgcolor == "white"  # plotly_white
    monkeypatch.delenv("SERVER_NAME")
    assert len(figure("Вне Voila")._esm) > 1_000_000


def test_a_preheated_dashboard_rehearses_its_page_leaving_nothing(engine: Engine, world: World) -> None:
    """The rehearsal builds each dashboard for an account that may open it college-wide,
    then closes every widget it made and writes nothing (no page view, no audit record)."""
    from ipywidgets.widgets.widget import _instances

    from netspo_lib.ui.rehearsal import rehearsal_actor, rehearse

    tables = ("activity_events", "audit_events")
    with Session(engine) as s:
        before_rows = {t: s.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in tables}
    for info in (p for p in PAGES if p.kind == "dashboard"):
        with Session(engine) as s:
            actor = rehearsal_actor(s, info)
        assert actor is not None and info.opens_for(actor), info.title
        assert any(g.scope == "college" for g in actor.grants)
        before = set(_instances)
        assert rehearse(engine, info, info.build_class()) is True
        assert set(_instances) == before, info.title
    with Session(engine) as s:
        assert {t: s.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in tables} == before_rows


def test_the_servers_first_kernels_do_not_rehearse(monkeypatch: pytest.MonkeyPatch) -> None:
    from netspo_lib.ui.rehearsal import wanted

    monkeypatch.delenv("NETSPO_REHEARSAL", raising=False)
    assert wanted()
    monkeypatch.setenv("NETSPO_REHEARSAL", "0")  # set by serve.staggered for the first kernels
    assert not wanted()
