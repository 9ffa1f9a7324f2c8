"""The audit trail in words: an event's object type by its readable name ("Review item", not
``access.reviewitem``) and its changes as a list of "field: before → after" lines.

Events store what the services wrote (``dpms.audit``): an update's ``{"field": [before, after]}`` from
``audit.diff``, a creation's ``{"created": {...}}``, a deletion's snapshot of what was there, and free-form
facts (``{"via": "seed_demo"}``). This module only reads them for people; the CSV export keeps the stored
JSON untouched (``dpms.audit_csv``). Nothing here queries the database: names come from the models.
"""

import datetime
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import dateformat, formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy

from dpms.audit_phrases import FIELD_LABELS, PHRASES
from dpms.formats import show_date

# Object types that name no model: a refused page is recorded against its address.
SPECIAL_TYPES = {"url": gettext_lazy("Page address")}
LIST_SHOWN = 20  # an import's event names every grant it created: 20,000 ids would make a row 150 KB
SHORT_TEXT = 80  # longer values are shortened in the line, the whole value a click away
FULL_TEXT = 2000  # and beyond this the CSV export has it
LINES_SHOWN = 6  # more changed fields than this fold behind "n more"
# Keys whose value is a list of things, never a [before, after] pair, even with two items in it.
LIST_KEYS = {
    "created",
    "removed",
    "added",
    "deleted",
    "references",
    "items",
    "recipients",
    "systems",
    "roles",
}
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Format characters that say more than a moment's wall-clock minute (seconds, the zone's name or offset): a
# date format without them writes every moment of a minute alike (``Reading.moment``).
_FINER_THAN_MINUTE = re.compile(r"[sucvUreOTZI\\]")


def _model(object_type: str):
    if "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_name(object_type: str) -> str:
    """``access.reviewitem`` → "Review item"; a type no model has is shown as stored."""
    if object_type in SPECIAL_TYPES:
        return str(SPECIAL_TYPES[object_type])
    model = _model(object_type)
    return capfirst(str(model._meta.verbose_name)) if model else object_type


def object_type_choices(object_types) -> list[tuple[str, str]]:
    """(type, readable name) for the types given, by name; a name two apps share says which app."""
    named = [(kind, object_type_name(kind)) for kind in object_types if kind]
    counts: dict[str, int] = {}
    for _kind, name in named:
        counts[name] = counts.get(name, 0) + 1
    choices = []
    for kind, name in named:
        model = _model(kind)
        if counts[name] > 1 and model is not None:
            name = f"{name} ({model._meta.app_config.verbose_name})"
        choices.append((kind, name))
    return sorted(choices, key=lambda choice: choice[1].lower())


def every_object_type() -> list[str]:
    """Every type an event could name: the installed models and the special types (the API's filter)."""
    return sorted({model._meta.label_lower for model in apps.get_models()} | set(SPECIAL_TYPES))


# --- Changes ---------------------------------------------------------------------------------------------
@dataclass
class Value:
    """A value as a line shows it: ``text`` (shortened when long) and, when shortened, ``full``."""

    text: str
    full: str = ""
    empty: bool = False


@dataclass
class Line:
    """One line of an event's changes: a field that went from ``before`` to ``after`` (``kind="change"``),
    a fact (``"value"``), or a heading over lines of its own (``"group"``: "Created with", "Deleted")."""

    label: str
    kind: str
    before: Value | None = None
    after: Value | None = None
    value: Value | None = None
    lines: list["Line"] = field(default_factory=list)


@dataclass
class Changes:
    """The lines shown at once and those folded behind "n more"."""

    shown: list[Line]
    folded: list[Line]


