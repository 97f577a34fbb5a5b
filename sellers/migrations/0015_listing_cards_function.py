from django.db import migrations

# The cards of a page of search results, given their listing ids in the page's order: what
# sellers.result_page reads in the statement that finds the candidates. A PL/pgSQL function,
# because PostgreSQL keeps the plan of its query per connection (it depends on the ids alone,
# never on the words searched), where the same joins written into each search's statement were
# planned again for every page. It needs no prepared statement, so it works behind any pooler.
# The columns are sellers.listing_cards.ListingCard's, in its order (a test compares them); a
# listing or shop that is no longer public is left out. A migration that changes the type of
# one of these columns, beyond a length, must replace this function as well: PostgreSQL refuses
# a query whose columns no longer match the ones declared here.
FORWARD_SQL = r"""
CREATE OR REPLACE FUNCTION sellers_listing_cards(ids bigint[])
RETURNS TABLE (
    id bigint, title varchar, price_cents bigint, currency varchar, stock integer,
    created timestamptz, shop_slug varchar, shop_name varchar, rating_avg numeric,
    village_slug varchar, village_name varchar, village_state varchar,
    preorder_ships_by date, preorder_deposit_bps integer,
    thumbnail varchar, thumbnail_width integer, thumbnail_height integer
)
LANGUAGE plpgsql STABLE
-- Always the one plan kept per connection. By default PostgreSQL plans the query again for
-- each call whose own plan looks cheaper than the general one, which an empty page (a word
-- nobody sells) always does: 0.2-0.3 ms each time instead of 0.02.
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT l.id, l.title, l.price_cents, l.currency, l.stock, l.created, s.slug, s.name,
           s.rating_avg, v.slug, v.name, v.state, l.preorder_ships_by, l.preorder_deposit_bps,
           coalesce(l.cover_thumbnail, ''), l.cover_width, l.cover_height
    FROM unnest(ids) WITH ORDINALITY AS page (listing, n)
    JOIN sellers_listing l ON l.id = page.listing
    JOIN sellers_shop s ON s.id = l.shop_id
    JOIN sellers_village v ON v.id = s.village_id
    WHERE l.status = 'active' AND s.status = 'active'
    ORDER BY page.n;
END $$;
"""
REVERSE_SQL = "DROP FUNCTION IF EXISTS sellers_listing_cards(bigint[]);"


class Migration(migrations.Migration):
    dependencies = [("sellers", "0014_listing_cover")]

    operations = [migrations.RunSQL(FORWARD_SQL, REVERSE_SQL)]
