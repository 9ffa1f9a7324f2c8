"""Routing: who reviews a grant, and the note that says why when it is not the rule's reviewer."""

import datetime

import pytest
from django.utils import timezone

from access.choices import Recommendation, ReviewerRule
from access.services.routing import SELF_REVIEW_NOTE, recommend, route
from tests.access.factories import GrantFactory, ReviewPolicyFactory, RoleFactory, SystemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_manager_rule_routes_to_the_holders_manager(staff, manager):
    policy = ReviewPolicyFactory()
    grant = GrantFactory(user=staff)
    assert route(policy=policy, grant=grant, holder=staff) == (manager, "")


def test_no_manager_goes_to_the_fallback_and_says_so(outsider):
    policy = ReviewPolicyFactory()
    reviewer, note = route(policy=policy, grant=GrantFactory(user=outsider), holder=outsider)
    assert reviewer == policy.fallback_reviewer
    assert note.startswith("no manager")


def test_inactive_manager_goes_to_the_fallback_and_says_so(staff, manager):
    manager.is_active = False
    manager.save()
    policy = ReviewPolicyFactory()
    reviewer, note = route(policy=policy, grant=GrantFactory(user=staff), holder=staff)
    assert reviewer == policy.fallback_reviewer
    assert "the manager is inactive" in note


def test_system_owner_reviewing_their_own_grant_is_rerouted_as_self_review():
    owner = UserFactory()
    role = RoleFactory(system=SystemFactory(owner=owner))
    policy = ReviewPolicyFactory(reviewer_rule=ReviewerRule.SYSTEM_OWNER)
    reviewer, note = route(policy=policy, grant=GrantFactory(user=owner, role=role), holder=owner)
    assert reviewer == policy.fallback_reviewer
    assert note == SELF_REVIEW_NOTE


def test_named_reviewer_reviews_others_but_not_themselves(staff):
    named = UserFactory()
    policy = ReviewPolicyFactory(reviewer_rule=ReviewerRule.NAMED, named_reviewer=named)
    assert route(policy=policy, grant=GrantFactory(user=staff), holder=staff) == (named, "")
    reviewer, note = route(policy=policy, grant=GrantFactory(user=named), holder=named)
    assert (reviewer, note) == (policy.fallback_reviewer, SELF_REVIEW_NOTE)


def test_fallback_who_is_the_holder_routes_to_a_security_officer(security_officer):
    holder = UserFactory()
    policy = ReviewPolicyFactory(fallback_reviewer=holder)
    reviewer, note = route(policy=policy, grant=GrantFactory(user=holder), holder=holder)
    assert reviewer == security_officer
    assert "the fallback reviewer is the holder" in note
    assert "security officer" in note


def test_security_officer_holder_never_reviews_themselves(security_officer):
    other_officer = UserFactory(roles=["security officer"])
    policy = ReviewPolicyFactory(fallback_reviewer=security_officer)
    grant = GrantFactory(user=security_officer)
    reviewer, _note = route(policy=policy, grant=grant, holder=security_officer)
    assert reviewer == other_officer


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({"holder_active": False}, Recommendation.DEACTIVATED),
        ({"expired": True}, Recommendation.EXPIRED),
        ({"last_login_days": 45}, Recommendation.INACTIVE),
        ({"last_login_days": None}, Recommendation.INACTIVE),
        ({"last_login_days": 2, "reviewed": False}, Recommendation.NEVER_REVIEWED),
        ({"last_login_days": 2, "reviewed": True}, Recommendation.IN_USE),
    ],
)
def test_recommendation_names_the_most_important_reason(setup, expected):
    now = timezone.now()
    days = setup.get("last_login_days", 1)
    holder = UserFactory(
        is_active=setup.get("holder_active", True),
        last_login=None if days is None else now - datetime.timedelta(days=days),
    )
    grant = GrantFactory(
        user=holder,
        expires_at=now - datetime.timedelta(days=1) if setup.get("expired") else None,
        last_reviewed_at=now if setup.get("reviewed", True) else None,
    )
    recommendation, reason = recommend(grant=grant, holder=holder, now=now)
    assert recommendation == expected
    assert reason


def test_deactivated_holder_outranks_an_expired_grant():
    now = timezone.now()
    holder = UserFactory(is_active=False)
    grant = GrantFactory(user=holder, expires_at=now - datetime.timedelta(days=3))
    assert recommend(grant=grant, holder=holder, now=now)[0] == Recommendation.DEACTIVATED
