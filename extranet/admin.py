"""Admin: project documents (staff upload) and the "invite to the extranet" action on contacts."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.admin import ContactAdmin
from clients.models import Contact
from tickets.attachments import validate_upload

from .documents import content_type_for
from .invitations import invite_contact
from .models import CalendarFeed, ProjectDocument


class ProjectDocumentForm(forms.ModelForm):
    class Meta:
        model = ProjectDocument
        fields = ("client", "ticket", "project", "title", "description", "file")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):  # a new upload (not the file already stored)
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
    form = ProjectDocumentForm
    list_display = ("title", "client", "project", "ticket", "original_name", "uploaded_at")
    list_filter = ("client",)
    search_fields = ("title", "project", "original_name", "client__name", "ticket__reference")
    list_select_related = ("client", "ticket")
    autocomplete_fields = ("client",)
    raw_id_fields = ("ticket",)
    readonly_fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("file")
        if "file" in form.changed_data and upload is not None:
            clean = validate_upload(upload.name, upload.size)
            obj.original_name = clean
            obj.content_type = content_type_for(clean)
            obj.size = upload.size
            obj.title = obj.title or clean
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Staff can revoke a contact's feed (delete); the token itself is never visible."""

    list_display = ("contact", "created_at", "last_used_at")
    readonly_fields = ("contact", "created_at", "last_used_at")
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False


@admin.action(description=gettext_lazy("Inviter sur l'extranet"))
def invite_to_extranet(modeladmin, request, queryset):
    base_url = request.build_absolute_uri("/")
    sent = 0
    for contact in queryset.select_related("client", "user"):
        try:
            invite_contact(contact, base_url=base_url)
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
