"""The fact check measured on a held-out labelled set it was not tuned on (issue 10).

Scored exactly like the tuning set in test_checking_facts.py; every case where the check
and the labels disagree is printed (run with ``-s`` to see them).
"""

from __future__ import annotations

from desktop_slm.checking.facts import Detail, check_facts
from tests.fact_check_heldout import CASES
from tests.test_checking_facts import _same, _score


def _unmatched(found: list[Detail], labels: list[str]) -> tuple[list[str], list[str]]:
    """What the check found that no label names, and the labels it did not find."""
    wrong = [d.text for d in found if not any(_same(t, d) for t in labels)]
    overlooked = [t for t in labels if not any(_same(t, d) for d in found)]
    return wrong, overlooked


def test_the_held_out_set_is_large_and_has_errors() -> None:
    kinds = {case["kind"] for case in CASES}
    with_errors = [case for case in CASES if case["missing"] or case["invented"]]
    assert len(CASES) >= 50
    assert kinds == {"email", "report", "translation", "summary"}
    assert len(with_errors) * 2 >= len(CASES)


def _labelled(side: str) -> list[tuple[int, str]]:
    return [(index, text) for index, case in enumerate(CASES) for text in case[side]]


def test_precision_and_recall_on_the_held_out_set() -> None:
    checks = [
        check_facts(case["source"], case["draft"], given=case.get("given", ()), kind=case["kind"])
        for case in CASES
    ]
    figures = []
    disagreements = []
    for side in ("missing", "invented"):
        found = [(index, d) for index, check in enumerate(checks) for d in getattr(check, side)]
        figures.append(_score(found, _labelled(side)))
        for index, (case, check) in enumerate(zip(CASES, checks, strict=True)):
            wrong, overlooked = _unmatched(getattr(check, side), case[side])
            if wrong or overlooked:
                disagreements.append(
                    f"case {index} ({case['kind']}) {side}: expected {case[side]}, "
                    f"got {[d.text for d in getattr(check, side)]}"
                )
    names = ("missing precision", "recall", "invented precision", "recall")
    values = [value for pair in figures for value in pair]
    measured = "; ".join(f"{name} {value:.3f}" for name, value in zip(names, values, strict=True))
    print(f"\nfact check on {len(CASES)} held-out cases: {measured}")
    print("\n".join(disagreements))
    assert all(value >= 0.9 for value in values), measured
