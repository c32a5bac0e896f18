"""Hub listings, search, errors and tokens: the real huggingface_hub client, a fake Hub."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_slm.models import hub
from desktop_slm.models.errors import HubError
from desktop_slm.models.fit import Fit, Memory
from tests.fakehub import GATED_REPO, GEMMA_REPO, SMOLLM2_REPO, SPLIT_REPO, FakeHub
from tests.support.test_models import SMOLLM2

ROOMY = Memory(total=16_000_000_000, available=12_000_000_000)


@pytest.fixture
def fake_hub(
    monkeypatch: pytest.MonkeyPatch, smollm2_path: Path, gemma_base_path: Path
) -> Iterator[FakeHub]:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with FakeHub.standard(smollm2_path, gemma_base_path) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


def client(**kwargs: Any) -> hub.HubClient:
    return hub.HubClient(use_stored_token=False, memory=ROOMY, **kwargs)


def test_files_of_a_repo_come_from_the_hub_with_size_sha256_and_fit(fake_hub: FakeHub) -> None:
    listing = client().list_files(SMOLLM2_REPO)

    by_name = {s.name: s for s in listing.sets}
    assert set(by_name) == {SMOLLM2.filename, "extra/SmolLM2-135M-Instruct.Q8_0.gguf"}
    model = by_name[SMOLLM2.filename]
    assert model.size == SMOLLM2.size
    assert model.files[0].sha256 == SMOLLM2.sha256
    assert model.quant == "Q4_1"
    assert model.fit is Fit.RUNS_WELL
    assert "README.md" not in by_name  # only GGUF files are offered
    tree_calls = [r for r in fake_hub.api_requests() if "/tree/" in r.path]
    assert tree_calls[0].query["recursive"] == ["true"]


def test_split_model_parts_are_one_set(fake_hub: FakeHub) -> None:
    sets = {s.name: s for s in client().list_files(SPLIT_REPO).sets}

    split = sets["big-model-Q8_0.gguf"]
    assert split.is_split
    assert split.is_complete
    assert split.expected_parts == 3
    assert [f.path for f in split.files] == [
        f"big-model-Q8_0-{i:05d}-of-00003.gguf" for i in (1, 2, 3)
    ]
    assert split.size == 9000
    assert not sets["big-model-Q2_K.gguf"].is_split


def test_search_finds_gguf_repos_most_downloaded_first(fake_hub: FakeHub) -> None:
    results = client().search("test-org")

    assert [r.repo for r in results] == [GEMMA_REPO, SMOLLM2_REPO, SPLIT_REPO, GATED_REPO]
    assert results[-1].gated is True
    sent = fake_hub.api_requests()[-1].query
    assert sent["filter"] == ["gguf"]
    assert sent["sort"] == ["downloads"]
    assert sent["search"] == ["test-org"]


def test_resolve_pins_the_commit_and_takes_sha256_from_the_tree(fake_hub: FakeHub) -> None:
    remote = client().resolve(SMOLLM2_REPO, SMOLLM2.filename)

    commit = fake_hub.repos[SMOLLM2_REPO].commit
    assert remote.revision == commit
    assert f"/resolve/{commit}/" in remote.url
    assert remote.url.startswith(fake_hub.url)
    assert (remote.size, remote.sha256) == (SMOLLM2.size, SMOLLM2.sha256)


def test_no_token_and_no_telemetry_are_sent(fake_hub: FakeHub) -> None:
    hc = client()
    hc.list_files(SMOLLM2_REPO)
    hc.search("smol")
    hc.resolve(SMOLLM2_REPO, SMOLLM2.filename)

    assert fake_hub.requests
    assert all("authorization" not in r.headers for r in fake_hub.requests)
    # Only the requests the user asked for, all to the configured endpoint.
    assert {r.path.split("/")[1] for r in fake_hub.requests} <= {"api", "test-org"}


class _MemoryKeyring:
    """An in-memory keyring backend, so no test touches the developer's real keyring."""

    priority = 1

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, user: str) -> str | None:
        return self.store.get((service, user))

    def set_password(self, service: str, user: str, password: str) -> None:
        self.store[(service, user)] = password

    def delete_password(self, service: str, user: str) -> None:
        self.store.pop((service, user), None)


