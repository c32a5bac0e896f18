"""Fact check: which details of the source a draft drops, and which it invents.

A *detail* is something a reader would act on and a small model gets wrong: a number,
an amount (with its currency), a percentage, a date, a time, a weekday or month, an
identifier (INV-2024-017, LH 1234, #4471, B12), an e-mail address, a URL, a phone
number, or the name of a person, organisation or place. Unfilled placeholders in the
draft ("[Project Name]", "<Company>", "XX.XX.XXXX") are details too, always invented.

Rules (deterministic, no model; every text is scanned once with precompiled patterns):

* Extraction runs in a fixed order (placeholders, e-mail addresses, URLs, dates, times,
  phone numbers, identifiers, numbers with what is written around them: amounts and
  percentages; weekdays and months; names) and a later pattern never takes characters
  an earlier one took: the "14" of "14 March" is a date, not a number. A list marker
  ("1." at the start of a line) is not a number.
* Comparison is by normalised value, not by text. Numbers: "4 800", "4,800", "4.800",
  "4800" are equal, and "1.200,50" equals "1,200.50"; a separator that can be read both
  ways gives both readings, and any shared reading is a match. "million", "Mio.", "k"
  multiply. Amounts compare by their number (the currency is part of the text shown).
  Dates compare by day, month and year (a missing year matches any year, unless the same
  text gives the year for that day elsewhere); "12/05" is
  read both ways unless one part is above 12. Times compare in minutes ("10:00" =
  "10am" = "10 Uhr" = "10h"); a time without am/pm from 1 to 12 also matches 12 hours
  later. Weekdays and months compare by number, in English, German, French, Spanish,
  Italian, Portuguese and Dutch. Phone numbers compare by their digits (a leading
  country code or trunk 0 may differ). Identifiers compare without case or separators;
  "#4471" equals the number 4471. E-mail addresses and URLs compare without case (URLs
  also without scheme, "www." and a trailing slash).
* A date implies its month, its year and, when the year is known, its weekday: a draft
  that writes "Friday, 14 March 2025" for a source's "14/03/2025" invents nothing, and a
  source's "in March" is kept by a draft's "on 14 March". A weekday a draft adds to a
  date whose year neither text gives cannot be checked: it is invented.
* Numbers written in words ("three", "twenty-five", "vingt et un", "fünfundzwanzig",
  "treinta y dos", "a dozen", "two hundred", "two million") are numbers, 0-99 in the seven
  languages. One counts on its own only when it stands before what it counts ("three
  blockers", "drei Stunden") or before a unit, percent or currency; otherwise ("one of
  them", "the two of us", the article "ein") it is *weak*: it keeps a detail of the other
  text but is never missing or invented. A word that is a number in one language and a
  common word in another ("once", "due", Dutch "onze") counts only in a text whose
  frequent words are of its language.
* A number with a unit (m, km, cm, kg, g, GB, MB, °C, h, min, ... and their words) is a
  quantity: "5 m" = "5 metres" != "5 km"; "m" and "b" multiply only money ("€5m",
  "$1.2M"). "2 h" lasts; "14h" and "à 14 heures" are times. Times are also read in words
  ("half past ten", "om half elf" = 10:30, "dix heures et demie", "a las 9").
* A number counts the word after it ("2 double rooms"): when the other text counts the
  same word only with other numbers, the number is missing (or invented) even if it
  occurs elsewhere ("3 double rooms for 2 nights").
* Names are runs of capitalised words (joined by "van", "de", "of", "&", ...); titles
  (Mr, Frau, Mme, ...) are dropped. A word is not a name when it is on the small
  per-language stop list (greetings, sign-offs, pronouns, sentence starters, job titles,
  common business nouns), is written in lower case elsewhere in either text (it may still
  continue a name: "Harbor Bank" beside "the bank"), or is a weekday or month. A frequent
  word of the language (``common_words.txt``) is not a name after "the", before a number
  ("Gate 2") or in a title line ("Final Report"). A single word at the start of a
  sentence or line is a name when it is not a frequent word and a verb or frequent word
  follows it ("Microsoft was", "Amazon also"), not a noun ("Urgent requests") or a colon
  (a label); also when it is written capitalised mid-sentence, stands alone on its line
  (a signature) or has a capital inside ("FoxBridge"). A frequent word there is a name
  only before "will", "said", ... ("Will said"); English "-ly"/"-ing"/"-ed" words never.
  In German text, where every noun is capitalised, a word after an article or an
  inflected adjective, with a noun suffix (-ung, -keit, ...) or on the stop list is a
  noun; a single word is a name only after a title, after a noun ("Firma Schneider"),
  after "in", "aus", "nach", "bei", "von", "und", or when the other text has it too; "von"
  joins a German name only after a title ("Herr von Weizsäcker").
  Names compare without case or diacritics ("Müller" = "Mueller" = "Muller") and major
  places in any of the languages ("Köln" = "Cologne"). A source name is kept when a
  draft name is part of it ("Ms Berg", "Dear Anna" for "Anna Berg"); when the draft
  names someone else with one of its words ("Anna Lind"), it is missing; when the draft
  has no such name, any of its words in the draft keeps it; a draft name that holds it
  ("Emma Wright" for "Emma") keeps it too. A one-word name that is part of a longer name
  of the same text ("John" after "John Parker") is checked once, with it. A draft name is
  invented unless every one of its words occurs in the source or in ``given``; in a
  translation its frequent words may be translated ("Seville City Council" for
  "Ayuntamiento de Sevilla").
* *missing*: source details the draft does not contain. For a summary, which cannot keep
  everything, only salient details count as missing: those in the title and first
  paragraph (at most the first 120 words), and those the document repeats (3 or more
  times). *invented*: draft details found neither in the source nor in ``given``.
  Each list names a detail once (its first occurrence).
"""

from __future__ import annotations

import collections
import datetime
import functools
import importlib.resources
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

KINDS = ("email", "report", "translation", "summary")
"""What the draft is; it decides how the source is named and what counts as missing."""

_SOURCE_NAMES = {
    "email": "your notes",
    "report": "your notes",
    "translation": "the original",
    "summary": "the document",
}
_LISTED = 4
"""How many details of each side the one-line summary names before "+N more"."""


@dataclass(frozen=True)
class Detail:
    """One checkable detail, as written in the text it was found in."""

    text: str
    kind: str
    """number, amount, percent, date, time, weekday, month, identifier, email, url, phone,
    name or placeholder."""
    start: int
    """Offset in the text it was found in: the source for a missing detail, the draft for
    an invented one (so the window can highlight it)."""
    end: int


@dataclass(frozen=True)
class FactCheck:
    kind: str
    kept: tuple[Detail, ...]
    """Details of the source that the draft contains."""
    missing: tuple[Detail, ...]
    invented: tuple[Detail, ...]
    source_name: str = ""
    """How the summary line names the source; empty: by ``kind`` ("your notes", "the
    original", "the document")."""

    @property
    def total(self) -> int:
        """Details of the source that were looked for."""
        return len(self.kept) + len(self.missing)

    @property
    def clean(self) -> bool:
        return not self.missing and not self.invented

    @property
    def source_label(self) -> str:
        """How the source is named: "your notes", "the original", "the document"."""
        return self.source_name or _SOURCE_NAMES.get(self.kind, "your notes")

    def summary(self) -> str:
        """The one line under an answer.

        "✓ All 7 details from your notes are in the draft", or
        "2 missing: 14 March, 10:00 · 2 not in your notes: John Smith, FoxBridge".
        """
        source = self.source_label
        if self.clean:
            if not self.total:
                return "No names, dates or numbers to check"
            if self.total == 1:
                return f"✓ The one detail from {source} is in the draft"
            return f"✓ All {self.total} details from {source} are in the draft"
        parts = []
        if self.missing:
            parts.append(f"{len(self.missing)} missing: {_listing(self.missing)}")
        if self.invented:
            parts.append(f"{len(self.invented)} not in {source}: {_listing(self.invented)}")
        return " · ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """``{"missing": [{"text", "kind", "start", "end"}], "invented": [...], "kept": n,
        "total": n, "summary": "..."}``; offsets are into the source for missing details
        and into the draft for invented ones."""
        return {
            "missing": [_detail_json(d) for d in self.missing],
            "invented": [_detail_json(d) for d in self.invented],
            "kept": len(self.kept),
            "total": self.total,
            "summary": self.summary(),
        }


def _listing(details: tuple[Detail, ...]) -> str:
    shown = ", ".join(_one_line(d.text) for d in details[:_LISTED])
    more = len(details) - _LISTED
    return f"{shown} +{more} more" if more > 0 else shown


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _detail_json(detail: Detail) -> dict[str, Any]:
    return {"text": detail.text, "kind": detail.kind, "start": detail.start, "end": detail.end}


def check_facts(
    source: str,
    draft: str,
    *,
    given: Iterable[str] = (),
    kind: str = "email",
    source_name: str = "",
) -> FactCheck:
    """Compare ``draft`` with ``source``; ``given`` are names the user supplied
    (recipient, sign-off, their own name), which are never "invented".
    ``source_name`` overrides how the summary line names the source ("the text before")."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    given_text = "\n".join(g for g in given if g and g.strip())
    scans = [_scan(text) for text in (source, draft, given_text)]
    source_scan, draft_scan, given_scan = scans
    source_words, draft_words, given_words = (scan.folded_words() for scan in scans)
    lower_words = source_scan.lowercase() | draft_scan.lowercase()
    source_caps, draft_caps, given_caps = (scan.capitalised() for scan in scans)
    source_found = source_scan.with_names(lower_words, draft_caps | given_caps)
    draft_found = draft_scan.with_names(lower_words, source_caps | given_caps)
    given_found = given_scan.with_names(lower_words, source_caps)
    draft_names: dict[str, list[Found]] = {}
    for item in draft_found:
        for word in item.words:
            draft_names.setdefault(word, []).append(item)

    draft_pool = _Pool(draft_found)
    draft_counted = _Pool(item for item in draft_found if not item.weak)
    known_pool = _Pool(source_found + given_found)
    known_words = source_words | given_words

    source_counts, draft_counts = _counts(source_found), _counts(draft_found)
    translation = kind == "translation"
    salient = _salient(source, source_found) if kind == "summary" else None
    kept: list[Detail] = []
    missing: list[Detail] = []
    seen: set[Any] = set()
    source_parts = _name_parts(source_found)
    for item in source_found:
        if item.identity in seen or item.identity in source_parts:
            continue
        seen.add(item.identity)
        if item.kind == "name":
            found = _name_kept(item, draft_words, draft_names, translated=translation)
        elif item.weak:
            found = draft_counted.has(item)
            if not found:
                continue  # "the two of us" need not be in the draft
        else:
            found = draft_pool.has(item) and not _miscounted(item, draft_counts)
        if found:
            kept.append(item.detail)
        elif salient is None or item.identity in salient:
            missing.append(item.detail)

    invented: list[Detail] = []
    seen = set(_name_parts(draft_found))
    for item in draft_found:
        if item.identity in seen:
            continue
        seen.add(item.identity)
        if item.weak:
            continue  # "one of them" invents nothing
        if item.kind == "placeholder":
            known = False
        elif item.kind == "name":
            known = all(word in known_words for word in item.words) or (
                translation and _translated_name(item.words, known_words)
            )
        else:
            known = (
                known_pool.has(item, weekday_written=True)
                or _implied_by_draft(item, draft_found, known_pool)
            ) and not _miscounted(item, source_counts)
        if not known:
            invented.append(item.detail)
    return FactCheck(kind, tuple(kept), tuple(missing), tuple(invented), source_name)


