"""The risk pages in German: a security officer who chose German reads the register, a risk, the heat map,
the review round, the acceptances and treatment actions, the matrices and their dashboard panels with no
English original of a marked string left; refusals say why in German."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from risk.choices import AcceptanceStatus, ActionStatus
from risk.models import RiskAcceptance, RiskCategory
from tests.dashboard_support import dashboard_html
from tests.i18n import sign_in_german, untranslated
from tests.risk.factories import (
    RiskAcceptanceFactory,
    RiskAssessmentFactory,
    RiskFactory,
    RiskMatrixFactory,
    TreatmentActionFactory,
)

pytestmark = pytest.mark.django_db

# A German organisation names its own scales and levels: the matrix's words are data, not catalogue text.
LEVELS = ["Sehr niedrig", "Niedrig", "Mittel", "Hoch", "Sehr hoch"]
COLOURS = ["#2e7d32", "#7cb342", "#f9a825", "#ef6c00", "#c62828"]
TITLE = "Ausfall des Rechenzentrums"
ACTION = "Zweites Rechenzentrum anbinden"


@pytest.fixture
def german_matrix(db):
    steps = [{"label": name, "description": f"{name}."} for name in LEVELS]
    return RiskMatrixFactory(
        name="Konzernmatrix",
        is_active=True,
        likelihood_scale=steps,
        impact_scale=[dict(step) for step in steps],
        levels=[
            {"name": name, "colour": colour, "review_days": 90}
            for name, colour in zip(LEVELS, COLOURS, strict=True)
        ],
    )


@pytest.fixture
def register(german_matrix, staff, security_officer):
    """An overdue risk above appetite with an action past its due date, a reviewed one and an acceptance."""
    today = timezone.localdate()
    hot = RiskFactory(
        title=TITLE,
        owner=staff,
        matrix=german_matrix,
        current_likelihood=4,
        current_impact=4,
        next_review_on=today - datetime.timedelta(days=3),
    )
    TreatmentActionFactory(
        risk=hot, title=ACTION, owner=security_officer, due_on=today - datetime.timedelta(days=2)
    )
    TreatmentActionFactory(risk=hot, title="Notfallplan testen", status=ActionStatus.IN_PROGRESS)
    RiskAssessmentFactory(risk=hot, reviewed_by=security_officer, notes="Geprüft.")
    accepted = RiskFactory(title="Veraltete Kasse", owner=staff, matrix=german_matrix)
    RiskAcceptanceFactory(
        risk=accepted, rationale="Wird nächstes Jahr ersetzt.", status=AcceptanceStatus.REQUESTED
    )
    return hot


def _main(html: str) -> str:
    """The page's own content: the header's menu and badges belong to the portal and the other apps."""
    return html[html.index("<main") : html.index("</main>")]


def _data(hot, *people):
    """What the test put on the pages: names, titles, the matrix's own words."""
    return [
        *(person.full_name for person in people),
        TITLE,
        ACTION,
        "Notfallplan testen",
        "Veraltete Kasse",
        "Wird nächstes Jahr ersetzt.",
        "Konzernmatrix",
        hot.description,
        *LEVELS,
        *RiskCategory.objects.values_list("name", flat=True),  # the shipped categories are data too
    ]


@pytest.mark.parametrize(
    ("name", "args", "german"),
    [
        ("risk:register", [], "Risikoregister"),
        ("risk:heatmap", [], "Heatmap der Risiken"),
        ("risk:review_round", [], "Überprüfungsrunde"),
        ("risk:actions", [], "Maßnahmen zur Risikobehandlung"),
        ("risk:acceptances", [], "Risikoakzeptanzen"),
        ("risk:matrices", [], "Risikomatrizen"),
        ("risk:risk_create", [], "Risiko hinzufügen"),
    ],
)
def test_the_officers_risk_pages_are_in_german(client, security_officer, staff, register, name, args, german):
    response = sign_in_german(client, security_officer).get(reverse(name, args=args) + "?scope=all")
    assert response.status_code == 200
    html = response.content.decode()
    assert german in html
    assert untranslated(_main(html), ignore=_data(register, security_officer, staff)) == []


