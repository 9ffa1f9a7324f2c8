"""A stored file sent as a download that a browser cannot run: an attachment, ``nosniff`` and a sandbox CSP
(and, like every download, kept by no cache: ``dpms.middleware.NoStoreMiddleware``)."""

from django.http import FileResponse


def sandboxed_download(handle, *, filename: str, content_type: str) -> FileResponse:
    """``handle`` (an open binary file) as a download named ``filename``; text is declared UTF-8."""
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
