"""Writes that do not overwrite or repeat: ``ETag``/``If-Match`` refuses a write to an object that changed
since the client read it (412), and an ``Idempotency-Key`` makes a retried create give the first answer
again instead of creating twice."""

import pytest
from django.urls import reverse

from dpms import services
from dpms.models import Team
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db


def test_a_detail_answer_carries_an_etag_that_changes_with_the_object(staff, security_officer):
    token, text = token_for(staff, read_only=False)
    client = api_client(text)
    url = reverse("api:token-detail", args=[token.pk])
    first = client.get(url)["ETag"]
    assert first == client.get(url)["ETag"]
    services.api_token_revoke(actor=security_officer, token=token_for(staff, name="other")[0])
    assert client.get(url)["ETag"] == first  # another object's change leaves it
    spare, _ = token_for(staff, name="spare")
    spare_url = reverse("api:token-detail", args=[spare.pk])
    before = client.get(spare_url)["ETag"]
    services.api_token_revoke(actor=security_officer, token=spare)
    assert client.get(spare_url)["ETag"] != before


def test_a_write_with_a_stale_if_match_is_refused_with_412(staff, security_officer):
    _token, text = token_for(staff, read_only=False)
    spare, _ = token_for(staff, name="spare")
    client = api_client(text)
    stale = client.get(reverse("api:token-detail", args=[spare.pk]))["ETag"]
    services.api_token_revoke(actor=security_officer, token=spare)  # someone else changed it meanwhile
    response = client.post(reverse("api:token-revoke", args=[spare.pk]), HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["status"] == 412
    spare.refresh_from_db()
    assert spare.revoked_by == security_officer


def test_a_write_with_the_current_if_match_goes_ahead(staff):
    _token, text = token_for(staff, read_only=False)
    spare, _ = token_for(staff, name="spare")
    client = api_client(text)
    current = client.get(reverse("api:token-detail", args=[spare.pk]))["ETag"]
    response = client.post(reverse("api:token-revoke", args=[spare.pk]), HTTP_IF_MATCH=current)
    assert response.status_code == 200
    assert response["ETag"] != current


@pytest.mark.urls("tests.dpms.idempotency_urls")
class TestIdempotencyKeys:
    URL = "/api/test/teams/"

    def test_a_retry_with_the_same_key_creates_once_and_gets_the_first_answer(self, staff):
        client = api_client(token_for(staff, read_only=False)[1])
        first = client.post(self.URL, {"name": "Blue"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = client.post(self.URL, {"name": "Blue"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert Team.objects.filter(name="Blue").count() == 1

    def test_the_same_key_for_another_request_is_refused(self, staff):
        client = api_client(token_for(staff, read_only=False)[1])
        client.post(self.URL, {"name": "Blue"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        response = client.post(self.URL, {"name": "Green"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert response.status_code == 422
        assert not Team.objects.filter(name="Green").exists()

    def test_keys_are_per_person(self, staff, outsider):
        api_client(token_for(staff, read_only=False)[1]).post(
            self.URL, {"name": "Blue"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
        theirs = api_client(token_for(outsider, read_only=False)[1]).post(
            self.URL, {"name": "Red"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
        assert theirs.status_code == 201
        assert theirs.json()["name"] == "Red"

    def test_a_refused_create_is_not_kept_so_a_corrected_retry_with_a_new_body_uses_a_new_key(self, staff):
        client = api_client(token_for(staff, read_only=False)[1])
        bad = client.post(self.URL, {"name": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert bad.status_code == 400
        assert (
            client.post(self.URL, {"name": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 400
        )
        assert not Team.objects.filter(name="").exists()

    def test_without_a_key_each_call_creates(self, staff):
        client = api_client(token_for(staff, read_only=False)[1])
        client.post(self.URL, {"name": "A"}, format="json")
        assert client.post(self.URL, {"name": "A"}, format="json").status_code == 400  # unique name
        client.post(self.URL, {"name": "B"}, format="json")
        assert Team.objects.filter(name__in=["A", "B"]).count() == 2
