"""The rows of the dispatch list, rendered in Python.

The same markup ``backoffice/dispatch.html`` used to build with a template loop: each row
resolved some hundred template variables, two includes and as many translation tags, which
made the loop most of the page's time (issue 23). Every value is escaped as ``{{ }}`` would
escape it; the texts are the templates' own msgids, so the catalogues need no change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from sla.explain import format_duration

ROW_DATE = "D d/m H:i"


def _hm(value) -> str:
    return "—" if value is None else escape(format_duration(value))


def _local(value, fmt: str) -> str:
    # As the ``date`` filter gets it in a template: converted to the current time zone first.
    local = timezone.template_localtime(value)  # type: ignore[attr-defined]  # not in the stubs
    return escape(date_filter(local, fmt))


class _Words:
    """The fixed texts of a row, translated once per page in the active language."""

    def __init__(self) -> None:
        self.complexity = escape(_("Complexité"))
        self.assign = escape(_("Affecter"))
        self.current = escape(_("actuel"))
        self.client_activity = escape(_("dernière activité client"))
        self.orphaned = escape(_("propriétaire hors shift, sans passation"))
        self.other = escape(_("Ou un autre technicien"))
        self.no_technician = escape(_("Aucun technicien disponible."))
        self.met = escape(_("Respectée"))
        self.missed = escape(_("Non respectée"))
        self.stopped = escape(_("Arrêtée"))
        self.paused_title = escape(_("Hors plages horaires : le décompte est suspendu"))
        self.paused = escape(_("suspendu"))
        unread = escape(_("Nouvelle activité du client"))
        self.unread = (
            f'<span class="unread-marker" title="{unread}"><span aria-hidden="true">●</span>'
            f'<span class="sr-only">{unread}</span></span> '
        )
        # Texts with a value, as ``blocktranslate`` formats them (the value escaped).
        self.select = _("Sélectionner %(ref)s")
        self.assigned_to = _("affectée à %(name)s")
        self.suggested = _("Techniciens suggérés pour %(ref)s")
        self.assign_to = _("Affecter %(ref)s à %(name)s")
        self.ti = _("TI %(ti)s")
        self.late = _("Dépassée de %(late)s")


def gti_cell(ticket, words: _Words) -> str:
    """``backoffice/_gti_cell.html`` for one row."""
    gti = ticket.gti
    if gti.measured is not None:
        verdict = words.met if gti.met else words.missed
        ti = words.ti % {"ti": _hm(gti.measured)}
        return f'<span class="sla-{gti.level}">{verdict}</span> <small>{ti}</small>'
    if gti.stopped:
        return f'<span class="sla-none">{words.stopped}</span>'
    if gti.breached:
        return f'<span class="sla-breached">{words.late % {"late": _hm(gti.overdue)}}</span>'
    if gti.deadline:
        clock = ticket.countdown
        ticking = (
            f' data-countdown data-remaining="{clock.remaining_seconds}"'
            f' data-ticking="{clock.ticking_seconds}"'
            if clock
            else ""
        )
        cell = f'<span class="sla-{gti.level}"{ticking}>{_hm(gti.remaining)}</span>'
        if clock and not clock.ticking:
            cell += f' <small title="{words.paused_title}">⏸ {words.paused}</small>'
        return cell
    return "—"


def _other_options(suggestions) -> str:
    """The <option>s of a row's "other technician" select."""
    return "".join(
        f'<option value="{s.technician.pk}">{s.rank}. '
        f"{escape(getattr(s.technician, 'display_name', s.technician))} — "
        f"{escape(s.summary or ' · '.join(s.reasons))}</option>"
        for s in suggestions
    )


def _suggestion(s, ref: str, words: _Words) -> str:
    technician = s.technician
    name = escape(technician.display_name)
    classes = "suggestion"
    if s.referent:
        classes += " referent"
    if not s.qualified:
        classes += " underqualified"
    if s.current:
        action = f'<span class="badge">{words.current}</span>'
    else:
        primary = ' class="primary"' if s.rank == 1 else ""
        label = words.assign_to % {"ref": ref, "name": name}
        action = (
            f'<button type="submit" name="technician" value="{technician.pk}"{primary}'
            f' aria-label="{label}">{words.assign}</button>'
        )
    return (
        f'<li class="{classes}">\n'
        f'  <span class="s-name"><strong>{s.rank}. {name}</strong> <small class="muted">'
        f"{escape(technician.level_label)} · {escape(technician.team_label)}</small></span>\n"
        f'  <span class="s-reasons">{escape(s.summary)}</span>\n'
        f"  {action}\n</li>"
    )


