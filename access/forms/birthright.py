"""Forms of birthright access: a new rule (team → role)."""

from django import forms
from django.utils.translation import gettext_lazy

from access.queries.birthright import birthright_role_choices
from dpms.models import Team


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.system.name} · {obj.name}"


class BirthrightRuleForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        empty_label=gettext_lazy("Choose a team"),
        label=gettext_lazy("Team"),
    )
    role = RoleChoiceField(
        queryset=birthright_role_choices(),
        empty_label=gettext_lazy("Choose a role"),
        help_text=gettext_lazy(
            "Baseline roles only: privileged roles are requested, portal roles are given in People."
        ),
        label=gettext_lazy("Role"),
    )
