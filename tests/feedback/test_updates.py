"""\"You said, we did\": managers write, edit, publish and unpublish updates; the public page
gets them through `published_updates(locale)`, translated where a translation was given."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from chorus.tables import AuditEntry
from feedback.tables import Update
from feedback.updates import UpdateInvalid, published_updates, save_update
from tests.manage_fixtures import sign_in

pytest_plugins = ["tests.manage_fixtures"]

DRAFT = {
    "category": "litter_needles",
    "title_en": "Needle bins in Riverside",
    "body_en": "You told us about needles.\n\nThe council put in two bins.",
}


async def _audit(action: str) -> list[dict[str, Any]]:
    return await AuditEntry.select(AuditEntry.actor, AuditEntry.target, AuditEntry.detail).where(
        AuditEntry.action == action
    )


async def test_a_manager_writes_publishes_and_unpublishes_an_update(console: Any, bob: Any) -> None:
    csrf = await sign_in(console, bob)
    form = await console.get("/manage/updates/new")
    assert form.status_code == 200
    assert 'name="title_en"' in form.text
    created = await console.post("/manage/updates", data={"csrf_token": csrf, **DRAFT})
    assert created.status_code == 303
    row = await Update.select().first()
    assert row is not None and row["published"] is False
    assert json.loads(row["titles"]) == {"en": "Needle bins in Riverside"}
    assert await published_updates("en") == []
    published = await console.post(
        f"/manage/updates/{row['id']}/publish", data={"csrf_token": csrf}
    )
    assert published.status_code == 303
    shown = await published_updates("en")
    assert [u.title for u in shown] == ["Needle bins in Riverside"]
    assert shown[0].paragraphs == ["You told us about needles.", "The council put in two bins."]
    assert shown[0].category_label == "Litter, used condoms or needles"
    assert shown[0].day is not None
    listing = await console.get("/manage/updates")
    assert "Published" in listing.text
    await console.post(f"/manage/updates/{row['id']}/unpublish", data={"csrf_token": csrf})
    assert await published_updates("en") == []
    assert [e["target"] for e in await _audit("update_saved")] == [str(row["id"])]
    assert len(await _audit("update_published")) == 1
    assert len(await _audit("update_unpublished")) == 1


async def test_english_is_required_and_half_translations_are_refused(
    console: Any, bob: Any
) -> None:
    csrf = await sign_in(console, bob)
    missing = await console.post(
        "/manage/updates",
        data={"csrf_token": csrf, "category": "trust", "title_en": "", "body_en": ""},
    )
    assert missing.status_code == 422
    assert "Write a title and a text in English" in missing.text
    no_category = await console.post(
        "/manage/updates", data={"csrf_token": csrf, **DRAFT, "category": "made-up"}
    )
    assert no_category.status_code == 422
    assert "Choose what the update is about." in no_category.text
    assert await Update.count() == 0
    with pytest.raises(UpdateInvalid) as invalid:
        await save_update(None, "trust", {"en": "Title"}, {})
    assert invalid.value.problems == {"body_en": "half"}
    if "ro" in _enabled():
        with pytest.raises(UpdateInvalid) as invalid:
            await save_update(None, "trust", {"en": "Title", "ro": "Titlu"}, {"en": "Body"})
        assert invalid.value.problems == {"body_ro": "half"}


def _enabled() -> tuple[str, ...]:
    from chorus.settings import get_settings

    return get_settings().locales


async def test_an_update_falls_back_to_english_where_not_translated(db: None) -> None:
    from feedback.updates import publish

    titles = {"en": "More patrols", **({"ro": "Mai multe patrule"} if "ro" in _enabled() else {})}
    bodies = {"en": "We added patrols."}
    if "ro" in _enabled():
        bodies["ro"] = "Am adăugat patrule."
    update_id = await save_update(None, "safety", titles, bodies)
    await publish(update_id, date(2026, 5, 1))
    english = await published_updates("en")
    assert english[0].locale == "en" and english[0].title == "More patrols"
    arabic = await published_updates("ar")
    assert arabic[0].locale == "en" and arabic[0].title == "More patrols"
    if "ro" in _enabled():
        romanian = await published_updates("ro")
        assert romanian[0].locale == "ro" and romanian[0].title == "Mai multe patrule"


async def test_an_edit_keeps_the_update_and_escapes_what_was_written(
    console: Any, bob: Any
) -> None:
    csrf = await sign_in(console, bob)
    await console.post("/manage/updates", data={"csrf_token": csrf, **DRAFT})
    row = await Update.select(Update.id).first()
    assert row is not None
    changed = await console.post(
        f"/manage/updates/{row['id']}",
        data={**DRAFT, "csrf_token": csrf, "title_en": "<script>alert(1)</script> bins"},
    )
    assert changed.status_code == 303
    assert await Update.count() == 1
    edit = await console.get(f"/manage/updates/{row['id']}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; bins" in edit.text
    assert "<script>alert(1)</script>" not in edit.text
    listing = await console.get("/manage/updates")
    assert "<script>alert(1)</script>" not in listing.text


async def test_analysts_and_partners_cannot_publish(console: Any, carol: Any, dan: Any) -> None:
    update_id = await save_update(None, "trust", {"en": "T"}, {"en": "B"})
    for person in (carol, dan):
        csrf = await sign_in(console, person)
        response = await console.post(
            f"/manage/updates/{update_id}/publish", data={"csrf_token": csrf}
        )
        assert response.status_code == 403
    assert await published_updates("en") == []
