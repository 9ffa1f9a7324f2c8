"""Notifications in the app, the email outbox, and digests.

``notify`` and ``email`` are called inside the business transaction: the rows commit with the change, and
the send task is enqueued only after commit. A unique de-duplication key makes a repeated call a no-op, so
a tick that runs twice never notifies twice. The outbox sweep re-enqueues rows whose enqueue was lost.

Every notification is of a kind (``KINDS``, named by its key's prefix): a person may take a kind in the app
only, and is then not emailed (``NotificationPreference``); security notices are emailed whatever they
chose. A notification may name its ``topic`` (what it asks of the person); ``withdraw`` marks it done
when that is settled.

Every text handed in (subject, body, a digest's intro and items) may be a plain string, a lazy translation
(``gettext_lazy``, ``format_lazy``) or a function of the recipient: each is written down in the
**recipient's** language (``language_of``), so one digest reaches a German and an English reader each in
their own words. ``local_time`` writes a moment as the recipient reads it, in their language and zone.
"""

import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Coalesce
from django.utils import dateformat, formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dpms import audit
from dpms.copying import copy_rows, copy_text
from dpms.enqueue import enqueue
from dpms.models import Notification, NotificationPreference, OutboxEmail, User
from dpms.tasks import enqueue_batches, send_outbox_email

log = logging.getLogger(__name__)

# A text of a notification or an e-mail: written out in the recipient's language when it is stored.
Text = str | Promise | Callable[[User], str]


def language_of(person: User | None) -> str:
    """The language ``person`` reads their notifications and e-mails in: their own choice, else the
    installation's (``LANGUAGE_CODE``). No person (an address only): the language active now."""
    if person is None:
        return translation.get_language() or settings.LANGUAGE_CODE
    chosen = getattr(person, "language", "") or ""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _text(text: Text, person: User | None) -> str:
    """``text`` written out in the active language: a function is asked with the person."""
    if callable(text) and not isinstance(text, (str, Promise)):
        return str(text(person))  # type: ignore[arg-type]  # only ever called with a person
    return str(text)


def render(text: Text, person: User | None) -> str:
    """``text`` as ``person`` reads it (their language, ``language_of``)."""
    with translation.override(language_of(person)):
        return _text(text, person)


@dataclass(frozen=True)
class Kind:
    """A kind of notification a person may take in the app only, unless it is ``security``: those are
    always emailed too (someone may be signing in as them, or something waits on them alone)."""

    key: str
    label: str | Promise
    about: str | Promise
    prefixes: tuple[str, ...]  # the de-duplication keys' prefixes the services write for this kind
    security: bool = False


