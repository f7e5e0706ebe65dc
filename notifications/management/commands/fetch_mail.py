"""Poll the support mailbox over IMAP: ``python manage.py fetch_mail`` (cron or a loop)."""

from __future__ import annotations

import imaplib
import ssl

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
                cafile=settings.IMAP_SSL_CAFILE,
                timeout=settings.IMAP_TIMEOUT_SECONDS,
            )
        except ssl.SSLCertVerificationError as exc:
            raise CommandError(
                f"Connexion IMAP refusée ({settings.IMAP_HOST}) : certificat du serveur non "
                f"reconnu ({exc.verify_message}). Si le serveur utilise une autorité privée, "
                "indiquez son certificat dans IMAP_SSL_CAFILE."
            ) from exc
        except Exception as exc:
            raise CommandError(f"Connexion IMAP impossible ({settings.IMAP_HOST}) : {exc}") from exc
        try:
            with mailbox:
                report = fetch_loop(mailbox, done_folder=settings.IMAP_DONE_FOLDER, limit=limit)
        except (OSError, imaplib.IMAP4.error) as exc:
            # Whatever was stored before the failure stays stored (and unseen messages stay
            # unseen on the server): the next run resumes.
            raise CommandError(f"Relève IMAP interrompue ({settings.IMAP_HOST}) : {exc}") from exc
        details = ", ".join(
            f"{status} : {count}" for status, count in sorted(report.statuses.items())
        )
        self.stdout.write(
            f"{report.fetched} message(s) relevé(s)"
            + (f" ({details})" if details else "")
            + (f", dont {report.duplicates} déjà reçu(s)" if report.duplicates else "")
            + "."
        )
