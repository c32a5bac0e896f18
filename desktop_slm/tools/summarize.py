"""Summaries of any length of text: map-reduce over chunks that fit the model's context.

A text that fits is summarized in one request. A longer one is cut at paragraph
boundaries into chunks sized with the model's own tokenizer (:func:`plan`); each
chunk is summarized ("chunk i of N"), the chunk summaries are merged in groups
that fit ("summaries of summaries") until they fit one last request, which
writes the summary at the length asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop_slm.errors import OptionError, UserFacingError
from desktop_slm.languages import language_name
from desktop_slm.tools.budget import SAFETY_TOKENS, ModelLimits
from desktop_slm.tools.chunking import plan_chunks
from desktop_slm.tools.estimate import Workload
from desktop_slm.tools.jobs import Job, JobCancelled, JobOutput, Step
from desktop_slm.tools.prompt import ToolPrompt


@dataclass(frozen=True)
class SummaryLength:
    label: str
    instruction: str
    tokens: int
    """Answer budget of the final request."""


LENGTHS: dict[str, SummaryLength] = {
    "tldr": SummaryLength("One-sentence TL;DR", "in one single sentence (a TL;DR)", 80),
    "short": SummaryLength("Short paragraph", "as one short paragraph of 3 to 5 sentences", 200),
    "bullets": SummaryLength(
        "Key points", "as 4 to 8 bullet points ('- ') with the key points", 320
    ),
    "detailed": SummaryLength(
        "Detailed",
        "as a detailed summary of several paragraphs that covers every main point",
        600,
    ),
}
MAX_REDUCE_ROUNDS = 6


@dataclass(frozen=True)
class SummarizeRequest:
    text: str
    length: str = "short"
    focus: str = ""
    """Optional question or angle ("what does this mean for the budget?")."""
    language: str = ""
    """Language of the summary; empty: the language of the text."""

    def check(self) -> None:
        if not self.text.strip():
            raise OptionError("Paste a text or open a document to summarize.")
        if self.length not in LENGTHS:
            raise OptionError(
                f"Unknown length {self.length!r}; choose one of: {', '.join(LENGTHS)}."
            )


def _common_rules(request: SummarizeRequest) -> str:
    language = (
        f"Write in {language_name(request.language)}."
        if request.language.strip()
        else "Write in the language of the text."
    )
    focus = (
        f" Pay special attention to this question: {request.focus.strip()}"
        if request.focus.strip()
        else ""
    )
    return f"{language} Use only what the text says; do not add facts or opinions.{focus}"


def _prompt(system: str, user: str, completion: str, tokens: int) -> ToolPrompt:
    return ToolPrompt(
        messages=({"role": "system", "content": system}, {"role": "user", "content": user}),
        completion_prompt=completion,
        completion_stop=("\n\n\n", "\nText:", "\nNotes:"),
        suggested_max_tokens=tokens,
    )


def build_direct(request: SummarizeRequest, text: str) -> ToolPrompt:
    """One request summarizing all of ``text`` at the requested length."""
    length = LENGTHS[request.length]
    system = (
        f"You summarize texts {length.instruction}. {_common_rules(request)} "
        "Reply with the summary only."
    )
    focus = f"\nFocus: {request.focus.strip()}" if request.focus.strip() else ""
    return _prompt(
        system,
        f"Summarize this text.{focus}\n\nText:\n{text.strip()}",
        f"Text:\n{text.strip()}\n\nSummary of the text above, {length.instruction}:{focus}\n",
        length.tokens,
    )


def build_map(
    request: SummarizeRequest, chunk: str, index: int, total: int, words: int
) -> ToolPrompt:
    """Summarize part ``index`` of ``total`` of a long text in at most ``words`` words."""
    system = (
        f"You summarize one part of a longer document. Keep the key facts, names, numbers, "
        f"decisions and conclusions, in at most {words} words of plain sentences. "
        f"{_common_rules(request)} Reply with the summary only."
    )
    return _prompt(
        system,
        f"Part {index} of {total} of the document:\n\n{chunk.strip()}",
        f"Text (part {index} of {total} of a document):\n{chunk.strip()}\n\n"
        f"Summary of this part in at most {words} words:\n",
        0,
    )


def build_reduce(request: SummarizeRequest, summaries: str, words: int) -> ToolPrompt:
    """Merge consecutive partial summaries into one of at most ``words`` words."""
    system = (
        "You merge summaries of consecutive parts of one document into one summary, in "
        f"order, keeping the key facts, names, numbers and decisions, in at most {words} "
        f"words. {_common_rules(request)} Reply with the merged summary only."
    )
    return _prompt(
        system,
        f"Summaries of consecutive parts:\n\n{summaries.strip()}",
        f"Notes:\n{summaries.strip()}\n\nOne merged summary of these notes in at most "
        f"{words} words:\n",
        0,
    )


def build_final(request: SummarizeRequest, summaries: str) -> ToolPrompt:
    """The last request: the summary at the requested length, from the partial summaries."""
    length = LENGTHS[request.length]
    system = (
        "You are given notes that summarize a long document part by part, in order. "
        f"Write the summary of the whole document {length.instruction}. "
        f"{_common_rules(request)} Reply with the summary only."
    )
    focus = f"\nFocus: {request.focus.strip()}" if request.focus.strip() else ""
    return _prompt(
        system,
        f"Notes on the document, part by part:{focus}\n\n{summaries.strip()}",
        f"Notes:\n{summaries.strip()}\n\nSummary of the whole document, "
        f"{length.instruction}:{focus}\n",
        length.tokens,
    )


@dataclass(frozen=True)
class SummaryPlan:
    """How a text will be summarized; ``chunks`` join back to the text exactly."""

    chunks: tuple[str, ...]
    direct: bool
    """The whole text fits one request."""
    chunk_budget: int
    map_tokens: int
    reduce_budget: int
    final_budget: int
    final_tokens: int
    text_tokens: int = 0
    """The whole text's tokens (0: not counted), for the time estimate."""


