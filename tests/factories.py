"""factory_boy factories for every foundation model."""

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from dpms.models import Notification, OutboxEmail, PortalRole, Team, User

TEST_PASSWORD = "correct horse battery staple 42"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    team = None
    manager = None
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for role in extracted:
                group, _ = Group.objects.get_or_create(name=PortalRole(role).value)
                self.groups.add(group)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    subject = factory.Sequence(lambda n: f"Notification {n}")
    body = "Something needs your attention."
    link = "/dashboard/"


class OutboxEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxEmail

    dedup_key = factory.Sequence(lambda n: f"test:{n}")
    to = factory.Sequence(lambda n: f"rcpt{n}@example.com")
    subject = "Hello"
    body = "Body"
    next_attempt_at = factory.LazyFunction(timezone.now)


def audit_event(**kwargs):
    """Audit events are only ever written through dpms.audit.record; tests do the same."""
    from django.db import transaction

    from dpms import audit

    kwargs.setdefault("action", "test.event")
    with transaction.atomic():
        return audit.record(**kwargs)
