"""command fingerprint: a command id is bound to its command (M6)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: ids recorded before keep an empty fingerprint (their kind is compared)."""
    with op.batch_alter_table('commandrecord', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'fingerprint',
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default='',
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('commandrecord', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
