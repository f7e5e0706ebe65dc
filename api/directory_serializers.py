"""Read-only representations of the reference data (clients, sites, contacts, contracts, staff)."""

from rest_framework import serializers

from clients.models import Client, Contact, Contract, Site
from staff.models import Technician


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "code", "name", "multi_site", "is_active"]


class SiteSerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Site
        fields = ["id", "client", "name", "address"]


class ContactSerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "client",
            "site",
            "first_name",
            "last_name",
            "email",
            "phone",
            "language",
            "is_client_admin",
            "is_active",
        ]


class ContractSerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "client",
            "name",
            "kind",
            "hours_plan",
            "gti_critical_minutes",
            "gti_very_blocking_minutes",
            "gti_slightly_blocking_minutes",
            "gti_non_blocking_minutes",
            "billing",
            "hourly_rate",
            "referent",
            "start_date",
            "end_date",
        ]


class TechnicianSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Technician
        fields = ["id", "name", "level", "team", "available"]
