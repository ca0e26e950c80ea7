"""JSON API for reports and receipts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from chorus.api_errors import ErrorBody, FieldErrors
from chorus.coarse_time import coarse_today
from chorus.errors import RateLimited
from chorus.ratelimit import client_address
from feedback.lookup import LookupRefused, check_lookup_allowed
from feedback.pipeline import clean, process_text
from feedback.receipts import (
    MAX_FOLLOW_UP,
    ReceiptView,
    add_follow_up,
    find_receipt,
    normalize_code,
    withdraw,
)
from locales.i18n import _, current_locale
from surveys.api import ERROR_RESPONSES, ReceiptOut, SubmissionIn, submit
from surveys.forms import too_long
from surveys.registry import get_survey


class MessageOut(msgspec.Struct):
    author: Literal["respondent", "staff"]
    body: str
    day: date


class ReceiptStatusOut(msgspec.Struct):
    kind: FromPath[str]
    status: Literal["received", "read", "answered", "acted_on", "withdrawn"]
    day: date
    reply_allowed: bool
    messages: list[MessageOut]


class FollowUpIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(max_length=8000)]


class FollowUpOut(msgspec.Struct):
    status: Literal["added"]


RECEIPT_RESPONSES = {
    404: ResponseSpec(ErrorBody, description="No such receipt (the same for any wrong code)"),
    413: ResponseSpec(ErrorBody, description="The body is larger than the service accepts"),
    422: ResponseSpec(ErrorBody, description="Field errors, translated"),
    429: ResponseSpec(ErrorBody, description="Too many lookups; see Retry-After"),
}


class FeedbackApiController(Controller):
    path = "/api/v1/feedback"
    tags = ["feedback"]  # noqa: RUF012 - Litestar declares it as an instance attribute

    @post(
        "/{kind:str}",
        summary="Send a concern or experience report; answers 201 with the receipt code",
        responses=ERROR_RESPONSES,
    )
    async def send(
        self,
        request: Request[Any, Any, Any],
        kind: FromPath[Literal["concern", "experience"]],
        data: JSONBody[SubmissionIn],
    ) -> ReceiptOut:
        survey = get_survey(kind)
        if survey is None or survey.kind != kind:
            raise NotFoundException()
        return await submit(survey, data, client_address(request.scope))


async def _receipt(request: Request[Any, Any, Any], code: str) -> ReceiptView:
    try:
        await check_lookup_allowed(code, client_address(request.scope))
    except LookupRefused as refused:
        raise RateLimited(refused.retry_after) from None
    normal = normalize_code(code)
    receipt = await find_receipt(normal) if normal else None
    if receipt is None:
        raise NotFoundException()
    return receipt


def _status(receipt: ReceiptView) -> ReceiptStatusOut:
    return ReceiptStatusOut(
        kind=receipt.kind,
        status=receipt.status,  # type: ignore[arg-type]
        day=receipt.day,
        reply_allowed=receipt.reply_allowed,
        messages=[MessageOut(m.author, m.body, m.day) for m in receipt.messages],  # type: ignore[arg-type]
    )


class ReceiptApiController(Controller):
    path = "/api/v1/receipts/{code:str}"
    tags = ["receipts"]  # noqa: RUF012 - Litestar declares it as an instance attribute

    @get(
        summary="Status and messages of what was sent under a receipt", responses=RECEIPT_RESPONSES
    )
    async def show(self, request: Request[Any, Any, Any], code: FromPath[str]) -> ReceiptStatusOut:
        return _status(await _receipt(request, code))

    @post(
        "/follow-ups",
        summary="Add to what was sent",
        responses=RECEIPT_RESPONSES,
    )
    async def follow_up(
        self, request: Request[Any, Any, Any], code: FromPath[str], data: JSONBody[FollowUpIn]
    ) -> FollowUpOut:
        receipt = await _receipt(request, code)
        text = clean(data.text)
        if receipt.withdrawn:
            raise FieldErrors(
                _("What you sent was withdrawn."), {"text": _("What you sent was withdrawn.")}
            )
        if not text:
            raise FieldErrors(
                _("Please write something to add."), {"text": _("Please write something to add.")}
            )
        if len(text) > MAX_FOLLOW_UP:
            message = too_long(len(text), MAX_FOLLOW_UP)
            raise FieldErrors(message, {"text": message})
        await add_follow_up(receipt, process_text(text, current_locale.get()).text, coarse_today())
        return FollowUpOut(status="added")

    @delete(
        summary="Withdraw: delete everything sent under this receipt, for good",
        responses=RECEIPT_RESPONSES,
    )
    async def withdraw_all(self, request: Request[Any, Any, Any], code: FromPath[str]) -> None:
        receipt = await _receipt(request, code)
        if not receipt.withdrawn:
            await withdraw(receipt)
