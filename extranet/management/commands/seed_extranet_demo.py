"""Demo extranet logins on top of ``seed_demo``: idempotent, safe to run on every ``make run``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clients.models import Contact
from extranet.services import contact_account_get_or_create
from tickets.management.commands.seed_demo import DEMO_PASSWORD, demo_password_hash

# Two clients, so that a visitor can check that each sees only its own organisation.
DEMO_CLIENTS = ("vendee-logistique", "brioche-vendeenne")


class Command(BaseCommand):
    help = "Comptes extranet de démonstration (un contact administrateur par client de démo)."

    def handle(self, *args, **options):
        contacts = {
            c.client.code: c
            for c in Contact.objects.select_related("client")
            .filter(client__code__in=DEMO_CLIENTS, is_client_admin=True, is_active=True)
            .order_by("-pk")
        }
        missing = [code for code in DEMO_CLIENTS if code not in contacts]
        if missing:
            raise CommandError(
                f"Clients de démonstration absents ({', '.join(missing)}) : "
                "lancez d'abord « manage.py seed_demo »."
            )
        lines = []
        with transaction.atomic():
            for code in DEMO_CLIENTS:
                contact = contacts[code]
                user = contact_account_get_or_create(contact=contact)
                if not user.has_usable_password():
                    user.password = demo_password_hash()
                    user.save(update_fields=["password"])
                lines.append(f"  {user.get_username()} – {contact}, {contact.client.name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Extranet logins (password {DEMO_PASSWORD}), http://127.0.0.1:8000/extranet/:\n"
                + "\n".join(lines)
            )
        )
