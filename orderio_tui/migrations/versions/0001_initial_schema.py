"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 19:26:49.553249
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("store", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("name", name=op.f("uq_channels_name")),
    )
    op.create_table(
        "leases",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_leases")),
    )
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_tick", sa.DateTime(), nullable=False),
        sa.Column("next_due_config", sa.String(length=200), nullable=True),
        sa.Column("next_due_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_scheduler_heartbeats")),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("directory", sa.Text(), nullable=False),
        sa.Column("file_prefix", sa.String(length=100), nullable=False),
        sa.Column("file_extension", sa.String(length=20), nullable=False),
        sa.Column("file_pattern", sa.String(length=200), nullable=False),
        sa.Column("archive_directory", sa.Text(), nullable=True),
        sa.Column("error_directory", sa.Text(), nullable=True),
        sa.Column("stylesheet_path", sa.Text(), nullable=True),
        sa.Column("log_level", sa.String(length=10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("max_file_size", sa.BigInteger(), nullable=False),
        sa.Column("min_file_age_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("name", name=op.f("uq_services_name")),
    )
    op.create_table(
        "export_configurations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status_updates_enabled", sa.Boolean(), nullable=False),
        sa.Column("order_transitions", sa.JSON(), nullable=False),
        sa.Column("line_item_transitions", sa.JSON(), nullable=False),
        sa.Column("order_statuses", sa.JSON(), nullable=False),
        sa.Column("line_item_statuses", sa.JSON(), nullable=False),
        sa.Column("payment_statuses", sa.JSON(), nullable=False),
        sa.Column("customer_types", sa.JSON(), nullable=False),
        sa.Column("order_numbers", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=True),
        sa.Column("created_from", sa.DateTime(), nullable=True),
        sa.Column("created_to", sa.DateTime(), nullable=True),
        sa.Column("gross_min", sa.BigInteger(), nullable=True),
        sa.Column("gross_max", sa.BigInteger(), nullable=True),
        sa.Column("skus", sa.JSON(), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=True),
        sa.Column("min_age_minutes", sa.Integer(), nullable=True),
        sa.Column("only_not_exported", sa.Boolean(), nullable=False),
        sa.Column("max_orders", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("schedule_mode", sa.String(length=10), nullable=False),
        sa.Column("schedule_every", sa.Integer(), nullable=True),
        sa.Column("schedule_unit", sa.String(length=10), nullable=True),
        sa.Column("schedule_at", sa.String(length=5), nullable=True),
        sa.Column("schedule_weekday", sa.String(length=10), nullable=True),
        sa.Column("schedule_enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_export_configurations_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_export_configurations_service_id_services"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_configurations")),
        sa.UniqueConstraint("channel_id", "name", name=op.f("uq_export_configurations_channel_id")),
    )
    op.create_table(
        "import_configurations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("schedule_mode", sa.String(length=10), nullable=False),
        sa.Column("schedule_every", sa.Integer(), nullable=True),
        sa.Column("schedule_unit", sa.String(length=10), nullable=True),
        sa.Column("schedule_at", sa.String(length=5), nullable=True),
        sa.Column("schedule_weekday", sa.String(length=10), nullable=True),
        sa.Column("schedule_enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_import_configurations_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_import_configurations_service_id_services"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_configurations")),
        sa.UniqueConstraint("channel_id", "name", name=op.f("uq_import_configurations_channel_id")),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("document_no", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("status_reason_code", sa.String(length=60), nullable=True),
        sa.Column("status_reason_text", sa.Text(), nullable=True),
        sa.Column("to_be_deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("customer_no", sa.String(length=100), nullable=True),
        sa.Column("user_id", sa.String(length=100), nullable=True),
        sa.Column("customer_type", sa.String(length=20), nullable=False),
        sa.Column("buyer_first_name", sa.String(length=200), nullable=True),
        sa.Column("buyer_last_name", sa.String(length=200), nullable=True),
        sa.Column("buyer_company", sa.String(length=200), nullable=True),
        sa.Column("buyer_email", sa.String(length=320), nullable=True),
        sa.Column("taxation_id", sa.String(length=50), nullable=True),
        sa.Column("invoice_title", sa.String(length=50), nullable=True),
        sa.Column("invoice_first_name", sa.String(length=200), nullable=True),
        sa.Column("invoice_last_name", sa.String(length=200), nullable=True),
        sa.Column("invoice_company", sa.String(length=200), nullable=True),
        sa.Column("invoice_email", sa.String(length=320), nullable=True),
        sa.Column("invoice_phone", sa.String(length=50), nullable=True),
        sa.Column("invoice_line1", sa.String(length=300), nullable=True),
        sa.Column("invoice_line2", sa.String(length=300), nullable=True),
        sa.Column("invoice_postal_code", sa.String(length=20), nullable=True),
        sa.Column("invoice_city", sa.String(length=200), nullable=True),
        sa.Column("invoice_state", sa.String(length=100), nullable=True),
        sa.Column("invoice_country", sa.String(length=100), nullable=True),
        sa.Column("invoice_country_code", sa.String(length=2), nullable=True),
        sa.Column("item_total", sa.BigInteger(), nullable=False),
        sa.Column("item_discount_total", sa.BigInteger(), nullable=False),
        sa.Column("shipping_total", sa.BigInteger(), nullable=False),
        sa.Column("payment_costs", sa.BigInteger(), nullable=False),
        sa.Column("tax_total", sa.BigInteger(), nullable=False),
        sa.Column("duties_total", sa.BigInteger(), nullable=False),
        sa.Column("net_total", sa.BigInteger(), nullable=False),
        sa.Column("gross_total", sa.BigInteger(), nullable=False),
        sa.Column("last_import_change_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_orders_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("channel_id", "document_no", name=op.f("uq_orders_channel_id")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_channel_status_created", ["channel_id", "status", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_orders_document_no"), ["document_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_gross_total"), ["gross_total"], unique=False)

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("configuration_id", sa.Integer(), nullable=False),
        sa.Column("config_name", sa.String(length=100), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("temp_path", sa.Text(), nullable=True),
        sa.Column("final_path", sa.Text(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_runs_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_runs_config", ["kind", "configuration_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_runs_state"), ["state"], unique=False)

    op.create_table(
        "destinations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=True),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("last_name", sa.String(length=200), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("line1", sa.String(length=300), nullable=True),
        sa.Column("line2", sa.String(length=300), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_destinations_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destinations")),
        sa.UniqueConstraint("order_id", "key", name=op.f("uq_destinations_order_id")),
    )
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_destinations_order_id"), ["order_id"], unique=False)

    op.create_table(
        "export_claims",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_export_claims_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_export_claims_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_export_claims")),
    )
    with op.batch_alter_table("export_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_claims_run_id"), ["run_id"], unique=False)

    op.create_table(
        "export_ledger",
        sa.Column("configuration_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("exported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["configuration_id"],
            ["export_configurations.id"],
            name=op.f("fk_export_ledger_configuration_id_export_configurations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_export_ledger_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_export_ledger_run_id_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("configuration_id", "order_id", name=op.f("pk_export_ledger")),
    )
    op.create_table(
        "imported_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("configuration_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["configuration_id"],
            ["import_configurations.id"],
            name=op.f("fk_imported_files_configuration_id_import_configurations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_imported_files_run_id_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_files")),
        sa.UniqueConstraint(
            "configuration_id", "sha256", name=op.f("uq_imported_files_configuration_id")
        ),
    )
    op.create_table(
        "payment_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.String(length=100), nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_payment_transactions_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_transactions")),
        sa.UniqueConstraint(
            "order_id", "transaction_id", name=op.f("uq_payment_transactions_order_id")
        ),
    )
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_transactions_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "run_log_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_log_lines_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_log_lines")),
    )
    with op.batch_alter_table("run_log_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_log_lines_run_id"), ["run_id"], unique=False)

    op.create_table(
        "run_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("document_no", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason_code", sa.String(length=60), nullable=True),
        sa.Column("reason_text", sa.Text(), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_run_results_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_results_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_results")),
    )
    with op.batch_alter_table("run_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_results_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_run_results_run_id"), ["run_id"], unique=False)

    op.create_table(
        "status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_ref", sa.String(length=100), nullable=True),
        sa.Column("from_status", sa.String(length=40), nullable=True),
        sa.Column("to_status", sa.String(length=40), nullable=False),
        sa.Column("reason_code", sa.String(length=60), nullable=True),
        sa.Column("reason_text", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_status_history_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_status_history_run_id_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_history")),
    )
    with op.batch_alter_table("status_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_history_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_status_history_run_id"), ["run_id"], unique=False)

    op.create_table(
        "buckets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=True),
        sa.Column("shipping_method_id", sa.String(length=100), nullable=False),
        sa.Column("shipping_method_name", sa.String(length=200), nullable=False),
        sa.Column("ship_time_min_days", sa.Integer(), nullable=False),
        sa.Column("ship_time_max_days", sa.Integer(), nullable=False),
        sa.Column("shipping_net", sa.BigInteger(), nullable=False),
        sa.Column("shipping_gross", sa.BigInteger(), nullable=False),
        sa.Column("shipping_tax", sa.BigInteger(), nullable=False),
        sa.Column("shipping_tax_rate", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["destination_id"],
            ["destinations.id"],
            name=op.f("fk_buckets_destination_id_destinations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_buckets_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buckets")),
        sa.UniqueConstraint("order_id", "key", name=op.f("uq_buckets_order_id")),
    )
    with op.batch_alter_table("buckets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buckets_order_id"), ["order_id"], unique=False)

    op.create_table(
        "line_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("bucket_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("product_name", sa.String(length=300), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("unit_price_net", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_gross", sa.BigInteger(), nullable=False),
        sa.Column("net_total", sa.BigInteger(), nullable=False),
        sa.Column("gross_total", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate", sa.Integer(), nullable=False),
        sa.Column("tax_amount", sa.BigInteger(), nullable=False),
        sa.Column("discount_amount", sa.BigInteger(), nullable=False),
        sa.Column("discount_description", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["bucket_id"],
            ["buckets.id"],
            name=op.f("fk_line_items_bucket_id_buckets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_line_items_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_items")),
        sa.UniqueConstraint("order_id", "position", name=op.f("uq_line_items_order_id")),
    )
    with op.batch_alter_table("line_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_line_items_order_id"), ["order_id"], unique=False)
        batch_op.create_index("ix_line_items_sku", ["sku"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("line_items", schema=None) as batch_op:
        batch_op.drop_index("ix_line_items_sku")
        batch_op.drop_index(batch_op.f("ix_line_items_order_id"))

    op.drop_table("line_items")
    with op.batch_alter_table("buckets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buckets_order_id"))

    op.drop_table("buckets")
    with op.batch_alter_table("status_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_history_run_id"))
        batch_op.drop_index(batch_op.f("ix_status_history_order_id"))

    op.drop_table("status_history")
    with op.batch_alter_table("run_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_results_run_id"))
        batch_op.drop_index(batch_op.f("ix_run_results_order_id"))

    op.drop_table("run_results")
    with op.batch_alter_table("run_log_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_log_lines_run_id"))

    op.drop_table("run_log_lines")
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_transactions_order_id"))

    op.drop_table("payment_transactions")
    op.drop_table("imported_files")
    op.drop_table("export_ledger")
    with op.batch_alter_table("export_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_claims_run_id"))

    op.drop_table("export_claims")
    with op.batch_alter_table("destinations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_destinations_order_id"))

    op.drop_table("destinations")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_state"))
        batch_op.drop_index("ix_runs_config")

    op.drop_table("runs")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_gross_total"))
        batch_op.drop_index(batch_op.f("ix_orders_document_no"))
        batch_op.drop_index("ix_orders_channel_status_created")

    op.drop_table("orders")
    op.drop_table("import_configurations")
    op.drop_table("export_configurations")
    op.drop_table("services")
    op.drop_table("scheduler_heartbeats")
    op.drop_table("leases")
    op.drop_table("channels")
