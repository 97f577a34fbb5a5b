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


def fill(apps, schema_editor):
    from sellers.services.search_vocabulary import search_vocabulary_rebuild

    search_vocabulary_rebuild()


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
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
