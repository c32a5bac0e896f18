"""Translation: languages by name or code, real detection, and layout that survives."""

from __future__ import annotations

import pytest

from desktop_slm.errors import OptionError
from desktop_slm.languages import LANGUAGES, UnknownLanguage, detect_language, find_language
from desktop_slm.tools import translate
from desktop_slm.tools.jobs import JobPreview, JobProgress, JobRunner, JobStepDone
from tests.test_tools_jobs import FakeEngine, Request, count_words, result_of, run

MARKDOWN = """# Weekly notes

The ferry leaves at **nine** o'clock.
It returns at `17:00`.

- buy tickets
- check the [timetable](https://example.com/t)
  1. online
  2. at the harbour

> Quote from the captain.

```python
print("do not translate me")
```

| Day | Ferry |
|-----|-------|
| Monday | 9:00 |

---

Last paragraph.
"""


def shout(request: Request) -> str:
    """A 'translation' a test can check: every line upper-cased, the line count kept."""
    return "\n".join(line.upper() for line in request.user.splitlines())


def test_at_least_twenty_languages_by_english_name_native_name_or_code() -> None:
    assert len(LANGUAGES) >= 20
    assert len({language.code for language in LANGUAGES}) == len(LANGUAGES)
    assert find_language("French") == find_language("fr") == find_language("français")
    assert find_language(" GERMAN ").code == "de"
    assert find_language("nb").name == "Norwegian"
    with pytest.raises(UnknownLanguage, match="Did you mean Spanish"):
        find_language("Spansih")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Bonjour à tous, la réunion de demain est annulée.", "fr"),
        ("Guten Morgen, die Besprechung morgen fällt leider aus.", "de"),
        ("Buenos días, la reunión de mañana se ha cancelado.", "es"),
        ("The meeting tomorrow has been cancelled, sorry.", "en"),
        ("明日の会議は中止になりました。", "ja"),
    ],
)
def test_the_source_language_is_detected_without_the_model(text: str, code: str) -> None:
    detection = detect_language(text)
    assert detection is not None
    assert detection.code == code
    assert detection.reliable


def test_nothing_to_detect_in_numbers() -> None:
    assert detect_language("12:00 - 13:00, 42") is None


def test_segments_join_back_to_the_text_and_only_words_are_translated() -> None:
    segments, blocks = translate.segment(MARKDOWN)
    assert "".join(s.text for s in segments) == MARKDOWN
    words = [s.text for s in segments if s.translate]
    assert "Weekly notes" in words
    assert "buy tickets" in words
    assert "online" in words
    assert "Monday" in words
    assert not any("print(" in w or w.startswith(("#", "-", "|", ">")) for w in words)
    assert not any(w == "9:00" or "---" in w for w in words)
    # Heading, two-line paragraph, list, quote, table head, table row, last paragraph.
    assert len(blocks) == 7


@pytest.mark.parametrize(
    "text",
    [
        "",
        "one line without newline",
        "\n\n  leading blank lines\n\n\n",
        "windows\r\nline ends\r\n\r\nsecond",
        "```\nunclosed fence\n\nstill code",
        "* star item\n+ plus item\n10) ten\n- [ ] todo\n- [x] done",
    ],
)
def test_segmenting_never_loses_a_character(text: str) -> None:
    segments, _ = translate.segment(text)
    assert "".join(s.text for s in segments) == text


def test_a_translation_keeps_paragraphs_lists_code_and_tables() -> None:
    engine = FakeEngine(answer=shout)
    request = translate.TranslateRequest(MARKDOWN, target="fr", source="en")
    result = result_of(run(engine, translate.job(request, engine.limits())))
    out = result.text.splitlines()
    assert len(out) == len(MARKDOWN.splitlines())
    assert out[0] == "# WEEKLY NOTES"
    assert out[2:4] == ["THE FERRY LEAVES AT **NINE** O'CLOCK.", "IT RETURNS AT `17:00`."]
    assert out[5] == "- BUY TICKETS"
    assert out[7:9] == ["  1. ONLINE", "  2. AT THE HARBOUR"]
    assert 'print("do not translate me")' in out
    assert "| MONDAY | 9:00 |" in out
    assert "|-----|-------|" in out
    assert out[-1] == "LAST PARAGRAPH."
    assert result.text.count("\n\n") == MARKDOWN.count("\n\n")
    assert result.detail["source"] == "en"
    assert result.detail["target"] == "fr"
    assert result.detail["blocks_done"] == result.detail["blocks"] == 7
    # The model was told the direction, and the line rule when a block has several lines.
    assert "from English into French" in engine.requests[0].system
    assert any("exactly 2 lines" in r.system for r in engine.requests)


