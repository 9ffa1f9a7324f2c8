"""The escalation policy form: one row per level (a Django formset), with the person given by email.

The rules are the service's (``incidents.services.escalation_policies.validate_levels``); the forms check
the same things field by field, so each message shows next to the field it is about.
"""

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from incidents.choices import EscalationTarget, EscalationTrigger
from incidents.services.escalation_policies import (
    MAX_AFTER_MINUTES,
    MAX_LEVELS,
    MAX_REPEAT_EVERY,
    MAX_REPEATS,
    MIN_REPEAT_EVERY,
    people_by_email,
)

NUMBER = {"inputmode": "numeric", "class": "short-number"}


class LevelForm(forms.Form):
    """One level. Empty extra rows are left out (their initial values are the field defaults)."""

    trigger = forms.ChoiceField(
        label=_("Fires when"), choices=EscalationTrigger.choices, initial=EscalationTrigger.UNACKNOWLEDGED
    )
    after_minutes = forms.IntegerField(
        label=_("After minutes"),
        min_value=0,
        max_value=MAX_AFTER_MINUTES,
        widget=forms.NumberInput(attrs=NUMBER),
    )
    working_time = forms.BooleanField(label=_("Working time only"), required=False)
    target = forms.ChoiceField(
        label=_("Tell"), choices=EscalationTarget.choices, initial=EscalationTarget.SECURITY_OFFICERS
    )
    person = forms.EmailField(
        label=_("Person (email)"),
        required=False,
        help_text=_("Only for “a named person”: an active person's email."),
    )
    repeat_count = forms.IntegerField(
        label=_("Repeats"),
        min_value=0,
        max_value=MAX_REPEATS,
        initial=0,
        widget=forms.NumberInput(attrs=NUMBER),
    )
    repeat_every_minutes = forms.IntegerField(
        label=_("Repeat every minutes"),
        required=False,
        min_value=MIN_REPEAT_EVERY,
        max_value=MAX_REPEAT_EVERY,
        widget=forms.NumberInput(attrs=NUMBER),
    )

    def clean(self):
        data = super().clean()
        if data.get("target") == EscalationTarget.PERSON:
            if not data.get("person") and "person" not in self.errors:
                self.add_error("person", _("Give the email of the person to tell."))
        else:
            data["person"] = ""  # a person left in the field for another target is not kept
        count = data.get("repeat_count") or 0
        if count and data.get("repeat_every_minutes") is None and "repeat_every_minutes" not in self.errors:
            self.add_error(
                "repeat_every_minutes",
                _("Repeats need an interval of at least %(minutes)s minutes.")
                % {"minutes": MIN_REPEAT_EVERY},
            )
        if not count:
            data["repeat_every_minutes"] = None
        return data


class BaseLevelFormSet(BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")

    def clean(self):
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        people = people_by_email(form.cleaned_data["person"] for form in kept)
        for form in kept:
            email = form.cleaned_data["person"]
            if email and email.lower() not in people:
                form.add_error("person", _("No active person has this email."))
            form.cleaned_data["person_user"] = people.get(email.lower()) if email else None
        if not kept:
            raise forms.ValidationError(_("A policy needs at least one level."))
        if not any(form.cleaned_data["trigger"] == EscalationTrigger.UNACKNOWLEDGED for form in kept):
            raise forms.ValidationError(
                _("Keep at least one “not acknowledged” level: nothing may sit unacknowledged.")
            )

    def levels(self) -> list[dict]:
        """The kept levels as the service takes them."""
        return [
            {
                "trigger": form.cleaned_data["trigger"],
                "after_minutes": form.cleaned_data["after_minutes"],
                "working_time": form.cleaned_data["working_time"],
                "target": form.cleaned_data["target"],
                "person": form.cleaned_data.get("person_user"),
                "repeat_count": form.cleaned_data["repeat_count"] or 0,
                "repeat_every_minutes": form.cleaned_data["repeat_every_minutes"],
            }
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]


LevelFormSet = formset_factory(
    LevelForm,
    formset=BaseLevelFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_LEVELS,
    validate_max=True,
    absolute_max=MAX_LEVELS + 2,
)


def level_initial(levels) -> list[dict]:
    """The form rows of stored (or default) levels."""
    return [
        {
            "trigger": level.trigger,
            "after_minutes": level.after_minutes,
            "working_time": level.working_time,
            "target": level.target,
            "person": level.person.email if level.person_id else "",
            "repeat_count": level.repeat_count,
            "repeat_every_minutes": level.repeat_every_minutes,
        }
        for level in levels
    ]
