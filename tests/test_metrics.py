"""Golden tests of the metrics as the requirements define them, with numbers computed by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netspo_lib.enums import FinalResult
from netspo_lib.reports.metrics import grade_metrics, parse_result


def values(m) -> tuple:  # type: ignore[no-untyped-def]
    return (m.n, m.progress_pct, m.quality_pct, m.sou_pct, m.mean)


def test_a_group_of_25_by_hand() -> None:
    """5×6, 4×9, 3×7, 2×2, н/а×1: N = 25; успеваемость 22/25; качество 15/25;
    СОУ (600 + 576 + 252 + 32 + 7) / 25 = 58.68; средний балл 91 / 24."""
    results = [5] * 6 + [4] * 9 + [3] * 7 + [2] * 2 + ["н/а"]
    m = grade_metrics(results)
    assert m.n == 25
    assert m.progress_pct == pytest.approx(88.0)
    assert m.quality_pct == pytest.approx(60.0)
    assert m.sou_pct == pytest.approx(58.68)
    assert m.mean == pytest.approx(91 / 24)


def test_exempt_and_no_grade_are_not_counted() -> None:
    base = grade_metrics([5, 4, 3])
    more = grade_metrics([5, 4, 3, "осв.", None, ""])
    assert values(more) == values(base)
    assert more.n == 3
    assert more.counts["exempt"] == 1


def test_pass_fail_discipline_has_only_progress() -> None:
    """зачёт×18, незачёт×2, осв.×1, no grade×1: успеваемость 18/20; the rest undefined."""
    m = grade_metrics(["зачёт"] * 18 + ["незачёт"] * 2 + ["осв."] + [None])
    assert m.n == 20
    assert m.progress_pct == pytest.approx(90.0)
    assert m.quality_pct is None and m.sou_pct is None and m.mean is None


def test_mixed_list() -> None:
    """5×2, 4×1, зачёт×3, незачёт×1, н/а×1: N = 8, успеваемость 6/8 = 75 %;
    качество and СОУ over 5, 4, 3, 2, н/а only (N₂ = 4): 3/4 = 75 %, (200 + 64 + 7)/4;
    средний балл over 5, 4, 3, 2: 14/3."""
    m = grade_metrics([5, 5, 4, "зачёт", "зачет", "Зачёт", "незачёт", "н/а"])
    assert m.n == 8
    assert m.progress_pct == pytest.approx(75.0)
    assert m.quality_pct == pytest.approx(75.0)
    assert m.sou_pct == pytest.approx(67.75)
    assert m.mean == pytest.approx(14 / 3)


def test_only_not_attested() -> None:
    assert values(grade_metrics(["н/а"] * 3)) == (3, 0.0, 0.0, 7.0, None)


@pytest.mark.parametrize("results", [[], [None, None], ["осв."] * 4])
def test_no_students_means_no_metrics(results: list) -> None:
    assert values(grade_metrics(results)) == (0, None, None, None, None)


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        (5, FinalResult.FIVE),
        ("5", FinalResult.FIVE),
        (5.0, FinalResult.FIVE),
        (" 4 ", FinalResult.FOUR),
        (FinalResult.THREE, FinalResult.THREE),
        ("Зачёт", FinalResult.PASS),
        ("НЕЗАЧЕТ", FinalResult.FAIL),
        (" н/а ", FinalResult.NOT_ATTESTED),
        ("осв", FinalResult.EXEMPT),
        ("", None),
    ],
)
def test_results_as_people_write_them(written: object, meant: FinalResult | None) -> None:
    assert parse_result(written) == meant


@pytest.mark.parametrize("bad", [6, "6", "1", "отл", True, 4.5])
def test_a_mark_that_is_not_a_final_result_is_refused_in_russian(bad: object) -> None:
    with pytest.raises(ValueError, match="не итоговая оценка"):
        grade_metrics([5, bad])


graded = st.lists(st.sampled_from([5, 4, 3, 2, "н/а"]), min_size=1, max_size=60)


@given(graded)
def test_bounds_of_graded_lists(results: list) -> None:
    m = grade_metrics(results)
    assert 0 <= m.quality_pct <= m.progress_pct <= 100
    assert 7 <= m.sou_pct <= 100
    assert m.mean is None or 2 <= m.mean <= 5


@given(graded, st.integers(0, 5))
def test_exempt_students_never_change_the_metrics(results: list, exempt: int) -> None:
    assert values(grade_metrics(results + ["осв."] * exempt)) == values(grade_metrics(results))


@given(st.lists(st.sampled_from([5, 4, 3]), min_size=1, max_size=40))
def test_without_failures_everyone_progresses(results: list) -> None:
    assert grade_metrics(results).progress_pct == pytest.approx(100.0)