def _counts(found: list[Found]) -> dict[str, set[str]]:
    """The numbers each counted word is written with ("doubl": {"n:2"})."""
    counts: dict[str, set[str]] = {}
    for item in found:
        if item.counts and not item.weak:
            counts.setdefault(item.counts, set()).update(item.keys)
    return counts


def _miscounted(item: Found, other: dict[str, set[str]]) -> bool:
    """The other text counts the same thing with other numbers only ("3 double rooms" for
    "2 double rooms")."""
    return bool(item.counts) and item.counts in other and not item.keys & other[item.counts]


def _name_parts(found: list[Found]) -> set[Any]:
    """Identities of the one-word names that are part of a longer name of the same text:
    "John" after "John Parker" is the same person, checked once."""
    longer = {
        word for item in found if item.kind == "name" and len(item.words) > 1 for word in item.words
    }
    return {
        item.identity
        for item in found
        if item.kind == "name" and len(item.words) == 1 and item.words[0] in longer
    }


# ---------------------------------------------------------------- found details
@dataclass(slots=True, eq=False)
class Found:
    """A detail with what it is compared by."""

    detail: Detail
    keys: frozenset[str] = frozenset()
    """Normalised values; any shared key is a match."""
    implied: frozenset[str] = frozenset()
    """Further keys a text containing this detail also contains (a date's month)."""
    dates: tuple[tuple[int, int, int | None], ...] = ()
    """(day, month, year) readings of a date; year None when not written."""
    words: tuple[str, ...] = ()
    """Folded words of a name."""
    weekday: int | None = None
    """The weekday written with a date (0 = Monday)."""
    counts: str = ""
    """The stem of the word a number counts ("2 double rooms": "doubl"): two texts that
    count the same thing with different numbers disagree, whatever else they say."""
    weak: bool = False
    """A number word that may not count anything ("one of them", "the two"): it counts only
    when the other text has the number as a detail of its own."""

    @property
    def kind(self) -> str:
        return self.detail.kind

    @property
    def identity(self) -> Any:
        if self.kind == "name":
            return ("name", self.words)
        if self.dates:
            return ("date", self.dates)
        if self.keys:
            return (self.kind, self.keys)
        return (self.kind, _fold(self.detail.text))


class _Pool:
    """Everything a text contains, for fast membership tests."""

    def __init__(self, found: Iterable[Found]) -> None:
        self.keys: set[str] = set()
        self.dates: dict[tuple[int, int], list[tuple[int | None, int | None]]] = {}
        for item in found:
            self.keys |= item.keys
            self.keys |= item.implied
            for day, month, year in item.dates:
                self.dates.setdefault((day, month), []).append((year, item.weekday))
        for readings in self.dates.values():
            # "18 Nov" after "18 November 2027" is that date, not the 18th of any year.
            if any(year is not None for year, _ in readings):
                readings[:] = [reading for reading in readings if reading[0] is not None]

    def has(self, item: Found, *, weekday_written: bool = False) -> bool:
        """``weekday_written``: the weekday of ``item`` must be in this text too (written,
        or known from the year): a draft cannot add a weekday the source does not give."""
        if item.dates:
            return any(
                _compatible(year, other_year)
                and _same_weekday(item.weekday, other_weekday, day, month, year or other_year)
                and not (
                    weekday_written
                    and item.weekday is not None
                    and other_weekday is None
                    and year is None
                    and other_year is None
                )
                for day, month, year in item.dates
                for other_year, other_weekday in self.dates.get((day, month), ())
            )
        return bool(item.keys & self.keys)


def _same_weekday(
    one: int | None, other: int | None, day: int, month: int, year: int | None
) -> bool:
    if one is not None and other is None and year is not None:
        other = datetime.date(year, month, day).weekday()
    return _compatible(one, other)


def _compatible(one: int | None, other: int | None) -> bool:
    """Equal, or one of them not written."""
    return one is None or other is None or one == other


def _implied_by_draft(item: Found, draft: list[Found], known: _Pool) -> bool:
    """A weekday or month the draft derives from one of the source's dates."""
    if item.kind not in ("weekday", "month"):
        return False
    return any(
        other.dates and known.has(other) and item.keys & other.implied
        for other in draft
        if other is not item
    )


def _salient(source: str, found: list[Found]) -> set[Any]:
    """Identities of the summary-worthy details: in the lead, or repeated 3+ times."""
    lead_end = _lead_end(source)
    counts: dict[Any, int] = {}
    salient: set[Any] = set()
    for item in found:
        identity = item.identity
        counts[identity] = counts.get(identity, 0) + 1
        if item.detail.start < lead_end or counts[identity] >= 3:
            salient.add(identity)
    return salient


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_WORD = re.compile(r"\S+")
_LEAD_WORDS = 120


def _lead_end(text: str) -> int:
    """End of the title and first paragraph (at most the first 120 words)."""
    stripped = len(text) - len(text.lstrip())
    end = len(text)
    pos = stripped
    paragraphs = 0
    for brk in _PARAGRAPH_BREAK.finditer(text, stripped):
        block = text[pos : brk.start()]
        pos = brk.end()
        if block.strip():
            paragraphs += 1
            # A short first block is a title: the lead also takes the paragraph after it.
            if paragraphs >= 2 or len(block.split()) > 12:
                end = brk.start()
                break
    for count, word in enumerate(_WORD.finditer(text, stripped, end), start=1):
        if count > _LEAD_WORDS:
            return word.start()
    return end


# ---------------------------------------------------------------- vocabulary
def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_MONTHS: dict[str, int] = {}
_MONTH_NAMES = {
    "en": "january february march april may june july august september october november december",
    "de": "januar februar märz april mai juni juli august september oktober november dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre "
    "novembre dicembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
}
for _list in _MONTH_NAMES.values():
    for _index, _word in enumerate(_list.split(), start=1):
        _MONTHS[_word] = _index
_MONTHS.update({"jänner": 1, "janvier": 1, "fevrier": 2, "aout": 8, "marz": 3, "setiembre": 9})
_MONTH_ABBREVIATIONS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_ENGLISH_MONTHS = set(_MONTH_NAMES["en"].split())

_WEEKDAYS: dict[str, int] = {}
_WEEKDAY_NAMES = {
    "en": "monday tuesday wednesday thursday friday saturday sunday",
    "de": "montag dienstag mittwoch donnerstag freitag samstag sonntag",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
    "it": "lunedì martedì mercoledì giovedì venerdì sabato domenica",
    "pt": "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
}
for _list in _WEEKDAY_NAMES.values():
    for _index, _word in enumerate(_list.split()):
        _WEEKDAYS[_word] = _index
for _lang in ("en", "de", "nl"):
    # "on Sundays", "sonntags", "maandags"
    for _index, _word in enumerate(_WEEKDAY_NAMES[_lang].split()):
        _WEEKDAYS[_word + "s"] = _index
_WEEKDAYS.update(
    {"sonnabend": 5, "miercoles": 2, "sabado": 5, "lunedi": 0, "martedi": 1,
     "mercoledi": 2, "giovedi": 3, "venerdi": 4, "segunda": 0, "terça": 1, "terca": 1,
     "quarta": 2, "quinta": 3, "sexta": 4}
)  # fmt: skip
_WEEKDAY_ABBREVIATIONS = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
    "sat": 5, "sun": 6,
}  # fmt: skip

_TITLES = _wordset(
    "mr mrs ms miss dr prof sir madam herr herrn frau fräulein monsieur madame mademoiselle "
    "m mme mlle señor señora señorita sr sra srta don doña signor signora signorina sig "
    "dott dottssa ing avv senhor senhora dhr mevr mevrouw meneer heer dipl mag"
)

