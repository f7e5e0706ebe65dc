"""BUILD integration projects, "du bon de commande à la mise en production".

Models hold data and invariants only. Every change goes through ``projects.services`` (lifecycle,
milestones, deliverables, provisioning tasks), ``projects.booking`` (engineer bookings),
``projects.services.handover`` (hand-over to RUN) and ``projects.links`` (tickets).
"""

from .links import BuildEscalation, HandOver, TicketProject
from .project import (
    ACTIVE_STATES,
    Deliverable,
    EventKind,
    ImmutableEventError,
    Kind,
    Milestone,
    Project,
    ProjectEvent,
    ProvisioningTask,
    State,
    _staff_users,
)
from .resources import HALF_DAYS, Absence, Booking, Half

__all__ = [
    "ACTIVE_STATES",
    "HALF_DAYS",
    "Absence",
    "Booking",
    "BuildEscalation",
    "Deliverable",
    "EventKind",
    "HandOver",
    "Half",
    "ImmutableEventError",
    "Kind",
    "Milestone",
    "Project",
    "ProjectEvent",
    "ProvisioningTask",
    "State",
    "TicketProject",
    "_staff_users",
]
