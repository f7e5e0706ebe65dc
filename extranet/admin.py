"""Admin: project documents (shared through ``document_add``), calendar feeds (revoked through
``feed_revoke``) and the "invite to the extranet" action on contacts."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.admin import ContactAdmin
from clients.models import Contact
from tickets.admin_actions import ViewOnlyMixin, messages
from tickets.attachments import validate_upload

from .downloads import file_download
from .models import CalendarFeed, ProjectDocument
from .services import contact_invite, document_add, feed_revoke


class ProjectDocumentForm(forms.ModelForm):
    """Sharing a document: the same checks as ``document_add``, so that the service never
    refuses after the form accepted."""

    class Meta:
        model = ProjectDocument
        fields = ("client", "ticket", "project", "title", "description", "file")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            validate_upload(upload.name, upload.size)
        return upload

    def clean(self):
        data = super().clean()
        ticket, client = data.get("ticket"), data.get("client")
        if ticket and client and ticket.client_id != client.pk:
            self.add_error("ticket", _("Cette demande appartient à un autre client."))
        return data


@admin.register(ProjectDocument)
class ProjectDocumentAdmin(admin.ModelAdmin):
    """Shared through ``document_add`` (same limits as the extranet upload page); a shared
    document is read here and downloaded through the admin's permission-checked view, never
    its media URL. Deleting it stops the sharing."""

    form = ProjectDocumentForm
    list_display = ("title", "client", "project", "ticket", "original_name", "uploaded_at")
    list_filter = ("client",)
    search_fields = ("title", "project", "original_name", "client__name", "ticket__reference")
    list_select_related = ("client", "ticket")
    autocomplete_fields = ("client",)
    raw_id_fields = ("ticket",)
    shown_fields = (
        "client",
        "ticket",
        "project",
        "title",
        "description",
        "download",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    )

    def get_fields(self, request, obj=None):
        return self.shown_fields if obj else ProjectDocumentForm.Meta.fields

    def get_readonly_fields(self, request, obj=None):
        return self.shown_fields if obj else ()

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        upload = data["file"]
        document = document_add(
            client=data["client"],
            name=upload.name,
            content=upload.read(),
            by=request.user,
            title=data.get("title") or "",
            ticket=data.get("ticket"),
            project=data.get("project") or "",
            description=data.get("description") or "",
        )
        obj.pk = document.pk
        obj.refresh_from_db()

    @admin.display(description=gettext_lazy("fichier"))
    def download(self, obj):
        url = reverse("admin:extranet_projectdocument_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    def get_urls(self):
        view = self.admin_site.admin_view(self.download_view)
        return [
            path("<int:pk>/telecharger/", view, name="extranet_projectdocument_download"),
            *super().get_urls(),
        ]

    def download_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(ProjectDocument, pk=pk)
        return file_download(
            document.file, filename=document.original_name, content_type=document.content_type
        )


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Staff revoke a contact's feed with the action (the service the contact's own page uses);
    the token itself is never visible."""

    list_display = ("contact", "created_at", "last_used_at")
    list_select_related = ("contact",)
    readonly_fields = ("contact", "created_at", "last_used_at")
    exclude = ("token_hash",)
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("Révoquer les adresses d'agenda sélectionnées"))
    def revoke(self, request, queryset):
        count = sum(
            feed_revoke(contact=feed.contact) for feed in queryset.select_related("contact")
        )
        self.message_user(
            request, _("%(n)s adresse(s) révoquée(s).") % {"n": count}, messages.SUCCESS
        )


@admin.action(description=gettext_lazy("Inviter sur l'extranet"))
def invite_to_extranet(modeladmin, request, queryset):
    base_url = request.build_absolute_uri("/")
    sent = 0
    for contact in queryset.select_related("client", "user"):
        try:
            contact_invite(contact=contact, base_url=base_url)
        except ValidationError as exc:
            modeladmin.message_user(
                request, f"{contact} : {' '.join(exc.messages)}", messages.ERROR
            )
        else:
            sent += 1
    if sent:
        modeladmin.message_user(
            request, _("%(n)s invitation(s) envoyée(s).") % {"n": sent}, messages.SUCCESS
        )


class ExtranetContactAdmin(ContactAdmin):
    """The clients app's contact admin plus the extranet invitation (extranet depends on
    clients, never the reverse)."""

    actions = [*(ContactAdmin.actions or []), invite_to_extranet]


admin.site.unregister(Contact)
admin.site.register(Contact, ExtranetContactAdmin)
