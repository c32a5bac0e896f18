"""Shared fixtures: every test gets its own app folders; real models come from PyPI wheels."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports Qt: no test needs (or may use) a real display.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

from desktop_slm.engine.client import EngineClient
from desktop_slm.models.discover import HOME_ENV as DISCOVER_HOME_ENV
from tests.support.test_models import GEMMA3_BASE, SMOLLM2, ensure_model


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Config, data, cache and logs of the app under test live in a temporary folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("DESKTOP_SLM_HOME", str(home))
    # The search for other apps' models (the welcome page starts one) looks here, not in ~.
    monkeypatch.setenv(DISCOVER_HOME_ENV, str(tmp_path / "user"))
    return home


def account_named(monkeypatch: pytest.MonkeyPatch, gecos: str) -> None:
    """This account's real passwd entry, with ``gecos`` as its GECOS field (POSIX)."""
    import pwd

    lookup = pwd.getpwuid
    real = lookup(os.getuid())
    fields = list(real)
    fields[4] = gecos  # pw_gecos

    def getpwuid(uid: int) -> pwd.struct_passwd:
        return pwd.struct_passwd(fields) if uid == real.pw_uid else lookup(uid)

    monkeypatch.setattr(pwd, "getpwuid", getpwuid)


@pytest.fixture(autouse=True)
def account_without_full_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test in this process signs emails with the developer's own name from the OS."""
    if os.name == "posix":
        account_named(monkeypatch, "")


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    return ensure_model(SMOLLM2)


@pytest.fixture(scope="session")
def gemma_base_path() -> Path:
    return ensure_model(GEMMA3_BASE)


@pytest.fixture
def engine() -> Iterator[EngineClient]:
    client = EngineClient()
    try:
        yield client
    finally:
        client.close()
