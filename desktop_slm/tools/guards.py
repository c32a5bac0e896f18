"""Guards on a model's answer: never end mid-sentence, never keep a loop.

:func:`complete_sentences` trims an answer that ran out of budget back to its last
complete sentence (or list item, heading, closing line, table row, code line).
:class:`LoopGuard` watches a streamed answer and says when the model has started
repeating itself (a sentence, line or sign-off again, a run of words again and again);
:meth:`LoopGuard.trim` keeps the first occurrence and drops the rest. Both are plain
text functions: the job runner applies them to every step of every tool.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from desktop_slm.tools.signoff import CLOSING_PHRASES


# ---------------------------------------------------------------- sentences
def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_TERMINAL = ".!?\u2026"  # ... and the ellipsis
_CJK_TERMINAL = "\u3002\uff01\uff1f"  # full stop, exclamation and question mark
_ENDS = _TERMINAL + _CJK_TERMINAL
# Closing and opening quotes and brackets (typographic, CJK and guillemets).
_CLOSERS = "\"')]}\u201d\u2019\u00bb\u300d\u300f\uff09\u3011\u203a"
_OPENERS = "\"'([{\u201c\u2018\u00ab\u300c\u300e\uff08\u3010\u2039\u00bf\u00a1"

# Words followed by a period that never end a sentence (lower case, without the dot).
_ABBREVIATIONS = _word_set(
    """
    e.g i.e cf vs approx ca dr mr mrs ms prof st mt z.b d.h u.a bzw vgl ggf evtl inkl zzgl
    hr fr sog s.o s.u mme mlle p.ex c.-à-d env sra srta dra ud uds dott sig ing
    """
)
# ... and these only before a number ("No. 5", "p. 12", "Jan. 2024").
_NUMBER_ABBREVIATIONS = _word_set(
    """
    no nr n° fig vol p pp art abs jan feb mar apr jun jul aug sep sept oct nov dec
    """
)
# These may end a sentence too ("apples, pears, etc.").
_ENDING_ABBREVIATIONS = frozenset({"etc", "usw", "inc", "ltd", "co", "jr", "sr"})

_MONTHS = _word_set(
    """
    januar februar märz april mai juni juli august september oktober november dezember
    january february march april may june july august september october november december
    janvier février mars avril mai juin juillet août septembre octobre novembre décembre
    enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
    gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre
    dicembre jan feb mär apr jun jul aug sep sept okt oct nov dez dec
    """
)

_BULLET = re.compile(r"^\s*(?:[-*+\u2022\u2013]\s+|\d{1,3}[.)]\s+|[a-zA-Z][.)]\s+)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_RULE = re.compile(r"^\s*([-*_=~])(?:\s*\1){2,}\s*$")

_CLOSING_WORDS = (
    r"best|kind|warm|warmest|kindest|best\s+wishes|all\s+the\s+best|regards|sincerely|"
    r"yours(?:\s+(?:sincerely|truly|faithfully))?|cheers|thanks|thank\s+you|many\s+thanks|"
    r"with\s+(?:best|kind|warm)\s+regards|(?:best|kind|warm|warmest|kindest)\s+regards|"
    r"take\s+care|respectfully|"
    r"mit\s+freundlichen\s+grüßen|(?:viele|beste|liebe|herzliche|freundliche)\s+grüße|"
    r"grüße|gruß|lg|vg|"
    r"cordialement|bien\s+cordialement|bien\s+à\s+vous|salutations|amitiés|bises|"
    r"atentamente|saludos|un\s+saludo|cordiales\s+saludos|"
    r"cordiali\s+saluti|distinti\s+saluti|saluti|"
    r"met\s+vriendelijke\s+groet(?:en)?|groeten|"
    r"atenciosamente|cumprimentos|abraços"
)
# ... and every closing the app writes or recognises in an email (all its languages).
_KNOWN_CLOSINGS = "|".join(re.escape(phrase).replace(r"\ ", r"\s+") for phrase in CLOSING_PHRASES)
_CLOSING = re.compile(
    rf"^\s*(?:{_CLOSING_WORDS}|{_KNOWN_CLOSINGS})\s*[,.!\uff0c\u3001]?\s*$", re.IGNORECASE
)
_THANKS = re.compile(r"^\s*(?:thanks|thank\s+you|many\s+thanks)\s*[,.!]?\s*$", re.IGNORECASE)
"""A closing line too, but also a sentence of its own: not counted as a sign-off."""
_GREETING = re.compile(
    r"^\s*(?:dear|hi|hello|hey|good\s+(?:morning|afternoon|evening)|liebe[rs]?|sehr\s+geehrte[rs]?|"
    r"hallo|bonjour|bonsoir|cher|chère|madame|monsieur|hola|estimad[oa]s?|querid[oa]s?|"
    r"ciao|gentile|buongiorno|beste|hoi)\b[^\n]{0,60},\s*$",
    re.IGNORECASE,
)
_NAME_LINE = re.compile(r"^\s*[^\W\d_][\w.'\-]*(?:\s+[^\W\d_][\w.'\-]*){0,3}\s*$")


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    """Offset just after the line's own text (before its newline)."""
    text: str
    closed: bool
    """A newline follows: the model finished this line."""
    in_code: bool


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    in_code = False
    position = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        fence = bool(_FENCE.match(body))
        lines.append(_Line(position, position + len(body), body, body != raw, in_code or fence))
        if fence:
            in_code = not in_code
        position += len(raw)
    return lines


