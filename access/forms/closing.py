"""Forms of closing a campaign: the close and the confirmation of a held close."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext


class _AcceptDefaults(forms.Form):
    """With items nobody decided, a box says how many will take the default (``undecided``,
    ``default_label``) and must be ticked: a campaign closed at 0 % reviewed is no review, and nobody
    should close one by accident. Without undecided items the box is not there."""

    accept_defaults = forms.BooleanField(
        required=False, label=gettext_lazy("The undecided items take the default.")
    )

    def __init__(self, *args, undecided: int = 0, default_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if undecided:
            field = self.fields["accept_defaults"]
            field.required = True
            field.label = ngettext(
                "%(count)d item nobody reviewed will take the default (%(default)s). I accept that.",
                "%(count)d items nobody reviewed will take the default (%(default)s). I accept that.",
                undecided,
            ) % {"count": undecided, "default": default_label or _("the policy’s default")}
            field.error_messages["required"] = ngettext(
                "Tick this box to close with %(count)d item nobody reviewed.",
                "Tick this box to close with %(count)d items nobody reviewed.",
                undecided,
            ) % {"count": undecided}
        else:
            del self.fields["accept_defaults"]


class CampaignCloseForm(_AcceptDefaults):
    """Closing is a deliberate act: the officer ticks the box (and accepts the defaults, if any)."""

    sure = forms.BooleanField(
        label=gettext_lazy("I want to close this campaign now; undecided items take the default.")
    )
    field_order = ["sure", "accept_defaults"]


class CampaignConfirmCloseForm(_AcceptDefaults):
    """Confirming a held close (held by the tick, too): the revocations checked, the defaults accepted."""

    sure = forms.BooleanField(label=gettext_lazy("I have checked the revocations and confirm the close."))
    field_order = ["sure", "accept_defaults"]
