"""Helpers of the status import tests: a small import world (two channels, one import service
and configuration, orders built with the models, real inbox directories) and status files."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import selectinload

from orderio_tui.database import Database
from orderio_tui.domain.models import (
    Channel,
    ImportConfiguration,
    ImportedFile,
    LineItem,
    Order,
    PaymentTransaction,
    Run,
    RunLogLine,
    RunResultRow,
    Service,
    StatusHistory,
)
from orderio_tui.domain.statuses import ServiceKind, Trigger
from orderio_tui.engines.status_import import NAMESPACE, run_import
from orderio_tui.runs.journal import RunEvents, RunOutcome

OWN_CHANNEL = "shop-a"
OWN_STORE = "Store-A"
OTHER_CHANNEL = "shop-b"
OTHER_STORE = "Store-B"


@dataclass
class Entry:
    """One `order` element of a status file to write."""

    id: str
    status: str | None = None
    to_be_deleted: bool | str | None = None
    changed: str | None = None
    line_items: Sequence[tuple[int | str, str]] = ()
    payments: Sequence[tuple[str, str]] = ()


def status_xml(entries: Iterable[Entry], *, namespace: str = NAMESPACE) -> str:
    """A status file (SPEC §6.2) with the given entries."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<orders xmlns="{namespace}">']
    for entry in entries:
        attributes = [f"id={quoteattr(entry.id)}"]
        if entry.status is not None:
            attributes.append(f"status={quoteattr(entry.status)}")
        if entry.to_be_deleted is not None:
            flag = entry.to_be_deleted
            text = flag if isinstance(flag, str) else ("true" if flag else "false")
            attributes.append(f"toBeDeleted={quoteattr(text)}")
        if entry.changed is not None:
            attributes.append(f"changed={quoteattr(entry.changed)}")
        children = [
            f'    <line-item position="{position}" status={quoteattr(status)}/>'
            for position, status in entry.line_items
        ] + [
            f"    <payment-transaction id={quoteattr(pid)} status={quoteattr(status)}/>"
            for pid, status in entry.payments
        ]
        if children:
            lines.append(f"  <order {' '.join(attributes)}>")
            lines.extend(children)
            lines.append("  </order>")
        else:
            lines.append(f"  <order {' '.join(attributes)}/>")
    lines.append("</orders>")
    return "\n".join(lines) + "\n"


@dataclass
class OrderSnapshot:
    status: str
    to_be_deleted: bool
    line_items: dict[int, str]
    payments: dict[str, str]


