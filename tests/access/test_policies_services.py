"""Review policies: validation, scope, and the safety check before a revoke-by-default policy is enabled."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from access.choices import Cadence, DefaultDecision, Environment, ReviewerRule
from access.queries.policies import policy_population
from access.services import policies as services
from dpms.models import AuditEvent
from tests.access.factories import GrantFactory, ReviewPolicyFactory, RoleFactory, SystemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _values(**overrides):
    values = {
        "name": "Quarterly production review",
        "reviewer_rule": ReviewerRule.MANAGER,
        "fallback_reviewer": UserFactory(),
        "cadence": Cadence.QUARTERLY,
        "start_date": datetime.date(2026, 1, 1),
        "duration_days": 14,
        "reminder_days_before_due": [3, 1],
        "default_decision": DefaultDecision.FLAG,
        "environments": [],
        "privileged_only": False,
    }
    values.update(overrides)
    return values


def _create(actor, **overrides):
    return services.policy_create(actor=actor, values=_values(**overrides), now=timezone.now())


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_create_records_a_disabled_policy_in_the_audit_trail(security_officer):
    policy = _create(security_officer)
    assert not policy.enabled
    assert policy.next_run_at is None
    assert AuditEvent.objects.filter(action="access.policy.create", object_id=str(policy.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reviewer_rule": ReviewerRule.NAMED, "named_reviewer": None}, "named_reviewer"),
        ({"fallback_reviewer": None}, "fallback_reviewer"),
        ({"duration_days": 0}, "duration_days"),
        ({"reminder_days_before_due": [3, 0]}, "reminder_days_before_due"),
        ({"reminder_days_before_due": [-1]}, "reminder_days_before_due"),
        ({"auto_revoke_confirm_share": "1.5"}, "auto_revoke_confirm_share"),
        ({"auto_revoke_confirm_share": "-0.1"}, "auto_revoke_confirm_share"),
    ],
)
def test_invalid_policy_is_refused_with_the_field_named(security_officer, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        _create(security_officer, **overrides)
    assert field in _errors(excinfo)


def test_inactive_fallback_reviewer_is_refused(security_officer):
    with pytest.raises(ValidationError) as excinfo:
        _create(security_officer, fallback_reviewer=UserFactory(is_active=False))
    assert "fallback_reviewer" in _errors(excinfo)


def test_population_follows_systems_environments_and_privileged_scope():
    prod = SystemFactory(environment=Environment.PRODUCTION)
    dev = SystemFactory(environment=Environment.DEVELOPMENT)
    admin_prod = GrantFactory(role=RoleFactory(system=prod, privileged=True))
    user_prod = GrantFactory(role=RoleFactory(system=prod))
    admin_dev = GrantFactory(role=RoleFactory(system=dev, privileged=True))
    GrantFactory(role=RoleFactory(system=prod), revoked_at=timezone.now())  # revoked: never in scope

    everything = ReviewPolicyFactory()
    assert set(policy_population(everything)) == {admin_prod, user_prod, admin_dev}
    privileged = ReviewPolicyFactory(privileged_only=True)
    assert set(policy_population(privileged)) == {admin_prod, admin_dev}
    production = ReviewPolicyFactory(environments=[Environment.PRODUCTION])
    assert set(policy_population(production)) == {admin_prod, user_prod}
    one_system = ReviewPolicyFactory()
    one_system.systems.set([dev])
    assert set(policy_population(one_system)) == {admin_dev}


def test_enabling_schedules_the_next_run(security_officer):
    policy = _create(security_officer, start_date=timezone.now().date())
    services.policy_enable(actor=security_officer, policy=policy, now=timezone.now())
    policy.refresh_from_db()
    assert policy.enabled
    assert policy.next_run_at == datetime.datetime.combine(
        timezone.now().date(), datetime.time.min, tzinfo=datetime.UTC
    )


def test_revoke_default_policy_is_not_enabled_without_confirming_the_count(security_officer):
    GrantFactory.create_batch(3)
    policy = _create(security_officer, default_decision=DefaultDecision.REVOKE)
    with pytest.raises(ValidationError, match="today that is 3 grants"):
        services.policy_enable(actor=security_officer, policy=policy, now=timezone.now())
    with pytest.raises(ValidationError):  # a stale count asks again
        services.policy_enable(actor=security_officer, policy=policy, now=timezone.now(), confirmed_count=2)
    policy.refresh_from_db()
    assert not policy.enabled

    services.policy_enable(actor=security_officer, policy=policy, now=timezone.now(), confirmed_count=3)
    policy.refresh_from_db()
    assert policy.enabled
    event = AuditEvent.objects.get(action="access.policy.enable", object_id=str(policy.pk))
    assert event.changes["revoke_exposure_confirmed"] == 3


def test_enabled_policy_cannot_switch_to_revoke_without_the_confirmation_step(security_officer):
    policy = _create(security_officer)
    services.policy_enable(actor=security_officer, policy=policy, now=timezone.now())
    with pytest.raises(ValidationError) as excinfo:
        services.policy_update(
            actor=security_officer,
            policy=policy,
            values={"default_decision": DefaultDecision.REVOKE},
            now=timezone.now(),
        )
    assert "default_decision" in _errors(excinfo)
    policy.refresh_from_db()
    assert policy.default_decision == DefaultDecision.FLAG


def test_update_records_what_changed(security_officer):
    policy = _create(security_officer)
    services.policy_update(
        actor=security_officer, policy=policy, values={"duration_days": 21}, now=timezone.now()
    )
    event = AuditEvent.objects.get(action="access.policy.update", object_id=str(policy.pk))
    assert event.changes["duration_days"] == [14, 21]


def test_disable_stops_the_schedule(security_officer):
    policy = _create(security_officer)
    services.policy_enable(actor=security_officer, policy=policy, now=timezone.now())
    services.policy_disable(actor=security_officer, policy=policy)
    policy.refresh_from_db()
    assert not policy.enabled
    assert policy.next_run_at is None