KINDS = (
    Kind(
        "security",
        gettext_lazy("Account security"),
        gettext_lazy("Break-glass sign-ins, changes to your second factors, a broken audit trail."),
        ("break-glass:", "audit-broken:"),
        security=True,
    ),
    Kind(
        "escalations",
        gettext_lazy("Escalations and breach deadlines"),
        gettext_lazy(
            "Incidents, access reviews and revocations overdue and now waiting on you; a personal-data "
            "breach's 72-hour clock and the NIS2 deadlines."
        ),
        (
            "escalation:",
            "access-escalation:",
            "access-revocation-escalation:",
            "incident:",
            "vulnerability-escalation:",
            "policy-escalation:",
        ),
        security=True,
    ),
    Kind(
        "access-reviews",
        gettext_lazy("Access reviews"),
        gettext_lazy(
            "Reminders of the reviews you owe (the review has started, is due, overdue), items moved to you."
        ),
        (
            "access-reminder:",
            "access-mover:",
            "access-item-reassign:",
            "access-override:",
            "access-close-confirm:",
        ),
    ),
    Kind(
        "access-revocations",
        gettext_lazy("Access to revoke"),
        gettext_lazy("Revocation tasks after a review or a leaver, and overdue ones."),
        ("access-revocation-", "access-leaver:"),
    ),
    Kind(
        "access-requests",
        gettext_lazy("Access requests and temporary access"),
        gettext_lazy("Requests to approve and their answers; temporary access ending."),
        ("access-request:", "access-expiry:", "access-expired:"),
    ),
    Kind(
        "risks",
        gettext_lazy("Risks"),
        gettext_lazy("Periodic reviews due, treatment actions, acceptances to approve and ending."),
        ("risk-",),
    ),
    Kind(
        "vulnerabilities",
        gettext_lazy("Vulnerabilities"),
        gettext_lazy("Vulnerabilities you own that reach their remediation deadline soon, or are past it."),
        ("vulnerability-reminder:", "vulnerability-overdue:"),
    ),
    Kind(
        "policies",
        gettext_lazy("Policies"),
        gettext_lazy(
            "Policies to read and acknowledge (reminders until you have), follow-ups of “no” answers."
        ),
        ("policy-reminder:", "policy-follow-up"),
    ),
    Kind(
        "incidents",
        gettext_lazy("Incidents"),
        gettext_lazy(
            "Incidents reported, assigned or shared with you, news on those you reported, follow-up actions."
        ),
        ("incident-",),
    ),
)
KIND_BY_KEY = {kind.key: kind for kind in KINDS}
# Keyless notices (a second factor added or reset) and any prefix not listed: always emailed.
OTHER = Kind(
    "other", gettext_lazy("Other notices"), gettext_lazy("Your account and invitations."), (), security=True
)


def kind_of(dedup_key: str | None) -> Kind:
    """The kind of the notification written under ``dedup_key`` (the longest matching prefix wins)."""
    if not dedup_key:
        return OTHER
    best, length = OTHER, 0
    for kind in KINDS:
        for prefix in kind.prefixes:
            if dedup_key.startswith(prefix) and len(prefix) > length:
                best, length = kind, len(prefix)
    return best


def _emailed(pairs: Iterable[tuple[int, Kind]]) -> set[tuple[int, str]]:
    """Of ``(person id, kind)`` pairs, those the person took in the app only (one query, none when every kind
    is a security one). Security kinds are never in the answer, whatever a row says."""
    wanted = {(person, kind.key) for person, kind in pairs if not kind.security}
    if not wanted:
        return set()
    rows = NotificationPreference.objects.filter(
        user_id__in={person for person, _ in wanted}, kind__in={kind for _, kind in wanted}, email=False
    ).values_list("user_id", "kind")
    return set(rows) & wanted


def email_choices(user: User) -> dict[str, bool]:
    """Per kind a person may choose (not the security ones), whether they are emailed. One query."""
    in_app_only = set(
        NotificationPreference.objects.filter(user=user, email=False).values_list("kind", flat=True)
    )
    return {kind.key: kind.key not in in_app_only for kind in KINDS if not kind.security}


@transaction.atomic
def preferences_set(*, user: User, emailed: dict[str, bool]) -> None:
    """Keep a person's choice per kind (``emailed``: kind key → email too, or in the app only). Security
    kinds and unknown keys are refused: those are always emailed. Audited, as a person's settings are."""
    choosable = {kind.key for kind in KINDS if not kind.security}
    if not set(emailed) <= choosable:
        raise ValueError(f"Not a kind of notification one may choose: {sorted(set(emailed) - choosable)}")
    before = email_choices(user)
    NotificationPreference.objects.filter(user=user, kind__in=list(emailed)).delete()
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=kind, email=False)
            for kind, email in emailed.items()
            if not email
        ]
    )
    changed = {kind: [before[kind], email] for kind, email in emailed.items() if before[kind] != email}
    if changed:
        audit.record(action="notifications.preferences_changed", actor=user, obj=user, changes=changed)


