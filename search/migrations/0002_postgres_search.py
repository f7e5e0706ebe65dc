"""PostgreSQL full-text search: extensions, the French configuration without accents, indexes.

``oceanis_fr`` is the French configuration (Snowball stemming, French stop words) with
``unaccent`` before the stemmer, so "équipe", "Equipe" and "équipes" give the same lexeme.
GIN indexes serve the staff vector, the client vector and the trigram matches of references,
titles and names. SQLite (the embedded mode) has none of these and searches its folded copies.
CI and the migrations run as a superuser, who may create the two extensions.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'oceanis_fr') THEN
            CREATE TEXT SEARCH CONFIGURATION oceanis_fr (COPY = pg_catalog.french);
            ALTER TEXT SEARCH CONFIGURATION oceanis_fr
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END $$""",
    "CREATE INDEX IF NOT EXISTS search_document_vector ON search_searchdocument "
    "USING gin (vector)",
    "CREATE INDEX IF NOT EXISTS search_document_public_vector ON search_searchdocument "
    "USING gin (public_vector)",
    "CREATE INDEX IF NOT EXISTS search_document_reference_trgm ON search_searchdocument "
    "USING gin (UPPER(reference) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_document_title_trgm ON search_searchdocument "
    "USING gin (title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_document_names_trgm ON search_searchdocument "
    "USING gin (names gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_document_names_trgm",
    "DROP INDEX IF EXISTS search_document_title_trgm",
    "DROP INDEX IF EXISTS search_document_reference_trgm",
    "DROP INDEX IF EXISTS search_document_public_vector",
    "DROP INDEX IF EXISTS search_document_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS oceanis_fr",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
