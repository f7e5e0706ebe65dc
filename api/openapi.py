"""The OpenAPI schema states, for every operation, the token scope it asks for, the request
bodies it reads (JSON) and every error status it can answer, in the common error shape."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from oceanis.text import CONTROL_CLASS

from .auth import required_scope
from .views.schema import errors

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# What api.parsers refuses in any text of a body: C0 controls but tab and line ends, and DEL.
_ALLOWED = rf"[^{CONTROL_CLASS}]"
TEXT_PATTERN = rf"^{_ALLOWED}*$"
# DRF trims text fields: one that may not be blank needs a character other than a space.
NON_BLANK_TEXT_PATTERN = rf"^{_ALLOWED}*[^\s{CONTROL_CLASS}]{_ALLOWED}*$"


class ScopedAutoSchema(AutoSchema):
    """Appends the required scope to each operation's description and exposes it as
    ``x-token-scope``: OpenAPI 3.0 lets only OAuth2 schemes carry scopes in ``security``."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        scope = required_scope(self.view, method)
        if scope is None:
            line = _("Aucun jeton d'API n'ouvre cette route (session uniquement).")
        else:
            line = _("Portée du jeton requise : `%s`.") % scope
        description = operation.get("description", "")
        operation["description"] = f"{description}\n\n{line}" if description else line
        if scope is not None:
            operation["x-token-scope"] = scope
        return operation

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and getattr(serializer, "rejects_unknown_fields", False):
            schema["additionalProperties"] = False
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and schema.get("type") == "string"
            and "pattern" not in schema
            and "format" not in schema
        ):
            blank_refused = field.trim_whitespace and not field.allow_blank
            schema["pattern"] = NON_BLANK_TEXT_PATTERN if blank_refused else TEXT_PATTERN
        if (
            direction == "request"
            and isinstance(field, serializers.ListField | serializers.MultipleChoiceField)
            and not field.allow_empty
        ):
            schema.setdefault("minItems", 1)
        return schema

    def map_parsers(self):
        # The API is JSON. The form parsers stay for callers that used them, undocumented: a
        # form cannot say `null` nor nest an object, so a form body is not the documented one.
        return ["application/json"]

    def _get_response_bodies(self, direction="response"):
        """The view's documented responses, completed with every error status the API can
        answer for this operation (a check of the contract must find none undocumented).

        Here rather than in ``get_response_serializers``, which ``@extend_schema`` replaces."""
        responses = super()._get_response_bodies(direction)
        missing = [code for code in self._possible_errors() if str(code) not in responses]
        for code, response in errors(*missing).items():
            responses[str(code)] = self._get_response_for_code(response, str(code), None, direction)
        return dict(sorted(responses.items()))

    def _possible_errors(self) -> list[int]:
        codes = [401, 403]  # any token can be revoked, or lack the operation's scope
        if "{" in self.path:
            codes.append(404)
        if self.method in BODY_METHODS:
            codes += [400, 413]  # malformed or invalid body; body over the size limit
        elif self._is_list_view():
            codes.append(400)  # filters, page size and cursor are validated
        if self.view.get_throttles():
            codes.append(429)
        return codes
