"""The report form: quick to fill (a title, what happened, a category and when it was noticed are enough);
the service ``incidents.services.reporting.incident_report`` checks everything again before saving."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dpms.forms import (
    ModelMultipleChoiceField,
    MultipleFileField,
    MultipleFileInput,
    validate_plausible_moment,
)
from incidents.choices import Category, PersonalData
from incidents.services.attachments import ALLOWED_TYPES_TEXT, EXTENSIONS
from incidents.services.reporting import MAX_UPLOADS, active_systems

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
ACCEPT = ",".join(sorted({ext for extensions in EXTENSIONS.values() for ext in extensions}))
MORE_FIELDS = ("occurred_at", "systems")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


def _now_local():
    """Now in the viewer's time zone (activated by the middleware), to the minute: the field's default."""
    return timezone.localtime().replace(second=0, microsecond=0)


class IncidentReportForm(forms.Form):
    title = forms.CharField(
        label=_("What happened, in a line"),
        max_length=200,
        error_messages={"required": _("Say in a line what happened.")},
        widget=forms.TextInput(
            attrs={"autofocus": True, "placeholder": _("e.g. Email asking for my password")}
        ),
    )
    description = forms.CharField(
        label=_("What happened"),
        error_messages={"required": _("Describe what happened.")},
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What you saw, what you did about it, and who else knows. Do not forward the suspicious "
            "message itself: save it and attach it below."
        ),
    )
    category = forms.ChoiceField(
        label=_("What kind of incident"),
        choices=Category.choices,
        widget=forms.RadioSelect(attrs={"class": "choice-list"}),
        error_messages={
            "required": _("Choose one of the categories."),
            "invalid_choice": _("Choose one of the categories."),
        },
    )
    noticed_at = forms.DateTimeField(
        label=_("When did you notice it?"),
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        error_messages={"required": _("Say when it was noticed."), "invalid": _("Give a date and time.")},
        validators=[validate_plausible_moment],
    )
    personal_data = forms.ChoiceField(
        label=_("Could personal data be involved?"),
        required=False,
        choices=PersonalData.choices,
        initial=PersonalData.UNKNOWN,
        widget=forms.RadioSelect(attrs={"class": "choice-list inline"}),
        help_text=_(
            "Names, emails, customer or staff records, health or payment data. If unsure, say don't know."
        ),
        error_messages={"invalid_choice": _("Answer yes, no or don't know.")},
    )
    attachments = MultipleFileField(
        label=_("Files (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )
    occurred_at = forms.DateTimeField(
        label=_("When did it happen? (optional)"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        help_text=_("If you know it, and it was before you noticed."),
        error_messages={"invalid": _("Give a date and time.")},
        validators=[validate_plausible_moment],
    )
    systems = ModelMultipleChoiceField(
        label=_("Systems affected (optional)"),
        queryset=active_systems(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
        error_messages={"invalid_choice": _("Choose systems from the access register.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("noticed_at", _now_local())
        super().__init__(*args, **kwargs)
        self.fields["systems"].queryset = active_systems()
        limit = settings.INCIDENT_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        self.fields["attachments"].help_text = _(
            "Up to %(count)s files of at most %(limit)s MB each: %(types)s. "
            "A screenshot or the saved email helps."
        ) % {"count": MAX_UPLOADS, "limit": limit, "types": ALLOWED_TYPES_TEXT}

    def main_fields(self):
        return [self[name] for name in self.fields if name not in MORE_FIELDS]

    def more_fields(self):
        return [self[name] for name in MORE_FIELDS]

    def more_open(self) -> bool:
        """Unfold the optional details when one of them has a value or an error."""
        return any(self[name].errors or (self.is_bound and self.data.get(name)) for name in MORE_FIELDS)

    def clean_personal_data(self):
        return self.cleaned_data.get("personal_data") or PersonalData.UNKNOWN

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_UPLOADS:
            raise forms.ValidationError(
                ngettext("Attach at most %(count)s file.", "Attach at most %(count)s files.", MAX_UPLOADS)
                % {"count": MAX_UPLOADS}
            )
        return files
