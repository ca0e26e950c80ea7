"""Tables owned by surveys: one row per response, one per answer, shaped for GROUP BY."""

from __future__ import annotations

from piccolo.columns import UUID, Boolean, Date, DoublePrecision, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from feedback.tables import Receipt

#: Longest key phrase the roll-up keeps; longer ones (one run-on "word") are not counted.
MAX_PHRASE = 100


class Response(Table):
    """One submitted questionnaire or feedback report. No timestamp finer than `day`, no
    address, no device: ids are uuid4 so rows cannot be put in order against a server log."""

    id = UUID(primary_key=True)
    survey = Varchar(length=40)  # indexed as (survey, id): see surveys migration 2026-11-29T01:30
    kind = Varchar(length=16)  # survey | concern | experience
    respondent_group = Varchar(length=16)  # worker | resident
    version = Varchar(length=16)
    locale = Varchar(length=16)
    channel = Varchar(length=40, null=True, default=None)
    day = Date()
    period = Varchar(length=7, index=True)  # YYYY-MM of `day`, the reports' unit
    # Breakdowns copied from the answers so reports group without a join.
    area = Varchar(length=40, null=True, default=None)
    work_setting = Varchar(length=40, null=True, default=None)
    receipt = ForeignKey(references=Receipt, on_delete=OnDelete.cascade, null=True, index=True)


class Answer(Table):
    """One answer: a chosen option (one row per option for multiple choice) or free text.
    On SQLite the table is keyed on (response, id), so a response's answers are stored together
    (surveys migration 2026-11-29T01:30); on PostgreSQL on id, with an index on response."""

    id = UUID(primary_key=True)
    response = ForeignKey(references=Response, on_delete=OnDelete.cascade, index=True)
    survey = Varchar(length=40)
    question = Varchar(length=40)
    value = Varchar(length=40, null=True, default=None)
    text = Text(null=True, default=None)  # redacted before it is stored
    sentiment = Varchar(length=8, null=True, default=None)
    polarity = DoublePrecision(null=True, default=None)
    scored = Boolean(null=True, default=None)
    phrases = Text(null=True, default=None)  # JSON list of key phrases


class AnswerCount(Table):
    """Roll-up: how many chose each answer, per period, overall and by each breakdown on its
    own. Kept in step with Answer in the same transaction, so reports read thousands of rows
    instead of millions, and raw responses can be purged without changing any published figure.

    Each response counts once in the overall row (`dim` "") and once in one row per breakdown
    (`dim` "area", "work_setting", "locale" or "channel", that column holding its value, the
    others ""). Reports only ever break down by one dimension at a time, so these "marginal"
    rows answer every report, and there are a few hundred of them a month however many people
    answer (a row per full cross of every breakdown would grow with the data: 2.9 million rows
    at a million responses, docs/benchmarks.md)."""

    key = Varchar(length=255, unique=True)  # the identifying columns joined: the upsert target
    survey = Varchar(length=40)
    question = Varchar(length=40)
    value = Varchar(length=40)
    dim = Varchar(length=16, default="")  # "" overall, else the one breakdown column filled
    period = Varchar(length=7, index=True)
    area = Varchar(length=40, default="")  # "" rather than NULL: NULLs never conflict
    work_setting = Varchar(length=40, default="")
    locale = Varchar(length=16, default="")
    channel = Varchar(length=40, default="")
    n = Integer(default=0)


class TrustScore(Table):
    """Roll-up for the trust index: respondents, and the sum and sum of squares of each
    respondent's mean 0-100 score over the core items they answered."""

    key = Varchar(length=255, unique=True)
    survey = Varchar(length=40)
    dim = Varchar(length=16, default="")  # as in AnswerCount
    period = Varchar(length=7, index=True)
    area = Varchar(length=40, default="")
    work_setting = Varchar(length=40, default="")
    locale = Varchar(length=16, default="")
    channel = Varchar(length=40, default="")
    n = Integer(default=0)
    # Double precision: sums of many scores lose digits in PostgreSQL's 4-byte real.
    total = DoublePrecision(default=0.0)
    total_sq = DoublePrecision(default=0.0)


class TextCount(Table):
    """Roll-up for free text: how much was written, how much could be scored, how negative."""

    key = Varchar(length=255, unique=True)
    survey = Varchar(length=40)
    question = Varchar(length=40)
    dim = Varchar(length=16, default="")  # as in AnswerCount
    period = Varchar(length=7, index=True)
    area = Varchar(length=40, default="")
    work_setting = Varchar(length=40, default="")
    locale = Varchar(length=16, default="")
    channel = Varchar(length=40, default="")
    n = Integer(default=0)
    scored = Integer(default=0)
    negative = Integer(default=0)
    positive = Integer(default=0)
    polarity_sum = DoublePrecision(default=0.0)


class PhraseCount(Table):
    """Roll-up for "key phrases rising this period": how many free texts (of every survey and
    feedback form) used each key phrase, per month. Never broken down: a phrase is already a
    small group, and the report shows one only when at least MIN_CELL texts used it."""

    key = Varchar(length=255, unique=True)  # period|phrase: the upsert target
    period = Varchar(length=7, index=True)
    phrase = Varchar(length=MAX_PHRASE)
    n = Integer(default=0)
