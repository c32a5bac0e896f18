"""What a writing tool tells its tab: its texts (a :class:`ToolSpec`) and a :class:`ToolForm`.

Everything else (input, documents, Generate/Stop, progress, the streamed output,
follow-up rewrites, Copy, Save as…, history, drafts) is the same for every tool and
lives in the tab's parts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QComboBox, QPlainTextEdit

from desktop_slm.tools.jobs import JobProgress, JobResult
from desktop_slm.ui.bridge.jobs import JobFactory
from desktop_slm.ui.tool.input_panel import replace_text

if TYPE_CHECKING:
    from desktop_slm.tools.prompt import ToolPrompt
    from desktop_slm.ui.tool.tab import ToolTab


class RunMode(Enum):
    """What a running job is for; its value is what the history records as the action."""

    GENERATE = "generate"
    """The tool's answer: it replaces the output."""
    REWRITE = "rewrite"
    """A follow-up (Shorter, Friendlier, …) rewrites the output; it can be undone."""
    PLAN = "plan"
    """A step before the answer (the Report's outline): the form takes the result."""


@dataclass(frozen=True)
class ToolSpec:
    """A tool's fixed texts and names."""

    tab_id: str
    """Names the tab's drafts and history, and prefixes its widgets' object names."""
    output_kind: str
    """What the output is, for the follow-up rewrites ("email", "report", ...)."""
    input_title: str
    input_placeholder: str
    output_title: str
    output_placeholder: str
    empty_hint: str
    ready_hint: str
    running_hint: str
    save_name: str
    generate_label: str = "Generate"
    generate_tip: str = "Start (Ctrl+Enter)"


@dataclass(frozen=True)
class Run:
    """A job to start, and how."""

    job: JobFactory
    mode: RunMode = RunMode.GENERATE
    too_long_text: str = ""
    """The text "Summarize first" moves to the Summarize tab if the input is too long."""
    on_start: Callable[[], None] | None = None
    """Called once the job has started (the Report clears the outline it replaces)."""
    request: object | None = None
    """The tool's request: its answer, and every rewrite of it, is fact-checked against it."""


@dataclass(frozen=True)
class Finished:
    """What a finished (or stopped) job leaves."""

    text: str | None
    """The output to show; None leaves the output as it is."""
    note: str = ""
    """Added to the final words · tokens line, e.g. " · 3 of 5 sections written"."""


@dataclass(frozen=True)
class Controls:
    """The state the tab's controls were just set for."""

    running: bool
    model_open: bool
    can_run: bool
    """Idle, a model is open and the engine is free."""
    has_output: bool


@dataclass(frozen=True)
class FormState:
    """A form's inputs and options, as drafts and history store them."""

    inputs: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutputInfo:
    language: str = ""
    """The output's language, for the follow-up rewrites ("" keeps whatever it is in)."""
    title: str = ""
    """The document title when saving."""


class ToolForm(Protocol):
    """What a writing tool adds to the shared tab: its own inputs and options."""

    def has_input(self) -> bool:
        """Whether there is something to start from."""
        ...

    def run(self, *, again: bool) -> Run:
        """What Generate (``again`` False) or Regenerate starts; raises UserFacingError."""
        ...

    def prefill_prompt(self) -> ToolPrompt | None:
        """The prompt Generate would send now, evaluated ahead of time; None: nothing to.

        May raise UserFacingError (options Generate would refuse): nothing is evaluated.
        """
        ...

    def show_step(self, progress: JobProgress | None, preview: str, step_text: str) -> bool:
        """Show the streamed text of a step that is not the output; False: not shown.

        ``preview`` is the output so far as the job last showed it.
        """
        ...

    def finish(self, mode: RunMode, result: JobResult) -> Finished:
        """What the finished (or stopped) job leaves in the output."""
        ...

    def refresh(self, controls: Controls) -> str | None:
        """Set the form's own controls; a hint to show instead of the tab's, or None."""
        ...

    def state(self) -> FormState: ...

    def restore(self, state: FormState) -> None:
        """Put saved values back (unknown or missing values are ignored)."""
        ...

    def output_info(self) -> OutputInfo: ...

    def document_target(self) -> QPlainTextEdit:
        """Where an opened or dropped document goes."""
        ...

    def take_summary(self, summary: str) -> QPlainTextEdit:
        """The summary of the text that was too long here ("Summarize first") replaces it.

        One edit that Ctrl+Z takes back; returns the box that took it.
        """
        ...


class TextForm:
    """The plain answers of :class:`ToolForm` for a tool whose input is the tab's text box.

    Nothing is evaluated ahead, no control of its own needs refreshing, and only the
    output streams; a form says otherwise by defining the method itself.
    """

    def __init__(self, tab: ToolTab[Any]) -> None:
        self._tab = tab
        self.input = tab.input

    def has_input(self) -> bool:
        return bool(self.input.toPlainText().strip())

    def prefill_prompt(self) -> ToolPrompt | None:
        return None  # a long text is split first: there is no one request to evaluate

    def refresh(self, controls: Controls) -> str | None:
        return None

    def show_step(self, progress: JobProgress | None, preview: str, step_text: str) -> bool:
        return False

    def document_target(self) -> QPlainTextEdit:
        return self.input

    def take_summary(self, summary: str) -> QPlainTextEdit:
        replace_text(self.input, summary)
        return self.input


def state_text(state: Mapping[str, Any], key: str) -> str:
    """A string from a saved draft or history entry ("" when missing or not a string)."""
    value = state.get(key, "")
    return value if isinstance(value, str) else ""


def set_combo_data(combo: QComboBox, value: object) -> None:
    """Select the entry of ``combo`` whose data is ``value`` (nothing happens if none is)."""
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
