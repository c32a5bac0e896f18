"""``desktop-slm check``: which details of a source a draft drops, and which it invents."""

from __future__ import annotations

import argparse
import json
from typing import Any

from desktop_slm.commands.common import EXIT_OK, UsageError, read_input, usage


def register(commands: Any, run_tools: Any) -> None:
    """Add ``check`` (no model needed: the fact check is plain rules)."""
    from desktop_slm.checking.facts import KINDS

    check = commands.add_parser(
        "check",
        help="list the details (names, dates, numbers) a draft drops or invents",
        description="Compare a draft with its source: details of the source the draft "
        "does not contain (missing), and details of the draft found neither in the source "
        "nor in --given (not in the source). No model is used.",
    )
    check.add_argument(
        "--source", required=True, metavar="FILE|-", help="the notes, original or document"
    )
    check.add_argument("--draft", required=True, metavar="FILE|-", help="the text to check")
    check.add_argument(
        "--kind",
        choices=list(KINDS),
        default="email",
        help="what the draft is; a summary is only missing the source's salient details",
    )
    check.add_argument(
        "--given",
        action="append",
        default=[],
        metavar="NAME",
        help="a name you gave (recipient, sign-off); never counted as invented; repeatable",
    )
    check.add_argument(
        "--json",
        action="store_true",
        help='print {"missing": [{"text", "kind"}], "invented": [...], ...}',
    )
    check.set_defaults(handler=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    from desktop_slm.checking.facts import check_facts

    if args.source == "-" and args.draft == "-":
        return usage("check", "only one of --source and --draft can be standard input (-)")
    try:
        source = read_input(args.source)
        draft = read_input(args.draft)
    except UsageError as exc:
        return usage("check", str(exc))
    result = check_facts(source, draft, given=args.given, kind=args.kind)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return EXIT_OK
    source = result.source_label
    lines = [f"{len(result.missing)} missing (in {source}, not in the draft):"]
    lines += [f"  {' '.join(d.text.split())}  ({d.kind})" for d in result.missing]
    lines.append(f"{len(result.invented)} not in {source} (only in the draft):")
    lines += [f"  {' '.join(d.text.split())}  ({d.kind})" for d in result.invented]
    lines.append(result.summary())
    print("\n".join(lines))
    return EXIT_OK
