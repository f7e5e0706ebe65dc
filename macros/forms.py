from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Macro, Scope
from .placeholders import PLACEHOLDERS


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = [
            "name",
            "body",
            "scope",
            "team",
            "visibility",
            "set_pending_on_client",
            "pending_reason",
            "minutes_spent",
            "is_active",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, manager: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = _("Champs : %(fields)s") % {
            "fields": ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        }
        if not manager:
            # Team macros are the managers' (the service enforces it too).
            self.fields["scope"].choices = [(Scope.PERSONAL.value, Scope.PERSONAL.label)]
            del self.fields["team"]
