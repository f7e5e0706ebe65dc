"""Oceanis staff: technicians and experts, their level, team and roles.

Roles (manager, deputy) are Django groups so that permissions stay manageable from the admin;
the profile holds what the dispatcher needs to rank technicians.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Skill level; matches the ticket's complexity scale (standard, confirmé, expert)."""

    STANDARD = "standard", _("Standard")
    CONFIRMED = "confirmed", _("Confirmé")
    EXPERT = "expert", _("Expert")


LEVEL_RANK = {Level.STANDARD: 1, Level.CONFIRMED: 2, Level.EXPERT: 3}


class Team(models.TextChoices):
    SERVICE_DESK = "service_desk", _("Service desk")
    RUN = "run", _("Ingénierie RUN")
    BUILD = "build", _("BUILD / Projets")


MANAGER_GROUP = "manager"
DEPUTY_GROUP = "deputy"
TECHNICIAN_GROUP = "technician"
# Service managers (OPALE "Service Managers"): staff in charge of a portfolio of clients
# (portfolios app): steering committees, reporting, satisfaction on the RUN cycle.
SERVICE_MANAGER_GROUP = "service_manager"


class Technician(models.Model):
    """Staff profile attached to a Django user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="technician"
    )
    level = models.CharField(_("niveau"), max_length=16, choices=Level, default=Level.STANDARD)
    team = models.CharField(_("équipe"), max_length=16, choices=Team, default=Team.SERVICE_DESK)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True)
    available = models.BooleanField(
        _("disponible"),
        default=True,
        help_text=_("Décocher pendant une absence : le technicien n'est plus proposé au dispatch."),
    )

    class Meta:
        verbose_name = _("technicien")
        verbose_name_plural = _("techniciens")
        ordering = ["user__first_name", "user__last_name"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[self.level]


def is_manager(user) -> bool:
    """Centre manager or deputy: may dispatch and reassign anybody's tickets."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=[MANAGER_GROUP, DEPUTY_GROUP]).exists()


def is_staff_member(user) -> bool:
    """Oceanis staff (back-office access); client contacts never are."""
    return bool(user.is_authenticated and user.is_staff)
