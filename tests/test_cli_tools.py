"""``desktop-slm run report|translate|summarize`` and email replies, as scripts see them."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest

from desktop_slm.engine.client import EngineClient
from desktop_slm.tools.jobs import allowed_tokens
from tests.support.processes import wait_gone
from tests.test_cli import CLI, error_lines, parse_one_json_object, run_cli, write_user_settings
from tests.test_documents import encrypted, pdf_with_text

SMALL_CONTEXT = 512
TOPICS = ["harbour", "ferry", "budget", "storm season", "fishing fleet", "school", "market"]


def long_text(paragraphs: int, seed: int = 5) -> str:
    rng = random.Random(seed)
    out = []
    for index in range(paragraphs):
        topic = rng.choice(TOPICS)
        sentences = [
            f"In section {index} the council notes that the {topic} needs "
            f"{rng.randint(2, 90)} more workers and {rng.randint(1, 50)} thousand euros."
            for _ in range(rng.randint(2, 5))
        ]
        out.append(" ".join(sentences))
    return "\n\n".join(out) + "\n"


@pytest.fixture
def small_context(app_home: Path) -> int:
    # One thread: on a machine shared with other test runs, two llama.cpp threads
    # fighting for two busy cores are many times slower than one.
    write_user_settings(app_home, json.dumps({"n_ctx": SMALL_CONTEXT, "n_threads": 1}))
    return SMALL_CONTEXT


# ---------------------------------------------------------------- without a model
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["translate", "--input", "-", "--to", "Klingon"], "Unknown language 'Klingon'"),
        (["translate", "--input", "-", "--to", "fr", "--from", "xx"], "Unknown language 'xx'"),
        (["report", "--input", "-", "--sections", "9"], "must be 8 or less"),
        (["report", "--input", "-", "--kind", "novel"], "invalid choice"),
        (["summarize", "--length", "tldr"], "--input"),
        (["summarize", "--input", "-", "--length", "epic"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_and_say_what_is_wrong(args: list[str], message: str) -> None:
    proc = run_cli("run", *args, stdin="text")
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_pdf_output_needs_the_window_and_fails_before_any_work(
    smollm2_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "report.pdf"
    proc = run_cli(
        "run", "report", "--model", smollm2_path, "--input", "-", "--output", target, stdin="x"
    )
    assert proc.returncode == 1
    lines = error_lines(proc)
    assert len(lines) == 1, lines
    assert "PDF" in lines[0]
    assert "window" in lines[0]
    assert not target.exists()


def test_an_encrypted_pdf_input_is_one_clear_line(smollm2_path: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(encrypted(pdf_with_text(["secret"]), user_password="pw"))
    proc = run_cli("run", "summarize", "--model", smollm2_path, "--input", locked)
    assert proc.returncode == 1
    lines = error_lines(proc)
    assert len(lines) == 1, lines
    assert "locked.pdf" in lines[0]
    assert "password" in lines[0]


def test_a_custom_report_without_instruction_is_refused(smollm2_path: Path) -> None:
    proc = run_cli(
        "run", "report", "--model", smollm2_path, "--input", "-", "--kind", "custom", stdin="x"
    )
    assert proc.returncode == 1
    assert "instruction" in error_lines(proc)[0]


# ---------------------------------------------------------------- with SmolLM2
@pytest.mark.slow
def test_summarize_a_text_five_times_the_context(
    smollm2_path: Path, small_context: int, tmp_path: Path, engine: EngineClient
) -> None:
    text = long_text(35)
    engine.load(smollm2_path, n_ctx=small_context)
    tokens = engine.count_tokens(text)
    engine.close()
    assert tokens >= 5 * small_context
    source = tmp_path / "long.txt"
    source.write_text(text, encoding="utf-8")

    started = time.monotonic()
    proc = run_cli(
        "run", "summarize", "--model", smollm2_path, "--input", source,
        "--max-tokens", "8", "--temperature", "0", "--json",
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    result = parse_one_json_object(proc.stdout)
    chunks = result["detail"]["chunks"]
    assert chunks >= 6
    assert result["detail"]["chunks_done"] == chunks
    assert result["model"]["n_ctx"] == small_context
    assert result["text"].strip()
    assert result["requests"] >= chunks + 1
    assert result["completion_tokens"] <= allowed_tokens(8) * result["requests"]
    assert not result["cancelled"]
    assert f"Summarizing chunk 1 of {chunks}" in proc.stderr
    assert f"Summarizing chunk {chunks} of {chunks}" in proc.stderr
    assert "Writing the summary" in proc.stderr
    assert "Traceback" not in proc.stderr
    print(
        f"\nsummarized {tokens} tokens in {chunks} chunks, n_ctx {small_context}: {elapsed:.1f} s"
    )


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to one process is POSIX")
def test_ctrl_c_stops_a_summary_and_keeps_the_chunks_done(
    smollm2_path: Path, small_context: int, tmp_path: Path
) -> None:
    source = tmp_path / "long.txt"
    source.write_text(long_text(35), encoding="utf-8")
    proc = subprocess.Popen(
        [*CLI, "run", "summarize", "--model", str(smollm2_path), "--input", str(source),
         "--max-tokens", "12", "--temperature", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )  # fmt: skip
    assert proc.stderr is not None
    try:
        seen = ""
        deadline = time.monotonic() + 120
        while "Summarizing chunk 2 of" not in seen:
            assert time.monotonic() < deadline, seen
            line = proc.stderr.readline()
            assert line, f"the CLI ended early: {seen}"
            seen += line
        proc.send_signal(signal.SIGINT)
        stdout, rest = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = seen + rest
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "partial result" in stderr
    assert "Traceback" not in stderr
    assert stdout.strip(), "the summary of the first chunk was not kept"
    assert wait_gone(proc.pid)


@pytest.mark.slow
def test_report_is_saved_as_a_word_document_with_headings(
    smollm2_path: Path, small_context: int, tmp_path: Path
) -> None:
    target = tmp_path / "status.docx"
    proc = run_cli(
        "run", "report", "--model", smollm2_path, "--input", "-", "--sections", "2",
        "--title", "Week 12", "--max-tokens", "16", "--temperature", "0", "--output", target,
        stdin="- login page shipped\n- payments delayed by vendor\n",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # the report went to the file
    assert f"saved {target}" in proc.stderr
    assert "Writing section 2 of 2" in proc.stderr
    document = docx.Document(str(target))
    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings[0] == ("Heading 1", "Week 12")
    assert [style for style, _ in headings[1:]] == ["Heading 2", "Heading 2"]


@pytest.mark.slow
def test_email_reply_from_the_command_line(
    smollm2_path: Path, small_context: int, tmp_path: Path
) -> None:
    original = tmp_path / "original.eml.txt"
    original.write_text(
        "Subject: Ferry tickets\n\nHi Sam,\nDid you book the ferry tickets?\nAlex\n",
        encoding="utf-8",
    )
    proc = run_cli(
        "run", "email", "--model", smollm2_path, "--reply-to", original, "--to-name", "Alex",
        "--sign-off", "Sam", "--max-tokens", "32", "--temperature", "0", "--json",
        stdin="yes, booked for Friday",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = parse_one_json_object(proc.stdout)
    assert result["subject"].startswith("Re:")
    assert "ferry" in result["subject"].lower()
    assert result["body"].rstrip().endswith("Sam")
    assert "[Your Name]" not in result["text"]
    # The answer may run a little past its budget to finish its sentence.
    assert 1 <= result["completion_tokens"] <= allowed_tokens(32)


# ---------------------------------------------------------------- per-model settings
def test_run_uses_the_models_remembered_settings_unless_a_flag_overrides_them(
    app_home: Path, smollm2_path: Path
) -> None:
    """What Preferences remembered for a model is what `run` uses; a flag wins for one run."""
    from desktop_slm.config import app_paths
    from desktop_slm.models.selection import ModelSelection, ModelSettings

    selection = ModelSelection(app_paths())
    selection.choose(smollm2_path)
    selection.remember(
        smollm2_path, ModelSettings(n_ctx=768, temperature=0.0, max_tokens=6, n_threads=1)
    )
    notes = "thank the team for the launch; drinks on Friday at 5"

    # --raw: the answer length exactly as set, without the allowance to finish a sentence.
    remembered = run_cli("run", "email", "--json", "--raw", stdin=notes)
    assert remembered.returncode == 0, remembered.stderr
    first = parse_one_json_object(remembered.stdout)
    assert first["model"]["n_ctx"] == 768
    assert first["model"]["n_threads"] == 1
    assert 1 <= first["completion_tokens"] <= 6  # the model's answer length, not the tool's
    assert first["finish_reason"] == "length"

    again = run_cli("run", "email", "--json", "--raw", stdin=notes)
    assert parse_one_json_object(again.stdout)["text"] == first["text"]  # temperature 0

    flags = run_cli(
        "run", "email", "--json", "--raw", "--context", "1024", "--max-tokens", "20", stdin=notes
    )
    assert flags.returncode == 0, flags.stderr
    overridden = parse_one_json_object(flags.stdout)
    assert overridden["model"]["n_ctx"] == 1024
    assert 6 < overridden["completion_tokens"] <= 20

    doctor = run_cli("doctor")
    assert "context 768" in doctor.stdout
    assert "(remembered for this model)" in doctor.stdout


def test_max_tokens_caps_every_answer_of_a_job_the_same_way(
    small_context: int, smollm2_path: Path
) -> None:
    """--max-tokens is the longest single answer for every tool, not a budget for one."""
    proc = run_cli(
        "run", "summarize", "--model", smollm2_path, "--input", "-", "--length", "bullets",
        "--max-tokens", "5", "--temperature", "0", "--json", stdin=long_text(40),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = parse_one_json_object(proc.stdout)
    assert result["requests"] > 1
    # Each answer may run a little past the cap to finish its sentence, no further.
    assert result["completion_tokens"] <= allowed_tokens(5) * result["requests"]


@pytest.mark.slow
def test_run_email_signs_with_the_remembered_name_or_none(
    smollm2_path: Path, small_context: int, app_home: Path
) -> None:
    from desktop_slm.config import Settings, app_paths, save_settings

    save_settings(Settings(email_sign_off="Sam Lee"), app_paths())
    notes = "the office is closed on Monday; the heating is being repaired"
    common = ("run", "email", "--model", smollm2_path, "--max-tokens", "48", "--temperature", "0")
    remembered = run_cli(*common, "--json", stdin=notes)
    assert remembered.returncode == 0, remembered.stderr
    signed = parse_one_json_object(remembered.stdout)
    assert signed["subject"].strip()
    assert signed["body"].endswith("\n\nBest regards,\nSam Lee")
    assert signed["text"] == f"Subject: {signed['subject']}\n\n{signed['body']}"

    unsigned = run_cli(*common, "--sign-off", "", "--tone", "formal", stdin=notes)
    assert unsigned.returncode == 0, unsigned.stderr
    assert unsigned.stdout.startswith("Subject: ")
    assert unsigned.stdout.rstrip("\n").endswith("\n\nKind regards,")
    assert "Sam Lee" not in unsigned.stdout
