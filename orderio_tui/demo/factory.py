"""Generating the demo's orders: a pure function of ``(orders, seed)`` (:func:`demo_orders`)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from itertools import accumulate
from random import Random
from typing import TypeVar

from ..domain.statuses import (
    CustomerType,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
)
from .data import (
    _COUNTRY_BY_CODE,
    _COUNTRY_WEIGHTS,
    _EMAIL_DOMAINS,
    _LINE_ITEM_STATUS,
    _ORDER_STATUS_WEIGHTS,
    _PAYMENT_STATUS,
    _PAYMENT_WEIGHTS,
    _POPULARITY,
    _STATUS_REASONS,
    _TEMPLATE_LETTERS,
    _TRANSACTION_PREFIX,
    _TRANSLITERATION,
    B2B,
    B2C,
    B2C_SHARE,
    CASH_ON_DELIVERY,
    CASH_ON_DELIVERY_COST,
    CATALOGUE,
    CHANNEL_SPECS,
    CHANNELS,
    COUNTRIES,
    FEATURED_CUSTOMERS,
    FREE_SHIPPING_FROM,
    FREIGHT,
    FULFILMENT_TAKES,
    GIFT_CARD,
    INVALID_GUARANTEED_FROM,
    INVALID_SHARE,
    KNOWN_CUSTOMERS,
    MAX_AGE_SECONDS,
    MIN_AGE_SECONDS,
    OVERNIGHT,
    SHIPPING_TAX_RATE,
    STANDARD,
    TWO_DAY,
    ZERO,
    Product,
    _cents,
    _ChannelSpec,
    _Country,
    _ShippingMethod,
)

T = TypeVar("T")


# --------------------------------------------------------------------------- generated orders


@dataclass(frozen=True)
class DemoAddress:
    """A contact with a mailing address (the columns of ``AddressColumns``)."""

    title: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    email: str | None
    phone: str | None
    line1: str | None
    line2: str | None
    postal_code: str | None
    city: str | None
    state: str | None
    country: str | None
    country_code: str | None

    def columns(self, prefix: str = "") -> dict[str, str | None]:
        """The address as column values, each name prefixed (``invoice_`` for orders)."""
        return {f"{prefix}{name}": getattr(self, name) for name in _ADDRESS_FIELDS}


_ADDRESS_FIELDS = tuple(DemoAddress.__dataclass_fields__)


@dataclass(frozen=True)
class DemoCustomer:
    customer_no: str
    user_id: str
    customer_type: CustomerType
    locale: str
    taxation_id: str | None
    address: DemoAddress


@dataclass(frozen=True)
class DemoLineItem:
    position: int
    status: LineItemStatus
    #: Index into the order's buckets.
    bucket: int
    product: Product
    quantity: int
    unit_price_net: Decimal
    unit_price_gross: Decimal
    net_total: Decimal
    gross_total: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    discount_amount: Decimal
    discount_description: str | None


@dataclass(frozen=True)
class DemoBucket:
    key: str
    #: Index into the order's destinations.
    destination: int
    method: _ShippingMethod
    shipping_net: Decimal
    shipping_tax: Decimal
    shipping_gross: Decimal


@dataclass(frozen=True)
class DemoDestination:
    key: str
    address: DemoAddress


@dataclass(frozen=True)
class DemoPayment:
    transaction_id: str
    service_id: str
    amount: Decimal
    cost: Decimal
    status: PaymentStatus


@dataclass(frozen=True)
class DemoOrder:
    """One generated order; times are given as an age relative to the demo's anchor."""

    channel: str
    document_no: str
    age: timedelta
    status: OrderStatus
    customer: DemoCustomer
    invoice_address: DemoAddress
    line_items: tuple[DemoLineItem, ...]
    buckets: tuple[DemoBucket, ...]
    destinations: tuple[DemoDestination, ...]
    payments: tuple[DemoPayment, ...]
    currency: str
    #: Why the export of this order fails validation, or None.
    defect: str | None = None

    @property
    def status_reason(self) -> tuple[str | None, str | None]:
        return _STATUS_REASONS.get(self.status, (None, None))

    @property
    def item_total(self) -> Decimal:
        return sum((li.unit_price_net * li.quantity for li in self.line_items), ZERO)

    @property
    def item_discount_total(self) -> Decimal:
        return sum((li.discount_amount for li in self.line_items), ZERO)

    @property
    def shipping_total(self) -> Decimal:
        return sum((b.shipping_net for b in self.buckets), ZERO)

    @property
    def payment_costs(self) -> Decimal:
        return sum((p.cost for p in self.payments), ZERO)

    @property
    def tax_total(self) -> Decimal:
        line_tax = sum((li.tax_amount for li in self.line_items), ZERO)
        return line_tax + sum((b.shipping_tax for b in self.buckets), ZERO)

    @property
    def net_total(self) -> Decimal:
        return self.item_total - self.item_discount_total + self.shipping_total + self.payment_costs

    @property
    def gross_total(self) -> Decimal:
        return self.net_total + self.tax_total


