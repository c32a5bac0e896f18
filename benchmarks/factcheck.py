"""``python -m benchmarks.factcheck``: the fact check's time for a 1,000-word draft against a
10,000-word source (target: at most 50 ms). Prints the median and min-max of the runs.

The texts are generated (seeded) business prose: one sentence in four carries several of
the details the check looks for (names, organisations, places, dates in four languages,
times, amounts, percentages, identifiers, phone numbers, e-mail addresses, URLs), about
one detail every 12 words, denser than most documents. ``--dense`` makes every sentence
carry details (one every 3 words), a worst case.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from desktop_slm.checking.facts import check_facts

TARGET_MS = 50.0
PEOPLE = ["Anna Berg", "Marco Rossi", "Priya Nair", "Jan Becker", "Lucía Fernández", "Li Chen"]
PLACES = ["Lyon", "Hamburg", "Valencia", "Torino", "Leeds", "Gent", "Boston"]
COMPANIES = ["Northwind Traders", "Contoso", "FoxBridge", "Nexora", "KettleCo"]
SENTENCES = [
    "On {day} March {name} met the team of {company} in {place} to discuss order #{num}.",
    "The budget rose by {pct}% to €{amount} after the review on {day}/0{month}/2025.",
    "Am {day}. Mai um {hour} Uhr bestätigte {name} die Rechnung INV-2025-{num} über {amount} €.",
    "Le {day} juin à {hour}h30, {name} a confirmé la réservation n° {num} à {place}.",
    "Please call {name} on +49 30 {num}{num} or write to team{num}@example.com.",
    "Flight LH {num} from {place} leaves at {hour}:15; details at https://example.com/{num}.",
    "We expect {pct} percent growth, about {amount} units, before {day} December.",
    "The committee in {place} noted that the harbour needs more workers and a new plan.",
]
PLAIN = [
    "The team reviewed the plan and agreed that the next steps should be written down.",
    "Several customers asked for clearer invoices, and support answered most of them quickly.",
    "We still need to decide how the new process will work for the smaller offices.",
    "Overall the quarter went well, although some deliveries were later than planned.",
    "Please read the attached notes before the meeting so that we can decide quickly.",
    "Die Abteilung hat die Unterlagen geprüft und keine weiteren Fragen gestellt.",
    "Les équipes ont travaillé ensemble pour préparer la prochaine étape du projet.",
]


def make_text(words: int, seed: int, *, dense: bool = False) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    count = 0
    while count < words:
        if not dense and rng.random() < 0.75:
            sentence = rng.choice(PLAIN)
            out.append(sentence)
            count += len(sentence.split())
            continue
        sentence = rng.choice(SENTENCES).format(
            day=rng.randint(1, 28),
            month=rng.randint(1, 9),
            hour=rng.randint(8, 17),
            name=rng.choice(PEOPLE),
            company=rng.choice(COMPANIES),
            place=rng.choice(PLACES),
            num=rng.randint(1000, 9999),
            pct=rng.randint(2, 40),
            amount=f"{rng.randint(1, 99)},{rng.randint(100, 999)}",
        )
        out.append(sentence)
        count += len(sentence.split())
        if rng.random() < 0.15:
            out.append("\n\n")
    return " ".join(out)


def measure(repeats: int, *, dense: bool = False) -> list[float]:
    """CPU milliseconds of each run (the machine is shared: wall time would measure the
    neighbours too)."""
    source = make_text(10_000, seed=1, dense=dense)
    draft = make_text(1_000, seed=2, dense=dense)
    check_facts(source, draft, kind="summary")  # compile and warm up once
    times = []
    for _ in range(repeats):
        started = time.process_time()
        check_facts(source, draft, kind="summary")
        times.append((time.process_time() - started) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.factcheck", description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--dense", action="store_true", help="a detail every 3 words")
    args = parser.parse_args(argv)
    times = measure(args.repeats, dense=args.dense)
    median = statistics.median(times)
    print(
        f"fact check, 1,000-word draft against a 10,000-word source"
        f"{' (dense)' if args.dense else ''}: {median:.1f} ms CPU median "
        f"({min(times):.1f}-{max(times):.1f}, {len(times)} runs); target <= {TARGET_MS:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