def _room(limits: ModelLimits, empty: ToolPrompt, answer: int) -> int:
    return limits.n_ctx - limits.prompt_tokens(empty) - answer - SAFETY_TOKENS


def _words(tokens: int) -> int:
    return max(10, int(tokens * 0.6))


def plan(request: SummarizeRequest, limits: ModelLimits) -> SummaryPlan:
    """Decide between one request and map-reduce, and cut the chunks."""
    request.check()
    final_tokens = limits.answer_tokens(LENGTHS[request.length].tokens)
    direct_room = _room(limits, build_direct(request, ""), final_tokens)
    # Partial summaries must be well under a third of a chunk so that merging shrinks.
    # (Small models tend to use the whole budget, so it is also most of the time taken.)
    map_tokens = limits.answer_tokens(max(48, min(192, limits.n_ctx // 10)))
    chunk_budget = _room(limits, build_map(request, "", 99, 99, _words(map_tokens)), map_tokens)
    reduce_budget = _room(limits, build_reduce(request, "", _words(map_tokens)), map_tokens)
    final_budget = _room(limits, build_final(request, ""), final_tokens)
    if min(direct_room, chunk_budget, final_budget, reduce_budget) < 3 * map_tokens // 2:
        raise UserFacingError(
            f"The model's context ({limits.n_ctx:,} tokens) is too small to summarize with "
            f"an answer of {final_tokens:,} tokens. Choose a shorter length or raise the "
            "context size in the settings.",
            code="context_too_small",
        )
    text = request.text
    text_tokens = limits.count_tokens(text)
    if text_tokens <= direct_room:
        chunks: tuple[str, ...] = (text,)
        direct = True
    else:
        chunks = tuple(plan_chunks(text, chunk_budget, limits.count_tokens))
        direct = False
    return SummaryPlan(
        chunks=chunks,
        direct=direct,
        chunk_budget=chunk_budget,
        map_tokens=map_tokens,
        reduce_budget=reduce_budget,
        final_budget=final_budget,
        final_tokens=final_tokens,
        text_tokens=text_tokens,
    )


def job(
    request: SummarizeRequest, limits: ModelLimits, summary_plan: SummaryPlan | None = None
) -> Job:
    """The summary as a job; stopping keeps the partial summaries done so far.

    ``summary_plan`` is :func:`plan`'s (made here if not given). ``detail``: ``chunks``
    (N), ``direct``, ``chunks_done``, ``rounds`` (merge rounds), ``partial``.
    """
    return _summarize(request, limits, summary_plan or plan(request, limits))


def _merging(p: SummaryPlan, notes_tokens: int) -> Workload:
    """What merging notes of ``notes_tokens`` and writing the final summary will cost.

    Partial summaries are taken at their full budget (small models mostly use it all).
    """
    work = Workload()
    for _ in range(MAX_REDUCE_ROUNDS):
        if notes_tokens <= p.final_budget:
            break
        merged = math.ceil(notes_tokens / max(1, p.reduce_budget)) * p.map_tokens
        work += Workload(notes_tokens, merged)
        notes_tokens = merged
    return work + Workload(min(notes_tokens, p.final_budget), p.final_tokens)


def _tokens_of(part: str, whole: str, whole_tokens: int) -> int:
    """Tokens of ``part`` of ``whole``, estimated from their lengths (no engine request)."""
    return math.ceil(whole_tokens * len(part) / max(1, len(whole)))


def _summarize(request: SummarizeRequest, limits: ModelLimits, summary_plan: SummaryPlan) -> Job:
    p = summary_plan
    total = len(p.chunks)
    detail: dict[str, object] = {"chunks": total, "direct": p.direct}
    if p.direct:
        try:
            text = yield Step(
                build_direct(request, p.chunks[0]),
                "Writing the summary",
                1,
                1,
                p.final_tokens,
                is_output=True,
                phase="final",
            )
        except JobCancelled as stop:
            return JobOutput(stop.partial_text.strip(), {**detail, "partial": True})
        return JobOutput(text.strip(), {**detail, "chunks_done": 1, "rounds": 0})

    words = _words(p.map_tokens)
    summaries: list[str] = []
    rounds = chunks_done = 0
    text_tokens = p.text_tokens or limits.count_tokens(request.text)
    chunk_tokens = [_tokens_of(chunk, request.text, text_tokens) for chunk in p.chunks]
    merging = _merging(p, total * p.map_tokens)
    try:
        for index, chunk in enumerate(p.chunks, start=1):
            maps_left = Workload(sum(chunk_tokens[index:]), (total - index) * p.map_tokens)
            answer = yield Step(
                build_map(request, chunk, index, total, words),
                f"Summarizing chunk {index} of {total}",
                index,
                total,
                p.map_tokens,
                phase="map",
                later=maps_left + merging,
            )
            summaries.append(answer.strip() or "(nothing to summarize in this part)")
            chunks_done = index
        notes = "\n\n".join(summaries)
        while (notes_tokens := limits.count_tokens(notes)) > p.final_budget:
            rounds += 1
            if rounds > MAX_REDUCE_ROUNDS:
                raise UserFacingError(
                    "The partial summaries did not get shorter when merged, so the text "
                    "cannot be summarized with this model. Try a larger context size.",
                    code="summary_not_converging",
                )
            groups = plan_chunks(notes, p.reduce_budget, limits.count_tokens)
            merged: list[str] = []
            merging = _merging(p, len(groups) * p.map_tokens)
            for number, group in enumerate(groups, start=1):
                rest = sum(_tokens_of(g, notes, notes_tokens) for g in groups[number:])
                groups_left = Workload(rest, (len(groups) - number) * p.map_tokens)
                answer = yield Step(
                    build_reduce(request, group, words),
                    f"Combining summaries {number} of {len(groups)} (round {rounds})",
                    number,
                    len(groups),
                    p.map_tokens,
                    phase="reduce",
                    later=groups_left + merging,
                )
                merged.append(answer.strip())
            summaries = [m for m in merged if m]
            notes = "\n\n".join(summaries)
        final = yield Step(
            build_final(request, notes),
            "Writing the summary",
            1,
            1,
            p.final_tokens,
            is_output=True,
            phase="final",
            later=Workload(),
        )
    except JobCancelled as stop:
        kept = "\n\n".join(summaries)
        partial = stop.partial_text.strip()
        return JobOutput(
            partial if partial and len(partial) > 40 else kept,
            {**detail, "partial": True, "chunks_done": chunks_done, "rounds": rounds},
        )
    return JobOutput(final.strip(), {**detail, "chunks_done": total, "rounds": rounds})
