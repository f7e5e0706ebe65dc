"""The API's writes: tokens (issued, re-scoped, revoked by the admin and the management command)
and outgoing webhooks (delivery rows written with the ticket event, signed attempts, sweeper)."""

from .tokens import service_account_problem, token_create, token_revoke, token_set_scopes

__all__ = ["service_account_problem", "token_create", "token_revoke", "token_set_scopes"]