_STOP_WORDS = _wordset(
    # English: sentence starters, greetings, sign-offs, headings of reports and emails.
    """
a about above according actually additionally after afterwards again agenda all also
although always am among an and another any anyway apologies appreciate are as at attached
attachment available background based be because before below best both brief budget but by
can cannot cheers client clients closing could customer customers date day days dear
details did do does done due during each either else email enclosed even ever every
everyone everything executive feel few finally findings first following for forward
from further furthermore given glad good great greetings had has have having he hello
help her here hey hi his hope hoping how however i if important in included including
indeed instead introduction invoice is issue issues it its just key kind kindly last
let lets let's looking many may maybe meanwhile meeting meetings might more moreover most
much must my need needs never new next no nor not note notes now of off ok okay on once
one only or order other otherwise our out over overall per perhaps please plus pm am
pre progress project projects quick re recommendations regarding regards report request
respectfully results review risks room second see shall she should since sincerely so
some soon status still subject such summary sure team thank thanks that the their them
then there therefore these they this those though three through thus time to today
together tomorrow total two unfortunately until update updates upon us use very via was
we welcome well were what whatever when where whether which while who whom whose why
will with within without would yes yesterday yet you your yours conclusion conclusions
action actions items item steps step next decision decisions objective objectives goal
goals scope timeline overview purpose outcome outcomes risk recommendation notes
questions question answer answers contact information info reminder follow follow-up
confirm confirmed confirmation attendees participants location venue price prices cost
costs fee fees payment payments amount balance delivery shipping reference number
phone tel fax mobile web website address street
kind regards warm sincerely faithfully truly cordially respectfully
manager director assistant head lead officer engineer coordinator consultant specialist
analyst president vice founder owner sales marketing support department senior junior
chief operations finance accounting legal human resources customer service call send
meet share discuss check ask write reply bring book attend join submit prepare review
researcher professor scientist developer designer architect advisor adviser
representative executive administrator partner associate intern accountant lawyer
attorney editor writer teacher secretary clerk agent nr no nº n° tel fax
    """
    # German
    """
aber alle allen als also am an anbei auch auf aus bei beim beste besten bis bitte da
damit danach dank danke dann darum das dass dein deine dem den denn der des deshalb die
dies diese diesem diesen dieser dieses doch dort du durch ein eine einem einen einer
eines er es euch euer falls für gerne geehrte geehrter geehrtes grüße gruß grüßen
guten hallo herzliche herzlichen hier ich ihnen ihr ihre ihrem ihren ihrer im in ist
ja je jedoch jetzt kann kein keine können leider liebe lieber liebes mein meine mit
morgen nach nächste nächsten nein nicht noch nun nur ob oder ohne sehr sein seine sich
sie sind so sowie statt tag tage termin termine uhr um und uns unser unsere unter viele
vielen vom von vor während wann war was weil wenn wer wie wir wird wo woche wochen zu
zum zur zwischen freundliche freundlichen freundlichem mfg lg vg betreff rechnung
bestellung angebot projekt besprechung treffen zimmer flug kunde kunden firma
unternehmen zahlung betrag summe preis kosten lieferung frist datum zeit bericht
zusammenfassung ergebnis ergebnisse team mitarbeiter mitarbeiterin mitarbeiterinnen
frage fragen antwort hinweis info informationen anfrage anfragen unterlagen dokument
dokumente vertrag verträge ziel ziele nächste schritte schritt budget umsatz gewinn
stadt straße land jahr jahre monat monate stunde stunden minuten euro prozent stück
entschuldigung rückmeldung gespräch vorschlag problem probleme lösung änderung
änderungen wochenende abend morgen mittag nachmittag vormittag hotel büro raum saal
konferenz workshop kollege kollegin kollegen team teams quartal erhöhung verspätung
    """
    # French
    """
à afin ainsi alors au aucun aussi autre aux avec avez bien bonjour bonne bonsoir ce
cela ces cet cette chaque cher chère chers chères comme comment concernant cordialement
dans de depuis des donc dont du elle elles en encore entre est et été être il ils je
jusqu la le les leur leurs lui ma madame mais merci mes mesdames messieurs mon monsieur
nos notre nous objet où par parce pas pour pourriez pourquoi puis quand que quel quelle
qui sa salut sans se selon ses si son sont sur ta te tes toi ton tous tout toute toutes
très tu un une veuillez vos votre vous voici voilà facture commande réunion rendez-vous
projet rapport résumé salutations sincères amitiés bises prix montant chambre vol
client équipe
    """
    # Spanish
    """
a al algo algunos ante antes aquí así atentamente aunque buen buenas bueno buenos cada
como con cordial cordiales cuando de del desde donde dos el ella ellas ellos en entre
era es esa ese eso esta está estamos están estas este esto estos estimada estimado
estimados favor fue gracias gran hasta hay hola la las le les lo los más me mi mis
mucho muchas muchos muy nada ni no nos nosotros nuestra nuestro o para pero poco por
porque pues que querida querido quien saludo saludos se según ser si sin sobre son su
sus también tan te tenemos tiene todo todos tu tú un una uno unos usted ustedes y ya
factura pedido reunión proyecto informe resumen precio importe habitación vuelo cliente
equipo un saludo
    """
    # Italian
    """
a ad al alla alle allo anche ancora buon buona buongiorno buonasera caro cara cari care
che chi ci ciao come con cordiali cui da dal dalla dei del della delle dello di distinti
dopo e è ed egregio egregia gentile gentili gli grazie ha hanno i il in io la le lei
li lo loro ma mi mio mia molto ne nel nella nei noi non nostro nostra o per perché più
poi può qua quale quando quanto quella quello questa questo qui saluti se sempre sia
siamo sono su sua suo sul sulla ti tra tu tutti tutto un una uno vi voi vostro vostra
fattura ordine riunione progetto rapporto riassunto prezzo importo camera volo cliente
squadra cordialmente
    """
    # Portuguese
    """
à ao aos as às atenciosamente até boa bom cara caro com como cumprimentos da das de
dele dela do dos e é ela ele em entre era essa esse esta está este eu foi há isso já
lhe mais mas me meu minha muito na nas não nem no nos nós o obrigada obrigado olá os ou
para pela pelo por porque prezada prezado qual quando que quem se sem ser seu sua
também te tem todos tudo um uma você vocês fatura pedido reunião projeto relatório
resumo preço valor quarto voo cliente equipe abraço abraços saudações
    """
    # Dutch
    """
aan al alle als alvast beste bij dag dan dank dat de deze die dit door dus een en er
geachte goed graag groet groeten hallo hartelijk hartelijke heb hebben het hier hij
hoe ik in is je jij jullie kan kunnen maar met mijn na naar niet nog nu of om ons onze
ook op over te tot u uw van veel voor vriendelijke wat we wij wil zij zijn zou factuur
bestelling vergadering afspraak project rapport samenvatting prijs bedrag kamer vlucht
klant team met vriendelijke groet
    """
)

_ACRONYMS = _wordset(
    "ok ceo cfo cto coo pdf faq asap fyi ps am pm id it hr pr tbd na cc bcc re fw fwd utc "
    "cet cest gmt bst est pst eur usd gbp chf jpy cad aud vat kpi kpis roi qa ui ux api "
    "url www eta tba aob rsvp nb etc ie eg vs tls ssl dns http https vpn sql ai ia ml ki gps "
    "usb sms crm erp hq"
)
_GERMAN_DETERMINERS = _wordset(
    "der die das den dem des ein eine einen einem einer eines kein keine keinen keinem "
    "keiner mein meine meinen meinem meiner dein deine unser unsere unseren unserem "
    "unserer ihr ihre ihren ihrem ihrer sein seine seinen seinem seiner euer eure diese "
    "dieser diesen diesem dieses jede jeder jeden jedem jedes alle allen welche welcher "
    "im am zum zur beim vom ins ans aufs fürs"
)
_GERMAN_NOUN_ENDINGS = (
    "ung", "heit", "keit", "schaft", "tion", "tät", "ment", "nis", "chen", "lein",
    "ismus", "ität", "ur", "ie", "ik", "ling", "erin", "erinnen", "anlagen", "anlage",
)  # fmt: skip
_COMMON_ENDINGS = ("ly", "ing", "ed", "tion", "ness", "ment")


def _common_words() -> dict[str, list[str]]:
    """The frequent words of each language (``common_words.txt``), most frequent first."""
    data = importlib.resources.files(__package__).joinpath("common_words.txt")
    languages: dict[str, list[str]] = {}
    for line in data.read_text(encoding="utf-8").splitlines():
        code, sep, words = line.partition(":")
        if sep and not line.startswith("#"):
            languages[code.strip()] = words.split()
    return languages


_COMMON_BY_LANGUAGE = _common_words()
_COMMON_WORDS = frozenset(word for words in _COMMON_BY_LANGUAGE.values() for word in words)
"""A capitalised word of one of these starting a sentence is not taken for a name."""
_LANGUAGE_HINTS = {code: frozenset(words[:300]) for code, words in _COMMON_BY_LANGUAGE.items()}
"""The 300 most frequent words of each language: enough to tell them apart."""
_LANGUAGE_SAMPLE = 600
_HINT_LANGUAGES: dict[str, tuple[str, ...]] = {}
"""The languages of each hint, by its spellings as written ("the", "The")."""
for _code, _hints in _LANGUAGE_HINTS.items():
    for _hint in _hints:
        for _spelling in {_hint, _hint.capitalize()}:
            _HINT_LANGUAGES[_spelling] = (*_HINT_LANGUAGES.get(_spelling, ()), _code)
_CONNECTORS = _wordset("van von de der den da di du del della la le of")
_GERMAN_CONNECTORS = _wordset("van von")


