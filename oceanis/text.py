"""What no text the desk keeps or emits may hold: one definition for the API's input rule, its
OpenAPI patterns and the iCalendar feeds."""

import re

# C0 controls except tab, line feed and carriage return, and DEL: as a regex character class body,
# so that patterns published in the OpenAPI schema are built from the same characters.
CONTROL_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
CONTROL_CHARACTERS = re.compile(f"[{CONTROL_CLASS}]")
