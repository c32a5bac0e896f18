"""Files built to explode when opened: each is refused in one sentence, in under 1 GB of memory.

The bombs are built here, streamed to disk in pieces so the test itself stays small:
a .docx whose document.xml inflates to more than 1 GB, one whose zip header lies
about the size, a "billion laughs" document.xml, a PDF whose content stream inflates
to gigabytes, PDFs with too many pages, and text and HTML files over the size limit.
Each is read by ``read_document`` in a child process whose peak resident memory is
measured (``ru_maxrss`` of its parent's children, in a fresh parent).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_slm.documents import reader
from desktop_slm.documents.limits import MAX_FILE_BYTES, MAX_PDF_PAGES

MEMORY_BOUND = 1024 * 1024 * 1024  # the bound: no input may take more
GIB = 1024 * 1024 * 1024
MIB = 1024 * 1024

# A fresh parent process, so RUSAGE_CHILDREN covers the one child that reads the file.
_MEASURE = r"""
import json, resource, subprocess, sys, time
child = '''
import json, sys
from desktop_slm.documents import DocumentError, read_document
try:
    document = read_document(sys.argv[1])
except DocumentError as error:
    print(json.dumps({"code": error.code, "message": str(error)}))
else:
    print(json.dumps({"code": "read", "message": "", "chars": len(document.text),
                      "pages": document.pages}))
'''
started = time.monotonic()
done = subprocess.run([sys.executable, "-c", child, sys.argv[1]], capture_output=True, text=True)
seconds = time.monotonic() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
lines = done.stdout.strip().splitlines()
outcome = json.loads(lines[-1]) if lines else {"code": "crashed", "message": done.stderr[-2000:]}
outcome.update(seconds=seconds, peak_bytes=peak, returncode=done.returncode)
print(json.dumps(outcome))
"""


@dataclass(frozen=True)
class Outcome:
    code: str
    message: str
    seconds: float
    peak_bytes: int
    chars: int = 0
    pages: int | None = None

    def __str__(self) -> str:
        return f"{self.code} in {self.seconds:.2f} s, peak {self.peak_bytes / MIB:.0f} MiB"


def read_in_child(path: Path) -> Outcome:
    """What ``read_document(path)`` does in a process of its own, with its time and peak RSS."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    data = json.loads(done.stdout)
    outcome = Outcome(
        code=data["code"],
        message=data["message"],
        seconds=data["seconds"],
        peak_bytes=data["peak_bytes"],
        chars=data.get("chars", 0),
        pages=data.get("pages"),
    )
    print(f"{path.name}: {outcome}")  # the figures the report quotes (pytest -s)
    assert outcome.peak_bytes < MEMORY_BOUND * 0.75, str(outcome)
    return outcome


# ---------------------------------------------------------------- building the bombs
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
DOC_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>'
DOC_TAIL = "</w:body></w:document>"
PARAGRAPH = "<w:p><w:r><w:t>All work and no play makes a dull report.</w:t></w:r></w:p>"


