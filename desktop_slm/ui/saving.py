"""Save a tab's output: the core's formats (.txt, .md, .html, .docx) and PDF through Qt."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from desktop_slm import APP_DISPLAY_NAME
from desktop_slm.documents.export import export
from desktop_slm.documents.limits import DocumentError
from desktop_slm.documents.markdown import to_html_document

SAVE_FILTERS = (
    "Word document (*.docx)",
    "PDF (*.pdf)",
    "Markdown (*.md)",
    "Plain text (*.txt)",
    "Web page (*.html)",
)


def suffix_for_filter(selected_filter: str) -> str:
    """``"PDF (*.pdf)"`` -> ``".pdf"``; empty when the filter names no extension."""
    start = selected_filter.find("(*")
    end = selected_filter.find(")", start)
    if start < 0 or end < 0:
        return ""
    return selected_filter[start + 2 : end].split(maxsplit=1)[0]


def write_pdf(path: str | Path, markdown: str, *, title: str = "") -> Path:
    """``markdown`` printed to an A4 PDF by Qt's own PDF writer (headings, lists, tables).

    Written to a temporary file next to ``path`` and moved into place, so a failure
    never leaves half a file under the user's name.
    """
    target = Path(path).expanduser()
    document = QTextDocument()
    document.setHtml(to_html_document(markdown, title))
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise _unwritable(target, exc) from None
    os.close(handle)
    try:
        writer = QPdfWriter(temporary)
        writer.setCreator(APP_DISPLAY_NAME)
        writer.setTitle(title or target.stem)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(18, 18, 18, 18),
                QPageLayout.Unit.Millimeter,
            )
        )
        document.print_(writer)
        del writer  # the file is complete once the writer is gone
        if os.path.getsize(temporary) == 0:
            raise DocumentError(
                f"Cannot save {target}: the PDF could not be written. Choose another folder.",
                code="unwritable",
            )
        os.replace(temporary, target)
    except OSError as exc:
        raise _unwritable(target, exc) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return target


def _unwritable(target: Path, exc: OSError) -> DocumentError:
    return DocumentError(
        f"Cannot save {target}: {exc.strerror or exc}. Choose another folder or name.",
        code="unwritable",
    )


def save_output(path: str | Path, markdown: str, *, title: str = "") -> Path:
    """Save ``markdown`` in the format ``path``'s extension names; raises DocumentError."""
    if Path(path).suffix.lower() == ".pdf":
        return write_pdf(path, markdown, title=title)
    return export(path, markdown, title=title)
