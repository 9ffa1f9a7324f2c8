"""Helpers of the campaign tests: a policy with a version in force and people in its audience."""

import datetime

from django.utils import timezone

from policies.models import Acknowledgement, PolicyVersion
from tests.factories import UserFactory
from tests.policies.factories import PolicyFactory, PolicyVersionFactory, QuestionFactory

LONG_AGO = timezone.now() - datetime.timedelta(days=400)


def policy_in_force(*, questions: int = 1, **kwargs):
    """A policy for everyone with version 1 in force for a year and ``questions`` template questions."""
    kwargs.setdefault("owner", UserFactory(date_joined=LONG_AGO))  # not a joiner
    policy = PolicyFactory(**kwargs)
    PolicyVersionFactory(policy=policy, number=1, effective_date=LONG_AGO.date())
    for n in range(questions):
        QuestionFactory(policy=policy, campaign=None, text=f"I follow rule {n + 1}.")
    return policy


def people(n: int, **kwargs):
    """``n`` people who joined long ago (not joiners)."""
    return [UserFactory(date_joined=LONG_AGO, **kwargs) for _ in range(n)]


def new_version(policy) -> PolicyVersion:
    """Publish the policy's next version, in force since yesterday."""
    number = policy.versions.count() + 1
    version = PolicyVersionFactory(policy=policy, number=number, change_summary="Stricter.")
    PolicyVersion.objects.filter(policy=policy, number__lt=number).update(
        effective_date=timezone.localdate() - datetime.timedelta(days=30)
    )
    return version


def acknowledge(person, version, *, assignment=None):
    return Acknowledgement.objects.create(person=person, version=version, assignment=assignment)
