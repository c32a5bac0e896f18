"""``desktop-slm run email|report|translate|summarize|analyze|continue``: the tools without
the window."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_slm import APP_NAME
from desktop_slm.commands import server
from desktop_slm.commands.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    cancel_on_sigint,
    note,
    positive_int,
    read_input,
    read_notes,
    temperature,
    usage,
)
from desktop_slm.errors import UserFacingError

if TYPE_CHECKING:
    from desktop_slm.config import Settings
    from desktop_slm.documents.table import Table
    from desktop_slm.engine.client import ActiveModel, EngineClient
    from desktop_slm.engine.remote import ServerEngine
    from desktop_slm.models.selection import ModelSettings
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
    mail.add_argument(
        "--sign-off",
        metavar="NAME",
        default=None,
        help='sign the email as NAME ("" for no name; default: the name set in the window, '
        "else your account's full name)",
    )
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

    cont = run_tools.add_parser(
        "continue", help="print how a text goes on (the window's inline suggestion)"
    )
    _input(cont, "the text to continue (a final line break is ignored)")
    cont.add_argument(
        "--words", type=_word_count, default=None, metavar="N",
        help="at most N words (default 12); the continuation also ends with its sentence",
    )  # fmt: skip
    cont.add_argument(
        "--model", dest="tool_model", metavar="PATH_OR_ID", help="model (.gguf file) to use"
    )
    cont.add_argument(
        "--context", type=positive_int, default=None, metavar="N", help="context size in tokens"
    )
    cont.add_argument("--threads", type=positive_int, default=None, metavar="N")
    server.add_option(cont)
    cont.add_argument(
        "--json", action="store_true", help='print {"continuation": ..., "model": ...}'
    )
    cont.set_defaults(handler=_run_continue, temperature=None, max_tokens=None)

    ana = run_tools.add_parser(
        "analyze",
        help="sentiment, entities, key facts and action items of a text, or of every row "
        "of a CSV file",
    )
    _common(ana, raw=False)
    _input(ana, "the text or document, or a CSV table (.csv, .tsv)")
    ana.add_argument(
        "--column",
        metavar="NAME",
        help="the CSV column holding the texts (default: the one with the longest texts); "
        "reads the input as a table whatever its name",
    )
    ana.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="for a table: the analyses as .csv (the input's columns and sentiment, "
        "entities, action_items) or .jsonl, written row by row; the same command again "
        "continues where it stopped (default: JSON Lines on stdout). For one text: save "
        "the card (.md, .txt, .html, .docx)",
    )
    ana.set_defaults(handler=_run_analyze, raw=False)


def _common(parser: argparse.ArgumentParser, *, raw: bool = True) -> None:
    parser.add_argument(
        "--model", dest="tool_model", metavar="PATH_OR_ID", help="model (.gguf file) to use"
    )
    parser.add_argument(
        "--max-tokens",
        type=positive_int,
        default=None,
        metavar="N",
        help="the longest single answer, in tokens (default: the model's answer length); "
        "an answer may run a few tokens past it to finish its sentence",
    )
    parser.add_argument("--temperature", type=temperature, default=None)
    parser.add_argument(
        "--context", type=positive_int, default=None, metavar="N", help="context size in tokens"
    )
    parser.add_argument("--threads", type=positive_int, default=None, metavar="N")
    parser.add_argument("--seed", type=int, default=None)
    server.add_option(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object with the text, model, tokens and timings",
    )
    if not raw:
        return  # the tool's answers only make sense in their form
    parser.add_argument(
        "--raw",
        action="store_true",
        help="the model's answers as they are: not finished or trimmed at the length "
        "limit, repetition not stopped",
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

    number = positive_int(value)
    if number > MAX_SECTIONS:
        raise argparse.ArgumentTypeError(f"must be {MAX_SECTIONS} or less")
    return number


def _word_count(value: str) -> int:
    from desktop_slm.tools.predict import MAX_WORDS

    number = positive_int(value)
    if number > MAX_WORDS:
        raise argparse.ArgumentTypeError(f"must be {MAX_WORDS} or less")
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
        note(loaded.notice)
    return loaded.settings


def _check_output(path: Path | None) -> None:
    """Refuse an unusable --output before any work is done."""
    if path is None:
        return
    from desktop_slm.documents.export import export_format

    export_format(path)


@dataclass(frozen=True)
class _Run:
    """The model a run uses and the settings it runs with (the model's own, then flags)."""

    model_path: Path | None
    tuning: ModelSettings
    server: str | None = None
    """The team server that runs the model (``--server``); None: this computer."""
    model_id: str | None = None
    """The server's model (``--model`` with ``--server``); None: its only one."""

    def engine(self, *, batch: bool = False) -> EngineClient | ServerEngine:
        return server.open_engine(self.server, batch=batch)

    def activate(self, engine: EngineClient | ServerEngine) -> ActiveModel:
        return server.activate(
            engine,
            model_path=self.model_path,
            model_id=self.model_id,
            n_ctx=self.tuning.n_ctx,
            n_threads=self.tuning.n_threads,
        )


def _choose_model(args: argparse.Namespace, settings: Settings) -> _Run:
    """The model (``--model``, else the active one) and its remembered settings.

    Called before the input is read: a missing model must not wait for standard input.
    """
    from desktop_slm.models.selection import ModelSelection, ModelSettings

    choice = getattr(args, "tool_model", None) or args.model
    url = server.chosen_server(args)
    if url is not None:
        # The server's own context, unless --context says it; the rest as Preferences.
        tuning = replace(ModelSettings.of(settings), n_ctx=None, n_threads=None)
        return _Run(None, _with_flags(tuning, args), server=url, model_id=choice)
    selection = ModelSelection()
    path = selection.resolve(choice)
    return _Run(path, _with_flags(selection.settings_for(path, settings), args))


def _with_flags(tuning: ModelSettings, args: argparse.Namespace) -> ModelSettings:
    flags = {
        "n_ctx": args.context,
        "n_threads": args.threads,
        "temperature": args.temperature,
        "max_tokens": args.max_tokens,
    }
    return replace(tuning, **{k: v for k, v in flags.items() if v is not None})


def _model_json(active: ActiveModel) -> dict[str, Any]:
    return {
        "path": str(active.info.path),
        "name": active.info.display_name(),
        "base_model": active.info.is_base_model,
        "n_ctx": active.loaded.n_ctx,
        "n_threads": active.loaded.n_threads,
        **({"server": server} if (server := getattr(active.info, "server", "")) else {}),
    }


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class _OutputSoFar:
    """The output text streamed so far, printed when the run fails midway (a server that
    stopped mid-answer): what was written is kept, and the error follows on stderr."""

    def __init__(self, *, streamed: bool) -> None:
        self._parts: list[str] = []
        self._streamed = streamed

    def add(self, text: str) -> None:
        self._parts.append(text)

    def replace(self, text: str) -> None:
        self._parts = [text]

    @contextlib.contextmanager
    def kept_on_failure(self) -> Iterator[None]:
        try:
            yield
        except UserFacingError:
            text = "".join(self._parts)
            if text and not self._streamed:
                sys.stdout.write(text)
            if text and not text.endswith("\n"):
                sys.stdout.write("\n")
            if text:
                note("the answer was cut off; the text so far is above")
            raise


@dataclass(frozen=True)
class _Presented:
    """What a tool makes of a finished job: the text to print and extra JSON fields."""

    text: str
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)


