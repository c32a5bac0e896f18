"""Light and dark: the window's colours, following the system's scheme as it changes.

Every colour the UI uses is here, in a light and a dark variant. Widgets do not name
colours: a notice is marked ``banner(widget, "notice")``, a secondary line
``tone(label, "muted")``; the application style sheet built from the active
:class:`Colours` styles them, and is rebuilt when the system switches scheme
(``QStyleHints.colorSchemeChanged``, Qt 6.5+). Code that paints with colours itself (a
syntax highlighter, rich text) reads :func:`colours` and listens to :func:`notifier`.
The style sheet also draws the focus outline, in a colour that stands out in both schemes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

Banner = Literal["notice", "info", "success", "danger"]
Tone = Literal["muted", "error", "warning"]


@dataclass(frozen=True)
class Colours:
    """One scheme's colours (``#rrggbb``); text on each background reads at WCAG AA (4.5:1)."""

    window: str
    base: str
    alternate_base: str
    text: str
    button: str
    border: str
    highlight: str
    highlighted_text: str
    link: str
    focus: str
    muted: str
    error: str
    warning: str
    good: str
    """A model that runs well on this computer."""
    subject: str
    """The Email tab's Subject line."""
    banners: dict[str, tuple[str, str]]
    """Background and text colour of each kind of banner."""
    entities: dict[str, str]
    """The Analyze tab's highlight (a background under ``text``) of each entity type."""


LIGHT = Colours(
    window="#f3f3f3",
    base="#ffffff",
    alternate_base="#f5f6f7",
    text="#1a1a1a",
    button="#e9e9e9",
    border="#9a9a9a",
    highlight="#1f5fbf",
    highlighted_text="#ffffff",
    link="#1a56b3",
    focus="#0b57d0",
    muted="#595959",
    error="#b00020",
    warning="#6b4e00",
    good="#1b6b34",
    subject="#1f4e99",
    banners={
        "notice": ("#fff4ce", "#3d2e00"),
        "info": ("#e3f0ff", "#0b2a4a"),
        "success": ("#eef4ee", "#173d1f"),
        "danger": ("#fde7e9", "#5c0011"),
    },
    entities={
        "person": "#d7e8ff",
        "organisation": "#ffe0c2",
        "place": "#d4f2d9",
        "date": "#f3dcf7",
        "amount": "#fff1a8",
        "product": "#d3f1f1",
    },
)

DARK = Colours(
    window="#202124",
    base="#17181a",
    alternate_base="#232427",
    text="#e8e8e8",
    button="#34363a",
    border="#7a7d83",
    highlight="#3b6fc4",
    highlighted_text="#ffffff",
    link="#8ab4f8",
    focus="#8ab4f8",
    muted="#b0b0b0",
    error="#ff8a95",
    warning="#f2c14e",
    good="#7fd18b",
    subject="#8ab4f8",
    banners={
        "notice": ("#4a3b00", "#fff1c2"),
        "info": ("#0f2d4d", "#dbeaff"),
        "success": ("#1d3324", "#d8f0dc"),
        "danger": ("#4d1016", "#ffd9dc"),
    },
    entities={
        "person": "#1f3f6e",
        "organisation": "#5c3511",
        "place": "#1e4a2a",
        "date": "#4e2758",
        "amount": "#4d4300",
        "product": "#134646",
    },
)


class _Notifier(QObject):
    changed = Signal()


_notifier: _Notifier | None = None
_active: Colours = LIGHT
_following: set[int] = set()


def notifier() -> _Notifier:
    """Emits ``changed`` after the scheme (and so :func:`colours`) changed."""
    global _notifier
    if _notifier is None:
        _notifier = _Notifier()
    return _notifier


class _Listener(QObject):
    """Calls back on scheme changes until its owner (its parent) is destroyed."""

    def __init__(self, owner: QObject, callback: Callable[[], None]) -> None:
        super().__init__(owner)
        self._callback = callback
        notifier().changed.connect(self._changed)

    def _changed(self) -> None:
        self._callback()


def on_change(owner: QObject, callback: Callable[[], None]) -> None:
    """Call ``callback`` after each scheme change while ``owner`` (a widget) lives."""
    _Listener(owner, callback)


