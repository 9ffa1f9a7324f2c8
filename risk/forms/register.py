"""Forms of the risk register: the register's filters, creating and editing a risk, status and shares."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from access.models import System
from dpms.forms import LookupField, ModelMultipleChoiceField, PersonField
from dpms.models import User
from risk.choices import RiskStatus, Treatment
from risk.models import RiskCategory, RiskMatrix
from risk.queries.register import active_person_with_email, current_owners

BLANK = [("", _("Any"))]
SCORE_KINDS = (("inherent", _("Inherent")), ("current", _("Current")), ("target", _("Target")))
# A score field's label: (kind, axis) -> words.
SCORE_LABELS = {
    ("inherent", "likelihood"): _("Inherent likelihood"),
    ("inherent", "impact"): _("Inherent impact"),
    ("current", "likelihood"): _("Current likelihood"),
    ("current", "impact"): _("Current impact"),
    ("target", "likelihood"): _("Target likelihood"),
    ("target", "impact"): _("Target impact"),
}


def _scale_choices(scale) -> list[tuple[int, str]]:
    return [(index, f"{index + 1}. {step['label']}") for index, step in enumerate(scale)]


class RiskFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label=_("Search"), widget=forms.SearchInput())
    owner = LookupField(
        User.objects.none(),
        fields=("email", "full_name"),
        required=False,
        label=_("Owner"),
        widget=forms.SearchInput(attrs={"placeholder": _("email or name")}),
    )
    category = forms.ModelChoiceField(
        required=False, queryset=RiskCategory.objects.all(), empty_label=_("Any"), label=_("Category")
    )
    level = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Current level"))
    status = forms.ChoiceField(
        required=False,
        choices=[*BLANK, ("live", _("Open or accepted")), *RiskStatus.choices],
        label=_("Status"),
    )
    system = LookupField(
        System.objects.order_by("name"),
        required=False,
        label=_("System"),
        widget=forms.SearchInput(attrs={"placeholder": _("name")}),
    )
    overdue = forms.BooleanField(required=False, label=_("Review overdue"))
    above_appetite = forms.BooleanField(required=False, label=_("Above appetite"))
    likelihood = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput())
    impact = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput())
    kind = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("current", "current"), ("inherent", "inherent")],
        widget=forms.HiddenInput(),
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("reference", _("Reference")),
            ("-reference", _("Newest reference first")),
            ("title", _("Title")),
            ("owner", _("Owner")),
            ("-level", _("Highest level first")),
            ("level", _("Lowest level first")),
            ("review", _("Next review soonest")),
        ],
        label=_("Sort"),
    )

    def __init__(self, *args, matrix: RiskMatrix | None, owners, **kwargs):
        """``owners``: the people offered in the owner filter (``risk.queries.register.risk_owners``)."""
        super().__init__(*args, **kwargs)
        self.matrix = matrix
        self.fields["owner"].queryset = owners
        levels = matrix.levels if matrix else []
        self.fields["level"].choices = BLANK + [(index, level["name"]) for index, level in enumerate(levels)]

    def clean(self):
        data = super().clean()
        likelihood, impact = data.get("likelihood"), data.get("impact")
        if (likelihood is None) != (impact is None):
            raise forms.ValidationError(gettext("A heat-map cell needs both a likelihood and an impact."))
        matrix = self.matrix
        if (
            likelihood is not None
            and matrix is not None
            and (likelihood >= len(matrix.likelihood_scale) or impact >= len(matrix.impact_scale))
        ):
            raise forms.ValidationError(gettext("That cell is not on the active matrix."))
        return data

    def cell_label(self) -> str:
        """The heat-map cell filter in words, shown above the list."""
        data = getattr(self, "cleaned_data", None) or {}
        if self.errors or data.get("likelihood") is None or self.matrix is None:
            return ""
        kind = data.get("kind") or "current"
        likelihood = self.matrix.likelihood_scale[data["likelihood"]]["label"]
        impact = self.matrix.impact_scale[data["impact"]]["label"]
        if kind == "inherent":
            text = gettext("Inherent score: likelihood %(likelihood)s, impact %(impact)s")
        else:
            text = gettext("Current score: likelihood %(likelihood)s, impact %(impact)s")
        return text % {"likelihood": likelihood, "impact": impact}


class RiskForm(forms.Form):
    """Create or edit a risk; score fields offer the active matrix's scale labels."""

    title = forms.CharField(max_length=200, label=_("Title"))
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Description")
    )
    category = forms.ModelChoiceField(
        required=False, queryset=RiskCategory.objects.all(), empty_label=_("None"), label=_("Category")
    )
    owner = PersonField(
        label=_("Owner"),
        suggestions=current_owners,
        help_text=_("Email address; current owners are suggested."),
    )
    systems = ModelMultipleChoiceField(
        required=False, queryset=System.objects.order_by("name"), label=_("Affected systems")
    )
    threat = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Threat"))
    vulnerability = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Vulnerability")
    )
    existing_controls = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Existing controls")
    )
    treatment = forms.ChoiceField(choices=Treatment.choices, label=_("Treatment"))
    review_interval_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label=_("Review interval (days)"),
        help_text=_(
            "Leave empty to follow the current level (high and very high 90, moderate 180, low 365)."
        ),
    )

    def __init__(
        self, *args, matrix: RiskMatrix, creating: bool = False, may_change_owner: bool = True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        # Handing a risk to someone else is a security officer's call; others see the owner, fixed.
        self.fields["owner"].disabled = not may_change_owner
        for kind, _label in SCORE_KINDS:
            required = kind != "target"
            for axis, scale in (("likelihood", matrix.likelihood_scale), ("impact", matrix.impact_scale)):
                choices = _scale_choices(scale)
                self.fields[f"{kind}_{axis}"] = forms.TypedChoiceField(
                    label=SCORE_LABELS[kind, axis],
                    choices=choices if required else [("", gettext("Not set"))] + choices,
                    coerce=int,
                    required=required,
                    empty_value=None,
                )
        if creating:
            self.fields["open_now"] = forms.BooleanField(
                required=False,
                initial=True,
                label=gettext("Open it now"),
                help_text=gettext(
                    "An open risk gets its first review date; a draft waits until it is opened."
                ),
            )
        # Field order: scores after the descriptive fields, before treatment.
        tail = ("treatment", "review_interval_days", "open_now")
        order = [name for name in self.fields if name not in tail]
        self.order_fields([*order, *tail])

    def clean(self):
        data = super().clean()
        if (data.get("target_likelihood") is None) != (data.get("target_impact") is None):
            self.add_error("target_impact", gettext("Set both target scores, or neither."))
        return data

    @classmethod
    def initial_for(cls, risk) -> dict:
        names = [
            "title",
            "description",
            "category",
            "owner",
            "threat",
            "vulnerability",
            "existing_controls",
            "treatment",
            "review_interval_days",
        ]
        names += [f"{kind}_{axis}" for kind, _ in SCORE_KINDS for axis in ("likelihood", "impact")]
        initial = {name: getattr(risk, name) for name in names}
        initial["systems"] = list(risk.systems.values_list("pk", flat=True))
        return initial


class RiskStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(RiskStatus.OPEN, _("Open")), (RiskStatus.CLOSED, _("Closed"))])


class RiskShareForm(forms.Form):
    person = forms.EmailField(label=_("Person's email"), max_length=254)
    can_edit = forms.BooleanField(required=False, label=_("May edit the risk too"))

    def clean_person(self):
        person = active_person_with_email(self.cleaned_data["person"])
        if person is None:
            raise forms.ValidationError(gettext("No active person in the portal has this email."))
        return person


class RiskUnshareForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.people())


class RegisterPdfForm(forms.Form):
    """The day the register is printed for (default today)."""

    as_of = forms.DateField(
        label=_("Register on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "The day acceptances in force and overdue actions are judged on; scores are as recorded now."
        ),
    )