def local_time(moment, person: User) -> str:
    """``moment`` as ``person`` reads it: in their time zone (else the installation's) and their language's
    format, the zone named ("21 Dec 2026, 17:00 CET", "21.12.2026 17:00 CET"). A notification's text is
    written once: this is how it says a time in its reader's zone and words."""
    try:
        zone = zoneinfo.ZoneInfo(person.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    with translation.override(language_of(person)):
        return dateformat.format(moment.astimezone(zone), f"{formats.get_format('DATETIME_FORMAT')} T")


def topic_key(about: models.Model | str) -> str:
    """The topic naming ``about``: a row (``access.reviewcampaign:12``), or a key of the caller's as it is."""
    if isinstance(about, str):
        return about
    return f"{about._meta.label_lower}:{about.pk}"


def withdraw(about: models.Model | str, *, recipients: Iterable[User | int] | None = None) -> int:
    """What the notifications about ``about`` asked is settled: mark the open ones done, and read (they no
    longer count as unread), for everyone or only ``recipients``: people, ids, or a queryset of people (a
    subquery: "those with nothing left to do" costs no query of its own). One UPDATE, in the caller's
    transaction; notifications written after it are left open. Returns how many were marked."""
    topic = topic_key(about)
    if not topic:
        raise ValueError("withdraw() needs a topic: an empty one would name every notification without one.")
    now = timezone.now()
    rows = Notification.objects.filter(topic=topic, done_at__isnull=True)
    if isinstance(recipients, models.QuerySet):
        rows = rows.filter(recipient__in=recipients.values("pk"))  # a subquery of the same UPDATE
    elif recipients is not None:
        rows = rows.filter(recipient__in=[getattr(person, "pk", person) for person in recipients])
    return rows.update(done_at=now, read_at=Coalesce("read_at", models.Value(now)))


def _email_subject(subject: str) -> str:
    return " ".join(subject.split())[:250]  # one line: a line break in a header is refused when sending


def _email_body(body: str, link: str) -> str:
    """The notification's text, with its link made absolute below it."""
    url = _absolute(link)
    return f"{body}\n\n{url}".strip() if url else body


def email(*, to: str, subject: Text, body: Text, dedup_key: str, recipient=None) -> OutboxEmail | None:
    """Write one outbox row; returns None when a row with this key exists already (nothing is sent twice).
    Subject and body are written in ``recipient``'s language (no recipient: the language active now)."""
    with translation.override(language_of(recipient)):
        subject, body = _email_subject(_text(subject, recipient)), _text(body, recipient)
    try:
        with transaction.atomic():
            message = OutboxEmail.objects.create(
                dedup_key=dedup_key, to=to, recipient=recipient, subject=subject, body=body
            )
    except IntegrityError:
        return None
    message_id = message.pk
    transaction.on_commit(lambda: _enqueue(message_id))
    return message


def _enqueue(message_id: int) -> None:
    """Runs after commit: one attempt (``dpms.enqueue``), so a broker that is down neither fails nor holds
    up a request whose change is committed; the sweep sends the row later, nothing is lost."""
    enqueue(send_outbox_email, [message_id])


def notify(
    *,
    recipient,
    subject: Text,
    body: Text = "",
    link: str = "",
    dedup_key: str | None = None,
    send_email: bool = True,
    topic: models.Model | str = "",
    email_link: str | None = None,
) -> Notification | None:
    """Tell one person in the app, and by email unless ``send_email`` is false or they take this kind of
    notification in the app only. Idempotent per ``dedup_key``: a repeated call returns None and creates
    neither a notification nor an email. ``topic``: what it asks of them (``withdraw`` settles it).
    ``email_link``: the link below the email's text, when not ``link`` (a digest's lines carry theirs).
    Subject and body are written in the recipient's language."""
    with translation.override(language_of(recipient)):
        subject, body = _text(subject, recipient), _text(body, recipient)
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                recipient=recipient,
                subject=subject[:200],
                body=body,
                link=link,
                dedup_key=dedup_key,
                topic=topic_key(topic),
            )
    except IntegrityError:
        return None
    if (
        send_email
        and recipient.is_active
        and recipient.email
        and not _emailed([(recipient.pk, kind_of(dedup_key))])
    ):
        email(
            to=recipient.email,
            recipient=recipient,
            subject=subject,
            body=_email_body(body, link if email_link is None else email_link),
            dedup_key=f"notification:{note.pk}",
        )
    return note


