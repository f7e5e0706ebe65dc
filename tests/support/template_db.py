"""Each test database a copy of one migrated template (PostgreSQL): migrate once, then clone.

Running every migration takes ~20 s per test database, 35 s when both xdist workers migrate at
once on two cores; ``CREATE DATABASE … TEMPLATE`` copies a migrated one in well under a second.
The template is named after a digest of everything that shapes the schema (every migration file,
the project modules those import, Django's version, the settings migrate and createcachetable
read): a changed migration gives a new name, so a stale template is never used, and the older
templates of the same test database name are dropped. It is kept between runs; ``--create-db``
rebuilds it once per run (both workers share the run's id) before its databases are cloned.

Two workers (or two runs) never build it together: the build holds a PostgreSQL advisory lock,
and a template is renamed to its final name only once migrated, so a crash mid-build leaves no
template that looks complete.

SQLite, ``--nomigrations``, ``TEST["MIGRATE"] = False`` and ``--reuse-db`` of a database that
already exists keep Django's own path (the last one migrates the kept database as before).
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import os
from contextlib import contextmanager
from pathlib import Path

MARK = "oceanis test template, run "
# PostgreSQL truncates identifiers beyond 63 bytes: room for "_tpl_", the digest and "_new".
DIGEST_CHARS = 16


def schema_inputs() -> list[Path]:
    """Every file whose content shapes a freshly migrated database: each app's migration files
    and the project modules they import (RunPython helpers, field defaults)."""
    from django.apps import apps
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    base = Path(settings.BASE_DIR).resolve()
    files: set[Path] = set()
    for app in apps.get_app_configs():
        module_name, _explicit = MigrationLoader.migrations_module(app.label)
        if module_name is None:
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for directory in getattr(module, "__path__", ()):
            files.update(Path(directory).resolve().glob("*.py"))
    project = {path for path in files if path.is_relative_to(base)}
    for path in sorted(project):
        for name in _imported_modules(path):
            found = _project_file(name, base)
            if found is not None:
                files.add(found)
    return sorted(files)


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            # `from oceanis import tokens` imports a module, not a name.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _project_file(name: str, base: Path) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # `from package import name` where name is no module
        return None
    if spec is None or not spec.origin or not spec.has_location:
        return None
    origin = Path(spec.origin).resolve()
    return origin if origin.is_relative_to(base) else None


def schema_settings(settings_dict: dict) -> str:
    """The settings besides the files that change what migrate and createcachetable write."""
    import django
    from django.conf import settings

    test = settings_dict.get("TEST", {})
    return repr(
        (
            django.get_version(),
            settings_dict["ENGINE"],
            test.get("CHARSET"),
            test.get("COLLATION"),
            test.get("TEMPLATE"),
            list(settings.INSTALLED_APPS),
            sorted((settings.MIGRATION_MODULES or {}).items()),
            settings.AUTH_USER_MODEL,
            sorted(
                (alias, cache.get("LOCATION"))
                for alias, cache in settings.CACHES.items()
                if cache["BACKEND"].endswith("DatabaseCache")
            ),
        )
    )


def schema_digest(files: list[Path], settings_repr: str) -> str:
    digest = hashlib.sha256(settings_repr.encode())
    for path in files:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:DIGEST_CHARS]


def template_prefix(test_name: str) -> str:
    """``test_oceanis_gw0`` → ``test_oceanis_tpl_``: the workers of a run share one template."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and test_name.endswith(f"_{worker}"):
        test_name = test_name[: -len(worker) - 1]
    return f"{test_name[: 63 - len('_tpl_') - DIGEST_CHARS - len('_new')]}_tpl_"


def drop_other_templates(cursor, prefix: str, keep: str) -> list[str]:
    """Drop this test database name's templates of other digests (and a half-built one); one
    another run is copying right now stays (PostgreSQL refuses) until a later run."""
    from django.db import DatabaseError

    cursor.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, %s) AND datname <> %s",
        [prefix, keep],
    )
    dropped = []
    for (name,) in cursor.fetchall():
        try:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        except DatabaseError:
            continue
        dropped.append(name)
    return dropped


def _ensure_template(creation, original, verbosity: int, *, rebuild: bool, run: str) -> str:
    connection = creation.connection
    prefix = template_prefix(creation._get_test_db_name())
    template = prefix + schema_digest(schema_inputs(), schema_settings(connection.settings_dict))
    with creation._nodb_cursor() as lock:
        lock.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [prefix])
        try:
            lock.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [template],
            )
            row = lock.fetchone()
            if row is None or (rebuild and row[0] != MARK + run):
                _build(creation, original, verbosity, template)
                # A utility statement takes no bound parameter (server-side binding): a literal.
                from psycopg import sql

                mark = sql.quote(MARK + run)
                lock.execute(f'COMMENT ON DATABASE "{template}" IS {mark}')
            drop_other_templates(lock, prefix, template)
        finally:
            lock.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [prefix])
    return template


def _build(creation, original, verbosity: int, template: str) -> None:
    """Django's own creation (migrate, createcachetable) under a scratch name, then renamed."""
    from django.conf import settings

    connection = creation.connection
    scratch = f"{template}_new"
    test = connection.settings_dict["TEST"]
    name, test_name = connection.settings_dict["NAME"], test.get("NAME")
    test["NAME"] = scratch
    try:
        original(creation, verbosity=verbosity, autoclobber=True, serialize=False, keepdb=False)
    finally:
        # No connection may stay on a database being renamed or copied.
        connection.close()
        test["NAME"] = test_name
        connection.settings_dict["NAME"] = name
        settings.DATABASES[connection.alias]["NAME"] = name
    with creation._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{template}"')
        cursor.execute(f'ALTER DATABASE "{scratch}" RENAME TO "{template}"')


@contextmanager
def cloned_test_databases(*, rebuild: bool, run: str):
    """While active, PostgreSQL test databases are created as copies of the template."""
    try:
        from django.db.backends.postgresql.creation import DatabaseCreation
    except ImportError:  # no PostgreSQL driver: nothing to clone
        yield
        return
    original = DatabaseCreation.create_test_db

    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        from django.conf import settings
        from django.core.management import call_command

        test = self.connection.settings_dict["TEST"]
        name = self._get_test_db_name()
        if test.get("MIGRATE") is False or (keepdb and self._exists(name)):
            return original(self, verbosity, autoclobber, serialize, keepdb)
        template = _ensure_template(self, original, verbosity, rebuild=rebuild, run=run)
        if verbosity >= 1:
            self.log(f"Copying test database {name} from {template}...")
        with self._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        # What the rest of Django's create_test_db does after its migrate.
        self.connection.close()
        settings.DATABASES[self.connection.alias]["NAME"] = name
        self.connection.settings_dict["NAME"] = name
        if serialize:
            self.connection._test_serialized_contents = self.serialize_db_to_string()
        call_command("createcachetable", database=self.connection.alias)
        self.connection.ensure_connection()
        return name

    def exists(self, name: str) -> bool:
        with self._nodb_cursor() as cursor:
            return self._database_exists(cursor, name)

    DatabaseCreation.create_test_db = create_test_db  # type: ignore[method-assign]
    DatabaseCreation._exists = exists  # type: ignore[attr-defined]
    try:
        yield
    finally:
        DatabaseCreation.create_test_db = original  # type: ignore[method-assign]
        del DatabaseCreation._exists  # type: ignore[attr-defined]
