"""PDF evidence: a page rendered to PDF by WeasyPrint in the background, stored with the CSV it summarises.

Each app that offers PDF evidence keeps its jobs in its own ``PdfExport`` table (a subclass of
``PdfExportBase`` below) and has a Celery task that calls ``export_run`` with a ``build`` function of its
own. ``build`` runs in the requester's language and time zone and returns what to render (a template and
its context) and the CSV the PDF summarises: the CSV's bytes are hashed, the hash printed in the PDF, and
the CSV stored beside it (unless the app keeps the very file already, as a closed campaign's evidence is),
so an auditor can download both and check one against the other. The finished PDF's own SHA-256 is
recorded in the audit trail (``<app>.pdf.generated``).

Rendering never touches the network: ``url_fetcher`` serves our own static files (the print stylesheet)
and refuses anything else; fonts come from the system (DejaVu, through fontconfig). Where WeasyPrint cannot
load (no Pango on a plain machine) ``unavailable()`` says why, and the pages say the PDF is unavailable.
"""

import csv
import hashlib
import io
import logging
import secrets
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, partial
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models, transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dpms import audit, notify
from dpms.csvexport import safe_cell
from dpms.enqueue import enqueue

log = logging.getLogger(__name__)

FOLDER = "evidence-pdf"
BASE_URL = "file:///dpms-pdf/"  # relative links in a PDF's page resolve under it; only static/ is served


class PdfStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RENDERING = "rendering", _("Being written")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class PdfExportBase(models.Model):
    """One PDF asked for by one person: its subject, where it stands, and, once ready, the stored files and
    their SHA-256 (the PDF's is also in the audit trail; the CSV's is printed in the PDF)."""

    subject = models.CharField(max_length=200, help_text="What the PDF is about, as its footer names it.")
    status = models.CharField(max_length=10, choices=PdfStatus.choices, default=PdfStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8, help_text="The requester's language: the PDF is written in it.")
    pdf_file = models.CharField(max_length=100, blank=True, help_text="Name in the evidence-pdf storage.")
    csv_file = models.CharField(max_length=100, blank=True, help_text="The CSV kept beside it, if any.")
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    csv_sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.subject

    @property
    def running(self) -> bool:
        return self.status in (PdfStatus.QUEUED, PdfStatus.RENDERING)

    @property
    def ready(self) -> bool:
        return self.status == PdfStatus.READY


Export = TypeVar("Export", bound=PdfExportBase)


# --- Whether WeasyPrint can run here ----------------------------------------------------------------------
@cache
def unavailable() -> str:
    """Empty when PDFs can be made here; else why not (WeasyPrint or its Pango libraries missing)."""
    try:
        import weasyprint  # type: ignore[import-untyped]  # noqa: F401 - imported to learn whether it loads
    except (ImportError, OSError) as exc:
        return f"WeasyPrint cannot load: {exc}"
    return ""


# --- Rendering --------------------------------------------------------------------------------------------
def static_file_for(url: str) -> Path:
    """The static file WeasyPrint may read for ``url`` (a ``{% static %}``-style link resolved under
    ``BASE_URL``); anything else raises ValueError: a PDF is made without the network, and nothing a user
    typed can make it fetch a URL or read a file."""
    parts = urlsplit(url)
    static = urlsplit(BASE_URL).path + "static/"
    path = unquote(parts.path)
    if parts.scheme == "file" and not parts.netloc and path.startswith(static) and ".." not in path:
        found = finders.find(path.removeprefix(static))
        if found:
            return Path(found)
    raise ValueError(f"PDF rendering fetches only its own static files, not {url!r}")


