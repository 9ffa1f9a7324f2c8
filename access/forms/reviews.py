"""Forms of the reviewer's queue: filters, one item's decision, bulk keep, accepting recommendations, a
security officer's reassignment."""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from access.choices import Decision
from access.models import ReviewItem
from access.queries.reviews import QUEUE_SORTS, queue_campaigns
from dpms.forms import ModelMultipleChoiceField, PersonField

DECISION_CHOICES = [
    (Decision.KEEP, gettext_lazy("Keep")),
    (Decision.REVOKE, pgettext_lazy("access", "Revoke")),
    (Decision.DOWNGRADE, gettext_lazy("Downgrade to another role")),
    (Decision.EXCEPTION, gettext_lazy("Keep until a date")),
]


class _ListedChoices(ModelChoiceIterator):
    """A model field's choices read with a plain query. Django's own iterator reads them through
    ``QuerySet.iterator()``, a server-side cursor on PostgreSQL: three round trips (declare, fetch, close)
    for the handful of open campaigns, on every page of the queue."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in self.queryset.all():  # a fresh read each time, as Django's
            yield self.choice(row)


class _CampaignField(forms.ModelChoiceField):
    iterator = _ListedChoices


class QueueFilterForm(forms.Form):
    """The queue's filters. The page shows pending items unless "Decided" or "All" is chosen (``state``
    empty means pending on the page; the API reads it as both)."""

    system = forms.CharField(
        required=False,
        max_length=150,
        label=gettext_lazy("System"),
        widget=forms.TextInput(attrs={"list": "queue-systems"}),
    )
    privileged = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Privileged"),
        choices=[
            ("", gettext_lazy("Any")),
            ("yes", gettext_lazy("Privileged")),
            ("no", gettext_lazy("Not privileged")),
        ],
    )
    recommendation = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Recommends"),
        choices=[
            ("", gettext_lazy("Any")),
            ("revoke", gettext_lazy("Recommends revoke")),
            ("keep", gettext_lazy("Recommends keep")),
            ("none", gettext_lazy("No recommendation to accept")),
        ],
    )
    state = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Decision"),
        choices=[
            ("pending", gettext_lazy("Pending")),
            ("decided", gettext_lazy("Decided")),
            ("all", gettext_lazy("All")),
        ],
    )
    campaign = _CampaignField(
        queryset=None,
        required=False,
        label=gettext_lazy("Campaign"),
        empty_label=gettext_lazy("All open campaigns"),
    )
    sort = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Sort"),
        choices=[
            ("holder", gettext_lazy("Person")),
            ("system", gettext_lazy("System")),
            ("oldest", gettext_lazy("Oldest grant first")),
            ("due", gettext_lazy("Due date")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = queue_campaigns(user)

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return {"campaign": None, "state": "none"}
        data = dict(self.cleaned_data)
        data["sort"] = data["sort"] if data["sort"] in QUEUE_SORTS else "holder"
        return data


class ItemDecisionForm(forms.Form):
    """One item's decision. The downgrade choices are the item's system's other roles, read from the
    prefetched ``item.system.roles`` so a queue of many items needs no query per row."""

    decision = forms.ChoiceField(
        choices=DECISION_CHOICES, widget=forms.RadioSelect, label=gettext_lazy("Decision")
    )
    justification = forms.CharField(
        required=False,
        label=gettext_lazy("Justification"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Required for revoke, downgrade, keep until a date, and for keeping privileged access."
        ),
    )
    downgrade_to = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label=gettext_lazy("Downgrade to")
    )
    keep_until = forms.DateField(
        required=False, label=gettext_lazy("Keep until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, item: ReviewItem, **kwargs):
        kwargs.setdefault("prefix", f"item{item.pk}")
        if not args and "initial" not in kwargs and item.decision != Decision.PENDING:
            kwargs["initial"] = {
                "decision": item.decision,
                "justification": item.justification,
                "downgrade_to": item.downgrade_to_id,
                "keep_until": item.keep_until,
            }
        super().__init__(*args, **kwargs)
        self.item = item
        # Portal roles follow group memberships and are never downgraded in a review.
        roles = [] if item.system.is_portal else [r for r in item.system.roles.all() if r.pk != item.role_id]
        self.downgrade_roles = {role.pk: role for role in roles}
        self.fields["downgrade_to"].choices = [("", "—")] + [
            (role.pk, _("%(role)s (privileged)") % {"role": role.name} if role.privileged else role.name)
            for role in roles
        ]

    def clean_downgrade_to(self):
        """The chosen role, from the roles the choices were made of (the field accepts only those)."""
        pk = self.cleaned_data.get("downgrade_to")
        return None if pk is None else self.downgrade_roles.get(pk)


class BulkKeepForm(forms.Form):
    items = ModelMultipleChoiceField(queryset=ReviewItem.objects.all(), label=gettext_lazy("Items"))
    justification = forms.CharField(
        label=gettext_lazy("Justification"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, visible_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = visible_items


class AcceptRecommendationsForm(forms.Form):
    """The queue's "Accept recommendations": the selected items, or none for every pending item in view
    with a recommendation to accept; one justification for the batch."""

    items = ModelMultipleChoiceField(
        queryset=ReviewItem.objects.all(), required=False, label=gettext_lazy("Items")
    )
    justification = forms.CharField(label=gettext_lazy("Justification"), max_length=2000)

    def __init__(self, *args, visible_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = visible_items


class ReassignForm(forms.Form):
    new_reviewer = PersonField(label=gettext_lazy("New reviewer's email"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )
