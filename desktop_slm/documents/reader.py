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
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Never
from xml.parsers import expat

from desktop_slm.errors import UserFacingError

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""The XML a .docx may unpack to (its text, markup and styles; pictures are not read)."""
MAX_ZIP_DIRECTORY_BYTES = 4 * 1024 * 1024
"""A .docx's list of parts (Word's are a few KB; 4 MB is some 40,000 parts)."""
MAX_TEXT_CHARS = 50_000_000
"""About 8 million words: far more than any model here can summarize in a day."""
MAX_PDF_PAGES = 5_000
PDF_PART_LIMIT_BYTES = 75_000_000
"""pypdf's own limit (6.0 and later) on what one stream may decompress to; not changed here."""
_READ_CHUNK = 1024 * 1024
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


class DocumentError(UserFacingError):
    """A file that cannot be read as text; the message names it and says what to do."""


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
        raise _too_large_file(name, size, max_bytes)
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
        raise _too_large_file(name, len(data), max_bytes)
    document = _read(path, data, suffix)
    if not document.text.strip():
        raise DocumentError(f"{name} contains no text.", code="empty")
    return document


def _megabytes(count: int) -> str:
    if count < 1_048_576:
        return f"{max(1, round(count / 1024))} KB"
    return f"{count / 1_048_576:.0f} MB"


def _too_large_file(name: str, size: int, limit: int) -> DocumentError:
    return DocumentError(
        f"{name} is {'more than ' if size == limit + 1 else ''}{_megabytes(size)}; files up "
        f"to {_megabytes(limit)} can be opened. Split it or copy the part you need.",
        code="too_large",
    )


def _too_much_text(name: str) -> DocumentError:
    return DocumentError(
        f"{name} holds more than {MAX_TEXT_CHARS // 1_000_000} million characters of text; "
        f"Desktop SLM reads documents up to {MAX_TEXT_CHARS // 1_000_000} million characters "
        "(about 8 million words). Split it or copy the part you need.",
        code="too_large",
    )


def _read(path: Path, data: bytes, suffix: str) -> Document:
    name = path.name
    if suffix == ".pdf":
        return _read_pdf(path, data)
    if suffix == ".docx":
        return Document(path, _read_docx(name, data), "docx")
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
                raise _too_much_text(name)
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


# ---------------------------------------------------------------- Word
# The transitional and the strict namespace of WordprocessingML.
_W = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",
    }
)
_OFFICE_DOCUMENT = "/officeDocument"
_STYLES = "/styles"


class _UnsafeXml(Exception):
    """A DOCTYPE or entity declaration: Word never writes one; "billion laughs" needs one."""


@dataclass
class _WordBlock:
    text: str = ""
    style_id: str = ""
    numbered: bool = False
    rows: list[list[str]] | None = None
    """For a table: its rows of cell texts."""


def _read_docx(name: str, data: bytes) -> str:
    """The text of a .docx, read by our own bounded parser (python-docx loads the whole package).

    Only the main document part, its styles and the two relationship parts are unpacked,
    each as a stream counted against ``MAX_UNPACKED_BYTES``, and parsed by expat with
    DOCTYPE and entity declarations refused.
    """
    not_word = DocumentError(
        f"{name} is not a readable Word document (.docx). If it opens in Word, save it "
        "again as .docx and try that.",
        code="bad_docx",
    )
    directory = _zip_directory_size(data)
    if directory > MAX_ZIP_DIRECTORY_BYTES:
        raise DocumentError(
            f"{name} lists {_megabytes(directory)} of parts, far more than a Word document "
            f"has (Desktop SLM accepts up to {_megabytes(MAX_ZIP_DIRECTORY_BYTES)}), so it was "
            "not opened. If it opens in Word, save it again as .docx and try that.",
            code="too_large",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = {info.filename: info for info in package.infolist()}
            main = _part_target(package, members, "", "_rels/.rels", _OFFICE_DOCUMENT)
            main = main or "word/document.xml"
            if main not in members:
                raise not_word
            folder, _, base = main.rpartition("/")
            styles = _part_target(
                package, members, folder, f"{folder}/_rels/{base}.rels".lstrip("/"), _STYLES
            )
            wanted = [members[main]] + ([members[styles]] if styles in members else [])
            declared = sum(info.file_size for info in wanted)
            if declared > MAX_UNPACKED_BYTES:
                raise _docx_too_large(name, declared)
            budget = [MAX_UNPACKED_BYTES]
            style_names = _docx_style_names(package, wanted[1], budget) if wanted[1:] else {}
            blocks = _docx_blocks(package, members[main], budget)
    except DocumentError:
        raise
    except _UnsafeXml:
        raise DocumentError(
            f"{name} holds XML declarations (DOCTYPE, entities) that Word never writes and "
            "that can expand a small file into gigabytes, so it was not opened. If it opens "
            "in Word, save it again as .docx and try that.",
            code="bad_docx",
        ) from None
    except _Unpacked:
        raise _docx_too_large(name, None) from None
    except _TooMuchText:
        raise _too_much_text(name) from None
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        KeyError,
        ValueError,
        EOFError,
        expat.ExpatError,
        NotImplementedError,
        RuntimeError,
    ):
        log.info("unreadable docx %s", name, exc_info=True)
        raise not_word from None
    if blocks is None:
        raise not_word
    return _word_text(blocks, style_names)