def paragraphs(total: int) -> Iterator[bytes]:
    """About ``total`` bytes of body paragraphs, 1 MiB at a time."""
    block = (PARAGRAPH * (MIB // len(PARAGRAPH))).encode()
    for _ in range(total // len(block) + 1):
        yield block


def write_docx(path: Path, document_xml: Iterator[bytes]) -> Path:
    """A .docx whose document.xml is streamed into the zip piece by piece."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", ROOT_RELS)
        with package.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(DOC_HEAD.encode())
            for piece in document_xml:
                part.write(piece)
            part.write(DOC_TAIL.encode())
    return path


def lie_about_size(path: Path, member: str, declared: int) -> None:
    """Rewrite ``member``'s uncompressed size in the central directory to ``declared``."""
    with zipfile.ZipFile(path) as package:
        info = package.getinfo(member)
        directory_offset = package.start_dir
    data = bytearray(path.read_bytes())
    position = directory_offset
    while data[position : position + 4] == b"PK\x01\x02":
        name_length = int.from_bytes(data[position + 28 : position + 30], "little")
        extra_length = int.from_bytes(data[position + 30 : position + 32], "little")
        comment_length = int.from_bytes(data[position + 32 : position + 34], "little")
        name = bytes(data[position + 46 : position + 46 + name_length]).decode()
        if name == info.filename:
            data[position + 24 : position + 28] = declared.to_bytes(4, "little")
            extra = position + 46 + name_length
            if extra_length:  # zip64: the real sizes live in the extra field; drop it
                data[position + 30 : position + 32] = b"\0\0"
                data[extra : extra + extra_length] = b""
                data[position + 46 + name_length :] = data[extra:]
            break
        position += 46 + name_length + extra_length + comment_length
    else:
        raise AssertionError(f"{member} not found in the central directory")
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as package:  # the lie is what zipfile now believes
        assert package.getinfo(member).file_size == declared


def pdf(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (numbered from 1, object 1 the catalog) with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def pages_pdf(count: int, *, declared: int | None = None, text: bytes = b"") -> bytes:
    """``count`` pages sharing one content stream; ``/Count`` says ``declared``."""
    content = text or b"BT /F1 12 Tf 72 720 Td (A page of the book.) Tj ET"
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + n) for n in range(count))
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
        b"/Resources << /Font << /F1 4 0 R >> >> >>"
    )
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>"
            % (kids, count if declared is None else declared),
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            FONT,
            *([page] * count),
        ]
    )


def flate_bomb_pdf(inflated: int) -> bytes:
    """One page whose content stream is Flate data inflating to ``inflated`` bytes.

    After a full flush deflate starts afresh, so every 1 MiB block compresses to the
    same bytes: the stream is written by repeating them, without compressing gigabytes.
    """
    block = b"BT /F1 12 Tf 72 720 Td (lol) Tj ET" + b" " * (MIB - 34)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 15)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH) == repeated
    stream = first + repeated * (inflated // len(block)) + compressor.flush()
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
            FONT,
        ]
    )


# ---------------------------------------------------------------- Word
def test_a_docx_that_inflates_past_a_gigabyte_is_refused_by_its_declared_size(
    tmp_path: Path,
) -> None:
    bomb = write_docx(tmp_path / "report.docx", paragraphs(GIB + 100 * MIB))
    assert bomb.stat().st_size < 10 * MIB

    outcome = read_in_child(bomb)

    assert outcome.code == "too_large"
    assert re.match(r"report\.docx would expand to 11\d\d MB of text and markup;", outcome.message)
    assert "Word documents up to 200 MB unpacked" in outcome.message
    assert outcome.seconds < 60


def test_a_docx_whose_zip_header_lies_about_the_size_is_refused(tmp_path: Path) -> None:
    bomb = write_docx(tmp_path / "liar.docx", paragraphs(300 * MIB))
    lie_about_size(bomb, "word/document.xml", 4096)

    outcome = read_in_child(bomb)

    # Only the declared 4 KiB are ever inflated; then the checksum gives the lie away.
    assert outcome.code == "bad_docx"
    assert outcome.message.startswith("liar.docx is not a readable Word document (.docx).")
    assert outcome.seconds < 60


def test_a_billion_laughs_document_xml_is_refused(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE w:document [' + "".join(entities) + "]>"
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    bomb = tmp_path / "laughs.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", ROOT_RELS)
        package.writestr("word/document.xml", laughs)

    outcome = read_in_child(bomb)

    assert outcome.code == "bad_docx"
    assert outcome.message.startswith(
        "laughs.docx holds XML declarations (DOCTYPE, entities) that Word never"
    )


def test_a_docx_of_countless_parts_is_refused_before_they_are_listed(tmp_path: Path) -> None:
    bomb = write_docx(tmp_path / "parts.docx", iter([PARAGRAPH.encode()]))
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_STORED) as package:
        for number in range(100_000):
            package.writestr(f"word/media/{number:x}", b"")

    outcome = read_in_child(bomb)

    assert outcome.code == "too_large"
    assert re.match(r"parts\.docx lists \d+ MB of parts, far more than a Word", outcome.message)


