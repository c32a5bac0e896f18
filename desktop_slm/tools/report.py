"""Reports written section by section from an outline, so a small context still gives a full one.

First an outline request (:func:`build_outline`, parsed by :func:`parse_outline` into
editable section titles), then one request per section with the notes and the
outline as context (:func:`build_section`); :func:`assemble` makes the Markdown.
The window shows the outline for editing between the two jobs
(:func:`outline_job`, :func:`sections_job`); the command line runs both
(:func:`report_job`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop_slm.errors import OptionError
from desktop_slm.languages import language_name
from desktop_slm.tools.budget import ModelLimits
from desktop_slm.tools.jobs import Job, JobCancelled, JobOutput, Preview, Step
from desktop_slm.tools.prompt import ToolPrompt


@dataclass(frozen=True)
class ReportKind:
    title: str
    guidance: str
    sections: tuple[str, ...]
    """Used when the model's outline is unusable, and shown as an example."""


KINDS: dict[str, ReportKind] = {
    "status": ReportKind(
        "Status update",
        "a project status update for stakeholders: progress, what is next, risks and asks",
        ("Summary", "Progress since the last update", "Next steps", "Risks and issues"),
    ),
    "minutes": ReportKind(
        "Meeting minutes",
        "meeting minutes: who attended, what was discussed, decisions and action items "
        "with owners and due dates",
        ("Attendees", "Discussion", "Decisions", "Action items"),
    ),
    "incident": ReportKind(
        "Incident report",
        "an incident report: what happened, impact, timeline, root cause, resolution and "
        "follow-up actions",
        ("Summary", "Impact", "Timeline", "Root cause", "Resolution", "Follow-up actions"),
    ),
    "proposal": ReportKind(
        "Project proposal",
        "a project proposal: the problem, the proposed solution, scope, timeline, "
        "resources and budget, and risks",
        ("Problem", "Proposed solution", "Scope", "Timeline", "Resources and budget", "Risks"),
    ),
    "custom": ReportKind(
        "Report",
        "a report as the user's instruction describes",
        ("Introduction", "Details", "Conclusion"),
    ),
}
MAX_SECTIONS = 8
OUTLINE_TOKENS = 160
SECTION_TOKENS = 400
MAX_TITLE_CHARS = 80


@dataclass(frozen=True)
class ReportRequest:
    notes: str
    kind: str = "status"
    instruction: str = ""
    """For ``custom`` (required there); an extra wish for the other kinds."""
    language: str = "English"
    title: str = ""
    """The report's title; empty: the kind's name (or the outline's "Title:" line)."""
    max_sections: int = 6

    def check(self) -> None:
        if not self.notes.strip():
            raise OptionError("Write or paste the notes the report should be based on.")
        if self.kind not in KINDS:
            raise OptionError(
                f"Unknown report kind {self.kind!r}; choose one of: {', '.join(KINDS)}."
            )
        if self.kind == "custom" and not self.instruction.strip():
            raise OptionError(
                "A custom report needs an instruction saying what kind of report to write."
            )
        if not 1 <= self.max_sections <= MAX_SECTIONS:
            raise OptionError(f"A report has 1 to {MAX_SECTIONS} sections.")


@dataclass(frozen=True)
class Outline:
    title: str
    sections: tuple[str, ...]

    def as_text(self) -> str:
        """One title per line: the editable form shown to the user."""
        return "\n".join(self.sections)


def _describe(request: ReportRequest) -> str:
    kind = KINDS[request.kind]
    what = kind.guidance
    if request.instruction.strip():
        what += f". Instruction: {request.instruction.strip()}"
    return what


def _title(request: ReportRequest) -> str:
    return request.title.strip() or KINDS[request.kind].title


