"""The demo's access register obeys the rules a person faces: every seeded grant, review policy and decided
review item is put through the access services' own checks, at the time it was (as the story goes) made."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from access.models import Grant, ReviewItem, ReviewPolicy
from access.services.grants import new_grant_refusals
from access.services.policies import EDITABLE_FIELDS, validate_policy
from access.services.reviews import DECISIONS, validate_decision
from tests.demo_rules import refusals

pytestmark = pytest.mark.django_db


def granted(grant):
    refused = new_grant_refusals(
        user=grant.user,
        role=grant.role,
        expires_at=grant.expires_at,
        source=grant.source,
        now=grant.granted_at,
    )
    if refused:
        raise ValidationError([refusal.message for refusal in refused])


def configured(policy):
    validate_policy({name: getattr(policy, name) for name in EDITABLE_FIELDS})


def decided(item):
    if item.decided_by_id == item.holder_id:
        raise ValidationError("Nobody reviews their own access.")
    validate_decision(
        item=item,
        decision=item.decision,
        justification=item.justification,
        downgrade_to=item.downgrade_to,
        keep_until=item.keep_until,
        today=timezone.localdate(item.decided_at),
    )


def test_every_demo_grant_policy_and_decision_passes_the_services_rules(demo):
    grants = list(Grant.objects.select_related("user", "role__system"))
    policies = list(ReviewPolicy.objects.select_related("named_reviewer", "fallback_reviewer"))
    # Decisions people made (the defaults applied at closing are the closing service's, not a person's).
    items = list(
        ReviewItem.objects.filter(decision__in=DECISIONS, decided_by__isnull=False).select_related(
            "system", "downgrade_to"
        )
    )
    assert len(grants) >= 1000
    assert policies
    assert len(items) >= 100

    assert refusals(grants, granted) == []
    assert refusals(policies, configured) == []
    assert refusals(items, decided) == []
