"""Who may do what: the one authorization policy behind every door.

Back-office views, the REST API (sessions and tokens), the Django admin, inbound mail, monitoring
alerts and on-call acknowledgements all end in the same question, answered here:
``check(actor, Action.X, obj)`` raises ``PermissionDenied`` with a French reason, ``allows(...)``
answers for menus and templates. The ticket services ask it under the row lock, so a door that
forgets to ask is still refused.

Actors and their rules:

* the system (``actor is None``: sweepers, automatic closure, mail and alert intake without an
  account) does what the system does;
* the centre manager and the deputy (and superusers) may do everything;
* a technician (any other Oceanis staff account) acts on tickets that are theirs (assignee, or
  the L2/L3 resolver named on escalation) or still unassigned; they may assign an unassigned
  ticket to themself, never take over or reassign a colleague's ticket; any staff member may add
  reports, notes, attachments and watchers to any ticket;
* an integration (the service account of an Oceanis-wide API token) runs the ticket workflow as
  itself, named in the timeline, but is never a manager: it may route an unassigned ticket to a
  technician, never reassign an assigned one, and it reaches no back-office screen, report,
  dispatch, approval, on-call or shift planning;
* a client contact (and the service account of a client's token) may only reopen, confirm or
  answer the tickets their organisation (their site, when restricted) can see; a client's
  monitoring token also raises the urgency of, and withdraws, the tickets it opened itself;
* a token acting as a person (``--acting-as``) has that person's rights, being that user.

Beyond tickets: dispatch, reports and billing, shift planning, on-call overrides and forced
over-booking are the manager's and deputy's; a technician hands over their own tickets only;
change approval follows ``_refuse_change_approval``; Oceanis-wide webhooks are managed by the
manager, the deputy and integrations. A service manager (``SERVICE_MANAGER_GROUP``) sees the cards,
reports and steering committees of the clients of their portfolio and records those committees;
the portfolios themselves are assigned by the manager and the deputy.
"""

from __future__ import annotations

import contextlib
import enum

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils.translation import gettext as _

from .models import DEPUTY_GROUP, MANAGER_GROUP, SERVICE_MANAGER_GROUP, Technician


class Action(enum.StrEnum):
    # ticket workflow
    TICKET_TAKE = "ticket.take"
    TICKET_ASSIGN = "ticket.assign"
    TICKET_PENDING = "ticket.pending"
    TICKET_RESUME = "ticket.resume"
    TICKET_RESOLVE = "ticket.resolve"
    TICKET_CLOSE = "ticket.close"
    TICKET_REOPEN = "ticket.reopen"
    TICKET_CANCEL = "ticket.cancel"
    TICKET_ESCALATE = "ticket.escalate"
    TICKET_REQUALIFY = "ticket.requalify"
    TICKET_URGENCY = "ticket.urgency"
    TICKET_PLAN = "ticket.plan"
    TICKET_CONTRIBUTE = "ticket.contribute"  # reports, notes, attachments, watchers
    # screens and other processes
    BACKOFFICE = "backoffice"
    DISPATCH = "dispatch"
    REPORTS = "reports"  # reports, exports and billing
    SHIFT_PLAN = "shift.plan"
    SHIFT_HANDOVER = "shift.handover"  # obj: the outgoing Technician
    ONCALL_OVERRIDE = "oncall.override"
    CALENDARS_MANAGE = "calendars.manage"  # closures, re-openings, on-call coverage plans
    INCIDENT_PUBLISH = "incident.publish"
    CHANGE_APPROVE = "change.approve"  # obj: the ChangeRequest
    PROJECT_DRIVE = "project.drive"  # obj: the Project
    PROJECT_FORCE_BOOKING = "project.force_booking"
    WEBHOOKS_MANAGE = "webhooks.manage"
    IDENTITY_RESET = "identity.reset"  # clear a colleague's second factors (identity app)
    # service managers (portfolios app); obj: a Client, or None for the screen itself
    PORTFOLIO_VIEW = "portfolio.view"  # the client's card, reports and committees
    PORTFOLIO_ASSIGN = "portfolio.assign"  # who is the service manager of which client
    STEERING_MANAGE = "steering.manage"  # record steering committees and their actions


