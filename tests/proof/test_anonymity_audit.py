"""Anonymity audit against a real `chorus serve` process (tests/chorus/test_anonymity.py does
the in-process version): a whole respondent journey with a marker address, marker forwarding
headers, a marker user agent, a marker query string and marker contact details in free text;
afterwards neither the server's whole output nor the whole database (the SQLite file with its
-wal and -shm, or a pg_dump) holds any marker or any receipt code. Respondent tables have no
column finer than a date, and their ids are uuid4 in no particular order.
"""

from __future__ import annotations

import itertools
import json
import secrets
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import database_bytes
from tests.proof.client import Http, can_bind
from tests.proof.pages import walk
from tests.servers import serving

RUN = secrets.token_hex(4)
#: The "different address": the client socket is bound to it (the server sees it as the peer).
PEER = "127.0.0.2"
FORWARDED_FOR = "203.0.113.77"
FORWARDED = "198.51.100.23"
REAL_IP = "192.0.2.144"
AGENT = f"ProofAgent/7.1 (zz-{RUN}; Android 9; cheap phone)"
QUERY = f"qq{RUN}zz"
EMAIL = f"zz{RUN}@example.org"
PHONE = "07700 900461"
HANDLE_TEXT = f"Please write back to {EMAIL} or call {PHONE}. They were kind."
#: Tables that hold what respondents sent, or counts of it.
RESPONDENT_TABLES = (
    "response",
    "answer",
    "receipt",
    "message",
    "status_change",
    "feedback_tag",
    "answer_count",
    "trust_score",
    "text_count",
)
ID_TABLES = ("response", "answer", "receipt", "message")


def marked_client(port: int, source: str) -> Http:
    """HTTP from `source`, every request carrying the marker headers."""
    return Http(
        port,
        source,
        headers={
            "User-Agent": AGENT,
            "X-Forwarded-For": f"{FORWARDED_FOR}, 10.9.8.7",
            "Forwarded": f'for={FORWARDED};proto=https;by="[2001:db8::9]"',
            "X-Real-IP": REAL_IP,
            "Accept-Language": "en",
        },
    )


def _journey(client: Http) -> list[str]:
    """Everything a respondent does; returns the receipt codes handed out."""
    codes = []
    # A survey through the HTML form, from a channel link carrying the query marker.
    survey = walk(
        client.get,
        client.form,
        f"/en/surveys/worker-voice?c={QUERY}",
        text=HANDLE_TEXT,
    )
    codes.append(survey.receipt)
    # A concern and an experience report through the API.
    status, text = client.json(
        "POST",
        "/api/v1/feedback/concern",
        {
            "answers": {
                "category": "litter_needles",
                "area": "old_town",
                "what_happened": HANDLE_TEXT,
            },
            "locale": "en",
            "channel": QUERY,
        },
    )
    assert status == 201, text
    concern = json.loads(text)["receipt"]
    codes.append(concern)
    status, text = client.json(
        "POST",
        "/api/v1/feedback/experience",
        {
            "answers": {
                "contact_kind": next(iter(_options("experience", "contact_kind"))),
                "what_happened": HANDLE_TEXT,
                "consent": "reply_allowed",
            },
            "locale": "en",
            "submission_id": f"sub-{QUERY}",
        },
    )
    assert status == 201, text
    experience = json.loads(text)["receipt"]
    codes.append(experience)
    # Receipt look-ups: API (the code in the path) and the page (the code in the form).
    for code in codes:
        status, text = client.get(f"/api/v1/receipts/{code}")
        assert status == 200, text
    status, text = client.form("/en/receipt", {"code": survey.receipt.lower()})
    assert status == 200, text
    # Follow-ups, by page and by API, with contact details in them.
    status, text = client.form(
        "/en/receipt", {"code": experience, "action": "follow_up", "text": HANDLE_TEXT}
    )
    assert status == 200 and "We have added this" in text, text[:2000]
    status, text = client.json(
        "POST", f"/api/v1/receipts/{concern}/follow-ups", {"text": HANDLE_TEXT}
    )
    assert status == 201, text
    # Refusals log too: a wrong code, a missing page with the query marker, a body too big.
    assert client.get(f"/api/v1/receipts/ABCDE-FGHJK-MNPQR-{RUN[:4].upper()}Z")[0] in (404, 429)
    assert client.get(f"/en/nowhere?x={QUERY}")[0] == 404
    assert client.form("/en/feedback/concern", {"text": "x" * 80_000})[0] == 413
    # Withdraw: one by page, one by API; the third stays.
    status, text = client.form(
        "/en/receipt", {"code": survey.receipt, "action": "withdraw", "confirm": "yes"}
    )
    assert status == 200 and "deleted for good" in text, text[:2000]
    deleted = client.call("DELETE", f"/api/v1/receipts/{concern}")
    assert deleted.status == 204, deleted.text
    return codes


