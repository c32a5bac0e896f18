"""Where the Hub token may go: huggingface.co or an https mirror, never plain http elsewhere.

The real huggingface_hub client talks to the fake Hub (tests/fakehub.py), which
records the Authorization header of every request it receives.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_slm.models import hub
from desktop_slm.models.errors import HubError
from desktop_slm.models.fit import Memory
from tests.fakehub import GATED_REPO, FakeHub

ROOMY = Memory(total=16_000_000_000, available=12_000_000_000)
TOKEN = "hf_secret_value"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://huggingface.co", True),
        ("https://hf-mirror.example.org/hub", True),
        ("http://127.0.0.1:8080", True),
        ("http://127.0.1.1", True),
        ("http://localhost:9000", True),
        ("http://[::1]:9000", True),
        ("http://huggingface.co", False),
        ("http://hf-mirror.example.org", False),
        ("http://192.0.2.2:8080", False),
        ("http://127.0.0.1.example.org", False),
        ("http://localhost@evil.example.org", False),
        ("ftp://huggingface.co", False),
        ("huggingface.co", False),
    ],
)
def test_the_token_may_go_over_https_or_to_this_computer_only(url: str, allowed: bool) -> None:
    assert hub.token_allowed(url) is allowed


@pytest.fixture
def no_stored_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """HF_TOKEN is the user's token; the OS keyring (empty, in memory) is not consulted."""
    import keyring
    from keyring.backend import KeyringBackend

    class EmptyKeyring:
        priority = 1

        def get_password(self, service: str, username: str) -> str | None:
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise AssertionError("no test stores a password")

        def delete_password(self, service: str, username: str) -> None:
            pass

    previous = keyring.get_keyring()
    keyring.set_keyring(type("EmptyKeyring", (EmptyKeyring, KeyringBackend), {})())
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    yield
    keyring.set_keyring(previous)


def test_the_token_is_sent_to_a_hub_on_this_computer(
    no_stored_token: None,
    monkeypatch: pytest.MonkeyPatch,
    smollm2_path: Path,
    gemma_base_path: Path,
) -> None:
    with FakeHub.standard(smollm2_path, gemma_base_path) as fake:
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        remote = hub.HubClient(memory=ROOMY).resolve(GATED_REPO, "gated-Q4_K_M.gguf")

        assert remote.size == 104
        assert fake.requests
        assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in fake.requests)
        assert hub.request_headers(TOKEN, remote.url)["authorization"] == f"Bearer {TOKEN}"


def _this_computers_network_address() -> str | None:
    """An address of this computer that is not loopback (no packet is sent to find it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_a_plain_http_mirror_elsewhere_never_gets_the_token_and_the_user_is_told_why(
    no_stored_token: None,
    monkeypatch: pytest.MonkeyPatch,
    smollm2_path: Path,
    gemma_base_path: Path,
) -> None:
    address = _this_computers_network_address()
    if address is None:
        pytest.skip("this computer has no network address other than loopback")
    with FakeHub.standard(smollm2_path, gemma_base_path, host=address) as fake:
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        assert fake.url.startswith(f"http://{address}:")

        client = hub.HubClient(memory=ROOMY)
        assert client.token is None
        client.search("smol")
        with pytest.raises(HubError) as refused:
            client.resolve(GATED_REPO, "gated-Q4_K_M.gguf")

        assert fake.requests
        assert all("authorization" not in r.headers for r in fake.requests)
        assert "authorization" not in hub.request_headers(TOKEN)
        assert refused.value.code == "token_withheld"
        assert str(refused.value) == (
            f"Your Hub token was not sent to {address}:{fake.url.rsplit(':', 1)[1]} because "
            "HF_ENDPOINT uses plain http, which would expose it on the network; set an https "
            "address to use the token."
        )
