"""CSV tables for batch analysis: separators, encodings, quoting and every bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_slm.documents import table as table_module
from desktop_slm.documents.limits import MAX_FILE_BYTES, DocumentError
from desktop_slm.documents.table import guess_text_column, parse_table, read_table


def write(tmp_path: Path, data: bytes, name: str = "feedback.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_the_separator_is_found_from_the_file(tmp_path: Path, separator: str) -> None:
    rows = [["id", "comment", "stars"], ["1", "Fast, friendly; great", "5"], ["2", "Slow", "2"]]
    lines = []
    for row in rows:
        lines.append(separator.join(f'"{cell}"' if separator in cell else cell for cell in row))
    table = read_table(write(tmp_path, ("\n".join(lines) + "\n").encode()))
    assert table.columns == ("id", "comment", "stars")
    assert table.rows[0]["comment"] == "Fast, friendly; great"
    assert table.rows[1] == {"id": "2", "comment": "Slow", "stars": "2"}
    assert table.name == "feedback.csv"


def test_excel_style_semicolons_with_a_bom_and_windows_1252(tmp_path: Path) -> None:
    utf8 = read_table(write(tmp_path, "\ufeffName;Kommentar\r\nJörg;Sehr gut, danke\r\n".encode()))
    assert utf8.columns == ("Name", "Kommentar")  # the BOM is not part of the first name
    assert utf8.rows == ({"Name": "Jörg", "Kommentar": "Sehr gut, danke"},)
    legacy = read_table(write(tmp_path, "Name;Note\r\nRené;Prix 20 €\r\n".encode("cp1252")))
    assert legacy.rows == ({"Name": "René", "Note": "Prix 20 €"},)


def test_quoted_fields_keep_their_line_breaks_and_quotes(tmp_path: Path) -> None:
    data = b'id,text\r\n1,"First line\r\nsecond line, still row 1"\r\n2,"She said ""no"""\r\n'
    table = read_table(write(tmp_path, data))
    assert [row["text"] for row in table.rows] == [
        "First line\nsecond line, still row 1",
        'She said "no"',
    ]


def test_ragged_rows_blank_lines_and_unnamed_columns() -> None:
    table = parse_table("id,,id\n1\n\n2,b,c,d,e\n")
    assert table.columns == ("id", "column 2", "id (2)")
    assert table.rows == (
        {"id": "1", "column 2": "", "id (2)": ""},
        {"id": "2", "column 2": "b", "id (2)": "c,d,e"},  # an unquoted comma in the text
    )


def test_a_single_column_of_texts_with_commas_stays_whole() -> None:
    table = parse_table("review\nGood, but slow\nBad, bad, bad\nFine\n")
    assert table.columns == ("review",)
    assert [row["review"] for row in table.rows] == ["Good, but slow", "Bad, bad, bad", "Fine"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"\n \n", "is empty"),
        (b"id,text\n", "no rows"),
        (b",,\n1,2,3\n", "no header row"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "binary"),
        (b"PK\x03\x04" + b"\x00" * 300, "binary"),
        (b"id,text\n1,\x81\x8d\x8f bad bytes\n", "not UTF-8 or Windows-1252"),
    ],
)
def test_files_that_are_not_tables_are_refused_with_a_sentence(
    tmp_path: Path, data: bytes, message: str
) -> None:
    with pytest.raises(DocumentError, match=message) as caught:
        read_table(write(tmp_path, data))
    assert "feedback.csv" in str(caught.value)


def test_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DocumentError, match="is a folder"):
        read_table(tmp_path)


def test_size_rows_and_field_length_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = write(tmp_path, b"a\n" + b"x\n" * (MAX_FILE_BYTES // 2))
    with pytest.raises(DocumentError, match="files up to 50 MB") as caught:
        read_table(big)
    assert caught.value.code == "too_large"
    big.unlink()

    monkeypatch.setattr(table_module, "MAX_ROWS", 3)
    assert len(parse_table("t\n1\n2\n3\n").rows) == 3
    with pytest.raises(DocumentError, match="more than 3 rows") as caught:
        parse_table("t\n1\n2\n3\n4\n", "many.csv")
    assert "many.csv" in str(caught.value)

    unbalanced = 'id,text\n1,"an opening quote that never closes\n' + "words " * 30_000
    with pytest.raises(DocumentError, match="longer than 131,072 characters") as caught:
        parse_table(unbalanced, "quotes.csv")
    assert "quotes are balanced" in str(caught.value)


def test_the_text_column_is_the_one_with_the_most_words() -> None:
    table = parse_table(
        "id,date,comment,score\n"
        "1,2025-03-01,The app keeps crashing when I open the camera,1\n"
        "2,2025-03-02,Love it,5\n"
        "3,2025-03-03,,3\n"
    )
    assert guess_text_column(table) == "comment"
