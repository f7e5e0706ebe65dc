"""The extranet's GET filters (django-filter): the project documents' ``projet``."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import ProjectDocument


class DocumentFilter(django_filters.FilterSet):
    # A project name the contact has no document of lists nothing (it is not an error: the
    # choices are the names of the contact's own documents, read from the same scoped rows).
    projet = django_filters.CharFilter(label=_("Projet"), field_name="project")

    class Meta:
        model = ProjectDocument
        fields: list[str] = []
