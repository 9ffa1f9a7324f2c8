"""factory_boy factories for every model of the risk app."""

import datetime

import factory
from django.utils import timezone

from risk.choices import AcceptanceStatus, ActionStatus, RiskStatus
from risk.models import Risk, RiskAcceptance, RiskAssessment, RiskCategory, RiskMatrix, TreatmentAction
from tests.factories import UserFactory

FIVE_LEVELS = [
    {"name": "Very low", "colour": "#2e7d32", "review_days": 365},
    {"name": "Low", "colour": "#7cb342", "review_days": 365},
    {"name": "Moderate", "colour": "#f9a825", "review_days": 180},
    {"name": "High", "colour": "#ef6c00", "review_days": 90},
    {"name": "Very high", "colour": "#c62828", "review_days": 90},
]


def five_by_five_cells():
    """A simple monotonic 5×5: level = (likelihood + impact) // 2."""
    return [[(likelihood + impact) // 2 for impact in range(5)] for likelihood in range(5)]


def scale(kind):
    names = ["Very low", "Low", "Moderate", "High", "Very high"]
    return [{"label": name, "description": f"{name} {kind}."} for name in names]


class RiskMatrixFactory(factory.django.DjangoModelFactory):
    """A 5×5 matrix, appetite "Moderate"; pass ``is_active=True`` for the register's matrix."""

    class Meta:
        model = RiskMatrix

    name = factory.Sequence(lambda n: f"Matrix {n}")
    likelihood_scale = factory.LazyFunction(lambda: scale("likelihood"))
    impact_scale = factory.LazyFunction(lambda: scale("impact"))
    levels = factory.LazyFunction(lambda: [dict(level) for level in FIVE_LEVELS])
    cells = factory.LazyFunction(five_by_five_cells)
    appetite = 2
    is_active = False


def active_matrix():
    """The active matrix, created when there is none (tests start from an empty database)."""
    return RiskMatrix.objects.filter(is_active=True).first() or RiskMatrixFactory(is_active=True)


class RiskCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class RiskFactory(factory.django.DjangoModelFactory):
    """A risk written directly (fixtures); code under test creates risks through risk.services."""

    class Meta:
        model = Risk

    reference = factory.Sequence(lambda n: f"R-T{n:04d}")
    title = factory.Sequence(lambda n: f"Risk {n}")
    description = "Something that could go wrong."
    owner = factory.SubFactory(UserFactory)
    matrix = factory.LazyFunction(active_matrix)
    inherent_likelihood = 3
    inherent_impact = 3
    current_likelihood = 2
    current_impact = 2
    target_likelihood = 1
    target_impact = 1
    status = RiskStatus.OPEN
    next_review_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=90))


class TreatmentActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentAction

    risk = factory.SubFactory(RiskFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SelfAttribute("risk.owner")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    status = ActionStatus.OPEN


class RiskAcceptanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskAcceptance

    risk = factory.SubFactory(RiskFactory)
    requested_by = factory.SelfAttribute("risk.owner")
    rationale = "The cost of mitigation exceeds the expected loss."
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=180))
    status = AcceptanceStatus.REQUESTED


class RiskAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskAssessment

    risk = factory.SubFactory(RiskFactory)
    reviewed_by = factory.SelfAttribute("risk.owner")
    before = factory.LazyFunction(lambda: {"inherent": [3, 3], "current": [2, 2], "target": [1, 1]})
    after = factory.LazyFunction(lambda: {"inherent": [3, 3], "current": [2, 2], "target": [1, 1]})
    current_level_index = 2
    next_review_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=180))
