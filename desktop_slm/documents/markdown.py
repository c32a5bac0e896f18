"""A small Markdown reader for the tools' output: blocks and inline runs, and HTML from them.

It covers what the writing tools produce (headings, paragraphs, bullet and
numbered lists, **bold**, *italic*, `code`, links, fenced code, tables, quotes,
rules), for the .docx writer and for an HTML view or PDF printout in the window.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    link: str = ""


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    """Lines of the paragraph joined by ``\\n`` (line breaks are kept)."""


@dataclass(frozen=True)
class ListItem:
    text: str
    ordered: bool
    level: int = 0
    """Nesting depth, 0 for the outermost list."""
    number: int = 1


@dataclass(frozen=True)
class CodeBlock:
    text: str
    language: str = ""


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Quote:
    text: str


@dataclass(frozen=True)
class Rule:
    pass


Block = Heading | Paragraph | ListItem | CodeBlock | Table | Quote | Rule

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BULLET = re.compile(r"^([ \t]*)[-*+•][ \t]+(.*)$")
_NUMBER = re.compile(r"^([ \t]*)(\d{1,9})[.)][ \t]+(.*)$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)[ \t]*([\w+-]*)")
_RULE = re.compile(r"^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$")
_TABLE_DIVIDER = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_QUOTE = re.compile(r"^ {0,3}>[ \t]?(.*)$")


def _indent_level(indent: str) -> int:
    width = len(indent.replace("\t", "    "))
    return min(width // 2, 8)


def _cells(line: str) -> tuple[str, ...]:
    inner = line.strip()
    inner = inner.removeprefix("|")
    inner = inner.removesuffix("|")
    return tuple(cell.strip() for cell in inner.split("|"))


def parse_blocks(text: str) -> list[Block]:
    """The blocks of a Markdown text, in order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Paragraph("\n".join(line.strip() for line in paragraph)))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            flush()
            body: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].lstrip().startswith(fence.group(1)):
                body.append(lines[i])
                i += 1
            blocks.append(CodeBlock("\n".join(body), fence.group(2)))
            i += 1
            continue
        if not line.strip():
            flush()
            i += 1
            continue
        if paragraph and _SETEXT.match(line) and len(paragraph) == 1:
            level = 1 if line.strip().startswith("=") else 2
            blocks.append(Heading(level, paragraph.pop().strip()))
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            blocks.append(Heading(len(heading.group(1)), heading.group(2).strip()))
            i += 1
            continue
        if _RULE.match(line):
            flush()
            blocks.append(Rule())
            i += 1
            continue
        if (
            "|" in line
            and i + 1 < len(lines)
            and _TABLE_DIVIDER.match(lines[i + 1])
            and "-" in lines[i + 1]
        ):
            flush()
            header = _cells(line)
            rows: list[tuple[str, ...]] = []
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                row = _cells(lines[i])
                rows.append(tuple((*row, *[""] * len(header)))[: len(header)])
                i += 1
            blocks.append(Table(header, tuple(rows)))
            continue
        bullet = _BULLET.match(line)
        number = _NUMBER.match(line)
        if bullet and not _RULE.match(line):
            flush()
            blocks.append(ListItem(bullet.group(2).strip(), False, _indent_level(bullet.group(1))))
            i += 1
            continue
        if number:
            flush()
            blocks.append(
                ListItem(
                    number.group(3).strip(),
                    True,
                    _indent_level(number.group(1)),
                    int(number.group(2)),
                )
            )
            i += 1
            continue
        quote = _QUOTE.match(line)
        if quote:
            flush()
            quoted = [quote.group(1)]
            i += 1
            while i < len(lines) and (q := _QUOTE.match(lines[i])):
                quoted.append(q.group(1))
                i += 1
            blocks.append(Quote("\n".join(quoted).strip()))
            continue
        if blocks and isinstance(blocks[-1], ListItem) and not paragraph and line[:1] in " \t":
            # A wrapped list item continues on an indented line.
            item = blocks[-1]
            blocks[-1] = ListItem(
                f"{item.text} {line.strip()}", item.ordered, item.level, item.number
            )
            i += 1
            continue
        paragraph.append(line)
        i += 1
    flush()
    return blocks


