"""Tables owned by feedback: receipts and the messages exchanged through them."""

from __future__ import annotations

from piccolo.columns import UUID, Boolean, Date, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class Receipt(Table):
    """What a respondent's receipt code opens. The code itself is never stored: only a keyed
    hash to find it, and a keyed hash of the one-time submission token that created it."""

    id = UUID(primary_key=True)
    code_hash = Varchar(length=64, unique=True)  # the unique constraint is its index
    token_hash = Varchar(length=64, unique=True)
    kind = Varchar(length=16)  # survey | concern | experience
    status = Varchar(length=16, default="received")  # received|read|answered|acted_on|withdrawn
    reply_allowed = Boolean(default=False)
    locale = Varchar(length=16)
    day = Date()  # coarsened: the day, or the Monday of the ISO week
    # Days from `day` to staff's first reply (both coarse), kept here as well as in Message so
    # the public "how fast were concerns answered" figure counts one index, not every message
    # (reports/concerns.py `_response_times`). Empty until someone replies.
    reply_days = Integer(null=True, default=None)


class Message(Table):
    """A follow-up from the respondent or a reply from staff, read through the receipt."""

    id = UUID(primary_key=True)
    receipt = ForeignKey(references=Receipt, on_delete=OnDelete.cascade, index=True)
    author = Varchar(length=16)  # respondent | staff
    body = Text()
    day = Date()


class FeedbackTag(Table):
    """A manager's label on what was sent under a receipt ("housing", "follow up")."""

    id = UUID(primary_key=True)
    receipt = ForeignKey(references=Receipt, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=40)


class StatusChange(Table):
    """One step in a receipt's status history. The day only, and no actor: who changed it is
    in the audit trail, which respondent data never joins."""

    id = UUID(primary_key=True)
    receipt = ForeignKey(references=Receipt, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=16)
    day = Date()


class Update(Table):
    """A "you said, we did" update: title and body per locale (JSON objects keyed by locale,
    English required), tied to a concern category or a theme."""

    id = UUID(primary_key=True)
    category = Varchar(length=40)
    titles = Text()
    bodies = Text()
    published = Boolean(default=False)
    published_day = Date(null=True, default=None)


class ArchivedReplyDelay(Table):
    """How fast concerns were answered, for the concern receipts that the retention purge has
    deleted: per month (of the receipt's day) and days to staff's first reply (NEVER_ANSWERED
    when none came), how many. reports/concerns.py adds these to the receipts still stored,
    so the figure does not change when old receipts go (chorus/retention.py)."""

    key = Varchar(length=32, unique=True)  # "period|delay": the upsert target
    period = Varchar(length=7, index=True)
    delay = Integer()
    n = Integer(default=0)


#: `ArchivedReplyDelay.delay` of concerns that staff never answered (NULLs would never
#: conflict in the upsert).
NEVER_ANSWERED = -1
