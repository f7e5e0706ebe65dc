"""Client extranet pages for projects (mounted under /extranet/projets/ by ``client_urls``).

A contact sees the projects of their own organisation only: another client's project id is a 404.
Who is a contact and what they may see of tickets, interventions and documents is decided by
``extranet.selectors`` (through ``extranet.access.contact_required``), never here. Internal notes,
bookings' notes and forced over-bookings are staff matters and are not shown.
"""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from extranet.access import contact_required
from extranet.selectors import visible_documents, visible_interventions

from .documents import project_documents
from .models import EventKind, Project

UPCOMING = 20  # planned interventions and booked days shown on a project page


def client_projects(contact):
    """The projects a contact may see: all of their organisation's."""
    return Project.objects.filter(client_id=contact.client_id)


@require_GET
@contact_required
def project_list(request):
    projects = client_projects(request.contact).annotate(
        milestones_total=Count("milestones", distinct=True),
        milestones_done=Count(
            "milestones", filter=Q(milestones__completed_at__isnull=False), distinct=True
        ),
        next_due=Min("milestones__due_date", filter=Q(milestones__completed_at__isnull=True)),
    )
    return render(
        request,
        "projects/client/list.html",
        {"projects": projects, "today": timezone.localdate(), "nav": "projects"},
    )


@require_GET
@contact_required
def project_detail(request, pk: int):
    contact = request.contact
    project = get_object_or_404(client_projects(contact), pk=pk)
    now = timezone.now()
    interventions = (
        visible_interventions(contact)
        .filter(ticket__project_link__project=project, starts_at__gte=now)
        .order_by("starts_at")[:UPCOMING]
    )
    booked_days = (
        project.bookings.filter(date__gte=timezone.localdate())
        .select_related("engineer__user")
        .order_by("date", "half")[:UPCOMING]
    )
    documents = project_documents(project, among=visible_documents(contact))
    phases = project.events.filter(kind=EventKind.TRANSITION).order_by("at", "pk")
    return render(
        request,
        "projects/client/detail.html",
        {
            "project": project,
            "today": timezone.localdate(),
            "milestones": project.milestones.all(),
            "interventions": interventions,
            "booked_days": booked_days,
            "documents": documents.order_by("-uploaded_at") if documents is not None else None,
            "phases": phases.only("at", "from_state", "to_state"),
            "nav": "projects",
        },
    )
