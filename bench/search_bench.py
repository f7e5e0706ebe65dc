"""Time full-text search on 1,000,000 ticket documents (PostgreSQL).

    .venv/bin/python bench/search_bench.py [--docs 1000000] [--db oceanis_bench_search]
        [--host 127.0.0.1] [--user postgres] [--reseed] [--runs 20]

Creates the database if needed, migrates the ``search`` app (and what it depends on) and,
unless the table already holds the requested number of documents, seeds it in SQL
(``generate_series``): 200 clients, ticket documents spread over three years with a title of
4–7 words, a public text of 20–45 words and a private text of 5–20 words drawn from a
vocabulary of real French service-desk words and generated ones, skewed like natural language
(a few words in a large share of the documents, most words rare); vectors are computed by the
same ``to_tsvector('oceanis_fr', …)`` weights as ``search.services``, then the migration's
indexes are rebuilt and the table analysed.

It then times ``search.selectors.search`` — the function the back-office page and the API
call, ORM and snippets included — for a mix of queries (rare, common and very common words,
two words, an accented plural, a misspelt name, a reference fragment), as staff and as a
client, and prints p50/p95 per query and over all.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REAL_WORDS = [
    "imprimante",
    "serveur",
    "messagerie",
    "reseau",
    "connexion",
    "mot",
    "passe",
    "compte",
    "utilisateur",
    "poste",
    "lent",
    "bloque",
    "erreur",
    "panne",
    "sauvegarde",
    "restauration",
    "licence",
    "office",
    "outlook",
    "teams",
    "vpn",
    "pare-feu",
    "routeur",
    "commutateur",
    "wifi",
    "borne",
    "telephone",
    "standard",
    "ecran",
    "clavier",
    "souris",
    "badge",
    "acces",
    "droits",
    "dossier",
    "partage",
    "fichier",
    "disque",
    "plein",
    "memoire",
    "mise",
    "jour",
    "redemarrage",
    "installation",
    "parametrage",
    "application",
    "logiciel",
    "base",
    "donnees",
    "certificat",
    "expire",
    "domaine",
    "dns",
    "adresse",
    "ip",
    "cluster",
    "virtualisation",
    "stockage",
    "baie",
    "antivirus",
    "menace",
    "alerte",
    "supervision",
    "sonde",
    "incident",
    "demande",
    "intervention",
    "site",
    "agence",
    "siege",
    "equipe",
    "service",
    "comptabilite",
    "production",
    "entrepot",
    "logistique",
    "facturation",
    "client",
    "fournisseur",
    "commande",
    "livraison",
    "scanner",
    "copieur",
    "toner",
    "bourrage",
    "papier",
    "cartouche",
    "driver",
    "pilote",
    "navigateur",
    "internet",
    "intranet",
    "portail",
    "extranet",
    "sharepoint",
    "synchronisation",
    "calendrier",
    "reunion",
    "visio",
    "camera",
    "micro",
    "casque",
    "son",
    "audio",
    "image",
    "video",
]


INDEXES = [
    "search_document_vector",
    "search_document_public_vector",
    "search_document_title_trgm",
    "search_document_names_trgm",
    "search_document_reference_trgm",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--db", default="oceanis_bench_search")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--reseed", action="store_true", help="drop and seed again")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query")
    parser.add_argument("--seed", type=int, default=20261203)
    return parser.parse_args()


def ensure_database(args) -> None:
    import psycopg

    admin = f"host={args.host} port={args.port} user={args.user} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db]).fetchone()
        if exists and args.reseed:
            conn.execute(f'DROP DATABASE "{args.db}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.db}"')
            print(f"created database {args.db}")


def setup_django(args) -> None:
    os.environ["DATABASE_URL"] = f"postgres://{args.user}@{args.host}:{args.port}/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oceanis.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "clients", verbosity=0)
    call_command("migrate", "search", verbosity=0)


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """Real words first (the frequent ones), then generated French-looking words."""
    syllables = "ba be bi bo cha che cla cre da de di do fa fe fi fo ga ge gra la le li lo ma me "
    syllables += "mi mo na ne ni no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo"
    parts = syllables.split()
    words = list(dict.fromkeys(REAL_WORDS))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(parts) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def seed(args, words: list[str]) -> None:
    from django.db import connection

    from clients.models import Client

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_searchdocument")
        if cursor.fetchone()[0] >= args.docs:
            return
    print(f"seeding {args.docs:,} documents…", flush=True)
    started = time.perf_counter()
    clients = list(Client.objects.filter(code__startswith="bench-").order_by("pk"))
    if not clients:
        clients = Client.objects.bulk_create(
            [Client(name=f"Client {i:03d} Logistique", code=f"bench-{i:03d}") for i in range(200)]
        )
    first_client = clients[0].pk
    rng = random.Random(args.seed)  # noqa: S311 - bench data
    # Word ranks skewed like natural language: x^3 puts most draws on the first words.
    weights = [1 / (rank + 1) ** 0.75 for rank in range(len(words))]
    with connection.cursor() as cursor:
        for index in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
        cursor.execute("TRUNCATE search_searchdocument CASCADE")
        cursor.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS search_bench_staging "
            "(g integer, title text, public_text text, private_text text)"
        )
        cursor.execute("TRUNCATE search_bench_staging")
    batch = 100_000
    raw = connection.connection  # psycopg's connection: COPY
    for first in range(1, args.docs + 1, batch):
        last = min(first + batch - 1, args.docs)
        drawn = iter(rng.choices(words, weights, k=(last - first + 1) * 70))
        with raw.cursor() as cursor, cursor.copy("COPY search_bench_staging FROM STDIN") as copy:
            for g in range(first, last + 1):
                title = " ".join(next(drawn) for _ in range(4 + g % 4))
                public = " ".join(next(drawn) for _ in range(20 + g % 26))
                private = " ".join(next(drawn) for _ in range(5 + g % 16))
                copy.write_row((g, title, public, private))
        print(f"  {last:,} texts ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO search_searchdocument (
                doc_type, object_id, reference, title, names, audience, client_id, site_id,
                contact_id, state, kind, created_at, indexed_at, public_text, private_text,
                folded, public_folded, vector, public_vector)
            SELECT 'ticket', g,
                'OC-' || (2024 + g * 3 / {args.docs + 1}) || '-'
                    || lpad((g %% 999999)::text, 6, '0'),
                title, names, 'client', client_id, NULL, NULL,
                (ARRAY['new','assigned','in_progress','pending','resolved','closed'])[1 + g %% 6],
                CASE WHEN g %% 3 = 0 THEN 'incident' ELSE 'request' END,
                now() - make_interval(mins => (({args.docs} - g)::bigint * 1576800
                    / {args.docs})::int),
                now(), public_text, private_text, '', '',
                head || setweight(to_tsvector('oceanis_fr', public_text), 'C')
                    || setweight(to_tsvector('oceanis_fr', private_text), 'D'),
                head || setweight(to_tsvector('oceanis_fr', public_text), 'C')
            FROM (
                SELECT s.*, %s + (g::bigint * 7919) %% 200 AS client_id,
                    'Client ' || lpad(((g::bigint * 7919) %% 200)::text, 3, '0') || ' Logistique'
                        AS names,
                    setweight(to_tsvector('oceanis_fr', title), 'A')
                        || setweight(to_tsvector('oceanis_fr', 'Client Logistique'), 'B') AS head
                FROM search_bench_staging s
            ) AS rows
            ORDER BY g
            """,
            [first_client],
        )
        cursor.execute("DROP TABLE search_bench_staging")
    print(f"  documents written ({time.perf_counter() - started:.0f} s)", flush=True)
    forward = import_module("search.migrations.0002_postgres_search").FORWARD
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for sql in forward:
            if sql.startswith("CREATE INDEX"):
                cursor.execute(sql)
                print(f"  {sql.split()[5]} ({time.perf_counter() - started:.0f} s)", flush=True)
        cursor.execute("VACUUM ANALYZE search_searchdocument")
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)


