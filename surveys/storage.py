"""Store a checked submission with its receipt, exactly once per submission token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from chorus.coarse_time import coarse_today, period_of
from feedback.pipeline import process_text
from feedback.receipts import code_for_token, code_hash, token_hash
from feedback.tables import Receipt
from surveys.definition import Survey
from surveys.forms import Answers
from surveys.rollups import Cell, count_response
from surveys.tables import Answer, Response


@dataclass(frozen=True, slots=True)
class Stored:
    code: str
    created: bool  # False when this token had already been used: same receipt, nothing new


def reply_allowed(survey: Survey, answers: Answers) -> bool:
    """Whether staff may answer through the receipt: the respondent decides (A5)."""
    if survey.kind == "experience":
        return answers.get("consent") == "reply_allowed"
    return survey.kind == "concern"


def _answer_rows(survey: Survey, response_id: Any, answers: Answers, locale: str) -> list[Answer]:
    rows = []
    for qid, value in answers.items():
        question = survey.questions[qid]
        if question.kind == "text":
            assert isinstance(value, str)
            processed = process_text(value, locale)
            if not processed.text:
                continue
            rows.append(
                Answer(
                    response=response_id,
                    survey=survey.slug,
                    question=qid,
                    text=processed.text,
                    sentiment=processed.sentiment,
                    polarity=processed.polarity,
                    scored=processed.scored,
                    phrases=processed.phrases,
                )
            )
        else:
            for item in [value] if isinstance(value, str) else value:
                rows.append(
                    Answer(response=response_id, survey=survey.slug, question=qid, value=item)
                )
    return rows


async def _already_stored(token: str) -> bool:
    return await Receipt.exists().where(Receipt.token_hash == token_hash(token))


async def store_submission(
    survey: Survey,
    answers: Answers,
    *,
    locale: str,
    channel: str | None,
    token: str,
    today: date | None = None,
) -> Stored:
    code = code_for_token(token)
    if await _already_stored(token):
        return Stored(code, created=False)
    day = coarse_today(today)
    receipt = Receipt(
        code_hash=code_hash(code),
        token_hash=token_hash(token),
        kind=survey.kind,
        status="received",
        reply_allowed=reply_allowed(survey, answers),
        locale=locale,
        day=day,
    )
    area = answers.get("area")
    setting = answers.get("work_setting")
    response = Response(
        survey=survey.slug,
        kind=survey.kind,
        respondent_group=survey.group,
        version=survey.version,
        locale=locale,
        channel=channel,
        day=day,
        period=period_of(day),
        area=area if isinstance(area, str) else None,
        work_setting=setting if isinstance(setting, str) else None,
        receipt=receipt.id,
    )
    # Text is redacted and scored before the transaction: no CPU work while holding the lock.
    rows = _answer_rows(survey, response.id, answers, locale)
    try:
        async with Receipt._meta.db.transaction():
            await Receipt.insert(receipt)
            await Response.insert(response)
            if rows:
                await Answer.insert(*rows)
            await count_response(
                survey,
                Cell(
                    survey=survey.slug,
                    period=period_of(day),
                    area=response.area or "",
                    work_setting=response.work_setting or "",
                    locale=locale,
                    channel=channel or "",
                ),
                answers,
                [row for row in rows if row.text is not None],
            )
    except Exception:
        # A double-click racing us stored it first: the unique token hash refused ours.
        if await _already_stored(token):
            return Stored(code, created=False)
        raise
    return Stored(code, created=True)
