"""CVSS vectors score as FIRST's specification documents publish them (the examples of CVSS v3.1 and v4.0),
and the severity follows the qualitative rating scale; anything else is refused with a clear message."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from vulnerabilities.services.scoring import score, severity_for

# (vector, published score, severity) from the CVSS v3.1 examples document.
V3_1_EXAMPLES = [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "6.1", "medium"),  # phpMyAdmin reflected XSS
    ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", "6.4", "medium"),  # MySQL stored SQL injection
    ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", "3.1", "low"),  # SSLv3 POODLE
    ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", "9.9", "critical"),  # VMware guest to host escape
    ("CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", "4.2", "medium"),  # Tomcat XML parser
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "7.5", "high"),  # OpenSSL Heartbleed
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "9.8", "critical"),  # GNU Bash Shellshock
    ("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", "7.8", "high"),  # Apple iWork denial of service
]
# From the CVSS v4.0 specification and its examples.
V4_0_EXAMPLES = [
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "9.3", "critical"),
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "8.5", "high"),  # nginx mp4 module
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", "8.7", "high"),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", "0.0", "none"),
]


@pytest.mark.parametrize(("vector", "published", "severity"), V3_1_EXAMPLES)
def test_cvss_3_1_examples_give_their_published_scores(vector, published, severity):
    scored = score(vector)
    assert (scored.version, scored.score, scored.severity) == ("3.1", Decimal(published), severity)


@pytest.mark.parametrize(("vector", "published", "severity"), V4_0_EXAMPLES)
def test_cvss_4_0_examples_give_their_published_scores(vector, published, severity):
    scored = score(vector)
    assert (scored.version, scored.score, scored.severity) == ("4.0", Decimal(published), severity)


def test_a_cvss_3_0_vector_scores_as_well():
    assert score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").version == "3.0"


def test_the_vector_is_kept_in_the_specification_order():
    assert score(" CVSS:3.1/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/S:U ").vector == (
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    )


@pytest.mark.parametrize(
    ("number", "severity"),
    [("0.0", "none"), ("0.1", "low"), ("3.9", "low"), ("4.0", "medium"), ("6.9", "medium"),
     ("7.0", "high"), ("8.9", "high"), ("9.0", "critical"), ("10.0", "critical")],
)  # fmt: skip
def test_the_rating_scale_boundaries(number, severity):
    assert severity_for(Decimal(number)) == severity


@pytest.mark.parametrize(
    ("vector", "says"),
    [
        ("", "Enter a CVSS vector"),
        ("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "starts with CVSS:3.1/"),
        ("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", "starts with CVSS:3.1/"),
        ("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "Not a valid CVSS 3.1 vector"),
        ("CVSS:3.1/AV:N/AC:L", "Not a valid CVSS 3.1 vector"),
        ("CVSS:4.0/AV:N/AC:L", "Not a valid CVSS 4.0 vector"),
        ("CVSS:3.1/" + "AV:N/" * 80, "too long"),
    ],
)
def test_a_malformed_vector_is_refused_with_what_is_wrong(vector, says):
    with pytest.raises(ValidationError) as refused:
        score(vector)
    assert says in refused.value.messages[0]