class Role(enum.StrEnum):
    SYSTEM = "system"
    MANAGER = "manager"
    TECHNICIAN = "technician"
    INTEGRATION = "integration"
    CLIENT = "client"  # a client contact, or the service account of a client token
    NOBODY = "nobody"


# A technician may do these on tickets that are theirs or unassigned.
OWNER_ACTIONS = frozenset(
    {
        Action.TICKET_TAKE,
        Action.TICKET_PENDING,
        Action.TICKET_RESUME,
        Action.TICKET_RESOLVE,
        Action.TICKET_CLOSE,
        Action.TICKET_REOPEN,
        Action.TICKET_CANCEL,
        Action.TICKET_ESCALATE,
        Action.TICKET_REQUALIFY,
        Action.TICKET_URGENCY,
        Action.TICKET_PLAN,
    }
)
TICKET_ACTIONS = OWNER_ACTIONS | {Action.TICKET_ASSIGN, Action.TICKET_CONTRIBUTE}
# What a client may do on a ticket their organisation sees (the state machine does the rest).
CLIENT_ACTIONS = frozenset(
    {Action.TICKET_REOPEN, Action.TICKET_RESUME, Action.TICKET_CLOSE, Action.TICKET_CONTRIBUTE}
)
# Every member of staff may do these.
STAFF_ACTIONS = frozenset({Action.BACKOFFICE, Action.INCIDENT_PUBLISH, Action.TICKET_CONTRIBUTE})
MANAGER_ONLY = frozenset(
    {
        Action.DISPATCH,
        Action.REPORTS,
        Action.SHIFT_PLAN,
        Action.ONCALL_OVERRIDE,
        Action.CALENDARS_MANAGE,
        Action.PROJECT_FORCE_BOOKING,
        Action.PORTFOLIO_ASSIGN,
        Action.IDENTITY_RESET,
    }
)
# A service manager may do these on the clients of their portfolio (primary or backup).
PORTFOLIO_ACTIONS = frozenset({Action.PORTFOLIO_VIEW, Action.STEERING_MANAGE})


def role_of(actor) -> Role:
    """The actor's role, computed once per user instance (templates and services ask again)."""
    if actor is None:
        return Role.SYSTEM
    cached = getattr(actor, "_policy_role", None)
    if cached is not None:
        return cached
    role = _base_role(actor)
    if role == Role.TECHNICIAN and (
        actor.is_superuser or _group_names(actor) & {MANAGER_GROUP, DEPUTY_GROUP}
    ):
        role = Role.MANAGER
    with contextlib.suppress(AttributeError):  # AnonymousUser and other read-only stand-ins
        actor._policy_role = role
    return role