def _is_structural(line: _Line) -> bool:
    """A line that is complete on its own once the model went on to the next line."""
    text = line.text
    return bool(
        line.in_code
        or _BULLET.match(text)
        or _HEADING.match(text)
        or _TABLE_ROW.match(text)
        or _RULE.match(text)
        or _CLOSING.match(text)
        or _GREETING.match(text)
    )


def _word_before(text: str, dot: int) -> str:
    """The word that ends just before ``text[dot]``, lower case, e.g. "e.g" or "12"."""
    start = dot
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in _OPENERS:
        start -= 1
    return text[start:dot].lower()


def _next_word(text: str, position: int) -> str:
    match = re.match(r"\s*([^\s]+)", text[position:])
    return match.group(1) if match else ""


def _is_sentence_end(text: str, index: int) -> int | None:  # noqa: PLR0911 (one per rule)
    """Where the sentence ending with the mark at ``index`` ends (after closers), or None."""
    mark = text[index]
    end = index + 1
    if mark in _TERMINAL:
        while end < len(text) and text[end] in _TERMINAL:
            end += 1
    while end < len(text) and text[end] in _CLOSERS:
        end += 1
    spaced = re.match(f"[ \u00a0\u202f]+[{re.escape(_CLOSERS)}]+", text[end:])
    if spaced:
        end += spaced.end()  # French spacing: « Parfait. »
    if mark in _CJK_TERMINAL:
        return end
    if end < len(text) and not text[end].isspace():
        return None  # "3.5", "e.g.x", "example.com"
    if mark != ".":
        return end
    if end > index + 1:
        return end  # "..." or '."'
    word = _word_before(text, index)
    line_start = text.rfind("\n", 0, index) + 1
    if not text[line_start:index].strip(" \t-*+•>#").rstrip(".").strip() or (
        text[line_start:index].strip().isdigit()
        and text[line_start:index].strip() == word
        and len(word) <= 3
    ):
        return None  # a list marker "3." on its own
    following = _next_word(text, end)
    if word in _ENDING_ABBREVIATIONS:
        return end if (not following or following[:1].isupper()) else None
    if word in _ABBREVIATIONS:
        return None
    if word in _NUMBER_ABBREVIATIONS and following[:1].isdigit():
        return None
    if re.fullmatch(r"[^\W\d_]", word) or re.fullmatch(r"(?:[^\W\d_]\.)+[^\W\d_]", word):
        return None  # an initial ("J. Smith") or "U.S"
    if following:
        lowered = following.lower().strip(_OPENERS + _CLOSERS + ",.;:")
        if word.isdigit() and lowered in _MONTHS:
            return None  # "12. Mai"
        if following[:1].islower() and len(word) <= 4:
            return None  # an abbreviation we do not know: "ca. zehn", "Bsp. eins"
    return end


def _sentence_ends(text: str, lines: list[_Line]) -> Iterator[int]:
    """Offsets where a complete unit ends, in order."""
    after_closing = False
    for line in lines:
        if line.text.strip():
            signed = after_closing and line.closed and bool(_NAME_LINE.match(line.text))
            after_closing = bool(_CLOSING.match(line.text))
            if signed:
                yield line.end  # the name under "Best regards,"
                continue
        if line.in_code:
            if line.closed or _FENCE.match(line.text):
                yield line.end
            continue
        body = text[line.start : line.end]
        for match in re.finditer(f"[{re.escape(_ENDS)}]", body):
            found = _is_sentence_end(text, line.start + match.start())
            if found is not None and found <= line.end:
                yield found
        if line.closed and _is_structural(line):
            yield line.end
        elif _CLOSING.match(line.text):
            yield line.end  # "Best regards," is complete even at the very end


