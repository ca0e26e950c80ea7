"""Schemathesis against the served OpenAPI document: every operation, schema-valid and
schema-invalid input, random and real path parameters; no 5xx, and every response (status,
body) is one the document promises.

Deterministic: Hypothesis is derandomized and keeps no example database, so CI sees the same
cases on every run. Failures are collected across all operations (nothing stops at the first
one) and reported together, each with a curl command that reproduces it.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from tests.proof.answers import valid_answers

try:
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )
except ModuleNotFoundError:  # the test extra lacks it: fail these tests, not the collection
    schemathesis = None
    POSITIVE, NEGATIVE = "positive", "negative"
    CHECKS: list[Any] = []
else:
    POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
    CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
#: Examples per (operation, generation mode, path-parameter source). Operations with nothing
#: to vary (GET /healthz) produce one case; the total is asserted below.
EXAMPLES = {POSITIVE: 70, NEGATIVE: 35}
#: Reports are computed on every call: fewer, still both kinds.
REPORT_EXAMPLES = {POSITIVE: 40, NEGATIVE: 20}
VALID_EXAMPLES = 60
ANONYMOUS_EXAMPLES = 20
#: Operations for managers only: fuzzed with an API token of the "reports" scope, and without.
MANAGERS_ONLY = "/api/v1/reports/"
MIN_CASES = 1000
#: Generated text contains every plane of Unicode; these bound the report, not the input.
REPORT_CHARS = 1500


@dataclass
class Findings:
    cases: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    failures: dict[tuple[str, int, str], str] = field(default_factory=dict)

    def record(self, label: str, status: int) -> None:
        self.cases[label] += 1
        self.statuses.setdefault(label, Counter())[status] += 1

    def fail(self, label: str, status: int, error: BaseException) -> None:
        failures = getattr(error, "exceptions", None) or (error,)
        titles = ", ".join(sorted({getattr(f, "title", type(f).__name__) for f in failures}))
        # One reproduction per operation, status and kind of failure.
        self.failures.setdefault((label, status, titles), str(error)[:REPORT_CHARS])

    def report(self) -> str:
        lines = []
        for (label, status, titles), detail in sorted(self.failures.items()):
            lines.append(f"--- {label} -> {status}: {titles}\n{detail}")
        return "\n".join(lines)


@pytest.fixture(autouse=True)
def _schemathesis_installed() -> None:
    if schemathesis is None:
        pytest.fail("schemathesis is not installed: it belongs in pyproject's test extra")


@pytest.fixture
def generous_limits() -> Iterator[None]:
    """Rate limits high enough that fuzzing never meets one (429 is tested elsewhere).

    And a connection pool: schemathesis runs the app's lifespan and every request in one event
    loop of its own, so the pool the lifespan opens (and closes when this test ends) serves
    them all; without one every PostgreSQL query opens a connection."""
    from chorus.ratelimit import reset_limiter
    from chorus.settings import get_settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHORUS_SUBMIT_LIMIT", "1000000")
        patch.setenv("CHORUS_RECEIPT_LIMIT", "1000000")
        patch.setenv("CHORUS_DB_POOL_SIZE", "4")
        get_settings.cache_clear()
        reset_limiter()
        yield
    get_settings.cache_clear()
    reset_limiter()


def _fresh_receipts(schema: Any, count: int = 4) -> list[str]:
    """Real receipt codes (concern reports), so receipt operations reach their 200 paths.

    Made through schemathesis' own ASGI transport: a second client running the app's lifespan
    (Litestar's TestClient) would leave schemathesis a lifespan it cannot shut down.
    """
    send = schema["/api/v1/feedback/{kind}"]["POST"]
    codes = []
    for n in range(count):
        case = send.Case(
            path_parameters={"kind": "concern"},
            body={"answers": {"category": "noise_traffic", "area": "old_town"}},
        )
        answer = case.call()
        assert answer.status_code == 201, answer.text
        code = answer.json()["receipt"]
        # As typed by people: grouped, lower case, run together.
        codes.append([code, code.lower(), code.replace("-", "")][n % 3])
    return codes


#: The submission operations (DESIGN.md's stable interface) and the questionnaire kinds each
#: takes, by the name of the path parameter that selects the questionnaire.
SUBMISSIONS = {
    "/api/v1/surveys/{slug}/responses": ("slug", ("survey",)),
    "/api/v1/feedback/{kind}": ("kind", ("concern", "experience")),
}


def _valid_submission(operation: Any) -> st.SearchStrategy[Any]:
    """A whole, valid submission for a real questionnaire: reaches the 201 path."""
    from surveys.registry import surveys_of_kind

    parameter, kinds = SUBMISSIONS[operation.path]
    surveys = sorted(
        (s for kind in kinds for s in surveys_of_kind(kind)), key=lambda survey: survey.slug
    )

    def for_survey(survey: Any) -> st.SearchStrategy[Any]:
        return valid_answers(survey).flatmap(
            lambda answers: operation.as_strategy(
                generation_mode=POSITIVE,
                path_parameters={parameter: survey.slug},
                body={"answers": answers, "locale": "en"},
            )
        )

    return st.sampled_from(surveys).flatmap(for_survey)


Source = tuple[str, st.SearchStrategy[Any], int]


def _sources(operation: Any, schema: Any, token: str) -> list[Source]:
    """What to generate for one operation: schema-valid and schema-invalid input with
    generated path parameters, the same with real ones (a questionnaire, a receipt), whole
    valid submissions, and for the managers' reports the same with and without a token."""
    from surveys.registry import surveys_of_kind

    sources: list[Source] = []
    headers = None
    budget = EXAMPLES
    if operation.path.startswith(MANAGERS_ONLY):
        budget = REPORT_EXAMPLES
        # Without a token every answer must be a documented refusal.
        strategy = operation.as_strategy(generation_mode=POSITIVE)
        sources.append(("anonymous", strategy, ANONYMOUS_EXAMPLES))
        headers = {"Authorization": f"Bearer {token}"}

    def both(label: str, paths: st.SearchStrategy[Any] | None) -> list[Source]:
        out = []
        for mode, examples in budget.items():
            if paths is None:
                strategy = operation.as_strategy(generation_mode=mode, headers=headers)
            else:
                strategy = paths.flatmap(
                    lambda fixed, mode=mode: operation.as_strategy(
                        generation_mode=mode, path_parameters=fixed, headers=headers
                    )
                )
            out.append((f"{label} {mode}", strategy, examples))
        return out

    names = {p.name for p in operation.path_parameters}
    sources += both("generated", None)
    if "slug" in names:
        slugs = sorted(s.slug for s in surveys_of_kind("survey"))
        sources += both("real slug", st.sampled_from(slugs).map(lambda s: {"slug": s}))
    if "code" in names:
        codes = _fresh_receipts(schema)
        sources += both("real receipt", st.sampled_from(codes).map(lambda c: {"code": c}))
    if operation.method.upper() == "POST" and operation.path in SUBMISSIONS:
        sources.append(("valid submission", _valid_submission(operation), VALID_EXAMPLES))
    return sources


def _run(operation: Any, strategy: st.SearchStrategy[Any], examples: int, found: Findings) -> None:
    from chorus.ratelimit import reset_limiter

    label = operation.label

    @given(case=strategy)
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    def run(case: Any) -> None:
        # The per-code-prefix lookup limit is fixed (10 an hour): start each case afresh so
        # real receipts keep answering 200 rather than 429.
        reset_limiter()
        response = case.call()
        found.record(label, response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseException as error:  # FailureGroup is a BaseExceptionGroup
            if isinstance(error, KeyboardInterrupt):
                raise
            found.fail(label, response.status_code, error)

    # Unsatisfiable: nothing in this operation can be made invalid (no parameters, no body).
    with contextlib.suppress(Unsatisfiable):
        run()


@pytest.fixture
async def report_token(db: None) -> str:
    from chorus.tokens import create_token

    token, _ = await create_token("fuzzing", "reports", "tests@proof.example")
    return token


def test_every_operation_survives_fuzzing_and_matches_its_schema(
    app: Any, db: None, generous_limits: None, report_token: str
) -> None:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    found = Findings()
    labels = []
    takes_input = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        if operation.body or any(True for _ in operation.iter_parameters()):
            takes_input.add(operation.label)
        for _source, strategy, examples in _sources(operation, schema, report_token):
            _run(operation, strategy, examples, found)

    summary = json.dumps(
        {label: dict(found.statuses.get(label, {})) for label in labels}, sort_keys=True
    )
    print(f"schemathesis: {sum(found.cases.values())} cases over {len(labels)} operations")
    print(summary)
    assert len(labels) >= 8, labels
    assert not found.failures, (
        f"{len(found.failures)} distinct failure(s) over {sum(found.cases.values())} cases:\n"
        + found.report()
    )
    assert sum(found.cases.values()) >= MIN_CASES, summary
    # Every operation was called; those that take input, many times.
    for label in labels:
        assert found.cases[label] >= (50 if label in takes_input else 1), (label, summary)
    # And the fuzzing reached the success paths, not only the 4xx ones.
    reached = {label: set(found.statuses[label]) for label in labels}
    for label, statuses in reached.items():
        assert statuses & {200, 201, 204}, f"{label} never succeeded: {statuses}"


@pytest.fixture
def tight_limits() -> Iterator[None]:
    from chorus.ratelimit import reset_limiter
    from chorus.settings import get_settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHORUS_SUBMIT_LIMIT", "1")
        patch.setenv("CHORUS_RECEIPT_LIMIT", "1")
        get_settings.cache_clear()
        reset_limiter()
        yield
    get_settings.cache_clear()
    reset_limiter()


def test_refusals_fuzzing_rarely_reaches_are_documented(
    app: Any, db: None, tight_limits: None
) -> None:
    """Statuses every client can meet but random input seldom produces: a body over the size
    limit (413) on every operation that takes one, and a rate limit (429) on every operation
    that counts one. Each must be in the document, with a body of the documented shape."""
    from chorus.settings import get_settings

    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    found = Findings()
    too_big = "x" * (get_settings().max_body_bytes + 1)
    cases = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(MANAGERS_ONLY):
            continue
        fixed = {p.name: "concern" for p in operation.path_parameters if p.name == "kind"}
        fixed |= {p.name: "worker-voice" for p in operation.path_parameters if p.name == "slug"}
        fixed |= {
            p.name: "ABCDE-FGHJK-MNPQR-STVWX" for p in operation.path_parameters if p.name == "code"
        }
        if operation.body:
            cases.append((operation, {"path_parameters": fixed, "body": {"text": too_big}}))
        # The second call meets the limit (submissions: 1 an hour; lookups: 1 an hour).
        if operation.path in SUBMISSIONS and operation.method.upper() == "POST":
            body = (
                {"answers": {"confidence": "tend_agree"}}
                if "slug" in fixed
                else {"answers": {"category": "noise_traffic", "area": "old_town"}}
            )
            cases += [(operation, {"path_parameters": fixed, "body": body})] * 2
        elif "code" in fixed:
            extra = {"body": {"text": "More."}} if operation.body else {}
            cases += [(operation, {"path_parameters": fixed, **extra})] * 2
    statuses = []
    for operation, kwargs in cases:
        case = operation.Case(**kwargs)
        response = case.call()
        statuses.append((operation.label, response.status_code))
        found.record(operation.label, response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            found.fail(operation.label, response.status_code, error)
    assert {status for _, status in statuses} >= {413, 429}, statuses
    assert not found.failures, found.report()
