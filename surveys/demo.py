"""`chorus demo`: fill the database with realistic synthetic responses, reports and replies.

The data is what benchmarks, tests and screenshots are built on, so it has to look like the real
thing to the reports: both surveys and both feedback kinds over 24 calendar months ending with
the current one, several areas, work settings, channels and languages, and trends a dashboard
should find (workers' trust rising after a change of approach a year ago, a recent dip in one
area, residents flat, concerns peaking in summer with one category rising). Answers come from a
latent trust per respondent, so items agree with each other the way real answers do.

Rows have exactly the shape `surveys.storage.store_submission` gives a real submission (one
Answer row per chosen option, free text redacted and scored by `feedback.pipeline`, the roll-ups
of `surveys.rollups` added up), but they are written in bulk through the driver: going through
Piccolo row by row would take hours for a million responses. Everything is drawn from one
`random.Random(seed)`, ids included, so a seed always gives the same rows; only "today" moves the
calendar (the current month stops at today: no row is dated in the future).
"""

from __future__ import annotations

import asyncio
import bisect
import calendar
import math
import pickle
import sys
import time
import uuid
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any, Protocol

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from chorus.coarse_time import coarse_today, period_of
from chorus.database import SQLITE_BUSY_TIMEOUT
from chorus.settings import Settings, get_settings
from feedback.pipeline import ProcessedText, process_text
from feedback.tables import Message, Receipt
from surveys.definition import Question, Survey
from surveys.forms import Answers, options_for
from surveys.registry import load_registry
from surveys.rollups import DIM_COLUMNS, RESPONDENTS, Cell, Margin, phrase_set, trust_score
from surveys.scales import SCALES
from surveys.storage import ANSWER_COLUMNS, RECEIPT_COLUMNS, RESPONSE_COLUMNS, reply_allowed
from surveys.tables import Answer, AnswerCount, PhraseCount, Response, TextCount, TrustScore

MONTHS = 24
#: Month index (0 = oldest of the 24) in which the new approach starts: "about 12 months ago".
CHANGE_MONTH = 12
#: Months the change takes to show fully in workers' answers (trust moves gradually).
CHANGE_RAMP = 4
#: The concern category that rises over the two years (reports and residents' survey alike).
RISING_CATEGORY = "kerb_crawling"
#: Responses generated and written per transaction: big enough to amortise commits, small
#: enough that one batch (and the one being written) stays a few tens of megabytes.
BATCH_RESPONSES = 4000
#: Roll-up rows per transaction, written once every response is drawn.
ROLLUP_BATCH = 100_000

#: Share of Response rows per definition kind (the brief: surveys 35% each, reports 18%/12%).
KIND_SHARES: Mapping[str, float] = {
    "worker-voice": 0.35,
    "community-voice": 0.35,
    "concern": 0.18,
    "experience": 0.12,
}

Row = tuple[Any, ...]

# Column orders for the bulk writers (the live writer's, from surveys.storage); checked against
# the Piccolo tables at start, so a column added later stops the demo with a clear message.
MESSAGE_COLUMNS = ("id", "receipt", "author", "body", "day")
# The live writer leaves reply_days empty (nobody has answered yet); the demo knows the day.
DEMO_RECEIPT_COLUMNS = (*RECEIPT_COLUMNS, "reply_days")
# Roll-ups (surveys.rollups): written with the rows they count, per month, as upserts.
ANSWER_COUNT_COLUMNS = ("key", "survey", "question", "value", *DIM_COLUMNS, "n")
TRUST_SCORE_COLUMNS = ("key", "survey", *DIM_COLUMNS, "n", "total", "total_sq")
PHRASE_COUNT_COLUMNS = ("key", "period", "phrase", "n")
TEXT_COUNT_COLUMNS = (
    "key",
    "survey",
    "question",
    *DIM_COLUMNS,
    "n",
    "scored",
    "negative",
    "positive",
    "polarity_sum",
)


def _values(scale: str) -> tuple[str, ...]:
    return tuple(value for value, _label in SCALES[scale])


AGREE = _values("agree")[:4]  # strongly agree ... strongly disagree
RATING = _values("rating5")[:5]
LIKELY = _values("likely")[:4]
OFTEN = _values("often")[:4]
SAFE = _values("safe")[:4]
PROBLEM = _values("problem")[:4]
DONT_KNOW = "dont_know"
PREFER_NOT = "prefer_not"

# Locale mixes (DOMAIN.md section 5): about 40% of sex workers are migrants, mostly from
# Romania, Bulgaria, Hungary, Poland, Brazil, Thailand and China; residents mostly English with
# Polish, Arabic and Romanian. Locales this deployment does not offer are left out.
WORKER_LOCALES: Mapping[str, float] = {
    "en": 0.36,
    "ro": 0.15,
    "bg": 0.08,
    "hu": 0.09,
    "pl": 0.06,
    "pt_BR": 0.09,
    "th": 0.07,
    "zh_Hans": 0.06,
    "es": 0.04,
}
RESIDENT_LOCALES: Mapping[str, float] = {
    "en": 0.84,
    "pl": 0.06,
    "ar": 0.05,
    "ro": 0.03,
    "pt_BR": 0.01,
    "bg": 0.01,
}
# Channels as configured by default; a deployment's own channel names get a small equal share.
# Many respondents come with no channel at all (a typed address, a shared link).
WORKER_CHANNELS: Mapping[str | None, float] = {
    None: 0.30,
    "outreach-van": 0.30,
    "partner": 0.20,
    "online": 0.15,
    "poster": 0.05,
}
RESIDENT_CHANNELS: Mapping[str | None, float] = {
    None: 0.45,
    "poster": 0.22,
    "online": 0.25,
    "partner": 0.06,
    "outreach-van": 0.02,
}
WORK_SETTINGS: Mapping[str, float] = {
    "street": 0.22,
    "indoor_alone": 0.30,
    "indoor_with_others": 0.18,
    "escort": 0.14,
    "online_only": 0.08,
    "other": 0.03,
    "prefer_not": 0.05,
}
# Street workers meet the police most and trust them least; parlours fear raids.
SETTING_TRUST: Mapping[str, float] = {
    "street": -0.35,
    "indoor_with_others": -0.15,
    "online_only": 0.15,
    "escort": 0.05,
}
# Item difficulty on the latent scale: "would treat you with respect" is the easiest to agree
# with in the PAS, "well informed" the hardest.
ITEM_OFFSETS: Mapping[str, float] = {
    "confidence": 0.0,
    "relied_on": -0.2,
    "respect": 0.35,
    "fair": -0.05,
    "understand": -0.15,
    "matter": -0.1,
    "listen": -0.1,
    "informed": -0.45,
    "safe_to_report": -0.45,
    "treated_respect": 0.2,
    "treated_fair": 0.0,
    "treated_explain": -0.2,
}
# Residents' chance of seeing each problem in three months, before area and season.
CONCERN_BASE: Mapping[str, float] = {
    "kerb_crawling": 0.2,
    "litter_needles": 0.28,
    "noise_traffic": 0.25,
    "public_sex": 0.07,
    "intimidation": 0.12,
    "drug_dealing": 0.2,
    "exploitation": 0.04,
    "other": 0.05,
}
# Outdoor problems follow the weather: more in summer (Leeds Holbeck, Operation Sentinel).
SUMMER_SWING: Mapping[str, float] = {
    "litter_needles": 0.35,
    "noise_traffic": 0.4,
    "public_sex": 0.5,
    "kerb_crawling": 0.25,
    "intimidation": 0.15,
    "drug_dealing": 0.1,
}
CONCERN_CATEGORY_WEIGHTS: Mapping[str, float] = {
    "kerb_crawling": 0.22,
    "litter_needles": 0.24,
    "noise_traffic": 0.17,
    "public_sex": 0.06,
    "intimidation": 0.1,
    "drug_dealing": 0.12,
    "exploitation": 0.04,
    "other": 0.05,
}


# --------------------------------------------------------------------------------------------
# Free text. English templates are combined from parts for variety; a handful in the languages
# most respondents write in besides English. A few carry a phone number, an email, a postcode or
# a link, as real text does, so that the stored (redacted) form shows the redaction at work.

Tone = str  # positive | neutral | negative
Bank = Mapping[Tone, tuple[str, ...]]

