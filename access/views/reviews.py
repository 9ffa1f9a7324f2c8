"""Pages of the access review: the reviewer's queue (a compact table decided row by row in place, by keyboard
too), one review item, decisions, bulk keep, accepting recommendations, reassignment."""

from html import escape
from itertools import groupby
from operator import attrgetter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
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
from dpms.links import url_for_any_pk
from dpms.paging import query_without_page

# One compact row per item: 100 a page holds a manager's whole queue (45 items fit in two laptop screens).
PAGE_SIZE = 100
HISTORY_LIMIT = 100


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _fill(text: str, **values) -> str:
    """A translated text with ``%(name)s`` places, as HTML: the text and its values escaped."""
    return escape(text) % {key: escape(value) for key, value in values.items()}


class _QueueRows:
    """The queue's rows as HTML, written in Python: the queue page's 100 rows and the single row an htmx
    decision answers with (asking a justification, or saved) come from here, the one place a row is written.
    The template language cost several times more (a lookup, a filter and an escape per value, 30 values a
    row, 100 rows a page).

    Each cell is an f-string of HTML in which every value from an item, a person or a request passes through
    ``escape`` (the standard library's, which Django's autoescape also uses); ``self.words`` are the texts
    every row repeats, translated into the reader's language and escaped once a page. Links are worked out
    once a page, and a text many rows share (a day, "signed in ... ago", a recommendation) once per
    distinct value."""

    def __init__(self, request):
        self.csrf_token = escape(get_token(request))
        self.decide_url = url_for_any_pk("access:review_item_decide")
        self.row_url = url_for_any_pk("access:review_item_row")
        self.item_url = url_for_any_pk("access:review_item")
        self.decisions = {value: str(label) for value, label in Decision.choices}
        self.recommendations = {
            value: str(label) for value, label in ReviewItem._meta.get_field("recommendation").flatchoices
        }
        words = {
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
        self.words = {key: escape(text) for key, text in words.items()}
        # Texts with a value inside, translated once a page and filled once a row.
        self.select_text = _("Select %(system)s · %(role)s of %(holder)s")
        self.granted_by_text = _("by %(person)s")
        self.last_used_text = _("last used %(date)s")
        self.never_used = _("last used never")
        self._days: dict = {}
        self._signed_in: dict = {}
        self._recommended: dict[str, str] = {}
        self._reasons: dict[str, str] = {}

    # What a row shows, worked out once per distinct value --------------------------------------------------
    def _day(self, local) -> str:
        """A moment (in the reader's time zone) as the pages show its day."""
        day = local.date()
        if day not in self._days:
            self._days[day] = formats.date_format(local, "DATE_FORMAT")
        return self._days[day]

    def _seen(self, last_login) -> str:
        if last_login is None:
            return ""
        if last_login not in self._signed_in:
            self._signed_in[last_login] = _("signed in %(since)s ago") % {"since": timesince(last_login)}
        return self._signed_in[last_login]

    def _recommendation(self, item) -> str:
        """The recommendation, saying what accepting it decides."""
        if item.recommendation not in self._recommended:
            label = self.recommendations.get(item.recommendation, item.recommendation)
            if item.recommended_decision == Decision.REVOKE:
                label = _("Revoke: %(recommendation)s") % {"recommendation": label}
            elif item.recommended_decision == Decision.KEEP:
                label = _("Keep: %(recommendation)s") % {"recommendation": label}
            self._recommended[item.recommendation] = label
        return self._recommended[item.recommendation]

    def _reason(self, item) -> str:
        """The stored recommendation reason in the reader's language."""
        if item.recommendation_reason not in self._reasons:
            self._reasons[item.recommendation_reason] = item.recommendation_reason_read
        return self._reasons[item.recommendation_reason]

    def _last_used(self, item) -> str:
        """On the portal's own roles, the holder's last sign-in is the grant's last use."""
        last_login = item.holder_last_login
        if last_login is None:
            return self.never_used
        return self.last_used_text % {"date": self._day(timezone.localtime(last_login))}

    # The cells ---------------------------------------------------------------------------------------------
    def _select_cell(self, item, checked: bool) -> str:
        if item.decision != Decision.PENDING:
            return '<td class="c-select"></td>\n'
        label = self.select_text % {
            "system": item.system_name,
            "role": item.role_name,
            "holder": item.holder_label,
        }
        return (
            f'<td class="c-select"><input type="checkbox" name="items" value="{item.pk}" form="queue-batch"'
            f' id="select-{item.pk}" data-select{" checked" if checked else ""} aria-label="{escape(label)}">'
            "</td>\n"
        )

    def _person_cell(self, item) -> str:
        words = self.words
        deactivated = (
            "" if item.holder_is_active else f' <span class="tag status-closed">{words["deactivated"]}</span>'
        )
        seen = escape(self._seen(item.holder_last_login)) or words["never_signed_in"]
        return (
            f'<th scope="row" class="c-person" title="{escape(item.holder_label)}">'
            f'<span class="person-name">{escape(item.holder_full_name or item.holder_label)}</span>'
            f"{deactivated}\n"
            f'<span class="person-seen small muted">{seen}</span></th>\n'
        )

    def _access_cell(self, item) -> str:
        privileged = (
            f'<span class="tag privileged" data-testid="privileged">{self.words["privileged"]}</span> '
            if item.privileged
            else ""
        )
        return (
            f'<td class="c-access">{privileged}<strong>{escape(item.system_name)}</strong>'
            f" · {escape(item.role_name)}</td>\n"
        )

    def _granted_cell(self, item) -> str:
        granted_at = timezone.localtime(item.granted_at)
        by = (
            f" {escape(self.granted_by_text % {'person': item.granted_by_label})}"
            if item.granted_by_label
            else ""
        )
        last_used = f" · {escape(self._last_used(item))}" if item.system_is_portal else ""
        return (
            f'<td class="c-granted small"><time datetime="{granted_at.isoformat()}">'
            f"{self._day(granted_at)}</time>{by}{last_used}</td>\n"
        )

    def _recommendation_cell(self, item) -> str:
        if not item.recommendation:
            return (
                f'<td class="c-rec"><span class="small muted">{self.words["no_recommendation"]}</span></td>\n'
            )
        reason = escape(self._reason(item)) if item.recommendation_reason else ""
        return (
            f'<td class="c-rec"><span class="rec rec-{escape(item.recommended_decision or "look")}"'
            f' data-testid="recommendation">{escape(self._recommendation(item))}</span>'
            + (f' <span class="small rec-reason" title="{reason}">{reason}</span>' if reason else "")
            + "</td>\n"
        )

    def _decided_as(self, item) -> str:
        """A decided row's decision, its "bulk" mark and its justification."""
        if item.decision == Decision.PENDING:
            return ""
        bulk = f' <span class="muted">{self.words["bulk"]}</span>' if item.bulk else ""
        justification = escape(item.justification)
        if justification:
            justification = f' <span class="justification" title="{justification}">“{justification}”</span>'
        return (
            f'<span class="decided-as small"><span class="tag decision-{escape(item.decision)}"'
            f' data-testid="decision">{escape(self.decisions.get(item.decision, item.decision))}</span>'
            f"{bulk}{justification}</span>"
        )

    def _decision_buttons(self, item) -> str:
        """Keep, revoke (pressed as decided) and the item's page, with their keys (``static/js/dpms.js``)."""
        pk, words = item.pk, self.words
        keep_pressed = "true" if item.decision == Decision.KEEP else "false"
        revoke_pressed = "true" if item.decision == Decision.REVOKE else "false"
        return (
            f"\n{self._decided_as(item)}\n"
            '<span class="row-buttons">\n'
            f'<button type="submit" name="item{pk}-decision" value="keep" class="keep secondary" data-key="y"'
            f' aria-pressed="{keep_pressed}" aria-keyshortcuts="y">{words["keep"]}</button>\n'
            f'<button type="submit" name="item{pk}-decision" value="revoke" class="revoke secondary"'
            f' data-key="n" aria-pressed="{revoke_pressed}" aria-keyshortcuts="n">'
            f"{words['revoke']}</button>\n"
            f'<a href="{self.item_url(pk)}" class="small" data-key="o">{words["more"]}</a>\n'
            "</span>\n"
        )

    def _justification_asked(self, item, asking: str, form) -> str:
        """The justification the rule wants for the decision asked (``asking``, as posted), with the form's
        errors."""
        pk = item.pk
        asking_label = str(Decision(asking).label) if asking in Decision.values else asking
        if item.privileged and asking == Decision.KEEP:
            label = _fill(_("Justification (%(decision)s, privileged)"), decision=asking_label.lower())
        else:
            label = _fill(_("Justification (%(decision)s)"), decision=asking_label.lower())
        danger = "danger" if asking == Decision.REVOKE else ""
        errors = "".join(
            f"{escape(error)} "
            for errors in (form.errors.values() if form is not None else ())
            for error in errors
        )
        return (
            f'\n<input type="hidden" name="item{pk}-decision" value="{escape(asking)}">\n'
            f'<label for="justify-{pk}" class="small">{label}</label>\n'
            f'<input type="text" name="item{pk}-justification" id="justify-{pk}" maxlength="2000" required'
            f' data-justification aria-invalid="true" aria-describedby="justify-{pk}-error">\n'
            f'<span class="error" id="justify-{pk}-error" role="alert">{errors}</span>\n'
            f'<span class="row-buttons"><button type="submit" class="{danger}">'
            f"{escape(asking_label)}</button>\n"
            f'<button type="button" class="link small" hx-get="{self.row_url(pk)}" hx-target="closest tr"'
            f' hx-swap="outerHTML" data-cancel>{self.words["cancel"]}</button></span>\n'
        )

    def _decide_cell(self, item, *, asking: str, form, saved: bool) -> str:
        decide_url = self.decide_url(item.pk)
        decide = self._justification_asked(item, asking, form) if asking else self._decision_buttons(item)
        if saved:  # said to a screen reader
            decision = self.decisions.get(item.decision, item.decision)
            saved_status = _fill(_("Saved: %(decision)s."), decision=decision)
            saved_status = f'<span class="visually-hidden" role="status">{saved_status}</span>'
        return (
            '<td class="c-decide">\n'
            f'<form method="post" action="{decide_url}" hx-post="{decide_url}" hx-target="closest tr"'
            ' hx-swap="outerHTML" class="row-decide">\n'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf_token}">\n'
            f"{decide}\n{saved_status if saved else ''}\n</form>\n</td>\n"
        )

    # A row -------------------------------------------------------------------------------------------------
    def row(self, item, *, checked=False, asking="", form=None, saved=False) -> str:
        """One item as a row of the queue: its person, access, grant, recommendation and decision; ``asking``
        a decision the rule wants a justification for (``form`` holding the refusal), ``saved`` after a
        decision. htmx swaps the whole row; the keyboard (``static/js/dpms.js``) moves between rows."""
        decision = self.decisions.get(item.decision, item.decision)
        label = f"{item.holder_label}: {item.system_name} · {item.role_name}, {decision.lower()}"
        decided = "" if item.decision == Decision.PENDING else " decided"
        return mark_safe(  # noqa: S308 - every value in the cells is escaped
            f'<tr id="row-{item.pk}" class="queue-row{decided}{" asking" if asking else ""}" tabindex="-1"'
            f' data-row data-testid="review-item" aria-label="{escape(label)}">\n'
            + self._select_cell(item, checked)
            + self._person_cell(item)
            + self._access_cell(item)
            + self._granted_cell(item)
            + self._recommendation_cell(item)
            + self._decide_cell(item, asking=asking, form=form, saved=saved)
            + "</tr>\n"
        )

    def groups(self, items, *, grouped: bool, selected=frozenset()) -> list[str]:
        """The page's rows, one ``<tbody>``'s worth per person when ``grouped`` (the items come in the
        queue's order, a person's items together), else all in one; none without items."""
        people = groupby(items, key=attrgetter("holder_id")) if grouped else [(None, items)]
        groups = [
            "".join(self.row(item, checked=item.pk in selected) for item in rows) for _holder, rows in people
        ]
        return [mark_safe(rows) for rows in groups if rows]  # noqa: S308 - from row()


