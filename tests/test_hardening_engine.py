"""Hostile model files and stuck workers: templates are bounded, Stop always works,
the worker imports nothing from where the app was started."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.gguf_check import inspect_model
from desktop_slm.engine.protocol import Completion, SamplingOptions, TokenEvent
from desktop_slm.errors import EngineCrashed, EngineError, ModelFileError
from desktop_slm.tools.budget import ModelLimits
from tests.support.processes import wait_gone
from tests.support.tiny_llama import write_tiny_llama
from tests.test_cli import run_cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and rlimits")

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
SPIN = "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"
LOOPING = SPIN + CHATML
HUGE_STRING = "{{ 'x' * 999999999 }}" + CHATML
TRIGGER = "avalanche"
LOOPS_ON_A_WORD = f"{{% if '{TRIGGER}' in messages[-1]['content'] %}}{SPIN}{{% endif %}}" + CHATML
GROWS_ON_A_WORD = (
    f"{{% if '{TRIGGER}' in messages[-1]['content'] %}}"
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}{{ ns.s | length }}{% endif %}" + CHATML
)
TIME_SENTENCE = "did not finish within 2 seconds; the file cannot be used"
MEMORY_SENTENCE = "needed more than 512 MB of memory; the file cannot be used"
SHORT = SamplingOptions(max_tokens=8, temperature=0.0, seed=1)
CALM = [{"role": "user", "content": "Say hello."}]
TRIGGERED = [{"role": "user", "content": f"Tell me about an {TRIGGER}."}]
GIB = 1024**3


def collect(events: object) -> tuple[str, Completion]:
    text, final = "", None
    for event in events:  # type: ignore[attr-defined]
        if isinstance(event, TokenEvent):
            text += event.text
        else:
            final = event
    assert final is not None
    return text, final


@pytest.fixture
def word_loop_model(tmp_path: Path) -> Path:
    return write_tiny_llama(tmp_path / "word-loop.gguf", LOOPS_ON_A_WORD)


# ---------------------------------------------------------------- the load-time check


def test_a_looping_template_is_refused_within_seconds(tmp_path: Path) -> None:
    path = write_tiny_llama(tmp_path / "loop.gguf", LOOPING)
    started = time.monotonic()
    with pytest.raises(ModelFileError) as caught:
        inspect_model(path)
    elapsed = time.monotonic() - started
    assert caught.value.code == "bad_chat_template"
    assert str(caught.value) == (
        f"The chat template of 'loop.gguf' {TIME_SENTENCE}. Choose a different model file."
    )
    assert elapsed < 15, f"the check took {elapsed:.1f} s"


_MEASURE = """
import json, resource, sys, time
from desktop_slm.engine.gguf_check import inspect_model
from desktop_slm.errors import ModelFileError
started = time.monotonic()
try:
    inspect_model(sys.argv[1])
    result = {"code": None}
except ModelFileError as exc:
    result = {"code": exc.code, "message": str(exc)}
