"""a service's transport and SFTP server (SPEC §15)

Revision ID: 0010_sftp
Revises: 0005_setup
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_sftp"
down_revision: str | None = "0005_setup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("services") as batch_op:
        batch_op.add_column(
            sa.Column("transport", sa.String(length=10), nullable=False, server_default="local")
        )
        batch_op.add_column(
            sa.Column("sftp", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("services") as batch_op:
        batch_op.drop_column("sftp")
        batch_op.drop_column("transport")