_DANGLING = _word_set(
    """
    a an the and or but of to for with in on at by from as than that der die das den dem des
    ein eine einen und oder aber von zu mit für auf an im am le la les un une des et ou mais
    de du à au aux pour avec sur par en
    """
)
"""Words a list item or line does not end with: after them it was cut."""


def _ends_complete(  # noqa: PLR0911 (one per kind of line)
    text: str, lines: list[_Line], *, cut: bool = True
) -> bool:
    """Whether ``text`` ends complete; ``cut``: it may have been cut at its very end."""
    stripped = text.rstrip()
    if not stripped:
        return True
    open_code = bool(lines) and lines[-1].in_code and not _FENCE.match(lines[-1].text)
    if open_code:
        return False
    written = [line for line in lines if line.text.strip()]
    last = written[-1]
    if last.closed and _is_structural(last):
        return True  # the model went on to a new line
    if _FENCE.match(last.text) or _CLOSING.match(last.text) or _HEADING.match(last.text):
        return True
    previous = written[:-1]
    if _TABLE_ROW.match(last.text):
        # A row is whole when it has as many cells as the one above it.
        return not previous or last.text.count("|") == previous[-1].text.count("|")
    if _RULE.match(last.text):
        return True
    if not cut and _GREETING.match(last.text):
        return True
    if not cut and _BULLET.match(last.text):
        # A finished list item needs no end mark; one that ends on "the" was cut.
        words = re.findall(r"\w+", last.text.lower())
        return bool(words) and words[-1] not in _DANGLING and not last.text.endswith(("-", ","))
    if previous and _CLOSING.match(previous[-1].text) and _NAME_LINE.match(last.text):
        return True  # "Kind regards,\nSam"
    ends = [end for end in _sentence_ends(stripped, _lines(stripped))]
    return bool(ends) and ends[-1] >= len(stripped)


def ends_mid_sentence(text: str) -> bool:
    """True when ``text`` stops in the middle of a sentence, list item or code block.

    A last line that is a heading, a table row, a closing ("Best regards,"), a name
    under a closing, a greeting or a list item is complete, unless it ends on a word
    like "the" or "and". (A list item cut inside a word, "- Review the bud", cannot be
    told from a short one; :func:`complete_sentences`, which knows the text was cut,
    drops it.)
    """
    return not _ends_complete(text, _lines(text), cut=False)


def complete_sentences(text: str) -> tuple[str, bool]:
    """``text`` trimmed back to its last complete sentence; True when it trimmed.

    For an answer that may have been cut at its end (the budget ran out). Never empty
    when ``text`` has any complete part; with no sentence end at all, the text is kept
    up to its last complete line, else its last complete word (and True is returned).
    An unfinished code block keeps its complete lines and is closed.
    """
    lines = _lines(text)
    if _ends_complete(text, lines):
        return text, False
    ends = list(_sentence_ends(text, lines))
    if ends:
        cut = ends[-1]
        kept = text[:cut].rstrip()
        if kept:
            return _close_code(kept), True
    # No sentence end: the last complete line, else the last complete word.
    closed = [line for line in lines if line.closed and line.text.strip()]
    if closed:
        return _close_code(text[: closed[-1].end].rstrip()), True
    kept = text.rstrip()
    if text[-1:].isalnum():  # the last word may be cut too
        words = kept.rsplit(None, 1)
        kept = words[0] if len(words) == 2 else kept
    return kept, True


def sentence_end_after(text: str, start: int) -> int | None:
    """The offset just after the last settled sentence end of ``text`` past ``start``.

    Settled: the word after it has been written in full, so "3." that becomes "3.5" or
    "12." that becomes "12. Mai" is not taken for an end. For a streamed answer that has
    passed its budget: it is stopped at the first such end.
    """
    for end in reversed(list(_sentence_ends(text, _lines(text)))):
        if end <= start:
            return None
        if text[end : end + 1] == "\n" or re.match(r"\s*\S+\s", text[end:]):
            return end
    return None


def _close_code(text: str) -> str:
    lines = _lines(text)
    if lines and lines[-1].in_code and not _FENCE.match(lines[-1].text):
        fence = next(
            _FENCE.match(line.text).group(1)  # type: ignore[union-attr]
            for line in reversed(lines)
            if _FENCE.match(line.text)
        )
        return f"{text}\n{fence}"
    return text


