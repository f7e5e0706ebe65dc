"""The test databases are copies of a migrated template (tests/support/template_db.py): the copy
must never be staler than the migrations on disk, and a changed migration must name another
template."""

import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from tests.support.template_db import (
    DIGEST_CHARS,
    drop_other_templates,
    schema_digest,
    schema_inputs,
    schema_settings,
    template_prefix,
)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="templates are a PostgreSQL feature"
)


def test_every_migration_file_and_the_project_modules_they_import_make_the_digest():
    inputs = set(schema_inputs())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key, migration in loader.disk_migrations.items():
        assert Path(sys.modules[migration.__module__].__file__).resolve() in inputs, key
    # Imported by RunPython helpers and field defaults of our migrations.
    assert Path(settings.BASE_DIR, "oceanis", "tokens.py").resolve() in inputs


def test_a_changed_migration_or_setting_names_another_template(tmp_path):
    first, second = tmp_path / "0001_initial.py", tmp_path / "0002_more.py"
    first.write_text("operations = []\n")
    second.write_text("operations = []\n")
    settings_repr = schema_settings(connection.settings_dict)
    before = schema_digest([first, second], settings_repr)
    assert len(before) == DIGEST_CHARS
    assert schema_digest([first, second], settings_repr) == before
    second.write_text("operations = [1]\n")
    assert schema_digest([first, second], settings_repr) != before
    second.write_text("operations = []\n")
    assert schema_digest([first, second], settings_repr + "x") != before
    assert schema_digest([first], settings_repr) != before


def test_each_xdist_worker_shares_the_template_of_its_run(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert template_prefix("test_oceanis_gw1") == "test_oceanis_tpl_"
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert template_prefix("test_oceanis") == "test_oceanis_tpl_"
    assert len(template_prefix("x" * 80) + "f" * DIGEST_CHARS + "_new") <= 63


@pytest.mark.django_db
def test_the_test_database_has_every_migration_on_disk_applied():
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    assert executor.migration_plan(targets) == []
    assert set(executor.loader.applied_migrations) >= set(executor.loader.disk_migrations)


@on_postgresql
@pytest.mark.django_db
def test_the_test_database_was_copied_from_the_template_of_the_current_migrations():
    name = template_prefix(connection.settings_dict["NAME"]) + schema_digest(
        schema_inputs(), schema_settings(connection.settings_dict)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        assert cursor.fetchone() is not None, name


@on_postgresql
@pytest.mark.django_db
def test_templates_of_other_digests_are_dropped_and_the_current_one_kept():
    prefix = "test_oceanis_probe_tpl_"
    current, stale = prefix + "a" * DIGEST_CHARS, prefix + "b" * DIGEST_CHARS
    with connection._nodb_cursor() as cursor:
        for name in (current, stale):
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        try:
            assert drop_other_templates(cursor, prefix, current) == [stale]
            cursor.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix]
            )
            assert [row[0] for row in cursor.fetchall()] == [current]
        finally:
            for name in (current, stale):
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
