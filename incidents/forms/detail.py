"""Forms of the incident page: triage, dismissal, status, closing, the post-incident review, follow-up
actions, comments with files, links, severity/handler/category changes, confidentiality and shares.

Each form gets ``auto_id="<key>-%s"`` on the page (see ``FORMS`` in the view), so fields of different forms
never share an HTML id while the posted names stay plain."""

import re

from django import forms
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from access.models import System
from dpms.forms import MultipleFileField, PersonField, validate_plausible_moment
from dpms.models import User
from incidents.choices import SEVERITY_DEFINITIONS, ActionStatus, Category, Severity, Status


def _officers():
    """Suggested in the person boxes: the people who usually handle incidents."""
    return User.objects.security_officers().order_by("full_name", "email")


def _text(rows=3, **kwargs):
    return forms.CharField(widget=forms.Textarea(attrs={"rows": rows}), max_length=8000, **kwargs)


def _date_input():
    return forms.DateInput(attrs={"type": "date"})


def severity_choices():
    return [(int(value), f"{value.label}: {SEVERITY_DEFINITIONS[value]}") for value in Severity]


class TriageForm(forms.Form):
    severity = forms.TypedChoiceField(
        coerce=int,
        choices=(),
        label=_("Severity"),
        widget=forms.RadioSelect,
        help_text=_("SEV1 includes any exposure of personal or customer data."),
    )
    handler = PersonField(
        label=_("Handler"),
        suggestions=_officers,
        help_text=_("Email address; the security officers are suggested."),
    )
    category = forms.ChoiceField(
        choices=Category.choices, label=_("Category"), help_text=_("Correct the reporter's choice if needed.")
    )
    is_breach = forms.BooleanField(
        required=False,
        label=_("Personal-data breach (starts the 72-hour clock to notify the supervisory authority)"),
    )
    confidential = forms.BooleanField(
        required=False, label=_("Confidential (only the handler and the people added to it see it)")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = severity_choices()


class ReasonForm(forms.Form):
    reason = _text(2, label=_("Reason"))


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices, label=_("Status"))
    reason = _text(2, required=False, label=_("Reason"), help_text=_("Needed when going back."))


class CloseForm(forms.Form):
    # Optional here: the service names what is missing, next to the field.
    root_cause = _text(3, required=False, label=_("Root cause"))
    lessons_learned = _text(3, required=False, label=_("Lessons learned"))


class ReviewForm(forms.Form):
    held_on = forms.DateField(
        label=_("Held on"), widget=_date_input(), validators=[validate_plausible_moment]
    )
    participants = _text(2, required=False, label=_("Participants"))
    summary = _text(3, required=False, label=_("Summary"), help_text=_("What was found."))
    actions = _text(3, required=False, label=_("Actions agreed"))


class FollowUpForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    owner = PersonField(label=_("Owner"), suggestions=_officers, help_text=_("Email address."))
    due_on = forms.DateField(
        label=_("Due date"), widget=_date_input(), validators=[validate_plausible_moment]
    )
    description = _text(2, required=False, label=_("Description"))


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices, label=_("Status"))


VISIBILITY_CHOICES = [
    ("internal", _("Internal (handlers and security officers)")),
    ("visible", _("Visible to the reporter")),
]


