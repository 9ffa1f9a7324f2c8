"""Forms of group-to-role mappings and admin approvals."""

from django import forms

from directory.choices import MappedRole


class GroupRoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=[("", "No portal role (a team only)"), *MappedRole.choices],
        required=False,
        help_text="Members hold this role while they are in the group; admin needs a second admin's approval "
        "for each person.",
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("refuse", "Refuse")])