def _zip_directory_size(data: bytes) -> int:
    """The size of a zip's central directory as its end record states it, before zipfile reads it.

    zipfile builds an object per entry, so a 50 MB file of empty entries would take
    hundreds of MB; zipfile reads exactly this many bytes of entries.
    """
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0:
        return 0  # not a zip: zipfile says so
    size = int.from_bytes(data[end + 12 : end + 16], "little")
    locator = end - 20
    if size == 0xFFFFFFFF and locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
        record = int.from_bytes(data[locator + 8 : locator + 16], "little")
        size = int.from_bytes(data[record + 40 : record + 48], "little")
    return size


class _Unpacked(Exception):
    """More bytes came out of a part than its budget allows."""


class _TooMuchText(Exception):
    pass


def _docx_too_large(name: str, declared: int | None) -> DocumentError:
    size = (
        f"more than {_megabytes(MAX_UNPACKED_BYTES)}" if declared is None else _megabytes(declared)
    )
    return DocumentError(
        f"{name} would expand to {size} of text and markup; Desktop SLM reads Word documents up to "
        f"{_megabytes(MAX_UNPACKED_BYTES)} unpacked. Split it or copy the part you need.",
        code="too_large",
    )


def _safe_parser() -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse(*_args: object) -> Never:
        raise _UnsafeXml

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def _parse_part(
    package: zipfile.ZipFile, info: zipfile.ZipInfo, parser: expat.XMLParserType, budget: list[int]
) -> None:
    """Feed one part to ``parser`` as it is unpacked; stop once it exceeds the byte budget.

    zipfile itself stops at the declared size (and then fails its CRC check), so a header
    that lies cannot make it inflate more; the budget is counted on the real bytes anyway.
    """
    with package.open(info) as stream:
        while chunk := stream.read(_READ_CHUNK):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise _Unpacked
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _part_target(
    package: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    folder: str,
    rels: str,
    kind: str,
) -> str:
    """The part a relationships file points to for a relationship type ending in ``kind``."""
    info = members.get(rels)
    if info is None or info.file_size > _READ_CHUNK:
        return ""
    found: list[str] = []
    parser = _safe_parser()

    def start(tag: str, attrs: dict[str, str]) -> None:
        if (
            tag.endswith(" Relationship")
            and attrs.get("Type", "").endswith(kind)
            and attrs.get("TargetMode") != "External"
        ):
            found.append(attrs.get("Target", ""))

    parser.StartElementHandler = start
    _parse_part(package, info, parser, [_READ_CHUNK])
    if not found:
        return ""
    target = found[0]
    path = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}".lstrip("/")
    parts: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _w(tag: str) -> str:
    """The local name of a WordprocessingML element, "" for any other namespace."""
    namespace, _, local = tag.rpartition(" ")
    return local if namespace in _W else ""


def _docx_style_names(
    package: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]
) -> dict[str, str]:
    """Paragraph style id -> name; "" maps to the default paragraph style."""
    names: dict[str, str] = {}
    current: list[str] = []
    parser = _safe_parser()

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _w(tag)
        values = {_w(key) or key: value for key, value in attrs.items()}
        if local == "style" and values.get("type", "paragraph") == "paragraph":
            current[:] = [values.get("styleId", "")]
            if values.get("default") in ("1", "true", "on"):
                current.append("")
        elif local == "style":
            current.clear()
        elif local == "name" and current:
            for style_id in current:
                names.setdefault(style_id, values.get("val", ""))

    parser.StartElementHandler = start
    _parse_part(package, info, parser, budget)
    return names


