"""The library, a policy's page, its versions and what changed, and the editing pages: the permission ladder
(anonymous, staff, other staff, manager, owner, auditor, officer) on each, and what each person sees."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms.models import AuditEvent
from policies.choices import Audience
from policies.models import AttestationQuestion, Policy, PolicyVersion
from tests.factories import UserFactory
from tests.policies.factories import PolicyFactory, PolicyVersionFactory, QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(email="paul.owner@example.com", full_name="Paul Owner")


@pytest.fixture
def finance_policy(owner, team):
    """A policy for the Finance team only (staff and the manager are in it; the outsider is not)."""
    policy = PolicyFactory(title="Payment approvals", owner=owner, audience=Audience.TEAMS)
    policy.teams.set([team])
    PolicyVersionFactory(policy=policy, body="# Approvals\n\nTwo people approve every payment.\n")
    return policy


def status(client_for, person, url, method="get", data=None):
    client = client_for(person)
    return getattr(client, method)(url, data or {}).status_code


# --- The ladder -----------------------------------------------------------------------------------------

READ_PAGES = ["policies:policy", "policies:version"]
CHANGE_PAGES = ["policies:policy_edit", "policies:version_new", "policies:questions"]


def _url(name, policy):
    if name == "policies:version":
        return reverse(name, args=[policy.pk, 1])
    return reverse(name, args=[policy.pk])


@pytest.mark.parametrize("name", READ_PAGES + CHANGE_PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, finance_policy, name):
    response = client.get(_url(name, finance_policy))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", READ_PAGES)
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("staff", 200),
        ("manager", 200),
        ("outsider", 404),  # the policy is not for their team: they do not learn it exists
        ("owner", 200),
        ("auditor", 200),
        ("security_officer", 200),
    ],
)
def test_who_reads_a_policy(client_for, personas, owner, finance_policy, name, who, expected):
    person = owner if who == "owner" else personas[who]
    assert status(client_for, person, _url(name, finance_policy)) == expected


@pytest.mark.parametrize("name", CHANGE_PAGES)
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("staff", 403),
        ("manager", 403),
        ("outsider", 404),
        ("owner", 200),
        ("auditor", 403),  # auditors read, they change nothing
        ("security_officer", 200),
    ],
)
def test_who_changes_a_policy(client_for, personas, owner, finance_policy, name, who, expected):
    person = owner if who == "owner" else personas[who]
    assert status(client_for, person, _url(name, finance_policy)) == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("staff", 403), ("manager", 403), ("auditor", 403), ("security_officer", 200)],
)
def test_only_security_officers_create_policies(client_for, personas, who, expected):
    assert status(client_for, personas[who], reverse("policies:policy_create")) == expected
    data = {"title": "X", "owner": personas[who].email, "audience": "everyone", "duration_days": 14}
    posted = status(client_for, personas[who], reverse("policies:policy_create"), "post", data)
    assert posted == (400 if expected == 200 else expected)  # the officer's form lacks fields: shown again


@pytest.mark.parametrize(
    ("who", "expected"),
    [("staff", 403), ("outsider", 404), ("auditor", 403), ("owner", 302), ("security_officer", 302)],
)
def test_who_publishes_a_version(client_for, personas, owner, finance_policy, who, expected):
    person = owner if who == "owner" else personas[who]
    data = {
        "body": "# Approvals\n\nTwo people approve every payment over 1,000 EUR.\n",
        "change_summary": "A threshold.",
        "effective_date": timezone.localdate().isoformat(),
    }
    url = reverse("policies:version_new", args=[finance_policy.pk])
    assert status(client_for, person, url, "post", data) == expected
    assert finance_policy.versions.count() == (2 if expected == 302 else 1)


@pytest.mark.parametrize(
    ("who", "expected"), [("staff", 403), ("auditor", 403), ("owner", 302), ("security_officer", 302)]
)
def test_who_keeps_the_questions(client_for, personas, owner, finance_policy, who, expected):
    person = owner if who == "owner" else personas[who]
    question = QuestionFactory(policy=finance_policy, text="I follow the four-eyes rule.")
    base = [finance_policy.pk, question.pk]
    add = reverse("policies:questions", args=[finance_policy.pk])
    assert status(client_for, person, add, "post", {"text": "Another?", "kind": "yes_no"}) == expected
    move = reverse("policies:question_move", args=base)
    assert status(client_for, person, move, "post", {"direction": "down"}) == expected
    remove = reverse("policies:question_remove", args=base)
    assert status(client_for, person, remove, "post") == expected
    assert AttestationQuestion.objects.filter(pk=question.pk).exists() == (expected != 302)


# --- What the pages do ----------------------------------------------------------------------------------


def test_an_officer_creates_a_policy_then_its_first_version(client_for, security_officer, owner):
    client = client_for(security_officer)
    response = client.post(
        reverse("policies:policy_create"),
        {
            "title": "Password manager",
            "summary": "Every work account lives in the vault.",
            "owner": owner.email,
            "audience": "everyone",
            "yearly": "on",
            "duration_days": 14,
            "reminder_days_before_due": "7, 1",
            "escalate_after_overdue_days": 3,
            "follow_up_days": 30,
        },
    )
    policy = Policy.objects.get(title="Password manager")
    assert response["Location"] == reverse("policies:version_new", args=[policy.pk])
    effective = timezone.localdate() + datetime.timedelta(days=3)
    response = client.post(
        reverse("policies:version_new", args=[policy.pk]),
        {"body": "# Vault\n\nUse it.", "change_summary": "", "effective_date": effective.isoformat()},
    )
    assert response.status_code == 302
    version = PolicyVersion.objects.get(policy=policy)
    assert version.number == 1
    policy.refresh_from_db()
    assert timezone.localtime(policy.next_run_at).date() == effective  # the first yearly campaign
    actions = set(AuditEvent.objects.filter(object_id=str(policy.pk)).values_list("action", flat=True))
    assert {"policy.create", "policy.version.publish"} <= actions


def test_publishing_says_the_effective_date_as_pages_write_dates(
    client_for, security_officer, finance_policy
):
    effective = datetime.date(2031, 3, 4)
    response = client_for(security_officer).post(
        reverse("policies:version_new", args=[finance_policy.pk]),
        {"body": "New text", "change_summary": "Changed.", "effective_date": effective.isoformat()},
        follow=True,
    )
    assert "Version 2 published, in force from 4 Mar 2031." in response.content.decode()


def test_a_version_in_the_past_is_refused_on_the_form(client_for, security_officer, finance_policy):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client_for(security_officer).post(
        reverse("policies:version_new", args=[finance_policy.pk]),
        {"body": "New text", "change_summary": "Changed.", "effective_date": yesterday.isoformat()},
    )
    assert response.status_code == 400
    assert "not in the past" in str(response.context["form"].errors["effective_date"])
    assert finance_policy.versions.count() == 1


def test_a_new_version_keeps_the_old_one_readable_with_what_changed(client_for, staff, finance_policy):
    PolicyVersionFactory(
        policy=finance_policy,
        number=2,
        body="# Approvals\n\nTwo people approve every payment over 1,000 EUR.\n",
        change_summary="A threshold.",
        effective_date=timezone.localdate(),
    )
    client = client_for(staff)
    page = client.get(reverse("policies:policy", args=[finance_policy.pk])).content.decode()
    assert "over 1,000 EUR" in page
    old = client.get(reverse("policies:version", args=[finance_policy.pk, 1])).content.decode()
    assert "Two people approve every payment." in old
    assert "Replaced" in old
    diff = client.get(reverse("policies:version", args=[finance_policy.pk, 2]) + "?view=changes")
    lines = [(line.kind, line.text) for line in diff.context["changes"] if line]
    assert ("removed", "Two people approve every payment.") in lines
    assert ("added", "Two people approve every payment over 1,000 EUR.") in lines


def test_what_changed_shows_markup_as_text(client_for, security_officer, finance_policy):
    PolicyVersionFactory(
        policy=finance_policy, number=2, body="<script>alert(1)</script>", effective_date=timezone.localdate()
    )
    url = reverse("policies:version", args=[finance_policy.pk, 2])
    page = client_for(security_officer).get(url + "?view=changes").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_policy_page_renders_markdown_inert(client_for, staff, owner):
    policy = PolicyFactory(owner=owner)
    PolicyVersionFactory(policy=policy, body="[click](javascript:alert(1)) <img src=x onerror=alert(1)>")
    page = client_for(staff).get(reverse("policies:policy", args=[policy.pk])).content.decode()
    assert 'href="javascript' not in page
    assert "<img src=x" not in page


def test_archived_policies_leave_the_library_s_default_view(client_for, security_officer, owner):
    PolicyFactory(title="Old clean desk policy", owner=owner, archived=True)
    PolicyFactory(title="Current policy", owner=owner)
    client = client_for(security_officer)
    shown = [p.title for p in client.get(reverse("policies:library")).context["page"].object_list]
    assert shown == ["Current policy"]
    shown = [
        p.title for p in client.get(reverse("policies:library") + "?archived=on").context["page"].object_list
    ]
    assert shown == ["Current policy", "Old clean desk policy"]


def test_the_library_shows_each_person_their_policies_and_acknowledgement(
    client_for, staff, outsider, owner, finance_policy
):
    PolicyVersionFactory(policy=PolicyFactory(title="Everyone's policy", owner=owner))
    rows = client_for(outsider).get(reverse("policies:library")).context["page"].object_list
    assert [p.title for p in rows] == ["Everyone's policy"]
    client = client_for(staff)
    client.post(reverse("policies:acknowledge", args=[finance_policy.pk]), {"version": 1})
    rows = {p.title: p for p in client.get(reverse("policies:library")).context["page"].object_list}
    assert rows["Payment approvals"].acknowledged
    assert not rows["Everyone's policy"].acknowledged
    searched = client.get(reverse("policies:library") + "?q=payment").context["page"].object_list
    assert [p.title for p in searched] == ["Payment approvals"]


def test_the_owner_edits_settings_but_not_the_owner(client_for, owner, finance_policy, security_officer):
    client = client_for(owner)
    url = reverse("policies:policy_edit", args=[finance_policy.pk])
    data = {
        "title": "Payment approvals",
        "owner": security_officer.email,  # ignored: the field is fixed for an owner
        "audience": "everyone",
        "duration_days": 21,
        "reminder_days_before_due": "3",
        "escalate_after_overdue_days": 2,
        "follow_up_days": 15,
    }
    assert client.post(url, data).status_code == 302
    finance_policy.refresh_from_db()
    assert (finance_policy.owner, finance_policy.duration_days, finance_policy.audience) == (
        owner,
        21,
        "everyone",
    )
    assert list(finance_policy.teams.all()) == []
    assert AuditEvent.objects.filter(action="policy.update").exists()


@pytest.mark.parametrize("size", [2, 8])
def test_the_library_costs_the_same_at_any_size(client_for, staff, owner, size, django_assert_num_queries):
    for n in range(size):
        PolicyVersionFactory(policy=PolicyFactory(title=f"Policy {n:02}", owner=owner))
    client = client_for(staff)
    client.get(reverse("policies:library"))
    # session and user (2); allauth's user-session tracking (5); the viewer's groups (1); the count (1);
    # the page of policies with owner, version in force, acknowledgement and audience (1); the header's
    # unread count (1); saving the sliding session (3).
    with django_assert_num_queries(14):
        response = client.get(reverse("policies:library"))
    assert response.context["page"].paginator.count == size


def test_the_acknowledge_button_is_offered_to_those_the_policy_applies_to(
    client_for, staff, security_officer, finance_policy
):
    url = reverse("policies:policy", args=[finance_policy.pk])
    assert "I have read and acknowledge this policy" in client_for(staff).get(url).content.decode()
    officer_page = client_for(security_officer).get(url).content.decode()  # not in the Finance team
    assert "I have read and acknowledge this policy" not in officer_page
    assert "does not apply to you" in officer_page


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("policies:library", "get"),
        ("policies:policy_create", "post"),
        ("policies:policy_edit", "post"),
        ("policies:version_new", "post"),
        ("policies:questions", "post"),
        ("policies:question_edit", "get"),
        ("policies:question_edit", "post"),
        ("policies:question_move", "post"),
        ("policies:question_remove", "post"),
    ],
)
def test_anonymous_posts_change_nothing(client, finance_policy, name, method):
    question = QuestionFactory(policy=finance_policy)
    args = {
        "policies:library": [],
        "policies:policy_create": [],
        "policies:question_edit": [finance_policy.pk, question.pk],
        "policies:question_move": [finance_policy.pk, question.pk],
        "policies:question_remove": [finance_policy.pk, question.pk],
    }.get(name, [finance_policy.pk])
    response = getattr(client, method)(reverse(name, args=args), {"direction": "up", "text": "Changed?"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    question.refresh_from_db()
    assert question.text != "Changed?"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("staff", 403),
        ("outsider", 404),
        ("manager", 403),
        ("owner", 200),
        ("auditor", 403),
        ("security_officer", 200),
    ],
)
def test_who_edits_a_question(client_for, personas, owner, finance_policy, who, expected):
    person = owner if who == "owner" else personas[who]
    question = QuestionFactory(policy=finance_policy, text="I follow the four-eyes rule.")
    url = reverse("policies:question_edit", args=[finance_policy.pk, question.pk])
    client = client_for(person)
    assert client.get(url).status_code == expected
    posted = client.post(
        url, {"text": "I follow the four-eyes rule, always.", "kind": "yes_no", "required": "on"}
    )
    assert posted.status_code == (302 if expected == 200 else expected)
    question.refresh_from_db()
    assert question.text.endswith("always.") == (expected == 200)


def test_a_question_of_another_policy_is_not_found(client_for, security_officer, finance_policy, owner):
    other = QuestionFactory(policy=PolicyFactory(owner=owner))
    url = reverse("policies:question_edit", args=[finance_policy.pk, other.pk])
    assert client_for(security_officer).get(url).status_code == 404


def test_officers_find_the_evidence_and_the_launch_from_the_policy_page(
    client_for, staff, auditor, security_officer, finance_policy
):
    launch = reverse("policies:campaign_launch") + f"?policy={finance_policy.pk}"
    evidence = reverse("policies:version_acknowledgements", args=[finance_policy.pk, 1])
    url = reverse("policies:policy", args=[finance_policy.pk])
    officer_page = client_for(security_officer).get(url).content.decode()
    assert launch in officer_page
    assert evidence in officer_page
    auditor_page = client_for(auditor).get(url).content.decode()
    assert evidence in auditor_page
    assert launch not in auditor_page
    staff_page = client_for(staff).get(url).content.decode()
    assert evidence not in staff_page
    assert launch not in staff_page


def test_the_library_sorts_by_title_or_by_the_newest_version_in_force(client_for, security_officer, owner):
    today = timezone.localdate()
    for title, days in [("Alpha", 30), ("Beta", 1), ("Gamma", 10)]:
        PolicyVersionFactory(
            policy=PolicyFactory(title=title, owner=owner),
            effective_date=today - datetime.timedelta(days=days),
        )
    PolicyFactory(title="Draft", owner=owner)  # no version yet: last
    client = client_for(security_officer)
    by_title = client.get(reverse("policies:library")).context["page"].object_list
    assert [p.title for p in by_title] == ["Alpha", "Beta", "Draft", "Gamma"]
    newest = client.get(reverse("policies:library") + "?sort=effective").context["page"].object_list
    assert [p.title for p in newest] == ["Beta", "Gamma", "Alpha", "Draft"]