def build_outline(request: ReportRequest) -> ToolPrompt:
    """Ask for the section titles of the report, one per line."""
    request.check()
    language = language_name(request.language)
    example = "\n".join(KINDS[request.kind].sections)
    system = (
        f"You plan reports. The report is {_describe(request)}. Write in {language}. "
        f"Reply with the section titles only, one per line, at most {request.max_sections} "
        "lines, no numbering, no explanations."
    )
    user = (
        f"Notes:\n{request.notes.strip()}\n\n"
        f"List the section titles for this report (for example:\n{example})."
    )
    completion = (
        f"Notes:\n{request.notes.strip()}\n\n"
        f"Outline of a {KINDS[request.kind].title.lower()} in {language} based on these "
        f"notes, one section title per line:\n1."
    )
    return ToolPrompt(
        messages=({"role": "system", "content": system}, {"role": "user", "content": user}),
        completion_prompt=completion,
        completion_stop=("\n\n", "\nNotes:"),
        completion_prefix="1.",
        suggested_max_tokens=OUTLINE_TOKENS,
    )


_MARKER = re.compile(r"^\s*(?:#{1,6}\s*|[-*+•]\s+|\(?\d{1,2}[.):]\s*|[a-zA-Z][.)]\s+)")
_SECTION_WORD = re.compile(r"^(?:section|part)\s+\d+\s*[:.-]\s*", re.IGNORECASE)


def _clean_title(line: str) -> str:
    title = _MARKER.sub("", line).strip()
    title = _SECTION_WORD.sub("", title)
    title = title.strip("*_` ").strip().rstrip(":").strip()
    return title


def parse_outline(text: str, request: ReportRequest) -> Outline:
    """Section titles from the model's outline; the kind's own sections if it is unusable.

    Numbering, bullets, Markdown emphasis and sub-points (indented deeper than the
    first item) are dropped; duplicates and overlong lines are skipped.
    """
    title = _title(request)
    sections: list[str] = []
    seen: set[str] = set()
    base_indent: int | None = None
    for raw in text.splitlines():
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip())
        if base_indent is None:
            base_indent = indent
        elif indent > base_indent:
            continue  # a sub-point
        label, sep, rest = raw.strip().partition(":")
        if sep and label.strip("*# ").lower() in ("title", "report title") and rest.strip():
            if not request.title.strip():
                title = _clean_title(rest)
            continue
        clean = _clean_title(raw)
        if not clean or len(clean) > MAX_TITLE_CHARS or clean.lower() in seen:
            continue
        if clean.lower() in ("outline", "sections", "section titles"):
            continue
        seen.add(clean.lower())
        sections.append(clean)
        if len(sections) == request.max_sections:
            break
    if len(sections) < min(2, request.max_sections):
        sections = list(KINDS[request.kind].sections[: request.max_sections])
    return Outline(title=title, sections=tuple(sections))


def outline_from_text(text: str, title: str) -> Outline:
    """The outline as the user edited it: one section title per line."""
    sections = tuple(
        dict.fromkeys(clean for line in text.splitlines() if (clean := _clean_title(line)))
    )
    if not sections:
        raise OptionError("The outline is empty: write at least one section title.")
    if len(sections) > MAX_SECTIONS * 2:
        raise OptionError(f"An outline has at most {MAX_SECTIONS * 2} sections.")
    return Outline(title=title.strip() or "Report", sections=sections)


def build_section(request: ReportRequest, outline: Outline, index: int) -> ToolPrompt:
    """Ask for the body of section ``index`` (0-based), with the notes and the outline."""
    request.check()
    language = language_name(request.language)
    section = outline.sections[index]
    listed = "\n".join(
        f"{n}. {name}{'   <- write this section' if n - 1 == index else ''}"
        for n, name in enumerate(outline.sections, start=1)
    )
    system = (
        f"You write one section of a report at a time. The report is {_describe(request)}. "
        f"Write in {language}, in Markdown (paragraphs, bullet lists or a table where they "
        "help). Write only the body of the requested section: no heading for it, nothing "
        "from the other sections. Use only facts from the notes; do not invent names, "
        "dates or numbers. If the notes say nothing for this section, write one short "
        "sentence saying so."
    )
    user = (
        f"Report: {outline.title}\nOutline:\n{listed}\n\n"
        f"Notes:\n{request.notes.strip()}\n\n"
        f'Write the section "{section}".'
    )
    previous = "".join(f"## {name}\n\n...\n\n" for name in outline.sections[:index])
    completion = (
        f"Notes:\n{request.notes.strip()}\n\n"
        f"The {KINDS[request.kind].title.lower()} below, in {language}, is written from "
        f"these notes.\n\n# {outline.title}\n\n{previous}## {section}\n\n"
    )
    return ToolPrompt(
        messages=({"role": "system", "content": system}, {"role": "user", "content": user}),
        completion_prompt=completion,
        completion_stop=("\n## ", "\n# ", "\nNotes:"),
        suggested_max_tokens=SECTION_TOKENS,
    )


