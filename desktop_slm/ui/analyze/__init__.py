"""The Analyze tab: one text as a card, or a CSV's rows as a batch.

:mod:`.tab` composes the parts: :mod:`.card` (one text's analysis), :mod:`.batch_view`
(the batch's table, progress and export) and :mod:`.chart` (sentiments and entities).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_slm.ui.analyze.tab import AnalyzeTab

__all__ = ["AnalyzeTab"]


def __getattr__(name: str) -> object:
    # Imported when asked for: importing the package (as the core's import check does,
    # with Qt blocked) must not import Qt.
    if name == "AnalyzeTab":
        from desktop_slm.ui.analyze.tab import AnalyzeTab

        return AnalyzeTab
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
