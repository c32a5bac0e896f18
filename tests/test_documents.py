"""Opening documents (and every way one can be unusable), and saving results as .md/.docx/.html."""

from __future__ import annotations

import io
import os
from pathlib import Path

import docx
import pypdf
import pytest

from desktop_slm.documents import DocumentError, export, read_document
from desktop_slm.documents.markdown import ListItem, parse_blocks, to_html, to_html_document
from desktop_slm.documents.reader import html_to_text


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_with_text(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (Helvetica, one per line)."""
    shown = " ".join(f"({_pdf_escape(line)}) '" for line in lines)
    content = f"BT /F1 12 Tf 72 720 Td 16 TL {shown} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def encrypted(pdf: bytes, *, user_password: str, owner_password: str = "owner") -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password=owner_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf() -> bytes:
    """Pages but no text layer, as a scanner makes (here: blank pages)."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# ---------------------------------------------------------------- reading
def test_text_and_markdown_files_are_read_as_they_are(tmp_path: Path) -> None:
    text = "# Notes\n\nFirst paragraph.\n\n- item\n"
    document = read_document(write(tmp_path, "notes.md", text))
    assert document.text == text
    assert document.kind == "markdown"
    assert document.words == 6


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("utf-8 with BOM", "\ufeffGrüße aus Köln\r\nZeile zwei".encode()),
        ("utf-16 little endian", "Grüße aus Köln\r\nZeile zwei".encode("utf-16")),
        ("utf-16 big endian", b"\xfe\xff" + "Grüße aus Köln\r\nZeile zwei".encode("utf-16-be")),
    ],
)
def test_text_with_a_bom_is_decoded(tmp_path: Path, encoding: str, data: bytes) -> None:
    document = read_document(write(tmp_path, "greeting.txt", data))
    assert document.text == "Grüße aus Köln\nZeile zwei"


def test_latin1_text_gets_a_message_saying_to_save_as_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "old.txt", "Café crème, déjà vu".encode("latin-1"))
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert caught.value.code == "undecodable"
    assert "old.txt" in str(caught.value)
    assert "UTF-8" in str(caught.value)


def test_a_binary_file_is_named_as_such(tmp_path: Path) -> None:
    path = write(tmp_path, "photo.txt", bytes(range(256)) * 40)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert caught.value.code == "binary"
    assert "binary" in str(caught.value)


def test_missing_too_large_empty_and_unsupported_files(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="does not exist") as missing:
        read_document(tmp_path / "gone.pdf")
    assert missing.value.code == "missing"

    big = write(tmp_path, "big.txt", "word " * 5000)
    with pytest.raises(DocumentError, match="is 24 KB; files up to 10 KB can be opened") as large:
        read_document(big, max_bytes=10_000)
    assert large.value.code == "too_large"

    with pytest.raises(DocumentError, match="contains no text"):
        read_document(write(tmp_path, "blank.txt", "  \n\n"))

    with pytest.raises(DocumentError, match=r"Save it as \.docx") as old_word:
        read_document(write(tmp_path, "letter.doc", b"\xd0\xcf\x11\xe0 old word"))
    assert old_word.value.code == "unsupported"


def test_a_pdf_text_layer_is_read_page_by_page(tmp_path: Path) -> None:
    path = write(tmp_path, "minutes.pdf", pdf_with_text(["Harbour minutes", "Budget (approved)"]))
    document = read_document(path)
    assert document.kind == "pdf"
    assert document.pages == 1
    assert "Harbour minutes" in document.text
    assert "Budget (approved)" in document.text


def test_a_password_protected_pdf_says_so(tmp_path: Path) -> None:
    locked = encrypted(pdf_with_text(["secret plans"]), user_password="s3cret")
    with pytest.raises(DocumentError) as caught:
        read_document(write(tmp_path, "locked.pdf", locked))
    assert caught.value.code == "encrypted_pdf"
    assert "password" in str(caught.value)
    assert "locked.pdf" in str(caught.value)


def test_a_pdf_that_only_restricts_editing_opens(tmp_path: Path) -> None:
    restricted = encrypted(pdf_with_text(["open to read"]), user_password="")
    assert "open to read" in read_document(write(tmp_path, "restricted.pdf", restricted)).text


def test_a_pdf_without_text_layer_is_called_scanned(tmp_path: Path) -> None:
    with pytest.raises(DocumentError) as caught:
        read_document(write(tmp_path, "scan.pdf", scanned_pdf()))
    assert caught.value.code == "scanned_pdf"
    assert "no text layer" in str(caught.value)
    assert "OCR" in str(caught.value)


def test_a_damaged_pdf_is_refused_in_words(tmp_path: Path) -> None:
    with pytest.raises(DocumentError) as caught:
        read_document(write(tmp_path, "broken.pdf", b"%PDF-1.4\n" + os.urandom(2000)))
    assert caught.value.code in ("bad_pdf", "scanned_pdf")
    assert "broken.pdf" in str(caught.value)


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Quarterly report", level=1)
    document.add_paragraph("Sales rose in every region.")
    document.add_heading("Next steps", level=2)
    document.add_paragraph("Hire two engineers", style="List Bullet")
    document.add_paragraph("Open the Lyon office", style="List Bullet")
    document.add_paragraph("Plan", style="List Number")
    document.add_paragraph("Build", style="List Number")
    table = document.add_table(rows=2, cols=2)
    for row, values in enumerate((("Region", "Sales"), ("North", "120"))):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    document.save(path)
    return path


