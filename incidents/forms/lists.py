"""Forms of the incident lists: the queue's filters and the metrics period."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dpms.forms import LookupField
from dpms.models import User
from incidents.choices import Severity, Status
from incidents.queries import lists as queries
from incidents.queries.metrics import DEFAULT_DAYS, default_period

ANY = [("", _("Any"))]
MAX_PERIOD_YEARS = 3

STATUS_CHOICES = [
    (queries.OPEN, _("Open (not closed or dismissed)")),
    (queries.ALL, _("All")),
    *Status.choices,
]
SEVERITY_CHOICES = [
    *ANY,
    *[(str(value), label) for value, label in Severity.choices],
    ("untriaged", _("Untriaged")),
]
CLOCK_CHOICES = [
    *ANY,
    (queries.CLOCK_RUNNING, _("Breach clock running")),
    (queries.CLOCK_OVERDUE, _("Breach clock overdue")),
    (queries.CLOCK_MET, _("Authority deadline met")),
    (queries.CLOCK_MISSED, _("Authority deadline missed")),
    (queries.CLOCK_UNACKNOWLEDGED, _("Not acknowledged")),
]
SORT_CHOICES = [
    (queries.DEFAULT_SORT, _("Nearest deadline first")),
    ("-reported", _("Newest first")),
    ("reported", _("Oldest first")),
    ("severity", _("Severity (untriaged, SEV1 first)")),
    ("-severity", _("Severity (SEV4 first)")),
    ("status", _("Status (workflow order)")),
    ("-status", _("Status (reverse order)")),
    ("reference", _("Reference")),
    ("-reference", _("Reference, newest first")),
]


# The handler filter's words besides a person, with what the suggestions list says of them.
HANDLER_KEYWORDS = {queries.ME: _("Me"), queries.NOBODY: _("Nobody yet")}


class HandlerInput(forms.TextInput):
    """A search box suggesting "me" and "none" (a <datalist>); a person is typed, not picked from a list of
    every handler (reading them all cost the queue more than its rows)."""

    input_type = "search"

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or name}-keywords"
        box = super().render(name, value, {**attrs, "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}">{}</option>', HANDLER_KEYWORDS.items())
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)


class HandlerField(LookupField):
    """The handler filter: "me", "none", or a person among the handlers the viewer may see (an id, an email
    address or a name, as ``LookupField``). Cleans to the keyword or the person."""

    def to_python(self, value):
        text = str(value or "").strip()
        if text.lower() in HANDLER_KEYWORDS:
            return text.lower()
        person = super().to_python(text)
        self.found = (text, person)  # the box shows this person's name without reading them again
        return person

    def prepare_value(self, value):
        text = str(value or "").strip()
        if text.lower() in HANDLER_KEYWORDS:
            return text.lower()
        found = getattr(self, "found", None)
        if found is not None and found[0] == text and found[1] is not None:
            return self._name(found[1])
        return super().prepare_value(value)


class QueueFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label=_("Search"), widget=forms.SearchInput())
    status = forms.ChoiceField(
        required=False, choices=STATUS_CHOICES, initial=queries.OPEN, label=_("Status")
    )
    severity = forms.ChoiceField(required=False, choices=SEVERITY_CHOICES, label=_("Severity"))
    handler = HandlerField(
        User.objects.none(),
        fields=("email", "full_name"),
        required=False,
        label=_("Handler"),
        widget=HandlerInput(attrs={"placeholder": _("me, none, email or name"), "autocomplete": "off"}),
    )
    clock = forms.ChoiceField(required=False, choices=CLOCK_CHOICES, label=_("Clock state"))
    # Calendar days in the viewer's time zone, both included (the dashboard's months link here).
    reported_from = forms.DateField(
        required=False, label=_("Reported from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reported_to = forms.DateField(
        required=False, label=_("Reported to"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, label=_("Sort by"))

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        if not queries.sees_handling_filters(viewer):
            del self.fields["handler"], self.fields["clock"]
        elif self.is_bound and self.data.get("handler"):  # the people are read only to find the one named
            self.fields["handler"].queryset = queries.queue_handlers(viewer)

    def filters(self) -> dict:
        """The cleaned filters for ``filter_queue`` (the defaults when the form was not submitted)."""
        if not self.is_bound:
            return {}
        return dict(self.cleaned_data)


class MetricsPeriodForm(forms.Form):
    """From and to: calendar days in the viewer's time zone, both included; at most three years."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start, end = default_period()
        self.fields["from"] = forms.DateField(
            required=False, label=_("From"), initial=start, widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields["to"] = forms.DateField(
            required=False, label=_("To"), initial=end, widget=forms.DateInput(attrs={"type": "date"})
        )

    def clean(self):
        data = super().clean()
        for name in ("from", "to"):
            day = data.get(name)
            if day is not None and not 1900 <= day.year <= 9998:
                self.add_error(name, gettext("Choose a date between 1900 and 9998."))
        if self.errors:
            return data
        end = data.get("to") or timezone.localdate()
        start = data.get("from") or end - timedelta(days=DEFAULT_DAYS - 1)
        if end < start:
            raise forms.ValidationError(gettext("The end date must not be before the start date."))
        if end >= _years_after(start, MAX_PERIOD_YEARS):
            raise forms.ValidationError(
                gettext("Choose a period of at most %(count)s years.") % {"count": MAX_PERIOD_YEARS}
            )
        data["from"], data["to"] = start, end
        return data

    def period(self) -> tuple[date, date]:
        """The chosen period, or the default one when the form was not submitted."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["from"], self.cleaned_data["to"]
        return default_period()


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without it
        return day.replace(year=day.year + years, month=3, day=1)
