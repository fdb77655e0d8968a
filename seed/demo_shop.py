"""A deterministic demo shop: customers, catalogue, orders and everything that follows an order.

`build_demo_shop(session, today)` adds the rows; the same `today` always gives the same data, and
every date is relative to it, so recent orders stay recent and return windows stay meaningful
whenever the shop is seeded.
"""

import datetime as dt
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from sqlalchemy import select

from actions.db.models import (
    CUSTOMER_TIERS,
    ORDER_STATUSES,
    Customer,
    Invoice,
    Order,
    OrderItem,
    Product,
    Promotion,
    Refund,
    Shipment,
    SupportTicket,
    TrackingEvent,
)
from actions.db.repository import RETURN_WINDOW_DAYS

SEED = 20261123
CENT = Decimal("0.01")
VAT_FACTOR = Decimal("1.19")
FREE_SHIPPING_FROM = Decimal("50.00")
SHIPPING_COST = Decimal("4.90")
RETURN_WINDOW = dt.timedelta(days=RETURN_WINDOW_DAYS)  # the policy the assistant applies
FIRST_ORDER_ID = 100001
CANDIDATE_SHOPPERS = 20
FIRST_INVOICE_NUMBER = 250001
FIRST_REFUND_REFERENCE = 300001
FIRST_TICKET_REFERENCE = 500001
# The data describes the shop as it is at 08:00 on `today`: early enough that seeding later that
# day leaves no timestamps in the future, late enough that today's delivery vans are already out.
SNAPSHOT_TIME = dt.time(8, 0)
WAREHOUSE = ("Erfurt", "DE")

# --- catalogue -------------------------------------------------------------------------------

CATEGORY_CODES = {
    "electronics": "EL", "kitchen": "KI", "home decor": "HD", "fashion": "FA", "shoes": "SH",
    "sports": "SP", "beauty": "BE", "toys": "TO", "books": "BO",
}

# (category, name, price, warranty months, description)
PRODUCTS = (
    ("electronics", "AeroBuds Pro wireless earbuds", "129.00", 24,
     "True wireless earbuds with active noise cancelling and up to 30 hours of playback with the "
     "charging case. Splash resistant (IPX4), charge via USB-C or wirelessly."),
    ("electronics", "Lumio Tab 10 Android tablet, 64 GB", "219.00", 24,
     "10.4-inch tablet with a 2K display, 64 GB storage expandable by microSD and a battery for a "
     "full day of streaming."),
    ("electronics", "VoltCharge 65 W USB-C charger", "39.90", 24,
     "Compact GaN charger with two USB-C ports and one USB-A port; fast-charges a laptop and a "
     "phone at the same time."),
    ("electronics", "PowerPack 20000 mAh power bank", "34.90", 24,
     "Slim power bank that charges a phone about four times, with 20 W USB-C Power Delivery."),
    ("electronics", "SoundCube portable Bluetooth speaker", "59.90", 24,
     "Waterproof (IP67) speaker with 360-degree sound and 12 hours of battery life."),
    ("electronics", "ClearView 27\" QHD monitor", "289.00", 36,
     "27-inch IPS monitor with 2560x1440 resolution, 75 Hz and a height-adjustable stand; "
     "connects via HDMI, DisplayPort or USB-C."),
    ("electronics", "StrideFit GPS smartwatch", "179.00", 24,
     "Fitness smartwatch with built-in GPS, heart-rate and sleep tracking and up to 10 days of "
     "battery life. Water resistant to 50 m."),
    ("electronics", "KeyLite wireless keyboard and mouse set", "49.90", 24,
     "Quiet low-profile keyboard (German QWERTZ layout) and mouse sharing one USB receiver."),
    ("electronics", "HomeCam 2K indoor security camera", "44.90", 24,
     "Pan-and-tilt indoor camera with night vision, motion alerts and local recording to microSD."),
    ("electronics", "Nordlys 6\" e-book reader", "119.00", 24,
     "Glare-free 300 ppi e-ink reader with adjustable warm light and weeks of battery life."),
    ("kitchen", "BrewMaster bean-to-cup espresso machine", "449.00", 36,
     "Fully automatic espresso machine with a ceramic grinder and milk frother; makes espresso, "
     "cappuccino and latte at the touch of a button."),
    ("kitchen", "Cast iron casserole 24 cm, cherry red", "89.90", 24,
     "Enamelled cast iron pot (4.2 l) for stews, braises and bread; suitable for all hobs "
     "including induction, and oven safe to 250 °C."),
    ("kitchen", "ChefEdge 3-piece knife set", "69.90", 24,
     "Chef's, bread and paring knife forged from German stainless steel, with ergonomic handles."),
    ("kitchen", "AirCrisp 5.5 l air fryer", "99.00", 24,
     "Air fryer with eight presets and a dishwasher-safe basket; crisps with up to 80% less oil."),
    ("kitchen", "PureBlend 1.5 l glass blender", "79.90", 24,
     "1200 W blender with a heat-resistant glass jug, pulse function and ice-crush setting."),
    ("kitchen", "Bamboo cutting board set, 3 pieces", "24.90", 0,
     "Three sturdy bamboo boards in different sizes, with juice grooves and hanging holes."),
    ("kitchen", "ThermoSteel 1 l vacuum flask", "22.90", 12,
     "Double-walled stainless steel flask that keeps drinks hot for 24 hours or cold for 48."),
    ("kitchen", "Digital kitchen scale, 5 kg", "17.90", 12,
     "Flat glass kitchen scale weighing in 1 g steps up to 5 kg, with tare function."),
    ("home decor", "Linen cushion cover 50x50 cm, sage", "19.90", 0,
     "Stonewashed linen cover with a hidden zip; cushion insert not included."),
    ("home decor", "Nordic ceramic vase, matte white", "29.90", 0,
     "Hand-glazed 25 cm vase with a soft matte finish, watertight for fresh flowers."),
    ("home decor", "Woven jute rug 120x180 cm", "79.00", 0,
     "Hand-woven natural jute rug with a herringbone pattern, for living rooms and hallways."),
    ("home decor", "Oak floor lamp with linen shade", "139.00", 24,
     "150 cm floor lamp with a solid oak tripod base and an off-white linen shade (E27, bulb not "
     "included)."),
    ("home decor", "Scented soy candles, set of 4", "24.90", 0,
     "Four soy wax candles (fig, cedar, linen, amber) with cotton wicks, about 30 hours each."),
    ("home decor", "Framed botanical prints, set of 3", "49.90", 0,
     "Three A4 botanical prints in slim oak frames, ready to hang."),
    ("home decor", "Chunky knit throw blanket, oatmeal", "59.90", 0,
     "Soft chunky knit throw (130x170 cm) made from recycled polyester, machine washable."),
    ("fashion", "Merino wool crew-neck jumper, navy", "79.90", 0,
     "Fine-knit jumper from 100% extra-fine merino wool; warm, breathable and itch-free."),
    ("fashion", "Organic cotton T-shirts, 3-pack", "29.90", 0,
     "Three crew-neck T-shirts (white, grey, black) from GOTS-certified organic cotton."),
    ("fashion", "Waterproof rain jacket, olive", "119.00", 12,
     "Lightweight 3-layer rain jacket with taped seams, adjustable hood and a packable design."),
    ("fashion", "Slim-fit stretch jeans, dark blue", "59.90", 0,
     "Slim-fit jeans in comfortable stretch denim with a classic five-pocket cut."),
    ("fashion", "Leather belt, cognac", "34.90", 0,
     "3.5 cm belt from vegetable-tanned leather with a brushed nickel buckle."),
    ("fashion", "Cashmere blend scarf, camel", "49.90", 0,
     "Soft scarf (180x30 cm) from a wool and cashmere blend."),
    ("fashion", "Down puffer vest, black", "89.90", 0,
     "Light puffer vest filled with responsibly sourced down; packs into its own pocket."),
    ("shoes", "CloudStep running shoes", "119.90", 12,
     "Cushioned neutral running shoes with a breathable mesh upper, for daily training and long "
     "runs."),
    ("shoes", "Classic white leather sneakers", "89.90", 12,
     "Minimal low-top sneakers in smooth white leather with a stitched rubber sole."),
    ("shoes", "Chelsea boots, brown suede", "129.00", 12,
     "Suede Chelsea boots with elastic side panels and a grippy rubber sole."),
    ("shoes", "TrailGrip waterproof hiking boots", "149.00", 12,
     "Mid-cut hiking boots with a waterproof membrane and a deep-lug sole for rough trails."),
    ("shoes", "Wool felt slippers", "34.90", 0,
     "Warm slippers from boiled wool with a non-slip sole, for indoors."),
    ("shoes", "Canvas slip-on shoes", "39.90", 0,
     "Lightweight canvas slip-ons with a cushioned insole, ideal for summer."),
    ("sports", "Non-slip yoga mat, 6 mm", "29.90", 12,
     "Cushioning 6 mm yoga mat with a non-slip surface on both sides and a carrying strap."),
    ("sports", "Adjustable dumbbells, 2 x 10 kg", "89.00", 24,
     "Pair of adjustable dumbbells with cast iron plates and secure spin-lock collars."),
    ("sports", "Resistance band set, 5 levels", "19.90", 12,
     "Five latex-free resistance bands from light to extra heavy, with a carry bag and exercise "
     "guide."),
    ("sports", "AeroRide road bike helmet with MIPS", "99.00", 24,
     "Lightweight road helmet with MIPS protection, 18 vents and a rear light mount."),
    ("sports", "Insulated cycling bottle, 750 ml", "14.90", 0,
     "Squeezable insulated bottle that keeps drinks cool on long rides; BPA free."),
    ("sports", "WalkPad 2 foldable treadmill", "399.00", 36,
     "Under-desk treadmill up to 6 km/h that folds flat for storage; app and remote control."),
    ("sports", "Carbon trekking poles, pair", "69.90", 24,
     "Ultralight carbon poles with cork grips and quick-lock height adjustment."),
    ("beauty", "Sonic electric toothbrush", "59.90", 24,
     "Sonic toothbrush with three cleaning modes, a two-minute timer and a travel case; one "
     "charge lasts three weeks."),
    ("beauty", "Ionic hair dryer, 2000 W", "49.90", 24,
     "Ionic hair dryer with three heat and two speed settings and a concentrator nozzle."),
    ("beauty", "Hyaluronic acid face serum, 30 ml", "24.90", 0,
     "Lightweight hydrating serum with hyaluronic acid and niacinamide, for all skin types."),
    ("beauty", "Mineral sunscreen SPF 50, 100 ml", "16.90", 0,
     "Water-resistant mineral sunscreen for face and body, fragrance free."),
    ("beauty", "Natural bristle hairbrush", "19.90", 0,
     "Beechwood paddle brush with natural bristles that smooths hair and reduces frizz."),
    ("toys", "Wooden marble run, 80 pieces", "49.90", 12,
     "Wooden marble run with 80 pieces including a spiral and a bell, for ages 4 and up."),
    ("toys", "Remote-control off-road car 1:16", "59.90", 24,
     "Rugged RC car with four-wheel drive, up to 25 km/h and a rechargeable battery."),
    ("toys", "Building bricks city set, 520 pieces", "39.90", 12,
     "City set with a fire station, two vehicles and six figures; compatible with major brands."),
    ("toys", "Plush sloth, 40 cm", "19.90", 0,
     "Extra-soft cuddly sloth, machine washable, for all ages."),
    ("toys", "Harbour Traders family board game", "29.90", 0,
     "Trading and strategy game for 2-5 players aged 8 and up; a round takes about 45 minutes."),
    ("books", "The Quiet Harbour (novel, paperback)", "12.99", 0,
     "A bestselling novel about a family reunited in a small North Sea town."),
    ("books", "Sourdough at Home (cookbook, hardcover)", "28.00", 0,
     "Step-by-step guide to sourdough bread, from the first starter to rye and spelt loaves."),
    ("books", "A Short History of the Alps", "24.00", 0,
     "Illustrated non-fiction on how the Alps were formed, settled and explored."),
    ("books", "Learn German in 30 Days (workbook)", "19.90", 0,
     "Workbook for beginners with daily lessons, exercises and audio via QR codes."),
    ("books", "Code Your First Game (kids' programming book)", "16.99", 0,
     "Playful introduction to programming for ages 10 and up, building games in Scratch and Python."),
)
OUT_OF_STOCK_PRODUCTS = 6

