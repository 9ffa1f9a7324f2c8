"""{% shared %}: stretches of the layout rendered once per language and values, never with anyone's data."""

from unittest import mock

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation


def render(source, **context):
    return Template("{% load i18n layout %}" + source).render(Context(context))


def test_a_shared_stretch_renders_as_it_would_without_the_tag():
    source = '<a href="{% url "notifications" %}">{% translate "Notifications" %}</a>'
    assert render("{% shared %}" + source + "{% endshared %}") == render(source)


def test_it_is_rendered_once_and_then_reused():
    template = Template('{% load layout %}{% shared %}{% url "notifications" %}{% endshared %}')
    assert template.render(Context()) == "/notifications/"
    with mock.patch("django.urls.reverse") as reverse:
        assert template.render(Context()) == "/notifications/"
    reverse.assert_not_called()


def test_each_language_has_its_own():
    template = Template('{% load i18n layout %}{% shared %}{% translate "Sign out" %}{% endshared %}')
    with translation.override("de"):
        assert template.render(Context()) == "Abmelden"
    with translation.override("en"):
        assert template.render(Context()) == "Sign out"


def test_inside_only_the_named_values_can_be_read():
    template = Template(
        "{% load layout %}{% shared officer=officer %}{{ name }}{% if officer %}officer{% endif %}"
        "{% endshared %}"
    )
    assert template.render(Context({"name": "Olga", "officer": True})) == "officer"
    assert template.render(Context({"name": "Sam", "officer": False})) == ""


def test_a_block_cannot_be_inside():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load layout %}{% shared %}{% block title %}{% endblock %}{% endshared %}")


def test_only_named_values_are_taken():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load layout %}{% shared officer %}{% endshared %}")
