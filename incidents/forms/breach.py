"""Forms of the breach section: marking a breach, awareness, the authority and data-subject decisions, the
facts for the register, and NIS2. Times are entered in the viewer's time zone (the middleware activates it)
and stored in UTC. Each form has a prefix of its own, so several sit on the incident page without clashes."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dpms.forms import validate_plausible_moment
from incidents.choices import AuthorityDecision, SubjectsDecision
from incidents.services.breach import EXEMPTIONS, NIS2_REPORTS


class WhenInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def when_field(label, *, required: bool = True, help_text="") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=WhenInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=help_text or _("In your time zone."),
        validators=[validate_plausible_moment],
    )


def text_field(label, *, required: bool = True, help_text="", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class ClockStartForm(forms.Form):
    """Starting a clock: awareness is the noticed time unless another one is given, with a reason (in the
    field ``reason_field``)."""

    reason_field = "reason"
    aware_at = when_field(
        _("Became aware at"),
        required=False,
        help_text=_("Leave empty to count from the time the incident was noticed (in your time zone)."),
    )

    def clean(self):
        data = super().clean()
        if data.get("aware_at") and not (data.get(self.reason_field) or "").strip():
            self.add_error(self.reason_field, _("Say why awareness differs from the time it was noticed."))
        return data


class BreachMarkForm(ClockStartForm):
    prefix = "breach-mark"
    reason_field = "aware_at_reason"
    aware_at_reason = text_field(_("Why awareness differs from the noticed time"), required=False, rows=2)


class AwarenessForm(forms.Form):
    prefix = "breach-awareness"
    aware_at = when_field(_("Became aware at"))
    reason = text_field(_("Why the awareness time changes"), rows=2)


class AuthorityNotifiedForm(forms.Form):
    prefix = "breach-notified"
    notified_at = when_field(_("Supervisory authority notified at"))
    reference = forms.CharField(
        label=_("Reference"),
        max_length=200,
        help_text=_("The authority's case reference, or how the notification was made."),
    )
    delay_reason = text_field(
        _("Reasons for the delay"),
        required=False,
        help_text=_("Required when the notification was made after the 72-hour deadline (Art. 33(1) GDPR)."),
    )


class AuthorityNotRequiredForm(forms.Form):
    prefix = "breach-not-required"
    reason = text_field(
        _("Not required because"),
        help_text=_(
            "Why the breach is unlikely to result in a risk to the rights and freedoms of natural persons."
        ),
    )


class SubjectsDecisionForm(forms.Form):
    prefix = "breach-subjects"
    decision = forms.ChoiceField(
        label=_("Telling the data subjects (Art. 34 GDPR)"),
        choices=SubjectsDecision.choices,
        widget=forms.RadioSelect,
    )
    reason = text_field(
        _("Reason"), required=False, rows=2, help_text=_("Required when the data subjects are not told.")
    )
    notified_at = when_field(
        _("Data subjects told at"),
        required=False,
        help_text=_("When they were told (in your time zone); can be added later."),
    )

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision in EXEMPTIONS and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the data subjects are not told."))
        if decision in EXEMPTIONS and data.get("notified_at"):
            self.add_error("notified_at", _("Only a decision to tell the data subjects has this time."))
        return data


class BreachFactsForm(forms.Form):
    prefix = "breach-facts"
    nature = text_field(
        _("Nature of the breach"),
        required=False,
        help_text=_("Categories and approximate numbers of data subjects and of records concerned."),
    )
    effects = text_field(_("Likely consequences"), required=False)
    remedial_action = text_field(
        _("Measures taken or proposed"),
        required=False,
        help_text=_("Including measures to mitigate its effects."),
    )


class Nis2SignificantForm(ClockStartForm):
    prefix = "nis2-mark"
    reason = text_field(_("Why awareness differs from the noticed time"), required=False, rows=2)


class Nis2RecordForm(forms.Form):
    prefix = "nis2-record"
    report = forms.ChoiceField(label=pgettext_lazy("NIS2", "Report"), choices=list(NIS2_REPORTS.items()))
    at = when_field(_("Submitted at"))


class BreachRegisterFilterForm(forms.Form):
    """Filters of the breach register page: the state of the authority decision, and a search."""

    STATES = {
        "running": Q(authority_decision=""),
        "notified": Q(authority_decision=AuthorityDecision.NOTIFIED),
        "not_required": Q(authority_decision=AuthorityDecision.NOT_REQUIRED),
    }
    q = forms.CharField(
        required=False, max_length=150, label=_("Reference or title"), widget=forms.SearchInput()
    )
    state = forms.ChoiceField(
        required=False,
        label=_("Authority"),
        choices=[
            ("", _("All breaches")),
            ("running", _("Clock running")),
            ("notified", _("Notified")),
            ("not_required", _("Not required")),
        ],
    )

    def apply(self, breaches):
        data = self.cleaned_data
        if data.get("state"):
            breaches = breaches.filter(self.STATES[data["state"]])
        if data.get("q"):
            breaches = breaches.filter(Q(reference__icontains=data["q"]) | Q(title__icontains=data["q"]))
        return breaches
