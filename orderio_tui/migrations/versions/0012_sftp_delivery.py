"""an export run's remote file, for the recovery of SFTP delivery (SPEC §15)

Revision ID: 0012_sftp_delivery
Revises: 0011_intake_configurations
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_sftp_delivery"
down_revision: str | None = "0011_intake_configurations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(sa.Column("remote_path", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("remote_uploaded", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_column("remote_uploaded")
        batch_op.drop_column("remote_path")