# --- customers and addresses -------------------------------------------------------------------

CUSTOMER_NAMES = (
    ("Anna Schmidt", "DE"), ("Lukas Müller", "DE"), ("Sophie Wagner", "DE"), ("Jonas Becker", "DE"),
    ("Lea Hoffmann", "DE"), ("Felix Schäfer", "DE"), ("Marie Koch", "DE"), ("Maximilian Richter", "DE"),
    ("Hannah Klein", "DE"), ("Paul Wolf", "DE"), ("Emma Neumann", "DE"), ("Leon Schwarz", "DE"),
    ("Mia Zimmermann", "DE"), ("Tobias Braun", "DE"), ("Laura Krüger", "DE"), ("Jan Hartmann", "DE"),
    ("Katharina Lange", "DE"), ("Elias Schmitt", "DE"), ("Sarah Werner", "DE"), ("Niklas Krause", "DE"),
    ("Julia Meier", "DE"), ("David Lehmann", "DE"), ("Yusuf Demir", "DE"), ("Piotr Nowak", "DE"),
    ("Clara Maier", "DE"), ("Moritz Schulze", "DE"),
    ("Katrin Gruber", "AT"), ("Florian Huber", "AT"), ("Theresa Pichler", "AT"),
    ("Camille Dubois", "FR"), ("Julien Moreau", "FR"),
    ("Sanne de Vries", "NL"), ("Daan Jansen", "NL"),
    ("Lucía García", "ES"), ("Javier Fernández", "ES"),
    ("Giulia Rossi", "IT"), ("Marco Bianchi", "IT"),
    ("Oliver Bennett", "GB"), ("Charlotte Hughes", "GB"),
    ("Emily Carter", "US"),
)
TIER_COUNTS = {"new": 6, "standard": 15, "silver": 11, "gold": 8}
# How much more often a customer of each tier orders; gold customers are the regulars.
TIER_ORDER_WEIGHTS = {"new": 1, "standard": 2, "silver": 3, "gold": 5}
DOMESTIC_ORDER_FACTOR = 2  # customers in Germany order more often: faster and cheaper delivery
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

