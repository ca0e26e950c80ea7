"""Keep the report roll-ups in step with the stored answers: add on submission, subtract on
withdrawal, rebuild from scratch after a bulk load. Same SQL on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from surveys.bulk import Transaction
from surveys.definition import Survey
from surveys.forms import Answers
from surveys.scales import AGREE_SCORES
from surveys.tables import Answer, AnswerCount, Response, TextCount, TrustScore

#: The AnswerCount value that counts respondents who answered a multiple-choice question.
RESPONDENTS = "*"


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

    def key(self, *extra: str) -> str:
        return "|".join(
            (
                self.survey,
                *extra,
                self.period,
                self.area,
                self.work_setting,
                self.locale,
                self.channel,
            )
        )

    def values(self) -> tuple[str, ...]:
        return (self.period, self.area, self.work_setting, self.locale, self.channel)


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


DIM_COLUMNS = ("period", "area", "work_setting", "locale", "channel")
_DIMS_SQL = ", ".join(DIM_COLUMNS)


@dataclass(frozen=True, slots=True)
class TextScore:
    """What the roll-ups need of one free-text answer."""

    question: str
    scored: bool
    sentiment: str
    polarity: float


@dataclass(slots=True)
class Increments:
    """Roll-up changes summed by key, so any number of responses costs one upsert a table."""

    answers: dict[str, list[Any]] = field(default_factory=dict)
    trust: dict[str, list[Any]] = field(default_factory=dict)
    texts: dict[str, list[Any]] = field(default_factory=dict)

    def add_answer(self, cell: Cell, question: str, value: str, sign: int) -> None:
        key = cell.key(question, value)
        row = self.answers.setdefault(key, [key, cell.survey, question, value, *cell.values(), 0])
        row[-1] += sign

    def add_trust(self, cell: Cell, score: float, sign: int) -> None:
        key = cell.key()
        row = self.trust.setdefault(key, [key, cell.survey, *cell.values(), 0, 0.0, 0.0])
        row[-3] += sign
        row[-2] += sign * score
        row[-1] += sign * score * score

    def add_text(
        self, cell: Cell, question: str, scored: bool, label: str, polarity: float, sign: int
    ) -> None:
        key = cell.key(question)
        row = self.texts.setdefault(
            key, [key, cell.survey, question, *cell.values(), 0, 0, 0, 0, 0.0]
        )
        row[-5] += sign
        if scored:
            row[-4] += sign
            row[-3] += sign if label == "negative" else 0
            row[-2] += sign if label == "positive" else 0
            row[-1] += sign * polarity

    def add_response(
        self, survey: Survey, cell: Cell, answers: Answers, texts: list[TextScore], sign: int = 1
    ) -> None:
        for qid, value in answers.items():
            if survey.questions[qid].kind == "text":
                continue
            for item in [value] if isinstance(value, str) else value:
                self.add_answer(cell, qid, item, sign)
            if survey.questions[qid].kind == "multiple":
                # Respondents, not ticks: the base of "% seeing each problem".
                self.add_answer(cell, qid, RESPONDENTS, sign)
        score = trust_score(survey, answers)
        if score is not None:
            self.add_trust(cell, score, sign)
        for text in texts:
            self.add_text(cell, text.question, text.scored, text.sentiment, text.polarity, sign)

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


async def _upsert(
    tx: Transaction,
    table: type[AnswerCount] | type[TrustScore] | type[TextCount],
    head: tuple[str, ...],
    sums: tuple[str, ...],
    rows: dict[str, list[Any]],
) -> None:
    name = table._meta.tablename
    updates = ", ".join(f'"{c}" = "{name}"."{c}" + excluded."{c}"' for c in sums)
    await tx.insert_many(
        table,
        (*head, *DIM_COLUMNS, *sums),
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
            f"SELECT question, value, text, scored, sentiment, polarity FROM {answer_t} "  # noqa: S608
            "WHERE response = ?",
            response_id,
        )
        for question_id, value, text, scored, sentiment, polarity in rows:
            question = survey.questions.get(str(question_id))
            if question is None:
                continue
            if text is not None:
                texts.append(
                    TextScore(
                        str(question_id), bool(scored), str(sentiment or ""), float(polarity or 0)
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


def _key_sql(prefix: str) -> str:
    return (
        f"{prefix} || '|' || r.period || '|' || COALESCE(r.area, '') || '|' || "
        "COALESCE(r.work_setting, '') || '|' || r.locale || '|' || COALESCE(r.channel, '')"
    )


_GROUP_DIMS = (
    "r.period, COALESCE(r.area, ''), COALESCE(r.work_setting, ''), r.locale, "
    "COALESCE(r.channel, '')"
)
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
    dims = _GROUP_DIMS
    answer_key = _key_sql("a.survey || '|' || a.question || '|' || a.value")
    text_key = _key_sql("a.survey || '|' || a.question")
    trust_key = _key_sql("r.survey")
    respondents_key = _key_sql(f"a.survey || '|' || a.question || '|{RESPONDENTS}'")
    agree_values = ", ".join(f"'{value}'" for value in AGREE_SCORES)
    async with AnswerCount._meta.db.transaction():
        for table in (AnswerCount, TrustScore, TextCount):
            await table.delete(force=True)
        await AnswerCount.raw(
            f"INSERT INTO {AnswerCount._meta.tablename} "  # noqa: S608 - no user input
            f"(key, survey, question, value, {_DIMS_SQL}, n) "
            f"SELECT {answer_key}, a.survey, a.question, a.value, {dims}, COUNT(*) "
            f"FROM {answer_t} a JOIN {response_t} r ON r.id = a.response "
            "WHERE a.value IS NOT NULL "
            f"GROUP BY a.survey, a.question, a.value, {dims}"
        )
        multiple = [
            (survey.slug, question.id)
            for survey in load_registry().values()
            for question in survey.questions.values()
            if question.kind == "multiple"
        ]
        for slug, qid in multiple:
            await AnswerCount.raw(
                f"INSERT INTO {AnswerCount._meta.tablename} "  # noqa: S608 - no user input
                f"(key, survey, question, value, {_DIMS_SQL}, n) "
                f"SELECT {respondents_key}, a.survey, a.question, '{RESPONDENTS}', {dims}, "
                "COUNT(DISTINCT a.response) "
                f"FROM {answer_t} a JOIN {response_t} r ON r.id = a.response "
                "WHERE a.value IS NOT NULL AND a.survey = {} AND a.question = {} "
                f"GROUP BY a.survey, a.question, {dims}",
                slug,
                qid,
            )
        await TextCount.raw(
            f"INSERT INTO {TextCount._meta.tablename} "  # noqa: S608 - no user input
            f"(key, survey, question, {_DIMS_SQL}, n, scored, negative, positive, polarity_sum) "
            f"SELECT {text_key}, a.survey, a.question, {dims}, COUNT(*), "
            "SUM(CASE WHEN a.scored THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN a.scored AND a.sentiment = 'negative' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN a.scored AND a.sentiment = 'positive' THEN 1 ELSE 0 END), "
            "COALESCE(SUM(CASE WHEN a.scored THEN a.polarity ELSE 0 END), 0) "
            f"FROM {answer_t} a JOIN {response_t} r ON r.id = a.response "
            "WHERE a.text IS NOT NULL "
            f"GROUP BY a.survey, a.question, {dims}"
        )
        for survey in load_registry().values():
            metric_ids = [q.id for q in survey.questions.values() if q.metric]
            if not metric_ids:
                continue
            questions = ", ".join(f"'{qid}'" for qid in metric_ids)
            await TrustScore.raw(
                f"INSERT INTO {TrustScore._meta.tablename} "  # noqa: S608 - no user input
                f"(key, survey, {_DIMS_SQL}, n, total, total_sq) "
                f"SELECT {trust_key}, r.survey, {dims}, COUNT(*), "
                "SUM(m.score), SUM(m.score * m.score) "
                f"FROM (SELECT a.response AS response, AVG({_SCORE_SQL}) AS score "
                f"FROM {answer_t} a WHERE a.survey = '{survey.slug}' "
                f"AND a.question IN ({questions}) AND a.value IN ({agree_values}) "
                "GROUP BY a.response) m "
                f"JOIN {response_t} r ON r.id = m.response "
                f"GROUP BY r.survey, {dims}"
            )
