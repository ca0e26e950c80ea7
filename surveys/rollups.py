"""Keep the report roll-ups in step with the stored answers: add on submission, subtract on
withdrawal, rebuild from scratch after a bulk load. Same SQL on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from surveys.bulk import Transaction
from surveys.definition import Survey
from surveys.forms import Answers
from surveys.scales import AGREE_SCORES
from surveys.tables import (
    MAX_PHRASE,
    Answer,
    AnswerCount,
    PhraseCount,
    Response,
    TextCount,
    TrustScore,
)

#: The AnswerCount value that counts respondents who answered a multiple-choice question.
RESPONDENTS = "*"


#: The breakdowns a report can ask for, one at a time; each has a column in the roll-ups.
DIMENSIONS = ("area", "work_setting", "locale", "channel")


@dataclass(frozen=True, slots=True)
class Margin:
    """One roll-up row's place: a survey and period, overall (`dim` "") or for one value of one
    breakdown. Every response counts in 1 + len(DIMENSIONS) of them."""

    survey: str
    dim: str
    period: str
    value: str = ""

    def key(self, *extra: str) -> str:
        return "|".join((self.survey, *extra, self.dim, self.period, self.value))

    def values(self) -> tuple[str, ...]:
        """In DIM_COLUMNS order: dim, period, then the breakdown columns, only `dim`'s filled."""
        return (
            self.dim,
            self.period,
            *(self.value if name == self.dim else "" for name in DIMENSIONS),
        )


@dataclass(frozen=True, slots=True)
class Cell:
    """Where one response counts: its survey, period and breakdowns ("" for none)."""

    survey: str
    period: str
    area: str
    work_setting: str
    locale: str
    channel: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Cell:
        return cls(
            survey=str(row["survey"]),
            period=str(row["period"]),
            area=str(row.get("area") or ""),
            work_setting=str(row.get("work_setting") or ""),
            locale=str(row.get("locale") or ""),
            channel=str(row.get("channel") or ""),
        )

    def margins(self) -> tuple[Margin, ...]:
        """The overall row, and one per breakdown this response has a value for: a breakdown
        left blank (no area given, no channel) would only add rows no report shows (reports
        list breakdown values, and "" is none), at a cost on every submission."""
        values = (self.area, self.work_setting, self.locale, self.channel)
        return (
            Margin(self.survey, "", self.period),
            *(
                Margin(self.survey, name, self.period, value)
                for name, value in zip(DIMENSIONS, values, strict=True)
                if value
            ),
        )


def trust_score(survey: Survey, answers: Answers) -> float | None:
    """A respondent's mean 0-100 score over the core items they answered (DOMAIN.md §2)."""
    scores = [
        AGREE_SCORES[value]
        for qid, value in answers.items()
        if isinstance(value, str)
        and value in AGREE_SCORES
        and (question := survey.questions.get(qid)) is not None
        and question.metric
    ]
    return sum(scores) / len(scores) if scores else None


DIM_COLUMNS = ("dim", "period", *DIMENSIONS)
_DIMS_SQL = ", ".join(DIM_COLUMNS)


@dataclass(frozen=True, slots=True)
class TextScore:
    """What the roll-ups need of one free-text answer."""

    question: str
    scored: bool
    sentiment: str
    polarity: float
    phrases: str = "[]"  # JSON list, as stored in Answer.phrases


def phrase_set(stored: str | None) -> set[str]:
    """The distinct key phrases of one text, from Answer.phrases; each counts once per text."""
    try:
        phrases = json.loads(stored or "[]")
    except ValueError:
        return set()
    if not isinstance(phrases, list):
        return set()
    return {p for p in phrases if isinstance(p, str) and 0 < len(p) <= MAX_PHRASE}


