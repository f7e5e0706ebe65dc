from django.apps import AppConfig


class ExtranetConfig(AppConfig):
    name = "extranet"