def test_a_large_real_word_document_still_opens(tmp_path: Path) -> None:
    """About 2,000 pages of text (60 MB of document.xml) opens, well inside the limits."""
    document = write_docx(tmp_path / "book.docx", paragraphs(60 * MIB))

    outcome = read_in_child(document)

    assert outcome.code == "read", outcome.message
    assert outcome.chars > 30_000_000


# ---------------------------------------------------------------- PDF
def test_a_pdf_whose_content_stream_inflates_to_gigabytes_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "manual.pdf"
    bomb.write_bytes(flate_bomb_pdf(3 * GIB))
    assert bomb.stat().st_size < 10 * MIB

    outcome = read_in_child(bomb)

    assert outcome.code == "too_large"
    assert outcome.message.startswith(
        "manual.pdf would expand to more than 75 MB when one of its parts is unpacked;"
    )
    assert outcome.seconds < 60


def test_a_pdf_with_too_many_pages_is_refused_before_they_are_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.pdf"
    huge.write_bytes(pages_pdf(60_000))

    outcome = read_in_child(huge)

    assert outcome.code == "too_large"
    assert outcome.message == (
        f"huge.pdf has 60,000 pages; Desktop SLM reads PDFs of up to {MAX_PDF_PAGES:,} pages. "
        "Save the pages you need as a new PDF and open that."
    )
    assert outcome.seconds < 60


def test_a_pdf_that_understates_its_page_count_is_still_refused(tmp_path: Path) -> None:
    liar = tmp_path / "liar.pdf"
    liar.write_bytes(pages_pdf(MAX_PDF_PAGES + 1000, declared=1))

    outcome = read_in_child(liar)

    assert outcome.code == "too_large"
    assert outcome.message.startswith(f"liar.pdf has {MAX_PDF_PAGES + 1000:,} pages;")


def test_a_500_page_pdf_book_opens(tmp_path: Path) -> None:
    book = tmp_path / "book.pdf"
    book.write_bytes(pages_pdf(500))

    outcome = read_in_child(book)

    assert outcome.code == "read", outcome.message
    assert outcome.pages == 500


# ---------------------------------------------------------------- text and HTML
@pytest.mark.parametrize("name", ["huge.txt", "huge.md", "huge.html"])
def test_text_and_html_over_the_size_limit_are_refused_unread(tmp_path: Path, name: str) -> None:
    huge = tmp_path / name
    with huge.open("wb") as out:
        out.truncate(MAX_FILE_BYTES * 20)  # 1 GB, sparse: nothing to write

    outcome = read_in_child(huge)

    assert outcome.code == "too_large"
    assert outcome.message == (
        f"{name} is 1000 MB; files up to 50 MB can be opened. Split it or copy the part you need."
    )
    assert outcome.seconds < 30


def test_a_25_mb_html_page_opens_in_bounded_memory(tmp_path: Path) -> None:
    page = tmp_path / "archive.html"
    row = b"<p>One more paragraph of the mailing list archive, &amp; a link <a>here</a>.</p>\n"
    with page.open("wb") as out:
        out.write(b"<html><body>")
        out.write(row * (25 * MIB // len(row)))
        out.write(b"</body></html>")

    outcome = read_in_child(page)

    assert outcome.code == "read", outcome.message


def test_a_pipe_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    """stat says 0 bytes for a pipe (or a device): reading stops at the limit all the same."""
    pipe = tmp_path / "log.txt"
    os.mkfifo(pipe)

    def endless_writer() -> None:
        with contextlib.suppress(BrokenPipeError), pipe.open("wb") as out:
            for _ in range(1000):
                out.write(b"a line of the log\n" * 1000)

    writer = threading.Thread(target=endless_writer, daemon=True)
    writer.start()
    with pytest.raises(reader.DocumentError) as refused:
        reader.read_document(pipe, max_bytes=100_000)
    writer.join(timeout=30)

    assert refused.value.code == "too_large"
    assert str(refused.value) == (
        "log.txt is more than 98 KB; files up to 98 KB can be opened. Split it or copy the "
        "part you need."
    )