def url_fetcher():
    """A WeasyPrint URL fetcher that serves ``static_file_for`` and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = static_file_for(url)
            mime = "text/css" if path.suffix == ".css" else "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return StaticOnly(allowed_protocols=["file"], allow_redirects=False)


def page_counter_css() -> str:
    """CSS ``content`` for "Page 1 of 3" in the current language: the translated sentence with its two
    numbers as CSS counters (one msgid, so translators see the whole sentence)."""
    marker = "\x00"
    text = gettext("Page %(page)s of %(pages)s") % {"page": marker + "p", "pages": marker + "n"}
    out = []
    for index, piece in enumerate(text.split(marker)):
        if index:
            counter = "counter(page)" if piece[:1] == "p" else "counter(pages)"
            out.append(counter)
            piece = piece[1:]
        if piece:
            out.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ") + '"')
    return " ".join(out)


def installation_name() -> str:
    host = urlsplit(settings.SITE_URL).hostname or ""
    return f"DPMS · {host}" if host else "DPMS"


def render_pdf(template: str, context: dict, *, subject: str, now=None) -> bytes:
    """``template`` (which extends ``partials/pdf/base.html``) as PDF bytes, in the current language."""
    from weasyprint import HTML

    html = render_to_string(
        template,
        {
            **context,
            "pdf_subject": subject,
            "pdf_generated_at": now or timezone.now(),
            "pdf_installation": installation_name(),
            "pdf_page_counter": page_counter_css(),
            "pdf_signatories": context.get("pdf_signatories") or [{}, {}],  # two blank lines by default
        },
    )
    return HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher()).write_pdf()


# --- CSV bytes, as the downloads write them ---------------------------------------------------------------
def csv_bytes(header: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """The bytes ``dpms.csvexport.streaming_csv`` sends for the same header and rows (same writer, same cells,
    UTF-8), so the hash of one is the hash of the other."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- Storage ----------------------------------------------------------------------------------------------
def storage() -> FileSystemStorage:
    """PDFs and their CSVs under ``DATA_DIR/evidence-pdf/``, outside the web root (served by a view that
    checks who asks)."""
    return FileSystemStorage(location=Path(settings.DATA_DIR) / FOLDER, base_url=None)


def _store(data: bytes, suffix: str) -> str:
    return storage().save(f"{secrets.token_hex(16)}{suffix}", ContentFile(data))


def open_file(name: str):
    return storage().open(name, "rb")


# --- The job ----------------------------------------------------------------------------------------------
@dataclass
class Built:
    """What an app's ``build`` hands back: the page to render and the CSV it summarises (``csv`` None when
    the app keeps that file itself; ``csv_sha256`` is then that file's known hash)."""

    template: str
    context: dict
    csv_sha256: str
    csv: bytes | None = None
    link: str = ""  # where the requester finds it (the notification's link)
    object_type: str = ""
    object_id: str = ""
    object_label: str = ""


def export_request(model: type[Export], *, task: str, requested_by, subject: str, **fields):
    """A new job for ``requested_by`` in their current language, handed to ``task`` after commit (call inside
    the service's transaction). A broker that is down leaves it queued: asking again starts another."""
    export = model._default_manager.create(
        subject=subject[:200],
        requested_by=requested_by,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        **fields,
    )
    transaction.on_commit(partial(enqueue, task, [export.pk]))
    return export


RESEND_AFTER = timedelta(minutes=5)  # a job still waiting this long lost its message (the broker was down)
GIVE_UP_AFTER = timedelta(minutes=30)  # well past the task time limit: its worker stopped mid-render


def export_sweep(model: type[Export], *, task: str, now) -> int:
    """A tick step's work for one app's jobs: send again the jobs still waiting after ``RESEND_AFTER`` (the
    claim in ``export_run`` makes a second message harmless), and mark failed those being written for longer
    than ``GIVE_UP_AFTER``, so their page says to ask again instead of showing progress for ever. Returns how
    many it touched."""
    manager = model._default_manager
    stalled = manager.filter(status=PdfStatus.RENDERING, created_at__lt=now - GIVE_UP_AFTER).update(
        status=PdfStatus.FAILED, error="The worker stopped while writing it.", finished_at=now
    )
    late = manager.filter(status=PdfStatus.QUEUED, created_at__lt=now - RESEND_AFTER)
    waiting = list(late.values_list("pk", flat=True)[:100])
    for export_id in waiting:
        if not enqueue(task, [export_id]):
            break  # the broker is still down: the next tick tries again
    return stalled + len(waiting)