@dataclass(slots=True)
class Increments:
    """Roll-up changes summed by key, so any number of responses costs one upsert a table."""

    answers: dict[str, list[Any]] = field(default_factory=dict)
    trust: dict[str, list[Any]] = field(default_factory=dict)
    texts: dict[str, list[Any]] = field(default_factory=dict)
    phrases: dict[str, list[Any]] = field(default_factory=dict)

    def add_answer(self, margins: Sequence[Margin], question: str, value: str, sign: int) -> None:
        answers = self.answers
        for margin in margins:
            key = margin.key(question, value)
            row = answers.get(key)
            if row is None:
                row = answers[key] = [key, margin.survey, question, value, *margin.values(), 0]
            row[-1] += sign

    def add_trust(self, margins: Sequence[Margin], score: float, sign: int) -> None:
        for margin in margins:
            key = margin.key()
            row = self.trust.setdefault(key, [key, margin.survey, *margin.values(), 0, 0.0, 0.0])
            row[-3] += sign
            row[-2] += sign * score
            row[-1] += sign * score * score

    def add_text(
        self,
        margins: Sequence[Margin],
        question: str,
        scored: bool,
        label: str,
        polarity: float,
        sign: int,
    ) -> None:
        for margin in margins:
            key = margin.key(question)
            row = self.texts.setdefault(
                key, [key, margin.survey, question, *margin.values(), 0, 0, 0, 0, 0.0]
            )
            row[-5] += sign
            if scored:
                row[-4] += sign
                row[-3] += sign if label == "negative" else 0
                row[-2] += sign if label == "positive" else 0
                row[-1] += sign * polarity

    def add_phrases(self, period: str, phrases: set[str], sign: int) -> None:
        for phrase in phrases:
            key = f"{period}|{phrase}"
            self.phrases.setdefault(key, [key, period, phrase, 0])[-1] += sign

    def add_response(
        self, survey: Survey, cell: Cell, answers: Answers, texts: list[TextScore], sign: int = 1
    ) -> None:
        margins = cell.margins()
        for qid, value in answers.items():
            if survey.questions[qid].kind == "text":
                continue
            for item in [value] if isinstance(value, str) else value:
                self.add_answer(margins, qid, item, sign)
            if survey.questions[qid].kind == "multiple":
                # Respondents, not ticks: the base of "% seeing each problem".
                self.add_answer(margins, qid, RESPONDENTS, sign)
        score = trust_score(survey, answers)
        if score is not None:
            self.add_trust(margins, score, sign)
        for text in texts:
            self.add_text(margins, text.question, text.scored, text.sentiment, text.polarity, sign)
            self.add_phrases(cell.period, phrase_set(text.phrases), sign)

    async def apply(self, tx: Transaction) -> None:
        """Write every change, in the transaction that stores or deletes the rows."""
        await _upsert(tx, AnswerCount, ("key", "survey", "question", "value"), ("n",), self.answers)
        await _upsert(tx, TrustScore, ("key", "survey"), ("n", "total", "total_sq"), self.trust)
        await _upsert(
            tx,
            TextCount,
            ("key", "survey", "question"),
            ("n", "scored", "negative", "positive", "polarity_sum"),
            self.texts,
        )
        await _upsert(tx, PhraseCount, ("key", "period", "phrase"), ("n",), self.phrases, dims=())


async def _upsert(
    tx: Transaction,
    table: type[AnswerCount] | type[TrustScore] | type[TextCount] | type[PhraseCount],
    head: tuple[str, ...],
    sums: tuple[str, ...],
    rows: dict[str, list[Any]],
    dims: tuple[str, ...] = DIM_COLUMNS,
) -> None:
    if not rows:
        return
    name = table._meta.tablename
    updates = ", ".join(f'"{c}" = "{name}"."{c}" + excluded."{c}"' for c in sums)
    await tx.insert_many(
        table,
        (*head, *dims, *sums),
        # In key order: two processes' batches then lock shared rows in the same order, so
        # they wait for each other instead of deadlocking (seen on PostgreSQL under load).
        [rows[key] for key in sorted(rows)],
        tail=f' ON CONFLICT ("key") DO UPDATE SET {updates}',
    )


