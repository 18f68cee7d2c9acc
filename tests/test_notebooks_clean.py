"""Notebooks are committed without outputs (issue 9): no password, hash, session value or
personal data can hide in a saved output, and every page and analyst notebook stays thin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netspo_lib.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("dashboards/*.ipynb"), *ROOT.glob("notebooks/*.ipynb")])


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 10


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_notebook_has_no_saved_outputs_or_secrets(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], f"{path.name}: a cell keeps its output"
            assert cell.get("execution_count") is None, f"{path.name}: a cell keeps its execution count"
    text = path.read_text(encoding="utf-8")
    for secret in (DEMO_PASSWORD, "$argon2", "netspo_session="):
        assert secret not in text, f"{path.name} holds {secret!r}"


@pytest.mark.parametrize("path", sorted(ROOT.glob("dashboards/*.ipynb")), ids=lambda p: p.name)
def test_a_page_notebook_is_thin(path: Path) -> None:
    """A page holds imports and one call: what it shows and who may see it is library code."""
    code = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    source = "".join("".join(c["source"]) for c in code)
    assert len(code) == 1 and source.count("\n") <= 3, source
    assert source.startswith("from netspo_lib.ui.")
