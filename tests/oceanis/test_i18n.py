"""The English version: key pages and client mails render in English, and the catalog is whole.

Source strings are French; English comes from locale/en/LC_MESSAGES/django.po (compiled to .mo
and committed, so running the app needs no gettext tools). Refresh it with
scripts/update_translations.sh.
"""

from __future__ import annotations

import datetime as dt
import gettext
import html as html_lib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from clients.models import Contact
from sla.policy import Urgency
from tests.factories import ContactFactory, TechnicianFactory, UserFactory, make_ticket
from tickets import services

CATALOG = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = CATALOG / "django.po"
MO = CATALOG / "django.mo"
PARIS_MORNING = dt.datetime(2026, 10, 20, 8, 0, tzinfo=dt.UTC)  # a Tuesday, 10:00 in Paris


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


# --- Pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_login_page_speaks_english_to_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    html = _text(response)
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    for english in ("Log in", "Username", "Password", "Skip to content", "Language"):
        assert english in html
    for french in ("Connexion", "Identifiant", "Mot de passe", "Aller au contenu"):
        assert french not in html


@pytest.mark.django_db
def test_the_login_page_stays_french_by_default(client):
    html = _text(client.get(reverse("login")))
    assert '<html lang="fr">' in html
    assert "Identifiant" in html and "Username" not in html