def queries(words: list[str], client_id: int) -> list[tuple[str, str, dict]]:
    """(label, query, viewer kwargs) covering the cases the page meets."""
    staff: dict = {"staff": True}
    client: dict = {"staff": False, "client_id": client_id}
    return [
        ("very common word (staff)", words[0], staff),
        ("common word (staff)", words[10], staff),
        ("rare word (staff)", words[5000], staff),
        ("very rare word (staff)", words[19000], staff),
        ("two words (staff)", f"{words[3]} {words[40]}", staff),
        ("accented plural (staff)", "imprimantes réseaux", staff),
        ("misspelt word (staff)", "logistiqe", staff),
        ("reference fragment (staff)", "000123", staff),
        ("common word (client)", words[10], client),
        ("rare word (client)", words[5000], client),
        ("no match (staff)", "introuvablexyz", staff),
    ]


def run(args, words: list[str]) -> None:
    from django.db import connection, reset_queries

    from clients.models import Client
    from search.selectors import Viewer, search

    client_id = Client.objects.filter(code="bench-007").values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_searchdocument")
        total = cursor.fetchone()[0]
    print(f"{total:,} documents; {args.runs} runs per query (after one warm-up)")
    every = []
    for label, query, viewer in queries(words, client_id):
        viewer = Viewer(**viewer)
        search(query, viewer=viewer)  # warm-up: plans, cache
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            hits = search(query, viewer=viewer).hits
            timings.append((time.perf_counter() - started) * 1000)
            reset_queries()
        every += timings
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(
            f"{label:<30} {len(hits):>3} hits  p50 {statistics.median(timings):7.1f} ms  "
            f"p95 {p95:7.1f} ms"
        )
    every.sort()
    p95 = every[max(0, int(len(every) * 0.95) - 1)]
    print(
        f"{'all queries':<30}           p50 {statistics.median(every):7.1f} ms  p95 {p95:7.1f} ms"
    )


def main():
    args = parse_args()
    ensure_database(args)
    setup_django(args)
    words = vocabulary(random.Random(args.seed))  # noqa: S311 - bench data
    seed(args, words)
    run(args, words)


if __name__ == "__main__":
    main()
