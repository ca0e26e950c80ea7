"""The managers' inbox: reports and free text, filtered, paged and read one by one.

Plain async functions over the tables, no HTTP types. An item is one response: every concern
and experience report, and every survey response with free text. Status, tags and replies
(feedback.inbox_actions) belong to its receipt: a response stored without one, as some demo
data is, is listed but cannot be tagged or answered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from feedback.tables import FeedbackTag, Message, Receipt, StatusChange
from surveys.tables import Answer, Response

PAGE_SIZE = 50
KINDS = ("survey", "concern", "experience")
STATUSES = ("received", "read", "answered", "acted_on")
SENTIMENTS = ("positive", "negative", "neutral")
#: The answer that says what a report is about: the concern's category, the contact's kind.
TOPIC_QUESTIONS = ("category", "contact_kind")


@dataclass(frozen=True, slots=True)
class InboxFilter:
    kind: str | None = None
    category: str | None = None
    area: str | None = None
    locale: str | None = None
    sentiment: str | None = None
    status: str | None = None
    tag: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    def query(self) -> list[tuple[str, str]]:
        """The filter as query-string pairs (for links that keep it), page left out."""
        pairs = [
            ("kind", self.kind),
            ("category", self.category),
            ("area", self.area),
            ("language", self.locale),
            ("sentiment", self.sentiment),
            ("status", self.status),
            ("tag", self.tag),
            ("from", self.date_from.isoformat() if self.date_from else None),
            ("to", self.date_to.isoformat() if self.date_to else None),
        ]
        return [(key, value) for key, value in pairs if value]


def filter_from(
    query: Mapping[str, str],
    *,
    categories: Iterable[str],
    areas: Iterable[str],
    locales: Iterable[str],
) -> InboxFilter:
    """A filter from a GET form; a value that is not one of the offered ones is ignored."""

    def pick(name: str, allowed: Iterable[str]) -> str | None:
        value = (query.get(name) or "").strip()
        return value if value in set(allowed) else None

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat((query.get(name) or "").strip()[:10])
        except ValueError:
            return None

    try:
        page = max(1, min(int(query.get("page") or "1"), 100_000))
    except ValueError:
        page = 1
    tag = (query.get("tag") or "").strip()[:40] or None
    return InboxFilter(
        kind=pick("kind", KINDS),
        category=pick("category", categories),
        area=pick("area", areas),
        locale=pick("language", locales),
        sentiment=pick("sentiment", SENTIMENTS),
        status=pick("status", STATUSES),
        tag=tag,
        date_from=day("from"),
        date_to=day("to"),
        page=page,
    )


def _has_text() -> Any:
    # Text purged under the retention policy is "" (chorus.retention): not free text any more.
    return Answer.text.is_not_null() & (Answer.text != "")


def _with_text() -> Any:
    return Answer.select(Answer.response).where(_has_text())


def where(wanted: InboxFilter) -> list[Any]:
    clauses: list[Any] = [(Response.kind != "survey") | Response.id.is_in(_with_text())]
    if wanted.kind:
        clauses.append(Response.kind == wanted.kind)
    if wanted.category:
        clauses.append(
            Response.id.is_in(
                Answer.select(Answer.response).where(
                    Answer.question.is_in(list(TOPIC_QUESTIONS)) & (Answer.value == wanted.category)
                )
            )
        )
    if wanted.area:
        clauses.append(Response.area == wanted.area)
    if wanted.locale:
        clauses.append(Response.locale == wanted.locale)
    if wanted.sentiment:
        clauses.append(
            Response.id.is_in(
                Answer.select(Answer.response).where(Answer.sentiment == wanted.sentiment)
            )
        )
    if wanted.status:
        clauses.append(
            Response.receipt.is_in(
                Receipt.select(Receipt.id).where(Receipt.status == wanted.status)
            )
        )
    if wanted.tag:
        clauses.append(
            Response.receipt.is_in(
                FeedbackTag.select(FeedbackTag.receipt).where(FeedbackTag.name == wanted.tag)
            )
        )
    if wanted.date_from:
        clauses.append(Response.day >= wanted.date_from)
    if wanted.date_to:
        clauses.append(Response.day <= wanted.date_to)
    return clauses


@dataclass(frozen=True, slots=True)
class ItemSummary:
    response_id: UUID
    receipt_id: UUID | None
    kind: str
    survey: str
    topic: str | None
    area: str | None
    locale: str
    sentiment: str | None
    status: str | None
    day: date
    excerpt: str | None
    tags: list[str]


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: list[ItemSummary]
    total: int
    page: int
    pages: int


ITEM_COLUMNS = (
    Response.id,
    Response.kind,
    Response.survey,
    Response.area,
    Response.locale,
    Response.day,
    Response.receipt.id.as_alias("receipt_id"),
    Response.receipt.status.as_alias("status"),
)


def present(values: Iterable[Any]) -> list[Any]:
    return [value for value in values if value is not None]


async def texts_of(response_ids: Sequence[Any]) -> dict[Any, list[dict[str, Any]]]:
    found: dict[Any, list[dict[str, Any]]] = {}
    if not response_ids:
        return found
    rows = await Answer.select(
        Answer.response, Answer.question, Answer.text, Answer.sentiment, Answer.phrases
    ).where(Answer.response.is_in(list(response_ids)) & _has_text())
    for row in rows:
        found.setdefault(row["response"], []).append(row)
    return found


async def topics_of(response_ids: Sequence[Any]) -> dict[Any, str]:
    if not response_ids:
        return {}
    rows = await Answer.select(Answer.response, Answer.value).where(
        Answer.response.is_in(list(response_ids)) & Answer.question.is_in(list(TOPIC_QUESTIONS))
    )
    return {row["response"]: row["value"] for row in rows}


async def _tags(receipt_ids: Sequence[Any]) -> dict[Any, list[str]]:
    found: dict[Any, list[str]] = {}
    if not receipt_ids:
        return found
    rows = await FeedbackTag.select(FeedbackTag.receipt, FeedbackTag.name).where(
        FeedbackTag.receipt.is_in(list(receipt_ids))
    )
    for row in rows:
        found.setdefault(row["receipt"], []).append(row["name"])
    return {key: sorted(names) for key, names in found.items()}


def _excerpt(text: str | None, length: int = 160) -> str | None:
    if text is None:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


async def _summaries(rows: list[dict[str, Any]]) -> list[ItemSummary]:
    response_ids = [row["id"] for row in rows]
    texts = await texts_of(response_ids)
    topics = await topics_of(response_ids)
    tags = await _tags(present(row["receipt_id"] for row in rows))
    items = []
    for row in rows:
        written = texts.get(row["id"])
        first = written[0] if written else None
        items.append(
            ItemSummary(
                response_id=row["id"],
                receipt_id=row["receipt_id"],
                kind=row["kind"],
                survey=row["survey"],
                topic=topics.get(row["id"]),
                area=row["area"],
                locale=row["locale"],
                sentiment=first["sentiment"] if first else None,
                status=row["status"],
                day=row["day"],
                excerpt=_excerpt(first["text"]) if first else None,
                tags=tags.get(row["receipt_id"], []),
            )
        )
    return items


async def list_items(wanted: InboxFilter) -> InboxPage:
    clauses = where(wanted)
    total = int(await Response.count().where(*clauses))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(wanted.page, pages)
    rows = (
        await Response.select(*ITEM_COLUMNS)
        .where(*clauses)
        .order_by(Response.day, ascending=False)
        .order_by(Response.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return InboxPage(items=await _summaries(rows), total=total, page=page, pages=pages)


async def status_counts() -> dict[str, int]:
    """How many inbox items are in each status (the console's "what is new")."""
    counts = {}
    for status in STATUSES:
        counts[status] = int(await Response.count().where(*where(InboxFilter(status=status))))
    return counts


async def messages_of(receipt_ids: Sequence[Any]) -> dict[Any, list[dict[str, Any]]]:
    found: dict[Any, list[dict[str, Any]]] = {}
    if not receipt_ids:
        return found
    rows = (
        await Message.select(Message.receipt, Message.author, Message.body, Message.day)
        .where(Message.receipt.is_in(list(receipt_ids)))
        .order_by(Message.day)
    )
    for row in rows:
        found.setdefault(row["receipt"], []).append(row)
    return found


@dataclass(frozen=True, slots=True)
class TextAnswer:
    question: str
    text: str
    sentiment: str | None
    phrases: list[str]


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    author: str
    body: str
    day: date


@dataclass(frozen=True, slots=True)
class ItemDetail:
    summary: ItemSummary
    work_setting: str | None
    channel: str | None
    reply_allowed: bool
    choices: dict[str, list[str]]  # question id -> chosen option values
    texts: list[TextAnswer]
    messages: list[ThreadMessage]
    history: list[tuple[str, date]] = field(default_factory=list)

    @property
    def can_reply(self) -> bool:
        return self.summary.receipt_id is not None and self.reply_allowed


async def get_item(response_id: UUID) -> ItemDetail | None:
    row = (
        await Response.select(
            *ITEM_COLUMNS,
            Response.work_setting,
            Response.channel,
            Response.receipt.reply_allowed.as_alias("reply_allowed"),
        )
        .where(Response.id == response_id, *where(InboxFilter()))
        .first()
    )
    if row is None:
        return None
    (summary,) = await _summaries([row])
    answers = await Answer.select(
        Answer.question, Answer.value, Answer.text, Answer.sentiment, Answer.phrases
    ).where(Answer.response == response_id)
    choices: dict[str, list[str]] = {}
    texts = []
    for answer in answers:
        if answer["text"]:
            texts.append(
                TextAnswer(
                    answer["question"],
                    answer["text"],
                    answer["sentiment"],
                    _phrases(answer["phrases"]),
                )
            )
        elif answer["value"] is not None and answer["text"] is None:
            choices.setdefault(answer["question"], []).append(answer["value"])
    receipt_id = row["receipt_id"]
    messages: list[ThreadMessage] = []
    history: list[tuple[str, date]] = []
    if receipt_id is not None:
        thread = await messages_of([receipt_id])
        messages = [
            ThreadMessage(m["author"], m["body"], m["day"]) for m in thread.get(receipt_id, [])
        ]
        changes = (
            await StatusChange.select(StatusChange.status, StatusChange.day)
            .where(StatusChange.receipt == receipt_id)
            .order_by(StatusChange.day)
        )
        history = [(change["status"], change["day"]) for change in changes]
    return ItemDetail(
        summary=summary,
        work_setting=row["work_setting"],
        channel=row["channel"],
        reply_allowed=bool(row["reply_allowed"]),
        choices=choices,
        texts=texts,
        messages=messages,
        history=history,
    )


def _phrases(raw: str | None) -> list[str]:
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return [str(item) for item in value] if isinstance(value, list) else []
