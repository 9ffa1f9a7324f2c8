"""Pages of the access review: the reviewer's queue (a compact table decided row by row in place, by keyboard
too), one review item, decisions, bulk keep, accepting recommendations, reassignment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from access.choices import Decision
from access.forms.reviews import (
    AcceptRecommendationsForm,
    BulkKeepForm,
    ItemDecisionForm,
    QueueFilterForm,
    ReassignForm,
)
from access.models import ReviewItem
from access.queries import reviews as queries
from access.services import reviews as services
from dpms import charts
from dpms.forms import add_service_errors
from dpms.paging import deferred_page, query_without_page

# One compact row per item: 100 a page holds a manager's whole queue (45 items fit in two laptop screens).
PAGE_SIZE = 100
HISTORY_LIMIT = 100


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _url_for_any_item(name: str):
    """``reverse(name, args=[pk])`` for every pk from one ``reverse``: a page of 100 rows links each row three
    times, and reversing is most of what a row's links cost."""
    sample = 987654321
    head, tail = reverse(name, args=[sample]).rsplit(str(sample), 1)
    return lambda pk: f"{head}{pk}{tail}"


def _row_words() -> dict:
    """The words every row of the queue repeats, translated once a page (not once a row)."""
    return {
        "deactivated": _("deactivated"),
        "never_signed_in": _("never signed in"),
        "privileged": _("Privileged"),
        "no_recommendation": _("No recommendation"),
        "bulk": _("bulk"),
        "keep": _("Keep"),
        "revoke": pgettext("access", "Revoke"),
        "more": _("More"),
        "cancel": _("Cancel"),
    }


def _queue_rows(items, *, selected=frozenset()) -> list[dict]:
    """What each row of the queue shows (``_row.html``), worked out once a row in Python: its words in the
    reader's language, its links and dates. A manager's page holds 100 rows; the template language did the
    same work several times slower (a lookup, a filter and a translation per value)."""
    decide_url = _url_for_any_item("access:review_item_decide")
    row_url = _url_for_any_item("access:review_item_row")
    item_url = _url_for_any_item("access:review_item")
    decisions = {value: str(label) for value, label in Decision.choices}
    recommendations = {
        value: str(label) for value, label in ReviewItem._meta.get_field("recommendation").flatchoices
    }
    recommended, reasons = {}, {}
    never_used = _("last used never")

    def recommendation_text(item) -> str:
        label = recommendations.get(item.recommendation, item.recommendation)
        if item.recommended_decision == Decision.REVOKE:
            return _("Revoke: %(recommendation)s") % {"recommendation": label}
        if item.recommended_decision == Decision.KEEP:
            return _("Keep: %(recommendation)s") % {"recommendation": label}
        return label

    rows = []
    for item in items:
        holder, decision = item.holder, decisions.get(item.decision, item.decision)
        last_login = timezone.localtime(holder.last_login) if holder.last_login else None
        granted_at = timezone.localtime(item.granted_at)
        if item.recommendation and item.recommendation not in recommended:
            recommended[item.recommendation] = recommendation_text(item)
        if item.recommendation_reason and item.recommendation_reason not in reasons:
            reasons[item.recommendation_reason] = item.recommendation_reason_read
        last_used = ""
        if item.system.is_portal:
            last_used = (
                _("last used %(date)s") % {"date": formats.date_format(last_login, "DATE_FORMAT")}
                if last_login
                else never_used
            )
        rows.append(
            {
                "pk": str(item.pk),  # as text: a number in a template goes through localisation, 5 a row
                "holder_id": item.holder_id,
                "pending": item.decision == Decision.PENDING,
                "decision": item.decision,
                "decision_label": decision,
                "label": f"{item.holder_label}: {item.system_name} · {item.role_name}, {decision.lower()}",
                "select_label": _("Select %(system)s · %(role)s of %(holder)s")
                % {"system": item.system_name, "role": item.role_name, "holder": item.holder_label},
                "checked": item.pk in selected,
                "holder_label": item.holder_label,
                "name": holder.full_name or item.holder_label,
                "active": holder.is_active,
                "seen": _("signed in %(since)s ago") % {"since": timesince(last_login)} if last_login else "",
                "privileged": item.privileged,
                "system_name": item.system_name,
                "role_name": item.role_name,
                "granted_iso": granted_at.isoformat(),
                "granted_date": formats.date_format(granted_at, "DATE_FORMAT"),
                "granted_by": _("by %(person)s") % {"person": item.granted_by_label}
                if item.granted_by_label
                else "",
                "last_used": last_used,
                "recommendation": recommended.get(item.recommendation, ""),
                "recommendation_class": item.recommended_decision or "look",
                "reason": reasons.get(item.recommendation_reason, ""),
                "bulk": item.bulk,
                "justification": item.justification,
                "keep_pressed": "true" if item.decision == Decision.KEEP else "false",
                "revoke_pressed": "true" if item.decision == Decision.REVOKE else "false",
                "decide_url": decide_url(item.pk),
                "row_url": row_url(item.pk),
                "item_url": item_url(item.pk),
            }
        )
    return rows


