"""Forms of group-to-role mappings and admin approvals."""

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.choices import MappedRole


class GroupRoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=[("", _("No portal role (a team only)")), *MappedRole.choices],
        required=False,
        label=_("Portal role"),
        help_text=_(
            "Members hold this role while they are in the group; admin needs a second admin's approval "
            "for each person."
        ),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))], label=_("Decision")
    )
