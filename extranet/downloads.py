"""Serving stored files to the browser safely."""

from __future__ import annotations

from django.http import FileResponse, Http404


def file_download(field_file, *, filename: str, content_type: str) -> FileResponse:
    """Always a download, never rendered inline: the browser must not interpret client files.

    ``Content-Disposition: attachment`` plus ``nosniff`` stop an uploaded page or image from
    running in our origin; the sandboxing CSP is a second fence if a browser ignores both.
    """
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
