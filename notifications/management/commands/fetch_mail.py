"""Poll the support mailbox over IMAP: ``python manage.py fetch_mail`` (cron or a loop)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.inbound.imap import fetch_loop, open_mailbox


class Command(BaseCommand):
    help = (
        "Relève la boîte IMAP du support (IMAP_HOST, IMAP_USER, IMAP_PASSWORD, IMAP_FOLDER) : "
        "chaque message est conservé puis transformé en demande ou en réponse."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="Nombre maximal de messages à relever.")

    def handle(self, *args, limit: int | None = None, **options):
        missing = [
            name
            for name in ("IMAP_HOST", "IMAP_USER", "IMAP_PASSWORD")
            if not getattr(settings, name, "")
        ]
        if missing:
            raise CommandError(f"Configuration IMAP incomplète : {', '.join(missing)} manquant(s).")
        try:
            mailbox = open_mailbox(
                settings.IMAP_HOST,
                settings.IMAP_PORT,
                settings.IMAP_USER,
                settings.IMAP_PASSWORD,
                settings.IMAP_FOLDER,
            )
        except Exception as exc:
            raise CommandError(f"Connexion IMAP impossible ({settings.IMAP_HOST}) : {exc}") from exc
        with mailbox:
            report = fetch_loop(mailbox, done_folder=settings.IMAP_DONE_FOLDER, limit=limit)
        details = ", ".join(
            f"{status} : {count}" for status, count in sorted(report.statuses.items())
        )
        self.stdout.write(
            f"{report.fetched} message(s) relevé(s)"
            + (f" ({details})" if details else "")
            + (f", dont {report.duplicates} déjà reçu(s)" if report.duplicates else "")
            + "."
        )
