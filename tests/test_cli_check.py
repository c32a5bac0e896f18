"""``desktop-slm check`` and the fact check carried by every ``run ... --json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_slm.checking.facts import check_facts
from tests.test_cli import error_lines, parse_one_json_object, run_cli, write_user_settings

NOTES = "meet Anna Tue 10am about the budget of 4,800 EUR, room B12\n"
DRAFT = (
    "Dear Anna,\n\nCan we meet on Tuesday about the budget of EUR 4.800 in room B21?\n\n"
    "Best regards,\nJohn Smith\nFoxBridge\n"
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "notes.txt"
    draft = tmp_path / "draft.txt"
    source.write_text(NOTES, encoding="utf-8")
    draft.write_text(DRAFT, encoding="utf-8")
    return source, draft


def test_check_prints_both_lists_and_the_summary(files: tuple[Path, Path]) -> None:
    source, draft = files
    proc = run_cli("check", "--source", source, "--draft", draft)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "2 missing (in your notes, not in the draft):",
        "  10am  (time)",
        "  B12  (identifier)",
        "3 not in your notes (only in the draft):",
        "  B21  (identifier)",
        "  John Smith  (name)",
        "  FoxBridge  (name)",
        "2 missing: 10am, B12 · 3 not in your notes: B21, John Smith, FoxBridge",
    ]


def test_check_json_reads_the_draft_from_stdin(files: tuple[Path, Path]) -> None:
    source, _draft = files
    proc = run_cli(
        "check", "--source", source, "--draft", "-", "--json", "--given", "John Smith",
        "--kind", "report", stdin=DRAFT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = parse_one_json_object(proc.stdout)
    assert [(d["text"], d["kind"]) for d in result["missing"]] == [
        ("10am", "time"),
        ("B12", "identifier"),
    ]
    assert [d["text"] for d in result["invented"]] == ["B21", "FoxBridge"]
    assert result["total"] == 5
    assert result["kept"] == 3


def test_check_of_a_clean_translation(tmp_path: Path) -> None:
    source = tmp_path / "de.txt"
    draft = tmp_path / "en.txt"
    source.write_text("Die Rechnung über 4.800 € ist am 12. Mai fällig.", encoding="utf-8")
    draft.write_text("The invoice for €4,800 is due on 12 May.", encoding="utf-8")
    proc = run_cli("check", "--source", source, "--draft", draft, "--kind", "translation")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "✓ All 2 details from the original are in the draft"


def test_check_with_a_missing_file_says_so_in_one_line(files: tuple[Path, Path]) -> None:
    _source, draft = files
    proc = run_cli("check", "--source", draft.parent / "nope.txt", "--draft", draft)
    assert proc.returncode == 1
    lines = error_lines(proc)
    assert len(lines) == 1
    assert "nope.txt does not exist" in lines[0]
    assert proc.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "-", "--draft", "-"], "only one of --source and --draft"),
        (["--source", "a.txt"], "--draft"),
        (["--source", "a.txt", "--draft", "b.txt", "--kind", "poem"], "invalid choice"),
    ],
)
def test_check_usage_errors_exit_2(args: list[str], message: str) -> None:
    proc = run_cli("check", *args, stdin="")
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------- run ... --json
@pytest.fixture
def one_thread(app_home: Path) -> None:
    write_user_settings(app_home, json.dumps({"n_ctx": 1024, "n_threads": 1}))


@pytest.mark.slow
@pytest.mark.usefixtures("one_thread")
def test_run_email_json_carries_the_check_of_the_final_text(smollm2_path: Path) -> None:
    proc = run_cli(
        "run", "email", "--model", smollm2_path, "--to-name", "Anna", "--sign-off", "Kim",
        "--max-tokens", "48", "--temperature", "0", "--json", stdin=NOTES,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = parse_one_json_object(proc.stdout)
    assert {"subject", "body", "check"} <= set(result)
    expected = check_facts(NOTES, result["text"], given=("Anna", "Kim"), kind="email")
    assert result["check"] == expected.to_json()
    assert result["check"]["total"] == 5  # Anna, Tue, 10am, 4,800 EUR, B12
    for detail in result["check"]["invented"]:
        assert detail["text"] in result["text"]


@pytest.mark.slow
@pytest.mark.usefixtures("one_thread")
def test_run_without_json_puts_the_check_line_on_stderr(smollm2_path: Path) -> None:
    text = "Das Treffen ist am 12. Mai um 10 Uhr in Raum 214.\n"
    proc = run_cli(
        "run", "translate", "--model", smollm2_path, "--input", "-", "--to", "en", "--from", "de",
        "--max-tokens", "40", "--temperature", "0", stdin=text,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    expected = check_facts(text, proc.stdout.rstrip("\n"), kind="translation").summary()
    assert f"desktop-slm: {expected}" in proc.stderr.splitlines()


@pytest.mark.slow
@pytest.mark.usefixtures("one_thread")
def test_run_summarize_json_checks_against_the_whole_document(smollm2_path: Path) -> None:
    document = (
        "Harbour report\n\nThe harbour of Kiel handled 4,200 ships in 2024.\n\n"
        + "The ferry ran on time. " * 30
    )
    proc = run_cli(
        "run", "summarize", "--model", smollm2_path, "--input", "-", "--max-tokens", "40",
        "--temperature", "0", "--json", stdin=document,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = parse_one_json_object(proc.stdout)
    expected = check_facts(document, result["text"], kind="summary")
    assert result["check"] == expected.to_json()
    assert result["check"]["summary"] == expected.summary()
