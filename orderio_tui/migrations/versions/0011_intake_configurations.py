"""order intake configurations and their ledger of files taken in (SPEC §13)

Revision ID: 0011_intake_configurations
Revises: 0006_intake
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_intake_configurations"
down_revision: str | None = "0006_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_configurations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("schedule_mode", sa.String(length=20), nullable=False),
        sa.Column("schedule_every", sa.Integer(), nullable=True),
        sa.Column("schedule_unit", sa.String(length=10), nullable=True),
        sa.Column("schedule_at", sa.String(length=5), nullable=True),
        sa.Column("schedule_weekday", sa.String(length=10), nullable=True),
        sa.Column("schedule_enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_intake_configurations_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_intake_configurations_service_id_services"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_configurations")),
        sa.UniqueConstraint("channel_id", "name", name=op.f("uq_intake_configurations_channel_id")),
    )
    op.create_table(
        "intake_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("configuration_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["configuration_id"],
            ["intake_configurations.id"],
            name=op.f("fk_intake_files_configuration_id_intake_configurations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_intake_files_run_id_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_files")),
        sa.UniqueConstraint(
            "configuration_id", "sha256", name=op.f("uq_intake_files_configuration_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("intake_files")
    op.drop_table("intake_configurations")
