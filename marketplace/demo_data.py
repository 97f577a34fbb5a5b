"""The demo marketplace that `manage.py seed_demo` loads: real small towns, believable goods."""

CATEGORIES = {
    ("Food & Farm", "food-farm"): [
        ("Honey & Syrups", "honey-syrups", 3),
        ("Preserves & Pickles", "preserves-pickles", None),
        ("Fresh Produce", "fresh-produce", 3),
        ("Grains & Flour", "grains-flour", None),
    ],
    ("Home & Textiles", "home-textiles"): [
        ("Quilts", "quilts", None),
        ("Woodwork", "woodwork", None),
        ("Pottery", "pottery", None),
    ],
    ("Tools & Parts", "tools-parts"): [
        ("Hand Tools", "hand-tools", None),
        ("Tractor Parts", "tractor-parts", None),
    ],
    ("Crafts & Gifts", "crafts-gifts"): [
        ("Candles & Soap", "candles-soap", None),
        ("Leather Goods", "leather-goods", None),
    ],
}

VILLAGES = [
    ("Decorah", "Winneshiek", "IA"),
    ("Berea", "Madison", "KY"),
    ("Hatch", "Doña Ana", "NM"),
    ("Intercourse", "Lancaster", "PA"),
    ("Hood River", "Hood River", "OR"),
    ("Paonia", "Delta", "CO"),
]

# Listings sold before the harvest is in: title → (days until the promised ship date, share
# paid at checkout in basis points).
PREORDERS = {
    "Fall Honey Harvest Share, 3 jars": (45, 3000),
    "Next Season's Maple Syrup, half gallon": (90, 10000),
}

