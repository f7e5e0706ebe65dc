"""Sentences the system writes for people to read later (timeline notes, delivery errors, closure
syntheses), kept as a code and parameters and rendered in the reader's language.

A text built with ``gettext`` when it is written is frozen in the writer's language: a French
note "Dispatch : suggestion n° 1 (…)" stays French for an English reader. So every such
sentence is a ``Message``: a code of ``REGISTRY`` (code → lazy msgid) and JSON parameters.

``Message`` is a ``str`` whose value is the sentence in ``settings.LANGUAGE_CODE``: services,
validations and exports that read the stored text (``body``, ``note``, ``last_error``) keep
working unchanged. ``oceanis.transitions.append_event`` copies the code and parameters into the
event's ``payload["message"]``; readers call ``text_of(row)`` (or the ``stored_text`` template
filter), which renders the code in the active language and falls back to the stored text for
old rows and for rows written by people. Rows without a payload field (delivery errors) store
the bare text; ``translate_stored`` recognises the registered sentences without parameters.

Parameters are plain JSON values (user text, references, numbers: never translated) or one of:

- ``label(lazy)``: a translatable label (a choice, a level), stored as its msgid;
- ``moment(dt)``: an instant, shown in Paris time in the reader's date format;
- ``per_language(build)``: a text only the writer can build (the dispatch ranking reasons),
  stored once per configured language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from django.conf import settings
from django.db.models import Model
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

PAYLOAD_KEY = "message"

REGISTRY = {
    # tickets
    "ticket.attachment_added": _("Pièce jointe ajoutée : %(name)s"),
    "ticket.client_replied_resume": _("Le client a répondu : reprise du traitement."),
    "ticket.client_replied_reopen": _(
        "Le client a répondu après la résolution : la demande est rouverte."
    ),
    "ticket.follow_up_after_closure": _("Réponse reçue après clôture : suite dans %(ref)s."),
    "ticket.follow_up_after_delay": _(
        "Réponse reçue après le délai de réouverture : suite dans %(ref)s."
    ),
    "ticket.intervention_planned": _(
        "Intervention planifiée le %(when)s (%(mode)s) avec %(tech)s."
    ),
    "ticket.closure_reminder": _(
        "Sans retour de votre part, la demande sera clôturée le %(date)s à %(time)s. "
        "Si le problème persiste, répondez à ce message ou rouvrez-la sur l'extranet."
    ),
    "ticket.auto_closed": _("Clôture automatique : aucun retour du client depuis la résolution."),
    "ticket.client_confirmed": _("Résolution confirmée par le client (%(contact)s)."),
    "ticket.client_confirmed_after_note": _(
        "%(note)s\n\nRésolution confirmée par le client (%(contact)s)."
    ),
    # dispatch (backoffice)
    "dispatch.suggestion": _("Dispatch : suggestion n° %(rank)d (%(reasons)s)."),
    "dispatch.off_suggestions": _("Dispatch : choix hors suggestions."),
    # monitoring (alerts written into ticket timelines)
    "alert.severity_raised": _("Supervision : sévérité passée à « %(severity)s »."),
    "alert.firing_again": _("Supervision : l'alerte « %(summary)s » est de nouveau active."),
    "alert.recovered": _(
        "Supervision : alerte rétablie (%(subject)s) après %(count)s occurrence(s)."
    ),
    "alert.cancelled_on_recovery": _(
        "Rétablissement automatique constaté par la supervision avant toute prise en charge : "
        "aucune intervention n'a eu lieu."
    ),
    "alert.event_linked": _(
        "Événement de supervision rattaché : %(host)s %(summary)s (×%(count)s)."
    ),
    # shifts
    "shift.handover": _("Relève de poste : %(from)s → %(to)s\n%(note)s"),
    # major incidents
    "incident.ticket_linked": _("Rattachée à l'incident majeur %(ref)s – %(title)s"),
    "incident.ticket_unlinked": _("Détachée de l'incident majeur %(ref)s"),
    # changes
    "change.pre_approved": _("Pré-approuvé : changement standard."),
    # projects
    "project.contract_created": _("Contrat d'infogérance créé : %(contract)s"),
    "project.contract_updated": _("Contrat d'infogérance mis à jour : %(contract)s"),
    # on-call paging (delivery rows: stored as bare text, see translate_stored)
    "oncall.nobody_in_role": _("Personne n'occupe ce rôle : étape suivante."),
    "oncall.no_address": _("Aucune coordonnée pour ce canal sur la fiche."),
    "oncall.page_moved_on": _("Plus utile : l'appel a avancé ou est clos."),
    "oncall.channel_removed": _("Canal retiré ou technicien supprimé."),
}


class Message(str):
    """A registered sentence: the ``str`` is its text in the default language; ``code`` and
    ``params`` let each reader render it in theirs."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, **params: Any) -> Message:
        if code not in REGISTRY:
            raise KeyError(f"Unregistered message code: {code}")
        with translation.override(settings.LANGUAGE_CODE):
            text = render(code, params)
        instance = super().__new__(cls, text)
        instance.code = code
        instance.params = params
        return instance

    def strip(self, chars: str | None = None) -> str:
        # Services strip what they store; the registered text is already clean, and keeping the
        # Message keeps its code on the way to the event log.
        stripped = super().strip(chars)
        return self if stripped == self else stripped

    def as_payload(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


# --- parameters -----------------------------------------------------------------------------


def label(value: Any) -> dict[str, str]:
    """A translatable label (``gettext_lazy``, a choice's label), stored as its msgid."""
    with translation.override(None):  # no catalogue: the lazy string gives its msgid
        return {"label": str(value)}


def moment(value: datetime, format_name: str = "SHORT_DATETIME_FORMAT") -> dict[str, str]:
    """An instant, shown in Paris time with the reader's ``format_name`` (a Django format
    setting: DATE_FORMAT, SHORT_DATE_FORMAT, TIME_FORMAT, …)."""
    return {"moment": value.isoformat(), "format": format_name}


def per_language(build: Callable[[], str]) -> dict[str, dict[str, str]]:
    """A text built by the writer, once in each configured language."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = str(build())
    return {"texts": texts}


def _param(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "label" in value:
        return gettext(value["label"]) if value["label"] else ""
    if "moment" in value:
        instant = parse_datetime(value["moment"])
        if instant is None:
            return value["moment"]
        local = timezone.localtime(instant) if timezone.is_aware(instant) else instant
        return formats.date_format(local, value.get("format") or "SHORT_DATETIME_FORMAT")
    if "texts" in value:
        texts = value["texts"]
        language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or ""
    return value


# --- rendering ------------------------------------------------------------------------------


def render(code: str, params: dict[str, Any] | None = None) -> str:
    """The registered sentence in the active language (KeyError for an unknown code)."""
    template = str(REGISTRY[code])
    if not params:
        return template
    return template % {name: _param(value) for name, value in params.items()}


def render_payload(payload: Any) -> str | None:
    """Render ``payload["message"]``; None when absent, unknown or unreadable (the caller falls
    back to the stored text rather than failing a page on an old or foreign row)."""
    if not isinstance(payload, dict):
        return None
    message = payload.get(PAYLOAD_KEY)
    if not isinstance(message, dict) or message.get("code") not in REGISTRY:
        return None
    try:
        return render(message["code"], message.get("params") or {})
    except (KeyError, TypeError, ValueError):
        return None


def text_of(row: Any, field: str = "body") -> str:
    """The row's text in the reader's language: its message when it has one, else the text as
    stored (people's words, rows written before messages had codes)."""
    rendered = render_payload(getattr(row, "payload", None))
    if rendered is not None:
        return rendered
    return translate_stored(getattr(row, field, "") or "")


@lru_cache(maxsize=4)
def _codes_by_text(language: str) -> dict[str, str]:
    with translation.override(language):
        texts = {code: str(template) for code, template in REGISTRY.items()}
    return {text: code for code, text in texts.items() if "%(" not in text}


def translate_stored(text: str) -> str:
    """A stored text that is a registered sentence without parameters, in the active language;
    anything else unchanged."""
    code = _codes_by_text(settings.LANGUAGE_CODE).get(text)
    return render(code) if code else text


def with_message_payload(model: type[Model], fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` for a new row of ``model``, with the code and parameters of its Message (if
    any) copied into its ``payload`` field (rows without one keep the text only)."""
    message = next((v for v in fields.values() if isinstance(v, Message)), None)
    if message is None or not _has_payload(model):
        return fields
    payload = dict(fields.get("payload") or {})
    payload[PAYLOAD_KEY] = message.as_payload()
    return {**fields, "payload": payload}


def _has_payload(model: type[Model]) -> bool:
    try:
        model._meta.get_field("payload")
    except Exception:  # FieldDoesNotExist, or not a model
        return False
    return True


def lazy_text_of(row: Any, field: str = "body") -> Any:
    """``text_of`` for a reader that renders later, in another language (the digest mail):
    a lazy text for a message, the stored text otherwise (empty stays falsy)."""
    message = (getattr(row, "payload", None) or {}).get(PAYLOAD_KEY)
    if render_payload(getattr(row, "payload", None)) is None:
        return translate_stored_lazy(getattr(row, field, "") or "")
    # render_payload rendered it: the message is a dict with a registered code.
    message = cast(dict[str, Any], message)
    return _lazy_render(message["code"], message.get("params") or {})


def _render_or_empty(code: str, params: dict[str, Any]) -> str:
    try:
        return render(code, params)
    except (KeyError, TypeError, ValueError):
        return ""


_lazy_render = lazy(_render_or_empty, str)


def translate_stored_lazy(text: str) -> Any:
    code = _codes_by_text(settings.LANGUAGE_CODE).get(text)
    return _lazy_render(code, {}) if code else text