WORKER_TEXT: Bank = {
    "positive": (
        "The liaison officer visited the flat and explained what happens when you report. "
        "More visits like that would help.",
        "Knowing the police will not ask about my visa made a big difference this year.",
        "The new officer listens to us. Please keep the same person so we can trust them.",
        "Being able to report like this, without giving my name, is good.",
        "Outreach came with the liaison officer once a month and it helped a lot.",
        "When I reported a bad client last month they took it seriously. Keep doing that.",
        "The card with the officer's number in my language was useful.",
        "It is better than last year. The police came to the project and answered our questions.",
    ),
    "neutral": (
        "An interpreter who speaks my language.",
        "A number for reporting that is answered by a woman officer.",
        "Being able to report through the support project instead of going to the station.",
        "Information about what happens after I report, in simple words.",
        "Knowing for sure that my report stays anonymous.",
        "A way to send details about a dangerous client without making a statement.",
        "Meeting the officer somewhere that is not the police station.",
        "Clear rules about when they will or will not arrest us.",
    ),
    "negative": (
        "Stop raiding the flats where we work together for safety.",
        "I am scared they will call immigration if I report anything.",
        "Last time I reported a robbery they laughed at me and nothing happened.",
        "Officers keep moving us on from the street. It pushes us to darker places.",
        "I would only report if I knew I would not be arrested for working.",
        "They took my phone as evidence and I lost my contacts and my work.",
        "The police need to believe us when we say a client was violent.",
        "They gave my details to my landlord and I lost my home.",
        "Nothing. I do not trust the police after how they treated my friend.",
        "Officers were rude and made jokes about my work.",
    ),
}
WORKER_TAIL: Bank = {
    "positive": (
        "Thank you for asking us.",
        "Things are slowly getting better.",
        "My friends feel the same.",
    ),
    "neutral": (
        "Many of the girls do not speak good English.",
        "I work alone so this matters to me.",
        "Most of us would report if we felt safe.",
    ),
    "negative": (
        "Until that changes I will not report.",
        "Most of the girls I know feel the same.",
        "We go to the support project instead.",
    ),
}
RESIDENT_TEXT: Bank = {
    "positive": (
        "The extra patrols on Friday nights have made a real difference.",
        "Thank you for clearing the alley behind the shops, it is much better now.",
        "The new street lights on the back roads help a lot.",
        "Things have improved since the meeting at the community centre.",
        "It is quieter than last year. Keep it up.",
    ),
    "neutral": (
        "Better street lighting on the back roads.",
        "More bins and a regular clean-up of the lane behind the shops.",
        "A support van for the women, not just more police.",
        "Tell residents what the plan is so we know what is going on.",
        "A sharps bin near the park entrance.",
        "CCTV at the car park would help.",
        "Regular meetings where residents can ask questions.",
        "Help for the women to get out, rather than moving them on.",
    ),
    "negative": (
        "Nobody comes when we call 101 about the cars at night.",
        "Needles in the park where my children play. It has been months.",
        "I do not feel safe walking home from the station after dark.",
        "The same cars come every night and nothing is done.",
        "We reported the house on the corner many times and heard nothing back.",
        "Men in cars stop and ask my daughter if she is working. It is frightening.",
    ),
}
RESIDENT_TAIL: Bank = {
    "positive": ("Thank you.", "The neighbours have noticed it too."),
    "neutral": ("Many neighbours would come to a meeting.", "It is mostly late at night."),
    "negative": ("People are fed up.", "We feel ignored."),
}
CONCERN_TEXT: Mapping[str, tuple[str, ...]] = {
    "kerb_crawling": (
        "Cars circling the block slowly and stopping to talk to women walking home.",
        "A man in a car asked my daughter if she was working on her way back from school.",
        "Drivers slowing down and calling out to women at the bus stop.",
        "The same silver car goes round and round the streets near the park every evening.",
    ),
    "litter_needles": (
        "Used condoms and needles by the garages behind the shops.",
        "Found a needle in the playground this morning.",
        "Tissues, condoms and bottles left in the doorway of the church every weekend.",
    ),
    "noise_traffic": (
        "Car doors slamming and shouting until 3am most nights.",
        "Cars queuing in the street late at night with music playing.",
        "Arguments in the street in the early hours wake the whole road.",
    ),
    "public_sex": (
        "People having sex in the alley next to the school in the afternoon.",
        "A couple in the bushes in the park during the day, children were nearby.",
    ),
    "intimidation": (
        "A group of men hang about the corner shouting at women who walk past.",
        "I was followed from the station by a man who kept asking me questions.",
        "Men standing outside the shop making comments to everyone who goes in.",
    ),
    "drug_dealing": (
        "Dealing openly outside the launderette in the evenings.",
        "People coming and going from the flat above the takeaway all night, it looks like "
        "dealing.",
    ),
    "exploitation": (
        "A van drops young women at the house and picks them up in the morning. They look "
        "frightened.",
        "The same women are taken to different flats by a man who seems to keep their phones.",
        "A girl who looked very young was being shouted at and pushed into a car.",
    ),
    "other": (
        "Broken street lights on the main road make it hard to see who is about.",
        "The gate to the car park is broken and people sleep there.",
    ),
}
CONCERN_WHEN = (
    "It happens most nights after 10pm.",
    "This has been going on for weeks.",
    "It was worse this weekend.",
    "It happened again on Tuesday evening.",
    "It is mostly on Friday and Saturday nights.",
    "It started again after a quiet few weeks.",
)
CONCERN_TAIL: Bank = {
    "positive": (
        "Thank you for the patrols last month, it was better for a while.",
        "The clean-up last time helped, thank you.",
    ),
    "neutral": (
        "Please can someone look at this.",
        "I don't want anyone arrested, I want it to stop.",
        "The women need help, not fines.",
    ),
    "negative": (
        "I reported this before and heard nothing back.",
        "Please can someone do something.",
        "Nobody seems to care.",
    ),
}
EXPERIENCE_TEXT: Mapping[str, Bank] = {
    "reported_crime": {
        "positive": (
            "I reported a client who attacked me. The officer was kind and took it seriously.",
            "The liaison officer met me at the support project and took my statement there.",
            "They arrested the man who robbed me and kept me updated.",
        ),
        "neutral": (
            "I reported a theft. They gave me a crime number and I have heard nothing since.",
        ),
        "negative": (
            "I reported a robbery and the officer asked more about my work than about the man.",
            "They said there was nothing they could do and did not write anything down.",
            "I waited four hours at the station and then they told me to come back another day.",
        ),
    },
    "stopped_searched": {
        "positive": (
            "Officers stopped me but were polite and gave me the number for the support service.",
            "They checked I was OK and did not move me on.",
        ),
        "neutral": ("They asked for my name and where I live, then let me go.",),
        "negative": (
            "Stopped twice in one week on my way home and searched in front of people.",
            "They took my condoms and said they were evidence.",
            "The officer called me names and threatened to tell my family.",
        ),
    },
    "contacted_swlo": {
        "positive": (
            "The liaison officer answered my message the same day and warned the other girls "
            "about a dangerous client.",
            "She explained my rights and did not ask about my visa.",
            "The liaison officer helped me get my passport back.",
        ),
        "neutral": (
            "I asked the liaison officer for advice about a client who will not leave me alone.",
        ),
        "negative": (
            "I left a message for the liaison officer but nobody called back.",
            "The liaison officer was nice but nothing happened after.",
        ),
    },
    "other": {
        "positive": (
            "Police came to the flat after a neighbour complained. They were calm and left "
            "quickly.",
        ),
        "neutral": (
            "Officers came to check on us during a welfare visit with the support project.",
        ),
        "negative": (
            "Police came to the flat after a neighbour complained and told the landlord, now we "
            "have to move.",
        ),
    },
}
EXPERIENCE_TAIL: Bank = {
    "positive": ("I would tell other girls to report now.", "Thank you."),
    "neutral": ("I want to know what happens next.",),
    "negative": ("I will not report again.", "This is why nobody reports."),
}
# Personal details people write in despite the hint; redaction must take them out.
PERSONAL_DETAILS = (
    "You can text me on 07700 900461.",
    "Email me at sunny.days@example.com if you need more.",
    "It was near the flats at LS11 5QP.",
    "His advert is on www.example.com/ads/4411 if you want to see it.",
    "Call me on +44 7700 900982 after 6.",
)
# A handful in other languages, by respondent group and tone.
FOREIGN_TEXT: Mapping[str, Mapping[str, Bank]] = {
    "ro": {
        "worker": {
            "positive": (
                "Ofițerul de legătură a fost foarte amabil și m-a ajutat.",
                "Am raportat un client violent și polițista m-a ascultat.",
            ),
            "neutral": ("Am nevoie de un interpret de limba română la poliție.",),
            "negative": (
                "Mi-e frică să raportez pentru că nu am acte.",
                "Poliția ne mută de pe stradă în fiecare noapte și nu ne simțim în siguranță.",
                "M-au oprit și m-au percheziționat în fața oamenilor.",
            ),
        },
        "resident": {
            "positive": ("Mulțumim pentru patrulele de seară, acum e mai liniște.",),
            "neutral": ("Ar ajuta mai multă lumină pe străzile din spate.",),
            "negative": (
                "Sunt seringi în parc, lângă locul de joacă.",
                "Mașini care circulă încet pe stradă noaptea târziu.",
            ),
        },
    },
    "pl": {
        "worker": {
            "positive": ("Policjantka była bardzo miła i wszystko mi wytłumaczyła.",),
            "neutral": ("Potrzebuję informacji po polsku o tym, co się dzieje po zgłoszeniu.",),
            "negative": ("Boję się, że policja zapyta o moją pracę, a nie o przestępstwo.",),
        },
        "resident": {
            "positive": ("Dziękuję za częstsze patrole, jest spokojniej.",),
            "neutral": ("Potrzebne jest lepsze oświetlenie na bocznych uliczkach.",),
            "negative": (
                "Samochody krążą po ulicy do późna w nocy i jest głośno.",
                "W parku leżą strzykawki i prezerwatywy.",
            ),
        },
    },
    "pt_BR": {
        "worker": {
            "positive": ("A policial de ligação foi muito atenciosa e me ajudou.",),
            "neutral": ("Seria bom ter alguém que fale português na delegacia.",),
            "negative": (
                "Tenho medo de denunciar por causa do meu visto.",
                "Fui roubada por um cliente e a polícia não fez nada.",
            ),
        },
        "resident": {
            "positive": ("Obrigada pelas patrulhas, a rua está mais tranquila.",),
            "neutral": ("Precisamos de mais iluminação nas ruas de trás.",),
            "negative": ("Carros passando devagar na rua a noite toda.",),
        },
    },
    "ar": {
        "resident": {
            "positive": ("شكرًا على الدوريات الإضافية، أصبح الشارع أهدأ.",),
            "neutral": ("نحتاج إلى إنارة أفضل في الشوارع الخلفية.",),
            "negative": (
                "هناك سيارات تتوقف في الشارع كل ليلة وتضايق النساء.",
                "وجدنا إبرًا في الحديقة قرب مكان لعب الأطفال.",
            ),
        },
    },
}
STAFF_REPLIES: Mapping[str, tuple[str, ...]] = {
    "concern": (
        "Thank you for telling us. We have shared this with the neighbourhood team and added "
        "patrols in the evenings.",
        "Thank you. The council's street cleaning team has been asked to clear the area and "
        "check it every week.",
        "We will raise this at this month's partnership meeting and post an update on the "
        "results page.",
        "Thank you for your report. Officers visited the area on three evenings this week.",
        "Thank you. If you think someone is being exploited, you can also call the Modern "
        "Slavery Helpline on 08000 121 700.",
        "Thank you. We have asked the council to look at the street lighting there.",
    ),
    "experience": (
        "Thank you for telling us about this. I am sorry it happened. Your account has been "
        "shared with the officers' supervisor.",
        "Thank you for letting us know. If you would like to talk, I can meet you at the "
        "support project. Liaison officer",
        "Thank you for your feedback. We are using it in training for response officers.",
        "I am glad the officer helped. I have passed on your thanks.",
        "Thank you. You do not have to give your name to report a crime. The support project "
        "can help you do it.",
    ),
}
FOLLOW_UPS: Mapping[str, tuple[str, ...]] = {
    "en": (
        "Thank you for your answer.",
        "It is still happening, nothing has changed.",
        "It has been better this week.",
        "Can you tell me what happened after I reported?",
        "Any news about this?",
    ),
    "ro": ("Mulțumesc pentru răspuns.",),
    "pl": ("Dziękuję za odpowiedź.",),
    "pt_BR": ("Obrigada pela resposta.",),
    "ar": ("شكرًا على الرد.",),
}


