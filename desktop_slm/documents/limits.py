"""What every document reader shares: its error, its bounds, and how blocks of text join."""

from __future__ import annotations

import re

from desktop_slm.errors import UserFacingError

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
READ_CHUNK = 1024 * 1024


class DocumentError(UserFacingError):
    """A file that cannot be read as text; the message names it and says what to do."""


def megabytes(count: int) -> str:
    if count < 1_048_576:
        return f"{max(1, round(count / 1024))} KB"
    return f"{count / 1_048_576:.0f} MB"


def too_large_file(name: str, size: int, limit: int) -> DocumentError:
    return DocumentError(
        f"{name} is {'more than ' if size == limit + 1 else ''}{megabytes(size)}; files up "
        f"to {megabytes(limit)} can be opened. Split it or copy the part you need.",
        code="too_large",
    )


def too_much_text(name: str) -> DocumentError:
    return DocumentError(
        f"{name} holds more than {MAX_TEXT_CHARS // 1_000_000} million characters of text; "
        f"Desktop SLM reads documents up to {MAX_TEXT_CHARS // 1_000_000} million characters "
        "(about 8 million words). Split it or copy the part you need.",
        code="too_large",
    )


def join_blocks(blocks: list[str]) -> str:
    """Blocks separated by blank lines; consecutive list items and table rows kept tight."""
    out: list[str] = []
    for index, block in enumerate(blocks):
        if index:
            previous = blocks[index - 1]
            tight = (is_list(block) and is_list(previous)) or (
                block.startswith("|") and previous.startswith("|")
            )
            out.append("\n" if tight else "\n\n")
        out.append(block)
    return "".join(out) + "\n" if out else ""


def is_list(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith("- ") or bool(re.match(r"\d+\. ", stripped))
