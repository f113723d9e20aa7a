"""Deterministic demo data: channels, services, configurations and realistic orders (SPEC §10).

The package: :mod:`.data` (reference data), :mod:`.factory` (the orders, generated),
:mod:`.loading` (:func:`create_demo`, bulk insert) and :mod:`.status_file` (a sample status file).

:func:`create_demo` fills an *empty* database so that every screen and command has something to
work on: channels ``demo-b2c`` and ``demo-b2b``, an ERP and a BI export service writing under
``<root>/export``, one status import service per channel reading ``<root>/import/<channel>/inbox``
(an inbox has one import configuration), the configurations ``erp-export``, ``bi-export`` and
``erp-status`` in each channel, and N orders.

The orders are a pure function of ``(orders, seed)`` (:func:`demo_orders`); only their creation
times are anchored on the current time (each order is a fixed age old). About 1 % of them have an
invoice address without street or city, so that their export fails validation.

Money conventions of the generated orders (all amounts in the channel currency, 2 decimals):

- line item: ``net_total = unit_price_net × quantity − discount_amount`` (the discount is a positive
  net amount), ``tax_amount = net_total × tax_rate`` rounded half up to cents,
  ``gross_total = net_total + tax_amount``, ``unit_price_gross = unit_price_net × (1 + tax_rate)``;
- bucket: ``shipping_gross = shipping_net + shipping_tax``;
- order: ``item_total = Σ unit_price_net × quantity`` (before discounts),
  ``item_discount_total = Σ discount_amount``, ``shipping_total = Σ shipping_net``,
  ``payment_costs = Σ payment cost`` (untaxed), ``tax_total = Σ line tax + Σ shipping tax``,
  ``net_total = item_total − item_discount_total + shipping_total + payment_costs``,
  ``gross_total = net_total + tax_total = Σ payment amount``.
"""

from .data import B2B, B2C, CHANNELS, STATUS_NAMESPACE
from .factory import DemoOrder, demo_orders
from .loading import DemoSummary, create_demo
from .status_file import status_file_for, status_file_orders

__all__ = [
    "B2B",
    "B2C",
    "CHANNELS",
    "STATUS_NAMESPACE",
    "DemoOrder",
    "DemoSummary",
    "create_demo",
    "demo_orders",
    "status_file_for",
    "status_file_orders",
]
