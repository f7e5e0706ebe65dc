"""Client emails (lifecycle mails, 17:00 digest) and inbound email, delivered through an outbox.

Models arrive with the feature; this module exists so the app is a regular Django app."""
