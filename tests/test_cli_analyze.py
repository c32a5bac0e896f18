"""``desktop-slm run analyze``: one text, a CSV batch, and a batch killed and resumed."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from desktop_slm.tools.analyze import ENTITY_TYPES, SENTIMENTS
from tests.test_cli import CLI, error_lines, parse_one_json_object, run_cli, write_user_settings

pytestmark = pytest.mark.slow

NAMES = ["Maria", "Tom", "Acme", "Contoso", "Leeds", "Berlin"]
FEEDBACK = [
    "Great service from {name}, thank you!",
    "The parcel from {name} arrived broken. Refund 20 euros please.",
    "Delivery was on time.",
    "{name} never called back about the 45 dollars.",
    "",
    'Good app, but it crashes.\nFix it by Friday, "please".',
]


@pytest.fixture
def quick(app_home: Path) -> None:
    # One thread and a small context: a machine shared with other test runs.
    write_user_settings(app_home, json.dumps({"n_ctx": 512, "n_threads": 1}))


def feedback_table(path: Path, rows: int) -> list[dict[str, str]]:
    table = [
        {"id": str(i + 1), "comment": FEEDBACK[i % len(FEEDBACK)].format(name=NAMES[i % 6])}
        for i in range(rows)
    ]
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, ["id", "comment"], delimiter=";")
        writer.writeheader()
        writer.writerows(table)
    return table


def output_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_a_killed_batch_resumes_with_every_row_once_in_order(
    quick: None, smollm2_path: Path, tmp_path: Path
) -> None:
    source = tmp_path / "feedback.csv"
    table = feedback_table(source, 30)
    output = tmp_path / "analysed.csv"
    command = [*CLI, "run", "analyze", "--model", str(smollm2_path), "--input", str(source)]
    command += ["--output", str(output), "--max-tokens", "24", "--temperature", "0"]
    first = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and first.poll() is None:
            if output.exists() and len(output_rows(output)) >= 4:
                break
            time.sleep(0.05)
        assert first.poll() is None, first.communicate()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate()
    done = len(output_rows(output))
    assert 4 <= done < 30
    with output.open("ab") as file:  # as if the kill had come in the middle of a write
        file.write(b'99,"half a row that was never fini')

    again = run_cli(*command[3:], "--json")
    assert again.returncode == 0, again.stderr
    assert f"continuing after the {done} rows already done" in again.stderr
    assert f"row {done + 1} of 30" in again.stderr
    assert "rows/min" in again.stderr
    assert "left" in again.stderr
    summary = parse_one_json_object(again.stdout)
    assert summary["done"] == 30
    assert summary["resumed_from"] == done
    assert summary["model"]["name"].startswith("SmolLM2")

    written = output_rows(output)
    assert [(r["id"], r["comment"]) for r in written] == [(r["id"], r["comment"]) for r in table]
    assert list(written[0]) == ["id", "comment", "sentiment", "entities", "action_items"]
    for row in written:
        text = row["comment"]
        if not text:
            assert (row["sentiment"], row["entities"], row["action_items"]) == ("", "[]", "[]")
            continue
        assert row["sentiment"] in SENTIMENTS, row
        for entity in json.loads(row["entities"]):
            assert entity["type"] in ENTITY_TYPES, row
            assert entity["text"] in text, row
        assert all(isinstance(item, str) for item in json.loads(row["action_items"]))
    amounts = json.loads(written[1]["entities"])
    assert {"text": "20 euros", "type": "amount"} in amounts

    # Finished: the same command again does nothing and changes nothing.
    before = output.read_bytes()
    last = run_cli(*command[3:])
    assert last.returncode == 0, last.stderr
    assert "all 30 rows were analysed before" in last.stderr
    assert "model SmolLM2" not in last.stderr  # nothing left to ask a model
    assert output.read_bytes() == before


def test_one_text_as_json_and_as_a_card(quick: None, smollm2_path: Path) -> None:
    text = "Tom from Contoso says the Leeds office needs 300 euros for chairs by Monday."
    args = ["run", "analyze", "--model", smollm2_path, "--input", "-", "--max-tokens", "32"]
    proc = run_cli(*args, "--json", stdin=text)
    assert proc.returncode == 0, proc.stderr
    payload = parse_one_json_object(proc.stdout)
    assert payload["sentiment"]["label"] in SENTIMENTS
    assert isinstance(payload["sentiment"]["reason"], str)
    assert {"text": "300 euros", "type": "amount"} in payload["entities"]
    assert {"text": "Monday", "type": "date"} in payload["entities"]
    for entity in payload["entities"]:
        assert set(entity) == {"text", "type"}
        assert entity["text"] in text
        assert entity["type"] in ENTITY_TYPES
    assert all(isinstance(x, str) for x in payload["key_facts"] + payload["action_items"])
    assert payload["model"]["name"].startswith("SmolLM2")

    card = run_cli(*args, stdin=text)
    assert card.returncode == 0, card.stderr
    lines = card.stdout.splitlines()
    assert lines[0] == f"Sentiment: {payload['sentiment']['label']}" + (
        f" ({payload['sentiment']['reason']})" if payload["sentiment"]["reason"] else ""
    )
    assert "300 euros (amount)" in lines[1]


def test_a_table_on_stdin_prints_json_lines(quick: None, smollm2_path: Path) -> None:
    stdin = "id\tbody\n1\tThanks Maria!\n2\t\n"
    proc = run_cli(
        "run", "analyze", "--model", smollm2_path, "--input", "-", "--column", "body",
        "--max-tokens", "24", stdin=stdin,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    # The input's columns, then the analysis: the same fields as a CSV output, and more.
    assert [(line["id"], line["body"]) for line in lines] == [("1", "Thanks Maria!"), ("2", "")]
    assert list(lines[0])[:5] == ["id", "body", "sentiment", "entities", "action_items"]
    assert lines[0]["sentiment"] in SENTIMENTS
    assert all(e["text"] in "Thanks Maria!" for e in lines[0]["entities"])
    assert lines[1]["sentiment"] == ""
    assert lines[1]["entities"] == lines[1]["action_items"] == lines[1]["key_facts"] == []
    assert "row 1 of 2" in proc.stderr


def test_a_foreign_output_and_bad_inputs_are_refused_before_the_model_loads(
    smollm2_path: Path, tmp_path: Path
) -> None:
    source = tmp_path / "feedback.csv"
    feedback_table(source, 3)
    foreign = tmp_path / "other.csv"
    foreign.write_bytes(b"name,score,sentiment,entities,action_items\r\nAnna,3,positive,[],[]\r\n")
    before = foreign.read_bytes()
    base = ["run", "analyze", "--model", smollm2_path, "--input", source]
    cases = [
        (["--output", foreign], "already holds analyses of another table"),
        (["--output", tmp_path / "out.xlsx"], "use a .csv or .jsonl file name"),
        (["--column", "missing"], "has no column 'missing'"),
    ]
    for extra, message in cases:
        proc = run_cli(*base, *extra)
        assert proc.returncode == 1, proc.stderr
        lines = error_lines(proc)
        assert message in " ".join(lines), lines
        assert "model SmolLM2" not in proc.stderr  # refused before loading it
    assert foreign.read_bytes() == before
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"id,text\n")
    proc = run_cli("run", "analyze", "--model", smollm2_path, "--input", empty)
    assert proc.returncode == 1
    assert "no rows of data" in " ".join(error_lines(proc))


def test_ctrl_c_keeps_the_finished_rows_and_says_how_to_continue(
    quick: None, smollm2_path: Path, tmp_path: Path
) -> None:
    source = tmp_path / "feedback.csv"
    feedback_table(source, 12)
    output = tmp_path / "analysed.jsonl"
    command = [*CLI, "run", "analyze", "--model", str(smollm2_path), "--input", str(source)]
    command += ["--output", str(output), "--max-tokens", "24"]
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if output.exists() and output.read_bytes().count(b"\n") >= 2:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert 2 <= len(rows) < 12
    assert f"interrupted after {len(rows)} of 12 rows" in stderr
    assert "run the same command again to continue" in stderr
    assert "Traceback" not in stderr
