"""Articles: Markdown rendered and sanitised, versions with author and date, visibility rules,
links, and the known error published from its problem in one action."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from changes import services as problem_services
from knowledge import services
from knowledge.markdown import render
from knowledge.models import Article, ArticleVersion, Visibility
from oceanis.models import ImmutableEventError
from search.models import Audience, DocType, SearchDocument
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tech_client(client, tech):
    client.force_login(tech.user)
    return client


def test_markdown_is_rendered_and_sanitised():
    html = render(
        "## Étapes\n\n1. **Redémarrer**\n\n<script>alert(1)</script>\n"
        "[lien](javascript:alert(1)) [doc](https://docs.example/)\n"
        '<img src=x onerror="alert(1)">'
    )
    assert "<h2>Étapes</h2>" in html and "<strong>Redémarrer</strong>" in html
    # Raw HTML is shown as text, never as markup.
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert 'href="https://docs.example/" rel="noopener noreferrer"' in html


def test_each_save_is_a_version_with_its_author_and_date(tech, acme, globex):
    article = services.article_create(by=tech.user, title="VPN", body="v1")
    services.article_update(
        article=article,
        by=tech.user,
        title="VPN nomade",
        body="v2",
        visibility=Visibility.CHOSEN_CLIENTS,
        clients=[acme],
        note="Ajout nomade",
    )
    article.refresh_from_db()
    assert article.version == 2 and article.title == "VPN nomade"
    versions = list(article.versions.order_by("number"))
    assert [(v.number, v.body, v.author) for v in versions] == [
        (1, "v1", tech.user),
        (2, "v2", tech.user),
    ]
    with pytest.raises(ImmutableEventError):
        versions[0].delete()
    document = SearchDocument.objects.get(doc_type=DocType.ARTICLE, object_id=article.pk)
    assert document.audience == Audience.CHOSEN_CLIENTS
    assert list(document.clients.values_list("client_id", flat=True)) == [acme.pk]


def test_publishing_to_chosen_clients_needs_a_client(tech):
    with pytest.raises(ValidationError) as error:
        services.article_create(
            by=tech.user, title="X", body="Y", visibility=Visibility.CHOSEN_CLIENTS
        )
    assert "clients" in error.value.message_dict


def test_the_known_error_is_published_from_the_problem_page_in_one_action(tech_client, tech, acme):
    ticket = make_ticket(client=acme, title="Outlook plante")
    problem = problem_services.problem_create(
        by=tech.user,
        title="Outlook plante à l'ouverture",
        description="Depuis la mise à jour 2408",
        workaround="Démarrer Outlook en mode sans échec puis désactiver le complément PDF.",
        tickets=[ticket],
    )
    page = tech_client.get(reverse("changes:problem_detail", args=[problem.pk])).content.decode()
    action = reverse("knowledge:publish_problem", args=[problem.pk])
    assert f'action="{action}"' in page

    response = tech_client.post(action)
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "knowledge:detail", args=[article.pk]
    )
    assert article.visibility == Visibility.CHOSEN_CLIENTS
    assert list(article.clients.all()) == [acme]
    assert list(article.problems.all()) == [problem] and list(article.tickets.all()) == [ticket]
    assert "mode sans échec" in article.body and article.category.name == "Erreurs connues"

    # Publishing again updates the same article (a new version), never a duplicate.
    tech_client.post(action)
    assert Article.objects.count() == 1 and ArticleVersion.objects.count() == 2


def test_a_problem_without_workaround_cannot_be_published(tech_client, tech):
    problem = problem_services.problem_create(by=tech.user, title="Inconnu")
    response = tech_client.post(reverse("knowledge:publish_problem", args=[problem.pk]))
    assert response.status_code == 302 and not Article.objects.exists()


def test_staff_write_and_read_articles_through_the_screens(tech_client, acme):
    response = tech_client.post(
        reverse("knowledge:create"),
        {
            "title": "Réinitialiser un mot de passe",
            "body": "1. Ouvrir **l'annuaire**",
            "new_category": "Comptes",
            "tags": "compte, annuaire",
            "visibility": Visibility.ALL_CLIENTS,
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert sorted(article.tags.values_list("name", flat=True)) == ["annuaire", "compte"]
    page = tech_client.get(reverse("knowledge:detail", args=[article.pk])).content.decode()
    assert "<strong>l&#x27;annuaire</strong>" in page or "<strong>l'annuaire</strong>" in page
    bad = tech_client.post(reverse("knowledge:create"), {"title": "", "body": ""})
    assert bad.status_code == 200 and Article.objects.count() == 1
    listing = tech_client.get(reverse("knowledge:list"))
    assert "Réinitialiser un mot de passe" in listing.content.decode()


def test_the_ticket_page_suggests_articles_from_its_title(tech_client, tech, acme, indexed):
    with indexed():
        services.article_create(
            by=tech.user, title="Imprimante : bourrage papier", body="Ouvrir le capot"
        )
        services.article_create(by=tech.user, title="Messagerie pleine", body="Archiver")
    ticket = make_ticket(client=acme, title="Imprimante bloquée", description="Bourrage")
    page = tech_client.get(reverse("backoffice:ticket", args=[ticket.reference])).content.decode()
    panel_url = reverse("knowledge:ticket_panel", args=[ticket.reference])
    assert f'hx-get="{panel_url}"' in page
    panel = tech_client.get(panel_url).content.decode()
    assert "Imprimante : bourrage papier" in panel and "Messagerie pleine" not in panel

    article = Article.objects.get(title__startswith="Imprimante")
    tech_client.post(
        reverse("knowledge:link", args=[article.pk]),
        {"tickets": ticket.reference, "back": ticket.reference},
    )
    assert list(article.tickets.all()) == [ticket]


def test_contacts_never_reach_the_staff_screens(client, acme_contact):
    client.force_login(acme_contact.user)
    response = client.get(reverse("knowledge:list"))
    assert response.status_code in (302, 403)


def test_the_demo_articles_load_once(tech):
    from django.core.management import call_command

    call_command("seed_knowledge_demo")
    call_command("seed_knowledge_demo")
    assert Article.objects.count() == 4
    assert Article.objects.filter(visibility=Visibility.INTERNAL).count() == 1
    assert ArticleVersion.objects.count() == 4