def _group_names(user) -> frozenset[str]:
    """The user's groups, read once: the manager role and the service-manager menus share it,
    so a page asking both costs one query."""
    cached = getattr(user, "_policy_groups", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        with contextlib.suppress(AttributeError):
            user._policy_groups = cached
    return cached


def is_service_manager(actor) -> bool:
    """A member of staff in the service managers' group (a portfolio of clients)."""
    return (
        actor is not None
        and _base_role(actor) == Role.TECHNICIAN
        and SERVICE_MANAGER_GROUP in _group_names(actor)
    )


def manages_client(actor, client) -> bool:
    """The actor is the client's service manager or their backup (``portfolios.Assignment``,
    read through the reverse relation: select_related("portfolio") makes it free)."""
    try:
        assignment = client.portfolio
    except ObjectDoesNotExist:
        return False
    return actor.pk in (assignment.service_manager_id, assignment.backup_id)


def _base_role(user) -> Role:
    """The role without the manager distinction (which costs a query): staff are TECHNICIAN."""
    cached = getattr(user, "_policy_base_role", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        role = Role.NOBODY
    elif user.is_staff:
        role = Role.TECHNICIAN
    elif _client_of(user) is not None:
        role = Role.CLIENT
    elif _integration_account(user):
        role = Role.INTEGRATION
    else:
        role = Role.NOBODY
    with contextlib.suppress(AttributeError):
        user._policy_base_role = role
    return role


def declare_token_account(user, *, client_id: int | None) -> None:
    """The API's authentication knows the service account behind a token (an integration, or a
    client's tool): recorded so that the policy does not look the tokens up again."""
    if client_id is None:
        user._policy_client = None
        user._policy_base_role = user._policy_role = Role.INTEGRATION
    else:
        user._policy_client = (client_id, None)
        user._policy_base_role = user._policy_role = Role.CLIENT


def _integration_account(user) -> bool:
    tokens = getattr(user, "api_tokens", None)
    if tokens is None:
        return False
    return tokens.filter(revoked_at__isnull=True, client__isnull=True).exists()


def _client_of(user):
    """(client_id, contact or None) for a client contact or a client token's account."""
    if hasattr(user, "_policy_client"):
        return user._policy_client
    found = None
    contact = getattr(user, "contact", None) if _has_contact(user) else None
    if contact is not None and contact.is_active:
        found = (contact.client_id, contact)
    else:
        tokens = getattr(user, "api_tokens", None)
        if tokens is not None:
            client_id = (
                tokens.filter(revoked_at__isnull=True, client__isnull=False)
                .values_list("client_id", flat=True)
                .first()
            )
            if client_id is not None:
                found = (client_id, None)
    user._policy_client = found
    return found


def _has_contact(user) -> bool:
    try:
        return user.contact is not None
    except ObjectDoesNotExist:
        return False


def technician_of(user) -> Technician | None:
    """The staff profile of a user, or None (a superuser or an integration has none)."""
    if user is None:
        return None
    try:
        return user.technician
    except (Technician.DoesNotExist, AttributeError):
        return None


def is_involved(actor, ticket) -> bool:
    """The actor is the ticket's assignee (owner) or its L2/L3 resolver."""
    me = technician_of(actor)
    return me is not None and me.pk in (ticket.assignee_id, ticket.resolver_id)


def refusal(actor, action: Action, obj=None, **context) -> str | None:
    """Why ``actor`` may not do ``action`` on ``obj``, in French; None when allowed."""
    if actor is not None and action in STAFF_ACTIONS and _base_role(actor) == Role.TECHNICIAN:
        return None  # every member of staff, manager or not: no need to ask for the role
    role = role_of(actor)
    if role in (Role.SYSTEM, Role.MANAGER):
        return _refuse_change_approval(actor, obj) if action == Action.CHANGE_APPROVE else None
    if action in TICKET_ACTIONS:
        return _ticket_refusal(actor, role, action, obj, **context)
    if role == Role.NOBODY or role == Role.CLIENT:
        return _("Action réservée aux intervenants Oceanis.")
    if action == Action.WEBHOOKS_MANAGE:
        if role == Role.INTEGRATION:
            return None
        return _(
            "Seuls le responsable du centre, son suppléant et les intégrations gèrent les webhooks."
        )
    if role == Role.INTEGRATION:
        return _("Une intégration n'a pas accès à cette fonction.")
    # technicians from here on
    if action in MANAGER_ONLY:
        return _("Réservé au responsable du centre et à son suppléant.")
    if action == Action.SHIFT_HANDOVER:
        if obj is None or obj == technician_of(actor):
            return None
        return _("Seuls le responsable du centre et son suppléant font la relève d'un collègue.")
    if action == Action.CHANGE_APPROVE:
        return _refuse_change_approval(actor, obj)
    if action in PORTFOLIO_ACTIONS:
        if is_service_manager(actor) and (obj is None or manages_client(actor, obj)):
            return None
        return _("Réservé au service manager du client et aux responsables du centre.")
    if action == Action.PROJECT_DRIVE:
        if obj is not None and obj.project_manager_id == actor.pk:
            return None
        return _("Seuls le chef de projet intégration et les responsables pilotent ce projet.")
    return None  # BACKOFFICE, INCIDENT_PUBLISH: every member of staff


def _ticket_refusal(
    actor, role: Role, action: Action, ticket, *, technician=None, page=None, handover=False
) -> str | None:
    if role == Role.NOBODY:
        return _("Action réservée aux intervenants Oceanis.")
    if role == Role.CLIENT:
        seen = ticket is not None and _client_sees(actor, ticket)
        if seen and _client_may(actor, action, ticket):
            return None
        return _("Action réservée aux intervenants Oceanis.")
    if action == Action.TICKET_CONTRIBUTE:
        return None
    if action == Action.TICKET_ASSIGN:
        me = technician_of(actor)
        if handover and me is not None and ticket is not None and ticket.assignee_id == me.pk:
            return None
        return _assign_refusal(actor, role, ticket, technician)
    if role == Role.INTEGRATION or ticket is None:
        return None
    if ticket.assignee_id is None or is_involved(actor, ticket):
        return None
    if action == Action.TICKET_TAKE and page is not None and page.ticket_id == ticket.pk:
        return None
    return _(
        "La demande %(ref)s est affectée à %(name)s : seuls ce technicien, le responsable "
        "du centre et son suppléant peuvent agir dessus."
    ) % {"ref": ticket.reference, "name": ticket.assignee}


def _assign_refusal(actor, role: Role, ticket, technician) -> str | None:
    unassigned = ticket is None or ticket.assignee_id is None
    if role == Role.INTEGRATION:
        if unassigned or (technician is not None and technician.pk == ticket.assignee_id):
            return None
        return _(
            "Une intégration n'affecte que les demandes non affectées : la réaffectation revient "
            "au responsable du centre et à son suppléant."
        )
    me = technician_of(actor)
    to_self = me is not None and (technician is None or technician.pk == me.pk)
    if to_self and (unassigned or ticket.assignee_id == me.pk):
        return None
    return _("Seuls le responsable du centre et son suppléant peuvent réaffecter une demande.")


def _client_may(actor, action: Action, ticket) -> bool:
    if action in CLIENT_ACTIONS:
        return True
    # A client's monitoring (its token's account) looks after the tickets it opened: it raises
    # their urgency when the alert worsens and withdraws them when it recovers untouched.
    _client_id, contact = _client_of(actor)
    own = contact is None and ticket.created_by_id == actor.pk
    return own and action in (Action.TICKET_URGENCY, Action.TICKET_CANCEL)


def _client_sees(actor, ticket) -> bool:
    """Same rule as the extranet's scoping: own client; own site (or own requests) if restricted."""
    client_id, contact = _client_of(actor) or (None, None)
    if client_id is None or ticket.client_id != client_id:
        return False
    if contact is None:
        return True
    restricted = contact.visibility == contact.Visibility.OWN_SITE and not contact.is_client_admin
    if not restricted:
        return True
    return ticket.contact_id == contact.pk or (
        contact.site_id is not None and ticket.site_id == contact.site_id
    )


def _refuse_change_approval(actor, change) -> str | None:
    """Never the requester; the manager or deputy always; a named approver for a normal change;
    an emergency change needs the manager."""
    if actor is None:
        return None
    if change is None:
        return _("Changement inconnu.")
    if change.requested_by_id and change.requested_by_id == actor.pk:
        return _("Le demandeur d'un changement ne peut pas l'approuver.")
    if role_of(actor) == Role.MANAGER:
        return None
    if role_of(actor) != Role.TECHNICIAN:
        return _("Action réservée aux intervenants Oceanis.")
    if change.change_type == change.Type.EMERGENCY:
        return _("Un changement urgent est approuvé par le responsable du centre.")
    if change.approvers.filter(user=actor).exists():
        return None
    return _("Vous n'êtes pas approbateur de ce changement.")


def allows(actor, action: Action, obj=None, **context) -> bool:
    return refusal(actor, action, obj, **context) is None


def check(actor, action: Action, obj=None, **context) -> None:
    """Raise ``PermissionDenied`` with the reason when ``actor`` may not do ``action``."""
    reason = refusal(actor, action, obj, **context)
    if reason is not None:
        raise PermissionDenied(reason)


def is_manager_role(actor) -> bool:
    """The centre manager or the deputy (or a superuser)."""
    return actor is not None and role_of(actor) == Role.MANAGER


def is_staff_role(actor) -> bool:
    """Oceanis staff, manager or not (no query for the role)."""
    return actor is not None and _base_role(actor) == Role.TECHNICIAN
