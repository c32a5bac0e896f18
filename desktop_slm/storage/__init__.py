"""Storage: drafts and history of the tabs, in SQLite in the data folder."""

from desktop_slm.storage.drafts import DraftStore, HistoryEntry, OpenedStore, open_store

__all__ = ["DraftStore", "HistoryEntry", "OpenedStore", "open_store"]
