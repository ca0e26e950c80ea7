"""Hypothesis against the HTML form posts (a questionnaire, a concern report, the receipt page):
arbitrary field names and values, valid, used, tampered, expired, cross-survey and forged page
states, huge bodies and odd encodings. Never a 5xx, and the database changes only when a
whole submission was accepted (the thank-you page with a receipt) or a receipt action
succeeded; after every rejected input (a 4xx, or a 200 re-rendering a page) it is unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from tests.conftest import state_of
from tests.proof.pages import walk
from tests.surveys.walk import RECEIPT, answers_for

EXAMPLES = 150
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
FORM = "application/x-www-form-urlencoded"
CONTENT_TYPES = st.sampled_from(
    [
        *[FORM] * 24,
        f"{FORM}; charset=utf-8",
        FORM.upper(),
        "multipart/form-data; boundary=zz",
        "text/plain",
        "application/json",
        "",
    ]
)
CONTROL_NAMES = ["state", "action", "website", "pow", "code", "text", "confirm", "c", "locale"]
CONTROL_VALUES = ["next", "back", "show", "follow_up", "withdraw", "yes", "no", ""]
ODD_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("\x00\u202e\ufeff"),
    max_size=80,
)


def _huge(draw: st.DrawFn) -> str:
    char = draw(st.sampled_from(["x", "é", "🙂", "\u202e", "%", "&", "="]))
    return char * draw(st.integers(2_000, 80_000))


@st.composite
def field_values(draw: st.DrawFn, known: list[str]) -> str:
    kind = draw(st.sampled_from(["known", "known", "control", "text"]))
    if kind == "known" and known:
        return draw(st.sampled_from(known))
    if kind == "control":
        return draw(st.sampled_from(CONTROL_VALUES))
    return draw(ODD_TEXT)


@st.composite
def field_names(draw: st.DrawFn, known: list[str]) -> str:
    kind = draw(st.sampled_from(["known", "known", "control", "text"]))
    if kind == "known" and known:
        return draw(st.sampled_from(known))
    if kind == "control":
        return draw(st.sampled_from(CONTROL_NAMES))
    return draw(ODD_TEXT)


@st.composite
def bodies(draw: st.DrawFn, pairs: list[tuple[str, str]]) -> bytes:
    """The fields, encoded correctly or not."""
    encoding = draw(
        st.sampled_from(
            [*["form"] * 10, "raw", "bad_escape", "latin1", "many_fields", "huge", "huge"]
        )
    )
    if encoding == "huge":
        # A value near or over the body limit (64 KiB by default): 413, or a field error.
        name = draw(st.sampled_from([name for name, _ in pairs] or ["text"]))
        pairs = [*pairs, (name, _huge(draw))]
    if encoding == "raw":
        return draw(st.binary(max_size=3000))
    if encoding == "latin1":
        return "&".join(f"{k}={v}" for k, v in pairs).encode("latin-1", "replace")
    if encoding == "many_fields":
        return urlencode([*pairs, *((f"f{n}", "x") for n in range(400))]).encode()
    body = urlencode(pairs).encode()
    if encoding == "bad_escape":
        at = draw(st.integers(0, len(body)))
        junk = draw(st.sampled_from([b"%ff", b"%C3%28", b"%zz", b"%", b"\xff\xfe", b"%ED%A0%80"]))
        return body[:at] + junk + body[at:]
    return body


async def database_state() -> dict[str, int]:
    """tests.conftest.row_counts() and the report roll-ups' totals, in one query."""
    from feedback.tables import Message, Receipt
    from surveys.tables import Answer, AnswerCount, Response, TextCount, TrustScore

    counted = {"receipt": Receipt, "message": Message, "response": Response, "answer": Answer}
    summed = {"answer_count": AnswerCount, "trust_score": TrustScore, "text_count": TextCount}
    parts = [f"(SELECT COUNT(*) FROM {t._meta.tablename}) AS {k}" for k, t in counted.items()]
    parts += [
        f"(SELECT COALESCE(SUM(n), 0) FROM {t._meta.tablename}) AS {k}" for k, t in summed.items()
    ]
    rows = await Receipt.raw("SELECT " + ", ".join(parts))
    return {key: int(value) for key, value in rows[0].items()}


@dataclass
class Counts:
    client: TestClient[Any]

    def now(self) -> dict[str, int]:
        return dict(self.client.blocking_portal.call(database_state))