Present = Callable[["JobResult"], _Presented]


def _run_job(
    args: argparse.Namespace,
    run: _Run,
    make_job: JobFactory,
    *,
    title: str = "",
    present: Present | None = None,
    stream_output: bool = False,
    checked: tuple[str, object] | None = None,
) -> int:
    """Load the model, run a tool's job (the window runs the same one), print or save it.

    Progress goes to stderr (each step's label; for a long input or a job of many
    steps, the reading progress and time left: :class:`ProgressLine`), and so do the
    guards' notices ("Shortened to fit the length."). With ``stream_output`` and
    ``--raw`` the answer of a one-step job is written to stdout as it is generated
    (only when ``present`` cannot change it).
    ``checked`` is the tool and its request: the answer is fact-checked against it
    (``"check"`` in the JSON, else its one-line summary on stderr).
    """
    from desktop_slm.commands.progress import ProgressLine
    from desktop_slm.engine.protocol import SamplingOptions
    from desktop_slm.engine.speeds import SpeedBook
    from desktop_slm.tools.budget import ModelLimits
    from desktop_slm.tools.jobs import (
        JobPreview,
        JobProgress,
        JobResult,
        JobRunner,
        JobStepDone,
        JobToken,
    )

    tuning = run.tuning
    guards = not args.raw
    # The guards may shorten the answer at its end or cut a loop out of it once it is
    # written, so the text is printed when finished (what was streamed cannot be taken back).
    streaming = (
        stream_output and not guards and not args.json and getattr(args, "output", None) is None
    )
    with run.engine() as client:
        active = run.activate(client)
        sampling = SamplingOptions(temperature=tuning.temperature, seed=args.seed)
        for attempt in range(2):
            limits = ModelLimits.of(client, max_answer_tokens=tuning.max_tokens)
            job = make_job(limits)
            # Streamed text and an in-place line on one terminal would garble each other.
            line = ProgressLine(sys.stderr, enabled=not streaming)
            runner = JobRunner(
                client,
                sampling,
                guards=guards,
                on_estimate=line.show,
                speeds=SpeedBook.default(),
            )
            result: JobResult | None = None
            last: JobStepDone | None = None
            first = True
            so_far = _OutputSoFar(streamed=streaming)
            with (
                cancel_on_sigint(runner.stop) as interrupted,
                line,
                so_far.kept_on_failure(),
            ):
                try:
                    for event in runner.run(job):
                        if isinstance(event, JobToken):
                            if event.is_output:
                                so_far.add(event.text)
                            if streaming and event.is_output:
                                sys.stdout.write(event.text)
                                sys.stdout.flush()
                        elif isinstance(event, JobPreview):
                            so_far.replace(event.text)
                        elif isinstance(event, JobProgress):
                            line.clear()
                            if not (first and event.total == 1 and event.is_output):
                                print(f"{APP_NAME}: {event.label}", file=sys.stderr, flush=True)
                            first = False
                        elif isinstance(event, JobStepDone):
                            last = event
                        elif isinstance(event, JobResult):
                            result = event
                except UserFacingError as exc:
                    if attempt or not server.context_learned(client, limits.n_ctx, exc):
                        raise
                    continue  # planned again for the server's real context
            break
        assert result is not None
        stopped = interrupted.is_set() or result.cancelled
        shown = present(result) if present and not stopped else _Presented(result.text)
        finish = last.completion.finish_reason if last else ""
        payload: dict[str, Any] = {
            "text": shown.text,
            "cancelled": stopped,
            "requests": result.requests,
            "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens,
            "elapsed_s": round(result.elapsed_s, 3),
            "tokens_per_s": round(result.tokens_per_s, 2),
            "finish_reason": "cancelled" if stopped else finish,
            "timings": last.completion.timings.__dict__.copy() if last else {},
            "detail": _plain(dict(result.detail)),
            "notices": list(result.notices),
            "model": _model_json(active),
            **shown.fields,
        }
        if checked is not None:
            from desktop_slm.tools.verify import check_answer

            payload["check"] = check_answer(checked[0], checked[1], shown.text).to_json()
        return _report(args, payload, stopped=stopped, streamed=streaming, title=title)