async def uncount(tx: Transaction, response_ids: list[Any]) -> Increments:
    """What taking these stored responses out of the roll-ups changes (read within `tx`)."""
    from surveys.registry import get_survey

    increments = Increments()
    response_t, answer_t = Response._meta.tablename, Answer._meta.tablename
    for response_id in response_ids:
        found = await tx.fetch(
            f"SELECT survey, period, area, work_setting, locale, channel FROM {response_t} "  # noqa: S608
            "WHERE id = ?",
            response_id,
        )
        if not found:
            continue
        slug, period, area, setting, locale, channel = found[0]
        survey = get_survey(str(slug))
        if survey is None:
            continue
        cell = Cell(str(slug), str(period), area or "", setting or "", str(locale), channel or "")
        answers: Answers = {}
        texts: list[TextScore] = []
        rows = await tx.fetch(
            f"SELECT question, value, text, scored, sentiment, polarity, phrases FROM {answer_t} "  # noqa: S608
            "WHERE response = ?",
            response_id,
        )
        for question_id, value, text, scored, sentiment, polarity, phrases in rows:
            question = survey.questions.get(str(question_id))
            if question is None:
                continue
            if text is not None:
                texts.append(
                    TextScore(
                        str(question_id),
                        bool(scored),
                        str(sentiment or ""),
                        float(polarity or 0),
                        str(phrases or "[]"),
                    )
                )
            elif value is not None and question.kind == "multiple":
                existing = answers.setdefault(question.id, [])
                assert isinstance(existing, list)
                existing.append(str(value))
            elif value is not None:
                answers[question.id] = str(value)
        increments.add_response(survey, cell, answers, texts, sign=-1)
    return increments


@dataclass(frozen=True, slots=True)
class _MarginSql:
    """The SQL that puts the stored responses into one margin's roll-up rows (Margin's shape)."""

    dim: str

    @property
    def _value(self) -> str:
        return f"COALESCE(r.{self.dim}, '')" if self.dim else "''"

    def key(self, prefix: str) -> str:
        return f"{prefix} || '|{self.dim}|' || r.period || '|' || {self._value}"

    @property
    def columns(self) -> str:
        """Values for DIM_COLUMNS."""
        filled = (f"COALESCE(r.{name}, '')" if name == self.dim else "''" for name in DIMENSIONS)
        return f"'{self.dim}', r.period, " + ", ".join(filled)

    @property
    def group(self) -> str:
        return f"r.period, {self._value}" if self.dim else "r.period"

    @property
    def only_given(self) -> str:
        """A condition leaving out responses with no value for this breakdown (Cell.margins)."""
        return f" AND {self._value} <> ''" if self.dim else ""


_SCORE_SQL = (
    "CASE a.value "
    + " ".join(f"WHEN '{value}' THEN {score}.0" for value, score in AGREE_SCORES.items())
    + " END"
)