@dataclass
class ImportWorld:
    """Channels, an import service and configuration, and helpers to deliver and run."""

    db: Database
    root: Path
    inbox: Path
    channel_ids: dict[str, int]
    configuration_id: int
    service_id: int
    #: `erp-status` of the other channel, reading the same inbox.
    other_configuration_id: int
    events: list[Any] = field(default_factory=list)

    @property
    def archive(self) -> Path:
        return self.inbox / "archive"

    @property
    def error(self) -> Path:
        return self.inbox / "error"

    @property
    def processing(self) -> Path:
        return self.inbox / "processing"

    # ------------------------------------------------------------------ data

    def add_order(
        self,
        document_no: str,
        status: str = "EXPORTED",
        *,
        channel: str = OWN_CHANNEL,
        line_items: Sequence[str] = ("INPROGRESS", "INPROGRESS"),
        payments: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        """An order with line items at positions 1.. and payments (default one AUTHORIZED)."""
        self.add_orders(
            [document_no], status, channel=channel, line_items=line_items, payments=payments
        )

    def add_orders(
        self,
        document_nos: Iterable[str],
        status: str = "EXPORTED",
        *,
        channel: str = OWN_CHANNEL,
        line_items: Sequence[str] = ("INPROGRESS", "INPROGRESS"),
        payments: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        """Several orders alike (one transaction); payments default to PAY-<no> AUTHORIZED."""
        with self.db.write() as session:
            for document_no in document_nos:
                order = Order(
                    channel_id=self.channel_ids[channel], document_no=document_no, status=status
                )
                for position, item_status in enumerate(line_items, start=1):
                    order.line_items.append(
                        LineItem(
                            position=position,
                            status=item_status,
                            sku=f"SKU-{position}",
                            product_name=f"Product {position}",
                            unit_price_net=Decimal("10.00"),
                            unit_price_gross=Decimal("11.90"),
                            net_total=Decimal("10.00"),
                            gross_total=Decimal("11.90"),
                            tax_rate=Decimal("0.19"),
                            tax_amount=Decimal("1.90"),
                        )
                    )
                own_payments = (
                    [(f"PAY-{document_no}", "AUTHORIZED")] if payments is None else payments
                )
                for transaction_id, payment_status in own_payments:
                    order.payments.append(
                        PaymentTransaction(
                            transaction_id=transaction_id,
                            service_id="ISH_INVOICE",
                            amount=Decimal("23.80"),
                            status=payment_status,
                        )
                    )
                session.add(order)

    def add_orders_in_bulk(
        self, document_nos: Sequence[str], *, line_items: int = 1, payments: bool = True
    ) -> None:
        """Many EXPORTED orders of the own channel, inserted with a few statements (big files):
        ``line_items`` INPROGRESS line items each, and payment PAY-<no> AUTHORIZED."""
        channel_id = self.channel_ids[OWN_CHANNEL]
        money = Decimal("10.00")
        with self.db.write() as session:
            session.execute(
                insert(Order),
                [
                    {"channel_id": channel_id, "document_no": n, "status": "EXPORTED"}
                    for n in document_nos
                ],
            )
            ids = dict(
                session.execute(
                    select(Order.document_no, Order.id).where(Order.channel_id == channel_id)
                ).all()
            )
            session.execute(
                insert(LineItem),
                [
                    {
                        "order_id": ids[n],
                        "position": position,
                        "status": "INPROGRESS",
                        "sku": f"SKU-{position}",
                        "product_name": f"Product {position}",
                        "unit_price_net": money,
                        "unit_price_gross": money,
                        "net_total": money,
                        "gross_total": money,
                        "tax_rate": Decimal("0.19"),
                        "tax_amount": money,
                    }
                    for n in document_nos
                    for position in range(1, line_items + 1)
                ],
            )
            if payments:
                session.execute(
                    insert(PaymentTransaction),
                    [
                        {
                            "order_id": ids[n],
                            "transaction_id": f"PAY-{n}",
                            "service_id": "ISH_INVOICE",
                            "amount": money,
                            "status": "AUTHORIZED",
                        }
                        for n in document_nos
                    ],
                )

    def snapshot(self) -> dict[tuple[str, str], OrderSnapshot]:
        """Every order's statuses, by (channel, document number)."""
        names = {channel_id: name for name, channel_id in self.channel_ids.items()}
        with self.db.read() as session:
            orders = session.scalars(
                select(Order).options(selectinload(Order.line_items), selectinload(Order.payments))
            ).all()
            return {
                (names[o.channel_id], o.document_no): OrderSnapshot(
                    o.status,
                    o.to_be_deleted,
                    {li.position: li.status for li in o.line_items},
                    {p.transaction_id: p.status for p in o.payments},
                )
                for o in orders
            }

    def order(self, document_no: str, channel: str = OWN_CHANNEL) -> OrderSnapshot:
        return self.snapshot()[(channel, document_no)]

    def last_import_change(self, document_no: str) -> Any:
        with self.db.read() as session:
            return session.scalar(
                select(Order.last_import_change_at).where(Order.document_no == document_no)
            )

    def history(self, document_no: str | None = None) -> list[StatusHistory]:
        with self.db.read() as session:
            query = select(StatusHistory).order_by(StatusHistory.id)
            if document_no is not None:
                query = query.join(Order).where(Order.document_no == document_no)
            return list(session.scalars(query))

    def results(self, run_id: int | None = None) -> list[RunResultRow]:
        with self.db.read() as session:
            query = select(RunResultRow).order_by(RunResultRow.id)
            if run_id is not None:
                query = query.where(RunResultRow.run_id == run_id)
            return list(session.scalars(query))

    def log(self, run_id: int) -> list[str]:
        with self.db.read() as session:
            return list(
                session.scalars(
                    select(RunLogLine.message)
                    .where(RunLogLine.run_id == run_id)
                    .order_by(RunLogLine.id)
                )
            )

    def run_row(self, run_id: int) -> Run:
        with self.db.read() as session:
            run = session.get(Run, run_id)
            assert run is not None
            return run

    def ledger(self) -> list[ImportedFile]:
        with self.db.read() as session:
            return list(session.scalars(select(ImportedFile).order_by(ImportedFile.id)))

    def set_service(self, **values: Any) -> None:
        with self.db.write() as session:
            session.execute(update(Service).where(Service.id == self.service_id).values(**values))

    def reset(self, orders: dict[tuple[str, str], OrderSnapshot]) -> None:
        """Put every order back to the given statuses; forget history, results and the ledger."""
        with self.db.write() as session:
            session.execute(delete(StatusHistory))
            session.execute(delete(ImportedFile))
            session.execute(delete(RunResultRow))
            for (channel, document_no), state in orders.items():
                order = session.scalars(
                    select(Order).where(
                        Order.channel_id == self.channel_ids[channel],
                        Order.document_no == document_no,
                    )
                ).one()
                order.status = state.status
                order.to_be_deleted = state.to_be_deleted
                order.last_import_change_at = None
                for item in order.line_items:
                    item.status = state.line_items[item.position]
                for payment in order.payments:
                    payment.status = state.payments[payment.transaction_id]

    # ------------------------------------------------------------------ files and runs

    def deliver(self, name: str, content: str | bytes, *, age: float = 60.0) -> Path:
        """Write a file into the inbox, ``age`` seconds old."""
        path = self.inbox / name
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
        moment = time.time() - age
        os.utime(path, (moment, moment))
        return path

    def run(self, *, dry_run: bool = False, configuration_id: int | None = None) -> RunOutcome:
        bus = RunEvents()
        bus.subscribe(self.events.append)
        return run_import(
            self.db,
            configuration_id or self.configuration_id,
            trigger=Trigger.MANUAL,
            dry_run=dry_run,
            events=bus,
        )

    def files(self, directory: Path) -> list[str]:
        return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


def make_world(db: Database, root: Path) -> ImportWorld:
    """Two channels, an import service reading ``root/inbox`` and configuration `erp-status`."""
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    with db.write() as session:
        own = Channel(name=OWN_CHANNEL, store=OWN_STORE)
        other = Channel(name=OTHER_CHANNEL, store=OTHER_STORE)
        service = Service(
            name="status-in",
            kind=ServiceKind.STATUS_IMPORT_XML.value,
            directory=str(inbox),
            min_file_age_seconds=2,
        )
        session.add_all([own, other, service])
        session.flush()
        configuration = ImportConfiguration(
            channel_id=own.id, name="erp-status", service_id=service.id
        )
        other_configuration = ImportConfiguration(
            channel_id=other.id, name="erp-status", service_id=service.id
        )
        session.add_all([configuration, other_configuration])
        session.flush()
        return ImportWorld(
            db=db,
            root=root,
            inbox=inbox,
            channel_ids={OWN_CHANNEL: own.id, OTHER_CHANNEL: other.id},
            configuration_id=configuration.id,
            service_id=service.id,
            other_configuration_id=other_configuration.id,
        )


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)