def _zone(user):
    try:
        return zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def export_run(model: type[Export], export_id: int, build: Callable[[Export], Built], *, action: str) -> str:
    """Render one job: claim it (once, even if the task runs twice), build and render it in the requester's
    language and time zone, store the PDF (and the CSV), then in one transaction mark it ready, record
    ``action`` with both hashes in the audit trail and tell the requester. A failure marks it failed."""
    claimed = model._default_manager.filter(pk=export_id, status=PdfStatus.QUEUED).update(
        status=PdfStatus.RENDERING, progress=10
    )
    if not claimed:
        return "not queued"
    export = model._default_manager.select_related("requested_by").get(pk=export_id)
    user = export.requested_by
    now = timezone.now()
    if unavailable():
        model._default_manager.filter(pk=export_id).update(
            status=PdfStatus.FAILED, error=unavailable()[:2000], finished_at=now
        )
        return "failed"
    try:
        with translation.override(export.language), timezone.override(_zone(user)):
            built = build(export)
            model._default_manager.filter(pk=export_id).update(progress=50)
            pdf = render_pdf(
                built.template,
                {**built.context, "csv_sha256": built.csv_sha256},
                subject=export.subject,
                now=now,
            )
        pdf_name = _store(pdf, ".pdf")
        csv_name = _store(built.csv, ".csv") if built.csv is not None else ""
    except Exception as exc:
        log.exception("PDF export %s %s failed", model.__name__, export_id)
        model._default_manager.filter(pk=export_id).update(
            status=PdfStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        return "failed"
    pdf_sha256 = sha256(pdf)
    with transaction.atomic():
        model._default_manager.filter(pk=export_id).update(
            status=PdfStatus.READY,
            progress=100,
            pdf_file=pdf_name,
            csv_file=csv_name,
            pdf_sha256=pdf_sha256,
            csv_sha256=built.csv_sha256,
            finished_at=timezone.now(),
        )
        audit.record(
            action=action,
            actor=user,
            object_type=built.object_type,
            object_id=built.object_id,
            object_label=built.object_label,
            changes={
                "pdf_sha256": pdf_sha256,
                "csv_sha256": built.csv_sha256,
                "subject": export.subject,
                "export_id": export.pk,
                "language": export.language,
            },
            source="task",
        )
        notify.notify(
            recipient=user,
            subject=format_lazy(_("PDF ready: {subject}"), subject=export.subject),
            link=built.link,
            dedup_key=f"{action}:{export.pk}",
            send_email=False,  # they asked a moment ago and the page shows it: the app's notice is enough
        )
    return "ready"


# --- Pages: the job's page, its progress and the downloads ------------------------------------------------
def export_page(request, export, *, urls: dict, back_url: str, back_label: str, status: int = 200):
    """The job's page: what it is, its progress while it runs (polled), then the downloads."""
    context = {"export": export, "urls": urls, "back_url": back_url, "back_label": back_label,
               "pdf_unavailable": unavailable()}  # fmt: skip
    return render(request, "partials/pdf/export_page.html", context, status=status)


def progress_response(request, export, *, urls: dict) -> HttpResponse:
    """The progress partial, polled by htmx every 2 s; once the job has ended the page reloads once."""
    response = render(request, "partials/pdf/_progress.html", {"export": export, "urls": urls})
    if not export.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def file_response(export, which: str, filename: str) -> FileResponse:
    """The stored PDF (``which="pdf"``) or its CSV as an attachment; 404 until there is one."""
    name = export.pdf_file if which == "pdf" else export.csv_file
    if not export.ready or not name:
        raise Http404("No such file.")
    try:
        handle = open_file(name)
    except FileNotFoundError:
        raise Http404("No such file.") from None
    content_type = "application/pdf" if which == "pdf" else "text/csv; charset=utf-8"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
