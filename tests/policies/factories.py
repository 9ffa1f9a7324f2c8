"""factory_boy factories for the policies app (shared by every area's tests)."""

import datetime
import hashlib

import factory
from django.utils import timezone

from policies.choices import AssignmentStatus, CampaignStatus, QuestionKind
from policies.models import (
    Acknowledgement,
    Answer,
    Assignment,
    AttestationQuestion,
    FollowUp,
    Policy,
    PolicyCampaign,
    PolicyVersion,
)
from tests.factories import UserFactory


class PolicyFactory(factory.django.DjangoModelFactory):
    """A policy for everyone, owned by a new person, with no version yet (``PolicyVersionFactory``)."""

    class Meta:
        model = Policy

    title = factory.Sequence(lambda n: f"Policy {n}")
    summary = "What everyone must do."
    owner = factory.SubFactory(UserFactory)


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    """A published version, in force since yesterday, numbered after the policy's last one."""

    class Meta:
        model = PolicyVersion

    policy = factory.SubFactory(PolicyFactory)
    number = factory.LazyAttribute(lambda o: (o.policy.versions.count() + 1) if o.policy.pk else 1)
    body = factory.Sequence(lambda n: f"# Rules\n\nRule number {n}.\n")
    change_summary = "First version."
    effective_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    body_sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.body.encode()).hexdigest())


class QuestionFactory(factory.django.DjangoModelFactory):
    """A template yes/no question on a policy (give ``campaign=`` and ``policy=None`` for a campaign's)."""

    class Meta:
        model = AttestationQuestion

    policy = factory.SubFactory(PolicyFactory)
    campaign = None
    position = factory.Sequence(lambda n: n)
    kind = QuestionKind.YES_NO
    text = factory.Sequence(lambda n: f"I follow rule {n}.")


class CampaignFactory(factory.django.DjangoModelFactory):
    """An open ad-hoc campaign of a version, due in two weeks."""

    class Meta:
        model = PolicyCampaign

    version = factory.SubFactory(PolicyVersionFactory)
    policy = factory.LazyAttribute(lambda o: o.version.policy)
    kind = "adhoc"
    name = factory.LazyAttribute(lambda o: f"{o.policy.title} v{o.version.number}")
    period_key = factory.Sequence(lambda n: f"adhoc-{n}")
    status = CampaignStatus.OPEN
    due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A pending assignment of a person in a campaign, with the snapshot taken from the person."""

    class Meta:
        model = Assignment

    campaign = factory.SubFactory(CampaignFactory)
    person = factory.SubFactory(UserFactory)
    person_label = factory.LazyAttribute(lambda o: f"{o.person.full_name} <{o.person.email}>")
    team_name = factory.LazyAttribute(lambda o: o.person.team.name if o.person.team_id else "")
    manager = factory.LazyAttribute(lambda o: o.person.manager)
    status = AssignmentStatus.PENDING


class AcknowledgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Acknowledgement

    person = factory.SubFactory(UserFactory)
    version = factory.SubFactory(PolicyVersionFactory)


class AnswerFactory(factory.django.DjangoModelFactory):
    """A "no" to a campaign's question, with its reason (give ``yes=True`` and no explanation for a yes)."""

    class Meta:
        model = Answer

    assignment = factory.SubFactory(AssignmentFactory)
    question = factory.LazyAttribute(
        lambda o: QuestionFactory(policy=None, campaign=o.assignment.campaign, text="Disk encryption is on.")
    )
    yes = False
    explanation = "My laptop is waiting for IT to turn it on."


class FollowUpFactory(factory.django.DjangoModelFactory):
    """The open follow-up of a "no" answer, for the person and their manager, due in 30 days."""

    class Meta:
        model = FollowUp

    answer = factory.SubFactory(AnswerFactory)
    person = factory.LazyAttribute(lambda o: o.answer.assignment.person)
    manager = factory.LazyAttribute(lambda o: o.answer.assignment.manager)
    due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
