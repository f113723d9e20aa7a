"""Deterministic demo data: channels, services, configurations and realistic orders (SPEC §10).

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

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from random import Random
from typing import Any, TypeVar

from lxml import etree
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from .database import Database
from .domain.bulk import reserve_ids
from .domain.models import (
    Bucket,
    Channel,
    Destination,
    ExportConfiguration,
    ImportConfiguration,
    IntakeConfiguration,
    LineItem,
    Order,
    PaymentTransaction,
    Service,
    StatusHistory,
)
from .domain.statuses import (
    CustomerType,
    Entity,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
    ServiceKind,
)
from .errors import UserError

T = TypeVar("T")

B2C = "demo-b2c"
B2B = "demo-b2b"
CHANNELS = (B2C, B2B)
MAX_ORDERS = 1_000_000
#: Share of orders in the B2C channel.
B2C_SHARE = 0.6
#: Share of orders per channel whose invoice address is incomplete (export validation fails).
INVALID_SHARE = 0.01
#: From this many orders on, each channel has at least one invalid order.
INVALID_GUARANTEED_FROM = 200
#: Orders are between 5 minutes and 60 days old.
MIN_AGE_SECONDS = 5 * 60
MAX_AGE_SECONDS = 60 * 24 * 3600
#: Orders per round of bulk INSERTs.
BATCH_ORDERS = 1000

STATUS_NAMESPACE = "http://www.intershop.com/xml/ns/intershop/order/status/1.0"

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FULL_RATE = Decimal("0.19")
REDUCED_RATE = Decimal("0.07")
SHIPPING_TAX_RATE = FULL_RATE


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class _ChannelSpec:
    name: str
    display_name: str
    store: str
    locale: str
    currency: str


CHANNEL_SPECS = (
    _ChannelSpec(B2C, "inSPIRED inTRONICS", "inSPIRED-inTRONICS-Site", "en_US", "EUR"),
    _ChannelSpec(
        B2B,
        "inSPIRED inTRONICS Business",
        "inSPIRED-inTRONICS_Business-Site",
        "en_US",
        "EUR",
    ),
)

ERP_EXPORT_SERVICE = "erp-xml-export"
BI_EXPORT_SERVICE = "bi-xml-export"
#: The status import service of each channel; the sample status file is for demo-b2c.
STATUS_IMPORT_SERVICES = {B2C: "erp-status-import", B2B: "erp-status-import-b2b"}
#: The order intake service of each channel (SPEC §13), reading DIR/intake/<channel>/inbox.
INTAKE_SERVICES = {B2C: "shop-intake", B2B: "shop-intake-b2b"}


@dataclass(frozen=True)
class Product:
    """A catalogue entry; the net price is derived from the gross list price."""

    sku: str
    name: str
    supplier: str
    list_price_gross: Decimal
    tax_rate: Decimal = FULL_RATE
    #: How often it is bought, relative to the other products.
    popularity: int = 10
    #: Bulky goods ship by freight in a bucket of their own.
    freight: bool = False

    @property
    def net_price(self) -> Decimal:
        return _cents(self.list_price_gross / (1 + self.tax_rate))


def _product(
    sku: str,
    name: str,
    supplier: str,
    gross: str,
    popularity: int,
    *,
    rate: Decimal = FULL_RATE,
    freight: bool = False,
) -> Product:
    return Product(sku, name, supplier, Decimal(gross), rate, popularity, freight)


_SAMSUNG = "Samsung Electronics GmbH"
_LG = "LG Electronics Deutschland GmbH"
_HP = "HP Deutschland GmbH"
_LOGITECH = "Logitech Europe S.A."
_CANON = "Canon Deutschland GmbH"
_SONY = "Sony Europe B.V."
_BSH = "BSH Hausgeräte GmbH"
_ANKER = "Anker Innovations Deutschland GmbH"
_NETGEAR = "NETGEAR Deutschland GmbH"
_ASSMANN = "ASSMANN Electronic GmbH"
_DALLMAYR = "Alois Dallmayr Kaffee OHG"
_LAVAZZA = "Luigi Lavazza Deutschland GmbH"
_DK = "Dorling Kindersley Verlag GmbH"
_DPUNKT = "dpunkt.verlag GmbH"
_7 = REDUCED_RATE

CATALOGUE: tuple[Product, ...] = (
    _product("1020531", "Samsung Galaxy S24 128 GB, Onyx Black", _SAMSUNG, "899.00", 8),
    _product("1020547", 'Samsung Galaxy Tab S9 11" Wi-Fi 128 GB', _SAMSUNG, "799.00", 6),
    _product("1020552", "Samsung T7 Portable SSD 1 TB", _SAMSUNG, "119.90", 12),
    _product("2041187", "LG OLED65C37LA 164 cm 4K OLED TV", _LG, "1899.00", 2, freight=True),
    _product("2041190", "LG 32LQ63006LA 80 cm Full HD LED TV", _LG, "279.00", 6),
    _product("3100214", "HP ProBook 450 G10 Notebook PC", _HP, "1049.00", 6),
    _product("3100228", "HP LaserJet Pro 4002dn Printer", _HP, "349.00", 5),
    _product("3100231", "HP 151A Black Toner Cartridge", _HP, "89.90", 12),
    _product("3100245", 'Dell UltraSharp U2723QE 27" 4K Monitor', "Dell GmbH", "649.00", 6),
    _product("3100259", "Topstar ErgoPro 500 Office Chair", "Topstar GmbH", "389.00", 2,
             freight=True),
    _product("4200017", "Logitech MX Master 3S Wireless Mouse", _LOGITECH, "109.00", 14),
    _product("4200025", "Logitech MX Keys S Keyboard, German layout", _LOGITECH, "119.00", 12),
    _product("4200033", "Logitech C920 HD Pro Webcam", _LOGITECH, "79.99", 10),
    _product("5300409", "Canon EOS R50 Mirrorless Camera, 18–45 mm Kit", _CANON, "929.00", 4),
    _product("5300412", "Canon PIXMA TS5350i All-in-One Printer", _CANON, "89.00", 6),
    _product("6410077", "Sony WH-1000XM5 Wireless Noise Cancelling Headphones", _SONY, "379.00",
             8),
    _product("6410085", "Sony SRS-XB100 Portable Bluetooth Speaker", _SONY, "59.00", 10),
    _product("7110233", "Bosch Serie 6 KGN39AIBT Fridge-Freezer", _BSH, "1099.00", 1,
             freight=True),
    _product("7110248", "Bosch Serie 4 WAN28K43 Washing Machine", _BSH, "599.00", 1,
             freight=True),
    _product("7110251", "Siemens EQ.6 plus s300 Bean-to-Cup Espresso Machine", _BSH, "849.00",
             4),
    _product("8020145", "Anker PowerCore 20000 mAh Power Bank", _ANKER, "45.99", 14),
    _product("8020152", "Anker 737 USB-C Charger 120 W", _ANKER, "89.99", 12),
    _product("8020166", "USB-C to USB-C Cable 2 m, braided", _ANKER, "14.99", 18),
    _product("8120014", "Cat 6a Ethernet Patch Cable 5 m", _ASSMANN, "8.49", 16),
    _product("8120029", "Netgear GS308 8-Port Gigabit Switch", _NETGEAR, "24.90", 10),
    _product("8120033", "FRITZ!Box 7590 AX Wi-Fi 6 Router", "AVM GmbH", "279.00", 6),
    _product("9050118", "Dallmayr Prodomo Coffee Beans 1 kg", _DALLMAYR, "21.99", 12, rate=_7),
    _product("9050122", "Lavazza Espresso Italiano Coffee Beans 1 kg", _LAVAZZA, "18.49", 10,
             rate=_7),
    _product("9310006", "Photography – The Definitive Visual History (book)", _DK, "39.95", 6,
             rate=_7),
    _product("9310013", "Python Crash Course, 3rd Edition (book)", _DPUNKT, "34.90", 6, rate=_7),
)  # fmt: skip
_POPULARITY = [product.popularity for product in CATALOGUE]


@dataclass(frozen=True)
class _City:
    name: str
    #: Postal code templates: ``#`` is a digit, ``@`` a letter.
    postal_codes: tuple[str, ...]
    state: str | None = None


def _city(name: str, *postal_codes: str, state: str | None = None) -> _City:
    return _City(name, postal_codes, state)


@dataclass(frozen=True)
class _Country:
    code: str
    name: str
    locale: str
    weight: int
    cities: tuple[_City, ...]
    streets: tuple[str, ...]
    #: How line 1 is written, with ``{street}`` and ``{number}``.
    street_format: str
    line2: tuple[str, ...]
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]
    trades: tuple[str, ...]
    legal_forms: tuple[str, ...]
    vat_id: str
    phone: str


COUNTRIES: tuple[_Country, ...] = (
    _Country(
        "DE", "Germany", "de_DE", 34,
        (
            _city("Berlin", "10###", "12###", "13###"),
            _city("Hamburg", "20###", "22###"),
            _city("München", "80###", "81###"),
            _city("Köln", "50###", "51###"),
            _city("Frankfurt am Main", "60###"),
            _city("Stuttgart", "70###"),
            _city("Düsseldorf", "40###"),
            _city("Leipzig", "04###"),
            _city("Dresden", "01###"),
            _city("Jena", "077##"),
            _city("Potsdam", "144##"),
            _city("Nürnberg", "90###"),
            _city("Freiburg im Breisgau", "791##"),
        ),
        ("Hauptstraße", "Bahnhofstraße", "Goethestraße", "Schillerstraße", "Berliner Straße",
         "Lindenallee", "Am Markt", "Friedrichstraße", "Gartenweg", "Mühlenweg", "Kastanienallee"),
        "{street} {number}",
        ("2. OG", "Hinterhaus", "Aufgang B", "c/o Empfang"),
        ("Anna", "Julia", "Katharina", "Lena", "Sabine", "Petra", "Jana", "Lea", "Hannah",
         "Sophie", "Birgit", "Ursula"),
        ("Jürgen", "Thomas", "Michael", "Andreas", "Stefan", "Lukas", "Jonas", "Felix", "Björn",
         "Jörg", "Uwe", "Klaus"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Schulz", "Hoffmann", "Schröder", "Koch", "Müßig", "Weiß", "Groß", "Köhler", "Günther",
         "Krüger", "Böhm", "Schäfer"),
        ("Elektrotechnik", "Bürotechnik", "Handel", "Systemhaus", "Medientechnik", "Logistik"),
        ("GmbH", "GmbH & Co. KG", "AG", "e.K."),
        "DE#########", "+49 ### #######",
    ),
    _Country(
        "AT", "Austria", "de_AT", 8,
        (
            _city("Wien", "1010", "1030", "1040", "1060", "1070", "1090", "1100", "1120", "1190"),
            _city("Graz", "80#0"),
            _city("Linz", "40#0"),
            _city("Salzburg", "5020"),
            _city("Innsbruck", "6020"),
        ),
        ("Mariahilfer Straße", "Landstraßer Hauptstraße", "Herrengasse", "Getreidegasse",
         "Praterstraße", "Wiedner Hauptstraße", "Linzer Gasse"),
        "{street} {number}",
        ("Top #", "Stiege #/Top ##"),
        ("Anna", "Lisa", "Theresa", "Magdalena", "Elisabeth", "Johanna"),
        ("Lukas", "Florian", "Maximilian", "Franz", "Josef", "Günther"),
        ("Gruber", "Huber", "Bauer", "Wagner", "Pichler", "Steiner", "Moser", "Hofer", "Leitner",
         "Pölzl", "Mayrhofer"),
        ("Elektrotechnik", "Bürotechnik", "Handel", "IT-Service"),
        ("GmbH", "OG", "KG"),
        "ATU########", "+43 1 ### ## ##",
    ),
    _Country(
        "CH", "Switzerland", "de_CH", 7,
        (
            _city("Zürich", "80##"),
            _city("Bern", "30##"),
            _city("Basel", "40##"),
            _city("Genève", "120#"),
            _city("Lausanne", "10##"),
            _city("Luzern", "600#"),
        ),
        ("Bahnhofstrasse", "Limmatquai", "Seestrasse", "Rue du Rhône", "Rue de Lausanne",
         "Marktgasse"),
        "{street} {number}",
        ("Postfach", "3. Stock"),
        ("Anna", "Laura", "Céline", "Nadia", "Mia", "Ursina"),
        ("Luca", "Noah", "Reto", "Urs", "Beat", "Mathieu"),
        ("Müller", "Meier", "Keller", "Brunner", "Frei", "Baumann", "Zürcher", "Rochat", "Favre"),
        ("Präzision", "Informatik", "Handel", "Bürotechnik"),
        ("AG", "GmbH", "SA"),
        "CHE-###.###.### MWST", "+41 ## ### ## ##",
    ),
    _Country(
        "FR", "France", "fr_FR", 10,
        (
            _city("Paris", "7500#", "7501#"),
            _city("Lyon", "6900#"),
            _city("Marseille", "1300#", "1301#"),
            _city("Toulouse", "31#00"),
            _city("Bordeaux", "33#00"),
            _city("Lille", "59000", "59800"),
            _city("Strasbourg", "67#00"),
            _city("Nantes", "44#00"),
        ),
        ("rue de Rivoli", "avenue Victor Hugo", "boulevard Saint-Germain", "rue de la République",
         "rue Sainte-Catherine", "place Bellecour", "quai des Célestins"),
        "{number} {street}",
        ("Bâtiment B", "Appartement ##", "Escalier C"),
        ("Camille", "Chloé", "Léa", "Hélène", "Élodie", "Manon", "Inès"),
        ("François", "Hugo", "Louis", "Gaël", "Jérôme", "Thibault", "Étienne"),
        ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Fournier", "Mercier",
         "Rousseau", "Gérard", "Faure"),
        ("Informatique", "Électronique", "Distribution", "Bureautique"),
        ("SARL", "SAS", "SA"),
        "FR###########", "+33 # ## ## ## ##",
    ),
    _Country(
        "NL", "Netherlands", "nl_NL", 8,
        (
            _city("Amsterdam", "10## @@"),
            _city("Rotterdam", "30## @@"),
            _city("Utrecht", "35## @@"),
            _city("Den Haag", "25## @@"),
            _city("Eindhoven", "56## @@"),
            _city("Groningen", "97## @@"),
        ),
        ("Kalverstraat", "Prinsengracht", "Keizersgracht", "Damrak", "Coolsingel", "Oudegracht",
         "Lange Voorhout"),
        "{street} {number}",
        ("2e verdieping", "Unit #"),
        ("Sanne", "Emma", "Fleur", "Zoë", "Anouk", "Lotte"),
        ("Daan", "Sem", "Bram", "Joost", "Thijs", "Ruben"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit",
         "Meijer", "de Boer"),
        ("Installaties", "Techniek", "Handelsonderneming", "ICT"),
        ("B.V.", "N.V.", "V.O.F."),
        "NL#########B01", "+31 ## ### ####",
    ),
    _Country(
        "GB", "United Kingdom", "en_GB", 8,
        (
            _city("London", "SW1A #@@", "EC2A #@@", "N1 #@@", "SE1 #@@", "W1D #@@", "E14 #@@"),
            _city("Manchester", "M1 #@@", "M4 #@@", "M15 #@@"),
            _city("Edinburgh", "EH1 #@@", "EH3 #@@"),
            _city("Bristol", "BS1 #@@", "BS8 #@@"),
            _city("Leeds", "LS1 #@@", "LS6 #@@"),
            _city("Cardiff", "CF10 #@@"),
        ),
        ("High Street", "Station Road", "Church Lane", "Victoria Road", "Baker Street",
         "King's Road", "Queen Street", "Mill Lane"),
        "{number} {street}",
        ("Flat #", "Unit ##"),
        ("Olivia", "Amelia", "Isla", "Zoë", "Charlotte", "Siobhan", "Emily"),
        ("Oliver", "George", "Harry", "Jack", "Rhys", "Alistair", "Eoin"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Davies", "Thompson",
         "O'Brien", "MacDonald"),
        ("Office Supplies", "Electronics", "Systems", "Trading"),
        ("Ltd", "LLP", "plc"),
        "GB#########", "+44 20 #### ####",
    ),
    _Country(
        "US", "United States", "en_US", 6,
        (
            _city("New York", "100##", state="NY"),
            _city("San Francisco", "941##", state="CA"),
            _city("Chicago", "606##", state="IL"),
            _city("Austin", "787##", state="TX"),
            _city("Seattle", "981##", state="WA"),
            _city("Boston", "021##", state="MA"),
            _city("Denver", "802##", state="CO"),
        ),
        ("Main Street", "Market Street", "Broadway", "Elm Street", "Oak Avenue", "Maple Drive",
         "Sunset Boulevard"),
        "{number} {street}",
        ("Apt #@", "Suite #00"),
        ("Emily", "Madison", "Sofía", "Zoë", "Ashley", "Grace"),
        ("James", "Michael", "Ethan", "Noah", "José", "Tyler"),
        ("Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Rodriguez",
         "Martinez", "Nguyen"),
        ("Electronics", "Systems", "Technologies", "Supply"),
        ("Inc.", "LLC", "Corp."),
        "##-#######", "+1 ###-###-####",
    ),
    _Country(
        "NO", "Norway", "nb_NO", 3,
        (
            _city("Oslo", "01##", "02##", "04##", "05##"),
            _city("Bergen", "50##"),
            _city("Trondheim", "70##"),
            _city("Tromsø", "90##"),
            _city("Stavanger", "40##"),
        ),
        ("Karl Johans gate", "Storgata", "Bryggen", "Kongens gate", "Thorvald Meyers gate"),
        "{street} {number}",
        ("H0#0#",),
        ("Ingrid", "Åse", "Sigrid", "Nora", "Solveig"),
        ("Øyvind", "Bjørn", "Håkon", "Lars", "Magnus", "Ståle"),
        ("Hansen", "Johansen", "Olsen", "Larsen", "Sæther", "Løvaas", "Haugen", "Berg", "Dahl",
         "Ødegård"),
        ("Teknikk", "Data", "Handel"),
        ("AS", "ASA"),
        "NO#########MVA", "+47 ## ## ## ##",
    ),
    _Country(
        "SE", "Sweden", "sv_SE", 3,
        (
            _city("Stockholm", "11# ##"),
            _city("Göteborg", "41# ##"),
            _city("Malmö", "21# ##"),
            _city("Uppsala", "75# ##"),
        ),
        ("Drottninggatan", "Storgatan", "Kungsgatan", "Götgatan", "Sveavägen"),
        "{street} {number}",
        ("Lgh 1###",),
        ("Åsa", "Elin", "Maja", "Linnéa", "Karin"),
        ("Björn", "Erik", "Oskar", "Anders", "Måns"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Sjöberg", "Lindqvist", "Åberg",
         "Ström"),
        ("Data", "Teknik", "Handel"),
        ("AB", "HB"),
        "SE##########01", "+46 8 ### ### ##",
    ),
    _Country(
        "DK", "Denmark", "da_DK", 3,
        (
            _city("København", "1###", "2###"),
            _city("Aarhus", "8000", "8200", "8210"),
            _city("Odense", "5000", "5200"),
            _city("Aalborg", "9000", "9200"),
        ),
        ("Strøget", "Nørrebrogade", "Vesterbrogade", "Østergade", "Åboulevard"),
        "{street} {number}",
        ("#. tv.", "#. th."),
        ("Freja", "Ida", "Mette", "Signe", "Astrid"),
        ("Søren", "Mads", "Rasmus", "Jesper", "Frederik"),
        ("Nielsen", "Jensen", "Hansen", "Pedersen", "Jørgensen", "Sørensen", "Møller", "Kjær"),
        ("IT", "Teknik", "Handel"),
        ("ApS", "A/S"),
        "DK########", "+45 ## ## ## ##",
    ),
    _Country(
        "IT", "Italy", "it_IT", 4,
        (
            _city("Roma", "001##"),
            _city("Milano", "201##"),
            _city("Napoli", "801##"),
            _city("Torino", "101##"),
            _city("Firenze", "501##"),
            _city("Bologna", "401##"),
        ),
        ("Via Roma", "Via del Corso", "Corso Buenos Aires", "Via Toledo", "Via Garibaldi",
         "Piazza Navona"),
        "{street}, {number}",
        ("Scala B", "Interno #"),
        ("Giulia", "Chiara", "Francesca", "Sofia", "Martina"),
        ("Niccolò", "Luca", "Matteo", "Giuseppe", "Andrea"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
         "Marino", "Galli"),
        ("Informatica", "Elettronica", "Forniture"),
        ("S.r.l.", "S.p.A."),
        "IT###########", "+39 0# #### ####",
    ),
    _Country(
        "ES", "Spain", "es_ES", 4,
        (
            _city("Madrid", "280##"),
            _city("Barcelona", "080##"),
            _city("Valencia", "460##"),
            _city("Sevilla", "410##"),
            _city("Bilbao", "480##"),
        ),
        ("Calle de Alcalá", "Gran Vía", "Passeig de Gràcia", "Calle Mayor",
         "Avenida de la Constitución"),
        "{street}, {number}",
        ("#º #ª", "Bajo"),
        ("María", "Lucía", "Begoña", "Carmen", "Núria"),
        ("José", "Javier", "Álvaro", "Iñaki", "Jordi"),
        ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
         "Núñez", "Muñoz"),
        ("Soluciones", "Informática", "Distribuciones"),
        ("S.L.", "S.A."),
        "ESB########", "+34 9## ### ###",
    ),
    _Country(
        "PL", "Poland", "pl_PL", 2,
        (
            _city("Warszawa", "00-###", "01-###", "02-###"),
            _city("Kraków", "30-###", "31-###"),
            _city("Łódź", "90-###"),
            _city("Gdańsk", "80-###"),
            _city("Wrocław", "50-###"),
            _city("Poznań", "60-###"),
        ),
        ("ul. Marszałkowska", "ul. Floriańska", "ul. Piotrkowska", "ul. Długa",
         "Aleje Jerozolimskie"),
        "{street} {number}",
        ("lok. #", "m. ##"),
        ("Małgorzata", "Agnieszka", "Zofia", "Katarzyna", "Joanna"),
        ("Łukasz", "Piotr", "Krzysztof", "Paweł", "Michał"),
        ("Nowak", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
         "Szymański"),
        ("Systemy", "Elektronika", "Handel"),
        ("Sp. z o.o.", "S.A."),
        "PL##########", "+48 ## ### ## ##",
    ),
)  # fmt: skip

_COUNTRY_BY_CODE = {country.code: country for country in COUNTRIES}
_COUNTRY_WEIGHTS = [country.weight for country in COUNTRIES]

#: (channel, country, title, first name, last name): customers that always appear first, so the
#: demo always shows names outside ASCII.
FEATURED_CUSTOMERS = (
    (B2C, "DE", "Mr.", "Jürgen", "Müßig"),
    (B2C, "NL", "Ms.", "Zoë", "van den Berg"),
    (B2C, "NO", "Mr.", "Øyvind", "Sæther"),
    (B2C, "FR", "Mr.", "François", "Lefèvre"),
    (B2B, "DE", "Mr.", "Björn", "Weiß"),
    (B2B, "PL", "Ms.", "Małgorzata", "Wiśniewska"),
)

_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
_TEMPLATE_LETTERS = "ABDEGHJLNPRSTUWXZ"
_TRANSLITERATION = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L", "đ": "d"}
)


@dataclass(frozen=True)
class _ShippingMethod:
    id: str
    name: str
    min_days: int
    max_days: int
    net: Decimal


STANDARD = _ShippingMethod("STD_GROUND", "Standard Ground", 2, 5, Decimal("4.12"))
TWO_DAY = _ShippingMethod("STD_2DAY", "2-Business Day", 1, 2, Decimal("8.32"))
OVERNIGHT = _ShippingMethod("EXP_OVERNIGHT", "Overnight", 1, 1, Decimal("16.72"))
FREIGHT = _ShippingMethod("TRUCK", "Freight Delivery", 5, 7, Decimal("41.18"))
#: Standard shipping is free from this net item value of a bucket on.
FREE_SHIPPING_FROM = {B2C: Decimal("100.00"), B2B: Decimal("250.00")}

INVOICE = "ISH_INVOICE"
CREDIT_CARD = "ISH_CREDITCARD"
PAYPAL = "PAYPAL"
DIRECT_DEBIT = "ISH_DEBIT_TRANSFER"
CASH_ON_DELIVERY = "ISH_CASH_ON_DELIVERY"
GIFT_CARD = "ISH_GIFTCARD"
_TRANSACTION_PREFIX = {
    INVOICE: "BPS_INVOICE",
    CREDIT_CARD: "BPS_CREDITCARD",
    PAYPAL: "PAYPAL",
    DIRECT_DEBIT: "BPS_DEBIT",
    CASH_ON_DELIVERY: "BPS_COD",
    GIFT_CARD: "BPS_GIFTCARD",
}
CASH_ON_DELIVERY_COST = Decimal("2.00")
_PAYMENT_WEIGHTS = {
    CustomerType.PRIVATE: ((CREDIT_CARD, 35), (PAYPAL, 30), (INVOICE, 18), (DIRECT_DEBIT, 10)),
    CustomerType.SMB: ((INVOICE, 70), (CREDIT_CARD, 15), (DIRECT_DEBIT, 10), (PAYPAL, 5)),
}

_ORDER_STATUS_WEIGHTS = (
    (OrderStatus.NEW, 80),
    (OrderStatus.PENDING, 5),
    (OrderStatus.CANCELLED, 5),
    (OrderStatus.COMPLETED, 4),
    (OrderStatus.DELIVERED, 2),
    (OrderStatus.PAYMENTCANCELLED, 2),
    (OrderStatus.MANUAL_INTERVENTION_NEEDED, 2),
)
#: Orders younger than this are not completed or delivered yet.
FULFILMENT_TAKES = timedelta(days=7)
_STATUS_REASONS = {
    OrderStatus.CANCELLED: ("CUSTOMER_REQUEST", "Cancelled at the customer's request"),
    OrderStatus.PAYMENTCANCELLED: ("PAYMENT_DECLINED", "The payment provider declined the payment"),
    OrderStatus.MANUAL_INTERVENTION_NEEDED: (
        "ADDRESS_CHECK",
        "The shipping address could not be verified",
    ),
}
_LINE_ITEM_STATUS = {
    OrderStatus.NEW: LineItemStatus.NEW,
    OrderStatus.PENDING: LineItemStatus.NEW,
    OrderStatus.MANUAL_INTERVENTION_NEEDED: LineItemStatus.NEW,
    OrderStatus.CANCELLED: LineItemStatus.CANCELLED,
    OrderStatus.PAYMENTCANCELLED: LineItemStatus.CANCELLED,
    OrderStatus.COMPLETED: LineItemStatus.DELIVERED,
    OrderStatus.DELIVERED: LineItemStatus.DELIVERED,
}
_PAYMENT_STATUS = {
    OrderStatus.NEW: PaymentStatus.AUTHORIZED,
    OrderStatus.MANUAL_INTERVENTION_NEEDED: PaymentStatus.AUTHORIZED,
    OrderStatus.PENDING: PaymentStatus.CREATED,
    OrderStatus.CANCELLED: PaymentStatus.VOIDEDAUTHORIZATION,
    OrderStatus.PAYMENTCANCELLED: PaymentStatus.VOIDEDAUTHORIZATION,
    OrderStatus.COMPLETED: PaymentStatus.CAPTURED,
    OrderStatus.DELIVERED: PaymentStatus.CAPTURED,
}


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
            country = rng.choices(COUNTRIES, _COUNTRY_WEIGHTS)[0]
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
        known.append(customer)
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
            product = rng.choices(CATALOGUE, _POPULARITY)[0]
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

    def order(self, channel: str) -> DemoOrder:
        rng = self.rng
        age = timedelta(seconds=rng.randint(MIN_AGE_SECONDS, MAX_AGE_SECONDS))
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
            document_no="",
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
    """The demo's orders for ``(orders, seed)``, oldest first; the same arguments, the same list.

    Document numbers are ``00000001`` … in creation order, unique across both channels.
    """
    rng = Random(seed)
    factory = _OrderFactory(rng)
    drafts = [factory.order(B2C if rng.random() < B2C_SHARE else B2B) for _ in range(orders)]
    oldest_first = sorted(range(orders), key=lambda index: (-drafts[index].age, index))
    numbered = [
        replace(drafts[index], document_no=f"{number:08d}")
        for number, index in enumerate(oldest_first, start=1)
    ]
    broken = 0
    for channel in CHANNELS:
        in_channel = [i for i, order in enumerate(numbered) if order.channel == channel]
        candidates = [i for i in in_channel if numbered[i].status is OrderStatus.NEW]
        count = round(len(in_channel) * INVALID_SHARE)
        if orders >= INVALID_GUARANTEED_FROM:
            count = max(1, count)
        for index in sorted(rng.sample(candidates, min(count, len(candidates)))):
            numbered[index] = _break_invoice_address(numbered[index], drop_street=broken % 2 == 0)
            broken += 1
    return numbered


# --------------------------------------------------------------------------- summary

#: How many invalid orders :meth:`DemoSummary.describe` names.
SHOWN_INVALID_ORDERS = 10


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`create_demo` created."""

    root: Path
    channels: tuple[str, ...]
    services: tuple[str, ...]
    #: ``<channel>/<configuration>`` of every export and import configuration.
    configurations: tuple[str, ...]
    orders_created: int
    #: ``(channel, number of orders)``.
    orders_by_channel: tuple[tuple[str, int], ...]
    #: Document numbers of the orders whose export fails validation.
    invalid_orders: tuple[str, ...]
    export_directory: Path
    #: The inbox of demo-b2c, for which the sample status file is.
    inbox_directory: Path
    seed: int = 1
    #: Why each invalid order fails, by document number.
    invalid_reasons: tuple[tuple[str, str], ...] = field(default=())
    #: ``(channel, inbox)`` of every channel's status import service.
    inbox_directories: tuple[tuple[str, Path], ...] = field(default=())

    def describe(self) -> str:
        """A short human-readable report, several lines."""
        by_channel = ", ".join(f"{name} {count}" for name, count in self.orders_by_channel)
        invalid = ", ".join(self.invalid_orders[:SHOWN_INVALID_ORDERS]) or "none"
        if len(self.invalid_orders) > SHOWN_INVALID_ORDERS:
            invalid += f" … ({len(self.invalid_orders)} in all)"
        inboxes = [
            f"  status files   {channel}: {inbox}" for channel, inbox in self.inbox_directories
        ]
        return "\n".join(
            [
                f"Demo data created under {self.root} (seed {self.seed})",
                f"  channels:       {', '.join(self.channels)}",
                f"  services:       {', '.join(self.services)}",
                f"  configurations: {', '.join(self.configurations)}",
                f"  orders:         {self.orders_created} ({by_channel})",
                f"  invalid orders: {invalid} (their export fails validation)",
                f"  exports go to   {self.export_directory}",
                *inboxes,
            ]
        )

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON-ready values."""
        return {
            "root": str(self.root),
            "seed": self.seed,
            "channels": list(self.channels),
            "services": list(self.services),
            "configurations": list(self.configurations),
            "orders_created": self.orders_created,
            "orders_by_channel": dict(self.orders_by_channel),
            "invalid_orders": list(self.invalid_orders),
            "export_directory": str(self.export_directory),
            "inbox_directory": str(self.inbox_directory),
            "inbox_directories": {channel: str(inbox) for channel, inbox in self.inbox_directories},
        }


# --------------------------------------------------------------------------- database


def _existing_data(session: Session) -> dict[str, int]:
    counts = {
        "channels": session.scalar(select(func.count()).select_from(Channel)) or 0,
        "services": session.scalar(select(func.count()).select_from(Service)) or 0,
        "orders": session.scalar(select(func.count()).select_from(Order)) or 0,
    }
    return {what: count for what, count in counts.items() if count}


def _refuse_non_empty(db: Database, session: Session) -> None:
    existing = _existing_data(session)
    if existing:
        what = ", ".join(f"{count} {name}" for name, count in existing.items())
        url = make_url(db.url).render_as_string(hide_password=True)
        raise UserError(
            f"database '{url}' already has data ({what}): demo needs an empty database; "
            f"give another --db"
        )


def _intake_inbox(root: Path, channel: str) -> Path:
    return root / "intake" / channel / "inbox"


def _make_directories(root: Path) -> tuple[Path, dict[str, Path]]:
    export_directory = root / "export"
    inboxes = {channel: root / "import" / channel / "inbox" for channel in CHANNELS}
    directories = [export_directory]
    intake_inboxes = [_intake_inbox(root, channel) for channel in CHANNELS]
    for inbox in [*inboxes.values(), *intake_inboxes]:
        directories += [inbox, inbox / "archive", inbox / "error"]
    for directory in directories:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"cannot create directory '{directory}': {exc.strerror}; choose another --root"
            ) from None
    return export_directory, inboxes


def _create_setup(
    session: Session, export_directory: Path, inboxes: dict[str, Path], anchor: datetime
) -> tuple[dict[str, int], list[str], list[str]]:
    """Channels, services and configurations; returns channel ids and what was created."""
    channels = {
        spec.name: Channel(
            name=spec.name,
            display_name=spec.display_name,
            store=spec.store,
            locale=spec.locale,
            currency=spec.currency,
            created_at=anchor,
        )
        for spec in CHANNEL_SPECS
    }
    erp = Service(
        name=ERP_EXPORT_SERVICE,
        kind=ServiceKind.EXPORT_XML.value,
        display_name="ERP order export (ICM order XML 2.0)",
        directory=str(export_directory),
        file_prefix="orders",
    )
    bi = Service(
        name=BI_EXPORT_SERVICE,
        kind=ServiceKind.EXPORT_XML.value,
        display_name="BI order export (ICM order XML 2.0)",
        directory=str(export_directory),
        file_prefix="bi-orders",
    )
    status_imports = {
        channel: Service(
            name=STATUS_IMPORT_SERVICES[channel],
            kind=ServiceKind.STATUS_IMPORT_XML.value,
            display_name=f"ERP order status import ({channel})",
            directory=str(inboxes[channel]),
            file_pattern="*.xml",
        )
        for channel in CHANNELS
    }
    intakes = {
        channel: Service(
            name=INTAKE_SERVICES[channel],
            kind=ServiceKind.INTAKE_XML.value,
            display_name=f"Shop order intake ({channel})",
            directory=str(_intake_inbox(export_directory.parent, channel)),
            file_pattern="*.xml",
        )
        for channel in CHANNELS
    }
    services = [erp, bi, *status_imports.values(), *intakes.values()]
    session.add_all([*channels.values(), *services])
    configurations: list[str] = []
    for name, channel in channels.items():
        session.add_all(
            [
                ExportConfiguration(
                    channel=channel,
                    name="erp-export",
                    service=erp,
                    description="New orders to the ERP; marks them EXPORTED.",
                    status_updates_enabled=True,
                ),
                ExportConfiguration(
                    channel=channel,
                    name="bi-export",
                    service=bi,
                    description="Every order once, for reporting; changes no status.",
                    status_updates_enabled=False,
                    order_statuses=[status.value for status in OrderStatus],
                    only_not_exported=True,
                ),
                ImportConfiguration(
                    channel=channel,
                    name="erp-status",
                    service=status_imports[name],
                    description="Delivery, return and payment updates from the ERP.",
                ),
                IntakeConfiguration(
                    channel=channel,
                    name="shop-orders",
                    service=intakes[name],
                    description="Order files the shop drops into the intake inbox.",
                ),
            ]
        )
        configurations += [
            f"{name}/{config}"
            for config in ("erp-export", "bi-export", "erp-status", "shop-orders")
        ]
    session.flush()
    channel_ids = {name: channel.id for name, channel in channels.items()}
    return channel_ids, [s.name for s in services], configurations


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table), rows)


def _erp_fields(order: DemoOrder) -> dict[str, str | None]:
    """What a shop's ERP gets besides (SPEC §13), derived without drawing random numbers so
    that a seed keeps giving the same orders: business buyers reference their purchase order
    and cost center and are priced net, consumers gross."""
    customer = order.customer
    if customer.customer_type is not CustomerType.SMB:
        return {"calculation_type": "gross", "customer_order_id": None, "cost_center": None}
    return {
        "calculation_type": "net",
        "customer_order_id": f"PO-{order.document_no}",
        "cost_center": f"CC-{100 + int(customer.customer_no[1:]) % 7}",
    }


def _insert_orders(
    session: Session, orders: Sequence[DemoOrder], channel_ids: dict[str, int], anchor: datetime
) -> None:
    """Bulk INSERTs, parents first, in batches of :data:`BATCH_ORDERS` orders."""
    for start in range(0, len(orders), BATCH_ORDERS):
        batch = orders[start : start + BATCH_ORDERS]
        order_rows = []
        for order in batch:
            created = anchor - order.age
            reason_code, reason_text = order.status_reason
            customer = order.customer
            buyer = customer.address
            order_rows.append(
                {
                    "channel_id": channel_ids[order.channel],
                    "document_no": order.document_no,
                    "status": order.status.value,
                    "status_reason_code": reason_code,
                    "status_reason_text": reason_text,
                    "to_be_deleted": False,
                    "created_at": created,
                    "updated_at": created,
                    "locale": customer.locale,
                    "currency": order.currency,
                    "customer_no": customer.customer_no,
                    "user_id": customer.user_id,
                    "customer_type": customer.customer_type.value,
                    "buyer_first_name": buyer.first_name,
                    "buyer_last_name": buyer.last_name,
                    "buyer_company": buyer.company,
                    "buyer_email": buyer.email,
                    "taxation_id": customer.taxation_id,
                    **_erp_fields(order),
                    **order.invoice_address.columns("invoice_"),
                    "item_total": order.item_total,
                    "item_discount_total": order.item_discount_total,
                    "shipping_total": order.shipping_total,
                    "payment_costs": order.payment_costs,
                    "tax_total": order.tax_total,
                    "duties_total": ZERO,
                    "net_total": order.net_total,
                    "gross_total": order.gross_total,
                }
            )
        order_ids = reserve_ids(session, Order.__table__, len(order_rows))
        for order_id, row in zip(order_ids, order_rows, strict=True):
            row["id"] = order_id
        _insert(session, Order.__table__, order_rows)

        destination_ids = iter(
            reserve_ids(session, Destination.__table__, sum(len(o.destinations) for o in batch))
        )
        destinations_of = [[next(destination_ids) for _ in order.destinations] for order in batch]
        _insert(
            session,
            Destination.__table__,
            [
                {
                    "id": destinations[index],
                    "order_id": order_id,
                    "key": destination.key,
                    **destination.address.columns(),
                }
                for order_id, order, destinations in zip(
                    order_ids, batch, destinations_of, strict=True
                )
                for index, destination in enumerate(order.destinations)
            ],
        )

        bucket_ids = iter(
            reserve_ids(session, Bucket.__table__, sum(len(o.buckets) for o in batch))
        )
        buckets_of = [[next(bucket_ids) for _ in order.buckets] for order in batch]
        _insert(
            session,
            Bucket.__table__,
            [
                {
                    "id": buckets[index],
                    "order_id": order_id,
                    "key": bucket.key,
                    "destination_id": destinations[bucket.destination],
                    "shipping_method_id": bucket.method.id,
                    "shipping_method_name": bucket.method.name,
                    "ship_time_min_days": bucket.method.min_days,
                    "ship_time_max_days": bucket.method.max_days,
                    "shipping_net": bucket.shipping_net,
                    "shipping_gross": bucket.shipping_gross,
                    "shipping_tax": bucket.shipping_tax,
                    "shipping_tax_rate": SHIPPING_TAX_RATE,
                }
                for order_id, order, destinations, buckets in zip(
                    order_ids, batch, destinations_of, buckets_of, strict=True
                )
                for index, bucket in enumerate(order.buckets)
            ],
        )

        _insert(
            session,
            LineItem.__table__,
            [
                {
                    "order_id": order_id,
                    "position": item.position,
                    "status": item.status.value,
                    "bucket_id": buckets[item.bucket],
                    "sku": item.product.sku,
                    "product_name": item.product.name,
                    "supplier": item.product.supplier,
                    "quantity": item.quantity,
                    "unit": None,
                    "hidden": False,
                    "unit_price_net": item.unit_price_net,
                    "unit_price_gross": item.unit_price_gross,
                    "net_total": item.net_total,
                    "gross_total": item.gross_total,
                    "tax_rate": item.tax_rate,
                    "tax_amount": item.tax_amount,
                    "discount_amount": item.discount_amount,
                    "discount_description": item.discount_description,
                }
                for order_id, order, buckets in zip(order_ids, batch, buckets_of, strict=True)
                for item in order.line_items
            ],
        )
        _insert(
            session,
            PaymentTransaction.__table__,
            [
                {
                    "order_id": order_id,
                    "transaction_id": payment.transaction_id,
                    "service_id": payment.service_id,
                    "amount": payment.amount,
                    "cost": payment.cost,
                    "status": payment.status.value,
                }
                for order_id, order in zip(order_ids, batch, strict=True)
                for payment in order.payments
            ],
        )
        _insert(
            session,
            StatusHistory.__table__,
            [
                {
                    "order_id": order_id,
                    "at": anchor - order.age,
                    "entity": Entity.ORDER.value,
                    "entity_ref": None,
                    "from_status": None,
                    "to_status": order.status.value,
                    "reason_code": order.status_reason[0],
                    "reason_text": order.status_reason[1],
                    "run_id": None,
                    "source": "demo",
                }
                for order_id, order in zip(order_ids, batch, strict=True)
            ],
        )


def create_demo(
    db: Database,
    root: Path,
    *,
    orders: int = 500,
    seed: int = 1,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo setup and ``orders`` orders (SPEC §10 ``demo``).

    Creates ``root/export`` and ``root/import/<channel>/inbox`` (with ``archive`` and ``error``)
    for each channel. Everything
    but the creation times is determined by ``orders`` and ``seed``; the orders are up to 60 days
    older than ``now`` (default: the current time). Raises :class:`UserError` when the database
    already has channels, services or orders, or a directory cannot be created. All rows are
    written in one transaction: on failure nothing is left behind in the database.
    """
    if not 0 <= orders <= MAX_ORDERS:
        raise UserError(f"--orders must be between 0 and {MAX_ORDERS}, not {orders}")
    with db.read() as session:
        _refuse_non_empty(db, session)
    root = Path(root).expanduser().absolute()
    export_directory, inboxes = _make_directories(root)
    anchor = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    plan = demo_orders(orders=orders, seed=seed)
    with db.write() as session:
        _refuse_non_empty(db, session)
        channel_ids, services, configurations = _create_setup(
            session, export_directory, inboxes, anchor
        )
        _insert_orders(session, plan, channel_ids, anchor)
    return DemoSummary(
        root=root,
        channels=CHANNELS,
        services=tuple(services),
        configurations=tuple(configurations),
        orders_created=len(plan),
        orders_by_channel=tuple(
            (channel, sum(1 for order in plan if order.channel == channel)) for channel in CHANNELS
        ),
        invalid_orders=tuple(order.document_no for order in plan if order.defect),
        export_directory=export_directory,
        inbox_directory=inboxes[B2C],
        inbox_directories=tuple(inboxes.items()),
        seed=seed,
        invalid_reasons=tuple((order.document_no, order.defect) for order in plan if order.defect),
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
