"""Bulk loader for the catalog benchmark: villages, categories, shops, then listings by COPY.

Run through bench/catalog.py, which points Django at the benchmark's own database first.
The listing rows go in with COPY to an unlogged staging table, then into sellers_listing with
their search_vector computed by one set-based join (the same document the row trigger writes,
which a sample check proves after the load); the GIN indexes are dropped for the load and
rebuilt once afterwards, which is several times faster than maintaining them row by row.
"""

import random
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from sellers.models import Category, Listing, Shop, Village
from sellers.services import search_vocabulary_rebuild
from sellers.us_states import US_STATES

# Product words with a Zipf-like weight: "honey" is the most common term in the catalog.
PRODUCTS = [
    ("honey", 40), ("quilt", 14), ("jam", 10), ("soap", 9), ("candle", 8), ("bowl", 7),
    ("basket", 6), ("syrup", 6), ("knife", 5), ("blanket", 5), ("wreath", 4), ("salsa", 4),
    ("cutting board", 4), ("pottery mug", 3), ("birdhouse", 3), ("scarf", 3), ("pickles", 3),
    ("apple butter", 3), ("rocking chair", 2), ("hatchet", 2), ("seed packet", 2),
    ("beeswax wrap", 2), ("lamp", 2), ("tractor part", 1), ("saddle", 1), ("bridle", 1),
]
ADJECTIVES = (
    "raw wildflower clover buckwheat handmade hand-turned rustic vintage small large organic "
    "heirloom smoked spiced sweet sour farmhouse amish patchwork braided carved painted glazed "
    "cedar walnut oak maple cherry pine wool cotton linen copper iron leather lavender"
).split()
DESCRIPTION_WORDS = (
    "made by hand in our barn from local materials family recipe passed down three generations "
    "ships in two days packed with care small batch every piece is a little different gift "
    "for the holidays wrapped in brown paper farm fresh grown without sprays we raise bees "
    "sheep goats and keep an orchard along the creek county fair blue ribbon winner since "
    "nineteen seventy eight please ask questions before you buy returns accepted within thirty "
    "days local pickup at the farm stand on saturday mornings honey comb sweet"
).split()
SELECTIVE_TERM = "zephyrine"  # in about 1 of 20,000 titles
CATEGORY_TREE = {
    "Food": ["Honey", "Jams and preserves", "Syrups", "Pickles and salsa", "Baked goods"],
    "Home": ["Candles", "Soap", "Kitchen", "Furniture", "Lighting"],
    "Crafts": ["Quilts", "Knitting", "Woodwork", "Pottery", "Baskets"],
    "Farm and garden": ["Seeds", "Tools", "Tack", "Tractor parts"],
    "Clothing": ["Scarves", "Hats", "Leather goods"],
}
LISTING_COLUMNS = (
    "shop_id", "title", "description", "category_id", "price_cents", "currency", "stock",
    "shipping_cents", "local_pickup", "status", "review_reason", "created", "updated",
)
# The same document as sellers_listing_document() in sellers/migrations/0002 (checked after load).
DOCUMENT_SQL = (
    "setweight(to_tsvector('english', coalesce(l.title, '')), 'A')"
    " || setweight(to_tsvector('english', coalesce(c.name || ' ' || coalesce(p.name, ''), '')),"
    " 'B') || setweight(to_tsvector('english', coalesce(s.name || ' ' || v.name || ' ' ||"
    " v.county || ' ' || v.state, '')), 'C')"
    " || setweight(to_tsvector('english', left(coalesce(l.description, ''), 4000)), 'D')"
)
DOCUMENT_JOINS = (
    "LEFT JOIN sellers_category c ON c.id = l.category_id "
    "LEFT JOIN sellers_category p ON p.id = c.parent_id "
    "LEFT JOIN sellers_shop s ON s.id = l.shop_id "
    "LEFT JOIN sellers_village v ON v.id = s.village_id"
)
GIN_INDEXES = {
    "listing_search_vector_gin": "CREATE INDEX listing_search_vector_gin "
    "ON sellers_listing USING gin (search_vector)",
}