def _fill(rng: Random, template: str) -> str:
    """Expand ``#`` to a random digit and ``@`` to a random letter."""
    return "".join(
        str(rng.randrange(10))
        if char == "#"
        else rng.choice(_TEMPLATE_LETTERS)
        if char == "@"
        else char
        for char in template
    )


def _cumulative(weights: Sequence[int]) -> list[int]:
    return list(accumulate(weights))


def _weighted(rng: Random, choices: Sequence[tuple[T, int]]) -> T:
    values = [value for value, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(values, weights)[0]


def _ascii_slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    return "".join(c for c in decomposed.lower() if c.isascii() and c.isalnum())


def _polish_female(last_name: str) -> str:
    for male, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if last_name.endswith(male):
            return last_name[: -len(male)] + female
    return last_name


_COUNTRY_SUMS = _cumulative(_COUNTRY_WEIGHTS)
_POPULARITY_SUMS = _cumulative(_POPULARITY)


class _OrderFactory:
    """Draws orders from one :class:`random.Random`; the call order fixes the result."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.customers: dict[str, list[DemoCustomer]] = {channel: [] for channel in CHANNELS}
        self.featured = {
            channel: [f for f in FEATURED_CUSTOMERS if f[0] == channel] for channel in CHANNELS
        }
        self.customer_count = 0

    # ------------------------------------------------------------------ people

    def person(
        self,
        country: _Country,
        *,
        name: tuple[str, str, str] | None = None,
        company: str | None = None,
    ) -> DemoAddress:
        rng = self.rng
        if name is None:
            female = rng.random() < 0.5
            first = rng.choice(country.female if female else country.male)
            last = rng.choice(country.last)
            if female and country.code == "PL":
                last = _polish_female(last)
            title = "Ms." if female else "Mr."
        else:
            title, first, last = name
        city = rng.choice(country.cities)
        street = rng.choice(country.streets)
        number = rng.randint(1, 160)
        line2 = _fill(rng, rng.choice(country.line2)) if rng.random() < 0.15 else None
        domain = f"{_ascii_slug(company)[:30]}.example" if company else rng.choice(_EMAIL_DOMAINS)
        return DemoAddress(
            title=title,
            first_name=first,
            last_name=last,
            company=company,
            email=f"{_ascii_slug(first)}.{_ascii_slug(last)}@{domain}",
            phone=_fill(rng, country.phone),
            line1=country.street_format.format(street=street, number=number),
            line2=line2,
            postal_code=_fill(rng, rng.choice(city.postal_codes)),
            city=city.name,
            state=city.state,
            country=country.name,
            country_code=country.code,
        )

    def company_name(self, country: _Country, last_name: str) -> str:
        rng = self.rng
        return f"{last_name} {rng.choice(country.trades)} {rng.choice(country.legal_forms)}"

    def customer(self, channel: str) -> DemoCustomer:
        rng = self.rng
        known = self.customers[channel]
        if known and rng.random() < 0.3:
            return rng.choice(known)
        name: tuple[str, str, str] | None = None
        if self.featured[channel]:
            _, country_code, title, first, last = self.featured[channel].pop(0)
            country = _COUNTRY_BY_CODE[country_code]
            name = (title, first, last)
            business = channel == B2B
        else:
            country = rng.choices(COUNTRIES, cum_weights=_COUNTRY_SUMS)[0]
            business = rng.random() < (0.9 if channel == B2B else 0.08)
        self.customer_count += 1
        number = self.customer_count
        if business:
            owner = name[2] if name else rng.choice(country.last)
            company = self.company_name(country, owner)
            address = self.person(country, name=name, company=company)
            customer = DemoCustomer(
                customer_no=f"B{number:06d}",
                user_id=f"U{number:06d}",
                customer_type=CustomerType.SMB,
                locale=country.locale,
                taxation_id=_fill(rng, country.vat_id),
                address=address,
            )
        else:
            address = self.person(country, name=name)
            customer = DemoCustomer(
                customer_no=f"C{number:06d}",
                user_id=f"C{number:06d}",
                customer_type=CustomerType.PRIVATE,
                locale=country.locale,
                taxation_id=None,
                address=address,
            )
        if len(known) < KNOWN_CUSTOMERS:
            known.append(customer)
        else:  # a bounded pool of returning customers keeps a million-order demo flat in memory
            known[rng.randrange(KNOWN_CUSTOMERS)] = customer
        return customer

    # ------------------------------------------------------------------ orders

    def order_status(self, age: timedelta) -> OrderStatus:
        status = _weighted(self.rng, _ORDER_STATUS_WEIGHTS)
        if status in (OrderStatus.COMPLETED, OrderStatus.DELIVERED) and age < FULFILMENT_TAKES:
            return OrderStatus.NEW
        return status

    def line_items(self, channel: str, status: OrderStatus) -> list[DemoLineItem]:
        rng = self.rng
        count = _weighted(rng, ((1, 40), (2, 28), (3, 17), (4, 10), (5, 5)))
        products: list[Product] = []
        while len(products) < count:
            product = rng.choices(CATALOGUE, cum_weights=_POPULARITY_SUMS)[0]
            if product not in products:
                products.append(product)
        item_status = _LINE_ITEM_STATUS[status]
        cancelled_position = 0
        if item_status is LineItemStatus.NEW and count >= 2 and rng.random() < 0.04:
            cancelled_position = rng.randint(1, count)
        items = []
        for position, product in enumerate(products, start=1):
            quantity = self.quantity(channel, product)
            unit_net = product.net_price
            before_discount = unit_net * quantity
            discount, description = self.discount(channel, before_discount, quantity)
            net = before_discount - discount
            tax = _cents(net * product.tax_rate)
            items.append(
                DemoLineItem(
                    position=position,
                    status=(
                        LineItemStatus.CANCELLED if position == cancelled_position else item_status
                    ),
                    bucket=0,
                    product=product,
                    quantity=quantity,
                    unit_price_net=unit_net,
                    unit_price_gross=_cents(unit_net * (1 + product.tax_rate)),
                    net_total=net,
                    gross_total=net + tax,
                    tax_rate=product.tax_rate,
                    tax_amount=tax,
                    discount_amount=discount,
                    discount_description=description,
                )
            )
        return items

    def quantity(self, channel: str, product: Product) -> int:
        rng = self.rng
        if channel == B2C:
            return _weighted(rng, ((1, 75), (2, 18), (3, 7)))
        if product.net_price < 50:
            return rng.choice((5, 10, 10, 20, 25, 50))
        return _weighted(rng, ((1, 40), (2, 20), (3, 15), (5, 15), (10, 10)))

    def discount(
        self, channel: str, before_discount: Decimal, quantity: int
    ) -> tuple[Decimal, str | None]:
        rng = self.rng
        draw = rng.random()
        if channel == B2B:
            if quantity >= 10:
                return _cents(before_discount * Decimal("0.05")), "Volume discount 5 % (10+ units)"
            if draw < 0.05:
                return _cents(before_discount * Decimal("0.03")), "Framework agreement 3 %"
            return ZERO, None
        if draw < 0.08:
            percent = rng.choice((10, 15, 20))
            campaign = rng.choice(("Spring Sale", "Black Week", "Newsletter welcome offer"))
            return _cents(before_discount * percent / 100), f"{percent} % off – {campaign}"
        if draw < 0.12 and before_discount >= 50:
            return Decimal("5.00"), "5 EUR voucher SAVE5"
        return ZERO, None

    def shipping(
        self, channel: str, method: _ShippingMethod, items: Iterable[DemoLineItem]
    ) -> tuple[Decimal, Decimal, Decimal]:
        item_value = sum((li.net_total for li in items), ZERO)
        net = method.net
        if method is STANDARD and item_value >= FREE_SHIPPING_FROM[channel]:
            net = ZERO
        tax = _cents(net * SHIPPING_TAX_RATE)
        return net, tax, net + tax

    def fulfilment(
        self, channel: str, customer: DemoCustomer, items: list[DemoLineItem]
    ) -> tuple[list[DemoLineItem], list[DemoBucket], list[DemoDestination]]:
        """Buckets and destinations; bulky goods go by freight, a few orders ship in two parts."""
        rng = self.rng
        country = _COUNTRY_BY_CODE[customer.address.country_code or "DE"]
        # A tenth of the orders ship to someone else (a gift, a workplace).
        main_address = self.person(country) if rng.random() < 0.1 else customer.address
        destinations = [DemoDestination("ADDRESS-000001", main_address)]
        parcel_method = _weighted(
            rng,
            ((STANDARD, 75), (TWO_DAY, 18), (OVERNIGHT, 7))
            if channel == B2C
            else ((STANDARD, 85), (TWO_DAY, 15)),
        )
        freight = [li.position for li in items if li.product.freight]
        if freight and len(freight) < len(items):
            groups = [(parcel_method, set()), (FREIGHT, set(freight))]
        elif freight:
            groups = [(FREIGHT, set(freight))]
        elif len(items) >= 2 and rng.random() < 0.08:
            positions = [li.position for li in items]
            rng.shuffle(positions)
            split = rng.randint(1, len(positions) - 1)
            second_method = rng.choice((TWO_DAY, OVERNIGHT))
            groups = [(parcel_method, set()), (second_method, set(positions[split:]))]
        else:
            groups = [(parcel_method, set())]
        second_destination = 0
        if len(groups) == 2 and rng.random() < 0.5:
            destinations.append(DemoDestination("ADDRESS-000002", self.person(country)))
            second_destination = 1

        assigned = [
            replace(li, bucket=1 if len(groups) == 2 and li.position in groups[1][1] else 0)
            for li in items
        ]
        buckets = []
        for index, (method, _) in enumerate(groups):
            members = [li for li in assigned if li.bucket == index]
            net, tax, gross = self.shipping(channel, method, members)
            buckets.append(
                DemoBucket(
                    key=f"BUCKET-{index + 1:06d}",
                    destination=second_destination if index == 1 else 0,
                    method=method,
                    shipping_net=net,
                    shipping_tax=tax,
                    shipping_gross=gross,
                )
            )
        return assigned, buckets, destinations

    def payments(
        self,
        customer: DemoCustomer,
        status: OrderStatus,
        goods_and_shipping_gross: Decimal,
    ) -> list[DemoPayment]:
        rng = self.rng
        weights = list(_PAYMENT_WEIGHTS[customer.customer_type])
        if customer.customer_type is CustomerType.PRIVATE and customer.address.country_code in (
            "DE",
            "AT",
        ):
            weights.append((CASH_ON_DELIVERY, 7))
        method = _weighted(rng, weights)
        cost = CASH_ON_DELIVERY_COST if method == CASH_ON_DELIVERY else ZERO
        total = goods_and_shipping_gross + cost
        payment_status = _PAYMENT_STATUS[status]
        if method == CASH_ON_DELIVERY and payment_status is PaymentStatus.AUTHORIZED:
            payment_status = PaymentStatus.CREATED
        gift_card = ZERO
        if (
            customer.customer_type is CustomerType.PRIVATE
            and total > Decimal("30")
            and rng.random() < 0.07
        ):
            gift_card = Decimal(rng.choice((10, 25, 50)))
            if gift_card >= total:
                gift_card = Decimal(10)
        payments = []
        if gift_card:
            payments.append(self.payment(GIFT_CARD, gift_card, ZERO, payment_status))
        payments.append(self.payment(method, total - gift_card, cost, payment_status))
        return payments

    def payment(
        self, service_id: str, amount: Decimal, cost: Decimal, status: PaymentStatus
    ) -> DemoPayment:
        token = f"{self.rng.getrandbits(48):012x}"
        return DemoPayment(
            transaction_id=f"{_TRANSACTION_PREFIX[service_id]}-{token}",
            service_id=service_id,
            amount=amount,
            cost=cost,
            status=status,
        )

    def order(self, channel: str, document_no: str, age: timedelta) -> DemoOrder:
        customer = self.customer(channel)
        status = self.order_status(age)
        items = self.line_items(channel, status)
        items, buckets, destinations = self.fulfilment(channel, customer, items)
        goods_and_shipping = sum((li.gross_total for li in items), ZERO) + sum(
            (b.shipping_gross for b in buckets), ZERO
        )
        payments = self.payments(customer, status, goods_and_shipping)
        return DemoOrder(
            channel=channel,
            document_no=document_no,
            age=age,
            status=status,
            customer=customer,
            invoice_address=customer.address,
            line_items=tuple(items),
            buckets=tuple(buckets),
            destinations=tuple(destinations),
            payments=tuple(payments),
            currency=_channel_spec(channel).currency,
        )


def _break_invoice_address(order: DemoOrder, *, drop_street: bool) -> DemoOrder:
    """The order with an invoice address that ICM's mailing-address schema rejects."""
    if drop_street:
        address = replace(order.invoice_address, line1=None)
        defect = "invoice address has no street (line1)"
    else:
        address = replace(order.invoice_address, city=None)
        defect = "invoice address has no city"
    return replace(order, invoice_address=address, defect=defect)


def _channel_spec(name: str) -> _ChannelSpec:
    return next(spec for spec in CHANNEL_SPECS if spec.name == name)


def demo_orders(*, orders: int = 500, seed: int = 1) -> list[DemoOrder]:
    """The demo's orders for ``(orders, seed)`` as a list (see :func:`iter_demo_orders`)."""
    return list(iter_demo_orders(orders=orders, seed=seed))


def iter_demo_orders(*, orders: int = 500, seed: int = 1) -> Iterator[DemoOrder]:
    """The demo's orders for ``(orders, seed)``, oldest first, one at a time; the same
    arguments, the same orders. Memory stays flat however many are asked for.

    Document numbers are ``00000001`` … in creation order, unique across both channels. The
    ages come out oldest first without sorting: each is the largest of the remaining ``k``
    uniform draws, ``x_k = x_{k+1} · U^(1/k)``. About :data:`INVALID_SHARE` of each channel's
    orders (at least one per channel from :data:`INVALID_GUARANTEED_FROM` orders on) are NEW
    orders with an invoice address the export's validation rejects.
    """
    rng = Random(seed)
    factory = _OrderFactory(rng)
    span = MAX_AGE_SECONDS - MIN_AGE_SECONDS
    fraction = 1.0
    seen = dict.fromkeys(CHANNELS, 0)
    broken = dict.fromkeys(CHANNELS, 0)
    guaranteed = 1 if orders >= INVALID_GUARANTEED_FROM else 0
    for number in range(1, orders + 1):
        fraction *= rng.random() ** (1.0 / (orders - number + 1))
        age = timedelta(seconds=MIN_AGE_SECONDS + int(fraction * span))
        channel = B2C if rng.random() < B2C_SHARE else B2B
        order = factory.order(channel, f"{number:08d}", age)
        seen[channel] += 1
        quota = max(guaranteed, round(seen[channel] * INVALID_SHARE))
        if order.status is OrderStatus.NEW and broken[channel] < quota:
            order = _break_invoice_address(order, drop_street=sum(broken.values()) % 2 == 0)
            broken[channel] += 1
        yield order
