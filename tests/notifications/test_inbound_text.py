"""Bodies of inbound mail: quoted history trimmed, HTML sanitised and flattened, charsets."""

from __future__ import annotations

import pytest

from notifications.inbound.mime import MalformedMail, decode_bytes, parse
from notifications.inbound.text import html_to_text, sanitize_html, trim_quoted


@pytest.mark.parametrize(
    "quote",
    [
        "De : Oceanis <support@oceanis.fr>\nEnvoyé : lundi 26 octobre 2026 10:12\nÀ : moi",
        "From: Oceanis <support@oceanis.fr>\nSent: Monday, October 26, 2026 10:12 AM\nTo: me",
        "-----Original Message-----\nFrom: Oceanis",
        "-----Message d'origine-----\nDe : Oceanis",
        "________________________________\nDe : Oceanis\nEnvoyé : lundi",
        "Le lun. 26 oct. 2026 à 10:12, Oceanis <support@oceanis.fr> a écrit :\n> ancien",
        "Le lun. 26 oct. 2026 à 10:12, Oceanis Service Desk <\nsupport@oceanis.fr> a écrit :",
        "On Mon, Oct 26, 2026 at 10:12 AM Oceanis <support@oceanis.fr> wrote:\n> old",
        "Le 26/10/2026 à 10:12, Oceanis a écrit :\n> ancien",
    ],
)
def test_quoted_history_is_trimmed(quote):
    assert trim_quoted(f"C'est réparé, merci.\n\n{quote}\n\nAncien message") == (
        "C'est réparé, merci."
    )


def test_quoted_lines_go_but_an_inline_answer_between_them_stays():
    text = "Voici ma réponse.\n> Avez-vous redémarré ?\nOui, deux fois.\n> Merci"
    assert trim_quoted(text) == "Voici ma réponse.\nOui, deux fois."


def test_a_sentence_that_looks_like_an_attribution_is_kept():
    text = "Le technicien a écrit :\nil faut changer le toner."
    assert trim_quoted(text) == text


def test_a_message_that_is_only_a_quote_is_not_emptied():
    assert trim_quoted("> seul le message cité") == "> seul le message cité"


def test_de_without_a_header_block_is_ordinary_text():
    text = "De : mon point de vue, c'est le switch.\nMerci."
    assert trim_quoted(text) == text


def test_html_is_flattened_with_lists_links_and_without_the_quoted_part():
    html = sanitize_html(
        '<p>Bonjour&nbsp;!</p><ul><li>un</li><li>deux</li></ul><p>Voir <a href="https://x.fr/a">'
        'la page</a><br>Merci</p><div class="gmail_quote">Le lun. a écrit : vieux</div>'
    )
    assert html_to_text(html) == "Bonjour !\n\n- un\n- deux\n\nVoir la page <https://x.fr/a>\nMerci"
    assert "vieux" in html_to_text(html, trim_quotes=False)


def test_sanitising_removes_scripts_styles_handlers_and_javascript_urls():
    html = sanitize_html(
        '<style>p{}</style><script>alert(1)</script><p onclick="x()">ok</p>'
        '<a href="javascript:alert(1)">lien</a><img src=x onerror=alert(1)>'
    )
    assert "script" not in html and "onclick" not in html and "onerror" not in html
    assert "javascript:" not in html and "p{}" not in html
    assert "<p>ok</p>" in html


def test_charsets_are_decoded_whatever_they_claim():
    assert decode_bytes("été".encode("latin-1"), "utf-8") == "été"
    assert decode_bytes("été".encode(), "iso-8859-1") == "été"  # UTF-8 labelled Latin-1
    assert decode_bytes("été".encode(), "x-unknown") == "été"
    assert decode_bytes("€".encode("cp1252"), "us-ascii") == "€"


def test_a_message_without_sender_or_headers_is_malformed():
    with pytest.raises(MalformedMail, match="Message vide"):
        parse(b"  \r\n")
    with pytest.raises(MalformedMail, match="Expéditeur"):
        parse(b"Subject: hello\r\nTo: support@oceanis.fr\r\n\r\nbody")


def test_reply_and_forward_prefixes_are_recognised():
    base = b"From: a@b.fr\r\nMessage-ID: <x@b.fr>\r\nSubject: %s\r\n\r\nTexte"
    for subject, clean, forward in [
        (b"RE: TR: Fwd: [OC-2026-000123] Panne", "[OC-2026-000123] Panne", False),
        (b"TR: Panne imprimante", "Panne imprimante", True),
        (b"AW: WG: Drucker", "Drucker", False),
        (b"Re[2]: Panne", "Panne", False),
        (b"Fw: Panne", "Panne", True),
        (b"Reprise de la production", "Reprise de la production", False),
    ]:
        parsed = parse(base % subject)
        assert (parsed.clean_subject, parsed.is_forward) == (clean, forward)


def test_the_subject_token_is_found_anywhere_and_in_any_case():
    parsed = parse(b"From: a@b.fr\r\nSubject: Re: suite [ oc-2026-000123 ] ok\r\n\r\nTexte")
    assert parsed.ticket_token == "OC-2026-000123"
