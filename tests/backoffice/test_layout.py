"""One layout for the whole back-office: every staff page, whatever its module, has the same top
bar (main links, Modules menu, search box, notices bell, user menu) and its module's own links."""

import pytest
from django.test.html import Element, parse_html
from django.urls import reverse

from tests.factories import make_ticket

# One page per module, each with the links its module adds under the top bar.
STAFF_PAGES = {
    "home": [],
    "backoffice:team_queue": [],
    "notices:list": [],
    "incidents:list": ["incidents:list", "changes:problem_list", "shifts:handover"],
    "changes:change_list": ["changes:change_list", "shifts:planning"],
    "changes:problem_list": ["changes:problem_list"],
    "shifts:handover": ["shifts:handover"],
    "shifts:planning": ["shifts:planning"],
    "oncall:now": ["oncall:now", "oncall:calendar", "oncall:page_list"],
    "oncall:calendar": ["oncall:calendar"],
    "oncall:page_list": ["oncall:page_list"],
    "projects:list": ["projects:list", "projects:capacity"],
    "projects:capacity": ["projects:capacity"],
    "reports:index": ["reports:index", "reports:team", "reports:billing", "reports:monthly"],
    "reports:team": ["reports:team"],
}


class Node:
    """Just enough of a DOM to query the parsed page: tag, class and attribute filters."""

    def __init__(self, element: Element):
        self.element = element
        self.attrs = dict(element.attributes)

    def __getitem__(self, name):
        value = self.attrs[name]
        return value.split() if name == "class" else value

    def find_all(self, tag=None, cls=None, **attrs):
        found = []
        for child in self.element.children:
            if not isinstance(child, Element):
                continue
            node = Node(child)
            if (
                (tag is None or child.name == tag)
                and (cls is None or cls in node.attrs.get("class", "").split())
                and all(
                    (name in node.attrs) if value is True else node.attrs.get(name) == value
                    for name, value in attrs.items()
                )
            ):
                found.append(node)
            found.extend(node.find_all(tag, cls, **attrs))
        return found

    def find(self, tag=None, cls=None, **attrs):
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def hrefs(self, **attrs):
        return [a["href"] for a in self.find_all("a", **attrs)]


def top_bar(response):
    page = Node(parse_html(response.content.decode()))
    header = page.find("header", "topbar")
    assert header is not None
    return page, header


@pytest.mark.django_db
@pytest.mark.parametrize("name", STAFF_PAGES)
def test_every_staff_page_has_the_shared_top_bar(client, manager, name):
    client.force_login(manager.user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    soup, header = top_bar(response)

    main_links = header.find("nav", "staff-nav").hrefs()
    assert main_links[:4] == [
        reverse("home"),
        reverse("backoffice:escalated_queue"),
        reverse("backoffice:team_queue"),
        reverse("backoffice:ticket_new"),
    ]
    modules = set(header.find("details", "bo-more").hrefs())
    assert {reverse("incidents:list"), reverse("oncall:now"), reverse("reports:index")} <= modules
    search = header.find("form", "bo-search")
    assert search["action"] == reverse("backoffice:search")
    assert search.find("input", name="q") is not None
    assert header.find(id="notice-bell") is not None
    assert header.find("form", action=reverse("logout")).find("button") is not None
    assert header.find("select", name="language") is not None

    subnav = {href for nav in soup.find_all("nav", "subnav") for href in nav.hrefs()}
    assert {reverse(link) for link in STAFF_PAGES[name]} <= subnav


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("incidents:list", "incidents:list"),
        ("changes:change_list", "changes:change_list"),
        ("changes:problem_list", "changes:problem_list"),
        ("oncall:calendar", "oncall:now"),
        ("projects:capacity", "projects:list"),
        ("reports:team", "reports:index"),
    ],
)
def test_the_modules_menu_marks_the_module_in_use(client, manager, name, module):
    client.force_login(manager.user)
    _, header = top_bar(client.get(reverse(name)))
    menu = header.find("details", "bo-more")
    assert "bo-more--current" in menu["class"]
    assert menu.hrefs(**{"aria-current": True}) == [reverse(module)]


@pytest.mark.django_db
def test_queue_pages_mark_no_module(client, technician):
    client.force_login(technician.user)
    _, header = top_bar(client.get(reverse("home")))
    menu = header.find("details", "bo-more")
    assert "bo-more--current" not in menu["class"]
    assert menu.hrefs(**{"aria-current": True}) == []
    assert header.find("nav", "staff-nav").hrefs(**{"aria-current": "page"}) == [reverse("home")]


@pytest.mark.django_db
def test_the_ticket_page_has_the_shared_top_bar_without_a_module_bar(client, technician):
    ticket = make_ticket()
    client.force_login(technician.user)
    soup, header = top_bar(client.get(reverse("backoffice:ticket", args=[ticket.reference])))
    assert header.find("form", "bo-search") and header.find("details", "bo-more")
    assert soup.find_all("nav", "subnav") == []


@pytest.mark.django_db
def test_a_technician_does_not_see_reports_in_the_modules_menu_of_a_module(client, technician):
    client.force_login(technician.user)
    _, header = top_bar(client.get(reverse("oncall:now")))
    modules = set(header.find("details", "bo-more").hrefs())
    assert reverse("oncall:now") in modules
    assert reverse("reports:index") not in modules


@pytest.mark.django_db
def test_the_search_box_repeats_only_a_search(client, manager):
    """Modules give "query" other meanings (the reports' filter string): the box ignores it."""
    client.force_login(manager.user)
    _, header = top_bar(client.get(reverse("reports:index"), {"month": "2026-03"}))
    assert header.find("input", name="q")["value"] == ""
    _, header = top_bar(client.get(reverse("backoffice:search"), {"q": "imprimante"}))
    assert header.find("input", name="q")["value"] == "imprimante"
