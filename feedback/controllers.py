"""Respondent pages for reports and receipts: /<locale>/feedback/<kind> and /<locale>/receipt."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from chorus.coarse_time import coarse_today
from chorus.errors import RateLimited
from chorus.pages import LocaleParam, require_locale
from chorus.ratelimit import client_address
from feedback.lookup import LookupRefused, check_lookup_allowed
from feedback.pipeline import clean, process_text
from feedback.receipts import (
    MAX_FOLLOW_UP,
    add_follow_up,
    find_receipt,
    format_code,
    normalize_code,
    withdraw,
)
from locales.i18n import _
from surveys.controllers import survey_or_404
from surveys.flow import advance, start
from surveys.formdata import read_form
from surveys.forms import too_long


class FeedbackPagesController(Controller):
    path = "/{locale:str}/feedback/{kind:str}"
    include_in_schema = False

    @get()
    async def form(
        self, locale: LocaleParam, kind: FromPath[str], c: FromQuery[str | None] = None
    ) -> Template:
        require_locale(locale)
        return await start(survey_or_404(kind, kind), f"/{locale}/feedback/{kind}", c)

    @post(status_code=200)
    async def send(
        self, request: Request[Any, Any, Any], locale: LocaleParam, kind: FromPath[str]
    ) -> Template:
        code = require_locale(locale)
        survey = survey_or_404(kind, kind)
        form = await read_form(request)
        return await advance(
            survey,
            f"/{locale}/feedback/{kind}",
            form,
            locale=code,
            address=client_address(request.scope),
        )


def _lookup_page(*, error: str | None = None, typed: str = "", status: int = 200) -> Template:
    return Template(
        "receipt_lookup.html", context={"error": error, "typed": typed}, status_code=status
    )


class ReceiptPagesController(Controller):
    path = "/{locale:str}/receipt"
    include_in_schema = False

    @get(sync_to_thread=False)
    def lookup_form(self, locale: LocaleParam) -> Template:
        require_locale(locale)
        return _lookup_page()

    @post(status_code=200)
    async def act(self, request: Request[Any, Any, Any], locale: LocaleParam) -> Template:
        """Look up a receipt, and with action=follow_up or action=withdraw act on it."""
        require_locale(locale)
        form = await read_form(request)
        typed = (form.get("code") or [""])[0]
        try:
            await check_lookup_allowed(typed, client_address(request.scope))
        except LookupRefused as refused:
            raise RateLimited(refused.retry_after) from None
        code = normalize_code(typed)
        receipt = await find_receipt(code) if code else None
        if receipt is None:
            # The same answer whether or not such a code ever existed.
            return _lookup_page(
                error=_(
                    "We could not find that receipt code. Check it and try again. "
                    "Codes have 20 letters and numbers."
                ),
                typed=typed[:64],
                status=404,
            )
        action = (form.get("action") or ["show"])[0]
        notice = None
        error = None
        error_field = None
        if action == "follow_up" and not receipt.withdrawn:
            text = clean((form.get("text") or [""])[0])
            error_field = "text"
            if not text:
                error = _("Please write something to add.")
            elif len(text) > MAX_FOLLOW_UP:
                error = too_long(len(text), MAX_FOLLOW_UP)
            else:
                await add_follow_up(receipt, process_text(text, locale).text, coarse_today())
                notice = _("Thank you. We have added this to what you sent.")
        elif action == "withdraw" and not receipt.withdrawn:
            if (form.get("confirm") or [""])[0] != "yes":
                error_field = "confirm"
                error = _("Tick the box to confirm that you want to withdraw.")
            else:
                await withdraw(receipt)
                notice = _("What you sent has been deleted for good.")
        receipt = await find_receipt(code) if code else None
        assert receipt is not None
        return Template(
            "receipt.html",
            context={
                "receipt": receipt,
                "code": format_code(code or ""),
                "notice": notice,
                "error": error,
                "error_field": error_field if error else None,
                "max_follow_up": MAX_FOLLOW_UP,
            },
            status_code=422 if error else 200,
        )