COUNTRY_NAMES = {
    "DE": "Germany", "AT": "Austria", "FR": "France", "NL": "Netherlands", "ES": "Spain",
    "IT": "Italy", "GB": "United Kingdom", "US": "United States",
}
# (city, postcodes) per country
CITIES = {
    "DE": (
        ("Berlin", ("10115", "10245", "10437", "12043")), ("Hamburg", ("20095", "22765")),
        ("München", ("80331", "81667")), ("Köln", ("50667", "50823")),
        ("Frankfurt am Main", ("60311", "60318")), ("Stuttgart", ("70173", "70199")),
        ("Düsseldorf", ("40213",)), ("Leipzig", ("04109", "04277")), ("Dresden", ("01067", "01099")),
        ("Hannover", ("30159",)), ("Nürnberg", ("90402",)), ("Bremen", ("28195",)),
        ("Freiburg im Breisgau", ("79098",)), ("Münster", ("48143",)), ("Heidelberg", ("69117",)),
        ("Bonn", ("53111",)), ("Mainz", ("55116",)), ("Karlsruhe", ("76133",)),
        ("Augsburg", ("86150",)), ("Kiel", ("24103",)),
    ),
    "AT": (("Wien", ("1030", "1070", "1180")), ("Graz", ("8010",)), ("Salzburg", ("5020",))),
    "FR": (("Paris", ("75011", "75015")), ("Lyon", ("69003",))),
    "NL": (("Amsterdam", ("1015 CS", "1072 AB")), ("Utrecht", ("3511 LX",))),
    "ES": (("Madrid", ("28004", "28013")), ("Barcelona", ("08012",))),
    "IT": (("Milano", ("20121", "20144")), ("Roma", ("00184",)), ("Bologna", ("40125",))),
    "GB": (("London", ("N1 9GU", "SE15 4QL")), ("Manchester", ("M4 1HN",))),
    "US": (("Portland, OR", ("97209",)), ("Austin, TX", ("78704",))),
}
STREETS = {
    "DE": ("Lindenstraße", "Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße",
           "Goethestraße", "Kastanienallee", "Bergstraße", "Mozartstraße", "Rosenweg", "Am Stadtpark"),
    "AT": ("Hauptstraße", "Mariahilfer Straße", "Schönbrunner Straße", "Kaiserstraße"),
    "FR": ("rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Voltaire"),
    "NL": ("Keizersgracht", "Oudegracht", "Van Baerlestraat", "Ferdinand Bolstraat"),
    "ES": ("Calle Mayor", "Calle de Alcalá", "Carrer de Verdi", "Calle de Fuencarral"),
    "IT": ("Via Roma", "Via Garibaldi", "Via Dante", "Via Torino"),
    "GB": ("Church Road", "Victoria Road", "Station Road", "Elm Grove"),
    "US": ("NW 23rd Ave", "Oak Street", "Maple Avenue"),
}
HOUSE_NUMBER_FIRST = {"FR", "GB", "US"}

# --- orders, shipping and carriers ----------------------------------------------------------------

STATUS_COUNTS = {
    "pending": 6, "paid": 8, "packed": 8, "shipped": 10, "in_transit": 14, "out_for_delivery": 6,
    "delivered": 208, "cancelled": 26, "returned": 14,
}
assert set(STATUS_COUNTS) == set(ORDER_STATUSES) and set(TIER_COUNTS) == set(CUSTOMER_TIERS)
IN_TRANSIT_STATUSES = ("shipped", "in_transit", "out_for_delivery")
EXAMPLE_STATUSES = ("pending", "paid", "packed", *IN_TRANSIT_STATUSES)

# The order lifecycle as points in time, in the order they happen.
MILESTONES = (
    "placed", "paid", "packed", "shipped", "hub_in", "hub_out", "dest_hub", "depot",
    "out_for_delivery", "delivered", "return_requested", "returned", "refunded",
)
RETURN_MILESTONES = ("return_requested", "returned", "refunded")
# An order in a status has passed the first milestone of its window by the snapshot moment, and
# not yet the second (None: nothing follows).
STATUS_WINDOWS = {
    "pending": ("placed", "paid"),
    "paid": ("paid", "packed"),
    "packed": ("packed", "shipped"),
    # "shipped" means the carrier has it but it has not left the first hub yet.
    "shipped": ("hub_in", "hub_out"),
    "in_transit": ("hub_out", "out_for_delivery"),
    "out_for_delivery": ("out_for_delivery", "delivered"),
    "delivered": ("delivered", None),
    "returned": ("refunded", None),  # the goods are back and the money is paid out
    "cancelled": ("cancelled", None),
}
# Where the order can be cancelled: between these milestones, with these weights.
CANCEL_STAGES = ((("placed", "paid"), 35), (("paid", "packed"), 45), (("packed", "shipped"), 20))
# Range of days before today in which an order in this status was placed.
DAYS_BACK = {
    "pending": (0, 3), "paid": (0, 2), "packed": (0, 3), "shipped": (0, 4), "in_transit": (1, 10),
    "out_for_delivery": (1, 10), "cancelled": (1, 300), "returned": (25, 365),
}
# A good share of delivered orders was placed recently enough to be still returnable.
RECENT_DELIVERY_DAYS_BACK, RECENT_DELIVERY_SHARE = (3, 40), 0.35
OLDER_DELIVERY_DAYS_BACK = (41, 365)
# Relative likelihood of an order being placed in each hour of the day (0-23).
HOUR_WEIGHTS = (1, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4, 5, 5, 5, 5, 5, 5, 6, 7, 8, 8, 7, 5, 3)
WAREHOUSE_HOURS = (7, 20)  # Monday to Saturday
OFFICE_HOURS = (9, 17)  # Monday to Friday: bank bookings, refund payouts
CARRIER_PICKUP_HOURS = (11, 17)  # Monday to Saturday
TRANSIT_DAYS = {"DE": 1, "AT": 2, "NL": 2, "FR": 3, "IT": 3, "ES": 3, "GB": 4, "US": 6}

CARRIERS_BY_REGION = {
    "DE": (("DHL", 40), ("DPD", 20), ("Hermes", 20), ("GLS", 12), ("UPS", 8)),
    "EU": (("DHL", 35), ("DPD", 30), ("GLS", 20), ("UPS", 15)),
    "GB": (("DHL", 50), ("UPS", 30), ("DPD", 20)),
    "US": (("UPS", 60), ("DHL", 40)),
}
CARRIER_HUBS = {
    "DHL": ("Leipzig", "Obertshausen", "Staufenberg"),
    "DPD": ("Hünfeld", "Kassel"),
    "GLS": ("Neuenstein", "Kassel"),
    "Hermes": ("Haldensleben", "Ketzin", "Langenhagen"),
    "UPS": ("Köln", "Nürnberg"),
}
DESTINATION_HUBS = {
    "AT": "Wien", "FR": "Paris", "NL": "Utrecht", "ES": "Madrid", "IT": "Milano", "GB": "London",
    "US": "Cincinnati",
}
UPS_SHIPPER_NUMBER = "9R2F47"
DELIVERY_NOTES = (
    "Delivered, handed to resident", "Delivered, handed to resident",
    "Delivered to neighbour", "Delivered to parcel locker", "Delivered, left at the agreed place",
)
MAX_TRACKING_EVENTS = 6
# Dropped first when a parcel's history is longer than MAX_TRACKING_EVENTS.
OPTIONAL_TRACKING_STEPS = ("depot", "hub_out")