def notify_each_once(
    people: Iterable[User | None],
    *,
    subject: Text,
    body: Text = "",
    link: str = "",
    dedup_key: str,
    topic: models.Model | str = "",
) -> list[User]:
    """``notify`` each active person in ``people`` once, under ``dedup_key`` plus their id; ``None`` and
    repeats in ``people`` are passed over. Returns the people newly told (not those told before under the
    same key), in the order given."""
    told: list[User] = []
    seen: set[int] = set()
    for person in people:
        if person is None or not person.is_active or person.pk in seen:
            continue
        seen.add(person.pk)
        key = f"{dedup_key}:{person.pk}"
        if notify(recipient=person, subject=subject, body=body, link=link, dedup_key=key, topic=topic):
            told.append(person)
    return told


@dataclass(frozen=True)
class Message:
    """One notification ``notify_many`` writes: the arguments of ``notify`` (texts in any ``Text`` form)."""

    recipient: User
    subject: Text
    body: Text
    link: str
    dedup_key: str
    topic: str = ""
    email_link: str | None = None  # below the email's text; None: ``link``


BULK_BATCH = 1000


def notify_many(messages: list[Message]) -> int:
    """``notify`` for many people at once (a tick's digests): the notifications and their emails are
    written in batches, and sent in batches (``dpms.tasks.enqueue_batches``, after commit); a key used
    before is passed over, as by ``notify``. Returns how many were new. Should another transaction write
    one of the keys meanwhile, the batch falls back to ``notify`` one by one, which passes over that one.
    Each message is written in its recipient's language."""
    messages = [_written(m) for m in messages]
    sent = 0
    for start in range(0, len(messages), BULK_BATCH):
        batch = messages[start : start + BULK_BATCH]
        used = set(
            Notification.objects.filter(dedup_key__in=[m.dedup_key for m in batch]).values_list(
                "dedup_key", flat=True
            )
        )
        new = [m for m in batch if m.dedup_key not in used]
        try:
            with transaction.atomic():
                sent += _write_many(new)
        except IntegrityError:
            sent += sum(
                notify(
                    recipient=m.recipient,
                    subject=m.subject,
                    body=m.body,
                    link=m.link,
                    dedup_key=m.dedup_key,
                    topic=m.topic,
                    email_link=m.email_link,
                )
                is not None
                for m in new
            )
    return sent


def _written(message: Message) -> Message:
    """``message`` with its texts written out in its recipient's language (as they are stored)."""
    if isinstance(message.subject, str) and isinstance(message.body, str):
        return message
    with translation.override(language_of(message.recipient)):
        subject, body = _text(message.subject, message.recipient), _text(message.body, message.recipient)
    return replace(message, subject=subject, body=body)


def _write_many(messages: list[Message]) -> int:
    notes = _insert(
        [
            Notification(
                recipient=m.recipient,
                subject=str(m.subject)[:200],
                body=str(m.body),
                link=m.link,
                dedup_key=m.dedup_key,
                topic=m.topic,
            )
            for m in messages
        ]
    )
    in_app_only = _emailed((m.recipient.pk, kind_of(m.dedup_key)) for m in messages)
    emails = _insert(
        [
            OutboxEmail(
                dedup_key=f"notification:{note.pk}",
                to=m.recipient.email,
                recipient=m.recipient,
                subject=_email_subject(str(m.subject)),
                body=_email_body(str(m.body), m.link if m.email_link is None else m.email_link),
            )
            for note, m in zip(notes, messages, strict=True)
            if m.recipient.is_active
            and m.recipient.email
            and (m.recipient.pk, kind_of(m.dedup_key).key) not in in_app_only
        ]
    )
    ids = [message.pk for message in emails]
    transaction.on_commit(lambda: enqueue_batches(ids))
    return len(notes)


