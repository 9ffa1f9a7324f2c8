"""A leaver deactivated from two sources at once (an admin and SCIM), and a leaver's review items decided
while a campaign closes, on PostgreSQL: the person's row lock runs the leaver steps once, and the campaign
lock lets the close and the leaver's decisions queue up instead of deadlocking."""

import pytest
from django.utils import timezone

from access.choices import Decision
from access.models import ReviewItem, RevocationTask
from access.services.closing import campaign_close
from dpms import context
from dpms import services as people
from dpms.models import AuditEvent
from tests.access.factories import ReviewCampaignFactory, ReviewItemFactory
from tests.access.leavers_support import leaver_with_grants
from tests.concurrency import at_once

pytestmark = pytest.mark.usefixtures("requires_postgres", "transactional_db")


def test_two_deactivations_at_once_run_the_leaver_steps_once(staff, admin_user):
    leaver_with_grants(staff)

    def by_scim():
        with context.origin("scim"):
            return people.user_deactivate(actor=None, user=staff)

    at_once(lambda: people.user_deactivate(actor=admin_user, user=staff), by_scim)

    assert RevocationTask.objects.filter(grant__user=staff).count() == 12
    assert AuditEvent.objects.filter(action="people.user.deactivate").count() == 1
    assert AuditEvent.objects.filter(action="access.leaver.process").count() == 1


def test_a_leaver_and_a_campaign_close_at_once_both_finish(staff, admin_user, security_officer, manager):
    campaign = ReviewCampaignFactory(policy__fallback_reviewer=security_officer)
    items = [ReviewItemFactory(campaign=campaign, grant__user=staff, reviewer=manager) for _ in range(3)]

    at_once(
        lambda: people.user_deactivate(actor=admin_user, user=staff),
        lambda: campaign_close(campaign=campaign, actor=security_officer, now=timezone.now()),
    )

    decisions = set(
        ReviewItem.objects.filter(pk__in=[i.pk for i in items]).values_list("decision", flat=True)
    )
    # Either the leaver's decisions landed first (revoke), or the close froze the items first (its default).
    assert len(decisions) == 1
    assert decisions <= {Decision.REVOKE, Decision.KEEP, Decision.NO_RESPONSE}
