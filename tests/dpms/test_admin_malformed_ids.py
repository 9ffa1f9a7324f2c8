"""An id that is no id (``abc``, ``1.5``, a number past any key) in a select or autocomplete field of any
admin form is a form error on that field, never a 500, and saves nothing. Every add and change form of every
model registered in the admin is tried, each of its related-object fields with each bad value, so a model
added to the admin later is covered without a line here."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.forms.models import model_to_dict
from django.forms.widgets import MultiWidget
from django.test import Client, RequestFactory
from django.urls import reverse

from dpms.models import AuditEvent
from tests.access.factories import RoleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MALFORMED = ["abc", "1.5", "1;2", "99999999999999999999"]
MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def superadmin(db):
    """An admin who is also a superuser: every registered admin lets them in, third-party ones included."""
    return UserFactory(email="sue.super@example.com", roles=["admin"], is_superuser=True)


@pytest.fixture
def rows(superadmin, staff, client_for):
    """At least one row of every model an admin may change, ahead of the admin's own (the persona, their
    team, a system with a role, an email address, a single sign-on provider with the persona's identity and
    token, the persona's session: the first of each is changed, and the admin's own session changes with
    every request)."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken

    from dpms.sso_config import clean_settings

    RoleFactory()
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    # A single sign-on provider, the persona's identity there and a token of it (allauth's admins).
    app = SocialApp.objects.create(
        provider="openid_connect", provider_id="acme", name="Acme", client_id="c",
        settings=clean_settings(preset="oidc", issuer="https://login.example.com"),
    )  # fmt: skip
    account = SocialAccount.objects.create(user=staff, provider="acme", uid="sam", extra_data={})
    SocialToken.objects.create(app=app, account=account, token="t")  # noqa: S106 - a test row
    someone = Client()
    someone.force_login(staff)
    someone.get(reverse("dashboard"))
    client = client_for(superadmin)
    client.get(reverse("admin:index"))
    return client


def post_data(form) -> dict:
    """What the browser posts for ``form`` as drawn (its initial values), in the widgets' own shapes."""
    data: dict = {}
    for bound in form:
        if bound.field.disabled:
            continue
        value = bound.value()
        if isinstance(bound.field.widget, MultiWidget):
            parts = bound.field.widget.decompress(value)
            data |= {
                f"{bound.html_name}_{n}": "" if part is None else str(part) for n, part in enumerate(parts)
            }
        elif value is True:
            data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        elif value not in (None, False):
            data[bound.html_name] = str(value)
    return data


def snapshot(model, obj) -> tuple:
    return (model._default_manager.count(), model_to_dict(obj) if obj is not None else None)


@pytest.mark.parametrize("view", ["add", "change"])
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_a_malformed_id_in_an_admin_form_is_a_form_error(rows, superadmin, model, view):
    client, model_admin = rows, admin.site._registry[model]
    request = RequestFactory().post("/")
    request.user = superadmin
    objects = model_admin.get_queryset(request).order_by("pk")
    if model is get_user_model():
        objects = objects.exclude(pk=superadmin.pk)  # changing oneself has rules of its own
    obj = objects.first() if view == "change" else None
    allowed = (
        model_admin.has_add_permission(request)
        if view == "add"
        else model_admin.has_change_permission(request, obj)
    )
    opts = model._meta
    url = (
        reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        if view == "add"
        else reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk if obj else 1])
    )
    if not allowed:
        # A read-only record: no form to draw, the post itself is refused.
        related = [field.name for field in opts.get_fields() if field.is_relation and field.concrete]
        for name in related:
            assert client.post(url, {name: "abc"}).status_code == 403, (url, name)
        return
    assert view == "add" or obj is not None, f"No {opts.label} to change: give the ``rows`` fixture one."

    form_class = model_admin.get_form(request, obj, change=view == "change")
    form = form_class(instance=obj)
    related = [name for name, field in form.base_fields.items() if isinstance(field, ModelChoiceField)]
    base = post_data(form)
    before, events = snapshot(model, obj), AuditEvent.objects.count()
    for name in related:
        multiple = isinstance(form.base_fields[name], ModelMultipleChoiceField)
        for value in MALFORMED:
            response = client.post(url, base | {name: [value] if multiple else value})
            assert response.status_code == 200, (url, name, value)
            errors = response.context["adminform"].form.errors
            assert name in errors, (url, name, value, errors)
            if obj is not None:
                obj.refresh_from_db()
            assert snapshot(model, obj) == before
            assert AuditEvent.objects.count() == events
