"""attendance summary per group, month and student, kept by triggers (issue 8)

The attendance sums per student or group over a semester or a year read whole months
here instead of every student day. ``netspo_lib.summaries`` holds the trigger DDL (one
home, shared with ``create_all``); the months are computed from the student days once
here, then kept by the triggers on ``attendance_student_days``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 20:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from netspo_lib import summaries
from netspo_lib.models.summary import SUM_COLUMNS

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "attendance_student_months",
        sa.Column("group_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("student_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("full_days", sa.Integer(), server_default="0", nullable=False),
        *[sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in SUM_COLUMNS],
        sa.PrimaryKeyConstraint("group_id", "month", "student_id", name=op.f("pk_attendance_student_months")),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    summaries.rebuild_months(bind)
    summaries.install(bind)
    op.execute("ANALYZE attendance_student_months")


def downgrade() -> None:
    """Downgrade schema."""
    bind = op.get_bind()
    summaries.uninstall(bind)
    op.drop_table("attendance_student_months")
    summaries.install(bind)  # the days' triggers again, without the months'
