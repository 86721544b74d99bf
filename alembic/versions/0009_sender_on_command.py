"""sender on the command row: who sent a command is kept in its own row (issue 18)

The audit trail had a table of its own (``commandaudit``, 0003), one more
insert in every command's transaction for a row that always goes with the
command's. Its four columns move onto ``commandrecord``; the rows are copied.
Commands recorded before 0003 had no sender: theirs stay empty.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 21:40:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_SENDER = ('role', 'identity', 'token_id', 'client')


def _of_audit(column: str) -> str:
    return (
        f"(SELECT a.{column} FROM commandaudit AS a WHERE a.room_id = commandrecord.room_id"
        " AND a.command_id = commandrecord.command_id)"
    )


def upgrade() -> None:
    """Upgrade schema: the sender's columns on the command row, filled from the audit table."""
    with op.batch_alter_table('commandrecord', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False, server_default=''
        ))
        batch_op.add_column(sa.Column(
            'identity', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
            server_default='',
        ))
        batch_op.add_column(sa.Column(
            'token_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True
        ))
        batch_op.add_column(sa.Column(
            'client', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
            server_default='',
        ))
    op.execute(
        "UPDATE commandrecord SET "
        + ", ".join(
            f"{c} = {_of_audit(c)}" if c == 'token_id' else f"{c} = COALESCE({_of_audit(c)}, '')"
            for c in _SENDER
        )
        + " WHERE EXISTS (SELECT 1 FROM commandaudit AS a WHERE a.room_id = commandrecord.room_id"
        " AND a.command_id = commandrecord.command_id)"
    )
    op.drop_table('commandaudit')


def downgrade() -> None:
    """Downgrade schema: the audit table again, from the command rows."""
    op.create_table('commandaudit',
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('command_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('identity', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('token_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], ),
    sa.PrimaryKeyConstraint('room_id', 'command_id')
    )
    op.execute(
        "INSERT INTO commandaudit (room_id, command_id, role, identity, token_id, client, at)"
        " SELECT room_id, command_id, role, identity, token_id, client, at FROM commandrecord"
    )
    with op.batch_alter_table('commandrecord', schema=None) as batch_op:
        for column in reversed(_SENDER):
            batch_op.drop_column(column)
