"""Checks an order must pass before it goes into an export file (SPEC §7.1 step 2).

An order that fails is left out of the file and recorded as failed with a reason code and text
(and set to EXPORTFAILED when the configuration updates statuses). The reason codes are stable
identifiers an operator can filter on; the text says what exactly is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .order_xml import ExportContact, ExportOrder

NO_LINE_ITEMS = "NO_LINE_ITEMS"
MISSING_CURRENCY = "MISSING_CURRENCY"
INVALID_CURRENCY = "INVALID_CURRENCY"
MISSING_CUSTOMER = "MISSING_CUSTOMER"
INCOMPLETE_INVOICE_ADDRESS = "INCOMPLETE_INVOICE_ADDRESS"
INCOMPLETE_SHIP_TO_ADDRESS = "INCOMPLETE_SHIP_TO_ADDRESS"
UNKNOWN_DESTINATION = "UNKNOWN_DESTINATION"
MISSING_PRODUCT = "MISSING_PRODUCT"

_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class ExportProblem:
    """Why an order cannot be exported."""

    code: str
    text: str


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def missing_address_fields(contact: ExportContact) -> list[str]:
    """The mandatory mailing-address fields that ``contact`` lacks."""
    missing = []
    if _blank(contact.line1):
        missing.append("street (line 1)")
    if _blank(contact.postal_code):
        missing.append("postal code")
    if _blank(contact.city):
        missing.append("city")
    if _blank(contact.country) and _blank(contact.country_code):
        missing.append("country")
    return missing


def validate_order(order: ExportOrder) -> ExportProblem | None:
    """The first reason (by importance) why ``order`` cannot be exported, with all details."""
    problems: list[ExportProblem] = []
    if not order.line_items:
        problems.append(ExportProblem(NO_LINE_ITEMS, "order has no line items"))
    if _blank(order.currency):
        problems.append(ExportProblem(MISSING_CURRENCY, "order has no currency"))
    elif not _CURRENCY.fullmatch(order.currency or ""):
        problems.append(
            ExportProblem(
                INVALID_CURRENCY, f"currency '{order.currency}' is not a three-letter ISO code"
            )
        )
    if _blank(order.customer_no) and _blank(order.user_id):
        problems.append(ExportProblem(MISSING_CUSTOMER, "order has no customer number or user id"))
    missing = missing_address_fields(order.invoice)
    if missing:
        problems.append(
            ExportProblem(INCOMPLETE_INVOICE_ADDRESS, f"invoice address lacks {', '.join(missing)}")
        )
    destination_keys = set()
    for destination in order.destinations:
        destination_keys.add(destination.key)
        missing = missing_address_fields(destination.contact)
        if missing:
            problems.append(
                ExportProblem(
                    INCOMPLETE_SHIP_TO_ADDRESS,
                    f"ship-to address '{destination.key}' lacks {', '.join(missing)}",
                )
            )
    for bucket in order.buckets:
        if _blank(bucket.destination_key) or bucket.destination_key not in destination_keys:
            problems.append(
                ExportProblem(
                    UNKNOWN_DESTINATION, f"shipping bucket '{bucket.key}' has no ship-to address"
                )
            )
    for item in order.line_items:
        if _blank(item.sku) or _blank(item.product_name):
            problems.append(
                ExportProblem(
                    MISSING_PRODUCT, f"line item {item.position} has no product SKU or name"
                )
            )
    if not problems:
        return None
    return ExportProblem(problems[0].code, "; ".join(p.text for p in problems))