def _options(slug: str, question: str) -> list[str]:
    from surveys.forms import options_for
    from surveys.registry import get_survey

    survey = get_survey(slug)
    assert survey is not None
    return [option.value for option in options_for(survey.questions[question])]


async def _column_types(table: str) -> dict[str, str]:
    from chorus.database import engine
    from chorus.settings import get_settings

    db = engine()
    if get_settings().is_postgres:
        rows = await db.run_ddl(
            "SELECT column_name AS name, data_type AS type FROM information_schema.columns "
            f"WHERE table_schema = current_schema() AND table_name = '{table}'"
        )
    else:
        rows = await db.run_ddl(f"PRAGMA table_info({table})")
    return {str(row["name"]): str(row["type"]).lower() for row in rows}


def _variants(code: str) -> list[str]:
    compact = code.replace("-", "")
    return [code, compact, compact.lower(), code.lower()]


async def test_a_whole_journey_leaves_no_trace_of_who_sent_it(db: None, tmp_path: Path) -> None:
    import asyncio

    source = PEER if can_bind(PEER) else "127.0.0.1"
    env = {"CHORUS_RECEIPT_LIMIT": "1000", "CHORUS_SUBMIT_LIMIT": "1000"}
    with serving(tmp_path, env=env, name="audit") as server:
        client = marked_client(server.port, source)
        codes = await asyncio.to_thread(_journey, client)
    log = server.output()

    markers = [FORWARDED_FOR, FORWARDED, REAL_IP, "10.9.8.7", "2001:db8::9", AGENT, "ProofAgent"]
    markers += [f"zz-{RUN}", QUERY, EMAIL, PHONE, PHONE.replace(" ", "")]
    if source == PEER:
        markers.append(PEER)
    # The server's whole output (stdout and stderr): the access log wrote every request, and
    # none of it names the sender, what they sent, or a receipt code.
    assert log.count('"event": "request"') >= len(client.sent), log[-3000:]
    for marker in [*markers, "They were kind", *(v for c in codes for v in _variants(c))]:
        assert marker not in log, f"{marker!r} is in the server's output"

    # The database, every byte of it.
    stored = database_bytes()
    assert len(stored) > 10_000
    lowered = stored.lower()
    for marker in markers:
        assert marker.lower().encode() not in lowered, f"{marker!r} is in the database"
    for code in codes:
        for variant in _variants(code):
            assert variant.encode() not in stored, f"a receipt code is in the database: {variant}"
    # Redacted free text is stored (that is the point of it), contact details are not.
    assert b"[email]" in stored and b"[phone]" in stored

    # Dates only: no respondent table has a time, timestamp or interval column.
    for table in RESPONDENT_TABLES:
        types = await _column_types(table)
        assert types, f"table {table} not found"
        timed = {name: kind for name, kind in types.items() if "time" in kind or "interval" in kind}
        assert not timed, f"{table} stores times: {timed}"
    from feedback.tables import Message, Receipt
    from surveys.tables import Response

    for table in (Response, Receipt, Message):
        for row in await table.select(table.day):
            assert type(row["day"]).__name__ == "date", row

    # Ids are random: uuid4, in no order related to when rows were written.
    from chorus.database import engine

    for table in ID_TABLES:
        rows = await engine().run_ddl(f"SELECT id FROM {table}")
        assert rows, f"no rows in {table}"
        for row in rows:
            value = row["id"] if isinstance(row["id"], uuid.UUID) else uuid.UUID(str(row["id"]))
            assert value.version == 4 and value.variant == uuid.RFC_4122, (table, value)


async def test_record_ids_do_not_follow_the_order_of_submissions(client: Any) -> None:
    """Thirty submissions, one after another: their response ids, in that order, go up and
    down (a time-ordered id, uuid1 or uuid7, would only go up)."""
    from feedback.receipts import code_hash, normalize_code
    from feedback.tables import Receipt
    from surveys.tables import Response

    ids = []
    for n in range(30):
        sent = await client.post(
            "/api/v1/surveys/worker-voice/responses",
            json={"answers": {"confidence": "tend_agree"}, "submission_id": f"order-{n:04d}"},
        )
        assert sent.status_code == 201, sent.text
        code = normalize_code(sent.json()["receipt"])
        assert code is not None
        receipt = await Receipt.select(Receipt.id).where(Receipt.code_hash == code_hash(code))
        response = await Response.select(Response.id).where(Response.receipt == receipt[0]["id"])
        ids.append(str(response[0]["id"]))
    ups = sum(1 for a, b in itertools.pairwise(ids) if a < b)
    # A random order rises about half the time; allow a wide margin, never all or none.
    assert 5 <= ups <= 24, (ups, ids)
    # And no shared leading digits, which a time-ordered scheme would give rows a second apart.
    prefixes = {value[:6] for value in ids}
    assert len(prefixes) >= 25, ids


@pytest.fixture(autouse=True)
def _not_inside_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit stands for a direct connection: no proxy settings may reroute it."""
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
