"""Clients, their sites and contacts, and managed-service contracts with their commitments."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from oceanis.db import HotSelect
from oceanis.phones import fold, normalize
from sla.policy import DEFAULT_GTI, HoursPlan, Urgency, commitments_minutes

# Run at every ticket creation (the commitments are frozen on the ticket).
_CONTRACT_IN_FORCE = HotSelect(
    "clients.Contract",
    tail='FROM {0} WHERE {0}."client_id" = %s AND {0}."start_date" <= %s '
    'AND ({0}."end_date" IS NULL OR {0}."end_date" >= %s) '
    'ORDER BY {0}."start_date" DESC, {0}."id" DESC LIMIT 1',
)


def _derive(instance: models.Model, kwargs: dict, derived: dict[str, str]) -> None:
    """Set the stored forms (E.164 numbers, folded names) before a save, and save them too when
    the save names its fields: they never disagree with what they are derived from."""
    for name, value in derived.items():
        setattr(instance, name, value)
    fields = kwargs.get("update_fields")
    if fields is not None:
        kwargs["update_fields"] = set(fields) | set(derived)


PHONE_HELP = _("Tout format : 02 51 10 20 00, 02.51.10.20.00, +33 2 51 10 20 00.")


def validate_email_list(value: str) -> None:
    for address in split_emails(value):
        validate_email(address)


def split_emails(value: str) -> list[str]:
    """Addresses separated by commas, semicolons or new lines."""
    raw = value.replace(";", ",").replace("\n", ",")
    return [part.strip() for part in raw.split(",") if part.strip()]


class Client(models.Model):
    name = models.CharField(_("raison sociale"), max_length=200)
    code = models.SlugField(_("code client"), max_length=32, unique=True)
    multi_site = models.BooleanField(_("multi-sites"), default=False)
    notification_recipients = models.TextField(
        _("destinataires déclarés"),
        blank=True,
        validators=[validate_email_list],
        help_text=_("Adresses recevant les mails d'information en plus du demandeur."),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    phone = models.CharField(
        _("standard téléphonique"), max_length=32, blank=True, help_text=PHONE_HELP
    )
    # Derived on save (oceanis.phones): what callers and the type-ahead are matched against.
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    name_key = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        _derive(self, kwargs, {"phone_e164": normalize(self.phone), "name_key": fold(self.name)})
        super().save(*args, **kwargs)

    def active_contract(self, on: dt.date | None = None) -> Contract | None:
        """The managed-service contract in force on a date (the most recent one if several)."""
        on = on or dt.date.today()
        day = connection.ops.adapt_datefield_value(on)
        row = _CONTRACT_IN_FORCE.first([self.pk, day, day])
        if row is None:
            return None
        (contract,) = row
        contract.client = self
        return contract


class Site(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("nom"), max_length=200)
    address = models.TextField(_("adresse"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True, help_text=PHONE_HELP)
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["client__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["client", "name"], name="site_unique_name_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.client.name} – {self.name}"

    def save(self, *args, **kwargs):
        _derive(self, kwargs, {"phone_e164": normalize(self.phone)})
        super().save(*args, **kwargs)


class Contact(models.Model):
    class Language(models.TextChoices):
        FR = "fr", "Français"
        EN = "en", "English"

    class Visibility(models.TextChoices):
        OWN_SITE = "site", _("Son site")
        WHOLE_CLIENT = "client", _("Toute l'organisation")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True, help_text=PHONE_HELP)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True, help_text=PHONE_HELP)
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    mobile_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    # "first last", folded: the type-ahead finds "Pierre Martin", "martin pierre", "helene".
    name_key = models.CharField(max_length=201, blank=True, editable=False)
    language = models.CharField(_("langue"), max_length=2, choices=Language, default=Language.FR)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact",
        help_text=_("Compte extranet du contact."),
    )
    is_client_admin = models.BooleanField(
        _("administrateur client"),
        default=False,
        help_text=_("Voit les demandes de tous les sites du client."),
    )
    visibility = models.CharField(
        _("visibilité extranet"),
        max_length=8,
        choices=Visibility,
        default=Visibility.WHOLE_CLIENT,
    )
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def save(self, *args, **kwargs):
        derived = {
            "phone_e164": normalize(self.phone),
            "mobile_e164": normalize(self.mobile),
            "name_key": fold(f"{self.first_name} {self.last_name}"),
        }
        _derive(self, kwargs, derived)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.site_id and self.site.client_id != self.client_id:
            raise ValidationError({"site": _("Ce site appartient à un autre client.")})


def _default_minutes(urgency: Urgency) -> int:
    return commitments_minutes({urgency: DEFAULT_GTI[urgency]})[urgency.value]


class Contract(models.Model):
    class Kind(models.TextChoices):
        MANAGED = "managed", _("Infogérance")
        NONE = "none", _("Sans contrat d'infogérance")

    class Billing(models.TextChoices):
        FLAT_FEE = "flat_fee", _("Forfaitaire")
        BILLABLE = "billable", _("Facturable au temps passé")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contracts")
    name = models.CharField(_("intitulé"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=Kind, default=Kind.MANAGED)
    hours_plan = models.CharField(
        _("plages horaires souscrites"),
        max_length=16,
        choices=HoursPlan,
        default=HoursPlan.STANDARD,
    )
    gti_critical_minutes = models.PositiveIntegerField(
        _("GTI critique (min)"), default=_default_minutes(Urgency.CRITICAL)
    )
    gti_very_blocking_minutes = models.PositiveIntegerField(
        _("GTI très bloquant (min)"), default=_default_minutes(Urgency.VERY_BLOCKING)
    )
    gti_slightly_blocking_minutes = models.PositiveIntegerField(
        _("GTI peu bloquant (min)"), default=_default_minutes(Urgency.SLIGHTLY_BLOCKING)
    )
    gti_non_blocking_minutes = models.PositiveIntegerField(
        _("GTI non bloquant (min)"), default=_default_minutes(Urgency.NON_BLOCKING)
    )
    billing = models.CharField(
        _("facturation"), max_length=16, choices=Billing, default=Billing.FLAT_FEE
    )
    hourly_rate = models.DecimalField(
        _("taux horaire (€ HT)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    referent = models.ForeignKey(
        "staff.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referent_contracts",
        verbose_name=_("technicien référent"),
    )
    notification_recipients = models.TextField(
        _("destinataires supplémentaires"), blank=True, validators=[validate_email_list]
    )
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"), null=True, blank=True)

    class Meta:
        verbose_name = _("contrat")
        verbose_name_plural = _("contrats")
        ordering = ["client__name", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="contract_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client.name} – {self.name}"

    @property
    def is_managed(self) -> bool:
        return self.kind == self.Kind.MANAGED

    @property
    def is_flat_fee(self) -> bool:
        return self.is_managed and self.billing == self.Billing.FLAT_FEE

    def commitments(self) -> dict[str, int]:
        """GTI commitments in minutes per urgency: the form frozen on each ticket."""
        return {
            Urgency.CRITICAL.value: self.gti_critical_minutes,
            Urgency.VERY_BLOCKING.value: self.gti_very_blocking_minutes,
            Urgency.SLIGHTLY_BLOCKING.value: self.gti_slightly_blocking_minutes,
            Urgency.NON_BLOCKING.value: self.gti_non_blocking_minutes,
        }
