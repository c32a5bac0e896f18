"""Text prediction: a short continuation of the text before the cursor.

The model gets a plain continuation request (``complete``) of the last part of the text,
which works for chat and base models alike: a suggestion continues the user's own words,
it is not an answer to them. It runs on the engine's suggestion lane (its own llama.cpp
context), so the main requests and the suggestions keep their cached prompts apart. The
prompt starts at a stable place (a word boundary on a fixed grid of characters), so while
the user types on, each request begins with the same text as the one before and
llama.cpp reuses its cached prefix.

:func:`clean_continuation` makes what the model wrote fit to be shown after the cursor:
at most ``words`` words, on the current line, up to the end of the sentence, without
special tokens or junk, and spaced right against the text before it (mid-word or at a
word boundary). An empty string means "no suggestion".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from desktop_slm.engine.protocol import Lane, SamplingOptions, TokenEvent

if TYPE_CHECKING:
    from desktop_slm.engine.client import Prefilled
    from desktop_slm.tools.prompt import TextEngine


@runtime_checkable
class Prefilling(Protocol):
    """An engine that can evaluate a prompt ahead of time (``EngineClient`` can)."""

    def prefill(
        self, *, prompt: str | None = None, stop: threading.Event | None = None, lane: Lane = "main"
    ) -> Prefilled: ...


LANE: Lane = "suggest"
"""Suggestions run on the engine's own suggestion context: a Generate or the tab's
prepared answer never replaces their cached prompt, nor they the tab's."""


DEFAULT_WORDS = 12
"""A suggestion is at most this many words."""
MAX_WORDS = 64

PROMPT_CHARS = 600
"""The prompt is at most about this many characters of the text (a few hundred tokens)."""
PROMPT_GRID = 200
"""Where the prompt starts moves in steps of this many characters, so the prompts of
requests made while the user types on start alike and share the model's cache."""
WARM_STEP = 150
"""A prompt the model has not seen is evaluated in pieces of about this many characters
(each kept once done), so a request cancelled by the next keystroke still leaves its
finished pieces in the cache and the next one goes on from there. A cold prompt
evaluated whole would be lost to every keystroke that comes sooner than it takes."""

LOOKAHEAD = 150
"""Once the text is this close to where the prompt's start moves next (a pause or two of
typing), :func:`prepare_next` evaluates the prompt it moves to, after a suggestion is
shown, in a context of its own: the first suggestion after the move then finds it cached
instead of reading some 400 characters cold."""

PARTIAL_WORDS = 2
"""A suggestion being written is shown once it has this many whole words."""

TOKENS_PER_WORD = 2
"""Answer budget per word asked for (a word of another language or a number takes more
tokens than an English word), plus a few for the space and punctuation."""

_SPECIAL = re.compile(
    r"<\|[^|>]{0,40}\|>|</?s>|<(?:start|end)_of_turn>|<unk>|<pad>|\[/?INST\]"
    r"|</?[A-Za-z][A-Za-z0-9]{0,10}(?:\s[^<>]{0,80})?/?>"
)
"""Control tokens a model may write as text (ChatML, Llama, Gemma, Mistral) and markup
(``<strong>``): what follows them is not a continuation of the user's sentence."""
_SENTENCE_END = re.compile(
    r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)"  # Latin: a space or the end follows
    r"|[\u3002\uff01\uff1f]+[\u300d\u300f\u201d)]*"  # CJK: no space after a full stop
)
_SPACED_PUNCTUATION = frozenset(',;:.!?)]}"\u201d\u2019\u2026')
"""After these a new word is written with a space before it."""
_WORD = re.compile(r"\S+")
_WORD_CHAR = re.compile(r"\w")


def continuation_prompt(text: str) -> str:
    """The part of ``text`` the model continues: its tail, from a stable word boundary.

    ``text`` is everything before the cursor. The tail is at most :data:`PROMPT_CHARS`
    characters and starts after whitespace (never mid-word), on a grid of
    :data:`PROMPT_GRID` characters from the start of the text. Spaces at its end are
    left out: a model's word tokens carry their space in front, so after a bare space
    it writes digits and odd pieces instead of the next word.
    """
    text = text.rstrip(" \t")
    if len(text) <= PROMPT_CHARS:
        return text
    start = _grid_start(len(text))
    space = re.search(r"\s+", text[start:])
    if space is None or start + space.end() >= len(text):
        return text[start:]  # one enormous word: keep its end
    return text[start + space.end() :]


