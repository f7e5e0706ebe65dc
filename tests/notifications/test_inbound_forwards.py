"""Forwarded mail keeps the forwarded text, with or without "TR:"/"Fwd:" in the subject: the
quoted part of a forward is the request itself, not history to trim."""

from __future__ import annotations

import pytest

from notifications.inbound.mime import parse
from notifications.inbound.service import inbound_receive

from .corpus import CLIENT_THREAD_ID, raw

pytestmark = pytest.mark.django_db


def _crlf(text: str) -> bytes:
    return text.strip("\n").replace("\n", "\r\n").encode() + b"\r\n"


# Outlook (desktop, French): the subject's "TR: " removed by hand. The forward looks exactly like
# a reply in the body; only the headers say this mail answers nothing.
OUTLOOK = _crlf("""
From: Marie Dupont <marie.dupont@acme-industrie.fr>
To: Oceanis Service Desk <support@oceanis.fr>
Subject: Dossier 88412 - bizhub C300i
Date: Mon, 26 Oct 2026 14:02:44 +0000
Message-ID: <PAXPR02MB7342A1B2C3D4E5F60718293A4B5C6D7E@PAXPR02MB7342.eurprd02.prod.outlook.com>
Thread-Topic: Dossier 88412 - bizhub C300i
Thread-Index: AQHbK1x9Zm9yd2FyZGVkIG1lc3NhZ2UgdGVzdA==
Content-Language: fr-FR
MIME-Version: 1.0
Content-Type: multipart/alternative;
\tboundary="_000_PAXPR02MB7342A1B2C3D4E5F6_"

--_000_PAXPR02MB7342A1B2C3D4E5F6_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Pouvez-vous prendre rendez-vous avec Konica ?

Marie

________________________________
De : Support Konica <support@konica-exemple.fr>
Envoy=C3=A9 : lundi 26 octobre 2026 13:40
=C3=80 : Marie Dupont <marie.dupont@acme-industrie.fr>
Objet : Dossier 88412 - bizhub C300i

Bonjour Madame,

Le kit de fusion de votre bizhub C300i doit =C3=AAtre remplac=C3=A9 (compteur 4=
12 000 pages).
Intervention possible jeudi matin.

--_000_PAXPR02MB7342A1B2C3D4E5F6_
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

<html><body><div>Pouvez-vous prendre rendez-vous avec Konica ?</div><div>Ma=
rie</div><hr style=3D"display:inline-block;width:98%"><div id=3D"divRplyFwdM=
sg"><b>De :</b> Support Konica<br><b>Objet :</b> Dossier 88412</div><div>Le=
 kit de fusion de votre bizhub C300i doit =C3=AAtre remplac=C3=A9.</div></bo=
dy></html>

--_000_PAXPR02MB7342A1B2C3D4E5F6_--
""")

# Gmail (web, French UI): "Fwd: " removed; Gmail threads forwards to the forwarded message.
GMAIL = _crlf("""
MIME-Version: 1.0
From: =?UTF-8?Q?J=C3=A9r=C3=B4me_Bernard?= <jerome.bernard@acme-industrie.fr>
Date: Tue, 27 Oct 2026 07:58:03 +0100
Message-ID: <CAHk3r9WzYt2Qm6Lp0vF5x8nRk1sD3gH7jK9lA2bC4dE6fG8hJ1@mail.gmail.com>
References: <veeam-job-20261027060000@acme-industrie.fr>
In-Reply-To: <veeam-job-20261027060000@acme-industrie.fr>
Subject: Sauvegardes en erreur cette nuit
To: support@oceanis.fr
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"

--000000000000a1b2c3d4e5f60718
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Bonjour, pouvez-vous regarder ?

---------- Forwarded message ---------
De : Veeam Backup <veeam@acme-industrie.fr>
Date: mar. 27 oct. 2026 =C3=A0 06:00
Subject: Alerte sauvegarde Veeam - 3 VMs en erreur
To: <informatique@acme-industrie.fr>

Job "Sauvegarde quotidienne" : 3 VMs en erreur
- SRV-ERP : Failed to create snapshot

--000000000000a1b2c3d4e5f60718
Content-Type: text/html; charset="UTF-8"

<div dir=3D"ltr">Bonjour, pouvez-vous regarder ?<br><br><div class=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_attr">---------- Forwarded message ---------<br>De&nbsp;: <strong>Veeam Backup</strong></div><div>Job &quot;Sauvegarde quotidienne&quot; : 3 VMs en erreur</div></div></div>

--000000000000a1b2c3d4e5f60718--
""")  # noqa: E501 - Gmail writes long HTML lines