# ---------------------------------------------------------------- repetition
_CJK_CHARS = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_CJK = re.compile(f"[{_CJK_CHARS}]")
_PIECE = re.compile(f"[^{re.escape(_ENDS)}]+[{re.escape(_ENDS)}]*[{re.escape(_CLOSERS)}]*")
"""A sentence of a line (or the rest of the line)."""
_UNIT_BREAK = re.compile(f"[\\s{re.escape(_ENDS)}]")
_WORD = re.compile(f"[{_CJK_CHARS}]|[^\\s{_CJK_CHARS}]+")

LONG_UNIT_WORDS = 6
"""A sentence or line this long, said twice, is a loop."""
SHORT_UNIT_WORDS = 4
"""A sentence or line this long, said three times, is a loop."""
MAX_PERIOD_WORDS = 60
TAIL_WORDS = 4 * MAX_PERIOD_WORDS
RUN_CHARS = 48
"""A run of one character this long (outside a rule line) is a loop."""


@dataclass(frozen=True)
class _Unit:
    start: int
    key: str
    size: int
    line: bool
    closing: bool


def _normalise(text: str) -> str:
    text = _BULLET.sub("", text)
    text = re.sub(r"[\s\W_]+", " ", text.lower(), flags=re.UNICODE)
    return text.strip()


def _size(key: str) -> int:
    """Words in ``key``; two CJK characters count as one word."""
    cjk = len(_CJK.findall(key))
    return len(_WORD.findall(key)) - cjk + cjk // 2


def _units(text: str) -> list[_Unit]:
    """Sentences and lines of ``text`` outside code blocks and tables, with their keys."""
    units: list[_Unit] = []
    for line in _lines(text):
        if line.in_code or _TABLE_ROW.match(line.text) or not line.text.strip():
            continue
        closing = bool(_CLOSING.match(line.text)) and not _THANKS.match(line.text)
        pieces = list(_PIECE.finditer(line.text))
        if len(pieces) <= 1:
            key = _normalise(line.text)
            if key:
                units.append(_Unit(line.start, key, _size(key), True, closing))
            continue
        for piece in pieces:
            key = _normalise(piece.group())
            if key:
                offset = (
                    line.start + piece.start() + (len(piece.group()) - len(piece.group().lstrip()))
                )
                units.append(_Unit(offset, key, _size(key), False, closing))
    return units


@dataclass(frozen=True)
class _Allowance:
    """How much repetition the source itself has (a translation may repeat as much)."""

    long: int = 1
    short: int = 2
    same_lines: int = 2
    closings: int = 1
    period: int = 2

    @classmethod
    def of(cls, source: str) -> _Allowance:
        if not source.strip():
            return cls()
        units = _units(source)
        counts = Counter(u.key for u in units if u.size >= SHORT_UNIT_WORDS)
        most = max(counts.values(), default=1)
        return cls(
            long=max(1, most),
            short=max(2, most),
            same_lines=max(2, _longest_same_lines(source)),
            closings=max(1, sum(u.closing for u in units)),
            period=max(2, _most_periods(_words(source))),
        )


def _longest_same_lines(text: str) -> int:
    best = run = 0
    previous = None
    for line in _lines(text):
        key = _normalise(line.text) if re.search(r"[^\W\d_]", line.text) else None
        if not line.text.strip():
            continue
        run = run + 1 if key is not None and key == previous else 1
        previous = key
        best = max(best, run)
    return best


def _words(text: str) -> list[tuple[str, int]]:
    """Words of ``text`` (one per CJK character) and their offsets, tables and code left out."""
    words: list[tuple[str, int]] = []
    for line in _lines(text):
        if line.in_code or _TABLE_ROW.match(line.text) or _RULE.match(line.text):
            continue
        for match in _WORD.finditer(line.text):
            token = match.group().lower().strip(_ENDS + _CLOSERS + _OPENERS + ",;:")
            if token:
                words.append((token, line.start + match.start()))
    return words


def _min_period_words(period: int) -> int:
    return 6 if period == 1 else max(6, 3 * period)


