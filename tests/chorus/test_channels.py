"""Distribution channels: made by admins and managers, handed out as links, QR codes and A5
posters; partners see their own channels and counts (small ones suppressed), nothing else."""

from __future__ import annotations

import re
import secrets
from typing import Any

from chorus.channels import qr_png, qr_svg, resolve_channel, save_channel
from chorus.tables import AuditEntry, Channel
from surveys.registry import get_survey
from surveys.storage import store_submission
from tests.manage_fixtures import sign_in

pytest_plugins = ["tests.manage_fixtures"]


async def _responses(channel: str, count: int) -> None:
    survey = get_survey("worker-voice")
    assert survey is not None
    for _ in range(count):
        await store_submission(
            survey, {}, locale="en", channel=channel, token=secrets.token_urlsafe(16)
        )


async def test_a_manager_makes_a_channel_for_a_partner(console: Any, bob: Any, dan: Any) -> None:
    csrf = await sign_in(console, bob)
    page = await console.get("/manage/channels")
    assert f'value="{dan.id}"' in page.text  # dan is offered as an owner
    made = await console.post(
        "/manage/channels",
        data={
            "csrf_token": csrf,
            "slug": "num-north",
            "name": "NUM outreach, north",
            "kind": "outreach",
            "owner": str(dan.id),
        },
    )
    assert made.status_code == 303
    assert made.headers["location"] == "/manage/channels/num-north"
    row = await Channel.select(Channel.slug, Channel.kind, Channel.owner).first()
    assert row == {"slug": "num-north", "kind": "outreach", "owner": dan.id}
    audit = await AuditEntry.select(AuditEntry.target, AuditEntry.detail).where(
        AuditEntry.action == "channel_saved"
    )
    assert audit == [{"target": "num-north", "detail": "kind=outreach owner=dan@outreach.example"}]
    detail = await console.get("/manage/channels/num-north")
    assert "http://testserver.local/en/surveys/worker-voice?c=num-north" in detail.text
    assert "http://testserver.local/en/feedback/concern?c=num-north" in detail.text


async def test_a_bad_or_taken_short_name_is_refused(console: Any, bob: Any) -> None:
    csrf = await sign_in(console, bob)
    base = {"csrf_token": csrf, "name": "Posters", "kind": "poster", "owner": ""}
    for slug, message in (
        ("Bad Slug!", "The short name must be"),
        ("x", "The short name must be"),
        ("<script>", "The short name must be"),
    ):
        response = await console.post("/manage/channels", data={**base, "slug": slug})
        assert response.status_code == 422
        assert message in response.text
        assert "<script>" not in response.text.split("<main", 1)[1]
    assert (
        await console.post("/manage/channels", data={**base, "slug": "posters"})
    ).status_code == 303
    taken = await console.post("/manage/channels", data={**base, "slug": "posters"})
    assert taken.status_code == 422
    assert "There is already a channel" in taken.text
    no_kind = await console.post(
        "/manage/channels", data={**base, "slug": "other", "kind": "billboard"}
    )
    assert no_kind.status_code == 422
    assert await Channel.count() == 1


async def test_a_partner_sees_only_their_own_channels_and_counts(
    console: Any, dan: Any, erin: Any
) -> None:
    await save_channel(None, slug="num-north", name="NUM north", kind="outreach", owner=str(dan.id))
    await save_channel(
        None, slug="num-late", name="NUM late van", kind="outreach", owner=str(dan.id)
    )
    await save_channel(
        None, slug="erin-clinic", name="Erin's clinic", kind="partner", owner=str(erin.id)
    )
    await _responses("num-north", 12)
    await _responses("num-late", 3)
    await _responses("erin-clinic", 40)
    await sign_in(console, dan)
    listing = await console.get("/manage/channels")
    assert listing.status_code == 200
    assert "NUM north" in listing.text and "NUM late van" in listing.text
    assert "Erin" not in listing.text
    assert ">12<" in listing.text
    assert "fewer than 10" in listing.text
    assert ">3<" not in listing.text
    assert 'action="/manage/channels"' not in listing.text.replace('method="get"', "")
    for path in (
        "/manage/channels/erin-clinic",
        "/manage/channels/erin-clinic/qr.svg",
        "/manage/channels/erin-clinic/qr.png",
        "/manage/channels/erin-clinic/poster",
    ):
        refused = await console.get(path)
        assert refused.status_code == 403, path
        # Neither the channel nor its count (40) shows: the page's random tokens may well
        # contain the digits "40", so look for the number as a number.
        assert "Erin" not in refused.text
        assert re.search(r"(?<![\w.])40(?![\w.])", refused.text) is None
    own = await console.get("/manage/channels/num-late")
    assert own.status_code == 200
    assert "fewer than 10" in own.text
    changed = await console.post(
        "/manage/channels/num-north",
        data={"csrf_token": "x", "name": "Mine now", "kind": "poster", "owner": str(dan.id)},
    )
    assert changed.status_code == 403


async def test_qr_codes_come_as_svg_and_png_for_the_short_link(console: Any, dan: Any) -> None:
    await save_channel(None, slug="num-north", name="NUM north", kind="outreach", owner=str(dan.id))
    await sign_in(console, dan)
    link = "http://testserver.local/en/feedback/concern?c=num-north"
    svg = await console.get("/manage/channels/num-north/qr.svg", params={"form": "concern"})
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.content == qr_svg(link)
    assert svg.content.lstrip().startswith(b"<svg")
    assert b"<script" not in svg.content
    png = await console.get(
        "/manage/channels/num-north/qr.png", params={"form": "concern", "download": "1"}
    )
    assert png.headers["content-type"] == "image/png"
    assert png.content == qr_png(link)
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert 'filename="num-north-concern.png"' in png.headers["content-disposition"]
    odd = await console.get("/manage/channels/num-north/qr.svg", params={"form": "../../etc"})
    assert odd.content == qr_svg("http://testserver.local/en/surveys/community-voice?c=num-north")


async def test_the_poster_is_a_printable_a5_page_in_two_languages(console: Any, bob: Any) -> None:
    from chorus.settings import get_settings

    await save_channel(None, slug="posters", name="Street posters", kind="poster", owner="")
    await sign_in(console, bob)
    second = next((code for code in get_settings().locales if code != "en"), "en")
    poster = await console.get(
        "/manage/channels/posters/poster",
        params={"form": "worker-voice", "lang": "en", "second": second},
    )
    assert poster.status_code == 200
    assert "/manage/channels/posters/qr.svg?form=worker-voice&amp;lang=en" in poster.text
    assert "http://testserver.local/en/surveys/worker-voice?c=posters" in poster.text
    assert 'lang="en"' in poster.text
    assert "It is anonymous" in poster.text
    assert "style=" not in poster.text and "<script" not in poster.text
    css = await console.get("/static/chorus.css")
    assert "@page{size:A5" in css.text


async def test_links_accept_channels_made_in_the_console(db: None) -> None:
    assert await resolve_channel("poster") == "poster"  # from CHORUS_CHANNELS
    assert await resolve_channel("num-north") is None
    await save_channel(None, slug="num-north", name="NUM north", kind="outreach", owner="")
    assert await resolve_channel("num-north") == "num-north"
    for raw in (None, "", "NUM-NORTH", "num-north'--", "x" * 41):
        assert await resolve_channel(raw) is None
