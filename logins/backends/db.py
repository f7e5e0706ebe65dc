"""The session engine: Django's database sessions kept in ``logins.LoginSession``.

Only ``save`` differs from Django's ``db`` engine: the table's key is an ``id`` (so that nothing
shown names a session by its key), and each save copies who and where from out of the session
data into the row's columns — the same statements as Django's own save, no extra query.
"""

from __future__ import annotations

import datetime as dt

from asgiref.sync import sync_to_async
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import DatabaseError, IntegrityError, router, transaction

# What the login receiver and the activity middleware keep in the session (epoch seconds, text).
STARTED = "logins_started"
SEEN = "logins_seen"
IP = "logins_ip"
USER_AGENT = "logins_ua"


def _instant(value) -> dt.datetime | None:
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return None


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from logins.models import LoginSession

        return LoginSession

    def columns(self, data: dict) -> dict:
        user_id = data.get(SESSION_KEY)
        if user_id is not None:
            from logins.models import LoginSession

            user_id = LoginSession._meta.get_field("user").target_field.to_python(user_id)
        return {
            "session_data": self.encode(data),
            "expire_date": self.get_expiry_date(),
            "user_id": user_id,
            "started_at": _instant(data.get(STARTED)),
            "last_seen_at": _instant(data.get(SEEN)),
            "ip": data.get(IP) or None,
            "user_agent": (data.get(USER_AGENT) or "")[:300],
        }

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)  # type: ignore[attr-defined]  # SessionBase's
        columns = self.columns(data)
        using = router.db_for_write(self.model)
        rows = self.model._default_manager.using(using)
        try:
            with transaction.atomic(using=using):
                if must_create:
                    rows.create(session_key=self.session_key, **columns)
                elif not rows.filter(session_key=self.session_key).update(**columns):
                    raise UpdateError  # ended meanwhile (revoked, logged out elsewhere)
        except IntegrityError as error:
            if must_create:
                raise CreateError from error
            raise
        except DatabaseError as error:
            if not must_create:
                raise UpdateError from error
            raise

    async def asave(self, must_create: bool = False) -> None:
        await sync_to_async(self.save)(must_create)

    def delete(self, session_key: str | None = None) -> None:
        # One statement where Django's engine reads the row first and then deletes it.
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            self.model._default_manager.filter(session_key=key).delete()
