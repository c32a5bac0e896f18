"""The fixed task set of the quality benchmark: emails, replies, reports, translations, summaries.

Every task is what a user could type into a tab: notes full of checkable details (dates,
amounts, names, numbers), a recipient and a sign-as name, a text to translate, a document
to summarize. The long documents are generated from a seed, so the set never changes
between runs, and are long enough that the test models' context needs map-reduce.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from desktop_slm.checking.facts import FactCheck
from desktop_slm.tools.email import EmailRequest
from desktop_slm.tools.report import ReportRequest
from desktop_slm.tools.summarize import SummarizeRequest
from desktop_slm.tools.translate import TranslateRequest
from desktop_slm.tools.verify import check_answer

Request = EmailRequest | ReportRequest | TranslateRequest | SummarizeRequest


@dataclass(frozen=True)
class QualityTask:
    """One input and what its output is checked against."""

    id: str
    request: Request
    language: str
    """ISO 639-1 code the answer must be written in."""

    @property
    def tool(self) -> str:
        """email, reply, report, translate or summarize."""
        if isinstance(self.request, EmailRequest):
            return "reply" if self.request.is_reply else "email"
        if isinstance(self.request, ReportRequest):
            return "report"
        if isinstance(self.request, TranslateRequest):
            return "translate"
        return "summarize"

    def check(self, output: str) -> FactCheck:
        """The fact check the app shows under ``output`` (``tools.verify``)."""
        tool = "email" if self.tool == "reply" else self.tool
        return check_answer(tool, self.request, output)

    @property
    def source(self) -> str:
        """What the answer is written from (its own repetition is allowed in the answer)."""
        r = self.request
        if isinstance(r, EmailRequest):
            return "\n\n".join(part for part in (r.notes, r.original_email) if part.strip())
        if isinstance(r, ReportRequest):
            return r.notes
        return r.text

    @property
    def sign_off(self) -> str:
        r = self.request
        return r.sign_off.strip() if isinstance(r, EmailRequest) else ""


# ---------------------------------------------------------------- emails
_EMAILS = (
    EmailRequest(
        notes="ask Maria to move the quarterly review from Tuesday 14 March to Thursday "
        "16 March at 10:00 in room B12; the agenda is attached; I need the Q1 sales "
        "figures (target EUR 48,500) by Monday",
        tone="professional",
        length="short",
        recipient="Maria Lopez",
        sign_off="Tom Becker",
    ),
    EmailRequest(
        notes="team lunch on Friday 21 June at 12:30 at Luigi's on King Street; the "
        "budget is 25 pounds per person; please reply by Wednesday",
        tone="friendly",
        length="short",
        recipient="Sam",
        sign_off="Priya Nair",
    ),
    EmailRequest(
        notes="order A-77812 is delayed; it ships on 3 April instead of 28 March; "
        "sorry; 15% off the next order with the code SORRY15; questions: call "
        "0161 496 0732",
        tone="apologetic",
        length="short",
        recipient="Mr. Okafor",
        sign_off="Laura Chen",
        relationship="a customer",
    ),
    EmailRequest(
        notes="invite her to give a 20-minute talk at our conference in Vienna, "
        "9 to 11 October; we pay travel up to EUR 900 and two hotel nights; answer "
        "by 15 August",
        tone="formal",
        length="short",
        recipient="Dr. Elena Petrova",
        sign_off="James Whitfield",
    ),
    EmailRequest(
        notes="server maintenance on Saturday 2 November from 22:00 to 02:00; the VPN "
        "and the file shares are down during that time; problems: "
        "it-help@northwind.example",
        tone="concise",
        length="short",
        sign_off="Alex Kim",
    ),
    EmailRequest(
        notes="we should switch our packaging supplier to Brightline; it saves 12%, "
        "about GBP 18,000 a year; a three-month trial could start on 1 July",
        tone="persuasive",
        length="short",
        recipient="Helen",
        sign_off="Marco Rossi",
        relationship="my manager",
    ),
    EmailRequest(
        notes="remercier Claire pour son aide au salon de Lyon le 5 mai; 320 visiteurs "
        "sur notre stand; prochaine réunion le 19 mai à 14h",
        tone="friendly",
        length="short",
        language="French",
        recipient="Claire",
        sign_off="Julien Martin",
    ),
    EmailRequest(
        notes="Angebot Nr. 2024-118 für 40 Laptops; Gesamtpreis 36.800 Euro; gültig "
        "bis 30. Juni; Lieferung innerhalb von 3 Wochen",
        tone="professional",
        length="short",
        language="German",
        recipient="Herr Weber",
        sign_off="Anna Schmidt",
    ),
    EmailRequest(
        notes="reminder: timesheets for October are due on Friday at 5 p.m.; use the "
        "new tool at timesheets.example.com; late sheets delay the payroll",
        tone="concise",
        length="short",
        recipient="Team",
    ),
    EmailRequest(
        notes="thank her for five years of membership; she gets 2 free tickets for our "
        "winter gala on 14 December at the Grand Hotel",
        tone="friendly",
        length="short",
        recipient="Mrs. Brown",
        sign_off="Olivia Grant",
        relationship="a member of our club",
    ),
)

_REPLIES = (
    EmailRequest(
        original_email="Subject: Unpaid invoice INV-2291\n\nHello,\n\nour records show "
        "that invoice INV-2291 of EUR 1,250, due on 31 January, has not been paid. "
        "Could you look into it?\n\nRegards,\nDaniel Hughes\nAccounts, Fenwick Supplies",
        notes="we paid it on 12 February by bank transfer, reference 88-4410; I will "
        "send the proof of payment today",
        tone="professional",
        length="short",
        recipient="Daniel Hughes",
        sign_off="Sophie Turner",
    ),
    EmailRequest(
        original_email="Subject: Interview next week\n\nHi Ben,\n\nsomething came up and "
        "I cannot make our interview on Tuesday 7 May at 11:00. Could we find another "
        "time?\n\nBest,\nKaren Liu",
        notes="no problem; offer Wednesday 8 May at 9:30 or Thursday 9 May at 15:00; "
        "the video link follows once she picks one",
        tone="friendly",
        length="short",
        recipient="Karen",
        sign_off="Ben Carter",
    ),
    EmailRequest(
        original_email="Subject: Broken chair\n\nThe office chair from order 55102 "
        "arrived with a cracked base. I paid 149.99 USD for it and I am very "
        "disappointed.\n\nJohn Miller",
        notes="apologise; full refund of 149.99 USD within 5 working days; no need to "
        "send the chair back",
        tone="apologetic",
        length="short",
        recipient="Mr. Miller",
        sign_off="Nina Patel",
        relationship="a customer",
    ),
    EmailRequest(
        original_email="Subject: Slides for the board\n\nHi Lucas, are the slides for "
        "the board meeting on 27 September ready? I would like to read them before "
        "the weekend.\n\nThanks,\nGrace",
        notes="they will be ready on Thursday; 18 slides; the budget part comes from Omar",
        tone="concise",
        length="short",
        recipient="Grace",
        sign_off="Lucas Meyer",
    ),
    EmailRequest(
        original_email="Subject: Rent from August\n\nDear Ms Wilson,\n\nI am writing to "
        "let you know that the rent for the flat on Elm Road will rise from 950 to "
        "1,020 pounds per month from 1 August.\n\nKind regards,\nPeter Hall",
        notes="accept the new rent, but ask him to repair the heating first; I "
        "reported the fault on 3 January",
        tone="formal",
        length="short",
        recipient="Mr. Hall",
        sign_off="Emma Wilson",
    ),
)

# ---------------------------------------------------------------- reports
_REPORTS = (
    ReportRequest(
        notes="- project Atlas: the cloud migration is 70% done\n- 14 of 20 services "
        "moved\n- deadline 30 September\n- risk: the database team is 2 people short\n"
        "- budget: EUR 210,000 spent of EUR 300,000",
        kind="status",
        title="Atlas migration status",
        max_sections=2,
    ),
    ReportRequest(
        notes="meeting on 4 March, attendees Ruth Adams, Kofi Mensah and Mei Tanaka; "
        "decided: the new website launches on 15 April; action: Kofi writes the copy "
        "by 20 March; action: Mei prepares the test plan by 1 April",
        kind="minutes",
        title="Website meeting",
        max_sections=2,
    ),
    ReportRequest(
        notes="outage on 17 January from 08:12 to 09:47 UTC; the payments API was "
        "down; 3,400 transactions failed; cause: an expired TLS certificate; fixed by "
        "renewing it; follow-up: alert 30 days before any certificate expires",
        kind="incident",
        title="Payments outage",
        max_sections=2,
    ),
    ReportRequest(
        notes="solar panels on the warehouse roof in Leeds; 420 panels; cost GBP "
        "260,000; payback in 7 years; installer SunRoof Ltd; work could start in May",
        kind="proposal",
        title="Solar roof for Leeds",
        max_sections=2,
    ),
    ReportRequest(
        notes="customer support, second quarter: 12,480 tickets; first response in "
        "3.2 hours on average (target 4 hours); satisfaction 91%; new hire Fatima "
        "Zahra starts on 1 August",
        kind="status",
        title="Support in Q2",
        max_sections=2,
    ),
)

# ---------------------------------------------------------------- translations
_TEXTS = (
    "The library will be closed on Monday 6 May for the public holiday. From Tuesday "
    "7 May we open again at 9:00. Books due during the closure can be returned until "
    "10 May without a fee.",
    "Our new coffee machine costs 249 euros and comes with a two-year warranty. Orders "
    "placed before 30 November are delivered free of charge. Questions? Write to "
    "service@kaffee.example or call +49 30 1234 5678.",
    "Dear guests,\n\nbreakfast is served from 7:00 to 10:30 in the garden room. The "
    "swimming pool on the second floor is open until 22:00.\n\nPlease leave your room "
    "by 11:00 on the day you depart. Thank you for staying with us.",
    "Meeting notes from 12 May:\n\n- Sarah presents the budget of 4,800 euros.\n- The "
    "team in Madrid starts the new campaign in June.\n- Next meeting: Friday 23 May "
    "at 14:00.",
)
_TARGETS = ("fr", "de", "es", "it", "pt", "nl", "pl")

# ---------------------------------------------------------------- summaries (direct)
_ARTICLES = (
    "The town of Harwick opened its new public swimming pool on Saturday 3 June after "
    "two years of building work. The pool cost 6.2 million pounds, of which 2.5 million "
    "came from a national sports grant and the rest from the town council. Mayor Linda "
    "Grey cut the ribbon in front of about 900 residents.\n\nThe building has a "
    "25-metre main pool with six lanes, a learning pool for children and a small gym. "
    "Solar panels on the roof provide about 30% of the electricity. Adults pay 4.50 "
    "pounds per visit and children under 16 swim for free on weekends.\n\nThe old pool "
    "on Mill Lane closed in 2021 because its roof was unsafe. Since then, the nearest "
    "pool was in Bradley, 14 kilometres away, and many schools had stopped swimming "
    "lessons. The head of Harwick Primary School, Tom Fields, said lessons for his 240 "
    "pupils will start again in September.\n\nThe pool is open every day from 6:30 to "
    "21:00. The council expects 150,000 visits in the first year.",
    "Nordlicht Software reported its results for the first half of the year on 24 July. "
    "Revenue grew by 18% to 42 million euros, mostly from its accounting product "
    "Ledgerly, which now has 31,000 business customers. The profit before tax was 5.1 "
    "million euros, against 3.4 million a year earlier.\n\nChief executive Jonas Berg "
    "said the company would open an office in Lisbon in October and hire 60 developers "
    "there by the end of next year. The company also plans to stop selling its older "
    "product, Kassa, on 31 December; existing customers will get support until June of "
    "the following year.\n\nThe share price rose 6% on the day of the announcement. "
    "Analysts at Fjord Bank raised their target price from 38 to 45 euros.",
    "A study by the University of Tarnow followed 1,200 office workers for eighteen "
    "months to see how working from home affects sleep. Workers who stayed at home at "
    "least three days a week slept on average 24 minutes longer per night than those "
    "who went to the office every day. They also reported less stress, 3.1 on a scale "
    "of 10 against 4.6.\n\nThe lead researcher, Dr. Agnieszka Nowak, warned that the "
    "effect was smaller for parents of young children, who gained only 9 minutes of "
    "sleep. Workers who lived more than 40 kilometres from their office gained the "
    "most, 41 minutes.\n\nThe study was paid for by the National Health Fund and "
    "published in the Journal of Sleep Research on 2 March.",
    "Greenway Rail will replace the trains on the line between Easton and Port Ellis "
    "from next spring. The 14 new trains, built by Kestrel Works in Derby, have 30% more "
    "seats and free wi-fi, and they are fully electric. The order is worth 310 million "
    "pounds.\n\nDuring the works to the tracks, from 5 to 26 August, buses will replace "
    "trains between Easton and Millbrook. Passengers with season tickets can use the "
    "buses at no extra cost, and Greenway Rail will refund 10% of a monthly ticket for "
    "August.\n\nThe company says journeys will be 8 minutes shorter once the new trains "
    "run, and that a train will leave every 15 minutes at peak times instead of every "
    "20 minutes.",
)


# ---------------------------------------------------------------- summaries (long)
@dataclass(frozen=True)
class _Theme:
    title: str
    actors: tuple[str, ...]
    acts: tuple[str, ...]
    places: tuple[str, ...]
    asides: tuple[str, ...]


_THEMES = (
    _Theme(
        "Minutes of the Kelby town council, one year of meetings",
        (
            "Councillor Rosa Fenn",
            "Councillor Idris Vaughan",
            "the treasurer, Paul Ames",
            "the planning officer, Nadia Kerr",
        ),
        (
            "proposed the repair of",
            "reported on the cost of",
            "asked for a vote on",
            "presented a plan for",
        ),
        (
            "the bridge on Station Road",
            "the library roof",
            "the market square",
            "the cycle path to Ashby",
        ),
        (
            "Several residents spoke from the public gallery and most of them supported the plan.",
            "The council agreed to come back to the question at its next "
            "meeting after hearing from the county engineers.",
            "A short discussion "
            "followed about the timing of the works and the noise for nearby houses.",
        ),
    ),
    _Theme(
        "Field diary of the Sorren glacier survey",
        (
            "the team leader, Dr. Hana Ito",
            "the geologist Lars Eklund",
            "the pilot, Marta Silva",
            "the student Yusuf Demir",
        ),
        (
            "measured the ice thickness at",
            "recovered the weather station at",
            "photographed the meltwater channels near",
            "drilled a core close to",
        ),
        ("camp two", "the northern moraine", "the Sorren pass", "the lower ice fall"),
        (
            "The weather was cold and clear, and the snow was firm enough to walk on without skis.",
            "In the evening the team checked the instruments and sent "
            "a short report to the base by satellite phone.",
            "The wind rose in the afternoon, so the work stopped earlier than planned.",
        ),
    ),
    _Theme(
        "Annual report of the Brenmoor community hospital",
        (
            "the director, Dr. Samuel Osei",
            "the head nurse, Irene Castillo",
            "the finance manager, Oliver Grant",
            "the surgeon Dr. Leah Cohen",
        ),
        (
            "opened",
            "reviewed the waiting times of",
            "raised funds for",
            "reported the first results of",
        ),
        (
            "the new maternity ward",
            "the emergency department",
            "the cancer day unit",
            "the physiotherapy centre",
        ),
        (
            "Patients and their families were invited to give their views in a short survey.",
            "The board thanked the volunteers, who gave many hours of their time during the year.",
            "Staff shortages remained a concern, especially at night and during the holidays.",
        ),
    ),
    _Theme(
        "Project log of the Tidewater ferry terminal",
        (
            "the project manager, Ewa Lindqvist",
            "the engineer Rafael Moreno",
            "the site foreman, Jack O'Neill",
            "the client's adviser, Chen Wei",
        ),
        (
            "completed the foundations of",
            "ordered the steel for",
            "inspected the work on",
            "changed the design of",
        ),
        ("the passenger hall", "the car ramp", "the north quay", "the ticket office"),
        (
            "The work went on despite heavy rain on two of the days.",
            "A delivery arrived late, but the crew used the time to prepare the next stage.",
            "The safety inspector visited the site and found nothing to correct.",
        ),
    ),
)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
LONG_WORDS = 2300
"""About 3,000 tokens: more than fits the benchmark's context next to a summary prompt."""


