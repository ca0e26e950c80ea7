"""Store checked submissions with their receipts, exactly once per submission token.

Submissions are written by one writer task per process, in batches: whatever arrived while
the previous batch was committing goes into the next transaction. One commit (one fsync on
SQLite) then acknowledges many respondents, and nobody is told "thank you" before their
answers are on disk.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chorus.coarse_time import coarse_today, period_of
from feedback.pipeline import process_text
from feedback.receipts import code_for_token, code_hash, token_hash
from feedback.tables import Receipt
from surveys.bulk import (
    Transaction,
    close_connections,
    is_postgres,
    plan_statements,
    run_transaction,
)
from surveys.definition import Survey
from surveys.forms import Answers
from surveys.rollups import Cell, Increments, TextScore
from surveys.tables import Answer, Response

log = logging.getLogger("chorus.storage")

#: The most submissions one transaction takes; more wait for the next one.
MAX_BATCH = 64


@dataclass(frozen=True, slots=True)
class Stored:
    code: str
    created: bool  # False when this token had already been used: same receipt, nothing new


def reply_allowed(survey: Survey, answers: Answers) -> bool:
    """Whether staff may answer through the receipt: the respondent decides (A5)."""
    if survey.kind == "experience":
        return answers.get("consent") == "reply_allowed"
    return survey.kind == "concern"


RECEIPT_COLUMNS = (
    "id",
    "code_hash",
    "token_hash",
    "kind",
    "status",
    "reply_allowed",
    "locale",
    "day",
)
RESPONSE_COLUMNS = (
    "id",
    "survey",
    "kind",
    "respondent_group",
    "version",
    "locale",
    "channel",
    "day",
    "period",
    "area",
    "work_setting",
    "receipt",
)
ANSWER_COLUMNS = (
    "id",
    "response",
    "survey",
    "question",
    "value",
    "text",
    "sentiment",
    "polarity",
    "scored",
    "phrases",
)


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def random_ids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs in their text form, from one read of the OS's random
    source: a `uuid.uuid4()` object each, made and then turned into text, cost more than
    inserting the row it is for. 122 random bits each, as uuid4()."""
    digits = os.urandom(16 * count).hex()
    return [
        f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"
        for h in (digits[i : i + 32] for i in range(0, 32 * count, 32))
    ]


#: The columns of a chosen option's answer row; the rest stay NULL (not sent: the sqlite3
#: driver binds each None parameter through its slow adapter lookup).
CHOICE_COLUMNS = ANSWER_COLUMNS[:5]


def _answer_rows(
    survey: Survey, response_id: str, answers: Answers, locale: str
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[TextScore]]:
    """Rows for the answer table (chosen options in CHOICE_COLUMNS, free text in
    ANSWER_COLUMNS), and what the roll-ups need of the free text."""
    ids = iter(random_ids(sum(1 if isinstance(v, str) else len(v) for v in answers.values())))
    rows: list[tuple[Any, ...]] = []
    text_rows: list[tuple[Any, ...]] = []
    texts: list[TextScore] = []
    for qid, value in answers.items():
        question = survey.questions[qid]
        if question.kind == "text":
            assert isinstance(value, str)
            processed = process_text(value, locale)
            if not processed.text:
                continue
            text_rows.append(
                (
                    next(ids),
                    response_id,
                    survey.slug,
                    qid,
                    None,
                    processed.text,
                    processed.sentiment,
                    processed.polarity,
                    processed.scored,
                    processed.phrases,
                )
            )
            texts.append(
                TextScore(
                    qid,
                    processed.scored,
                    processed.sentiment,
                    processed.polarity,
                    processed.phrases,
                )
            )
        else:
            for item in [value] if isinstance(value, str) else value:
                rows.append((next(ids), response_id, survey.slug, qid, item))
    return rows, text_rows, texts


@dataclass(slots=True)
class Submission:
    """One respondent's answers, ready to store: rows built and text redacted beforehand."""

    survey: Survey
    answers: Answers
    code: str
    token_hash: str
    receipt: tuple[Any, ...]
    response: tuple[Any, ...]
    rows: list[tuple[Any, ...]]  # chosen options, CHOICE_COLUMNS
    text_rows: list[tuple[Any, ...]]  # free text, ANSWER_COLUMNS
    texts: list[TextScore]
    cell: Cell
    future: asyncio.Future[Stored] = field(init=False)


def prepare(
    survey: Survey,
    answers: Answers,
    *,
    locale: str,
    channel: str | None,
    token: str,
    today: date | None = None,
) -> Submission:
    code = code_for_token(token)
    day = coarse_today(today)
    period = period_of(day)
    receipt_id, response_id = random_ids(2)
    hashed_token = token_hash(token)
    area = answers.get("area")
    area = area if isinstance(area, str) else None
    setting = answers.get("work_setting")
    setting = setting if isinstance(setting, str) else None
    # Redaction and scoring happen here, before the writer takes any lock.
    rows, text_rows, texts = _answer_rows(survey, response_id, answers, locale)
    return Submission(
        survey=survey,
        answers=answers,
        code=code,
        token_hash=hashed_token,
        receipt=(
            receipt_id,
            code_hash(code),
            hashed_token,
            survey.kind,
            "received",
            reply_allowed(survey, answers),
            locale,
            day,
        ),
        response=(
            response_id,
            survey.slug,
            survey.kind,
            survey.group,
            survey.version,
            locale,
            channel,
            day,
            period,
            area,
            setting,
            receipt_id,
        ),
        rows=rows,
        text_rows=text_rows,
        texts=texts,
        cell=Cell(
            survey=survey.slug,
            period=period,
            area=area or "",
            work_setting=setting or "",
            locale=locale,
            channel=channel or "",
        ),
    )


