"""Authentication backend enforcing django-axes' lockout."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuse a locked-out username + IP before Django's ModelBackend checks the password.

    Login forms (extranet, back-office, admin) always pass ``request``, so they are all protected.
    Calls without a request (Django's test client ``login()``, scripts) carry no client IP to lock
    out on: they are passed through to the next backend instead of failing, which keeps tests and
    tooling working; no HTTP request can reach ``authenticate`` without one.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
