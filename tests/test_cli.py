"""The ``desktop-slm`` command as scripts and people see it: a real process, real models."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from desktop_slm.tools.jobs import allowed_tokens
from tests.support.processes import wait_gone

CLI = [sys.executable, "-m", "desktop_slm"]
CLI_TIMEOUT_S = 180.0
NOTES = "- thank Anna for the quick review\n- the release moves to Friday\n"
LONG_NOTES = (
    "Write a very long and detailed email to all staff about the annual company retreat: "
    "the full agenda for three days, travel by train and bus, the hotel, every meal, "
    "the workshops, the evening activities, the budget and what everyone must bring.\n"
)
GREEDY = ["--max-tokens", "24", "--temperature", "0", "--seed", "1"]


def run_cli(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI to completion; a hang fails the test instead of blocking the suite."""
    return subprocess.run(
        [*CLI, *map(str, args)],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        env=os.environ.copy(),  # carries DESKTOP_SLM_HOME from the app_home fixture
        check=False,
    )


def error_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stderr.strip().splitlines()


def write_user_settings(app_home: Path, content: str) -> Path:
    path = app_home / "config" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def parse_one_json_object(stdout: str) -> dict[str, Any]:
    decoder = json.JSONDecoder()
    text = stdout.strip()
    payload, end = decoder.raw_decode(text)
    assert end == len(text), f"more than one JSON value on stdout: {stdout!r}"
    assert isinstance(payload, dict)
    return payload


# ---------------------------------------------------------------- version, doctor
def test_version() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == "desktop-slm 0.1.0"


def test_doctor_json_describes_this_computer(app_home: Path) -> None:
    proc = run_cli("doctor", "--json")
    assert proc.returncode == 0, proc.stderr
    report = parse_one_json_object(proc.stdout)

    cpu = report["cpu"]
    assert cpu["physical_cores"] >= 1
    assert cpu["logical_cores"] >= cpu["physical_cores"]
    assert isinstance(cpu["features"], list)
    assert all(isinstance(flag, str) for flag in cpu["features"])
    assert report["memory"]["total_bytes"] > 0
    assert 0 < report["memory"]["available_bytes"] <= report["memory"]["total_bytes"]
    assert report["llama_cpp"]["version"] == "0.3.36"
    assert report["llama_cpp"]["system_info"]
    folders = report["folders"]
    assert set(folders) >= {"config_dir", "data_dir", "cache_dir", "log_dir"}
    for folder in folders.values():
        assert Path(folder).is_relative_to(app_home), folder
    assert report["active_model"]["path"] is None
    # The battery sensor answers (psutil is in the build); this machine's reading.
    power = report["power"]
    assert set(power) == {
        "on_battery",
        "battery_percent",
        "power_saver",
        "save_power",
        "prepare_on_battery",
        "description",
    }
    assert power["prepare_on_battery"] is False
    assert power["description"]
    assert proc.stderr == ""


def test_doctor_text_names_cores_and_folders(app_home: Path) -> None:
    proc = run_cli("doctor")
    assert proc.returncode == 0, proc.stderr
    assert "physical cores" in proc.stdout
    assert "llama.cpp: 0.3.36" in proc.stdout
    for sub in ("config", "data", "cache", "logs"):
        assert str(app_home / sub) in proc.stdout
    assert "Active model: none chosen" in proc.stdout
    assert "\nPower: " in proc.stdout


def test_doctor_shows_the_model_chosen_in_the_settings(app_home: Path, smollm2_path: Path) -> None:
    write_user_settings(app_home, json.dumps({"model_path": str(smollm2_path)}))

    text = run_cli("doctor")
    assert text.returncode == 0, text.stderr
    model_line = next(line for line in text.stdout.splitlines() if line.startswith("Active"))
    assert "smollm2" in model_line.lower()
    assert str(smollm2_path) in model_line

    report = parse_one_json_object(run_cli("doctor", "--json").stdout)
    model = report["active_model"]
    assert model["path"] == str(smollm2_path)
    assert "smollm2" in model["name"].lower()
    assert model["base_model"] is False