@pytest.mark.django_db
def test_the_language_switcher_turns_the_back_office_queue_english(client):
    tech = TechnicianFactory(user__username="dana")
    ticket = make_ticket(title="Serveur de fichiers HS", urgency=Urgency.VERY_BLOCKING)
    services.ticket_assign(ticket=ticket, technician=tech, by=tech.user)
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    client.force_login(tech.user)

    switched = client.post(
        reverse("set_language"),
        {"language": "en", "next": reverse("backoffice:team_queue")},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert switched.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    response = client.get(reverse("backoffice:team_queue"), HTTP_ACCEPT_LANGUAGE="fr")
    html = _text(response)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    for english in (
        "Team queue",
        "My requests",
        "New request",
        "Filters",
        "Reset",
        "Log out",
        "Very blocking",  # the ticket's urgency label
        "Taken in charge",  # its state label
    ):
        assert english in html, english
    for french in ("File d'équipe", "Nouvelle demande", "Déconnexion", "Très bloquant"):
        assert french not in html, french
    assert "Serveur de fichiers HS" in html  # user content is never translated


def _extranet_contact(language: str) -> Contact:
    user = UserFactory(username=f"contact-{language}")
    contact = ContactFactory(
        first_name="John", user=user, email=user.email, language=language, is_client_admin=True
    )
    make_ticket(client=contact.client, contact=contact, title="Imprimante bloquée")
    return contact


@pytest.mark.django_db
def test_the_extranet_login_page_speaks_english_to_an_english_browser(client):
    html = _text(client.get(reverse("extranet:login"), HTTP_ACCEPT_LANGUAGE="en"))
    for english in (
        "Welcome to your client area",
        "Follow your requests, interventions and documents in real time.",
        "Email address",
        "Forgot your password?",
    ):
        assert english in html
    assert "Bienvenue" not in html and "Mot de passe oublié" not in html


@pytest.mark.django_db
def test_an_english_speaking_contact_gets_the_extranet_home_in_english(client):
    contact = _extranet_contact(Contact.Language.EN)
    client.force_login(contact.user)
    response = client.get(reverse("extranet:home"), HTTP_ACCEPT_LANGUAGE="fr")
    html = _text(response)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    for english in (
        "Hello John",
        "Your organisation's open requests, updated in real time.",
        "waiting to be taken in charge",
        "Slightly blocking",  # the ticket's urgency label
        "Client area",
        "Log out",
    ):
        assert english in html, english
    for french in ("Bonjour John", "Peu bloquant", "Espace client", "Se déconnecter"):
        assert french not in html, french
    assert "Imprimante bloquée" in html


@pytest.mark.django_db
def test_a_french_contact_who_switches_to_english_gets_english(client):
    contact = _extranet_contact(Contact.Language.FR)
    client.force_login(contact.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _text(client.get(reverse("extranet:home")))
    assert "Hello John" in html and "Slightly blocking" in html
    assert "Peu bloquant" not in html


# --- Client mails ----------------------------------------------------------------------------


@pytest.fixture
def eager_mails(settings):
    """Tasks inline and no grouping window, so each ticket event leaves as its own mail."""
    from oceanis.celery import app

    settings.NOTIFICATIONS_GROUPING_SECONDS = 0
    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.mark.django_db
def test_an_english_contact_follows_the_whole_request_lifecycle_in_english(
    eager_mails, mailoutbox, django_capture_on_commit_callbacks
):
    tech = TechnicianFactory(user__first_name="Dana", user__last_name="Scully")
    contact = ContactFactory(email="john@client.test", language=Contact.Language.EN)
    with time_machine.travel(PARIS_MORNING, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket(client=contact.client, contact=contact, title="VPN down")
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_assign(ticket=ticket, technician=tech, by=tech.user)
            services.ticket_take_in_charge(ticket=ticket, by=tech.user)
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_resolve(ticket=ticket, by=tech.user, note="Tunnel restarted")
            services.ticket_close(ticket=ticket, by=tech.user, synthesis="Tunnel restarted.")

    mails = [m for m in mailoutbox if m.to == ["john@client.test"]]
    ref = ticket.reference
    assert [m.subject for m in mails] == [
        f"[{ref}] Request registered: VPN down",
        f"[{ref}] Request taken in charge: VPN down",
        f"[{ref}] Request closed: VPN down",
    ]
    registered, taken, closed = (m.body for m in mails)
    assert "Operations and Support Centre" in registered
    assert "We have received your request on" in registered
    assert "Slightly blocking" in registered
    assert f"keeping the reference [{ref}] in the subject" in registered
    assert "A technician, Dana Scully, has been working on your request since" in taken
    assert "Your request was closed on" in closed and "Closing summary" in closed
    assert "Tunnel restarted." in closed
    for mail in mails:
        french = ("Votre demande", "Demande ", "Urgence", "Centre d'Exploitation")
        assert not any(word in mail.body for word in french), mail.body
        assert "Your request" in mail.alternatives[0].content


# --- The catalog -----------------------------------------------------------------------------


def _unquote(line: str) -> str:
    """The content of one quoted PO string, C escapes undone."""
    body = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(
        r"\\(.)", lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}[m.group(1)], body
    )


def parse_po(path: Path) -> list[dict]:
    """Entries of a PO file (stdlib only): msgctxt, msgid, msgid_plural, msgstr[], flags."""
    entries, entry, field = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line or (line.startswith("#") and entry and entry["msgid"] is not None):
            if entry and entry["msgid"] is not None:
                entries.append(entry)
                entry = None
            if not line:
                continue
        if entry is None:
            entry = {"flags": set(), "msgctxt": None, "msgid": None, "plural": None, "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(field, int):
                entry["msgstr"][field] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            keyword = line.split(" ", 1)[0]
            if keyword.startswith("msgstr"):
                field = int(keyword[7:-1]) if "[" in keyword else 0
                entry["msgstr"][field] = _unquote(line)
            else:
                field = {"msgctxt": "msgctxt", "msgid": "msgid", "msgid_plural": "plural"}[keyword]
                entry[field] = _unquote(line)
    return entries


PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[-+ #0]*\d*(?:\.\d+)?[sdfir%]")


@pytest.fixture(scope="module")
def po_entries():
    entries = parse_po(PO)
    assert entries[0]["msgid"] == "", "the PO header comes first"
    return entries[1:]


def test_the_english_catalog_has_every_string_translated_and_nothing_fuzzy(po_entries):
    assert len(po_entries) > 1000  # the whole UI, not a sample
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in po_entries if not all(e["msgstr"].values())]
    assert fuzzy == [], "fuzzy entries: run scripts/update_translations.sh"
    assert empty == [], "untranslated entries: run scripts/update_translations.sh"
    plural = [e for e in po_entries if e["plural"]]
    assert plural and all(sorted(e["msgstr"]) == [0, 1] for e in plural)


def test_translations_keep_the_placeholders_of_their_french_source(po_entries):
    wrong = []
    for entry in po_entries:
        sources = [entry["msgid"], entry["plural"] or entry["msgid"]]
        for index, text in entry["msgstr"].items():
            source = sources[min(index, 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append((source, text))
    assert wrong == []


def test_translations_are_english_not_copies_of_the_french(po_entries):
    # Identical spellings are legitimate for a few words (Description, Contact, Incident...),
    # never for a sentence.
    copied = [
        e["msgid"]
        for e in po_entries
        if e["msgstr"].get(0) == e["msgid"] and len(re.findall(r"[^\W\d_]{3,}", e["msgid"])) > 2
    ]
    assert copied == []


def test_the_compiled_catalog_matches_the_po_file(po_entries):
    """django.mo is committed: it must be recompiled whenever django.po changes."""
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    stale = []
    for entry in po_entries:
        if entry["plural"]:
            forms = [catalog.ngettext(entry["msgid"], entry["plural"], n) for n in (1, 2)]
            if forms != [entry["msgstr"][0], entry["msgstr"][1]]:
                stale.append(entry["msgid"])
        elif catalog.gettext(entry["msgid"]) != entry["msgstr"][0]:
            stale.append(entry["msgid"])
    assert stale == [], "run: python manage.py compilemessages -l en"


@pytest.mark.parametrize(
    ("french", "english"),
    [
        ("Prendre en charge", "Take in charge"),
        ("Prise en charge", "Taken in charge"),
        ("Compte-rendu", "Report"),
        ("Commentaire de synthèse", "Closing summary"),
        ("technicien référent", "referent technician"),
        ("Astreinte", "On-call"),
        ("Non bloquant", "Non-blocking"),
        ("Peu bloquant", "Slightly blocking"),
        ("Très bloquant", "Very blocking"),
        ("Critique", "Critical"),
        ("Confirmé", "Confirmed"),
        ("Échéance GTI", "GTI deadline"),
    ],
)
def test_the_service_desk_vocabulary_is_translated_consistently(french, english):
    with translation.override("en"):
        assert translation.gettext(french) == english


def test_plural_forms_follow_english_rules():
    with translation.override("en"):
        one = translation.ngettext(
            "%(count)d demande affectée.", "%(count)d demandes affectées.", 1
        )
        many = translation.ngettext(
            "%(count)d demande affectée.", "%(count)d demandes affectées.", 3
        )
    assert one % {"count": 1} == "1 request assigned."
    assert many % {"count": 3} == "3 requests assigned."


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext tools (msgfmt) not installed")
def test_msgfmt_accepts_the_catalog_formats_and_headers(tmp_path):
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [shutil.which("msgfmt"), "--check", "--statistics", "-o", str(tmp_path / "out.mo"), PO],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"\d+ translated messages\.", result.stderr.strip()), result.stderr