class _Fields:
    """Labels and choice names of the event's model, looked up by field name (none: the key itself). Each is
    worked out once for the instance: a page keeps one per object type (``Reading``), so fifty rows naming
    the same fields translate each label once."""

    def __init__(self, object_type: str, reading: "Reading"):
        self.model = _model(object_type)
        self.reading = reading
        self._labels: dict[str, str] = {}
        self._choices: dict[str, list | None] = {}
        self._named: dict[tuple, str | None] = {}

    def _field(self, key: str):
        if self.model is None:
            return None
        try:
            return self.model._meta.get_field(key)
        except FieldDoesNotExist:
            return None

    def label(self, key: str) -> str:
        label = self._labels.get(key)
        if label is None:
            label = self._labels[key] = self._label(key)
        return label

    def _label(self, key: str) -> str:
        found = self._field(key)
        name = getattr(found, "verbose_name", None) if found is not None else None
        if name and (isinstance(name, Promise) or key not in FIELD_LABELS):  # a translated name of its own
            return capfirst(str(name))
        if key in FIELD_LABELS:
            return str(FIELD_LABELS[key])
        spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", key).replace("_", " ").strip()
        return capfirst(spaced.lower()) if spaced else key

    def choice(self, key: str, value) -> str | None:
        if isinstance(value, list | dict):
            return None
        if key not in self._choices:
            found = self._field(key)
            choices = getattr(found, "flatchoices", None) if found is not None else None
            self._choices[key] = list(choices) if choices else None
        choices = self._choices[key]
        if not choices:
            return None
        known = (key, type(value), value)  # the type too: True == 1, but "True" is not "1"
        if known not in self._named:
            self._named[known] = next(
                (str(name) for stored, name in choices if stored == value or str(stored) == str(value)), None
            )
        return self._named[known]


class Reading:
    """One page's reading of audit events, in the reader's language: each object type's fields (labels and
    choice names), each action's phrase and each type's name worked out once however many rows repeat them
    (a page of the trail holds fifty). Made for one page and let go: nothing is kept across requests."""

    def __init__(self):
        self._fields: dict[str, _Fields] = {}
        self._phrases: dict[str, str] = {}
        self._type_names: dict[str, str] = {}
        self._moments: dict[tuple, str] = {}

    def fields(self, object_type: str) -> _Fields:
        found = self._fields.get(object_type)
        if found is None:
            found = self._fields[object_type] = _Fields(object_type, self)
        return found

    @cached_property
    def yes(self) -> str:
        return gettext("yes")

    @cached_property
    def no(self) -> str:
        return gettext("no")

    @cached_property
    def created_with(self) -> str:
        return gettext("Created with")

    @cached_property
    def zone(self):
        """The reader's time zone (the page's)."""
        return timezone.get_current_timezone()

    @cached_property
    def datetime_format(self) -> str:
        return formats.get_format("DATETIME_FORMAT")

    @cached_property
    def _by_minute(self) -> bool:
        return not _FINER_THAN_MINUTE.search(self.datetime_format)

    def moment(self, value: datetime.datetime) -> str:
        """A moment as the pages show it (``DATETIME_FORMAT``, as ``dpms.formats.show_datetime``), in the
        page's time zone; the moments of one minute written once when the format shows no seconds."""
        local = value.astimezone(self.zone) if timezone.is_aware(value) else value
        if not self._by_minute:
            return dateformat.format(local, self.datetime_format)
        key = (local.year, local.month, local.day, local.hour, local.minute)
        text = self._moments.get(key)
        if text is None:
            text = self._moments[key] = dateformat.format(local, self.datetime_format)
        return text

    def phrase(self, action: str) -> str:
        phrase = self._phrases.get(action)
        if phrase is None:
            phrase = self._phrases[action] = action_phrase(action)
        return phrase

    def type_name(self, object_type: str) -> str:
        name = self._type_names.get(object_type)
        if name is None:
            name = self._type_names[object_type] = object_type_name(object_type)
        return name


def _text(value, reading: Reading) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return reading.yes if value else reading.no
    if isinstance(value, str):
        if _ISO_MOMENT.match(value):
            moment = parse_datetime(value)
            if moment is not None:
                return reading.moment(moment) if moment.tzinfo else show_date(moment.date())
        if _ISO_DAY.match(value):
            try:
                day = parse_date(value)
            except ValueError:
                day = None
            if day is not None:
                return show_date(day)
        return value
    if isinstance(value, int | float):
        return (
            formats.number_format(value, force_grouping=True)
            if isinstance(value, int) and abs(value) >= 10000
            else str(value)
        )
    if isinstance(value, list):
        shown = ", ".join(_text(item, reading) for item in value[:LIST_SHOWN])
        more = len(value) - LIST_SHOWN
        if more > 0:
            return gettext("%(shown)s and %(more)s more") % {
                "shown": shown,
                "more": formats.number_format(more, force_grouping=True),
            }
        return shown or gettext("none")
    if isinstance(value, dict):
        plain = reading.fields("")
        return "; ".join(f"{plain.label(str(key))}: {_text(item, reading)}" for key, item in value.items())
    if isinstance(value, datetime.datetime):
        return reading.moment(value)
    return str(value)


