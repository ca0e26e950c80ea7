"""Keep the report roll-ups in step with the stored answers: add on submission, subtract on
withdrawal, rebuild from scratch after a bulk load. Same SQL on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from surveys.definition import Survey
from surveys.forms import Answers
from surveys.scales import AGREE_SCORES
from surveys.tables import Answer, AnswerCount, Response, TextCount, TrustScore

DIMENSIONS = ("area", "work_setting", "locale", "channel")
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


_DIMS_SQL = "period, area, work_setting, locale, channel"


async def _bump_answer(cell: Cell, question: str, value: str, sign: int) -> None:
    table = AnswerCount._meta.tablename
    await AnswerCount.raw(
        f"INSERT INTO {table} (key, survey, question, value, {_DIMS_SQL}, n) "  # noqa: S608
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
        f"ON CONFLICT (key) DO UPDATE SET n = {table}.n + excluded.n",
        cell.key(question, value),
        cell.survey,
        question,
        value,
        *cell.values(),
        sign,
    )


async def _bump_trust(cell: Cell, score: float, sign: int) -> None:
    table = TrustScore._meta.tablename
    await TrustScore.raw(
        f"INSERT INTO {table} (key, survey, {_DIMS_SQL}, n, total, total_sq) "  # noqa: S608
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
        f"ON CONFLICT (key) DO UPDATE SET n = {table}.n + excluded.n, "
        f"total = {table}.total + excluded.total, total_sq = {table}.total_sq + excluded.total_sq",
        cell.key(),
        cell.survey,
        *cell.values(),
        sign,
        sign * score,
        sign * score * score,
    )


async def _bump_text(
    cell: Cell, question: str, scored: bool, label: str, polarity: float, sign: int
) -> None:
    table = TextCount._meta.tablename
    await TextCount.raw(
        f"INSERT INTO {table} (key, survey, question, {_DIMS_SQL}, "  # noqa: S608
        "n, scored, negative, positive, polarity_sum) "
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
        f"ON CONFLICT (key) DO UPDATE SET n = {table}.n + excluded.n, "
        f"scored = {table}.scored + excluded.scored, "
        f"negative = {table}.negative + excluded.negative, "
        f"positive = {table}.positive + excluded.positive, "
        f"polarity_sum = {table}.polarity_sum + excluded.polarity_sum",
        cell.key(question),
        cell.survey,
        question,
        *cell.values(),
        sign,
        sign if scored else 0,
        sign if scored and label == "negative" else 0,
        sign if scored and label == "positive" else 0,
        sign * polarity if scored else 0.0,
    )


async def count_response(
    survey: Survey, cell: Cell, answers: Answers, texts: list[Answer], sign: int = 1
) -> None:
    """Add (sign=1) or take away (sign=-1) one response; call inside its transaction."""
    for qid, value in answers.items():
        if survey.questions[qid].kind == "text":
            continue
        for item in [value] if isinstance(value, str) else value:
            await _bump_answer(cell, qid, item, sign)
        if survey.questions[qid].kind == "multiple":
            # Respondents, not ticks: the base of "% seeing each problem".
            await _bump_answer(cell, qid, RESPONDENTS, sign)
    score = trust_score(survey, answers)
    if score is not None:
        await _bump_trust(cell, score, sign)
    for text in texts:
        await _bump_text(
            cell,
            str(text.question),
            bool(text.scored),
            str(text.sentiment or ""),
            float(text.polarity or 0.0),
            sign,
        )


async def uncount_responses(response_ids: list[Any]) -> None:
    """Take stored responses out of the roll-ups (before they are deleted)."""
    from surveys.registry import get_survey

    for response_id in response_ids:
        row = await Response.select().where(Response.id == response_id).first()
        if row is None:
            continue
        survey = get_survey(str(row["survey"]))
        if survey is None:
            continue
        answers: Answers = {}
        texts: list[Answer] = []
        for answer in await Answer.objects().where(Answer.response == response_id):
            if answer.text is not None:
                texts.append(answer)
            elif answer.value is not None and answer.question in survey.questions:
                question = survey.questions[answer.question]
                if question.kind == "multiple":
                    existing = answers.setdefault(answer.question, [])
                    assert isinstance(existing, list)
                    existing.append(answer.value)
                else:
                    answers[answer.question] = answer.value
        await count_response(survey, Cell.of(row), answers, texts, sign=-1)


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