def _report(
    args: argparse.Namespace, payload: dict[str, Any], *, stopped: bool, streamed: bool, title: str
) -> int:
    text: str = payload["text"]

    def print_text() -> None:
        if not streamed:
            sys.stdout.write(text)
        if (text and not text.endswith("\n")) or (streamed and not text):
            sys.stdout.write("\n")

    if stopped:
        if args.json:
            print(json.dumps(payload, ensure_ascii=False))
        else:
            print_text()
        print(
            f"{APP_NAME}: interrupted; generation stopped"
            + ("; the partial result is above" if text and not args.json else ""),
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    output: Path | None = getattr(args, "output", None)
    if output is not None:
        from desktop_slm.documents import export

        saved = export(output, text, title=title)
        note(f"saved {saved}")
        payload["output"] = str(saved)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
    elif output is None:
        print_text()
    if not args.json:
        for notice in payload["notices"]:
            note(notice)
        if "check" in payload:
            note(payload["check"]["summary"])
    requests = payload["requests"]
    note(
        f"{requests} request{'s' if requests != 1 else ''}, "
        f"{payload['completion_tokens']} tokens in {payload['elapsed_s']:.1f} s "
        f"({payload['tokens_per_s']:.1f} tokens/s)"
    )
    return EXIT_OK


# ---------------------------------------------------------------- email
def _run_email(args: argparse.Namespace) -> int:
    from desktop_slm.config import sign_off_name
    from desktop_slm.tools import email

    settings = _settings()
    run = _choose_model(args, settings)
    original = read_input(args.reply_to) if args.reply_to else ""
    try:
        notes = (
            read_notes(args.input)
            if not (original and args.input is None and sys.stdin.isatty())
            else ""
        )
    except UsageError as exc:
        return usage("run email", str(exc))
    tone, length = email.remembered_options(settings)
    request = email.EmailRequest(
        notes=notes,
        tone=args.tone or tone,
        length=args.length or length,
        language=args.language or settings.email_language,
        recipient=args.recipient,
        sign_off=sign_off_name(settings) if args.sign_off is None else args.sign_off.strip(),
        original_email=original,
        relationship=args.relationship,
    )
    email.build(request)  # checks the options before the model loads

    # The app writes the subject, closing and name (email.finish), so the email is
    # printed once finished, not streamed as the model writes it.
    def present(result: JobResult) -> _Presented:
        draft = email.finish(result.text, request)
        text = f"Subject: {draft.subject}\n\n{draft.body}"
        return _Presented(text, {"subject": draft.subject, "body": draft.body})

    # --raw: the model's own answer, streamed, without the guards or the app's form.
    return _run_job(
        args,
        run,
        lambda limits: email.job(request, limits),
        present=None if args.raw else present,
        stream_output=args.raw,
        checked=("email", request),
    )


# ---------------------------------------------------------------- report, translate, summarize
def _prepare(args: argparse.Namespace, tool: str) -> tuple[_Run, str] | int:
    """The model to run and the input text, checked in the order a user needs to hear them.

    An int is the exit code of a usage error, already reported.
    """
    settings = _settings()
    _check_output(args.output)
    run = _choose_model(args, settings)
    try:
        return run, read_input(args.input)
    except UsageError as exc:
        return usage(f"run {tool}", str(exc))


def _run_report(args: argparse.Namespace) -> int:
    from desktop_slm.tools import report

    prepared = _prepare(args, "report")
    if isinstance(prepared, int):
        return prepared
    run, notes = prepared
    request = report.ReportRequest(
        notes=notes,
        kind=args.kind,
        instruction=args.instruction,
        language=args.language,
        title=args.title,
        max_sections=args.sections,
    )
    request.check()
    return _run_job(
        args, run, lambda limits: report.report_job(request, limits), checked=("report", request)
    )


def _run_translate(args: argparse.Namespace) -> int:
    from desktop_slm.tools import translate

    prepared = _prepare(args, "translate")
    if isinstance(prepared, int):
        return prepared
    run, text = prepared
    request = translate.TranslateRequest(
        text=text, target=args.target, source=args.source, formality=args.formality
    )
    request.check()
    return _run_job(
        args, run, lambda limits: translate.job(request, limits), checked=("translate", request)
    )


def _run_summarize(args: argparse.Namespace) -> int:
    from desktop_slm.tools import summarize

    prepared = _prepare(args, "summarize")
    if isinstance(prepared, int):
        return prepared
    run, text = prepared
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

    return _run_job(args, run, make_job, checked=("summarize", request))


# ---------------------------------------------------------------- continue
def _run_continue(args: argparse.Namespace) -> int:
    """Print the continuation the window would suggest after ``--input`` (greedy: repeatable)."""
    import threading

    from desktop_slm.tools import predict

    settings = _settings()
    run = _choose_model(args, settings)
    try:
        text = read_input(args.input)
    except UsageError as exc:
        return usage("run continue", str(exc))
    # A file's last line ends with a line break; the text goes on from that line.
    text = text.removesuffix("\n").removesuffix("\r")
    words = args.words or predict.DEFAULT_WORDS
    with run.engine() as client:
        active = run.activate(client)
        stop = threading.Event()

        def cancel() -> None:
            stop.set()
            client.cancel()

        with cancel_on_sigint(cancel) as interrupted:
            continuation = predict.continue_text(client, text, words=words, stop=stop)
    if interrupted.is_set():
        print(f"{APP_NAME}: interrupted; nothing was predicted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.json:
        print(json.dumps({"continuation": continuation, "model": _model_json(active)}))
    elif continuation:
        print(continuation)
    else:
        note("the model had no continuation for this text")
    return EXIT_OK


# ---------------------------------------------------------------- analyze
TABLE_SUFFIXES = (".csv", ".tsv")


def _run_analyze(args: argparse.Namespace) -> int:
    from desktop_slm.tools import analyze

    settings = _settings()
    as_table = args.column is not None or Path(args.input).suffix.lower() in TABLE_SUFFIXES
    if as_table:
        if args.output is not None:
            from desktop_slm.tools.batch import output_format

            output_format(args.output)
    else:
        _check_output(args.output)
    run = _choose_model(args, settings)
    temperature = analyze.TEMPERATURE if args.temperature is None else args.temperature
    run = replace(run, tuning=replace(run.tuning, temperature=temperature))
    if as_table:
        return _run_batch(args, run)
    try:
        text = read_input(args.input)
    except UsageError as exc:
        return usage("run analyze", str(exc))
    request = analyze.AnalyzeRequest(text)
    request.check()

    def present(result: JobResult) -> _Presented:
        found = analyze.Analysis.from_json(
            result.detail["analysis"], str(result.detail["analysed_text"])
        )
        return _Presented(found.to_text(), found.to_json())

    return _run_job(args, run, lambda limits: analyze.analyze_job(request, limits), present=present)


def _read_table(source: str) -> Table:
    from desktop_slm.documents.table import parse_table, read_table

    if source == "-":
        return parse_table(read_notes(source), "The table on standard input")
    return read_table(source)


def _run_batch(args: argparse.Namespace, run: _Run) -> int:
    """Every row of a table, each written at once; Ctrl+C keeps the rows finished."""
    from desktop_slm.documents.table import guess_text_column
    from desktop_slm.engine.protocol import SamplingOptions
    from desktop_slm.tools.analyze import ANSWER_TOKENS
    from desktop_slm.tools.batch import BatchDone, BatchProgress, BatchRow, BatchRunner, row_json

    try:
        table = _read_table(args.input)
    except UsageError as exc:
        return usage("run analyze", str(exc))
    column = args.column or guess_text_column(table)
    if args.column is None:
        note(f"analysing the column {column!r}")
    output: Path | None = args.output
    with run.engine(batch=True) as client:
        options = SamplingOptions(
            temperature=run.tuning.temperature,
            seed=args.seed,
            max_tokens=min(ANSWER_TOKENS, run.tuning.max_tokens),
        )
        # Made before the model loads: an output of another table is refused at once.
        runner = BatchRunner(client, table, column, output=output, options=options)
        active: ActiveModel | None = None
        if runner.already_done < len(table.rows):  # else there is nothing to ask a model
            active = run.activate(client)
        done: BatchDone | None = None
        resumed = 0
        with cancel_on_sigint(runner.stop) as interrupted:
            for event in runner.run():
                if isinstance(event, BatchRow):
                    if event.resumed:
                        resumed += 1
                    if event.notice:
                        note(f"row {event.index + 1}: {event.notice}")
                    if output is None:
                        sys.stdout.write(json.dumps(row_json(event), ensure_ascii=False) + "\n")
                        sys.stdout.flush()
                elif isinstance(event, BatchProgress):
                    if event.resumed_from and event.done == event.resumed_from:
                        note(f"continuing after the {event.resumed_from} rows already done")
                    note(event.describe())
                else:
                    done = event
        assert done is not None
        stopped = interrupted.is_set() or done.stopped
        analysed = done.done - resumed
        rate = 60.0 * analysed / done.elapsed_s if done.elapsed_s > 0 else 0.0
        if args.json and output is not None:
            payload = {
                "rows": done.total,
                "done": done.done,
                "resumed_from": resumed,
                "cancelled": stopped,
                "column": column,
                "output": str(output),
                "elapsed_s": round(done.elapsed_s, 3),
                "rows_per_minute": round(rate, 2),
                "model": _model_json(active) if active is not None else None,
            }
            print(json.dumps(payload, ensure_ascii=False))
        where = f"; the analyses are in {output}" if output is not None else ""
        if stopped:
            again = "; run the same command again to continue" if output is not None else ""
            note(f"interrupted after {done.done} of {done.total} rows{where}{again}")
            return EXIT_INTERRUPTED
        if analysed == 0:
            note(f"all {done.done} rows were analysed before{where}")
        else:
            note(f"{done.done} rows analysed ({analysed} now, {rate:.1f} rows/min){where}")
        return EXIT_OK