def long_document(theme_index: int, words: int = LONG_WORDS) -> str:
    """A deterministic report of about ``words`` words, dated entries full of details."""
    theme = _THEMES[theme_index]
    rng = random.Random(1000 + theme_index)
    paragraphs = [theme.title]
    count = len(theme.title.split())
    month = 0
    while count < words:
        day = rng.randint(1, 28)
        first, second = rng.sample(theme.asides, 2)
        other = rng.choice(theme.actors)
        entry = (
            f"On {rng.choice(_WEEKDAYS)} {day} {_MONTHS[month % 12]}, "
            f"{rng.choice(theme.actors)} {rng.choice(theme.acts)} "
            f"{rng.choice(theme.places)}. The estimated cost was "
            f"{rng.randint(3, 95) * 1000:,} euros and the work should take "
            f"{rng.randint(2, 16)} weeks. {first} {other[0].upper()}{other[1:]} "
            f"{rng.choice(theme.acts)} {rng.choice(theme.places)} as well, with "
            f"{rng.randint(2, 40)} people taking part. {second}"
        )
        paragraphs.append(entry)
        count += len(entry.split())
        month += 1
    return "\n\n".join(paragraphs)


def all_tasks() -> tuple[QualityTask, ...]:
    """The whole set, in the order it runs (the same order every time)."""
    tasks: list[QualityTask] = []
    for number, request in enumerate(_EMAILS, start=1):
        code = {"French": "fr", "German": "de"}.get(request.language, "en")
        tasks.append(QualityTask(f"email-{number:02d}", request, code))
    for number, reply in enumerate(_REPLIES, start=1):
        tasks.append(QualityTask(f"reply-{number:02d}", reply, "en"))
    for number, notes in enumerate(_REPORTS, start=1):
        tasks.append(QualityTask(f"report-{number:02d}", notes, "en"))
    for number, target in enumerate(_TARGETS):
        for offset in (0, 1):
            text_index = (number + 2 * offset) % len(_TEXTS)
            tasks.append(
                QualityTask(
                    f"translate-{target}-{text_index + 1}",
                    TranslateRequest(text=_TEXTS[text_index], target=target, source="en"),
                    target,
                )
            )
    # Short and long documents in turn, so that a few tasks (--tasks) include map-reduce.
    for number, article in enumerate(_ARTICLES, start=1):
        long_text = long_document(number - 1)
        for task_id, text in (
            (f"summary-{number:02d}", article),
            (f"summary-long-{number:02d}", long_text),
        ):
            summary = SummarizeRequest(text=text, length="short")
            tasks.append(QualityTask(task_id, summary, "en"))
    return tuple(tasks)
