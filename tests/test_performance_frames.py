"""The performance answers of the dashboards (netspo_lib.reports.analytics) are assembled in
Python, not with pandas' merge, sort and pivot (issue 8: a drill-down's post-processing
cost more than its queries). Each is compared here, frame for frame (values, order, column
types), with the straightforward pandas computation on the same rows, on the demo college
of both backends, at every level and scope: a faster path that changed an answer fails."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Action, load_actor
from netspo_lib.enums import Role
from netspo_lib.reports import analytics as an


def _reference_by(session: Session, actor: Any, period_id: int, by: str, **scope: Any) -> pd.DataFrame:
    """performance_by the pandas way: a frame of the rows, labels inserted, columns chosen,
    sorted."""
    groups = an.scope_groups(session, actor, Action.DASHBOARD_PERFORMANCE, **scope)
    columns = an._performance_columns(by)
    rows = an._performance_rows(session, groups, [period_id], by, with_period=False) if groups else []
    rows = [r for r in rows if r.get("students") or any(r.get(f"n_{x}") for x in an.RESULTS)]
    frame = pd.DataFrame(an._with_metrics(rows))
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = an._labels(frame, by)
    sort = ["group", "label"] if by == "student" else (["key"] if by == "course" else ["label"])
    return frame[columns].sort_values(sort, ignore_index=True)


def _reference_trend(session: Session, actor: Any, by: str, **scope: Any) -> pd.DataFrame:
    """performance_trend the pandas way: merged with a frame of the periods and sorted."""
    groups = an.scope_groups(session, actor, Action.DASHBOARD_PERFORMANCE, **scope)
    columns = ["period_id", "academic_year", "period", "title", *an._performance_columns(by)]
    rows = an._performance_rows(session, groups, None, by, with_period=True) if groups else []
    frame = pd.DataFrame(an._with_metrics(rows))
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = an._labels(frame, by)
    per, year = m.StudyPeriod, m.AcademicYear
    periods = pd.DataFrame(
        [
            dict(r._mapping)
            for r in session.execute(
                sa.select(
                    per.id.label("period_id"),
                    year.name.label("academic_year"),
                    per.name.label("period"),
                    year.starts_on.label("year_start"),
                    per.starts_on,
                    per.number,
                )
                .join(year, year.id == per.academic_year_id)
                .where(year.college_id == actor.college_id)
            )
        ]
    )
    periods["title"] = periods["academic_year"] + ", " + periods["period"]
    periods["order"] = periods["number"].where(periods["number"] > 0, 99)
    frame = frame.merge(periods, on="period_id")
    return frame.sort_values(["year_start", "order", "starts_on", "label"], ignore_index=True)[columns]


def _reference_pivot(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame()
    data = frame.assign(column=frame["index"] + " " + frame["discipline"])
    table = data.pivot_table(index="group", columns="column", values=metric, aggfunc="first", dropna=False)
    return table.sort_index().reindex(sorted(table.columns), axis=1)


def _same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        got, expected, check_exact=True, check_index_type=True, check_column_type=True
    )


def _scopes(session: Session) -> list[dict[str, Any]]:
    groups = session.execute(sa.select(m.Group.id, m.Group.department_id, m.Group.course)).all()
    scopes: list[dict[str, Any]] = [{}]
    scopes += [{"department_id": d} for d in sorted({g.department_id for g in groups})]
    scopes += [{"course": c} for c in sorted({g.course for g in groups})]
    scopes += [{"department_id": g.department_id, "group_id": g.id} for g in groups]
    return scopes


def test_performance_by_and_trends_equal_the_pandas_computation(demo_college) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as session:
        actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
        periods = session.scalars(sa.select(m.FinalGrade.period_id).distinct()).all()
        compared = 0
        for scope in _scopes(session):
            levels = ["college", "group", "student"] if "group_id" in scope else list(an.DIMENSIONS)
            for period_id in periods:
                for by in levels:
                    got = an.performance_by(session, actor, period_id=period_id, by=by, **scope)
                    _same(got, _reference_by(session, actor, period_id, by, **scope))
                    compared += int(not got.empty)
            for by in [b for b in levels if b in an.TREND_DIMENSIONS]:
                got = an.performance_trend(session, actor, by=by, **scope)
                _same(got, _reference_trend(session, actor, by, **scope))
                compared += int(not got.empty)
        assert compared > 50


def test_a_department_heads_answers_equal_the_pandas_computation(demo_college) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as session:
        actor = load_actor(session, built.logins[Role.DEPARTMENT_HEAD])
        period_id = session.scalars(sa.select(m.FinalGrade.period_id).distinct()).first()
        for by in an.DIMENSIONS:
            _same(
                an.performance_by(session, actor, period_id=period_id, by=by),
                _reference_by(session, actor, period_id, by),
            )
        for by in an.TREND_DIMENSIONS:
            _same(an.performance_trend(session, actor, by=by), _reference_trend(session, actor, by))


def test_the_heat_map_table_equals_pandas_pivot(demo_college) -> None:  # type: ignore[no-untyped-def]
    _backend, engine, built = demo_college
    with Session(engine) as session:
        actor = load_actor(session, built.logins[Role.DEPUTY_DIRECTOR])
        periods = session.scalars(sa.select(m.FinalGrade.period_id).distinct()).all()
        for scope in _scopes(session)[:8]:
            for period_id in periods:
                cells = an.discipline_matrix(session, actor, period_id=period_id, **scope)
                for metric in an.MATRIX_METRICS:
                    _same(an.matrix_pivot(cells, metric), _reference_pivot(cells, metric))


@pytest.mark.parametrize("seed", range(12))
def test_the_heat_map_table_keeps_the_first_value_of_a_cell(seed: int) -> None:
    """Cells named twice (one name of a group or of «index discipline»), empty cells, a
    column without any value and a measure undefined everywhere: as pandas' pivot."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 40))

    def measure() -> list[float | None]:
        out: list[float | None] = []
        for r in rng.random(size):
            out.append(None if r < 0.3 else float(round(r * 100, 1)))
        return out

    frame = pd.DataFrame(
        {
            "group_id": range(size),
            "group": rng.choice(["ИСП-21", "ИСП-22", "Б-1", "10", "2", "а"], size),
            "index": rng.choice(["ОП.01", "ОП.02", "ОП.01 А"], size),
            "discipline": rng.choice(["А Б", "Б", "Физика"], size),
            "quality_pct": measure(),
            "progress_pct": measure(),
            "sou_pct": [None] * size,  # undefined everywhere: a column of objects
            "mean": measure(),
        }
    )
    for metric in an.MATRIX_METRICS:
        _same(an.matrix_pivot(frame, metric), _reference_pivot(frame, metric))
