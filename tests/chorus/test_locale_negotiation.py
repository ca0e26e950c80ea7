"""Accept-Language is matched against the enabled locales by language and script."""

from __future__ import annotations

import pytest

from chorus.settings import SHIPPED_LOCALES
from locales.i18n import from_url_code, negotiate, url_code


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ro", "ro"),
        ("ro-RO,ro;q=0.9,en;q=0.8", "ro"),
        ("en;q=0.3, pl;q=0.9", "pl"),
        ("pt-BR", "pt_BR"),
        ("pt-PT,pt;q=0.9", "pt_BR"),
        ("zh-CN,zh;q=0.9", "zh_Hans"),
        ("zh-Hans-CN", "zh_Hans"),
        ("ar-EG,ar;q=0.9", "ar"),
        ("fr-FR,fr;q=0.9", "en"),
        ("fr, th;q=0.1", "th"),
        ("de;q=0, hu;q=0.5", "hu"),
        ("", "en"),
        ("*", "en"),
        ("garbage;;;q=banana,,,", "en"),
        ("ro;q=notanumber, bg;q=0.2", "bg"),
        ("\x00\xff\u202e", "en"),
        ("x" * 5000, "en"),
        ("es;q=2", "en"),
    ],
)
def test_it_picks_the_best_enabled_locale(header: str, expected: str) -> None:
    assert negotiate(header, SHIPPED_LOCALES) == expected


def test_traditional_chinese_prefers_another_listed_language_over_simplified() -> None:
    assert negotiate("zh-TW, ro;q=0.5", SHIPPED_LOCALES) == "ro"


def test_traditional_chinese_alone_still_gets_chinese_rather_than_english() -> None:
    assert negotiate("zh-TW", SHIPPED_LOCALES) == "zh_Hans"


def test_url_codes_round_trip() -> None:
    for locale in SHIPPED_LOCALES:
        assert from_url_code(url_code(locale), SHIPPED_LOCALES) == locale
    assert url_code("pt_BR") == "pt-BR"
    assert from_url_code("PT-br", SHIPPED_LOCALES) == "pt_BR"
    assert from_url_code("klingon", SHIPPED_LOCALES) is None
