"""French formats: Django's, with "à" between the date and the time, as French writes it
("le 2 décembre 2026 à 16:40")."""

from django.conf.locale.fr.formats import *  # noqa: F403 - every other format stays Django's

DATETIME_FORMAT = r"j F Y \à H:i"
