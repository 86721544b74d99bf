"""room lease: one process fires a room's deadline ticks (issue 17)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: no room has a lease yet (the first scheduler to start takes it)."""
    op.create_table(
        'room_lease',
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['room_id'], ['room.id']),
        sa.PrimaryKeyConstraint('room_id'),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('room_lease')
