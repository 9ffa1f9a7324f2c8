"""factory_boy factories for every model of the access app."""

import datetime

import factory
from django.utils import timezone

from access.choices import Cadence, CampaignStatus, Environment, ReviewerRule
from access.models import (
    AccessRequest,
    Finding,
    Grant,
    ImportBatch,
    ReviewCampaign,
    ReviewItem,
    ReviewPolicy,
    RevocationTask,
    Role,
    System,
)
from access.services.tallies import tally_recount
from tests.factories import UserFactory


class SystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = System

    name = factory.Sequence(lambda n: f"System {n}")
    description = "A business system."
    owner = factory.SubFactory(UserFactory)
    environment = Environment.PRODUCTION


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    system = factory.SubFactory(SystemFactory)
    name = factory.Sequence(lambda n: f"Role {n}")
    privileged = False


class GrantFactory(factory.django.DjangoModelFactory):
    """A grant written directly (fixtures); code under test creates grants through access.services.grants."""

    class Meta:
        model = Grant

    user = factory.SubFactory(UserFactory)
    role = factory.SubFactory(RoleFactory)
    granted_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=200))
    justification = "Needed for daily work."


class AccessRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessRequest

    requested_for = factory.SubFactory(UserFactory)
    requested_by = factory.SelfAttribute("requested_for")
    role = factory.SubFactory(RoleFactory)
    justification = "I need it for the quarterly close."


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    filename = "grants.csv"
    sha256 = "0" * 64


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    kind = "too_many_privileged"
    system = factory.SubFactory(SystemFactory)


class ReviewPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewPolicy

    name = factory.Sequence(lambda n: f"Quarterly review {n}")
    reviewer_rule = ReviewerRule.MANAGER
    fallback_reviewer = factory.SubFactory(UserFactory)
    cadence = Cadence.QUARTERLY
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    duration_days = 14
    reminder_days_before_due = factory.LazyFunction(lambda: [3, 1])
    enabled = True


class ReviewCampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewCampaign

    policy = factory.SubFactory(ReviewPolicyFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    period_key = factory.Sequence(lambda n: f"2026-P{n}")
    status = CampaignStatus.OPEN
    due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))


class ReviewItemFactory(factory.django.DjangoModelFactory):
    """A review item with its snapshot taken from the grant, as the launch does."""

    class Meta:
        model = ReviewItem
        skip_postgeneration_save = True

    campaign = factory.SubFactory(ReviewCampaignFactory)
    grant = factory.SubFactory(GrantFactory)
    holder = factory.SelfAttribute("grant.user")
    holder_label = factory.LazyAttribute(lambda o: f"{o.grant.user.full_name} <{o.grant.user.email}>")
    system = factory.SelfAttribute("grant.role.system")
    system_name = factory.LazyAttribute(lambda o: o.grant.role.system.name)
    role = factory.SelfAttribute("grant.role")
    role_name = factory.LazyAttribute(lambda o: o.grant.role.name)
    privileged = factory.LazyAttribute(lambda o: o.grant.role.privileged)
    environment = factory.LazyAttribute(lambda o: o.grant.role.system.environment)
    granted_at = factory.LazyAttribute(lambda o: o.grant.granted_at)
    grant_justification = factory.LazyAttribute(lambda o: o.grant.justification)
    reviewer = factory.SubFactory(UserFactory)

    @factory.post_generation
    def tallies(self, create, extracted, **kwargs):
        """The campaign's progress tallies, as the services keep them."""
        if create:
            tally_recount(campaign_id=self.campaign_id)


class RevocationTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RevocationTask

    grant = factory.SubFactory(GrantFactory)
    system = factory.SelfAttribute("grant.role.system")
    assignee = factory.SelfAttribute("grant.role.system.owner")
    reason = "Revoked in review."
    due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
