"""Whether a model's chat template renders a chat: in a sandbox, bounded in time and memory.

:func:`template_problem` is the load-time check (run through
:mod:`desktop_slm.engine.template_guard`'s child process); :func:`render_problem` is what
that child runs.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from desktop_slm.errors import ModelFileError

if TYPE_CHECKING:
    from jinja2.sandbox import ImmutableSandboxedEnvironment


# Variables every chat is rendered with, here and in the worker. The writing tools never
# want a model's reasoning: Qwen3's and SmolLM3's templates read ``enable_thinking`` and,
# when it is false, write an empty ``<think></think>`` block into the prompt themselves
# (SmolLM3 also switches its system header to "/no_think"), so the model answers at once.
# Templates that do not know the variable ignore it.
WRITING_CHAT_VARIABLES: Final[Mapping[str, Any]] = {"enable_thinking": False}


def check_chat_template(template: str) -> None:
    """Raise ``ModelFileError(code="bad_chat_template")`` unless ``template`` renders a chat."""
    problem = template_problem(template, None)
    if problem is not None:
        raise ModelFileError(
            f"The model's chat template does not work ({problem}). Choose a different model.",
            code="bad_chat_template",
        )


class _TemplateRaised(Exception):
    pass


@functools.cache
def _template_environment() -> ImmutableSandboxedEnvironment:
    # Mirrors Jinja2ChatFormatter in llama-cpp-python 0.3.36 (llama_cpp/llama_chat_format.py).
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class IgnoreGenerationTags(jinja2.ext.Extension):
        tags = {"generation"}  # noqa: RUF012 (jinja2's own attribute type)

        def parse(self, parser: jinja2.parser.Parser) -> list[jinja2.nodes.Node]:
            parser.stream.skip(1)
            return parser.parse_statements(("name:endgeneration",), drop_needle=True)

    environment = ImmutableSandboxedEnvironment(
        loader=jinja2.BaseLoader(),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[IgnoreGenerationTags, jinja2.ext.loopcontrols],
    )
    environment.filters["tojson"] = _tojson
    return environment


def _tojson(
    x: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _raise_exception(message: str) -> None:
    raise _TemplateRaised(message)


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


def template_problem(template: str, file_name: str | None) -> str | None:
    """Return why ``template`` cannot format a one-message chat, or None if it can.

    The template is the model's own code: it runs in a child process with a deadline
    and a memory cap (:mod:`desktop_slm.engine.template_guard`).
    """
    from desktop_slm.engine.template_guard import (
        TemplateLimitExceeded,
        check_in_child,
        limit_sentence,
    )

    try:
        problem = check_in_child(template)
    except TemplateLimitExceeded as exc:
        raise ModelFileError(
            limit_sentence(file_name, exc.kind), code="bad_chat_template"
        ) from None
    if problem is None:
        return None
    problem = problem.strip().rstrip(".")
    return problem if len(problem) <= 200 else problem[:199] + "…"


_MAX_RENDERED_CHARS: Final = 1_000_000


def render_problem(template: str) -> str | None:
    """Why ``template`` cannot format a one-message chat, or None if it can.

    It runs the model's template code in this process: call it only in the bounded
    checker process (:func:`desktop_slm.engine.template_guard.child_main`).
    """
    import jinja2

    try:
        compiled = _template_environment().from_string(template)
    except jinja2.TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message or 'syntax error'}"
    except MemoryError:
        raise  # past the cap of the process this runs in
    except Exception as exc:  # e.g. RecursionError on absurdly nested expressions
        return f"{type(exc).__name__}: {exc}"
    try:
        rendered = compiled.render(
            messages=[{"role": "user", "content": "Hello"}],
            add_generation_prompt=True,
            bos_token="",
            eos_token="",
            raise_exception=_raise_exception,
            functions=None,
            function_call=None,
            tools=None,
            tool_choice=None,
            strftime_now=_strftime_now,
            **WRITING_CHAT_VARIABLES,
        )
    except _TemplateRaised as exc:
        return f"it refused a simple chat: {exc}"
    except MemoryError:
        raise
    except Exception as exc:  # any failure inside the template's own logic
        return f"{type(exc).__name__}: {exc}"
    return _output_problem(rendered)


def _output_problem(rendered: str) -> str | None:
    if len(rendered) > _MAX_RENDERED_CHARS:
        return f"it turns a one-line chat into {len(rendered):,} characters"
    if "Hello" not in rendered:
        return "it leaves out the message it is given"
    return None
