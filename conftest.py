"""Root pytest configuration: notebooks and dashboards run (nbval) against a small demo
college built for the test session, never against the user's database."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def pytest_collection_finish(session) -> None:  # type: ignore[no-untyped-def]
    """Before any notebook kernel starts, point ``NETSPO_DB_URL`` at a fresh demo college."""
    if not any(type(item).__module__.startswith("nbval") for item in session.items):
        return
    from netspo_lib import db
    from netspo_lib.demo import build_demo

    folder = Path(tempfile.mkdtemp(prefix="netspo-nb-"))
    url = f"sqlite:///{folder / 'notebooks.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    build_demo(engine, students=80, seed=7)
    engine.dispose()
    os.environ["NETSPO_DB_URL"] = url
