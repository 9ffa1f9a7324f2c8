"""CVSS scoring: a vector's version, score and severity, computed by the ``cvss`` library (never typed in).

CVSS 3.0, 3.1 and 4.0 vectors are accepted, each with its ``CVSS:<version>/`` prefix. A 3.x vector scores its
base score (the number scanners and advisories publish); a 4.0 vector scores as the specification defines it
for the metrics given (CVSS-B, or CVSS-BT/BTE when threat or environmental metrics are present). The
severity follows FIRST's qualitative rating scale, the same for both versions: 0.0 none, 0.1-3.9 low,
4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0 critical."""

from dataclasses import dataclass
from decimal import Decimal

from cvss import CVSS3, CVSS4  # type: ignore[import-untyped]
from cvss.exceptions import CVSSError  # type: ignore[import-untyped]
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vulnerabilities.choices import CvssVersion, Severity

MAX_VECTOR_LENGTH = 300


@dataclass(frozen=True)
class Score:
    """A scored vector; ``vector`` is the library's clean form of it (metrics in the specification's
    order)."""

    version: str
    score: Decimal
    severity: str
    vector: str


def severity_for(score: Decimal) -> str:
    """FIRST's qualitative rating of a CVSS score (CVSS 3.1 specification, section 5; CVSS 4.0 the same)."""
    if score >= Decimal("9.0"):
        return Severity.CRITICAL
    if score >= Decimal("7.0"):
        return Severity.HIGH
    if score >= Decimal("4.0"):
        return Severity.MEDIUM
    if score > 0:
        return Severity.LOW
    return Severity.NONE


def score(vector: str) -> Score:
    """The version, score and severity of ``vector``; a ``ValidationError`` saying what is wrong when it is
    not a CVSS 3.0, 3.1 or 4.0 vector."""
    text = (vector or "").strip()
    if not text:
        raise ValidationError(_("Enter a CVSS vector."), code="required")
    if len(text) > MAX_VECTOR_LENGTH:
        raise ValidationError(_("This is too long for a CVSS vector."), code="invalid")
    if text.startswith("CVSS:4.0/"):
        try:
            parsed4 = CVSS4(text)
        except CVSSError as error:
            raise ValidationError(
                _("Not a valid CVSS %(version)s vector: %(error)s.") % {"version": "4.0", "error": error},
                code="invalid",
            ) from None
        number = Decimal(str(parsed4.base_score)).quantize(Decimal("0.1"))
        return Score(CvssVersion.V4_0.value, number, severity_for(number), parsed4.clean_vector())
    if text.startswith(("CVSS:3.1/", "CVSS:3.0/")):
        try:
            parsed3 = CVSS3(text)
        except CVSSError as error:
            raise ValidationError(
                _("Not a valid CVSS %(version)s vector: %(error)s.") % {"version": text[5:8], "error": error},
                code="invalid",
            ) from None
        number = Decimal(str(parsed3.scores()[0])).quantize(Decimal("0.1"))
        return Score(text[5:8], number, severity_for(number), parsed3.clean_vector())
    raise ValidationError(
        _(
            "A CVSS vector starts with CVSS:3.1/ or CVSS:4.0/ (CVSS 3.0 also works), "
            "e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H."
        ),
        code="invalid",
    )