# Thunderbird (French), HTML only: the forwarded message sits in a moz-forward-container.
THUNDERBIRD = _crlf("""
From: Marie Dupont <marie.dupont@acme-industrie.fr>
To: support@oceanis.fr
Subject: Alerte disque plein SRV-ERP
Date: Mon, 26 Oct 2026 07:31:10 +0100
Message-ID: <3f7c1a2b-9d8e-4f60-a1b2-c3d4e5f60718@acme-industrie.fr>
User-Agent: Mozilla Thunderbird
MIME-Version: 1.0
Content-Language: fr
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: 8bit

<html><body><p>Voir ci-dessous, c'est urgent.</p>
<div class="moz-forward-container"><br><br>-------- Message transféré --------
<table class="moz-email-headers-table"><tbody>
<tr><th>Sujet :</th><td>Alerte disque plein SRV-ERP</td></tr>
<tr><th>Date :</th><td>Mon, 26 Oct 2026 05:00:02 +0100</td></tr>
<tr><th>De :</th><td>Zabbix &lt;zabbix@acme-industrie.fr&gt;</td></tr>
<tr><th>Pour :</th><td>informatique@acme-industrie.fr</td></tr>
</tbody></table><br>
<pre>Problem started at 05:00:00 on 2026.10.26
Host: SRV-ERP
Free disk space is less than 5% on volume D:</pre></div></body></html>
""")

# Apple Mail (French): "Début du message réexpédié :", plain text.
APPLE = _crlf("""
From: Marie Dupont <marie.dupont@acme-industrie.fr>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
Mime-Version: 1.0 (Mac OS X Mail 16.0)
Subject: Licence Office expirée
Date: Wed, 28 Oct 2026 09:12:00 +0100
Message-Id: <B1C2D3E4-F5A6-4B7C-8D9E-0F1A2B3C4D5E@acme-industrie.fr>
To: support@oceanis.fr

Pour information.

Début du message réexpédié :

De: Microsoft 365 <no-reply@microsoft.example>
Objet: Votre abonnement a expiré
Date: 28 octobre 2026 à 06:00:00 UTC+1
À: marie.dupont@acme-industrie.fr

L'abonnement Microsoft 365 Business Standard (25 licences) a expiré.
""")


@pytest.mark.parametrize(
    ("raw_mail", "kept"),
    [
        (OUTLOOK, ["Pouvez-vous prendre rendez-vous", "Le kit de fusion", "jeudi matin"]),
        (GMAIL, ["pouvez-vous regarder", "Veeam Backup", "SRV-ERP : Failed to create snapshot"]),
        (THUNDERBIRD, ["c'est urgent", "Zabbix", "Free disk space is less than 5%"]),
        (APPLE, ["Pour information.", "Business Standard (25 licences) a expiré"]),
    ],
    ids=["outlook", "gmail", "thunderbird", "apple-mail"],
)
def test_a_forward_without_prefix_keeps_the_forwarded_text_in_the_new_ticket(acme, raw_mail, kept):
    message, _created = inbound_receive(raw_mail, "imap")
    assert message.status == "processed", message.error
    description = message.ticket.description
    for text in kept:
        assert text in description


def test_the_same_forward_with_its_prefix_is_read_the_same(acme):
    with_prefix = OUTLOOK.replace(b"Subject: Dossier", b"Subject: TR: Dossier")
    assert parse(with_prefix).text == parse(OUTLOOK).text
    assert parse(OUTLOOK).is_forward


def test_a_reply_still_loses_its_quoted_history_even_when_that_history_was_a_forward(
    ticket_123,
):
    reply = _crlf(f"""
From: Marie Dupont <marie.dupont@acme-industrie.fr>
To: support@oceanis.fr
Subject: RE: [OC-2026-000123] Imprimante bloquée
Date: Tue, 27 Oct 2026 10:00:00 +0100
Message-ID: <reply-over-forward-0001@acme-industrie.fr>
In-Reply-To: {CLIENT_THREAD_ID}
References: {CLIENT_THREAD_ID}
Content-Type: text/plain; charset=utf-8

Le technicien est passé, c'est réparé.

Le lun. 26 oct. 2026 à 10:12, Oceanis <support@oceanis.fr> a écrit :
> ---------- Forwarded message ---------
> De : Support Konica <support@konica-exemple.fr>
> Ancien contenu du fil.
""")
    message, _created = inbound_receive(reply, "imap")
    assert message.status == "processed" and message.ticket == ticket_123
    assert "c'est réparé" in message.event.body
    assert "Ancien contenu" not in message.event.body and "Konica" not in message.event.body


def test_a_new_mail_carrying_history_below_a_reply_prefix_is_still_trimmed(acme):
    """ "RE:" says it answers something: what is quoted below is history, not the request."""
    mail = OUTLOOK.replace(b"Subject: Dossier", b"Subject: RE: Dossier")
    message, _created = inbound_receive(mail, "imap")
    assert "Pouvez-vous prendre rendez-vous" in message.ticket.description
    assert "Le kit de fusion" not in message.ticket.description


def test_a_mail_forwarded_as_an_attachment_is_readable_in_the_ticket_and_kept_as_sent(acme):
    message, _created = inbound_receive(raw("18-forwarded-as-attachment.eml"), "imap")
    description = message.ticket.description
    assert "ressemble à du phishing" in description
    assert "Message joint" in description and "Objet : Remboursement en attente" in description
    assert "Cliquez ici pour recevoir votre remboursement." in description
    attached = message.ticket.attachments.get()
    assert attached.original_name == "Remboursement en attente.eml"
    assert b"phish-001@impots-remboursement.example" in attached.file.read()
