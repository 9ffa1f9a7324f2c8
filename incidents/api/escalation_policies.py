"""The escalation policies through the API: read by security officers and auditors, edited by security
officers (403 for anyone else, as on the pages). A policy's levels are checked by the policy page's formset
(``LevelFormSet``: the person by email, at least one "not acknowledged" level) and saved by ``policy_update``
(which checks them again and audits the change); ``reset/`` puts the defaults back. Severity 0 is the policy
of untriaged reports. An edit applies to escalation rounds started after it."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from dpms.api.conventions import ApiViewMixin, ConditionalMixin
from incidents.api.common import IncidentPersonSerializer, choice_field, run_service, serializer_field
from incidents.choices import EscalationTarget, EscalationTrigger
from incidents.forms.escalation import LevelForm, LevelFormSet
from incidents.models import EscalationPolicy
from incidents.queries.escalation_policies import can_edit_policies, can_read_policies, stored_policies
from incidents.services.escalation import describe_level
from incidents.services.escalation_policies import (
    MAX_LEVELS,
    POLICY_SEVERITIES,
    UNTRIAGED,
    policy_label,
    policy_reset,
    policy_severity,
    policy_update,
    unsaved_default_levels,
)

PREFIX = "levels"


class EscalationLevelSerializer(serializers.Serializer):
    trigger = choice_field(EscalationTrigger.choices)
    position = serializers.IntegerField()
    after_minutes = serializers.IntegerField()
    working_time = serializers.BooleanField()
    target = choice_field(EscalationTarget.choices)
    person = serializers.EmailField(allow_null=True, help_text="For a named person: their email.")
    repeat_count = serializers.IntegerField()
    repeat_every_minutes = serializers.IntegerField(allow_null=True)
    text = serializers.CharField(help_text="The level as the policy page says it.")


class EscalationPolicySerializer(serializers.Serializer):
    severity = serializers.IntegerField(help_text="0: untriaged reports; 1-4: SEV1-SEV4.")
    label = serializers.CharField()
    is_default = serializers.BooleanField(help_text="No one changed it: the default levels.")
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = IncidentPersonSerializer(allow_null=True)
    levels = EscalationLevelSerializer(many=True)


# One level of an edit: the policy page's row (``LevelForm``), field by field.
LevelInput = type(
    "EscalationLevelInput",
    (serializers.Serializer,),
    {key: serializer_field(field) for key, field in LevelForm.base_fields.items()},
)


class EscalationPolicyInput(serializers.Serializer):
    levels = LevelInput(many=True, max_length=MAX_LEVELS, help_text="Every level the policy is to have.")


def _policy(severity: int, rows, by_severity) -> dict:
    policy: EscalationPolicy | None = rows.get(severity)
    untriaged = severity == UNTRIAGED
    levels = by_severity.get(severity, []) if policy is not None else unsaved_default_levels(severity)
    return {
        "severity": int(severity),
        "label": policy_label(severity),
        "is_default": policy is None,
        "updated_at": policy.updated_at if policy else None,
        "updated_by": policy.updated_by if policy else None,
        "levels": [
            {
                "trigger": level.trigger,
                "position": level.position,
                "after_minutes": level.after_minutes,
                "working_time": level.working_time,
                "target": level.target,
                "person": level.person.email if level.person_id else None,
                "repeat_count": level.repeat_count,
                "repeat_every_minutes": level.repeat_every_minutes,
                "text": describe_level(level, untriaged=untriaged),
            }
            for level in levels
        ],
    }


def _formset(levels: list[dict]):
    """The policy page's formset bound to the levels of an API call, as the page posts them."""
    data = {f"{PREFIX}-TOTAL_FORMS": str(len(levels)), f"{PREFIX}-INITIAL_FORMS": "0"}
    for index, level in enumerate(levels):
        for key, value in level.items():
            if value is None or value is False:
                continue
            data[f"{PREFIX}-{index}-{key}"] = "on" if value is True else str(value)
    return LevelFormSet(data, prefix=PREFIX)


def _formset_errors(formset) -> dict:
    errors: dict = {}
    for index, form_errors in enumerate(formset.errors):
        for key, messages in form_errors.items():
            errors[f"levels[{index}].{key}"] = list(messages)
    if formset.non_form_errors():
        errors["levels"] = list(formset.non_form_errors())
    return errors


class PolicyAccess:
    """Fetches the policy of a detail route: 403 for those who may not read it (or, on a write, edit it),
    404 for a severity that has no policy."""

    def _check(self, *, edit: bool = False) -> None:
        user = self.request.user  # type: ignore[attr-defined]
        if edit and not can_edit_policies(user):
            raise PermissionDenied("Only security officers edit the escalation policies.")
        if not can_read_policies(user):
            raise PermissionDenied("Only security officers and auditors see the escalation policies.")

    def get_object(self):
        self._check(edit=self.request.method not in ("GET", "HEAD", "OPTIONS"))
        try:
            severity = policy_severity(self.kwargs["severity"])
        except (TypeError, ValueError):
            raise Http404("There is no such escalation policy.") from None
        return _policy(severity, *stored_policies())


class EscalationPolicyViewSet(ApiViewMixin, ConditionalMixin, PolicyAccess, viewsets.GenericViewSet):
    serializer_class = EscalationPolicySerializer
    queryset = EscalationPolicy.objects.none()  # for the schema: the policies are read in get_object
    lookup_field = "severity"
    lookup_value_converter = "int"
    pagination_class = None
    filter_backends: list = []

    def list(self, request):
        """The policy of untriaged reports and of each severity, with their levels (two queries)."""
        self._check()
        rows, by_severity = stored_policies()
        return Response(
            EscalationPolicySerializer(
                [_policy(s, rows, by_severity) for s in POLICY_SEVERITIES], many=True
            ).data
        )

    def retrieve(self, request, severity=None):
        """One policy (0: untriaged reports, 1-4: SEV1-SEV4)."""
        return Response(EscalationPolicySerializer(self.get_object()).data)

    @extend_schema(request=EscalationPolicyInput, responses=EscalationPolicySerializer)
    def update(self, request, severity=None):
        """Replace the policy's levels (security officers; ``If-Match`` with its ETag)."""
        current = self.get_object()
        shape = EscalationPolicyInput(data=request.data)
        shape.is_valid(raise_exception=True)
        formset = _formset(shape.validated_data["levels"])
        if not formset.is_valid():
            raise ValidationError(_formset_errors(formset))
        run_service(
            None,
            lambda: policy_update(actor=request.user, severity=current["severity"], levels=formset.levels()),
        )
        return Response(EscalationPolicySerializer(_policy(current["severity"], *stored_policies())).data)

    @extend_schema(request=None, responses=EscalationPolicySerializer)
    @action(detail=True, methods=["post"])
    def reset(self, request, severity=None):
        """Put the default levels back (security officers)."""
        current = self.get_object()
        run_service(None, lambda: policy_reset(actor=request.user, severity=current["severity"]))
        return Response(EscalationPolicySerializer(_policy(current["severity"], *stored_policies())).data)
