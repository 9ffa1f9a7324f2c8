"""Forms of policy documents: a policy's settings, a new version, an attestation question, the library's
filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dpms.forms import PersonField
from dpms.models import PortalRole
from policies.choices import Audience, QuestionKind
from policies.models import Policy


def _day_list(value: str) -> list[int]:
    """Days typed as "7, 3, 1", as [7, 3, 1]; a ``ValidationError`` for anything but whole numbers."""
    days = []
    for part in (value or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or len(part) > 4:
            raise forms.ValidationError(_("Whole numbers of days, separated by commas (e.g. 7, 3, 1)."))
        days.append(int(part))
    return sorted(set(days), reverse=True)


class PolicyForm(forms.Form):
    """A policy's settings. Security officers create policies and choose the owner; an owner editing their
    own policy sees the owner as fixed."""

    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        required=False,
        help_text=_("One sentence on what the policy asks, shown in the library."),
    )
    owner = PersonField(label=_("Owner"), help_text=_("Email address of the person who keeps the policy."))
    audience = forms.ChoiceField(
        label=_("Who must acknowledge it"), choices=Audience.choices, widget=forms.RadioSelect
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("With “Members of chosen teams”."),
    )
    portal_roles = forms.MultipleChoiceField(
        label=_("Portal roles"),
        choices=PortalRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("With “Holders of chosen portal roles”."),
    )
    yearly = forms.BooleanField(
        label=_("Ask for acknowledgement every year"),
        required=False,
        help_text=_("The first yearly campaign starts on the first version's effective date."),
    )
    duration_days = forms.IntegerField(label=_("Days to acknowledge"), min_value=1, max_value=365)
    reminder_days_before_due = forms.CharField(
        label=_("Reminders, days before due"),
        required=False,
        help_text=_("Whole numbers separated by commas, e.g. 7, 3, 1."),
    )
    remind_at_launch = forms.BooleanField(label=_("Tell everyone when a campaign starts"), required=False)
    remind_at_half_time = forms.BooleanField(label=_("Remind at half time"), required=False)
    remind_daily_when_overdue = forms.BooleanField(label=_("Remind daily when overdue"), required=False)
    escalate_after_overdue_days = forms.IntegerField(
        label=_("Escalate to the manager after days overdue"), min_value=0, max_value=365
    )
    follow_up_days = forms.IntegerField(
        label=_("Days to settle a “no” answer"),
        min_value=1,
        max_value=365,
        help_text=_("A “no” opens a follow-up for the person and their manager, due after this many days."),
    )
    archived = forms.BooleanField(
        label=_("Archived"),
        required=False,
        help_text=_("An archived policy leaves the library's default view and starts no campaigns."),
    )

    def __init__(self, *args, teams, creating: bool, may_change_owner: bool, **kwargs):
        """``teams``: the teams offered (``dpms.queries.teams_directory``)."""
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams
        if creating:
            del self.fields["archived"]
        if not may_change_owner:
            self.fields["owner"].disabled = True

    @staticmethod
    def initial_for(policy: Policy) -> dict:
        initial = {
            name: getattr(policy, name)
            for name in (
                "title",
                "summary",
                "owner",
                "audience",
                "portal_roles",
                "yearly",
                "duration_days",
                "remind_at_launch",
                "remind_at_half_time",
                "remind_daily_when_overdue",
                "escalate_after_overdue_days",
                "follow_up_days",
                "archived",
            )
        }
        initial["teams"] = list(policy.teams.all())
        initial["reminder_days_before_due"] = ", ".join(str(day) for day in policy.reminder_days_before_due)
        return initial

    def clean_reminder_days_before_due(self):
        return _day_list(self.cleaned_data.get("reminder_days_before_due", ""))


class VersionForm(forms.Form):
    """A new version: its text in Markdown, what changed, and from when it is in force."""

    body = forms.CharField(
        label=_("Text (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_(
            "Headings (#), lists, **bold**, links to http(s) addresses and tables. "
            "HTML and images are not shown."
        ),
    )
    change_summary = forms.CharField(
        label=_("What changed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown beside the version, for the people asked to read it again."),
    )
    effective_date = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class QuestionForm(forms.Form):
    """An attestation question kept on the policy (campaigns copy them when they start)."""

    text = forms.CharField(label=_("Question"), max_length=300)
    kind = forms.ChoiceField(label=_("Answer"), choices=QuestionKind.choices)
    help_text = forms.CharField(label=_("Help"), max_length=300, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class LibraryFilterForm(forms.Form):
    """The library's filters: words in the title or summary, the audience, archived ones too, mine only."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    audience = forms.ChoiceField(
        label=_("Audience"), required=False, choices=[("", _("Any")), *Audience.choices]
    )
    mine = forms.BooleanField(label=_("Only those that apply to me"), required=False)
    archived = forms.BooleanField(label=_("Include archived policies"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("", _("Title")), ("effective", _("Newest version in force first"))],
    )
