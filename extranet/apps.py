from django.apps import AppConfig


class ExtranetConfig(AppConfig):
    name = "extranet"

    def ready(self):
        from django.db.models.signals import post_delete

        from .models import ProjectDocument, delete_document_file

        # A withdrawn document must not linger on disk (client confidentiality).
        post_delete.connect(delete_document_file, sender=ProjectDocument)
