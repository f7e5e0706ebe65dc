"""Rebuild every search document from its source: after a bulk import, a restore, or to repair
documents an interrupted after-commit refresh left behind."""

from django.core.management.base import BaseCommand

from knowledge.models import Article
from knowledge.services import article_index
from search.services import documents_rebuild


class Command(BaseCommand):
    help = "Reconstruit l'index de recherche (demandes, problèmes, articles)."

    def handle(self, *args, **options):
        count = documents_rebuild()
        for article in Article.objects.order_by("pk").iterator(200):
            article_index(article=article)
            count += 1
        self.stdout.write(f"{count} documents")
