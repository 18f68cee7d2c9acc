"""rules in the database: period locks, frozen marks, append-only audit trail

Triggers on both engines (R-4.2.e, R-4.10.b) so that raw SQL writes are refused like the
library's: INSERT/UPDATE/DELETE on lessons, marks, attendance and final_grades are refused
for a row of a period whose lock is in force for the row's group ('netspo:period_locked');
on marks also when a final grade of (student, the lesson's discipline, the lesson's period)
exists ('netspo:marks_frozen'); UPDATE/DELETE (and TRUNCATE) on audit_events are refused
always ('netspo:audit_immutable'). SQLite: BEFORE ... FOR EACH ROW triggers with
RAISE(ABORT). PostgreSQL: AFTER ... FOR EACH STATEMENT triggers over the transition
tables (bulk loads stay fast; the statement is aborted whole) and BEFORE ... FOR EACH ROW
on audit_events, raising with ERRCODE P0001.

A lock is in force when ``unlocked_at IS NULL OR relock_at <= <database local now>``:
``LOCALTIMESTAMP`` on PostgreSQL and ``datetime('now', 'localtime')`` on SQLite. The
database clock is assumed to be college-local time: ``netspo_lib.db.make_engine`` sets the
PostgreSQL session time zone to ``netspo_lib.clock.college_tz()``; SQLite uses the time
zone of the machine running the application.

The DDL lives in ``netspo_lib.triggers`` (one home, shared with ``create_all``); it is
idempotent, so a later migration that changes it, or rebuilds one of these tables in
SQLite batch mode, calls ``triggers.install`` again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op

from netspo_lib import triggers

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create the triggers (and, on PostgreSQL, their functions)."""
    triggers.install(op.get_bind())


def downgrade() -> None:
    """Drop the triggers and functions."""
    triggers.uninstall(op.get_bind())
