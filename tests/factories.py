"""factory-boy factories shared by all test packages."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from clients.models import Client, Contact, Contract, Site
from sla.policy import HoursPlan, Urgency
from staff.models import DEPUTY_GROUP, MANAGER_GROUP, Level, Team, Technician
from tickets.models import Channel


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician

    user = factory.SubFactory(UserFactory, is_staff=True)
    level = Level.STANDARD
    team = Team.SERVICE_DESK


def make_manager(username="manager", deputy=False) -> Technician:
    tech = TechnicianFactory(user__username=username, level=Level.EXPERT)
    group, _ = Group.objects.get_or_create(name=DEPUTY_GROUP if deputy else MANAGER_GROUP)
    tech.user.groups.add(group)
    return tech


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    code = factory.Sequence(lambda n: f"client-{n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Site {n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"contact{n}@client.test")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    client = factory.SubFactory(ClientFactory)
    name = "Infogérance"
    kind = Contract.Kind.MANAGED
    hours_plan = HoursPlan.STANDARD
    billing = Contract.Billing.FLAT_FEE
    start_date = dt.date(2020, 1, 1)


def make_ticket(**kwargs):
    """Create a ticket through the service (the only write path), with sensible defaults."""
    from tickets.services import ticket_create

    if "client" not in kwargs:
        kwargs["client"] = ContractFactory().client
    kwargs.setdefault("title", "Imprimante bloquée")
    kwargs.setdefault("urgency", Urgency.SLIGHTLY_BLOCKING)
    kwargs.setdefault("channel", Channel.PHONE)
    return ticket_create(**kwargs)