def test_doctor_reports_a_missing_model_file_without_failing(app_home: Path) -> None:
    gone = app_home / "moved-away.gguf"
    write_user_settings(app_home, json.dumps({"model_path": str(gone)}))
    proc = run_cli("doctor")
    assert proc.returncode == 0, proc.stderr
    assert "moved-away.gguf" in proc.stdout
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------- run email
def test_run_email_json_is_one_object_with_text_model_tokens_and_timings(
    smollm2_path: Path, tmp_path: Path
) -> None:
    proc = run_cli(
        "run", "email", "--model", smollm2_path, "--input", "-", *GREEDY, "--json", stdin=NOTES
    )
    assert proc.returncode == 0, proc.stderr
    result = parse_one_json_object(proc.stdout)
    assert result["text"].strip()
    assert 1 <= result["completion_tokens"] <= allowed_tokens(24)
    assert result["prompt_tokens"] > 0
    assert result["model"]["path"] == str(smollm2_path)
    assert result["model"]["base_model"] is False
    assert result["timings"]["tokens_per_s"] > 0
    assert result["finish_reason"] in ("stop", "length")
    assert isinstance(result["notices"], list)
    assert "Traceback" not in proc.stderr

    # The same request without --json: the answer alone on stdout, the stats on stderr.
    notes_file = tmp_path / "notes.txt"
    notes_file.write_text(NOTES, encoding="utf-8")
    streamed = run_cli("run", "email", "--model", smollm2_path, "--input", notes_file, *GREEDY)
    assert streamed.returncode == 0, streamed.stderr
    assert "tokens/s" not in streamed.stdout
    assert "tokens/s" in streamed.stderr
    assert "desktop-slm:" not in streamed.stdout
    assert streamed.stdout.endswith("\n")
    # Greedy decoding with a fixed seed: the printed answer is exactly the JSON text.
    assert streamed.stdout.rstrip("\n") == result["text"].rstrip("\n")


def test_base_model_writes_a_plain_email(gemma_base_path: Path) -> None:
    proc = run_cli(
        "run",
        "email",
        "--model",
        gemma_base_path,
        "--max-tokens",
        "40",
        "--temperature",
        "0",
        "--json",
        stdin="meeting moved to Friday 3pm, room 4\n",
    )
    assert proc.returncode == 0, proc.stderr
    result = parse_one_json_object(proc.stdout)
    assert result["model"]["base_model"] is True
    assert result["text"].startswith("Subject:")
    assert "<USER>" not in result["text"]
    assert 1 <= result["completion_tokens"] <= allowed_tokens(40)


def test_missing_input_file_is_one_line_naming_it(smollm2_path: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-notes.txt"
    proc = run_cli("run", "email", "--model", smollm2_path, "--input", missing)
    assert proc.returncode == 1
    lines = error_lines(proc)
    assert len(lines) == 1, lines
    assert str(missing) in lines[0]
    assert proc.stdout == ""


def test_notes_that_are_not_text_are_refused_in_one_line(smollm2_path: Path) -> None:
    proc = subprocess.run(
        [*CLI, "run", "email", "--model", str(smollm2_path)],
        input=b"caf\xe9 \xff\xfe notes",
        capture_output=True,
        timeout=CLI_TIMEOUT_S,
        env=os.environ.copy(),
        check=False,
    )
    stderr = proc.stderr.decode()
    assert proc.returncode == 1
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "UTF-8" in stderr


def test_no_model_anywhere_says_to_pass_model() -> None:
    proc = run_cli("run", "email", stdin=NOTES)
    assert proc.returncode == 1
    lines = error_lines(proc)
    assert len(lines) == 1, lines
    assert "--model" in lines[0]
    assert proc.stdout == ""


def test_random_bytes_gguf_is_refused_in_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk-download.gguf"
    junk.write_bytes(os.urandom(64 * 1024))
    proc = run_cli("run", "email", "--model", junk, stdin=NOTES)
    assert proc.returncode == 1
    lines = error_lines(proc)
    assert len(lines) == 1, lines
    assert "junk-download.gguf" in lines[0]
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["run", "email", "--tone", "grumpy"], id="unknown-tone"),
        pytest.param(["run", "email", "--max-tokens", "0"], id="zero-max-tokens"),
        pytest.param(["run", "email", "--max-tokens", "many"], id="non-number-max-tokens"),
        pytest.param(["run", "email", "--temperature", "3"], id="temperature-too-high"),
        pytest.param(["run", "email", "--length", "epic"], id="unknown-length"),
        pytest.param(["run"], id="no-tool"),
        pytest.param(["frobnicate"], id="unknown-subcommand"),
        # The window's quick path takes only "[--model M] [FILE]"; anything else is parsed fully.
        pytest.param(["--model"], id="model-without-value"),
        pytest.param(["--model", "m.gguf", "frobnicate"], id="model-then-unknown"),
        pytest.param(["--modle", "m.gguf"], id="misspelt-option"),
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    proc = run_cli(*args, stdin=NOTES)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr
    assert "error:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "engine-worker" not in proc.stderr, "the hidden command leaked into a message"
    assert proc.stdout == ""


