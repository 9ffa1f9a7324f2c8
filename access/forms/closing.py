"""Forms of closing a campaign: the close and the confirmation of a held close."""

from django import forms


class CampaignCloseForm(forms.Form):
    """Closing is a deliberate act: the officer ticks the box."""

    sure = forms.BooleanField(label="I want to close this campaign now; undecided items take the default.")


class CampaignConfirmCloseForm(forms.Form):
    sure = forms.BooleanField(label="I have checked the revocations and confirm the close.")
