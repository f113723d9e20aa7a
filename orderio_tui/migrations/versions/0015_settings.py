"""installation-wide settings kept in the database: the run history's retention (SPEC §14)

Revision ID: 0015_settings
Revises: 0014_order_search
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_settings"
down_revision: str | None = "0014_order_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_settings")),
    )


def downgrade() -> None:
    op.drop_table("settings")
