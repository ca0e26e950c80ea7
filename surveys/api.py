"""JSON API for questionnaires: definitions in a language, and submissions with a receipt."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from chorus.api_errors import ErrorBody, FieldErrors
from chorus.challenge import verify_solution
from chorus.channels import resolve_channel
from chorus.errors import RateLimited
from chorus.ratelimit import client_address, get_limiter
from chorus.settings import get_settings
from feedback.receipts import format_code
from locales.i18n import _, current_locale, from_url_code, pgettext
from surveys.definition import Survey
from surveys.forms import FieldError, check_all, options_for
from surveys.registry import get_survey, surveys_of_kind
from surveys.storage import store_submission


class OptionOut(msgspec.Struct):
    value: str
    label: str


class ConditionOut(msgspec.Struct):
    question: str
    any_of: list[str]


class QuestionOut(msgspec.Struct):
    id: str
    kind: FromPath[str]
    text: str
    required: bool
    options: list[OptionOut]
    hint: str | None = None
    max_length: int | None = None
    show_if: ConditionOut | None = None


class PageOut(msgspec.Struct):
    title: str
    questions: list[QuestionOut]


class SurveyOut(msgspec.Struct):
    slug: FromPath[str]
    kind: FromPath[str]
    group: str
    version: str
    locale: str
    title: str
    intro: str
    pages: list[PageOut]


class SurveySummary(msgspec.Struct):
    slug: FromPath[str]
    kind: FromPath[str]
    group: str
    version: str
    title: str


Answer = (
    Annotated[str, msgspec.Meta(max_length=4000)]
    | list[Annotated[str, msgspec.Meta(max_length=40)]]
)


class SubmissionIn(msgspec.Struct, forbid_unknown_fields=True):
    answers: Annotated[
        dict[Annotated[str, msgspec.Meta(max_length=40)], Answer], msgspec.Meta(max_length=100)
    ]
    locale: Annotated[str, msgspec.Meta(max_length=16)] = "en"
    channel: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    #: Send the same id again (a retry after a lost connection) and get the same receipt,
    #: with nothing stored twice.
    submission_id: Annotated[str, msgspec.Meta(min_length=8, max_length=64)] | None = None
    #: A solved /api/v1/challenge, required when the deployment turns proof of work on.
    pow: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class ReceiptOut(msgspec.Struct):
    receipt: str


LocaleQuery = Annotated[
    str,
    QueryParameter(name="locale", description="en, ro, bg, hu, pl, pt-BR, es, th, zh-Hans or ar"),
]

ERROR_RESPONSES = {
    404: ResponseSpec(ErrorBody, description="No such survey"),
    413: ResponseSpec(ErrorBody, description="The body is larger than the service accepts"),
    422: ResponseSpec(ErrorBody, description="Field errors, translated"),
    429: ResponseSpec(ErrorBody, description="Too many submissions; see Retry-After"),
}
LANGUAGE_RESPONSES = {422: ResponseSpec(ErrorBody, description="Unknown language")}


@contextmanager
def speaking(locale: str) -> Iterator[str]:
    """Messages in the language the client asked for (the URL has no locale prefix)."""
    found = from_url_code(locale, get_settings().locales)
    if found is None:
        raise FieldErrors(_("Unknown language."), {"locale": _("Unknown language.")})
    token = current_locale.set(found)
    try:
        yield found
    finally:
        current_locale.reset(token)


def translated(survey: Survey, locale: str) -> SurveyOut:
    def question(q: Any) -> QuestionOut:
        return QuestionOut(
            id=q.id,
            kind=q.kind,
            text=pgettext(q.context, q.text),
            required=q.required,
            hint=pgettext(q.context, q.hint) if q.hint else None,
            max_length=q.max_length,
            options=[
                OptionOut(o.value, o.label if o.context == "area" else pgettext(o.context, o.label))
                for o in options_for(q)
            ],
            show_if=ConditionOut(q.show_if.question, sorted(q.show_if.any_of))
            if q.show_if
            else None,
        )

    return SurveyOut(
        slug=survey.slug,
        kind=survey.kind,
        group=survey.group,
        version=survey.version,
        locale=locale,
        title=pgettext(survey.context, survey.title),
        intro=pgettext(survey.context, survey.intro),
        pages=[
            PageOut(pgettext(survey.page_context(), p.title), [question(q) for q in p.questions])
            for p in survey.pages
        ],
    )


async def submit(survey: Survey, data: JSONBody[SubmissionIn], address: str | None) -> ReceiptOut:
    """Check and store one whole submission; shared by the survey and feedback APIs."""
    with speaking(data.locale) as locale:
        answers, errors = check_all(survey, data.answers)
        if get_settings().proof_of_work and not await verify_solution(data.pow):
            errors.append(
                FieldError("pow", _("Solve a new challenge from /api/v1/challenge and try again."))
            )
        if errors:
            raise FieldErrors(
                _("Some answers need attention."), {e.question: e.message for e in errors}
            )
        limiter = get_limiter()
        verdict = await limiter.check(
            "submit",
            await limiter.address_key(address),
            get_settings().submit_limit_per_hour,
            3600,
        )
        if not verdict.allowed:
            raise RateLimited(verdict.retry_after)
        token = f"api:{survey.slug}:{data.submission_id or secrets.token_urlsafe(24)}"
        stored = await store_submission(
            survey, answers, locale=locale, channel=await resolve_channel(data.channel), token=token
        )
    return ReceiptOut(receipt=format_code(stored.code))


class SurveyApiController(Controller):
    path = "/api/v1/surveys"
    tags = ["surveys"]  # noqa: RUF012 - Litestar declares it as an instance attribute

    @get(
        summary="The questionnaires on offer",
        responses=LANGUAGE_RESPONSES,
        sync_to_thread=False,
    )
    def list_surveys(self, locale: LocaleQuery = "en") -> list[SurveySummary]:
        with speaking(locale):
            return [
                SurveySummary(s.slug, s.kind, s.group, s.version, pgettext(s.context, s.title))
                for s in surveys_of_kind("survey")
            ]

    @get(
        "/{slug:str}",
        summary="One questionnaire, translated",
        responses=ERROR_RESPONSES,
        sync_to_thread=False,
    )
    def definition(self, slug: FromPath[str], locale: LocaleQuery = "en") -> SurveyOut:
        survey = get_survey(slug)
        if survey is None or survey.kind != "survey":
            raise NotFoundException()
        with speaking(locale) as code:
            return translated(survey, code)

    @post(
        "/{slug:str}/responses",
        summary="Submit a whole response; answers 201 with the receipt code",
        responses=ERROR_RESPONSES,
    )
    async def respond(
        self, request: Request[Any, Any, Any], slug: FromPath[str], data: JSONBody[SubmissionIn]
    ) -> ReceiptOut:
        survey = get_survey(slug)
        if survey is None or survey.kind != "survey":
            raise NotFoundException()
        return await submit(survey, data, client_address(request.scope))
