"""The performance metrics of the requirements' «Metrics» section, for analysts' notebooks
and for the reports (which compute the same counts in SQL and pass them to :func:`from_counts`).

Over N results of one discipline (or a list of them):

* N counts every result but «осв.» (exempt) and no grade at all;
* успеваемость = (n5 + n4 + n3 + зачёт) / N × 100 — «2», «н/а» and «незачёт» count in N only;
* качество знаний = (n5 + n4) / N₂ × 100 and
  СОУ = (100·n5 + 64·n4 + 36·n3 + 16·n2 + 7·n_на) / N₂, where N₂ = n5 + n4 + n3 + n2 + n_на
  (pass/fail results are left out of both);
* средний балл = the mean of the grades 5, 4, 3, 2.

A metric whose denominator is empty is None (no students; only pass/fail results for
качество, СОУ and the mean).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from netspo_lib.enums import RESULT_CODES, FinalResult

SOU_WEIGHTS = {"5": 100, "4": 64, "3": 36, "2": 16, "not_attested": 7}

_ALIASES: dict[str, FinalResult] = {
    "5": FinalResult.FIVE,
    "4": FinalResult.FOUR,
    "3": FinalResult.THREE,
    "2": FinalResult.TWO,
    "отлично": FinalResult.FIVE,
    "хорошо": FinalResult.FOUR,
    "удовлетворительно": FinalResult.THREE,
    "неудовлетворительно": FinalResult.TWO,
    "зачет": FinalResult.PASS,
    "зачтено": FinalResult.PASS,
    "зач": FinalResult.PASS,
    "pass": FinalResult.PASS,
    "незачет": FinalResult.FAIL,
    "не зачтено": FinalResult.FAIL,
    "fail": FinalResult.FAIL,
    "н/а": FinalResult.NOT_ATTESTED,
    "на": FinalResult.NOT_ATTESTED,
    "н/a": FinalResult.NOT_ATTESTED,
    "not_attested": FinalResult.NOT_ATTESTED,
    "не аттестован": FinalResult.NOT_ATTESTED,
    "осв": FinalResult.EXEMPT,
    "осв.": FinalResult.EXEMPT,
    "освобожден": FinalResult.EXEMPT,
    "exempt": FinalResult.EXEMPT,
}


def parse_result(value: object) -> FinalResult | None:
    """A final result as people write it: 5, "4", «н/а», «осв.», «зачёт», «незачёт»; None or an
    empty cell is no grade. Anything else is a ValueError with a Russian message."""
    if value is None:
        return None
    if isinstance(value, FinalResult):
        return value
    if isinstance(value, bool):
        raise ValueError(f"«{value}» — не итоговая оценка")
    if isinstance(value, int | float) and float(value).is_integer():
        value = str(int(value))
    text = str(value).strip().lower().replace("ё", "е").replace(" ", " ")
    if text == "":
        return None
    found = _ALIASES.get(text)
    if found is None:
        expected = "5, 4, 3, 2, зачёт, незачёт, н/а или осв."
        raise ValueError(f"«{value}» — не итоговая оценка (ожидается {expected})")
    return found


@dataclass(frozen=True)
class GradeMetrics:
    """Counts and metrics of a list of final results; percentages are not rounded."""

    n: int
    progress_pct: float | None  # успеваемость
    quality_pct: float | None  # качество знаний
    sou_pct: float | None  # степень обученности
    mean: float | None  # средний балл
    counts: dict[str, int]


def from_counts(counts: dict[str, int] | Counter[str]) -> GradeMetrics:
    """Metrics from the number of each result (keys are FinalResult values: "5" … "exempt").

    The SQL reports count in the database and call this, so both paths share one formula.
    """
    c = {key: int(counts.get(key, 0)) for key in RESULT_CODES}
    graded = c["5"] + c["4"] + c["3"] + c["2"]
    n_quality = graded + c["not_attested"]
    n = n_quality + c["pass"] + c["fail"]
    passed = c["5"] + c["4"] + c["3"] + c["pass"]
    progress = 100.0 * passed / n if n else None
    quality = 100.0 * (c["5"] + c["4"]) / n_quality if n_quality else None
    sou = sum(w * c[k] for k, w in SOU_WEIGHTS.items()) / n_quality if n_quality else None
    mean = (5 * c["5"] + 4 * c["4"] + 3 * c["3"] + 2 * c["2"]) / graded if graded else None
    return GradeMetrics(n, progress, quality, sou, mean, c)


def grade_metrics(results: Iterable[object]) -> GradeMetrics:
    """Успеваемость, качество, СОУ and средний балл of final results (see the module doc).

    >>> m = grade_metrics([5, 4, "3", "2", "н/а", "осв.", None])
    >>> (m.n, m.progress_pct, m.quality_pct, round(m.sou_pct, 1), m.mean)
    (5, 60.0, 40.0, 44.6, 3.5)
    """
    counts: Counter[str] = Counter()
    for value in results:
        result = parse_result(value)
        if result is not None:
            counts[result.value] += 1
    return from_counts(counts)


def weighted_mean_mark() -> sa.ColumnElement[float]:
    """The current weighted mean mark, ``sum(value × weight) / sum(weight)``, as an SQL
    aggregate over ``marks`` (R-4.10.a). Computed in floating point: a NUMERIC(3,1)
    weight would make PostgreSQL cast the sum to NUMERIC(3,1) and overflow at 100."""
    from netspo_lib.models import Mark

    weighted = sa.cast(sa.func.sum(Mark.value * Mark.weight), sa.Float)
    return weighted / sa.cast(sa.func.sum(Mark.weight), sa.Float)
