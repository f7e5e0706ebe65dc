#!/usr/bin/env bash
# Refresh the English catalog from the French source strings, compile it, and fail when it is
# incomplete. Usage: scripts/update_translations.sh   (from anywhere; PYTHON=... to override)
#
# Sources are French (msgids); English lives in locale/en/LC_MESSAGES/django.po. Every app's
# strings go into this single project catalog: app-level locale/ folders are ignored so that
# no string is split off into a catalog nobody translates (LOCALE_PATHS wins at runtime anyway).
#
# Exit status: 0 catalog complete, 1 untranslated or fuzzy entries (listed), 2 missing tools.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
PO=locale/en/LC_MESSAGES/django.po

for tool in msgfmt msgattrib xgettext msgmerge; do
  command -v "$tool" >/dev/null || {
    echo "error: $tool not found; install the gettext tools (apt-get install gettext)" >&2
    exit 2
  }
done

# makemessages rewrites POT-Creation-Date on every run: keep the previous file when that
# header is the only change, so a run without new strings leaves the working tree clean.
before=""
if [[ -f "$PO" ]]; then
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  cp "$PO" "$before"
fi

"$PYTHON" manage.py makemessages -l en --no-obsolete \
  --ignore=.venv --ignore=var --ignore=bench --ignore=tests --ignore='*/locale' >/dev/null

if [[ -n "$before" ]] && diff -q -I '^"POT-Creation-Date: ' "$before" "$PO" >/dev/null; then
  cp "$before" "$PO"
fi

"$PYTHON" manage.py compilemessages -l en --ignore=.venv --ignore='*/locale' >/dev/null

stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$PO" 2>&1)
echo "$PO: $stats"
fuzzy=$(grep -oE '[0-9]+ fuzzy' <<<"$stats" | grep -oE '[0-9]+' || true)
untranslated=$(grep -oE '[0-9]+ untranslated' <<<"$stats" | grep -oE '[0-9]+' || true)

if [[ -n "$fuzzy" || -n "$untranslated" ]]; then
  echo "Catalog incomplete: ${untranslated:-0} untranslated, ${fuzzy:-0} fuzzy." >&2
  echo "Translate these entries in $PO (and drop the fuzzy flags), then run this script again:" >&2
  msgattrib --untranslated --no-wrap "$PO" | grep -E '^(#:|msgid )' | grep -v '^msgid ""$' >&2 || true
  msgattrib --only-fuzzy --no-wrap "$PO" | grep -E '^(#:|msgid )' | grep -v '^msgid ""$' >&2 || true
  exit 1
fi
echo "Catalog complete; compiled to ${PO%.po}.mo (commit both files)."
