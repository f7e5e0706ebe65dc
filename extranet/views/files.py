"""Downloads (attachments, project documents), the document list and staff upload."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client
from tickets.models import Ticket

from ..access import contact_required, staff_required
from ..downloads import file_download
from ..filters import DocumentFilter
from ..selectors import visible_attachments, visible_documents
from ..services import document_add


@contact_required
def attachment_download(request, attachment_id: int):
    attachment = get_object_or_404(visible_attachments(request.contact), pk=attachment_id)
    return file_download(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )


@contact_required
def document_list(request):
    filters = DocumentFilter(
        request.GET, visible_documents(request.contact).select_related("ticket")
    )
    documents = filters.qs
    project = filters.form.cleaned_data.get("projet") or ""
    projects = (
        visible_documents(request.contact)
        .exclude(project="")
        .order_by("project")
        .values_list("project", flat=True)
        .distinct()
    )
    return render(
        request,
        "extranet/documents.html",
        {"documents": documents, "projects": projects, "project": project, "nav": "documents"},
    )


@contact_required
def document_download(request, document_id: int):
    document = get_object_or_404(visible_documents(request.contact), pk=document_id)
    return file_download(
        document.file, filename=document.original_name, content_type=document.content_type
    )


class DocumentUploadForm(forms.Form):
    client = forms.ModelChoiceField(
        label=gettext_lazy("Client"), queryset=Client.objects.filter(is_active=True)
    )
    ticket_reference = forms.CharField(
        label=gettext_lazy("Référence de la demande (facultatif)"), required=False, max_length=20
    )
    project = forms.CharField(label=gettext_lazy("Projet"), required=False, max_length=200)
    title = forms.CharField(label=gettext_lazy("Titre"), required=False, max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(label=gettext_lazy("Fichier"))

    def clean(self):
        data = super().clean()
        reference = (data.get("ticket_reference") or "").strip()
        data["ticket"] = None
        if reference and data.get("client"):
            ticket = Ticket.objects.filter(reference=reference, client=data["client"]).first()
            if ticket is None:
                self.add_error(
                    "ticket_reference", _("Aucune demande de ce client avec cette référence.")
                )
            data["ticket"] = ticket
        return data


@staff_required
def document_upload(request):
    """Staff share a document with a client (the Django admin offers the same)."""
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            document = document_add(
                client=data["client"],
                name=upload.name,
                content=upload.read(),
                by=request.user,
                title=data["title"],
                ticket=data["ticket"],
                project=data["project"],
                description=data["description"],
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(
                request,
                _("Document « %(title)s » partagé avec %(client)s.")
                % {"title": document.title, "client": document.client.name},
            )
            return redirect("extranet:document_upload")
    return render(
        request,
        "extranet/document_upload.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
