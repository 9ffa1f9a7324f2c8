"""Policy pages: security officers manage, auditors read, everyone else gets a 403."""

from unittest import mock

import pytest
from django.urls import reverse

from access.choices import DefaultDecision
from access.models import ReviewCampaign, ReviewPolicy
from tests.access.factories import GrantFactory, ReviewPolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(db):
    return ReviewPolicyFactory(enabled=False, name="Quarterly review")


def _read_pages(policy):
    return [reverse("access:policies"), reverse("access:policy_detail", args=[policy.pk])]


def _manage_pages(policy):
    return [
        reverse("access:policy_create"),
        reverse("access:policy_edit", args=[policy.pk]),
        reverse("access:policy_enable", args=[policy.pk]),
    ]


def test_anonymous_people_are_sent_to_sign_in(client, policy):
    for url in _read_pages(policy) + _manage_pages(policy):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.url


@pytest.mark.parametrize("persona", ["staff", "manager", "outsider", "admin"])
def test_people_without_a_review_role_are_refused(client_for, personas, persona, policy):
    client = client_for(personas[persona])
    for url in _read_pages(policy) + _manage_pages(policy):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("access:policy_launch", args=[policy.pk])).status_code == 403


def test_auditor_reads_but_changes_nothing(client_for, auditor, policy):
    client = client_for(auditor)
    for url in _read_pages(policy):
        assert client.get(url).status_code == 200
    for url in _manage_pages(policy):
        assert client.get(url).status_code == 403
    for name in ("policy_enable", "policy_disable", "policy_launch"):
        assert client.post(reverse(f"access:{name}", args=[policy.pk])).status_code == 403
    assert not ReviewCampaign.objects.exists()
    policy.refresh_from_db()
    assert not policy.enabled


def test_security_officer_sees_every_page(client_for, security_officer, policy):
    client = client_for(security_officer)
    for url in _read_pages(policy) + _manage_pages(policy):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("access:policy_detail", args=[policy.pk + 999])).status_code == 404


def test_security_officer_creates_a_policy_from_the_form(client_for, security_officer, staff):
    data = {
        "name": "Monthly admins",
        "reviewer_rule": "manager",
        "fallback_reviewer": staff.pk,
        "cadence": "monthly",
        "start_date": "2026-12-01",
        "duration_days": "10",
        "reminder_days_before_due": "3, 1",
        "escalate_after_overdue_days": "3",
        "default_decision": "flag",
        "auto_revoke_confirm_share": "0.2",
        "environments": ["production"],
        "privileged_only": "on",
    }
    response = client_for(security_officer).post(reverse("access:policy_create"), data)
    created = ReviewPolicy.objects.get(name="Monthly admins")
    assert response.status_code == 302
    assert response.url == reverse("access:policy_detail", args=[created.pk])
    assert created.reminder_days_before_due == [3, 1]
    assert created.environments == ["production"]
    assert created.privileged_only
    assert not created.enabled


def test_form_shows_errors_next_to_the_field_and_saves_nothing(client_for, security_officer, staff):
    data = {
        "name": "Named without a name",
        "reviewer_rule": "named",
        "fallback_reviewer": staff.pk,
        "cadence": "quarterly",
        "start_date": "2026-12-01",
        "duration_days": "0",
        "reminder_days_before_due": "3, soon",
        "escalate_after_overdue_days": "3",
        "default_decision": "keep",
        "auto_revoke_confirm_share": "0.2",
    }
    response = client_for(security_officer).post(reverse("access:policy_create"), data)
    assert response.status_code == 400
    assert "reminder_days_before_due" in response.context["form"].errors
    data["reminder_days_before_due"] = "3"
    response = client_for(security_officer).post(reverse("access:policy_create"), data)
    errors = response.context["form"].errors
    assert "named_reviewer" in errors
    assert "duration_days" in errors
    assert not ReviewPolicy.objects.exists()


def test_enable_page_shows_how_many_grants_a_revoke_default_would_revoke(client_for, security_officer):
    policy = ReviewPolicyFactory(enabled=False, default_decision=DefaultDecision.REVOKE)
    GrantFactory.create_batch(4)
    client = client_for(security_officer)
    url = reverse("access:policy_enable", args=[policy.pk])
    page = client.get(url)
    assert page.context["exposure"] == 4
    assert b"<strong>4</strong> grants" in page.content
    refused = client.post(url, {"confirmed_count": "4"})  # the box not ticked
    assert refused.status_code == 400
    policy.refresh_from_db()
    assert not policy.enabled
    assert client.post(url, {"confirmed_count": "4", "confirm": "on"}).status_code == 302
    policy.refresh_from_db()
    assert policy.enabled


def test_launch_now_starts_an_ad_hoc_campaign_and_shows_it(client_for, security_officer, policy):
    with mock.patch("access.services.campaigns._enqueue_population"):
        response = client_for(security_officer).post(reverse("access:policy_launch", args=[policy.pk]))
    campaign = ReviewCampaign.objects.get(policy=policy)
    assert campaign.kind == "ad_hoc"
    assert response.url == reverse("access:campaign_detail", args=[campaign.pk])


def test_policy_list_filters_and_sorts(client_for, auditor):
    ReviewPolicyFactory(name="Alpha", enabled=True)
    ReviewPolicyFactory(name="Beta", enabled=False)
    client = client_for(auditor)
    names = [p.name for p in client.get(reverse("access:policies") + "?enabled=no").context["page"]]
    assert names == ["Beta"]
    names = [p.name for p in client.get(reverse("access:policies") + "?sort=-name").context["page"]]
    assert names == ["Beta", "Alpha"]