def test_a_risk_its_review_its_action_and_its_matrix_are_in_german(client, security_officer, staff, register):
    signed_in = sign_in_german(client, security_officer)
    action = register.actions.get(title=ACTION)
    acceptance = RiskAcceptance.objects.get()
    pages = {
        reverse("risk:risk", args=[register.pk]): "Regelmäßige Überprüfungen",
        reverse("risk:review_record", args=[register.pk]): "Bewertungen nach der Überprüfung",
        reverse("risk:risk_edit", args=[register.pk]): "Überprüfungsintervall (Tage)",
        reverse("risk:action_detail", args=[register.pk, action.pk]): "Maßnahme zur Behandlung",
        reverse("risk:action_edit", args=[register.pk, action.pk]): "Fälligkeitsdatum",
        reverse("risk:acceptance_detail", args=[acceptance.risk_id, acceptance.pk]): "Ihre Entscheidung",
        reverse("risk:matrix", args=[register.matrix_id]): "Darauf bewertete Risiken",
        reverse("risk:matrix_edit", args=[register.matrix_id]): "Skala der Eintrittswahrscheinlichkeit",
    }
    for url, german in pages.items():
        response = signed_in.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert german in html, url
        assert untranslated(_main(html), ignore=_data(register, security_officer, staff)) == [], url
    # Short words other apps use in another sense read as the risk pages mean them.
    detail = signed_in.get(reverse("risk:risk", args=[register.pk])).content.decode()
    assert '<button type="submit" class="secondary">Freigeben</button>' in detail
    assert "Risiken filtern" in signed_in.get(reverse("risk:register")).content.decode()
    actions = signed_in.get(reverse("risk:actions") + "?scope=all").content.decode()
    assert '<th scope="col">Maßnahme</th>' in actions


def test_the_officers_dashboard_panels_are_in_german(client, security_officer, staff, register):
    html = dashboard_html(sign_in_german(client, security_officer))
    titles = [
        "Risiken über dem Risikoappetit",
        "Überfällige Maßnahmen zu Risiken",
        "Risikoakzeptanzen, die auf Ihre Genehmigung warten",
        "Risikoüberprüfungen",
    ]
    # The dashboard's panels, each a <section>; the risk app's are those with its titles.
    sections = [part.split("</section>")[0] for part in html.split("<section")[1:]]
    for title in titles:
        panel = next(section for section in sections if f"<h2>{title}" in section)
        assert untranslated(panel, ignore=_data(register, security_officer, staff)) == [], title


def test_the_heat_map_cells_read_out_in_german(client, security_officer, register):
    html = sign_in_german(client, security_officer).get(reverse("risk:heatmap")).content.decode()
    assert "Eintrittswahrscheinlichkeit Sehr hoch, Auswirkung Sehr hoch: 1 Risiko (Stufe Sehr hoch" in html


def test_a_refused_risk_says_why_in_german(client, security_officer, staff, register):
    signed_in = sign_in_german(client, security_officer)
    response = signed_in.post(reverse("risk:risk_create"), {"title": "", "owner": staff.email})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in html  # Django's own German for a required field
    response = signed_in.post(
        reverse("risk:review_record", args=[register.pk]),
        {"current_likelihood": "9", "current_impact": "0", "inherent_likelihood": "1"},
    )
    html = response.content.decode()
    assert "Setzen Sie beide inhärenten Werte oder keinen." in html
    assert untranslated(_main(html), ignore=_data(register, security_officer, staff)) == []


def test_drawings_keep_their_numbers_unlocalized_in_german(client, security_officer, register):
    """German writes decimals with a comma; an SVG coordinate written "12,5" breaks the drawing. The risk's
    trend, the heat maps and the matrices' small grids keep their coordinates as numbers."""
    import re

    signed_in = sign_in_german(client, security_officer)
    for url in (reverse("risk:risk", args=[register.pk]), reverse("risk:heatmap"), reverse("risk:matrices")):
        page = signed_in.get(url).content.decode()
        drawings = re.findall(r"<svg.*?</svg>", page, re.S)
        assert drawings, url
        for svg in drawings:
            coordinates = re.findall(r'\b(x[12]?|y[12]?|cx|cy|width|height|viewBox)="([^"]*)"', svg)
            assert coordinates
            assert not [value for _name, value in coordinates if "," in value], url
            pair = r"-?\d+(?:\.\d+)?,-?\d+(?:\.\d+)?"  # "x,y": a German decimal comma would add a third
            for points in re.findall(r'\bpoints="([^"]*)"', svg):
                assert re.fullmatch(rf"\s*{pair}(?:\s+{pair})*\s*", points), (url, points)
