"""Forms of birthright access: a new rule (team → role)."""

from django import forms

from access.queries.birthright import birthright_role_choices
from dpms.models import Team


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.system.name} · {obj.name}"


class BirthrightRuleForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), empty_label="Choose a team")
    role = RoleChoiceField(
        queryset=birthright_role_choices(),
        empty_label="Choose a role",
        help_text="Baseline roles only: privileged roles are requested, portal roles are given in People.",
    )
