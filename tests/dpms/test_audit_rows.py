"""The audit trail's rows written in Python (``dpms.audit_rows``) are the rows the template wrote: the same
markup, words, moments and escaping, in English and German, in the viewer's zone; and the page's caches
(a moment's minute, a label, a choice name) give what working each out anew gives."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from dpms import audit, audit_rows, audit_words
from dpms.formats import show_datetime
from tests.factories import audit_event

pytestmark = pytest.mark.django_db

# The row as templates/dpms/audit_trail.html wrote it before the rows moved to Python, cell for cell.
TEMPLATE_ROW = """{% load i18n audit_display %}
    <tr>
      <td data-label="#">{{ event.sequence }}</td>
      <td data-label="{% translate 'When' %}"><time datetime="{{ event.occurred_at|date:'c' }}">{{ event.occurred_at|date:"DATETIME_FORMAT" }}</time></td>
      <td data-label="{% translate 'Actor' %}">{{ event.actor_label|default:"—" }}</td>
      <td data-label="{% translate 'Action' %}"><span class="audit-action" title="{{ event.action }}">{{ event.action|action_phrase }}</span><br><code class="muted small">{{ event.action }}</code></td>
      <td data-label="{% translate 'Object' %}">{{ event.object_label }}{% if event.object_type %} <span class="muted small">{{ event.object_type|object_type_name }}{% if event.object_id %} #{{ event.object_id }}{% endif %}</span>{% endif %}</td>
      <td data-label="{% translate 'Source' %}">{{ event.get_source_display }}{% if event.client_ip %}<br><span class="muted small">{{ event.client_ip }}</span>{% endif %}</td>
      <td data-label="{% translate 'Changes' %}" class="small">{{ changes }}</td>
      <td data-label="{% translate 'Hash' %}"><span class="muted small hash" title="{% blocktranslate with hash=event.hash request=event.request_id|default:'—' %}{{ hash }} (request {{ request }}){% endblocktranslate %}">{{ event.hash|slice:":12" }}…</span></td>
    </tr>
  """  # noqa: E501


def _old_value(value):
    """The changes' values as the template tag wrote them with format_html (before dpms.audit_rows)."""
    if value is None or value.empty:
        return mark_safe('<span class="muted">—</span>')
    if value.full:
        return format_html(
            '<details class="audit-long"><summary>{}</summary><span class="audit-full">{}</span></details>',
            value.text,
            value.full,
        )
    return format_html("{}", value.text)


def _old_line(line):
    label = format_html('<span class="audit-field">{}:</span>', line.label)
    if line.kind == "change":
        return format_html(
            '<li>{} <del class="audit-old">{}</del> <span aria-hidden="true">→</span>'
            '<span class="visually-hidden">{}</span> <ins class="audit-new">{}</ins></li>',
            label,
            _old_value(line.before),
            gettext("changed to"),
            _old_value(line.after),
        )
    if line.kind == "group":
        inner = format_html_join("", "{}", ((_old_line(item),) for item in line.lines))
        return format_html('<li>{}<ul class="audit-changes">{}</ul></li>', label, inner)
    return format_html("<li>{} {}</li>", label, _old_value(line.value))


def _old_changes(event):
    changes = audit_words.change_lines(
        action=event.action, object_type=event.object_type, changes=event.changes
    )
    if not changes.shown:
        return mark_safe('<span class="muted">—</span>')
    shown = format_html_join("", "{}", ((_old_line(line),) for line in changes.shown))
    if changes.folded:
        count = len(changes.folded)
        shown = format_html(
            '{}<li><details><summary>{}</summary><ul class="audit-changes">{}</ul></details></li>',
            shown,
            ngettext("%(count)s more", "%(count)s more", count) % {"count": count},
            format_html_join("", "{}", ((_old_line(line),) for line in changes.folded)),
        )
    return format_html('<ul class="audit-changes">{}</ul>', shown)


def template_row(event) -> str:
    template = engines["django"].from_string(TEMPLATE_ROW)
    return template.render({"event": event, "changes": _old_changes(event)})


LONG = "The reason, at length. " * 30


