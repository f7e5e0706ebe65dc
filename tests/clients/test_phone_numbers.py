"""Phone numbers stored normalised (E.164) beside what was typed, and names folded for search:
the helpers (oceanis.phones), the models' derived columns, and the migration that fills them."""

import importlib

import pytest
from django.apps import apps

from clients.models import Client, Contact, Site
from oceanis import phones
from tests.factories import ClientFactory, ContactFactory, SiteFactory


@pytest.mark.parametrize(
    "typed",
    [
        "02.51.10.20.00",
        "0251102000",
        "+33 2 51 10 20 00",
        "+33251102000",
        "0033 2 51 10 20 00",
        "02-51-10-20-00",
        " (0)2 51 10 20 00 ",
    ],
)
def test_every_french_format_is_one_number(typed):
    assert phones.normalize(typed.replace("(0)", "0")) == "+33251102000"


def test_what_is_not_a_phone_number_normalises_to_nothing():
    for text in ("", "anonymous", "230", "abc", "+", "0"):
        assert phones.normalize(text) == "", text


def test_foreign_numbers_keep_their_country_and_the_region_is_a_setting(settings):
    assert phones.normalize("+44 20 7946 0000") == "+442079460000"
    settings.PHONE_DEFAULT_REGION = "BE"
    assert phones.normalize("02 555 12 12") == "+3225551212"


def test_display_is_national_at_home_international_abroad():
    assert phones.display("+33251102000") == "02 51 10 20 00"
    assert phones.display("+442079460000") == "+44 20 7946 0000"
    assert phones.display("", fallback="anonymous") == "anonymous"


def test_search_digits_reads_whole_numbers_and_fragments():
    assert phones.search_digits("02.51.10.20.00") == "+33251102000"
    assert phones.search_digits("02 51 10") == "25110"
    assert phones.search_digits("+33 2 51") == "+33251"
    assert phones.search_digits("Martin") is None
    assert phones.search_digits("12") is None  # too short to be a phone


def test_fold_drops_accents_and_case():
    assert phones.fold("  Hélène   LEFÈVRE ") == "helene lefevre"
    assert phones.name_tokens("Martin  Pierre") == ["martin", "pierre"]


@pytest.mark.django_db
def test_models_store_the_normalised_forms_on_every_save():
    contact = ContactFactory(first_name="Hélène", last_name="Bézier", phone="02.51.10.20.00")
    assert (contact.phone_e164, contact.name_key) == ("+33251102000", "helene bezier")
    contact.mobile = "06 12 34 56 78"
    contact.save(update_fields=["mobile"])  # the derived column is saved with it
    assert Contact.objects.get().mobile_e164 == "+33612345678"
    site = SiteFactory(phone="02 40 00 00 01")
    assert Site.objects.get(pk=site.pk).phone_e164 == "+33240000001"
    client = ClientFactory(name="Vendée Logistique", phone="0240000002")
    assert Client.objects.filter(pk=client.pk).values_list("phone_e164", "name_key").get() == (
        "+33240000002",
        "vendee logistique",
    )


@pytest.mark.django_db
def test_the_migration_normalises_the_numbers_already_stored():
    contact = ContactFactory(first_name="Hélène", last_name="Roy", phone="02.51.10.20.00")
    site = SiteFactory(phone="+33 2 40 00 00 01")
    client = ClientFactory(name="Crêperie", phone="0240000002")
    # As rows written before the columns existed: nothing derived yet.
    Contact.objects.update(phone_e164="", name_key="")
    Site.objects.update(phone_e164="")
    Client.objects.update(phone_e164="", name_key="")
    migration = importlib.import_module("clients.migrations.0003_normalise_phones_and_names")
    migration.forwards(apps, None)
    contact.refresh_from_db(), site.refresh_from_db(), client.refresh_from_db()
    assert (contact.phone_e164, contact.name_key) == ("+33251102000", "helene roy")
    assert site.phone_e164 == "+33240000001"
    assert (client.phone_e164, client.name_key) == ("+33240000002", "creperie")
