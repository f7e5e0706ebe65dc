"""python manage.py create_api_token NAME [--client CODE]: prints the token once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clients.models import Client

from ...tokens import token_create


class Command(BaseCommand):
    help = "Crée un jeton d'API nommé (Oceanis, ou limité à un client) et l'affiche une seule fois."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Nom de l'intégration (unique)")
        parser.add_argument("--client", help="Code du client auquel limiter le jeton")

    def handle(self, *args, name, client=None, **options):
        target = None
        if client:
            target = Client.objects.filter(code=client).first()
            if target is None:
                raise CommandError(f"Client inconnu : {client}")
        try:
            token, raw = token_create(name=name, client=target)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        scope = f"client {target.code}" if target else "Oceanis (tous clients)"
        self.stderr.write(f"Jeton « {token.name} » créé, portée : {scope}.")
        self.stderr.write("Conservez-le maintenant : il ne sera plus jamais affiché.")
        self.stdout.write(raw)
