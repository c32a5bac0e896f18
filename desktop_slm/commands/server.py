"""``--server URL``: the `run` commands on a team's OpenAI-compatible server instead of
this computer's engine (``engine/remote.py``)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_slm.commands.common import note
from desktop_slm.engine.remote import SERVER_ENV

if TYPE_CHECKING:
    from desktop_slm.engine.client import ActiveModel, EngineClient
    from desktop_slm.engine.remote import ServerEngine


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server",
        metavar="URL",
        default=None,
        help="use the model on this OpenAI-compatible server (llama-server, vLLM, Ollama) "
        f"instead of this computer; default: ${SERVER_ENV}. --model then names the server's "
        "model, --context its context size; the key comes from $DESKTOP_SLM_SERVER_KEY or "
        "the keyring. The text is sent to that server",
    )


def chosen_server(args: argparse.Namespace) -> str | None:
    """The server named by ``--server`` or ``DESKTOP_SLM_SERVER``; None: this computer."""
    url = getattr(args, "server", None) or os.environ.get(SERVER_ENV, "")
    return url.strip() or None


def open_engine(server: str | None, *, batch: bool = False) -> EngineClient | ServerEngine:
    """The engine a run uses: this computer's worker, or ``server``'s.

    ``batch``: a busy server (429/503) is waited for as long as it asks, so a long batch
    goes on instead of failing.
    """
    if server is None:
        from desktop_slm.engine.client import EngineClient

        return EngineClient()
    from desktop_slm.engine.remote import ServerEngine

    return ServerEngine(server, wait_when_busy=batch, on_notice=note)


def activate(
    engine: EngineClient | ServerEngine,
    *,
    model_path: Path | None,
    model_id: str | None,
    n_ctx: int | None,
    n_threads: int | None,
) -> ActiveModel:
    """Load the local model, or choose the server's; says which on stderr."""
    from desktop_slm.engine.remote import ServerEngine

    if isinstance(engine, ServerEngine):
        active = engine.connect(model_id, n_ctx=n_ctx)
        note(
            f"model {active.info.display_name()} (context {active.loaded.n_ctx:,} tokens); "
            "the text is sent to this server"
        )
        return active
    assert model_path is not None
    active = engine.load(model_path, n_ctx=n_ctx, n_threads=n_threads)
    base = " (base model: not instruction-tuned)" if active.info.is_base_model else ""
    note(f"model {active.info.display_name()}{base}")
    return active


def describe_engine(server: str | None) -> dict[str, Any]:
    """What ``doctor`` says of the engine: this computer, or the server and its models."""
    if server is None:
        return {"kind": "local", "where": "this computer (llama.cpp in a worker process)"}
    from desktop_slm.engine.remote import ServerEngine, server_key
    from desktop_slm.errors import UserFacingError

    report: dict[str, Any] = {"kind": "server", "url": server}
    try:
        with ServerEngine(server) as engine:
            report["url"] = engine.url
            report["key"] = "set" if server_key(engine.url) else "none"
            report["models"] = [{"id": m.id, "n_ctx": m.n_ctx} for m in engine.models()]
    except UserFacingError as exc:
        report["error"] = str(exc)
    return report


def engine_line(engine: dict[str, Any]) -> str:
    """``doctor``'s line naming the engine in use."""
    if engine["kind"] == "local":
        return f"Engine: {engine['where']}"
    if "error" in engine:
        return f"Engine: the server {engine['url']} ({engine['error']})"
    names = ", ".join(m["id"] for m in engine["models"]) or "none"
    return (
        f"Engine: the server {engine['url']} (API key {engine['key']}); its models: {names}. "
        "Text is sent to this server"
    )


def context_learned(engine: object, planned_n_ctx: int, error: BaseException) -> bool:
    """Whether ``error`` taught the engine that the server's context is smaller than the
    job was planned for (so planning it again splits the text to fit); says so."""
    from desktop_slm.engine.remote import ServerEngine

    if not isinstance(engine, ServerEngine) or getattr(error, "code", "") != "server_context":
        return False
    active = engine.active_model
    if active is None or active.loaded.n_ctx >= planned_n_ctx:
        return False
    note(
        f"the server's context is {active.loaded.n_ctx:,} tokens, not {planned_n_ctx:,}: "
        "planning the job again for it"
    )
    return True
