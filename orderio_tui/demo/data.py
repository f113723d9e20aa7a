"""The demo's reference data: channels, products, places, names, shipping and payment methods,
and the weights that make the generated orders look like a real shop's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from ..domain.statuses import (
    CustomerType,
    LineItemStatus,
    OrderStatus,
    PaymentStatus,
)

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
#: Customers per channel who may order again (a pool, so that memory stays flat).
KNOWN_CUSTOMERS = 10_000

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
