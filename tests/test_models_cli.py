"""``desktop-slm models ...`` as real processes against the fake Hub (``HF_ENDPOINT``)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakehub import GATED_REPO, SMOLLM2_REPO, FakeHub, file_from_bytes
from tests.support.processes import wait_gone
from tests.support.test_models import SMOLLM2

CLI = [sys.executable, "-m", "desktop_slm"]
TIMEOUT_S = 180.0
LIST_FIELDS = {
    "id",
    "repo",
    "file",
    "path",
    "size_bytes",
    "sha256",
    "quant",
    "architecture",
    "is_base_model",
    "active",
}


@pytest.fixture
def fake_hub(
    monkeypatch: pytest.MonkeyPatch, smollm2_path: Path, gemma_base_path: Path
) -> Iterator[FakeHub]:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with FakeHub.standard(smollm2_path, gemma_base_path) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


def cli(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *map(str, args)],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=os.environ.copy(),  # DESKTOP_SLM_HOME and HF_ENDPOINT from the fixtures
        check=False,
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def part_file(app_home: Path) -> Path:
    name = f"{SMOLLM2_REPO.replace('/', '--')}--{SMOLLM2.filename}.part"
    return app_home / "cache" / "downloads" / name


def listed(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, list)
    return data


def test_pull_list_use_then_write_an_email_with_the_active_model(
    fake_hub: FakeHub, app_home: Path
) -> None:
    pulled = cli("models", "pull", SMOLLM2_REPO, "--quant", "q4_1")
    assert pulled.returncode == 0, pulled.stderr
    model_id = pulled.stdout.strip()
    assert "100%" in pulled.stderr
    assert "verifying sha256" in pulled.stderr

    [entry] = listed(cli("models", "list", "--json"))
    assert set(entry) >= LIST_FIELDS
    assert entry["id"] == model_id
    assert (entry["repo"], entry["file"]) == (SMOLLM2_REPO, SMOLLM2.filename)
    assert (entry["size_bytes"], entry["sha256"]) == (SMOLLM2.size, SMOLLM2.sha256)
    assert (entry["quant"], entry["architecture"]) == ("Q4_1", "llama")
    assert entry["is_base_model"] is False
    assert entry["active"] is True  # the first model becomes the active one
    assert Path(entry["path"]).is_file()
    assert Path(entry["path"]).is_relative_to(app_home / "data" / "models")

    used = cli("models", "use", model_id)
    assert used.returncode == 0, used.stderr
    assert model_id in used.stdout

    text = cli("models", "list")
    assert model_id in text.stdout
    assert "98.4 MB" in text.stdout

    email = cli(
        "run", "email", "--input", "-", "--max-tokens", "16", "--temperature", "0",
        stdin="- thank Anna\n- release on Friday\n",
    )  # fmt: skip
    assert email.returncode == 0, email.stderr
    assert email.stdout.strip()
    assert "SmolLM2-135M-Instruct" in email.stderr


def test_a_killed_pull_resumes_without_fetching_the_same_bytes_again(
    fake_hub: FakeHub, app_home: Path
) -> None:
    fake_hub.throttle(6_000_000)
    proc = subprocess.Popen(
        [*CLI, "models", "pull", SMOLLM2_REPO, SMOLLM2.filename],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    part = part_file(app_home)
    try:
        deadline = time.monotonic() + 60
        while not (part.exists() and part.stat().st_size > 3_000_000):
            assert proc.poll() is None, "the pull ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert wait_gone(proc.pid)
    on_disk = part.stat().st_size
    assert 0 < on_disk < SMOLLM2.size
    fake_hub.throttle(None)

    resumed = cli("models", "pull", SMOLLM2_REPO, SMOLLM2.filename)

    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stderr
    gets = fake_hub.file_requests(SMOLLM2.filename)
    assert gets[-1].headers["range"] == f"bytes={on_disk}-"
    [entry] = listed(cli("models", "list", "--json"))
    assert entry["sha256"] == SMOLLM2.sha256
    assert not part.exists()


def test_ctrl_c_during_pull_keeps_the_part_and_says_how_to_resume(
    fake_hub: FakeHub, app_home: Path
) -> None:
    fake_hub.throttle(4_000_000)
    proc = subprocess.Popen(
        [*CLI, "models", "pull", SMOLLM2_REPO, SMOLLM2.filename],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    part = part_file(app_home)
    deadline = time.monotonic() + 60
    while not (part.exists() and part.stat().st_size > 1_000_000):
        assert proc.poll() is None
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)

    assert proc.returncode == 130
    assert "Traceback" not in stderr
    assert "partial download is kept" in stderr
    assert part.stat().st_size > 1_000_000
    assert listed(cli("models", "list", "--json")) == []


def test_files_search_and_choosing_a_quantization(fake_hub: FakeHub) -> None:
    files = cli("models", "files", SMOLLM2_REPO, "--json")
    assert files.returncode == 0, files.stderr
    listing = json.loads(files.stdout)
    sizes = {f["name"]: (f["size_bytes"], f["quant"], f["fit"]) for f in listing["files"]}
    assert sizes[SMOLLM2.filename][:2] == (SMOLLM2.size, "Q4_1")
    assert sizes[SMOLLM2.filename][2] in ("Runs well", "Tight", "Too large for this computer")

    split = cli("models", "files", "test-org/big-model-GGUF")
    assert "split in 3 parts" in split.stdout

    found = cli("models", "search", "smol")
    assert found.returncode == 0, found.stderr
    assert SMOLLM2_REPO in found.stdout

    unsure = cli("models", "pull", SMOLLM2_REPO)  # no Q4_K_M there: ask which one
    assert unsure.returncode == 1
    line = one_error_line(unsure)
    assert "Q4_1" in line
    assert "Q8_0" in line
    assert "--quant" in line

    missing = cli("models", "pull", "test-org/no-such-repo", "x.gguf")
    assert missing.returncode == 1
    assert "no public model repository" in one_error_line(missing)


def test_offline_commands_say_offline_and_installed_models_still_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")

    search = cli("models", "search", "smol")
    assert search.returncode == 1
    assert "offline" in one_error_line(search)
    assert cli("models", "list").returncode == 0


def test_import_use_verify_and_rm(app_home: Path, smollm2_path: Path) -> None:
    imported = cli("models", "import", smollm2_path)
    assert imported.returncode == 0, imported.stderr
    model_id = imported.stdout.strip()
    assert cli("models", "verify").returncode == 0

    [entry] = listed(cli("models", "list", "--json"))
    with open(entry["path"], "r+b") as handle:  # damage one byte
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    damaged = cli("models", "verify", model_id)
    assert damaged.returncode == 1
    assert "FAILED" in damaged.stdout
    assert model_id in damaged.stdout

    unconfirmed = cli("models", "rm", model_id)
    assert unconfirmed.returncode == 2
    assert "--yes" in unconfirmed.stderr
    assert Path(entry["path"]).exists()

    removed = cli("models", "rm", model_id, "--yes")
    assert removed.returncode == 0, removed.stderr
    assert "freed 98.4 MB" in removed.stdout
    assert not Path(entry["path"]).exists()

    by_path = cli("models", "use", smollm2_path)  # a file is added in place and used
    assert by_path.returncode == 0, by_path.stderr
    [again] = listed(cli("models", "list", "--json"))
    assert again["path"] == str(smollm2_path)
    assert again["in_place"]
    assert again["active"]

    unknown = cli("models", "use", "no-such-model")
    assert unknown.returncode == 1
    assert "models list" in one_error_line(unknown)


def test_run_without_any_model_says_how_to_get_one() -> None:
    proc = cli("run", "email", stdin="notes\n")
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert "No model installed" in line
    assert "models pull" in line
    assert "Models tab" in line


# ---------------------------------------------------------------- recommend
def keep_bandwidth(app_home: Path, bytes_per_second: float) -> None:
    """This computer's memory bandwidth as if measured before (no timing in tests)."""
    from desktop_slm.engine.hardware import detect

    cache = app_home / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    record = {"cpu": detect().cpu_model, "bytes_per_second": bytes_per_second}
    (cache / "bandwidth.json").write_text(json.dumps(record))


