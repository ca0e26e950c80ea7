"""Receipt codes: made, read aloud, looked up, followed up and withdrawn (surveys and reports)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date
from typing import Any

from chorus.settings import get_settings
from feedback.tables import Message, Receipt

# Crockford's base 32: no I, L, O or U, so a code read aloud or copied by hand survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 20 x 5 bits = 100 bits of randomness
GROUP = 5
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})

STATUSES = ("received", "read", "answered", "acted_on", "withdrawn")
MAX_FOLLOW_UP = 2000


def _mac(purpose: bytes, value: str) -> bytes:
    return hmac.new(get_settings().secret_key, purpose + b"\0" + value.encode(), "sha256").digest()


def code_for_token(token: str) -> str:
    """The receipt code for a submission token: the same token always gives the same code, so
    a repeated submit shows the same receipt without the code ever being stored."""
    number = int.from_bytes(_mac(b"receipt-code", token)[:13], "big") >> 4  # 100 bits
    chars = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def format_code(code: str) -> str:
    """Grouped for reading aloud: ABCDE-FGHJK-MNPQR-STVWX."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalize_code(raw: str) -> str | None:
    """The canonical code from what someone typed, or None when it cannot be one."""
    if len(raw) > 64:
        return None
    cleaned = "".join(ch for ch in raw.upper() if ch not in " -_.\t\n\r").translate(_LOOK_ALIKES)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(code: str) -> str:
    return _mac(b"receipt-lookup", code).hex()


def token_hash(token: str) -> str:
    return _mac(b"submission-token", token).hex()


@dataclass(frozen=True, slots=True)
class MessageView:
    author: str
    body: str
    day: date


@dataclass(frozen=True, slots=True)
class ReceiptView:
    id: Any
    kind: str
    status: str
    day: date
    reply_allowed: bool
    messages: list[MessageView]

    @property
    def withdrawn(self) -> bool:
        return self.status == "withdrawn"


async def find_receipt(code: str) -> ReceiptView | None:
    """The receipt for a normalised code, or None; the same answer for a code that never
    existed and one that was purged."""
    wanted = code_hash(code)
    rows = await Receipt.select().where(Receipt.code_hash == wanted).first()
    if rows is None or not hmac.compare_digest(str(rows["code_hash"]), wanted):
        return None
    messages = (
        await Message.select(Message.author, Message.body, Message.day)
        .where(Message.receipt == rows["id"])
        .order_by(Message.day)
    )
    return ReceiptView(
        id=rows["id"],
        kind=rows["kind"],
        status=rows["status"],
        day=rows["day"],
        reply_allowed=bool(rows["reply_allowed"]),
        messages=[MessageView(m["author"], m["body"], m["day"]) for m in messages],
    )


async def add_follow_up(receipt: ReceiptView, body: str, day: date) -> None:
    await Message.insert(Message(receipt=receipt.id, author="respondent", body=body, day=day))


async def withdraw(receipt: ReceiptView) -> None:
    """Delete everything said under this receipt for good. The receipt row stays, emptied, so
    the code answers "withdrawn" and a replayed submission cannot store the response again."""
    from surveys.bulk import write_transaction
    from surveys.rollups import uncount
    from surveys.tables import Response

    # Table names are ours, values are parameters: nothing here comes from a request.
    responses, messages, receipts = (
        Response._meta.tablename,
        Message._meta.tablename,
        Receipt._meta.tablename,
    )
    select_ids = f"SELECT id FROM {responses} WHERE receipt = ?"  # noqa: S608
    delete_responses = f"DELETE FROM {responses} WHERE receipt = ?"  # noqa: S608
    delete_messages = f"DELETE FROM {messages} WHERE receipt = ?"  # noqa: S608
    empty_receipt = f"UPDATE {receipts} SET status = ?, reply_allowed = ? WHERE id = ?"  # noqa: S608
    async with write_transaction() as tx:
        ids = [row[0] for row in await tx.fetch(select_ids, receipt.id)]
        # Later reports no longer count them: the roll-ups lose them in the same transaction.
        increments = await uncount(tx, ids)
        await increments.apply(tx)
        # Answers go with their response (ON DELETE CASCADE).
        await tx.execute(delete_responses, receipt.id)
        await tx.execute(delete_messages, receipt.id)
        await tx.execute(empty_receipt, "withdrawn", False, receipt.id)
