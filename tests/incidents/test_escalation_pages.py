"""The escalation policy pages: who reads and who edits them, and what an edit does."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from dpms.models import AuditEvent
from incidents.choices import Status
from incidents.models import EscalationLevel, EscalationPolicy, IncidentEscalation
from incidents.services.escalation import escalate_due, on_severity_set
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

LIST = reverse("incidents:escalation_policies")
EDIT_SEV2 = reverse("incidents:escalation_policy_edit", args=[2])
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUERIES = 14  # the policy list page, whatever the number of policy rows and levels


def level(trigger="unacknowledged", after=0, target="security_officers", **extra):
    return {
        "trigger": trigger,
        "after_minutes": after,
        "target": target,
        "repeat_count": 0,
        "person": "",
        "repeat_every_minutes": "",
        **extra,
    }


def post_data(levels, *, initial=3):
    """What the browser sends: the management form and one row per level (``initial`` rows were shown)."""
    data = {
        "levels-TOTAL_FORMS": str(len(levels)),
        "levels-INITIAL_FORMS": str(min(initial, len(levels))),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "10",
    }
    for number, row in enumerate(levels):
        for name, value in row.items():
            if name == "working_time":
                if value:
                    data[f"levels-{number}-working_time"] = "on"
                continue
            data[f"levels-{number}-{name}"] = str(value)
    return data


def stored(severity):
    return list(
        EscalationLevel.objects.filter(policy__severity=severity).values_list(
            "trigger", "position", "after_minutes", "target"
        )
    )


@pytest.mark.parametrize("url", [LIST, EDIT_SEV2])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("persona", ["staff", "manager", "admin"])
@pytest.mark.parametrize("url", [LIST, EDIT_SEV2])
def test_others_may_not_open_the_policies(client_for, personas, persona, url):
    assert client_for(personas[persona]).get(url).status_code == 403


def test_auditors_read_the_policies_and_change_nothing(client_for, auditor):
    client = client_for(auditor)
    page = client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("untriaged", "SEV1", "SEV2", "SEV3", "SEV4"):
        assert f'data-testid="policy-{label}"' in html
    assert html.index('data-testid="policy-untriaged"') < html.index('data-testid="policy-SEV1"')
    assert "Untriaged reports" in html
    assert "After 30 minutes not triaged: the security officers" in html
    assert "After 15 minutes not acknowledged: the admins; then every 15 minutes, 3 more times" in html
    assert "After 1 working day not acknowledged: the admins" in html
    assert EDIT_SEV2 not in html
    assert 'href="/incidents/escalation/"' in html  # the sub-nav link
    assert client.get(EDIT_SEV2).status_code == 403
    assert client.post(EDIT_SEV2, post_data([level()])).status_code == 403
    assert client.post(EDIT_SEV2, {"reset": "1"}).status_code == 403
    assert not EscalationPolicy.objects.filter(severity=2).exists()
    assert "style=" not in html


def test_the_sub_nav_link_is_hidden_from_staff(client_for, staff, security_officer):
    assert 'href="/incidents/escalation/"' in client_for(security_officer).get(LIST).content.decode()


def test_a_security_officer_sees_the_defaults_in_the_form(client_for, security_officer):
    page = client_for(security_officer).get(EDIT_SEV2)
    assert page.status_code == 200
    formset = page.context["formset"]
    assert [form.initial["after_minutes"] for form in formset.initial_forms] == [0, 60, 1440]
    assert len(formset.forms) == 5  # three levels and two spare rows
    assert "style=" not in page.content.decode()


def test_a_security_officer_edits_a_policy_and_it_is_audited(client_for, security_officer):
    rows = [
        level(),
        level(after=10, target="admins", repeat_count=2, repeat_every_minutes=20),
        level(after=5),
    ]
    response = client_for(security_officer).post(EDIT_SEV2, post_data(rows))
    assert response.status_code == 302
    assert response["Location"] == LIST
    # Numbered by their minutes within the trigger.
    assert stored(2) == [
        ("unacknowledged", 1, 0, "security_officers"),
        ("unacknowledged", 2, 5, "security_officers"),
        ("unacknowledged", 3, 10, "admins"),
    ]
    event = AuditEvent.objects.get(action="escalation_policy.updated")
    assert event.actor == security_officer
    assert [row["after_minutes"] for row in event.changes["before"]] == [0, 60, 1440]
    assert [row["after_minutes"] for row in event.changes["after"]] == [0, 5, 10]
    assert event.changes["after"][2]["repeat_every_minutes"] == 20


def test_a_named_person_is_given_by_email(client_for, security_officer, manager):
    rows = [level(), level(after=30, target="person", person=manager.email.upper())]
    assert client_for(security_officer).post(EDIT_SEV2, post_data(rows)).status_code == 302
    assert EscalationLevel.objects.get(policy__severity=2, position=2).person == manager


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (level(after=30, target="person"), "person", "Give the email of the person to tell."),
        (
            level(after=30, target="person", person="nobody@example.com"),
            "person",
            "No active person has this",
        ),
        (level(after=30, repeat_count=2), "repeat_every_minutes", "Repeats need an interval of at least 5"),
        (
            level(after=30, repeat_count=2, repeat_every_minutes=2),
            "repeat_every_minutes",
            "greater than or equal",
        ),
        (
            level(after=30, repeat_count=11, repeat_every_minutes=10),
            "repeat_count",
            "less than or equal to 10",
        ),
        (level(after=-1), "after_minutes", "greater than or equal to 0"),
        (level(after="soon"), "after_minutes", "Enter a whole number"),
    ],
)
def test_bad_levels_are_refused_next_to_the_field_and_change_nothing(
    client_for, security_officer, row, field, message
):
    response = client_for(security_officer).post(EDIT_SEV2, post_data([level(), row]))
    assert response.status_code == 400
    form = response.context["formset"].forms[1]
    assert any(message in error for error in form.errors[field])
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not EscalationPolicy.objects.filter(severity=2).exists()
    assert not AuditEvent.objects.filter(action="escalation_policy.updated").exists()


def test_a_policy_without_a_not_acknowledged_level_is_refused(client_for, security_officer):
    response = client_for(security_officer).post(
        EDIT_SEV2, post_data([level(trigger="uncontained", after=60)])
    )
    assert response.status_code == 400
    assert "Keep at least one “not acknowledged” level" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [{}, {"levels-TOTAL_FORMS": "x", "levels-INITIAL_FORMS": "0"}, {"levels-TOTAL_FORMS": "9999"}],
)
def test_a_broken_post_is_a_400_not_a_500(client_for, security_officer, data):
    assert client_for(security_officer).post(EDIT_SEV2, data).status_code == 400
    assert not EscalationPolicy.objects.filter(severity=2).exists()


def test_an_unknown_severity_is_404(client_for, security_officer):
    url = reverse("incidents:escalation_policy_edit", args=[7])
    assert client_for(security_officer).get(url).status_code == 404


def test_reset_to_defaults_puts_the_default_levels_back_and_is_audited(client_for, security_officer):
    client = client_for(security_officer)
    client.post(EDIT_SEV2, post_data([level(after=0, target="admins")]))
    assert stored(2) == [("unacknowledged", 1, 0, "admins")]
    assert client.post(EDIT_SEV2, {"reset": "1"}).status_code == 302
    assert [row[2] for row in stored(2)] == [0, 60, 1440]
    event = AuditEvent.objects.filter(action="escalation_policy.updated").order_by("sequence").last()
    assert event.changes["reset_to_defaults"] is True


def test_an_edit_applies_to_rounds_started_after_it(client_for, security_officer, admin_user):
    incident = IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=2)
    on_severity_set(incident=incident, now=T0)
    assert incident.next_escalation_at == T0 + timedelta(minutes=60)
    rows = [
        level(),
        level(after=10, target="admins"),
        level(trigger="uncontained", after=1440, target="admins"),
    ]
    page = client_for(security_officer).get(EDIT_SEV2).content.decode()
    assert "A change applies to escalation rounds started after it" in page
    client_for(security_officer).post(EDIT_SEV2, post_data(rows))
    # The running round keeps its levels: the admins at minute 60, not 10.
    assert escalate_due(now=T0 + timedelta(minutes=10)) == 0
    assert escalate_due(now=T0 + timedelta(minutes=60)) == 1
    assert IncidentEscalation.objects.get(incident=incident, position=2).due_at == T0 + timedelta(minutes=60)
    # A new round (here: SEV3, then SEV2 again) runs the edited policy.
    for severity, at in ((3, 70), (2, 80)):
        incident.severity = severity
        incident.save(update_fields=["severity"])
        on_severity_set(incident=incident, now=T0 + timedelta(minutes=at))
    assert incident.next_escalation_at == T0 + timedelta(minutes=90)


@pytest.mark.parametrize("edited", [False, True])
def test_the_list_runs_the_same_queries_with_defaults_or_full_policies(
    client_for, security_officer, edited, django_assert_num_queries
):
    if edited:
        rows = [level(after=n * 10, target="admins") for n in range(10)]
        for severity in (0, 1, 2, 3, 4):
            url = reverse("incidents:escalation_policy_edit", args=[severity])
            assert client_for(security_officer).post(url, post_data(rows)).status_code == 302
    client = client_for(security_officer)
    client.get(LIST)  # the session settles on the first request
    # 14 queries: session, user and user-session tracking with its savepoint (7); the viewer's roles (1); the
    # policies with their editors (1) and every level with its person (1); the header's unread count (1);
    # saving the sliding session: savepoint, update, release (3). Nothing per policy or level.
    with django_assert_num_queries(QUERIES):
        assert client.get(LIST).status_code == 200
