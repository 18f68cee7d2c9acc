"""What both summary test files share: the check that the summaries the database keeps
equal what a rebuild from the source tables gives, and the period lock their refused
writes run into."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from netspo_lib import models as m


def table_rows(conn: Connection, tables: Sequence[str]) -> dict[str, set[tuple]]:
    """Every row of each table, as text (so that 2 and 2.0, dates and their text compare)."""
    out = {}
    for table in tables:
        rows = conn.exec_driver_sql(f"SELECT * FROM {table}").all()
        out[table] = {tuple(str(v) for v in r) for r in rows}
    return out


def assert_as_rebuilt(conn: Connection, tables: Sequence[str], rebuild: Callable[[Connection], None]) -> None:
    """The kept rows of ``tables`` equal those of ``rebuild`` (run in a savepoint, rolled
    back); a difference is shown, five rows each way."""
    kept = table_rows(conn, tables)
    savepoint = conn.begin_nested()
    rebuild(conn)
    rebuilt = table_rows(conn, tables)
    savepoint.rollback()
    for table in tables:
        assert kept[table] == rebuilt[table], (
            table,
            sorted(kept[table] - rebuilt[table])[:5],
            sorted(rebuilt[table] - kept[table])[:5],
        )


def lock_period(conn: Connection, period_id: int, group_id: int) -> None:
    """Lock the period for the group (its later writes are refused by the guard triggers)."""
    conn.execute(
        sa.insert(m.PeriodLock).values(
            period_id=period_id, group_id=group_id, locked_at=datetime(2025, 1, 1), reason="Проверка"
        )
    )
