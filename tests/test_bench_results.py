"""The benchmark's results file (issue 8): a partial run (no browser, no region, no demo
build) keeps the figures it did not measure from the previous run, marked as such, so
``latest.json`` always holds every figure of the last measurement of each section."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.run import Line, merged, table_markdown


def test_a_partial_run_keeps_the_sections_it_skipped_marked_with_their_run(tmp_path: Path) -> None:
    previous = tmp_path / "latest.json"
    previous.write_text(
        json.dumps(
            {
                "when": "2026-11-28T20:31:25+00:00",
                "lines": [
                    {"section": "Успеваемость", "name": "по отделениям", "median_ms": 41.0},
                    {"section": "Первая отрисовка", "name": "Успеваемость", "median_ms": 4379.0},
                    {"section": "Регион (PostgreSQL)", "name": "один колледж", "median_ms": 24.1},
                ],
            }
        ),
        encoding="utf-8",
    )
    now = [Line("Успеваемость", "по отделениям", 2.9), Line("Посещаемость", "по группам", 117.0)]
    lines = merged(now, previous)
    assert [(x.section, x.median_ms) for x in lines] == [
        ("Успеваемость", 2.9),  # measured now: the new figure, not the old one
        ("Первая отрисовка", 4379.0),
        ("Регион (PostgreSQL)", 24.1),
        ("Посещаемость", 117.0),  # a section the previous file did not have
    ]
    earlier = "2026-11-28T20:31:25+00:00"
    assert [x.extra.get("from_run") for x in lines] == [None, earlier, earlier, None]
    assert "[прогон 2026-11-28T20:31]" in table_markdown(lines)


def test_without_a_readable_previous_file_only_this_run_is_written(tmp_path: Path) -> None:
    now = [Line("Успеваемость", "по отделениям", 2.9)]
    assert merged(now, tmp_path / "missing.json") == now
    broken = tmp_path / "latest.json"
    broken.write_text("{", encoding="utf-8")
    assert merged(now, broken) == now