@pytest.fixture
def browser(app: Any, db: None) -> Iterator[TestClient[Any]]:
    """A client without JavaScript; rate limits out of the way (429s would hide the rest),
    the per-code-prefix lookup limit cleared before each example. The client's lifespan opens
    a connection pool in its own event loop, where the row counts run too."""
    from chorus.ratelimit import reset_limiter
    from chorus.settings import get_settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHORUS_SUBMIT_LIMIT", "1000000")
        patch.setenv("CHORUS_RECEIPT_LIMIT", "1000000")
        patch.setenv("CHORUS_DB_POOL_SIZE", "4")
        get_settings.cache_clear()
        reset_limiter()
        with TestClient(app=app, base_url="http://testserver.local") as client:
            yield client
    get_settings.cache_clear()
    reset_limiter()


def _get(client: TestClient[Any]) -> Any:
    def get(path: str) -> tuple[int, str]:
        response = client.get(path)
        return response.status_code, response.text

    return get


def _post(client: TestClient[Any]) -> Any:
    def post(path: str, data: dict[str, object]) -> tuple[int, str]:
        response = client.post(path, data=data)
        return response.status_code, response.text

    return post


def _send(client: TestClient[Any], path: str, body: bytes, content_type: str) -> Any:
    headers = {"Content-Type": content_type} if content_type else {}
    return client.post(path, content=body, headers=headers)


def _assert_unchanged(before: dict[str, int], after: dict[str, int], response: Any) -> None:
    assert after == before, (
        f"the database changed after a rejected input ({response.status_code}): "
        f"{before} -> {after}\n{response.text[:1500]}"
    )


# --- questionnaires -----------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyMaterial:
    path: str
    slug: str
    states: list[str]  # every page's state from a finished walk (its token is used)
    page_answers: list[dict[str, Any]]  # what a person would answer on each page
    names: list[str]
    values: list[str]
    other_state: str  # a valid state of another questionnaire


def _material(client: TestClient[Any], path: str, other: str) -> SurveyMaterial:
    from surveys.forms import options_for
    from surveys.registry import get_survey

    slug = path.rsplit("/", 1)[1]
    survey = get_survey(slug)
    assert survey is not None
    done = walk(_get(client), _post(client), path)
    other_page = client.get(other)
    assert other_page.status_code == 200
    return SurveyMaterial(
        path=path,
        slug=slug,
        states=[state_of(html) for html in done.pages],
        page_answers=[answers_for(html, "Fuzzed words.") for html in done.pages],
        names=sorted(survey.questions),
        values=sorted({o.value for q in survey.questions.values() for o in options_for(q)}),
        other_state=state_of(other_page.text),
    )


def _resigned(slug: str, raw: str, *, token: str, age: int = 0, page: int | None = None) -> str:
    """A state the server could have issued: the same answers, a new token (so it can still
    be submitted), optionally issued long ago or pointing at another page."""
    from surveys.state import dump_state, load_state

    state = load_state(slug, raw)
    state.token = token
    if page is not None:
        state.page = page
    if not age:
        return dump_state(slug, state)
    with mock.patch("itsdangerous.timed.time.time", return_value=time.time() - age):
        return dump_state(slug, state)


@st.composite
def near_valid_survey_posts(draw: st.DrawFn, material: SurveyMaterial) -> tuple[bytes, str]:
    """What a person sends on some page (the last one half the time), slightly changed."""
    last = len(material.states) - 1
    index = draw(st.sampled_from([last, draw(st.integers(0, last))]))
    token = f"fuzz-{draw(st.integers(0, 10**12))}"
    fields = dict(material.page_answers[index])
    on_page = sorted(fields) or material.names
    for name in draw(st.lists(st.sampled_from(on_page), max_size=2, unique=True)):
        fields[name] = draw(field_values(material.values))
    pairs = [(k, str(v)) for k, v in fields.items()]
    pairs += [
        ("state", _resigned(material.slug, material.states[index], token=token)),
        ("action", draw(st.sampled_from(["next", "next", "back"]))),
    ]
    if draw(st.booleans()):
        pairs.append(("website", draw(st.sampled_from(["", "http://spam.example"]))))
    return urlencode(draw(st.permutations(pairs))).encode(), FORM


