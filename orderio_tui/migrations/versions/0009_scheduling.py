"""shared due times, idle runs, running runs of each scheduler (SPEC §14)

Revision ID: 0009_scheduling
Revises: 0008_alerts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_scheduling"
down_revision: str | None = "0008_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedule_due",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("next_due_at", sa.DateTime(), nullable=True),
        sa.Column("seen_version", sa.BigInteger(), nullable=True),
        sa.Column("last_fired_at", sa.DateTime(), nullable=True),
        sa.Column("fired_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_schedule_due")),
    )
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(
            sa.Column("idle", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_runs_started_at", ["started_at"], unique=False)
    with op.batch_alter_table("scheduler_heartbeats") as batch_op:
        batch_op.add_column(
            sa.Column("running", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("channels") as batch_op:
        batch_op.add_column(
            sa.Column("orders_version", sa.BigInteger(), nullable=False, server_default="0")
        )
    for table in ("export_configurations", "import_configurations"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                "schedule_mode", existing_type=sa.String(length=10), type_=sa.String(length=20)
            )


def downgrade() -> None:
    for table in ("export_configurations", "import_configurations"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                "schedule_mode", existing_type=sa.String(length=20), type_=sa.String(length=10)
            )
    with op.batch_alter_table("channels") as batch_op:
        batch_op.drop_column("orders_version")
    with op.batch_alter_table("scheduler_heartbeats") as batch_op:
        batch_op.drop_column("running")
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_index("ix_runs_started_at")
        batch_op.drop_column("idle")
    op.drop_table("schedule_due")
