"""Request bodies held to their documented schema: JSON types as written, no unknown field.

DRF is lenient where the OpenAPI schema is not: a text field takes ``0``, a boolean takes ``0``
or ``"yes"``, an integer ``"5"`` or ``5.0``, and unknown fields are ignored. An integration then
"works" with a body its contract calls invalid, until the day DRF's guess differs from its
intent. ``StrictBodyMixin`` refuses such bodies with 400, naming each field; the schema states
the same (``additionalProperties: false``, see ``api.openapi``). Form bodies, which the schema
does not document, keep DRF's reading.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

TEXT = _("Type incorrect : texte attendu.")
BOOLEAN = _("Type incorrect : true ou false attendu.")
INTEGER = _("Type incorrect : nombre entier attendu.")
LIST = _("Type incorrect : liste attendue.")
OBJECT = _("Type incorrect : objet attendu.")
UNKNOWN = _("Champ inconnu.")


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _choice_problem(field: serializers.ChoiceField, value):
    kinds = {type(key) for key in field.choices}
    if kinds == {str} and not isinstance(value, str):
        return TEXT
    if kinds == {int} and not _is_integer(value):
        return INTEGER
    return None


def type_problem(field: serializers.Field, value):
    """Why ``value`` is not of the JSON type the schema documents for ``field``, or None."""
    if value is None:
        return None  # allow_null is the field's own rule
    if isinstance(field, serializers.MultipleChoiceField | serializers.ListField):
        return None if isinstance(value, list) else LIST
    if isinstance(field, serializers.ChoiceField):
        return _choice_problem(field, value)
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else BOOLEAN
    if isinstance(field, serializers.CharField | serializers.SlugRelatedField):
        return None if isinstance(value, str) else TEXT
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        return None if _is_integer(value) else INTEGER
    if isinstance(field, serializers.BaseSerializer):
        return None if isinstance(value, Mapping) else OBJECT
    return None


# For request serializers: refuse unknown fields and values of another JSON type. A comment,
# not a docstring: drf-spectacular would describe every request body with it.
class StrictBodyMixin:
    rejects_unknown_fields = True  # read by api.openapi: additionalProperties: false

    def to_internal_value(self, data):
        # A form (QueryDict) carries only text and is not the documented body: DRF's reading.
        if isinstance(data, Mapping) and not isinstance(data, QueryDict):
            writable = {name: field for name, field in self.fields.items() if not field.read_only}
            problems = {}
            for key, value in data.items():
                field = writable.get(key)
                problem = UNKNOWN if field is None else type_problem(field, value)
                if problem is not None:
                    problems[key] = [problem]
            if problems:
                raise serializers.ValidationError(problems)
        return super().to_internal_value(data)