def test_a_word_document_keeps_headings_lists_and_tables(tmp_path: Path) -> None:
    document = read_document(make_docx(tmp_path / "report.docx"))
    assert document.kind == "docx"
    assert document.text == (
        "# Quarterly report\n\n"
        "Sales rose in every region.\n\n"
        "## Next steps\n\n"
        "- Hire two engineers\n- Open the Lyon office\n"
        "1. Plan\n2. Build\n\n"
        "| Region | Sales |\n|---|---|\n| North | 120 |\n"
    )


def test_a_file_named_docx_that_is_not_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError) as caught:
        read_document(write(tmp_path, "fake.docx", "just text, not a zip"))
    assert caught.value.code == "bad_docx"
    assert "Word" in str(caught.value)


def test_html_becomes_paragraphs_headings_and_lists(tmp_path: Path) -> None:
    page = (
        "<html><head><title>x</title><style>p{color:red}</style></head><body>"
        "<h1>Ferry &amp; port</h1><p>First   paragraph\nwraps.</p>"
        "<script>alert('no')</script><div>Line one<br>Line two</div>"
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"
        "<table><tr><th>Day</th><th>Time</th></tr><tr><td>Mon</td><td>9:00</td></tr></table>"
        "</body></html>"
    )
    assert html_to_text(page) == (
        "# Ferry & port\n\nFirst paragraph wraps.\n\nLine one\n\nLine two\n\n"
        "- one\n- two\n1. first\n\n| Day | Time |\n| Mon | 9:00 |\n"
    )
    latin = '<meta charset="iso-8859-1"><p>Café</p>'.encode("latin-1")
    assert read_document(write(tmp_path, "page.html", latin)).text == "Café\n"


# ---------------------------------------------------------------- writing
REPORT = """# Status update

Work is **on track** and *under budget*; see `tracker`.

## Progress

- Login page shipped
- Payments delayed
  - vendor API

1. Hire
2. Launch

| Item | Owner |
|------|-------|
| API | Sam |
"""


def test_docx_export_has_real_headings_lists_bold_and_tables(tmp_path: Path) -> None:
    path = export(tmp_path / "report.docx", REPORT)
    document = docx.Document(str(path))
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.text]
    assert styled == [
        ("Heading 1", "Status update"),
        ("Normal", "Work is on track and under budget; see tracker."),
        ("Heading 2", "Progress"),
        ("List Bullet", "Login page shipped"),
        ("List Bullet", "Payments delayed"),
        ("List Bullet 2", "vendor API"),
        ("List Number", "Hire"),
        ("List Number", "Launch"),
    ]
    body = document.paragraphs[1]
    assert [r.text for r in body.runs if r.bold] == ["on track"]
    assert [r.text for r in body.runs if r.italic] == ["under budget"]
    table = document.tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Item", "Owner"],
        ["API", "Sam"],
    ]
    assert document.core_properties.title == "Status update"
    # And it reads back as the same structure.
    assert read_document(path).text.startswith("# Status update\n\nWork is on track")


def test_markdown_export_round_trips(tmp_path: Path) -> None:
    path = export(tmp_path / "report.md", REPORT)
    assert read_document(path).text == REPORT


def test_html_export_is_a_page_with_escaped_text(tmp_path: Path) -> None:
    path = export(tmp_path / "r.html", REPORT + "\nA <script> tag & more.\n")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Status update</title>" in page
    assert "<h2>Progress</h2>" in page
    assert "<ul>\n<li>Login page shipped</li>\n<li>Payments delayed</li>\n<ul>" in page
    assert "<strong>on track</strong>" in page
    assert "&lt;script&gt; tag &amp; more." in page
    assert "<th>Item</th>" in page


def test_pdf_export_asks_for_the_window_and_unknown_formats_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError) as pdf:
        export(tmp_path / "report.pdf", REPORT)
    assert pdf.value.code == "pdf_needs_window"
    with pytest.raises(DocumentError, match=r"\.docx"):
        export(tmp_path / "report.odt", REPORT)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_save_keeps_the_old_file_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.docx"
    export(target, "# First version\n")
    before = target.read_bytes()

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(DocumentError, match="No space left") as caught:
        export(target, "# Second version\n")
    assert caught.value.code == "unwritable"
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.docx"]


def test_markdown_blocks_and_html_for_the_window() -> None:
    blocks = parse_blocks("1. one\n2. two\n   continued\n- a\n  - b")
    assert blocks == [
        ListItem("one", True, 0, 1),
        ListItem("two continued", True, 0, 2),
        ListItem("a", False, 0),
        ListItem("b", False, 1),
    ]
    html = to_html("```\n<b>code</b>\n```\n\n> quoted **bold**\n\n---")
    assert "<pre><code>&lt;b&gt;code&lt;/b&gt;</code></pre>" in html
    assert "<blockquote><p>quoted <strong>bold</strong></p></blockquote>" in html
    assert "<hr>" in html
    assert to_html_document("plain", title="T").count("<title>T</title>") == 1