def colours() -> Colours:
    """The colours in use now."""
    return _active


def banner(widget: QWidget, kind: Banner) -> None:
    """Show ``widget`` (a label or a frame of labels and buttons) as a banner of ``kind``."""
    widget.setProperty("banner", kind)
    widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # a plain QWidget too


def tone(widget: QWidget, kind: Tone) -> None:
    """Colour a label's text as secondary (muted), an error or a warning."""
    widget.setProperty("tone", kind)


def follow_system(app: QApplication) -> None:
    """Apply the system's scheme now and whenever it changes."""
    hints = QGuiApplication.styleHints()
    apply(app, hints.colorScheme())
    if id(app) not in _following:  # one connection, however many windows are built
        _following.add(id(app))
        hints.colorSchemeChanged.connect(lambda scheme: apply(app, scheme))


def apply(app: QApplication, scheme: Qt.ColorScheme) -> Colours:
    """Use the light or dark colours (an unknown scheme is light) for the whole app."""
    global _active
    _active = DARK if scheme == Qt.ColorScheme.Dark else LIGHT
    app.setPalette(palette(_active))
    app.setStyleSheet(style_sheet(_active))
    notifier().changed.emit()
    return _active


def palette(c: Colours) -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: c.window,
        QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.base,
        QPalette.ColorRole.AlternateBase: c.alternate_base,
        QPalette.ColorRole.Text: c.text,
        QPalette.ColorRole.PlaceholderText: c.muted,
        QPalette.ColorRole.Button: c.button,
        QPalette.ColorRole.ButtonText: c.text,
        QPalette.ColorRole.ToolTipBase: c.base,
        QPalette.ColorRole.ToolTipText: c.text,
        QPalette.ColorRole.Highlight: c.highlight,
        QPalette.ColorRole.HighlightedText: c.highlighted_text,
        QPalette.ColorRole.Link: c.link,
        QPalette.ColorRole.LinkVisited: c.link,
        QPalette.ColorRole.Mid: c.border,
        QPalette.ColorRole.BrightText: c.error,
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.muted))
    return p


def style_sheet(c: Colours) -> str:
    """The app's style sheet: banners, tones and a focus outline seen in both schemes."""
    rules = [
        f'QLabel[tone="muted"] {{ color: {c.muted}; }}',
        f'QLabel[tone="error"] {{ color: {c.error}; }}',
        f'QLabel[tone="warning"] {{ color: {c.warning}; }}',
        "QLabel[banner] { padding: 6px; border-radius: 4px; }",
    ]
    for kind, (background, text) in c.banners.items():
        rules.append(f'[banner="{kind}"] {{ background: {background}; color: {text}; }}')
        rules.append(f'[banner="{kind}"] QLabel {{ background: transparent; color: {text}; }}')
    # A 2 px outline in the focus colour; unfocused controls keep a transparent border of
    # the same width so nothing moves when the focus does.
    rules += [
        "QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox, QComboBox, QAbstractItemView"
        f" {{ border: 1px solid {c.border}; border-radius: 3px; padding: 1px;"
        f" background: {c.base}; color: {c.text}; }}",
        "QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QAbstractSpinBox:focus,"
        " QComboBox:focus, QAbstractItemView:focus"
        f" {{ border: 2px solid {c.focus}; padding: 0px; }}",
        f"QPushButton {{ background: {c.button}; color: {c.text}; border: 1px solid {c.border};"
        " border-radius: 4px; padding: 4px 10px; }",
        f"QPushButton:hover {{ border-color: {c.text}; }}",
        f"QPushButton:checked, QPushButton:pressed {{ background: {c.highlight};"
        f" color: {c.highlighted_text}; }}",
        f"QPushButton:disabled {{ color: {c.muted}; border-color: {c.button}; }}",
        f"QPushButton:focus {{ border: 2px solid {c.focus}; padding: 3px 9px; }}",
        "QCheckBox, QRadioButton { border: 2px solid transparent; border-radius: 3px; }",
        f"QCheckBox:focus, QRadioButton:focus {{ border-color: {c.focus}; }}",
        f"QTabBar::tab:focus {{ border: 2px solid {c.focus}; }}",
    ]
    return "\n".join(rules)
