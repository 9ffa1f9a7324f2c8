"""Mover events: when a person's manager or team changes, their privileged access is reviewed at once by the
new manager, in a small campaign of its own (kind "mover", no policy), instead of waiting for the next
scheduled review. A team change adds the birthright grants the new team does not give (access that came
with the old team).

``dpms.services.user_update`` tells us through ``dpms.portal.register_person_listener`` (dpms knows no
domain app), inside its transaction: the review opens with the change, or neither happens.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from access.choices import CampaignKind, CampaignStatus, GrantSource, ReviewerRule
from access.models import Grant, ReviewCampaign, ReviewItem, ReviewPolicy
from access.services.birthright import birthright_roles
from access.services.campaigns import population_sha256, review_item
from access.services.routing import route
from access.services.tallies import tally_recount
from dpms import audit, notify
from dpms.formats import show_date
from dpms.models import PortalRole, User

MOVER_REVIEW_DAYS = 14


def _fallback_reviewer(person: User) -> User | None:
    """A security officer other than the person; an admin when there is none; None when nobody is left."""
    officer = User.objects.security_officers().exclude(pk=person.pk).first()
    if officer is not None:
        return officer
    return User.objects.holding(PortalRole.ADMIN).exclude(pk=person.pk).first()


def _queue_link() -> str:
    try:
        return reverse("access:review_queue")
    except NoReverseMatch:  # the queue page not wired: the notification still says what to do
        return ""


@transaction.atomic
def mover_review_open(*, user, before: dict, actor, now=None) -> ReviewCampaign | None:
    """Open a one-item-per-grant review of ``user``'s active privileged grants (and, after a team change, of
    their birthright grants the new team does not give) for their new manager, when their manager or team
    changed (``before`` holds ``manager_id`` and ``team_id`` as they were).

    Returns None, and does nothing, when neither changed or the person holds no such grant. When the
    new manager is missing, inactive or the person themselves, a security officer reviews (the item says
    why).
    """
    manager_changed = before.get("manager_id") != user.manager_id
    team_changed = before.get("team_id") != user.team_id
    if not (manager_changed or team_changed):
        return None
    under_review = Q(role__privileged=True)
    if team_changed:
        # Birthright of the old team: given as birthright, and not a role the new team's joiners get.
        under_review |= Q(source=GrantSource.BIRTHRIGHT) & ~Q(role_id__in=birthright_roles(user.team_id))
    grants = list(
        Grant.objects.active()
        .filter(under_review, user=user)
        .select_related("user", "role__system", "granted_by")
        .order_by("role__system__name", "role__name")
    )
    if not grants:
        return None
    fallback = _fallback_reviewer(user)
    new_manager = User.objects.filter(pk=user.manager_id).first() if user.manager_id else None
    if fallback is None and (new_manager is None or not new_manager.is_active):
        return None  # nobody at all could review: an installation without officers or admins
    # The routing rules of every review: the manager reviews, except themselves, a missing or inactive one.
    rule = ReviewPolicy(reviewer_rule=ReviewerRule.MANAGER, fallback_reviewer=fallback or new_manager)
    reviewer, note = route(policy=rule, grant=grants[0], holder=user, security_officer=fallback)

    now = now or timezone.now()
    campaign = ReviewCampaign.objects.create(
        kind=CampaignKind.MOVER,
        policy=None,
        name=f"Mover review: {user}, {formats.date_format(timezone.localtime(now), 'DATE_FORMAT')}",
        period_key=f"mover-{user.pk}-{now:%Y%m%dT%H%M%S%f}"[:40],
        status=CampaignStatus.OPEN,
        launched_by=actor if getattr(actor, "is_authenticated", False) else None,
        launched_at=now,
        due_at=now + datetime.timedelta(days=MOVER_REVIEW_DAYS),
        population_count=len(grants),
        population_sha256=population_sha256(
            (g.pk, g.user.email, g.role.system.name, g.role.name) for g in grants
        ),
        items_created=len(grants),
    )
    ReviewItem.objects.bulk_create(
        [
            review_item(campaign=campaign, grant=g, reviewer=reviewer, routing_note=note, now=now)
            for g in grants
        ]
    )
    tally_recount(campaign_id=campaign.pk)
    audit.record(
        action="access.mover.review_open",
        actor=actor,
        obj=campaign,
        changes={
            "person": user.email,
            "manager": [_email(before.get("manager_id")), new_manager.email if new_manager else None],
            "team_id": [before.get("team_id"), user.team_id],
            "reviewer": reviewer.email,
            "routing_note": note,
            "items": [f"{g.role.system.name} · {g.role.name}" for g in grants],
            "population_count": len(grants),
            "population_sha256": campaign.population_sha256,
        },
    )
    count = len(grants)
    notify.notify(
        recipient=reviewer,
        subject=format_lazy(gettext_lazy("Review {person}'s access after their move"), person=str(user)),
        body=lambda person: _mover_body(user=user, count=count, due_at=campaign.due_at, note=note),
        link=_queue_link(),
        dedup_key=f"access-mover:{campaign.pk}:{reviewer.pk}",
    )
    return campaign


def _mover_body(*, user, count: int, due_at, note: str) -> str:
    """The reviewer's notice of a mover review, in the language active when notify writes it (theirs)."""
    text = ngettext(
        "%(person)s has a new manager or team. Please confirm they still need this grant (privileged, or "
        "given by their old team's birthright) by %(date)s.",
        "%(person)s has a new manager or team. Please confirm they still need these %(count)d grants "
        "(privileged, or given by their old team's birthright) by %(date)s.",
        count,
    ) % {"person": user, "count": count, "date": show_date(due_at)}
    if note:
        text += "\n\n" + _("You have this review because %(note)s.") % {"note": note}
    return text


def _email(user_id) -> str | None:
    if user_id is None:
        return None
    return User.objects.filter(pk=user_id).values_list("email", flat=True).first()


def on_person_changed(*, user, before: dict, actor) -> None:
    """Person listener (``dpms.portal.register_person_listener``)."""
    mover_review_open(user=user, before=before, actor=actor)
