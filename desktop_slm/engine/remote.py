"""An engine on a team's OpenAI-compatible server (llama-server, vLLM, Ollama, LM Studio).

:class:`ServerEngine` answers what the tools ask of an engine (``tools.prompt.TextEngine``
and what the CLI uses of ``EngineClient``): streamed chat and completion with the same
:class:`TokenEvent` / :class:`Completion` events, cancel, token counts and the model's
limits. It talks to the server with the ``openai`` client library (its HTTP client,
configured here):

* Text goes only to the server the user named: the HTTP client ignores proxy variables
  and ``.netrc`` (``trust_env=False``) and never follows a redirect; every request's
  headers are cut down to what the request needs (:func:`_only_needed_headers`: no
  ``X-Stainless-*`` telemetry of OS, architecture and Python version, no
  ``OpenAI-Organization``/``OpenAI-Project`` from ``OPENAI_*`` variables). The API key
  is sent as ``Authorization: Bearer`` and nowhere else (never logged, never in
  settings.json: it comes from ``DESKTOP_SLM_SERVER_KEY`` or the keyring).
* ``GET /v1/models`` lists the models, and their context size where the server reports
  it (vLLM's ``max_model_len``, llama-server's ``meta``); a context that is not reported
  is taken as :data:`DEFAULT_SERVER_CONTEXT` (``--context`` says otherwise).
* Token counts come from the server's own tokenizer when it has an endpoint for it
  (llama-cpp-python's ``/extras/tokenize/count``, llama-server's and vLLM's ``/tokenize``), else
  from a conservative estimate (:func:`estimate_tokens`, more than any common tokenizer
  makes of the text), so map-reduce chunks never exceed the server's context.
* Cancel ends the request by closing its stream; the server stops generating when the
  connection closes.
* Failures are one sentence (``EngineError``): unreachable, a refused key, a server that
  stopped mid-answer (:class:`ServerLost` carries the text so far), a request larger than
  the server's context, a busy server (429/503; with ``wait_when_busy`` the request is
  sent again after the ``Retry-After`` the server asks for).
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from desktop_slm import keystore
from desktop_slm.engine.gguf_check import ModelInfo
from desktop_slm.engine.protocol import (
    Completion,
    Lane,
    LoadedModel,
    ProgressCallback,
    SamplingOptions,
    Timings,
    TokenEvent,
)
from desktop_slm.errors import EngineError, UserFacingError

if TYPE_CHECKING:
    import openai

    from desktop_slm.engine.client import ActiveModel, Prefilled

log = logging.getLogger(__name__)

SERVER_ENV = "DESKTOP_SLM_SERVER"
"""The server to use instead of this computer (as ``--server``)."""
KEY_ENV = "DESKTOP_SLM_SERVER_KEY"
"""The API key for the server; else the keyring's entry for the server's address."""
KEYRING_USER_PREFIX = "server "
"""The keyring holds a server's key under ``"server " + its address`` (one per server)."""

CONNECT_TIMEOUT_S = 3.0
"""Longest wait for a connection, and for the answers that choose the model (the model
list, the context, the tokenizer probe): a server that is not there, or does not answer,
is reported within seconds (the CLI exits within 10 s)."""
ANSWER_TIMEOUT_S = 120.0
"""Longest wait for a token count of a long text."""
READ_TIMEOUT_S = 900.0
"""Longest wait for the next piece of an answer (a long prompt on a busy server)."""
DEFAULT_SERVER_CONTEXT = 2048
"""The context assumed when the server does not say (llama-cpp-python's and Ollama's
default): small, so requests planned for it fit."""
MAX_BUSY_WAITS = 8
MAX_RETRY_AFTER_S = 300.0
DEFAULT_RETRY_AFTER_S = 2.0

