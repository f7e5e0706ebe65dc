"""python manage.py invite_contact EMAIL [--base-url URL]"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clients.models import Contact
from extranet.services import contact_invite


class Command(BaseCommand):
    help = "Crée le compte extranet d'un contact (si besoin) et lui envoie le lien d'activation."

    def add_arguments(self, parser):
        parser.add_argument("email", help="Adresse e-mail du contact")
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "OCEANIS_BASE_URL", "http://localhost:8000"),
            help="Adresse publique du site, pour le lien (défaut : réglage OCEANIS_BASE_URL).",
        )

    def handle(self, *args, email, base_url, **options):
        contacts = list(
            Contact.objects.filter(email__iexact=email.strip()).select_related("client", "user")
        )
        if not contacts:
            raise CommandError(f"Aucun contact avec l'adresse {email}.")
        if len(contacts) > 1:
            names = ", ".join(f"{c} ({c.client})" for c in contacts)
            raise CommandError(f"Plusieurs contacts ont l'adresse {email} : {names}.")
        try:
            sent_to = contact_invite(contact=contacts[0], base_url=base_url)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Invitation envoyée à {sent_to}."))
