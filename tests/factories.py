"""factory_boy factories for every foundation model."""

import functools

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from dpms.models import Notification, OutboxEmail, PortalRole, Team, User

TEST_PASSWORD = "correct horse battery staple 42"


@functools.cache
def test_password_hash() -> str:
    """bcrypt is slow on purpose: hash the shared test password once per run, not once per person."""
    from django.contrib.auth.hashers import make_password

    return make_password(TEST_PASSWORD)


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
    password = factory.LazyFunction(test_password_hash)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("password") is None:  # password=None: an account without a usable password (invited)
            from django.contrib.auth.hashers import make_password

            kwargs["password"] = make_password(None)
        return super()._create(model_class, *args, **kwargs)

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
