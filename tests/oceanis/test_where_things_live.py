"""The README's "Where things live" table matches the tree, both ways.

Every module a row lists exists; every standard module an app has (models, services, selectors,
views, tasks, admin, urls, its templates folder) is listed in its row. A moved or new module
without its README line fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["models", "services", "selectors", "views", "tasks", "admin", "urls", "templates"]
# What an app's directory may hold for each column (beyond the listed names themselves).
STANDARD = {
    "models": ["models.py", "models/"],
    "services": ["services.py", "services/"],
    "selectors": ["selectors.py", "selectors/"],
    "views": ["views.py", "views/", "api.py", "views_*.py", "*_views.py"],
    "tasks": ["tasks.py"],
    "admin": ["admin.py"],
    "urls": ["urls.py", "*_urls.py"],
}


def table() -> dict[str, dict[str, list[str]]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Where things live", 1)[1].split("\n### ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 1 + len(COLUMNS) or not cells[0].startswith("`"):
            continue
        app = cells[0].strip("`")
        pairs = zip(COLUMNS, cells[1:], strict=True)
        rows[app] = {column: re.findall(r"`([^`]+)`", cell) for column, cell in pairs}
    return rows


def on_disk(app: str, column: str) -> set[str]:
    if column == "templates":
        return {f"templates/{app}/"} if (ROOT / "templates" / app).is_dir() else set()
    found = set()
    for pattern in STANDARD[column]:
        for path in (ROOT / app).glob(pattern.rstrip("/")):
            if pattern.endswith("/") and path.is_dir() and (path / "__init__.py").exists():
                found.add(path.name + "/")
            elif not pattern.endswith("/") and path.is_file():
                found.add(path.name)
    return found


def test_the_table_lists_every_app():
    rows = table()
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")} - {"oceanis", "sla"}
    assert set(rows) == apps


def test_every_listed_module_exists():
    for app, columns in table().items():
        for column, modules in columns.items():
            for module in modules:
                base = ROOT if column == "templates" else ROOT / app
                path = base / module.rstrip("/")
                assert path.is_dir() if module.endswith("/") else path.is_file(), (app, module)


def test_every_standard_module_of_an_app_is_listed():
    for app, columns in table().items():
        for column in COLUMNS:
            assert on_disk(app, column) == set(columns[column]), (app, column)
