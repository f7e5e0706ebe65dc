"""Forms of the knowledge screens: parse input; ``knowledge.services`` enforces the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from tickets.fields import TicketReferencesField

from .models import Article, Category, Visibility


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    body = forms.CharField(
        label=_("Contenu (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Titres ##, listes -, **gras**, `code`, liens [texte](https://…)."),
    )
    category = forms.ModelChoiceField(
        label=_("Catégorie"), queryset=Category.objects.all(), required=False
    )
    new_category = forms.CharField(label=_("ou nouvelle catégorie"), max_length=100, required=False)
    tags = forms.CharField(
        label=_("Étiquettes"),
        max_length=300,
        required=False,
        help_text=_("Séparées par des virgules."),
    )
    visibility = forms.ChoiceField(label=_("Visibilité"), choices=Visibility.choices)
    clients = forms.ModelMultipleChoiceField(
        label=_("Clients destinataires (si publié aux clients choisis)"),
        queryset=Client.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    tickets = TicketReferencesField()
    note = forms.CharField(label=_("Note de version"), max_length=200, required=False)

    @classmethod
    def initial_for(cls, article: Article) -> dict:
        return {
            "title": article.title,
            "body": article.body,
            "category": article.category_id,
            "tags": ", ".join(article.tags.values_list("name", flat=True)),
            "visibility": article.visibility,
            "clients": list(article.clients.values_list("pk", flat=True)),
            "tickets": " ".join(article.tickets.values_list("reference", flat=True)),
        }


class LinkTicketForm(forms.Form):
    tickets = TicketReferencesField()