# --- refunds and tickets --------------------------------------------------------------------

RETURN_REASONS = (
    "Changed my mind", "Item not as described", "Colour looks different from the photos",
    "Quality not as expected", "No longer needed", "Ordered by mistake",
)
FIT_REASONS = ("Doesn't fit, too small", "Doesn't fit, too large")
SIZED_CATEGORIES = ("fashion", "shoes")


@dataclass(frozen=True)
class RefundCase:
    """A kind of refund on a delivered order: what, in which state, when and how much."""

    kind: str
    status: str
    count: int
    reasons: tuple  # empty: a usual return reason that suits the item
    share: Decimal  # of one unit of an ordered item
    days_after_delivery: tuple
    hours_to_last_update: tuple
    needs: str = ""  # "several_items" (a partial return) or "hygiene_item"


REFUND_CASES = (
    RefundCase("return", "requested", 3, (), Decimal(1), (0.5, 6), (0, 0)),
    RefundCase("return", "approved", 3, (), Decimal(1), (1, 10), (2, 30)),
    RefundCase("return", "received", 2, (), Decimal(1), (2, 12), (72, 160), "several_items"),
    RefundCase("return", "refunded", 2, (), Decimal(1), (2, 20), (96, 240), "several_items"),
    RefundCase("return", "rejected", 1, ("No longer needed",), Decimal(1), (38, 70), (4, 48)),
    RefundCase("return", "rejected", 1, ("Changed my mind after opening and trying it",), Decimal(1),
               (2, 14), (4, 48), "hygiene_item"),
    RefundCase("refund", "requested", 1, ("Item missing from the parcel",), Decimal(1), (0.5, 4), (0, 0)),
    RefundCase("refund", "approved", 1, ("Box arrived dented and the item is scratched; keeping it "
                                         "for a partial refund",), Decimal("0.20"), (1, 6), (3, 30)),
    RefundCase("refund", "refunded", 2, ("Price dropped a few days after my order",
                                         "Small scratch on the item; keeping it for a partial refund"),
               Decimal("0.15"), (1, 14), (24, 120)),
)
FINAL_REFUND_STATUSES = ("refunded", "rejected")
# Products that can break in a way a warranty covers, and how they typically do.
WARRANTY_FAULTS = {
    "AeroBuds Pro wireless earbuds": "the left earbud no longer charges",
    "Lumio Tab 10 Android tablet, 64 GB": "the screen flickers and the tablet restarts by itself",
    "VoltCharge 65 W USB-C charger": "one of the USB-C ports stopped working",
    "PowerPack 20000 mAh power bank": "it no longer charges",
    "SoundCube portable Bluetooth speaker": "it switches itself off after a few minutes",
    "ClearView 27\" QHD monitor": "a vertical line of dead pixels appeared",
    "StrideFit GPS smartwatch": "the battery is empty after a few hours",
    "KeyLite wireless keyboard and mouse set": "several keys stopped responding",
    "HomeCam 2K indoor security camera": "it keeps dropping off the Wi-Fi",
    "Nordlys 6\" e-book reader": "the screen froze and it no longer switches on",
    "BrewMaster bean-to-cup espresso machine": "the grinder rattles and no coffee comes out",
    "AirCrisp 5.5 l air fryer": "it stopped heating up",
    "PureBlend 1.5 l glass blender": "the motor cuts out after a few seconds",
    "Oak floor lamp with linen shade": "the switch is broken and the light flickers",
    "TrailGrip waterproof hiking boots": "the sole came loose at the toe",
    "Adjustable dumbbells, 2 x 10 kg": "a spin-lock collar no longer holds the plates",
    "WalkPad 2 foldable treadmill": "the belt stops under load",
    "Sonic electric toothbrush": "it no longer holds a charge",
    "Ionic hair dryer, 2000 W": "it blows only cold air",
    "Remote-control off-road car 1:16": "the steering no longer responds",
}
assert set(WARRANTY_FAULTS) <= {name for _, name, *_ in PRODUCTS}
# Categories whose goods can plausibly arrive broken in transit.
FRAGILE_CATEGORIES = ("electronics", "kitchen", "home decor", "toys")


@dataclass
class Shopper:
    """A customer row plus the home address their orders go to."""

    customer: Customer
    country: str
    street: str
    postcode: str
    city: str


@dataclass
class Life:
    """When each milestone of one order happened (or will happen) and the carrier's estimate."""

    times: dict
    estimated_delivery: dt.date


@dataclass
class PlannedOrder:
    """An order row together with its life, for the rows that follow it (refunds, tickets)."""

    order: Order
    life: Life


def build_demo_shop(session, today: dt.date) -> None:
    """Adds the whole demo shop to `session`; the caller commits.

    Args:
        session: A SQLAlchemy session on an empty commerce database.
        today: The day the data is built for; every date is relative to it, and the same day
            always gives the same rows.
    """
    rng = Random(SEED)
    as_of = _snapshot_moment(today)
    shoppers = _build_shoppers(rng, as_of)
    session.add_all(shopper.customer for shopper in shoppers)
    products = _build_products(rng)
    session.add_all(products)
    planned = _build_orders(rng, shoppers, products, as_of)
    session.add_all(p.order for p in planned)
    session.add_all(_build_invoices([p.order for p in planned]))
    session.add_all(_build_refunds(rng, planned, as_of))
    session.flush()  # support tickets refer to customers by id
    session.add_all(_build_tickets(rng, planned, as_of))
    session.add_all(_build_promotions(today))


def demo_examples(session) -> list[str]:
    """Lines naming one order per interesting situation, to show what to ask the assistant.

    Picks the lowest order number of each status (stable whatever day the shop was seeded),
    then the delivered orders that show the return window, preferring customers not shown yet.

    Args:
        session: A SQLAlchemy session on a database filled by `build_demo_shop`.

    Returns:
        About ten lines like "101114  in_transit  hannah.klein@example.com  DHL JJD..., estimated ...".
    """
    def with_status(status):
        return select(Order).where(Order.status == status)

    situations = [with_status(status).order_by(Order.id) for status in EXAMPLE_STATUSES]
    situations += [
        with_status("delivered").order_by(Order.delivered_at.desc(), Order.id.desc()),
        with_status("delivered").order_by(Order.delivered_at, Order.id),  # long past the return window
        with_status("delivered").join(Order.refunds).where(Refund.status == "requested")
        .order_by(Refund.created_at.desc(), Order.id.desc()),
        with_status("cancelled").order_by(Order.id),
        with_status("returned").order_by(Order.id),
    ]
    shown_customers = set()
    lines = []
    for statement in situations:
        candidates = session.execute(statement.limit(20)).scalars().all()
        if candidates:
            order = next((o for o in candidates if o.customer_id not in shown_customers), candidates[0])
            shown_customers.add(order.customer_id)
            lines.append(_describe(order))
    return lines