# --------------------------------------------------------------------------------------------
# Summary


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What `run_demo` added (nothing when `skipped`)."""

    responses: Mapping[str, int] = field(default_factory=dict)  # per survey slug
    kinds: Mapping[str, int] = field(default_factory=dict)  # per kind
    answers: int = 0
    receipts: int = 0
    messages: int = 0
    rollup_rows: int = 0
    first_period: str | None = None
    last_period: str | None = None
    seconds: float = 0.0
    skipped: bool = False
    note: str = ""

    @property
    def total(self) -> int:
        return sum(self.responses.values())

    def __str__(self) -> str:
        if self.skipped:
            return f"demo: nothing added ({self.note})"
        per_survey = ", ".join(f"{slug} {count:,}" for slug, count in self.responses.items())
        rate = self.total / self.seconds if self.seconds > 0 else 0.0
        return (
            f"demo: {self.total:,} responses ({per_survey}), {self.answers:,} answers, "
            f"{self.receipts:,} receipts, {self.messages:,} messages, "
            f"{self.first_period} to {self.last_period}, "
            f"in {self.seconds:.1f} s ({rate:,.0f} responses/s)"
        )


# --------------------------------------------------------------------------------------------
# Calendar


@dataclass(frozen=True, slots=True)
class _Month:
    index: int  # 0 = oldest
    period: str  # YYYY-MM
    month: int  # calendar month, for seasons
    days: tuple[date, ...]  # one coarse day per calendar day so far, for a uniform draw
    elapsed: float  # share of the month that has happened (the current month is partial)


def _calendar(today: date) -> tuple[list[_Month], date]:
    """24 months ending with the month of today's coarsened date, each with its coarse days.

    Days are coarsened exactly as a real submission's (`coarse_today`), and the current month
    stops at today: demo rows never lie in the future. With week coarseness a day whose Monday
    falls in the month before is dropped rather than moved, so every row's period stays inside
    the 24 months."""
    anchor = coarse_today(today)
    year, month = anchor.year, anchor.month
    starts = []
    for _ in range(MONTHS):
        starts.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months = []
    for index, (year, month) in enumerate(reversed(starts)):
        length = calendar.monthrange(year, month)[1]
        days = []
        for number in range(1, length + 1):
            raw = date(year, month, number)
            if raw > today:
                break
            day = coarse_today(raw)
            if (day.year, day.month) == (year, month):
                days.append(day)
        elapsed = min(length, max(0, (today - date(year, month, 1)).days + 1)) / length
        months.append(_Month(index, period_of(date(year, month, 1)), month, tuple(days), elapsed))
    return months, anchor


def _largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights`, in whole numbers that add up exactly."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    raw = [total * weight / whole for weight in weights]
    counts = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - counts[i], -i), reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


# --------------------------------------------------------------------------------------------
# Drawing


class _Choice:
    """A weighted choice with the cumulative table built once (random.choices rebuilds it)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, weights: Mapping[Any, float]) -> None:
        kept = [(item, weight) for item, weight in weights.items() if weight > 0]
        if not kept:
            raise ValueError("nothing to choose from")
        self.items = [item for item, _weight in kept]
        self.cum: list[float] = []
        running = 0.0
        for _item, weight in kept:
            running += weight
            self.cum.append(running)
        self.total = running

    def __call__(self, rng: Random) -> Any:
        found = bisect.bisect_right(self.cum, rng.random() * self.total)
        return self.items[min(found, len(self.items) - 1)]  # rounding can reach the total


class _Keys:
    """Ids and receipt hashes for the rows of one response after another: uuid4-shaped and
    random, but increasing from one response to the next.

    Random keys put every insert at a random place in each index, so every commit rewrites
    pages all over the indexes (through the WAL on SQLite): a million responses took well over
    ten minutes that way. Increasing keys fill each index at its end. They say nothing about
    time: responses are drawn in an order unrelated to their dates. The i-th response owns the
    i-th slice of the key space; its rows take sub-slots of it, and the rest is random."""

    SUB_BITS = 10  # ids per response: the response, its answers, receipts and messages
    TOP_BITS = 48  # the first 12 hex digits of a uuid, where the order is decided

    def __init__(self, rng: Random, responses: int) -> None:
        self.rng = rng
        self.index_bits = max(1, responses.bit_length())
        self.random_top = self.TOP_BITS - self.index_bits - self.SUB_BITS
        if self.random_top < 8:
            raise ValueError("too many responses for one demo run")
        self.index = -1
        self.sub = 0
        self.top = 0

    def next_response(self) -> None:
        self.index += 1
        self.sub = 0
        self.top = self.index << (self.TOP_BITS - self.index_bits)

    def _next_sub(self) -> int:
        sub = self.sub
        if sub >> self.SUB_BITS:
            raise RuntimeError("a demo response has more rows than its key slice holds")
        self.sub = sub + 1
        return sub

    def uuid(self) -> str:
        """A version 4 uuid whose first 48 bits are the response's slice and sub-slot."""
        random_top = self.random_top
        top = self.top | self._next_sub() << random_top | self.rng.getrandbits(random_top)
        rest = self.rng.getrandbits(74)
        return "%08x-%04x-4%03x-%04x-%012x" % (  # noqa: UP031 - the fastest spelling here
            top >> 16,
            top & 0xFFFF,
            rest >> 62,
            0x8000 | (rest >> 48) & 0x3FFF,  # RFC 4122 variant
            rest & 0xFFFFFFFFFFFF,
        )

    def hex64(self) -> str:
        # Receipt hashes: random, so that no code opens these receipts (nobody holds one).
        # Honest for demo data, and unique by construction.
        random_bits = 256 - self.index_bits - self.SUB_BITS
        value = (self.index << (256 - self.index_bits)) | self._next_sub() << random_bits
        return f"{value | self.rng.getrandbits(random_bits):064x}"


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _ordinal(y: float, cuts: tuple[float, float, float], values: Sequence[str]) -> str:
    """Latent value to one of four ordered answers, best first (cuts high to low)."""
    if y > cuts[0]:
        return values[0]
    if y > cuts[1]:
        return values[1]
    if y > cuts[2]:
        return values[2]
    return values[3]


@dataclass(slots=True)
class _Person:
    """One respondent's hidden traits: the answers are drawn from these."""

    month: _Month
    z: float  # latent trust in the police (standard normal around the group's mean)
    area: int | None  # index into the configured areas; None when there are none
    setting: str | None
    locale: str
    skip: float  # chance of leaving an optional question blank
    dont_know: float
    prefer_not: float
    stop_page: int  # optional questions from this page on are left blank (a break-off)
    tone_noise: float


@dataclass(slots=True)
class _Batch:
    receipts: list[Row] = field(default_factory=list)
    responses: list[Row] = field(default_factory=list)
    answers: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    answer_counts: list[Row] = field(default_factory=list)
    trust_scores: list[Row] = field(default_factory=list)
    text_counts: list[Row] = field(default_factory=list)
    phrase_counts: list[Row] = field(default_factory=list)

    @property
    def rollup_rows(self) -> int:
        return (
            len(self.answer_counts)
            + len(self.trust_scores)
            + len(self.text_counts)
            + len(self.phrase_counts)
        )


Answer_ = str | list[str] | None
Answerer = Callable[[_Person, Question, Answers], Answer_]
CellValues = tuple[str, str, str, str, str, str]  # survey, period, area, setting, locale, channel