def test_auto_detected_source_is_named_to_the_model() -> None:
    engine = FakeEngine(answer=shout)
    text = "Bonjour à tous.\n\nLa réunion de demain est annulée, désolé."
    request = translate.TranslateRequest(text, target="English")
    result = result_of(run(engine, translate.job(request, engine.limits())))
    assert result.detail["detected"] == "fr"
    assert "from French into English" in engine.requests[0].system
    assert result.text == "BONJOUR À TOUS.\n\nLA RÉUNION DE DEMAIN EST ANNULÉE, DÉSOLÉ."


def test_a_block_answer_with_the_wrong_line_count_is_redone_line_by_line() -> None:
    def merges_lines(request: Request) -> str:
        return request.user.replace("\n", " ").upper()

    engine = FakeEngine(answer=merges_lines)
    request = translate.TranslateRequest("- one\n- two\n- three", target="de", source="en")
    result = result_of(run(engine, translate.job(request, engine.limits())))
    assert result.text == "- ONE\n- TWO\n- THREE"
    assert len(engine.requests) == 4  # the block once, then each item


def test_a_paragraph_longer_than_the_context_is_translated_in_pieces_that_fit() -> None:
    sentence = "The harbour master checks every ship before it leaves the port. "
    text = (sentence * 120).strip()  # ~1300 words in one paragraph
    engine = FakeEngine(answer=shout, n_ctx=1024)
    request = translate.TranslateRequest(text, target="it", source="en")
    events = run(engine, translate.job(request, engine.limits()))
    result = result_of(events)
    assert len(engine.requests) > 3
    for asked in engine.requests:
        prompt = count_words(asked.system) + count_words(asked.user) + 40
        assert prompt + asked.options.max_tokens <= 1024
    assert "\n" not in result.text  # still one paragraph
    assert result.text.split() == text.upper().split()  # every word, once, in order
    labels = {e.label for e in events if isinstance(e, JobProgress)}
    assert labels == {"Translating paragraph 1 of 1"}


def test_stopping_keeps_the_rest_in_the_original_language() -> None:
    engine = FakeEngine(answer=shout)
    text = "first paragraph.\n\nsecond paragraph.\n\nthird paragraph."
    runner = JobRunner(engine)  # type: ignore[arg-type]
    events = []
    job = translate.job(translate.TranslateRequest(text, target="fr", source="en"), engine.limits())
    for event in runner.run(job):
        events.append(event)
        if isinstance(event, JobStepDone) and event.step == 1:
            runner.stop()
    result = result_of(events)
    assert result.cancelled
    assert result.text == "FIRST PARAGRAPH.\n\nsecond paragraph.\n\nthird paragraph."
    assert result.detail["blocks_done"] == 1
    assert [e.text for e in events if isinstance(e, JobPreview)] == [result.text]


def test_model_chatter_around_a_translation_is_removed() -> None:
    assert translate.clean_translation('Translation: "Bonjour"', "Hello") == "Bonjour"
    assert translate.clean_translation("Here is the translation:\nHallo", "Hello") == "Hallo"
    assert translate.clean_translation('"Hallo"', '"Hello"') == '"Hallo"'


def test_bad_options_are_refused_in_words() -> None:
    with pytest.raises(UnknownLanguage, match="Klingon"):
        translate.TranslateRequest("hi", target="Klingon").check()
    with pytest.raises(OptionError, match="formal"):
        translate.TranslateRequest("hi", target="fr", formality="rude").check()
    with pytest.raises(OptionError, match="text to translate"):
        translate.TranslateRequest(" ", target="fr").check()


def test_formality_and_base_model_prompt() -> None:
    engine = FakeEngine(answer=lambda r: " Bonjour", base_model=True)
    request = translate.TranslateRequest("Hello", target="fr", source="en", formality="formal")
    result = result_of(run(engine, translate.job(request, engine.limits())))
    assert result.text == "Bonjour"
    assert engine.requests[0].prompt == "English text:\nHello\n\nFrench translation:\n"
    prompt = translate.build_block(["Hello"], translate.resolve_languages(request), "formal")
    assert "formal form of address" in prompt.messages[0]["content"]


def test_an_answer_in_another_language_than_asked_is_pointed_out() -> None:
    text = (
        "The ferry leaves at nine o'clock and returns in the evening.\n\n"
        "Tickets are sold at the harbour office and online."
    )
    parrot = FakeEngine(answer=lambda request: request.user)  # answers in English
    asked_french = translate.TranslateRequest(text, target="fr", source="en")
    result = result_of(run(parrot, translate.job(asked_french, parrot.limits())))
    assert result.notices == (
        "This looks like English, not French: try again, or choose a larger model.",
    )

    french = {
        "The ferry leaves at nine o'clock and returns in the evening.": (
            "Le ferry part à neuf heures et revient le soir."
        ),
        "Tickets are sold at the harbour office and online.": (
            "Les billets sont vendus au bureau du port et en ligne."
        ),
    }
    translator = FakeEngine(
        answer=lambda request: "\n".join(french[line] for line in request.user.splitlines())
    )
    result = result_of(run(translator, translate.job(asked_french, translator.limits())))
    assert result.text.startswith("Le ferry part")
    assert result.notices == ()