def test_recommend_names_an_open_model_for_the_machine_and_language(app_home: Path) -> None:
    keep_bandwidth(app_home, 20e9)

    big = cli("models", "recommend", "--ram", "32", "--cores", "8", "--language", "en", "--json")
    assert big.returncode == 0, big.stderr
    pick = json.loads(big.stdout)
    assert pick["id"] == "qwen3-4b-instruct-2507"
    assert pick["repo"] == "unsloth/Qwen3-4B-Instruct-2507-GGUF"
    assert pick["file"] == "Qwen3-4B-Instruct-2507-Q4_K_M.gguf"
    assert pick["size_bytes"] == 2_497_281_120
    assert pick["license"] == "apache-2.0"
    assert "en" in pick["languages"]
    assert "tokens/s" in pick["reason"]

    hungarian = cli("models", "recommend", "--ram", "16", "--cores", "8", "--language", "Magyar")
    assert hungarian.returncode == 0, hungarian.stderr
    assert "Phi-4 mini Instruct (phi-4-mini-instruct)" in hungarian.stdout
    assert "Hungarian" in hungarian.stdout
    assert "models pull phi-4-mini-instruct" in hungarian.stdout

    # Two cores, English and Greek (repeated or comma-separated): Gemma 4 E2B is the
    # only open model with Greek; it writes slowly here, and the reason says so.
    greek = cli(
        "models", "recommend", "--ram", "16", "--cores", "2", "--language", "en,el", "--json"
    )
    assert greek.returncode == 0, greek.stderr
    assert json.loads(greek.stdout)["id"] == "gemma-4-e2b-it"
    assert "fastest" in json.loads(greek.stdout)["reason"]

    tiny = cli("models", "recommend", "--ram", "0.5", "--language", "de")
    assert tiny.returncode == 1
    line = one_error_line(tiny)
    assert "German" in line
    assert "models search" in line


