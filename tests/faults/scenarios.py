"""Work the fault tests set up for the worker and beat: a campaign launch due, reminder digests due, an
incident escalation coming due; and the checks that every email arrived once and every review item
exists once."""

import datetime

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from access.choices import CampaignStatus
from access.models import Grant, ReviewCampaign
from access.services.campaigns import campaign_population
from dpms.models import OutboxEmail, OutboxStatus, User
from incidents.choices import Status
from incidents.services.escalation import on_severity_set
from tests.access.closing_support import campaign_with_items
from tests.access.factories import ReviewPolicyFactory, RoleFactory
from tests.faults.support import SmtpSink, outbox_key
from tests.incidents.factories import IncidentFactory


def launch_due(grants: int, *, managers: int = 50):
    """A review policy due now, its scope ``grants`` grants on one role, held by people with ``managers``
    managers (the reviewers: one "review has started" digest each once the campaign opens)."""
    unusable = make_password(None)
    bosses = User.objects.bulk_create(
        [
            User(email=f"boss{n}@faults.example", full_name=f"Boss {n}", password=unusable)
            for n in range(managers)
        ]
    )
    people = User.objects.bulk_create(
        [
            User(
                email=f"holder{n}@faults.example",
                full_name=f"Holder {n}",
                manager=bosses[n % managers],
                password=unusable,
            )
            for n in range(grants)
        ],
        batch_size=2000,
    )
    role = RoleFactory()
    granted = timezone.now() - datetime.timedelta(days=100)
    Grant.objects.bulk_create(
        [Grant(user=p, role=role, granted_at=granted, justification="work") for p in people], batch_size=2000
    )
    return ReviewPolicyFactory(next_run_at=timezone.now() - datetime.timedelta(minutes=1))


def digest_due(reviewer):
    """An open campaign whose "review has started" digest to ``reviewer`` is due (it has no schedule)."""
    return campaign_with_items(20, reviewer=reviewer, next_run_at=None)


def escalation_due_in(seconds: float):
    """A SEV1 triaged almost 15 minutes ago: its level 1 told the security officers then; level 2 (the
    admins, not acknowledged 15 minutes after triage) falls due in ``seconds``."""
    triaged = timezone.now() - datetime.timedelta(minutes=15) + datetime.timedelta(seconds=seconds)
    incident = IncidentFactory(reported_at=triaged, noticed_at=triaged, status=Status.TRIAGED, severity=1)
    on_severity_set(incident=incident, now=triaged)
    return incident


def launched(policy) -> ReviewCampaign | None:
    return ReviewCampaign.objects.filter(policy=policy).first()


def launch_complete(policy) -> bool:
    campaign = launched(policy)
    return campaign is not None and campaign.status == CampaignStatus.OPEN


def items_once(campaign: ReviewCampaign) -> tuple[int, int, int]:
    """(items, distinct grants among them, grants in the population): all three equal when every item
    exists exactly once."""
    items = campaign.items.count()
    distinct = campaign.items.values("grant_id").distinct().count()
    return items, distinct, campaign_population(campaign).count()


def all_sent(smtp: SmtpSink) -> bool:
    """Every outbox row is marked sent and the SMTP server has as many messages."""
    rows = OutboxEmail.objects.count()
    return (
        rows > 0
        and not OutboxEmail.objects.exclude(status=OutboxStatus.SENT).exists()
        and smtp.count() >= rows
    )


def arrivals_per_row(smtp: SmtpSink) -> dict:
    """How many times each outbox row arrived, and the messages that match no row (keyed by None)."""
    received = smtp.received()
    counts = {row.pk: received.pop(outbox_key(row), 0) for row in OutboxEmail.objects.all()}
    counts[None] = sum(received.values())
    return counts