# (shop name, village index, description, [(title, category slug, price cents, stock,
#   shipping cents, local pickup)])
SHOPS = [
    ("Driftless Bee Farm", 0, "Raw honey from hives on the bluffs above the Upper Iowa River.", [
        ("Raw Wildflower Honey, 1 lb jar", "honey-syrups", 1200, 40, 650, True),
        ("Creamed Basswood Honey, 12 oz", "honey-syrups", 1400, 25, 650, True),
        ("Comb Honey Square", "honey-syrups", 1800, 12, 650, True),
        ("Beeswax Pillar Candle", "candles-soap", 1600, 30, 500, True),
        ("Honey Sampler, 4 small jars", "honey-syrups", 2600, 15, 800, True),
        ("Buckwheat Honey, dark, 1 lb", "honey-syrups", 1300, 20, 650, True),
        ("Beeswax Food Wraps, set of 3", "candles-soap", 1800, 35, 400, False),
        ("Honey Dipper, hand-turned maple", "woodwork", 900, 50, 350, False),
        ("Raw Clover Honey, 5 lb pail", "honey-syrups", 4200, 8, 1500, True),
        ("Pollinator Garden Seed Mix", "fresh-produce", 800, 45, 300, False),
        ("Fall Honey Harvest Share, 3 jars", "honey-syrups", 3900, 40, 900, True),
    ]),
    ("Oneota Valley Woodshop", 0, "Cutting boards and furniture from Iowa black walnut and oak.", [
        ("Black Walnut End-Grain Cutting Board", "woodwork", 9500, 6, 1200, True),
        ("White Oak Serving Tray", "woodwork", 6400, 9, 1100, True),
        ("Cherry Spoon Set, 3 pieces", "woodwork", 4200, 14, 600, True),
        ("Walnut Bread Box", "woodwork", 12500, 3, 1800, True),
        ("Maple Rolling Pin", "woodwork", 3800, 11, 700, True),
        ("Oak Step Stool", "woodwork", 8900, 4, 2200, True),
        ("Walnut Coasters, set of 6", "woodwork", 3200, 20, 500, True),
        ("Cedar Birdhouse", "woodwork", 4500, 7, 1200, True),
        ("Walnut Salad Servers", "woodwork", 3600, 10, 600, True),
    ]),
    ("Berea Loom House", 1, "Hand-pieced quilts and weaving in the Berea craft tradition.", [
        ("Log Cabin Quilt, queen", "quilts", 48000, 2, 2500, True),
        ("Double Wedding Ring Quilt, full", "quilts", 52000, 1, 2500, True),
        ("Baby Quilt, nine-patch", "quilts", 14500, 5, 1200, True),
        ("Handwoven Table Runner", "quilts", 6800, 8, 700, True),
        ("Quilted Potholders, pair", "quilts", 2400, 25, 450, True),
        ("Lap Quilt, Kentucky star", "quilts", 21000, 3, 1600, True),
        ("Woven Wool Throw", "quilts", 16500, 4, 1400, True),
        ("Quilt Hanger, walnut", "woodwork", 5400, 6, 1100, True),
    ]),
    ("Kentucky Clay Co.", 1, "Wheel-thrown stoneware, fired in a wood kiln near Berea.", [
        ("Stoneware Coffee Mug", "pottery", 3200, 30, 800, True),
        ("Salt-Glazed Pitcher", "pottery", 7800, 6, 1400, True),
        ("Serving Bowl, ash glaze", "pottery", 6500, 8, 1400, True),
        ("Pie Plate, 9 inch", "pottery", 4800, 10, 1200, True),
        ("Butter Crock", "pottery", 3600, 12, 900, True),
        ("Set of 4 Dinner Plates", "pottery", 14000, 4, 2000, True),
        ("Bud Vase", "pottery", 2200, 20, 700, True),
        ("Fermentation Crock, 1 gallon", "pottery", 9500, 5, 1900, True),
    ]),
    ("Hatch Chile Barn", 2, "Roasted and dried green and red chile from the Hatch valley.", [
        ("Roasted Green Chile, frozen, 5 lb", "fresh-produce", 4500, 20, 2200, True),
        ("Dried Red Chile Ristra", "fresh-produce", 3800, 15, 1200, True),
        ("Hatch Red Chile Powder, 8 oz", "preserves-pickles", 1100, 60, 450, True),
        ("Green Chile Salsa, 16 oz", "preserves-pickles", 900, 45, 650, True),
        ("Chile Pistachio Brittle", "preserves-pickles", 1400, 30, 550, True),
        ("Fresh Green Chile, 25 lb sack", "fresh-produce", 5500, 10, 3500, True),
        ("Chile Seed Packet Collection", "fresh-produce", 1200, 40, 300, False),
        ("Red Chile Honey, 12 oz", "honey-syrups", 1500, 18, 650, True),
    ]),
    ("Mesilla Valley Pecans", 2, "Family pecan orchard on the Rio Grande since 1961.", [
        ("Shelled Pecan Halves, 2 lb", "grains-flour", 2800, 35, 900, True),
        ("In-Shell Pecans, 5 lb", "grains-flour", 3000, 25, 1300, True),
        ("Chocolate Pecan Clusters", "preserves-pickles", 1900, 20, 700, True),
        ("Pecan Pie Kit", "grains-flour", 2400, 15, 900, True),
        ("Roasted Salted Pecans, 1 lb", "grains-flour", 1600, 30, 650, True),
        ("Pecan Wood Smoking Chips", "tools-parts", 1200, 25, 1000, True),
        ("Candied Pecans, 8 oz", "preserves-pickles", 1100, 40, 550, True),
        ("Pecan Flour, 2 lb", "grains-flour", 1700, 18, 900, True),
    ]),
    ("Amish Country Pantry", 3, "Jams, pickles and noodles made in a Lancaster County kitchen.", [
        ("Strawberry Rhubarb Jam", "preserves-pickles", 800, 50, 550, True),
        ("Bread and Butter Pickles", "preserves-pickles", 850, 40, 650, True),
        ("Apple Butter, 16 oz", "preserves-pickles", 900, 45, 650, True),
        ("Homemade Egg Noodles, 1 lb", "grains-flour", 650, 60, 550, True),
        ("Chow-Chow Relish", "preserves-pickles", 850, 35, 650, True),
        ("Shoofly Pie Mix", "grains-flour", 1100, 25, 650, True),
        ("Pickled Red Beet Eggs", "preserves-pickles", 950, 20, 800, True),
        ("Pure Maple Syrup, pint", "honey-syrups", 1600, 30, 800, True),
        ("Next Season's Maple Syrup, half gallon", "honey-syrups", 5200, 25, 1400, True),
        ("Stone-Ground Cornmeal, 2 lb", "grains-flour", 700, 40, 650, True),
    ]),
    ("Intercourse Harness & Leather", 3, "Belts, wallets and tack cut and stitched by hand.", [
        ("Full-Grain Leather Belt", "leather-goods", 5800, 20, 600, True),
        ("Bifold Wallet, saddle stitched", "leather-goods", 4800, 15, 450, True),
        ("Leather Dog Collar", "leather-goods", 3600, 18, 450, True),
        ("Work Gloves, deerskin", "leather-goods", 4200, 22, 450, True),
        ("Tool Roll, waxed canvas and leather", "hand-tools", 6800, 9, 700, True),
        ("Leather Key Fob", "leather-goods", 1200, 40, 300, True),
        ("Halter, draft horse size", "leather-goods", 9500, 5, 1200, True),
        ("Suspenders, leather ends", "leather-goods", 4400, 12, 450, True),
    ]),
    ("Gorge Orchard Stand", 4, "Pears and apples from the Hood River Fruit Loop.", [
        ("Anjou Pears, 10 lb box", "fresh-produce", 3200, 25, 2400, True),
        ("Honeycrisp Apples, 10 lb box", "fresh-produce", 3400, 20, 2400, True),
        ("Dried Pear Slices, 8 oz", "preserves-pickles", 1100, 40, 550, True),
        ("Pear Butter, 12 oz", "preserves-pickles", 1000, 30, 650, True),
        ("Apple Cider Syrup", "honey-syrups", 1400, 22, 800, True),
        ("Cherry Preserves", "preserves-pickles", 1100, 30, 650, True),
        ("Gift Box of Comice Pears", "fresh-produce", 4800, 12, 2400, True),
        ("Hard Cider Making Kit", "tools-parts", 5200, 6, 1600, True),
    ]),
    ("Columbia Gorge Forge", 4, "Hand-forged tools from a blacksmith on the Oregon side.", [
        ("Hand-Forged Garden Trowel", "hand-tools", 4200, 15, 800, True),
        ("Camp Axe, hickory handle", "hand-tools", 11500, 6, 1500, True),
        ("Fire Poker, twisted steel", "hand-tools", 5200, 10, 1200, True),
        ("Drawknife, 8 inch", "hand-tools", 9800, 5, 1100, True),
        ("Bottle Opener, railroad spike", "hand-tools", 1800, 40, 450, True),
        ("Hori-Hori Digging Knife", "hand-tools", 6500, 8, 800, True),
        ("Forged Hooks, set of 4", "hand-tools", 3200, 20, 800, True),
        ("Pruning Hook", "hand-tools", 5600, 7, 1100, True),
    ]),
    ("North Fork Tractor Salvage", 5, "Used and reconditioned parts for older tractors.", [
        ("Seat Spring Kit for Older Tractors", "tractor-parts", 4800, 10, 1800, True),
        ("Reconditioned Carburetor, 4-cylinder", "tractor-parts", 18500, 3, 2200, True),
        ("PTO Shaft Shield", "tractor-parts", 6200, 5, 2000, True),
        ("Hydraulic Hose Assembly, 36 inch", "tractor-parts", 3800, 14, 1000, True),
        ("Front Wheel Bearing Set", "tractor-parts", 4400, 12, 900, True),
        ("Headlight Assembly, 6 volt", "tractor-parts", 3600, 9, 1000, True),
        ("Steering Wheel, restored", "tractor-parts", 9200, 2, 2400, True),
        ("Drawbar Pin, hardened", "tractor-parts", 1600, 30, 700, True),
    ]),
    ("Paonia Mountain Soap", 5, "Goat-milk soap and lavender from the North Fork Valley.", [
        ("Goat Milk Soap, lavender", "candles-soap", 800, 60, 400, True),
        ("Goat Milk Soap, oatmeal honey", "candles-soap", 800, 55, 400, True),
        ("Lavender Sachets, set of 3", "candles-soap", 1500, 30, 400, True),
        ("Soy Candle, sagebrush", "candles-soap", 2400, 25, 650, True),
        ("Peach Jam, Western Slope", "preserves-pickles", 950, 35, 650, True),
        ("Lip Balm, beeswax, 3 pack", "candles-soap", 900, 50, 300, True),
        ("Shaving Soap and Brush Set", "candles-soap", 3800, 10, 650, True),
        ("Dried Lavender Bundle", "candles-soap", 1200, 25, 500, True),
        ("Lavender Honey, 8 oz", "honey-syrups", 1300, 20, 650, True),
    ]),
    # Copies of a rights owner's goods: the brand-protection demo files notices against them.
    ("Bargain Barn Resale", 0, "Closeouts and resale finds from around the Driftless.", [
        ("Hearthstone cast iron skillet, 10 inch", "hand-tools", 1900, 12, 900, False),
        ("Hearthstone Dutch oven, 5 quart", "hand-tools", 2900, 8, 1200, False),
        ("Hearthstone griddle, double burner", "hand-tools", 2400, 6, 1100, False),
        ("Cast iron bread pan, Hearthstone pattern", "hand-tools", 1500, 9, 800, False),
    ]),
]

