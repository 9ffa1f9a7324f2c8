"""Comments through the API: internal or visible lines exactly as the incident page decides them, files as
multipart, the timeline and the files each caller may read, and downloads under the page's rule."""

import pytest
from django.urls import reverse

from incidents.choices import Status
from incidents.models import IncidentEvent
from incidents.services.sharing import incident_share
from tests.dpms.api_support import api_client, token_for
from tests.incidents.detail_support import incident_at
from tests.incidents.reporting_support import PNG, attachments_dir_fixture, upload  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachments_dir")]


def client(user, read_only=False):
    return api_client(token_for(user, read_only=read_only)[1])


def url(name, incident, *args):
    return reverse(f"api:incident-{name}", args=[incident.pk, *args])


@pytest.fixture
def incident(staff, manager):
    return incident_at(Status.INVESTIGATING, reporter=staff, handler=manager)


def test_a_responder_chooses_internal_or_visible(incident, manager, staff):
    api = client(manager)
    response = api.post(
        url("comments", incident), {"text": "Checking logs", "visibility": "internal"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["internal"]) == ("comment", True)
    response = api.post(
        url("comments", incident), {"text": "We are on it", "visibility": "visible"}, format="json"
    )
    assert response.json()["internal"] is False
    # Unsaid, it is internal: the page's choice starts there.
    response = api.post(url("comments", incident), {"text": "Hm"}, format="json")
    assert response.json()["internal"] is True
    texts = [line["text"] for line in client(staff).get(url("comments", incident)).json()["results"]]
    assert texts == ["We are on it"]  # the reporter never reads an internal line
    texts = [line["text"] for line in api.get(url("comments", incident)).json()["results"]]
    assert texts == ["Checking logs", "We are on it", "Hm"]


def test_the_reporter_adds_information_which_is_never_internal(incident, staff):
    response = client(staff).post(
        url("comments", incident), {"text": "It came again", "visibility": "internal"}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["internal"]) == ("info", False)


def test_someone_it_is_shared_with_adds_internal_notes(incident, security_officer, outsider):
    incident_share(actor=security_officer, incident=incident, user=outsider)
    response = client(outsider).post(
        url("comments", incident), {"text": "Seen it too", "visibility": "visible"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["internal"] is True


def test_auditors_read_but_do_not_comment_and_outsiders_see_nothing(incident, auditor, outsider):
    assert client(auditor).get(url("comments", incident)).status_code == 200
    assert client(auditor).post(url("comments", incident), {"text": "x"}, format="json").status_code == 403
    assert client(outsider).get(url("comments", incident)).status_code == 404
    assert client(outsider).post(url("comments", incident), {"text": "x"}, format="json").status_code == 404
    assert client(outsider).get(url("timeline", incident)).status_code == 404
    assert not IncidentEvent.objects.filter(text="x").exists()


def test_an_empty_comment_is_the_services_field_error(incident, manager):
    response = client(manager).post(url("comments", incident), {"visibility": "internal"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"text": ["Write something, or attach a file."]}


def test_files_on_a_comment_and_their_download(incident, staff, manager, outsider):
    response = client(manager).post(
        url("comments", incident),
        {"text": "Screenshot", "visibility": "internal", "files": [upload("shot.png", PNG)]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    (file,) = response.json()["files"]
    assert (file["name"], file["content_type"], file["internal"]) == ("shot.png", "image/png", True)
    download = client(manager).get(file["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "ETag" not in download
    assert client(manager).get(file["download"], HTTP_ACCEPT="image/png").status_code == 200
    # An internal file: the reporter cannot open it, nor learn it exists; nor can an outsider.
    assert client(staff).get(file["download"]).status_code == 404
    assert client(staff).get(url("attachments", incident)).json() == []
    assert client(outsider).get(file["download"]).status_code == 404
    assert client(manager).get(url("attachment", incident, 999999)).status_code == 404