@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    """Case- and diacritic-free form ("Müller" -> "muller")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    # German umlauts written out ("Mueller") compare equal to the letter ("Müller").
    return plain.replace("ae", "a").replace("oe", "o").replace("ue", "u")


_TOKEN = re.compile(r"[^\W\d_]+")
"""A word: letters only ("Jean-Pierre" and "Luigi's" are two words each)."""


# ---------------------------------------------------------------- number words
def _number_word_table() -> dict[str, int]:
    """Every spelling of 0-99 in the seven languages, its words joined by one space
    ("twenty five", "vingt et un", "quatre vingt dix", "fünfundzwanzig", "treinta y dos")."""
    table: dict[str, int] = {}

    def add(value: int, *spellings: str) -> None:
        for spelling in spellings:
            if spelling:
                table.setdefault(spelling.casefold(), value)

    def units(words: str) -> list[str]:
        """Add 0-19 (a "/" separates spellings); the first spelling of each, by value."""
        listed = words.split()
        for value, word in enumerate(listed):
            add(value, *word.split("/"))
        return [word.split("/")[0] for word in listed]

    def tens(words: str, compound: Any, first: int = 2) -> None:
        for ten, word in enumerate(words.split(), start=first):
            for spelling in word.split("/"):
                add(ten * 10, spelling)
                for unit in range(1, 10):
                    add(ten * 10 + unit, *compound(spelling, unit))

    en = units(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen"
    )
    tens("twenty thirty forty fifty sixty seventy eighty ninety", lambda t, u: [f"{t} {en[u]}"])
    de = units(
        "null eins/ein/eine zwei drei vier fünf sechs sieben acht neun zehn elf zwölf "
        "dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn"
    )
    de[1] = "ein"
    tens(
        "zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig",
        lambda t, u: [f"{de[u]}und{t}"],
    )
    nl = units(
        "nul een/één twee drie vier vijf zes zeven acht negen tien elf twaalf dertien "
        "veertien vijftien zestien zeventien achttien negentien"
    )
    tens(
        "twintig dertig veertig vijftig zestig zeventig tachtig negentig",
        lambda t, u: [f"{nl[u]}ën{t}" if nl[u].endswith("e") else f"{nl[u]}en{t}", f"{nl[u]}en{t}"],
    )
    fr = units(
        "zéro un/une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze "
        "quinze seize"
    )
    fr += ["dix sept", "dix huit", "dix neuf"]
    for value in (17, 18, 19):
        add(value, fr[value])
    tens(
        "vingt trente quarante cinquante soixante septante huitante/octante nonante",
        lambda t, u: [f"{t} et un" if u == 1 else f"{t} {fr[u]}", f"{t} {fr[u]}"],
    )
    for rest in range(10, 20):
        add(60 + rest, f"soixante {'et onze' if rest == 11 else fr[rest]}", f"soixante {fr[rest]}")
    add(80, "quatre vingts", "quatre vingt")
    for rest in range(1, 20):
        add(80 + rest, f"quatre vingt {fr[rest]}")
    es = units(
        "cero uno/una/un dos tres cuatro cinco seis siete ocho nueve diez once doce trece "
        "catorce quince dieciséis/dieciseis diecisiete dieciocho diecinueve"
    )
    twenties = (
        "veinte veintiuno/veintiún/veintiuna veintidós/veintidos veintitrés/veintitres "
        "veinticuatro veinticinco veintiséis/veintiseis veintisiete veintiocho veintinueve"
    )
    for value, word in enumerate(twenties.split(), start=20):
        add(value, *word.split("/"))
    tens(
        "treinta cuarenta cincuenta sesenta setenta ochenta noventa",
        lambda t, u: [f"{t} y {es[u]}", f"{t} y una" if u == 1 else ""],
        first=3,
    )
    it = units(
        "zero uno/una/un due tre quattro cinque sei sette otto nove dieci undici dodici "
        "tredici quattordici quindici sedici diciassette diciotto diciannove"
    )
    tens(
        "venti trenta quaranta cinquanta sessanta settanta ottanta novanta",
        lambda t, u: [
            (t[:-1] if it[u][0] in "uo" else t) + ("tré" if u == 3 else it[u]),
            (t[:-1] if it[u][0] in "uo" else t) + it[u],
        ],
    )
    pt = units(
        "zero um/uma dois/duas três quatro cinco seis sete oito nove dez onze doze treze "
        "catorze/quatorze quinze dezesseis/dezasseis dezessete/dezassete dezoito dezenove/dezanove"
    )
    tens(
        "vinte trinta quarenta cinquenta sessenta setenta oitenta noventa",
        lambda t, u: [f"{t} e {pt[u]}", f"{t} e {('', 'uma', 'duas')[u]}" if u < 3 else ""],
    )
    return table


_NUMBER_WORDS = _number_word_table()
_NUMBER_WORD_LENGTH = max(len(words.split()) for words in _NUMBER_WORDS)
_HUNDRED_WORDS = _wordset("hundred hundert cent cents cien ciento cento cem honderd")
_DOZEN_WORDS = _wordset("dozen dutzend douzaine docena dozzina dúzia duzia dozijn")
_SCALE_WORDS = _HUNDRED_WORDS | _DOZEN_WORDS
_ARTICLES = _wordset("a an ein eine einem einer une una uno um uma een")
_NUMBER_WORD_FIRSTS = frozenset(
    [*(words.split()[0] for words in _NUMBER_WORDS), *_SCALE_WORDS, *_ARTICLES]
)
"""The words a number in words starts with."""
_NUMBER_WORD_LANGUAGES = {
    # Number words that are also frequent words of another language ("once", "due", Dutch
    # "onze" = our): a number only in a text of their own language.
    "once": "es", "dos": "es", "sei": "it", "due": "it", "otto": "it", "tien": "nl",
    "ten": "en", "nul": "nl", "onze": "fr pt", "seize": "fr", "sept": "fr", "cent": "fr",
    "null": "de", "elf": "de nl", "neuf": "fr", "un": "fr es it", "une": "fr", "um": "pt",
}  # fmt: skip
_NUMBER_FUNCTION_WORDS = _wordset(
    # After a number word these make it a pronoun or part of a phrase ("one of", "two or
    # three"), not a count of something.
    """
    of to in on at for with by from and or but than as is are was were be been will would
    can could should may might must have has had do does did not no more less so if when
    that which who this these those it its them they we you he she us our your their his
    her my me i the a an about after before over into out up off each other others too
    also just only even still again all both any some most many much such here there now
    then another
    der die das den dem des und oder aber als wie ist sind war waren wird werden hat haben
    von mit zu zum zur für auf im an am bei nach vor aus um über unter nicht mehr noch auch
    schon nur davon mal
    de du des la le les et ou mais que qui est sont était à au aux en dans pour par sur
    avec sans pas plus moins d l
    del el los las y o pero es son era al con por para sin no más menos
    di della il lo i gli e ma che è sono a su da non più meno
    do da dos das os as é são em no na com sem não mais
    het een van te op aan voor uit om niet meer ook nog
    """
)


# ---------------------------------------------------------------- patterns
_SEP = r"[ \u00a0\u202f]"
_NUM = (
    # One leading digit outside the alternation, so re skips to digits in C.
    r"\d(?:\d{0,2}(?:(?:[.,'\u2019]|[ \u00a0\u202f])\d{3})+(?:[.,]\d+)?|\d*(?:[.,]\d+)?)"
)
_MULT = (
    r"(?:million|millions|millionen|millones|milioni|milhões|miljoen|mio\.?|mln|m|"
    r"billion|billions|milliard|milliards|milliarden|mrd\.?|bn|b|thousand|tausend|mil|k)"
)
_CURRENCY_SYMBOL = r"[€$£¥₹]|US\$|CHF|Fr\.|R\$"
_CURRENCY_CODE = r"EUR|USD|GBP|CHF|JPY|CAD|AUD|SEK|NOK|DKK|PLN|CZK|HUF|INR|CNY|BRL|MXN"
_CURRENCY_WORD = (
    r"euros?|eur|dollars?|dólares|dollari|pounds?|francs?|franken|yen|pesos?|reais|real|"
    r"rupees?|kronor|kroner|złoty|zloty|sterling|cents?|centimes|céntimos|centavos"
)
_NUMBER = re.compile(rf"(?P<n>{_NUM})")
"""Every number; what is written around it makes it an amount, a percentage or a number."""
_CURRENCY_BEFORE = re.compile(rf"(?:{_CURRENCY_SYMBOL}|\b(?:{_CURRENCY_CODE}))\s?\Z")
_AFTER_NUMBER = re.compile(
    rf"(?:{_SEP}?(?P<m>{_MULT})\b\.?)?"
    rf"(?:(?P<percent>{_SEP}?(?:%|‰|(?:percent|per{_SEP}cent|prozent|pour{_SEP}cent|"
    rf"por{_SEP}ciento|per{_SEP}cento|por{_SEP}cento|procent|percentage{_SEP}points?)\b))"
    rf"|(?P<currency>{_SEP}?(?:{_CURRENCY_SYMBOL})"
    rf"|{_SEP}?(?:(?:de|di|of){_SEP}|d')?(?:{_CURRENCY_CODE}|{_CURRENCY_WORD})\b))?",
    re.IGNORECASE,
)
_NUMBER_END = re.compile(r"(?:st|nd|rd|th|er|e|º|ª)?(?!\w|[.,]\d)")


def _alternation(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, factored by common prefixes: Python's ``re``
    tries an alternation branch by branch, a factored one fails after a letter or two."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(node[char]) for char in sorted(node) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return build(tree)


_MONTH_WORD = _alternation(
    [*_MONTHS, *_MONTH_ABBREVIATIONS, *(f"{m}." for m in _MONTH_ABBREVIATIONS)]
)
_LIST_MARKER = re.compile(
    rf"^[ \t]*\d{{1,2}}[.)][ \t](?!\s*(?:{_MONTH_WORD})\b)", re.MULTILINE | re.IGNORECASE
)
_WEEKDAY_WORD = _alternation([*_WEEKDAYS, *_WEEKDAY_ABBREVIATIONS])
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_YEAR = r"(?:1[89]\d\d|2[01]\d\d)"
_WEEKDAY_PREFIX = (
    rf"(?:(?P<wd>{_WEEKDAY_WORD})\.?,?{_SEP}+"
    r"(?:(?:le|den|dem|the|el|il|o)\s+)?)?"
)
_DATE_FORMS = {
    # 2026-03-14
    "iso": rf"(?P<iy>{_YEAR})-(?P<im>0?[1-9]|1[0-2])-(?P<id>{_DAY})\b",
    # 14/03/2026, 14.03.2026, 03/14/26, 14/03
    "numeric": rf"(?P<n1>\d{{1,2}})(?P<sep>[/.])(?P<n2>\d{{1,2}})"
    rf"(?:(?P=sep)(?P<ny>{_YEAR}|\d\d)\b|/?(?![\d.,]\d))",
    # 14 March 2026, 14. März, 14th of March, 12 de mayo de 2026, 1er mai
    "day_month": rf"(?P<d1>{_DAY})(?:st|nd|rd|th|er|º|\.)?{_SEP}*(?:of{_SEP}+|de{_SEP}+)?"
    rf"(?P<m1>{_MONTH_WORD})\b(?:,?{_SEP}*(?:de{_SEP}+)?(?P<y1>{_YEAR})\b)?",
    # March 14, 2026; March 14th
    "month_day": rf"(?P<m2>{_MONTH_WORD}){_SEP}+(?P<d2>{_DAY})(?:st|nd|rd|th)?\b(?!:|[.,]\d)"
    rf"(?:,?{_SEP}+(?P<y2>{_YEAR})\b)?",
    # March 2026
    "month_year": rf"(?P<m3>{_MONTH_WORD}){_SEP}+(?:de{_SEP}+)?(?P<y3>{_YEAR})\b",
}
_DATE = re.compile(rf"{_WEEKDAY_PREFIX}(?:{'|'.join(_DATE_FORMS.values())})", re.IGNORECASE)
"""Matched where a weekday or month is written."""
_DATE_NUMERIC = re.compile(
    f"(?=\\d)(?:{_DATE_FORMS['iso']}|{_DATE_FORMS['numeric']}|{_DATE_FORMS['day_month']})",
    re.IGNORECASE,
)
"""Found by scanning: the dates that start with a digit."""
_TIME = re.compile(
    r"(?P<h>\d\d?)(?:(?P<sep>[:.h])(?P<m>[0-5]\d))?"
    r"(?:\s?(?P<ap>a\.?m\.?|p\.?m\.?)(?!\w)|\s?(?P<uhr>uhr|uur|h\b|hrs\b|heures?\b|o'clock|noon|midday)|(?(sep)|(?!)))"
    r"(?![\w:])",
    re.IGNORECASE,
)
_GAP = r"[ \u00a0]+"
_TIME_WORDS_BEFORE_HOUR = re.compile(
    # "half past four", "quarter to ten", Dutch and German "om half elf" / "um halb elf"
    # (10:30): the hour follows.
    rf"(?<!\w)(?:(?P<half>half{_GAP}past)|(?P<quarter>quarter{_GAP}past)"
    rf"|(?P<to>(?:a{_GAP})?quarter{_GAP}to)|(?P<halb>(?:om|um|gegen){_GAP}(?:half|halb)))"
    rf"{_GAP}(?P<n>\d\d?|[^\W\d_]+)\b",
    re.IGNORECASE,
)
_TIME_WORDS_AFTER_HOUR = (
    # "dix heures et demie", "las diez y media", "le dieci e mezza", "dez e meia" first,
    # then "ten o'clock", "zehn Uhr", "dix heures": the hour comes before these words.
    re.compile(
        r"(?<!\w)(?:(?P<half>demie|media|mezz[ao]|meia)|(?P<quarter>quart|cuarto|quarto))\b"
    ),
    re.compile(r"(?<!\w)(?:o'clock|o\u2019clock|uhr|uur|heures?)\b", re.IGNORECASE),
)
_HOUR_BEFORE = re.compile(
    r"(?<!\w)(?P<n>\d\d?|[^\W\d_]+)(?:[ \u00a0]+heures?)?"
    r"(?:[ \u00a0]+(?P<link>et|y|e|e[ \u00a0]+un))?[ \u00a0]+\Z",
    re.IGNORECASE,
)
_HOUR_AFTER_WORDS = _wordset("half quarter halb")
_BARE_HOUR_WORDS = _wordset("las la alle às as um om vers à at ab bis until till")
_HOUR_BEFORE_WORDS = (
    _wordset("demie media mezza mezzo meia quart cuarto quarto"),
    _wordset("clock uhr uur heure heures"),
)
_MARKED_SPELLINGS = frozenset(
    spelling
    for words in (
        _HOUR_AFTER_WORDS,
        *_HOUR_BEFORE_WORDS,
        _BARE_HOUR_WORDS,
        _NUMBER_WORD_FIRSTS,
    )
    for word in words
    for spelling in (word, word.capitalize(), word.upper())
)
"""Every word ``_Scan.indexes_of`` is asked for, as it may be written."""


def _word_times(scan: _Scan) -> None:
    """Times written in words ("half past four", "om half elf", "dix heures et demie")."""
    text = scan.text
    # Patterns tried where their words are: a set lookup per word is much cheaper than
    # trying a pattern at every character.
    for token in scan.tokens_of(_HOUR_AFTER_WORDS):
        match = _TIME_WORDS_BEFORE_HOUR.search(text, max(0, token.start() - 6), token.end() + 24)
        if match is None or match.start() > token.start():
            continue
        offset = -1 if match.group("to") or match.group("halb") else 0
        minute = 45 if match.group("to") else 15 if match.group("quarter") else 30
        hour = match.group("n")
        scan.add(_word_time(text, match.start(), match.end(), hour, offset=offset, minute=minute))
    for pattern, words in zip(_TIME_WORDS_AFTER_HOUR, _HOUR_BEFORE_WORDS, strict=True):
        for token in scan.tokens_of(words):
            match = pattern.match(
                text, max(0, token.start() - (2 if token.group() == "clock" else 0))
            )
            if match is None:
                continue
            before = _HOUR_BEFORE.search(text, max(0, match.start() - 24), match.start())
            halves = match.groupdict()
            if before is None or bool(before.group("link")) != bool(halves):
                continue
            minute = 30 if halves.get("half") else 15 if halves.get("quarter") else 0
            hour = before.group("n")
            scan.add(_word_time(text, before.start(), match.end(), hour, minute=minute))


def _word_time(
    text: str, start: int, end: int, number: str, *, offset: int = 0, minute: int = 0
) -> Found | None:
    """``number`` o'clock plus ``offset`` hours and ``minute`` minutes, morning or evening."""
    hour = int(number) if number.isdigit() else _NUMBER_WORDS.get(number.casefold())
    if hour is None or not 1 <= hour <= 12:
        return None
    hour = (hour + offset) % 12
    keys = {f"h:{hour * 60 + minute}", f"h:{(hour + 12) * 60 + minute}"}
    return Found(Detail(text[start:end], "time", start, end), frozenset(keys))


