"""Every setting an operator can set from the environment is named in the README."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# env("NAME", …), env.int("NAME", …), env.list(…): every way settings.py reads the environment.
READ = re.compile(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"')


def test_every_environment_variable_read_by_the_settings_is_in_the_readme():
    names = set(READ.findall((ROOT / "oceanis" / "settings.py").read_text()))
    readme = (ROOT / "README.md").read_text()
    assert len(names) > 100  # the pattern still matches how settings.py reads the environment
    # Named in code style, alone (`NAME`) or with a value (`NAME=false`).
    missing = sorted(n for n in names if not re.search(rf"`{n}[`=]", readme))
    assert missing == []
