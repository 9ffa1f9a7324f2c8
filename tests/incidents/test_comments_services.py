"""Comments and information: responders choose internal or visible; the reporter adds visible information that
tells the handler; auditors never comment; files are checked before anything is written."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import Notification
from incidents.choices import EventKind, Status
from incidents.models import IncidentAttachment, IncidentEvent
from incidents.services.comments import incident_comment
from tests.incidents.detail_support import EXE, PDF, files_dir_fixture, incident_at, upload  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(staff, security_officer):
    return incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)


def test_a_responder_writes_internal_or_visible_comments(incident, security_officer, staff):
    internal = incident_comment(
        actor=security_officer, incident=incident, text="Check the logs", internal=True
    )
    visible = incident_comment(actor=security_officer, incident=incident, text="We are on it", internal=False)
    assert (internal.kind, internal.internal) == (EventKind.COMMENT, True)
    assert (visible.kind, visible.internal) == (EventKind.COMMENT, False)
    # Only the visible comment is sent to the reporter.
    [note] = Notification.objects.filter(recipient=staff)
    assert "We are on it" in note.body


def test_the_reporters_information_is_visible_and_tells_the_handler(incident, staff, security_officer):
    event = incident_comment(actor=staff, incident=incident, text="I also clicked the link", internal=False)
    assert (event.kind, event.internal) == (EventKind.INFO, False)
    [note] = Notification.objects.filter(recipient=security_officer)
    assert note.subject == f"New information on {incident.reference}"
    assert "I also clicked the link" in note.body


def test_without_a_handler_the_security_officers_are_told(staff, security_officer):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    incident_comment(actor=staff, incident=incident, text="More details", internal=False)
    assert Notification.objects.filter(
        recipient=security_officer, subject__contains="New information"
    ).exists()


def test_the_reporter_cannot_write_internal_comments_and_auditors_cannot_comment(incident, staff, auditor):
    with pytest.raises(PermissionDenied):
        incident_comment(actor=staff, incident=incident, text="Secret", internal=True)
    with pytest.raises(PermissionDenied):
        incident_comment(actor=auditor, incident=incident, text="Hello", internal=False)
    assert not IncidentEvent.objects.filter(kind__in=[EventKind.COMMENT, EventKind.INFO]).exists()


def test_an_empty_comment_is_refused(incident, security_officer):
    with pytest.raises(ValidationError) as refused:
        incident_comment(actor=security_officer, incident=incident, text="  ", internal=True)
    assert "text" in refused.value.message_dict


def test_files_hang_on_the_comment_and_internal_ones_stay_internal(incident, security_officer, files_dir):
    event = incident_comment(
        actor=security_officer,
        incident=incident,
        text="The header dump",
        internal=True,
        uploads=[upload("headers.pdf", PDF)],
    )
    attachment = IncidentAttachment.objects.get()
    assert (attachment.event, attachment.internal) == (event, True)


def test_a_disallowed_file_refuses_the_whole_comment(incident, staff, files_dir):
    with pytest.raises(ValidationError) as refused:
        incident_comment(
            actor=staff,
            incident=incident,
            text="See attached",
            internal=False,
            uploads=[upload("fine.pdf", PDF), upload("invoice.pdf.exe", EXE)],
        )
    assert "files" in refused.value.message_dict
    assert not IncidentEvent.objects.filter(kind=EventKind.INFO).exists()
    assert not IncidentAttachment.objects.exists()