@st.composite
def survey_posts(draw: st.DrawFn, material: SurveyMaterial) -> tuple[bytes, str]:
    index = draw(st.integers(0, len(material.states) - 1))
    valid = material.states[index]
    kind = draw(
        st.sampled_from(
            [
                "fresh",
                "fresh",
                "fresh",
                "used",
                "expired",
                "other_page",
                "tampered",
                "other_survey",
                "forged",
                "missing",
                "twice",
            ]
        )
    )
    token = f"fuzz-{draw(st.integers(0, 10**12))}"
    state: list[str] = []
    if kind == "fresh":
        state = [_resigned(material.slug, valid, token=token)]
    elif kind == "used":
        state = [valid]
    elif kind == "expired":
        state = [_resigned(material.slug, valid, token=token, age=7 * 24 * 3600)]
    elif kind == "other_page":
        page = draw(st.integers(-3, 12) | st.integers(-(2**40), 2**40))
        state = [_resigned(material.slug, valid, token=token, page=page)]
    elif kind == "tampered":
        at = draw(st.integers(0, len(valid) - 1))
        char = draw(st.sampled_from("AZaz09-_.="))
        state = [valid[:at] + char + valid[at + 1 :] if valid[at] != char else valid + char]
    elif kind == "other_survey":
        state = [material.other_state]
    elif kind == "forged":
        state = [draw(ODD_TEXT | st.text("ABCDEFabcdef0123456789-_.", min_size=20, max_size=200))]
    elif kind == "twice":
        state = [valid, valid]
    pairs = [("state", value) for value in state]
    if draw(st.booleans()):
        # Start from what a person would send on that page, then change some of it.
        pairs += [(k, str(v)) for k, v in material.page_answers[index].items()]
        pairs.append(("action", draw(st.sampled_from(["next", "next", "back", "other"]))))
    extra = st.tuples(field_names(material.names), field_values(material.values + material.names))
    pairs += draw(st.lists(extra, max_size=8))
    pairs = draw(st.permutations(pairs))
    return draw(bodies(pairs)), draw(CONTENT_TYPES)


@pytest.mark.parametrize(
    ("path", "other"),
    [
        ("/en/surveys/worker-voice", "/en/feedback/concern"),
        ("/en/feedback/concern", "/en/surveys/worker-voice"),
    ],
)
def test_questionnaire_posts(browser: TestClient[Any], path: str, other: str) -> None:
    material = _material(browser, path, other)
    counts = Counts(browser)
    seen: dict[str, int] = {}

    @given(post=near_valid_survey_posts(material) | survey_posts(material))
    @FUZZ_SETTINGS
    def run(post: tuple[bytes, str]) -> None:
        from chorus.ratelimit import reset_limiter

        reset_limiter()
        body, content_type = post
        before = counts.now()
        response = _send(browser, material.path, body, content_type)
        after = counts.now()
        status = response.status_code
        seen[str(status)] = seen.get(str(status), 0) + 1
        assert status < 500, f"{status}\n{response.text[:1500]}"
        receipt = RECEIPT.search(response.text) if status == 200 else None
        if receipt is None:
            _assert_unchanged(before, after, response)
            return
        # Accepted: one whole submission at most (a replayed token stores nothing).
        delta = {key: after[key] - before[key] for key in after}
        assert delta["receipt"] in (0, 1), delta
        assert delta["response"] == delta["receipt"], delta
        assert delta["message"] == 0, delta
        if delta["receipt"] == 0:
            assert not any(delta.values()), delta
        else:
            assert delta["answer"] >= 1 and delta["answer_count"] >= 1, delta
            seen["stored"] = seen.get("stored", 0) + 1

    run()
    print(f"{path}: statuses {dict(sorted(seen.items()))}")
    # The fuzzing reached every kind of answer, not only the refusals.
    assert {"200", "400", "422", "stored"} <= set(seen), seen


# --- the receipt page ---------------------------------------------------------------------

ADDED = "Thank you. We have added this to what you sent."
DELETED = "What you sent has been deleted for good."
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _receipts(client: TestClient[Any], count: int = 6) -> list[str]:
    codes = []
    for n in range(count):
        if n % 2:
            sent = client.post(
                "/api/v1/feedback/concern",
                json={"answers": {"category": "noise_traffic", "area": "old_town"}},
            )
            assert sent.status_code == 201, sent.text
            codes.append(sent.json()["receipt"])
        else:
            done = walk(_get(client), _post(client), "/en/surveys/worker-voice")
            codes.append(done.receipt)
    return codes


