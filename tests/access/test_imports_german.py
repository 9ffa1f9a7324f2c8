"""A file checked in the background is judged in its uploader's language: a German security officer reads
the problems of their file in German on its page, an English one in English (the check runs in a worker,
where no request says which language)."""

import pytest
from django.urls import reverse

from access.choices import ImportJobState
from tests.access.imports_support import create_checked, payroll_fixture  # noqa: F401 - fixture
from tests.factories import UserFactory
from tests.i18n import sign_in_german, speaks_german, untranslated

pytestmark = pytest.mark.django_db

BAD = b"email,system,role\nnobody@example.com,Payroll,Viewer\nsam.staff@example.com,Lohn,Viewer\n"


def test_a_german_uploader_reads_the_problems_of_their_file_in_german(client, security_officer, payroll):
    job = create_checked(speaks_german(security_officer), BAD)
    assert job.state == ImportJobState.CHECK_FAILED
    messages = [problem["message"] for problem in job.result["problems"]]
    assert messages == [
        "Unbekannte Person: keine aktive Person mit der E-Mail-Adresse nobody@example.com.",
        "Unbekanntes System „Lohn“.",
    ]
    page = sign_in_german(client, security_officer).get(reverse("access:import_job", args=[job.pk]))
    html = page.content.decode()
    assert "2 Probleme: Nichts kann importiert werden." in html
    main = html[html.index("<main") : html.index("</main>")]
    assert untranslated(main, ignore=[security_officer.full_name, "grants.csv", "Payroll", "Viewer"]) == []


def test_an_english_uploader_reads_them_in_english(payroll):
    officer = UserFactory(email="eve.officer@example.com", roles=["security officer"])
    job = create_checked(officer, BAD)
    assert job.result["problems"][1]["message"] == "Unknown system “Lohn”."
