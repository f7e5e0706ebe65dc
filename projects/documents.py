"""A project's documents: the extranet's ``ProjectDocument`` rows shared under the project's name.

The extranet stores the project of a document as free text; a project's documents are those of
its client whose project text is the project's name (case-insensitive); renaming the project
through ``project_update`` re-labels them. The model is looked up through the app registry so
that projects does not require the extranet app.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import QuerySet

from .models import Project


def document_model():
    """``extranet.ProjectDocument`` when the extranet app provides it, else None."""
    try:
        return apps.get_model("extranet", "ProjectDocument")
    except LookupError:
        return None


def project_documents(project: Project, among: QuerySet | None = None) -> QuerySet | None:
    """The project's documents, optionally narrowed to an already scoped queryset.

    ``among`` is how the extranet restricts a contact to what they may see; staff pass nothing.
    None when there is no document model at all.
    """
    model = document_model()
    if model is None:
        return None
    qs = among if among is not None else model.objects.all()
    return qs.filter(client_id=project.client_id, project__iexact=project.name.strip())