async def rebuild() -> None:
    """Recompute every roll-up from the stored answers (after a bulk load, or to check)."""
    from surveys.registry import load_registry

    answer_t = Answer._meta.tablename
    response_t = Response._meta.tablename
    agree_values = ", ".join(f"'{value}'" for value in AGREE_SCORES)
    multiple = [
        (survey.slug, question.id)
        for survey in load_registry().values()
        for question in survey.questions.values()
        if question.kind == "multiple"
    ]
    async with AnswerCount._meta.db.transaction():
        for table in (AnswerCount, TrustScore, TextCount, PhraseCount):
            await table.delete(force=True)
        await _rebuild_phrases()
        for margin in (_MarginSql(""), *(_MarginSql(name) for name in DIMENSIONS)):
            answer_key = margin.key("a.survey || '|' || a.question || '|' || a.value")
            respondents_key = margin.key(f"a.survey || '|' || a.question || '|{RESPONDENTS}'")
            text_key = margin.key("a.survey || '|' || a.question")
            await AnswerCount.raw(
                f"INSERT INTO {AnswerCount._meta.tablename} "  # noqa: S608 - no user input
                f"(key, survey, question, value, {_DIMS_SQL}, n) "
                f"SELECT {answer_key}, a.survey, a.question, a.value, {margin.columns}, "
                f"COUNT(*) FROM {answer_t} a JOIN {response_t} r ON r.id = a.response "
                f"WHERE a.value IS NOT NULL{margin.only_given} "
                f"GROUP BY a.survey, a.question, a.value, {margin.group}"
            )
            for slug, qid in multiple:
                await AnswerCount.raw(
                    f"INSERT INTO {AnswerCount._meta.tablename} "  # noqa: S608 - no user input
                    f"(key, survey, question, value, {_DIMS_SQL}, n) "
                    f"SELECT {respondents_key}, a.survey, a.question, '{RESPONDENTS}', "
                    f"{margin.columns}, COUNT(DISTINCT a.response) "
                    f"FROM {answer_t} a JOIN {response_t} r ON r.id = a.response "
                    "WHERE a.value IS NOT NULL AND a.survey = {} AND a.question = {}"
                    f"{margin.only_given} "
                    f"GROUP BY a.survey, a.question, {margin.group}",
                    slug,
                    qid,
                )
            await TextCount.raw(
                f"INSERT INTO {TextCount._meta.tablename} "  # noqa: S608 - no user input
                f"(key, survey, question, {_DIMS_SQL}, n, scored, negative, positive, "
                "polarity_sum) "
                f"SELECT {text_key}, a.survey, a.question, "
                f"{margin.columns}, COUNT(*), "
                "SUM(CASE WHEN a.scored THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN a.scored AND a.sentiment = 'negative' THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN a.scored AND a.sentiment = 'positive' THEN 1 ELSE 0 END), "
                "COALESCE(SUM(CASE WHEN a.scored THEN a.polarity ELSE 0 END), 0) "
                f"FROM {answer_t} a JOIN {response_t} r ON r.id = a.response "
                f"WHERE a.text IS NOT NULL{margin.only_given} "
                f"GROUP BY a.survey, a.question, {margin.group}"
            )
            for survey in load_registry().values():
                metric_ids = [q.id for q in survey.questions.values() if q.metric]
                if not metric_ids:
                    continue
                questions = ", ".join(f"'{qid}'" for qid in metric_ids)
                await TrustScore.raw(
                    f"INSERT INTO {TrustScore._meta.tablename} "  # noqa: S608 - no user input
                    f"(key, survey, {_DIMS_SQL}, n, total, total_sq) "
                    f"SELECT {margin.key('r.survey')}, r.survey, {margin.columns}, COUNT(*), "
                    "SUM(m.score), SUM(m.score * m.score) "
                    f"FROM (SELECT a.response AS response, AVG({_SCORE_SQL}) AS score "
                    f"FROM {answer_t} a WHERE a.survey = '{survey.slug}' "
                    f"AND a.question IN ({questions}) AND a.value IN ({agree_values}) "
                    "GROUP BY a.response) m "
                    f"JOIN {response_t} r ON r.id = m.response WHERE 1 = 1{margin.only_given} "
                    f"GROUP BY r.survey, {margin.group}"
                )


async def _rebuild_phrases() -> None:
    """PhraseCount from the stored key phrases: each text counts once per distinct phrase.
    The JSON lists are opened by the database (json_each / json_array_elements_text)."""
    from piccolo.engine.postgres import PostgresEngine

    if isinstance(PhraseCount._meta.db, PostgresEngine):
        phrases = "CROSS JOIN LATERAL json_array_elements_text(a.phrases::json) AS j(value)"
    else:
        phrases = "JOIN json_each(a.phrases) j"
    await PhraseCount.raw(
        f"INSERT INTO {PhraseCount._meta.tablename} (key, period, phrase, n) "  # noqa: S608 - no user input
        "SELECT p.period || '|' || p.phrase, p.period, p.phrase, COUNT(*) FROM "
        "(SELECT DISTINCT a.id AS text_id, r.period AS period, j.value AS phrase "
        f"FROM {Answer._meta.tablename} a JOIN {Response._meta.tablename} r "
        f"ON r.id = a.response {phrases} "
        "WHERE a.text IS NOT NULL AND a.phrases IS NOT NULL) p "
        f"WHERE LENGTH(p.phrase) BETWEEN 1 AND {MAX_PHRASE} "
        "GROUP BY p.period, p.phrase"
    )