_BARE_HOUR = re.compile(
    # "a las 9", "um 9", "at 9.": an hour after a word for "at", with no unit or noun after it.
    r"(?:las|la|alle|às|as|um|om|vers|à|at|ab|bis|until|till)[ \u00a0]"
    r"(?P<h>[01]?\d|2[0-3])(?=[ \u00a0]?(?:[.,](?!\d)|[;!?)\n]|\Z|"
    r"[ \u00a0](?:and|or|y|e|et|und|en|o|tomorrow|today|tonight|morgen|heute|mañana|"
    r"domani|demain|amanhã|vandaag)\b))",
    re.IGNORECASE,
)
_PHONE = re.compile(
    # The first character is a class: re then skips to "+", "(" and digits in C.
    r"[+(\d](?:"
    r"(?<=\+)\d{1,3}[ \-./]?(?:\(0?\d{1,4}\)[ \-./]?)?\d{1,4}(?:[ \-./]?\d{1,5}){1,5}"
    r"|(?<=\()\d{2,5}\)[ \-./]?\d{2,5}(?:[ \-./]?\d{2,5}){0,3}"
    r"|(?<=0)\d{1,4}(?:[ \-/.]\d{2,8}){1,4}"
    r"|(?<=\d)\d{2}[-.]\d{3}[-.]\d{4}"
    r"|(?<=1)[-. ]\d{3}[-. ]\d{3}[-. ]\d{4}"
    r"|(?<=\d)\d{2} \d{3} \d{4}"
    r")(?!\w)"
)
_AT = re.compile(r"@")
_LOCAL_PART = re.compile(r"(?<![\w.+\-])[\w.+\-]+\Z")
_DOMAIN = re.compile(r"[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}\b")
_URL_START = re.compile(r"http://|https://|www\.|HTTP://|HTTPS://|WWW\.")
_URL_REST = re.compile(r"[^\s<>\"'()]*[^\s<>\"'().,;:!?]")
_TLD = re.compile(
    r"\.(?:com|org|net|io|de|fr|es|it|nl|pt|eu|co\.uk|uk|ch|at|be|info|biz|app|dev)\b",
    re.IGNORECASE,
)
_HOST_BEFORE = re.compile(r"[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\Z", re.IGNORECASE)
_URL_PATH = re.compile(r"(?:/[^\s<>\"'()]*[^\s<>\"'().,;:!?])?")
_IDENTIFIER = re.compile(
    r"(?=[#A-Z\d])(?:#\s?\d[\w\-/]*"
    r"|\b(?:[A-Z]{1,5}[\-/]?)+\d[\w\-/]*\b"
    r"|\b(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*\d)[A-Z0-9]{5,}\b"
    r"|\b\d{2,}(?:[\-/]\d+)+\b"
    r"|\b\d+[A-Z]{1,3}\b"
    r"|\b[A-Z][A-Z0-9]\s\d{2,4}\b"
    r"|\b[A-Z]{2,}(?:[\-/][A-Z0-9]+)*[\-/]\d[\w\-/]*)"
)
_NOT_FLIGHT = _wordset("AM PM IT OK TV EU US UK NO ID HR PR CC RE ON IN AT TO OF")
_PLACEHOLDER = re.compile(
    # Every branch starts with a literal: re then skips to those characters in C.
    r"\[(?!\d+\])[^\[\]\n]{1,40}\](?!\()"
    r"|<(?!/?(?:br|p|b|i|a|div|span)\b)[A-Za-z][^<>\n@]{0,30}>"
    r"|\{\{?[A-Za-z_][^{}\n]{0,30}\}\}?"
    r"|X[Xx](?:[./:\-][Xx]{2,4})+\b|x[Xx](?:[./:\-][Xx]{2,4})+\b|XXX+\b|(?<!\w)__+(?!\w)"
)


# ---------------------------------------------------------------- extraction
def extract(
    text: str, *, lower: set[str] | None = None, context: set[str] | None = None
) -> list[Found]:
    """Every detail of ``text``, in order of appearance.

    ``lower``: words seen in lower case (they are not names); the text's own are added.
    ``context``: words written capitalised in the texts it is compared with (a German
    capitalised word found there is a name, not a noun).
    """
    scan = _scan(text)
    return scan.with_names(scan.lowercase() | (lower or set()), context or set())