_INLINE = re.compile(
    r"(?P<code>`+)(?P<code_text>.+?)(?P=code)"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|__(?P<bold2>.+?)__"
    r"|(?<![\w*])\*(?P<italic>[^*\s](?:.*?[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic2>[^_\s](?:.*?[^_\s])?)_(?![\w_])"
    r"|\[(?P<link_text>[^\]]+)\]\((?P<url>[^)\s]+)\)",
    re.DOTALL,
)


def parse_inline(text: str, *, bold: bool = False, italic: bool = False) -> list[Run]:
    """Runs of plain, bold, italic, code and link text (nesting bold and italic works)."""
    runs: list[Run] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            runs.append(Run(text[position : match.start()], bold, italic))
        if match.group("code_text") is not None:
            runs.append(Run(match.group("code_text"), bold, italic, code=True))
        elif (inner := match.group("bold") or match.group("bold2")) is not None:
            runs += parse_inline(inner, bold=True, italic=italic)
        elif (inner := match.group("italic") or match.group("italic2")) is not None:
            runs += parse_inline(inner, bold=bold, italic=True)
        else:
            runs.append(Run(match.group("link_text"), bold, italic, link=match.group("url")))
        position = match.end()
    if position < len(text):
        runs.append(Run(text[position:], bold, italic))
    return runs


def plain_text(text: str) -> str:
    """Inline Markdown without its marks (``**a**`` -> ``a``)."""
    return "".join(run.text for run in parse_inline(text))


# ---------------------------------------------------------------- HTML
def _inline_html(text: str) -> str:
    parts: list[str] = []
    for run in parse_inline(text):
        piece = html.escape(run.text).replace("\n", "<br>")
        if run.code:
            piece = f"<code>{piece}</code>"
        if run.italic:
            piece = f"<em>{piece}</em>"
        if run.bold:
            piece = f"<strong>{piece}</strong>"
        if run.link:
            piece = f'<a href="{html.escape(run.link, quote=True)}">{piece}</a>'
        parts.append(piece)
    return "".join(parts)


def to_html(text: str) -> str:
    """An HTML fragment for Markdown ``text`` (escaped; safe to show in a rich-text view)."""
    out: list[str] = []
    open_lists: list[str] = []  # tags of the lists open at each nesting level

    def close_lists(level: int = -1) -> None:
        while len(open_lists) > level + 1:
            out.append(f"</{open_lists.pop()}>")

    for block in parse_blocks(text):
        if isinstance(block, ListItem):
            tag = "ol" if block.ordered else "ul"
            close_lists(block.level)
            if len(open_lists) == block.level + 1 and open_lists[-1] != tag:
                close_lists(block.level - 1)
            while len(open_lists) <= block.level:
                start = f' start="{block.number}"' if tag == "ol" and block.number != 1 else ""
                out.append(f"<{tag}{start}>")
                open_lists.append(tag)
            out.append(f"<li>{_inline_html(block.text)}</li>")
            continue
        close_lists()
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{_inline_html(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            out.append(f"<p>{_inline_html(block.text)}</p>")
        elif isinstance(block, CodeBlock):
            out.append(f"<pre><code>{html.escape(block.text)}</code></pre>")
        elif isinstance(block, Quote):
            out.append(f"<blockquote><p>{_inline_html(block.text)}</p></blockquote>")
        elif isinstance(block, Rule):
            out.append("<hr>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{_inline_html(cell)}</th>" for cell in block.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{_inline_html(cell)}</td>" for cell in row) + "</tr>"
                for row in block.rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    close_lists()
    return "\n".join(out)


HTML_STYLE = (
    "body{font-family:sans-serif;line-height:1.4}"
    "table{border-collapse:collapse}th,td{border:1px solid #999;padding:4px 8px}"
    "pre{background:#f4f4f4;padding:8px}blockquote{color:#555;margin-left:1em}"
)


def to_html_document(text: str, title: str = "") -> str:
    """A complete HTML page (UTF-8) for Markdown ``text``, e.g. for printing to PDF."""
    heading = title or next(
        (plain_text(b.text) for b in parse_blocks(text) if isinstance(b, Heading)), "Document"
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(heading)}</title><style>{HTML_STYLE}</style></head>\n"
        f"<body>\n{to_html(text)}\n</body></html>\n"
    )
