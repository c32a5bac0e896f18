"""The model manager's user-facing errors; ``code`` lets the window react (e.g. to "offline")."""

from __future__ import annotations

from desktop_slm.errors import UserFacingError


class HubError(UserFacingError):
    """The Hugging Face Hub could not answer a listing, a search or a file lookup.

    Codes: ``offline``, ``repo_not_found``, ``file_not_found``, ``gated``,
    ``server_error``, ``hub_error``.
    """


class DownloadError(UserFacingError):
    """A download stopped. ``resumable`` says whether the partial file was kept.

    Codes: ``corrupt``, ``disk_full``, ``not_enough_space``, ``network``, ``server_error``,
    ``cancelled``, ``split_model``, ``interrupted`` and the ``HubError`` codes.
    """

    def __init__(self, message: str, *, code: str = "download_failed", resumable: bool) -> None:
        super().__init__(message, code=code)
        self.resumable = resumable


class LibraryError(UserFacingError):
    """The library cannot do what was asked (unknown id, file in use, ...)."""


class CatalogError(UserFacingError):
    """``resources/catalog.json`` is missing or malformed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="bad_catalog")
