# ruff: noqa: E501  (the tables of cases read best one case a line)
"""The region on PostgreSQL: N colleges of the demo generator's size in one database.

``build_demo`` fills an empty database with one college; the region is that college
built by the generator into database ``netspo_bench`` (created on the server of
``--pg-url``), then copied N−1 times inside PostgreSQL with every id shifted by
``k × OFFSET`` (``INSERT … SELECT``, triggers and foreign-key checks off for the copy:
``session_replication_role = replica``). The globally unique values get a suffix
(college name, login, record book number) or none (СНИЛС copies are NULL); the
specialties (ФГОС, shared by all colleges) are not copied. Current marks are not copied
(no region query reads them; the copies' message threads lose their link to a mark).

Timed: the college-wide queries of the dashboards for one college (the library, as the
college's deputy director) and the issue's two college-wide queries over one college and
over the whole region (plain SQL).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from benchmarks import workloads
from netspo_lib import db
from netspo_lib import models as m
from netspo_lib.access import load_actor

DATABASE = "netspo_bench"
OFFSET = 10_000_000
NOT_COPIED = {"specialties", "web_sessions", "marks"}
SUFFIXED = {
    ("colleges", "name"): " № ",
    ("user_accounts", "login"): ".",
    ("students", "record_book_number"): "/",
}
NULLED = {("persons", "snils"), ("message_threads", "mark_id")}


def _server(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def _bench_url(url: str) -> str:
    return sa.engine.make_url(url).set(database=DATABASE).render_as_string(hide_password=False)


def _meta(engine: sa.Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        text = conn.exec_driver_sql(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (DATABASE,)
        ).scalar()
    try:
        return json.loads(text or "{}")
    except ValueError:
        return {}


def build(url: str, colleges: int, students: int, seed: int, log: Any) -> dict[str, Any]:
    """The cached region (rebuilt when the generator, the sizes or the seed changed)."""
    server = _server(url)
    fingerprint = workloads.demo_fingerprint(students, seed)
    with server.connect() as conn:
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).scalar()
    meta = _meta(server) if exists else {}
    wanted = {"fingerprint": fingerprint, "colleges": colleges, "students": students, "seed": seed}
    bench_url = _bench_url(url)
    if exists and all(meta.get(k) == v for k, v in wanted.items()):
        workloads.upgrade_and_analyse(bench_url)
        return {**meta, "url": bench_url, "built_now": False}
    log(f"Building the region: {colleges} colleges × {students} students in PostgreSQL database {DATABASE} …")
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE}")
        conn.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
    started = time.perf_counter()
    demo_seconds = workloads.timed_demo_build(bench_url, students, seed)
    log(f"  college 1 by build_demo: {demo_seconds:.0f} s")
    engine = db.make_engine(bench_url)
    copy_seconds = []
    try:
        for k in range(1, colleges):
            t0 = time.perf_counter()
            with engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                for table in m.Base.metadata.sorted_tables:
                    if table.name in NOT_COPIED:
                        continue
                    conn.exec_driver_sql(_copy_sql(table, k))
            copy_seconds.append(time.perf_counter() - t0)
            log(f"  college {k + 1} copied in {copy_seconds[-1]:.0f} s")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()
    total = time.perf_counter() - started
    meta = {**wanted, "build_seconds": total, "demo_seconds": demo_seconds, "copy_seconds": copy_seconds}
    with server.connect() as conn:
        conn.exec_driver_sql(f"COMMENT ON DATABASE {DATABASE} IS '{json.dumps(meta)}'")
    log(f"  region built in {total:.0f} s")
    return {**meta, "url": bench_url, "built_now": True}


def _copy_sql(table: sa.Table, k: int) -> str:
    shift = k * OFFSET
    names, values = [], []
    for col in table.columns:
        names.append(f'"{col.name}"')
        ref = f'"{col.name}"'
        targets = {fk.column.table.name for fk in col.foreign_keys}
        if (table.name, col.name) in NULLED:
            values.append("NULL")
        elif (table.name, col.name) in SUFFIXED:
            values.append(f"{ref} || '{SUFFIXED[(table.name, col.name)]}{k + 1}'")
        elif (col.primary_key and not col.foreign_keys and isinstance(col.type, sa.Integer)) or (
            targets and not targets & {"specialties"}
        ):
            values.append(f"{ref} + {shift}")
        else:
            values.append(ref)
    return (
        f'INSERT INTO "{table.name}" ({", ".join(names)}) SELECT {", ".join(values)} '
        f'FROM "{table.name}" WHERE {_first_college(table)}'
    )


def _first_college(table: sa.Table) -> str:
    """Rows of the generated college only (ids below OFFSET)."""
    key = next(iter(table.primary_key.columns))
    return f'"{key.name}" < {OFFSET}'


# --------------------------------------------------------------------------- timing


def run(bench: Any, url: str, colleges: int, students: int) -> Iterator[Any]:
    from benchmarks import refs
    from benchmarks.run import Line, limit_target, median_ms, reference_only, timed
    from netspo_lib.reports import analytics as an

    region = build(url, colleges, students, bench.args.seed, bench.log)
    bench.info["region"] = region
    engine = db.make_engine(region["url"])
    sessions = db.session_factory(engine)
    runs = bench.args.runs
    try:
        if region.get("built_now") or region.get("build_seconds"):
            line = Line("Регион (PostgreSQL)", f"построение региона: {colleges} колледжей × {students}",
                        region["build_seconds"] * 1000, region["build_seconds"] * 1000, 1,
                        note="build_demo одного колледжа + копии в PostgreSQL")  # fmt: skip
            line.extra = {k: region.get(k) for k in ("demo_seconds", "copy_seconds")}
            yield line
        with sessions() as s:
            actor = load_actor(s, "zamdir")
            from netspo_lib.ui.dashboards.filters import Filters  # noqa: F401  (the same defaults)

            choices = an.filter_choices(s, actor, an.Action.DASHBOARD_PERFORMANCE)
            periods = choices.periods
            graded = periods[periods["has_grades"]]
            period = int(graded["period_id"].iloc[-1])
            year = int(graded["academic_year_id"].iloc[-1])
            y = s.get(m.AcademicYear, year)
            y0, y1 = y.starts_on, y.ends_on
            college_groups = list(
                s.scalars(sa.select(m.Group.id).where(m.Group.college_id == actor.college_id))
            )
            all_groups = list(s.scalars(sa.select(m.Group.id)))
            counts = {t: s.scalar(sa.text(f'SELECT count(*) FROM "{t}"'))
                      for t in ("colleges", "students", "groups", "lessons", "attendance", "final_grades")}  # fmt: skip
        bench.info["region"]["rows"] = counts
        sec = "Регион (PostgreSQL)"
        library = [
            ("один колледж: тепловая карта группы × дисциплины", lambda s: an.discipline_matrix(s, actor, period_id=period)),
            ("один колледж: по отделениям", lambda s: an.performance_by(s, actor, period_id=period, by="department")),
            ("один колледж: пропуски по месяцам (год)",
             lambda s: an.attendance_over_time(s, actor, freq="month", academic_year_id=year)),
            ("один колледж: сводная посещаемость по группам (год)",
             lambda s: an.attendance_by(s, actor, by="group", academic_year_id=year)),
        ]  # fmt: skip
        for name, call in library:

            def once(call: Any = call) -> Any:
                with sessions() as s:
                    return call(s)

            line = Line(sec, name, runs=runs)
            line.cold_ms, line.median_ms, _ = timed(once, runs)
            limit_target(line, 100, "≤100 ms на колледж")
            yield line
        for scope, groups, limit, text in (
            ("один колледж", college_groups, 100, "≤100 ms на колледж"),
            ("весь регион", all_groups, 2000, "≤2 s на регион"),
        ):
            gl = ",".join(str(g) for g in groups)
            q1 = f"""SELECT st.group_id, fg.curriculum_item_id, fg.result, count(*) FROM final_grades fg
                JOIN students st ON st.id = fg.student_id JOIN study_periods per ON per.id = fg.period_id
                JOIN academic_years ay ON ay.id = per.academic_year_id
                WHERE per.kind = 'semester' AND per.number = 2 AND ay.starts_on = '{y0}'
                  AND st.group_id IN ({gl}) AND (st.left_on IS NULL OR st.left_on > per.ends_on)
                GROUP BY st.group_id, fg.curriculum_item_id, fg.result"""
            q2 = f"""SELECT ls.group_id, date_trunc('month', ls.lesson_date) AS month, sum(a.hours) FROM attendance a
                JOIN lessons ls ON ls.id = a.lesson_id
                WHERE ls.group_id IN ({gl}) AND ls.lesson_date BETWEEN '{y0}' AND '{y1}'
                  AND a.code IN ('excused', 'sick', 'unexcused')
                GROUP BY ls.group_id, month"""
            q2_summary = f"""SELECT group_id, date_trunc('month', lesson_date) AS month,
                  sum(h_excused + h_sick + h_unexcused) FROM attendance_group_days
                WHERE group_id IN ({gl}) AND lesson_date BETWEEN '{y0}' AND '{y1}'
                GROUP BY group_id, month"""
            q1_summary = refs.results_from_cells_sql(
                f"per.kind = 'semester' AND per.number = 2 AND ay.starts_on = '{y0}'", gl
            )
            # The plain SQL on the journal is the reference («SQLite aggregate SQL»
            # column); the dashboards answer from the summaries: those lines carry the target.
            for name, sql, plain in (
                ("итоги группа × дисциплина, семестр — сводная таблица", q1_summary, q1),
                ("итоги группа × дисциплина, семестр — SQL", q1, None),
                ("пропущенные часы группа × месяц — сводная таблица", q2_summary, q2),
                ("пропущенные часы группа × месяц — SQL", q2, None),
            ):

                def run_sql(sql: str = sql) -> Any:
                    with engine.connect() as conn:
                        return conn.exec_driver_sql(sql).fetchall()

                line = Line(sec, f"{scope}: {name}", runs=runs)
                line.cold_ms, line.median_ms, rows = timed(run_sql, runs)
                line.extra["rows"] = len(rows)
                if plain is None:
                    reference_only(line)
                else:
                    limit_target(line, limit, text)
                    line.extra["same_answer_as_plain_sql"] = refs.same_answer(rows, run_sql(plain))
                    if not line.extra["same_answer_as_plain_sql"]:
                        line.verdict, line.note = "FAIL", "ответ не совпал с SQL по журналу"
                yield line
        _ = median_ms
    finally:
        engine.dispose()