class CommentForm(forms.Form):
    text = _text(3, required=False, label=_("Comment"))
    visibility = forms.ChoiceField(
        choices=VISIBILITY_CHOICES, label=_("Visibility"), widget=forms.RadioSelect, initial="internal"
    )
    files = MultipleFileField(required=False, label=_("Attach files"))

    def __init__(self, *args, responder: bool = True, is_reporter: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not responder:
            # The reporter (and anyone else who may see but not respond) adds information.
            del self.fields["visibility"]
            self.fields["text"].label = gettext("Add information")
            if not is_reporter:
                # Only the reporter and the responders attach files (``incident_comment`` refuses others).
                del self.fields["files"]

    def clean_files(self):
        from incidents.services.reporting import MAX_UPLOADS

        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_UPLOADS:
            raise forms.ValidationError(
                ngettext(
                    "Attach at most %(count)s file at a time.",
                    "Attach at most %(count)s files at a time.",
                    MAX_UPLOADS,
                )
                % {"count": MAX_UPLOADS}
            )
        return files

    @property
    def internal(self) -> bool:
        return self.cleaned_data.get("visibility") == "internal"


# At most this many references or names are added in one go (one query matches them all).
MAX_LINKS_ADDED = 100


def _pick(rows, wanted: list[str], key) -> tuple[dict, list[str], list[str]]:
    """Match ``wanted`` texts case-insensitively against ``rows`` (objects whose text is ``key(row)``): an
    exact match wins over others differing only in case. Returns (text -> row, unknown, ambiguous)."""
    by_folded = {}
    for row in rows:
        by_folded.setdefault(key(row).casefold(), []).append(row)
    found, unknown, ambiguous = {}, [], []
    for text in wanted:
        matches = by_folded.get(text.casefold(), [])
        exact = [row for row in matches if key(row) == text]
        if exact or len(matches) == 1:
            found[text] = (exact or matches)[0]
        elif matches:
            ambiguous.append(text)
        else:
            unknown.append(text)
    return found, unknown, ambiguous


def _matching(field: str, texts: list[str]) -> Q:
    """Rows whose ``field`` is one of ``texts`` ignoring case (annotated as ``folded``), or exactly one of
    them (SQLite's UPPER leaves non-ASCII letters as they are)."""
    return Q(folded__in=[text.upper() for text in texts]) | Q(**{f"{field}__in": texts})


def _unique(texts) -> list[str]:
    seen, result = set(), []
    for text in texts:
        text = text.strip()
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            result.append(text)
    return result


STALE_LINKS = _("The links changed while you were editing them: check them again.")


class LinksForm(forms.Form):
    """The links an incident has, as checkboxes (unticking one removes it), and boxes to add risks by their
    reference and systems by their name: the page never lists the whole register."""

    keep_risks = forms.MultipleChoiceField(
        required=False,
        label=_("Risks it materialised"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Untick a risk to remove the link."),
        error_messages={"invalid_choice": STALE_LINKS},
    )
    add_risks = forms.CharField(
        required=False,
        max_length=4000,
        label=_("Add risks"),
        help_text=_("Risk references, separated by commas: R-012, R-040."),
    )
    keep_systems = forms.MultipleChoiceField(
        required=False,
        label=_("Systems it touched"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Untick a system to remove the link."),
        error_messages={"invalid_choice": STALE_LINKS},
    )
    add_systems = forms.CharField(
        required=False,
        max_length=8000,
        label=_("Add systems"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("System names as in the access register, one per line or separated by commas."),
    )

    def __init__(self, *args, visible_risks, linked_risks, linked_systems, **kwargs):
        """``visible_risks``: the risks the viewer may see (a queryset, matched against only when risks are
        added); ``linked_risks`` / ``linked_systems``: the links shown, already fetched for the page."""
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            "keep_risks": [str(risk.pk) for risk in linked_risks],
            "keep_systems": [str(system.pk) for system in linked_systems],
        } | kwargs["initial"]
        super().__init__(*args, **kwargs)
        self.visible_risks = visible_risks
        self.linked_risks = {str(risk.pk): risk for risk in linked_risks}
        self.linked_systems = {str(system.pk): system for system in linked_systems}
        for name, linked in (("keep_risks", self.linked_risks), ("keep_systems", self.linked_systems)):
            if linked:
                self.fields[name].choices = [
                    (pk, str(item) if name == "keep_risks" else item.name) for pk, item in linked.items()
                ]
            else:
                del self.fields[name]

    def clean_add_risks(self):
        wanted = _unique(re.split(r"[,;\s]+", self.cleaned_data.get("add_risks") or ""))
        if len(wanted) > MAX_LINKS_ADDED:
            raise forms.ValidationError(
                gettext("Add at most %(count)s risks at a time.") % {"count": MAX_LINKS_ADDED}
            )
        if not wanted:
            return []
        rows = self.visible_risks.annotate(folded=Upper("reference")).filter(_matching("reference", wanted))
        found, unknown, ambiguous = _pick(rows, wanted, lambda risk: risk.reference)
        errors = []
        if unknown:
            errors.append(
                gettext("No risk you may see has the reference %(references)s.")
                % {"references": ", ".join(unknown)}
            )
        if ambiguous:
            errors.append(
                gettext("Write the reference exactly as in the register: %(references)s.")
                % {"references": ", ".join(ambiguous)}
            )
        if errors:
            raise forms.ValidationError(errors)
        return list(found.values())

    def clean_add_systems(self):
        lines = _unique((self.cleaned_data.get("add_systems") or "").splitlines())
        parts = _unique(part for line in lines for part in line.split(","))
        if len(lines) > MAX_LINKS_ADDED or len(parts) > MAX_LINKS_ADDED:
            raise forms.ValidationError(
                gettext("Add at most %(count)s systems at a time.") % {"count": MAX_LINKS_ADDED}
            )
        if not lines:
            return []
        candidates = _unique([*lines, *parts])
        rows = list(System.objects.annotate(folded=Upper("name")).filter(_matching("name", candidates)))
        # A line naming a system whose name holds a comma is that system; other lines are split at commas.
        whole, _unknown, _ambiguous = _pick(rows, lines, lambda system: system.name)
        wanted = _unique(part for line in lines if line not in whole for part in line.split(","))
        found, unknown, ambiguous = _pick(rows, wanted, lambda system: system.name)
        errors = []
        if unknown:
            errors.append(
                gettext("No system in the access register is named %(names)s.")
                % {"names": ", ".join(unknown)}
            )
        if ambiguous:
            errors.append(
                gettext("Write the name exactly as in the access register: %(names)s.")
                % {"names": ", ".join(ambiguous)}
            )
        if errors:
            raise forms.ValidationError(errors)
        return list({system.pk: system for system in [*whole.values(), *found.values()]}.values())

    def clean(self):
        """``risks`` and ``systems``: the links the incident keeps, as ``incident_link`` takes them."""
        cleaned = super().clean()
        kept_risks = [self.linked_risks[pk] for pk in cleaned.get("keep_risks") or []]
        kept_systems = [self.linked_systems[pk] for pk in cleaned.get("keep_systems") or []]
        cleaned["risks"] = list(
            {risk.pk: risk for risk in [*kept_risks, *(cleaned.get("add_risks") or [])]}.values()
        )
        cleaned["systems"] = list(
            {system.pk: system for system in [*kept_systems, *(cleaned.get("add_systems") or [])]}.values()
        )
        return cleaned


class SeverityForm(forms.Form):
    severity = forms.TypedChoiceField(coerce=int, choices=(), label=_("Severity"))
    reason = forms.CharField(max_length=2000, required=False, label=_("Why"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [(int(value), value.label) for value in Severity]


class HandlerForm(forms.Form):
    handler = PersonField(label=_("Handler"), suggestions=_officers, help_text=_("Email address."))


class CategoryForm(forms.Form):
    category = forms.ChoiceField(choices=Category.choices, label=_("Category"))


class ConfidentialForm(forms.Form):
    confidential = forms.TypedChoiceField(
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Confidential")), ("no", _("Not confidential"))],
        label=_("Confidential"),
    )
    reason = _text(2, label=_("Reason"))


class ShareForm(forms.Form):
    user = PersonField(label=_("Person"), suggestions=_officers, help_text=_("Email address."))


class UnshareForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.people(), widget=forms.HiddenInput())
