"""Read endpoints for reference data, filtered to the caller's tenant."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from clients.models import Client, Contact, Contract, Site
from extranet.selectors import is_site_restricted
from staff.models import Technician

from ..auth import HasScope, IsStaffScope, scope_for
from ..directory_serializers import (
    ClientSerializer,
    ContactSerializer,
    ContractSerializer,
    SiteSerializer,
    TechnicianSerializer,
)
from ..filters import ClientCodeFilter, ListFilterBackend
from ..scopes import ScopeRule, TokenScope
from .schema import errors


def _documented(name: str, serializer):
    return extend_schema_view(
        list=extend_schema(
            summary=f"Lister : {name}",
            responses={200: serializer(many=True), **errors(400, 401, 403, 429)},
        ),
        retrieve=extend_schema(
            summary=f"Lire : {name}",
            responses={200: serializer, **errors(401, 403, 404, 429)},
        ),
    )


class TenantReadViewSet(viewsets.ReadOnlyModelViewSet):
    """Objects carrying a ``client`` FK: a client-scoped caller sees only its own; the list
    filters by client code (``ClientCodeFilter``)."""

    permission_classes = [HasScope]
    filter_backends = [ListFilterBackend]
    filterset_class = ClientCodeFilter
    token_scopes = ScopeRule(read=TokenScope.DIRECTORY_READ)
    client_field = "client_id"

    def get_queryset(self):
        scope = scope_for(self.request)
        rows = super().get_queryset()
        if scope is None:
            return rows.none()
        if not scope.staff:
            rows = rows.filter(**{self.client_field: scope.client_id})
            contact = _site_restricted_contact(self.request)
            if contact is not None:
                rows = self.narrow_to_site(rows, contact)
        return rows

    def narrow_to_site(self, rows, contact: Contact):
        """What a contact restricted to their site sees of this resource (the extranet's rule)."""
        return rows


def _site_restricted_contact(request) -> Contact | None:
    """The session's contact when the extranet restricts them to their site, else None.

    Tokens are scoped to a whole client; only a logged-in contact can be site-restricted. A
    restricted contact without a site sees no site at all, as in the extranet.
    """
    if request.auth is not None or not request.user.is_authenticated:
        return None
    contact = getattr(request.user, "contact", None)  # loaded (and cached) by scope_for
    return contact if contact is not None and is_site_restricted(contact) else None


@_documented("clients", ClientSerializer)
class ClientViewSet(TenantReadViewSet):
    serializer_class = ClientSerializer
    lookup_field = "code"
    client_field = "pk"
    filterset_class = None

    def get_queryset(self):
        scope = scope_for(self.request)
        if scope is None:
            return Client.objects.none()
        rows = Client.objects.all()
        return rows if scope.staff else rows.filter(pk=scope.client_id)


@_documented("sites", SiteSerializer)
class SiteViewSet(TenantReadViewSet):
    serializer_class = SiteSerializer
    queryset = Site.objects.select_related("client")

    def narrow_to_site(self, rows, contact):
        return rows.filter(pk=contact.site_id)


@_documented("contacts", ContactSerializer)
class ContactViewSet(TenantReadViewSet):
    serializer_class = ContactSerializer
    queryset = Contact.objects.select_related("client")

    def narrow_to_site(self, rows, contact):
        own = Q(pk=contact.pk)
        return rows.filter(Q(site_id=contact.site_id) | own if contact.site_id else own)


@_documented("contrats", ContractSerializer)
class ContractViewSet(TenantReadViewSet):
    serializer_class = ContractSerializer
    queryset = Contract.objects.select_related("client")


@_documented("techniciens", TechnicianSerializer)
class TechnicianViewSet(viewsets.ReadOnlyModelViewSet):
    """Oceanis staff directory: not visible to client-scoped callers."""

    permission_classes = [IsStaffScope]
    token_scopes = ScopeRule(read=TokenScope.DIRECTORY_READ)
    serializer_class = TechnicianSerializer
    queryset = Technician.objects.select_related("user")
