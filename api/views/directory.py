"""Read endpoints for reference data, filtered to the caller's tenant."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from clients.models import Client, Contact, Contract, Site
from staff.models import Technician

from ..auth import HasScope, IsStaffScope, scope_for
from ..directory_serializers import (
    ClientSerializer,
    ContactSerializer,
    ContractSerializer,
    SiteSerializer,
    TechnicianSerializer,
)
from .schema import errors

CLIENT_FILTER = OpenApiParameter("client", str, description="Code client")


def _documented(name: str, serializer, filters=()):
    return extend_schema_view(
        list=extend_schema(
            summary=f"Lister : {name}",
            parameters=list(filters),
            responses={200: serializer(many=True), **errors(400, 401, 403, 429)},
        ),
        retrieve=extend_schema(
            summary=f"Lire : {name}",
            responses={200: serializer, **errors(401, 403, 404, 429)},
        ),
    )


class TenantReadViewSet(viewsets.ReadOnlyModelViewSet):
    """Objects carrying a ``client`` FK: a client-scoped caller sees only its own."""

    permission_classes = [HasScope]
    client_field = "client_id"

    def get_queryset(self):
        scope = scope_for(self.request)
        rows = super().get_queryset()
        if scope is None:
            return rows.none()
        if not scope.staff:
            rows = rows.filter(**{self.client_field: scope.client_id})
        code = self.request.query_params.get("client")
        if code and self.action == "list":
            rows = rows.filter(**{self.client_field.replace("_id", "__code"): code})
        return rows


@_documented("clients", ClientSerializer)
class ClientViewSet(TenantReadViewSet):
    serializer_class = ClientSerializer
    lookup_field = "code"
    client_field = "pk"

    def get_queryset(self):
        scope = scope_for(self.request)
        if scope is None:
            return Client.objects.none()
        rows = Client.objects.all()
        return rows if scope.staff else rows.filter(pk=scope.client_id)


@_documented("sites", SiteSerializer, [CLIENT_FILTER])
class SiteViewSet(TenantReadViewSet):
    serializer_class = SiteSerializer
    queryset = Site.objects.select_related("client")


@_documented("contacts", ContactSerializer, [CLIENT_FILTER])
class ContactViewSet(TenantReadViewSet):
    serializer_class = ContactSerializer
    queryset = Contact.objects.select_related("client")


@_documented("contrats", ContractSerializer, [CLIENT_FILTER])
class ContractViewSet(TenantReadViewSet):
    serializer_class = ContractSerializer
    queryset = Contract.objects.select_related("client")


@_documented("techniciens", TechnicianSerializer)
class TechnicianViewSet(viewsets.ReadOnlyModelViewSet):
    """Oceanis staff directory: not visible to client-scoped callers."""

    permission_classes = [IsStaffScope]
    serializer_class = TechnicianSerializer
    queryset = Technician.objects.select_related("user")