def _value(fields: _Fields, key: str, value) -> Value:
    named = fields.choice(key, value)
    text = named if named is not None else _text(value, fields.reading)
    if len(text) <= SHORT_TEXT:
        return Value(text, empty=value is None or value == "")
    full = text
    if len(text) > FULL_TEXT:
        full = gettext("%(start)s… (%(count)s characters in all: the CSV export has the whole value)") % {
            "start": text[:FULL_TEXT],
            "count": formats.number_format(len(text), force_grouping=True),
        }
    return Value(f"{text[:SHORT_TEXT].rstrip()}…", full=full)


def _is_pair(key: str, value) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and key not in LIST_KEYS
        and value[0] != value[1]
        and not all(isinstance(item, dict) for item in value)
    )


def _values(fields: _Fields, data: dict) -> list[Line]:
    return [
        Line(fields.label(str(key)), "value", value=_value(fields, str(key), item))
        for key, item in data.items()
    ]


def _lines(reading: Reading, fields: _Fields, changes: dict) -> list[Line]:
    lines: list[Line] = []
    before, after = changes.get("before"), changes.get("after")
    if isinstance(before, dict) and isinstance(
        after, dict
    ):  # a snapshot before and after (a review's scores)
        keys = [*before, *(key for key in after if key not in before)]
        changed = [key for key in keys if before.get(key) != after.get(key)] or keys
        for key in changed:
            lines.append(
                Line(
                    fields.label(key),
                    "change",
                    before=_value(fields, key, before.get(key)),
                    after=_value(fields, key, after.get(key)),
                )
            )
        changes = {key: item for key, item in changes.items() if key not in ("before", "after")}
    for key, item in changes.items():
        key = str(key)
        if key == "created" and isinstance(item, dict):
            lines.append(Line(reading.created_with, "group", lines=_values(fields, item)))
        elif _is_pair(key, item):
            lines.append(
                Line(
                    fields.label(key),
                    "change",
                    before=_value(fields, key, item[0]),
                    after=_value(fields, key, item[1]),
                )
            )
        elif isinstance(item, dict) and item:
            lines.append(Line(fields.label(key), "group", lines=_values(reading.fields(""), item)))
        else:
            lines.append(Line(fields.label(key), "value", value=_value(fields, key, item)))
    return lines


def change_lines(*, action: str, object_type: str, changes: Any, reading: Reading | None = None) -> Changes:
    """An event's changes as lines: an update's fields as before → after, a creation's values under
    "Created with", a deletion's last values under "Deleted", anything else as "field: value". A page of
    events passes its ``reading``, so each label and choice name is worked out once for them all."""
    reading = reading or Reading()
    fields = reading.fields(object_type)
    if not changes:
        lines: list[Line] = []
    elif not isinstance(changes, dict):
        lines = [Line(gettext("Details"), "value", value=_value(fields, "", changes))]
    elif action.endswith(".delete"):
        lines = [Line(gettext("Deleted; it was"), "group", lines=_values(fields, changes))]
    else:
        lines = _lines(reading, fields, changes)
    return Changes(shown=lines[:LINES_SHOWN], folded=lines[LINES_SHOWN:])


# --- Actions in words -------------------------------------------------------------------------------
# An action is stored as dotted parts, "<app>.<object>.<verb>" or "<object>.<verb>"
# (``access.item.decide``): read as the object's words and the verb in the past ("Review item decided").
# Auditors filter by the stored name, so pages show it too; this only reads it for people.

