"""``desktop-slm run email|report|translate|summarize``: the writing tools without the window."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_slm import APP_NAME, cli

if TYPE_CHECKING:
    from desktop_slm.config import Settings
    from desktop_slm.engine.client import ActiveModel, EngineClient
    from desktop_slm.tools.budget import ModelLimits
    from desktop_slm.tools.jobs import Job, JobResult

JobFactory = Callable[["ModelLimits"], "Job"]


def register(commands: Any, run_tools: Any) -> None:
    """Add the tools to ``desktop-slm run``."""
    from desktop_slm.tools import email, report, summarize, translate

    mail = run_tools.add_parser("email", help="write an email from notes, or a reply")
    _common(mail)
    mail.add_argument(
        "--input", metavar="FILE|-", help="file with the notes, or - for standard input (default)"
    )
    mail.add_argument(
        "--reply-to", metavar="FILE", help="the email to answer (the notes say what to reply)"
    )
    mail.add_argument("--tone", choices=list(email.TONES), default=None)
    mail.add_argument("--length", choices=list(email.LENGTHS), default=None)
    mail.add_argument("--language", metavar="LANG", default=None, help="e.g. French or fr")
    mail.add_argument(
        "--to-name", "--recipient", dest="recipient", metavar="NAME", default="",
        help="the recipient's name",
    )  # fmt: skip
    mail.add_argument(
        "--relationship", default="", help='who the recipient is to you, e.g. "my manager"'
    )
    mail.add_argument("--sign-off", metavar="NAME", default="", help="sign the email as NAME")
    mail.set_defaults(handler=_run_email)

    rep = run_tools.add_parser("report", help="write a report section by section from notes")
    _common(rep)
    _input(rep, "notes, bullet points or pasted material")
    rep.add_argument("--kind", choices=list(report.KINDS), default="status")
    rep.add_argument("--instruction", default="", help="what to write (required for custom)")
    rep.add_argument("--title", default="", help="the report's title")
    rep.add_argument(
        "--sections",
        type=_section_count,
        default=6,
        metavar="N",
        help=f"at most N sections (1-{report.MAX_SECTIONS}, default 6)",
    )
    rep.add_argument("--language", metavar="LANG", default="English")
    _output(rep)
    rep.set_defaults(handler=_run_report)

    tr = run_tools.add_parser("translate", help="translate a text, keeping its layout")
    _common(tr)
    _input(tr, "the text to translate")
    tr.add_argument("--to", dest="target", metavar="LANG", required=True, type=_language)
    tr.add_argument(
        "--from", dest="source", metavar="LANG|auto", default="auto", type=_language_or_auto
    )
    tr.add_argument("--formality", choices=list(translate.FORMALITIES), default="default")
    _output(tr)
    tr.set_defaults(handler=_run_translate)

    summ = run_tools.add_parser("summarize", help="summarize a text or document of any length")
    _common(summ)
    _input(summ, "the text or document (.txt, .md, .pdf, .docx, .html)")
    summ.add_argument("--length", choices=list(summarize.LENGTHS), default="short")
    summ.add_argument("--focus", default="", help="a question or angle to focus on")
    summ.add_argument("--language", metavar="LANG", default="", help="language of the summary")
    _output(summ)
    summ.set_defaults(handler=_run_summarize)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", dest="tool_model", metavar="PATH_OR_ID", help="model (.gguf file) to use"
    )
    parser.add_argument("--max-tokens", type=cli._positive_int, default=None)
    parser.add_argument("--temperature", type=cli._temperature, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object with the text, model, tokens and timings",
    )


def _input(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--input", metavar="FILE|-", required=True, help=f"file with {what}, or - for stdin"
    )


def _output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="save the result; the extension picks the format (.md, .txt, .html, .docx)",
    )


def _section_count(value: str) -> int:
    from desktop_slm.tools.report import MAX_SECTIONS

    number = cli._positive_int(value)
    if number > MAX_SECTIONS:
        raise argparse.ArgumentTypeError(f"must be {MAX_SECTIONS} or less")
    return number


def _language(value: str) -> str:
    from desktop_slm.languages import UnknownLanguage, find_language

    try:
        return find_language(value).code
    except UnknownLanguage as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _language_or_auto(value: str) -> str:
    return "auto" if value.strip().lower() in ("auto", "") else _language(value)


# ---------------------------------------------------------------- shared plumbing
def _settings() -> Settings:
    from desktop_slm.config import load_settings

    loaded = load_settings()
    if loaded.notice:
        print(f"{APP_NAME}: {loaded.notice}", file=sys.stderr)
    return loaded.settings


def _read_input(source: str | None) -> str:
    """Standard input, or a document of any supported kind (PDF, Word, HTML, text)."""
    if source in (None, "-"):
        return cli._read_notes(source)
    from desktop_slm.documents import read_document

    document = read_document(source)
    if document.notice:
        print(f"{APP_NAME}: {document.notice}", file=sys.stderr)
    return document.text


def _check_output(path: Path | None) -> None:
    """Refuse an unusable --output before any work is done."""
    if path is None:
        return
    from desktop_slm.documents.export import export_format

    export_format(path)


def _load(client: EngineClient, args: argparse.Namespace, settings: Settings) -> ActiveModel:
    model_path = cli._resolve_model(cli._model_choice(args, settings.model_path))
    active = client.load(model_path, n_ctx=settings.n_ctx, n_threads=settings.n_threads)
    base = " (base model: not instruction-tuned)" if active.info.is_base_model else ""
    print(f"{APP_NAME}: model {active.info.display_name()}{base}", file=sys.stderr)
    return active


def _model_json(active: ActiveModel) -> dict[str, Any]:
    return {
        "path": str(active.info.path),
        "name": active.info.display_name(),
        "base_model": active.info.is_base_model,
        "n_ctx": active.loaded.n_ctx,
        "n_threads": active.loaded.n_threads,
    }


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _sampling(args: argparse.Namespace, settings: Settings) -> Any:
    from desktop_slm.engine.protocol import SamplingOptions

    return SamplingOptions(
        temperature=settings.temperature if args.temperature is None else args.temperature,
        seed=args.seed,
    )


def _run_job(
    args: argparse.Namespace,
    settings: Settings,
    make_job: JobFactory,
    *,
    title: str = "",
) -> int:
    """Load the model, run a multi-step job with progress on stderr, print or save the result."""
    from desktop_slm.engine.client import EngineClient
    from desktop_slm.tools.budget import ModelLimits
    from desktop_slm.tools.jobs import JobProgress, JobResult, JobRunner

    with EngineClient() as client:
        active = _load(client, args, settings)
        limits = ModelLimits.of(client, max_answer_tokens=args.max_tokens)
        job = make_job(limits)
        runner = JobRunner(client, _sampling(args, settings))
        result: JobResult | None = None
        first = True
        with cli.cancel_on_sigint(runner.stop) as interrupted:
            for event in runner.run(job):
                if isinstance(event, JobProgress):
                    if not (first and event.total == 1 and event.is_output):
                        print(f"{APP_NAME}: {event.label}", file=sys.stderr, flush=True)
                    first = False
                elif isinstance(event, JobResult):
                    result = event
        assert result is not None
        stopped = interrupted.is_set() or result.cancelled
        return _report_result(args, result, active, stopped=stopped, title=title)


def _report_result(
    args: argparse.Namespace, result: JobResult, active: ActiveModel, *, stopped: bool, title: str
) -> int:
    text = result.text
    payload: dict[str, Any] = {
        "text": text,
        "cancelled": stopped,
        "requests": result.requests,
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "elapsed_s": round(result.elapsed_s, 3),
        "tokens_per_s": round(result.tokens_per_s, 2),
        "detail": _plain(dict(result.detail)),
        "model": _model_json(active),
    }
    output: Path | None = getattr(args, "output", None)
    if stopped:
        if args.json:
            print(json.dumps(payload, ensure_ascii=False))
        elif text:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        print(
            f"{APP_NAME}: interrupted; generation stopped"
            + ("; the partial result is above" if text and not args.json else ""),
            file=sys.stderr,
        )
        return cli.EXIT_INTERRUPTED
    if output is not None:
        from desktop_slm.documents import export

        saved = export(output, text, title=title)
        print(f"{APP_NAME}: saved {saved}", file=sys.stderr)
        if args.json:
            payload["output"] = str(saved)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
    elif output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    print(
        f"{APP_NAME}: {result.requests} request{'s' if result.requests != 1 else ''}, "
        f"{result.completion_tokens} tokens in {result.elapsed_s:.1f} s",
        file=sys.stderr,
    )
    return cli.EXIT_OK


def _usage(tool: str, message: str) -> int:
    print(f"{APP_NAME} run {tool}: error: {message}", file=sys.stderr)
    return cli.EXIT_USAGE


# ---------------------------------------------------------------- email
def _run_email(args: argparse.Namespace) -> int:
    from desktop_slm.engine.client import EngineClient
    from desktop_slm.engine.protocol import Completion, SamplingOptions
    from desktop_slm.tools import email
    from desktop_slm.tools.budget import ModelLimits
    from desktop_slm.tools.prompt import stream

    settings = _settings()
    # Before reading the notes: a missing model must not wait for standard input first.
    model_path = cli._resolve_model(cli._model_choice(args, settings.model_path))
    original = _read_input(args.reply_to) if args.reply_to else ""
    try:
        notes = (
            cli._read_notes(args.input)
            if not (original and args.input is None and sys.stdin.isatty())
            else ""
        )
    except cli._UsageError as exc:
        return _usage("email", str(exc))
    request = email.EmailRequest(
        notes=notes,
        tone=args.tone or settings.email_tone,
        length=args.length or settings.email_length,
        language=args.language or settings.email_language,
        recipient=args.recipient,
        sign_off=args.sign_off,
        original_email=original,
        relationship=args.relationship,
    )
    prompt = email.build(request)
    options = SamplingOptions(
        max_tokens=args.max_tokens or prompt.suggested_max_tokens,
        temperature=settings.temperature if args.temperature is None else args.temperature,
        seed=args.seed,
    )
    # Names the model may have left as "[Your Name]" are filled in, so the text is
    # printed once finished instead of streamed.
    fill_names = bool(request.sign_off.strip() or request.recipient.strip())

    with EngineClient() as client:
        active = client.load(model_path, n_ctx=settings.n_ctx, n_threads=settings.n_threads)
        print(f"{APP_NAME}: model {active.info.display_name()}", file=sys.stderr)
        what = "original email with the notes" if request.is_reply else "notes"
        max_tokens = ModelLimits.of(client).fit_answer(prompt, options.max_tokens, what=what)
        options = dataclasses.replace(options, max_tokens=max_tokens)
        result: Completion | None = None
        with cli.cancel_on_sigint(client.cancel) as interrupted:
            for event in stream(client, prompt, options):
                if isinstance(event, Completion):
                    result = event
                elif not args.json and not fill_names:
                    sys.stdout.write(event.text)
                    sys.stdout.flush()
        assert result is not None
        if interrupted.is_set() or result.cancelled:
            if not args.json:
                if fill_names:
                    sys.stdout.write(result.text)
                sys.stdout.write("\n")
            print(f"{APP_NAME}: interrupted; generation stopped", file=sys.stderr)
            return cli.EXIT_INTERRUPTED
        draft = email.finish(result.text, request)
        text = result.text
        if fill_names:
            text = f"Subject: {draft.subject}\n\n{draft.body}" if draft.subject else draft.body
        if args.json:
            payload = {
                **result.to_dict(),
                "text": text,
                "subject": draft.subject,
                "body": draft.body,
                "model": _model_json(active),
            }
            print(json.dumps(payload, ensure_ascii=False))
        else:
            if fill_names:
                sys.stdout.write(text)
            if not text.endswith("\n"):
                sys.stdout.write("\n")
            t = result.timings
            print(
                f"{APP_NAME}: {result.completion_tokens} tokens, "
                f"{t.tokens_per_s:.1f} tokens/s, first token after {t.ttft_s:.2f} s",
                file=sys.stderr,
            )
    return cli.EXIT_OK


# ---------------------------------------------------------------- report, translate, summarize
def _prepare(args: argparse.Namespace, tool: str) -> tuple[Settings, str] | int:
    """Settings and the input text, checked in the order a user needs to hear about them.

    An int is the exit code of a usage error, already reported.
    """
    settings = _settings()
    _check_output(args.output)
    # Before reading the input: a missing model must not wait for standard input first.
    cli._resolve_model(cli._model_choice(args, settings.model_path))
    try:
        return settings, _read_input(args.input)
    except cli._UsageError as exc:
        return _usage(tool, str(exc))


def _run_report(args: argparse.Namespace) -> int:
    from desktop_slm.tools import report

    prepared = _prepare(args, "report")
    if isinstance(prepared, int):
        return prepared
    settings, notes = prepared
    request = report.ReportRequest(
        notes=notes,
        kind=args.kind,
        instruction=args.instruction,
        language=args.language,
        title=args.title,
        max_sections=args.sections,
    )
    request.check()
    return _run_job(args, settings, lambda limits: report.report_job(request, limits))


def _run_translate(args: argparse.Namespace) -> int:
    from desktop_slm.tools import translate

    prepared = _prepare(args, "translate")
    if isinstance(prepared, int):
        return prepared
    settings, text = prepared
    request = translate.TranslateRequest(
        text=text, target=args.target, source=args.source, formality=args.formality
    )
    request.check()
    return _run_job(args, settings, lambda limits: translate.job(request, limits))


def _run_summarize(args: argparse.Namespace) -> int:
    from desktop_slm.tools import summarize

    prepared = _prepare(args, "summarize")
    if isinstance(prepared, int):
        return prepared
    settings, text = prepared
    request = summarize.SummarizeRequest(
        text=text, length=args.length, focus=args.focus, language=args.language
    )
    request.check()

    def make_job(limits: ModelLimits) -> Job:
        summary_plan = summarize.plan(request, limits)
        if not summary_plan.direct:
            print(
                f"{APP_NAME}: the text is longer than the model's context "
                f"({limits.n_ctx:,} tokens): summarizing it in {len(summary_plan.chunks)} "
                "chunks",
                file=sys.stderr,
            )
        return summarize.job(request, limits, summary_plan)

    return _run_job(args, settings, make_job)
