"""Forms of the vulnerability register: its filters, recording and editing a vulnerability, the workflow's
steps, the severity override and the owner."""

from django import forms
from django.utils.translation import gettext_lazy as _

from access.models import System
from dpms.forms import LookupField, PersonField
from risk.models import Risk
from vulnerabilities.choices import Severity, VulnerabilitySource, VulnerabilityStatus
from vulnerabilities.models import Component
from vulnerabilities.services.scoring import score

ANY = [("", _("Any"))]
OPEN = "open"
SORTS = [
    ("-first_seen", _("Newest first")),
    ("first_seen", _("Oldest first")),
    ("severity", _("Most severe first")),
    ("due", _("Deadline soonest")),
    ("reference", _("Reference")),
]


class VulnerabilityFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label=_("Search"), widget=forms.SearchInput())
    severity = forms.ChoiceField(required=False, label=_("Severity"), choices=[*ANY, *Severity.choices])
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[*ANY, (OPEN, _("Open (new, triaged, in remediation)")), *VulnerabilityStatus.choices],
    )
    system = LookupField(
        System.objects.order_by("name"),
        required=False,
        label=_("System"),
        widget=forms.SearchInput(attrs={"placeholder": _("name")}),
    )
    source = forms.ChoiceField(
        required=False, label=_("Source"), choices=[*ANY, *VulnerabilitySource.choices]
    )
    overdue = forms.BooleanField(required=False, label=_("Past the deadline"))
    mine = forms.BooleanField(required=False, label=_("Mine"))
    sort = forms.ChoiceField(required=False, label=_("Sort"), choices=SORTS)

    def __init__(self, *args, systems=None, **kwargs):
        """``systems``: the systems offered (those whose vulnerabilities the person may see)."""
        super().__init__(*args, **kwargs)
        if systems is not None:
            self.fields["system"].queryset = systems


def clean_vector(value: str) -> str:
    """The vector as typed, when the library scores it; the library's message as the field's error."""
    value = (value or "").strip()
    if value:
        score(value)  # raises ValidationError with what is wrong
    return value


class VulnerabilityForm(forms.Form):
    """Recording (with a system) or editing a vulnerability by hand."""

    system = LookupField(
        System.objects.order_by("name"),
        label=_("System"),
        widget=forms.TextInput(attrs={"placeholder": _("name")}),
    )
    title = forms.CharField(max_length=300, label=_("Title"))
    identifier = forms.CharField(
        max_length=100,
        required=False,
        help_text=_("CVE, GHSA or OSV id, if it has one."),
        label=_("Identifier"),
    )
    component = forms.ModelChoiceField(
        Component.objects.none(), required=False, label=_("Component"), empty_label=_("The system itself")
    )
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[
            (VulnerabilitySource.MANUAL, _("Found by us")),
            (VulnerabilitySource.PENTEST, _("Penetration test")),
        ],
    )
    cvss_vector = forms.CharField(
        max_length=300,
        required=False,
        label=_("CVSS vector"),
        help_text=_(
            "CVSS 3.1 or 4.0, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H. "
            "The score and severity are computed from it."
        ),
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, label=_("Description")
    )

    def __init__(self, *args, systems=None, components=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if systems is not None:
            self.fields["system"].queryset = systems
        if components is not None:
            self.fields["component"].queryset = components
        if editing:
            del self.fields["system"]
            del self.fields["source"]

    def clean_cvss_vector(self):
        return clean_vector(self.cleaned_data.get("cvss_vector", ""))

    def clean(self):
        data = super().clean()
        component, system = data.get("component"), data.get("system")
        if component is not None and system is not None and component.system_id != system.pk:
            self.add_error("component", _("This component belongs to another system."))
        return data


STEPS = [
    ("triage", _("Triage")),
    ("start_remediation", _("Start remediation")),
    ("mark_fixed", _("Mark fixed")),
    ("verify", _("Verify the fix")),
    ("accept_risk", _("Accept the risk")),
    ("mark_false_positive", _("Mark as false positive")),
    ("reopen", _("Reopen")),
]
# Which status each step leads to (the services check the step is allowed from where it is).
STEP_TARGET = {
    "triage": VulnerabilityStatus.TRIAGED,
    "start_remediation": VulnerabilityStatus.IN_REMEDIATION,
    "mark_fixed": VulnerabilityStatus.FIXED,
    "verify": VulnerabilityStatus.VERIFIED,
    "accept_risk": VulnerabilityStatus.RISK_ACCEPTED,
    "mark_false_positive": VulnerabilityStatus.FALSE_POSITIVE,
    "reopen": VulnerabilityStatus.TRIAGED,
}


class TransitionForm(forms.Form):
    """One step of the workflow, with what that step needs: a note (fixed), a reason (false positive,
    reopen), a risk of the register (risk accepted)."""

    step = forms.ChoiceField(choices=STEPS, label=_("Step"))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000, label=_("Reason"),
        help_text=_("Marking it a false positive: why. Reopening: why, if you like."),
    )  # fmt: skip
    note = forms.CharField(
        required=False,
        max_length=300,
        label=_("Note"),
        help_text=_("Marking it fixed: how you know it is fixed."),
    )
    risk = LookupField(
        Risk.objects.none(), fields=("reference", "title"), required=False, label=_("Risk"),
        widget=forms.TextInput(attrs={"placeholder": "R-042"}),
        help_text=_("Accepting the risk: the risk of the register whose approved acceptance covers this."),
    )  # fmt: skip
    # The steps each field is for: a field none of the steps from here needs is not shown.
    FIELD_STEPS = {
        "reason": {"mark_false_positive", "reopen"},
        "note": {"mark_fixed"},
        "risk": {"accept_risk"},
    }
    EMPTY = {"reason": "", "note": "", "risk": None}

    def __init__(self, *args, risks=None, steps=None, **kwargs):
        super().__init__(*args, **kwargs)
        if risks is not None:
            self.fields["risk"].queryset = risks
        if steps is not None:
            self.fields["step"].choices = [(key, label) for key, label in STEPS if key in steps]
            for name, needed_by in self.FIELD_STEPS.items():
                if not needed_by & set(steps):
                    del self.fields[name]
            if "reason" in self.fields and "mark_false_positive" not in steps:
                self.fields["reason"].help_text = _("Reopening: why, if you like.")

    def clean(self):
        data = super().clean()
        for name, empty in self.EMPTY.items():
            data.setdefault(name, empty)  # a field not shown: the steps that read it are not offered
        step = data.get("step")
        if step == "mark_false_positive" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why this is a false positive."))
        if step == "accept_risk" and not data.get("risk") and "risk" not in self.errors:
            self.add_error("risk", _("Name the risk of the register that accepts this."))
        return data


class OverrideForm(forms.Form):
    severity = forms.ChoiceField(
        choices=[("", _("No override: the scored severity")), *Severity.choices], required=False,
        label=_("Severity"),
    )  # fmt: skip
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000, label=_("Reason"),
        help_text=_('For example "not reachable: internal only".'),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("severity") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the scored severity does not apply."))
        return data


class AssignForm(forms.Form):
    owner = PersonField(required=False, label=_("Owner"), help_text=_("Empty: the system's owner."))
