"""Per-request locale: URL codes, Accept-Language negotiation, gettext and Babel formatting."""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import date
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal, format_percent

CATALOG_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"
SOURCE_LOCALE = "en"

#: The request's locale (gettext spelling, such as "pt_BR"). Set by LocaleMiddleware for the
#: whole request, so templates, error handlers and services all read the same value.
current_locale: ContextVar[str] = ContextVar("current_locale", default=SOURCE_LOCALE)
#: The request's path, so the language switcher can link to the same page in another language.
current_path: ContextVar[str] = ContextVar("current_path", default="/")

#: The longest Accept-Language header we bother to read; the rest is ignored, not an error.
MAX_ACCEPT_LANGUAGE = 512
MAX_LANGUAGE_RANGES = 16


def url_code(locale: str) -> str:
    """The BCP 47 spelling used in URLs and in the HTML lang attribute: pt_BR -> pt-BR."""
    return locale.replace("_", "-")


def from_url_code(code: str, enabled: Iterable[str]) -> str | None:
    wanted = code.replace("-", "_").casefold()
    for locale in enabled:
        if locale.casefold() == wanted:
            return locale
    return None


def switch_path(locale: str, enabled: Iterable[str]) -> str:
    """The current page in another language (the same path under another locale prefix)."""
    path = current_path.get()
    first, _, rest = path.lstrip("/").partition("/")
    if from_url_code(first, enabled) is not None:
        return f"/{url_code(locale)}/{rest}"
    return f"/{url_code(locale)}/"


def _ranges(header: str) -> list[str]:
    """Language ranges from an Accept-Language header, best first; garbage is skipped."""
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate(header[:MAX_ACCEPT_LANGUAGE].split(",")[:MAX_LANGUAGE_RANGES]):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = -1.0
        if 0.0 < quality <= 1.0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def _parse(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError, TypeError):
        return None


def negotiate(header: str | None, enabled: Iterable[str], default: str = SOURCE_LOCALE) -> str:
    """The enabled locale that best matches Accept-Language, else the default.

    Babel's negotiate_locale matches whole tags only, so zh-CN would never meet zh_Hans and
    pt-PT never pt_BR; we compare language and script instead, in the client's order.
    """
    available = [(locale, Locale.parse(locale)) for locale in enabled]
    wanted = [parsed for parsed in map(_parse, _ranges(header or "")) if parsed is not None]
    for strict in (True, False):
        for preferred in wanted:
            for code, candidate in available:
                if candidate.language != preferred.language:
                    continue
                scripts_agree = (
                    candidate.script is None
                    or preferred.script is None
                    or candidate.script == preferred.script
                )
                if scripts_agree or not strict:
                    return code
    return default


@lru_cache(maxsize=32)
def translations(locale: str) -> gettext_module.NullTranslations:
    return gettext_module.translation(
        DOMAIN, localedir=str(CATALOG_DIR), languages=[locale], fallback=True
    )


def gettext(message: str) -> str:
    return translations(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(current_locale.get()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).npgettext(context, singular, plural, n)


def gettext_noop(message: str) -> str:
    """Marks a module-level string for extraction; translate it where it is shown."""
    return message


_ = gettext


def NP_(context: str, message: str) -> str:
    """Marks a string with a context for extraction (babel.cfg keyword NP_:1c,2)."""
    return message


def has_translation(locale: str, context: str | None, message: str) -> bool:
    """Whether the compiled catalog for locale holds this exact message."""
    if locale == SOURCE_LOCALE:
        return True
    catalog = getattr(translations(locale), "_catalog", {})
    key = f"{context}\x04{message}" if context else message
    return bool(catalog.get(key))


def text_direction(locale: str | None = None) -> str:
    return str(Locale.parse(locale or current_locale.get()).text_direction)


def display_name(locale: str) -> str:
    """A locale's name in its own language, as a language switcher shows it."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


def format_number(value: float | int, decimals: int | None = None) -> str:
    if decimals is None:
        fmt = None  # Babel's own precision for the locale
    elif decimals == 0:
        fmt = "#,##0"
    else:
        fmt = "#,##0." + "0" * decimals
    return str(format_decimal(value, format=fmt, locale=current_locale.get()))


def format_percentage(fraction: float, decimals: int = 0) -> str:
    fmt = "#,##0%" if decimals == 0 else "#,##0." + "0" * decimals + "%"
    return str(format_percent(fraction, format=fmt, locale=current_locale.get()))


def format_day(value: date, form: str = "long") -> str:
    return str(babel_format_date(value, format=form, locale=current_locale.get()))
