"""expiry and secret: a credential's expiry, the service's generated signing secret

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: rows issued before keep no expiry (their tokens are refused)."""
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.Float(), nullable=True))
    op.create_table(
        'service_secret',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('service_secret')
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
