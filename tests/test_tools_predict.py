"""Text prediction: what is asked of the model, what of its answer is suggested, and the CLI."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import Completion, SamplingOptions, TokenEvent
from desktop_slm.tools import predict
from desktop_slm.tools.predict import clean_continuation, continuation_prompt, wants_suggestion
from tests.test_cli import error_lines, parse_one_json_object, run_cli
from tests.test_engine import collect
from tests.test_tools_jobs import FakeEngine

LONG = " ".join(f"Sentence {i} says the ferry leaves the harbour at nine." for i in range(80))


# ---------------------------------------------------------------- the prompt
def test_a_short_text_is_the_whole_prompt() -> None:
    assert continuation_prompt("Dear Anna,\n\nThanks for") == "Dear Anna,\n\nThanks for"


def test_a_long_text_is_cut_to_its_tail_at_a_word_boundary() -> None:
    prompt = continuation_prompt(LONG)
    assert LONG.endswith(prompt)
    assert len(prompt) <= predict.PROMPT_CHARS
    assert len(prompt) > predict.PROMPT_CHARS - predict.PROMPT_GRID - 20
    assert LONG[len(LONG) - len(prompt) - 1].isspace()  # never starts mid-word


def test_typing_on_keeps_the_start_of_the_prompt_so_the_cache_is_reused() -> None:
    starts = set()
    text = LONG
    for char in "and then the ferry waits for the bus from the station, which is late again.":
        text += char
        starts.add(len(text.rstrip(" ")) - len(continuation_prompt(text)))
    # 76 keystrokes move the prompt's start at most once (it moves on a grid).
    assert len(starts) <= 2


def test_one_enormous_word_keeps_its_end() -> None:
    text = "x" * 5000
    assert continuation_prompt(text) == "x" * len(continuation_prompt(text))
    assert 0 < len(continuation_prompt(text)) <= predict.PROMPT_CHARS


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("", False),
        ("   ", False),
        ("Dear Anna,\n", False),  # the start of an empty line: nothing to continue yet
        ("...", False),
        ("Dear Anna", True),
        ("Dear Anna,\n\nThanks ", True),
        ("Grüße an", True),
    ],
)
def test_a_suggestion_is_wanted_only_where_there_is_a_line_to_continue(
    text: str, wanted: bool
) -> None:
    assert wants_suggestion(text) is wanted


# ---------------------------------------------------------------- cleaning
@pytest.mark.parametrize(
    ("text", "raw", "expected"),
    [
        # a new word: one space, whether or not the model wrote it
        ("I will", " keep you posted.", " keep you posted."),
        ("Hello,", "how are you?", " how are you?"),
        ("It ended (", "sadly) today.", "sadly) today."),
        # the text ends in a space: none more
        ("I will ", " keep you posted.", "keep you posted."),
        ("Dear Anna,\n\n", "Thanks", "Thanks"),
        # mid-word: the rest of the word, no space
        ("I would like to sche", "dule a call", "dule a call"),
        ("It costs 3.", "5 euros in total.", "5 euros in total."),
        ("Grüß", "e aus Köln", "e aus Köln"),
        # ends at the first sentence end, at the end of the line
        ("The meeting is", " moved to Friday. Then we", " moved to Friday."),
        ("Why not", " ask her? She knows", " ask her?"),
        ("He said", ' "yes." Then', ' "yes."'),
        ("The plan", " is ready\nSecond line", " is ready"),
        ("Version", " 3.5 is out now. Next", " 3.5 is out now."),
        ("会议", "改到周五。然后", "改到周五。"),
        # no special tokens, no markup, nothing after them
        ("I am", " fine.<|im_end|>", " fine."),
        ("I am", " fine<end_of_turn>\n<start_of_turn>user", " fine"),
        ("Our product", ", the <strong>best</strong> one", ", the"),
        ("I am", " fine</s>", " fine"),
        # at most twelve words, no trailing whitespace
        (
            "We",
            " are happy to tell you that the new office opens in the spring with a party",
            " are happy to tell you that the new office opens in the",
        ),
        ("Hello", " world   ", " world"),
        ("Tab", "\tseparated", " separated"),
        # nothing useful: no suggestion
        ("I will", "", ""),
        ("I will", "   ", ""),
        ("I will", "\nDear Anna", ""),
        ("I will", "<|im_end|>", ""),
        ("I will", " ...", ""),
        ("I will", " \x00\x07", ""),
        ("", "Hello world", "Hello world"),
    ],
)
def test_what_the_model_wrote_is_cleaned_to_a_suggestion(
    text: str, raw: str, expected: str
) -> None:
    assert clean_continuation(text, raw) == expected


def test_the_word_limit_is_the_callers() -> None:
    raw = " one two three four five six"
    assert clean_continuation("Count", raw, words=3) == " one two three"
    assert clean_continuation("Count", raw, words=0) == " one"  # at least one word
    many = " " + " ".join(["word"] * 200)
    assert len(clean_continuation("Count", many, words=1000).split()) == predict.MAX_WORDS


# ---------------------------------------------------------------- the request
def test_the_request_is_greedy_short_and_ends_with_the_line() -> None:
    engine = FakeEngine(answer=lambda _r: " keep you posted. Then more text follows here.")
    text = LONG + " I will"
    assert predict.continue_text(engine, text) == " keep you posted."  # type: ignore[arg-type]
    request = engine.requests[-1]
    assert request.kind == "complete"  # works for chat and base models alike
    assert request.lane == "suggest"  # its own cache: Generate never takes it
    assert request.prompt == continuation_prompt(text)
    assert request.options.temperature == 0.0
    assert "\n" in request.options.stop
    assert request.options.max_tokens <= 3 * predict.DEFAULT_WORDS


def test_after_a_space_the_model_sees_none_and_must_start_a_new_word() -> None:
    engine = FakeEngine(answer=lambda _r: " keep you posted.")
    assert predict.continue_text(engine, "I will ") == "keep you posted."  # type: ignore[arg-type]
    assert engine.requests[-1].prompt == "I will"
    glued = FakeEngine(answer=lambda _r: "ward to it.")  # "will" + "ward": not after "will "
    assert predict.continue_text(glued, "I will ") == ""  # type: ignore[arg-type]


def test_the_request_stops_once_the_suggestion_is_complete() -> None:
    sent: list[int] = []
    engine = FakeEngine(
        answer=lambda _r: " a b c d e f g h i j k l m n o p q r s t u v w x y z",
        on_token=sent.append,
    )
    assert predict.continue_text(engine, "Letters:", words=3) == " a b c"  # type: ignore[arg-type]
    assert max(sent) <= 5  # not the whole alphabet


class CutEngine(FakeEngine):
    """Its answer runs out of budget in the middle of a word."""

    def complete(
        self, prompt: str, options: SamplingOptions | None = None, *, lane: str = "main"
    ) -> Iterator[TokenEvent | Completion]:
        text = " the next meeting is on Wednes"
        yield TokenEvent(1, text)
        yield Completion(1, text, "length", prompt_tokens=3, completion_tokens=7)


def test_an_answer_cut_by_its_budget_drops_the_cut_word() -> None:
    result = predict.continue_text(CutEngine(), "I will", words=64)  # type: ignore[arg-type]
    assert result == " the next meeting is on"


def test_a_suggestion_is_shown_while_written_in_whole_words_each_the_start_of_the_next() -> None:
    engine = FakeEngine(answer=lambda _r: " keep you posted about the move. Then more")
    partials: list[str] = []
    final = predict.continue_text(engine, "I will", on_partial=partials.append)  # type: ignore[arg-type]
    assert final == " keep you posted about the move."
    assert partials[0] == " keep you"  # two whole words: "posted" may still grow
    for shorter, longer in zip(partials, [*partials[1:], final], strict=True):
        assert longer.startswith(shorter)
        assert longer != shorter


def test_a_stopped_request_suggests_nothing() -> None:
    stop = threading.Event()
    engine = FakeEngine(answer=lambda _r: " keep you posted.", on_token=lambda _n: stop.set())
    assert predict.continue_text(engine, "I will", stop=stop) == ""  # type: ignore[arg-type]


def test_nothing_is_asked_where_no_suggestion_is_wanted() -> None:
    engine = FakeEngine()
    assert predict.continue_text(engine, "Dear Anna,\n") == ""  # type: ignore[arg-type]
    assert engine.requests == []


# ---------------------------------------------------------------- the real model
def test_the_real_model_continues_a_sentence_repeatably_and_reuses_its_cache(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=1024, n_threads=1)
    text = LONG + " Thanks for sending the report. I will"
    first = predict.continue_text(engine, text)
    assert first.startswith(" ")
    assert first.strip()
    assert len(first.split()) <= predict.DEFAULT_WORDS
    assert "\n" not in first
    assert "<|" not in first
    assert predict.continue_text(engine, text) == first  # greedy: the same text, the same words

    # Typing on: the next request starts like the last one, so llama.cpp reuses it.
    longer = text + first + " Best"
    events = list(engine.complete(continuation_prompt(longer), predict.sampling(), lane="suggest"))
    done = events[-1]
    assert done.prompt_tokens > 100  # type: ignore[union-attr]
    assert done.cached_prompt_tokens > 0.8 * done.prompt_tokens  # type: ignore[union-attr]


def test_the_prompt_a_move_goes_to_is_known_before_the_move() -> None:
    text = "Dear Anna,"
    ahead_at: dict[str, int] = {}  # what next_prompt said, and when it first said it
    moves = 0
    start = 0
    for index, char in enumerate(LONG[:2500]):
        text += char
        prompt = continuation_prompt(text)
        new_start = len(text.rstrip(" ")) - len(prompt)
        if new_start != start and len(text) > predict.PROMPT_CHARS:
            moves += 1
            known = [ahead for ahead in ahead_at if prompt.startswith(ahead)]
            assert known, f"the move at {len(text)} characters was not foreseen"
            assert index - ahead_at[known[0]] <= predict.LOOKAHEAD + 1  # foreseen near it
        start = new_start
        ahead = predict.next_prompt(text)
        if ahead is not None:
            assert text.rstrip().endswith(ahead)
            ahead_at.setdefault(ahead[:40], index)
    assert moves >= 8
    assert predict.next_prompt("Dear Anna, thanks for the review.") is None  # far from a move


class StopAfterFirstPiece:
    """The real engine; the user types on once the first piece of the prompt is evaluated."""

    def __init__(self, engine: EngineClient, stop: threading.Event) -> None:
        self.engine, self.stop, self.pieces = engine, stop, 0

    def prefill(
        self, *, prompt: str | None = None, stop: threading.Event | None = None, lane: Any = "main"
    ) -> Any:
        done = self.engine.prefill(prompt=prompt, stop=stop, lane=lane)
        self.pieces += 1
        self.stop.set()
        return done

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


def test_a_cold_prompt_is_evaluated_in_pieces_that_outlive_a_keystroke(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=1024, n_threads=1)
    text = LONG + " Thanks for sending the report. I will"
    prompt = continuation_prompt(text)
    assert len(predict.warm_points(prompt)) >= 2
    other = "Something else entirely fills the cache."
    list(engine.complete(other, predict.sampling(1), lane="suggest"))
    stop = threading.Event()
    typed_on = StopAfterFirstPiece(engine, stop)
    assert predict.continue_text(typed_on, text, stop=stop) == ""  # type: ignore[arg-type]
    assert typed_on.pieces == 1
    # The next request finds the first piece in the cache.
    first_piece = engine.count_tokens(prompt[: predict.warm_points(prompt)[0]])
    done = list(engine.complete(prompt, predict.sampling(1), lane="suggest"))[-1]
    assert done.cached_prompt_tokens >= first_piece - 2  # type: ignore[union-attr]


# ---------------------------------------------------------------- desktop-slm run continue
def test_run_continue_prints_the_continuation(smollm2_path: Path) -> None:
    proc = run_cli(
        "run", "continue", "--model", smollm2_path, "--threads", "1", "--input", "-",
        stdin="Thanks for sending the report. I will\n",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    line = proc.stdout.removesuffix("\n")
    assert line.startswith(" "), proc.stdout  # after "I will": a new word
    assert line.strip(), proc.stdout
    assert "\n" not in line
    assert len(line.split()) <= predict.DEFAULT_WORDS


def test_run_continue_json_and_words_on_a_base_model(gemma_base_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "draft.txt"
    source.write_text("We are happy to announce that our new", encoding="utf-8")
    proc = run_cli(
        "run", "continue", "--model", gemma_base_path, "--threads", "1", "--input", source,
        "--words", "2", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    payload = parse_one_json_object(proc.stdout)
    assert payload["model"]["base_model"] is True
    continuation = payload["continuation"]
    assert 1 <= len(continuation.split()) <= 2, continuation
    assert json.loads(json.dumps(continuation)) == continuation


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--words", "0"], "must be 1 or more", 2),
        (["--words", "65"], "must be 64 or less", 2),
        (["--input", "/nonexistent/draft.txt"], "does not exist", 1),
    ],
)
def test_run_continue_says_what_is_wrong_in_one_sentence(
    smollm2_path: Path, args: list[str], message: str, code: int
) -> None:
    given = ["--input", "-", *args] if "--input" not in args else args
    proc = run_cli("run", "continue", "--model", smollm2_path, *given, stdin="Hello")
    assert proc.returncode == code
    lines = error_lines(proc)
    assert any(message in line for line in lines), lines
    assert proc.stdout == ""


def test_the_next_prompt_window_is_prepared_beside_the_current_one(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=2048, n_threads=1)
    # Just before the prompt's start moves: the next window is prepared ahead.
    text = LONG[: 2 * predict.PROMPT_GRID + predict.PROMPT_CHARS - 40].rstrip()
    assert predict.next_prompt(text) is not None
    assert predict.continue_text(engine, text)
    predict.prepare_next(engine, text)

    # Typing on, before the move: the current window is still cached ...
    before = continuation_prompt(text + " and")
    _, done = collect(engine.complete(before, predict.sampling(2), lane="suggest"))
    assert done.prompt_tokens - done.cached_prompt_tokens <= 4
    # ... and after it, the first request finds the new window cached too.
    after = text + " and then the ferry waits for the bus from the station again"
    moved = continuation_prompt(after)
    assert not moved.startswith(before[:50])  # the start did move
    _, done = collect(engine.complete(moved, predict.sampling(2), lane="suggest"))
    assert done.prompt_tokens > 60
    assert done.prompt_tokens - done.cached_prompt_tokens <= 16  # the words typed since
