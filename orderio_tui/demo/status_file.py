"""A sample status file for the demo's orders, as an ERP would send it back."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from ..domain.statuses import (
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
)
from .data import (
    B2C,
    STATUS_NAMESPACE,
)
from .factory import (
    DemoOrder,
    _channel_spec,
    demo_orders,
)

# --------------------------------------------------------------------------- sample status file


def _status_file_candidates(plan: Sequence[DemoOrder]) -> list[DemoOrder]:
    """B2C orders that the ERP export takes and whose items and payments an import may update."""
    return [
        order
        for order in plan
        if order.channel == B2C
        and order.status is OrderStatus.NEW
        and order.defect is None
        and all(li.status is LineItemStatus.NEW for li in order.line_items)
        and all(
            p.status in (PaymentStatus.AUTHORIZED, PaymentStatus.CREATED) for p in order.payments
        )
    ]


def status_file_orders(*, orders: int = 500, seed: int = 1, count: int = 10) -> list[DemoOrder]:
    """The ``count`` oldest demo B2C orders that the sample status file reports as delivered."""
    return _status_file_candidates(demo_orders(orders=orders, seed=seed))[:count]


def status_file_for(*, orders: int = 500, seed: int = 1, count: int = 10) -> bytes:
    """An order status import file (SPEC §6.2) for the demo of ``(orders, seed)``.

    It reports ``count`` B2C orders that are NEW in the demo as DELIVERED, their line items as
    DELIVERED and their payments as CAPTURED: run ``erp-export`` of ``demo-b2c`` first (they
    become EXPORTED), then import the file. ``sample_data/status-demo-seed1.xml`` is this file for
    the defaults.
    """
    chosen = status_file_orders(orders=orders, seed=seed, count=count)
    store = _channel_spec(B2C).store
    root = etree.Element(f"{{{STATUS_NAMESPACE}}}orders", nsmap={None: STATUS_NAMESPACE})
    root.append(
        etree.Comment(
            f" Demo data of {orders} orders with seed {seed}: {len(chosen)} orders of {B2C}\n"
            f"     delivered. Export them with erp-export of {B2C} first. "
        )
    )
    for number, order in enumerate(chosen):
        # Both id forms of SPEC §6.2 appear: the plain document number and <document-no>@<store>.
        order_id = f"{order.document_no}@{store}" if number % 4 == 3 else order.document_no
        element = etree.SubElement(
            root,
            f"{{{STATUS_NAMESPACE}}}order",
            id=order_id,
            status=OrderStatus.DELIVERED.value,
            toBeDeleted="false",
        )
        for item in order.line_items:
            etree.SubElement(
                element,
                f"{{{STATUS_NAMESPACE}}}line-item",
                position=str(item.position),
                status=LineItemStatus.DELIVERED.value,
            )
        for payment in order.payments:
            etree.SubElement(
                element,
                f"{{{STATUS_NAMESPACE}}}payment-transaction",
                id=payment.transaction_id,
                status=PaymentStatus.CAPTURED.value,
            )
    etree.indent(root, space="  ")
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    return declaration + etree.tostring(root, encoding="UTF-8", pretty_print=True)