_SENT_HEADERS = frozenset(
    {"host", "accept", "accept-encoding", "content-type", "content-length", "connection"}
)
"""What goes to the server besides the key (:func:`_only_needed_headers`)."""
_NO_KEY = "no-key"
"""The client library insists on a key; without one, no Authorization header is sent."""
_CONTEXT_NUMBER = re.compile(
    r"(?:context (?:window|length|size) (?:of|is)|maximum context length is|n_ctx\W+)\s*(\d+)",
    re.IGNORECASE,
)
_ABOUT_CONTEXT = re.compile(
    r"context (?:window|length|size)|maximum context|exceeds? (?:the )?(?:available )?context"
    r"|n_ctx|too many tokens|prompt is too long",
    re.IGNORECASE,
)


def estimate_tokens(text: str) -> int:
    """A count of ``text``'s tokens that is higher than a real tokenizer's, for a server
    that has no tokenize endpoint.

    Every ASCII letter counts 0.8 (a rare word can take a token per letter or two), every
    other visible ASCII character 1 (digits and symbols are often a token each), four
    spaces 1, and any other character 3 (a byte-level tokenizer needs at most a token per
    UTF-8 byte). Ordinary English prose comes out about twice its real count: chunks are
    smaller than they could be, never too large.
    """
    if not text:
        return 0
    letters = others = spaces = 0
    for char in text:
        if char == " ":
            spaces += 1
        elif not char.isascii():
            others += 3
        elif char.isalpha():
            letters += 1
        else:
            others += 1
    return math.ceil(letters * 0.8) + others + math.ceil(spaces / 4) + 1


def normalize_url(url: str) -> str:
    """The server's root address: ``http://host:8080/v1/`` and ``host:8080`` give
    ``http://host:8080``. Raises UserFacingError for something that is not one."""
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserFacingError(
            f"{url!r} is not a server address; give one like http://server:8080.",
            code="bad_server_url",
        )
    path = parts.path.rstrip("/")
    path = path.removesuffix("/v1")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def server_key(url: str) -> str | None:
    """The API key for ``url``: ``DESKTOP_SLM_SERVER_KEY``, else the keyring's, else None."""
    key = os.environ.get(KEY_ENV, "").strip()
    if key:
        return key
    return keystore.read_secret(KEYRING_USER_PREFIX + normalize_url(url))


def set_server_key(url: str, key: str | None) -> None:
    """Keep (or with None, forget) the API key of ``url`` in the keyring, never in settings."""
    try:
        keystore.write_secret(KEYRING_USER_PREFIX + normalize_url(url), key)
    except keystore.KeyringUnavailable as exc:
        if exc.reason is None:
            raise UserFacingError(
                f"No secure password store is available; set {KEY_ENV} instead.",
                code="no_keyring",
            ) from None
        raise UserFacingError(
            f"The system keyring refused to keep the key ({exc.reason}); set {KEY_ENV} instead.",
            code="no_keyring",
        ) from None


@dataclass(frozen=True)
class ServerModel:
    """One model a server offers."""

    id: str
    n_ctx: int | None
    """Its context in tokens, where the server reports it."""


@dataclass(frozen=True)
class ServerModelInfo(ModelInfo):
    """A server's model, in the shape the tools read of a model file."""

    server: str = ""

    def short_name(self) -> str:
        return self.name

    def display_name(self) -> str:
        return f"{self.name} on {self.server}"


class ServerLost(EngineError):
    """The server stopped answering mid-answer; ``partial_text`` is what came before."""

    def __init__(self, message: str, partial_text: str) -> None:
        super().__init__(message, code="server_lost")
        self.partial_text = partial_text


