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

BLANK = [("", "Any")]
SCORE_KINDS = (("inherent", "Inherent"), ("current", "Current"), ("target", "Target"))


def _scale_choices(scale) -> list[tuple[int, str]]:
    return [(index, f"{index + 1}. {step['label']}") for index, step in enumerate(scale)]


class RiskFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label="Search", widget=forms.SearchInput())
    owner = LookupField(
        User.objects.none(),
        fields=("email", "full_name"),
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": "email or name"}),
    )
    category = forms.ModelChoiceField(required=False, queryset=RiskCategory.objects.all(), empty_label="Any")
    level = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Current level")
    status = forms.ChoiceField(
        required=False, choices=[*BLANK, ("live", "Open or accepted"), *RiskStatus.choices]
    )
    system = LookupField(
        System.objects.order_by("name"),
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": "name"}),
    )
    overdue = forms.BooleanField(required=False, label="Review overdue")
    above_appetite = forms.BooleanField(required=False, label="Above appetite")
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
            ("reference", "Reference"),
            ("-reference", "Newest reference first"),
            ("title", "Title"),
            ("owner", "Owner"),
            ("-level", "Highest level first"),
            ("level", "Lowest level first"),
            ("review", "Next review soonest"),
        ],
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
            raise forms.ValidationError("A heat-map cell needs both a likelihood and an impact.")
        matrix = self.matrix
        if (
            likelihood is not None
            and matrix is not None
            and (likelihood >= len(matrix.likelihood_scale) or impact >= len(matrix.impact_scale))
        ):
            raise forms.ValidationError("That cell is not on the active matrix.")
        return data

    def cell_label(self) -> str:
        """The heat-map cell filter in words, shown above the list."""
        data = getattr(self, "cleaned_data", None) or {}
        if self.errors or data.get("likelihood") is None or self.matrix is None:
            return ""
        kind = data.get("kind") or "current"
        likelihood = self.matrix.likelihood_scale[data["likelihood"]]["label"]
        impact = self.matrix.impact_scale[data["impact"]]["label"]
        return f"{kind.capitalize()} score: likelihood {likelihood}, impact {impact}"


class RiskForm(forms.Form):
    """Create or edit a risk; score fields offer the active matrix's scale labels."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ModelChoiceField(required=False, queryset=RiskCategory.objects.all(), empty_label="None")
    owner = PersonField(
        label="Owner",
        suggestions=current_owners,
        help_text="Email address; current owners are suggested.",
    )
    systems = ModelMultipleChoiceField(
        required=False, queryset=System.objects.order_by("name"), label="Affected systems"
    )
    threat = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    vulnerability = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    existing_controls = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    treatment = forms.ChoiceField(choices=Treatment.choices)
    review_interval_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Review interval (days)",
        help_text="Leave empty to follow the current level (high and very high 90, moderate 180, low 365).",
    )

    def __init__(
        self, *args, matrix: RiskMatrix, creating: bool = False, may_change_owner: bool = True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        # Handing a risk to someone else is a security officer's call; others see the owner, fixed.
        self.fields["owner"].disabled = not may_change_owner
        for kind, label in SCORE_KINDS:
            required = kind != "target"
            for axis, scale in (("likelihood", matrix.likelihood_scale), ("impact", matrix.impact_scale)):
                choices = _scale_choices(scale)
                self.fields[f"{kind}_{axis}"] = forms.TypedChoiceField(
                    label=f"{label} {axis}",
                    choices=choices if required else [("", "Not set")] + choices,
                    coerce=int,
                    required=required,
                    empty_value=None,
                )
        if creating:
            self.fields["open_now"] = forms.BooleanField(
                required=False,
                initial=True,
                label="Open it now",
                help_text="An open risk gets its first review date; a draft waits until it is opened.",
            )
        # Field order: scores after the descriptive fields, before treatment.
        tail = ("treatment", "review_interval_days", "open_now")
        order = [name for name in self.fields if name not in tail]
        self.order_fields([*order, *tail])

    def clean(self):
        data = super().clean()
        if (data.get("target_likelihood") is None) != (data.get("target_impact") is None):
            self.add_error("target_impact", "Set both target scores, or neither.")
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
    status = forms.ChoiceField(choices=[(RiskStatus.OPEN, "Open"), (RiskStatus.CLOSED, "Closed")])


class RiskShareForm(forms.Form):
    person = forms.EmailField(label="Person's email", max_length=254)
    can_edit = forms.BooleanField(required=False, label="May edit the risk too")

    def clean_person(self):
        person = active_person_with_email(self.cleaned_data["person"])
        if person is None:
            raise forms.ValidationError("No active person in the portal has this email.")
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
