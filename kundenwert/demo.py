"""Demo data: a German-speaking online business with five connected tools over three years.

The owner sells online courses and memberships through two Digistore24 accounts, books and
merchandise in a WooCommerce shop (card payments go through Stripe, so the same payment shows up
in both tools), 1:1 coaching through Stripe and consulting on invoices written in sevDesk.

What the data is made to exercise:

* identity: about 30 % of the people buy through two or more tools, their e-mail written
  differently ("  Anna.Schmidt@GMX.de "); a few use a second address or mistype their domain
  (gmial.com): same name and postcode, so a "probable duplicate", never merged by e-mail.
  Names, addresses and e-mails are made up but look real (free-mail domains such as gmx.de):
  demo data must never be exported to a mailing tool;
* money: EUR, USD (international Digistore24 and Stripe buyers) and CHF (Swiss shop orders and
  some Swiss Digistore24 buyers), VAT per country and date as integer cents, fees, refunds,
  chargebacks, credit notes, cancelled, pending and failed orders;
* time: growth over the three years, summer dip, Black Friday and December peaks, monthly
  subscriptions with trials and churn, instalment plans;
* exchange rates: a random walk for USD and CHF on every ECB working day, so every foreign
  order has a rate on or before its day.

Everything comes from one ``random.Random(seed)``; the same seed and day give the same data.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate

from rapidfuzz.distance import Levenshtein
from sqlalchemy import Engine, distinct, func
from sqlmodel import Session, col, select

from kundenwert.db import session_scope
from kundenwert.identity import normalise_email
from kundenwert.ingest import get_or_create_source, ingest
from kundenwert.inputs import add_demo_inputs
from kundenwert.models import Contact, Order, OrderItem, Refund, Setting, Source
from kundenwert.rates import is_ecb_working_day, store_rates
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord

DEMO_SETTING_KEY = "demo_data"
YEARS = 3

# --- the five connected accounts -------------------------------------------------------------

DS, DS2, WOO, STRIPE, SEVDESK = "ds", "ds2", "woo", "stripe", "sevdesk"
SOURCE_LABELS = {
    DS: ("Digistore24", "digistore24"),
    DS2: ("Digistore24 (2. Konto)", "digistore24"),
    WOO: ("WooCommerce Shop", "woocommerce"),
    STRIPE: ("Stripe", "stripe"),
    SEVDESK: ("sevDesk", "sevdesk"),
}
DIGISTORE_URL = "https://www.digistore24.com"
SHOP_URL = "https://shop.example.com"  # the owner's own shop; a reserved example domain
STRIPE_URL = "https://dashboard.stripe.com"
SEVDESK_URL = "https://my.sevdesk.de"

# Which tool a person first buys through, and which further tools some of them use.
PRIMARY_WEIGHTS = {DS: 56, WOO: 22, DS2: 8, STRIPE: 7, SEVDESK: 7}
EXTRA_WEIGHTS = {DS: 34, WOO: 30, DS2: 16, STRIPE: 12, SEVDESK: 8}
EXTRA_SOURCE_ODDS = ((0.05, 2), (0.25, 1))  # cumulative: 5 % use two more tools, 20 % one more


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    price_cents: int  # EUR; gross for sales, net for invoice articles
    kind: str = "one_time"  # one_time | subscription | hourly
    plans: tuple[int, ...] = ()  # instalment plans offered (number of monthly payments)
    chf_cents: int = 0  # shop price in CHF
    book: bool = False  # reduced VAT rate for printed books


# Catalogues are ordered by popularity; sales follow a Zipf-like long tail over that order.
DS_CATALOG = [
    Product("412001", "E-Book: Der Kundenmagnet", 999),
    Product("412007", "Mini-Kurs: E-Mail-Marketing in 7 Tagen", 2700),
    Product("412015", "Kundenwert-Club (Mitgliedschaft)", 2900, "subscription"),
    Product("412003", "Onlinekurs: Sichtbar auf Instagram", 19700),
    Product("412021", "30-Tage-Content-Challenge", 1700),
    Product("412009", "Checklisten-Bundle", 700),
    Product("412011", "Onlinekurs: Launch-Fahrplan", 49700, plans=(3,)),
    Product("412024", "Workshop: Texten, das verkauft", 9700),
    Product("412030", "Canva-Vorlagenpaket", 3700),
    Product("412033", "Online-Kongress: VIP-Ticket", 6700),
    Product("412005", "Funnel-Masterclass", 99700, plans=(3, 6)),
    Product("412002", "E-Book: Preise mit gutem Gefühl", 1499),
    Product("412036", "Webinar-Aufzeichnung: Steuern für Selbstständige", 4700),
    Product("412040", "Onlinekurs: LinkedIn für Expertinnen", 14700),
    Product("412042", "Audiokurs: Mindset für Gründerinnen", 3900),
    Product("412016", "Mastermind-Club Premium", 7900, "subscription"),
    Product("412045", "Starter-Paket (Bundle)", 6700),
    Product("412048", "Onlinekurs: Podcast starten", 24700, plans=(3,)),
    Product("412019", "Business-Booster Jahresprogramm", 199700, plans=(6,)),
    Product("412051", "Jahresplaner-Workbook (PDF)", 1900),
]
DS_ORDER_BUMP = DS_CATALOG[5]
DS2_CATALOG = [
    Product("538102", "Meditations-Bundle (MP3)", 1900),
    Product("538105", "Onlinekurs: Achtsamkeit im Business-Alltag", 9700),
    Product("538110", "Achtsamkeits-Abo", 1900, "subscription"),
    Product("538103", "Hörbuch: Ruhe im Kopf", 1299),
    Product("538115", "Online-Workshop: Stressfrei durch den Launch", 4700),
    Product("538120", "Online-Retreat: Neustart", 29700, plans=(3,)),
    Product("538122", "Videokurs: Yoga für Selbstständige", 7900),
    Product("538125", "Journaling-Kurs", 3900),
]
WOO_CATALOG = [
    Product("2314", "Buch: Der Kundenmagnet (Taschenbuch)", 1999, chf_cents=2490, book=True),
    Product("2320", "Erfolgsjournal (Planer)", 3490, chf_cents=3990),
    Product("2327", "Mindset-Kartenset", 2490, chf_cents=2890),
    Product("2331", "Tasse „Chefin von morgen“", 1690, chf_cents=1990),
    Product(
        "2316", "Buch: Der Kundenmagnet (Hardcover, signiert)", 2999, chf_cents=3590, book=True
    ),
    Product("2335", "Notizbuch A5 (gepunktet)", 1290, chf_cents=1490),
    Product("2338", "Jutebeutel", 990, chf_cents=1190),
    Product("2342", "Wandkalender", 2490, chf_cents=2890),
    Product("2345", "Workbook: Jahresplanung (Druck)", 3900, chf_cents=4490, book=True),
    Product("2350", "T-Shirt „Kundenwert“", 2990, chf_cents=3490),
    Product("2353", "Sticker-Set", 490, chf_cents=590),
    Product("2356", "Hoodie", 5490, chf_cents=6490),
    Product("2360", "Poster A2 „Mut-Manifest“", 1990, chf_cents=2390),
    Product("2364", "Geschenkbox „Gründerinnen-Glück“", 7900, chf_cents=8990),
    Product("2318", "Hörbuch-CD: Der Kundenmagnet", 1495, chf_cents=1790),
    Product("2367", "Lesezeichen-Set", 350, chf_cents=450),
    Product("2370", "Stifte-Set", 890, chf_cents=1090),
    Product("2322", "Buch: Preise mit gutem Gefühl (Taschenbuch)", 1799, chf_cents=2290, book=True),
]
STRIPE_CATALOG = [
    Product("prod_PkD3tVQm1xZcLa", "Strategie-Call (30 Min.)", 9700),
    Product("prod_PkD5aWn8RyLq2T", "1:1-Coaching (60 Min.)", 18000),
    Product("prod_PkD7bEx4UoHs9K", "Coaching-Paket (5 Sitzungen)", 79000),
    Product("prod_PkD9cJr2MtVw6P", "Gruppen-Coaching (Quartal)", 59700),
    Product("prod_PkDBdLs7NqXe3F", "Mentoring 3 Monate", 299700, plans=(3,)),
    Product("prod_PkDDeKu5PzYr8G", "VIP-Tag (Intensiv-Coaching)", 149700),
]
SEVDESK_CATALOG = [
    Product("ART-1001", "Beratung (Stundensatz)", 15000, "hourly"),
    Product("ART-1004", "Strategie-Workshop (halbtägig)", 120000),
    Product("ART-1002", "Workshop-Tag (inhouse)", 240000),
    Product("ART-1006", "Text-Review Verkaufsseite", 35000),
    Product("ART-1003", "Keynote / Vortrag", 180000),
    Product("ART-1005", "Coaching-Paket Unternehmen", 299700),
    Product("ART-1007", "Mentoring-Programm Team", 450000),
]


def _pairs(text: str) -> dict[str, str]:
    """ "a=1 b=2" → {"a": "1", "b": "2"}: keeps the long tables below readable."""
    return dict(pair.split("=", 1) for pair in text.split())


# --- countries, places, names ----------------------------------------------------------------

# Share of customers per country (weights); every country appears at least once when there
# are at least as many people as countries.
COUNTRY_WEIGHTS = {
    country: int(weight)
    for country, weight in _pairs(
        "DE=600 AT=130 CH=100 US=22 ES=15 NL=14 IT=12 LU=9 BE=8 FR=8 GB=8 PL=6 PT=6 CA=6 AU=6 "
        "AE=5 DK=4 SE=4 CZ=4 TH=4 TR=4 LI=3 NO=3 HU=3 HR=3 IE=3 NZ=3 SG=3 ZA=3 MX=3 FI=2 BR=2"
    ).items()
}

# Real cities with real postcodes (a few per city), biggest first: "country|city|postcodes".
PLACES_TABLE = """
DE|Berlin|10115 10178 10437 10961 12043 13353
DE|Hamburg|20095 20354 22767 22303
DE|München|80331 80469 81667 80799
DE|Köln|50667 50674 50823
DE|Frankfurt am Main|60311 60313 60594
DE|Stuttgart|70173 70178 70190
DE|Düsseldorf|40210 40213 40477
DE|Leipzig|04109 04103 04275
DE|Dortmund|44135 44137
DE|Essen|45127 45128
DE|Bremen|28195 28203
DE|Dresden|01067 01097
DE|Hannover|30159 30161
DE|Nürnberg|90402 90403
DE|Bochum|44787
DE|Wuppertal|42103
DE|Bielefeld|33602
DE|Bonn|53111 53113
DE|Münster|48143 48149
DE|Mannheim|68159 68161
DE|Karlsruhe|76133
DE|Augsburg|86150
DE|Wiesbaden|65183
DE|Freiburg im Breisgau|79098 79102
DE|Regensburg|93047
DE|Heidelberg|69117
DE|Potsdam|14467
DE|Rostock|18055
DE|Kiel|24103
DE|Lübeck|23552
DE|Erfurt|99084
DE|Mainz|55116
DE|Würzburg|97070
DE|Ulm|89073
DE|Osnabrück|49074
DE|Göttingen|37073
DE|Jena|07743
DE|Konstanz|78462
DE|Passau|94032
AT|Wien|1010 1020 1030 1070 1090 1180
AT|Graz|8010 8020
AT|Linz|4020
AT|Salzburg|5020
AT|Innsbruck|6020
AT|Klagenfurt am Wörthersee|9020
AT|Villach|9500
AT|Wels|4600
AT|St. Pölten|3100
AT|Dornbirn|6850
AT|Bregenz|6900
AT|Wiener Neustadt|2700
AT|Feldkirch|6800
AT|Krems an der Donau|3500
CH|Zürich|8001 8004 8032
CH|Basel|4051 4056
CH|Bern|3011 3013
CH|Genève|1201 1204
CH|Lausanne|1003
CH|Winterthur|8400
CH|Luzern|6003 6004
CH|St. Gallen|9000
CH|Lugano|6900
CH|Zug|6300
CH|Thun|3600
CH|Chur|7000
CH|Aarau|5000
CH|Schaffhausen|8200
LI|Vaduz|9490
LI|Schaan|9494
LU|Luxembourg|1118 2449
LU|Esch-sur-Alzette|4002
NL|Amsterdam|1012_JS 1017_CE
NL|Rotterdam|3011_AD
NL|Utrecht|3511_LX
BE|Bruxelles|1000
BE|Antwerpen|2000
BE|Eupen|4700
BE|Gent|9000
IT|Bolzano|39100
IT|Milano|20121
IT|Merano|39012
IT|Roma|00184
ES|Palma|07001 07012
ES|Madrid|28013
ES|Barcelona|08001
ES|Málaga|29005
FR|Paris|75001 75011
FR|Strasbourg|67000
FR|Lyon|69001
FR|Nice|06000
PL|Warszawa|00-001
PL|Kraków|31-042
PL|Wrocław|50-077
DK|København|1050
DK|Aarhus|8000
SE|Stockholm|111_20
SE|Göteborg|411_03
NO|Oslo|0150
NO|Bergen|5003
FI|Helsinki|00100
FI|Tampere|33100
CZ|Praha|110_00
CZ|Brno|602_00
HU|Budapest|1051
HU|Sopron|9400
PT|Lisboa|1100-148
PT|Porto|4000-322
PT|Lagos|8600-315
HR|Zagreb|10000
HR|Split|21000
GB|London|EC1A_1BB SW1A_1AA
GB|Manchester|M1_1AE
GB|Edinburgh|EH1_1YZ
IE|Dublin|D02_AF30
IE|Cork|T12_X70A
US|New York|10001
US|San Francisco|94103
US|Austin|78701
US|Miami|33131
CA|Toronto|M5V_2T6
CA|Vancouver|V6B_1A1
AU|Sydney|2000
AU|Melbourne|3000
NZ|Auckland|1010
NZ|Wellington|6011
AE|Dubai|
AE|Abu Dhabi|
SG|Singapore|018956 238823
TH|Bangkok|10110
TH|Ko Samui|84320
ZA|Cape Town|8001
ZA|Johannesburg|2001
BR|São Paulo|01310-100
BR|Florianópolis|88010-000
MX|Ciudad de México|06700
MX|Playa del Carmen|77710
TR|Antalya|07100
TR|İstanbul|34000
"""  # postcodes with a space are written with "_"; the UAE have no postcodes


def _places(table: str) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    places: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for row in table.strip().splitlines():
        country, city, postcodes = row.split("|")
        codes = tuple(code.replace("_", " ") for code in postcodes.split()) or ("",)
        places.setdefault(country, []).append((city, codes))
    return places


PLACES = _places(PLACES_TABLE)

EU = frozenset(["AT", "BE", "CZ", "DE", "DK", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LU"])
EU |= {"NL", "PL", "PT", "SE"}
USD_COUNTRIES = frozenset(["US", "CA", "AU", "NZ", "AE", "SG", "TH", "ZA", "BR", "MX"])
SHOP_COUNTRIES = frozenset(["DE", "AT", "CH", "LI", "LU", "NL", "BE", "IT", "FR", "ES", "PL", "DK"])
CHF_COUNTRIES = frozenset({"CH", "LI"})
STRIPE_CHEAP_CARDS = EU | {"CH", "LI", "NO"}  # EEA (and Swiss) cards: the cheaper card fee

# Standard VAT in permille, with the changes inside the last years: (valid from, permille).
STANDARD_VAT: dict[str, tuple[tuple[date, int], ...]] = {
    "DE": ((date.min, 190),),
    "AT": ((date.min, 200),),
    "BE": ((date.min, 210),),
    "CZ": ((date.min, 210),),
    "DK": ((date.min, 250),),
    "ES": ((date.min, 210),),
    "FI": ((date.min, 240), (date(2024, 9, 1), 255)),
    "FR": ((date.min, 200),),
    "HR": ((date.min, 250),),
    "HU": ((date.min, 270),),
    "IE": ((date.min, 230),),
    "IT": ((date.min, 220),),
    "LU": ((date.min, 170), (date(2023, 1, 1), 160), (date(2024, 1, 1), 170)),
    "NL": ((date.min, 210),),
    "PL": ((date.min, 230),),
    "PT": ((date.min, 230),),
    "SE": ((date.min, 250),),
    "CH": ((date.min, 77), (date(2024, 1, 1), 81)),
    "LI": ((date.min, 77), (date(2024, 1, 1), 81)),
    "GB": ((date.min, 200),),
    "NO": ((date.min, 250),),
}
# Reduced VAT for printed books in the countries the shop ships to (permille).
BOOK_VAT = {
    country: int(permille)
    for country, permille in _pairs(
        "DE=70 AT=100 NL=90 BE=60 FR=55 IT=40 ES=40 PL=50 LU=30 DK=250"
    ).items()
}
SHOP_SHIPPING = {"DE": 495, "CH": 1490, "LI": 1490}  # everything else in the EU: 9,90 €
SHOP_SHIPPING_EU = 990
SHOP_FREE_SHIPPING_FROM = 5000  # DE only
# Card and wallet fees of the shop's payment methods: (per ten thousand, fixed cents).
SHOP_PAYMENT_FEES = {"stripe": (150, 25), "paypal": (249, 35), "klarna": (299, 35), "bacs": (0, 0)}

NAMES: dict[str, tuple[str, str]] = {
    "de": (
        "Anna Julia Laura Lena Sarah Lisa Katharina Maria Sophie Hannah Johanna Marie Christina "
        "Sandra Nicole Stefanie Melanie Sabine Petra Claudia Andrea Susanne Birgit Jana Miriam "
        "Kathrin Franziska Carina Svenja Nadine Thomas Michael Andreas Stefan Christian Markus "
        "Daniel Tobias Jan Lukas Felix Jonas Maximilian Florian Sebastian Alexander Matthias "
        "Martin Peter Frank Jürgen Uwe Klaus Benjamin Philipp",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
        "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
        "Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler "
        "Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn "
        "Schubert Vogel Friedrich Keller Günther Berger Winkler Roth Beck Lorenz Baumann Franke "
        "Albrecht Schuster Ludwig Böhm Winter Kraus Jäger Otto Sommer Groß Seidel Brandt Haas",
    ),
    "at": (
        "Anna Katharina Lena Theresa Magdalena Johanna Valentina Leonie Sophie Elisabeth Verena "
        "Barbara Christina Julia Lisa Sabine Lukas David Elias Florian Stefan Matthias Sebastian "
        "Johannes Georg Wolfgang Andreas Christoph Dominik Manuel Bernhard Markus",
        "Gruber Huber Bauer Wagner Müller Pichler Steiner Moser Mayer Hofer Leitner Berger Fuchs "
        "Eder Fischer Schmid Winkler Weber Schwarz Maier Reiter Mayr Wimmer Egger Brunner "
        "Baumgartner Auer Binder Lechner Wallner Aigner Ebner Koller Lehner Haas Schuster",
    ),
    "ch": (
        "Mia Emma Lara Nina Laura Sarah Corinne Andrea Fabienne Céline Nadine Seraina Sandra "
        "Manuela Regula Barbara Noah Luca Leon Reto Urs Beat Simon Marco Dominik Yannick Adrian "
        "Patrick Lukas Samuel Thomas Daniel",
        "Müller Meier Schmid Keller Weber Huber Schneider Meyer Steiner Fischer Gerber Brunner "
        "Baumann Frei Zimmermann Moser Widmer Wyss Graf Roth Suter Baumgartner Bachmann Studer "
        "Bucher Berger Kälin Bühler Lüthi Zürcher Egli Hofstetter",
    ),
    "nl": (
        "Emma Sanne Lotte Fleur Anouk Eva Lieke Daan Sem Bram Lars Thijs Ruben Joris",
        "de Jong Jansen de Vries van den Berg Bakker Visser Smit Meijer de Boer Mulder Peeters "
        "Janssens Maes",
    ),
    "fr": (
        "Camille Léa Manon Chloé Julie Claire Sophie Lucas Hugo Louis Thomas Nicolas Julien",
        "Martin Bernard Dubois Durand Leroy Moreau Laurent Lefebvre Roux Fontaine Girard",
    ),
    "it": (
        "Giulia Chiara Francesca Sara Martina Elena Marco Luca Matteo Andrea Alessandro Lorenzo",
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Gruber Pichler Mair Hofer",
    ),
    "es": (
        "Lucía María Carmen Laura Paula Marta Elena Javier Pablo Carlos Alejandro Diego Sergio",
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Ruiz Díaz Moreno",
    ),
    "pt": (
        "Ana Beatriz Inês Mariana Sofia Carolina João Pedro Tiago Rafael Miguel Gabriel",
        "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Sousa Almeida",
    ),
    "pl": (
        "Anna Katarzyna Magdalena Agnieszka Joanna Zofia Piotr Tomasz Paweł Michał Krzysztof",
        "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański",
    ),
    "cz": (
        "Jana Tereza Eva Lucie Kateřina Petra Jan Petr Tomáš Jakub Martin Ondřej",
        "Novák Svoboda Novotný Dvořák Černý Procházka Kučera Veselý Horák Němec",
    ),
    "hu": (
        "Anna Eszter Réka Zsófia Katalin László Péter Gábor Bence Dávid Balázs",
        "Nagy Kovács Tóth Szabó Horváth Varga Kiss Molnár Németh Farkas",
    ),
    "nordic": (
        "Emma Ida Sofie Freja Maja Ingrid Astrid Elin Anna Lars Mikkel Erik Anders Johan Oskar",
        "Jensen Nielsen Hansen Pedersen Andersson Johansson Karlsson Nilsson Larsen Olsen "
        "Virtanen Korhonen",
    ),
    "hr": (
        "Ana Ivana Marija Petra Lucija Luka Ivan Marko Josip Filip",
        "Horvat Kovačević Babić Marić Jurić Novak Knežević Vuković",
    ),
    "tr": (
        "Elif Zeynep Ayşe Fatma Merve Mehmet Mustafa Ahmet Emre Can Burak",
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Arslan",
    ),
    "en": (
        "Emily Sarah Jessica Olivia Emma Sophie Hannah Rachel Laura Megan James Daniel Michael "
        "David Matthew Andrew Ryan Chris Ben Tom",
        "Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor Anderson Thomas Moore "
        "Martin Clark Walker Hall Young King Wright Evans",
    ),
}
NAME_POOL = _pairs(
    "DE=de LU=de AT=at CH=ch LI=ch NL=nl BE=nl FR=fr IT=it ES=es MX=es PT=pt BR=pt PL=pl CZ=cz "
    "HU=hu DK=nordic SE=nordic NO=nordic FI=nordic HR=hr TR=tr"
)  # everyone else: English names (or German ones, see _Generator._person)

MAIL_DOMAINS = {
    region: {domain: int(weight) for domain, weight in _pairs(text).items()}
    for region, text in {
        "DE": "gmail.com=20 gmx.de=18 web.de=17 t-online.de=9 gmx.net=6 icloud.com=6 outlook.de=5 "
        "yahoo.de=4 posteo.de=3 hotmail.de=3 freenet.de=2 mail.de=2 online.de=1 arcor.de=1",
        "AT": "gmail.com=25 gmx.at=20 aon.at=12 outlook.com=8 chello.at=6 a1.net=6 icloud.com=6 "
        "gmx.net=6 hotmail.com=5 yahoo.com=3",
        "CH": "bluewin.ch=25 gmail.com=25 gmx.ch=12 icloud.com=8 hispeed.ch=6 outlook.com=6 "
        "sunrise.ch=5 hotmail.com=5 protonmail.ch=4",
        "*": "gmail.com=40 outlook.com=12 icloud.com=10 hotmail.com=10 yahoo.com=8 gmx.net=8 "
        "web.de=6",
    }.items()
}
LOCAL_MAIL_DOMAIN = _pairs(
    "FR=orange.fr IT=libero.it NL=ziggo.nl BE=telenet.be PL=wp.pl CZ=seznam.cz HU=freemail.hu "
    "DK=live.dk SE=telia.com NO=online.no PT=sapo.pt ES=hotmail.es GB=btinternet.com "
    "IE=eircom.net US=comcast.net LI=adon.li LU=pt.lu CA=rogers.com AU=bigpond.com"
)
# Typing errors people make in the domain; such an address never reaches a mailbox.
MISTYPED_DOMAINS = _pairs(
    "gmail.com=gmial.com gmx.de=gmx.dr web.de=wbe.de t-online.de=t-onlne.de outlook.de=outlok.de "
    "hotmail.com=hotmial.com yahoo.de=yaho.de icloud.com=icloud.co bluewin.ch=bluwin.ch "
    "gmx.at=gmx.ar gmx.net=gmx.nte"
)
COMPANY_FORMS = {
    "DE": ("GmbH", "UG (haftungsbeschränkt)", "& Partner mbB"),
    "AT": ("GmbH", "e.U."),
    "CH": ("GmbH", "AG"),
    "LI": ("AG",),
}
COMPANY_TRADES = ("Consulting", "Coaching", "Marketing", "Immobilien", "Design", "Training")

# UTC hours at which German-speaking customers buy (evening peak).
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 9, 9, 9, 10, 11, 13, 14, 13, 10, 6, 3)
MONTH_FACTORS = (1.25, 1.0, 1.05, 0.95, 0.95, 0.85, 0.75, 0.75, 1.05, 1.1, 1.15, 1.3)
ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SIMILAR_EMAIL_WINDOW = 12  # how many sorted neighbours are compared when spreading addresses
STRIPE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class DemoError(RuntimeError):
    """The demo data cannot be written (the database already holds real data)."""


@dataclass
class DemoSource:
    label: str
    kind: str
    contacts: list[ContactRecord] = field(default_factory=list)
    orders: list[OrderRecord] = field(default_factory=list)


@dataclass
class DemoData:
    today: date
    start: date  # first day with orders; orders lie in [start, today)
    people: int  # distinct people generated (before any e-mail based merging)
    sources: list[DemoSource]
    rates: dict[tuple[str, date], Decimal]


@dataclass(frozen=True)
class DemoSummary:
    persons: int
    contacts: int
    orders: int
    sources: int
    refunds: int
    countries: int
    products: int
    exchange_rates: int


# --- small pure helpers ----------------------------------------------------------------------


def tax_in_gross(gross_cents: int, permille: int) -> int:
    """VAT contained in a gross amount: gross − round_half_up(gross / (1 + rate)), exact."""
    if permille == 0:
        return 0
    denominator = 1000 + permille
    net = (2 * gross_cents * 1000 + denominator) // (2 * denominator)
    return gross_cents - net


def _percent_of(cents: int, per_mille: int) -> int:
    return (cents * per_mille + 500) // 1000


def vat_permille(country: str, day: date) -> int:
    rate = 0
    for valid_from, permille in STANDARD_VAT.get(country, ()):
        if day >= valid_from:
            rate = permille
    return rate


def _similar_emails(first: str, second: str) -> bool:
    """Addresses a typo apart: edit distance 1, or 2 from 12 characters on (e.g. gmial.com)."""
    allowed = 2 if min(len(first), len(second)) >= 12 else 1
    return Levenshtein.distance(first, second, score_cutoff=allowed) <= allowed


def _service_vat(person: _Person) -> int:
    """German VAT on coaching and consulting: charged where the coach works (19 %) to private
    clients in the EU; business clients elsewhere in the EU (reverse charge) and clients outside
    the EU are not charged German VAT."""
    business_abroad = person.company is not None and person.country != "DE"
    return 190 if person.country in EU and not business_abroad else 0


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _black_friday(year: int) -> date:
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def _nice_price(cents: int) -> int:
    """Round a converted price the way shops price: 10.99, 217.00."""
    if cents < 5000:
        return (cents // 100) * 100 + 99
    return ((cents + 500) // 1000) * 1000 - 300


_PLAIN_LETTERS = str.maketrans(_pairs("ä=ae ö=oe ü=ue ß=ss ø=o æ=ae ł=l ı=i"))


def _mail_name(name: str) -> str:
    """How a name is written in an e-mail address: "Jürgen" → "juergen", "de Vries" → "devries"."""
    plain = unicodedata.normalize("NFKD", name.lower().replace(" ", "").translate(_PLAIN_LETTERS))
    return "".join(c for c in plain if c.isascii() and (c.isalnum() or c in ".-_"))


def written_differently(email: str, style: int) -> str:
    """The same address as people type it into another tool: "  Anna.Schmidt@GMX.de "."""
    local, domain = email.split("@")
    labels = domain.split(".")
    name = labels[0].upper() if len(labels[0]) <= 4 else labels[0].capitalize()
    title = ".".join(part.capitalize() for part in local.split(".")) + "@" + name
    title += "." + ".".join(labels[1:])
    return (title, f"  {title} ", email.upper(), f"{email} ", f" {email}")[style % 5]


# --- the generator ---------------------------------------------------------------------------


@dataclass
class _Person:
    index: int
    first_name: str
    last_name: str
    country: str
    city: str
    postcode: str
    email: str
    company: str | None
    first_day: date
    sources: list[str]
    other_email: dict[str, str] = field(default_factory=dict)  # source → a different address


class _Catalog:
    """Zipf-like picks over a popularity-ordered catalogue; every product sells at least once
    early on, so even small demo databases show the whole range."""

    def __init__(self, products: Sequence[Product], exponent: float = 1.05) -> None:
        self.products = list(products)
        self._cum = list(accumulate(1 / rank**exponent for rank in range(1, len(products) + 1)))
        self._unsold = list(self.products)
        self._picks = 0

    def pick(self, rng: random.Random) -> Product:
        self._picks += 1
        if self._unsold and self._picks % 4 == 0:
            return self._unsold.pop()
        product = rng.choices(self.products, cum_weights=self._cum)[0]
        if product in self._unsold:
            self._unsold.remove(product)
        return product


class _Generator:
    def __init__(self, seed: int, people: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.people = people
        self.today = today
        self.start = _years_before(today, YEARS)
        self.days = [self.start + timedelta(days=i) for i in range((today - self.start).days)]
        self._day_cum = list(accumulate(self._day_weight(i) for i in range(len(self.days))))
        self._used_emails: set[str] = set()
        self._used_ids: set[str] = set()
        self._name_keys: set[tuple[str, str, str]] = set()
        self.sources = {key: DemoSource(*SOURCE_LABELS[key]) for key in SOURCE_LABELS}
        self._contacts: dict[str, dict[int, ContactRecord]] = {key: {} for key in SOURCE_LABELS}
        self.catalogs = {
            DS: _Catalog(DS_CATALOG),
            DS2: _Catalog(DS2_CATALOG),
            WOO: _Catalog(WOO_CATALOG),
            STRIPE: _Catalog(STRIPE_CATALOG, exponent=0.9),
            SEVDESK: _Catalog(SEVDESK_CATALOG, exponent=0.8),
        }
        self._country_cum = list(accumulate(COUNTRY_WEIGHTS.values()))

    # -- time --

    def _day_weight(self, index: int) -> float:
        day = self.days[index]
        growth = 0.5 + 1.0 * index / max(len(self.days) - 1, 1)
        factor = MONTH_FACTORS[day.month - 1]
        black_friday = _black_friday(day.year)
        if black_friday <= day <= black_friday + timedelta(days=3):
            factor *= 3.5  # Black Friday to Cyber Monday
        elif black_friday - timedelta(days=7) <= day < black_friday:
            factor *= 1.5  # "Black Week"
        elif day.month == 12 and day.day <= 20:
            factor *= 1.3  # Christmas presents
        return growth * factor

    def random_day(self) -> date:
        return self.rng.choices(self.days, cum_weights=self._day_cum)[0]

    def later_day(self, day: date, mean_days: float) -> date | None:
        """A day some time after ``day`` (exponentially distributed); None if not yet come."""
        later = day + timedelta(days=1 + int(self.rng.expovariate(1 / mean_days)))
        return later if later < self.today else None

    def moment(self, day: date, office_hours: bool = False) -> datetime:
        if office_hours:
            hour = self.rng.randint(7, 15)
        else:
            hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        at = time(hour, self.rng.randrange(60), self.rng.randrange(60), tzinfo=UTC)
        return datetime.combine(day, at)

    # -- ids --

    def token(self, length: int, alphabet: str = ID_ALPHABET, prefix: str = "") -> str:
        while True:
            value = prefix + "".join(self.rng.choices(alphabet, k=length))
            if value not in self._used_ids:
                self._used_ids.add(value)
                return value

    # -- people --

    def make_people(self) -> list[_Person]:
        countries = list(COUNTRY_WEIGHTS)[: self.people]
        countries += self.rng.choices(
            list(COUNTRY_WEIGHTS), cum_weights=self._country_cum, k=self.people - len(countries)
        )
        self.rng.shuffle(countries)
        people = [self._person(index, country) for index, country in enumerate(countries)]
        self._spread_emails(people)
        self._assign_sources(people)
        self._assign_other_emails(people)
        return people

    def _person(self, index: int, country: str) -> _Person:
        rng = self.rng
        pool = NAME_POOL.get(country, "en")
        if country not in {"DE", "AT", "CH", "LI", "LU"} and rng.random() < 0.55:
            pool = "de"  # German-speaking people living abroad
        first_names, last_names = (part.split() for part in NAMES[pool])
        if pool == "nl":  # Dutch surnames with "de"/"van den" are several words
            last_names = (
                NAMES[pool][1].replace("de ", "de_").replace("van den ", "van_den_").split()
            )
        weights = [1 / (i + 1) ** 0.7 for i in range(len(PLACES[country]))]
        for _ in range(8):  # two strangers with the same name and postcode would look like one
            first_name = rng.choice(first_names)
            last_name = rng.choice(last_names).replace("_", " ")
            city, postcodes = rng.choices(PLACES[country], weights=weights)[0]
            postcode = rng.choice(postcodes)
            if (first_name, last_name, postcode) not in self._name_keys:
                break
        self._name_keys.add((first_name, last_name, postcode))
        company = None
        if rng.random() < 0.06:
            company = self._company(first_name, last_name, country)
        return _Person(
            index=index,
            first_name=first_name,
            last_name=last_name,
            country=country,
            city=city,
            postcode=postcode,
            email=self._email(first_name, last_name, country),
            company=company,
            first_day=self.random_day(),
            sources=[],
        )

    def _company(self, first_name: str, last_name: str, country: str) -> str:
        trade = self.rng.choice(COMPANY_TRADES)
        forms = COMPANY_FORMS.get(country)
        if forms is None or self.rng.random() < 0.3:
            return f"{first_name} {last_name} {trade}"
        return f"{last_name} {trade} {self.rng.choice(forms)}"

    def _email(self, first_name: str, last_name: str, country: str) -> str:
        rng = self.rng
        first, last = _mail_name(first_name), _mail_name(last_name)
        year = rng.randint(55, 99) if rng.random() < 0.8 else rng.randint(0, 5)
        local = rng.choices(
            (
                f"{first}.{last}",
                f"{first}{last}",
                f"{first[0]}.{last}",
                f"{first}_{last}",
                f"{first}.{last}{year:02d}",
                f"{first}{year:02d}",
                f"{last}.{first}",
                f"{first}-{last}",
            ),
            weights=(40, 10, 12, 5, 12, 6, 5, 4),
        )[0]
        domains = dict(MAIL_DOMAINS.get(country, MAIL_DOMAINS["*"]))
        if country in LOCAL_MAIL_DOMAIN:
            domains[LOCAL_MAIL_DOMAIN[country]] = 15
        domain = rng.choices(list(domains), weights=list(domains.values()))[0]
        return self._unique_email(local, domain)

    def _spread_emails(self, people: list[_Person]) -> None:
        """New addresses for strangers whose addresses look like typos of each other
        ("l.bauer@web.de", "l.bauer2@web.de"), so the owner's duplicate list shows the planted
        cases, not hundreds of coincidences. Neighbours in sorted order, forwards and
        backwards, as a duplicate finder would compare them."""
        for _ in range(20):
            suspicious: set[int] = set()
            for backwards in (False, True):
                ordered = sorted(people, key=lambda p: p.email[::-1] if backwards else p.email)
                for i, person in enumerate(ordered):
                    for other in ordered[i + 1 : i + 1 + SIMILAR_EMAIL_WINDOW]:
                        if _similar_emails(person.email, other.email):
                            suspicious.add(max(person.index, other.index))
            if not suspicious:
                return
            for person in people:
                if person.index in suspicious:
                    self._used_emails.discard(person.email)
                    person.email = self._email(person.first_name, person.last_name, person.country)

    def _unique_email(self, local: str, domain: str) -> str:
        email, number = f"{local}@{domain}", 1
        while email in self._used_emails:
            number += 1
            email = f"{local}{number}@{domain}"
        self._used_emails.add(email)
        return email

    def _assign_sources(self, people: list[_Person]) -> None:
        rng = self.rng
        for person in people:
            primary = rng.choices(list(PRIMARY_WEIGHTS), weights=list(PRIMARY_WEIGHTS.values()))[0]
            if primary == WOO and person.country not in SHOP_COUNTRIES:
                primary = DS
            if primary == SEVDESK and person.company is None and rng.random() < 0.75:
                person.company = self._company(person.first_name, person.last_name, person.country)
            person.sources = [primary]
            roll = rng.random()
            extras = next((count for limit, count in EXTRA_SOURCE_ODDS if roll < limit), 0)
            for _ in range(extras):
                options = {
                    key: weight
                    for key, weight in EXTRA_WEIGHTS.items()
                    if key not in person.sources
                    and (key != WOO or person.country in SHOP_COUNTRIES)
                }
                person.sources.append(rng.choices(list(options), weights=list(options.values()))[0])

    def _assign_other_emails(self, people: list[_Person]) -> None:
        """A few people use a second address or mistype theirs in one of their tools."""
        rng = self.rng
        for person in people:
            if len(person.sources) < 2:
                continue
            roll, source = rng.random(), rng.choice(person.sources[1:])
            if roll < 0.03:
                person.other_email[source] = self._second_address(person)
            elif roll < 0.045:
                local, domain = person.email.split("@")
                typo = MISTYPED_DOMAINS.get(domain, domain[1] + domain[0] + domain[2:])
                person.other_email[source] = self._unique_email(local, typo)

    def _second_address(self, person: _Person) -> str:
        first, last = _mail_name(person.first_name), _mail_name(person.last_name)
        if person.company or self.rng.random() < 0.5:
            tld = {"DE": "de", "AT": "at", "CH": "ch", "LI": "li"}.get(person.country, "com")
            trade = self.rng.choice(("coaching", "beratung", "design", "consulting"))
            return self._unique_email(f"{first[0]}.{last}", f"{last}-{trade}.{tld}")
        return self._unique_email(
            f"{first}.{last}", self.rng.choice(("gmail.com", "web.de", "gmx.net"))
        )

    def source_days(self, person: _Person) -> dict[str, date]:
        """The day each of the person's tools sees them first: the first tool first."""
        days = {person.sources[0]: person.first_day}
        for source in person.sources[1:]:
            later = self.later_day(person.first_day, 150)
            if later is None:
                later = self.days[
                    self.rng.randrange(self.days.index(person.first_day), len(self.days))
                ]
            days[source] = later
        return days

    # -- contacts --

    def contact(self, source: str, person: _Person, at: datetime) -> str:
        """The person's contact in a tool (created on first use); returns its placeholder id."""
        contacts = self._contacts[source]
        record = contacts.get(person.index)
        if record is None:
            email = person.other_email.get(source)
            if email is None:
                email = person.email
                first_tool = source == person.sources[0]
                if self.rng.random() < (0.08 if first_tool else 0.4):
                    email = written_differently(email, self.rng.randrange(5))
            record = ContactRecord(
                source_contact_id=f"p{person.index}",
                email=email,
                first_name=person.first_name,
                last_name=person.last_name,
                company=person.company if source in {SEVDESK, STRIPE, WOO} else None,
                country=person.country,
                city=person.city,
                postcode=person.postcode or None,
                created_at=at - timedelta(seconds=self.rng.randint(5, 300)),
            )
            contacts[person.index] = record
        elif record.created_at is not None and at < record.created_at:
            record.created_at = at - timedelta(seconds=self.rng.randint(5, 300))
        return record.source_contact_id

    # -- refunds and chargebacks --

    def outcome(
        self,
        order: OrderRecord,
        refund: float,
        partial: float = 0.0,
        chargeback: float = 0.0,
        refund_id: Callable[[], str] | None = None,
    ) -> bool:
        """Maybe refund (14-day withdrawal or 60-day guarantee), partly refund or charge back the
        order; True when the customer relationship for this purchase ends."""
        rng = self.rng
        roll = rng.random()
        if roll < refund:
            days = rng.randint(1, 14) if rng.random() < 0.65 else rng.randint(15, 60)
            reason, amount, status = "refund", order.gross_cents, "refunded"
        elif roll < refund + partial:
            days = rng.randint(3, 40)
            share = rng.choice((300, 500, 500, 700))  # goodwill: 30-70 % back
            amount = _percent_of(order.gross_cents, share)
            reason, status = "refund", "partially_refunded"
        elif roll < refund + partial + chargeback:
            days = rng.randint(20, 75)
            reason, amount, status = "chargeback", order.gross_cents, "chargeback"
        else:
            return False
        at = order.ordered_at + timedelta(days=days, hours=rng.randint(0, 8))
        if at.date() >= self.today or amount <= 0:
            return False
        new_id = refund_id() if refund_id else f"{order.source_order_id}-R{len(order.refunds) + 1}"
        order.refunds.append(RefundRecord(new_id, at, amount, reason))
        order.status = status
        return status != "partially_refunded"

    # -- Digistore24 --

    def digistore(self, source: str, person: _Person, day: date) -> None:
        catalog = self.catalogs[source]
        currency = "EUR"
        if person.country in USD_COUNTRIES:
            currency = "USD"
        elif person.country in CHF_COUNTRIES and self.rng.random() < 0.4:
            currency = "CHF"
        active_until: dict[str, date] = {}
        current: date | None = day
        for _ in range(6):
            if current is None:
                break
            product = catalog.pick(self.rng)
            if active_until.get(product.product_id, date.min) >= current:
                product = DS_ORDER_BUMP if source == DS else catalog.products[0]
            if product.kind == "subscription":
                active_until[product.product_id] = self._subscription(
                    source, person, current, product, currency
                )
            elif product.plans and self.rng.random() < 0.4:
                self._instalments(source, person, current, product, currency)
            else:
                self._one_time(source, person, current, product, currency)
            if self.rng.random() > 0.42:
                break
            current = self.later_day(current, 80)

    def _price(self, eur_cents: int, currency: str) -> int:
        if currency == "USD":
            return _nice_price(eur_cents * 11 // 10)
        if currency == "CHF":
            return _nice_price(eur_cents)
        return eur_cents

    def _digital_vat(self, person: _Person, day: date) -> int:
        if person.company and person.country in EU and person.country != "DE":
            return 0  # reverse charge for business buyers elsewhere in the EU
        return vat_permille(person.country, day)

    def _ds_order(
        self,
        source: str,
        person: _Person,
        at: datetime,
        order_id: str,
        items: list[ItemRecord],
        currency: str,
        kind: str,
    ) -> OrderRecord:
        gross = sum(item.amount_cents for item in items)
        tax = tax_in_gross(gross, self._digital_vat(person, at.date()))
        fee = _percent_of(gross, 79) + 100  # 7.9 % + 1 per sale
        if kind in {"one_time", "installment"} and self.rng.random() < 0.18:
            commission = self.rng.choice((300, 400, 500))  # sold by an affiliate: 30-50 % of net
            fee += _percent_of(gross - tax, commission)
        order = OrderRecord(
            source_order_id=order_id,
            source_contact_id=self.contact(source, person, at),
            ordered_at=at,
            gross_cents=gross,
            tax_cents=tax,
            currency=currency,
            fee_cents=min(fee, gross - tax),
            kind=kind,
            url=f"{DIGISTORE_URL}/vendor/reports/transactions/order/{order_id.split('-')[0]}",
            items=items,
        )
        if kind != "trial" and (self.today - at.date()).days <= 5 and self.rng.random() < 0.2:
            order.status = "pending"  # paid by bank transfer, money not yet in
        self.sources[source].orders.append(order)
        return order

    def _item(self, product: Product, amount: int, quantity: int = 1) -> ItemRecord:
        return ItemRecord(product.name, amount, quantity, product.product_id)

    def _one_time(
        self, source: str, person: _Person, day: date, product: Product, currency: str
    ) -> None:
        items = [self._item(product, self._price(product.price_cents, currency))]
        if source == DS and product is not DS_ORDER_BUMP and self.rng.random() < 0.18:
            items.append(
                self._item(DS_ORDER_BUMP, self._price(DS_ORDER_BUMP.price_cents, currency))
            )
        order = self._ds_order(
            source, person, self.moment(day), self.token(8), items, currency, "one_time"
        )
        if order.status == "paid":
            self.outcome(order, refund=0.06, partial=0.01, chargeback=0.005)

    def _instalments(
        self, source: str, person: _Person, day: date, product: Product, currency: str
    ) -> None:
        payments = self.rng.choice(product.plans)
        # A payment plan costs about 8 % more than paying at once, rounded up to whole units.
        each = -(-product.price_cents * 108 // (100 * payments * 100)) * 100
        each = self._price(each, currency)
        order_id, at = self.token(8), self.moment(day)
        for number in range(payments):
            pay_day = add_months(day, number)
            if pay_day >= self.today:
                break
            moment = at if number == 0 else self.moment(pay_day)
            item = self._item(product, each)
            order = self._ds_order(
                source, person, moment, f"{order_id}-{number + 1}", [item], currency, "installment"
            )
            if number > 0 and self.rng.random() < 0.04:
                order.status = "failed"  # dunning failed; the plan stops here
                break
            if order.status == "paid" and self.outcome(
                order, refund=0.05 if number == 0 else 0.0, chargeback=0.01
            ):
                break

    def _subscription(
        self, source: str, person: _Person, day: date, product: Product, currency: str
    ) -> date:
        """Monthly payments until the member cancels; returns the day the membership ends."""
        rng = self.rng
        order_id, price = self.token(8), self._price(product.price_cents, currency)
        first_payment = day
        if rng.random() < 0.3:
            trial = self._item(product, 100)
            self._ds_order(
                source, person, self.moment(day), f"{order_id}-T", [trial], currency, "trial"
            )
            if rng.random() > 0.62:
                return day + timedelta(days=30)  # did not continue after the trial
            first_payment = day + timedelta(days=30)
        number = 0
        while True:
            pay_day = add_months(first_payment, number)
            if pay_day >= self.today:
                return pay_day
            stops = number > 0 and rng.random() < 0.085
            if stops and rng.random() < 0.7:
                return pay_day  # cancelled before this payment
            item, number_id = self._item(product, price), f"{order_id}-{number + 1}"
            order = self._ds_order(
                source, person, self.moment(pay_day), number_id, [item], currency, "subscription"
            )
            if stops:  # … or simply stopped paying: the last debit fails
                order.status = "failed"
                return pay_day
            if order.status == "paid" and self.outcome(order, refund=0.015, chargeback=0.004):
                return pay_day
            number += 1

    # -- WooCommerce (and the Stripe charges behind its card payments) --

    def woo(self, person: _Person, day: date) -> None:
        rng = self.rng
        registered = rng.random() < 0.7
        current: date | None = day
        for _ in range(6):
            if current is None:
                return
            self._woo_order(person, self.moment(current), registered)
            if rng.random() > 0.3:
                return
            current = self.later_day(current, 120)

    def _woo_order(
        self, person: _Person, at: datetime, registered: bool, retry: bool = False
    ) -> None:
        rng = self.rng
        catalog = self.catalogs[WOO]
        currency = "CHF" if person.country in CHF_COUNTRIES else "EUR"
        picked: list[Product] = []
        for _ in range(rng.choices((1, 2, 3), weights=(65, 25, 10))[0]):
            product = catalog.pick(rng)
            if product not in picked:
                picked.append(product)
        items, tax = [], 0
        for product in picked:
            quantity = 2 if rng.random() < 0.08 else 1
            amount = (product.chf_cents if currency == "CHF" else product.price_cents) * quantity
            items.append(self._item(product, amount, quantity))
            tax += self._goods_tax(person.country, at.date(), amount, product.book)
        goods = sum(item.amount_cents for item in items)
        shipping = SHOP_SHIPPING.get(person.country, SHOP_SHIPPING_EU)
        if person.country == "DE" and goods >= SHOP_FREE_SHIPPING_FROM:
            shipping = 0
        if shipping:  # part of the order total, not a product line
            tax += self._goods_tax(person.country, at.date(), shipping, False)
        method = rng.choices(("stripe", "paypal", "klarna", "bacs"), weights=(45, 35, 10, 10))[0]
        contact_id = self.contact(WOO, person, at) if registered else self._guest(person, at)
        order = OrderRecord(
            source_order_id="",  # numbered in date order at the end
            source_contact_id=contact_id,
            ordered_at=at,
            gross_cents=goods + shipping,
            tax_cents=tax,
            currency=currency,
            items=items,
        )
        roll = rng.random()
        recent = (self.today - at.date()).days <= 10
        if roll < 0.025 and not retry:
            order.status = "cancelled"
        elif roll < 0.045 and method in {"stripe", "paypal"} and not retry:
            order.status = "failed"
        elif method == "bacs" and (recent or roll < 0.06):
            order.status = "pending" if recent else "cancelled"  # transfer never arrived
        percent, fixed = SHOP_PAYMENT_FEES[method]  # per ten thousand, plus fixed cents
        if method == "stripe" and person.country not in STRIPE_CHEAP_CARDS:
            percent = 325
        if order.status in {"paid", "failed"} and method != "bacs":
            order.payment_id = self._payment_id(method)
        if order.status == "paid" and method != "bacs":
            order.fee_cents = (order.gross_cents * percent + 5000) // 10000 + fixed
        if order.status == "paid":
            self._woo_outcome(order)
        self.sources[WOO].orders.append(order)
        if method == "stripe" and order.payment_id and order.status != "cancelled":
            self._stripe_mirror(person, order)
        if order.status == "failed" and rng.random() < 0.6:
            self._woo_order(
                person, at + timedelta(minutes=rng.randint(2, 20)), registered, retry=True
            )

    def _goods_tax(self, country: str, day: date, amount: int, book: bool) -> int:
        if country in CHF_COUNTRIES:
            return 0  # export: Swiss import VAT is paid at the border, not on the invoice
        permille = BOOK_VAT[country] if book else vat_permille(country, day)
        return tax_in_gross(amount, permille)

    def _woo_outcome(self, order: OrderRecord) -> None:
        """Withdrawal within 14 days: everything back, or one article sent back."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            amount, status = order.gross_cents, "refunded"
        elif roll < 0.045 and len(order.items) > 1:
            amount, status = order.items[0].amount_cents, "partially_refunded"
        else:
            return
        at = order.ordered_at + timedelta(days=rng.randint(3, 14), hours=rng.randint(1, 6))
        if at.date() < self.today:
            order.refunds.append(RefundRecord("", at, amount, "refund"))
            order.status = status

    def _guest(self, person: _Person, at: datetime) -> str:
        """Guest checkout: no customer account, the shop only knows the e-mail."""
        key = -1 - person.index  # guests and accounts of one person are different contacts
        contacts = self._contacts[WOO]
        if key not in contacts:
            email = person.other_email.get(WOO, person.email)
            contacts[key] = ContactRecord(
                source_contact_id=f"g{person.index}",
                email=email,
                first_name=person.first_name,
                last_name=person.last_name,
                country=person.country,
                city=person.city,
                postcode=person.postcode or None,
                created_at=at,
            )
        return contacts[key].source_contact_id

    def _payment_id(self, method: str) -> str:
        if method == "stripe":
            # the official WooCommerce Stripe plugin stores the charge id as transaction_id
            return self.token(24, STRIPE_ALPHABET, "ch_3")
        if method == "paypal":
            return self.token(17, "ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
        return self.token(32, "0123456789abcdef")  # Klarna order id

    def _stripe_mirror(self, person: _Person, shop_order: OrderRecord) -> None:
        """The card payment behind a shop order as Stripe records it: same payment id."""
        assert shop_order.payment_id is not None
        at = shop_order.ordered_at + timedelta(seconds=self.rng.randint(3, 40))
        charge = OrderRecord(
            source_order_id="ch_" + shop_order.payment_id[3:],
            source_contact_id=self.contact(STRIPE, person, at),
            ordered_at=at,
            gross_cents=shop_order.gross_cents,
            tax_cents=0,  # Stripe does not know the VAT of a shop order
            currency=shop_order.currency,
            fee_cents=shop_order.fee_cents,
            status=shop_order.status,
            payment_id=shop_order.payment_id,
            url=f"{STRIPE_URL}/payments/{shop_order.payment_id}",
            # A charge knows no products; Stripe's description names the shop order.
        )
        for refund in shop_order.refunds:
            at = refund.refunded_at + timedelta(seconds=2)
            charge.refunds.append(
                RefundRecord(self._refund_id(), at, refund.amount_cents, refund.reason)
            )
        self.sources[STRIPE].orders.append(charge)

    # -- Stripe coaching --

    def stripe(self, person: _Person, day: date) -> None:
        rng = self.rng
        catalog = self.catalogs[STRIPE]
        currency = "USD" if person.country in USD_COUNTRIES else "EUR"
        current: date | None = day
        for purchase in range(5):
            if current is None:
                return
            # Half of the clients start with the short strategy call.
            starter = purchase == 0 and rng.random() < 0.5
            product = STRIPE_CATALOG[0] if starter else catalog.pick(rng)
            at = self.moment(current)
            if product.plans and rng.random() < 0.7:  # paid in monthly instalments
                payments = product.plans[0]
                each = self._price(-(-product.price_cents // (payments * 100)) * 100, currency)
                for number in range(payments):
                    pay_day = add_months(current, number)
                    if pay_day >= self.today:
                        break
                    moment = at if number == 0 else self.moment(pay_day)
                    charge = self._coaching_charge(person, moment, product, each, "installment")
                    if charge.status != "paid" or self.outcome(
                        charge, 0.0, 0.01, 0.004, self._refund_id
                    ):
                        break
            else:
                price = self._price(product.price_cents, currency)
                charge = self._coaching_charge(person, at, product, price, "one_time")
                retry_at = at + timedelta(days=1, minutes=rng.randint(1, 300))
                if charge.status == "failed" and retry_at.date() < self.today:
                    charge = self._coaching_charge(person, retry_at, product, price, "one_time")
                if charge.status == "paid":
                    self.outcome(charge, 0.02, 0.01, 0.004, self._refund_id)
            if rng.random() > 0.45:
                return
            current = self.later_day(current, 60)

    def _refund_id(self) -> str:
        return self.token(24, STRIPE_ALPHABET, "re_3")

    def _coaching_charge(
        self, person: _Person, at: datetime, product: Product, gross: int, kind: str
    ) -> OrderRecord:
        card_percent = 150 if person.country in STRIPE_CHEAP_CARDS else 325
        suffix = self.token(24, STRIPE_ALPHABET)
        charge = OrderRecord(
            source_order_id=f"ch_3{suffix}",
            source_contact_id=self.contact(STRIPE, person, at),
            ordered_at=at,
            gross_cents=gross,
            tax_cents=tax_in_gross(gross, _service_vat(person)),
            currency="USD" if person.country in USD_COUNTRIES else "EUR",
            fee_cents=(gross * card_percent + 5000) // 10000 + 25,
            kind=kind,
            payment_id=f"ch_3{suffix}",
            url=f"{STRIPE_URL}/payments/ch_3{suffix}",
            items=[self._item(product, gross)],
        )
        if self.rng.random() < 0.03:
            charge.status, charge.fee_cents = "failed", None  # card declined
        self.sources[STRIPE].orders.append(charge)
        return charge

    # -- sevDesk invoices --

    def sevdesk(self, person: _Person, day: date) -> None:
        rng = self.rng
        catalog = self.catalogs[SEVDESK]
        current: date | None = day
        for _ in range(6):
            if current is None:
                return
            while current.weekday() >= 5:
                current += timedelta(days=1)
            if current >= self.today:
                return
            product = catalog.pick(rng)
            quantity = rng.randint(2, 16) if product.kind == "hourly" else 1
            net = product.price_cents * quantity
            tax = _percent_of(net, _service_vat(person))  # invoices are written net; VAT on top
            at = self.moment(current, office_hours=True)
            known_since = at - timedelta(days=rng.randint(0, 20))
            invoice = OrderRecord(
                source_order_id="",  # numbered per year in date order at the end
                source_contact_id=self.contact(SEVDESK, person, known_since),
                ordered_at=at,
                gross_cents=net + tax,
                tax_cents=tax,
                kind="invoice",
                items=[self._item(product, net + tax, quantity)],
            )
            roll = rng.random()
            if roll < 0.04:
                invoice.status = "cancelled"  # Stornorechnung
            elif (self.today - current).days <= 21 and roll < 0.7:
                invoice.status = "pending"  # not yet due
            elif rng.random() < 0.04:  # credit note (Gutschrift)
                share = rng.choice((1000, 1000, 200, 300, 500))
                refunded_at = at + timedelta(days=rng.randint(7, 40))
                if refunded_at.date() < self.today:
                    amount = _percent_of(invoice.gross_cents, share)
                    invoice.refunds.append(RefundRecord("", refunded_at, amount, "refund"))
                    invoice.status = "refunded" if share == 1000 else "partially_refunded"
            self.sources[SEVDESK].orders.append(invoice)
            if rng.random() > 0.5:
                return
            current = self.later_day(current, 100)

    # -- putting it together --

    def build(self) -> DemoData:
        rates = self.exchange_rates()
        people = self.make_people()
        builders: dict[str, Callable[[_Person, date], None]] = {
            DS: lambda person, day: self.digistore(DS, person, day),
            DS2: lambda person, day: self.digistore(DS2, person, day),
            WOO: self.woo,
            STRIPE: self.stripe,
            SEVDESK: self.sevdesk,
        }
        for person in people:
            for source, day in self.source_days(person).items():
                builders[source](person, day)
        self._finish()
        return DemoData(
            today=self.today,
            start=self.start,
            people=self.people,
            sources=list(self.sources.values()),
            rates=rates,
        )

    def exchange_rates(self) -> dict[tuple[str, date], Decimal]:
        """USD and CHF on every ECB working day from a week before the first order day."""
        rates: dict[tuple[str, date], Decimal] = {}
        walks = {"USD": [1.08, 1.08, 0.0045, 0.95, 1.25], "CHF": [0.95, 0.95, 0.003, 0.88, 1.02]}
        day = self.start - timedelta(days=7)
        while day <= self.today:
            if is_ecb_working_day(day):
                for currency, walk in walks.items():
                    value, centre, step, low, high = walk
                    value += 0.03 * (centre - value) + self.rng.gauss(0.0, step)
                    walk[0] = min(max(value, low), high)
                    rates[(currency, day)] = Decimal(f"{walk[0]:.4f}")
            day += timedelta(days=1)
        return rates

    def _finish(self) -> None:
        """Sort by date, give tools their own numbering, fill in contacts and links."""
        for key, source in self.sources.items():
            source.orders.sort(key=lambda order: order.ordered_at)
            contacts = sorted(
                self._contacts[key].values(),
                key=lambda record: (
                    record.created_at or datetime.min.replace(tzinfo=UTC),
                    record.source_contact_id,
                ),
            )
            new_ids = self._contact_ids(key, contacts)
            for record in contacts:
                record.url = self._contact_url(key, new_ids[record.source_contact_id])
                record.source_contact_id = new_ids[record.source_contact_id]
            for order in source.orders:
                order.source_contact_id = new_ids[order.source_contact_id]
            source.contacts = contacts
        self._number_shop_orders()
        self._number_invoices()

    def _contact_ids(self, key: str, contacts: list[ContactRecord]) -> dict[str, str]:
        ids: dict[str, str] = {}
        next_number = {WOO: 212, SEVDESK: 61_200_000, DS: 3_104_000, DS2: 5_870_000}.get(key, 0)
        for record in contacts:
            placeholder = record.source_contact_id
            if key == STRIPE:
                ids[placeholder] = self.token(14, STRIPE_ALPHABET, "cus_")
            elif key == WOO and placeholder.startswith("g"):
                ids[placeholder] = f"guest:{normalise_email(record.email)}"
            else:
                next_number += self.rng.randint(1, 9 if key != WOO else 3)
                ids[placeholder] = str(next_number)
        return ids

    def _contact_url(self, key: str, contact_id: str) -> str | None:
        if key == WOO and not contact_id.startswith("guest:"):
            return f"{SHOP_URL}/wp-admin/user-edit.php?user_id={contact_id}"
        if key == STRIPE:
            return f"{STRIPE_URL}/customers/{contact_id}"
        if key == SEVDESK:
            return f"{SEVDESK_URL}/#/crm/detail/id/{contact_id}"
        return None

    def _number_shop_orders(self) -> None:
        number, refund_id = 10_420, 10_420
        for order in self.sources[WOO].orders:
            number += self.rng.randint(1, 3)
            order.source_order_id = str(number)
            order.url = f"{SHOP_URL}/wp-admin/admin.php?page=wc-orders&action=edit&id={number}"
            for refund in order.refunds:
                refund_id = max(refund_id, number) + 1
                refund.source_refund_id = str(refund_id)

    def _number_invoices(self) -> None:
        per_year: dict[int, int] = {}
        internal_id, credit_notes = 48_310_000, 0
        for invoice in self.sources[SEVDESK].orders:
            year = invoice.ordered_at.year
            per_year[year] = per_year.get(year, 0) + 1
            internal_id += self.rng.randint(1, 40)
            invoice.source_order_id = f"RE-{year}-{per_year[year]:04d}"
            invoice.url = f"{SEVDESK_URL}/#/fi/detail/type/RE/id/{internal_id}"
            for refund in invoice.refunds:
                credit_notes += 1
                refund.source_refund_id = f"GS-{refund.refunded_at.year}-{credit_notes:04d}"


def generate(seed: int = 42, persons: int = 5000, today: date | None = None) -> DemoData:
    """Demo data for ``persons`` people over the three years before ``today`` (default: today).

    Deterministic: the same seed, size and day give equal data.
    """
    if persons < 1:
        raise ValueError("persons must be at least 1")
    return _Generator(seed, persons, today or date.today()).build()


# --- writing it ------------------------------------------------------------------------------


def _refuse_unless_empty(session: Session) -> None:
    """Demo data only goes into a database without orders and without the demo's accounts."""
    if session.exec(select(Order.id).limit(1)).first() is not None:
        raise DemoError(
            "Die Datenbank enthält bereits Bestellungen; Demo-Daten nur in eine leere Datenbank."
        )
    labels = [label for label, _ in SOURCE_LABELS.values()]
    taken = session.exec(select(Source.label).where(col(Source.label).in_(labels))).first()
    if taken is not None:
        raise DemoError(
            f"Es gibt schon ein Konto „{taken}“; Demo-Daten nur in eine leere Datenbank."
        )


def fill_demo(
    engine: Engine,
    seed: int = 42,
    persons: int = 5000,
    progress: Callable[[float, str], None] | None = None,
    today: date | None = None,
) -> DemoSummary:
    """Fill an empty database with demo data in one transaction; returns what was written.

    Refuses (:class:`DemoError`) when the database already holds orders or an account with one
    of the demo labels, so demo data never mixes with the owner's own. Marks the database with
    the setting ``demo_data`` = ``true``. ``progress`` gets (fraction done, German message).
    """

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    with Session(engine) as session:
        _refuse_unless_empty(session)  # before spending time on generating
    report(0.0, "Demo-Daten werden erzeugt …")
    data = generate(seed=seed, persons=persons, today=today)
    total, done = sum(len(source.orders) for source in data.sources) or 1, 0
    with session_scope(engine) as session:
        _refuse_unless_empty(session)
        source_ids: list[int] = []
        for demo_source in data.sources:
            count = len(demo_source.orders)
            report(0.1 + 0.8 * done / total, f"{demo_source.label}: {count} Bestellungen …")
            source = get_or_create_source(session, demo_source.label, demo_source.kind)
            source.settings_json = json.dumps({"demo": True})
            ingest(session, source, demo_source.contacts, demo_source.orders)
            assert source.id is not None
            source_ids.append(source.id)
            done += count
        report(0.9, "Wechselkurse …")
        new_rates = store_rates(session, data.rates)
        add_demo_inputs(session, data.start, data.today, seed)  # Kennzahlen page
        session.merge(Setting(key=DEMO_SETTING_KEY, value_json="true"))
        session.flush()
        summary = _summarise(session, source_ids, new_rates)
    report(1.0, "Demo-Daten sind angelegt.")
    return summary


def _summarise(session: Session, source_ids: list[int], exchange_rates: int) -> DemoSummary:
    in_sources = col(Contact.source_id).in_(source_ids)
    contacts, persons, countries = session.exec(
        select(
            func.count(),
            func.count(distinct(col(Contact.person_id))),
            func.count(distinct(col(Contact.country))),
        ).where(in_sources)
    ).one()
    orders = session.exec(
        select(func.count()).select_from(Order).where(col(Order.source_id).in_(source_ids))
    ).one()
    refunds = session.exec(
        select(func.count())
        .select_from(Refund)
        .join(Order)
        .where(col(Order.source_id).in_(source_ids))
    ).one()
    products = session.exec(
        select(func.count(distinct(col(OrderItem.product_id))))
        .join(Order)
        .where(col(Order.source_id).in_(source_ids))
    ).one()
    return DemoSummary(
        persons=persons,
        contacts=contacts,
        orders=orders,
        sources=len(source_ids),
        refunds=refunds,
        countries=countries,
        products=products,
        exchange_rates=exchange_rates,
    )
