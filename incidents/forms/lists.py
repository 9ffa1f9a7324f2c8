"""Forms of the incident lists: the queue's filters and the metrics period."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from incidents.choices import Severity, Status
from incidents.queries import lists as queries
from incidents.queries.metrics import DEFAULT_DAYS, default_period

ANY = [("", "Any")]
MAX_PERIOD_YEARS = 3

STATUS_CHOICES = [(queries.OPEN, "Open (not closed or dismissed)"), (queries.ALL, "All"), *Status.choices]
SEVERITY_CHOICES = [
    *ANY,
    *[(str(value), label) for value, label in Severity.choices],
    ("untriaged", "Untriaged"),
]
CLOCK_CHOICES = [
    *ANY,
    (queries.CLOCK_RUNNING, "Breach clock running"),
    (queries.CLOCK_OVERDUE, "Breach clock overdue"),
    (queries.CLOCK_MET, "Authority deadline met"),
    (queries.CLOCK_MISSED, "Authority deadline missed"),
    (queries.CLOCK_UNACKNOWLEDGED, "Not acknowledged"),
]
SORT_CHOICES = [
    (queries.DEFAULT_SORT, "Nearest deadline first"),
    ("-reported", "Newest first"),
    ("reported", "Oldest first"),
    ("severity", "Severity (untriaged, SEV1 first)"),
    ("-severity", "Severity (SEV4 first)"),
    ("status", "Status (workflow order)"),
    ("-status", "Status (reverse order)"),
    ("reference", "Reference"),
    ("-reference", "Reference, newest first"),
]


class QueueFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label="Search", widget=forms.SearchInput())
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES, initial=queries.OPEN)
    severity = forms.ChoiceField(required=False, choices=SEVERITY_CHOICES)
    handler = forms.ChoiceField(required=False, choices=ANY)
    clock = forms.ChoiceField(required=False, choices=CLOCK_CHOICES, label="Clock state")
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, label="Sort by")

    def __init__(self, *args, visible_incidents, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        handlers = queries.handler_choices(visible_incidents)
        self.fields["handler"].choices = [*ANY, (queries.ME, "Me"), (queries.NOBODY, "Nobody yet"), *handlers]
        if viewer is not None and not queries.sees_handling_filters(viewer, handlers):
            del self.fields["handler"], self.fields["clock"]

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
            required=False, label="From", initial=start, widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields["to"] = forms.DateField(
            required=False, label="To", initial=end, widget=forms.DateInput(attrs={"type": "date"})
        )

    def clean(self):
        data = super().clean()
        for name in ("from", "to"):
            day = data.get(name)
            if day is not None and not 1900 <= day.year <= 9998:
                self.add_error(name, "Choose a date between 1900 and 9998.")
        if self.errors:
            return data
        end = data.get("to") or timezone.localdate()
        start = data.get("from") or end - timedelta(days=DEFAULT_DAYS - 1)
        if end < start:
            raise forms.ValidationError("The end date must not be before the start date.")
        if end >= _years_after(start, MAX_PERIOD_YEARS):
            raise forms.ValidationError(f"Choose a period of at most {MAX_PERIOD_YEARS} years.")
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
