"""The search vocabulary: every word of the active listings, with how many listings use it.

`ts_stat` reads the words out of one tsvector per listing (the 'simple' configuration keeps
them as written, only lower-cased); only plain words of 3 to 40 letters are kept, since only
those are ever corrected to. The table is replaced in one transaction, so search always sees
a whole vocabulary.
"""

from django.db import connection, transaction

REBUILD_SQL = r"""
INSERT INTO sellers_searchword (word, listings)
SELECT word, ndoc FROM ts_stat($q$
    SELECT to_tsvector('simple', l.title || ' ' || left(l.description, 4000))
    FROM sellers_listing l JOIN sellers_shop s ON s.id = l.shop_id
    WHERE l.status = 'active' AND s.status = 'active'
$q$)
WHERE word ~ '^[a-z]{3,40}$'
"""


def search_vocabulary_rebuild() -> int:
    """Replace the vocabulary with the words of today's active listings; return how many."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE sellers_searchword IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM sellers_searchword")
        cursor.execute(REBUILD_SQL)
        return cursor.rowcount
