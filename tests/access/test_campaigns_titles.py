"""Campaign titles people read: "Ad hoc review, 2 Dec 2026 · <policy>" (the launcher's day), "<policy>,
Q4 2026"; the migration renames only the ad hoc campaigns named by the old generated pattern."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from access.choices import Cadence, CampaignKind
from access.models import ReviewCampaign
from access.services import campaigns as services
from access.services.policies import period_label
from tests.access.factories import ReviewCampaignFactory, ReviewPolicyFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
# 23:30 UTC on 1 December: already 2 December in Tokyo, still 1 December in New York.
LATE = datetime.datetime(2026, 12, 1, 23, 30, tzinfo=datetime.UTC)
migration = importlib.import_module("access.migrations.0013_campaign_numbers_and_titles")


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(services, "_enqueue_population", lambda campaign_id: None)


@pytest.mark.parametrize(("zone", "day"), [("Asia/Tokyo", "2 Dec 2026"), ("America/New_York", "1 Dec 2026")])
def test_an_ad_hoc_campaign_is_named_for_the_day_in_the_launchers_zone(zone, day):
    officer = UserFactory(roles=["security officer"], time_zone=zone)
    policy = ReviewPolicyFactory(name="Production access")
    campaign = services.campaign_launch_now(actor=officer, policy=policy, now=LATE)
    assert campaign.name == f"Ad hoc review, {day} · Production access"
    assert campaign.period_key.startswith("adhoc-20261201T2330")  # the key stays unique and technical


def test_a_calendar_campaign_is_named_for_its_period():
    policy = ReviewPolicyFactory(name="Quarterly review", cadence=Cadence.QUARTERLY, next_run_at=LATE)
    assert services.launch_due_campaigns(now=LATE) == 1
    assert ReviewCampaign.objects.get(policy=policy).name == "Quarterly review, Q4 2026"
    assert [period_label(key) for key in ("2026-11", "2026-H2", "2026", "adhoc-20261201T233000000000")] == [
        "Nov 2026",
        "H2 2026",
        "2026",
        "",
    ]


def test_the_migration_renames_only_generated_ad_hoc_names(client_for, security_officer):
    policy = ReviewPolicyFactory(name="Old policy name")
    launcher = UserFactory(time_zone="Asia/Tokyo")
    key = "adhoc-20261201T233000123456"
    generated = ReviewCampaignFactory(
        policy=policy,
        kind=CampaignKind.AD_HOC,
        period_key=key,
        name=f"Old policy name · {key}",
        launched_at=LATE,
        launched_by=launcher,
    )
    chosen = ReviewCampaignFactory(
        kind=CampaignKind.AD_HOC,
        period_key="adhoc-20261201T233000654321",
        name="Payroll spot check",
        launched_at=LATE,
    )
    other_key = ReviewCampaignFactory(
        kind=CampaignKind.AD_HOC,
        period_key="adhoc-20261201T233000999999",
        name="Copied · adhoc-20261201T233000111111",  # the pattern, but not its own key
        launched_at=LATE,
    )
    scheduled = ReviewCampaignFactory(policy=policy, period_key="2026-Q4", name="Old policy name · 2026-Q4")
    migration.forwards(apps, None)
    names = dict(ReviewCampaign.objects.values_list("pk", "name"))
    assert names[generated.pk] == "Ad hoc review, 2 Dec 2026 · Old policy name"
    assert names[chosen.pk] == "Payroll spot check"
    assert names[other_key.pk] == "Copied · adhoc-20261201T233000111111"
    assert names[scheduled.pk] == "Old policy name · 2026-Q4"
    page = client_for(security_officer).get(reverse("access:campaign_detail", args=[generated.pk]))
    assert key not in page.content.decode()  # neither the title nor the period shows the technical key
