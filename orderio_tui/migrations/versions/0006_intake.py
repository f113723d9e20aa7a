"""order intake: what an ERP needs of an order (SPEC §13)

Revision ID: 0006_intake
Revises: 0001
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_intake"
down_revision: str | None = "0010_sftp"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHILDREN = ("line_items", "buckets", "destinations", "payment_transactions")


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("store", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("calculation_type", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("customer_order_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("cost_center", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("extra", sa.JSON(), nullable=True))
    for table in _CHILDREN:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("extra", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in _CHILDREN:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("extra")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for column in ("extra", "cost_center", "customer_order_id", "calculation_type", "store"):
            batch_op.drop_column(column)
