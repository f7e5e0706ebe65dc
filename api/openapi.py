"""The OpenAPI schema states, for every operation, the token scope it asks for."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema

from .auth import required_scope


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
