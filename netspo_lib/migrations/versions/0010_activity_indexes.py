"""covering index for the activity dashboard and report (issue 8)

The logins per role and day, and the logins, views and actions per role of the activity
report, read a period's events of one kind and their accounts from this index alone (not
from every event of the period, row by row). The table is analysed afterwards, so that
the planners know the new index at once.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 10:00:00

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.create_index('ix_activity_events_kind_at', ['kind', 'at', 'account_id'], unique=False)
    op.execute('ANALYZE activity_events')


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_events_kind_at')