@pytest.fixture
def events(staff, manager, monkeypatch):
    """Events of every shape a row shows, some of them recorded at the same minute."""
    made = []

    def event(when, **kwargs):
        with monkeypatch.context() as patch:
            patch.setattr(timezone, "now", lambda: when)
            made.append(audit_event(**kwargs))

    noon = datetime(2026, 6, 30, 22, 30, 15, tzinfo=UTC)
    before = {"full_name": "Sam Staff", "job_title": "Clerk"}
    after = {"full_name": "Sam <b>Staffer</b>", "job_title": "Clerk"}
    event(noon, action="people.user.update", obj=staff, actor=manager, changes=audit.diff(before, after))
    event(
        noon + timedelta(seconds=20),
        action="access.item.create",
        object_type="access.reviewitem",
        object_id="7",
        object_label="Item 7",
        changes={"created": {"decision": "exception", "privileged": True, "reviewer": None}},
    )
    event(
        noon + timedelta(seconds=50),
        action="access.policy.update",
        object_type="access.reviewpolicy",
        object_id="1",
        changes={
            "next_run_at": [None, "2027-01-01T00:00:00Z"],
            "description": ["Short", LONG],
            "due": ["2026-01-01", "2026-12-02"],
            "a": [1, 2],
            "b": [3, 40000],
            "c": [False, True],
            "d": [[1, 2], list(range(30))],
        },
        source="api",
        client_ip="2001:db8::1",
    )
    event(
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 in Berlin, summer time ...
        action="reindex",
        actor_label="Robo <script>\"'&",
        object_label='R-9 "quoted" & <tag>',
        changes={"nested": {"a_b": 1}, "day": "2026-03-04", "bad": "2026-13-45"},
    )
    event(
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # ... and 02:30 again, winter time
        action="people.team.delete",
        object_type="dpms.team",
        object_id="3",
        object_label="Sales",
        changes={"name": "Sales", "description": ""},
    )
    event(noon, action="auth.mfa.enrol", object_type="url", object_label="/x/?a=1&b=2")
    event(noon, action="weird", object_type="nosuch.model", object_id="5", changes={"x": None})
    return made


@pytest.mark.parametrize(
    ("language", "zone"), [("en", "Europe/Berlin"), ("en", "America/New_York"), ("de", "Europe/Berlin")]
)
def test_the_rows_are_the_templates_rows(events, language, zone):
    with translation.override(language), timezone.override(zone):
        expected = [template_row(event) for event in events]
        rows = audit_rows.trail_rows(events)

    assert rows == expected


def test_the_action_box_suggestions_are_escaped_and_worded():
    options = audit_rows.action_options(["access.item.decide", 'odd"<name>'])

    assert options == (
        '<option value="access.item.decide" label="access.item.decide: Review item decided">'
        '<option value="odd&quot;&lt;name&gt;" label="odd&quot;&lt;name&gt;: odd&quot;&lt;name&gt;">'
    )


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_moment_written_once_a_minute_reads_as_show_datetime(language):
    moments = [
        datetime(2026, 12, 7, 11, 59, 59, tzinfo=UTC),
        datetime(2026, 12, 7, 12, 0, 1, tzinfo=UTC),
        datetime(2026, 12, 7, 12, 0, 59, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # the hour the clocks go forward in Berlin
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 twice: summer time ...
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # ... then winter time
        datetime(2026, 10, 25, 0, 30),  # naive: shown as it is
    ]
    with translation.override(language), timezone.override("Europe/Berlin"):
        reading = audit_words.Reading()
        assert [reading.moment(moment) for moment in moments] == [show_datetime(m) for m in moments]


def test_a_format_showing_seconds_writes_each_moment(monkeypatch):
    monkeypatch.setattr(audit_words.formats, "get_format", lambda name: "Y-m-d H:i:s")
    reading = audit_words.Reading()

    first = reading.moment(datetime(2026, 12, 7, 12, 0, 1, tzinfo=UTC))
    second = reading.moment(datetime(2026, 12, 7, 12, 0, 2, tzinfo=UTC))

    assert (first, second) == ("2026-12-07 13:00:01", "2026-12-07 13:00:02")


def test_a_page_reading_gives_what_reading_each_event_anew_gives(events):
    reading = audit_words.Reading()

    for _ in range(2):  # the second time from what the first time kept
        for event in events:
            kept = audit_words.change_lines(
                action=event.action, object_type=event.object_type, changes=event.changes, reading=reading
            )
            anew = audit_words.change_lines(
                action=event.action, object_type=event.object_type, changes=event.changes
            )
            assert kept == anew


def test_a_choice_is_named_by_the_value_and_its_type():
    fields = audit_words.Reading().fields("access.reviewitem")

    assert fields.choice("decision", "exception") == "Keep until a date"
    assert fields.choice("decision", "nonsense") is None
    assert fields.choice("decision", "exception") == "Keep until a date"  # kept
    assert fields.choice("decision", ["exception"]) is None
