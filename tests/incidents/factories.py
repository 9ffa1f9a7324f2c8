"""factory_boy factories for the incidents app. Tests of services should create incidents through
``incidents.services`` where the path matters; these build rows directly for lists and counts."""

import datetime

import factory
from django.utils import timezone

from incidents.choices import Category, EventKind, PersonalData, Status
from incidents.models import FollowUpAction, Incident, IncidentEvent
from tests.factories import UserFactory


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    reference = factory.Sequence(lambda n: f"INC-2026-{n + 9000:04d}")
    title = factory.Sequence(lambda n: f"Suspicious email {n}")
    description = "A message asked me to confirm my password."
    category = Category.PHISHING
    reported_by = factory.SubFactory(UserFactory)
    reported_at = factory.LazyFunction(timezone.now)
    noticed_at = factory.LazyFunction(timezone.now)
    personal_data = PersonalData.UNKNOWN
    status = Status.REPORTED


class IncidentEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentEvent

    incident = factory.SubFactory(IncidentFactory)
    kind = EventKind.COMMENT
    actor = factory.SubFactory(UserFactory)
    internal = True
    text = factory.Sequence(lambda n: f"Note {n}")


class FollowUpActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpAction

    incident = factory.SubFactory(IncidentFactory)
    title = factory.Sequence(lambda n: f"Follow-up {n}")
    owner = factory.SubFactory(UserFactory)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