class ServerBusy(EngineError):
    """The server asked to come back later (429 or 503)."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message, code="server_busy")
        self.retry_after_s = retry_after_s


Notice = Callable[[str], None]


class ServerEngine:
    """The tools' engine on an OpenAI-compatible server. One request at a time;
    :meth:`cancel` may be called from any thread."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        n_ctx: int | None = None,
        wait_when_busy: bool = False,
        on_notice: Notice | None = None,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
    ) -> None:
        self.url = normalize_url(url)
        self._key = api_key if api_key is not None else server_key(self.url)
        self._n_ctx_override = n_ctx
        self.wait_when_busy = wait_when_busy
        """Wait as long as a busy server asks (429/503 with Retry-After) and send the
        request again, as batch jobs want; else a busy server is an error at once."""
        self._on_notice = on_notice
        self._connect_timeout_s = connect_timeout_s
        self._openai: openai.OpenAI | None = None
        self._active: ActiveModel | None = None
        self._counter: Callable[[str], int] | None = None
        self._lock = threading.RLock()
        self._next_id = 0
        self._cancel: threading.Event | None = None

    # ------------------------------------------------------------- connection
    def _client(self) -> openai.OpenAI:
        if self._openai is None:
            import openai

            key = self._key

            def only_needed_headers(request: Any) -> None:
                _only_needed_headers(request.headers, key)

            http = openai.DefaultHttpxClient(
                timeout=openai.Timeout(
                    READ_TIMEOUT_S, connect=self._connect_timeout_s, pool=self._connect_timeout_s
                ),
                trust_env=False,  # no proxy variables, no .netrc: only the named server
                follow_redirects=False,
                event_hooks={"request": [only_needed_headers]},
            )
            self._openai = openai.OpenAI(
                base_url=self.url + "/v1",
                api_key=self._key or _NO_KEY,
                http_client=http,
                max_retries=0,
            )
        return self._openai

    @property
    def active_model(self) -> ActiveModel | None:
        return self._active

    @property
    def pid(self) -> int | None:
        return None  # no process of ours

    def models(self) -> list[ServerModel]:
        """The server's models (``GET /v1/models``). Raises EngineError in one sentence."""
        body = self._call("get", "/v1/models", timeout_s=self._connect_timeout_s)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise EngineError(
                f"{self.url} answered /v1/models with something that is not an "
                "OpenAI-compatible model list; check the address.",
                code="not_openai_server",
            ) from None
        return [
            ServerModel(str(item.get("id")), _reported_context(item))
            for item in data
            if isinstance(item, dict) and item.get("id")
        ]

    def connect(self, model: str | None = None, *, n_ctx: int | None = None) -> ActiveModel:
        """Choose ``model`` (the server's only one when None) and learn its limits.

        ``n_ctx`` is the server's context when the user knows it better than the server
        says (``--context``).
        """
        from desktop_slm.engine.client import ActiveModel

        with self._lock:
            offered = self.models()
            if not offered:
                raise EngineError(f"The server at {self.url} offers no model.", code="no_model")
            names = ", ".join(m.id for m in offered[:10])
            if model is None:
                if len(offered) > 1:
                    raise EngineError(
                        f"The server at {self.url} offers {len(offered)} models ({names}); "
                        "choose one with --model.",
                        code="choose_model",
                    )
                chosen = offered[0]
            else:
                found = next((m for m in offered if m.id == model), None)
                if found is None:
                    raise EngineError(
                        f"The server at {self.url} has no model {model!r}; it offers {names}.",
                        code="no_model",
                    )
                chosen = found
            n_ctx = n_ctx or self._n_ctx_override or chosen.n_ctx or self._props_context()
            n_ctx = n_ctx or DEFAULT_SERVER_CONTEXT
            self._counter = self._find_tokenizer(chosen.id)
            info = ServerModelInfo(
                path=f"{self.url}#{chosen.id}",
                file_size=0,
                architecture="server",
                name=chosen.id,
                context_length=n_ctx,
                n_layer=0,
                n_embd=0,
                n_head=0,
                n_head_kv=0,
                head_dim_k=0,
                head_dim_v=0,
                parameter_count=0,
                quantization="",
                chat_template=None,
                is_base_model=False,  # the server applies the model's chat template
                server=self.url,
            )
            loaded = LoadedModel(
                path=info.path, n_ctx=n_ctx, n_ctx_train=n_ctx, n_threads=0, load_s=0.0
            )
            self._active = ActiveModel(info=info, loaded=loaded)
            log.info("using %s on %s (context %d)", chosen.id, self.url, n_ctx)
            return self._active

    def _props_context(self) -> int | None:
        """llama-server's ``/props`` names the context each request gets."""
        try:
            body = self._call("get", "/props", timeout_s=self._connect_timeout_s)
        except EngineError:
            return None  # not llama-server
        if not isinstance(body, dict):
            return None
        settings = body.get("default_generation_settings")
        value = settings.get("n_ctx") if isinstance(settings, dict) else body.get("n_ctx")
        return value if isinstance(value, int) and value > 0 else None

    def _find_tokenizer(self, model: str) -> Callable[[str], int]:
        """The server's own token count if it has an endpoint for it, else the estimate."""
        probes: list[tuple[str, Callable[[str], dict[str, Any]], Callable[[Any], int]]] = [
            (
                "/extras/tokenize/count",  # llama-cpp-python
                lambda text: {"input": text, "model": model},
                lambda body: int(body["count"]),
            ),
            (
                "/tokenize",  # llama-server reads "content", vLLM "prompt" (and counts)
                lambda text: {
                    "content": text,
                    "prompt": text,
                    "model": model,
                    "add_special": False,
                    "add_special_tokens": False,
                },
                lambda body: int(body["count"]) if "count" in body else len(body["tokens"]),
            ),
        ]
        for path, payload, read in probes:
            try:
                probe = self._call(
                    "post", path, payload("Hello"), timeout_s=self._connect_timeout_s
                )
                if read(probe) > 0:
                    log.info("token counts from %s%s", self.url, path)
                    return self._tokenizer(path, payload, read)
            except (EngineError, LookupError, TypeError, ValueError):
                continue  # an endpoint this server does not have, in whatever form
        log.info("%s has no tokenize endpoint: token counts are estimated", self.url)
        return estimate_tokens

    def _tokenizer(
        self,
        path: str,
        payload: Callable[[str], dict[str, Any]],
        read: Callable[[Any], int],
    ) -> Callable[[str], int]:

        def count(text: str) -> int:
            if not text:
                return 0
            try:
                return read(self._call("post", path, payload(text)))
            except (LookupError, TypeError, ValueError):
                return estimate_tokens(text)  # an answer not of the shape it had before

        return count

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        timeout_s: float = ANSWER_TIMEOUT_S,
    ) -> object:
        """The JSON the server answers ``method path`` within ``timeout_s``; failures in
        one sentence."""
        import openai

        client = self._client()
        options: Any = {"timeout": timeout_s}
        try:
            if method == "get":
                return client.get(self.url + path, cast_to=object, options=options)
            return client.post(self.url + path, cast_to=object, body=body, options=options)
        except openai.APIStatusError as exc:
            raise self._refused(exc.status_code, exc.response.text, exc.response.headers) from None
        except openai.APIError as exc:  # no connection, a timeout, an answer that is not JSON
            raise self._unreachable(exc) from None

    # ------------------------------------------------------------- errors
    def _unreachable(self, exc: BaseException) -> EngineError:
        log.info("server %s unreachable: %r (%r)", self.url, exc, exc.__cause__)
        import openai

        if isinstance(exc, openai.APITimeoutError):
            why = "it did not answer in time"
        else:
            why = "the connection failed"
        return EngineError(
            f"Cannot reach the server at {self.url}: {why}. Check the address and that the "
            "server is running.",
            code="server_unreachable",
        )

    def _refused(self, status: int, body: str, headers: Any) -> EngineError:
        log.info("server %s answered %d: %s", self.url, status, body[:500])
        if status in (401, 403):
            return EngineError(
                f"Could not use the server at {self.url}: the server refused the API key. "
                f"Set the right key in {KEY_ENV} or in the keyring.",
                code="server_key",
            )
        if status in (429, 503):
            wait = retry_after(headers.get("retry-after") if headers is not None else None)
            return ServerBusy(
                f"The server at {self.url} is busy ({status}); it asks to try again in {wait:g} s.",
                wait,
            )
        if _about_context(body):
            match = _CONTEXT_NUMBER.search(body)
            if match is None:
                return EngineError(
                    "The request is larger than the server's context; shorten the text, or "
                    "tell the app the server's context (--context N) so texts are split to fit.",
                    code="server_context",
                )
            size = int(match.group(1))
            self._learn_context(size)
            return EngineError(
                f"The request is larger than the server's context of {size:,} tokens; "
                f"shorten the text, or tell the app that context (--context {size}) so "
                "texts are split to fit.",
                code="server_context",
            )
        if status == 404:
            return EngineError(
                f"The server at {self.url} has no OpenAI-compatible API at this address "
                f"({status}); check the address.",
                code="not_openai_server",
            )
        detail = _error_detail(body)
        return EngineError(
            f"The server at {self.url} refused the request ({status}{': ' if detail else ''}"
            f"{detail}).",
            code="server_error",
        )

    def _learn_context(self, n_ctx: int) -> None:
        """The server said its context is ``n_ctx``: later plans use it."""
        from desktop_slm.engine.client import ActiveModel

        active = self._active
        if active is None or not 0 < n_ctx < active.loaded.n_ctx:
            return
        log.info("the server's context is %d tokens, not %d", n_ctx, active.loaded.n_ctx)
        self._active = ActiveModel(
            info=replace(active.info, context_length=n_ctx),
            loaded=replace(active.loaded, n_ctx=n_ctx, n_ctx_train=n_ctx),
        )

    # ------------------------------------------------------------- requests
    def chat(
        self,
        messages: list[dict[str, str]],
        options: SamplingOptions | None = None,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> Iterator[TokenEvent | Completion]:
        """Stream an answer to chat ``messages`` (``/v1/chat/completions``).

        ``on_progress`` is never called: the OpenAI API says nothing while the server
        reads the prompt (the estimate then comes from measured speeds alone).
        """
        return self._generate("chat", messages, options or SamplingOptions())

    def complete(
        self,
        prompt: str,
        options: SamplingOptions | None = None,
        *,
        on_progress: ProgressCallback | None = None,
        lane: Lane = "main",
    ) -> Iterator[TokenEvent | Completion]:
        """Stream a plain continuation of ``prompt`` (``/v1/completions``); as :meth:`chat`.

        ``lane`` is the local worker's: a server keeps its own prompt cache.
        """
        return self._generate("complete", prompt, options or SamplingOptions())

    def _request_body(self, options: SamplingOptions) -> dict[str, Any]:
        extra: dict[str, Any] = {
            "top_k": options.top_k,
            "min_p": options.min_p,
            "repeat_penalty": options.repeat_penalty,
        }
        # A grammar for the whole answer goes to servers of the llama.cpp family; one
        # that holds only for the answer's head (an email's subject) cannot be lifted
        # mid-answer on a server, so the app's own checks of the head apply instead.
        if options.grammar and not options.grammar_until:
            extra["grammar"] = options.grammar
        body: dict[str, Any] = {
            "max_tokens": options.max_tokens,
            "temperature": options.temperature,
            "top_p": options.top_p,
            "stream": True,
            "stream_options": {"include_usage": True},  # token counts, where the server has them
            "extra_body": extra,
        }
        if options.seed is not None:
            body["seed"] = options.seed
        if options.stop:
            body["stop"] = list(options.stop)[:4]  # the OpenAI API takes at most four
        return body

    def _open(self, op: str, payload: Any, options: SamplingOptions) -> Any:
        import openai

        client = self._client()
        assert self._active is not None
        model = self._active.info.name
        body = self._request_body(options)
        waits = 0
        while True:
            try:
                if op == "chat":
                    return client.chat.completions.create(model=model, messages=payload, **body)
                return client.completions.create(model=model, prompt=payload, **body)
            except openai.APIStatusError as exc:
                error = self._refused(exc.status_code, exc.response.text, exc.response.headers)
            except openai.APITimeoutError as exc:
                raise self._unreachable(exc) from None
            except openai.APIConnectionError:
                # Reachable a moment ago: a server may reset the connection instead of
                # answering an error (llama-cpp-python, for a prompt past its context).
                raise self._why_cut(op, payload, options, "") from None
            if not (isinstance(error, ServerBusy) and self.wait_when_busy):
                raise error
            waits += 1
            if waits > MAX_BUSY_WAITS:
                raise error
            self._notice(
                f"the server is busy; waiting {error.retry_after_s:g} s as it asks "
                f"(try {waits} of {MAX_BUSY_WAITS})"
            )
            cancel = self._cancel
            if cancel is not None and cancel.wait(error.retry_after_s):
                return None

    def _notice(self, message: str) -> None:
        log.info("%s", message)
        if self._on_notice is not None:
            self._on_notice(message)

    def _generate(
        self, op: str, payload: Any, options: SamplingOptions
    ) -> Iterator[TokenEvent | Completion]:
        with self._lock:
            if self._active is None:
                raise EngineError("No server model is chosen; connect first.", code="no_model")
            self._next_id += 1
            request_id = self._next_id
            cancel = threading.Event()
            self._cancel = cancel
            started = time.monotonic()
            first: float | None = None
            parts: list[str] = []
            finish: str | None = None
            usage: Any = None
            server_timings: dict[str, Any] = {}
            stream = None
            try:
                stream = self._open(op, payload, options)
                chunks = iter(stream) if stream is not None else iter(())
                while not cancel.is_set():
                    chunk = self._next_chunk(chunks, cancel, "".join(parts))
                    if chunk is None:
                        break
                    usage = getattr(chunk, "usage", None) or usage
                    extra = getattr(chunk, "timings", None)  # llama-server's own figures
                    if isinstance(extra, dict):
                        server_timings = extra
                    for choice in chunk.choices or ():
                        if choice.finish_reason:
                            finish = str(choice.finish_reason)
                        text = _choice_text(choice)
                        if text:
                            first = first or time.monotonic()
                            parts.append(text)
                            yield TokenEvent(request_id, text, 1)
            finally:
                self._cancel = None
                if stream is not None:
                    with contextlib.suppress(Exception):
                        stream.close()  # closing the connection stops the server's work
            if finish is None and not cancel.is_set():
                # The stream ended without saying why: the server failed after its "200 OK"
                # (llama-cpp-python refuses a prompt larger than its context that way).
                raise self._why_cut(op, payload, options, "".join(parts))
            yield self._completion(
                request_id,
                "".join(parts),
                "cancelled" if cancel.is_set() else finish or "stop",
                usage,
                server_timings,
                started=started,
                first=first,
                chunks=len(parts),
            )

    def _lost(self, so_far: str) -> ServerLost:
        return ServerLost(
            f"The server at {self.url} stopped answering in the middle of the answer; "
            "the text so far is kept.",
            so_far,
        )

    def _why_cut(self, op: str, payload: Any, options: SamplingOptions, so_far: str) -> EngineError:
        """Why a stream ended without an end: the same request unstreamed, for one token,
        gets the server's own error (a context too small) if it has one."""
        import openai

        lost = self._lost(so_far)
        if so_far:
            return lost
        client = self._client()
        assert self._active is not None
        model = self._active.info.name
        body = {**self._request_body(options), "stream": False, "max_tokens": 1}
        body.pop("stream_options", None)
        for attempt in range(2):
            try:
                if op == "chat":
                    client.chat.completions.create(model=model, messages=payload, **body)
                else:
                    client.completions.create(model=model, prompt=payload, **body)
            except openai.APIStatusError as exc:
                return self._refused(exc.status_code, exc.response.text, exc.response.headers)
            except openai.APIConnectionError as exc:
                # A kept-alive connection the server dropped with the failed stream: once
                # more on a fresh one.
                if attempt or isinstance(exc, openai.APITimeoutError):
                    return self._unreachable(exc)
                continue
            break
        return lost

    def _next_chunk(self, chunks: Iterator[Any], cancel: threading.Event, so_far: str) -> Any:
        """The stream's next chunk; None at its end or once cancelled."""
        import openai

        try:
            return next(chunks)
        except StopIteration:
            return None
        except openai.APIStatusError as exc:
            raise self._refused(exc.status_code, exc.response.text, exc.response.headers) from None
        except Exception as exc:  # whatever the transport raises when the connection breaks
            if cancel.is_set():
                return None  # the stream was closed by a stop, not by a failure
            log.info("server %s stopped mid-answer: %r", self.url, exc)
            raise self._lost(so_far) from None

    @staticmethod
    def _completion(
        request_id: int,
        text: str,
        finish: str,
        usage: Any,
        server_timings: dict[str, Any],
        *,
        started: float,
        first: float | None,
        chunks: int,
    ) -> Completion:
        ended = time.monotonic()
        if finish not in ("stop", "length", "cancelled"):
            finish = "stop"  # "eos", "tool_calls", "content_filter": the answer ended
        completion_tokens = _usage(usage, "completion_tokens") or chunks
        generation_s = ended - (first or ended)
        ttft = (first or ended) - started
        return Completion(
            request_id=request_id,
            text=text,
            finish_reason=finish,
            prompt_tokens=_usage(usage, "prompt_tokens"),
            completion_tokens=completion_tokens,
            timings=Timings(
                ttft_s=ttft,
                prompt_s=float(server_timings.get("prompt_ms", 0.0)) / 1000.0 or ttft,
                generation_s=generation_s,
                total_s=ended - started,
                tokens_per_s=completion_tokens / generation_s if generation_s > 0 else 0.0,
                prompt_tokens_per_s=float(server_timings.get("prompt_per_second", 0.0)),
            ),
            cancelled_during=(
                ("generation" if text else "prompt") if finish == "cancelled" else None
            ),
            cached_prompt_tokens=int(server_timings.get("cache_n", 0) or 0),
        )

    def cancel(self) -> None:
        """Stop the running request: its stream is closed. Thread-safe."""
        cancel = self._cancel
        if cancel is None:
            return
        cancel.set()

    def prefill(
        self,
        *,
        messages: list[dict[str, str]] | None = None,
        prompt: str | None = None,
        stop: threading.Event | None = None,
        lane: Lane = "main",
    ) -> Prefilled:
        """Nothing to evaluate ahead here: a server keeps its own prompt cache (for
        every ``lane``)."""
        from desktop_slm.engine.client import Prefilled

        if (messages is None) == (prompt is None):
            raise ValueError("give messages or prompt, not both")
        return Prefilled(
            prompt_tokens=0,
            evaluated_tokens=0,
            cached_prompt_tokens=0,
            cancelled=stop is not None and stop.is_set(),
        )

    def count_tokens(self, text: str) -> int:
        if self._counter is None:
            raise EngineError("No server model is chosen; connect first.", code="no_model")
        return self._counter(text)

    def close(self) -> None:
        self.cancel()
        client, self._openai = self._openai, None
        if client is not None:
            client.close()

    def __enter__(self) -> ServerEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _only_needed_headers(headers: Any, key: str | None) -> None:
    """Cut a request's headers down to the transport's own and the key (if any)."""
    for name in list(headers.keys()):
        if name.lower() not in _SENT_HEADERS:
            del headers[name]
    if key:
        headers["Authorization"] = f"Bearer {key}"


def retry_after(value: str | None) -> float:
    """Seconds a ``Retry-After`` header asks to wait (seconds or an HTTP date), bounded."""
    if not value:
        return DEFAULT_RETRY_AFTER_S
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER_S
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):
        return DEFAULT_RETRY_AFTER_S
    return min(MAX_RETRY_AFTER_S, max(0.0, seconds))


def _reported_context(item: dict[str, Any]) -> int | None:
    for value in (
        item.get("max_model_len"),  # vLLM
        item.get("context_length"),  # LM Studio, OpenRouter-style
        (item.get("meta") or {}).get("n_ctx") if isinstance(item.get("meta"), dict) else None,
    ):
        if isinstance(value, int) and value > 0:
            return value
    return None


def _choice_text(choice: Any) -> str:
    delta = getattr(choice, "delta", None)
    if delta is not None:
        return str(getattr(delta, "content", None) or "")
    return str(getattr(choice, "text", None) or "")


def _usage(usage: Any, name: str) -> int:
    value = getattr(usage, name, None) if usage is not None else None
    return int(value) if isinstance(value, int) else 0


def _about_context(body: str) -> bool:
    return _ABOUT_CONTEXT.search(body) is not None


def _error_detail(body: str) -> str:
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return " ".join(body.split())[:160]
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else error or data.get("detail")
    return " ".join(str(message or "").split())[:160]