def _describe(order: Order) -> str:
    if order.status == "pending":
        detail = f"placed {order.placed_at:%Y-%m-%d %H:%M}, awaiting payment"
    elif order.status == "paid":
        detail = f"paid {order.paid_at:%Y-%m-%d %H:%M}, not packed yet"
    elif order.status == "packed":
        detail = f"packed {order.packed_at:%Y-%m-%d %H:%M}, waiting for the carrier"
    elif order.status in IN_TRANSIT_STATUSES:
        shipment = order.shipment
        detail = (f"{shipment.carrier} {shipment.tracking_number}, "
                  f"estimated delivery {shipment.estimated_delivery:%Y-%m-%d}")
    elif order.status == "cancelled":
        detail = f"cancelled {order.cancelled_at:%Y-%m-%d}"
    elif order.status == "returned":
        refund = order.refunds[0]
        detail = f"returned {order.returned_at:%Y-%m-%d}, {refund.reference} {refund.status}"
    else:
        detail = f"delivered {order.delivered_at:%Y-%m-%d}"
        open_requests = [r for r in order.refunds if r.status == "requested"]
        if open_requests:
            detail += f", {open_requests[0].kind} {open_requests[0].reference} requested"
    return f"{order.id}  {order.status:<16}  {order.customer.email:<34}  {detail}"


def _snapshot_moment(today: dt.date) -> dt.datetime:
    # Parcels are not delivered on Sundays, so a Sunday shows the shop as it was on Saturday
    # morning; otherwise no order could be out for delivery.
    day = today - dt.timedelta(days=1) if today.weekday() == 6 else today
    return dt.datetime.combine(day, SNAPSHOT_TIME)


# --- customers ---------------------------------------------------------------------------------

def _build_shoppers(rng: Random, as_of: dt.datetime) -> list[Shopper]:
    names = list(CUSTOMER_NAMES)
    rng.shuffle(names)
    tiers = [tier for tier, count in TIER_COUNTS.items() for _ in range(count)]
    rng.shuffle(tiers)
    emails = set()
    shoppers = []
    for (name, country), tier in zip(names, tiers):
        email = _unique_email(rng, name, emails)
        emails.add(email)
        # "new" customers registered recently; the others have been around for a while.
        days = rng.randint(3, 45) if tier == "new" else rng.randint(60, 1100)
        customer = Customer(
            name=name, email=email, phone=_phone(rng, country), tier=tier,
            preferences={
                "categories": rng.sample(list(CATEGORY_CODES), rng.randint(1, 3)),
                "newsletter": rng.random() < 0.55,
            },
            created_at=_at(rng, as_of.date() - dt.timedelta(days=days), 7 * 60, 23 * 60),
        )
        city, postcodes = rng.choice(CITIES[country])
        shoppers.append(Shopper(customer, country, _street(rng, country), rng.choice(postcodes), city))
    return shoppers


def _ascii(text: str) -> str:
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _unique_email(rng: Random, name: str, taken: set) -> str:
    first, last = _ascii(name).split(" ", 1)
    last = last.replace(" ", "")
    patterns = (f"{first}.{last}", f"{first}{last}{rng.randint(70, 99)}", f"{first[0]}.{last}",
                f"{first}_{last}", f"{last}.{first}")
    local = rng.choices(patterns, weights=(5, 2, 2, 1, 1))[0]
    email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
    return email if email not in taken else f"{first}.{last}{len(taken)}@{EMAIL_DOMAINS[0]}"


def _phone(rng: Random, country: str) -> str:
    def digits(n):
        return "".join(str(rng.randint(0, 9)) for _ in range(n))

    if country == "DE":
        return "+49" + rng.choice(("151", "152", "157", "160", "170", "171", "172", "176", "178")) + digits(8)
    if country == "AT":
        return "+43664" + digits(7)
    if country == "IT":
        return "+393" + digits(9)
    if country == "GB":
        return "+447700900" + digits(3)  # Ofcom's range reserved for fiction
    if country == "US":
        return f"+1{rng.choice(('503', '512'))}55501" + digits(2)  # 555-0100..0199 are fictional
    return {"FR": "+336", "NL": "+316", "ES": "+346"}[country] + digits(8)


def _street(rng: Random, country: str) -> str:
    street, number = rng.choice(STREETS[country]), rng.randint(1, 140)
    return f"{number} {street}" if country in HOUSE_NUMBER_FIRST else f"{street} {number}"


# --- catalogue ---------------------------------------------------------------------------------

def _build_products(rng: Random) -> list[Product]:
    per_category = {}
    products = []
    for category, name, price, warranty, description in PRODUCTS:
        per_category[category] = per_category.get(category, 0) + 1
        products.append(Product(
            sku=f"BC-{CATEGORY_CODES[category]}-{per_category[category]:04d}", name=name,
            category=category, price=Decimal(price), stock=rng.randint(1, 200),
            description=description, warranty_months=warranty,
        ))
    for product in rng.sample(products, OUT_OF_STOCK_PRODUCTS):
        product.stock = 0
    return products


# --- orders ------------------------------------------------------------------------------------

def _build_orders(rng: Random, shoppers, products, as_of: dt.datetime) -> list[PlannedOrder]:
    # Each order number keeps its status and customer whatever day the shop is seeded
    # (the README lists some to try): the numbers are dealt to (status, n) slots by the
    # shop-wide generator, and each order draws its own life from a generator of its own,
    # so a date-dependent number of redraws in one order cannot shift any other.
    slots = [(status, n) for status, count in STATUS_COUNTS.items() for n in range(count)]
    rng.shuffle(slots)
    tracking_numbers = set()
    planned = []
    order_id = FIRST_ORDER_ID
    for status, n in slots:
        order_rng = Random(f"{SEED}:{status}:{n}")
        status, shopper, life = _sample_order(order_rng, status, shoppers, as_of)
        order = _make_order(order_rng, order_id, status, shopper, life, products)
        if "shipped" in life.times:
            order.shipment = _make_shipment(order_rng, status, shopper, life, tracking_numbers)
        planned.append(PlannedOrder(order, life))
        order_id += rng.randint(1, 7)
    return planned


def _sample_order(rng: Random, status: str, shoppers, as_of: dt.datetime, attempts: int = 5000):
    """Draws customer and timeline until they fit the status; returns (status, shopper, life).

    The candidate customers are drawn up front, so the customer does not depend on how many
    timelines a given day needs before one fits.
    """
    weights = [TIER_ORDER_WEIGHTS[s.customer.tier] * (DOMESTIC_ORDER_FACTOR if s.country == "DE" else 1)
               for s in shoppers]
    candidates = rng.choices(shoppers, weights, k=CANDIDATE_SHOPPERS)
    for shopper in candidates:
        for _ in range(attempts // CANDIDATE_SHOPPERS):
            placed = _placed_at(rng, status, as_of)
            if placed > as_of or placed < shopper.customer.created_at + dt.timedelta(hours=1):
                continue
            life = _plan_life(rng, placed, shopper.country)
            if status == "cancelled":
                _cancel(rng, life)
            if _is_in_status(life, status, as_of):
                _forget_later_milestones(life, status, as_of)
                return status, shopper, life
    raise RuntimeError(f"no plausible {status} order found in {attempts} attempts")


def _placed_at(rng: Random, status: str, as_of: dt.datetime) -> dt.datetime:
    if status == "delivered":
        recent = rng.random() < RECENT_DELIVERY_SHARE
        days_range = RECENT_DELIVERY_DAYS_BACK if recent else OLDER_DELIVERY_DAYS_BACK
    else:
        days_range = DAYS_BACK[status]
    day = as_of.date() - dt.timedelta(days=rng.randint(*days_range))
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    return dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59), rng.randint(0, 59)))


