"""The catalogs are complete and current: a stale .pot, an untranslated or fuzzy entry, a
placeholder lost in translation or an out-of-date .mo fails the suite."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from chorus.settings import PROJECT_ROOT, SHIPPED_LOCALES

LOCALES_DIR = PROJECT_ROOT / "locales"
TRANSLATED = [locale for locale in SHIPPED_LOCALES if locale != "en"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}")


def _keys(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {
        (message.context, message.id if isinstance(message.id, str) else message.id[0])
        for message in catalog
        if message.id
    }


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def test_the_pot_matches_the_source(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "--sort-by-file",
            "--no-location",
            "--omit-header",
            "-k",
            "NP_:1c,2",
            "-o",
            str(fresh),
            "chorus",
            "surveys",
            "feedback",
            "reports",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    committed = _keys(_read(LOCALES_DIR / "messages.pot"))
    extracted = _keys(_read(fresh))
    assert extracted - committed == set(), "run `make update`: new strings are not in the .pot"
    assert committed - extracted == set(), "run `make update`: the .pot has stale strings"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_each_catalog_translates_every_entry(locale: str) -> None:
    template = _keys(_read(LOCALES_DIR / "messages.pot"))
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    catalog = _read(path, locale)
    assert _keys(catalog) == template, f"run `make update` for {locale}"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
        source = message.id if isinstance(message.id, str) else message.id[0]
        for translated in strings:
            if translated and set(PLACEHOLDER.findall(translated)) != set(
                PLACEHOLDER.findall(source)
            ):
                problems.append(f"placeholders differ: {source!r} -> {translated!r}")
    assert problems == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_each_catalog_says_it_awaits_native_review(locale: str) -> None:
    head = (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").read_text()[:600]
    assert "AWAITING REVIEW BY A NATIVE SPEAKER" in head


@pytest.mark.parametrize("locale", TRANSLATED)
def test_each_compiled_catalog_is_up_to_date(locale: str) -> None:
    folder = LOCALES_DIR / locale / "LC_MESSAGES"
    catalog = _read(folder / "messages.po", locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert (folder / "messages.mo").read_bytes() == compiled.getvalue(), (
        f"run `make compile`: {locale} messages.mo is out of date"
    )
