"""Decision edge cases: bulk keep of decided items, downgrades of portal roles, and the reviewer told of a
security officer's override."""

import pytest
from django.core.exceptions import ValidationError

from access.choices import Decision
from access.services.reviews import item_decide, items_bulk_keep
from dpms.models import Notification
from tests.access.closing_support import campaign_with_items
from tests.access.factories import RoleFactory

pytestmark = pytest.mark.django_db


def test_bulk_keep_does_not_overwrite_a_recorded_decision(manager):
    campaign = campaign_with_items(2, reviewer=manager)
    revoked, pending = campaign.items.order_by("pk")
    item_decide(item=revoked, actor=manager, decision=Decision.REVOKE, justification="Gone")

    with pytest.raises(ValidationError, match="Only pending items"):
        items_bulk_keep(items=[revoked, pending], actor=manager, justification="All fine")

    revoked.refresh_from_db()
    pending.refresh_from_db()
    assert (revoked.decision, pending.decision) == (Decision.REVOKE, Decision.PENDING)


def test_portal_roles_are_not_downgraded_in_a_review(manager):
    campaign = campaign_with_items(1, reviewer=manager)
    item = campaign.items.get()
    item.system.is_portal = True
    item.system.save()
    other = RoleFactory(system=item.system, name="auditor")
    with pytest.raises(ValidationError, match="Portal roles are not downgraded"):
        item_decide(
            item=item, actor=manager, decision=Decision.DOWNGRADE, justification="x", downgrade_to=other
        )


def test_the_reviewer_is_told_when_a_security_officer_decides_in_their_place(manager, security_officer):
    campaign = campaign_with_items(1, reviewer=manager)
    item = campaign.items.get()
    item_decide(item=item, actor=security_officer, decision=Decision.REVOKE, justification="Left the company")

    note = Notification.objects.get(recipient=manager)
    assert "decided an item of your access review" in note.subject
    assert "Left the company" in note.body
    assert note.link == f"/access/reviews/items/{item.pk}/"