class _CountedPaginator(Paginator):
    """Django's paginator, told how many there are: the queue counts its items together with those
    "Accept recommendations" would decide, in one query (``queries.queue_counts``)."""

    def __init__(self, object_list, per_page: int, *, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property: this is its cached value


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
        ids, counts = queries.queue_table(user).none(), {"count": 0, "acceptable": 0}
    else:
        ids, counts = queries.queue_table(user, **filters), queries.queue_counts(user, **filters)
    # The page of ids, sorted by the database; then those items' rows.
    page = _CountedPaginator(ids, PAGE_SIZE, count=counts["count"]).get_page(request.GET.get("page"))
    page.object_list = queries.queue_rows(list(page.object_list))
    # A refused batch keeps its rows ticked, so the person corrects the justification and sends it again.
    ticked = bulk_form.data.getlist("items") if bulk_form is not None else []
    selected = {int(pk) for pk in ticked if pk.isdigit()}
    grouped = filters is not None and filters["sort"] == "holder"
    context = {
        "form": form,
        "page": page,
        "row_groups": _QueueRows(request).groups(page.object_list, grouped=grouped, selected=selected),
        "grouped": grouped,
        "progress": queries.queue_progress(user),
        "systems": queries.queue_systems(user),
        "acceptable": counts["acceptable"],
        "bulk_form": bulk_form,
        "query": query_without_page(request),
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
        "row": _QueueRows(request).row(row, asking=asking, form=form, saved=saved),
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
