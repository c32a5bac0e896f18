"""Every tool on a team's OpenAI-compatible server: llama-cpp-python's own server, for real."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_slm.engine.remote import (
    DEFAULT_SERVER_CONTEXT,
    ServerEngine,
    estimate_tokens,
    normalize_url,
    retry_after,
    server_key,
    set_server_key,
)
from desktop_slm.errors import EngineError
from tests.support.team_server import SERVER_KEY, BusyProxy, TeamServer, free_port, team_server
from tests.test_cli import CLI, LONG_NOTES, NOTES, error_lines, parse_one_json_object, run_cli
from tests.test_cli_tools import long_text

pytestmark = pytest.mark.slow

SERVER_CONTEXT = 1024
"""Smaller than the context the app assumes for a server that does not name its own."""
FEW = ["--max-tokens", "12", "--temperature", "0", "--seed", "1"]


@pytest.fixture(scope="module")
def server(smollm2_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeamServer]:
    with team_server(
        smollm2_path, tmp_path_factory.mktemp("server"), n_ctx=SERVER_CONTEXT
    ) as running:
        yield running


@pytest.fixture
def with_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKTOP_SLM_SERVER_KEY", SERVER_KEY)
    monkeypatch.delenv("DESKTOP_SLM_SERVER", raising=False)


def on_server(
    server: TeamServer, tool: str, *args: str | Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli("run", tool, "--server", server.url, *args, stdin=stdin)


def summarize_long(server: TeamServer, *args: str) -> subprocess.CompletedProcess[str]:
    """A summary of a text longer than the server's context: several requests, so more
    time than ``run_cli`` gives one command on a busy machine."""
    return subprocess.run(
        [*CLI, "run", "summarize", "--server", server.url, *FEW, *args, "--input", "-"],
        input=long_text(16),  # about 1,300 tokens: more than the server's 1,024
        capture_output=True,
        text=True,
        timeout=900,
        env=os.environ.copy(),
        check=False,
    )


# ---------------------------------------------------------------- every tool
@pytest.mark.parametrize(
    ("tool", "args", "stdin"),
    [
        ("email", [*FEW], NOTES),
        ("report", [*FEW, "--input", "-", "--sections", "1"], NOTES),
        ("translate", [*FEW, "--input", "-", "--to", "fr"], "The release moves to Friday.\n"),
        ("summarize", [*FEW, "--input", "-"], long_text(3)),
        ("analyze", ["--input", "-", "--max-tokens", "60"], "Anna from Acme loved the demo."),
    ],
)
def test_every_tool_runs_on_the_server(
    server: TeamServer, with_key: None, tool: str, args: list[str], stdin: str
) -> None:
    proc = on_server(server, tool, *args, "--json", stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    payload = parse_one_json_object(proc.stdout)
    assert payload["text"].strip()
    assert payload["model"]["server"] == server.url
    assert payload["model"]["name"] == f"smollm2 on {server.url}"
    assert payload["completion_tokens"] > 0
    assert "the text is sent to this server" in proc.stderr


def test_continue_and_a_table_run_on_the_server(
    server: TeamServer, with_key: None, tmp_path: Path
) -> None:
    proc = on_server(server, "continue", "--input", "-", "--json", stdin="Thank you for your")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["model"]["server"] == server.url

    table = tmp_path / "feedback.csv"
    table.write_text("id,text\n1,The demo was great.\n2,\n", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    proc = on_server(server, "analyze", "--input", table, "--output", output)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["sentiment"] in ("positive", "negative", "neutral", "mixed")
    assert rows[1]["sentiment"] == ""  # an empty text is never sent


def test_a_long_document_is_summarized_in_chunks_that_fit_the_servers_context(
    server: TeamServer, with_key: None
) -> None:
    # The server does not report its context: the app assumes 2,048 tokens, the server
    # refuses the first chunk naming its 1,024, and the job is planned again for that.
    proc = summarize_long(server, "--json")
    assert proc.returncode == 0, proc.stderr
    assert f"the server's context is {SERVER_CONTEXT:,} tokens" in proc.stderr
    assert f"({SERVER_CONTEXT:,} tokens): summarizing it in" in proc.stderr
    payload = parse_one_json_object(proc.stdout)
    assert payload["requests"] >= 3  # two chunks or more, and the summary of them
    assert payload["text"].strip()


def test_a_context_given_with_the_flag_is_used_from_the_start(
    server: TeamServer, with_key: None
) -> None:
    proc = summarize_long(server, "--context", str(SERVER_CONTEXT))
    assert proc.returncode == 0, proc.stderr
    assert "planning the job again" not in proc.stderr
    assert f"context {SERVER_CONTEXT:,} tokens" in proc.stderr


def test_a_request_larger_than_the_servers_context_says_so(
    server: TeamServer, with_key: None
) -> None:
    # --context claims more than the server has. Email notes cannot be split: once the
    # server's refusal names its context, the app says by how much the notes are too long.
    notes = "The harbour needs more workers and money this year. " * 150
    proc = on_server(server, "email", *FEW, "--context", "8192", stdin=notes)
    assert proc.returncode == 1
    assert f"the server's context is {SERVER_CONTEXT:,} tokens, not 8,192" in proc.stderr
    line = error_lines(proc)[-1]
    assert line.startswith("desktop-slm: error: Too much text in the notes")
    assert f"context of {SERVER_CONTEXT:,} tokens" in line
    assert proc.stdout == ""


# ---------------------------------------------------------------- failures
def test_a_wrong_key_is_one_sentence(server: TeamServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKTOP_SLM_SERVER_KEY", "not-the-key")
    proc = on_server(server, "email", *FEW, stdin=NOTES)
    assert proc.returncode == 1
    assert error_lines(proc) == [
        f"desktop-slm: error: Could not use the server at {server.url}: the server refused "
        "the API key. Set the right key in DESKTOP_SLM_SERVER_KEY or in the keyring."
    ]
    assert proc.stdout == ""


def test_an_unreachable_port_fails_within_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("DESKTOP_SLM_SERVER", f"127.0.0.1:{port}")
    proc = run_cli("run", "email", *FEW, stdin=NOTES)
    assert proc.returncode == 1
    assert error_lines(proc) == [
        f"desktop-slm: error: Cannot reach the server at http://127.0.0.1:{port}: the "
        "connection failed. Check the address and that the server is running."
    ]


def test_a_server_that_never_answers_is_given_up_on_within_ten_seconds() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        engine = ServerEngine(url, api_key="k")
        started = time.monotonic()
        with pytest.raises(EngineError) as failed:
            engine.connect()
        assert time.monotonic() - started < 10.0
        engine.close()
    assert failed.value.code == "server_unreachable"
    assert "did not answer in time" in str(failed.value)


def test_the_server_killed_mid_answer_keeps_the_text_so_far(
    smollm2_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESKTOP_SLM_SERVER_KEY", SERVER_KEY)
    notes = tmp_path / "notes.txt"
    notes.write_text(LONG_NOTES, encoding="utf-8")
    with team_server(smollm2_path, tmp_path) as dying:
        proc = subprocess.Popen(
            [*CLI, "run", "email", "--server", dying.url, "--input", notes, "--raw",
             "--max-tokens", "400", "--temperature", "0", "--seed", "1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=os.environ.copy(),
        )  # fmt: skip
        assert proc.stdout is not None
        head = proc.stdout.read(40)  # the answer is streaming
        assert len(head) == 40, proc.stderr.read() if proc.stderr else ""
        dying.kill()
        rest, errors = proc.communicate(timeout=60)
    assert proc.returncode == 1
    text = (head + rest).decode()  # everything streamed before the server went is kept
    assert len(text.strip()) >= 30
    lines = errors.decode().strip().splitlines()
    assert "Traceback" not in errors.decode()
    assert lines[-1] == (
        f"desktop-slm: error: The server at {dying.url} stopped answering in the middle of "
        "the answer; the text so far is kept."
    )


def test_a_busy_server_is_waited_for_in_a_batch_as_it_asks(
    server: TeamServer, with_key: None, tmp_path: Path
) -> None:
    proxy = BusyProxy(server.url, refusals=2, status=503, retry_after="1")
    try:
        table = tmp_path / "feedback.csv"
        table.write_text("id,text\n1,The demo was great.\n", encoding="utf-8")
        proc = run_cli("run", "analyze", "--server", proxy.url, "--input", table)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.count("the server is busy; waiting 1 s as it asks") == 2
        assert json.loads(proc.stdout)["sentiment"]

        # One request of a person's own is not held back: it says so at once.
        proxy.refusals, proxy.refused = 1, 0
        proc = run_cli("run", "email", "--server", proxy.url, *FEW, stdin=NOTES)
        assert proc.returncode == 1
        assert error_lines(proc)[-1] == (
            f"desktop-slm: error: The server at {proxy.url} is busy (503); it asks to try "
            "again in 1 s."
        )
    finally:
        proxy.close()


def test_only_the_key_and_the_request_go_over_the_wire(
    server: TeamServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-should-not-be-sent")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-be-sent")
    proxy = BusyProxy(server.url, refusals=0)
    try:
        with ServerEngine(proxy.url, api_key=SERVER_KEY) as engine:
            engine.connect()
            list(engine.chat([{"role": "user", "content": "Hi"}]))
        sent = {name for request in proxy.seen for name in request.headers}
        assert sent <= {"host", "accept", "accept-encoding", "content-type", "content-length",
                        "connection", "authorization"}  # fmt: skip
        assert {r.headers["authorization"] for r in proxy.seen} == {f"Bearer {SERVER_KEY}"}
        assert {r.path for r in proxy.seen} >= {"/v1/models", "/v1/chat/completions"}
    finally:
        proxy.close()


# ---------------------------------------------------------------- the engine itself
def test_token_counts_come_from_the_servers_tokenizer_and_the_estimate_counts_high(
    server: TeamServer,
) -> None:
    with ServerEngine(server.url, api_key=SERVER_KEY) as engine:
        active = engine.connect()
        assert active.loaded.n_ctx == DEFAULT_SERVER_CONTEXT  # not reported by this server
        for text in (
            "The harbour needs 12 more workers.",
            "Der Hafen braucht zwölf weitere Arbeiter und 50.000 Euro.",
            "港口今年需要更多的工人和资金。",
            "def f(x):\n    return {'a': [1, 2, 3]}\n",
        ):
            real = engine.count_tokens(text)
            assert 0 < real <= estimate_tokens(text), text


def test_a_stopped_request_ends_as_cancelled_with_its_text(server: TeamServer) -> None:
    with ServerEngine(server.url, api_key=SERVER_KEY) as engine:
        engine.connect()
        events = engine.chat([{"role": "user", "content": LONG_NOTES}], None)
        seen = []
        for event in events:
            seen.append(event)
            if len(seen) == 3:
                engine.cancel()
        final = seen[-1]
        assert final.finish_reason == "cancelled"  # type: ignore[union-attr]
        assert final.text == "".join(e.text for e in seen[:-1])
        assert final.cancelled_during == "generation"  # type: ignore[union-attr]


def test_the_key_can_live_in_the_keyring(
    server: TeamServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    from tests.test_models_hub import _MemoryKeyring

    monkeypatch.delenv("DESKTOP_SLM_SERVER_KEY", raising=False)
    backend = type("MemoryKeyring", (_MemoryKeyring, KeyringBackend), {})()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        assert server_key(server.url) is None
        set_server_key(server.url + "/v1/", SERVER_KEY)
        assert server_key(server.url) == SERVER_KEY
        with ServerEngine(server.url) as engine:
            assert engine.connect().info.name == "smollm2"
        set_server_key(server.url, None)
        assert server_key(server.url) is None
    finally:
        keyring.set_keyring(previous)


def test_doctor_names_the_server_in_use(server: TeamServer, with_key: None) -> None:
    proc = run_cli("doctor", "--server", server.url)
    assert proc.returncode == 0, proc.stderr
    assert (
        f"Engine: the server {server.url} (API key set); its models: smollm2. "
        "Text is sent to this server"
    ) in proc.stdout
    proc = run_cli("doctor", "--json")
    assert parse_one_json_object(proc.stdout)["engine"]["kind"] == "local"


# ---------------------------------------------------------------- without a server
@pytest.mark.parametrize(
    ("given", "root"),
    [
        ("http://gpu-box:8080/v1/", "http://gpu-box:8080"),
        ("gpu-box:11434", "http://gpu-box:11434"),
        ("https://llm.example.org/team/v1", "https://llm.example.org/team"),
    ],
)
def test_server_addresses_are_read_as_people_write_them(given: str, root: str) -> None:
    assert normalize_url(given) == root


def test_a_bad_server_address_is_a_usage_sentence() -> None:
    proc = run_cli("run", "email", "--server", "ftp://x", *FEW, stdin=NOTES)
    assert proc.returncode == 1
    assert error_lines(proc) == [
        "desktop-slm: error: 'ftp://x' is not a server address; give one like http://server:8080."
    ]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), (None, 2.0), ("soon", 2.0), ("-5", 0.0), ("99999", 300.0), ("nan", 2.0)],
)
def test_retry_after_is_read_and_bounded(header: str | None, seconds: float) -> None:
    assert retry_after(header) == seconds
