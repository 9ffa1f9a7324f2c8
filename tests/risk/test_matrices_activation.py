"""Activating another matrix: the preview writes nothing; the confirmed activation re-maps every risk's
scores by relative position, points every risk at the new matrix and switches the active one, audited."""

import pytest
from django.core.exceptions import ValidationError

from dpms.models import AuditEvent
from risk.models import Risk, RiskMatrix
from risk.queries.matrices import NIST, THREE, activation_preview, preset, remap_index
from risk.services.matrices import matrix_activate
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("old_size", "new_size", "expected"),
    [
        (5, 3, [0, 1, 1, 2, 2]),  # halves round up: a re-mapped risk never looks smaller
        (3, 5, [0, 2, 4]),
        (5, 5, [0, 1, 2, 3, 4]),
        (4, 1, [0, 0, 0, 0]),
    ],
)
def test_scores_keep_their_relative_position(old_size, new_size, expected):
    assert [remap_index(value, old_size=old_size, new_size=new_size) for value in range(old_size)] == expected


def test_an_unscored_target_stays_unscored():
    assert remap_index(None, old_size=5, new_size=3) is None


@pytest.fixture
def nist():
    return RiskMatrix.objects.create(preset=NIST, is_active=True, **preset(NIST))


@pytest.fixture
def three():
    return RiskMatrix.objects.create(preset=THREE, **preset(THREE))


@pytest.fixture
def risks(nist):
    # Very High × Very High now (Very High), Low × Low (Low), and one without a target.
    return [
        RiskFactory(
            matrix=nist, inherent_likelihood=4, inherent_impact=4, current_likelihood=1, current_impact=1
        ),
        RiskFactory(
            matrix=nist,
            inherent_likelihood=2,
            inherent_impact=2,
            current_likelihood=2,
            current_impact=2,
            target_likelihood=None,
            target_impact=None,
        ),
    ]


def _scores(risk):
    risk.refresh_from_db()
    return [
        risk.inherent_likelihood,
        risk.inherent_impact,
        risk.current_likelihood,
        risk.current_impact,
        risk.target_likelihood,
        risk.target_impact,
    ]


def test_the_preview_shows_the_remapping_and_writes_nothing(nist, three, risks, django_assert_num_queries):
    before = [_scores(risk) for risk in risks]
    with django_assert_num_queries(2):  # the matrices, the risks
        preview = activation_preview(three)
    assert preview["counts"]["risks"] == 2
    first = next(row for row in preview["rows"] if row["pk"] == risks[0].pk)
    assert first["changes"]["inherent"]["before"]["name"] == "Very High"
    assert first["changes"]["inherent"]["after"]["name"] == "High"
    assert first["changes"]["current"]["before"]["name"] == "Low"
    assert first["changes"]["current"]["after"]["name"] == "Medium"  # Low×Low → Medium×Medium on the 3×3
    assert [_scores(risk) for risk in risks] == before
    assert RiskMatrix.objects.active() == nist
    assert set(Risk.objects.values_list("matrix", flat=True)) == {nist.pk}
    assert not AuditEvent.objects.filter(action="risk.matrix.activate").exists()


def test_activation_without_confirmation_changes_nothing(nist, three, risks):
    with pytest.raises(ValidationError, match="Confirm the re-mapping"):
        matrix_activate(matrix=three, actor=None, confirmed=False)
    assert RiskMatrix.objects.active() == nist
    assert _scores(risks[0]) == [4, 4, 1, 1, 1, 1]


def test_activation_remaps_scores_and_switches_the_active_matrix(nist, three, risks, security_officer):
    counts = matrix_activate(matrix=three, actor=security_officer, confirmed=True)
    assert _scores(risks[0]) == [2, 2, 1, 1, 1, 1]
    assert _scores(risks[1]) == [1, 1, 1, 1, None, None]
    assert RiskMatrix.objects.active() == three
    nist.refresh_from_db()
    assert not nist.is_active
    assert set(Risk.objects.values_list("matrix", flat=True)) == {three.pk}
    # Level names differ between the two matrices (Moderate → Medium), so every scored level "changes".
    assert counts == {
        "risks": 2,
        "level_changed": 2,
        "inherent_changed": 2,
        "current_changed": 2,
        "target_changed": 1,
        "assessments": 0,  # no past reviews to re-map here
    }
    event = AuditEvent.objects.get(action="risk.matrix.activate")
    assert event.object_id == str(three.pk)
    assert event.actor == security_officer
    assert event.changes["previous"] == nist.name
    assert event.changes["risks"] == 2
    assert event.changes["level_changed"] == counts["level_changed"]


def test_the_levels_after_activation_are_those_the_preview_showed(nist, three, risks, security_officer):
    preview = activation_preview(three)
    matrix_activate(matrix=three, actor=security_officer, confirmed=True)
    for row in preview["rows"]:
        risk = Risk.objects.select_related("matrix").get(pk=row["pk"])
        assert risk.inherent_level["name"] == row["changes"]["inherent"]["after"]["name"]
        assert risk.current_level["name"] == row["changes"]["current"]["after"]["name"]
        assert (risk.target_level or {}).get("name") == (row["changes"]["target"]["after"] or {}).get("name")
    assert (
        preview["counts"]["level_changed"]
        == AuditEvent.objects.get(action="risk.matrix.activate").changes["level_changed"]
    )


def test_the_active_matrix_cannot_be_activated_again(nist, security_officer):
    with pytest.raises(ValidationError, match="is the active matrix already"):
        matrix_activate(matrix=nist, actor=security_officer, confirmed=True)


def test_activation_works_when_no_matrix_was_active(three, security_officer):
    counts = matrix_activate(matrix=three, actor=security_officer, confirmed=True)
    assert counts["risks"] == 0
    assert RiskMatrix.objects.active() == three


def test_past_reviews_move_to_the_new_scale_with_their_risk(nist, three, risks, security_officer):
    """The score history reads on the new matrix as the risk does: levels of past reviews are re-mapped."""
    from tests.risk.factories import RiskAssessmentFactory

    risk = risks[1]  # Moderate × Moderate on NIST: "Moderate"
    review = RiskAssessmentFactory(
        risk=risk,
        before={"inherent": [4, 4], "current": [4, 4], "target": None},
        after={"inherent": [2, 2], "current": [2, 2], "target": None},
        current_level_index=nist.level_index(2, 2),
    )

    matrix_activate(matrix=three, actor=security_officer, confirmed=True)

    review.refresh_from_db()
    risk.refresh_from_db()
    assert review.after["current"] == [risk.current_likelihood, risk.current_impact] == [1, 1]
    assert review.before["current"] == [2, 2]
    assert review.after["target"] is None
    assert three.levels[review.current_level_index]["name"] == risk.current_level["name"]