def _plan_life(rng: Random, placed: dt.datetime, country: str) -> Life:
    """The whole planned life of an order placed at `placed`, from payment to a possible refund."""
    t = {"placed": placed}
    if rng.random() < 0.85:  # card, PayPal and the like
        t["paid"] = placed + dt.timedelta(minutes=rng.randint(1, 20))
    else:  # bank transfer, booked on a later business day
        t["paid"] = _next_open(rng, placed + dt.timedelta(hours=rng.randint(18, 72)), OFFICE_HOURS, 5)
    t["packed"] = _next_open(rng, t["paid"] + dt.timedelta(minutes=rng.randint(45, 18 * 60)),
                             WAREHOUSE_HOURS, 6)
    t["shipped"] = _next_pickup(rng, t["packed"] + dt.timedelta(minutes=20))
    t["hub_in"] = t["shipped"] + dt.timedelta(minutes=rng.randint(110, 300))
    t["hub_out"] = t["hub_in"] + dt.timedelta(minutes=rng.randint(120, 840))
    if t["hub_out"].weekday() == 6:  # lorries may not drive on German Sundays; it waits for Monday
        t["hub_out"] = _at(rng, t["hub_out"].date() + dt.timedelta(days=1), 5 * 60, 11 * 60)
    estimated = _add_delivery_days(t["hub_out"].date(), TRANSIT_DAYS[country] + int(rng.random() < 0.3))
    delivery_day = _add_delivery_days(estimated, 1) if rng.random() < 0.12 else estimated
    if country != "DE":
        t["dest_hub"] = _at(rng, delivery_day - dt.timedelta(days=1), 10 * 60, 20 * 60)
    t["depot"] = _at(rng, delivery_day, 3 * 60 + 30, 5 * 60 + 30)
    t["out_for_delivery"] = _at(rng, delivery_day, 6 * 60, 9 * 60)
    t["delivered"] = t["out_for_delivery"] + dt.timedelta(minutes=rng.randint(60, 540))
    request_day = t["delivered"].date() + dt.timedelta(days=rng.randint(1, RETURN_WINDOW.days - 5))
    t["return_requested"] = _at(rng, request_day, 8 * 60, 22 * 60)
    t["returned"] = _next_open(rng, t["return_requested"] + dt.timedelta(hours=rng.randint(40, 150)),
                               WAREHOUSE_HOURS, 6)
    t["refunded"] = _next_open(rng, t["returned"] + dt.timedelta(hours=rng.randint(4, 48)), OFFICE_HOURS, 5)
    return Life(t, estimated)


def _cancel(rng: Random, life: Life) -> None:
    """Cancels the order somewhere before it ships; what would have come after never happens."""
    start, end = rng.choices([stage for stage, _ in CANCEL_STAGES], [w for _, w in CANCEL_STAGES])[0]
    if start == "placed":  # never paid: the customer changed their mind or the transfer never came
        cancelled = life.times["placed"] + dt.timedelta(minutes=rng.randint(10, 3 * 24 * 60))
    else:
        cancelled = _between(rng, life.times[start], life.times[end])
    for name in MILESTONES[MILESTONES.index(end):]:
        life.times.pop(name, None)
    life.times["cancelled"] = cancelled


def _is_in_status(life: Life, status: str, as_of: dt.datetime) -> bool:
    start, end = STATUS_WINDOWS[status]
    return life.times[start] <= as_of and (end is None or as_of < life.times[end])


def _forget_later_milestones(life: Life, status: str, as_of: dt.datetime) -> None:
    """Drops what has not happened by `as_of`, and the return of orders that were not returned."""
    for name in list(life.times):
        if life.times[name] > as_of or (status != "returned" and name in RETURN_MILESTONES):
            del life.times[name]


def _make_order(rng: Random, order_id: int, status: str, shopper: Shopper, life: Life, products) -> Order:
    t = life.times
    items = _pick_items(rng, products, shopper.customer.preferences["categories"])
    subtotal = sum((item.quantity * item.unit_price for item in items), Decimal("0")).quantize(CENT)
    shipping = Decimal("0.00") if subtotal >= FREE_SHIPPING_FROM else SHIPPING_COST
    return Order(
        id=order_id, customer=shopper.customer, status=status, placed_at=t["placed"],
        paid_at=t.get("paid"), packed_at=t.get("packed"), shipped_at=t.get("shipped"),
        delivered_at=t.get("delivered"), cancelled_at=t.get("cancelled"), returned_at=t.get("returned"),
        ship_name=shopper.customer.name, ship_street=shopper.street, ship_postcode=shopper.postcode,
        ship_city=shopper.city, ship_country=COUNTRY_NAMES[shopper.country],
        subtotal=subtotal, shipping_cost=shipping, total=subtotal + shipping, currency="EUR",
        items=items,
    )


def _pick_items(rng: Random, products, favourite_categories) -> list[OrderItem]:
    count = rng.choices((1, 2, 3, 4), (45, 30, 15, 10))[0]
    weights = [3 if p.category in favourite_categories else 1 for p in products]
    chosen = []
    while len(chosen) < count:
        product = rng.choices(products, weights)[0]
        if product not in chosen:
            chosen.append(product)
    items = []
    for product in chosen:
        quantity = rng.choice((2, 2, 3)) if product.price < 40 and rng.random() < 0.25 else 1
        price = product.price
        if rng.random() < 0.12:  # bought during a sale
            price = _money(price * rng.choice((Decimal("0.80"), Decimal("0.85"), Decimal("0.90"))))
        items.append(OrderItem(product=product, quantity=quantity, unit_price=price))
    return items


# --- shipments ---------------------------------------------------------------------------------

def _make_shipment(rng: Random, status: str, shopper: Shopper, life: Life, taken: set) -> Shipment:
    region = shopper.country if shopper.country in ("DE", "GB", "US") else "EU"
    carriers = CARRIERS_BY_REGION[region]
    carrier = rng.choices([c for c, _ in carriers], [w for _, w in carriers])[0]
    tracking_number = _tracking_number(rng, carrier)
    while tracking_number in taken:
        tracking_number = _tracking_number(rng, carrier)
    taken.add(tracking_number)
    return Shipment(
        carrier=carrier, tracking_number=tracking_number, status=status,
        estimated_delivery=life.estimated_delivery,
        events=_tracking_events(rng, carrier, shopper, life),
    )


def _tracking_number(rng: Random, carrier: str) -> str:
    def digits(n):
        return "".join(str(rng.randint(0, 9)) for _ in range(n))

    if carrier == "DHL":
        return "JJD" + digits(18)
    if carrier == "UPS":
        return f"1Z{UPS_SHIPPER_NUMBER}68{digits(8)}"  # shipper account, service code, parcel
    return digits({"DPD": 14, "GLS": 12, "Hermes": 14}[carrier])


