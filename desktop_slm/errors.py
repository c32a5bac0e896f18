"""The one error type the app shows to people, and how it is worded."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message a person can read and act on.

    ``str(error)`` is one or two sentences: what happened and what to do next.
    Anything else that goes wrong is a bug: it is logged with its traceback and
    shown as a short crash message with the log path.
    """

    def __init__(self, message: str, *, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class OptionError(UserFacingError):
    """A tool's option or form field that cannot be used (an empty text, an unknown tone)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="bad_option")


class ModelFileError(UserFacingError):
    """A model file cannot be used (missing, not a GGUF, truncated, ...)."""

    def __init__(self, message: str, *, code: str = "bad_model_file") -> None:
        super().__init__(message, code=code)


class EngineError(UserFacingError):
    """The engine (the worker process running llama.cpp) reported a problem."""


class EngineCrashed(EngineError):
    """The worker process died; a fresh one starts on the next request."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="engine_crashed")
