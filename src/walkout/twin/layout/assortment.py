"""What a store can sell: categories, product types, their pack sizes, weights and prices.

The table below is data, kept as text so that it reads as a table. A category
line is ``== name SKU-PREFIX [age] [LOW-HIGH g]`` (age-restricted; unit weights
kept in that range); a product type line is

    name | where | flavours | sizes | tight [rfid] [stack]

where ``where`` is the fixture that keeps it (ambient, cooler, freezer,
produce), a size is ``AMOUNT UNIT GROSS g $PRICE WxDxH`` (the unit's width,
depth and height in cm as it stands on a shelf) or a name from ``SIZES``,
``tight`` is the chance that a brand line's flavours of one size weigh within
about 1 % of each other (same can, same fill), ``rfid`` marks tagged
high-value goods and ``stack`` units that stack. Gross weights are what a load
cell feels (a 355 ml can of cola is about 368 g); prices are typical US shelf
prices. Brands are invented.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    amount: float
    unit: str  # "ml", "g" or "ct"
    grams: float
    price: float  # USD
    w: float  # m
    d: float
    h: float


@dataclass(frozen=True)
class ProductType:
    name: str
    where: str  # "ambient", "cooler", "freezer" or "produce"
    flavours: tuple[str, ...]
    sizes: tuple[Size, ...]
    tight: float = 0.5
    rfid: bool = False
    stack: bool = False


@dataclass(frozen=True)
class Category:
    name: str
    code: str  # SKU prefix
    types: tuple[ProductType, ...]
    age_restricted: bool = False
    grams: tuple[float, float] = (1.0, 5000.0)


SIZES_TEXT = """
can355 = 355 ml 368 g $1.49 6.6x6.6x12.2
can473 = 473 ml 500 g $3.29 6.6x6.6x16.8
pet591 = 591 ml 622 g $2.29 7.2x7.2x22.5
pet500 = 500 ml 524 g $1.99 6.8x6.8x21
pet1l = 1000 ml 1045 g $2.49 8.5x8.5x28
pet1.5l = 1500 ml 1545 g $2.79 9.2x9.2x31
pet2l = 2000 ml 2075 g $3.49 10.8x10.8x33
"""

TABLE = """
== drinks DRK 330-2100 g
Cola | cooler | Original, Zero Sugar, Cherry, Vanilla, Diet | can355; pet591; pet2l | 0.9
Lemon-Lime Soda | cooler | Original, Zero Sugar | can355; pet591; pet2l | 0.9
Sparkling Water | cooler | Lime, Lemon, Grapefruit, Berry, Unflavoured | can355; pet1l | 0.9
Spring Water | cooler | Still | pet500; pet1.5l | 0.9
Iced Tea | cooler | Lemon, Peach, Green, Raspberry | pet500 | 0.7
Energy Drink | cooler | Original, Sugar Free, Tropical, Berry | can355; can473 | 0.8
Orange Juice | cooler | Original, No Pulp, With Calcium | 355 ml 392 g $2.49 6x6x16; 1000 ml 1062 g $3.99 7x7x24 | 0.6
Cold Brew Coffee | cooler | Black, Vanilla, Mocha | 325 ml 498 g $3.99 6.6x6.6x15 | 0.6
Sports Drink | cooler | Lemon-Lime, Orange, Fruit Punch, Glacier | pet591 | 0.8
== dairy DAI
Milk | cooler | Whole, 2%, Skim, Lactose Free | 1000 ml 1058 g $2.49 7x7x24; 2000 ml 2098 g $4.29 10.5x10.5x30 | 0.7
Greek Yogurt | cooler | Plain, Vanilla, Strawberry, Blueberry, Honey | 150 g 162 g $1.49 7.5x7.5x6.5; 500 g 528 g $4.49 11x11x9 | 0.7 stack
Sliced Cheese | cooler | Cheddar, Swiss, Provolone | 200 g 214 g $3.99 12x12x3 | 0.6 stack
Butter | cooler | Salted, Unsalted | 250 g 256 g $3.49 10x5x5 | 0.9 stack
Cream Cheese | cooler | Original, Chive, Light | 227 g 241 g $2.99 10x7x5 | 0.6 stack
Milk Drink | cooler | Chocolate, Strawberry, Coffee | 400 ml 426 g $1.99 6.2x6.2x18 | 0.6
== frozen FRZ
Ice Cream | freezer | Vanilla, Chocolate, Strawberry, Cookie Dough, Mint Chip | 473 ml 432 g $5.49 9x9x11 | 0.4 stack
Frozen Pizza | freezer | Margherita, Pepperoni, Four Cheese, Veggie | 400 g 415 g $5.99 28x28x4.5 | 0.3 stack
Frozen Meal | freezer | Chicken Teriyaki, Lasagna, Mac & Cheese, Burrito Bowl | 283 g 301 g $4.49 18x14x5 | 0.5 stack
Frozen Vegetables | freezer | Peas, Mixed, Sweet Corn, Broccoli | 454 g 462 g $2.99 18x6x25 | 0.8
Ice Pops | freezer | Fruit, Lemonade, Berry | 12 ct 610 g $3.99 20x10x6 | 0.5 stack
== snacks SNK 40-120 g
Potato Chips | ambient | Sea Salt, BBQ, Sour Cream & Onion, Salt & Vinegar, Jalapeno | 43 g 47 g $1.79 13x5x20; 100 g 107 g $3.49 20x7x28 | 0.5
Tortilla Chips | ambient | Original, Lime, Nacho Cheese | 100 g 108 g $3.29 19x7x28 | 0.5
Pretzels | ambient | Classic, Honey Mustard, Sourdough | 113 g 119 g $2.99 17x6x25 | 0.5
Popcorn | ambient | Butter, Sea Salt, Kettle Corn | 85 g 91 g $3.29 18x7x27 | 0.5
Roasted Nuts | ambient | Salted Peanuts, Cashews, Almonds, Trail Mix | 56 g 61 g $2.49 10x4x16; 113 g 119 g $4.99 13x5x20 | 0.4
Protein Bar | ambient | Chocolate, Peanut Butter, Cookie Dough, Berry | 60 g 64 g $2.79 6x3x15 | 0.8
Crackers | ambient | Original, Cheese, Whole Wheat | 108 g 117 g $3.49 15x5x20 | 0.4
== candy CDY 40-120 g
Chocolate Bar | ambient | Milk, Dark, Almond, Caramel, Hazelnut, White | 45 g 48 g $1.69 8x2x15; 90 g 95 g $2.79 9x2.5x17 | 0.5
Peanut Butter Cups | ambient | Original, Dark, White, Big Cup | 42 g 45 g $1.69 9x2x13; 79 g 84 g $2.69 10x2.5x15 | 0.6
Gummies | ambient | Bears, Worms, Sour, Peach Rings | 100 g 105 g $2.49 13x4x19 | 0.6
Mints | ambient | Peppermint, Spearmint, Wintergreen | 40 g 44 g $2.29 6x2x9 | 0.8
Chocolate Candies | ambient | Peanut, Milk, Crispy, Caramel, Peanut Butter | 48 g 52 g $1.79 8x2x14; 80 g 86 g $2.79 10x3x17 | 0.5
== canned CAN
Soup | ambient | Tomato, Chicken Noodle, Minestrone, Cream of Mushroom, Lentil | 305 g 352 g $1.99 6.8x6.8x10 | 0.5 stack
Beans | ambient | Black, Kidney, Pinto, Chickpeas, Baked | 425 g 476 g $1.49 7.5x7.5x11 | 0.7 stack
Tuna | ambient | In Water, In Oil | 142 g 171 g $1.99 8.5x8.5x4 | 0.8 stack
Tomatoes | ambient | Diced, Crushed, Whole Peeled | 400 g 455 g $1.79 7.5x7.5x11 | 0.7 stack
Vegetables | ambient | Sweet Corn, Green Beans, Peas | 425 g 471 g $1.39 7.5x7.5x11 | 0.5 stack
Coconut Milk | ambient | Regular, Light | 400 ml 441 g $2.49 7.5x7.5x11 | 0.8 stack
== grocery GRO
Pasta | ambient | Spaghetti, Penne, Fusilli, Farfalle, Linguine | 500 g 521 g $1.99 7x5x26 | 0.8
Cereal | ambient | Corn Flakes, Granola, Honey Oats, Choco Puffs, Bran | 375 g 412 g $4.99 19x6.5x28 | 0.3
Rice | ambient | Long Grain, Basmati, Jasmine | 1000 g 1012 g $3.99 13x6x22 | 0.9
Ground Coffee | ambient | Medium Roast, Dark Roast, Decaf, Espresso | 340 g 362 g $8.99 10x7x20 | 0.8
Tea | ambient | Black, Green, Chamomile, Peppermint | 20 ct 68 g $3.49 13x7x7 | 0.4 stack
Peanut Butter | ambient | Creamy, Crunchy | 454 g 562 g $3.99 9x9x13 | 0.9
Pasta Sauce | ambient | Marinara, Tomato Basil, Arrabbiata | 680 g 948 g $3.99 9x9x17 | 0.8
Olive Oil | ambient | Extra Virgin, Light | 500 ml 905 g $8.99 6.5x6.5x29 | 0.9
== bakery BAK
Sandwich Bread | ambient | White, Whole Wheat, Multigrain, Sourdough | 680 g 694 g $3.99 13x30x13 | 0.4
Bagels | ambient | Plain, Sesame, Everything, Cinnamon Raisin | 6 ct 482 g $4.49 20x10x18 | 0.5
Cookies | ambient | Chocolate Chip, Oatmeal Raisin, Double Chocolate | 250 g 266 g $3.99 16x6x20 | 0.5
Muffins | ambient | Blueberry, Chocolate, Banana | 4 ct 402 g $4.99 20x15x9 | 0.4 stack
Tortillas | ambient | Flour, Corn, Whole Wheat | 8 ct 455 g $3.49 22x22x3 | 0.4 stack
== household HHD
Paper Towels | ambient | Regular, Select-a-Size | 1 ct 204 g $2.99 14x14x28; 2 ct 402 g $5.49 27x14x28 | 0.6
Dish Liquid | ambient | Original, Lemon, Lavender | 500 ml 562 g $3.49 8x5x24 | 0.8
Laundry Detergent | ambient | Fresh, Free & Clear | 1500 ml 1648 g $9.99 15x9x25 | 0.8
Trash Bags | ambient | Tall Kitchen, Large Drawstring, Lawn & Leaf | 20 ct 462 g $6.99 14x8x20 | 0.5
Aluminium Foil | ambient | Standard, Heavy Duty | 25 ct 285 g $4.49 31x5x5 | 0.2 stack
All-Purpose Cleaner | ambient | Lemon, Pine, Lavender | 946 ml 1038 g $4.49 10x7x27 | 0.7
Sponges | ambient | Non-Scratch, Heavy Duty | 3 ct 46 g $3.49 11x4x15 | 0.6
== personal-care PER
Toothpaste | ambient | Whitening, Fresh Mint, Sensitive | 100 ml 152 g $3.99 5x4x19 | 0.8
Shampoo | ambient | Normal, Dry Hair, Anti-Dandruff, Volume | 400 ml 441 g $5.99 8x5x22 | 0.8
Deodorant | ambient | Fresh, Sport, Unscented | 75 ml 96 g $4.99 5x4x15 | 0.8
Razor | ambient | 3-Blade, 5-Blade | 1 ct 82 g $14.99 10x4x20; 4 ct 58 g $19.99 9x3x16 | 0.3 rfid
Hand Soap | ambient | Aloe, Citrus, Unscented | 250 ml 298 g $2.99 7x5x19 | 0.8
Pain Relief | ambient | Ibuprofen, Acetaminophen | 50 ct 46 g $7.99 6x3x11 | 0.6
== electronics ELE
Batteries | ambient | AA, AAA | 4 ct 104 g $7.99 8x2x16; 8 ct 208 g $12.99 12x2x18 | 0 rfid
Charging Cable | ambient | USB-C, Lightning | 1 ct 88 g $14.99 10x3x20 | 0.9 rfid
Earbuds | ambient | Wired, Wireless | 1 ct 124 g $24.99 10x4x16 | 0.2 rfid
== alcohol ALC age
Lager | cooler | Classic, Light, Pilsner | can355; 6 ct 2235 g $10.99 20x13.5x13 | 0.9
Craft Beer | cooler | IPA, Pale Ale, Stout, Wheat | 355 ml 562 g $2.99 6.2x6.2x23 | 0.8
Hard Seltzer | cooler | Black Cherry, Lime, Mango, Grapefruit | can355 | 0.9
White Wine | cooler | Chardonnay, Sauvignon Blanc, Pinot Grigio, Rose | 750 ml 1285 g $12.99 7.8x7.8x30 | 0.6
Red Wine | ambient | Cabernet Sauvignon, Merlot, Pinot Noir, Malbec | 750 ml 1310 g $13.99 7.8x7.8x30 | 0.6
Spirits | ambient | Vodka, Gin, Whiskey, Rum, Tequila | 375 ml 702 g $13.99 7x5x20; 750 ml 1450 g $24.99 8.5x8.5x29 | 0.3 rfid
== produce PRD
Apples | produce | Gala, Fuji, Honeycrisp, Granny Smith | 1 ct 182 g $0.99 8x8x8; 6 ct 1105 g $5.99 22x15x10 | 0.3
Avocados | produce | Hass | 1 ct 201 g $1.49 8x8x10; 4 ct 812 g $4.99 20x14x10 | 0.3
Bananas | produce | Bunch, Organic Bunch | 5 ct 905 g $1.49 25x15x12 | 0.2
Citrus | produce | Lemon, Lime, Orange | 1 ct 118 g $0.69 7x7x7; 1400 g 1420 g $5.49 24x16x12 | 0.2
Berries | produce | Strawberries, Blueberries, Raspberries | 340 g 372 g $4.99 12x17x8 | 0.7 stack
Tomatoes | produce | Vine, Cherry, Roma | 500 g 521 g $3.49 15x20x8 | 0.5 stack
Salad | produce | Romaine Hearts, Spring Mix, Baby Spinach | 142 g 178 g $3.99 17x22x10 | 0.6 stack
Onions | produce | Yellow, Red, Sweet | 1360 g 1385 g $3.99 25x15x12 | 0.7
Bell Peppers | produce | Red, Yellow, Green | 1 ct 172 g $1.29 9x9x10 | 0.2
== tobacco TOB age
Cigarettes | ambient | Full Flavor, Lights, Menthol | 20 ct 26 g $9.99 5.5x2.2x8.8 | 0.9 stack
Vape Pods | ambient | Mint, Tobacco, Mango | 2 ct 31 g $14.99 6x2x10 | 0.9 rfid
Cigarillos | ambient | Original, Sweet, Grape | 2 ct 41 g $2.49 10x2x15 | 0.7
"""


def _size(text: str, named: dict[str, Size]) -> Size:
    text = text.strip()
    if text in named:
        return named[text]
    amount, unit, grams, _g, price, dims = text.split()
    w, d, h = (round(float(v) / 100, 4) for v in dims.split("x"))
    return Size(float(amount), unit, float(grams), float(price.lstrip("$")), w, d, h)


def _parse(sizes_text: str, table: str) -> tuple[dict[str, Size], tuple[Category, ...]]:
    named: dict[str, Size] = {}
    for line in sizes_text.strip().splitlines():
        name, spec = line.split("=")
        named[name.strip()] = _size(spec, named)
    cats: list[Category] = []
    head: list[str] = []
    types: list[ProductType] = []

    def close() -> None:
        if head:
            age = "age" in head
            grams = next(
                (tuple(float(v) for v in h.split("-")) for h in head[2:] if "-" in h), (1.0, 5000.0)
            )
            cats.append(Category(head[0], head[1], tuple(types), age, grams))  # type: ignore[arg-type]

    for line in table.strip().splitlines():
        if line.startswith("=="):
            close()
            head, types = line[2:].split(), []
            continue
        name, where, flavours, sizes, flags = (part.strip() for part in line.split("|"))
        tight, *marks = flags.split()
        types.append(
            ProductType(
                name=name,
                where=where,
                flavours=tuple(f.strip() for f in flavours.split(",")),
                sizes=tuple(_size(s, named) for s in sizes.split(";")),
                tight=float(tight),
                rfid="rfid" in marks,
                stack="stack" in marks,
            )
        )
    close()
    return named, tuple(cats)


SIZES, CATEGORIES = _parse(SIZES_TEXT, TABLE)
BY_NAME: dict[str, Category] = {c.name: c for c in CATEGORIES}

# Invented brands: two halves joined (and a suffix once many are taken), so a
# supermarket does not run out of names.
BRAND_HEADS = (
    "Sun", "Clear", "Brook", "High", "Golden", "North", "Silver", "Maple", "Green", "Red", "Blue",
    "Oak", "Harvest", "River", "Stone", "Meadow", "Frost", "Bright", "Copper", "Willow", "Summit",
    "Fox", "Pine", "Amber", "Cedar", "Hazel", "Iron", "Lake", "Moss", "Rose", "Sage", "Bay",
)  # fmt: skip
BRAND_TAILS = (
    "vale", "field", "wood", "crest", "brook", "ridge", "haven", "well", "dale", "peak", "stead",
    "ford", "mont", "gate", "bury", "wick", "acre", "ton", "shore", "leaf", "mere", "hurst",
    "combe", "holm", "ley",
)  # fmt: skip
BRAND_SUFFIXES = ("", " Farms", " & Co", " Foods", " Bros", " Naturals")
LINE_EDITIONS = (
    "",
    "Organic",
    "Classic",
    "Premium",
    "Family",
    "Light",
    "Kids",
    "Select",
    "Natural",
    "Extra",
)
