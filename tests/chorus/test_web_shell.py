"""The shell as a respondent meets it: redirects, language, layout, headers, errors, health."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chorus.settings import SHIPPED_LOCALES
from locales.i18n import url_code

RESPONDENT_PAGES = [
    "/{l}/",
    "/{l}/safety",
    "/{l}/surveys/worker-voice",
    "/{l}/surveys/community-voice",
    "/{l}/feedback/concern",
    "/{l}/feedback/experience",
    "/{l}/receipt",
]


async def test_root_redirects_to_the_negotiated_language(client: Any) -> None:
    response = await client.get(
        "/", headers={"Accept-Language": "fr;q=0.9, ro;q=0.8"}, follow_redirects=False
    )
    assert response.status_code == 302
    assert response.headers["location"] == "/ro/"
    assert "accept-language" in response.headers["vary"].lower()


async def test_root_falls_back_to_english_on_garbage(client: Any) -> None:
    response = await client.get(
        "/", headers={"Accept-Language": ";;;,q=,*,\\x7f"}, follow_redirects=False
    )
    assert response.headers["location"] == "/en/"


async def test_an_unknown_locale_gets_a_translated_404_with_language_links(client: Any) -> None:
    response = await client.get("/xx/surveys/worker-voice", headers={"Accept-Language": "ro"})
    assert response.status_code == 404
    assert '<html lang="ro"' in response.text
    for locale in SHIPPED_LOCALES:
        assert f'href="/{url_code(locale)}/"' in response.text
    assert "Traceback" not in response.text


async def test_an_unknown_route_is_a_404_page_with_security_headers(client: Any) -> None:
    response = await client.get("/en/no/such/page")
    assert response.status_code == 404
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("locale", SHIPPED_LOCALES)
async def test_every_respondent_page_has_the_exit_control_and_language(
    client: Any, locale: str
) -> None:
    for template in RESPONDENT_PAGES:
        response = await client.get(template.format(l=url_code(locale)))
        assert response.status_code == 200, template
        html = response.text
        assert f'<html lang="{url_code(locale)}"' in html
        expected_dir = "rtl" if locale == "ar" else "ltr"
        assert f'dir="{expected_dir}"' in html
        exit_link = re.search(r'<a class="exit" href="([^"]+)"[^>]*data-exit', html)
        assert exit_link, template
        assert exit_link.group(1) == "https://www.bbc.co.uk/weather"
        assert '<script src="/static/exit.js" defer></script>' in html
        assert '<a class="skip" href="#main">' in html
        assert '<main id="main"' in html
        assert response.headers["cache-control"] == "no-store"


async def test_the_language_switcher_keeps_the_current_page(client: Any) -> None:
    response = await client.get("/ro/feedback/concern")
    assert 'href="/ar/feedback/concern" lang="ar"' in response.text
    assert 'href="/zh-Hans/feedback/concern" lang="zh-Hans"' in response.text
    assert 'href="/ro/feedback/concern" lang="ro" hreflang="ro" aria-current="true"' in (
        response.text
    )


async def test_arabic_pages_are_right_to_left_and_translated(client: Any) -> None:
    english = await client.get("/en/safety")
    arabic = await client.get("/ar/safety")
    assert '<html lang="ar" dir="rtl">' in arabic.text
    assert "Browsing safely" in english.text
    assert "Browsing safely" not in arabic.text


async def test_the_exit_script_and_stylesheet_are_served_locally(client: Any) -> None:
    script = await client.get("/static/exit.js")
    assert script.status_code == 200
    assert "location.replace" in script.text
    assert "Shift" in script.text
    style = await client.get("/static/chorus.css")
    assert ".exit-bar{position:sticky;top:0" in style.text


def _concrete(path: str) -> str:
    samples = {
        "locale": "en",
        "slug": "worker-voice",
        "kind": "concern",
        "code": "ABCDE-FGHJK-MNPQR-STVWX",
    }
    return re.sub(r"\{(\w+):\w+\}", lambda m: samples.get(m.group(1), "x"), path)


async def test_every_route_sends_the_security_headers(client: Any, app: Any) -> None:
    paths = {_concrete(route.path) for route in app.routes}
    paths.add("/nowhere")
    assert len(paths) > 10
    for path in sorted(paths):
        response = await client.get(path if path != "/static" else "/static/chorus.css")
        headers = response.headers
        csp = headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
        assert directives["script-src"] == "'self'", path
        assert "http" not in csp, path
        if not path.endswith("/results"):  # only chart pages allow Plotly's inline styles
            assert "unsafe-inline" not in csp, path
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
        assert headers["referrer-policy"] == "no-referrer", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert "camera=()" in headers["permissions-policy"], path
        assert "server" not in headers, path


async def test_pages_load_nothing_from_another_origin(client: Any) -> None:
    for template in RESPONDENT_PAGES:
        html = (await client.get(template.format(l="en"))).text
        for attribute in re.findall(r'(?:src|href|action)="([^"]+)"', html):
            if attribute.startswith(("http://", "https://", "//")):
                # The exit link is the only way off the site, and it loads nothing here.
                assert attribute == "https://www.bbc.co.uk/weather", (template, attribute)


async def test_responses_are_compressed(client: Any) -> None:
    response = await client.get("/en/surveys/worker-voice", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


async def test_an_oversized_body_gets_a_translated_413_and_stores_nothing(client: Any) -> None:
    from tests.conftest import row_counts

    before = await row_counts()
    response = await client.post(
        "/ro/surveys/worker-voice",
        content=b"state=x&safer_reporting=" + b"a" * 200_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert '<html lang="ro"' in response.text
    assert "What you sent is too long" not in response.text  # translated
    assert await row_counts() == before


async def test_health_answers_ok_when_the_database_answers(client: Any) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_answers_503_when_the_database_does_not(
    client: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from piccolo.engine.postgres import PostgresEngine
    from piccolo.engine.sqlite import SQLiteEngine

    import chorus.piccolo_conf
    from chorus.settings import get_settings

    # A real engine pointed at a database that is not there: nothing is mocked.
    if get_settings().is_postgres:
        unreachable: Any = PostgresEngine(config={"dsn": "postgres://postgres@127.0.0.1:9/none"})
    else:
        unreachable = SQLiteEngine(path=str(tmp_path / "missing-dir" / "x.sqlite3"))
    monkeypatch.setattr(chorus.piccolo_conf, "DB", unreachable)
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


async def test_head_answers_like_get_without_a_body(client: Any) -> None:
    for path in ("/en/", "/healthz", "/en/surveys/worker-voice", "/static/chorus.css"):
        got = await client.get(path)
        head = await client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"", path
        if "surveys" in path:  # its signed state holds the time: a byte or two may differ
            assert int(head.headers["content-length"]) > 1000
        else:
            assert head.headers["content-length"] == got.headers["content-length"], path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["referrer-policy"] == "no-referrer", path
    # A route without GET still refuses HEAD.
    refused = await client.head("/api/v1/surveys/worker-voice/responses")
    assert refused.status_code == 405
