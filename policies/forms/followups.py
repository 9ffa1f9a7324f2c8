"""Forms of follow-ups: the list's filters and the resolution note."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dpms.forms import row_id
from dpms.models import Team
from policies.choices import FollowUpStatus
from policies.models import Policy
from policies.queries.followups import FOLLOW_UP_SORTS, SCOPE_ALL, SCOPE_MINE, SCOPE_TEAM
from policies.services.followups import RESOLUTION_MAX

SORT_LABELS = {
    "due": _("Due date (soonest first)"),
    "-due": _("Due date (latest first)"),
    "person": _("Person"),
    "created": _("Opened (oldest first)"),
    "-created": _("Opened (newest first)"),
}


class IdChoiceField(forms.ModelChoiceField):
    """A choice of a row by id that refuses ids outside the 64-bit range as a wrong choice (SQLite raises
    on them where PostgreSQL finds nothing)."""

    def to_python(self, value):
        if value not in self.empty_values and row_id(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class FollowUpFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), max_length=200)
    scope = forms.ChoiceField(
        required=False,
        label=_("Whose"),
        choices=[
            ("", _("All I may see")),
            (SCOPE_MINE, _("My own")),
            (SCOPE_TEAM, _("My reports'")),
            (SCOPE_ALL, _("Everyone's")),
        ],
    )
    status = forms.ChoiceField(
        required=False, label=_("Status"), choices=[("any", _("Any status")), *FollowUpStatus.choices]
    )
    policy = IdChoiceField(queryset=Policy.objects.none(), required=False, label=_("Policy"))
    team = IdChoiceField(queryset=Team.objects.none(), required=False, label=_("Team"))
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))
    sort = forms.ChoiceField(
        required=False, label=_("Sort"), choices=[(key, SORT_LABELS[key]) for key in FOLLOW_UP_SORTS]
    )

    def __init__(self, *args, sees_all: bool = False, policies=None, **kwargs):
        """``policies``: those the person may read (the list offers no title they could not open)."""
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = (policies if policies is not None else Policy.objects).order_by(
            "title"
        )
        self.fields["team"].queryset = Team.objects.order_by("name")
        if not sees_all:
            self.fields["scope"].choices = self.fields["scope"].choices[:3]

    def filters(self) -> dict:
        """The cleaned filters (the defaults when the form is not valid): open follow-ups, soonest due."""
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or FollowUpStatus.OPEN
        return {
            "q": data.get("q") or "",
            "scope": data.get("scope") or "",
            "status": "" if status == "any" else status,
            "policy_id": data["policy"].pk if data.get("policy") else None,
            "team_id": data["team"].pk if data.get("team") else None,
            "overdue": bool(data.get("overdue")),
            "sort": data.get("sort") or "due",
        }


class FollowUpResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"),
        max_length=RESOLUTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The person is told, and the note stays with the evidence."),
    )
