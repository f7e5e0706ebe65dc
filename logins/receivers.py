"""Signal receivers of the logins app (connected in LoginsConfig.ready)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import services
from .signals import credentials_changed


@receiver(user_logged_in, dispatch_uid="logins.record_login")
def record_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        services.session_record_login(request=request)


@receiver(credentials_changed, dispatch_uid="logins.end_other_sessions")
def end_other_sessions(sender, user, request=None, **kwargs):
    services.sessions_end_others(
        user=user, request=request, reason=services.EndReason.CREDENTIALS_CHANGED
    )


@receiver(post_save, sender=get_user_model(), dispatch_uid="logins.password_changed")
def end_sessions_on_password_change(sender, instance, created, **kwargs):
    # set_password() leaves the new password in ``_password`` until save() has run (a hash
    # upgrade at login clears it first). Every door (the extranet's reset, the admin,
    # changepassword) ends all the user's sessions: a page that keeps its own calls
    # update_session_auth_hash(), which stores it anew under a fresh key.
    if created or getattr(instance, "_password", None) is None:
        return
    services.sessions_end_others(
        user=instance, request=None, reason=services.EndReason.PASSWORD_CHANGED
    )