def _execute(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _empty_catalog() -> None:
    _execute(
        "TRUNCATE sellers_listingimage, sellers_listing, sellers_shop, sellers_village, "
        "sellers_category RESTART IDENTITY CASCADE"
    )
    _execute("DELETE FROM accounts_user WHERE email LIKE %s", ["%@bench.invalid"])


def _users_and_shops(rng: random.Random, shops: int) -> tuple[list[int], dict[int, str]]:
    states = sorted(US_STATES)
    villages = Village.objects.bulk_create(
        Village(name=f"Town {n}", county=f"County {n % 97}", state=states[n % len(states)],
                slug=f"town-{n}")
        for n in range(max(shops // 10, 1))
    )
    now = timezone.now()
    filled = ("password", "is_superuser", "email", "display_name", "is_active", "is_staff",
              "date_joined")
    extra = _extra_columns(get_user_model(), filled)
    with connection.cursor() as cursor:
        with cursor.copy(
            f"COPY accounts_user ({', '.join((*filled, *extra))}) FROM STDIN"
        ) as copy:
            for n in range(shops):
                copy.write_row(("!", False, f"seller{n}@bench.invalid", f"Seller {n}", True,
                                False, now, *extra.values()))
        cursor.execute(
            "SELECT id FROM accounts_user WHERE email LIKE %s ORDER BY id", ["%@bench.invalid"]
        )
        owners = [row[0] for row in cursor.fetchall()]
    created = Shop.objects.bulk_create(
        Shop(owner_id=owner, name=f"{rng.choice(ADJECTIVES).title()} Farm {n}", slug=f"shop-{n}",
             village=villages[n % len(villages)],
             # One shop in fifty is suspended or not yet verified: its listings must not show.
             status=Shop.Status.SUSPENDED if n % 50 == 49 else Shop.Status.ACTIVE,
             rating_avg=None if n % 3 == 0 else f"{rng.uniform(3, 5):.2f}",
             rating_count=0 if n % 3 == 0 else rng.randint(1, 200))
        for n, owner in enumerate(owners)
    )
    return [shop.id for shop in created], {}


def _categories() -> list[int]:
    ids = []
    for position, (root_name, children) in enumerate(CATEGORY_TREE.items()):
        root = Category.objects.create(name=root_name, slug=root_name.lower().replace(" ", "-"),
                                       position=position)
        for child_position, name in enumerate(children):
            child = Category.objects.create(
                name=name, slug=name.lower().replace(" ", "-"), parent=root,
                position=child_position,
            )
            ids.append(child.id)
    return ids


def _listing_rows(rng: random.Random, count: int, shop_ids: list[int], category_ids: list[int]):
    products = [p for p, _ in PRODUCTS]
    weights = [w for _, w in PRODUCTS]
    start = timezone.now() - timedelta(days=730)
    step = timedelta(days=730) / max(count, 1)
    for n in range(count):
        product = rng.choices(products, weights)[0]
        words = [rng.choice(ADJECTIVES), rng.choice(ADJECTIVES), product]
        if rng.random() < 1 / 20_000:
            words.insert(1, SELECTIVE_TERM)
        title = " ".join(words).capitalize()[:120]
        description = " ".join(rng.choices(DESCRIPTION_WORDS, k=rng.randint(20, 60)))
        # One listing in twenty is not active (pending, archived, taken down).
        status = "active" if n % 20 else rng.choice(["pending_review", "archived", "taken_down"])
        created = start + step * n
        yield (
            rng.choice(shop_ids), title, description, rng.choice(category_ids),
            rng.randint(100, 50_000), "USD", rng.choice([0, 1, 3, 10, 25]),
            rng.choice([0, 500, 800, 1200]), rng.random() < 0.3, status, "", created, created,
        )


def _extra_columns(model, filled) -> dict[str, object]:
    """NOT NULL columns of `model` the generator does not fill, with their model defaults.

    Django keeps field defaults in Python, not in the table, so a column added later (a hold
    reason, a pre-order share) would make COPY fail; each gets its model's default instead,
    and a new column without one stops the load with its name.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND is_nullable = 'NO' AND column_default IS NULL", [model._meta.db_table]
        )
        missing = sorted({row[0] for row in cursor.fetchall()} - set(filled) - {"id"})
    fields = {field.column: field for field in model._meta.concrete_fields}
    extra, unknown = {}, []
    for column in missing:
        field = fields.get(column)
        if field is None or not field.has_default() and not field.blank:
            unknown.append(column)
        else:
            extra[column] = field.get_default()
    if unknown:
        raise SystemExit(f"bench loader: new NOT NULL {model.__name__} columns to fill: {unknown}")
    return extra


def catalog_load(*, listings: int, seed: int = 42, log=print) -> dict:
    """Replace the benchmark database's catalog with `listings` generated listings."""
    rng = random.Random(seed)
    timings = {}
    began = time.monotonic()
    extra = _extra_columns(Listing, LISTING_COLUMNS)
    _empty_catalog()
    shop_ids, _ = _users_and_shops(rng, shops=max(listings // 200, 10))
    category_ids = _categories()
    timings["setup_s"] = time.monotonic() - began
    with connection.cursor() as cursor:
        for name in GIN_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        began = time.monotonic()
        names = (*LISTING_COLUMNS, *extra)
        columns = ", ".join(names)
        cursor.execute("DROP TABLE IF EXISTS bench_listing_staging")
        cursor.execute(
            f"CREATE UNLOGGED TABLE bench_listing_staging AS SELECT {columns} "  # noqa: S608
            "FROM sellers_listing WITH NO DATA"
        )
        with cursor.copy(f"COPY bench_listing_staging ({columns}) FROM STDIN") as copy:
            defaults = tuple(extra.values())
            for row in _listing_rows(rng, listings, shop_ids, category_ids):
                copy.write_row(row + defaults)
        timings["copy_listings_s"] = time.monotonic() - began
        log(f"  copied {listings} listings in {timings['copy_listings_s']:.1f} s")
        began = time.monotonic()
        with transaction.atomic():
            # The row trigger looks up category and shop names per row; one set-based join
            # computes the same document for a million rows in a third of the time.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else ALTER TABLE waits on FK checks
            cursor.execute("ALTER TABLE sellers_listing DISABLE TRIGGER sellers_listing_search")
            # The cover too is written here (each listing gets one photo below), rather than by
            # a trigger per photo: ids are numbered in `created` order, as the sequence would.
            cursor.execute("ALTER TABLE sellers_listing DISABLE TRIGGER sellers_listing_cover")
            staged = ", ".join(f"l.{name}" for name in names)
            cursor.execute(
                f"INSERT INTO sellers_listing (id, {columns}, search_vector, cover_thumbnail, "  # noqa: S608
                f"cover_width, cover_height) SELECT l.n, {staged}, {DOCUMENT_SQL}, "
                f"'listings/' || l.n || '/cover-thumb.webp', 320, 240 FROM (SELECT "
                f"row_number() OVER (ORDER BY created) AS n, * FROM bench_listing_staging) l "
                f"{DOCUMENT_JOINS} ORDER BY l.n"
            )
            cursor.execute("SELECT setval(pg_get_serial_sequence('sellers_listing', 'id'), "
                           "(SELECT max(id) FROM sellers_listing))")
            cursor.execute("ALTER TABLE sellers_listing ENABLE TRIGGER sellers_listing_cover")
            cursor.execute("ALTER TABLE sellers_listing ENABLE TRIGGER sellers_listing_search")
        cursor.execute("DROP TABLE bench_listing_staging")
        timings["search_vectors_s"] = time.monotonic() - began
        log(f"  inserted with search vectors in {timings['search_vectors_s']:.1f} s")
        # Proof that the join wrote what the trigger would have: compare a sample.
        cursor.execute(
            "SELECT count(*) FROM sellers_listing WHERE id % 997 = 0 AND search_vector "
            "IS DISTINCT FROM sellers_listing_document(title, description, category_id, shop_id)"
        )
        if cursor.fetchone()[0]:
            raise SystemExit("bench loader: search vectors differ from the trigger's document")
        began = time.monotonic()
        # One cover image row per listing: the pages render a thumbnail for every card. The
        # listings carry their covers already (above); the photo trigger would rewrite each.
        with transaction.atomic():
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else ALTER TABLE waits on FK checks
            cursor.execute("ALTER TABLE sellers_listingimage DISABLE TRIGGER "
                           "sellers_listingimage_cover")
            cursor.execute(
                "INSERT INTO sellers_listingimage (listing_id, image, thumbnail, width, height, "
                "thumbnail_width, thumbnail_height, position, created) SELECT id, "
                "'listings/' || id || '/cover.webp', 'listings/' || id || '/cover-thumb.webp', "
                "1200, 900, 320, 240, 0, created FROM sellers_listing"
            )
            cursor.execute("ALTER TABLE sellers_listingimage ENABLE TRIGGER "
                           "sellers_listingimage_cover")
        # Proof that the covers are what the triggers would have written: compare a sample.
        cursor.execute(
            "SELECT count(*) FROM sellers_listing l WHERE l.id % 997 = 0 AND "
            "(l.cover_thumbnail, l.cover_width, l.cover_height) IS DISTINCT FROM (SELECT "
            "(i.thumbnail, i.thumbnail_width, i.thumbnail_height) FROM sellers_listingimage i "
            "WHERE i.listing_id = l.id ORDER BY i.position, i.id LIMIT 1)"
        )
        if cursor.fetchone()[0]:
            raise SystemExit("bench loader: covers differ from the listings' first photos")
        timings["images_s"] = time.monotonic() - began
        began = time.monotonic()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for sql in GIN_INDEXES.values():
            cursor.execute(sql)
        timings["gin_indexes_s"] = time.monotonic() - began
        log(f"  built GIN indexes in {timings['gin_indexes_s']:.1f} s")
        began = time.monotonic()
        cursor.execute("VACUUM ANALYZE sellers_listing")
        cursor.execute("VACUUM ANALYZE sellers_listingimage")
        cursor.execute("ANALYZE sellers_shop")
        timings["vacuum_analyze_s"] = time.monotonic() - began
    began = time.monotonic()
    search_vocabulary_rebuild()  # what the search-vocabulary job would do within 10 minutes
    timings["search_vocabulary_s"] = time.monotonic() - began
    log(f"  built the search vocabulary in {timings['search_vocabulary_s']:.1f} s")
    return timings
