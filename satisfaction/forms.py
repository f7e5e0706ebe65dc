from django import forms
from django.utils.translation import gettext_lazy as _

SCORES = [
    (5, _("5 – Excellent")),
    (4, _("4 – Bien")),
    (3, _("3 – Correct")),
    (2, _("2 – Décevant")),
    (1, _("1 – Mauvais")),
]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Votre note"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une note de 1 à 5.")},
    )
    comment = forms.CharField(
        label=_("Un commentaire (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