def _row(row: dict, words: _Words, urls: dict, csrf_input: str) -> str:
    ticket = row["ticket"]
    ref = escape(ticket.reference)
    head = (
        f'<input type="checkbox" name="tickets" value="{ref}" form="bulk-form" id="pick-{ref}"'
        f' aria-label="{words.select % {"ref": ref}}">\n'
        f"          {words.unread if ticket.unread_activity else ''}"
        f'<a href="{urls["ticket"].replace("__ref__", ref)}"><strong>{ref}</strong></a>\n'
        f'          <span class="badge u-{escape(ticket.urgency)}">'
        f"{escape(ticket.urgency_label)}</span>\n"
        f'          <span class="badge">{words.complexity} '
        f"{escape(ticket.complexity_label.lower())}</span>\n"
        f'          <span class="state s-{escape(ticket.state)}">'
        f"{escape(ticket.state_label)}</span>\n"
        f'          <span class="gti">\n  {gti_cell(ticket, words)}\n · '
        f"{_local(ticket.gti_deadline, ROW_DATE)}</span>"
    )
    muted = f"— {escape(ticket.client.name)}"
    if ticket.site:
        muted += f" · {escape(ticket.site.name)}"
    if ticket.assignee:
        muted += " · " + words.assigned_to % {"name": escape(ticket.assignee)}
    activity = ticket.last_client_activity_at
    if activity:
        muted += (
            f' · {words.client_activity} <time datetime="{_local(activity, "c")}">'
            f"{_local(activity, ROW_DATE)}</time>"
        )
    orphaned = f'<span class="badge risk">{words.orphaned}</span>' if row["orphaned"] else ""
    if row["top"]:
        suggestions = "\n".join(_suggestion(s, ref, words) for s in row["top"])
        more = ""
        if row["more"]:
            more = (
                '\n          <div class="more-techs">\n'
                f'            <label for="other-{ref}">{words.other}</label>\n'
                f'            <select id="other-{ref}" name="other">'
                f"{_other_options(row['more'])}</select>\n"
                f'            <button type="submit" name="technician" value="other">'
                f"{words.assign}</button>\n          </div>"
            )
        assign = urls["assign"]
        body = (
            f'<form method="post" action="{assign}" hx-post="{assign}"'
            ' hx-target="#dispatch-live" hx-swap="outerHTML">\n'
            f'          {csrf_input}<input type="hidden" name="ticket" value="{ref}">\n'
            f'          <ol class="suggestions" aria-label="{words.suggested % {"ref": ref}}">\n'
            f"            {suggestions}\n          </ol>{more}\n        </form>"
        )
    else:
        body = f'<p class="error">{words.no_technician}</p>'
    return (
        f'\n      <li class="card dispatch-row row-{ticket.gti.level}" id="d-{ref}">\n'
        f'        <div class="d-head">\n          {head}\n        </div>\n'
        f'        <p class="d-title">{escape(ticket.title)} <small class="muted">{muted}</small>\n'
        f"          {orphaned}</p>\n        {body}\n      </li>\n    "
    )


def dispatch_rows_html(rows: Iterable[dict], csrf_token: str) -> SafeString:
    """The ``<li>`` of each row of ``dispatch_context`` (ticket, orphaned, top, more)."""
    words = _Words()
    urls = {
        "ticket": reverse("backoffice:ticket", args=["__ref__"]),
        "assign": reverse("backoffice:dispatch_assign"),
    }
    csrf_input = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
        if csrf_token and csrf_token != "NOTPROVIDED"  # noqa: S105 (as {% csrf_token %})
        else ""
    )
    return mark_safe("".join(_row(row, words, urls, csrf_input) for row in rows))  # noqa: S308 (every value escaped)


def team_board_rows_html(board: Iterable, off_shift) -> SafeString:
    """The ``<tr>`` of ``backoffice/_team_board.html``: each technician's open tickets per
    urgency, at risk and breached (``tickets.dispatch.Workload``, labelled by the view)."""
    queue = reverse("backoffice:team_queue")
    absent, out_of_shift = escape(_("absent")), escape(_("hors shift"))
    rows = []
    for load in board:
        technician = load.technician
        away = technician.pk in off_shift
        notes = ""
        if not technician.available:
            notes += f" · <strong>{absent}</strong>"
        if away:
            notes += f" · <strong>{out_of_shift}</strong>"
        cells = "".join(
            f'<td class="{f"u-{urgency.value}" if n else ""}">{n}</td>'
            for urgency, n in load.by_urgency()
        )
        grey = ' class="absent"' if not technician.available or away else ""
        rows.append(
            f"\n      <tr{grey}>\n"
            f'        <th scope="row"><a href="{queue}?assignee={technician.pk}">'
            f'{escape(technician.display_name)}</a><br><small class="muted">'
            f"{escape(technician.level_label)} · {escape(technician.team_label)}"
            f"{notes}</small></th>\n"
            f"        {cells}\n"
            f"        <td>{load.open_count}</td>\n"
            f'        <td class="{"sla-risk" if load.at_risk else ""}">{load.at_risk}</td>\n'
            f'        <td class="{"sla-breached" if load.breached else ""}">{load.breached}</td>\n'
            "      </tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value escaped)
