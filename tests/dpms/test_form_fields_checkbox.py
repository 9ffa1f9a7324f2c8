"""Forms drawn by ``partials/form_fields.html``: a checkbox sits on one line with its label after it (the
label clickable), its help and errors still tied to the box; other fields keep the label above."""

import re

import pytest
from django import forms
from django.template.loader import render_to_string

from tests.access.closing_support import campaign_with_items

pytestmark = pytest.mark.django_db


class ConfirmForm(forms.Form):
    sure = forms.BooleanField(label="I confirm the close.", help_text="Undecided items take the default.")
    note = forms.CharField(label="Note", required=False)


def field_html(html: str, name: str) -> str:
    start = html.index(f'name="{name}"')
    start = html.rindex('<div class="field', 0, start)
    return html[start : html.index("</div>\n", start)]


def test_a_checkbox_comes_first_with_its_label_after_it_on_one_line():
    html = render_to_string("partials/form_fields.html", {"form": ConfirmForm()})
    box = field_html(html, "sure")

    line = re.search(r'<span class="check-line">(.*?)</span>', box, re.S).group(1)
    assert line.index('type="checkbox"') < line.index('<label for="id_sure">I confirm the close.</label>')
    assert 'aria-describedby="id_sure_helptext"' in line
    assert 'id="id_sure_helptext"' in box


def test_a_checkbox_error_is_still_read_with_the_box():
    form = ConfirmForm({})
    form.is_valid()
    box = field_html(render_to_string("partials/form_fields.html", {"form": form}), "sure")

    assert 'aria-describedby="id_sure_helptext id_sure_error"' in box
    assert 'aria-invalid="true"' in box
    assert '<span id="id_sure_error">' in box


def test_other_fields_keep_their_label_above():
    note = field_html(render_to_string("partials/form_fields.html", {"form": ConfirmForm()}), "note")

    assert note.index('<label for="id_note">') < note.index('name="note"')
    assert "check-line" not in note


def test_the_close_page_puts_each_confirmation_box_before_its_label(client_for, security_officer):
    campaign = campaign_with_items(2)

    html = client_for(security_officer).get(f"/access/campaigns/{campaign.pk}/close").content.decode()

    sure = field_html(html, "sure")
    assert '<span class="check-line"><input type="checkbox" name="sure"' in sure
    assert sure.index('name="sure"') < sure.index('<label for="id_sure">')