def _periodic_run(words: list[tuple[str, int]], allowed_reps: int) -> tuple[int, int] | None:
    """The first run of a block of words said more than ``allowed_reps`` times in a row.

    Returns (index of the block's second occurrence, period) or None.
    """
    tokens = [w for w, _ in words]
    limit = min(MAX_PERIOD_WORDS, len(tokens) // 3)
    found: tuple[int, int] | None = None
    for period in range(1, limit + 1):
        run = 0
        for i in range(len(tokens) - period):
            if tokens[i] == tokens[i + period]:
                run += 1
                reps = run // period + 1
                needed = max(allowed_reps + 1, 6 if period == 1 else 3)
                if reps >= needed and run + period >= _min_period_words(period):
                    first = i - run + 1
                    block = tokens[first : first + period]
                    if any(re.search(r"[^\W\d_]", t) for t in block):
                        if found is None or first + period < found[0]:
                            found = (first + period, period)
                        break
            else:
                run = 0
    return found


def _most_periods(words: list[tuple[str, int]]) -> int:
    tokens = [w for w, _ in words]
    best = 1
    for period in range(1, min(MAX_PERIOD_WORDS, len(tokens) // 2) + 1):
        run = 0
        for i in range(len(tokens) - period):
            run = run + 1 if tokens[i] == tokens[i + period] else 0
            best = max(best, run // period + 1)
    return best


def _repeated_unit(units: list[_Unit], allowance: _Allowance) -> int | None:
    """Offset where a repeated sentence, line or closing starts again, or None."""
    seen: dict[str, list[int]] = {}
    closings: list[int] = []
    previous_line: _Unit | None = None
    same_lines = 1
    for unit in units:
        if unit.closing:
            closings.append(unit.start)
            if len(closings) > allowance.closings:
                return closings[allowance.closings]
        starts = seen.setdefault(unit.key, [])
        starts.append(unit.start)
        if unit.size >= LONG_UNIT_WORDS and len(starts) > allowance.long:
            return starts[allowance.long]
        if unit.size >= SHORT_UNIT_WORDS and len(starts) > allowance.short:
            return starts[1]
        if unit.line and re.search(r"[^\W\d_]", unit.key):
            if previous_line is not None and previous_line.key == unit.key:
                same_lines += 1
                if same_lines > allowance.same_lines:
                    return seen[unit.key][-same_lines + 1]
            else:
                same_lines = 1
            previous_line = unit
    return None


def _char_run(text: str, start: int = 0) -> int | None:
    for match in re.finditer(rf"(\S)\1{{{RUN_CHARS - 1},}}", text[start:]):
        offset = start + match.start()
        line_start = text.rfind("\n", 0, offset) + 1
        line_end = text.find("\n", offset)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if _RULE.match(line) or _FENCE.match(line):
            continue
        return offset + 1
    return None


def _find_loop(text: str, allowance: _Allowance) -> int | None:
    """Where the repetition in ``text`` starts (what to cut), or None."""
    cuts = [
        cut
        for cut in (
            _repeated_unit(_units(text), allowance),
            _char_run(text),
        )
        if cut is not None
    ]
    words = _words(text)
    run = _periodic_run(words, allowance.period)
    if run is not None:
        cuts.append(words[run[0]][1])
    return min(cuts) if cuts else None


def has_repetition(text: str, source: str = "") -> bool:
    """True when a finished ``text`` repeats itself more than ``source`` does."""
    return _find_loop(text, _Allowance.of(source)) is not None


def trim_repetition(text: str, source: str = "") -> str:
    """``text`` with its first repetition and everything after it removed."""
    cut = _find_loop(text, _Allowance.of(source))
    return text if cut is None else text[:cut].rstrip()


class LoopGuard:
    """Watches a streamed answer: :meth:`feed` is True once the model is looping.

    ``source`` is what the answer was written from (the prompt's input): repetition the
    source has itself (a refrain, a table of similar rows) is allowed in the answer.
    """

    def __init__(self, source: str = "") -> None:
        self._allowance = _Allowance.of(source)
        self._parts: list[str] = []
        self.fired = False

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def feed(self, text: str) -> bool:
        """Add streamed ``text``; True (and stays True) once the answer repeats itself."""
        if self.fired:
            return True
        self._parts.append(text)
        if not text or (not _UNIT_BREAK.search(text) and len(text) < 16):
            return False  # the middle of a word: nothing new to look at
        whole = self.text
        words = _words(whole)
        # Only the tail can hold a new periodic run; sentences are counted over the whole.
        start = max(0, len(words) - TAIL_WORDS)
        tail = words[start:]
        found = _repeated_unit(_units(whole), self._allowance) is not None
        found = found or _char_run(whole, max(0, len(whole) - 4 * RUN_CHARS)) is not None
        found = found or _periodic_run(tail, self._allowance.period) is not None
        self.fired = found
        return found

    def trim(self, text: str) -> str:
        """``text`` up to where the repetition starts (its first occurrence is kept)."""
        cut = _find_loop(text, self._allowance)
        return text if cut is None else text[:cut]
