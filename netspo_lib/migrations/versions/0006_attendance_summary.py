"""attendance summaries per group day and student day, kept by triggers (issue 8)

The attendance dashboards read these instead of every absence joined to its lesson.
``netspo_lib.summaries`` holds the trigger DDL (one home, shared with ``create_all``);
the summaries are computed from the journal once here, then kept by the triggers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 16:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from netspo_lib import summaries
from netspo_lib.models.summary import SUM_COLUMNS


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _sums() -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in SUM_COLUMNS]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'attendance_group_days',
        sa.Column('group_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('lesson_date', sa.Date(), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint('group_id', 'lesson_date', name=op.f('pk_attendance_group_days')),
        sqlite_with_rowid=False,
    )
    op.create_index(
        'ix_attendance_group_days_date_cover',
        'attendance_group_days',
        ['lesson_date', 'group_id', *SUM_COLUMNS],
    )
    op.create_table(
        'attendance_student_days',
        sa.Column('group_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('lesson_date', sa.Date(), nullable=False),
        sa.Column('student_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('lessons_had', sa.Integer(), server_default='0', nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint(
            'group_id', 'lesson_date', 'student_id', name=op.f('pk_attendance_student_days')
        ),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    summaries.rebuild(bind)
    summaries.install(bind)
    for table in ('attendance_group_days', 'attendance_student_days'):
        op.execute(f'ANALYZE {table}')


def downgrade() -> None:
    """Downgrade schema."""
    summaries.uninstall(op.get_bind())
    op.drop_table('attendance_student_days')
    op.drop_index('ix_attendance_group_days_date_cover', table_name='attendance_group_days')
    op.drop_table('attendance_group_days')