def _grid_start(length: int) -> int:
    """Where the prompt of a text of ``length`` characters starts: the first grid line
    that leaves at most :data:`PROMPT_CHARS` characters after it."""
    over = length - PROMPT_CHARS
    return max(0, -(-over // PROMPT_GRID) * PROMPT_GRID)


def next_prompt(text: str) -> str | None:
    """What the prompt will start with once the user has typed on past the next move.

    The prompt's start moves to the next grid line when the text grows past
    :data:`PROMPT_CHARS` characters after the current one; then the prompt starts after
    the first whitespace behind that line, which is already typed. None while the move
    is more than :data:`LOOKAHEAD` characters away, or without whitespace to start at.
    """
    text = text.rstrip(" \t")
    start = _grid_start(len(text)) + PROMPT_GRID
    if len(text) + LOOKAHEAD <= start + PROMPT_CHARS - PROMPT_GRID:
        return None
    space = re.search(r"\s+", text[start:])
    if space is None:
        return None
    return text[start + space.end() :].rstrip() or None


def wants_suggestion(text: str) -> bool:
    """Whether a continuation of ``text`` (the text before the cursor) makes sense.

    Not for an empty text, nor at the start of an empty line (nothing on the line to
    continue yet).
    """
    line = text.rsplit("\n", 1)[-1]
    return bool(line.strip()) and bool(_WORD_CHAR.search(text))


def sampling(words: int = DEFAULT_WORDS) -> SamplingOptions:
    """Greedy (the same text gives the same suggestion), short, and ends with the line."""
    return SamplingOptions(
        max_tokens=words * TOKENS_PER_WORD + 4,
        temperature=0.0,
        repeat_penalty=1.1,
        stop=("\n",),
    )


def clean_continuation(text: str, raw: str, *, words: int = DEFAULT_WORDS) -> str:
    """What of ``raw`` (the model's continuation of ``text``) to suggest; "" for nothing.

    The result is placed right after ``text``: it starts with a space when a new word
    begins (and ``text`` does not end in whitespace), with no space when it completes
    the word being typed or when ``text`` already ends in one. It ends at the end of the
    line, the first sentence end, or after ``words`` words, with no trailing whitespace.
    """
    cut = _SPECIAL.search(raw)
    if cut is not None:
        raw = raw[: cut.start()]  # what follows a control token is not the user's text
    raw = raw.replace("\r", "").replace("\t", " ").split("\n", 1)[0]
    raw = "".join(ch for ch in raw if ch.isprintable())
    body = _first_words(raw.lstrip(), max(1, min(words, MAX_WORDS)))
    if not _WORD_CHAR.search(body):
        return ""  # nothing, or punctuation alone: no suggestion
    return _space_between(text, raw, body) + body


def _first_words(body: str, words: int) -> str:
    """``body`` up to its first sentence end, at most ``words`` words."""
    end = _SENTENCE_END.search(body)
    if end is not None:
        body = body[: end.end()]
    spans = list(_WORD.finditer(body))[:words]
    return body[: spans[-1].end()] if spans else ""


def _space_between(text: str, raw: str, body: str) -> str:
    """ " " when ``body`` starts a new word right after ``text``, else ""."""
    if not text or text[-1].isspace():
        return ""
    if raw[:1].isspace():
        return " "  # the model started a new word
    last, first = text[-1], body[0]
    # "Hello," + "how are you": a word after punctuation ("3." + "5" stays one number).
    after_punctuation = last in _SPACED_PUNCTUATION and _WORD_CHAR.match(first) is not None
    in_number = last == "." and text[-2:-1].isdigit() and first.isdigit()
    return " " if after_punctuation and not in_number else ""


def continue_text(
    engine: TextEngine,
    text: str,
    *,
    words: int = DEFAULT_WORDS,
    stop: threading.Event | None = None,
    on_partial: Callable[[str], None] | None = None,
) -> str:
    """Ask ``engine`` to continue ``text`` (the text before the cursor); "" for nothing.

    ``stop`` (set, then ``engine.cancel()``) ends the request early; what was written so
    far is dropped, since a suggestion cut short is no suggestion. ``on_partial`` gets
    the suggestion while it is written, cleaned and in whole words (from
    :data:`PARTIAL_WORDS` on, each time it grows); each is the start of the next and of
    the result.
    """
    if not wants_suggestion(text):
        return ""
    prompt = continuation_prompt(text)
    # After the spaces left out, the answer must start a new word: one that goes on
    # with the last word ("for" + "ward") does not fit after "for ".
    spaced = text[-1:] in (" ", "\t")
    raw = shown = ""
    if not _warm_up(engine, prompt, stop):
        return ""
    events = engine.complete(prompt, sampling(words), lane=LANE)
    try:
        for event in events:
            if stop is not None and stop.is_set():
                return ""
            if isinstance(event, TokenEvent):
                raw += event.text
                if spaced and not raw[:1].isspace():
                    return ""
                if _has_enough(raw, words):
                    break  # the rest would be cut off anyway: stop paying for it
                if on_partial is not None:
                    partial = clean_continuation(text, re.sub(r"\S+$", "", raw), words=words)
                    if partial != shown and len(_WORD.findall(partial)) >= PARTIAL_WORDS:
                        on_partial(partial)
                        shown = partial
            elif event.finish_reason == "cancelled":
                return ""
            elif event.finish_reason == "length":
                raw = _without_cut_word(raw)
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()  # a request nobody listens to any more is cancelled
    return clean_continuation(text, raw, words=words)


def _has_enough(raw: str, words: int) -> bool:
    """Whether ``raw`` already holds all a suggestion can show (more would be cut)."""
    body = raw.lstrip()
    if "\n" in body or _SPECIAL.search(body):
        return True
    end = _SENTENCE_END.search(body)
    if end is not None and end.end() < len(body):  # a settled end: whitespace follows
        return True
    return len(_WORD.findall(body)) > words


def _without_cut_word(raw: str) -> str:
    """``raw`` without its last word, which the answer budget may have cut in two."""
    if not raw or raw[-1].isspace():
        return raw
    head = re.sub(r"\S+$", "", raw)
    return head if head.strip() else raw


def warm_points(prompt: str) -> list[int]:
    """Where :func:`continue_text` cuts a prompt to evaluate it in pieces: word ends on a
    grid of :data:`WARM_STEP` characters from its start (so they stay put as it grows)."""
    points: list[int] = []
    for start in range(WARM_STEP, len(prompt) - WARM_STEP // 2, WARM_STEP):
        space = prompt.find(" ", start)
        if space == -1 or space >= len(prompt) - WARM_STEP // 2:
            break
        if not points or space > points[-1]:
            points.append(space)
    return points


def prepare_next(engine: object, text: str, stop: threading.Event | None = None) -> None:
    """Evaluate ahead what the suggestions' prompt will start with once it moves on.

    For an engine that can prefill, and only near a move (:func:`next_prompt`). The
    suggestion lane keeps it in a context of its own, beside the current prompt's.
    ``stop`` (set, then ``engine.cancel()``) ends it; the finished pieces stay cached.
    """
    ahead = next_prompt(text)
    if ahead is None or not isinstance(engine, Prefilling):
        return
    if _warm_up(engine, ahead, stop) and not (stop is not None and stop.is_set()):
        engine.prefill(prompt=ahead, stop=stop, lane=LANE)


def _warm_up(engine: object, prompt: str, stop: threading.Event | None) -> bool:
    """Evaluate ``prompt`` piece by piece (quick when cached); False when stopped."""
    if not isinstance(engine, Prefilling):
        return True
    for end in warm_points(prompt):
        if stop is not None and stop.is_set():
            return False
        if engine.prefill(prompt=prompt[:end], stop=stop, lane=LANE).cancelled:
            return False
    return True
