"""Run the 17:00 follow-up mail by hand (e.g. after an outage): ``send_daily_digests --date``."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications import digest
from notifications.models import Notification
from notifications.services import outbox


class Command(BaseCommand):
    help = (
        "Envoie le suivi quotidien de 17:00 pour un jour (par défaut aujourd'hui, heure de "
        "Paris). Sans effet pour les destinataires déjà servis ce jour-là."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Jour du suivi, AAAA-MM-JJ (défaut : aujourd'hui).")

    def handle(self, *args, date: str | None = None, **options):
        try:
            day = dt.date.fromisoformat(date) if date else digest.digest_day()
        except ValueError:
            raise CommandError(f"Date invalide : {date!r} (format attendu : AAAA-MM-JJ).") from None
        _start, end = digest.digest_window(day)
        if end > timezone.now():
            # Sending early would mark the day as served and lose the rest of its activity.
            raise CommandError(
                f"Le suivi du {day:%d/%m/%Y} couvre l'activité jusqu'à 17:00 (heure de Paris) : "
                "il ne peut être envoyé qu'après."
            )
        pairs = digest.plan_day(day)
        sent = sum(outbox.deliver(ticket_id, recipient).sent for ticket_id, recipient in pairs)
        waiting = Notification.objects.filter(
            digest_date=day, status=Notification.Status.PENDING
        ).count()
        self.stdout.write(
            f"Suivi du {day:%d/%m/%Y} : {sent} mail(s) envoyé(s)"
            + (f", {waiting} en attente (voir la boîte d'envoi)." if waiting else ".")
        )
