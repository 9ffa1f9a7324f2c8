"""The header's menu and second row: built once per process and language, asked per person and path."""

from unittest import mock

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from dpms import navigation, portal

pytestmark = pytest.mark.django_db


def request_for(user, path):
    request = RequestFactory().get(path)
    request.user = user
    return request


@pytest.fixture
def extension(monkeypatch):
    """One app of our own: a menu link only officers see, and a second row with an officers-only link."""
    monkeypatch.setattr(portal, "_apps", {})
    portal.register_app(
        portal.App(
            name="extension",
            nav=portal.Link("Trail", "audit_trail", section="/audit/", order=5),
            subnav=[
                portal.Link("All events", "audit_trail"),
                portal.Link("Verify", "audit_verify", visible=lambda user: user.is_security_officer),
            ],
        )
    )


def test_the_menu_marks_the_section_holding_the_path_current(staff, extension):
    assert navigation.menu(request_for(staff, "/audit/verify")) == [
        {"label": "Trail", "url": "/audit/", "current": True}
    ]
    assert navigation.menu(request_for(staff, "/dashboard/"))[0]["current"] is False


def test_the_second_row_shows_each_person_the_links_they_may_see_and_the_longest_match_is_current(
    staff, security_officer, extension
):
    assert navigation.section_links(request_for(staff, "/audit/verify")) == [
        {"label": "All events", "url": "/audit/", "current": True}
    ]
    assert navigation.section_links(request_for(security_officer, "/audit/verify")) == [
        {"label": "All events", "url": "/audit/", "current": False},
        {"label": "Verify", "url": "/audit/verify", "current": True},
    ]
    assert navigation.section_links(request_for(security_officer, "/dashboard/")) == []


def test_urls_are_reversed_once_per_process_not_per_request(staff, extension):
    navigation.menu(request_for(staff, "/audit/"))
    with mock.patch("dpms.navigation.reverse") as reverse:
        navigation.menu(request_for(staff, "/audit/"))
        navigation.section_links(request_for(staff, "/audit/"))
    reverse.assert_not_called()


def test_an_app_registered_later_is_in_the_next_menu(staff, extension):
    navigation.menu(request_for(staff, "/"))
    portal.register_app(portal.App(name="later", nav=portal.Link("Later", "notifications", order=1)))
    assert [link["label"] for link in navigation.menu(request_for(staff, "/"))] == ["Later", "Trail"]


def test_each_language_has_its_own_labels(staff):
    with translation.override("de"):
        german = [link["label"] for link in navigation.menu(request_for(staff, "/"))]
    with translation.override("en"):
        english = [link["label"] for link in navigation.menu(request_for(staff, "/"))]
    assert "Risiken" in german
    assert "Risks" in english


def test_the_links_are_written_escaped_with_the_current_one_marked():
    links = [
        {"label": "Risks & <Issues>", "url": "/risks/?a=1&b=2", "current": False},
        {"label": "Heat map", "url": "/risks/heatmap/", "current": True},
    ]
    assert Template("{% load layout %}{% nav_links links %}").render(Context({"links": links})) == (
        '<a href="/risks/?a=1&amp;b=2">Risks &amp; &lt;Issues&gt;</a>'
        '<a href="/risks/heatmap/" aria-current="page">Heat map</a>'
    )
