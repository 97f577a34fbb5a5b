import django.db.models.functions.text
from django.db import migrations, models

# A trigram index for the typo candidates' nearest-word search, where pg_trgm is installed
# (0002 tried to create it); without it search takes candidates by word length instead.
TRIGRAM_INDEX_SQL = r"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS search_word_trgm
            ON sellers_searchword USING gist (word gist_trgm_ops);
    END IF;
END $$;
"""


# The whole-title trigram fallback it served is gone: search corrects words instead.
DROP_TITLE_TRIGRAM_SQL = "DROP INDEX IF EXISTS listing_title_trgm;"
RESTORE_TITLE_TRIGRAM_SQL = r"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS listing_title_trgm
            ON sellers_listing USING gin (title gin_trgm_ops);
    END IF;
END $$;
"""


# The first vocabulary: every plain word (3 to 40 letters) of the active listings of active
# shops, with how many listings use it. A copy of the SQL of the vocabulary rebuild as it was
# when this migration was written (sellers/services/search_vocabulary.py), kept here so the
# migration never depends on application code that may change after it.
FILL_SQL = r"""
DELETE FROM sellers_searchword;
INSERT INTO sellers_searchword (word, listings)
SELECT word, ndoc FROM ts_stat($q$
    SELECT to_tsvector('simple', l.title || ' ' || left(l.description, 4000))
    FROM sellers_listing l JOIN sellers_shop s ON s.id = l.shop_id
    WHERE l.status = 'active' AND s.status = 'active'
$q$)
WHERE word ~ '^[a-z]{3,40}$';
"""


class Migration(migrations.Migration):

    dependencies = [
        ("sellers", "0008_listing_draft_status"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("listings", models.PositiveIntegerField(
                    help_text="How many active listings use the word.")),
            ],
            options={
                "indexes": [models.Index(django.db.models.functions.text.Length("word"), "word",
                                         name="search_word_length")],
            },
        ),
        migrations.RunSQL(TRIGRAM_INDEX_SQL, "DROP INDEX IF EXISTS search_word_trgm;"),
        migrations.RunSQL(DROP_TITLE_TRIGRAM_SQL, RESTORE_TITLE_TRIGRAM_SQL),
        migrations.RunSQL(FILL_SQL, migrations.RunSQL.noop),
    ]