def test_recommend_defaults_to_this_computer_and_the_locale(
    app_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep_bandwidth(app_home, 20e9)
    for variable in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "uk_UA.UTF-8")

    proc = cli("models", "recommend", "--json")
    # Only Phi-4 mini and Gemma 4 E2B list Ukrainian (with English, the Email tab's).
    if proc.returncode == 0:
        pick = json.loads(proc.stdout)
        assert {"uk", "en"} <= set(pick["languages"])
        assert pick["license"] in ("apache-2.0", "mit")
    else:  # this machine has too little memory free for either
        assert json.loads(proc.stdout)["recommended"] is None
        assert "Ukrainian" in json.loads(proc.stdout)["reason"]

    for bad in (["--language", "Klingon"], ["--ram", "lots"], ["--cores", "0"]):
        wrong = cli("models", "recommend", *bad)
        assert wrong.returncode == 2, bad
        assert "Traceback" not in wrong.stderr


# ---------------------------------------------------------------- licences and gates
def test_a_restrictive_licence_is_shown_before_the_download_and_needs_yes(
    fake_hub: FakeHub,
) -> None:
    fake_hub.add_repo(
        "unsloth/gemma-3-270m-it-GGUF",
        [file_from_bytes("gemma-3-270m-it-Q4_K_M.gguf", b"GGUF" + bytes(200))],
    )

    refused = cli("models", "pull", "gemma-3-270m-it")
    assert refused.returncode == 2
    assert "'gemma' licence, which restricts some uses" in refused.stderr
    assert "--yes" in refused.stderr
    assert fake_hub.requests == [], "asked the Hub before the licence was accepted"

    accepted = cli("models", "pull", "gemma-3-270m-it", "--yes")
    lines = accepted.stderr.splitlines()
    licence = next(i for i, line in enumerate(lines) if "'gemma' licence" in line)
    started = next(i for i, line in enumerate(lines) if "downloading" in line)
    assert licence < started
    assert fake_hub.file_requests("gemma-3-270m-it-Q4_K_M.gguf")

    # Open licences download without a question.
    quiet = cli("models", "pull", SMOLLM2_REPO, "--quant", "q4_1")
    assert quiet.returncode == 0, quiet.stderr
    assert "restricts some uses" not in quiet.stderr


def test_a_gated_repository_says_in_one_sentence_what_to_do(
    fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_token = cli("models", "pull", GATED_REPO, "gated-Q4_K_M.gguf")
    assert no_token.returncode == 1
    line = one_error_line(no_token)
    assert GATED_REPO in line
    assert "accept the model's licence" in line
    assert "token" in line
    assert line.count(". ") == 0  # one sentence

    # A token whose account has not accepted the licence: the Hub answers 403.
    fake_hub.repos[GATED_REPO].accepted_tokens = frozenset({"hf_someone_else"})
    monkeypatch.setenv("HF_TOKEN", "hf_not_accepted")
    refused = cli("models", "pull", GATED_REPO, "gated-Q4_K_M.gguf")
    assert refused.returncode == 1
    assert "accept the model's licence" in one_error_line(refused)
    asked = fake_hub.file_requests("gated-Q4_K_M.gguf", "HEAD")
    assert any(r.headers.get("authorization") == "Bearer hf_not_accepted" for r in asked)
