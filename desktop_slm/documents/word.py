"""Word (.docx) documents as text, read by a bounded streaming parser of our own.

python-docx loads every part of the package (pictures included) before anything can be
checked, so a small file built to expand would take the memory first. Here only the main
document part, its styles and the two relationship parts are unpacked, each as a stream
counted against ``MAX_UNPACKED_BYTES``, and parsed by expat with DOCTYPE and entity
declarations refused ("billion laughs").
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from typing import Never
from xml.parsers import expat

from desktop_slm.documents.limits import (
    MAX_TEXT_CHARS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_DIRECTORY_BYTES,
    READ_CHUNK,
    DocumentError,
    join_blocks,
    megabytes,
    too_much_text,
)

log = logging.getLogger(__name__)

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


def read_docx(name: str, data: bytes) -> str:
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
            f"{name} lists {megabytes(directory)} of parts, far more than a Word document "
            f"has (Desktop SLM accepts up to {megabytes(MAX_ZIP_DIRECTORY_BYTES)}), so it was "
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
        raise too_much_text(name) from None
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
    size = f"more than {megabytes(MAX_UNPACKED_BYTES)}" if declared is None else megabytes(declared)
    return DocumentError(
        f"{name} would expand to {size} of text and markup; Desktop SLM reads Word documents up to "
        f"{megabytes(MAX_UNPACKED_BYTES)} unpacked. Split it or copy the part you need.",
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
        while chunk := stream.read(READ_CHUNK):
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
    if info is None or info.file_size > READ_CHUNK:
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
    _parse_part(package, info, parser, [READ_CHUNK])
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
    return join_blocks(lines)
