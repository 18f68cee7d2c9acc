# ruff: noqa: E501  (the tables of cases read best one case a line)
"""First paint of each dashboard in Chromium and the peak memory of its kernel.

Voila is started with :func:`netspo_lib.serve.voila_command` on the cached college-year
(``NETSPO_DB_URL``), the deputy director signs in through ``/login`` with Playwright
(Debian's Chromium, ``executable_path``), then each dashboard is opened: the time from
``page.goto`` until its first plotly figure is visible. «Cold» is the dashboard's first
load in a freshly started server (a new kernel imports everything); «warm» the median of
the next loads, each ``pause_s`` after the previous one (Voila starts a kernel per page
load; when the server keeps preheated kernels, the pause lets the pool refill). While a page loads, the RSS of the server's kernel processes is sampled
(psutil); the peak is the kernel's memory.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from netspo_lib.serve import voila_command

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("NETSPO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
DASHBOARDS = [
    ("Успеваемость", "performance.ipynb"),
    ("Посещаемость", "attendance.ipynb"),
    ("Активность", "activity.ipynb"),
    ("Контроль", "control.ipynb"),
]
FIRST_FIGURE = ".js-plotly-plot"
TIMEOUT_MS = 180_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def voila(db_url: str, log_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    port = _free_port()
    env = {**os.environ, "NETSPO_DB_URL": db_url}
    env.pop("NETSPO_AS_LOGIN", None)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            voila_command("127.0.0.1", port), cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(base + "/", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None:
                        raise RuntimeError(log_path.read_text(errors="replace")) from None
                    time.sleep(0.3)
            else:
                raise RuntimeError("Voila did not start in 90 s")
            yield base, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


class RssSampler:
    """Samples the summed RSS of the kernels under the server's process while running."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _kernels(self) -> list[Any]:
        import psutil

        try:
            children = psutil.Process(self.server_pid).children(recursive=True)
        except psutil.Error:
            return []
        return [p for p in children if "ipykernel" in " ".join(_cmdline(p))]

    def _run(self) -> None:
        while not self._stop.is_set():
            for proc in self._kernels():
                with contextlib.suppress(Exception):
                    self.peak_mb = max(self.peak_mb, proc.memory_info().rss / 2**20)
            self._stop.wait(0.05)

    def __enter__(self) -> RssSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _cmdline(proc: Any) -> list[str]:
    try:
        return list(proc.cmdline())
    except Exception:
        return []


def sign_in(page: Any, base: str) -> None:
    from netspo_lib.demo import DEMO_PASSWORD

    page.goto(f"{base}/voila/render/index.ipynb", wait_until="domcontentloaded")
    page.fill("#login", "zamdir")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.locator(".netspo-header").first.wait_for(timeout=TIMEOUT_MS)


def load_ms(page: Any, url: str) -> float:
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.locator(FIRST_FIGURE).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    return (time.perf_counter() - started) * 1000


def first_paint(
    db_url: str, *, runs: int = 2, pause_s: float = 10, log: Callable[[str], None] = print
) -> list[dict[str, Any]]:
    if not Path(CHROMIUM).exists():
        return [{"name": "Chromium не найден", "note": f"нет {CHROMIUM}"}]
    from playwright.sync_api import sync_playwright

    out: list[dict[str, Any]] = []
    log_path = PROJECT / "benchmarks" / ".cache" / "voila.log"
    with voila(db_url, log_path) as (base, proc), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="ru-RU")
            page = context.new_page()
            started = time.perf_counter()
            sign_in(page, base)
            out.append({"name": "вход через /login до главной страницы (первая загрузка ядра)",
                        "cold_ms": (time.perf_counter() - started) * 1000, "runs": 0})  # fmt: skip
            peaks = {}
            for title, notebook in DASHBOARDS:
                url = f"{base}/voila/render/{notebook}"
                with RssSampler(proc.pid) as sampler:
                    cold = load_ms(page, url)
                    page.wait_for_timeout(500)  # the kernel settles after the first figure
                warm = []
                for _ in range(runs):
                    page.goto("about:blank")
                    # Users do not arrive back to back: give a preheated pool (if the server
                    # keeps one, NETSPO_PREHEAT_POOL) the time to start its next kernel.
                    page.wait_for_timeout(pause_s * 1000)
                    with RssSampler(proc.pid) as later:
                        warm.append(load_ms(page, url))
                        page.wait_for_timeout(500)
                    sampler.peak_mb = max(sampler.peak_mb, later.peak_mb)
                peaks[title] = sampler.peak_mb
                item = {"name": f"{title}: до первого графика", "cold_ms": cold,
                        "warm_ms": statistics.median(warm) if warm else None, "runs": len(warm)}  # fmt: skip
                log(f"  {title}: cold {cold:.0f} ms, warm {item['warm_ms']}")
                out.append(item)
            for title, peak in peaks.items():
                out.append({"name": f"{title}: пик RSS ядра", "rss_mb": peak})
            context.close()
        finally:
            browser.close()
    return out
