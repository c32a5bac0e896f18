"""Analysis of texts: the answer's form, what is kept of it, batches and their outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_slm.documents.table import Table, parse_table
from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.protocol import SamplingOptions
from desktop_slm.errors import OptionError, UserFacingError
from desktop_slm.tools import analyze
from desktop_slm.tools.analyze import (
    ENTITY_TYPES,
    SENTIMENTS,
    Analysis,
    AnalyzeRequest,
    analysis_grammar,
    analysis_prompt,
    analyze_job,
    fit_text,
    parse_analysis,
)
from desktop_slm.tools.batch import (
    OUTPUT_COLUMNS,
    BatchDone,
    BatchProgress,
    BatchRow,
    BatchRunner,
    export_rows,
    rows_done,
)
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.jobs import JobResult, JobRunner
from tests.test_tools_with_model import any_model  # noqa: F401  (the chat and the base model)

TEXT = (
    "Hi, this is Anna Berg from Contoso. The blender I bought in Leeds on 3 May "
    "stopped working. Please refund the 89 euros by Friday."
)


def answer(**fields: object) -> str:
    data: dict[str, object] = {
        "sentiment": {"label": "negative", "reason": "It broke."},
        "entities": [],
        "key_facts": [],
        "action_items": [],
    }
    data.update(fields)
    return json.dumps(data)


# ---------------------------------------------------------------- what is kept of an answer
def test_entities_that_do_not_occur_in_the_text_are_dropped() -> None:
    result = parse_analysis(
        answer(
            entities=[
                {"text": "Anna Berg", "type": "person"},
                {"text": "Anna Smith", "type": "person"},  # invented
                {"text": "Ann", "type": "person"},  # only part of a word of the text
                {"text": "Contoso", "type": "spaceship"},  # a type outside the set
                {"text": "leeds", "type": "place"},  # not as written
            ]
        ),
        TEXT,
    )
    shown = {(e.text, e.type) for e in result.entities}
    assert ("Anna Berg", "person") in shown
    assert all(e.text in TEXT and e.type in ENTITY_TYPES for e in result.entities)
    assert not {"Anna Smith", "Ann", "Contoso", "leeds"} & {e.text for e in result.entities}
    for entity in result.entities:
        assert TEXT[entity.start : entity.end] == entity.text  # for highlighting


def test_the_app_types_amounts_and_dates_itself_and_adds_the_ones_missed() -> None:
    result = parse_analysis(
        answer(
            entities=[
                {"text": "89 euros", "type": "person"},
                {"text": "Contoso", "type": "amount"},  # not an amount: dropped
                {"text": "Leeds", "type": "date"},  # not a date: dropped
                {"text": "Leeds", "type": "place"},
                {"text": "Leeds", "type": "organisation"},  # a repeat
            ]
        ),
        TEXT,
    )
    assert [(e.text, e.type) for e in result.entities] == [
        ("Leeds", "place"),
        ("3 May", "date"),
        ("89 euros", "amount"),
        ("Friday", "date"),
    ]


def test_labels_come_from_the_fixed_set_and_lists_lose_repeats() -> None:
    facts = ["The blender stopped working.", "the blender stopped working", "Bought in Leeds."]
    result = parse_analysis(
        answer(
            sentiment={"label": "furious", "reason": "Broken."},
            key_facts=facts,
            action_items=["Refund the 89 euros.", "Refund the 89 euros", "type:"],
        ),
        TEXT,
    )
    assert result.sentiment.label == "neutral"
    assert result.key_facts == ("The blender stopped working.", "Bought in Leeds.")
    assert result.action_items == ("Refund the 89 euros.",)


def test_sentences_copied_from_the_instructions_example_are_dropped() -> None:
    result = parse_analysis(
        answer(
            sentiment={"label": "positive", "reason": "The blender broke."},
            key_facts=["Great service. The blender broke after a week."],
            action_items=["Refund the customer."],
        ),
        "Great service from Maria at the Berlin store.",
    )
    assert result.sentiment == analyze.Sentiment("positive", "")
    assert result.key_facts == ("Great service.",)
    assert result.action_items == ()


@pytest.mark.parametrize("cut", [10, 40, 70, 120, 200, 260])
def test_an_answer_cut_off_anywhere_still_reads_without_half_items(cut: int) -> None:
    full = answer(
        sentiment={"label": "mixed", "reason": "Good shop, broken blender."},
        entities=[{"text": "Leeds", "type": "place"}],
        key_facts=["The blender stopped working."],
        action_items=["Refund the 89 euros."],
    )
    result = parse_analysis(full[:cut], TEXT)
    assert result.sentiment.label in SENTIMENTS
    assert result.sentiment.reason in ("", "Good shop, broken blender.")
    assert set(result.key_facts) <= {"The blender stopped working."}
    assert set(result.action_items) <= {"Refund the 89 euros."}
    assert parse_analysis("", TEXT).sentiment.label == "neutral"


def test_the_json_and_markdown_shapes_and_reading_them_back() -> None:
    result = parse_analysis(
        answer(
            entities=[{"text": "Anna Berg", "type": "person"}],
            key_facts=["The blender stopped working."],
            action_items=["Refund the 89 euros."],
        ),
        TEXT,
    )
    data = result.to_json()
    assert list(data) == ["sentiment", "entities", "key_facts", "action_items"]
    assert data["sentiment"] == {"label": "negative", "reason": "It broke."}
    assert data["entities"][0] == {"text": "Anna Berg", "type": "person"}
    assert Analysis.from_json(json.loads(json.dumps(data)), TEXT) == result
    card = result.to_markdown()
    assert "**Sentiment:** negative (It broke.)" in card
    assert "- Anna Berg (person)" in card
    assert "- Refund the 89 euros." in card
    assert "Entities: Anna Berg (person), 3 May (date)" in result.to_text()


def test_the_grammar_offers_only_the_texts_names() -> None:
    grammar = analysis_grammar(TEXT)
    assert '"\\"Anna Berg\\""' in grammar
    assert '"\\"Contoso\\""' in grammar
    assert "Friday" not in grammar  # a date: the app finds it
    assert 'entities\\":" "[]"' in analysis_grammar("all good, thanks")
    prompt = analysis_prompt(TEXT)
    other = analysis_prompt("Another row of the table.")
    assert prompt.messages[0] == other.messages[0]  # rows share the instructions
    assert (
        prompt.completion_prompt.split("Text: ")[:-1]
        == other.completion_prompt.split("Text: ")[:-1]
    )


def test_too_long_a_text_is_cut_to_fit_with_a_notice() -> None:
    limits = ModelLimits(n_ctx=700, count_tokens=lambda text: len(text.split()) * 2)
    long_text = " ".join(f"word{i}" for i in range(2000))
    cut, notice = fit_text(long_text, limits)
    assert long_text.startswith(cut)
    assert limits.prompt_tokens(analysis_prompt(cut)) <= 700 - analyze.ANSWER_TOKENS
    assert f"only its first {len(cut.split()):,} words (of 2,000)" in notice
    assert fit_text("short", limits) == ("short", "")
    with pytest.raises(OptionError, match="too small"):
        fit_text(long_text, ModelLimits(n_ctx=300, count_tokens=lambda t: len(t.split()) * 2))
    with pytest.raises(OptionError, match="Paste a text"):
        next(analyze_job(AnalyzeRequest(" \n"), limits))


# ---------------------------------------------------------------- outputs without a model
def rows_of(table_text: str) -> list[BatchRow]:
    table = parse_table(table_text)
    return [
        BatchRow(i, row, parse_analysis(answer(), row["text"]) if row["text"] else None)
        for i, row in enumerate(table.rows)
    ]


def test_export_writes_csv_and_json_lines(tmp_path: Path) -> None:
    rows = rows_of('id,text\n1,"Paid 20 euros,\nthanks"\n2,\n')
    export_rows(rows, ("id", "text"), tmp_path / "out.csv")
    written = parse_table((tmp_path / "out.csv").read_text(encoding="utf-8"))
    assert written.columns == ("id", "text", *OUTPUT_COLUMNS)
    assert written.rows[0]["text"] == "Paid 20 euros,\nthanks"
    assert written.rows[0]["sentiment"] == "negative"
    assert json.loads(written.rows[0]["entities"]) == [{"text": "20 euros", "type": "amount"}]
    assert written.rows[1]["sentiment"] == ""
    assert written.rows[1]["entities"] == "[]"
    export_rows(rows, ("id", "text"), tmp_path / "out.jsonl")
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["1", "2"]
    assert json.loads(lines[0])["entities"] == [{"text": "20 euros", "type": "amount"}]
    assert json.loads(lines[1]) == {
        "id": "2",
        "text": "",
        "sentiment": "",
        "entities": [],
        "action_items": [],
        "key_facts": [],
        "sentiment_reason": "",
    }
    with pytest.raises(OptionError, match=r"\.csv or \.jsonl"):
        export_rows(rows, ("id", "text"), tmp_path / "out.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.jsonl"]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_an_output_of_another_table_is_refused_and_kept(tmp_path: Path, suffix: str) -> None:
    output = tmp_path / f"out{suffix}"
    export_rows(rows_of("id,text\n1,hello\n"), ("id", "text"), output)
    before = output.read_bytes()
    other_columns = parse_table("id,comment\n1,hello\n")
    other_rows = parse_table("id,text\n1,bonjour\n")
    for table, column in ((other_columns, "comment"), (other_rows, "text")):
        with pytest.raises(UserFacingError, match="another table") as caught:
            BatchRunner(EngineClient(), table, column, output=output)
        assert "not continued and not overwritten" in str(caught.value)
    assert output.read_bytes() == before
    with pytest.raises(OptionError, match="no column 'body'"):
        BatchRunner(EngineClient(), other_rows, "body")


# ---------------------------------------------------------------- with the real models
@pytest.mark.slow
def test_one_text_with_each_model_parses_into_the_fixed_sets(
    any_model: EngineClient,  # noqa: F811  (the fixture imported above)
) -> None:
    text = "Jörg Müller from São Paulo wrote: the Acme X2 phone arrived broken. Refund 300 euros."
    limits = ModelLimits.of(any_model, max_answer_tokens=48)
    events = list(
        JobRunner(any_model, SamplingOptions(temperature=0.0)).run(
            analyze_job(AnalyzeRequest(text), limits)
        )
    )
    result = events[-1]
    assert isinstance(result, JobResult)
    assert not result.cancelled
    raw = events[-2].text  # type: ignore[attr-defined]
    assert raw.lstrip().startswith('{"sentiment":{"label":"'), raw  # the grammar held
    analysis = Analysis.from_json(result.detail["analysis"], text)
    assert analysis.sentiment.label in SENTIMENTS
    assert ("300 euros", "amount") in {(e.text, e.type) for e in analysis.entities}
    for entity in analysis.entities:
        assert entity.type in ENTITY_TYPES
        assert entity.text in text
    assert result.text == analysis.to_markdown()


@pytest.mark.slow
def test_a_stopped_batch_keeps_its_rows_and_continues(tmp_path: Path, smollm2_path: Path) -> None:
    table = parse_table("id,text\n1,Thanks Maria!\n2,\n3,Broken again.\n4,Fine.\n", "small.csv")
    output = tmp_path / "small.jsonl"
    options = SamplingOptions(temperature=0.0, max_tokens=24)
    with EngineClient() as client:
        client.load(smollm2_path, n_ctx=512, n_threads=1)
        runner = BatchRunner(client, table, "text", output=output, options=options)
        events: list[object] = []
        for event in runner.run():
            events.append(event)
            if isinstance(event, BatchRow) and event.index == 1:
                runner.stop()
        done = events[-1]
        assert isinstance(done, BatchDone)
        assert done.stopped
        assert done.done == 2
        empty = next(e for e in events if isinstance(e, BatchRow) and e.index == 1)
        assert empty.analysis is None  # never sent to the model
        assert len(output.read_text(encoding="utf-8").splitlines()) == 2
        again = list(BatchRunner(client, table, "text", output=output, options=options).run())
    rows = [e for e in again if isinstance(e, BatchRow)]
    assert [(r.index, r.resumed) for r in rows] == [(0, True), (1, True), (2, False), (3, False)]
    progress = [e for e in again if isinstance(e, BatchProgress)]
    assert [p.done for p in progress] == [2, 3]
    assert progress[0].resumed_from == 2
    assert progress[0].describe() == "row 3 of 4"
    assert progress[1].rows_per_minute > 0
    assert progress[1].seconds_left is not None
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["1", "2", "3", "4"]
    assert [line["sentiment"] == "" for line in lines] == [False, True, False, False]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_finished_output_is_read_back_and_a_cut_record_dropped(
    tmp_path: Path, suffix: str
) -> None:
    # Values with Windows line ends, as a table made by hand may hold them.
    table = Table(
        ("id", "text"),
        ({"id": "1", "text": "Paid 20 euros,\r\nthanks"}, {"id": "2", "text": ""}),
    )
    output = tmp_path / f"out{suffix}"
    rows = rows_of('id,text\n1,"Paid 20 euros,\nthanks"\n2,\n')
    export_rows(rows, table.columns, output)
    complete = output.read_bytes()
    with output.open("ab") as file:
        file.write(b'3,"a record cut off by a ki')
    events = list(BatchRunner(EngineClient(), table, "text", output=output).run())
    assert [(e.index, e.resumed) for e in events if isinstance(e, BatchRow)] == [
        (0, True),
        (1, True),
    ]
    resumed = next(e for e in events if isinstance(e, BatchRow))
    assert resumed.analysis is not None
    assert ("20 euros", "amount") in {(x.text, x.type) for x in resumed.analysis.entities}
    assert events[-1] == BatchDone(2, 2, False, events[-1].elapsed_s)  # type: ignore[union-attr]
    assert output.read_bytes() == complete


def test_json_lines_output_names_its_fields_apart_from_input_columns(tmp_path: Path) -> None:
    """An input that already has a "sentiment" column keeps it; the analysis's goes beside."""
    table = parse_table("id,text,sentiment\n1,Paid 20 euros,angry\n")
    analysis = Analysis.from_json({"sentiment": {"label": "negative", "reason": "r"}}, "x")
    rows = [BatchRow(0, table.rows[0], analysis)]
    path = tmp_path / "out.jsonl"
    export_rows(rows, table.columns, path)
    (line,) = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert line["sentiment"] == "angry"
    assert line["analysis_sentiment"] == "negative"
    assert line["sentiment_reason"] == "r"
    # A batch continues from that file: the row is done, nothing is asked again.
    assert rows_done(path, table, "text") == 1