Keyed = TypeVar("Keyed", Notification, OutboxEmail)


def _insert(rows: list[Keyed]) -> list[Keyed]:
    """Insert ``rows`` and give them their ids: ``bulk_create``, except on PostgreSQL, where COPY takes the
    rows as they are and their ids are read back by their unique ``dedup_key``. A digest's body is a few
    kilobytes: as one INSERT's parameters, a thousand of them are quoted into one statement (or a text
    array) that the server then parses again, about three times the cost of COPY. A key used already fails
    the whole COPY with an ``IntegrityError``, as it fails ``bulk_create``."""
    if not rows:
        return rows
    model = type(rows[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(rows)
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    lines = (
        "\t".join(
            copy_text(field.get_db_prep_save(field.pre_save(row, True), connection)) for field in fields
        )
        for row in rows
    )
    copy_rows(model, [field.column for field in fields], ["\n".join(lines) + "\n"])
    ids = dict(
        model.objects.filter(dedup_key__in=[row.dedup_key for row in rows])
        .order_by()
        .values_list("dedup_key", "pk")
    )
    for row in rows:
        row.pk = ids[row.dedup_key]
        row._state.adding = False
    return rows


def _absolute(link: str) -> str:
    return f"{settings.SITE_URL}{link}" if link.startswith("/") else link


@dataclass(frozen=True)
class DigestItem:
    """One line of a digest: what the person owes, and where to do it."""

    recipient: User
    text: Text
    link: str = ""


DIGEST_MAX_ITEMS = 50  # a digest lists this many items at most, and links to the rest


def digest(
    *,
    items: Iterable[DigestItem],
    subject: Text,
    intro: Text,
    dedup_prefix: str,
    more_link: str = "",
    topic: models.Model | str = "",
) -> int:
    """One notification and one email per recipient listing their items. Returns how many were new.

    ``dedup_prefix`` names the occasion (for example ``access-reminders:2026-11-28``): a recipient gets at
    most one digest per occasion, however often this runs. A digest lists at most ``DIGEST_MAX_ITEMS``
    items and then says how many more there are, with ``more_link`` (else the first item's link) where
    they are all listed; the subject counts them all. ``topic``: what the digests ask (``withdraw``).
    Each digest is written in its recipient's language, its items' texts too.
    """
    grouped: dict[User, list[DigestItem]] = defaultdict(list)
    counts: dict[User, int] = defaultdict(int)
    for item in items:
        counts[item.recipient] += 1
        if counts[item.recipient] <= DIGEST_MAX_ITEMS:
            grouped[item.recipient].append(item)
    occasion = _Occasion(
        subject=subject, intro=intro, dedup_prefix=dedup_prefix, more_link=more_link, topic=topic_key(topic)
    )
    messages = []
    for recipient, owed in grouped.items():
        with translation.override(language_of(recipient)):
            lines = [
                f"- {_text(item.text, recipient)}" + (f" ({_absolute(item.link)})" if item.link else "")
                for item in owed
            ]
            messages.append(
                occasion.message(
                    recipient,
                    lines,
                    count=counts[recipient],
                    first_link=owed[0].link,
                    shared_link=owed[0].link if len({item.link for item in owed}) == 1 else "",
                )
            )
    return notify_many(messages)


@dataclass(frozen=True)
class Digest:
    """One person's digest, for a caller that reads each person's items already grouped: the texts of their
    first items (at most ``DIGEST_MAX_ITEMS`` are listed), all with one ``link``, and how many they owe."""

    recipient: User
    texts: Sequence[Text]
    total: int
    link: str = ""


def digest_each(
    digests: Iterable[Digest],
    *,
    subject: Text,
    intro: Text,
    dedup_prefix: str,
    more_link: str = "",
    topic: models.Model | str = "",
) -> int:
    """``digest`` for digests read already grouped by person (a tick reminding thousands of people of tens of
    thousands of items: no object per item). The same messages, under the same rules and keys. ``intro`` may
    be worded for each person (a deadline in their time zone: ``local_time``)."""
    occasion = _Occasion(
        subject=subject, intro=intro, dedup_prefix=dedup_prefix, more_link=more_link, topic=topic_key(topic)
    )
    messages = []
    for each in digests:
        after = f" ({_absolute(each.link)})" if each.link else ""
        with translation.override(language_of(each.recipient)):
            lines = [f"- {_text(text, each.recipient)}{after}" for text in each.texts[:DIGEST_MAX_ITEMS]]
            messages.append(
                occasion.message(
                    each.recipient, lines, count=each.total, first_link=each.link, shared_link=each.link
                )
            )
    return notify_many(messages)


@dataclass(frozen=True)
class _Occasion:
    """What the digests of one occasion share: how each is worded, and its key."""

    subject: Text
    intro: Text
    dedup_prefix: str
    more_link: str
    topic: str = ""

    def message(
        self, recipient: User, lines: list[str], *, count: int, first_link: str, shared_link: str = ""
    ) -> Message:
        """The digest of ``count`` items, the first of them in ``lines`` (formatted, at most the maximum).
        Its link in the app: the one item, else where they are all listed (``more_link``, or the link the
        items share). Written in the language active now (the caller's ``override`` for the recipient)."""
        count = max(count, len(lines))
        if count > len(lines):
            where = self.more_link or first_link
            more = _("… and %(count)s more") % {"count": count - len(lines)}
            lines = [*lines, f"- {more}" + (f": {_absolute(where)}" if where else ".")]
        subject = ngettext("%(subject)s (%(count)s item)", "%(subject)s (%(count)s items)", count) % {
            "subject": _text(self.subject, recipient),
            "count": count,
        }
        return Message(
            recipient=recipient,
            subject=subject,
            body=f"{_text(self.intro, recipient)}\n\n" + "\n".join(lines),
            link=first_link if count == 1 else self.more_link or shared_link,
            email_link=first_link if count == 1 else "",  # the lines link each item, and the rest
            dedup_key=f"{self.dedup_prefix}:{recipient.pk}",
            topic=self.topic,
        )


def digest_recipients(items, *, person_field: str | Sequence[str], dedup_prefix: str):
    """The active people named by ``person_field`` (one field, or several: a reviewer and the person an
    item was escalated to) in ``items`` who have no digest yet under ``dedup_prefix``, by id: a queryset,
    nothing read yet. People already told are left out before any item is read."""
    told = Notification.objects.filter(dedup_key__startswith=f"{dedup_prefix}:").values("recipient_id")
    fields = [person_field] if isinstance(person_field, str) else list(person_field)
    # "Not null" changes nothing in the answer, but lets PostgreSQL read a field that is mostly empty (the
    # person an item was escalated to) through its index instead of scanning every item.
    named = [items.filter(**{f"{field}__isnull": False}).order_by().values(field) for field in fields]
    # One IN over the UNION of the fields, not one IN per field joined by OR: PostgreSQL cannot turn an OR of
    # INs into a join, and when the ids of 100,000 items do not fit in its hash table it checks every person
    # against every item instead (seen: 49 s for a tick with nothing to send).
    people = named[0].union(*named[1:]) if len(named) > 1 else named[0]
    return User.objects.filter(pk__in=people, is_active=True).exclude(pk__in=told).order_by("pk")


def claim_digest_recipients(items, *, person_field: str | Sequence[str], dedup_prefix: str) -> list[int]:
    """The ids of ``digest_recipients``, locked for this transaction (``skip_locked``: another worker takes
    the others).

    Whole people are claimed, not their items: no digest lists only part of someone's items while another
    worker, holding the rest, is refused by the occasion's key. A tick with nothing new costs two queries.
    """
    return list(
        digest_recipients(items, person_field=person_field, dedup_prefix=dedup_prefix)
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
