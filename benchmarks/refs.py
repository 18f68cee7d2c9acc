"""The references every figure is printed beside, computed in the same run on the same data.

* **DuckDB**: the tables are loaded once from the database into an in-memory DuckDB
  (the load time is reported separately); a library call's SQL statements are captured as
  it runs (:func:`capture`), compiled to PostgreSQL SQL with the values inlined, and run
  in DuckDB — the same answer by the same SQL on a columnar analytic engine.
* **naive pandas**: every row the answer needs is read with ``pandas.read_sql`` (whole
  tables, the columns used) and filtered, joined and aggregated in pandas.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from netspo_lib import models as m


def load_duckdb(engine: sa.Engine, tables: tuple[str, ...] | None = None) -> tuple[Any, float, dict]:
    """A DuckDB connection with the tables (default: all of the schema) copied from
    ``engine``; (con, seconds, rows)."""
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    # SQLite's julianday(), which a few report queries use.
    con.execute("CREATE MACRO julianday(x) AS epoch(CAST(x AS TIMESTAMP)) / 86400.0 + 2440587.5")
    tables = tables or tuple(t.name for t in m.Base.metadata.sorted_tables)
    counts = {}
    meta = m.Base.metadata.tables
    with engine.connect() as conn:
        for name in tables:
            table = meta[name]
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            frame = pd.read_sql(f'SELECT {columns} FROM "{name}"', conn.connection.dbapi_connection)  # type: ignore[arg-type]
            con.register("incoming", frame)
            casts = []
            for col in table.columns:
                kind = col.type
                if isinstance(kind, sa.DateTime):
                    sql_type = "TIMESTAMP"
                elif isinstance(kind, sa.Date):
                    sql_type = "DATE"
                elif isinstance(kind, sa.Boolean):
                    sql_type = "BOOLEAN"
                elif isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
                    sql_type = "DOUBLE"
                else:
                    casts.append(f'"{col.name}"')
                    continue
                casts.append(f'CAST("{col.name}" AS {sql_type}) AS "{col.name}"')
            con.execute(f'CREATE TABLE "{name}" AS SELECT {", ".join(casts)} FROM incoming')
            con.unregister("incoming")
            counts[name] = len(frame)
    return con, time.perf_counter() - started, counts


# --------------------------------------------------------------------------- capturing SQL


class _Recorder:
    def __init__(self) -> None:
        self.statements: list[Any] = []


@contextmanager
def capture(session: Session) -> Iterator[_Recorder]:
    """Record the SQL statements ``session.execute`` runs inside the block."""
    recorder = _Recorder()
    original = session.execute

    def execute(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
        recorder.statements.append(statement)
        return original(statement, *args, **kwargs)

    session.execute = execute  # type: ignore[method-assign]
    try:
        yield recorder
    finally:
        session.execute = original  # type: ignore[method-assign]


_SQLITE_DATE = [
    (re.compile(r"date\(([\w.\"]+), 'start of month'\)"), r"CAST(date_trunc('month', \1) AS DATE)"),
    (re.compile(r"date\(([\w.\"]+), 'weekday 0', '-6 days'\)"), r"CAST(date_trunc('week', \1) AS DATE)"),
    (re.compile(r"\bdate\(([\w.\"]+)\)"), r"CAST(\1 AS DATE)"),
    (re.compile(r"AS NUMERIC\(\d+, \d+\)\)"), "AS DOUBLE)"),
]


def to_duck_sql(statement: Any) -> str:
    """A captured statement as SQL text DuckDB runs (PostgreSQL dialect, values inlined;
    SQLite's date functions rewritten to ``date_trunc``)."""
    if not isinstance(statement, sa.sql.ClauseElement):
        return str(statement)
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    for pattern, repl in _SQLITE_DATE:
        sql = pattern.sub(repl, sql)
    return sql


def duck_statements(session_factory: Callable[[], Session], call: Callable[[Session], Any]) -> list[str]:
    """The statements of the library call computed from the journal itself (not from the
    attendance summaries the database keeps): DuckDB's figure is the same answer from the
    same base tables, with no precomputation."""
    from netspo_lib import summaries

    with session_factory() as session, capture(session) as rec, summaries.bypass():
        call(session)
    return [to_duck_sql(s) for s in rec.statements]


def run_duck(con: Any, statements: list[str]) -> int:
    rows = 0
    for sql in statements:
        rows += len(con.execute(sql).fetchall())
    return rows


# --------------------------------------------------------------------------- naive pandas


def read(engine: sa.Engine, table: str, columns: list[str]) -> pd.DataFrame:
    cols = ", ".join(f'"{c}"' for c in columns)
    with engine.connect() as conn:
        return pd.read_sql(f'SELECT {cols} FROM "{table}"', conn.connection.dbapi_connection)  # type: ignore[arg-type]


RESULTS = ["5", "4", "3", "2", "pass", "fail", "not_attested", "exempt"]


def _enrolled_grades(engine: sa.Engine, period_id: int, groups: list[int]) -> pd.DataFrame:
    fg = read(engine, "final_grades", ["student_id", "curriculum_item_id", "period_id", "result"])
    st = read(engine, "students", ["id", "group_id", "left_on"])
    per = read(engine, "study_periods", ["id", "ends_on"])
    fg = fg[fg["period_id"] == period_id] if period_id is not None else fg
    fg = fg.merge(st.rename(columns={"id": "student_id"}), on="student_id")
    fg = fg.merge(per.rename(columns={"id": "period_id"}), on="period_id")
    fg = fg[fg["group_id"].isin(groups)]
    left = pd.to_datetime(fg["left_on"])
    return fg[left.isna() | (left > pd.to_datetime(fg["ends_on"]))]


def naive_discipline_matrix(engine: sa.Engine, period_id: int, groups: list[int]) -> pd.DataFrame:
    """Results group × discipline for a period: counts of each result per cell."""
    fg = _enrolled_grades(engine, period_id, groups)
    g = read(engine, "groups", ["id", "name"]).rename(columns={"id": "group_id", "name": "group"})
    item = read(engine, "curriculum_items", ["id", "index", "name"])
    item = item.rename(columns={"id": "curriculum_item_id", "name": "discipline"})
    fg = fg.merge(g, on="group_id").merge(item, on="curriculum_item_id")
    table = pd.crosstab([fg["group_id"], fg["group"], fg["index"], fg["discipline"]], fg["result"])
    return table.reindex(columns=RESULTS, fill_value=0).reset_index()


def naive_performance(engine: sa.Engine, period_id: int | None, groups: list[int], by: str) -> pd.DataFrame:
    """Per-student counts, then students, успевающие, качественные and result counts per
    unit (and per period when ``period_id`` is None: the trend)."""
    fg = _enrolled_grades(engine, period_id, groups)
    counts = pd.crosstab([fg["period_id"], fg["student_id"], fg["group_id"]], fg["result"])
    counts = counts.reindex(columns=RESULTS, fill_value=0).reset_index()
    counted = counts[RESULTS].sum(axis=1) - counts["exempt"]
    fails = counts["2"] + counts["not_attested"] + counts["fail"]
    counts["students"] = (counted > 0).astype(int)
    counts["progressing"] = ((counted > 0) & (fails == 0)).astype(int)
    counts["quality_students"] = (
        (counted > 0) & (fails == 0) & (counts["3"] == 0) & ((counts["5"] + counts["4"]) > 0)
    ).astype(int)
    g = read(engine, "groups", ["id", "department_id", "specialty_id", "course"])
    counts = counts.merge(g.rename(columns={"id": "group_id"}), on="group_id")
    key = {"college": [], "department": ["department_id"], "group": ["group_id"], "student": ["student_id"]}[
        by
    ]
    keys = (["period_id"] if period_id is None else []) + key
    values = ["students", "progressing", "quality_students", *RESULTS]
    if not keys:
        return counts[values].sum().to_frame().T
    return counts.groupby(keys)[values].sum().reset_index()


def _lessons_in(engine: sa.Engine, groups: list[int], start: Any, end: Any) -> pd.DataFrame:
    a = read(engine, "attendance", ["lesson_id", "student_id", "code", "hours"])
    ls = read(engine, "lessons", ["id", "group_id", "lesson_date"]).rename(columns={"id": "lesson_id"})
    ls = ls[ls["group_id"].isin(groups)]
    day = pd.to_datetime(ls["lesson_date"])
    if start is not None:
        ls = ls[(day >= pd.Timestamp(start)) & (day <= pd.Timestamp(end))]
    return a.merge(ls, on="lesson_id")


def naive_attendance_time(
    engine: sa.Engine, groups: list[int], start: Any, end: Any, freq: str
) -> pd.DataFrame:
    """Hours and events per day (or month) × code."""
    a = _lessons_in(engine, groups, start, end)
    day = pd.to_datetime(a["lesson_date"])
    a["bucket"] = day.dt.to_period("M").dt.start_time if freq == "month" else day
    return a.groupby(["bucket", "code"]).agg(hours=("hours", "sum"), events=("hours", "size")).reset_index()


def naive_attendance_by(engine: sa.Engine, groups: list[int], start: Any, end: Any, by: str) -> pd.DataFrame:
    """Missed, excused, sick and unexcused hours and lateness per group or student."""
    a = _lessons_in(engine, groups, start, end)
    key = "group_id" if by == "group" else "student_id"
    code = a["code"]
    frame = pd.DataFrame(
        {
            key: a[key],
            "missed": a["hours"].where(code.isin(["excused", "sick", "unexcused"]), 0),
            "excused": a["hours"].where(code.isin(["excused", "sick"]), 0),
            "sick": a["hours"].where(code == "sick", 0),
            "unexcused": a["hours"].where(code == "unexcused", 0),
            "late": (code == "late").astype(int),
        }
    )
    return frame.groupby(key).sum().reset_index()


def naive_group_month(engine: sa.Engine, groups: list[int], start: Any, end: Any) -> pd.DataFrame:
    """Missed hours group × month (the issue's second college-wide query)."""
    a = _lessons_in(engine, groups, start, end)
    a = a[a["code"].isin(["excused", "sick", "unexcused"])]
    a["month"] = pd.to_datetime(a["lesson_date"]).dt.to_period("M")
    return a.groupby(["group_id", "month"])["hours"].sum().reset_index()


def naive_weighted_means(engine: sa.Engine, group_id: int, period_id: int) -> pd.DataFrame:
    """Weighted mean mark per student × discipline of one group in a period."""
    mk = read(engine, "marks", ["lesson_id", "student_id", "value", "weight"])
    ls = read(engine, "lessons", ["id", "group_id", "curriculum_item_id", "period_id"])
    ls = ls[(ls["group_id"] == group_id) & (ls["period_id"] == period_id)].rename(columns={"id": "lesson_id"})
    mk = mk.merge(ls, on="lesson_id")
    mk["vw"] = mk["value"] * mk["weight"].astype(float)
    mk["w"] = mk["weight"].astype(float)
    out = mk.groupby(["student_id", "curriculum_item_id"])[["vw", "w"]].sum()
    return (out["vw"] / out["w"]).rename("mean").reset_index()


def naive_grade_sheet(engine: sa.Engine, group_id: int, period_id: int) -> pd.DataFrame:
    """The grade sheet pivot of one group: student × discipline results."""
    fg = read(engine, "final_grades", ["student_id", "curriculum_item_id", "period_id", "result"])
    st = read(engine, "students", ["id", "group_id"])
    item = read(engine, "curriculum_items", ["id", "index"])
    fg = fg[fg["period_id"] == period_id].merge(st.rename(columns={"id": "student_id"}), on="student_id")
    fg = fg[fg["group_id"] == group_id].merge(item.rename(columns={"id": "curriculum_item_id"}))
    return fg.pivot_table(index="student_id", columns="index", values="result", aggfunc="first")


def results_from_cells_sql(period_where: str, group_list: str) -> str:
    """The issue's «results group × discipline» from ``final_grade_cells`` (the heat map's
    cells the database keeps): one row per group × discipline with the count of each result,
    of the students who had not left when the period ended. ``period_where`` selects the
    period (``per``: study_periods, ``ay``: academic_years)."""
    from netspo_lib.models.grade_summary import COUNT_COLUMNS

    sums = ", ".join(f"sum(c.{column})" for column in COUNT_COLUMNS)
    return f"""SELECT c.group_id, c.curriculum_item_id, {sums} FROM final_grade_cells c
        JOIN study_periods per ON per.id = c.period_id JOIN academic_years ay ON ay.id = per.academic_year_id
        WHERE {period_where} AND c.group_id IN ({group_list}) AND c.left_on > per.ends_on
        GROUP BY c.group_id, c.curriculum_item_id"""


def same_answer(rows: list[Any], plain_rows: list[Any]) -> bool:
    """Whether a summary table's rows give the plain SQL's answer: rows of the cells (group,
    discipline, a count per result) against the plain (group, discipline, result, count);
    other rows compared as they are, numbers as floats."""
    from netspo_lib.enums import RESULT_CODES

    def plain(values: Any) -> tuple[Any, ...]:
        return tuple(round(float(v), 6) if isinstance(v, int | float | Decimal) else v for v in values)

    if rows and len(rows[0]) == 2 + len(RESULT_CODES):
        rows = [
            (group, item, code, n)
            for group, item, *counts in rows
            for code, n in zip(RESULT_CODES, counts, strict=True)
            if n
        ]
    return sorted(map(plain, rows)) == sorted(map(plain, plain_rows))
