"""indexes of the orders search: customer, e-mail, names, creation time of a channel (SPEC §16)

Revision ID: 0014_order_search
Revises: 0013_audit_trail
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_order_search"
down_revision: str | None = "0013_audit_trail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Columns searched from their start in any case, through an index on lower(column).
LOWERED = ("buyer_email", "buyer_first_name", "buyer_last_name", "buyer_company")


def upgrade() -> None:
    op.create_index("ix_orders_channel_created", "orders", ["channel_id", "created_at"])
    op.create_index("ix_orders_customer_no", "orders", ["customer_no"])
    for column in LOWERED:
        op.create_index(f"ix_orders_{column}_lower", "orders", [sa.text(f"lower({column})")])


def downgrade() -> None:
    for column in LOWERED:
        op.drop_index(f"ix_orders_{column}_lower", table_name="orders")
    op.drop_index("ix_orders_customer_no", table_name="orders")
    op.drop_index("ix_orders_channel_created", table_name="orders")
