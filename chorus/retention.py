"""The retention policy, applied by `chorus purge` (daily): what has been kept long enough is
deleted, and every published figure stays the same.

What goes, by the coarse day each row carries:

- Free text older than CHORUS_TEXT_RETENTION_DAYS: each answer's text is emptied (set to "",
  not NULL) and its key phrases deleted. The answer row stays with its sentiment, polarity and
  `scored` flag, so the free-text figures (how much was written, what share could be scored,
  how negative) do not move, and a later withdrawal or roll-up rebuild, which count answers
  whose text IS NOT NULL, still counts it. Messages (follow-ups and replies) of that age are
  deleted.
- Receipts older than CHORUS_RECEIPT_RETENTION_DAYS: the response is first detached from its
  receipt (Response.receipt is set to NULL; the response and its answers stay and keep being
  counted), then the receipt is deleted with its messages, tags and status history. The code
  then answers "not found", exactly as a code that never existed. How fast the deleted concern
  receipts were answered is added to feedback.tables.ArchivedReplyDelay first (month and days
  to the first reply, counts only), so the concern report's response times stay the same.
- Raw responses older than CHORUS_RESPONSE_RETENTION_DAYS (0, the default, keeps them): the
  response and its answers are deleted. Reports read the roll-up tables (surveys.rollups),
  which are not touched, so published figures stay; only the inbox and a roll-up rebuild lose
  them.
- Manager sessions past their timeouts.

Then, on PostgreSQL, the respondents' rows of the recent days are rewritten so that the heap no
longer keeps the order in which they arrived (chorus.arrival_order): every day from a week
before the previous purge on (a week: with ISO-week coarsening a week's rows all carry its
Monday), so each run covers what arrived since the last one, whenever that was; every day when
no purge has run yet. The previous purge is the last "purge" entry in the audit trail, which
is written only when a purge has finished, so a run that failed is made up for by the next.

Every step is idempotent: running it twice, or from two hosts at once, deletes nothing more.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any

from chorus.arrival_order import forget_arrival_order
from chorus.audit import SYSTEM, record
from chorus.coarse_time import coarse_today, period_of
from chorus.sessions import purge_expired
from chorus.settings import get_settings

PURGED_TEXT = ""

#: Days before the previous purge's date from which rows are rewritten again: covers rows
#: that arrived later on that day, and (ISO-week coarsening) rows dated that week's Monday.
REORDER_OVERLAP_DAYS = 7


@dataclass(frozen=True, slots=True)
class PurgeResult:
    texts: int
    messages: int
    receipts: int
    responses: int
    sessions: int
    reordered: int  # respondents' rows rewritten out of arrival order (PostgreSQL)

    def summary(self) -> str:
        return (
            f"texts={self.texts} messages={self.messages} receipts={self.receipts} "
            f"responses={self.responses} sessions={self.sessions} reordered={self.reordered}"
        )


async def _archive_reply_delays(receipts: list[dict[str, Any]]) -> None:
    """Keep how fast the deleted concern receipts were answered (feedback.tables.
    ArchivedReplyDelay), in the purge's transaction: the public figure counts receipts, and
    must not change when old ones go. Withdrawn ones were never counted."""
    from feedback.tables import NEVER_ANSWERED, ArchivedReplyDelay
    from reports.concerns import CONCERN_SURVEY

    counts: Counter[tuple[str, int]] = Counter()
    for receipt in receipts:
        if receipt["kind"] != CONCERN_SURVEY or receipt["status"] == "withdrawn":
            continue
        day = receipt["day"]
        if not isinstance(day, date):  # SQLite may hand RETURNING's date back as text
            day = date.fromisoformat(str(day))
        delay = receipt["reply_days"]
        counts[(period_of(day), NEVER_ANSWERED if delay is None else int(delay))] += 1
    table = ArchivedReplyDelay._meta.tablename
    for (period, delay), n in sorted(counts.items()):
        await ArchivedReplyDelay.raw(
            f"INSERT INTO {table} (key, period, delay, n) VALUES ({{}}, {{}}, {{}}, {{}}) "  # noqa: S608
            f"ON CONFLICT (key) DO UPDATE SET n = {table}.n + excluded.n",
            f"{period}|{delay}",
            period,
            delay,
            n,
        )


async def previous_purge_day() -> date | None:
    """The (UTC) date of the last purge that finished, from the audit trail."""
    from chorus.tables import AuditEntry

    last = (
        await AuditEntry.select(AuditEntry.at)
        .where(AuditEntry.action == "purge")
        .order_by(AuditEntry.at, ascending=False)
        .first()
    )
    return None if last is None else last["at"].astimezone(UTC).date()


def reorder_since(previous: date | None) -> date | None:
    """The first coarse day to rewrite out of arrival order; None for every day."""
    return None if previous is None else previous - timedelta(days=REORDER_OVERLAP_DAYS)


async def purge(today: date | None = None) -> PurgeResult:
    from feedback.tables import Message, Receipt
    from surveys.tables import Answer, Response

    settings = get_settings()
    day = today or coarse_today()
    text_cutoff = day - timedelta(days=settings.text_retention_days)
    receipt_cutoff = day - timedelta(days=settings.receipt_retention_days)

    async with Answer._meta.db.transaction():
        old_texts = (
            Answer.text.is_not_null()
            & (Answer.text != PURGED_TEXT)
            & Answer.response.is_in(Response.select(Response.id).where(Response.day < text_cutoff))
        )
        texts = int(await Answer.count().where(old_texts))
        if texts:
            await Answer.update({Answer.text: PURGED_TEXT, Answer.phrases: None}).where(old_texts)

        messages = int(await Message.count().where(Message.day < text_cutoff))
        if messages:
            await Message.delete().where(Message.day < text_cutoff)

        old_receipts = Receipt.select(Receipt.id).where(Receipt.day < receipt_cutoff)
        receipts = int(await Receipt.count().where(Receipt.day < receipt_cutoff))
        if receipts:
            # Detach first: Response.receipt cascades, and the responses must stay counted.
            await Response.update({Response.receipt: None}).where(
                Response.receipt.is_in(old_receipts)
            )
            # RETURNING: exactly the receipts this run deleted go into the archive, so two
            # runs at once (two hosts) cannot both count the same ones.
            deleted = await Receipt.raw(
                f"DELETE FROM {Receipt._meta.tablename} WHERE day < {{}} "  # noqa: S608 - our name
                "RETURNING kind, status, day, reply_days",
                receipt_cutoff,
            )
            receipts = len(deleted)
            await _archive_reply_delays(deleted)

        responses = 0
        if settings.response_retention_days > 0:
            response_cutoff = day - timedelta(days=settings.response_retention_days)
            old_responses = Response.select(Response.id).where(Response.day < response_cutoff)
            responses = int(await Response.count().where(Response.day < response_cutoff))
            if responses:
                await Answer.delete().where(Answer.response.is_in(old_responses))
                await Response.delete().where(Response.day < response_cutoff)

    sessions = await purge_expired()
    # After the deletions, so that nothing about to go is rewritten first.
    reordered = await forget_arrival_order(reorder_since(await previous_purge_day()))
    result = PurgeResult(
        texts=texts,
        messages=messages,
        receipts=receipts,
        responses=responses,
        sessions=sessions,
        reordered=reordered,
    )
    await record(SYSTEM, "purge", detail=result.summary())
    return result