result["seconds"] = time.monotonic() - started
result["self_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result["children_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps(result))
"""


def test_a_huge_string_template_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    path = write_tiny_llama(tmp_path / "huge.gguf", HUGE_STRING)
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(proc.stdout)
    assert result["code"] == "bad_chat_template"
    assert result["message"] == (
        f"The chat template of 'huge.gguf' {MEMORY_SENTENCE}. Choose a different model file."
    )
    # The app's peak plus its largest child's: at least the peak of both together.
    peak = (result["self_kib"] + result["children_kib"]) * 1024
    print(f"huge-string template: {result['seconds']:.2f} s, peak {peak / 2**20:.0f} MiB")
    assert peak < 1.5 * GIB


def test_cli_run_email_with_a_looping_template_exits_1_with_one_line(tmp_path: Path) -> None:
    path = write_tiny_llama(tmp_path / "loop.gguf", LOOPING)
    proc = run_cli("run", "email", "--model", path, stdin="thank Anna\n")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "'loop.gguf'" in lines[0]
    assert TIME_SENTENCE in lines[0]


def test_models_import_refuses_a_huge_string_template(tmp_path: Path) -> None:
    path = write_tiny_llama(tmp_path / "huge.gguf", HUGE_STRING)
    proc = run_cli("models", "import", path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert MEMORY_SENTENCE in proc.stderr
    from desktop_slm.models.library import ModelLibrary

    assert ModelLibrary().models() == []


# ---------------------------------------------------------------- templates at request time


def test_a_template_that_loops_on_some_words_fails_that_request_only(
    engine: EngineClient, word_loop_model: Path
) -> None:
    engine.load(word_loop_model, n_ctx=256, n_threads=1)  # a chat of "Hello" passes
    pid = engine.pid
    started = time.monotonic()
    with pytest.raises(EngineError) as caught:
        collect(engine.chat(TRIGGERED, SHORT))
    assert time.monotonic() - started < 10
    assert caught.value.code == "bad_chat_template"
    assert TIME_SENTENCE in str(caught.value)
    assert "'word-loop.gguf'" in str(caught.value)

    _, done = collect(engine.chat(CALM, SHORT))  # the same worker goes on
    assert done.completion_tokens > 0
    assert engine.pid == pid


def test_a_template_that_grows_on_some_words_is_capped_in_the_worker(
    engine: EngineClient, tmp_path: Path
) -> None:
    path = write_tiny_llama(tmp_path / "word-grow.gguf", GROWS_ON_A_WORD)
    engine.load(path, n_ctx=256, n_threads=1)
    pid = engine.pid
    assert pid is not None
    with pytest.raises(EngineError) as caught:
        collect(engine.chat(TRIGGERED, SHORT))
    assert caught.value.code == "bad_chat_template"
    assert MEMORY_SENTENCE in str(caught.value)
    assert psutil.Process(pid).memory_info().rss < 1.5 * GIB
    _, done = collect(engine.chat(CALM, SHORT))
    assert done.completion_tokens > 0
    assert engine.pid == pid


def test_cancel_stops_a_request_stuck_in_the_template(
    engine: EngineClient, word_loop_model: Path
) -> None:
    engine.load(word_loop_model, n_ctx=256, n_threads=1)
    timer = threading.Timer(0.5, engine.cancel)
    started = time.monotonic()
    timer.start()
    try:
        text, done = collect(engine.chat(TRIGGERED, SHORT))
    finally:
        timer.cancel()
    assert done.cancelled
    assert done.cancelled_during == "prompt"
    assert text == ""
    assert time.monotonic() - started < 1.9, "Stop waited for the template's deadline"

    _, after = collect(engine.chat(CALM, SHORT))
    assert after.completion_tokens > 0


# ---------------------------------------------------------------- stuck workers


def test_cancel_kills_a_worker_that_does_not_answer_and_keeps_the_text(
    engine: EngineClient, smollm2_path: Path
) -> None:
    engine.load(smollm2_path, n_ctx=1024)
    first_pid = engine.pid
    assert first_pid is not None
    story = [{"role": "user", "content": "Tell a very long story about dragons."}]
    received = ""
    cancelled_at = 0.0
    done: Completion | None = None
    for event in engine.chat(story, SamplingOptions(max_tokens=400, temperature=0)):
        if isinstance(event, TokenEvent):
            received += event.text
            if not cancelled_at and len(received.split()) >= 3:
                os.kill(first_pid, signal.SIGSTOP)  # as if stuck inside native code
                cancelled_at = time.monotonic()
                engine.cancel()
        else:
            done = event
    stopped_after = time.monotonic() - cancelled_at
    assert done is not None
    assert done.cancelled
    assert done.text == received, "the text written before Stop was lost"
    assert 0.9 < stopped_after < 5, f"stopped {stopped_after:.2f} s after the cancel"
    assert wait_gone(first_pid)

    _, after = collect(engine.chat(CALM, SHORT))  # a fresh worker, the same model
    assert after.completion_tokens > 0
    assert engine.pid not in (None, first_pid)


def test_a_worker_silent_for_too_long_is_restarted_with_a_clear_error(
    smollm2_path: Path,
) -> None:
    with EngineClient(event_timeout_s=8.0) as engine:
        engine.load(smollm2_path, n_ctx=1024)
        first_pid = engine.pid
        assert first_pid is not None
        os.kill(first_pid, signal.SIGSTOP)
        with pytest.raises(EngineError) as caught:
            collect(engine.chat(CALM, SHORT))
        assert caught.value.code == "engine_timeout"
        assert "did not answer for 8 seconds and was restarted" in str(caught.value)
        assert wait_gone(first_pid)
        _, after = collect(engine.chat(CALM, SHORT))
        assert after.completion_tokens > 0


def test_model_limits_work_after_a_worker_crash(engine: EngineClient, smollm2_path: Path) -> None:
    engine.load(smollm2_path, n_ctx=1024)
    before = ModelLimits.of(engine)
    pid = engine.pid
    assert pid is not None

    def kill_while_answering() -> None:
        for _event in engine.chat(CALM, SamplingOptions(max_tokens=200, temperature=0)):
            os.kill(pid, signal.SIGKILL)

    with pytest.raises(EngineCrashed):
        kill_while_answering()

    limits = ModelLimits.of(engine)  # said "No model is loaded" before
    assert limits.n_ctx == before.n_ctx == 1024
    assert limits.count_tokens("Hello world") == before.count_tokens("Hello world")
    assert engine.pid not in (None, pid)


# ---------------------------------------------------------------- an isolated worker


def test_the_worker_imports_nothing_from_the_current_folder_or_pythonpath(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smollm2_path: Path
) -> None:
    marker = tmp_path / "imported.txt"
    planted = f"open({str(marker)!r}, 'a').write(__file__ + '\\n')\n"
    for folder in (tmp_path / "cwd", tmp_path / "pythonpath"):
        (folder / "llama_cpp").mkdir(parents=True)
        (folder / "llama_cpp" / "__init__.py").write_text(planted)
        (folder / "desktop_slm").mkdir()
        (folder / "desktop_slm" / "__init__.py").write_text(planted)
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "pythonpath"))
    monkeypatch.setenv("PYTHONSTARTUP", str(tmp_path / "cwd" / "llama_cpp" / "__init__.py"))

    with EngineClient() as engine:
        engine.load(smollm2_path, n_ctx=512)
        assert engine.count_tokens("Hello world") > 0
        assert engine.hello.get("llama_cpp_version")
    inspect_model(write_tiny_llama(tmp_path / "tiny.gguf", CHATML))  # the template checker

    assert not marker.exists(), marker.read_text()


def test_the_worker_command_is_isolated() -> None:
    from desktop_slm.engine.client import worker_command

    command = worker_command()
    assert command[:1] == [sys.executable]
    assert {"-E", "-P"} <= set(command[: command.index("-m")])
    assert command[-1] == "engine-worker"


def test_the_frozen_worker_gets_no_python_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_slm.engine.client import worker_command, worker_environment

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    assert worker_command() == [sys.executable, "engine-worker"]
    environment = worker_environment()
    assert "PYTHONPATH" not in environment
    assert environment["DESKTOP_SLM_HOME"] == os.environ["DESKTOP_SLM_HOME"]
