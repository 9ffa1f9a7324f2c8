"""Forms of the incident page: triage, dismissal, status, closing, the post-incident review, follow-up
actions, comments with files, links, severity/handler/category changes, confidentiality and shares.

Each form gets ``auto_id="<key>-%s"`` on the page (see ``FORMS`` in the view), so fields of different forms
never share an HTML id while the posted names stay plain."""

from django import forms

from access.models import System
from dpms.forms import ModelMultipleChoiceField, PersonField, validate_plausible_moment
from dpms.models import User
from incidents.choices import SEVERITY_DEFINITIONS, ActionStatus, Category, Severity, Status


def _officers():
    """Suggested in the person boxes: the people who usually handle incidents."""
    return User.objects.holding("security officer").order_by("full_name", "email")


def _text(rows=3, **kwargs):
    return forms.CharField(widget=forms.Textarea(attrs={"rows": rows}), max_length=8000, **kwargs)


def _date_input():
    return forms.DateInput(attrs={"type": "date"})


def severity_choices():
    return [(int(value), f"{value.label}: {SEVERITY_DEFINITIONS[value]}") for value in Severity]


class TriageForm(forms.Form):
    severity = forms.TypedChoiceField(
        coerce=int,
        choices=(),
        widget=forms.RadioSelect,
        help_text="SEV1 includes any exposure of personal or customer data.",
    )
    handler = PersonField(
        label="Handler",
        suggestions=_officers,
        help_text="Email address; the security officers are suggested.",
    )
    category = forms.ChoiceField(
        choices=Category.choices, help_text="Correct the reporter's choice if needed."
    )
    is_breach = forms.BooleanField(
        required=False,
        label="Personal-data breach (starts the 72-hour clock to notify the supervisory authority)",
    )
    confidential = forms.BooleanField(
        required=False, label="Confidential (only the handler and the people added to it see it)"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = severity_choices()


class ReasonForm(forms.Form):
    reason = _text(2, label="Reason")


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices, label="Status")
    reason = _text(2, required=False, label="Reason", help_text="Needed when going back.")


class CloseForm(forms.Form):
    # Optional here: the service names what is missing, next to the field.
    root_cause = _text(3, required=False, label="Root cause")
    lessons_learned = _text(3, required=False, label="Lessons learned")


class ReviewForm(forms.Form):
    held_on = forms.DateField(label="Held on", widget=_date_input(), validators=[validate_plausible_moment])
    participants = _text(2, required=False, label="Participants")
    summary = _text(3, required=False, label="Summary", help_text="What was found.")
    actions = _text(3, required=False, label="Actions agreed")


class FollowUpForm(forms.Form):
    title = forms.CharField(max_length=200)
    owner = PersonField(label="Owner", suggestions=_officers, help_text="Email address.")
    due_on = forms.DateField(label="Due date", widget=_date_input(), validators=[validate_plausible_moment])
    description = _text(2, required=False, label="Description")


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


VISIBILITY_CHOICES = [
    ("internal", "Internal (handlers and security officers)"),
    ("visible", "Visible to the reporter"),
]


class CommentForm(forms.Form):
    text = _text(3, required=False, label="Comment")
    visibility = forms.ChoiceField(choices=VISIBILITY_CHOICES, widget=forms.RadioSelect, initial="internal")
    files = MultipleFileField(required=False, label="Attach files")

    def __init__(self, *args, responder: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not responder:
            # The reporter (and anyone else who may see but not respond) adds information the reporter sees.
            del self.fields["visibility"]
            self.fields["text"].label = "Add information"

    def clean_files(self):
        from incidents.services.reporting import MAX_UPLOADS

        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_UPLOADS:
            raise forms.ValidationError(f"Attach at most {MAX_UPLOADS} files at a time.")
        return files

    @property
    def internal(self) -> bool:
        return self.cleaned_data.get("visibility") == "internal"


class LinksForm(forms.Form):
    risks = ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Risks it materialised",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    systems = ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Systems it touched",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, visible_risks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risks"].queryset = visible_risks.order_by("reference")
        self.fields["systems"].queryset = System.objects.order_by("name")


class SeverityForm(forms.Form):
    severity = forms.TypedChoiceField(coerce=int, choices=(), label="Severity")
    reason = forms.CharField(max_length=2000, required=False, label="Why")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [(int(value), value.label) for value in Severity]


class HandlerForm(forms.Form):
    handler = PersonField(label="Handler", suggestions=_officers, help_text="Email address.")


class CategoryForm(forms.Form):
    category = forms.ChoiceField(choices=Category.choices)


class ConfidentialForm(forms.Form):
    confidential = forms.TypedChoiceField(
        coerce=lambda value: value == "yes", choices=[("yes", "Confidential"), ("no", "Not confidential")]
    )
    reason = _text(2, label="Reason")


class ShareForm(forms.Form):
    user = PersonField(label="Person", suggestions=_officers, help_text="Email address.")


class UnshareForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.people(), widget=forms.HiddenInput())
