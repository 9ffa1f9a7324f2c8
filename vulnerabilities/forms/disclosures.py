"""Forms of the disclosure intake: the public report form with its spam guards, what a reporter adds through
their link, and the officers' policy text and move of a report to its system.

The spam guards need no third party: a field people never see (``website``, hidden by the stylesheet and
from screen readers) that bots fill in, and the time the form was shown, signed into it (``started``), so
a report sent sooner than ``DISCLOSURE_MIN_FILL_SECONDS`` after is taken for a bot's, and one sent more than
a day later is asked again."""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from dpms.forms import MultipleFileField

FILL_SALT = "vulnerabilities.disclosure.started"
FILL_MAX_SECONDS = 24 * 3600
SPAM = "spam"
SPAM_MESSAGE = _(
    "This report looks automated and was not sent. If you are a person, write to the contact below."
)


def fill_token(started: float | None = None) -> str:
    """The signed time the form was shown (now unless ``started``, seconds since the epoch)."""
    return signing.dumps({"t": time.time() if started is None else started}, salt=FILL_SALT)


class DisclosureForm(forms.Form):
    title = forms.CharField(label=_("What did you find?"), max_length=180, help_text=_("One line."))
    location = forms.CharField(
        label=_("Where?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The address, product, page or API affected."),
    )
    steps = forms.CharField(
        label=_("How to reproduce it"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The steps, requests or proof of concept that show it."),
    )
    reporter_contact = forms.CharField(
        label=_("How do we reach you?"),
        max_length=300,
        help_text=_("An email address, or another way to reach you."),
    )
    pgp_key = forms.CharField(
        label=_("OpenPGP public key (optional)"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("If you want our replies encrypted: the key in ASCII armour."),
    )
    attachments = MultipleFileField(
        required=False,
        label=_("Files (optional)"),
        help_text=_(
            "Up to 5: PDF, PNG, JPEG, GIF or WebP images, plain text (.txt, .log, .csv) and saved "
            "emails (.eml), 10 MB each."
        ),
    )
    # The honeypot: hidden from people (class and aria-hidden), filled in by bots.
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1", "class": "honeypot"}),
    )
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, now: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = time.time() if now is None else now
        if not self.is_bound:
            self.initial["started"] = fill_token(self.now)

    @property
    def is_spam(self) -> bool:
        return any(error.code == SPAM for error in self.errors.as_data().get("__all__", []))

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(SPAM_MESSAGE, code=SPAM)
        try:
            started = float(signing.loads(self.data.get("started", ""), salt=FILL_SALT)["t"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise forms.ValidationError(SPAM_MESSAGE, code=SPAM) from None
        waited = self.now - started
        if waited < settings.DISCLOSURE_MIN_FILL_SECONDS:
            raise forms.ValidationError(SPAM_MESSAGE, code=SPAM)
        if waited > FILL_MAX_SECONDS:
            self.data = self.data.copy()
            self.data["started"] = fill_token(self.now)
            raise forms.ValidationError(
                _("The form was open for more than a day: check it and send it again.")
            )
        return data


class AddInformationForm(forms.Form):
    text = forms.CharField(
        label=_("Add information"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = MultipleFileField(
        required=False, label=_("Files (optional)"), help_text=_("Up to 5, 10 MB each.")
    )


class DisclosurePolicyForm(forms.Form):
    text = forms.CharField(
        label=_("Disclosure policy"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("Shown above the public report form (plain text; blank lines make paragraphs)."),
    )


class DisclosureMoveForm(forms.Form):
    system = forms.ModelChoiceField(queryset=None, label=_("The system it is about"))

    def __init__(self, *args, systems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = systems