def _queue_filters(request):
    """The filter form and the filters it asks for (None when refused). The page shows pending items unless
    the person asks for decided ones or all, grouped by person."""
    form = QueueFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return form, None
    filters = dict(form.cleaned_data) if form.is_bound else {}
    filters["state"] = filters.get("state") or "pending"
    filters["sort"] = filters.get("sort") or "holder"
    return form, filters


def _render_queue(request, *, bulk_form=None, status=200):
    user = request.user
    form, filters = _queue_filters(request)
    if filters is None:
        items, acceptable = queries.queue_for_user(user).none(), 0
    else:
        items = queries.queue_table(user, **filters)
        acceptable = queries.acceptable_in_queue(user, **filters).count()
    page, query = deferred_page(items, PAGE_SIZE, request.GET.get("page")), query_without_page(request)
    # A refused batch keeps its rows ticked, so the person corrects the justification and sends it again.
    ticked = bulk_form.data.getlist("items") if bulk_form is not None else []
    selected = {int(pk) for pk in ticked if pk.isdigit()}
    context = {
        "form": form,
        "page": page,
        "rows": _queue_rows(page.object_list, selected=selected),
        "words": _row_words(),
        "grouped": filters is not None and filters["sort"] == "holder",
        "progress": queries.queue_progress(user),
        "systems": queries.queue_systems(user),
        "acceptable": acceptable,
        "bulk_form": bulk_form,
        "query": query,
    }
    return render(request, "access/reviews/queue.html", context, status=status)


@login_required
@require_GET
def queue(request):
    """The reviewer's items in open campaigns as a compact table, grouped by person, pending first."""
    return _render_queue(request)


def _render_item(request, item, *, decision_form=None, reassign_form=None, status=200):
    user = request.user
    context = {
        "item": item,
        "may_decide": item.campaign.is_open and queries.may_change_item(user, item),
        "is_override": not queries.is_assigned(user, item),
        "may_reassign": item.campaign.is_open and queries.may_reassign(user, item),
        "decision_form": decision_form or ItemDecisionForm(item=item),
        "reassign_form": reassign_form or ReassignForm(),
        "history": queries.item_history(item)[:HISTORY_LIMIT],
    }
    return render(request, "access/reviews/item_detail.html", context, status=status)


@login_required
@require_GET
def item_detail(request, pk):
    """One review item: its snapshot, decision, history; a security officer's override and reassignment."""
    return _render_item(request, queries.get_item_for_user(request.user, pk, for_change=False))


def _row(request, item, *, form=None, asking="", saved=False, status=200):
    """htmx: one row of the queue in place (decided, or asking the justification the rule wants), and the
    progress counter out of band."""
    row = queries.queue_row(request.user, item)
    if row is None:  # decided from outside the queue (a security officer's override): show the item
        return HttpResponseClientRedirect(reverse("access:review_item", args=[item.pk]))
    context = {
        "item": _queue_rows([row])[0],
        "words": _row_words(),
        "form": form,
        "asking": asking,
        "asking_label": Decision(asking).label if asking in Decision.values else asking,
        "saved": saved,
        "progress": queries.queue_progress(request.user),
    }
    return render(request, "access/reviews/_row_response.html", context, status=status)


@login_required
@require_GET
def queue_row(request, pk):
    """htmx: one row of the queue as it stands (cancelling a justification asked for)."""
    item = queries.get_item_for_user(request.user, pk, for_change=False)
    return _row(request, item)


