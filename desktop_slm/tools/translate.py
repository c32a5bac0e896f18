"""Translation block by block, keeping paragraphs, line breaks, lists and Markdown intact.

The text is cut into *segments* that join back to it exactly: fixed ones (blank
lines, list markers, heading marks, quote marks, table pipes, code blocks, line
ends) are kept as they are; only the words are translated. The translatable
segments of one paragraph go to the model together, one per line, so it sees
their context; if the answer does not have one line per segment, each segment is
translated on its own. A paragraph too long for the context is translated in
sentence-boundary pieces.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from desktop_slm.errors import OptionError, UserFacingError
from desktop_slm.languages import Detection, Language, detect_language, find_language
from desktop_slm.tools.budget import SAFETY_TOKENS, ModelLimits
from desktop_slm.tools.chunking import plan_chunks
from desktop_slm.tools.estimate import Workload
from desktop_slm.tools.jobs import Job, JobCancelled, JobOutput, Preview, Step
from desktop_slm.tools.prompt import ToolPrompt

FORMALITIES: dict[str, str] = {
    "default": "",
    "formal": "Use the formal form of address and a formal register.",
    "informal": "Use the informal form of address and a relaxed, friendly register.",
}
AUTO = "auto"
TOKENS_PER_CHAR = 0.3
"""For the time estimate, until the job has counted a block of the text itself."""
ANSWER_SHARE = 1.3
"""A translation's tokens per source token, for the time estimate (the budget allows 2)."""


@dataclass(frozen=True)
class TranslateRequest:
    text: str
    target: str
    """English name or ISO 639-1 code ("French", "fr")."""
    source: str = AUTO
    """``"auto"`` lets a language detector decide; else a name or code."""
    formality: str = "default"

    def check(self) -> None:
        if not self.text.strip():
            raise OptionError("Write or paste the text to translate.")
        if self.formality not in FORMALITIES:
            raise OptionError(
                f"Unknown formality {self.formality!r}; choose one of: {', '.join(FORMALITIES)}."
            )
        find_language(self.target)
        if self.source.strip().lower() not in (AUTO, ""):
            find_language(self.source)


# ---------------------------------------------------------------- segments
@dataclass(frozen=True)
class Segment:
    text: str
    translate: bool


@dataclass
class Block:
    """One paragraph's translatable segments (indices into the segment list)."""

    indices: list[int] = field(default_factory=list)