@pytest.mark.parametrize("command", ["doctor", "doctor-json", "run-email"])
def test_corrupt_settings_are_kept_aside_and_reported_once(
    app_home: Path, smollm2_path: Path, command: str
) -> None:
    settings = write_user_settings(app_home, "{not json")
    if command == "run-email":
        proc = run_cli("run", "email", "--model", smollm2_path, *GREEDY, stdin=NOTES)
    else:
        proc = run_cli("doctor", *(["--json"] if command == "doctor-json" else []))

    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    [bad] = settings.parent.glob("settings.json.*.bad")
    assert proc.stderr.count(bad.name) == 1, proc.stderr
    assert str(bad) in proc.stderr
    assert bad.read_text(encoding="utf-8") == "{not json"
    assert not settings.exists()
    if command == "run-email":
        assert proc.stdout.strip()

    # The next run starts cleanly: nothing more to say about the settings.
    again = run_cli("doctor")
    assert again.returncode == 0
    assert "settings" not in again.stderr


# ---------------------------------------------------------------- streaming processes
def _start_long_email(model: Path) -> subprocess.Popen[bytes]:
    """``run email --raw``: without the guards the email streams as it is written."""
    proc = subprocess.Popen(
        [
            *CLI,
            "run",
            "email",
            "--raw",
            "--model",
            str(model),
            "--length",
            "long",
            "--max-tokens",
            "400",
            "--temperature",
            "0",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert proc.stdin is not None
    proc.stdin.write(LONG_NOTES.encode())
    proc.stdin.close()
    return proc


def _read_until_text(proc: subprocess.Popen[bytes], timeout: float = 120.0) -> bytes:
    """Read stdout as it arrives until some words of the answer are there."""
    assert proc.stdout is not None
    received = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while len(received.strip()) < 8:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no answer within {timeout} s; got {received!r}"
            if selector.select(timeout=remaining):
                chunk = os.read(proc.stdout.fileno(), 4096)
                assert chunk, f"stdout closed before the answer arrived; got {received!r}"
                received += chunk
    return received


def _finish(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, str]:
    """Wait (bounded) for the CLI to exit; return its exit code and what it said on stderr."""
    try:
        code = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stderr is not None
        stderr = proc.stderr.read().decode(errors="replace")
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    return code, stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to one process is POSIX")
@pytest.mark.parametrize("stuck", [False, True], ids=["answering", "stuck-worker"])
def test_ctrl_c_stops_the_generation_and_the_worker(smollm2_path: Path, stuck: bool) -> None:
    proc = _start_long_email(smollm2_path)
    try:
        first = _read_until_text(proc)
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert workers, "no engine worker process was found while generating"
        if stuck:  # SIGSTOP, as if stuck in native code: no answer to the cancel comes
            for worker in workers:
                worker.suspend()

        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code, stderr = _finish(proc, timeout=15)
        stopped_after = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert first.strip()
    assert code == 130, stderr
    # A stuck worker is killed 1 s after the cancel; the bound leaves room for a busy machine.
    assert stopped_after < (4 if stuck else 10)
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    for worker in workers:
        assert wait_gone(worker.pid), f"engine worker {worker.pid} outlived the CLI"


@pytest.mark.skipif(sys.platform == "win32", reason="pipe semantics differ on Windows")
def test_reader_closing_the_pipe_early_is_not_a_crash(smollm2_path: Path) -> None:
    proc = _start_long_email(smollm2_path)
    try:
        _read_until_text(proc)
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert proc.stdout is not None
        proc.stdout.close()  # like "| head -1" exiting
        code, stderr = _finish(proc, timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert code == 1, stderr
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr
    assert "broken pipe" in stderr
    for worker in workers:
        assert wait_gone(worker.pid)
