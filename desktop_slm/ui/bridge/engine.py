"""The engine adapted to Qt signals: this computer's worker process or a team server;
loading models, connecting, streaming answers."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, SignalInstance

from desktop_slm.engine.client import ActiveModel, EngineClient
from desktop_slm.errors import ModelFileError, UserFacingError
from desktop_slm.tools import predict
from desktop_slm.tools.prompt import ToolPrompt, prefill
from desktop_slm.ui.bridge.background import Background

if TYPE_CHECKING:
    from desktop_slm.engine.remote import ServerEngine, ServerModel

log = logging.getLogger(__name__)

PREFILL_YIELD_S = 2.0
"""How long a request waits for a cancelled prefill or suggestion to let go of the engine."""

GIVE_WAY = ("prefill", "suggestion")
"""Holders of the engine that let go of it as soon as a request wants it."""


class EngineBridge(QObject):
    """Runs engine work on background threads and reports back through signals.

    Signals carry plain data only. The writing tools' jobs (``bridge.jobs``) report each
    answered request as ``generationFinished``, the speed as ``throughput`` and how far the
    running job is as ``jobProgress``.
    ``busyChanged(False)`` follows once the engine takes the next
    request, so controls that depend on :meth:`is_busy` must refresh on it. Nothing is
    emitted from background work once :meth:`shutdown` has begun.
    """

    stateChanged = Signal(str)  # "idle", "starting", "loading", "generating"
    modelLoading = Signal(str)  # path
    modelLoaded = Signal(object)  # ActiveModel
    modelFailed = Signal(str)  # message for people
    throughput = Signal(float)  # tokens/s while streaming
    jobProgress = Signal(str)  # "Reading your text… 45% · about 20 s left" ("": none now)
    generationFinished = Signal(object)  # Completion
    busyChanged = Signal(bool)  # False once a finished request has let go of the engine
    prefilled = Signal(object)  # Prefilled: a request was evaluated ahead of time
    # ticket of suggest(), the continuation ("" for none), final (False: still being written)
    suggested = Signal(int, str, bool)

    def __init__(self, client: EngineClient | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client or EngineClient(on_state=self._on_client_state)
        self._server: ServerEngine | None = None
        """The team server while it is the engine (:meth:`connect_server`), else None."""
        self.ask_before_sending: Callable[[str], bool] | None = None
        """Asked with the server's address before a request sends text to a server
        (:meth:`may_send`); the window asks the user the first time."""
        # Who holds the engine: None, "request" (one at a time), or one that gives way to
        # a request: "prefill" or "suggestion" (a suggestion also pushes a prefill aside).
        self._holder: str | None = None
        self._holder_changed = threading.Condition()
        self._stops = {holder: threading.Event() for holder in GIVE_WAY}
        self._request_waiting = False  # a request waits for a give-way holder to let go
        self._tickets = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._background = Background(self)
        self._model: ActiveModel | None = None

    @property
    def client(self) -> EngineClient:
        """This computer's engine (its worker), also while a server is the engine."""
        return self._client

    @property
    def server(self) -> ServerEngine | None:
        """The team server while it is the engine."""
        return self._server

    @property
    def engine(self) -> EngineClient | ServerEngine:
        """Where requests go: the server while one is the engine, else this computer's."""
        return self._server or self._client

    @property
    def active_model(self) -> ActiveModel | None:
        """The model requests go to.

        After a worker crash the client has no active model until the next request
        starts a fresh worker and loads the same model again, so the model stays
        "open" for the window in the meantime.
        """
        if self._server is not None:
            return self._server.active_model
        return self._client.active_model or self._model

    def may_send(self) -> bool:
        """Whether a request may go to the engine now: always on this computer; on a
        server once :attr:`ask_before_sending` agrees (False: send nothing)."""
        server, ask = self._server, self.ask_before_sending
        return server is None or ask is None or ask(server.url)

    def is_busy(self) -> bool:
        """True while a request runs; a prefill or a suggestion does not count, it makes way."""
        return self._holder == "request"

    def _take_for_request(self) -> bool:
        """Take the engine for a request (on the GUI thread): a give-way holder is stopped."""
        with self._holder_changed:
            if self._holder is None:
                self._holder = "request"
                return True
            if self._holder not in GIVE_WAY:
                return False
            # A request finds a prefill or a suggestion running: cancel it, wait for it.
            self._stops[self._holder].set()  # in case its request has not been sent yet
            self.engine.cancel()  # llama.cpp stops within one graph node
            self._request_waiting = True  # no suggestion may slip in meanwhile
            try:
                if not self._holder_changed.wait_for(
                    lambda: self._holder is None, timeout=PREFILL_YIELD_S
                ):
                    return False
                self._holder = "request"
                return True
            finally:
                self._request_waiting = False

    def _take_when_free(self, holder: str, stop: threading.Event) -> bool:
        """Wait on a background thread for the engine as ``holder``, a give-way holder.

        False once ``stop`` is set, a request holds or wants the engine, or the window
        closes. A suggestion pushes a running prefill aside (the user is looking at the
        cursor) and waits for the suggestion before it to stop; a prefill waits for a
        suggestion to finish (it prepares Generate, which comes later), never for
        another prefill.
        """
        with self._holder_changed:
            while not (stop.is_set() or self._request_waiting or self._background.closing):
                current = self._holder
                if current is None:
                    self._holder = holder
                    return True
                if current == "request" or current == holder == "prefill":
                    return False
                if holder == "suggestion" and current == "prefill":
                    self._stops["prefill"].set()
                    self.engine.cancel()
                if not self._holder_changed.wait(timeout=PREFILL_YIELD_S):
                    return False
            return False

    def _let_go(self) -> None:
        with self._holder_changed:
            self._holder = None
            self._holder_changed.notify_all()

    def prefill(self, prompt: ToolPrompt) -> bool:
        """Evaluate ``prompt`` in the background while the user is still typing.

        The request that later sends the same prompt then evaluates only what changed,
        so its first token comes almost at once. Quietly does nothing (False) when no
        model is open or the engine is busy; any request cancels it. Only
        ``prefilled`` is emitted (the window shows nothing for it).
        """
        if self._background.closing or self._client.active_model is None or self._server:
            return False  # a server keeps its own prompt cache: nothing to prepare here
        with self._holder_changed:
            if self._holder in ("request", "prefill") or self._request_waiting:
                return False
            self._stops["prefill"].set()  # one still waiting for the engine is out of date
            stop = self._stops["prefill"] = threading.Event()

        def work() -> None:
            if not self._take_when_free("prefill", stop):
                return
            try:
                done = prefill(self._client, prompt, stop)
                log.debug("prefilled %s", done)
                self._emit(self.prefilled, done)
            finally:
                self._let_go()

        # A failure (e.g. the text does not fit) is only logged: Generate says so.
        return self._start_give_way("engine-prefill", work, "Preparing the answer failed")

    def suggest(self, text: str, *, words: int = predict.DEFAULT_WORDS) -> int:
        """Ask in the background how ``text`` (what is before the cursor) goes on.

        Returns a ticket, or 0 when no model is open or a request holds the engine (a
        running Generate always wins). ``suggested(ticket, continuation, False)`` shows
        it while it is written, ``suggested(ticket, continuation, True)`` once it is
        done, unless the suggestion is cancelled first: by the next :meth:`suggest`, by
        :meth:`cancel_suggestion`, or by any request, which never waits for it. A
        suggestion pushes a running prefill aside (the user is looking at the cursor);
        a prefill waits for a suggestion to finish.
        """
        if self._background.closing or self._client.active_model is None or self._server:
            return 0  # no text goes to a server while the user types
        with self._holder_changed:
            if self._holder == "request" or self._request_waiting:
                return 0
        self.cancel_suggestion()
        ticket = next(self._tickets)
        stop = self._stops["suggestion"] = threading.Event()

        def work() -> None:
            if not self._take_when_free("suggestion", stop):
                return
            try:
                if stop.is_set():
                    return

                def partial(continuation: str) -> None:
                    if not stop.is_set():
                        self._emit(self.suggested, ticket, continuation, False)

                continuation = predict.continue_text(
                    self._client, text, words=words, stop=stop, on_partial=partial
                )
                if not stop.is_set():
                    self._emit(self.suggested, ticket, continuation, True)
                    # While the user reads it: the prompt the next suggestions move to.
                    predict.prepare_next(self._client, text, stop)
            finally:
                self._let_go()

        started = self._start_give_way("engine-suggestion", work, "Predicting the text failed")
        return ticket if started else 0

    def _start_give_way(self, name: str, work: Callable[[], None], what_failed: str) -> bool:
        """Start ``work``, which waits for the engine itself; :meth:`shutdown` waits for it."""
        thread = self._background.start(work, name=name, what_failed=what_failed)
        if thread is None:
            return False
        self._thread = thread
        return True

    def cancel_suggestion(self) -> None:
        """Drop the suggestion asked for last: it is stopped, and never reported."""
        self._stops["suggestion"].set()
        with self._holder_changed:
            if self._holder == "suggestion":
                self.engine.cancel()
            self._holder_changed.notify_all()  # a suggestion waiting for the engine gives up

    def run_exclusive(self, name: str, work: Callable[[], None]) -> bool:
        """Run ``work`` on a background thread while holding the engine; False if busy.

        ``busyChanged(True)`` is emitted before it starts and ``busyChanged(False)`` once
        it has let go of the engine. A running prefill or suggestion is cancelled to make
        way.
        """
        return self._run_held(name, work, server_state=True)

    def _run_held(self, name: str, work: Callable[[], None], *, server_state: bool) -> bool:
        """:meth:`run_exclusive`; ``server_state``: a server's requests report the engine's
        state themselves (a local worker's client does)."""
        if self._background.closing or not self._take_for_request():
            return False
        server = self._server if server_state else None

        def held() -> None:
            try:
                if server is not None:
                    self._emit(self.stateChanged, "generating")
                work()
            finally:
                self._let_go()
                if server is not None:
                    self._emit(self.stateChanged, "idle")
                # The result signals were sent while the engine was still held; this one
                # tells the window the engine takes requests again.
                self._emit(self.busyChanged, False)

        self.busyChanged.emit(True)
        return self._hold_thread(name, held, "The model engine failed")

    def _hold_thread(self, name: str, work: Callable[[], None], what_failed: str) -> bool:
        """Start ``work``, which holds the engine; :meth:`shutdown` waits for it."""
        thread = self._background.start(work, name=name, what_failed=what_failed)
        if thread is None:  # closing began meanwhile: give the engine back
            self._let_go()
            return False
        self._thread = thread
        return True

    def load_model(
        self, path: str | Path, *, n_ctx: int | None = None, n_threads: int | None = None
    ) -> bool:
        """Load ``path`` in the background; False if the engine is busy.

        Once loaded, this computer is the engine again (a server in use is let go of);
        a model that fails to load leaves the engine as it was.
        """

        def work() -> None:
            self._emit(self.modelLoading, str(path))
            try:
                active = self._client.load(path, n_ctx=n_ctx, n_threads=n_threads)
            except ModelFileError as exc:  # refused before the engine saw it: nothing changed
                self._emit(self.modelFailed, str(exc))
            except UserFacingError as exc:
                self._forget_model_unless_active()
                self._emit(self.modelFailed, str(exc))
            except Exception as exc:
                log.exception("loading %s failed", path)
                self._forget_model_unless_active()
                self._emit(self.modelFailed, f"The model could not be loaded: {exc}")
            else:
                self._drop_server()
                self._model = active
                self._emit(self.modelLoaded, active)

        return self._run_held("engine-load", work, server_state=False)

    def connect_server(self, url: str, model: str | None = None) -> bool:
        """Make the team server at ``url`` the engine, with its ``model`` (None: its only
        one), in the background; False if the engine is busy.

        ``modelLoaded`` follows with the server's model, or ``modelFailed`` with one
        sentence, and the engine stays what it was. The key comes from the keyring. Once
        connected, this computer's worker is stopped (its memory is freed);
        :meth:`load_model` makes this computer the engine again.
        """

        def work() -> None:
            from desktop_slm.engine.remote import ServerEngine

            self._emit(self.modelLoading, url)
            self._emit(self.stateChanged, "loading")
            server: ServerEngine | None = None
            try:
                server = ServerEngine(url)
                active = server.connect(model)
            except UserFacingError as exc:
                if server is not None:
                    server.close()
                self._emit(self.modelFailed, _in_the_window(exc))
            except Exception as exc:
                log.exception("connecting to %s failed", url)
                if server is not None:
                    server.close()
                self._emit(self.modelFailed, f"The server could not be used: {exc}")
            else:
                self._drop_server()
                self._server, self._model = server, None
                self._client.close()  # the local model's memory is not needed meanwhile
                self._emit(self.modelLoaded, active)
            finally:
                self._emit(self.stateChanged, "idle")

        return self._run_held("engine-connect", work, server_state=False)

    def _drop_server(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()

    def _forget_model_unless_active(self) -> None:
        if self._client.active_model is None:
            self._model = None

    def stop(self) -> None:
        """Stop the running generation at once (the partial answer is kept)."""
        self.engine.cancel()

    def _on_client_state(self, state: str) -> None:
        self._emit(self.stateChanged, state)

    def _emit(self, signal: SignalInstance, *args: object) -> None:
        """Emit from background work, unless the window is closing (it may be gone)."""
        self._background.relay(signal, *args)

    def shutdown(self) -> None:
        """Stop the worker; called when the window closes."""
        self._background.close()
        self.cancel_suggestion()  # and wakes a prefill or suggestion waiting for the engine
        self.engine.cancel()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=3)
        self._drop_server()
        self._client.close()
        self.stateChanged.emit("idle")  # on the GUI thread, while the window still exists


def server_models(url: str, key: str | None = None) -> list[ServerModel]:
    """The models the server at ``url`` offers (blocking: run it in the background).

    ``key``: the API key to try, else the one kept for the server. Raises a
    UserFacingError in one sentence (unreachable, a refused key, not such a server).
    """
    from desktop_slm.engine.remote import ServerEngine

    with ServerEngine(url, api_key=key or None) as server:
        return server.models()


def _in_the_window(exc: UserFacingError) -> str:
    """A server's failure as the window says it: the window's own way to fix it."""
    if exc.code == "server_key":
        return f"{str(exc).split('. ', 1)[0]}. Set the right key in File > Preferences > Engine."
    if exc.code == "choose_model":
        return f"{str(exc).split('; choose', 1)[0]}; choose one in File > Preferences > Engine."
    return str(exc)
