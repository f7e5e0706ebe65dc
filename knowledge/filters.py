"""GET filters of the article lists (django-filter): the staff list (``q``, ``categorie``) and
the extranet help centre (``q``). The search itself ranks through the search documents
(``article_hits``), so ``q`` is read from the form rather than applied to the queryset; an
invalid category is reported on the page and ignored."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Article

QUERY_MAX_LENGTH = 100  # longer searches are cut, not refused: a pasted paragraph still searches


class SearchFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Rechercher"), method="searched_elsewhere")

    class Meta:
        model = Article
        fields: list[str] = []

    def searched_elsewhere(self, queryset: QuerySet[Article], name: str, value: str):
        return queryset

    @property
    def query(self) -> str:
        """The search typed, trimmed and cut ("" without one); call after ``qs`` or ``errors``."""
        return (self.form.cleaned_data.get("q") or "")[:QUERY_MAX_LENGTH]


class CategoryFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField  # NumberFilter alone would take "1.5"


class ArticleFilter(SearchFilter):
    categorie = CategoryFilter(label=_("Catégorie"), field_name="category_id", min_value=1)
