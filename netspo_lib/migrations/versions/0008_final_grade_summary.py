"""final-grade summaries per student, group and heat-map cell, kept by triggers (issue 8)

The performance dashboards read these instead of grouping every final grade of a period.
``netspo_lib.grade_summaries`` holds the trigger DDL (one home, shared with
``create_all``); the summaries are computed from the final grades once here, then kept by
the triggers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 19:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from netspo_lib import grade_summaries
from netspo_lib.models.grade_summary import COUNT_COLUMNS, STUDENT_COLUMNS


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _counts() -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in COUNT_COLUMNS]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'final_grade_students',
        sa.Column('student_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('period_id', sa.Integer(), autoincrement=False, nullable=False),
        *_counts(),
        sa.PrimaryKeyConstraint('student_id', 'period_id', name=op.f('pk_final_grade_students')),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'final_grade_groups',
        sa.Column('period_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('group_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('left_on', sa.Date(), nullable=False),
        *[sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in STUDENT_COLUMNS],
        *_counts(),
        sa.PrimaryKeyConstraint('period_id', 'group_id', 'left_on', name=op.f('pk_final_grade_groups')),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'final_grade_cells',
        sa.Column('period_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('group_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('curriculum_item_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('left_on', sa.Date(), nullable=False),
        *_counts(),
        sa.PrimaryKeyConstraint(
            'period_id', 'group_id', 'curriculum_item_id', 'left_on', name=op.f('pk_final_grade_cells')
        ),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    grade_summaries.rebuild(bind)
    grade_summaries.install(bind)
    for table in ('final_grade_students', 'final_grade_groups', 'final_grade_cells'):
        op.execute(f'ANALYZE {table}')


def downgrade() -> None:
    """Downgrade schema."""
    grade_summaries.uninstall(op.get_bind())
    op.drop_table('final_grade_cells')
    op.drop_table('final_grade_groups')
    op.drop_table('final_grade_students')