def _docx_blocks(
    package: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]
) -> list[_WordBlock] | None:
    """The body's paragraphs and tables in order, as python-docx's ``iter_inner_content`` gives.

    Text comes from runs (``w:t``, tabs, line breaks) of the body's own paragraphs and of
    the cells of its tables; text boxes and nested tables are left out. None if the part
    is not a Word document.
    """
    blocks: list[_WordBlock] = []
    stack: list[str] = []
    paragraph_stack: list[_WordBlock | None] = []  # the open w:p elements, None if not read
    cell: list[str] | None = None
    root: list[str] = []
    chars = [0]
    parser = _safe_parser()
    parser.buffer_text = True

    def add(text: str) -> None:
        block = paragraph_stack[-1] if paragraph_stack else None
        if block is None or len(stack) < 2 or stack[-2] != "r":
            return
        chars[0] += len(text)
        if chars[0] > MAX_TEXT_CHARS:
            raise _TooMuchText
        block.text += text

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal cell
        local = _w(tag)
        if not root:
            root.append(local)
        parent = stack[-1] if stack else ""
        stack.append(local)
        if local == "p":
            read = parent == "body" or (
                parent == "tc" and len(stack) >= 5 and stack[-4] == "tbl" and stack[-5] == "body"
            )
            paragraph_stack.append(_WordBlock() if read else None)
        elif local == "tbl" and parent == "body":
            blocks.append(_WordBlock(rows=[]))
        elif local == "tr" and parent == "tbl" and len(stack) >= 3 and stack[-3] == "body":
            rows = blocks[-1].rows
            if rows is not None:
                rows.append([])
        elif local == "tc" and len(stack) >= 4 and stack[-3] == "tbl" and stack[-4] == "body":
            cell = []
        elif paragraph_stack and paragraph_stack[-1] is not None and parent == "pPr":
            values = {_w(key): value for key, value in attrs.items()}
            if local == "pStyle":
                paragraph_stack[-1].style_id = values.get("val", "")
            elif local == "numPr":
                paragraph_stack[-1].numbered = True
        elif local == "tab" or (local == "br" and attrs_type(attrs) in ("", "textWrapping")):
            add("\t" if local == "tab" else "\n")
        elif local == "cr":
            add("\n")
        elif local == "noBreakHyphen":
            add("-")

    def end(tag: str) -> None:
        nonlocal cell
        local = stack.pop()
        if local == "p":
            block = paragraph_stack.pop()
            if block is not None and cell is not None and stack and stack[-1] == "tc":
                cell.append(block.text)
            elif block is not None and stack and stack[-1] == "body":
                blocks.append(block)
        elif local == "tc" and cell is not None and len(stack) >= 3 and stack[-3] == "body":
            rows = blocks[-1].rows
            if rows:
                rows[-1].append("\n".join(cell).strip().replace("\n", " "))
            cell = None

    def text(data: str) -> None:
        if stack and stack[-1] == "t":
            add(data)

    def attrs_type(attrs: dict[str, str]) -> str:
        return next((v for k, v in attrs.items() if _w(k) == "type"), "")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    _parse_part(package, info, parser, budget)
    return blocks if root == ["document"] else None


def _word_text(blocks: list[_WordBlock], style_names: dict[str, str]) -> str:
    """Markdown-ish text: headings as #, list paragraphs as - or 1., tables as pipe rows."""
    lines: list[str] = []
    number = 0
    for block in blocks:
        if block.rows is None:
            text = block.text.strip()
            if not text:
                continue
            style = style_names.get(block.style_id, "") if block.style_id else ""
            style = (style or style_names.get("", "")).lower()
            heading = re.match(r"heading (\d)", style)
            if style == "title":
                lines.append(f"# {text}")
            elif heading:
                lines.append(f"{'#' * min(6, max(1, int(heading.group(1))))} {text}")
            elif style.startswith("list number"):
                number += 1
                lines.append(f"{number}. {text}")
                continue
            elif style.startswith("list") or block.numbered:
                lines.append(f"- {text}")
                continue
            else:
                lines.append(text)
            number = 0
        else:
            rows = block.rows
            if rows and rows[0]:
                lines.append("| " + " | ".join(rows[0]) + " |")
                lines.append("|" + "---|" * len(rows[0]))
                lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
            number = 0
    return _join_blocks(lines)


def _join_blocks(blocks: list[str]) -> str:
    """Blocks separated by blank lines; consecutive list items and table rows kept tight."""
    out: list[str] = []
    for index, block in enumerate(blocks):
        if index:
            previous = blocks[index - 1]
            tight = (_is_list(block) and _is_list(previous)) or (
                block.startswith("|") and previous.startswith("|")
            )
            out.append("\n" if tight else "\n\n")
        out.append(block)
    return "".join(out) + "\n" if out else ""


def _is_list(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith("- ") or bool(re.match(r"\d+\. ", stripped))


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
    return _join_blocks(parser.blocks)
