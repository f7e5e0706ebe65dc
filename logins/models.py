"""The session store's own table: Django's session row plus who it belongs to and where from.

``logins.backends.db`` (the ``SESSION_ENGINE``) reads and writes it like Django's
``django_session``, filling the extra columns from the session's own data on each save, so
listing a user's sessions and ending one are plain queries on this table and cost the requests
nothing more than Django's own sessions did. The session key identifies the session to the
store only: pages, URLs and the admin name a session by its ``id``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginSession(models.Model):
    session_key = models.CharField(_("clé de session"), max_length=40, unique=True)
    session_data = models.TextField(_("données de session"))
    expire_date = models.DateTimeField(_("expire le"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="login_sessions",
    )
    started_at = models.DateTimeField(_("ouverte le"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("dernière activité"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "expire_date"], name="logins_user_expire")]

    def __str__(self) -> str:  # never the key: admin pages and logs print this
        return f"{self.user or '-'} #{self.pk}"

    @classmethod
    def get_session_store_class(cls):
        from logins.backends.db import SessionStore

        return SessionStore

    def get_decoded(self) -> dict:
        return self.get_session_store_class()().decode(self.session_data)
