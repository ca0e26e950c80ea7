"""The shell's own routes: the root redirect, each language's start page, safety advice, health."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from chorus.challenge import new_challenge
from chorus.database import DatabaseUnavailable, ping
from chorus.settings import get_settings
from locales.i18n import current_locale, from_url_code, negotiate, url_code

LocaleParam = Annotated[str, PathParameter(description="A locale code such as en, ro or pt-BR.")]


def require_locale(locale: str) -> str:
    """The enabled locale named by a URL prefix, or a (translated) 404."""
    found = from_url_code(locale, get_settings().locales)
    if found is None:
        raise NotFoundException()
    return found


@dataclass(frozen=True, slots=True)
class HomeEntry:
    href: str
    title: str
    description: str


def _home_entries(locale: str) -> list[HomeEntry]:
    # Imported here: the survey and feedback packages build on the shell, not the reverse.
    from feedback.forms import home_entries as feedback_entries
    from surveys.pages import home_entries as survey_entries

    return [*survey_entries(locale), *feedback_entries(locale)]


class PagesController(Controller):
    include_in_schema = False

    @get("/", sync_to_thread=False)
    def root(self, request: Request[Any, Any, Any]) -> Redirect:
        settings = get_settings()
        locale = negotiate(
            request.headers.get("accept-language"), settings.locales, settings.default_locale
        )
        return Redirect(
            f"/{url_code(locale)}/", status_code=302, headers={"Vary": "Accept-Language"}
        )

    @get("/{locale:str}", sync_to_thread=False)
    def home(self, locale: LocaleParam) -> Template:
        code = require_locale(locale)
        return Template("home.html", context={"entries": _home_entries(code)})

    @get("/{locale:str}/safety", sync_to_thread=False)
    def safety(self, locale: LocaleParam) -> Template:
        require_locale(locale)
        return Template("safety.html")


class ChallengeOut(msgspec.Struct):
    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str


class ChallengeController(Controller):
    @get(
        "/api/v1/challenge",
        summary="A proof-of-work challenge (ALTCHA-style) to solve before submitting",
        description=(
            "Find the number n (0 to maxnumber) for which SHA-256(salt + n) equals challenge, "
            "then send base64(JSON {algorithm, challenge, number, salt, signature}) as `pow`. "
            "Required for API submissions when the deployment turns proof of work on."
        ),
        tags=["surveys"],
        sync_to_thread=False,
    )
    def challenge(self) -> ChallengeOut:
        issued = new_challenge()
        return ChallengeOut(
            issued.algorithm, issued.challenge, issued.maxnumber, issued.salt, issued.signature
        )


class HealthController(Controller):
    @get(
        "/healthz",
        summary="Whether the service and its database answer",
        responses={
            503: ResponseSpec(
                dict[str, str],
                description='{"status": "unavailable"}: the database does not answer',
            )
        },
    )
    async def healthz(self) -> Response[dict[str, str]]:
        try:
            await ping()
        except DatabaseUnavailable:
            return Response({"status": "unavailable"}, status_code=HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"status": "ok"})


__all__ = [
    "ChallengeController",
    "HealthController",
    "PagesController",
    "current_locale",
    "require_locale",
]