def test_a_stored_token_opens_a_gated_repo_and_stays_out_of_settings(
    fake_hub: FakeHub, app_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    backend = type("MemoryKeyring", (_MemoryKeyring, KeyringBackend), {})()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        with pytest.raises(HubError) as refused:
            hub.HubClient(memory=ROOMY).resolve(GATED_REPO, "gated-Q4_K_M.gguf")
        assert refused.value.code == "gated"
        assert "token" in str(refused.value)

        hub.set_token("hf_secret_value")
        remote = hub.HubClient(memory=ROOMY).resolve(GATED_REPO, "gated-Q4_K_M.gguf")
        assert remote.size == 104
        assert fake_hub.requests[-1].headers["authorization"] == "Bearer hf_secret_value"
        assert not any("hf_secret_value" in p.read_text() for p in app_home.rglob("*.json"))

        hub.set_token(None)
        assert hub.get_token() is None
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize(
    ("repo", "filename", "code", "words"),
    [
        pytest.param("test-org/no-such-repo", None, "repo_not_found", "no public", id="repo"),
        pytest.param(SMOLLM2_REPO, "missing.gguf", "file_not_found", "does not exist", id="file"),
        pytest.param(GATED_REPO, "gated-Q4_K_M.gguf", "gated", "token", id="gated"),
    ],
)
def test_hub_errors_are_one_or_two_sentences_with_a_code(
    fake_hub: FakeHub, repo: str, filename: str | None, code: str, words: str
) -> None:
    def ask() -> object:
        return client().list_files(repo) if filename is None else client().resolve(repo, filename)

    with pytest.raises(HubError) as caught:
        ask()
    message = str(caught.value)
    assert caught.value.code == code
    assert words in message
    assert repo in message
    assert 1 <= message.count(". ") + 1 <= 3
    assert "Traceback" not in message
    assert "http" not in message.lower()


def test_server_errors_are_retried_then_reported(
    fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub.utils import _http

    waits: list[float] = []
    monkeypatch.setattr(_http, "time", type("T", (), {"sleep": staticmethod(waits.append)}))

    fake_hub.fail("/tree/main", 503, times=1)
    assert client().list_files(GEMMA_REPO).sets  # one 503, then an answer

    fake_hub.fail("/tree/main", 500, times=20)
    with pytest.raises(HubError) as caught:
        client().list_files(GEMMA_REPO)
    assert caught.value.code == "server_error"
    assert "HTTP 500" in str(caught.value)
    assert "Try again" in str(caught.value)
    assert len(waits) >= 5  # huggingface_hub backed off before giving up


def test_offline_is_reported_at_once_with_the_offline_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")

    started = time.monotonic()
    for call in (
        lambda: client().list_files(SMOLLM2_REPO),
        lambda: client().search("smol"),
        lambda: client().resolve(SMOLLM2_REPO, SMOLLM2.filename),
    ):
        with pytest.raises(HubError) as caught:
            call()
        assert caught.value.code == "offline"
        assert "offline" in str(caught.value)
        assert "Installed models still work" in str(caught.value)
    assert time.monotonic() - started < 10


def test_fit_labels_projectors_and_quant_names() -> None:
    files = [
        hub.HubFile("o/r", "m-Q8_0.gguf", 2_000_000_000, "a" * 64),
        hub.HubFile("o/r", "m-Q4_K_M.gguf", 1_000_000_000, "b" * 64),
        hub.HubFile("o/r", "mmproj-m-f16.gguf", 800_000_000, "c" * 64),
    ]
    small = Memory(total=4_000_000_000, available=2_500_000_000)
    sets = hub.group_gguf_files(files, kv_bytes_per_token=30_000, memory=small)

    fits = {s.name: s.fit for s in sets}
    assert fits["m-Q4_K_M.gguf"] is Fit.RUNS_WELL
    assert fits["m-Q8_0.gguf"] is Fit.TIGHT
    assert [s.is_projector for s in sets] == [False, False, True]
    assert hub.quant_of("Qwen3-4B-Q4_K_M.gguf") == "Q4_K_M"
    assert hub.quant_of("model-IQ4_XS.gguf") == "IQ4_XS"
    assert hub.quant_of("gemma-3-270m-q4_k_m.gguf") == "Q4_K_M"
    assert hub.quant_of("README.gguf") is None
