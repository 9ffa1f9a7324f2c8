"""The default policies: created from the defaults when first needed, once, and used by the hooks."""

from datetime import UTC, datetime

import pytest

from incidents.models import EscalationLevel, EscalationPolicy
from incidents.services.escalation import describe_level
from incidents.services.escalation_policies import DEFAULT_LEVELS, policy_for

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def descriptions(severity):
    levels = policy_for(severity).levels.select_related("person").order_by("trigger", "position")
    return [describe_level(level) for level in levels]


def test_the_defaults_read_as_the_issue_asks():
    assert descriptions(1) == [
        "At once not acknowledged: the security officers",
        "After 15 minutes not acknowledged: the admins; then every 15 minutes, 3 more times",
        "After 4 hours not contained: the admins",
    ]
    assert descriptions(2) == [
        "At once not acknowledged: the security officers",
        "After 1 hour not acknowledged: the admins",
        "After 1 day not contained: the admins",
    ]
    for severity in (3, 4):
        assert descriptions(severity) == [
            "At once not acknowledged: the security officers",
            "After 1 working day not acknowledged: the admins",
        ]


def test_a_policy_is_created_once_however_often_it_is_asked_for():
    first = policy_for(1)
    assert policy_for(1) == first
    assert EscalationPolicy.objects.count() == 1
    assert EscalationLevel.objects.filter(policy=first).count() == len(DEFAULT_LEVELS[1])


def test_an_existing_policy_is_never_overwritten_by_the_defaults():
    policy = policy_for(2)
    policy.levels.filter(trigger="uncontained").delete()
    assert list(policy_for(2).levels.values_list("trigger", flat=True)) == ["unacknowledged"] * 2