DEMO_PASSWORD = "village-demo-2026"  # noqa: S105 - printed for the demo on purpose
DEMO_BUYER = ("buyer@demo.taobaovillage.test", "Dana Buyer")
DEMO_SELLER = ("seller@demo.taobaovillage.test", "Sam Seller")
DEMO_STAFF = ("staff@demo.taobaovillage.test", "Morgan Moderator")
DEMO_RIGHTS_OWNER = ("rights@demo.taobaovillage.test", "Rowan Rights")
DEMO_AGENT = ("agent@demo.taobaovillage.test", "Avery Agent")
# The village hub in the demo seller's village (Decorah), and its verified agent above.
DEMO_HUB = {
    "name": "Decorah Feed & Hub", "line1": "212 W Water St", "city": "Decorah", "state": "IA",
    "postal_code": "52101", "phone": "(563) 555-0142",
    "opening_hours": "Mon–Fri 8 am–5:30 pm, Sat 8 am–noon", "commission_bps": 300,
    "statement": "I have run the feed store on Water Street for twelve years and know most "
                 "of the farms around Decorah; several neighbours have asked me to help them "
                 "sell eggs, honey and quilts online.",
}
# The verified rights owner and its notices against Bargain Barn Resale, one per final state.
DEMO_BRAND = {"owner": "Hearthstone Ironworks LLC", "right": "Hearthstone",
              "registration_number": "5123456", "registration_office": "USPTO"}
# (listing title, reason, what happens after filing, days ago it was filed)
DEMO_NOTICES = [
    ("Hearthstone cast iron skillet, 10 inch", "counterfeit", "upheld", 70),
    ("Hearthstone Dutch oven, 5 quart", "trademark", "reversed", 40),
    ("Hearthstone griddle, double burner", "counterfeit", "open", 3),
    ("Cast iron bread pan, Hearthstone pattern", "design", "withdrawn", 20),
]
# The demo staff account's authenticator key (base32), fixed so the demo works in a browser:
# add it to any authenticator app (or run `oathtool --totp -b KEY`). Demo data only.
DEMO_STAFF_TOTP_SECRET = "TAOBAOVILLAGEUSDEMOSTAFFTOTPKEY2"  # noqa: S105
