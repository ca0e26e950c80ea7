"""The respondent's way through a questionnaire's pages, with no JavaScript and no cookie."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litestar.response import Template

from chorus.challenge import verify_solution
from chorus.channels import resolve_channel
from chorus.ratelimit import get_limiter
from chorus.settings import get_settings
from feedback.receipts import format_code
from locales.i18n import _
from surveys.definition import Survey
from surveys.forms import Answers, FieldError, check_page, in_danger, options_for, prune_hidden
from surveys.state import FormState, StateError, dump_state, load_state
from surveys.storage import store_submission


def problem_page(title: str, detail: str, status: int, restart: str | None) -> Template:
    return Template(
        "problem.html",
        context={"title": title, "detail": detail, "restart": restart},
        status_code=status,
    )


def _render_page(
    survey: Survey,
    state: FormState,
    action: str,
    *,
    errors: Sequence[FieldError] = (),
    raw: Mapping[str, Sequence[str]] | None = None,
    status: int = 200,
) -> Template:
    visible = survey.visible_pages(state.answers)
    page = survey.pages[state.page]
    questions = page.visible_questions(state.answers)
    values: dict[str, Any] = dict(state.answers)
    if raw is not None:
        # Show what was typed, even when it was wrong, so nothing has to be typed again.
        for question in questions:
            given = [v for v in raw.get(question.id, ()) if v]
            if question.kind == "multiple":
                values[question.id] = given
            else:
                values[question.id] = given[0] if given else None
    position = visible.index(state.page) if state.page in visible else 0
    return Template(
        "survey_page.html",
        context={
            "survey": survey,
            "page": page,
            "questions": questions,
            "values": values,
            "errors": list(errors),
            "error_for": {error.question: error.message for error in errors},
            "options_for": options_for,
            "page_number": position + 1,
            "page_total": max(len(visible), position + 1),
            "last_page": state.page == visible[-1] if visible else True,
            "state": dump_state(survey.slug, state),
            "proof_of_work": get_settings().proof_of_work,
            "action": action,
        },
        status_code=status,
    )


async def start(survey: Survey, action: str, channel: str | None) -> Template:
    # The channel of the link, checked once here and then carried, signed, in the form.
    state = FormState(channel=await resolve_channel(channel))
    visible = survey.visible_pages(state.answers)
    state.page = visible[0] if visible else 0
    return _render_page(survey, state, action)


def _restart_problem(action: str) -> Template:
    return problem_page(
        _("This form has expired or was changed"),
        _("Nothing was saved. For your safety, forms expire after a few hours. Start again."),
        400,
        action,
    )


async def advance(
    survey: Survey,
    action: str,
    form: Mapping[str, Sequence[str]],
    *,
    locale: str,
    address: str | None,
) -> Template:
    """Handle one page's POST: go back, show errors, go on, or store and thank."""
    raw_state = form.get("state", [""])
    try:
        state = load_state(survey.slug, raw_state[0] if len(raw_state) == 1 else None)
    except StateError:
        return _restart_problem(action)
    if not 0 <= state.page < len(survey.pages):
        return _restart_problem(action)
    if any(value for value in form.get("website", ())):
        # The honeypot: people never see this field, so only a robot fills it.
        return problem_page(
            _("We could not accept this form"),
            _("Nothing was saved. Please leave the hidden field empty and try again."),
            400,
            action,
        )
    wants_back = form.get("action", ["next"])[0] == "back"
    page = survey.pages[state.page]
    questions = page.visible_questions(state.answers)
    page_answers, errors = check_page(questions, form)
    merged: Answers = {
        k: v for k, v in state.answers.items() if k not in {q.id for q in page.questions}
    }
    merged.update(page_answers)
    state.answers = prune_hidden(survey, merged)
    visible = survey.visible_pages(state.answers)
    if wants_back:
        earlier = [i for i in visible if i < state.page]
        state.page = earlier[-1] if earlier else state.page
        return _render_page(survey, state, action)
    if errors:
        return _render_page(survey, state, action, errors=errors, raw=form, status=422)
    later = [i for i in visible if i > state.page]
    if later:
        state.page = later[0]
        return _render_page(survey, state, action)
    settings = get_settings()
    solution = (form.get("pow") or [""])[0]
    if settings.proof_of_work and solution and not await verify_solution(solution):
        # Only browsers with JavaScript send one; without it the form still works.
        return problem_page(
            _("We could not accept this form"),
            _("Nothing was saved. Please send the form again."),
            400,
            action,
        )
    limiter = get_limiter()
    verdict = await limiter.check(
        "submit",
        await limiter.address_key(address),
        get_settings().submit_limit_per_hour,
        3600,
    )
    if not verdict.allowed:
        from chorus.errors import RateLimited

        raise RateLimited(verdict.retry_after)
    stored = await store_submission(
        survey, state.answers, locale=locale, channel=state.channel, token=state.token
    )
    return thanks(survey, stored.code, in_danger(survey, state.answers, locale))


def thanks(survey: Survey, code: str, danger: bool) -> Template:
    return Template(
        "thanks.html",
        context={
            "survey": survey,
            "code": format_code(code),
            "danger": danger,
            "contacts": get_settings().support_contacts,
        },
    )
