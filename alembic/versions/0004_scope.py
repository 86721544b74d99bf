"""scope: the meeting a credential or a secretariat account covers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: a nullable meeting id (None: every meeting, as before)."""
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('secretariataccount', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('secretariataccount', schema=None) as batch_op:
        batch_op.drop_column('meeting_id')
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.drop_column('meeting_id')
