"""The Analyze tab: one text as a card, or a CSV's rows as a batch (see ``tab.py``)."""

from desktop_slm.ui.analyze.tab import AnalyzeTab

__all__ = ["AnalyzeTab"]
