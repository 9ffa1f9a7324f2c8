"""The form renderer draws the common widgets in Python: the HTML must be exactly what Django's templates
draw, escaping included, for every kind of value, and anything else still goes through the templates."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from dpms.renderers import WidgetRenderer

AWKWARD = 'a "quoted" <b>bold</b> & \\ ü'


class Everything(forms.Form):
    text = forms.CharField(
        initial=AWKWARD,
        widget=forms.TextInput(attrs={"placeholder": 'say "hi" <now>', "autofocus": True, "disabled": False}),
    )
    number = forms.IntegerField(initial=3, widget=forms.NumberInput(attrs={"min": 0, "step": 1}))
    email = forms.EmailField(required=False)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hidden = forms.CharField(widget=forms.HiddenInput, initial="<h>")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="p<&>")
    check = forms.BooleanField(initial=True)
    unchecked = forms.BooleanField(required=False)
    choice = forms.ChoiceField(
        choices=[
            ("", "—"),
            ("a", "A & B"),
            (1, mark_safe("<i>marked safe</i>")),
            ("Group <g>", [("g1", "G <1>"), ("g2", "G2")]),
        ],
        initial="g1",
    )
    several = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y <y>")], initial=["x", "y"])
    area = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), initial="line\n<script>alert()</script>")
    empty_area = forms.CharField(widget=forms.Textarea, required=False)
    radio = forms.ChoiceField(widget=forms.RadioSelect, choices=[("r", "R <r>")])  # drawn by the templates


BOUND = {
    "text": '"><script>',
    "number": "not a number",
    "email": "x@example.com",
    "date": "2026-02-30",
    "hidden": "&",
    "password": "secret",
    "check": "on",
    "choice": "a",
    "several": ["y"],
    "area": "</textarea><b>",
    "radio": "r",
}


@pytest.mark.parametrize("data", [None, BOUND], ids=["unbound", "bound"])
def test_every_widget_is_drawn_as_django_draws_it(data):
    ours = Everything(data, renderer=WidgetRenderer())
    django = Everything(data, renderer=DjangoTemplates())
    for name in Everything.base_fields:
        assert str(ours[name]) == str(django[name]), name


def test_the_project_uses_it_and_it_escapes(settings):
    assert settings.FORM_RENDERER == "dpms.renderers.WidgetRenderer"
    form = Everything(BOUND)
    assert isinstance(form.renderer, WidgetRenderer)
    html = str(form["text"]) + str(form["area"])
    assert "<script>" not in html
    assert 'value="&quot;&gt;&lt;script&gt;"' in html
    assert "&lt;/textarea&gt;&lt;b&gt;</textarea>" in html