class _Scan:
    """One text's details except names (found first), and its words."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.taken = bytearray(len(text))
        self.found: list[Found] = []
        self.tokens = list(_TOKEN.finditer(text))
        self.words = [token.group() for token in self.tokens]

    def claim(self, start: int, end: int) -> bool:
        """Take ``text[start:end]`` for one detail, unless part of it is taken."""
        if self.taken.find(1, start, end) != -1:
            return False
        self.taken[start:end] = b"\x01" * (end - start)
        return True

    def add(self, found: Found | None) -> None:
        if found is not None and self.claim(found.detail.start, found.detail.end):
            self.found.append(found)

    @functools.cached_property
    def language(self) -> str:
        """The language most of the first 600 words are frequent words of."""
        counts = dict.fromkeys(_LANGUAGE_HINTS, 0)
        hints = _HINT_LANGUAGES
        for word in self.words[:_LANGUAGE_SAMPLE]:
            if word in hints:
                for code in hints[word]:
                    counts[code] += 1
        best = max(counts, key=counts.__getitem__)
        return best if counts[best] else ""

    @functools.cached_property
    def _by_word(self) -> dict[str, list[int]]:
        """Where the words patterns start from are (token indexes), by lower-case word:
        one pass over the words and a set lookup each, instead of a pattern tried at
        every character."""
        by_word: dict[str, list[int]] = {}
        marked = _MARKED_SPELLINGS
        for index, word in enumerate(self.words):
            if word in marked:
                by_word.setdefault(word.lower(), []).append(index)
        return by_word

    def indexes_of(self, words: Iterable[str]) -> list[int]:
        """The token indexes of the words that are one of ``words`` (lower case), in order."""
        by_word = self._by_word
        return sorted(index for word in words for index in by_word.get(word, ()))

    def tokens_of(self, words: Iterable[str]) -> list[re.Match[str]]:
        """The tokens that are one of ``words`` (lower case), in order."""
        return [self.tokens[index] for index in self.indexes_of(words)]

    def folded_words(self) -> set[str]:
        """Folded words, German umlauts and place names in one spelling ("Koln" = "Cologne")."""
        words: set[str] = set()
        for token in set(self.words):
            folded = _fold(token)
            words.add(_EXONYMS.get(folded, folded))
        return words

    @functools.cached_property
    def _prose(self) -> tuple[set[str], set[str]]:
        """Lower-case and capitalised words of running text: a word seen only inside an
        address, a URL or another detail does not count."""
        counts = collections.Counter(self.words)
        inside = collections.Counter(
            word for item in self.found for word in _TOKEN.findall(item.detail.text)
        )
        lower: set[str] = set()
        capitals: set[str] = set()
        for word, count in counts.items():
            if inside[word] >= count:
                continue
            if word[0].isupper():
                capitals.add(word)
            elif len(word) > 2 and word.islower():
                lower.add(word)
        return lower, capitals

    def lowercase(self) -> set[str]:
        """Words written in lower case in running text (not inside an address or a URL)."""
        return self._prose[0]

    def capitalised(self) -> set[str]:
        return self._prose[1]

    def with_names(self, lower: set[str], context: set[str]) -> list[Found]:
        found = self.found + _names(self, lower, context)
        found.sort(key=lambda item: item.detail.start)
        return found


def _scan(text: str) -> _Scan:
    scan = _Scan(text)
    if not text.strip():
        return scan
    for marker in _LIST_MARKER.finditer(text):
        scan.taken[marker.start() : marker.end()] = b"\x01" * (marker.end() - marker.start())
    for match in _PLACEHOLDER.finditer(text):
        if match.group()[0] not in "Xx" or not _word_char_before(text, match.start()):
            scan.add(Found(Detail(match.group(), "placeholder", match.start(), match.end())))
    _emails(scan)
    _urls(scan)
    calendar = [scan.tokens[i] for i, w in enumerate(scan.words) if w in _CALENDAR_SPELLINGS]
    # "Friday, 14 March" first, then "14 March 2026", then "March 14" and "March 2026".
    weekdays = [t for t in calendar if t.group().casefold() in _ALL_WEEKDAYS]
    weekday_starts = {t.start() for t in weekdays}
    for token in weekdays:
        anchored = _DATE.match(text, token.start())
        if anchored is not None:
            scan.add(_date(anchored))
    for match in _DATE_NUMERIC.finditer(text):
        if not _word_char_before(text, match.start()):
            scan.add(_date(match))
    for token in calendar:
        anchored = _DATE.match(text, token.start())
        if anchored is not None and token.start() not in weekday_starts:
            scan.add(_date(anchored))
    for match in _TIME.finditer(text):
        before = text[match.start() - 1 : match.start()]
        if not (before.isalnum() or before in ("_", ".", ":", ",")):
            scan.add(_time(match))
    _word_times(scan)
    for token in scan.tokens_of(_BARE_HOUR_WORDS):
        bare = _BARE_HOUR.match(text, token.start())
        if bare is None:
            continue
        hour = int(bare.group("h"))
        minutes = {hour * 60} | ({(hour + 12) * 60} if 1 <= hour <= 11 else set())
        start, end = bare.span("h")
        scan.add(
            Found(Detail(text[start:end], "time", start, end), frozenset(f"h:{m}" for m in minutes))
        )
    for match in _PHONE.finditer(text):
        digits = _NON_DIGITS.sub("", match.group())
        before = text[match.start() - 1 : match.start()]
        if len(digits) >= 7 and not (before.isalnum() or before in ("_", "+")):
            scan.add(_found(match, "phone", {"t:" + _phone_key(digits)}))
    for match in _IDENTIFIER.finditer(text):
        value = match.group()
        start = match.start()
        if (value[:2] in _NOT_FLIGHT and " " in value) or _word_char_before(text, start):
            continue
        if text[start - 1 : start] in (".", ",") and text[start - 2 : start - 1].isdigit():
            continue  # the "4M" of "$2.4M"
        letters = value.lstrip("0123456789").casefold()
        if letters in _UNITS or (
            letters in ("m", "b", "k", "bn", "mn")
            and _CURRENCY_BEFORE.search(text, max(0, start - 4), start)
        ):
            continue  # "5GB" is a quantity and "$5M" an amount
        key = _NON_ALNUM.sub("", value).upper()
        keys = {"i:" + key}
        if key.isdigit():
            keys.add("n:" + str(int(key)))
        scan.add(_found(match, "identifier", keys))
    for match in _NUMBER.finditer(text):
        scan.add(_number(text, match))
    _number_words(scan)
    for token in calendar:
        scan.add(_calendar_word(text, token))
    return scan


def _number(text: str, match: re.Match[str]) -> Found | None:
    """A number, or with what surrounds it an amount ("€4,800", "1,2 Mio. Euro") or a
    percentage ("15 %", "12,5 Prozent")."""
    start, end = match.span()
    before = text[start - 1 : start]
    glued = bool(before) and (before.isalnum() or before in ".,")  # "B12", "v1.2.3"
    after = _AFTER_NUMBER.match(text, end)
    assert after is not None  # every part of it is optional
    multiplier = after.group("m")
    mark = text[max(0, start - 2) : start].strip()[-1:]
    currency = (
        _CURRENCY_BEFORE.search(text, max(0, start - 4), start)
        if mark and (mark in "€$£¥₹." or mark.isupper())
        else None
    )
    money = currency is not None or bool(after.group("currency"))
    if multiplier and multiplier.casefold() in ("m", "b") and not money:
        # "5 m" is five metres and "3 B" a room: "m" and "b" multiply only money ("€5m").
        multiplier = None
    keys = _number_keys(match.group(), multiplier)
    implied: set[str] = set()
    first, last = start, after.end("m") if multiplier else end
    if after.group("percent"):
        kind, last = "percent", after.end()
        keys = {"p:" + key[2:] for key in _number_keys(match.group(), None)}
    elif money:
        kind = "amount"
        if currency is not None:
            first, glued = currency.start(), False
        if after.group("currency"):
            last = after.end()
    else:
        kind = "number"
        glued = glued or before in ("_", "/", ":", "#", "-")
        unit = None if multiplier else _UNIT.match(text, last)
        if unit is not None:
            # A quantity compares by value and unit: "5 m" = "5 metres" != "5 km"; it
            # still keeps a plain "5" of the other text.
            implied, last = keys, unit.end()
            keys = _unit_keys(keys, unit.group("u"))
        glued = glued or _NUMBER_END.match(text, last) is None
    if glued:
        return None
    return Found(
        Detail(text[first:last], kind, first, last),
        frozenset(keys),
        frozenset(implied),
        counts=_counted_word(text, last) if kind == "number" and not implied else "",
    )


_COUNTED = re.compile(r"[ \u00a0]([^\W\d_]+)")


def _counted_word(text: str, end: int) -> str:
    """The stem of the word a number counts ("2 double rooms": "doubl"), or ""."""
    following = _COUNTED.match(text, end)
    if following is None or following.group(1).casefold() in _NUMBER_FUNCTION_WORDS:
        return ""
    return following.group(1).lower()[:5]


_UNITS: dict[str, str] = {}
for _unit_group in (
    "m metre metres meter meters metern mètre mètres metro metros metri",
    "km kilometre kilometres kilometer kilometers kilometern kilomètre kilomètres kilómetro "
    "kilómetros chilometro chilometri quilómetro quilómetros quilômetro quilômetros",
    "cm centimetre centimetres centimeter centimeters centimètres centímetros centimetri",
    "mm millimetre millimetres millimeter millimeters",
    "m² m2 sqm",
    "kg kilo kilos kilogram kilograms kilogramm kilogramme kilogrammes kilogramos chili",
    "g gram grams gramm gramme grammes gramos grammi",
    "mg",
    "t tonne tonnes tonnen toneladas tonnellate",
    "l litre litres liter liters litro litros litri",
    "ml",
    "gb gigabyte gigabytes",
    "mb megabyte megabytes",
    "kb kilobyte kilobytes",
    "tb terabyte terabytes",
    "°c °f ° degrees grad degrés grados gradi graus graden celsius fahrenheit "
    "degrees_celsius grad_celsius degrés_celsius grados_celsius gradi_celsius graus_celsius "
    "graden_celsius",
    "h hr hrs hour hours stunde stunden heure heures hora horas ora ore uur",
    "min mins minute minutes minuten minuto minutos minuti",
    "km/h kmh mph",
):
    _unit_words = [word.replace("_", " ") for word in _unit_group.split()]
    for _unit in _unit_words:
        _UNITS[_unit] = _unit_words[0]
_UNIT = re.compile(
    rf"{_SEP}?(?P<u>{_alternation(sorted(_UNITS, key=len, reverse=True))})(?![^\W_])",
    re.IGNORECASE,
)


def _unit_keys(number_keys: Iterable[str], unit: str) -> set[str]:
    canonical = _UNITS[unit.casefold()]
    return {f"q:{key[2:]}{canonical}" for key in number_keys}


def _word_char_before(text: str, start: int) -> bool:
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")


def _emails(scan: _Scan) -> None:
    text = scan.text
    for at in _AT.finditer(text):
        local = _LOCAL_PART.search(text, max(0, at.start() - 64), at.start())
        domain = _DOMAIN.match(text, at.end())
        if local is None or domain is None:
            continue
        start, end = local.start(), domain.end()
        scan.add(
            Found(
                Detail(text[start:end], "email", start, end),
                frozenset({"e:" + text[start:end].casefold()}),
            )
        )


def _urls(scan: _Scan) -> None:
    text = scan.text
    spans = [
        (m.start(), _URL_REST.match(text, m.end()))
        for m in _URL_START.finditer(text)
        if not _word_char_before(text, m.start())
    ]
    for tld in _TLD.finditer(text):
        host = _HOST_BEFORE.search(text, max(0, tld.start() - 100), tld.start())
        if host is not None and not _word_char_before(text, host.start()):
            spans.append((host.start(), _URL_PATH.match(text, tld.end())))
    for start, rest in sorted(spans, key=lambda span: span[0]):
        if rest is None or text[start - 1 : start] == "@":
            continue
        end = rest.end()
        value = text[start:end]
        scan.add(Found(Detail(value, "url", start, end), frozenset({"u:" + _url_key(value)})))


def _found(match: re.Match[str], kind: str, keys: set[str]) -> Found:
    return Found(Detail(match.group(), kind, match.start(), match.end()), frozenset(keys))


def _url_key(url: str) -> str:
    key = _URL_PREFIX.sub("", url.casefold())
    return key.rstrip("/")


def _phone_key(digits: str) -> str:
    # The last 8 digits: a country code, trunk 0 or 00 prefix may be written or not.
    return digits[-8:]


def _number_keys(number: str, multiplier: str | None) -> set[str]:
    if not multiplier and number.isdigit():
        return {"n:" + str(int(number))}
    factor = _multiplier(multiplier)
    return {"n:" + _format_value(value * factor) for value in _number_readings(number)}


def _multiplier(word: str | None) -> float:
    if not word:
        return 1
    word = word.casefold().rstrip(".")
    if word in ("k", "thousand", "tausend", "mil"):
        return 1e3
    if word in ("billion", "billions", "milliard", "milliards", "milliarden", "mrd", "bn", "b"):
        return 1e9
    return 1e6


def _format_value(value: float) -> str:
    rounded = round(value, 6)
    return str(int(rounded)) if rounded == int(rounded) else repr(rounded)


def _number_readings(number: str) -> set[float]:
    """Every value ``number`` can mean: "4.800" is 4800 or 4.8, "1.200,50" is 1200.5."""
    compact = _GROUPING.sub("", number)
    readings: set[float] = set()
    separators = [c for c in compact if c in ".,"]
    if not separators:
        return {float(compact)}
    if len(set(separators)) == 2:
        decimal = compact[max(compact.rfind("."), compact.rfind(","))]
        thousands = "," if decimal == "." else "."
        return {float(compact.replace(thousands, "").replace(decimal, "."))}
    mark = separators[0]
    groups = compact.split(mark)
    if len(groups) > 2:
        return {float("".join(groups))}
    head, tail = groups
    if len(tail) == 3 and head != "0":
        readings.add(float(head + tail))
    readings.add(float(head + "." + tail))
    return readings


def _date(match: re.Match[str]) -> Found | None:
    groups: dict[str, Any] = match.groupdict("")
    readings: list[tuple[int, int, int | None]] = []
    if groups.get("iy", ""):
        readings.append((int(groups["id"]), int(groups["im"]), int(groups["iy"])))
    elif groups.get("n1", ""):
        first, second = int(groups["n1"]), int(groups["n2"])
        year = _year(groups.get("ny", ""))
        if groups.get("sep", "") == "." and year is None and not _dotted(match):
            return None  # "3.5" is a number, not a date; "24.12." is a date
        if groups.get("sep", "") == "/" and year is None and (first > 31 or second > 31):
            return None
        for day, month in ((first, second), (second, first)):
            if 1 <= day <= 31 and 1 <= month <= 12:
                readings.append((day, month, year))
        if groups.get("sep", "") == ".":
            readings = [r for r in readings if r[0] == first]  # dd.mm.yyyy is day-first
    else:
        day_text = groups.get("d1", "") or groups.get("d2", "")
        month_text = groups.get("m1", "") or groups.get("m2", "") or groups.get("m3", "")
        month_number = _month_number(month_text)
        if month_number is None:
            return None
        year = _year(groups.get("y1", "") or groups.get("y2", "") or groups.get("y3", ""))
        if not day_text:
            keys = {f"m:{month_number}"} | ({f"n:{year}"} if year else set())
            return Found(
                Detail(match.group(), "month", match.start(), match.end()), frozenset(keys)
            )
        readings.append((int(day_text), month_number, year))
    readings = [r for r in readings if _valid(r)]
    if not readings:
        return None
    implied: set[str] = set()
    for day, month, year in readings:
        implied.add(f"m:{month}")
        if year is not None:
            implied.add(f"n:{year}")
            implied.add(f"w:{datetime.date(year, month, day).weekday()}")
    weekday = _weekday_number(groups.get("wd", "")) if groups.get("wd", "") else None
    if weekday is not None:
        readings = [r for r in readings if _compatible(_weekday(r), weekday)]
        if not readings:
            readings = [(0, 0, None)]  # a date that cannot be that weekday matches nothing
        implied.add(f"w:{weekday}")
    end = match.end() + (1 if groups.get("sep", "") == "." and _dotted(match) else 0)
    return Found(
        Detail(match.string[match.start() : end], "date", match.start(), end),
        implied=frozenset(implied),
        dates=tuple(readings),
        weekday=weekday,
    )


def _dotted(match: re.Match[str]) -> bool:
    """German "24.12." (day and month, each followed by a dot)."""
    after = match.string[match.end() : match.end() + 2]
    return after[:1] == "." and not after[1:].isdigit()


def _valid(reading: tuple[int, int, int | None]) -> bool:
    day, month, year = reading
    try:
        datetime.date(year or 2024, month, day)
    except ValueError:
        return False
    return True


def _weekday(reading: tuple[int, int, int | None]) -> int | None:
    day, month, year = reading
    return None if year is None else datetime.date(year, month, day).weekday()


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def _month_number(word: str) -> int | None:
    key = word.casefold().rstrip(".")
    if key in _MONTHS:
        if key == "may" and not word[0].isupper():
            return None
        return _MONTHS[key]
    if key in _MONTH_ABBREVIATIONS and word[0].isupper():
        return _MONTH_ABBREVIATIONS[key]
    return None


def _weekday_number(word: str) -> int | None:
    key = word.casefold().rstrip(".")
    if key in _WEEKDAYS:
        return _WEEKDAYS[key]
    return _WEEKDAY_ABBREVIATIONS.get(key)


def _time(match: re.Match[str]) -> Found | None:
    hour = int(match.group("h"))
    minute = int(match.group("m") or 0)
    sep, ampm, uhr = match.group("sep"), match.group("ap"), match.group("uhr")
    if hour > 23 or (sep == "." and not (ampm or uhr)) or (sep == "h" and uhr):
        return None  # "3.45" is a number
    if uhr and uhr.casefold() in ("h", "hrs", "heure", "heures") and not _clock_time(match):
        return None  # "2 h" and "3 heures" last; "14h" and "à 14 heures" are times
    minutes: set[int] = set()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.casefold().startswith("p") else 0)
        minutes.add(hour * 60 + minute)
    else:
        minutes.add(hour * 60 + minute)
        if 1 <= hour <= 11:
            minutes.add((hour + 12) * 60 + minute)
    keys = {f"h:{m}" for m in minutes}
    start = match.start("h")
    return Found(
        Detail(match.string[start : match.end()], "time", start, match.end()), frozenset(keys)
    )


_TIME_PREPOSITIONS = _wordset("at à a vers dès um ab bis gegen alle às om from to until till de")


def _clock_time(match: re.Match[str]) -> bool:
    """ "14h", "10 h 30" or a time after "at", "à", "um": not a duration."""
    if match.group("m") or match.start("uhr") == match.end("h"):
        return True
    before = match.string[max(0, match.start() - 12) : match.start()].split()
    return bool(before) and before[-1].casefold() in _TIME_PREPOSITIONS


_ALL_WEEKDAYS = frozenset([*_WEEKDAYS, *_WEEKDAY_ABBREVIATIONS])
_CALENDAR_WORDS = frozenset([*_WEEKDAYS, *_MONTHS, *_WEEKDAY_ABBREVIATIONS, *_MONTH_ABBREVIATIONS])
_CALENDAR_SPELLINGS = frozenset(
    spelling
    for word in _CALENDAR_WORDS
    for spelling in (word, word.capitalize(), word.upper(), word.title())
)
"""As written: a set lookup per word instead of case-folding every word of the text."""


def _calendar_word(text: str, token: re.Match[str]) -> Found | None:
    """A weekday or month written on its own ("on Friday", "in March")."""
    word = token.group()
    key = word.casefold()
    if (
        (key in _MONTH_ABBREVIATIONS and key not in _MONTHS)  # "Jan" is a name as often
        or (key in _WEEKDAY_ABBREVIATIONS and not word[0].isupper())
        or (key in _ENGLISH_MONTHS and not word[0].isupper())  # "may", "march"
        or (key == "may" and _sentence_initial(text, token.start()))
        or word == "Mars"  # the planet or a name more often than the French month
    ):
        return None
    weekday = _weekday_number(word)
    if weekday is not None:
        return _found(token, "weekday", {f"w:{weekday}"})
    return _found(token, "month", {f"m:{_MONTHS[key]}"})


def _sentence_initial(text: str, start: int) -> bool:
    pos = start - 1
    while pos >= 0 and text[pos] in " \t\"'“”\u2018\u2019«»(*#->•[":
        pos -= 1
    if pos < 0 or text[pos] in ".!?:;\n":
        return True
    # "1. Anna" or "- Anna": a list item starts a sentence too.
    return bool(_LIST_NUMBER.match(text[max(0, pos - 2) : pos + 1]))


def _names(scan: _Scan, lower: set[str], context: set[str]) -> list[Found]:
    text, tokens, taken, words = scan.text, scan.tokens, scan.taken, scan.words
    german = scan.language == "de"
    capitals = [i for i, word in enumerate(words) if word[0].isupper()]
    mid_capitals = {words[i] for i in capitals if not _sentence_initial(text, tokens[i].start())}
    known = context if german else mid_capitals | context
    connectors = _GERMAN_CONNECTORS if german else _CONNECTORS
    found: list[Found] = []
    run: list[int] = []
    before_run = ""
    noun_end = -2  # no noun yet (-1 would be "right before the first word")

    def flush() -> None:
        while run and _connector(words[run[-1]]):
            run.pop()
        if run:
            name = _name(text, [tokens[j] for j in run], german, known, before_run)
            if name is not None:
                found.append(name)
        run.clear()

    for i in capitals:
        token, word = tokens[i], words[i]
        start = token.start()
        if taken.find(1, start, token.end()) != -1:
            flush()
            continue
        if not _could_be_name(word, lower):
            # "Harbor Bank" although "the bank" is written too: a word seen in lower case
            # continues a name; it does not start one.
            last = run[-1] if run else -2
            if (
                i == last + 1
                and text[tokens[last].end() : start] == " "
                and _could_be_name(word, set())
            ):
                run.append(i)
            else:
                flush()
            continue
        if run:
            last = run[-1]
            gap = text[tokens[last].end() : start]
            if i == last + 1 and gap in (" ", " & "):
                run.append(i)
                continue
            # German "Dollar von Investoren" is not a name; "Herr von Weizsäcker" is.
            joins = not german or before_run.casefold() in _TITLES
            if (
                joins
                and i == last + 2
                and words[last + 1] in connectors
                and gap == f" {words[last + 1]} "
            ):
                run += [last + 1, i]
                continue
            flush()
        previous_word = words[i - 1] if i else ""
        if i and _DIGIT.search(text, tokens[i - 1].end(), start):
            previous_word = ""  # "von 2.100 Tonnen": the word before is not about this one
        if (
            german
            and noun_end != start - 1
            and word not in context
            and _german_noun(word, previous_word)
        ):
            noun_end = token.end()
            continue
        # A capitalised word right after a German noun names it: "Firma Schneider".
        before_run = _AFTER_NOUN if noun_end == start - 1 else previous_word
        run.append(i)
    flush()
    return found


_DIGIT = re.compile(r"\d")
_NON_DIGITS = re.compile(r"\D")
_NON_ALNUM = re.compile(r"[\W_]")
_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?")
_GROUPING = re.compile(r"[ \u00a0\u202f'\u2019]")
_LIST_NUMBER = re.compile(r"\d{1,2}[.)]$")


def _connector(word: str) -> bool:
    return word in _CONNECTORS or word == "&"


def _could_be_name(word: str, lower: set[str]) -> bool:
    folded = word.casefold()
    if folded in _STOP_WORDS or folded in _TITLES or len(word) < 2:
        return False
    if folded in _WEEKDAYS or folded in _MONTHS or folded in _WEEKDAY_ABBREVIATIONS:
        return False
    if word.isupper() and folded in _ACRONYMS:
        return False
    return folded not in lower


def _german_noun(word: str, previous: str) -> bool:
    folded = word.casefold()
    if previous.casefold() in _GERMAN_DETERMINERS:
        return True
    if previous and previous.islower() and previous.endswith(("e", "en", "er", "es", "em")):
        return True  # "die neue Rechnung"
    return len(folded) > 5 and folded.endswith(_GERMAN_NOUN_ENDINGS)


def _distinct(text: str, token: re.Match[str]) -> bool:
    """A word that is a name by its form: "FoxBridge", "ACME", or alone on its line."""
    word = token.group()
    if any(c.isupper() for c in word[1:]):
        return True
    if _LINE_END.match(text, token.end()) is None:
        return False
    pos = token.start() - 1
    while pos >= 0 and text[pos] in _LINE_DECORATION:
        pos -= 1
    return pos < 0 or text[pos] == "\n"


_LINE_DECORATION = " \t,.;:-*#>"
_LINE_END = re.compile(r"[ \t,.;:\-*#>]*(?:\n|\Z)")


_NEXT_WORD = re.compile(r"(?:'s\b|\u2019s\b|,?\s+([^\W\d_]+))")
_SUBJECT_VERBS = _wordset(
    "will said says confirmed asked wants wrote called sent mentioned suggested agreed "
    "needs told thinks joined left approved"
)
_GERMAN_PLACE_WORDS = _wordset("in aus nach bei von und")
_AFTER_NOUN = "\0noun"


def _name(
    text: str, run: list[re.Match[str]], german: bool, known: set[str], before: str
) -> Found | None:
    significant = [t.group() for t in run if not _connector(t.group())]
    first = run[0]
    if len(significant) == 1 and not german and _common_noun(text, first, before):
        return None
    if len(significant) == 1 and not _distinct(text, first):
        word = significant[0]
        after_title = before.casefold() in _TITLES
        if german:
            after_noun = before == _AFTER_NOUN
            if not (after_title or after_noun or word in known or before in _GERMAN_PLACE_WORDS):
                return None
        elif _sentence_initial(text, first.start()) and word not in known:
            # Every sentence starts with a capital. There a name is followed by a verb or a
            # frequent word ("Microsoft was", "Amazon also wants"), an adjective or a label
            # by a noun or a colon ("Urgent requests", "Recruiter:"); a frequent word of the
            # language is a name only before a verb such as "will" ("Will said").
            folded = word.casefold()
            following = _NEXT_WORD.match(text, run[-1].end())
            verb = following.group(1) if following else ""
            verb = verb.casefold() if verb else verb
            if folded.endswith(_COMMON_ENDINGS) or _LABEL_END.match(text, run[-1].end()):
                return None
            if folded in _COMMON_WORDS:
                if verb not in _SUBJECT_VERBS or folded.endswith("s"):
                    return None
            elif verb and verb not in _SUBJECT_VERBS and verb not in _NAME_FOLLOWERS:
                return None
    start, end = run[0].start(), run[-1].end()
    words = tuple(_EXONYMS.get(w, w) for w in (_fold(w) for w in significant))
    return Found(Detail(text[start:end], "name", start, end), words=words)


_NAME_FOLLOWERS = frozenset().union(*_LANGUAGE_HINTS.values())
_LABEL_END = re.compile(r"[ \u00a0]?:")
_DIGIT_NEXT = re.compile(r"[ \u00a0]\d")


@functools.cache
def _folded_common_words() -> frozenset[str]:
    return frozenset(_fold(word) for word in _COMMON_WORDS)


def _translated_name(words: Iterable[str], known: set[str]) -> bool:
    """A name of a translation whose other words are translated common words: "Seville City
    Council" for "Ayuntamiento de Sevilla" ("Seville" is known, "City" and "Council" are
    common English words)."""
    common = _folded_common_words()
    words = tuple(words)
    return any(word in known for word in words) and all(
        word in known or word in common for word in words
    )


_TITLE_LENGTH = 120
"""Longer lines are prose, not titles."""


def _common_noun(text: str, token: re.Match[str], before: str) -> bool:
    """A frequent word that names a thing, not someone: after "the" ("The Committee"), as
    the label of a number ("Gate 2") or in a title written in capitals ("Final Report")."""
    if token.group().casefold() not in _COMMON_WORDS:
        return False
    if before.casefold() == "the" or _DIGIT_NEXT.match(text, token.end()):
        return True
    start = text.rfind("\n", 0, token.start()) + 1
    end = text.find("\n", token.end())
    end = len(text) if end < 0 else end
    if end - start > _TITLE_LENGTH:
        return False
    line = text[start:end]
    long_words = [word for word in _TOKEN.findall(line) if len(word) > 3]
    return len(long_words) >= 2 and all(word[0].isupper() for word in long_words)


def _name_kept(
    name: Found,
    draft_words: set[str],
    draft_names: dict[str, list[Found]],
    *,
    translated: bool = False,
) -> bool:
    """A source name is in the draft when a draft name is part of it ("Ms Berg", "Anna" for
    "Anna Berg") or holds it ("Emma Wright" for "Emma"), or, when the draft names no one
    like it, when one of its words occurs."""
    whole = set(name.words)
    related = [other for word in whole for other in draft_names.get(word, ())]
    if related:
        return any(
            set(other.words) <= whole
            or whole <= set(other.words)
            or (translated and _translated_name(other.words, whole))
            for other in related
        )
    return any(word in draft_words for word in name.words)


_EXONYMS: dict[str, str] = {}
for _group in (
    "koln cologne colonia cologna keulen",
    "munchen munich munique monaco-di-baviera",
    "milano milan mailand milan",
    "roma rome rom",
    "napoli naples neapel",
    "firenze florence florenz florencia",
    "venezia venice venedig venise venecia",
    "torino turin",
    "genova genoa genua genes",
    "lisboa lisbon lissabon lisbonne",
    "porto oporto",
    "gent ghent gand",
    "antwerpen antwerp anvers amberes",
    "brussel bruxelles brussels brussel brusel bruselas bruxelas",
    "wien vienna vienne viena",
    "praha prague prag praga",
    "warszawa warsaw warschau varsovie varsovia",
    "zurich zurigo",
    "geneve geneva genf ginevra ginebra",
    "basel bale basilea",
    "nurnberg nuremberg norimberga",
    "kobenhavn copenhagen kopenhagen copenhague",
    "athina athens athen athenes atenas atene",
    "moskva moscow moskau moscou moscu mosca",
    "sevilla seville seville siviglia",
    "londres london londra londen",
    "parijs paris parigi",
    "deutschland germany allemagne alemania germania duitsland alemanha",
    "frankreich france francia frankrijk franca",
    "spanien spain espagne espana spagna spanje espanha",
    "italien italy italie italia italie",
    "niederlande netherlands pays-bas paises nederland olanda holanda",
    "schweiz switzerland suisse suiza svizzera zwitserland suica",
    "osterreich austria autriche oostenrijk",
    "belgien belgium belgique belgica belgio",
    "polen poland pologne polonia",
    "grossbritannien britain royaume-uni",
):
    _words_of_group = [_fold(word) for word in _group.split()]
    for _alias in _words_of_group:
        _EXONYMS[_alias] = _words_of_group[0]


def _number_words(scan: _Scan) -> None:
    """Numbers written in words: "three blockers", "vingt et un jours", "a dozen", "zwei
    Stunden", "two million euros". Only a number word that counts something, one followed by
    a noun or unit the way digits are, is a detail of its own; "one of them", "the two" and
    the article "a" are *weak*: they count only when the other text has the number."""
    for index in scan.indexes_of(_NUMBER_WORD_FIRSTS):
        scan.add(_number_word(scan, index))


def _joined(scan: _Scan, index: int) -> bool:
    """Word ``index`` follows the one before it after a single space or hyphen."""
    return scan.text[scan.tokens[index - 1].end() : scan.tokens[index].start()] in (" ", "-")


def _number_word(scan: _Scan, first: int) -> Found | None:
    text, tokens, words = scan.text, scan.tokens, scan.words
    start = tokens[first].start()
    if words[first][0].isupper() and not _sentence_initial(text, start):
        return None  # "Otto", "Sept", "Chapter Three"
    phrase = words[first].casefold()
    if (
        phrase in _ARTICLES
        and phrase not in _NUMBER_WORDS
        and (first + 1 == len(words) or words[first + 1].casefold() not in _SCALE_WORDS)
    ):
        return None  # "a", "an": a number only in "a dozen", "a hundred"
    value: int | None = None
    last = first
    value = _NUMBER_WORDS.get(phrase)
    position = first
    while position + 1 < len(words) and position - first + 1 < _NUMBER_WORD_LENGTH:
        if not _joined(scan, position + 1):
            break
        position += 1
        phrase += " " + words[position].casefold()
        if phrase in _NUMBER_WORDS:
            value, last = _NUMBER_WORDS[phrase], position
    folded = words[first].casefold()
    if value is None:
        if folded in _ARTICLES:
            value = 1
        elif folded in _HUNDRED_WORDS or folded in _DOZEN_WORDS:
            value, last = 1, first - 1  # "cent euros", "Dutzend": the scale word alone
        else:
            return None
    scaled = False
    scale = last + 1
    if scale < len(words) and (scale == first or _joined(scan, scale)) and value < 10:
        scale_word = words[scale].casefold()
        if scale_word in _HUNDRED_WORDS or scale_word in _DOZEN_WORDS:
            value *= 100 if scale_word in _HUNDRED_WORDS else 12
            last, scaled = scale, True
    if last < first or (
        folded in _ARTICLES and not scaled and value == 1 and folded not in _NUMBER_WORDS
    ):
        return None
    for word in words[first : last + 1]:
        own = _NUMBER_WORD_LANGUAGES.get(word.casefold())
        if own is not None and scan.language not in own.split():
            return None  # English "once", "due"; Dutch "onze"
    end = tokens[last].end()
    keys = {f"n:{value}"}
    implied: set[str] = set()
    kind = "number"
    counted = True
    after = _AFTER_NUMBER.match(text, end)
    assert after is not None  # every part of it is optional
    multiplier = after.group("m")
    if multiplier and len(multiplier) > 3:  # "two million", not "two m"
        keys, end = {"n:" + _format_value(value * _multiplier(multiplier))}, after.end("m")
    if after.group("percent"):
        kind, end = "percent", after.end()
        keys = {"p:" + key[2:] for key in keys}
    elif after.group("currency"):
        kind, end = "amount", after.end()
    elif (unit := _UNIT.match(text, end)) is not None and unit.group().startswith(" "):
        implied, end = keys, unit.end()
        keys = _unit_keys(keys, unit.group("u"))
    elif not (multiplier and len(multiplier) > 3):
        following = last + 1
        counted = (
            following < len(words)
            and _joined(scan, following)
            and words[following].casefold() not in _NUMBER_FUNCTION_WORDS
        )
    weak = not counted or (value == 1 and not scaled)
    return Found(
        Detail(text[start:end], kind, start, end),
        frozenset(keys),
        frozenset(implied),
        weak=weak,
        counts=_counted_word(text, end) if kind == "number" and not implied else "",
    )
