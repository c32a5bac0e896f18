"""Save a tool's output as .md, .txt, .html or .docx (real headings and lists), atomically.

PDF is printed by the window with Qt's own PDF writer from :func:`to_html_document`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from desktop_slm.documents.limits import DocumentError
from desktop_slm.documents.markdown import (
    CodeBlock,
    Heading,
    ListItem,
    Paragraph,
    Quote,
    Rule,
    Table,
    parse_blocks,
    parse_inline,
    plain_text,
    to_html_document,
)
from desktop_slm.fsutil import atomic_write_bytes, atomic_write_text

EXPORT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".docx")
CODE_FONT = "Consolas"


def write_markdown(path: Path, text: str) -> None:
    """``text`` as a UTF-8 Markdown (or plain text) file ending with one line break."""
    atomic_write_text(path, text.rstrip("\n") + "\n")


def write_html(path: Path, text: str, *, title: str = "") -> None:
    atomic_write_text(path, to_html_document(text, title))


def _add_runs(paragraph: Any, text: str) -> None:
    for run in parse_inline(text):
        added = paragraph.add_run(run.text)
        added.bold = run.bold or None
        added.italic = run.italic or None
        if run.code:
            added.font.name = CODE_FONT


def _list_style(item: ListItem) -> str:
    base = "List Number" if item.ordered else "List Bullet"
    return base if item.level == 0 else f"{base} {min(item.level + 1, 3)}"


def docx_bytes(text: str, *, title: str = "") -> bytes:
    """A Word document for Markdown ``text``: Heading 1-6 styles, List Bullet/Number, tables."""
    import docx

    document = docx.Document()
    blocks = parse_blocks(text)
    document.core_properties.title = title or next(
        (plain_text(b.text) for b in blocks if isinstance(b, Heading)), ""
    )
    for block in blocks:
        if isinstance(block, Heading):
            heading = document.add_heading(level=min(block.level, 6))
            _add_runs(heading, block.text)
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph()
            for index, line in enumerate(block.text.split("\n")):
                if index:
                    paragraph.add_run().add_break()
                _add_runs(paragraph, line)
        elif isinstance(block, ListItem):
            _add_runs(document.add_paragraph(style=_list_style(block)), block.text)
        elif isinstance(block, CodeBlock):
            paragraph = document.add_paragraph()
            for index, line in enumerate(block.text.split("\n")):
                if index:
                    paragraph.add_run().add_break()
                paragraph.add_run(line).font.name = CODE_FONT
        elif isinstance(block, Quote):
            _add_runs(document.add_paragraph(style="Quote"), block.text)
        elif isinstance(block, Rule):
            document.add_paragraph()
        elif isinstance(block, Table):
            table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
            table.style = "Table Grid"
            for row_index, row in enumerate((block.header, *block.rows)):
                for column, cell_text in enumerate(row):
                    cell = table.cell(row_index, column)
                    _add_runs(cell.paragraphs[0], cell_text)
                    if row_index == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(path: Path, text: str, *, title: str = "") -> None:
    atomic_write_bytes(path, docx_bytes(text, title=title))


def export_format(path: str | Path) -> str:
    """The format (extension) ``path`` will be saved in; raises for one that cannot be written."""
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf":
        raise DocumentError(
            "Saving as PDF needs the window for now (it prints with Qt's PDF writer). "
            "Save as .docx, .md or .html here, or use Save as… in the window.",
            code="pdf_needs_window",
        )
    if suffix not in EXPORT_SUFFIXES:
        raise DocumentError(
            f"Cannot save as {suffix or 'a file without extension'}; choose a name ending in "
            f"{', '.join(EXPORT_SUFFIXES)} (or .pdf in the window).",
            code="unsupported",
        )
    return suffix


def export(path: str | Path, text: str, *, title: str = "") -> Path:
    """Save ``text`` (Markdown) in the format ``path``'s extension names."""
    target = Path(path).expanduser()
    suffix = export_format(target)
    try:
        if suffix == ".docx":
            write_docx(target, text, title=title)
        elif suffix == ".html":
            write_html(target, text, title=title)
        else:
            write_markdown(target, text)
    except OSError as exc:
        raise DocumentError(
            f"Cannot save {target}: {exc.strerror or exc}. Choose another folder or name.",
            code="unwritable",
        ) from None
    return target