@st.composite
def receipt_posts(draw: st.DrawFn, codes: list[str]) -> tuple[bytes, str]:
    code_kind = draw(st.sampled_from(["real", "real", "real", "shaped", "text", "none", "huge"]))
    pairs: list[tuple[str, str]] = []
    if code_kind == "real":
        code = draw(st.sampled_from(codes))
        style = draw(st.sampled_from(["as_given", "lower", "compact", "spaced", "lookalike"]))
        code = {
            "as_given": code,
            "lower": code.lower(),
            "compact": code.replace("-", ""),
            "spaced": code.replace("-", " "),
            "lookalike": code.replace("0", "O").replace("1", "l"),
        }[style]
        pairs.append(("code", code))
    elif code_kind == "shaped":
        pairs.append(("code", draw(st.text(CROCKFORD, min_size=20, max_size=20))))
    elif code_kind == "text":
        pairs.append(("code", draw(ODD_TEXT)))
    elif code_kind == "huge":
        pairs.append(("code", _huge(draw)))
    action = draw(st.sampled_from(["show", "follow_up", "follow_up", "withdraw", "other", None]))
    if action is not None:
        pairs.append(("action", action))
    if draw(st.booleans()):
        text = draw(
            st.sampled_from(["", "   ", "\x00\x01", "More: call 07700 900123."])
            | ODD_TEXT
            | st.builds(_repeat, st.integers(1990, 2100))
        )
        pairs.append(("text", text))
    if draw(st.booleans()):
        pairs.append(("confirm", draw(st.sampled_from(["yes", "no", "YES", ""]) | ODD_TEXT)))
    extra = st.tuples(field_names(CONTROL_NAMES), field_values([*codes, *CONTROL_VALUES]))
    pairs += draw(st.lists(extra, max_size=4))
    pairs = draw(st.permutations(pairs))
    return draw(bodies(pairs)), draw(CONTENT_TYPES)


@st.composite
def near_valid_receipt_posts(draw: st.DrawFn, codes: list[str]) -> tuple[bytes, str]:
    """A follow-up or a withdrawal on a real receipt, as the page sends it, slightly changed."""
    pairs = [("code", draw(st.sampled_from(codes)))]
    if draw(st.booleans()):
        text = draw(st.sampled_from(["", " \n ", "Another word."]) | ODD_TEXT)
        pairs += [("action", "follow_up"), ("text", text)]
    else:
        pairs += [("action", "withdraw"), ("confirm", draw(st.sampled_from(["yes", "yes", ""])))]
    return urlencode(draw(st.permutations(pairs))).encode(), FORM


def _repeat(length: int) -> str:
    return ("word " * length)[:length]


def test_receipt_posts(browser: TestClient[Any]) -> None:
    codes = _receipts(browser)
    counts = Counts(browser)
    seen: dict[str, int] = {}

    @given(post=near_valid_receipt_posts(codes) | receipt_posts(codes))
    @FUZZ_SETTINGS
    def run(post: tuple[bytes, str]) -> None:
        from chorus.ratelimit import reset_limiter

        reset_limiter()
        body, content_type = post
        before = counts.now()
        response = _send(browser, "/en/receipt", body, content_type)
        after = counts.now()
        status = response.status_code
        seen[str(status)] = seen.get(str(status), 0) + 1
        assert status < 500, f"{status}\n{response.text[:1500]}"
        delta = {key: after[key] - before[key] for key in after}
        if status == 200 and ADDED in response.text:
            assert {k: v for k, v in delta.items() if v} == {"message": 1}, delta
            seen["added"] = seen.get("added", 0) + 1
        elif status == 200 and DELETED in response.text:
            # Withdrawn: the receipt stays (emptied); its response and messages go.
            assert delta["receipt"] == 0, delta
            assert delta["response"] in (0, -1), delta
            assert all(v <= 0 for v in delta.values()), delta
            # The roll-ups lose exactly what the withdrawn response had counted.
            assert (delta["response"] == 0) == (delta["answer_count"] == 0), delta
            seen["withdrawn"] = seen.get("withdrawn", 0) + 1
        else:
            _assert_unchanged(before, after, response)

    run()
    print(f"/en/receipt: statuses {dict(sorted(seen.items()))}")
    assert {"200", "404", "422", "added", "withdrawn"} <= set(seen), seen


def test_a_withdrawn_code_cannot_be_used_to_store_again(browser: TestClient[Any]) -> None:
    """Replaying the last page of a withdrawn submission stores nothing (the receipt row stays
    so its token is known)."""
    counts = Counts(browser)
    done = walk(_get(browser), _post(browser), "/en/surveys/worker-voice")
    sent = browser.post(
        "/en/receipt", data={"code": done.receipt, "action": "withdraw", "confirm": "yes"}
    )
    assert sent.status_code == 200 and DELETED in sent.text
    before = counts.now()
    last = done.pages[-1]
    replay = browser.post(
        "/en/surveys/worker-voice",
        data={**answers_for(last, "again"), "state": state_of(last), "action": "next"},
    )
    assert replay.status_code < 500
    assert counts.now() == before