_FENCE = re.compile(r"^\s*(```|~~~)")
_LINE_PREFIX = re.compile(
    r"^(?:[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+•][ \t]+(?:\[[ xX]\][ \t]+)?|\d{1,3}[.)][ \t]+))*[ \t]*"
)
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_TABLE_DIVIDER = re.compile(r"^\s*\|?[\s:|-]+\|[\s:|-]*$")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def _split_line_end(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    stripped = body.rstrip()
    return stripped, line[len(stripped) :]


def segment(text: str) -> tuple[list[Segment], list[Block]]:
    """Segments joining back to ``text`` exactly, and the paragraphs they form."""
    segments: list[Segment] = []
    blocks: list[Block] = []
    current = Block()
    in_fence: str | None = None

    def fixed(value: str) -> None:
        if value:
            segments.append(Segment(value, False))

    def words(value: str) -> None:
        if _HAS_LETTER.search(value):
            current.indices.append(len(segments))
            segments.append(Segment(value, True))
        else:
            fixed(value)

    def end_block() -> None:
        nonlocal current
        if current.indices:
            blocks.append(current)
        current = Block()

    for line in text.splitlines(keepends=True):
        fence = _FENCE.match(line)
        if in_fence is not None:
            fixed(line)
            if fence and fence.group(1) == in_fence:
                in_fence = None
            continue
        if fence:
            end_block()
            in_fence = fence.group(1)
            fixed(line)
            continue
        content, ending = _split_line_end(line)
        if not content.strip() or _RULE.match(content) or _TABLE_DIVIDER.match(content):
            end_block()
            fixed(line)
            continue
        if content.lstrip().startswith("|"):
            # A table row: each cell on its own, the pipes and padding kept.
            for part in re.split(r"(\|)", content):
                if part == "|" or not part.strip():
                    fixed(part)
                else:
                    lead = part[: len(part) - len(part.lstrip())]
                    trail = part[len(part.rstrip()) :]
                    fixed(lead)
                    words(part.strip())
                    fixed(trail)
            fixed(ending)
            continue
        prefix = _LINE_PREFIX.match(content)
        start = prefix.end() if prefix else 0
        if start and content[:start].lstrip().startswith("#"):
            end_block()  # a heading is a block of its own
            fixed(content[:start])
            words(content[start:])
            fixed(ending)
            end_block()
            continue
        fixed(content[:start])
        words(content[start:])
        fixed(ending)
    end_block()
    return segments, blocks


# ---------------------------------------------------------------- prompts
@dataclass(frozen=True)
class LanguagePair:
    source: Language | None
    """``None``: not detected with confidence; the model is not told."""
    target: Language
    detection: Detection | None = None


def resolve_languages(request: TranslateRequest) -> LanguagePair:
    """Target and source languages, detecting the source with a real detector if asked."""
    request.check()
    target = find_language(request.target)
    if request.source.strip().lower() not in (AUTO, ""):
        return LanguagePair(find_language(request.source), target)
    detection = detect_language(request.text)
    source = detection.language if detection is not None and detection.reliable else None
    return LanguagePair(source, target, detection)


def build_block(
    lines: list[str], languages: LanguagePair, formality: str = "default"
) -> ToolPrompt:
    """The prompt translating ``lines`` (one paragraph's segments), one line per line."""
    target = languages.target.name
    source = languages.source.name if languages.source else None
    direction = f"from {source} into {target}" if source else f"into {target}"
    count = len(lines)
    line_rule = (
        f"The text has {count} lines: answer with exactly {count} lines, the translation "
        "of each line on its own line, in the same order."
        if count > 1
        else "Answer with the translation on one line."
    )
    system = " ".join(
        part
        for part in (
            f"You are a professional translator. Translate the user's text {direction}.",
            FORMALITIES[formality],
            "Keep names, numbers, URLs, inline code and Markdown marks such as ** and ` "
            "exactly as they are.",
            line_rule,
            "Reply with the translation only: no quotes, notes or explanations.",
        )
        if part
    )
    text = "\n".join(lines)
    source_label = f"{source} text" if source else "Text"
    completion = f"{source_label}:\n{text}\n\n{target} translation:\n"
    return ToolPrompt(
        messages=({"role": "system", "content": system}, {"role": "user", "content": text}),
        completion_prompt=completion,
        completion_stop=("\n\n", f"\n{source_label}:"),
        suggested_max_tokens=max(32, len(text)),
        copies_input=True,  # names, numbers, markup and shared words are copied
    )


_LEAD_IN = re.compile(
    r"^\s*(?:here is the translation|here's the translation|translation|traduction|"
    r"übersetzung|traducción|traduzione)[^\n:]*:\s*\n?",
    re.IGNORECASE,
)


def clean_translation(answer: str, source: str) -> str:
    """The model's answer without a lead-in ("Translation:") or quotes it added."""
    text = _LEAD_IN.sub("", answer.strip(), count=1).strip()
    for left, right in (('"', '"'), ("“", "”"), ("«", "»"), ("'", "'")):
        if (
            len(text) >= 2
            and text.startswith(left)
            and text.endswith(right)
            and not source.strip().startswith(left)
        ):
            text = text[1:-1].strip()
    return text


def _answer_lines(answer: str, source: list[str]) -> list[str] | None:
    lines = [line.strip() for line in clean_translation(answer, "\n".join(source)).splitlines()]
    lines = [line for line in lines if line]
    if len(lines) != len(source):
        return None
    return [clean_translation(line, src) for line, src in zip(lines, source, strict=True)]


# ---------------------------------------------------------------- the job
ANSWER_EXTRA_TOKENS = 16


def _answer_budget(limits: ModelLimits, source_tokens: int) -> int:
    # Many languages need more tokens than English for the same text.
    return limits.answer_tokens(2 * source_tokens + ANSWER_EXTRA_TOKENS)


def job(request: TranslateRequest, limits: ModelLimits) -> Job:
    """Translate paragraph by paragraph; ``Preview`` after each, stoppable between and within.

    The output joins the untouched layout with the translated words. When stopped,
    the paragraphs not yet translated are kept in the original language and
    ``detail["partial"]`` is set.
    """
    languages = resolve_languages(request)
    segments, blocks = segment(request.text)
    # The longer instructions of a several-line block, with no text yet.
    empty = build_block(["", ""], languages, request.formality)
    # Input and answer (twice as long, plus a little) share what the prompt leaves.
    room = limits.n_ctx - limits.prompt_tokens(empty) - SAFETY_TOKENS - ANSWER_EXTRA_TOKENS
    piece_budget = room // 3
    if piece_budget < 16:
        raise UserFacingError(
            "The model's context is too small to translate with. Raise the context size "
            "in the settings.",
            code="context_too_small",
        )
    return _translate(
        request,
        limits=limits,
        languages=languages,
        segments=segments,
        blocks=blocks,
        piece_budget=piece_budget,
    )


def _translate(
    request: TranslateRequest,
    *,
    limits: ModelLimits,
    languages: LanguagePair,
    segments: list[Segment],
    blocks: list[Block],
    piece_budget: int,
) -> Job:
    done: dict[int, str] = {}
    detail: dict[str, object] = {
        "source": languages.source.code if languages.source else None,
        "source_name": languages.source.name if languages.source else None,
        "target": languages.target.code,
        "target_name": languages.target.name,
        "detected": languages.detection.code if languages.detection else None,
        "confidence": languages.detection.confidence if languages.detection else None,
        "blocks": len(blocks),
    }
    total = len(blocks)
    chars = [sum(len(segments[i].text) for i in block.indices) for block in blocks]
    counted = [0, 0]  # tokens and characters counted so far, for the estimate

    def output() -> str:
        return "".join(done.get(i, s.text) for i, s in enumerate(segments))

    def step(lines: list[str], n: int, what: str, tokens: int) -> Step:
        counted[0] += tokens
        counted[1] += sum(len(line) for line in lines)
        per_char = counted[0] / counted[1] if counted[1] else TOKENS_PER_CHAR
        rest = math.ceil(sum(chars[n:]) * per_char)
        return Step(
            build_block(lines, languages, request.formality),
            f"Translating {what} {n} of {total}",
            n,
            total,
            _answer_budget(limits, tokens),
            phase="translate",
            later=Workload(rest, math.ceil(rest * ANSWER_SHARE)),
        )

    finished = 0
    untranslated: list[int] = []
    try:
        for number, block in enumerate(blocks, start=1):
            lines = [segments[i].text for i in block.indices]
            joined_tokens = limits.count_tokens("\n".join(lines))
            if len(lines) > 1 and joined_tokens <= piece_budget:
                answer = yield step(lines, number, "paragraph", joined_tokens)
                translated = _answer_lines(answer, lines)
                if translated is not None:
                    for index, line in zip(block.indices, translated, strict=True):
                        done[index] = line
                    finished += 1
                    yield Preview(output())
                    continue
            # One segment at a time (a single line, a line-count mismatch, or too long).
            for index in block.indices:
                source = segments[index].text
                parts: list[str] = []
                for piece in plan_chunks(source, piece_budget, limits.count_tokens):
                    answer = yield step(
                        [piece.strip()], number, "paragraph", limits.count_tokens(piece)
                    )
                    parts.append(_one_line(answer, piece))
                joined = " ".join(part for part in parts if part)
                if joined:
                    done[index] = joined
                else:  # an empty answer: keep the original rather than lose the words
                    untranslated.append(index)
            finished += 1
            yield Preview(output())
    except JobCancelled:
        return JobOutput(
            output(),
            {
                **detail,
                "partial": True,
                "blocks_done": finished,
                "untranslated_segments": len(untranslated),
            },
        )
    text = output()
    return JobOutput(
        text,
        {**detail, "blocks_done": finished, "untranslated_segments": len(untranslated)},
        notices=wrong_language(text, languages.target),
    )


def wrong_language(text: str, target: Language) -> tuple[str, ...]:
    """A notice when the detector is sure ``text`` is in another language than ``target``.

    Small models often answer in the language of the prompt instead.
    """
    found = detect_language(text)
    if found is None or not found.reliable or found.language is None:
        return ()
    if sum(char.isalpha() for char in text) < 40 or found.language.code == target.code:
        return ()
    return (
        f"This looks like {found.language.name}, not {target.name}: try again, or choose "
        "a larger model.",
    )


def _one_line(answer: str, source: str) -> str:
    """A one-line source gets a one-line translation, whatever line breaks the model added."""
    lines = clean_translation(answer, source).splitlines()
    return " ".join(line.strip() for line in lines if line.strip())
