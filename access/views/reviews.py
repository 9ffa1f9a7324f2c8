"""Pages of the access review: the reviewer's queue, one review item, decisions, bulk keep, reassignment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from access.forms.reviews import BulkKeepForm, ItemDecisionForm, QueueFilterForm, ReassignForm
from access.queries import reviews as queries
from access.services import reviews as services
from dpms.forms import add_service_errors
from dpms.paging import deferred_page, query_without_page

# Each item is a card with its decision form: 25 a page keeps a page quick to draw and to scroll.
PAGE_SIZE = 25
HISTORY_LIMIT = 100


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _render_queue(request, *, bulk_form=None, status=200):
    user = request.user
    form = QueueFilterForm(request.GET or None, user=user)
    if form.is_bound and not form.is_valid():
        items = queries.queue_for_user(user).none()
    else:
        items = queries.queue_for_user(user, **(form.cleaned_data if form.is_bound else {}))
    page, query = deferred_page(items, PAGE_SIZE, request.GET.get("page")), query_without_page(request)
    context = {
        "form": form,
        "page": page,
        "rows": [{"item": item, "form": ItemDecisionForm(item=item)} for item in page],
        "progress": queries.queue_progress(user),
        "bulk_form": bulk_form,
        "query": query,
    }
    return render(request, "access/reviews/queue.html", context, status=status)


@login_required
@require_GET
def queue(request):
    """The reviewer's items in open campaigns, grouped by person, with everything a decision needs."""
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


def _decided_row(request, item):
    """htmx: the decided item's row in place, and the progress counter out of band."""
    row = queries.queue_row(request.user, item)
    if row is None:  # decided from outside the queue (a security officer's override): show the item
        return HttpResponseClientRedirect(reverse("access:review_item", args=[item.pk]))
    context = {"row": {"item": row, "form": ItemDecisionForm(item=row)}, "saved": True}
    context["next"] = _next_url(request, reverse("access:review_queue"))
    context["progress"] = queries.queue_progress(request.user)
    return render(request, "access/reviews/_item_response.html", context)


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
                return _decided_row(request, item)
            messages.success(request, f"Decision recorded: {item.get_decision_display()} — {item}.")
            return redirect(_next_url(request, reverse("access:review_queue")))
    if request.htmx:
        row = queries.queue_row(request.user, item) or item
        context = {
            "row": {"item": row, "form": form},
            "next": _next_url(request, reverse("access:review_queue")),
        }
        return render(request, "access/reviews/_item.html", context)
    return _render_item(request, item, decision_form=form, status=400)


@login_required
@require_POST
def bulk_keep(request):
    """Keep the selected non-privileged items of one's own queue with one justification."""
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
            messages.success(request, f"{len(kept)} item{'s' if len(kept) != 1 else ''} kept.")
            return redirect(_next_url(request, reverse("access:review_queue")))
    return _render_queue(request, bulk_form=form, status=400)


@login_required
@require_POST
def item_reassign(request, pk):
    """A security officer gives the item to another reviewer (recorded as an override)."""
    item = queries.get_item_for_user(request.user, pk, for_change=True)
    if not queries.may_reassign(request.user, item):
        raise PermissionDenied("Only a security officer reassigns review items.")
    form = ReassignForm(request.POST)
    if form.is_valid():
        try:
            services.item_reassign(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Reassigned to {form.cleaned_data['new_reviewer']}.")
            return redirect("access:review_item", pk=item.pk)
    return _render_item(request, item, reassign_form=form, status=400)


def queue_panel(request):
    """Dashboard panel: the person's pending review items and the earliest due date (one query)."""
    progress = queries.queue_progress(request.user)
    if not progress["total"]:
        return None
    due = progress["due_at"]
    return {
        "title": "Your access review queue",
        "count": progress["pending"],
        "progress": progress,
        "due_at": due,
        "link": reverse("access:review_queue") + "?state=pending",
        "link_label": "Open your queue",
    }


urlpatterns = [
    path("reviews/", queue, name="review_queue"),
    path("reviews/bulk-keep/", bulk_keep, name="review_bulk_keep"),
    path("reviews/items/<int:pk>/", item_detail, name="review_item"),
    path("reviews/items/<int:pk>/decide/", item_decide, name="review_item_decide"),
    path("reviews/items/<int:pk>/reassign/", item_reassign, name="review_item_reassign"),
]