def clean_section(text: str, section: str) -> str:
    """A section's body without a heading the model repeated at its top."""
    lines = text.strip().splitlines()
    while lines:
        first = lines[0].strip()
        heading = first.lstrip("#").strip().strip("*").strip().rstrip(":").strip()
        if first.startswith("#") or heading.casefold() == section.casefold():
            lines.pop(0)
            while lines and not lines[0].strip():
                lines.pop(0)
            continue
        break
    return "\n".join(lines).strip()


def assemble(outline: Outline, bodies: list[str]) -> str:
    """The report as Markdown: a title, then ``## section`` and its body for each done one."""
    parts = [f"# {outline.title}"]
    for name, body in zip(outline.sections, bodies, strict=False):
        parts.append(f"## {name}\n\n{body}" if body else f"## {name}")
    return "\n\n".join(parts) + "\n"


def outline_job(request: ReportRequest, limits: ModelLimits) -> Job:
    """One request; its output text is the outline, one title per line.

    ``detail["outline"]`` holds the parsed :class:`Outline`.
    """
    prompt = build_outline(request)
    budget = limits.fit_answer(prompt, limits.answer_tokens(OUTLINE_TOKENS), what="notes")
    return _outline_steps(request, prompt, budget)


def _outline_steps(request: ReportRequest, prompt: ToolPrompt, budget: int) -> Job:
    try:
        text = yield Step(prompt, "Planning the sections", 1, 1, budget, phase="outline")
    except JobCancelled:
        return JobOutput("", {"partial": True})
    outline = parse_outline(text, request)
    return JobOutput(outline.as_text(), {"outline": outline, "title": outline.title})


def sections_job(request: ReportRequest, outline: Outline, limits: ModelLimits) -> Job:
    """One request per section; the output is the Markdown report.

    Refused up front when the notes cannot fit next to the outline and an answer.
    """
    if not outline.sections:
        raise OptionError("The outline is empty: write at least one section title.")
    wanted = limits.answer_tokens(SECTION_TOKENS)
    budget = min(
        limits.fit_answer(build_section(request, outline, index), wanted, what="notes")
        for index in range(len(outline.sections))
    )
    return _section_steps(request, outline, budget)


def _section_steps(request: ReportRequest, outline: Outline, budget: int) -> Job:
    bodies: list[str] = []
    total = len(outline.sections)
    detail = {"outline": outline, "title": outline.title}
    for index, section in enumerate(outline.sections):
        prompt = build_section(request, outline, index)
        try:
            text = yield Step(
                prompt,
                f"Writing section {index + 1} of {total}: {section}",
                index + 1,
                total,
                budget,
                phase="section",
            )
        except JobCancelled as stop:
            partial = clean_section(stop.partial_text, section)
            done = [*bodies, partial] if partial else bodies
            return JobOutput(
                assemble(outline, done), {**detail, "partial": True, "sections_done": len(bodies)}
            )
        bodies.append(clean_section(text, section))
        yield Preview(assemble(outline, bodies))
    return JobOutput(assemble(outline, bodies), {**detail, "sections_done": len(bodies)})


def report_job(request: ReportRequest, limits: ModelLimits, outline: Outline | None = None) -> Job:
    """Outline (unless given) then every section, as one job (the command line's way)."""
    if outline is not None:
        return sections_job(request, outline, limits)
    first = outline_job(request, limits)
    return _outline_then_sections(request, limits, first)


def _outline_then_sections(request: ReportRequest, limits: ModelLimits, first: Job) -> Job:
    planned = yield from first
    outline = planned.detail.get("outline")
    if not isinstance(outline, Outline):
        return planned  # stopped while planning
    return (yield from sections_job(request, outline, limits))