class _Generator:
    """Draws responses from one random stream; not thread-safe, used by one thread at a time."""

    def __init__(
        self,
        seed: int,
        responses: int,
        settings: Settings,
        surveys: Mapping[str, Survey],
        today: date,
        encode_day: Callable[[date], Any],
    ) -> None:
        self.rng = Random(seed)
        self.keys = _Keys(self.rng, responses)
        self.surveys = surveys
        self.months, self.anchor = _calendar(today)
        self.encode_day = encode_day
        self._encoded: dict[date, Any] = {}
        self._texts: dict[tuple[str, str], ProcessedText] = {}
        self._follow_ups: dict[tuple[str, str], str] = {}
        self._area_options: dict[str, list[str]] = {}
        # Roll-ups, kept for the whole run (responses come in any month order) but compactly:
        # per cell, one counter per answer the survey offers, in a fixed order.
        self._offered: dict[str, list[tuple[str, str]]] = {}
        self._position: dict[str, dict[str, dict[str, int]]] = {}
        for slug, survey in surveys.items():
            offered = [
                (question.id, value)
                for question in survey.questions.values()
                if question.kind != "text"
                for value in [o.value for o in options_for(question)]
                + ([RESPONDENTS] if question.kind == "multiple" else [])
            ]
            self._offered[slug] = offered
            position = self._position[slug] = {}
            for number, (qid, value) in enumerate(offered):
                position.setdefault(qid, {})[value] = number
        # Counted straight into the marginal rows (surveys.rollups.Margin), five per response;
        # a response's cell maps to its five margins' counters once, then it is all lookups.
        self._answer_counts: dict[Margin, array[int]] = {}
        self._trust: dict[Margin, list[float]] = {}
        self._text_counts: dict[tuple[Margin, str], list[float]] = {}
        self._cell_counts: dict[CellValues, tuple[array[int], ...]] = {}
        self._cell_margins: dict[CellValues, tuple[Margin, ...]] = {}
        self._phrase_counts: dict[tuple[str, str], int] = {}  # (period, phrase) -> texts
        self._phrase_sets: dict[str, set[str]] = {}  # Answer.phrases -> its distinct phrases
        rng = self.rng
        enabled = set(settings.locales)
        self.worker_locale = _Choice(
            {k: v for k, v in WORKER_LOCALES.items() if k in enabled} or {"en": 1.0}
        )
        self.resident_locale = _Choice(
            {k: v for k, v in RESIDENT_LOCALES.items() if k in enabled} or {"en": 1.0}
        )
        self.worker_channel = _Choice(self._channels(settings.channels, WORKER_CHANNELS))
        self.resident_channel = _Choice(self._channels(settings.channels, RESIDENT_CHANNELS))
        self.setting = _Choice(WORK_SETTINGS)
        areas = len(settings.areas)
        # Uneven areas: a few busy ones and a tail. Workers cluster where the trade is (the
        # first areas); residents' answers spread more evenly over the neighbourhoods.
        self.worker_area = (
            _Choice({i: 1.0 / (i + 1) ** 0.9 for i in range(areas)}) if areas else None
        )
        self.resident_area = (
            _Choice({i: 1.0 / ((i + 2) % areas + 1) ** 0.5 for i in range(areas)})
            if areas
            else None
        )
        # How much of each problem an area has: the busiest worker areas are the hot spots.
        self.hotness = [1.6 * 0.8**i for i in range(areas)]
        # The area whose workers' trust dips in the last six months: the second busiest, big
        # enough to show, not so big that it hides the overall rise. Needs a few areas.
        self.dip_area = 1 if areas >= 3 else None
        self.area_trust = [rng.gauss(0.0, 0.12) for _ in range(areas)]
        # Month-to-month wobble, so that series are not suspiciously smooth.
        self.wobble = {
            slug: [max(0.5, 1.0 + rng.gauss(0.0, 0.07)) for _ in range(MONTHS)]
            for slug in KIND_SHARES
        }
        self.trust_wobble = [rng.gauss(0.0, 0.04) for _ in range(MONTHS)]
        self.month_choice = {
            slug: _Choice({m: self._month_weight(slug, m) for m in self.months})
            for slug in KIND_SHARES
        }
        self.answerers: dict[str, dict[str, Answerer]] = {
            "worker-voice": self._worker_answerers(),
            "community-voice": self._resident_answerers(),
            "concern": self._concern_answerers(),
            "experience": self._experience_answerers(),
        }

    # --- set-up -------------------------------------------------------------------------

    @staticmethod
    def _channels(
        configured: Sequence[str], mix: Mapping[str | None, float]
    ) -> dict[str | None, float]:
        weights: dict[str | None, float] = {None: mix[None]}
        for channel in configured:
            weights[channel] = mix.get(channel, 0.05)
        return weights

    @staticmethod
    def _ramp(index: int) -> float:
        """0 before the change of approach, rising to 1 over CHANGE_RAMP months."""
        return min(1.0, max(0.0, (index - CHANGE_MONTH + 1) / CHANGE_RAMP))

    @staticmethod
    def _summer(month: int, swing: float) -> float:
        return 1.0 + swing * math.cos(2.0 * math.pi * (month - 7) / 12.0)

    def _month_weight(self, slug: str, m: _Month) -> float:
        if not m.days:
            return 0.0
        if slug == "worker-voice":
            base = 0.8 + 0.4 * self._ramp(m.index)  # more outreach after the change
        elif slug == "concern":
            base = self._summer(m.month, 0.3) * (1.0 + 0.4 * m.index / (MONTHS - 1))
        elif slug == "experience":
            base = 0.6 + 0.7 * self._ramp(m.index)  # more trust, more reports
        else:
            base = 1.0
        # The current month is partial; at least a third of a month so that it shows.
        return base * self.wobble[slug][m.index] * max(m.elapsed, 0.35)

    @staticmethod
    def plan(responses: int) -> list[dict[str, int]]:
        """Batches, each with every definition in its exact share. Months are drawn per
        response, so batches (and keys) are in no particular time order."""
        shares = _largest_remainder(responses, list(KIND_SHARES.values()))
        batches = max(1, -(-responses // BATCH_RESPONSES))
        split = {
            slug: _largest_remainder(total, [1.0] * batches)
            for slug, total in zip(KIND_SHARES, shares, strict=True)
        }
        return [{slug: split[slug][number] for slug in KIND_SHARES} for number in range(batches)]

    # --- shared pieces ------------------------------------------------------------------

    def _day(self, month: _Month) -> date:
        return month.days[int(self.rng.random() * len(month.days))]

    def _encode(self, day: date) -> Any:
        encoded = self._encoded.get(day)
        if encoded is None:
            encoded = self._encoded[day] = self.encode_day(day)
        return encoded

    def _person(self, survey: Survey, month: _Month) -> _Person:
        rng = self.rng
        worker = survey.group == "worker"
        locale: str = (self.worker_locale if worker else self.resident_locale)(rng)
        choose_area = self.worker_area if worker else self.resident_area
        area: int | None = choose_area(rng) if choose_area is not None else None
        setting: str | None = self.setting(rng) if worker else None
        if worker:
            # Around 30% agree before the change, 45% after (the total latent sd is about 1.25,
            # so a mean of -0.66 gives 30%; settings and language take 0.15 off on average,
            # and the dip area a little of the rise).
            mu = -0.51 + 0.65 * self._ramp(month.index)
            mu += SETTING_TRUST.get(setting or "", 0.0)
            if locale != "en":
                mu -= 0.1
            if area is not None:
                mu += self.area_trust[area]
                if area == self.dip_area and month.index >= MONTHS - 6:
                    mu -= 0.8  # an enforcement operation there undid the goodwill
        else:
            mu = 0.16  # residents: about 55% agree, flat
            if area is not None:
                mu += self.area_trust[area] - 0.08 * (self.hotness[area] - 1.0)
        mu += self.trust_wobble[month.index]
        # Most people rarely say "don't know"; some say it a lot (ESS response styles), and
        # more where the questions are read in a second language.
        heavy = rng.random() < 0.15
        dont_know = (0.2 if heavy else 0.03) + (0.04 if locale in ("th", "zh_Hans") else 0.0)
        breaks_off = survey.kind == "survey" and rng.random() < 0.07
        return _Person(
            month=month,
            z=rng.gauss(mu, 1.0),
            area=area,
            setting=setting,
            locale=locale,
            skip=0.02 + 0.04 * rng.random(),
            dont_know=dont_know,
            prefer_not=0.012 if worker else 0.006,
            stop_page=1 + int(rng.random() * (len(survey.pages) - 1)) if breaks_off else 99,
            tone_noise=rng.gauss(0.0, 0.5),
        )

    def _blank(self, p: _Person, question: Question) -> str | None:
        """'' to skip, a don't know / prefer not to say, or None to go on and answer."""
        u = self.rng.random()
        if not question.required and u < p.skip:
            return ""
        u -= p.skip
        if u < p.dont_know:
            return DONT_KNOW
        if u < p.dont_know + p.prefer_not:
            return PREFER_NOT
        return None

    def _scaled(
        self,
        p: _Person,
        question: Question,
        shift: float,
        cuts: tuple[float, float, float],
        values: Sequence[str],
        noise: float = 0.75,
    ) -> str | None:
        blank = self._blank(p, question)
        if blank is not None:
            return blank or None
        return _ordinal(p.z + shift + self.rng.gauss(0.0, noise), cuts, values)

    def _agree(self, p: _Person, question: Question, shift: float = 0.0) -> str | None:
        offset = ITEM_OFFSETS.get(question.id, 0.0)
        return self._scaled(p, question, shift + offset, (1.0, 0.0, -1.0), AGREE)

    def _rating(self, p: _Person, question: Question, shift: float) -> str | None:
        blank = self._blank(p, question)
        if blank is not None:
            return blank or None
        y = p.z + shift + self.rng.gauss(0.0, 0.75)
        if y > 1.5:
            return RATING[0]
        if y > 0.4:
            return RATING[1]
        if y > -0.6:
            return RATING[2]
        if y > -1.6:
            return RATING[3]
        return RATING[4]

    def _yesno(self, p: _Person, question: Question, p_yes: float, p_prefer: float) -> str | None:
        if not question.required and self.rng.random() < p.skip:
            return None
        u = self.rng.random()
        return "yes" if u < p_yes else PREFER_NOT if u < p_yes + p_prefer else "no"

    def _pick(self, p: _Person, question: Question, weights: Mapping[str, float]) -> str | None:
        if not question.required and self.rng.random() < p.skip:
            return None
        u = self.rng.random() * sum(weights.values())
        for value, weight in weights.items():
            u -= weight
            if u < 0:
                return value
        return next(iter(weights))

    def _area_answer(self, p: _Person, question: Question) -> str | None:
        rng = self.rng
        if not question.required and rng.random() < 0.06:
            return None
        u = rng.random()
        if p.area is None or u < 0.03:
            return "elsewhere"
        if u < 0.05:
            return "not_sure"
        if u < 0.08 and not question.required:
            return PREFER_NOT
        values = self._area_options.get(question.id)
        if values is None:
            values = self._area_options[question.id] = [o.value for o in options_for(question)]
        return values[p.area]

    def _generic(self, p: _Person, question: Question, answers: Answers) -> Answer_:
        """A question this generator has no model for (the definitions changed): a plain random
        valid answer, so that the demo keeps working until someone models it."""
        if question.kind == "text" or (not question.required and self.rng.random() < 0.2):
            return None
        values = [o.value for o in options_for(question)]
        if question.kind == "multiple":
            chosen = {v for v in values if self.rng.random() < 0.25} or {values[0]}
            return [v for v in values if v in chosen]
        return values[int(self.rng.random() * len(values))]

    def _tone(self, p: _Person, shift: float = 0.0) -> Tone:
        mood = p.z + p.tone_noise + shift
        if mood > 0.7:
            return "positive"
        if mood < -0.4:
            return "negative"
        return "neutral"

    def _one(self, pool: Sequence[str]) -> str:
        return pool[int(self.rng.random() * len(pool))]

    def _compose(self, main: Sequence[str], tail: Sequence[str], p_tail: float) -> str:
        text = self._one(main)
        if tail and self.rng.random() < p_tail:
            text = f"{text} {self._one(tail)}"
        return text

    def _free_text(
        self,
        p: _Person,
        question: Question,
        share: float,
        group: str,
        english: Callable[[Tone], str],
        tone: Tone,
    ) -> str | None:
        rng = self.rng
        if rng.random() >= share:
            return None
        foreign = FOREIGN_TEXT.get(p.locale, {}).get(group)
        if foreign and rng.random() < 0.6:
            text = self._one(foreign.get(tone) or next(iter(foreign.values())))
        else:
            text = english(tone)
        if rng.random() < 0.03:
            text = f"{text} {self._one(PERSONAL_DETAILS)}"
        if question.max_length is not None:
            text = text[: question.max_length]
        return text

    # --- worker-voice -------------------------------------------------------------------

    def _worker_answerers(self) -> dict[str, Answerer]:
        rng = self.rng

        def agree(p: _Person, q: Question, a: Answers) -> str | None:
            return self._agree(p, q)

        def good_job(p: _Person, q: Question, a: Answers) -> str | None:
            return self._rating(p, q, 0.0)

        def victim(p: _Person, q: Question, a: Answers) -> str | None:
            return self._yesno(p, q, 0.45 if p.setting == "street" else 0.25, 0.07)

        def contact(p: _Person, q: Question, a: Answers) -> str | None:
            return self._yesno(p, q, 0.62 if p.setting == "street" else 0.3, 0.03)

        def reported_to(p: _Person, q: Question, a: Answers) -> list[str] | None:
            if rng.random() < p.skip:
                return None
            if rng.random() < 0.06:
                return [PREFER_NOT]
            chosen = set()
            # Few tell the police (NUM: 7.7% to 28%), more after the change of approach.
            ramp = self._ramp(p.month.index)
            if rng.random() < _logistic(-1.6 + 0.6 * p.z + 0.6 * ramp):
                chosen.add("police")
            if rng.random() < 0.2:
                chosen.add("num")
            if rng.random() < 0.3:
                chosen.add("support_service")
            if not chosen:
                chosen.add("nobody")
            return [o.value for o in q.options if o.value in chosen]

        def contact_often(p: _Person, q: Question, a: Answers) -> str | None:
            shift = {"contact_respect": 0.2, "contact_fair": 0.0}.get(q.id, -0.2)
            shift -= 0.2 if p.setting == "street" else 0.0
            return self._scaled(p, q, shift, (1.0, 0.0, -1.0), OFTEN)

        def know_swlo(p: _Person, q: Question, a: Answers) -> str | None:
            # The new approach made the liaison officer known: about 25% before, 50% after.
            share = 0.25 + 0.25 * self._ramp(p.month.index) + 0.05 * p.z
            return self._yesno(p, q, min(0.9, max(0.05, share)), 0.02)

        def why_not(p: _Person, q: Question, a: Answers) -> list[str] | None:
            if rng.random() < 0.1:
                return None
            if rng.random() < 0.05:
                return [PREFER_NOT]
            migrant = p.locale != "en"
            odds = {
                "fear_arrest": 0.35,
                "immigration": 0.4 if migrant else 0.08,
                "not_serious": 0.45,
                "being_outed": 0.3,
                "retaliation": 0.2,
                "bad_experience": 0.25 if p.z < 0 else 0.1,
                "other": 0.08,
            }
            chosen = {value for value, odd in odds.items() if rng.random() < odd}
            return [o.value for o in q.options if o.value in (chosen or {"not_serious"})]

        def would_report(p: _Person, q: Question, a: Answers) -> str | None:
            return self._scaled(p, q, -0.25, (1.0, 0.0, -1.0), LIKELY)

        def share_consent(p: _Person, q: Question, a: Answers) -> str | None:
            if rng.random() < p.skip:
                return None
            u = rng.random()
            if u < 0.03:
                return PREFER_NOT
            if u < 0.13:
                return "not_sure"
            return "yes" if rng.random() < _logistic(0.9 + 0.5 * p.z) else "no"

        def work_setting(p: _Person, q: Question, a: Answers) -> str | None:
            return None if rng.random() < 0.07 else p.setting

        def area(p: _Person, q: Question, a: Answers) -> str | None:
            return self._area_answer(p, q)

        def danger(p: _Person, q: Question, a: Answers) -> str | None:
            return self._yesno(p, q, 0.015, 0.01)

        def text(p: _Person, q: Question, a: Answers) -> str | None:
            return self._free_text(
                p,
                q,
                0.16,
                "worker",
                lambda tone: self._compose(WORKER_TEXT[tone], WORKER_TAIL[tone], 0.4),
                self._tone(p, 0.4),
            )

        answerers: dict[str, Answerer] = {
            "good_job": good_job,
            "victim_12m": victim,
            "contact_12m": contact,
            "reported_to": reported_to,
            "contact_respect": contact_often,
            "contact_fair": contact_often,
            "contact_explain": contact_often,
            "know_swlo": know_swlo,
            "why_not": why_not,
            "would_report": would_report,
            "share_consent": share_consent,
            "work_setting": work_setting,
            "area": area,
            "danger_now": danger,
            "safer_reporting": text,
        }
        for qid in ITEM_OFFSETS:
            answerers.setdefault(qid, agree)
        return answerers

    # --- community-voice ----------------------------------------------------------------

    def _seen_odds(self, p: _Person, category: str) -> float:
        hot = self.hotness[p.area] if p.area is not None else 0.7
        odds = CONCERN_BASE.get(category, 0.05) * hot
        odds *= self._summer(p.month.month, SUMMER_SWING.get(category, 0.05))
        if category == RISING_CATEGORY:
            odds *= 0.8 + 0.9 * p.month.index / (MONTHS - 1)
        return min(0.9, odds)

    def _resident_answerers(self) -> dict[str, Answerer]:
        rng = self.rng

        def agree(p: _Person, q: Question, a: Answers) -> str | None:
            return self._agree(p, q)

        def feel_safe(p: _Person, q: Question, a: Answers) -> str | None:
            hot = self.hotness[p.area] if p.area is not None else 0.7
            return self._scaled(p, q, 0.5 - 0.5 * hot, (1.2, 0.0, -1.2), SAFE, noise=1.0)

        def concerns_seen(p: _Person, q: Question, a: Answers) -> list[str] | None:
            if rng.random() < 0.04:
                return None
            chosen = {
                o.value
                for o in q.options
                if o.value != "none" and rng.random() < self._seen_odds(p, o.value)
            }
            if not chosen:
                return ["none"] if "none" in q.values else None
            return [o.value for o in q.options if o.value in chosen]

        def problem(p: _Person, q: Question, a: Answers) -> str | None:
            category = q.id.removeprefix("problem_")
            hot = self.hotness[p.area] if p.area is not None else 0.7
            # Rated by how much of it there is, and seen as worse by those who trust less.
            severity = 0.9 * (hot - 1.0) + 2.0 * self._seen_odds(p, category) - 0.3 * p.z
            blank = self._blank(p, q)
            if blank is not None:
                return blank or None
            return _ordinal(severity + rng.gauss(0.0, 0.9), (0.9, 0.0, -0.9), PROBLEM)

        def worried(p: _Person, q: Question, a: Answers) -> str | None:
            seen = a.get("concerns_seen")
            exploitation = isinstance(seen, list) and "exploitation" in seen
            return self._yesno(p, q, 0.3 if exploitation else 0.02, 0.02)

        def good_job(p: _Person, q: Question, a: Answers) -> str | None:
            return self._rating(p, q, 0.0)

        def area(p: _Person, q: Question, a: Answers) -> str | None:
            return self._area_answer(p, q)

        def text(p: _Person, q: Question, a: Answers) -> str | None:
            return self._free_text(
                p,
                q,
                0.14,
                "resident",
                lambda tone: self._compose(RESIDENT_TEXT[tone], RESIDENT_TAIL[tone], 0.3),
                self._tone(p, -0.2),
            )

        answerers: dict[str, Answerer] = {
            "feel_safe_dark": feel_safe,
            "concerns_seen": concerns_seen,
            "worried_someone": worried,
            "good_job": good_job,
            "area": area,
            "what_would_help": text,
        }
        for category in CONCERN_BASE:
            answerers[f"problem_{category}"] = problem
        for qid in ITEM_OFFSETS:
            answerers.setdefault(qid, agree)
        return answerers

    # --- concern ------------------------------------------------------------------------

    def _concern_answerers(self) -> dict[str, Answerer]:
        rng = self.rng

        def category(p: _Person, q: Question, a: Answers) -> str | None:
            weights = {}
            for value in (o.value for o in q.options):
                weight = CONCERN_CATEGORY_WEIGHTS.get(value, 0.03)
                weight *= self._summer(p.month.month, SUMMER_SWING.get(value, 0.05))
                if value == RISING_CATEGORY:
                    weight *= 0.7 + 1.1 * p.month.index / (MONTHS - 1)
                if p.area is not None and value != "other":
                    weight *= self.hotness[p.area] ** 0.5
                weights[value] = weight
            return self._pick(p, q, weights)

        def area(p: _Person, q: Question, a: Answers) -> str | None:
            return self._area_answer(p, q)

        def when(p: _Person, q: Question, a: Answers) -> str | None:
            return self._pick(p, q, {"this_week": 0.45, "this_month": 0.35, "earlier": 0.2})

        def how_often(p: _Person, q: Question, a: Answers) -> str | None:
            return self._pick(
                p, q, {"once": 0.15, "a_few_times": 0.35, "every_week": 0.3, "most_days": 0.2}
            )

        def text(p: _Person, q: Question, a: Answers) -> str | None:
            chosen = a.get("category")
            main = CONCERN_TEXT.get(chosen if isinstance(chosen, str) else "", ())
            main = main or CONCERN_TEXT["other"]

            def english(tone: Tone) -> str:
                text = self._one(main)
                if rng.random() < 0.6:
                    text = f"{text} {self._one(CONCERN_WHEN)}"
                if rng.random() < 0.5:
                    text = f"{text} {self._one(CONCERN_TAIL[tone])}"
                return text

            return self._free_text(p, q, 0.7, "resident", english, self._tone(p, -0.6))

        def danger(p: _Person, q: Question, a: Answers) -> str | None:
            if rng.random() < 0.1:
                return None
            return self._yesno(p, q, 0.15 if a.get("category") == "exploitation" else 0.02, 0.01)

        return {
            "category": category,
            "area": area,
            "when": when,
            "how_often": how_often,
            "what_happened": text,
            "danger_now": danger,
        }

    # --- experience ---------------------------------------------------------------------

    def _experience_answerers(self) -> dict[str, Answerer]:
        rng = self.rng
        contact_shift = {"stopped_searched": -0.6, "contacted_swlo": 0.7}

        def shift(a: Answers) -> float:
            kind = a.get("contact_kind")
            return contact_shift.get(kind if isinstance(kind, str) else "", 0.0)

        def contact_kind(p: _Person, q: Question, a: Answers) -> str | None:
            ramp = self._ramp(p.month.index)
            weights = {
                "reported_crime": 0.35,
                "stopped_searched": 0.32 - 0.08 * ramp,
                "contacted_swlo": 0.18 + 0.15 * ramp,
                "other": 0.1,
            }
            return self._pick(p, q, weights)

        def when(p: _Person, q: Question, a: Answers) -> str | None:
            weights = {"this_week": 0.35, "this_month": 0.3, "last_3_months": 0.2, "earlier": 0.15}
            return self._pick(p, q, weights)

        def treated(p: _Person, q: Question, a: Answers) -> str | None:
            return self._agree(p, q, 0.3 + shift(a))

        def outcome(p: _Person, q: Question, a: Answers) -> str | None:
            if rng.random() < p.skip:
                return None
            u = rng.random()
            if u < 0.04:
                return PREFER_NOT
            if u < 0.16:
                return "too_early"
            y = p.z + shift(a) + rng.gauss(0.0, 0.8)
            return "helped" if y > 0.2 else "no_action" if y > -1.2 else "made_worse"

        def would_report_again(p: _Person, q: Question, a: Answers) -> str | None:
            return self._scaled(p, q, 0.1 + shift(a), (1.0, 0.0, -1.0), LIKELY)

        def text(p: _Person, q: Question, a: Answers) -> str | None:
            kind = a.get("contact_kind")
            bank = EXPERIENCE_TEXT.get(kind if isinstance(kind, str) else "", {})
            bank = bank or EXPERIENCE_TEXT["other"]
            return self._free_text(
                p,
                q,
                0.7,
                "worker",
                lambda tone: self._compose(bank[tone], EXPERIENCE_TAIL[tone], 0.4),
                self._tone(p, shift(a)),
            )

        def danger(p: _Person, q: Question, a: Answers) -> str | None:
            return None if rng.random() < 0.08 else self._yesno(p, q, 0.03, 0.01)

        def consent(p: _Person, q: Question, a: Answers) -> str | None:
            # Those who trust more let the liaison officer answer them more often.
            warm = 0.1 * max(0.0, p.z)
            weights = {
                "stats_only": 0.35 - warm,
                "share_anonymised": 0.3,
                "reply_allowed": 0.35 + warm,
            }
            return self._pick(p, q, weights)

        return {
            "contact_kind": contact_kind,
            "when": when,
            "treated_respect": treated,
            "treated_fair": treated,
            "treated_explain": treated,
            "outcome": outcome,
            "would_report_again": would_report_again,
            "what_happened": text,
            "danger_now": danger,
            "consent": consent,
        }

    # --- rows ---------------------------------------------------------------------------

    def _processed(self, text: str, locale: str) -> ProcessedText:
        # The full pipeline once per distinct text and locale: templates repeat, and running
        # it for each of hundreds of thousands of answers would take most of the time.
        key = (text, locale)
        found = self._texts.get(key)
        if found is None:
            found = self._texts[key] = process_text(text, locale)
        return found

    def _answers(self, survey: Survey, p: _Person) -> Answers:
        answerers = self.answerers.get(survey.slug, {})
        answers: Answers = {}
        for number, page in enumerate(survey.pages):
            for question in page.questions:
                # Branching exactly as the respondent's pages apply it.
                if not question.visible(answers):
                    continue
                if number >= p.stop_page and not question.required:
                    continue
                answerer = answerers.get(question.id, self._generic)
                value = answerer(p, question, answers)
                if value is not None:  # None: left blank
                    answers[question.id] = value
        return answers

    def _store_answers(
        self, batch: _Batch, survey: Survey, response_id: str, answers: Answers, cell: CellValues
    ) -> None:
        """The rows surveys.storage._answer_rows gives a real submission, and what
        surveys.rollups.Increments.add_response adds up for it."""
        rows = batch.answers
        slug = survey.slug
        new_id = self.keys.uuid
        margins = self._cell_margins.get(cell)
        if margins is None:
            margins = self._cell_margins[cell] = Cell(*cell).margins()
            size = 4 * len(self._offered[slug])
            self._cell_counts[cell] = tuple(
                self._answer_counts.setdefault(margin, array("I", bytes(size)))
                for margin in margins
            )
        counters = self._cell_counts[cell]
        position = self._position[slug]
        for qid, value in answers.items():
            if survey.questions[qid].kind == "text":
                assert isinstance(value, str)
                processed = self._processed(value, cell[4])
                if not processed.text:
                    continue
                rows.append(
                    (
                        new_id(),
                        response_id,
                        slug,
                        qid,
                        None,
                        processed.text,
                        processed.sentiment,
                        processed.polarity,
                        processed.scored,
                        processed.phrases,
                    )
                )
                phrases = self._phrase_sets.get(processed.phrases)
                if phrases is None:
                    phrases = self._phrase_sets[processed.phrases] = phrase_set(processed.phrases)
                for phrase in phrases:
                    key = (cell[1], phrase)
                    self._phrase_counts[key] = self._phrase_counts.get(key, 0) + 1
                for margin in margins:
                    sums = self._text_counts.setdefault((margin, qid), [0, 0, 0, 0, 0.0])
                    sums[0] += 1
                    if processed.scored:
                        sums[1] += 1
                        sums[2] += processed.sentiment == "negative"
                        sums[3] += processed.sentiment == "positive"
                        sums[4] += processed.polarity
                continue
            places = position[qid]
            if isinstance(value, str):
                rows.append((new_id(), response_id, slug, qid, value, None, None, None, None, None))
                place = places[value]
                for counts in counters:
                    counts[place] += 1
                continue
            for item in value:
                rows.append((new_id(), response_id, slug, qid, item, None, None, None, None, None))
                place = places[item]
                for counts in counters:
                    counts[place] += 1
            place = places[RESPONDENTS]  # respondents, not ticks: the base of a share
            for counts in counters:
                counts[place] += 1
        score = trust_score(survey, answers)
        if score is not None:
            for margin in margins:
                sums = self._trust.setdefault(margin, [0, 0.0, 0.0])
                sums[0] += 1
                sums[1] += score
                sums[2] += score * score

    def rollup_batches(self, size: int) -> Iterator[_Batch]:
        """The roll-up rows for everything drawn, about in key order (so that they too fill
        the key index at its end), `size` at a time. Keys come from surveys.rollups.Margin, so
        they are the ones live submissions add to."""
        batch = _Batch()
        for slug in sorted(self._offered):
            cells = sorted(
                (
                    (margin, counts)
                    for margin, counts in self._answer_counts.items()
                    if margin.survey == slug
                ),
                key=lambda pair: pair[0].key(),
            )
            offered = self._offered[slug]
            for number in sorted(range(len(offered)), key=lambda n: "|".join(offered[n])):
                qid, value = offered[number]
                rows = batch.answer_counts
                for cell, counts in cells:
                    if counts[number]:
                        rows.append(
                            (cell.key(qid, value), slug, qid, value, *cell.values(), counts[number])
                        )
                if len(rows) >= size:
                    yield batch
                    batch = _Batch()
        for cell, (people, total, total_sq) in sorted(
            self._trust.items(), key=lambda pair: pair[0].key()
        ):
            batch.trust_scores.append(
                (cell.key(), cell.survey, *cell.values(), int(people), total, total_sq)
            )
        for (cell, qid), sums in sorted(
            self._text_counts.items(), key=lambda pair: pair[0][0].key(pair[0][1])
        ):
            counted = (int(x) for x in sums[:4])  # n, scored, negative, positive
            batch.text_counts.append(
                (cell.key(qid), cell.survey, qid, *cell.values(), *counted, sums[4])
            )
        for (period, phrase), texts in sorted(self._phrase_counts.items()):
            batch.phrase_counts.append((f"{period}|{phrase}", period, phrase, texts))
        if batch.rollup_rows:
            yield batch

    def _follow_up(self, locale: str) -> str:
        pool = FOLLOW_UPS.get(locale) if self.rng.random() < 0.5 else None
        raw = self._one(pool or FOLLOW_UPS["en"])
        # Follow-ups are stored redacted, as feedback/api.py stores them.
        key = (raw, locale)
        body = self._follow_ups.get(key)
        if body is None:
            body = self._follow_ups[key] = process_text(raw, locale).text
        return body

    def _later(self, day: date, days: int) -> date | None:
        """The coarse day `days` after `day`, or None while that is still in the future."""
        later = coarse_today(day + timedelta(days=days))
        return later if later <= self.anchor else None

    def _receipt(
        self, batch: _Batch, survey: Survey, answers: Answers, p: _Person, day: date
    ) -> str:
        rng = self.rng
        receipt_id = self.keys.uuid()
        allowed = reply_allowed(survey, answers)
        status = "received"
        messages: list[tuple[str, str, date]] = []
        age = (self.anchor - day).days
        if survey.kind == "survey":
            pass  # kept to withdraw later; nobody answers a survey
        elif allowed:
            # Most reports are answered within days; the most recent are still waiting.
            reply_day = self._later(day, 1 + int(rng.expovariate(0.25)))
            if reply_day is not None and rng.random() < 0.85:
                status = "acted_on" if rng.random() < 0.35 else "answered"
                replies = STAFF_REPLIES.get(survey.kind) or STAFF_REPLIES["concern"]
                messages.append(("staff", self._one(replies), reply_day))
                if rng.random() < 0.2:
                    follow_day = self._later(reply_day, 1 + int(rng.random() * 10))
                    if follow_day is not None:
                        messages.append(("respondent", self._follow_up(p.locale), follow_day))
            elif age >= 2 and rng.random() < 0.6:
                status = "read"
        else:
            # No reply allowed: read, and shared reports sometimes acted on, never answered.
            shared = answers.get("consent") == "share_anonymised"
            if shared and age >= 3 and rng.random() < 0.4:
                status = "acted_on"
            elif age >= 1 and rng.random() < 0.7:
                status = "read"
        if survey.kind != "survey" and not messages and rng.random() < 0.04:
            # Someone checking back on a report nobody has answered yet.
            follow_day = self._later(day, 3 + int(rng.random() * 18))
            if follow_day is not None:
                messages.append(("respondent", self._follow_up(p.locale), follow_day))
        batch.receipts.append(
            (
                receipt_id,
                self.keys.hex64(),
                self.keys.hex64(),
                survey.kind,
                status,
                allowed,
                p.locale,
                self._encode(day),
                next((max(0, (d - day).days) for a, _, d in messages if a == "staff"), None),
            )
        )
        for author, body, message_day in messages:
            batch.messages.append(
                (self.keys.uuid(), receipt_id, author, body, self._encode(message_day))
            )
        return receipt_id

    def _withdrawn(self, batch: _Batch, survey: Survey, locale: str, day: date) -> None:
        # A withdrawn report leaves its receipt, emptied, and nothing else (feedback.receipts).
        keys = self.keys
        batch.receipts.append(
            (
                keys.uuid(),
                keys.hex64(),
                keys.hex64(),
                survey.kind,
                "withdrawn",
                False,
                locale,
                self._encode(day),
                None,
            )
        )

    def batch(self, counts: Mapping[str, int]) -> _Batch:
        batch = _Batch()
        for slug, count in counts.items():
            self._draw(batch, self.surveys[slug], count)
        return batch

    def _draw(self, batch: _Batch, survey: Survey, count: int) -> None:
        rng = self.rng
        keys = self.keys
        report = survey.kind != "survey"
        choose_month = self.month_choice[survey.slug]
        choose_channel = self.worker_channel if survey.group == "worker" else self.resident_channel
        for _ in range(count):
            keys.next_response()
            month: _Month = choose_month(rng)
            p = self._person(survey, month)
            day = self._day(month)
            channel: str | None = choose_channel(rng)
            response_id = keys.uuid()
            answers = self._answers(survey, p)
            receipt_id = None
            # Every report has a receipt (it is how the answer comes back); of the surveys,
            # only the few kept by people who may want to withdraw later.
            if report or rng.random() < 0.05:
                receipt_id = self._receipt(batch, survey, answers, p, day)
            if report and rng.random() < 0.01:
                self._withdrawn(batch, survey, p.locale, day)
            area = answers.get("area")
            area = area if isinstance(area, str) else None
            setting = answers.get("work_setting")
            setting = setting if isinstance(setting, str) else None
            batch.responses.append(
                (
                    response_id,
                    survey.slug,
                    survey.kind,
                    survey.group,
                    survey.version,
                    p.locale,
                    channel,
                    self._encode(day),
                    month.period,
                    area,
                    setting,
                    receipt_id,
                )
            )
            cell = (survey.slug, month.period, area or "", setting or "", p.locale, channel or "")
            self._store_answers(batch, survey, response_id, answers, cell)


# --------------------------------------------------------------------------------------------
# Writers

_TABLES: tuple[tuple[type[Table], tuple[str, ...], str], ...] = (
    (Receipt, DEMO_RECEIPT_COLUMNS, "receipts"),
    (Response, RESPONSE_COLUMNS, "responses"),
    (Answer, ANSWER_COLUMNS, "answers"),
    (Message, MESSAGE_COLUMNS, "messages"),
)
# Roll-up table, its columns, the batch attribute, and the columns added up on conflict.
_ROLLUPS: tuple[tuple[type[Table], tuple[str, ...], str, tuple[str, ...]], ...] = (
    (AnswerCount, ANSWER_COUNT_COLUMNS, "answer_counts", ("n",)),
    (TrustScore, TRUST_SCORE_COLUMNS, "trust_scores", ("n", "total", "total_sq")),
    (
        TextCount,
        TEXT_COUNT_COLUMNS,
        "text_counts",
        ("n", "scored", "negative", "positive", "polarity_sum"),
    ),
    (PhraseCount, PHRASE_COUNT_COLUMNS, "phrase_counts", ("n",)),
)


class _Writer(Protocol):
    #: Whether a write runs alongside the drawing of the next batch (else it is awaited first).
    overlaps: bool

    async def write(self, batch: _Batch) -> None: ...

    async def close(self) -> None: ...


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in columns)


def _insert(table: type[Table], columns: Sequence[str]) -> str:
    marks = ", ".join("?" * len(columns))
    return f'INSERT INTO "{table._meta.tablename}" ({_names(columns)}) VALUES ({marks})'  # noqa: S608


def _upsert_tail(table: type[Table], added: Sequence[str]) -> str:
    # The same arithmetic as surveys.rollups' live upserts: a cell already there grows.
    name = table._meta.tablename
    sets = ", ".join(f'"{c}" = "{name}"."{c}" + excluded."{c}"' for c in added)
    return f' ON CONFLICT ("key") DO UPDATE SET {sets}'


# The SQLite writer: a separate Python process that only knows sqlite3 and pickle. Drawing
# and writing each take about half the time, and two processes do not share a GIL; a thread
# would not do (sqlite3 gives up the GIL at every row, then waits a whole switch interval to
# get it back). It imports nothing from the project, so it starts in a few milliseconds and
# does not depend on how this process was started.
_WRITER_SCRIPT = """
import pickle, sqlite3, sys
read, reply = sys.stdin.buffer, sys.stdout.buffer
path, timeout, pragmas, statements = pickle.load(read)
connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
for pragma in pragmas:
    connection.execute(pragma)
while True:
    try:
        tables = pickle.load(read)
    except EOFError:
        break
    try:
        connection.execute("BEGIN IMMEDIATE")
        for sql, rows in zip(statements, tables):
            if rows:
                connection.executemany(sql, rows)
        connection.execute("COMMIT")
        reply.write(b"ok\\n")
    except Exception as error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        reply.write(repr(error).encode("utf-8", "replace").replace(b"\\n", b" ") + b"\\n")
    reply.flush()
connection.close()
"""
# A big page cache keeps the index pages being filled in memory. synchronous=NORMAL (safe in
# WAL: a crash loses at most the last batches, never corrupts) spares an fsync per batch; the
# connection only ever writes demo data.
_SQLITE_PRAGMAS = (
    "PRAGMA cache_size=-262144",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
)


def _absolute(path: str) -> str:
    return str(Path(path).resolve())


class _SQLiteWriter:
    """One transaction per batch in the writer process, while this one draws the next."""

    overlaps = True

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.attributes = [attribute for _table, _columns, attribute in _TABLES]
        self.attributes += [attribute for _table, _columns, attribute, _added in _ROLLUPS]

    @classmethod
    async def open(cls, path: str) -> _SQLiteWriter:
        statements = [_insert(table, columns) for table, columns, _attribute in _TABLES]
        statements += [
            _insert(table, columns) + _upsert_tail(table, added)
            for table, columns, _attribute, added in _ROLLUPS
        ]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",  # isolated: the script needs the standard library only
            "-c",
            _WRITER_SCRIPT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        writer = cls(process)
        # Absolute: the writer may not resolve a relative DATABASE_URL the same way.
        await writer._send((_absolute(path), SQLITE_BUSY_TIMEOUT, _SQLITE_PRAGMAS, statements))
        return writer

    async def _send(self, message: object) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
            await self.process.stdin.drain()
        except ConnectionError:
            # It has exited; its traceback went to our stderr.
            raise RuntimeError("the demo's SQLite writer stopped") from None

    async def write(self, batch: _Batch) -> None:
        assert self.process.stdout is not None
        await self._send([getattr(batch, attribute) for attribute in self.attributes])
        answer = (await self.process.stdout.readline()).decode("utf-8", "replace").strip()
        if answer != "ok":
            raise RuntimeError(f"the demo's SQLite writer failed: {answer or 'it stopped'}")

    async def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        await self.process.wait()


class _PostgresWriter:
    """Binary COPY in one transaction per batch (several times faster than INSERT); roll-ups
    are copied into a temporary table first, because COPY itself cannot add to a cell. The
    server does the work in its own process, so the next batch is drawn meanwhile."""

    overlaps = True

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, engine: PostgresEngine) -> _PostgresWriter:
        connection = await engine.get_new_connection()
        for table, columns, _attribute, _added in _ROLLUPS:
            name = table._meta.tablename
            await connection.execute(
                f'CREATE TEMPORARY TABLE "demo_{name}" AS '  # noqa: S608 - our own names
                f'SELECT {_names(columns)} FROM "{name}" WITH NO DATA'
            )
        return cls(connection)

    async def write(self, batch: _Batch) -> None:
        connection = self.connection
        async with connection.transaction():
            for table, columns, attribute in _TABLES:
                rows = getattr(batch, attribute)
                if rows:
                    await connection.copy_records_to_table(
                        table._meta.tablename, records=rows, columns=list(columns)
                    )
            for table, columns, attribute, added in _ROLLUPS:
                rows = getattr(batch, attribute)
                if not rows:
                    continue
                name = table._meta.tablename
                await connection.copy_records_to_table(
                    f"demo_{name}", records=rows, columns=list(columns)
                )
                await connection.execute(
                    f'INSERT INTO "{name}" ({_names(columns)}) '  # noqa: S608 - our own names
                    f'SELECT {_names(columns)} FROM "demo_{name}"' + _upsert_tail(table, added)
                )
                await connection.execute(f'TRUNCATE "demo_{name}"')

    async def close(self) -> None:
        await self.connection.close()


