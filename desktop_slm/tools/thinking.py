"""Keep a thinking model's ``<think>…</think>`` reasoning out of a tool's output."""

from __future__ import annotations

import re

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"

_BLOCK = re.compile(re.escape(OPEN_TAG) + r".*?" + re.escape(CLOSE_TAG), re.DOTALL)


def _partial_tag_suffix(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that is the start of ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ThinkingFilter:
    """Streaming filter: feed token texts, get back only what the reader should see.

    Tags split across tokens (``"<th"`` + ``"ink>"``) are recognised because a
    possible tag start is held back until the next token decides it. The
    whitespace a model puts right after ``</think>`` is dropped too. A stray
    ``</think>`` is never shown.
    """

    def __init__(self) -> None:
        self._pending = ""
        self._inside = False
        self._after_block = False

    def feed(self, text: str) -> str:
        self._pending += text
        visible: list[str] = []
        while self._pending:
            if self._inside:
                end = self._pending.find(CLOSE_TAG)
                if end < 0:
                    keep = _partial_tag_suffix(self._pending, CLOSE_TAG)
                    self._pending = self._pending[len(self._pending) - keep :]
                    break
                self._pending = self._pending[end + len(CLOSE_TAG) :]
                self._inside = False
                self._after_block = True
                continue
            start = self._pending.find(OPEN_TAG)
            stray = self._pending.find(CLOSE_TAG)
            if stray >= 0 and (start < 0 or stray < start):
                visible.append(self._pending[:stray])
                self._pending = self._pending[stray + len(CLOSE_TAG) :]
                self._after_block = True
                continue
            if start >= 0:
                visible.append(self._pending[:start])
                self._pending = self._pending[start + len(OPEN_TAG) :]
                self._inside = True
                continue
            keep = max(
                _partial_tag_suffix(self._pending, OPEN_TAG),
                _partial_tag_suffix(self._pending, CLOSE_TAG),
            )
            visible.append(self._pending[: len(self._pending) - keep])
            self._pending = self._pending[len(self._pending) - keep :]
            break
        return self._trim("".join(visible))

    def finish(self) -> str:
        """What is still held back once the stream has ended (never inside a block)."""
        rest, self._pending = ("" if self._inside else self._pending), ""
        return self._trim(rest)

    def _trim(self, text: str) -> str:
        if self._after_block and text:
            text = text.lstrip()
            if text:
                self._after_block = False
        return text


def strip_thinking(text: str) -> str:
    """``text`` without reasoning blocks.

    Removes complete ``<think>…</think>`` blocks, an unfinished block at the end
    (the answer budget ran out while thinking), and everything before a stray
    ``</think>`` (templates that open the block inside the prompt).
    """
    cleaned = _BLOCK.sub("", text)
    if CLOSE_TAG in cleaned:
        cleaned = cleaned.rsplit(CLOSE_TAG, 1)[1]
    if OPEN_TAG in cleaned:
        cleaned = cleaned.split(OPEN_TAG, 1)[0]
    if cleaned != text:
        cleaned = cleaned.strip()
    return cleaned