def _tracking_events(rng: Random, carrier: str, shopper: Shopper, life: Life) -> list[TrackingEvent]:
    """The carrier's scans so far: one per milestone the parcel has passed, at most six."""
    hub = rng.choice(CARRIER_HUBS[carrier])
    here = f"{shopper.city}, {shopper.country}"
    country = COUNTRY_NAMES[shopper.country]
    if shopper.country == "DE":
        on_its_way = "Parcel sorted, on its way to the delivery depot"
    else:
        on_its_way = f"Parcel left Germany, on its way to {country}"
    dest_hub = DESTINATION_HUBS.get(shopper.country, "")  # only parcels abroad pass one
    if shopper.country in ("GB", "US"):
        arrived = f"Customs clearance completed at {carrier} hub {dest_hub}"
    else:
        arrived = f"Parcel arrived at {carrier} hub {dest_hub}"
    steps = {
        "shipped": (f"{WAREHOUSE[0]}, {WAREHOUSE[1]}", f"Parcel handed over to {carrier} by Brightcart"),
        "hub_in": (f"{hub}, DE", f"Parcel received at {carrier} hub {hub}"),
        "hub_out": (f"{hub}, DE", on_its_way),
        "dest_hub": (f"{dest_hub}, {shopper.country}", arrived),
        "depot": (here, f"Arrived at delivery depot {shopper.city}"),
        "out_for_delivery": (here, "Out for delivery"),
        "delivered": (here, rng.choice(DELIVERY_NOTES)),
        "returned": (f"{WAREHOUSE[0]}, {WAREHOUSE[1]}", "Return parcel received at Brightcart warehouse"),
    }
    passed = [name for name in steps if name in life.times]
    for optional in OPTIONAL_TRACKING_STEPS:
        if len(passed) > MAX_TRACKING_EVENTS and optional in passed:
            passed.remove(optional)
    return [TrackingEvent(occurred_at=life.times[name], location=steps[name][0], description=steps[name][1])
            for name in passed]


# --- invoices, refunds, tickets, promotions --------------------------------------------------------

def _build_invoices(orders) -> list[Invoice]:
    """One invoice per paid order, issued with the payment and numbered without gaps (as German law wants)."""
    paid = sorted((o for o in orders if o.paid_at is not None), key=lambda o: (o.paid_at, o.id))
    invoices = []
    for number, order in enumerate(paid, start=FIRST_INVOICE_NUMBER):
        net = (order.total / VAT_FACTOR).quantize(CENT, ROUND_HALF_UP)
        order.invoice = Invoice(
            number=f"INV-{number:06d}", issued_at=order.paid_at,
            net=net, vat=order.total - net, total=order.total,
        )
        invoices.append(order.invoice)
    return invoices


def _build_refunds(rng: Random, planned, as_of: dt.datetime) -> list[Refund]:
    refunds = [
        Refund(order=p.order, kind="return", amount=p.order.total,
               reason=_return_reason(rng, p.order.items[0].product),
               status="refunded", created_at=p.life.times["return_requested"],
               updated_at=p.life.times["refunded"])
        for p in planned if p.order.status == "returned"
    ]
    delivered = [p for p in planned if p.order.status == "delivered"]
    rng.shuffle(delivered)
    used = set()
    for case in REFUND_CASES:
        for _ in range(case.count):
            refunds.append(_refund_for_case(rng, case, delivered, used, as_of))
    refunds.sort(key=lambda r: (r.created_at, r.order.id))
    for number, refund in enumerate(refunds, start=FIRST_REFUND_REFERENCE):
        refund.reference = f"RF-{number:06d}"
    return refunds


def _refund_for_case(rng: Random, case: RefundCase, delivered, used: set, as_of: dt.datetime) -> Refund:
    for candidate in delivered:
        order = candidate.order
        if order.id in used or not _meets(order, case.needs):
            continue
        created = order.delivered_at + dt.timedelta(hours=round(rng.uniform(*case.days_after_delivery) * 24))
        updated = created
        if case.hours_to_last_update[1]:  # someone at Brightcart acted on it, in office hours
            waited = dt.timedelta(minutes=round(rng.uniform(*case.hours_to_last_update) * 60))
            updated = _next_open(rng, created + waited, OFFICE_HOURS, 5)
        # Open requests are recent; a months-old request still waiting would be a support failure.
        recent_enough = case.status in FINAL_REFUND_STATUSES or updated >= as_of - dt.timedelta(days=10)
        if updated > as_of or not recent_enough:
            continue
        used.add(order.id)
        item = _refunded_item(rng, order, case.needs)
        reason = rng.choice(case.reasons) if case.reasons else _return_reason(rng, item.product)
        return Refund(
            order=order, kind=case.kind, amount=_money(item.unit_price * case.share), reason=reason,
            status=case.status, created_at=created, updated_at=updated,
        )
    raise RuntimeError(f"no delivered order fits a {case.kind} refund in status {case.status}")


def _return_reason(rng: Random, product: Product) -> str:
    sized = product.category in SIZED_CATEGORIES
    return rng.choice(RETURN_REASONS + FIT_REASONS * 2 if sized else RETURN_REASONS)


def _is_hygiene_item(product: Product) -> bool:
    return product.category == "beauty" or "earbuds" in product.name


def _meets(order: Order, needs: str) -> bool:
    if needs == "several_items":
        return sum(item.quantity for item in order.items) > 1
    if needs == "hygiene_item":
        return any(_is_hygiene_item(item.product) for item in order.items)
    return True


def _refunded_item(rng: Random, order: Order, needs: str) -> OrderItem:
    if needs == "hygiene_item":
        return next(item for item in order.items if _is_hygiene_item(item.product))
    return rng.choice(order.items)


def _build_tickets(rng: Random, planned, as_of: dt.datetime) -> list[SupportTicket]:
    by_status = {}
    for p in planned:
        by_status.setdefault(p.order.status, []).append(p)
    delivered = list(by_status["delivered"])
    rng.shuffle(delivered)
    used = set()
    tickets = (
        _complaints(rng, delivered, by_status["in_transit"], used, as_of)
        + _warranty_claims(rng, delivered, used, as_of)
        + _handoffs(rng, delivered, by_status["packed"], used, as_of)
    )
    tickets.sort(key=lambda t: (t.created_at, t.kind))
    for number, ticket in enumerate(tickets, start=FIRST_TICKET_REFERENCE):
        ticket.reference = f"TCK-{number:06d}"
    return tickets


def _complaints(rng: Random, delivered, in_transit, used: set, as_of: dt.datetime) -> list[SupportTicket]:
    two_days_ago = as_of - dt.timedelta(days=2)
    late = _take(delivered, used, lambda p: p.life.estimated_delivery < p.order.delivered_at.date()
                 and p.order.delivered_at < two_days_ago).order
    days_late = (late.delivered_at.date() - late.shipment.estimated_delivery).days
    damaged = _take(delivered, used, lambda p: p.order.delivered_at < two_days_ago
                    and _fragile_item(p.order) is not None).order
    slow = _take(in_transit, used, lambda p: True).order
    return [
        _ticket("complaint", late, _after(rng, late.delivered_at, 2, 40), as_of,
                f"Order {late.id} arrived {days_late} day(s) after the estimated delivery date "
                f"({late.shipment.estimated_delivery:%Y-%m-%d}); the customer is unhappy and asks "
                "for compensation."),
        _ticket("complaint", damaged, _after(rng, damaged.delivered_at, 3, 40), as_of,
                f"{_fragile_item(damaged).product.name} from order {damaged.id} arrived damaged (dented box, "
                "cracked casing); the customer wants a replacement rather than a refund."),
        _ticket("complaint", slow, _between(rng, slow.shipment.events[-1].occurred_at, as_of), as_of,
                f"The customer thinks order {slow.id} ({slow.shipment.carrier} "
                f"{slow.shipment.tracking_number}) is taking too long and wants a firm delivery date."),
    ]