def _check_columns() -> None:
    """Stop with a clear message if a table gained or lost a column since this was written."""
    problems = []
    expected = [(table, columns) for table, columns, _attribute in _TABLES]
    expected += [(table, columns) for table, columns, _attribute, _added in _ROLLUPS]
    for table, columns in expected:
        actual = {column._meta.db_column_name for column in table._meta.columns}
        if table in (AnswerCount, TrustScore, TextCount, PhraseCount):
            actual.discard("id")  # a serial the database fills in
        if actual != set(columns):
            problems.append(
                f"{table._meta.tablename} has {sorted(actual)}, the demo writes {list(columns)}"
            )
    if problems:
        raise RuntimeError("surveys/demo.py is out of date with the tables: " + "; ".join(problems))


# --------------------------------------------------------------------------------------------
# Entry point


class _Progress:
    """A one-line progress bar on stderr, only when someone is watching a terminal."""

    WIDTH = 30

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = time.perf_counter()
        self.enabled = total > 0 and sys.stderr.isatty()

    def advance(self, count: int) -> None:
        self.done += count
        if not self.enabled:
            return
        filled = self.done * self.WIDTH // self.total
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        sys.stderr.write(
            f"\rchorus demo [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
            f"{self.done:,}/{self.total:,} responses, {rate:,.0f}/s "
        )
        sys.stderr.flush()

    def note(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(f" {text}")
            sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _next(batches: Iterator[_Batch]) -> _Batch | None:
    return next(batches, None)


async def run_demo(*, responses: int, seed: int, if_empty: bool) -> DemoSummary:
    """Add `responses` synthetic Response rows (all four kinds) with their answers, receipts,
    messages and roll-ups to the configured database. With `if_empty`, do nothing if any
    response exists. The same seed gives the same rows (on the same day)."""
    if responses < 0:
        raise ValueError("responses must be 0 or more")
    started = time.perf_counter()
    _check_columns()
    existing = bool(await Response.exists())
    if if_empty and existing:
        return DemoSummary(skipped=True, note="the database already has responses")
    registry = load_registry()
    missing = [slug for slug in KIND_SHARES if slug not in registry]
    if missing:
        raise RuntimeError(f"chorus demo needs the definitions {', '.join(missing)}")
    db = Response._meta.db
    if not isinstance(db, PostgresEngine | SQLiteEngine):
        raise RuntimeError(f"chorus demo cannot write to a {type(db).__name__}")
    postgres = isinstance(db, PostgresEngine)
    generator = _Generator(
        seed,
        responses,
        get_settings(),
        registry,
        datetime.now(UTC).date(),
        # asyncpg takes dates; SQLite keeps them as ISO text, as Piccolo writes them.
        (lambda day: day) if postgres else date.isoformat,
    )
    plan = generator.plan(responses) if responses else []
    writer: _Writer
    if isinstance(db, PostgresEngine):
        writer = await _PostgresWriter.open(db)
    else:
        writer = await _SQLiteWriter.open(str(db.path))
    per_survey: Counter[str] = Counter()
    answers = receipts = messages = rollup_rows = 0
    periods: set[str] = set()
    progress = _Progress(responses)
    pending: asyncio.Future[None] | None = None

    async def write(batch: _Batch) -> None:
        nonlocal pending
        if pending is not None:
            await pending
            pending = None
        if writer.overlaps:
            pending = asyncio.ensure_future(writer.write(batch))
        else:
            await writer.write(batch)

    try:
        for number, counts in enumerate(plan):
            # Drawn in a thread, to leave the event loop free: with a writer process, the
            # previous batch is being written meanwhile.
            batch = await asyncio.to_thread(generator.batch, counts)
            if number == 0 and existing and batch.responses:
                first = uuid.UUID(batch.responses[0][0])
                if await Response.exists().where(Response.id == first):
                    return DemoSummary(
                        skipped=True, note=f"demo data for seed {seed} is already there"
                    )
            await write(batch)
            per_survey.update(counts)
            answers += len(batch.answers)
            receipts += len(batch.receipts)
            messages += len(batch.messages)
            periods.update(row[8] for row in batch.responses)
            progress.advance(len(batch.responses))
        # The roll-ups last: they add up every response, whatever its month.
        progress.note("and the roll-ups...")
        rollups = generator.rollup_batches(ROLLUP_BATCH)
        while (sums := await asyncio.to_thread(_next, rollups)) is not None:
            await write(sums)
            rollup_rows += sums.rollup_rows
        if pending is not None:
            await pending
            pending = None
    finally:
        if pending is not None:
            # Let a write in flight finish (or fail) before its connection is closed.
            await asyncio.gather(pending, return_exceptions=True)
        progress.finish()
        await writer.close()
    kinds: Counter[str] = Counter()
    for slug, count in per_survey.items():
        kinds[registry[slug].kind] += count
    return DemoSummary(
        responses={slug: per_survey[slug] for slug in KIND_SHARES},
        kinds=dict(kinds),
        answers=answers,
        receipts=receipts,
        messages=messages,
        rollup_rows=rollup_rows,
        first_period=min(periods) if periods else None,
        last_period=max(periods) if periods else None,
        seconds=time.perf_counter() - started,
    )
