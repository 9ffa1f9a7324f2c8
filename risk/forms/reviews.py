"""Forms for periodic reviews: recording a review, and choosing the period of a review round."""

import datetime

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from risk.queries.reviews import ROUND_DEFAULT_DAYS, ROUND_SORTS
from risk.services.reviews import BOTH_OR_NEITHER

# (kind, label, required): inherent and target left empty stay as they are.
KINDS = (("current", "Current", True), ("inherent", "Inherent", False), ("target", "Target", False))
# A score field's label: (kind, axis) -> words.
SCORE_LABELS = {
    ("inherent", "likelihood"): _("Inherent likelihood"),
    ("inherent", "impact"): _("Inherent impact"),
    ("current", "likelihood"): _("Current likelihood"),
    ("current", "impact"): _("Current impact"),
    ("target", "likelihood"): _("Target likelihood"),
    ("target", "impact"): _("Target impact"),
}


def _choices(scale, *, blank: bool):
    options = [(str(index), f"{index + 1} · {step.get('label', '')}") for index, step in enumerate(scale)]
    return [("", "—")] + options if blank else options


class ReviewForm(forms.Form):
    """The scores after the review (prefilled with today's) and notes; choices from the risk's matrix."""

    notes = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Notes"),
        help_text=_("Recommended: what you checked and why the scores changed or stayed."),
    )

    def __init__(self, *args, risk, **kwargs):
        super().__init__(*args, **kwargs)
        matrix = risk.matrix
        fields = {}
        for kind, _label, required in KINDS:
            for axis, scale in (("likelihood", matrix.likelihood_scale), ("impact", matrix.impact_scale)):
                name = f"{kind}_{axis}"
                initial = getattr(risk, name)
                fields[name] = forms.TypedChoiceField(
                    label=SCORE_LABELS[kind, axis],
                    choices=_choices(scale, blank=not required),
                    coerce=int,
                    empty_value=None,
                    required=required,
                    initial=None if initial is None else str(initial),
                )
        # Scores first, notes last.
        self.fields = {**fields, "notes": self.fields["notes"]}

    def clean(self):
        data = super().clean()
        for kind, _label, required in KINDS:
            pair = data.get(f"{kind}_likelihood"), data.get(f"{kind}_impact")
            if not required and (pair[0] is None) != (pair[1] is None):
                self.add_error(f"{kind}_impact", BOTH_OR_NEITHER[kind])
        return data


class RoundForm(forms.Form):
    """The period of a review round: from/to (default the next 30 days), overdue risks included or not."""

    q = forms.CharField(
        required=False, max_length=150, label=_("Reference or title"), widget=forms.SearchInput()
    )
    start = forms.DateField(
        required=False, label=_("Due from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label=_("Due until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.ChoiceField(
        required=False,
        label=_("Overdue risks"),
        choices=[("include", _("Include")), ("exclude", _("Leave out"))],
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("date", _("Due first")),
            ("-date", _("Due last")),
            ("reference", _("Reference")),
            ("owner", _("Owner")),
        ],
        label=_("Sort"),
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        data["start"] = data.get("start") or self.today
        if not data.get("end"):
            try:
                data["end"] = data["start"] + datetime.timedelta(days=ROUND_DEFAULT_DAYS)
            except OverflowError:  # a start date at the end of the calendar
                data["end"] = datetime.date.max
        if data["end"] < data["start"]:
            self.add_error("end", gettext("The end of the period is before its start."))
        data["overdue"] = data.get("overdue") != "exclude"
        data["sort"] = data.get("sort") if data.get("sort") in ROUND_SORTS else "date"
        return data
