"""CSV exports: cells safe to open in a spreadsheet, streamed so a big export holds no memory or request."""

import csv
from collections.abc import Iterable

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import force_str

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell as text; dates as ISO 8601; a cell starting like a formula gets a quote (CSV injection)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = force_str(value if value is not None else "")
    return "'" + text if text[:1] in FORMULA_STARTS else text


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value):
        return value


def streaming_csv(*, name: str, header: Iterable[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """Stream ``rows`` (raw values) under ``header`` as the attachment ``dpms-<name>-<timestamp>.csv``."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(value) for value in row])

    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dpms-{name}-{stamp}.csv"'
    return response


def bad_filter(form) -> HttpResponseBadRequest:
    """An export with an invalid filter says what is wrong, rather than sending an empty file."""
    problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
    return HttpResponseBadRequest(problems, content_type="text/plain; charset=utf-8")
