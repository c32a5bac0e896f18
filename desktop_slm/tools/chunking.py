"""Split long text into chunks that fit a token budget, losing and repeating nothing.

Chunks break at paragraph boundaries; a paragraph too long on its own breaks at
sentence ends, then between words, and only a "word" longer than the budget (a
pasted blob) is cut inside. Concatenating the chunks gives back the text exactly,
whitespace included.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from desktop_slm.errors import UserFacingError

CountTokens = Callable[[str], int]

MIN_BUDGET = 16

# A paragraph ends at a blank line (which stays with the paragraph before it).
_PARAGRAPH = re.compile(r".*?(?:\n[ \t]*\n\s*|\Z)", re.DOTALL)
# A sentence ends at . ! ? … (or their CJK forms), maybe closed by quotes or brackets,
# followed by whitespace; a single line break also ends a piece (lists, addresses).
_SENTENCE = re.compile(
    r".*?(?:[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019\u00bb)\]]*(?:\s+|\Z)|\n|\Z)", re.DOTALL
)
_WORD = re.compile(r"\s*\S+\s*|\s+")


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs with their trailing blank lines; ``"".join(result) == text``."""
    return [m.group(0) for m in _PARAGRAPH.finditer(text) if m.group(0)]


def split_sentences(text: str) -> list[str]:
    """Sentences (and lines) with their trailing whitespace; joins back to ``text``."""
    return [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0)]


def split_words(text: str) -> list[str]:
    """Words with their surrounding whitespace; joins back to ``text``."""
    return [m.group(0) for m in _WORD.finditer(text) if m.group(0)]


def _cut_to_budget(text: str, budget: int, count: CountTokens) -> list[str]:
    """Cut a single over-long word into the longest prefixes that fit."""
    pieces: list[str] = []
    rest = text
    while rest:
        if count(rest) <= budget:
            pieces.append(rest)
            break
        low, high = 1, len(rest) - 1  # the longest prefix rest[:n] that fits
        while low < high:
            middle = (low + high + 1) // 2
            if count(rest[:middle]) <= budget:
                low = middle
            else:
                high = middle - 1
        pieces.append(rest[:low])
        rest = rest[low:]
    return pieces


_SPLITTERS: tuple[Callable[[str], list[str]], ...] = (split_sentences, split_words)


def _fitting_pieces(
    text: str, budget: int, count: CountTokens, level: int = 0
) -> list[tuple[str, int]]:
    tokens = count(text)
    if tokens <= budget:
        return [(text, tokens)]
    if level >= len(_SPLITTERS):
        return [(piece, count(piece)) for piece in _cut_to_budget(text, budget, count)]
    parts = _SPLITTERS[level](text)
    if len(parts) <= 1:
        return _fitting_pieces(text, budget, count, level + 1)
    pieces: list[tuple[str, int]] = []
    for part in parts:
        pieces += _fitting_pieces(part, budget, count, level + 1)
    return pieces


def plan_chunks(text: str, budget: int, count_tokens: CountTokens) -> list[str]:
    """Chunks of ``text``, each at most ``budget`` tokens by ``count_tokens``.

    Paragraphs are packed greedily in order; every chunk is counted again as a
    whole, so a tokenizer that merges across a boundary can never push a chunk
    over the budget.
    """
    if budget < MIN_BUDGET:
        raise UserFacingError(
            "The model's context is too small for this text and the answer. "
            "Raise the context size in the settings or choose a shorter answer length.",
            code="context_too_small",
        )
    if not text:
        return []
    pieces: list[tuple[str, int]] = []
    for paragraph in split_paragraphs(text):
        pieces += _fitting_pieces(paragraph, budget, count_tokens)

    chunks: list[str] = []
    start = 0
    while start < len(pieces):
        end, total = start, 0
        while end < len(pieces) and total + pieces[end][1] <= budget:
            total += pieces[end][1]
            end += 1
        end = max(end, start + 1)  # every piece fits alone
        # Verify the whole; drop pieces from the end while the real count is over.
        while end - start > 1 and count_tokens(_join(pieces, start, end)) > budget:
            end -= 1
        chunks.append(_join(pieces, start, end))
        start = end
    return chunks


def _join(pieces: list[tuple[str, int]], start: int, end: int) -> str:
    return "".join(text for text, _ in pieces[start:end])
