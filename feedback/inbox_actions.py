"""What a manager does to inbox items: set their status, tag them, reply through the receipt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from feedback.inbox import get_item
from feedback.pipeline import clean
from feedback.tables import FeedbackTag, Message, Receipt, StatusChange
from surveys.tables import Response

MAX_REPLY = 4000
MAX_TAG = 40
#: What a manager may set by hand; "answered" is also set by replying.
SETTABLE = ("read", "answered", "acted_on")


class ReplyRefused(Exception):
    """The respondent did not allow replies, or there is no receipt to reply through."""


async def _receipts_of(response_ids: Sequence[UUID]) -> dict[UUID, UUID]:
    if not response_ids:
        return {}
    rows = await Response.select(Response.id, Response.receipt).where(
        Response.id.is_in(list(response_ids)) & Response.receipt.is_not_null()
    )
    return {row["id"]: row["receipt"] for row in rows}


async def set_status(response_ids: Sequence[UUID], status: str, day: date) -> list[UUID]:
    """Set the status of these items' receipts; returns the items whose status changed."""
    if status not in SETTABLE:
        raise ValueError(f"status {status!r} cannot be set by hand")
    receipts = await _receipts_of(response_ids)
    if not receipts:
        return []
    current = await Receipt.select(Receipt.id, Receipt.status).where(
        Receipt.id.is_in(list(receipts.values()))
    )
    changing = {row["id"] for row in current if row["status"] not in (status, "withdrawn")}
    if not changing:
        return []
    async with Receipt._meta.db.transaction():
        await Receipt.update({Receipt.status: status}).where(Receipt.id.is_in(list(changing)))
        await StatusChange.insert(
            *[StatusChange(receipt=receipt, status=status, day=day) for receipt in changing]
        )
    return [response for response, receipt in receipts.items() if receipt in changing]


def normalize_tag(raw: str) -> str:
    return " ".join(clean(raw).lower().split())[:MAX_TAG]


async def add_tag(response_id: UUID, raw: str) -> str | None:
    """Tag an item; returns the tag as stored, or None when there was nothing to tag."""
    name = normalize_tag(raw)
    receipt = (await _receipts_of([response_id])).get(response_id)
    if not name or receipt is None:
        return None
    exists = await FeedbackTag.exists().where(
        (FeedbackTag.receipt == receipt) & (FeedbackTag.name == name)
    )
    if not exists:
        await FeedbackTag.insert(FeedbackTag(receipt=receipt, name=name))
    return name


async def remove_tag(response_id: UUID, name: str) -> bool:
    receipt = (await _receipts_of([response_id])).get(response_id)
    if receipt is None:
        return False
    await FeedbackTag.delete().where((FeedbackTag.receipt == receipt) & (FeedbackTag.name == name))
    return True


async def known_tags() -> list[str]:
    rows = await FeedbackTag.select(FeedbackTag.name).distinct().order_by(FeedbackTag.name)
    return [row["name"] for row in rows]


async def reply(response_id: UUID, body: str, day: date) -> None:
    """A staff reply, read by the respondent through their receipt; the status becomes
    "answered" (unless it was already "acted on"). Refused unless they allowed replies."""
    text = clean(body)[:MAX_REPLY]
    if not text:
        raise ValueError("empty reply")
    item = await get_item(response_id)
    if item is None or not item.can_reply or item.summary.receipt_id is None:
        raise ReplyRefused()
    receipt = item.summary.receipt_id
    async with Receipt._meta.db.transaction():
        await Message.insert(Message(receipt=receipt, author="staff", body=text, day=day))
        opened = await Receipt.select(Receipt.day).where(Receipt.id == receipt).first()
        if opened is not None:
            # Only the first reply counts; "IS NULL" keeps a concurrent second reply from
            # overwriting it (it waits for this row, then finds it set).
            days = max(0, (day - opened["day"]).days)
            await Receipt.update({Receipt.reply_days: days}).where(
                (Receipt.id == receipt) & Receipt.reply_days.is_null()
            )
        if item.summary.status not in ("answered", "acted_on"):
            await Receipt.update({Receipt.status: "answered"}).where(Receipt.id == receipt)
            await StatusChange.insert(StatusChange(receipt=receipt, status="answered", day=day))
