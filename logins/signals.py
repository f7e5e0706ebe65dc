"""Signals other apps send about a user's login credentials."""

import django.dispatch

# Sent with user= and request= when a password or a second factor of `user` changed
# (added, removed, reset). The receiver ends the user's other sessions: all but the
# request's own, or all of them when request is None (a manager's reset, a task).
credentials_changed = django.dispatch.Signal()