@login_required
@require_POST
def item_decide(request, pk):
    """Record or change one decision; htmx gets the row back, a plain form post a redirect."""
    item = queries.get_item_for_user(request.user, pk, for_change=True)
    form = ItemDecisionForm(request.POST, item=item)
    if form.is_valid():
        try:
            item = services.item_decide(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return _row(request, item, saved=True)
            messages.success(
                request,
                _("Decision recorded: %(decision)s — %(item)s.")
                % {"decision": item.get_decision_display(), "item": item},
            )
            return redirect(_next_url(request, reverse("access:review_queue")))
    if request.htmx:
        # The rule wanted a justification (or refused the decision): the row asks for it, in place.
        return _row(request, item, form=form, asking=form.data.get(form.add_prefix("decision"), ""))
    return _render_item(request, item, decision_form=form, status=400)


def _kept_message(count: int) -> str:
    return ngettext("%(count)d item kept", "%(count)d items kept", count) % {"count": count}


def _revoked_message(count: int) -> str:
    return ngettext("%(count)d item revoked", "%(count)d items revoked", count) % {"count": count}


@login_required
@require_POST
def bulk_keep(request):
    """Keep the selected items of one's own queue with one justification (recorded on each)."""
    form = BulkKeepForm(request.POST, visible_items=queries.items_visible_to(request.user))
    if form.is_valid():
        try:
            kept = services.items_bulk_keep(
                items=form.cleaned_data["items"],
                actor=request.user,
                justification=form.cleaned_data["justification"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            count = len(kept)
            messages.success(
                request, ngettext("%(count)d item kept.", "%(count)d items kept.", count) % {"count": count}
            )
            return redirect(_next_url(request, reverse("access:review_queue")))
    return _render_queue(request, bulk_form=form, status=400)


@login_required
@require_POST
def accept_recommendations(request):
    """Decide what the recommendations say on the selected items, or, with none selected, on every pending
    item of the queue as filtered (the page's query string) that has a recommendation to accept."""
    form = AcceptRecommendationsForm(request.POST, visible_items=queries.items_visible_to(request.user))
    _filter_form, filters = _queue_filters(request)
    if form.is_valid():
        items = form.cleaned_data["items"]
        if not items and filters is not None:
            items = queries.pending_in_queue(request.user, **filters).only("pk")  # the service locks them
        try:
            result = services.items_accept_recommendations(
                items=items, actor=request.user, justification=form.cleaned_data["justification"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            revoked = sum(1 for item in result.decided if item.decision == Decision.REVOKE)
            text = _("Recommendations accepted: %(revoked)s, %(kept)s.") % {
                "revoked": _revoked_message(revoked),
                "kept": _kept_message(len(result.decided) - revoked),
            }
            if result.left:
                left = len(result.left)
                text += " " + ngettext(
                    "%(count)d item without a recommendation left for you.",
                    "%(count)d items without a recommendation left for you.",
                    left,
                ) % {"count": left}
            messages.success(request, text)
            return redirect(_next_url(request, reverse("access:review_queue")))
    return _render_queue(request, bulk_form=form, status=400)


@login_required
@require_POST
def item_reassign(request, pk):
    """A security officer gives the item to another reviewer (recorded as an override)."""
    item = queries.get_item_for_user(request.user, pk, for_change=True)
    if not queries.may_reassign(request.user, item):
        raise PermissionDenied(_("Only a security officer reassigns review items."))
    form = ReassignForm(request.POST)
    if form.is_valid():
        try:
            services.item_reassign(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Reassigned to %(person)s.") % {"person": form.cleaned_data["new_reviewer"]}
            )
            return redirect("access:review_item", pk=item.pk)
    return _render_item(request, item, reassign_form=form, status=400)


def queue_panel(request):
    """Dashboard panel: the person's pending review items and the earliest due date (one query)."""
    progress = queries.queue_progress(request.user)
    if not progress["total"]:
        return None
    due = progress["due_at"]
    queue_url = reverse("access:review_queue")
    bars = [
        charts.Bar(_("Decided"), progress["decided"], link=f"{queue_url}?state=decided", key="decided"),
        charts.Bar(_("Pending"), progress["pending"], link=f"{queue_url}?state=pending", key="pending"),
    ]
    return {
        "title": _("Your access review queue"),
        "count": progress["pending"],
        "progress": progress,
        "due_at": due,
        "chart": charts.bar_chart(
            slug="review-queue", title=_("Your review items"), bars=bars, unit=_("Items"), x_title=_("Items")
        ),
        "bars": bars,
        "link": f"{queue_url}?state=pending",
        "link_label": _("Open your queue"),
    }


urlpatterns = [
    path("reviews/", queue, name="review_queue"),
    path("reviews/bulk-keep/", bulk_keep, name="review_bulk_keep"),
    path("reviews/accept/", accept_recommendations, name="review_accept"),
    path("reviews/items/<int:pk>/row/", queue_row, name="review_item_row"),
    path("reviews/items/<int:pk>/", item_detail, name="review_item"),
    path("reviews/items/<int:pk>/decide/", item_decide, name="review_item_decide"),
    path("reviews/items/<int:pk>/reassign/", item_reassign, name="review_item_reassign"),
]