async def _used_tokens(hashes: list[str], tx: Transaction | None = None) -> set[str]:
    if tx is None:
        rows = await Receipt.select(Receipt.token_hash).where(Receipt.token_hash.is_in(hashes))
        return {str(row["token_hash"]) for row in rows}
    marks = ", ".join("?" for _ in hashes)
    found = await tx.fetch(
        f"SELECT token_hash FROM {Receipt._meta.tablename} WHERE token_hash IN ({marks})",  # noqa: S608
        *hashes,
    )
    return {str(row[0]) for row in found}


async def _write(batch: list[Submission]) -> list[Stored]:
    """Store a batch in one transaction; tokens seen before get their receipt, nothing new.
    Returns once committed.

    On SQLite the transaction runs on the writer thread, holding the write lock, so everything
    that can be done before is: the statements and their parameters (answers, roll-up changes)
    are prepared here, assuming every token is new, and the transaction only checks the tokens
    and runs them. If a token turns out to be used (a double submit), it works the batch out
    again inside the transaction."""
    hashes = [s.token_hash for s in batch]
    planned = None
    if not is_postgres() and len(set(hashes)) == len(batch):

        async def everything(tx: Transaction) -> None:
            await _insert(tx, batch)

        planned = plan_statements(everything)

    async def work(tx: Transaction) -> list[Stored]:
        # Checked inside the transaction, which holds the write lock: no other writer can
        # store the same token between this check and the insert.
        used = await _used_tokens(hashes, tx)
        if planned is not None and not used:
            await tx.run_statements(planned)
            return [Stored(s.code, created=True) for s in batch]
        return await _write_in(tx, batch, used)

    return await run_transaction(work)


async def _write_in(tx: Transaction, batch: list[Submission], used: set[str]) -> list[Stored]:
    fresh: list[Submission] = []
    results: list[Stored] = []
    for submission in batch:
        if submission.token_hash in used:
            results.append(Stored(submission.code, created=False))
        else:
            used.add(submission.token_hash)  # a double-click inside one batch
            fresh.append(submission)
            results.append(Stored(submission.code, created=True))
    if fresh:
        await _insert(tx, fresh)
    return results


async def _insert(tx: Transaction, fresh: list[Submission]) -> None:
    """The rows of these (new) submissions, and their roll-up changes."""
    increments = Increments()
    for s in fresh:
        increments.add_response(s.survey, s.cell, s.answers, s.texts)
    await tx.insert_many(Receipt, RECEIPT_COLUMNS, [s.receipt for s in fresh])
    await tx.insert_many(Response, RESPONSE_COLUMNS, [s.response for s in fresh])
    await tx.insert_many(Answer, CHOICE_COLUMNS, [row for s in fresh for row in s.rows])
    await tx.insert_many(Answer, ANSWER_COLUMNS, [row for s in fresh for row in s.text_rows])
    await increments.apply(tx)


class SubmissionWriter:
    """The one task in this event loop that writes submissions, a batch at a time."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Submission] = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self._run(), name="chorus-writer")

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self.queue.get_nowait())
            try:
                await self._settle(batch)
            except asyncio.CancelledError:
                for submission in batch:
                    submission.future.cancel()
                raise
            except Exception as error:
                # Nobody waits forever, and nobody is told "stored" unless it was.
                log.error("a batch of submissions could not be settled: %s", type(error).__name__)
                _fail(batch, error)
            finally:
                for _ in batch:
                    self.queue.task_done()

    async def _settle(self, batch: list[Submission]) -> None:
        try:
            results = await _write(batch)
        except Exception:
            # Nothing of the batch was stored (one transaction). One bad apple (typically a
            # token another process just stored) must not cost the others their answers:
            # write them one by one.
            for submission in batch:
                await self._settle_alone(submission)
            return
        for submission, result in zip(batch, results, strict=True):
            if not submission.future.done():
                submission.future.set_result(result)

    async def _settle_alone(self, submission: Submission) -> None:
        try:
            [result] = await _write([submission])
        except Exception as error:
            try:
                # Another process stored this token first (unique index)?
                stored_before = await _used_tokens([submission.token_hash])
            except Exception:
                stored_before = set()
            if submission.token_hash not in stored_before:
                log.error("a submission could not be stored: %s", type(error).__name__)
                _fail([submission], error)
                return
            result = Stored(submission.code, created=False)
        if not submission.future.done():
            submission.future.set_result(result)


def _fail(batch: list[Submission], error: Exception) -> None:
    for submission in batch:
        if not submission.future.done():
            submission.future.set_exception(error)


_writers: dict[asyncio.AbstractEventLoop, SubmissionWriter] = {}


def _writer() -> SubmissionWriter:
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None or writer.task.done():
        for stale in [other for other in _writers if other.is_closed()]:
            del _writers[stale]
        writer = _writers[loop] = SubmissionWriter()
    return writer


async def store_submission(
    survey: Survey,
    answers: Answers,
    *,
    locale: str,
    channel: str | None,
    token: str,
    today: date | None = None,
) -> Stored:
    """Store one submission and return its receipt, once it is committed."""
    submission = prepare(survey, answers, locale=locale, channel=channel, token=token, today=today)
    submission.future = asyncio.get_running_loop().create_future()
    _writer().queue.put_nowait(submission)
    # Shielded: a respondent who gives up waiting does not undo a write already queued.
    return await asyncio.shield(submission.future)


async def stop_writer() -> None:
    """Finish what is queued and stop this loop's writer (application shutdown)."""
    writer = _writers.pop(asyncio.get_running_loop(), None)
    if writer is None:
        await close_connections()
        return
    await writer.queue.join()
    writer.task.cancel()
    await close_connections()
