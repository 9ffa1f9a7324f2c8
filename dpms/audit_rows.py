"""The audit trail page's rows as HTML, each worked out once in Python (``dpms.views.audit_trail``), and an
event's changes as a list of "field: before → after" lines (also the ``audit_changes`` tag of other pages).

A page of the trail holds fifty events of eight cells each, a dozen change lines in some: in the template
language each value was a lookup, a filter, a localisation and an escape, each column's label a translation
a row, and each line a ``format_html``. Here the words every row repeats are translated once a page
(``Words``), each action's phrase, type name and field label is worked out once a page
(``audit_words.Reading``), and a row is one string with its values escaped, written exactly as the template
wrote it (tests/dpms/test_audit_rows.py compares the two). Nothing is kept from one request to the next.
"""

import html
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from dpms import audit_words
from dpms.models import AuditEvent

NOTHING = '<span class="muted">—</span>'


def _escape(text) -> str:
    """``text`` escaped as the template language escapes a value (``conditional_escape``), as a plain
    string: the row is marked safe once, not each of its pieces."""
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))


@dataclass(frozen=True)
class Words:
    """The words every row repeats (the columns' labels on a phone, the hash's title, the sources' names), in
    the reader's language, each translated once a page."""

    when: str
    actor: str
    action: str
    object: str
    source: str
    changes: str
    hash: str
    hash_title: str
    changed_to: str
    sources: dict

    @classmethod
    def for_page(cls) -> "Words":
        labels = {
            "when": gettext("When"),
            "actor": gettext("Actor"),
            "action": gettext("Action"),
            "object": gettext("Object"),
            "source": gettext("Source"),
            "changes": gettext("Changes"),
            "hash": gettext("Hash"),
        }
        return cls(
            **{name: _escape(label) for name, label in labels.items()},
            hash_title=gettext("%(hash)s (request %(request)s)"),
            changed_to=_escape(gettext("changed to")),
            sources={value: str(label) for value, label in AuditEvent._meta.get_field("source").flatchoices},
        )


# --- Changes ---------------------------------------------------------------------------------------------
# A changed field, its old and new values (the arrow read out as "changed to"); a heading over lines of its
# own; a fact; the lines past the first few, folded.
CHANGE = (
    '<li>{label} <del class="audit-old">{before}</del> <span aria-hidden="true">→</span>'
    '<span class="visually-hidden">{changed_to}</span> <ins class="audit-new">{after}</ins></li>'
)
GROUP = '<li>{label}<ul class="audit-changes">{lines}</ul></li>'
FOLDED = '<li><details><summary>{more}</summary><ul class="audit-changes">{lines}</ul></details></li>'
LONG_VALUE = (
    '<details class="audit-long"><summary>{text}</summary><span class="audit-full">{full}</span></details>'
)


def _value(value: audit_words.Value | None) -> str:
    if value is None or value.empty:
        return NOTHING
    if value.full:
        return LONG_VALUE.format(text=_escape(value.text), full=_escape(value.full))
    return _escape(value.text)


def _line(line: audit_words.Line, changed_to: str) -> str:
    label = f'<span class="audit-field">{_escape(line.label)}:</span>'
    if line.kind == "change":
        before, after = _value(line.before), _value(line.after)
        return CHANGE.format(label=label, before=before, changed_to=changed_to, after=after)
    if line.kind == "group":
        return GROUP.format(label=label, lines="".join(_line(item, changed_to) for item in line.lines))
    return f"<li>{label} {_value(line.value)}</li>"


def changes_html(event, reading: audit_words.Reading, changed_to: str | None = None) -> SafeString:
    """An event's changes as a list of lines (``audit_words.change_lines``), the lines past the first few
    folded behind "n more"; no query. ``changed_to``: the words a screen reader hears for the arrow,
    escaped (translated once a page)."""
    changes = audit_words.change_lines(
        action=event.action, object_type=event.object_type, changes=event.changes, reading=reading
    )
    if not changes.shown:
        return mark_safe(NOTHING)  # noqa: S308 - a constant
    if changed_to is None:
        changed_to = _escape(gettext("changed to"))
    shown = "".join(_line(line, changed_to) for line in changes.shown)
    if changes.folded:
        count = len(changes.folded)
        more = ngettext("%(count)s more", "%(count)s more", count) % {"count": count}
        folded = "".join(_line(line, changed_to) for line in changes.folded)
        shown += FOLDED.format(more=_escape(more), lines=folded)
    return mark_safe(f'<ul class="audit-changes">{shown}</ul>')  # noqa: S308 - every value escaped above


# --- Rows -------------------------------------------------------------------------------------------------
# One row of the trail's table (templates/dpms/audit_trail.html loops over them), laid out as the template
# wrote it: the same markup and the same white space between the cells.
ROW = """
    <tr>
      <td data-label="#">{sequence}</td>
      <td data-label="{w.when}"><time datetime="{iso}">{when}</time></td>
      <td data-label="{w.actor}">{actor}</td>
      <td data-label="{w.action}"><span class="audit-action" title="{action}">{phrase}</span><br><code class="muted small">{action}</code></td>
      <td data-label="{w.object}">{object}</td>
      <td data-label="{w.source}">{source}</td>
      <td data-label="{w.changes}" class="small">{changes}</td>
      <td data-label="{w.hash}"><span class="muted small hash" title="{hash_title}">{hash}…</span></td>
    </tr>
  """  # noqa: E501 - one line a cell, as the page has it


def _object(event, reading: audit_words.Reading) -> str:
    text = _escape(event.object_label)
    if not event.object_type:
        return text
    number = f" #{_escape(event.object_id)}" if event.object_id else ""
    return f'{text} <span class="muted small">{_escape(reading.type_name(event.object_type))}{number}</span>'


def _source(event, words: Words) -> str:
    text = _escape(words.sources.get(event.source, event.source))
    if event.client_ip:
        return f'{text}<br><span class="muted small">{_escape(event.client_ip)}</span>'
    return text


def trail_rows(events) -> list[SafeString]:
    """The page's events as table rows: their moments in the reader's time zone and date format, their words
    in the reader's language, each value escaped."""
    words, reading = Words.for_page(), audit_words.Reading()
    rows = []
    for event in events:
        action = _escape(event.action)
        title = words.hash_title % {"hash": _escape(event.hash), "request": _escape(event.request_id or "—")}
        row = ROW.format(
            w=words,
            sequence=event.sequence,  # an identifier: written whole, as the template wrote it (no grouping)
            iso=event.occurred_at.astimezone(reading.zone).isoformat(),
            when=_escape(reading.moment(event.occurred_at)),
            actor=_escape(event.actor_label or "—"),
            action=action,
            phrase=_escape(reading.phrase(event.action)),
            object=_object(event, reading),
            source=_source(event, words),
            changes=changes_html(event, reading, words.changed_to),
            hash_title=title,
            hash=_escape(event.hash[:12]),
        )
        rows.append(mark_safe(row))  # noqa: S308 - every value escaped above
    return rows


def action_options(actions, reading: audit_words.Reading | None = None) -> SafeString:
    """The action box's suggestions: each known action name, labelled with its phrase."""
    reading = reading or audit_words.Reading()
    options = (
        f'<option value="{name}" label="{name}: {_escape(reading.phrase(action))}">'
        for action in actions
        for name in (_escape(action),)
    )
    return mark_safe("".join(options))  # noqa: S308 - every value escaped
