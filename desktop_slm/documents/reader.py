"""Open the files people drop on a tab: .txt, .md, .pdf, .docx, .html, as plain text.

Every way a file can be unusable has its own message (:class:`DocumentError`
with a ``code``): missing, too large, binary, undecodable text, encrypted PDF,
PDF without a text layer, damaged PDF or Word file, unsupported format.

Every reader is bounded, so a small file built to expand ("a zip bomb", "billion
laughs") is refused before it can take the memory: at most ``MAX_FILE_BYTES`` are
read from disk, at most ``MAX_UNPACKED_BYTES`` of XML are unpacked from a .docx
(declared sizes checked first, actual bytes counted while streaming), a PDF may have
at most ``MAX_PDF_PAGES`` pages and pypdf's own decompression limits apply, and no
document yields more than ``MAX_TEXT_CHARS`` characters.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from desktop_slm.documents.limits import (
    MAX_FILE_BYTES,
    MAX_PDF_PAGES,
    MAX_TEXT_CHARS,
    PDF_PART_LIMIT_BYTES,
    DocumentError,
    join_blocks,
    too_large_file,
    too_much_text,
)
from desktop_slm.documents.word import read_docx

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".pdf", ".docx", *HTML_SUFFIXES)
OTHER_FORMATS = {
    ".doc": "an old Word document",
    ".odt": "an OpenDocument text",
    ".rtf": "a Rich Text document",
    ".pages": "a Pages document",
    ".xlsx": "a spreadsheet",
    ".xls": "a spreadsheet",
    ".pptx": "a presentation",
}


@dataclass(frozen=True)
class Document:
    path: Path
    text: str
    kind: str
    """``text``, ``markdown``, ``pdf``, ``docx`` or ``html``."""
    pages: int | None = None
    notice: str = ""
    """Something the user should know although reading worked (e.g. unreadable pages)."""

    @property
    def words(self) -> int:
        return len(self.text.split())


def read_document(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """The text of ``path``, by its extension; raises :class:`DocumentError`."""
    path = Path(path).expanduser()
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DocumentError(f"The file {path} does not exist.", code="missing") from None
    except OSError as exc:
        raise DocumentError(f"Cannot open {path}: {exc.strerror}.", code="unreadable") from None
    if path.is_dir():
        raise DocumentError(f"{path} is a folder, not a file.", code="unreadable")
    if size > max_bytes:
        raise too_large_file(name, size, max_bytes)
    suffix = path.suffix.lower()
    if suffix in OTHER_FORMATS:
        raise DocumentError(
            f"{name} is {OTHER_FORMATS[suffix]}, which cannot be opened here. Save it as "
            ".docx, PDF or plain text and open that.",
            code="unsupported",
        )
    try:
        # Never more than the limit, whatever stat said (a growing file, a device, a pipe).
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError(f"Cannot read {path}: {exc.strerror}.", code="unreadable") from None
    if len(data) > max_bytes:
        raise too_large_file(name, len(data), max_bytes)
    document = _read(path, data, suffix)
    if not document.text.strip():
        raise DocumentError(f"{name} contains no text.", code="empty")
    return document


def _read(path: Path, data: bytes, suffix: str) -> Document:
    name = path.name
    if suffix == ".pdf":
        return _read_pdf(path, data)
    if suffix == ".docx":
        return Document(path, read_docx(name, data), "docx")
    if suffix in HTML_SUFFIXES:
        return Document(path, html_to_text(_decode_html(name, data)), "html")
    kind = "markdown" if suffix in (".md", ".markdown") else "text"
    if suffix not in TEXT_SUFFIXES:
        if data.startswith(b"%PDF-"):
            return _read_pdf(path, data)
        if data.startswith(b"PK\x03\x04"):
            raise DocumentError(
                f"{name} is a compressed or office file, not text. Open a .docx, PDF or "
                "text file instead.",
                code="binary",
            )
    return Document(path, decode_text(name, data), kind)


# ---------------------------------------------------------------- plain text
_BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    return len(_BINARY_CONTROL.findall(sample)) > max(8, len(sample) // 100)


def decode_text(name: str, data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM, else a clear error.

    Line ends become ``\\n``.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _undecodable(name) from None
    else:
        if _looks_binary(data):
            raise DocumentError(
                f"{name} looks like a binary file (a program, image or archive), not text. "
                "Open a text, Markdown, PDF, Word (.docx) or HTML file.",
                code="binary",
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _undecodable(name) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _undecodable(name: str) -> DocumentError:
    return DocumentError(
        f"{name} is not UTF-8 or UTF-16 text, so its characters cannot be read reliably. "
        "Save it again as UTF-8 (most editors offer this under Save As) and open it again.",
        code="undecodable",
    )


# ---------------------------------------------------------------- PDF
def _read_pdf(path: Path, data: bytes) -> Document:
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PyPdfError

    name = path.name
    damaged = DocumentError(
        f"{name} is damaged or not a PDF, and cannot be read. If it opens in a PDF viewer, "
        "print it to a new PDF and try that.",
        code="bad_pdf",
    )
    locked = DocumentError(
        f"{name} is protected with a password. Open it in a PDF viewer, save an unprotected "
        "copy (or copy the text) and use that.",
        code="encrypted_pdf",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pypdf warns about every small defect it repairs
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    if not reader.decrypt(""):  # many PDFs only restrict printing/editing
                        raise locked
                except (DependencyError, FileNotDecryptedError, NotImplementedError):
                    raise locked from None
            _check_page_count(name, _declared_page_count(reader))  # before pypdf walks them
            try:
                pages = list(reader.pages)
            except LimitReachedError:  # pypdf 7's own bound on the page tree
                raise _too_many_pages(name, None) from None
            _check_page_count(name, len(pages))
        except DocumentError:
            raise
        except FileNotDecryptedError:
            raise locked from None
        except LimitReachedError:
            log.info("PDF over pypdf's limits %s", path, exc_info=True)
            raise _pdf_bomb(name) from None
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            log.info("unreadable PDF %s", path, exc_info=True)
            raise damaged from None
        texts: list[str] = []
        failed = 0
        chars = 0
        for page in pages:
            try:
                texts.append(_page_text(page))
            except FileNotDecryptedError:
                raise locked from None
            except LimitReachedError:
                log.info("PDF page over pypdf's limits %s", path, exc_info=True)
                raise _pdf_bomb(name) from None
            except Exception:  # one bad page must not lose the others
                log.info("cannot extract page of %s", path, exc_info=True)
                failed += 1
                texts.append("")
            chars += len(texts[-1])
            if chars > MAX_TEXT_CHARS:
                raise too_much_text(name)
    text = "\n\n".join(t for t in texts if t.strip())
    if not re.search(r"[^\W\d_]", text):
        raise DocumentError(
            f"{name} has no text layer: it is probably a scanned image. Run it through text "
            "recognition (OCR) first, or copy the text in by hand.",
            code="scanned_pdf",
        )
    notice = (
        f"{failed} of {len(pages)} pages could not be read and were left out." if failed else ""
    )
    return Document(path, text, "pdf", pages=len(pages), notice=notice)


def _declared_page_count(reader: Any) -> int:
    """The page count the PDF states (``/Count``), read without walking the page tree."""
    try:
        count = reader.trailer["/Root"]["/Pages"]["/Count"]
        return int(count)
    except (KeyError, TypeError, ValueError, AttributeError):
        return 0  # pypdf repairs what it can; len(reader.pages) is checked after the walk


def _check_page_count(name: str, pages: int) -> None:
    if pages > MAX_PDF_PAGES:
        raise _too_many_pages(name, pages)


def _too_many_pages(name: str, pages: int | None) -> DocumentError:
    count = f"more than {MAX_PDF_PAGES:,}" if pages is None else f"{pages:,}"
    return DocumentError(
        f"{name} has {count} pages; Desktop SLM reads PDFs of up to {MAX_PDF_PAGES:,} "
        "pages. Save the pages you need as a new PDF and open that.",
        code="too_large",
    )


def _pdf_bomb(name: str) -> DocumentError:
    return DocumentError(
        f"{name} would expand to more than {PDF_PART_LIMIT_BYTES // 1_000_000} MB when one of "
        f"its parts is unpacked; Desktop SLM reads PDFs whose parts unpack to at most "
        f"{PDF_PART_LIMIT_BYTES // 1_000_000} MB each. If it opens in a PDF viewer, print it "
        "to a new PDF and try that.",
        code="too_large",
    )


def _page_text(page: Any) -> str:
    raw = str(page.extract_text() or "")
    # pypdf gives tabs between words of PDFs written by some producers (Qt's among them).
    raw = re.sub(r"[ \t]*\t[ \t]*", " ", raw)
    lines = [line.rstrip() for line in raw.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


# ---------------------------------------------------------------- HTML
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def _decode_html(name: str, data: bytes) -> str:
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        declared = _CHARSET.search(data[:4096])
        if declared:
            encoding = declared.group(1).decode("ascii", "replace")
            try:
                return data.decode(encoding).replace("\r\n", "\n")
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration: fall back to what the bytes say
    return decode_text(name, data)


_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "header",
        "hr",
        "main",
        "nav",
        "ol",
        "p",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "ul",
        "tr",
        "caption",
    ]
)
_SKIP_TAGS = frozenset(
    ["script", "style", "noscript", "template", "head", "svg", "iframe", "object", "canvas"]
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._line: list[str] = []
        self._skip = 0
        self._pre = 0
        self._lists: list[list[int]] = []  # per open list: [ordered?, counter]
        self._cell = 0

    def flush(self) -> None:
        text = "".join(self._line)
        if not self._pre:
            text = re.sub(r"[ \t\r\n\f]+", " ", text).strip()
        if text.strip():
            self.blocks.append(text)
        self._line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        if self._skip:
            return
        if tag == "br":
            if self._pre:
                self._line.append("\n")
            else:
                self.flush()
            return
        if tag in ("ul", "ol"):
            self.flush()
            self._lists.append([1 if tag == "ol" else 0, 0])
        elif tag == "li":
            self.flush()
            indent = "  " * max(0, len(self._lists) - 1)
            if self._lists and self._lists[-1][0]:
                self._lists[-1][1] += 1
                self._line.append(f"{indent}{self._lists[-1][1]}. ")
            else:
                self._line.append(f"{indent}- ")
        elif re.fullmatch(r"h[1-6]", tag):
            self.flush()
            self._line.append("#" * int(tag[1]) + " ")
        elif tag == "pre":
            self.flush()
            self._pre += 1
        elif tag in ("td", "th"):
            self._line.append(" | " if self._cell else "| ")
            self._cell += 1
        elif tag in _BLOCK_TAGS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag in ("ul", "ol"):
            self.flush()
            if self._lists:
                self._lists.pop()
        elif tag == "pre":
            self.flush()
            self._pre = max(0, self._pre - 1)
        elif tag == "tr":
            if self._cell:
                self._line.append(" |")
            self._cell = 0
            self.flush()
        elif tag in _BLOCK_TAGS or tag == "li" or re.fullmatch(r"h[1-6]", tag):
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._line.append(data)


def html_to_text(markup: str) -> str:
    """Readable text from HTML: one paragraph per block, lists and headings as Markdown."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    parser.flush()
    return join_blocks(parser.blocks)
