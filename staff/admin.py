from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.forms import ModelMultipleChoiceField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Technician


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ("__str__", "level", "team", "available", "phone")
    list_filter = ("level", "team", "available")
    search_fields = ("user__first_name", "user__last_name", "user__username", "user__email")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


# --- permission names in the reader's language ------------------------------------------------
# Django writes Permission.name once, at migrate time, from the model's verbose_name in the
# language active then ("Can add hôte supervisé"). The permission widgets of users and groups
# build the label again from the codename and the model's translated names instead.

DEFAULT_ACTIONS = {
    "add": _("Peut ajouter %(model)s"),
    "change": _("Peut modifier %(model)s"),
    "delete": _("Peut supprimer %(model)s"),
    "view": _("Peut voir %(model)s"),
}


def permission_name(permission) -> str:
    """The permission's name in the active language (the stored one when the model is gone)."""
    model = permission.content_type.model_class()
    if model is None:
        return permission.name
    opts = model._meta
    for action in opts.default_permissions:
        if action in DEFAULT_ACTIONS and permission.codename == get_permission_codename(
            action, opts
        ):
            return DEFAULT_ACTIONS[action] % {"model": opts.verbose_name}
    custom = dict(opts.permissions).get(permission.codename)
    return gettext(str(custom)) if custom else permission.name


def permission_label(permission) -> str:
    """As Django shows it ("app | model | name"), with every part translated."""
    return f"{permission.content_type} | {permission_name(permission)}"


class PermissionChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return permission_label(obj)


class TranslatedPermissionsMixin:
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoiceField
            queryset = kwargs.get("queryset", db_field.remote_field.model.objects)
            kwargs["queryset"] = queryset.select_related("content_type")
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)


class OceanisUserAdmin(TranslatedPermissionsMixin, UserAdmin):
    pass


class OceanisGroupAdmin(TranslatedPermissionsMixin, GroupAdmin):
    pass


for _model, _admin in ((User, OceanisUserAdmin), (Group, OceanisGroupAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
