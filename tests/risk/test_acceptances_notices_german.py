"""Acceptance notices and e-mails reach each person in their own language: a German security officer reads
an acceptance request in German while an English one reads it in English; an acceptance the system ends
keeps its reason in English and shows it to each reader in theirs."""

import datetime

import pytest
from django.urls import reverse

from dpms.models import Notification, OutboxEmail
from risk.choices import AcceptanceStatus, RiskStatus
from risk.services.acceptances import acceptance_request
from risk.services.register import risk_set_status
from tests.factories import UserFactory
from tests.i18n import sign_in_german, speaks_german
from tests.risk.factories import RiskAcceptanceFactory, RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_officer(db):
    return speaks_german(
        UserFactory(email="greta.officer@example.com", full_name="Greta Officer", roles=["security officer"])
    )


def test_an_acceptance_request_reaches_each_officer_in_their_language(
    staff, security_officer, german_officer
):
    risk = RiskFactory(owner=staff, title="Old till")
    until = datetime.date.today() + datetime.timedelta(days=60)
    acceptance_request(risk=risk, actor=staff, rationale="Replaced next year.", expires_on=until)

    english = Notification.objects.get(recipient=security_officer)
    assert english.subject == f"Risk acceptance waiting for approval: {risk.reference}"
    assert f"Sam Staff asks to accept {risk} until" in english.body
    assert "Rationale: Replaced next year." in english.body
    german = Notification.objects.get(recipient=german_officer)
    assert german.subject == f"Risikoakzeptanz wartet auf Genehmigung: {risk.reference}"
    assert f"Sam Staff beantragt, {risk} bis" in german.body
    assert "Begründung: Replaced next year." in german.body
    assert "Rationale" not in german.body

    emails = {email.to: email for email in OutboxEmail.objects.all()}
    assert emails[german_officer.email].subject == german.subject
    assert emails[security_officer.email].subject == english.subject


def test_an_acceptance_ended_by_closing_the_risk_says_why_in_each_readers_language(
    client, staff, security_officer, german_officer
):
    risk = RiskFactory(owner=staff, status=RiskStatus.ACCEPTED)
    acceptance = RiskAcceptanceFactory(risk=risk, status=AcceptanceStatus.APPROVED)
    risk_set_status(actor=security_officer, risk=risk, status=RiskStatus.CLOSED)

    acceptance.refresh_from_db()
    assert acceptance.revocation_reason == "The risk was closed."  # stored as the trail keeps it
    assert Notification.objects.get(recipient=security_officer).body == "The risk was closed."
    german = Notification.objects.get(recipient=german_officer)
    assert german.subject == f"Risikoakzeptanz beendet: {risk.reference}"
    assert german.body == "Das Risiko wurde abgeschlossen."
    page = sign_in_german(client, german_officer).get(
        reverse("risk:acceptance_detail", args=[risk.pk, acceptance.pk])
    )
    assert "Das Risiko wurde abgeschlossen." in page.content.decode()
