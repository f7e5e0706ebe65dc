"""python manage.py create_api_token NAME --scope S [--scope S …] [--client CODE]
[--acting-as USERNAME]: prints the token once."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clients.models import Client

from ...scopes import TokenScope
from ...services import token_create


def _catalogue() -> str:
    return "\n".join(f"  {scope.value:<20} {scope.label}" for scope in TokenScope)


class Command(BaseCommand):
    help = (
        "Crée un jeton d'API nommé avec ses portées (Oceanis, ou limité à un client) et "
        "l'affiche une seule fois."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Nom de l'intégration (unique)")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            default=[],
            metavar="SCOPE",
            help="Portée accordée (répétable) : " + ", ".join(TokenScope.values),
        )
        parser.add_argument("--client", help="Code du client auquel limiter le jeton")
        parser.add_argument(
            "--acting-as",
            dest="acting_as",
            metavar="USERNAME",
            help="Identifiant de l'intervenant pour qui le jeton agit (ses droits s'appliquent)",
        )

    def handle(self, *args, name, scopes, client=None, acting_as=None, **options):
        if not scopes:
            raise CommandError("Choisissez au moins une portée (--scope), parmi :\n" + _catalogue())
        unknown = sorted(set(scopes) - set(TokenScope.values))
        if unknown:
            raise CommandError(
                f"Portée inconnue : {', '.join(unknown)}. Portées possibles :\n" + _catalogue()
            )
        if client and acting_as:
            raise CommandError(
                "--acting-as et --client s'excluent : un jeton client agit pour "
                "son client, pas pour un intervenant."
            )
        target = None
        if client:
            target = Client.objects.filter(code=client).first()
            if target is None:
                raise CommandError(f"Client inconnu : {client}")
        person = None
        if acting_as:
            person = get_user_model().objects.filter(username=acting_as).first()
            if person is None:
                raise CommandError(f"Utilisateur inconnu : {acting_as}")
        try:
            token, raw = token_create(name=name, scopes=scopes, client=target, acting_as=person)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if target:
            reach = f"client {target.code}"
        elif person:
            reach = f"Oceanis, au nom de {person.get_username()}"
        else:
            reach = f"Oceanis (tous clients), compte d'intégration {token.user.get_username()}"
        self.stderr.write(f"Jeton « {token.name} » créé, portée : {reach}.")
        self.stderr.write(f"Portées : {', '.join(token.scopes)}.")
        self.stderr.write("Conservez-le maintenant : il ne sera plus jamais affiché.")
        self.stdout.write(raw)
