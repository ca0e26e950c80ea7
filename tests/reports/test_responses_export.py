"""The raw-response CSV export: a row per stored response, nothing finer than the day, no free
text unless asked, safe in a spreadsheet; admins only in the console; the CLI writes the same."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chorus.tables import AuditEntry
from feedback.receipts import find_receipt, withdraw
from reports.responses import header, response_csv
from surveys.registry import get_survey
from surveys.storage import store_submission
from tests.manage_fixtures import sign_in

pytest_plugins = ["tests.manage_fixtures"]

FORMULA = '=HYPERLINK("#x","open")'


async def _store(
    slug: str,
    answers: dict[str, Any],
    token: str,
    *,
    locale: str = "en",
    channel: str | None = None,
    day: date = date(2025, 3, 10),
) -> str:
    survey = get_survey(slug)
    assert survey is not None
    stored = await store_submission(
        survey, answers, locale=locale, channel=channel, token=token, today=day
    )
    return stored.code


async def _known_data() -> str:
    """Two worker-voice responses that stay, one that is withdrawn, one resident response.
    Returns the worker-voice definition version."""
    await _store(
        "worker-voice",
        {
            "confidence": "tend_agree",
            "victim_12m": "yes",
            "reported_to": ["police", "num"],
            "area": "old_town",
            "safer_reporting": FORMULA,
        },
        "known-1",
        channel="@outreach",
    )
    await _store(
        "worker-voice",
        {"confidence": "strongly_disagree", "work_setting": "street"},
        "known-2",
        locale="ro",
        day=date(2025, 4, 2),
    )
    gone = await _store(
        "worker-voice", {"confidence": "dont_know", "work_setting": "escort"}, "known-3"
    )
    receipt = await find_receipt(gone)
    assert receipt is not None
    await withdraw(receipt)
    await _store("community-voice", {"confidence": "tend_agree"}, "known-4")
    survey = get_survey("worker-voice")
    assert survey is not None
    return survey.version


async def _export(slug: str, **options: Any) -> str:
    return "".join([chunk async for chunk in response_csv(slug, **options)])


def _rows(text: str) -> list[dict[str, str]]:
    return sorted(csv.DictReader(io.StringIO(text, newline="")), key=lambda row: row["day"])


async def test_it_writes_one_row_per_stored_response_with_its_answers(db: None) -> None:
    version = await _known_data()
    text = await _export("worker-voice")
    first, second = _rows(text)  # the withdrawn one and the resident are not there
    assert first["period"] == "2025-03" and first["day"] == "2025-03-10"
    assert (first["locale"], first["channel"], first["version"]) == ("en", "'@outreach", version)
    assert first["confidence"] == "tend_agree" and first["victim_12m"] == "yes"
    assert first["area"] == "old_town" and first["work_setting"] == ""
    reported = {k.split("__")[1]: v for k, v in first.items() if k.startswith("reported_to__")}
    assert reported == {
        "police": "1",
        "num": "1",
        "support_service": "0",
        "nobody": "0",
        "prefer_not": "0",
    }
    assert (second["period"], second["day"], second["locale"]) == ("2025-04", "2025-04-02", "ro")
    assert second["confidence"] == "strongly_disagree" and second["work_setting"] == "street"
    # A multiple-choice question not answered is missing, not "no".
    assert all(v == "" for k, v in second.items() if k.startswith("reported_to__"))
    assert "dont_know" not in text and "escort" not in text  # withdrawn
    assert "safer_reporting" not in text and "HYPERLINK" not in text  # no text by default
    assert not {"id", "receipt", "area_id"} & set(first)  # nothing that joins rows elsewhere


async def test_the_header_comes_first_in_definition_order_even_with_no_responses(
    db: None,
) -> None:
    text = await _export("community-voice")
    lines = text.split("\r\n")
    assert lines[1:] == [""]  # the header and its line end, nothing else
    columns = lines[0].split(",")
    assert columns[:5] == ["period", "day", "locale", "channel", "version"]
    survey = get_survey("community-voice")
    assert survey is not None
    assert columns == header(survey)
    assert columns.index("feel_safe_dark") < columns.index("concerns_seen__kerb_crawling")
    assert columns.index("concerns_seen__none") < columns.index("confidence")
    assert "what_would_help" not in columns


async def test_free_text_is_added_only_on_request_and_cannot_run_as_a_formula(db: None) -> None:
    await _known_data()
    first, second = _rows(await _export("worker-voice", include_text=True))
    assert first["safer_reporting"] == "'" + FORMULA  # one quote: the spreadsheet shows text
    assert second["safer_reporting"] == ""
    assert list(first)[-1] == "safer_reporting"  # in definition order: the last question


async def test_pages_follow_one_another_without_losing_or_repeating_a_row(db: None) -> None:
    for n in range(7):
        await _store("worker-voice", {"confidence": "tend_agree", "area": f"a{n}"}, f"page-{n}")
    paged = await _export("worker-voice", page_size=2)
    whole = await _export("worker-voice")
    assert paged == whole
    assert sorted(row["area"] for row in _rows(paged)) == [f"a{n}" for n in range(7)]


async def test_an_unknown_or_feedback_slug_is_refused(db: None) -> None:
    from reports.responses import UnknownSurvey

    for slug in ("nope", "concern"):
        with pytest.raises(UnknownSurvey):
            await _export(slug)


async def test_admins_download_it_streamed_and_it_is_audited(console: Any, alice: Any) -> None:
    await _known_data()
    await sign_in(console, alice)
    home = await console.get("/manage/")
    assert 'href="/manage/reports/export/responses"' in home.text  # in an admin's menu
    form = await console.get("/manage/reports/export/responses")
    assert form.status_code == 200
    assert "not suppressed" in form.text and 'value="worker-voice"' in form.text
    response = await console.get("/manage/reports/export/responses.csv?survey=worker-voice")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="chorus-responses-worker-voice.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.text == await _export("worker-voice")
    entries = await AuditEntry.select(
        AuditEntry.actor, AuditEntry.action, AuditEntry.target, AuditEntry.detail
    )
    assert entries == [
        {
            "actor": "alice@force.example",
            "action": "export",
            "target": "worker-voice",
            "detail": "responses csv",
        }
    ]
    with_text = await console.get(
        "/manage/reports/export/responses.csv?survey=worker-voice&text=true"
    )
    assert "'" + FORMULA.replace('"', '""') in with_text.text
    assert await AuditEntry.count().where(AuditEntry.detail == "responses csv, with free text") == 1


async def test_managers_and_analysts_cannot_download_raw_rows(
    console: Any, bob: Any, carol: Any
) -> None:
    await _known_data()
    for person in (bob, carol):
        await sign_in(console, person)
        home = await console.get("/manage/")
        assert "/manage/reports/export/responses" not in home.text
        refused = await console.get("/manage/reports/export/responses.csv?survey=worker-voice")
        assert refused.status_code == 403
        assert "tend_agree" not in refused.text
        assert (await console.get("/manage/reports/export/responses")).status_code == 403
    assert await AuditEntry.count() == 0
    console.cookies.clear()
    anonymous = await console.get("/manage/reports/export/responses.csv?survey=worker-voice")
    assert anonymous.status_code == 303


async def test_admins_still_cannot_open_the_dashboard(console: Any, alice: Any) -> None:
    await sign_in(console, alice)
    assert (await console.get("/manage/reports/")).status_code == 403
    assert (await console.get("/manage/reports/export?kind=trust")).status_code == 403


async def test_an_unknown_survey_gets_a_translated_message_and_nothing_else(
    console: Any, alice: Any
) -> None:
    await _known_data()
    await sign_in(console, alice)
    missing = await console.get("/manage/reports/export/responses.csv?survey=nope")
    assert missing.status_code == 404
    assert "There is no survey with that name" in missing.text
    assert "text/html" in missing.headers["content-type"]
    spanish = await console.get(
        "/manage/reports/export/responses.csv?survey=concern", headers={"accept-language": "es"}
    )
    assert spanish.status_code == 404
    assert "No hay ninguna encuesta con ese nombre" in spanish.text
    assert await AuditEntry.count() == 0


async def _cli(*args: str) -> tuple[int, bytes, bytes]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chorus.cli",
        "export",
        "responses",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out, err


async def test_the_command_writes_the_same_bytes_as_the_generator(db: None, tmp_path: Path) -> None:
    await _known_data()
    expected = (await _export("worker-voice")).encode("utf-8")
    target = tmp_path / "rows.csv"
    code, _, err = await _cli("--survey", "worker-voice", "--output", str(target))
    assert code == 0, err
    assert target.read_bytes() == expected
    assert os.listdir(tmp_path) == ["rows.csv"]  # no partial file left beside it
    code, out, _ = await _cli("--survey", "worker-voice", "--include-text")
    assert code == 0
    assert out == (await _export("worker-voice", include_text=True)).encode("utf-8")
    code, out, err = await _cli("--survey", "nope")
    assert code == 2 and out == b""
    assert b"community-voice, worker-voice" in err
