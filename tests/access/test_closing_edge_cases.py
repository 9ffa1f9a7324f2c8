"""Closing edge cases: a downgrade of a grant revoked meanwhile gives no access back, and one campaign that
cannot close does not hold up the others."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from access.choices import Decision
from access.models import Grant
from access.services.closing import campaign_close, close_due_campaigns
from access.services.grants import grant_revoke
from access.services.reviews import item_decide
from tests.access.closing_support import campaign_with_items
from tests.access.factories import RoleFactory

pytestmark = pytest.mark.django_db


def test_a_downgrade_of_a_revoked_grant_gives_no_access_back(manager, security_officer):
    campaign = campaign_with_items(1, reviewer=manager, auto_apply=True, auto_revoke_confirm_share=1)
    item = campaign.items.get()
    lower = RoleFactory(system=item.system, name="Reader")
    item_decide(
        item=item, actor=manager, decision=Decision.DOWNGRADE, justification="Less", downgrade_to=lower
    )
    grant_revoke(actor=security_officer, grant=item.grant, reason="Left the project")

    campaign_close(campaign=campaign, actor=security_officer, now=timezone.now(), confirmed=True)

    assert not Grant.objects.active().filter(user=item.holder).exists()


def test_a_campaign_that_cannot_close_does_not_stop_the_others(manager, monkeypatch):
    broken = campaign_with_items(1, reviewer=manager)
    fine = campaign_with_items(1, reviewer=manager)
    past = timezone.now() - datetime.timedelta(minutes=1)
    for campaign in (broken, fine):
        campaign.due_at = campaign.closes_at = past
        campaign.save(update_fields=["due_at", "closes_at"])
    real_close = campaign_close

    def close(*, campaign, **kwargs):
        if campaign.pk == broken.pk:
            raise ValidationError("cannot apply")
        return real_close(campaign=campaign, **kwargs)

    monkeypatch.setattr("access.services.closing.campaign_close", close)
    assert close_due_campaigns(now=timezone.now()) == 1
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert (fine.status, broken.status) == ("closed", "open")
