"""Dates, times and numbers as each language writes them: the pages' helpers and the template filters follow
the active language; a chart's SVG geometry stays a number a browser reads, whatever the language."""

import datetime
import re
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import timezone, translation

from dpms.charts import Bar, bar_chart, number_text
from dpms.formats import show_date, show_datetime
from dpms.templatetags.charts import chart

MOMENT = datetime.datetime(2026, 12, 7, 13, 5, tzinfo=datetime.UTC)


def test_dates_and_times_in_each_language():
    with timezone.override(ZoneInfo("Europe/Berlin")):
        with translation.override("en"):
            assert (show_date(MOMENT), show_datetime(MOMENT)) == ("7 Dec 2026", "7 Dec 2026, 14:05")
        with translation.override("de"):
            assert (show_date(MOMENT), show_datetime(MOMENT)) == ("7. Dez. 2026", "7.12.2026 14:05")
            assert show_date(datetime.date(2026, 3, 2)) == "2. März 2026"
            assert show_date(datetime.date(2026, 9, 2)) == "2. Sept. 2026"


def test_templates_name_the_format_and_get_the_languages():
    page = Template('{{ day|date:"DATE_FORMAT" }} | {{ share }}')
    context = Context({"day": datetime.date(2026, 12, 7), "share": 1234.5})
    with translation.override("de"):
        assert page.render(context) == "7. Dez. 2026 | 1234,5"
    with translation.override("en"):
        assert page.render(context) == "7 Dec 2026 | 1234.5"


def test_a_german_date_is_read_back_from_a_form():
    from django import forms

    class DayForm(forms.Form):
        day = forms.DateField()

    with translation.override("de"):
        assert DayForm({"day": "7.12.2026"}).is_valid()
        assert DayForm({"day": "2026-12-07"}).is_valid()  # what <input type="date"> sends


def test_chart_numbers_read_in_the_language_and_the_geometry_stays_numeric():
    bars = [Bar("Offen", 2.5), Bar("Geschlossen", 7)]
    with translation.override("de"):
        assert number_text(2.5) == "2,5"
        html = chart(bar_chart(slug="test", title="Vorfälle", bars=bars))
    assert "2,5" in html  # the value written next to the bar
    geometry = re.findall(r'(?:width|x|y)="([^"]*)"', html)
    assert geometry
    assert not [value for value in geometry if "," in value]
