"""The Models tab: the model for this computer, the catalog, Hub search, downloads, the library.

One module per part: :mod:`.tab` composes them; :mod:`.card` (the recommendation),
:mod:`.installed`, :mod:`.catalog`, :mod:`.hub` and :mod:`.found` (the four pages),
:mod:`.downloads` (rows and resume offers), :mod:`.banners` (offline, Hub token),
:mod:`.leftovers` (files a crash left), :mod:`.dialogs` (the questions tests answer) and
:mod:`.common` (table cells and colours). The parts listen to the
:class:`~desktop_slm.ui.bridge.models.ModelManagerBridge` signals themselves; each handles
the failures of its own actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_slm.ui.models.tab import ModelsTab

__all__ = ["ModelsTab"]


def __getattr__(name: str) -> object:
    # Imported when asked for: importing the package (as the core's import check does,
    # with Qt blocked) must not import Qt.
    if name == "ModelsTab":
        from desktop_slm.ui.models.tab import ModelsTab

        return ModelsTab
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