# Whole names the rule reads badly.
ACTION_PHRASES = {
    "auth.sign_in": "Signed in",
    "auth.sign_out": "Signed out",
    "auth.sign_in_failed": "Sign-in failed",
    "auth.break_glass.sign_in": "Signed in with a break-glass account",
    "auth.invitation_accept": "Invitation accepted",
    "auth.password_change": "Password changed",
    "auth.password_reset": "Password reset",
    "auth.password_set": "Password set",
    "auth.mfa.recovery_code_used": "MFA recovery code used",
    "auth.mfa.recovery_codes_generated": "MFA recovery codes generated",
    "login_failed": "Sign-in failed",
    "login_failed_wide": "Sign-ins failed across many accounts",
    "security.access_denied": "Access refused",
    "incident.comment": "Incident comment added",
    "incident.reported": "Incident reported",
    "incident.severity": "Incident severity changed",
    "incident.category": "Incident category changed",
    "incident.handler": "Incident handler changed",
    "incident.confidential": "Incident confidentiality changed",
    "incident.breach_facts": "Incident breach facts recorded",
    "incident.subjects_decision": "Incident data subjects decision recorded",
    "people.user.roles": "User roles changed",
    "people.user.create_superuser": "Superuser created",
    "access.campaign.close_held": "Campaign close held for confirmation",
    "access.campaign.evidence": "Campaign evidence produced",
    "access.mover.review_open": "Mover review opened",
    "incident.breach_marked": "Incident marked as a breach",
    "notifications.preferences_changed": "Notification preferences changed",
}
# "<app>.<object>" (or a lone object) by the name people know it by; the app is otherwise left out.
ACTION_OBJECTS = {
    "access.item": "review item",
    "access.request": "access request",
    "access.policy": "review policy",
    "access.finding": "review finding",
    "incident.followup": "incident follow-up",
    "risk.assessment": "risk assessment",
    "sso.provider": "SSO provider",
    "audit.verification": "audit verification",
    "directory.user": "directory user",
    "directory.group": "directory group",
    "directory.connection": "directory connection",
    "risk.action": "risk action",
    "risk.review": "risk review",
    "risk.category": "risk category",
    "risk.matrix": "risk matrix",
    "risk.acceptance": "risk acceptance",
    "vulnerabilities.policy": "vulnerability policy",
}
# Words written differently in a sentence.
ACTION_WORDS = {
    "mfa": "MFA",
    "sso": "SSO",
    "api": "API",
    "nis2": "NIS2",
    "sbom": "SBOM",
    "csv": "CSV",
    "followup": "follow-up",
}
# A last part that names what changed, not how ("risk.risk.status"): "Risk status changed".
_CHANGED_NOUNS = {"status", "roles", "severity", "category", "handler", "owner"}
_PAST = {
    "add": "added",
    "begin": "begun",
    "end": "ended",
    "enrol": "enrolled",
    "hold": "held",
    "map": "mapped",
    "open": "opened",
    "reopen": "reopened",
    "reset": "reset",
    "run": "run",
    "seed": "seeded",
    "send": "sent",
    "set": "set",
    "submit": "submitted",
    "time_box": "time-boxed",
    "withdraw": "withdrawn",
}
_VERBS = set(_PAST) | {
    "accept", "acknowledge", "activate", "approve", "assign", "change", "close", "confirm", "create",
    "deactivate", "decide", "delete", "disable", "dismiss", "enable", "escalate", "expire", "finish",
    "generate", "import", "invite", "launch", "link", "mark", "move", "notify", "reactivate", "reassign",
    "record", "reject", "remove", "request", "resolve", "revoke", "rotate", "share", "triage", "unlink",
    "unshare", "update", "verify", "review",
}  # fmt: skip


def _past(verb: str) -> str:
    if verb in _PAST:
        return _PAST[verb]
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


def _words(text: str) -> list[str]:
    return [ACTION_WORDS.get(word, word) for word in text.split("_") if word]


def action_phrase(action: str) -> str:
    """``access.item.decide`` → "Review item decided"; ``auth.mfa.enrol`` → "MFA enrolled". A name that
    does not split into object and verb is shown as stored. In the reader's language when the phrase is
    one of ``dpms.audit_phrases.PHRASES``."""
    phrase = _english_phrase(action)
    return str(PHRASES.get(phrase, phrase))


def _english_phrase(action: str) -> str:
    if action in ACTION_PHRASES:
        return ACTION_PHRASES[action]
    parts = [part for part in action.split(".") if part]
    if len(parts) < 2:
        return action
    *objects, last = parts
    key = ".".join(objects)
    if key in ACTION_OBJECTS:
        subject = ACTION_OBJECTS[key].split(" ")
    else:
        if len(objects) > 1:
            objects = objects[1:]  # "risk.risk", "people.user": the app says nothing the object does not
        subject = [word for part in objects for word in _words(part)]
    words = _words(last)
    if last in _VERBS:  # a verb of its own ("time_box")
        done = [_past(last)]
    elif words and words[0] in _VERBS:  # "rotate_token": token rotated
        done = [*words[1:], _past(words[0])]
    elif words and words[-1] in _VERBS:  # "breach_mark": breach marked
        done = [*words[:-1], _past(words[-1])]
    elif words and words[-1] in _CHANGED_NOUNS:
        done = [*words, "changed"]
    else:  # already a state ("disabled", "attachment_added") or a noun
        done = words
    return capfirst(" ".join([*subject, *done]))
