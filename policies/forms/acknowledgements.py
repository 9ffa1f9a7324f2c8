"""Forms of the acknowledgements per version: the team filter."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dpms.models import Team
from policies.forms.followups import IdChoiceField


class TeamFilterForm(forms.Form):
    team = IdChoiceField(queryset=Team.objects.none(), required=False, label=_("Team"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")

    def team_id(self) -> int | None:
        team = self.cleaned_data.get("team") if self.is_valid() else None
        return team.pk if team else None
