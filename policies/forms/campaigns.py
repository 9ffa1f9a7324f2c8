"""Forms of campaigns: the list's filters, the launch (policy, due date, the questions taken from the policy's
template and editable before launch) and the close's confirmation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dpms.forms import validate_plausible_moment
from policies.choices import CampaignKind, CampaignStatus, QuestionKind
from policies.forms.followups import IdChoiceField
from policies.models import AttestationQuestion, Policy

SORT_LABELS = {
    "-launched": _("Launched (newest first)"),
    "launched": _("Launched (oldest first)"),
    "due": _("Due (soonest first)"),
    "-due": _("Due (latest first)"),
    "name": _("Name"),
}


class CampaignFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), max_length=200)
    policy = IdChoiceField(queryset=Policy.objects.none(), required=False, label=_("Policy"))
    status = forms.ChoiceField(
        required=False, label=_("Status"), choices=[("", _("Any status")), *CampaignStatus.choices]
    )
    kind = forms.ChoiceField(
        required=False, label=_("Kind"), choices=[("", _("Any kind")), *CampaignKind.choices]
    )
    sort = forms.ChoiceField(required=False, label=_("Sort"), choices=list(SORT_LABELS.items()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = Policy.objects.order_by("title")

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q") or "",
            "policy_id": data["policy"].pk if data.get("policy") else None,
            "status": data.get("status") or "",
            "kind": data.get("kind") or "",
            "sort": data.get("sort") or "-launched",
        }


class LaunchPolicyForm(forms.Form):
    """Step one of a launch: which policy (its version in force is the one asked)."""

    policy = IdChoiceField(queryset=Policy.objects.none(), label=_("Policy"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = Policy.objects.filter(archived=False).order_by("title")


class LaunchForm(forms.Form):
    """Step two: the due date (the policy's duration from today unless changed)."""

    due_on = forms.DateField(
        label=_("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_plausible_moment],
        help_text=_("People are reminded before it and escalated to their manager after it."),
    )


class QuestionForm(forms.Form):
    """One attestation question of the campaign (copied from the policy's template; edit or remove it)."""

    text = forms.CharField(label=_("Question"), max_length=300)
    # The select shows its first kind on the blank row; as the initial value too, that row left untouched
    # has not changed and is skipped, instead of asking for a question text nobody meant to write.
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices, initial=QuestionKind.YES_NO)
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)


class BaseQuestionFormSet(forms.BaseFormSet):
    def questions(self) -> list[dict]:
        """The questions kept (not removed, not left empty), in order, as ``campaign_launch`` takes them."""
        kept = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not (data.get("text") or "").strip():
                continue
            kept.append(
                {
                    "text": data["text"].strip(),
                    "kind": data["kind"],
                    "help_text": (data.get("help_text") or "").strip(),
                    "required": bool(data.get("required")),
                }
            )
        return kept


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=BaseQuestionFormSet, extra=1, can_delete=True, max_num=30, validate_max=True
)


def question_initial(questions: list[AttestationQuestion]) -> list[dict]:
    """The formset's rows for a policy's template questions."""
    return [
        {"text": q.text, "kind": q.kind, "help_text": q.help_text, "required": q.required} for q in questions
    ]


class CloseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that everyone still pending is recorded as “no response” "
            "and the evidence is frozen."
        ),
    )
