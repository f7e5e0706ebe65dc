"""Notices worded in the reader's language at display time, from their kind and parameters."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tickets.models import EscalationLevel, State

from .models import Notice, NoticeKind

_TITLES = {
    NoticeKind.ASSIGNED: lambda: _("%(reference)s vous est affectée"),
    NoticeKind.ESCALATED: lambda: _("%(reference)s vous est escaladée"),
    NoticeKind.CLIENT_EMAIL: lambda: _("Le client a répondu par mail sur %(reference)s"),
    NoticeKind.CLIENT_COMMENT: lambda: _("Le client a commenté %(reference)s"),
    NoticeKind.CLIENT_CONFIRMED: lambda: _("Le client a confirmé la résolution de %(reference)s"),
    NoticeKind.CLIENT_REOPENED: lambda: _("Le client a rouvert %(reference)s"),
    NoticeKind.FOLLOW_UP: lambda: _(
        "Réponse reçue sur %(previous)s clôturée : suite dans %(reference)s"
    ),
    NoticeKind.MENTION: lambda: _("%(actor)s vous mentionne dans une note sur %(reference)s"),
    NoticeKind.STATE_CHANGED: lambda: _("%(reference)s est passée à l'état « %(state)s »"),
    NoticeKind.ONCALL_PAGE: lambda: _("Appel d'astreinte : %(reference)s"),
    NoticeKind.INCIDENT_DECLARED: lambda: _(
        "Incident majeur %(reference)s : votre demande %(ticket)s y est rattachée"
    ),
    NoticeKind.INCIDENT_UPDATE: lambda: _("Incident majeur %(reference)s : point de situation"),
    NoticeKind.INCIDENT_RESOLVED: lambda: _("Incident majeur %(reference)s résolu"),
    NoticeKind.LOW_SATISFACTION: lambda: _("Avis client de %(score)s/5 sur %(reference)s"),
}


def title(notice: Notice) -> str:
    params = _display_params(notice)
    if notice.kind == NoticeKind.SLA_WARNING:
        if params.get("threshold", 75) >= 100:
            return _("GTI dépassée sur %(reference)s") % params
        return _("GTI consommée à %(threshold)s %% sur %(reference)s") % params
    wording = _TITLES.get(notice.kind)
    if wording is None:
        return params.get("reference", "")
    try:
        return wording() % params
    except (KeyError, TypeError, ValueError):  # parameters of an older version: stay readable
        return f"{notice.get_kind_display()} – {params.get('reference', '')}"


def text(notice: Notice) -> str:
    """The line under the title: the ticket's or incident's title, and what was said."""
    params = notice.params or {}
    parts = [params.get("title", "")]
    if params.get("excerpt"):
        parts.append(f"« {params['excerpt']} »")
    elif params.get("subject"):
        parts.append(params["subject"])
    return " – ".join(part for part in parts if part)


def _display_params(notice: Notice) -> dict:
    params = {"reference": "", "actor": _("Quelqu'un"), **(notice.params or {})}
    if notice.kind == NoticeKind.STATE_CHANGED and params.get("state") in State.values:
        params["state"] = State(params["state"]).label
    if notice.kind == NoticeKind.ESCALATED and params.get("level") in EscalationLevel.values:
        params["level"] = EscalationLevel(params["level"]).label
    if notice.kind == NoticeKind.SLA_WARNING:
        params["threshold"] = int(params.get("threshold") or 75)
    return params
