"""Respondent pages for the questionnaires: /<locale>/surveys/<slug>."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from chorus.pages import LocaleParam, require_locale
from chorus.ratelimit import client_address
from surveys.definition import Survey
from surveys.flow import advance, start
from surveys.formdata import read_form
from surveys.registry import get_survey


def survey_or_404(slug: FromPath[str], kind: FromPath[str] = "survey") -> Survey:
    survey = get_survey(slug)
    if survey is None or survey.kind != kind:
        raise NotFoundException()
    return survey


class SurveyPagesController(Controller):
    path = "/{locale:str}/surveys/{slug:str}"
    include_in_schema = False

    @get()
    async def first_page(
        self, locale: LocaleParam, slug: FromPath[str], c: FromQuery[str | None] = None
    ) -> Template:
        require_locale(locale)
        return await start(survey_or_404(slug), f"/{locale}/surveys/{slug}", c)

    @post(status_code=200)
    async def next_page(
        self, request: Request[Any, Any, Any], locale: LocaleParam, slug: FromPath[str]
    ) -> Template:
        code = require_locale(locale)
        survey = survey_or_404(slug)
        form = await read_form(request)
        return await advance(
            survey,
            f"/{locale}/surveys/{slug}",
            form,
            locale=code,
            address=client_address(request.scope),
        )
