"""Periodic reviews through the API: recording one (whoever may review the risk on its page), the reviews of
the risks you see, your due counts and the review round, with the pages' rules and query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms.models import AuditEvent, AuditSource
from risk.models import Risk, RiskAssessment
from tests.dpms.api_support import api_client, token_for
from tests.risk.factories import RiskAssessmentFactory, RiskFactory
from tests.risk.register_support import cast_fixture, matrix_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

ASSESSMENTS = reverse("api:risk-assessment-list")
DUE = reverse("api:risk-assessment-due")
ROUND = reverse("api:risk-review-round-list")


def writer(user):
    return api_client(token_for(user, read_only=False)[1])


def reader(user):
    return api_client(token_for(user)[1])


def review(risk, **changes):
    return {"risk": risk.pk, "current_likelihood": 0, "current_impact": 1, "notes": "Checked.", **changes}


def test_the_owner_records_a_review_audited_as_api(cast, staff):
    token, text = token_for(staff, read_only=False, name="review bot")
    response = api_client(text).post(ASSESSMENTS, review(cast.staff_risk), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["after"]["current"] == [0, 1]
    assert body["before"]["current"] == [1, 1]
    risk = Risk.objects.get(pk=cast.staff_risk.pk)
    assert (risk.current_likelihood, risk.current_impact) == (0, 1)
    assert risk.next_review_on.isoformat() == body["next_review_on"]
    event = AuditEvent.objects.get(action="risk.review.record")
    assert event.source == AuditSource.API
    assert event.actor_label.endswith(f"via API token #{token.pk} review bot")


def test_inherent_and_target_left_out_stay_as_they_are(cast, staff):
    writer(staff).post(ASSESSMENTS, review(cast.staff_risk), format="json")
    risk = Risk.objects.get(pk=cast.staff_risk.pk)
    assert (risk.inherent_likelihood, risk.target_likelihood) == (3, 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"current_likelihood": 5}, "current_likelihood"),  # the service: 5 steps, 0 to 4
        ({"target_likelihood": 1}, "target_impact"),  # half a pair
        ({"current_impact": None}, "current_impact"),
        ({"risk": "x"}, "risk"),
        ({"notes": "n" * 5001}, "notes"),
    ],
)
def test_bad_scores_are_a_400_and_record_nothing(cast, staff, changes, field):
    response = writer(staff).post(ASSESSMENTS, {**review(cast.staff_risk), **changes}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not RiskAssessment.objects.exists()


def test_every_persona_records_where_the_review_page_lets_them(cast, personas, manager, client_for):
    """The API answers a review of each risk as the review page does: 201 where it shows the form, else its
    403 or 404. A closed risk is not reviewed (403)."""
    from guardian.shortcuts import assign_perm

    assign_perm("risk.edit_shared_risk", manager, cast.staff_risk)
    Risk.objects.filter(pk=cast.manager_risk.pk).update(status="closed")
    for name, person in personas.items():
        page = client_for(person)
        for risk in (cast.staff_risk, cast.outsider_risk, cast.manager_risk):
            shown = page.get(reverse("risk:review_record", args=[risk.pk])).status_code
            response = writer(person).post(ASSESSMENTS, review(risk), format="json")
            assert response.status_code == {200: 201, 403: 403, 404: 404}[shown], (name, risk.reference)


def test_the_reviews_listed_are_those_of_risks_you_see(cast, staff, security_officer, outsider):
    mine = RiskAssessmentFactory(risk=cast.staff_risk)
    theirs = RiskAssessmentFactory(risk=cast.outsider_risk)
    own = {row["id"] for row in reader(staff).get(ASSESSMENTS).json()["results"]}
    assert own == {mine.pk}
    every = {row["id"] for row in reader(security_officer).get(ASSESSMENTS).json()["results"]}
    assert every == {mine.pk, theirs.pk}
    one = reader(security_officer).get(ASSESSMENTS, {"risk": cast.outsider_risk.pk}).json()["results"]
    assert [row["id"] for row in one] == [theirs.pk]
    assert reader(staff).get(reverse("api:risk-assessment-detail", args=[theirs.pk])).status_code == 404
    assert reader(outsider).get(reverse("api:risk-assessment-detail", args=[theirs.pk])).status_code == 200
    assert reader(staff).get(reverse("api:risk-assessment-detail", args=[mine.pk])).status_code == 200


def test_every_persona_reads_the_reviews_of_the_risks_their_pages_show(cast, personas, client_for):
    """A review is seen by whoever sees its risk: the API's answer for it is the risk page's."""
    for risk in (cast.staff_risk, cast.outsider_risk, cast.manager_risk):
        assessment = RiskAssessmentFactory(risk=risk)
        for name, person in personas.items():
            shown = client_for(person).get(reverse("risk:risk", args=[risk.pk])).status_code
            url = reverse("api:risk-assessment-detail", args=[assessment.pk])
            assert reader(person).get(url).status_code == shown, (name, risk.reference)


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_reviews_list_runs_a_fixed_number_of_queries(
    cast, staff, security_officer, rows, django_assert_num_queries
):
    RiskAssessment.objects.bulk_create(
        RiskAssessment(
            risk=cast.staff_risk if n % 2 else cast.outsider_risk,
            reviewed_by=staff,
            before={"inherent": [3, 3], "current": [2, 2], "target": None},
            after={"inherent": [3, 3], "current": [2, 2], "target": None},
            current_level_index=2,
            next_review_on=timezone.localdate(),
        )
        for n in range(rows)
    )
    for person in (security_officer, staff):
        client = reader(person)
        client.get(ASSESSMENTS)  # the first use notes the token's time and address
        # token with its owner (1), the caller's roles (1), a page of reviews with risk and reviewer (1)
        with django_assert_num_queries(3):
            assert client.get(ASSESSMENTS, {"page_size": 200}).status_code == 200


def test_due_counts_are_yours_or_everyones(cast, staff, security_officer, outsider):
    today = timezone.localdate()
    Risk.objects.filter(pk=cast.staff_risk.pk).update(next_review_on=today - datetime.timedelta(days=1))
    Risk.objects.filter(pk=cast.outsider_risk.pk).update(next_review_on=today + datetime.timedelta(days=3))
    assert reader(staff).get(DUE).json() == {"overdue": 1, "due": 0, "due_days": 14, "everything": False}
    assert reader(outsider).get(DUE).json() == {"overdue": 0, "due": 1, "due_days": 14, "everything": False}
    assert reader(security_officer).get(DUE).json()["everything"] is True
    assert reader(security_officer).get(DUE).json()["overdue"] == 1


# --- The review round ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 403),
        ("manager", 403),
        ("security_officer", 200),
        ("auditor", 200),
        ("admin", 403),
        ("outsider", 403),
    ],
)
def test_the_round_is_for_security_officers_and_auditors(personas, persona, status, client_for):
    assert client_for(personas[persona]).get(reverse("risk:review_round")).status_code == status
    assert reader(personas[persona]).get(ROUND).status_code == status


def test_the_round_lists_what_is_due_in_the_period_and_overdue(cast, security_officer):
    today = timezone.localdate()
    Risk.objects.filter(pk=cast.staff_risk.pk).update(next_review_on=today - datetime.timedelta(days=2))
    Risk.objects.filter(pk=cast.outsider_risk.pk).update(next_review_on=today + datetime.timedelta(days=10))
    Risk.objects.filter(pk=cast.manager_risk.pk).update(next_review_on=today + datetime.timedelta(days=60))
    client = reader(security_officer)
    rows = client.get(ROUND).json()["results"]
    assert [(row["id"], row["overdue"]) for row in rows] == [
        (cast.staff_risk.pk, True),
        (cast.outsider_risk.pk, False),
    ]
    rows = client.get(ROUND, {"overdue": "exclude", "end": (today + datetime.timedelta(days=90)).isoformat()})
    assert [row["id"] for row in rows.json()["results"]] == [cast.outsider_risk.pk, cast.manager_risk.pk]
    bad = client.get(
        ROUND, {"start": today.isoformat(), "end": (today - datetime.timedelta(days=1)).isoformat()}
    )
    assert bad.status_code == 400
    assert bad.json()["errors"]["end"] == ["The end of the period is before its start."]


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_round_runs_a_fixed_number_of_queries(
    matrix, security_officer, staff, rows, django_assert_num_queries
):
    today = timezone.localdate()
    Risk.objects.bulk_create(
        RiskFactory.build(
            reference=f"R-{n:04d}",
            owner=staff,
            matrix=matrix,
            next_review_on=today + datetime.timedelta(days=n % 30),
        )
        for n in range(rows)
    )
    client = reader(security_officer)
    client.get(ROUND)
    # token with its owner (1), the caller's roles (1), a page of risks with owner and matrix (1)
    with django_assert_num_queries(3):
        assert len(client.get(ROUND, {"page_size": 200}).json()["results"]) == min(rows, 200)