def _warranty_claims(rng: Random, delivered, used: set, as_of: dt.datetime) -> list[SupportTicket]:
    claims = []
    for _ in range(3):
        created = _after(rng, as_of - dt.timedelta(days=20), 0, 19 * 24)
        claim = _take(delivered, used, lambda p: _warranty_item(p.order, created) is not None).order
        item = _warranty_item(claim, created)
        months = (created - claim.delivered_at).days // 30
        claims.append(_ticket(
            "warranty_claim", claim, created, as_of,
            f"{item.product.name} from order {claim.id} fails after {months} months: "
            f"{WARRANTY_FAULTS[item.product.name]}. Within the {item.product.warranty_months}-month "
            "warranty; the customer asks for a repair or replacement.",
        ))
    return claims


def _fragile_item(order: Order) -> OrderItem | None:
    return next((item for item in order.items if item.product.category in FRAGILE_CATEGORIES), None)


def _warranty_item(order: Order, claimed_at: dt.datetime) -> OrderItem | None:
    """An item of `order` that broke after a while but is still under warranty on `claimed_at`."""
    age = claimed_at - order.delivered_at
    for item in order.items:
        warranty = dt.timedelta(days=30 * item.product.warranty_months)
        if item.product.name in WARRANTY_FAULTS and dt.timedelta(days=90) <= age < warranty:
            return item
    return None


def _handoffs(rng: Random, delivered, packed, used: set, as_of: dt.datetime) -> list[SupportTicket]:
    moving = _take(packed, used, lambda p: True).order
    month_ago = as_of - dt.timedelta(days=30)
    billed = _take(delivered, used, lambda p: p.order.delivered_at > month_ago).order
    payer = rng.choice(delivered).order.customer
    return [
        _ticket("handoff", moving, _between(rng, moving.packed_at, as_of), as_of,
                f"The customer asked for a person: they moved and want order {moving.id}, already "
                "packed, delivered to their new address.", _conversation_id(rng)),
        _ticket("handoff", billed, _between(rng, billed.delivered_at, as_of), as_of,
                f"The customer asked for a person: their company name and VAT ID should be added to "
                f"invoice {billed.invoice.number} (order {billed.id}).", _conversation_id(rng)),
        _ticket("handoff", None, as_of - dt.timedelta(minutes=rng.randint(60, 30 * 60)), as_of,
                "The customer asked for a person after the assistant could not explain why a Klarna "
                "payment still shows as open.", _conversation_id(rng), customer=payer),
    ]


def _take(candidates, used: set, fits) -> PlannedOrder:
    """The first candidate not used yet that fits; marks it used."""
    found = next((p for p in candidates if p.order.id not in used and fits(p)), None)
    if found is None:
        raise RuntimeError("the demo data has no order that fits this support ticket")
    used.add(found.order.id)
    return found


def _ticket(kind: str, order: Order | None, created: dt.datetime, as_of: dt.datetime, summary: str,
            conversation_id: str | None = None, customer: Customer | None = None) -> SupportTicket:
    age = as_of - created
    if age < dt.timedelta(days=3):
        status = "open"
    elif age < dt.timedelta(days=14):
        status = "in_progress"
    else:
        status = "resolved"
    customer = customer or order.customer
    # SupportTicket has no relationships, so it needs the ids: build_demo_shop flushes first.
    return SupportTicket(
        kind=kind, status=status, customer_id=customer.id, order_id=order.id if order else None,
        conversation_id=conversation_id, summary=summary, created_at=created,
    )


def _conversation_id(rng: Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _build_promotions(today: dt.date) -> list[Promotion]:
    def day(offset):
        return today + dt.timedelta(days=offset)

    # (code, description, percent off, lowest tier, category, valid from, valid until) in days from today
    promotions = (
        ("WELCOME10", "10% off your first order", 10, None, None, -400, 365),
        ("GOLD15", "15% off everything for Gold members", 15, "gold", None, -30, 60),
        ("SILVER10", "10% off for Silver and Gold members", 10, "silver", None, -10, 20),
        ("KITCHEN20", "20% off kitchen appliances and cookware", 20, None, "kitchen", -7, 14),
        ("GLOW15", "15% off beauty for Silver and Gold members", 15, "silver", "beauty", -3, 25),
        ("FASHION25", "25% off fashion in the end-of-season sale", 25, None, "fashion", -120, -60),
        ("SHOES15", "15% off shoes for Standard members and up", 15, "standard", "shoes", -200, -170),
        ("SPORTS15", "15% off sports gear in the winter sports week", 15, None, "sports", 14, 45),
    )
    return [
        Promotion(code=code, description=description, percent_off=percent, min_tier=tier,
                  category=category, valid_from=day(start), valid_until=day(end))
        for code, description, percent, tier, category, start, end in promotions
    ]


# --- time and money ----------------------------------------------------------------------------

def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _at(rng: Random, day: dt.date, first_minute: int, last_minute: int) -> dt.datetime:
    """A random minute of `day` between two minutes after midnight."""
    minute = rng.randint(first_minute, last_minute - 1)
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)


def _between(rng: Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """A random whole second strictly between `start` and `end` (or `end` if they are a second apart)."""
    seconds = int((end - start).total_seconds())
    return start + dt.timedelta(seconds=rng.randint(1, max(1, seconds - 1)))


def _after(rng: Random, moment: dt.datetime, min_hours: int, max_hours: int) -> dt.datetime:
    return moment + dt.timedelta(minutes=rng.randint(min_hours * 60, max_hours * 60))


def _next_open(rng: Random, moment: dt.datetime, hours: tuple, workdays: int) -> dt.datetime:
    """`moment` if open then (`hours` on the first `workdays` weekdays), else soon after it next opens."""
    opens, closes = hours
    if moment.weekday() < workdays and opens <= moment.hour < closes:
        return moment
    day = moment.date() if moment.hour < opens else moment.date() + dt.timedelta(days=1)
    while day.weekday() >= workdays:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(opens)) + dt.timedelta(minutes=rng.randint(0, 90))


def _next_pickup(rng: Random, ready: dt.datetime) -> dt.datetime:
    """The first carrier pickup (Monday to Saturday) at or after `ready`."""
    delay = dt.timedelta(minutes=rng.randint(0, 40))
    day = ready.date()
    while True:
        if day.weekday() < 6:
            for hour in CARRIER_PICKUP_HOURS:
                pickup = dt.datetime.combine(day, dt.time(hour)) + delay
                if pickup >= ready:
                    return pickup
        day += dt.timedelta(days=1)


def _add_delivery_days(day: dt.date, days: int) -> dt.date:
    """`day` plus `days` delivery days; parcels are not delivered on Sundays."""
    for _ in range(days):
        day += dt.timedelta(days=1)
        if day.weekday() == 6:
            day += dt.timedelta(days=1)
    return day
