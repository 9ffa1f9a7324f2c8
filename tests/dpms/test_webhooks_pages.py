"""The webhooks pages, for security officers: add a webhook (address checked), see its secret and delivery
log, change it, turn it on again, make a new secret, remove it; everything audited, the secret never."""

import pytest
from django.urls import reverse

from dpms.models import AuditEvent, Webhook, WebhookEvent
from tests.dpms.webhook_support import hook_for

pytestmark = pytest.mark.django_db

URL = reverse("webhooks")


@pytest.fixture
def allow_local(settings):
    settings.DEBUG = True
    settings.WEBHOOK_ALLOW_PRIVATE = True


def test_anonymous_visitor_is_sent_to_sign_in(client):
    assert client.get(URL).url.startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["staff", "manager", "auditor", "admin", "outsider"])
def test_only_security_officers_configure_webhooks(
    client_for, personas, persona, security_officer, allow_local
):
    hook = hook_for(security_officer, "http://127.0.0.1:9/hook")
    client = client_for(personas[persona])
    assert client.get(URL).status_code == 403
    assert client.get(reverse("webhook_detail", args=[hook.pk])).status_code == 403
    assert client.post(reverse("webhook_delete", args=[hook.pk])).status_code == 403
    assert Webhook.objects.filter(pk=hook.pk).exists()


def test_an_officer_adds_a_webhook_and_sees_its_secret(client_for, security_officer, allow_local):
    client = client_for(security_officer)
    response = client.post(
        URL,
        {
            "name": "SIEM",
            "url": "http://127.0.0.1:9/hook",
            "events": [WebhookEvent.INCIDENT_REPORTED, WebhookEvent.CAMPAIGN_CLOSED],
        },
    )
    hook = Webhook.objects.get()
    assert response.url == reverse("webhook_detail", args=[hook.pk])
    page = client.get(response.url).content.decode()
    assert hook.secret in page
    event = AuditEvent.objects.get(action="webhooks.webhook.create")
    assert hook.secret not in str(event.changes)
    assert event.changes["events"] == sorted([WebhookEvent.INCIDENT_REPORTED, WebhookEvent.CAMPAIGN_CLOSED])


def test_a_private_address_is_a_form_error_in_production(client_for, security_officer, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = client_for(security_officer).post(
        URL, {"name": "x", "url": "https://10.1.2.3/hook", "events": [WebhookEvent.INCIDENT_REPORTED]}
    )
    assert response.status_code == 400
    assert "public addresses" in str(response.context["form"].errors["url"])
    assert not Webhook.objects.exists()


def test_turning_a_webhook_on_again_starts_its_failures_afresh(client_for, security_officer, allow_local):
    hook = hook_for(security_officer, "http://127.0.0.1:9/hook")
    Webhook.objects.filter(pk=hook.pk).update(
        enabled=False, failures_in_a_row=5, disabled_reason="Turned off"
    )
    client_for(security_officer).post(
        reverse("webhook_detail", args=[hook.pk]),
        {"name": "SIEM", "url": hook.url, "events": hook.events, "enabled": "on"},
    )
    hook.refresh_from_db()
    assert (hook.enabled, hook.failures_in_a_row, hook.disabled_reason) == (True, 0, "")


def test_a_new_secret_replaces_the_old(client_for, security_officer, allow_local):
    hook = hook_for(security_officer, "http://127.0.0.1:9/hook")
    old = hook.secret
    client_for(security_officer).post(reverse("webhook_rotate_secret", args=[hook.pk]))
    hook.refresh_from_db()
    assert hook.secret != old
    assert AuditEvent.objects.filter(action="webhooks.webhook.rotate_secret").exists()


def test_removing_a_webhook_is_audited(client_for, security_officer, allow_local):
    hook = hook_for(security_officer, "http://127.0.0.1:9/hook")
    client_for(security_officer).post(reverse("webhook_delete", args=[hook.pk]))
    assert not Webhook.objects.exists()
    assert AuditEvent.objects.filter(action="webhooks.webhook.delete", object_id=str(hook.pk)).exists()


@pytest.mark.parametrize("deliveries", [2, 60])
def test_the_pages_run_the_same_queries_whatever_the_number_of_deliveries(
    client_for, security_officer, allow_local, deliveries, django_assert_num_queries
):
    from dpms.models import WebhookDelivery

    hook = hook_for(security_officer, "http://127.0.0.1:9/hook")
    hook_for(security_officer, "http://127.0.0.1:9/other", name="Other")
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=hook, event=WebhookEvent.INCIDENT_REPORTED, event_id=f"e{n}", payload={})
        for n in range(deliveries)
    )
    client = client_for(security_officer)
    client.get(URL)  # a session's first request also records it (allauth usersessions)
    # Both pages: session and user (2); allauth's user-session tracking (5); the officer's groups (1); the
    # header's unread count (1); saving the sliding session (3). The list: the webhooks (1), 13 in all. A
    # webhook's page: the webhook (1), the count and the page of its deliveries (2), 15 in all.
    with django_assert_num_queries(13):
        assert client.get(URL).status_code == 200
    with django_assert_num_queries(15):
        assert client.get(reverse("webhook_detail", args=[hook.pk])).status_code == 200
