"""The one transition table of SPEC §2."""

from __future__ import annotations

import pytest

from orderio_tui.domain.statuses import (
    HANDED_OVER,
    IMPORT_LINE_ITEM_TARGETS,
    IMPORT_ORDER_TARGETS,
    IMPORT_PAYMENT_TARGETS,
    Actor,
    Entity,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
    RunState,
    import_accepts_order,
    is_settable,
    transition_allowed,
)


def test_status_codes_are_those_of_the_spec() -> None:
    assert [s.value for s in OrderStatus] == [
        "CREATED", "PENDING", "NEW", "COMPLETED", "CANCELLED", "INPROGRESS",
        "CANCELLEDANDEXPORTED", "NOTDELIVERABLE", "DELIVERED", "RETURNED", "EXPORTED",
        "EXPORTFAILED", "PAYMENTCANCELLED", "MANUAL_INTERVENTION_NEEDED",
    ]  # fmt: skip
    assert [s.value for s in LineItemStatus] == [
        "NEW", "INPROGRESS", "CANCELLED", "CANCELLEDANDEXPORTED", "PARTDELIVERED", "DELIVERED",
        "RETURNED",
    ]  # fmt: skip
    assert {"CREATED", "AUTHORIZED", "CAPTURED", "VOIDEDAUTHORIZATION"} <= {
        s.value for s in PaymentStatus
    }


@pytest.mark.parametrize(
    ("source", "target"),
    [("NEW", "EXPORTED"), ("NEW", "INPROGRESS"), ("CANCELLED", "CANCELLEDANDEXPORTED")],
)
def test_export_may_apply_the_default_and_common_order_transitions(source, target) -> None:
    assert transition_allowed(Actor.EXPORT, Entity.ORDER, source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("CANCELLED", "EXPORTED"),
        ("NEW", "CANCELLEDANDEXPORTED"),
        ("NEW", "DELIVERED"),
        ("DELIVERED", "EXPORTED"),
        ("EXPORTED", "INPROGRESS"),
    ],
)
def test_export_may_not_apply_other_order_transitions(source, target) -> None:
    assert not transition_allowed(Actor.EXPORT, Entity.ORDER, source, target)


def test_export_line_item_transitions() -> None:
    assert transition_allowed(Actor.EXPORT, Entity.LINE_ITEM, "NEW", "INPROGRESS")
    assert transition_allowed(Actor.EXPORT, Entity.LINE_ITEM, "CANCELLED", "CANCELLEDANDEXPORTED")
    assert not transition_allowed(Actor.EXPORT, Entity.LINE_ITEM, "CANCELLED", "INPROGRESS")
    assert not transition_allowed(Actor.EXPORT, Entity.LINE_ITEM, "NEW", "DELIVERED")


def test_import_sets_only_the_statuses_the_spec_allows() -> None:
    for status in OrderStatus:
        assert is_settable(Actor.IMPORT, Entity.ORDER, status) == (status in IMPORT_ORDER_TARGETS)
    for status in LineItemStatus:
        assert is_settable(Actor.IMPORT, Entity.LINE_ITEM, status) == (
            status in IMPORT_LINE_ITEM_TARGETS
        )
    for status in PaymentStatus:
        assert is_settable(Actor.IMPORT, Entity.PAYMENT, status) == (
            status in IMPORT_PAYMENT_TARGETS
        )
    assert {"COMPLETED", "NOTDELIVERABLE", "DELIVERED", "RETURNED"} == IMPORT_ORDER_TARGETS
    assert {"PARTDELIVERED", "DELIVERED", "RETURNED"} == IMPORT_LINE_ITEM_TARGETS
    assert {"CAPTURED", "VOIDEDAUTHORIZATION"} == IMPORT_PAYMENT_TARGETS


def test_import_touches_only_handed_over_or_already_imported_orders() -> None:
    for status in OrderStatus:
        expected = status in HANDED_OVER or status in IMPORT_ORDER_TARGETS
        assert import_accepts_order(status) == expected, status
    assert not import_accepts_order("NEW")
    assert not import_accepts_order("EXPORTFAILED")
    assert transition_allowed(Actor.IMPORT, Entity.ORDER, "EXPORTED", "DELIVERED")
    assert transition_allowed(Actor.IMPORT, Entity.ORDER, "DELIVERED", "RETURNED")
    assert not transition_allowed(Actor.IMPORT, Entity.ORDER, "NEW", "DELIVERED")
    assert not transition_allowed(Actor.IMPORT, Entity.ORDER, "EXPORTED", "CANCELLED")


def test_import_payment_transitions() -> None:
    assert transition_allowed(Actor.IMPORT, Entity.PAYMENT, "AUTHORIZED", "CAPTURED")
    assert transition_allowed(Actor.IMPORT, Entity.PAYMENT, "AUTHORIZED", "VOIDEDAUTHORIZATION")
    assert not transition_allowed(Actor.IMPORT, Entity.PAYMENT, "VOIDEDAUTHORIZATION", "CAPTURED")
    assert not transition_allowed(Actor.IMPORT, Entity.PAYMENT, "AUTHORIZED", "CREATED")


def test_run_state_exit_codes() -> None:
    assert RunState.SUCCEEDED.exit_code == 0
    assert RunState.PARTIAL.exit_code == 3
    assert RunState.FAILED.exit_code == 1
