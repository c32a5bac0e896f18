"""The fact check: precision and recall on the labelled set, and the tricky normalisations."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest

from desktop_slm.checking.facts import KINDS, Detail, FactCheck, check_facts
from tests.fact_check_cases import CASES


def _norm(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[\s.,;:!?()\"']+", " ", plain).strip()


def _same(label: str, detail: Detail) -> bool:
    """A detail is the labelled one when one text contains the other (after folding)."""
    a, b = _norm(label), _norm(detail.text)
    return bool(a and b) and (a in b or b in a)


def _score(found: list[tuple[int, Detail]], labels: list[tuple[int, str]]) -> tuple[float, float]:
    true_found = sum(1 for i, d in found if any(j == i and _same(t, d) for j, t in labels))
    recalled = sum(1 for j, t in labels if any(i == j and _same(t, d) for i, d in found))
    precision = true_found / len(found) if found else 1.0
    recall = recalled / len(labels) if labels else 1.0
    return precision, recall


def test_the_labelled_set_is_large_and_varied() -> None:
    assert len(CASES) >= 60
    with_errors = [c for c in CASES if c["missing"] or c["invented"]]
    assert len(with_errors) * 3 >= len(CASES)
    assert {c["kind"] for c in CASES} == set(KINDS)
    translations = " ".join(c["source"] + c["draft"] for c in CASES if c["kind"] == "translation")
    for word in ("Rechnung", "réservation", "pedido", "fatturato"):  # de, fr, es, it
        assert word in translations


def test_precision_and_recall_on_the_labelled_set() -> None:
    missing: list[tuple[int, Detail]] = []
    invented: list[tuple[int, Detail]] = []
    missing_labels: list[tuple[int, str]] = []
    invented_labels: list[tuple[int, str]] = []
    misses = []
    for index, case in enumerate(CASES):
        check = check_facts(
            case["source"], case["draft"], given=case.get("given", ()), kind=case["kind"]
        )
        missing += [(index, d) for d in check.missing]
        invented += [(index, d) for d in check.invented]
        missing_labels += [(index, t) for t in case["missing"]]
        invented_labels += [(index, t) for t in case["invented"]]
        got = ([d.text for d in check.missing], [d.text for d in check.invented])
        if got != (case["missing"], case["invented"]):
            misses.append(
                f"case {index}: expected {case['missing']} / {case['invented']}, got {got}"
            )
    missing_p, missing_r = _score(missing, missing_labels)
    invented_p, invented_r = _score(invented, invented_labels)
    print(
        f"\nfact check on {len(CASES)} cases: missing precision {missing_p:.3f} recall "
        f"{missing_r:.3f}; invented precision {invented_p:.3f} recall {invented_r:.3f}"
    )
    print("\n".join(misses))
    assert missing_p >= 0.9
    assert missing_r >= 0.9
    assert invented_p >= 0.9
    assert invented_r >= 0.9


def _kept(source: str, draft: str, kind: str = "translation") -> bool:
    check = check_facts(source, draft, kind=kind)
    return not check.missing and not check.invented and check.total > 0


@pytest.mark.parametrize(
    ("source", "draft"),
    [
        ("4 800 units", "4,800 units"),
        ("4.800 units", "4800 units"),
        ("1.200,50 €", "€1,200.50"),
        ("EUR 3,2 Mio.", "3.2 million euros"),
        ("420 k€", "€420,000"),
        ("12,5 %", "12.5 percent"),
        ("am 12. Mai", "on 12 May"),
        ("le 12 mai", "on May 12th"),
        ("el 12 de mayo de 2026", "on 2026-05-12"),
        ("on 14/03/2026", "am 14.03.2026"),
        ("12 maggio", "12 mei"),
        ("um 10 Uhr", "at 10am"),
        ("à 14h30", "at 2:30 pm"),
        ("10:00", "10 a.m."),
        ("Freitag", "Friday"),
        ("jeudi", "giovedì"),
        ("sexta-feira", "viernes"),
        ("Frau Müller", "Ms Mueller"),
        ("José García", "Jose Garcia"),
        ("invoice INV-2024-017", "Rechnung INV2024/017"),
        ("order #4471", "Bestellung 4471"),
        ("call +49 30 1234567", "Tel. 030 1234567"),
        ("see https://www.example.com/a/", "siehe example.com/a"),
        ("ANNA@Example.com", "anna@example.com"),
    ],
)
def test_the_same_detail_written_differently_matches(source: str, draft: str) -> None:
    assert _kept(source, draft)


@pytest.mark.parametrize(
    ("source", "draft"),
    [
        ("4,800 EUR", "4,080 EUR"),
        ("12. Mai", "21 May"),
        ("14/03/2026", "14 March 2025"),
        ("10am", "10:30"),
        ("Freitag", "Thursday"),
        ("INV-2024-017", "INV-2024-071"),
        ("+49 30 1234567", "+49 30 7654321"),
        ("15%", "1.5%"),
    ],
)
def test_a_changed_detail_is_missing_and_invented(source: str, draft: str) -> None:
    check = check_facts(source, draft, kind="translation")
    assert len(check.missing) == 1
    assert len(check.invented) == 1


def test_a_date_with_a_wrong_weekday_is_flagged() -> None:
    check = check_facts("Montag, den 3. März 2025", "Tuesday, 3 March 2025", kind="translation")
    assert [d.text for d in check.invented] == ["Tuesday, 3 March 2025"]
    right = check_facts("am 03.03.2025", "on Monday, 3 March 2025", kind="translation")
    assert right.clean


def test_a_month_or_weekday_implied_by_the_date_is_not_invented() -> None:
    check = check_facts("deadline 14/03/2025", "The deadline is Friday (14 March 2025), in March.")
    assert check.clean


def test_ambiguous_day_month_order_matches_either_reading() -> None:
    assert _kept("12/05", "12 May")
    assert _kept("12/05", "5 December")
    assert not _kept("25/05", "5 December")


def test_greetings_sign_offs_and_sentence_starts_are_not_names() -> None:
    check = check_facts(
        "Lunch on Friday?",
        "Dear Anna,\n\nThank you. Unfortunately, Friday is busy. Looking forward to it."
        "\n\nBest regards,\nTom",
        given=["Anna", "Tom"],
    )
    assert check.clean


def test_a_signature_the_user_did_not_give_is_invented() -> None:
    check = check_facts(
        "ask about the report",
        "Hi,\n\nHow is the report going?\n\nBest regards,\nJohn Smith\nProject Manager, "
        "FoxBridge\n+1 555 123 4567",
        given=["Kim"],
    )
    assert [d.text for d in check.invented] == ["John Smith", "FoxBridge", "+1 555 123 4567"]
    assert check.invented[0].kind == "name"


def test_a_name_is_kept_by_its_surname_or_full_form() -> None:
    assert check_facts("call Anna Berg", "Please call Ms Berg.").clean
    assert check_facts("call Anna Berg", "Dear Anna, please call me.").clean
    wrong = check_facts("call Anna Berg", "Please call Anna Lind.")
    assert [d.text for d in wrong.missing] == ["Anna Berg"]
    assert [d.text for d in wrong.invented] == ["Anna Lind"]


def test_placeholders_are_always_invented() -> None:
    check = check_facts(
        "thank the team",
        "Dear <Name>,\n\nThanks for [Project Name], due XX.XX.XXXX.\n\nBest,\n[Your Name]",
    )
    assert [d.text for d in check.invented] == [
        "<Name>",
        "[Project Name]",
        "XX.XX.XXXX",
        "[Your Name]",
    ]
    assert {d.kind for d in check.invented} == {"placeholder"}


def test_invented_offsets_point_into_the_draft() -> None:
    draft = "Meet at 11:00 with Carla Ruiz."
    check = check_facts("meet at 10:00", draft)
    assert [draft[d.start : d.end] for d in check.invented] == ["11:00", "Carla Ruiz"]
    source = "budget 4,800 EUR on 3 March"
    missing = check_facts(source, "budget agreed").missing
    assert [source[d.start : d.end] for d in missing] == ["4,800 EUR", "3 March"]


def test_a_summary_misses_only_salient_details() -> None:
    document = (
        "Quarterly review\n\nAcme sold 1,200 licences in Q3, led by Dana Whitfield.\n\n"
        "The office in Porto got 3 new desks. Acme hired Bea Lund. Acme renewed its lease."
        " Acme is happy.\n\nThe party is on 12 December."
    )
    check = check_facts(document, "Acme sold licences in Q3.", kind="summary")
    assert [d.text for d in check.missing] == ["1,200", "Dana Whitfield"]
    assert check.summary().startswith("2 missing: 1,200, Dana Whitfield")
    invented = check_facts(
        document, "Acme sold 1,200 licences in Q3 under Dana Whitfield in Lisbon.", kind="summary"
    )
    assert [d.text for d in invented.invented] == ["Lisbon"]
    assert invented.summary() == "1 not in the document: Lisbon"


def test_summary_lines() -> None:
    clean = check_facts("meet Anna on 14 March at 10:00", "I meet Anna on 14 March at 10:00.")
    assert clean.summary() == "✓ All 3 details from your notes are in the draft"
    one = check_facts("on 14 March", "On 14 March.", kind="translation")
    assert one.summary() == "✓ The one detail from the original is in the draft"
    nothing = check_facts("say thanks", "Thank you so much!")
    assert nothing.summary() == "No names, dates or numbers to check"
    mixed = check_facts(
        "meet on 14 March at 10:00", "We meet soon.\n\nJohn Smith\nFoxBridge", kind="email"
    )
    assert mixed.summary() == (
        "2 missing: 14 March, 10:00 · 2 not in your notes: John Smith, FoxBridge"
    )
    many = check_facts("1 2 3 4 5 6", "none", kind="report")
    assert many.summary() == "6 missing: 1, 2, 3, 4 +2 more"


def test_to_json_lists_both_sides() -> None:
    check = check_facts("meet at 10:00", "Meet at 11:00.")
    data = json.loads(json.dumps(check.to_json()))
    assert data["missing"] == [{"text": "10:00", "kind": "time", "start": 8, "end": 13}]
    assert data["invented"][0]["text"] == "11:00"
    assert data["kept"] == 0
    assert data["total"] == 1
    assert data["summary"] == check.summary()


def test_the_check_is_deterministic_and_takes_any_text() -> None:
    for text in ("", "   ", "[]", "<>", "####", "1.2.3.4.5", "€", "12/34/56", "x" * 5000):
        first = check_facts(text, text + " 7", kind="report")
        assert first == check_facts(text, text + " 7", kind="report")
        assert isinstance(first, FactCheck)
    with pytest.raises(ValueError, match="unknown kind"):
        check_facts("a", "b", kind="poem")


@pytest.mark.parametrize(
    ("source", "draft"),
    [
        ("QA found 3 blockers", "QA found three blockers"),
        ("25 personnes", "twenty-five people"),
        ("21 jours", "twenty-one days"),
        ("97 €", "quatre-vingt-dix-sept euros"),
        ("vijfentwintig deelnemers", "25 participants"),
        ("veintitrés personas", "23 people"),
        ("ventotto giorni", "28 days"),
        ("vinte e cinco pessoas", "25 people"),
        ("12 boxes", "a dozen boxes"),
        ("200 seats", "two hundred seats"),
        ("for 3 hours", "für drei Stunden"),
        ("2 million euros", "two million euros"),
        ("5 m", "5 metres"),
        ("$1.2M", "1.2 million dollars"),
        ("€5m", "EUR 5 million"),
        ("3bn", "3 billion"),
        ("30 °C", "30 degrees Celsius"),
        ("10:30", "half past ten"),
        ("10:30", "om half elf"),
        ("14:30", "à deux heures et demie"),
        ("10:30", "a las diez y media"),
        ("10:00", "ten o'clock"),
        ("9:00", "a las 9."),
    ],
)
def test_numbers_units_and_times_in_words_match_digits(source: str, draft: str) -> None:
    assert _kept(source, draft)


def test_a_number_word_counts_alone_only_before_what_it_counts() -> None:
    # "one of them", "the two of us", articles: nothing to report either way.
    assert check_facts("send the report", "One of them is ready; the two of us agree.").clean
    assert check_facts("say hello", "Ein Termin und eine Frage, un rendez-vous.").clean
    assert check_facts("Payment due once we ship.", "We ship, then payment is due.").clean
    wrong = check_facts("QA found 3 blockers", "QA found four blockers")
    assert [d.text for d in wrong.missing] == ["3"]
    assert [d.text for d in wrong.invented] == ["four"]
    # Dutch "onze" (our) and "ten" are not numbers in a Dutch text.
    assert check_facts("vergadering", "Ten slotte is onze vergadering verplaatst.").clean


def test_units_are_not_multipliers() -> None:
    check = check_facts("the mast is 5 m high", "The mast is 5 million high.", kind="report")
    assert [d.text for d in check.missing] == ["5 m"]
    assert [d.text for d in check.invented] == ["5 million"]
    unit = check_facts("5 km run", "a 5 m run", kind="report")
    assert [d.text for d in unit.invented] == ["5 m"]
    assert check_facts("room 5B, disk 5GB", "Room 5B has a 5 GB disk.").clean


def test_a_sentence_may_start_with_a_name() -> None:
    check = check_facts(
        "Meeting with Anna on Friday.",
        "Dear Anna,\n\nSee you Friday. Microsoft was our largest client. Amazon also wants "
        "to sign.\n\nRecruiter: Talentory.\n\nUrgent requests go to the desk at Gate 2.",
        given=["Anna"],
    )
    # "Recruiter:" is a label, "Urgent requests" and "Gate 2" are not names.
    assert [d.text for d in check.invented] == ["Microsoft", "Amazon", "Talentory", "2"]


def test_the_same_thing_counted_differently_is_flagged() -> None:
    check = check_facts(
        "book 2 double rooms for 3 nights", "We booked 3 double rooms for 2 nights."
    )
    assert [d.text for d in check.missing] == ["2", "3"]
    assert [d.text for d in check.invented] == ["3", "2"]


def test_the_frequent_words_ship_with_the_package() -> None:
    # The .deb and the wheel install desktop_slm from pyproject's package data.
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert (
        "checking/common_words.txt"
        in pyproject["tool"]["setuptools"]["package-data"]["desktop_slm"]
    )
    assert (root / "desktop_slm" / "checking" / "common_words.txt").stat().st_size > 10_000
