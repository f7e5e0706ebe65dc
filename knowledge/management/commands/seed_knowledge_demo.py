"""Demo knowledge articles written by the RUN engineering team (idempotent: by title)."""

from django.core.management.base import BaseCommand

from knowledge import services
from knowledge.models import Article, Category, Visibility
from staff.models import Team, Technician

ARTICLES = [
    (
        "Imprimante : débloquer un bourrage papier",
        "Postes et impression",
        "imprimante, bourrage",
        Visibility.ALL_CLIENTS,
        "1. Éteindre l'imprimante.\n2. Ouvrir le capot avant et retirer la feuille "
        "**doucement**, dans le sens du papier.\n3. Refermer, rallumer, relancer l'impression.\n\n"
        "Si le voyant reste orange, faites une demande en joignant une photo de l'écran.",
    ),
    (
        "Outlook demande le mot de passe en boucle",
        "Messagerie",
        "outlook, messagerie, mot de passe",
        Visibility.ALL_CLIENTS,
        "## Contournement\n\n- Fermer Outlook.\n- Panneau de configuration › Gestionnaire "
        "d'identification : supprimer les entrées `MicrosoftOffice`.\n- Relancer Outlook et "
        "saisir le mot de passe une fois.",
    ),
    (
        "VPN nomade : la connexion échoue après changement de mot de passe",
        "Réseau",
        "vpn, mot de passe",
        Visibility.ALL_CLIENTS,
        "Le client VPN garde l'ancien mot de passe : ouvrez-le, **Paramètres › Oublier les "
        "identifiants**, puis reconnectez-vous.",
    ),
    (
        "Procédure interne : redémarrage du cluster de virtualisation",
        "Exploitation",
        "cluster, virtualisation",
        Visibility.INTERNAL,
        "Réservé à l'ingénierie RUN.\n\n1. Basculer les VM critiques.\n2. Mettre l'hôte en "
        "maintenance.\n3. Redémarrer, vérifier les alarmes de supervision.",
    ),
]


class Command(BaseCommand):
    help = "Load demo knowledge articles (idempotent)."

    def handle(self, *args, **options):
        author = Technician.objects.filter(team=Team.RUN).select_related("user").first()
        by = author.user if author else None
        added = 0
        for title, category, tags, visibility, body in ARTICLES:
            if Article.objects.filter(title=title).exists():
                continue
            services.article_create(
                by=by,
                title=title,
                body=body,
                visibility=visibility,
                category=Category.objects.get_or_create(name=category)[0],
                tags=services.tags_from_text(tags),
            )
            added += 1
        self.stdout.write(f"{added} knowledge articles added.")
