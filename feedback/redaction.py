"""Remove contact details (emails, phones, postcodes, links, handles) from free text before storage.

Respondents are promised anonymity, so anything that would let someone find or contact a person is
replaced by a bracketed placeholder naming what was there: ``[email]``, ``[phone]``,
``[postcode]``, ``[link]``, ``[handle]``. The redacted text is the only form that is ever stored.

All kinds are looked for in one left-to-right scan; the earliest match wins, and where two start
at the same place the more specific kind wins, in the order of _RULES: links with a scheme (they
may hold "@" and digits), emails (their domains would otherwise read as bare links), obfuscated
emails, bare-domain links, labelled and "@" handles, phones, UK postcodes. The scan reads a copy of
the text with every Unicode decimal digit (Arabic-Indic, Thai, ...) turned into ASCII, of the same
length so that positions line up; replacements are made in the original.

Over-redaction is the safer error here: a lost word costs far less than a leaked number. Known
limits: phones are recognised by shape, not by numbering plan, so a bare 9-11 digit number in a
phone shape is redacted whatever it is and unusual national formats without "0" or "+" are not;
postcodes are UK only; handles need an "@" or a platform label; "name at domain" with no
dot is only an email for well-known mail providers ("jane at gmail").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, TypeAlias

__all__ = ["KINDS", "Redacted", "redact"]

KINDS: Final = ("email", "phone", "postcode", "link", "handle")


@dataclass(frozen=True, slots=True)
class Redacted:
    """Text with contact details replaced by placeholders, and how many of each were removed."""

    text: str
    # kind -> how many were removed; every kind in KINDS is present, most are 0. Left out of the
    # hash because a mapping cannot be hashed; equal objects still have equal text.
    counts: Mapping[str, int] = field(hash=False)


# Scripts written without spaces between words. A Latin email or handle written straight after
# (or before) Chinese or Thai text must not swallow the neighbouring words, so these are never
# part of a local part, domain, handle or URL. Also covers CJK punctuation and fullwidth forms.
_NOSPACE: Final = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff00-\uffef"
)
_WORD: Final = "[^\\W" + _NOSPACE + "]"  # letters, digits, "_"
_ALNUM: Final = "[^\\W_" + _NOSPACE + "]"
_LETTER: Final = "[^\\W\\d_" + _NOSPACE + "]"
_HANDLE_START: Final = "[^\\W\\d" + _NOSPACE + "]"  # a letter or "_", never a digit ("@5pm")

# Every lookbehind below looks at one character and none of them rejects "]", the last character
# of every placeholder. That is what lets _scan treat "just after a replacement" exactly as a
# second run over the redacted text will, which keeps redact() idempotent. Lookaheads and the
# context rules must likewise never depend on text that a later match could replace.

# --- links ---------------------------------------------------------------------------------------

# Characters a URL may run through. Quotes, brackets (placeholders are bracketed) and scripts
# without spaces end it, so "看https://x.cn/a请联系我" keeps the Chinese around the link.
_URL_CHAR: Final = (
    "[^\\s<>\"'\\[\\]{}|\\\\^`\u2018\u2019\u201c\u201d\u201e\u00ab\u00bb\u060c\u061b\u061f"
    + _NOSPACE
    + "]"
)
# Punctuation that ends a sentence rather than a URL.
_URL_TRAILING: Final = frozenset(".,;:!?'\"*")

# Only domains ending in one of these count without "http" or "www", so that a missing space
# after a full stop ("scared.It was") is not taken for a link. Deliberately leaves out TLDs that
# are common words in the survey languages: it, in, is, at, be, no, to, us, so, am, ma, ai.
_TLDS: Final = frozenset(
    """
    com net org info biz io co uk ie eu ro bg hu pl br es pt mx ar cl pe th cn hk tw ru ua de fr
    nl ch tv cc gg ly gl me app dev xyz site online club vip live link fans chat top shop store
    blog website social dating sex xxx porn adult cam sa ae qa kw
    """.split()  # noqa: SIM905 - a word list reads better than 64 quoted strings
)
_TLD_ALTERNATION: Final = "|".join(sorted(_TLDS, key=lambda tld: (-len(tld), tld)))

_SCHEME_LINK_LB: Final = "(?<![A-Za-z0-9_.@/-])"
_SCHEME_LINK: Final = "(?:(?:https?|ftp)://|www\\.)" + _URL_CHAR + "*+"

_BARE_LINK_LB: Final = "(?<![A-Za-z0-9_.@/-])"
# The inner label is possessive and cannot contain ".", so backing off the outer "+" to find the
# TLD costs one step per label: no catastrophic backtracking.
_BARE_LINK: Final = (
    "(?:[A-Za-z0-9-]++\\.)+(?:"
    + _TLD_ALTERNATION
    + ")(?![A-Za-z0-9_-])(?:[/?#]"
    + _URL_CHAR
    + "*+)?"
)

# --- emails --------------------------------------------------------------------------------------

_EMAIL_LB: Final = "(?<!" + _WORD + ")(?<![.%+-])"
_EMAIL: Final = (
    "(?:"
    + _WORD
    + "|[.%+-])++@(?="
    + _LETTER
    + ")(?:"
    + _ALNUM
    + "|-)++(?:\\.(?:"
    + _ALNUM
    + "|-)++)*+"
)

# "name at domain dot com", "name(at)domain.com", "name [at] domain [dot] com" and the same with
# the words for "@" and "." that people use in the survey languages.
_AT_WORDS: Final = "at|arroba|ma[łl]pa|kukac|маймунка|кльомба|@"
_DOT_WORDS: Final = "dot|punto|ponto|kropka|pont|punct|точка"
_OPEN: Final = "[(\\[{<]"
_CLOSE: Final = "[)\\]}>]"
_OBF_AT: Final = (
    "(?P<at>\\s*+"
    + _OPEN
    + "\\s*+(?:"
    + _AT_WORDS
    + ")\\s*+"
    + _CLOSE
    + "\\s*+|\\s++(?P<spaced>"
    + _AT_WORDS
    + ")\\s++)"
)
_OBF_DOT: Final = (
    "(?:\\.|\\s*+"
    + _OPEN
    + "\\s*+(?:"
    + _DOT_WORDS
    + ")\\s*+"
    + _CLOSE
    + "\\s*+|\\s++(?:"
    + _DOT_WORDS
    + ")\\s++)"
)
_OBF_EMAIL: Final = (
    "(?:"
    + _WORD
    + "|[.%+-])++"
    + _OBF_AT
    + "(?P<domain>[A-Za-z0-9-]++(?:"
    + _OBF_DOT
    + "[A-Za-z0-9-]++)*+)"
)
# With a plain " at " and a real "." ("look at example.com") the text is usually a sentence about a
# website, so it only counts as an email when the domain is a mail provider.
_MAIL_PROVIDERS: Final = frozenset(
    """
    gmail googlemail yahoo ymail hotmail outlook live msn icloud aol proton protonmail gmx mail
    yandex zoho abv dir wp o2 onet interia freemail citromail qq 163 126 sina sohu uol bol terra
    """.split()  # noqa: SIM905 - as for _TLDS
)
# "jane at gmail" with no domain ending at all. Only providers whose names are not ordinary words
# or places ("at live", "at O2", "at mail" are not emails).
_BARE_MAIL_PROVIDERS: Final = frozenset(
    """
    gmail googlemail yahoo ymail hotmail outlook icloud protonmail yandex abv freemail citromail
    interia onet
    """.split()  # noqa: SIM905 - as for _TLDS
)

# --- handles -------------------------------------------------------------------------------------

_HANDLE_BODY: Final = "(?:" + _WORD + ")++(?:\\.(?:" + _WORD + ")++)*+"
# No lookbehind: "name@domain" is always taken as an email, because that match starts earlier (at
# the name), so any other "@" followed by a letter is a handle ("联系@jane", "@jane@bob").
_HANDLE: Final = "@(?=" + _HANDLE_START + ")" + _HANDLE_BODY

# "snap: jane_x", "Telegram - @jane", "line id: jane". The label stays, the name goes. Values that
# start with a digit or "+" are left to phone detection ("whatsapp: 07700 900123").
_HANDLE_LABELS: Final = (
    "snap(?:chat)?|telegram|tg|insta(?:gram)?|ig|twitter|tiktok|kik|we ?chat|weixin|微信"
    "|line ?id|ไลน์|ไอดีไลน์|signal|viber|skype|discord|fb|facebook|threads|whatsapp|vk"
)
_LABELLED_HANDLE_LB: Final = "(?<![A-Za-z0-9_])"
_LABELLED_HANDLE: Final = (
    "(?:"
    + _HANDLE_LABELS
    + ")(?:[ \u00a0]?(?:id|name|handle|user(?:name)?))?[ \u00a0]*+[:=\\-\u2013\u2014][ \u00a0]*+"
    "(?P<value>@?[A-Za-z_][A-Za-z0-9_]*+(?:[.\\-][A-Za-z0-9_]++)*+)"
)

# --- phones --------------------------------------------------------------------------------------

# One separator between digit groups: a space, or a dot or dash with optional spaces around it.
_PHONE_SEP: Final = "(?:[ \u00a0]?[.\\-\u2013][ \u00a0]?|[ \u00a0])"
# Not straight after a letter, digit, "+" or "/" (that would be the middle of a word, a longer
# number or a reference like "CR/12345/24"). The rest of the context rules are in _decide_phone.
_PHONE_LB: Final = "(?<![0-9A-Za-z_+/])"
# Digit runs are possessive and separators contain no digits, so each run is read one way only
# and the bounded repeat cannot backtrack combinatorially. Which runs make up the number (and
# whether it is one) is decided in _decide_phone.
_PHONE: Final = "(?:\\+[ \u00a0]?|\\(\\+?)?[0-9]++\\)?(?:" + _PHONE_SEP + "?\\(?[0-9]++\\)?){0,7}"
_DIGIT_RUN: Final = re.compile("[0-9]++")
_MIN_PHONE_DIGITS: Final = 9
# National numbers in the survey countries are at most 11 digits with the leading 0; 12 leaves
# room for a Brazilian mobile written with "0" before the area code. E.164 allows 15 after "+".
_MAX_NATIONAL_DIGITS: Final = 12
_MAX_INTERNATIONAL_DIGITS: Final = 15
# A trailing group of one or two digits after a number that is already this long is a separate
# number ("call 0721 234 567 2 times"), not the end of the phone number ("06 12 34 56 78").
_COMPLETE_DIGITS: Final = 10
# Numbers without a trunk "0" or "+" are only phones in these shapes: (group lengths, pattern the
# joined digits must start with). North American, Chinese mobile, Brazilian mobile with area
# code, Spanish and Polish.
_BARE_PHONE_SHAPES: Final[tuple[tuple[tuple[int, ...], re.Pattern[str]], ...]] = (
    ((3, 3, 4), re.compile("[2-9]")),
    ((3, 4, 4), re.compile("1[3-9]")),
    ((11,), re.compile("1[3-9]")),
    ((2, 5, 4), re.compile("[1-9][0-9]9")),
    ((3, 3, 3), re.compile("[5-9]")),
    ((3, 2, 2, 2), re.compile("[6-9]")),
)
# "01.02.2024 22:30" starts with a 0 and has ten digits; a date is three groups joined by the same
# "." or "-" with a four-digit year that the same separator does not continue.
_DATE_START: Final = re.compile("[0-9]{1,2}([.\\-])[0-9]{1,2}\\1[0-9]{4}(?![0-9]|\\1[0-9])")
# "08.30 - 09.30 - 10.30" is a list of times, not "08 30 09 30 10 30".
_TIME: Final = "[0-2][0-9]\\.[0-5][0-9]"
_TIMES: Final = re.compile(_TIME + "(?:" + _PHONE_SEP + _TIME + ")+")
# A police or case reference is not anyone's contact detail: "crime ref 0123456789/24".
_REFERENCE_BEFORE: Final = re.compile(
    "(?:\\bref(?:erence)?|\\bcrime\\s+(?:ref(?:erence)?|number|no)|\\bcrn|\\bcad|\\bcris"
    "|\\b(?:incident|log|case|occurrence|report)\\s+(?:ref(?:erence)?|number|no|#))"
    "\\.?\\s*+(?:no\\.?|number|#)?\\s*+[:#.]?\\s*+$",
    re.IGNORECASE,
)
# Money: "£500 000 000", "650 000 000 lei", "612 345 678 EUR". A unit after the number only counts
# when it ends there, so that it cannot be the start of something redacted later in the scan
# ("612 345 678 eur@x.com"): that would make the decision change on a second run.
_MONEY_BEFORE: Final = re.compile("(?:[£€$¥₹฿]|R\\$|zł|lei|eur|gbp|usd)\\s?$", re.IGNORECASE)
_MONEY_AFTER: Final = re.compile(
    "\\s?(?:[%£€$¥₹฿元]|lei|leva|лв|zł|pln|ft|huf|eur|euros?|pounds?|gbp|usd|dollars?|reais|baht"
    "|บาท|yuan|rmb|ron|bgn|percent)(?=[\\s,;:!?)\\]}'\"" + _NOSPACE + "]|\\.(?!\\w)|$)",
    re.IGNORECASE,
)

# --- postcodes -----------------------------------------------------------------------------------

# Full UK postcodes only: the outward code alone ("LS11") covers thousands of households and says
# where something happened, which the survey needs. Letter sets follow the Royal Mail rules (no
# C, I, K, M, O or V in the inward letters, so "2pm" and "1am" never match).
_POSTCODE_LB: Final = "(?<![A-Za-z0-9])"
_POSTCODE: Final = (
    "[A-PR-UWYZ][A-HK-Y]?[0-9][A-HJKMNPR-Y0-9]?[ \u00a0]?"
    "(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])"
)
# Lower-case ordinals look like inward codes: "m1 4th exit", "b2 1st floor".
_ORDINAL_SUFFIXES: Final = frozenset({"st", "nd", "rd", "th"})

# How much of the text before a match the context rules may look at.
_CONTEXT: Final = 40


# Given a match and the (digit-normalised) output just before it, the span to replace or None.
Decide: TypeAlias = Callable[[re.Match[str], str], tuple[int, int] | None]


def _decide_scheme_link(match: re.Match[str], before: str) -> tuple[int, int] | None:
    text = match.group()
    prefix = 4 if text[:4].lower() == "www." else text.index("//") + 2
    end = _trim_url_end(text, prefix)
    if end <= prefix:
        return None  # "http://" or "www." alone points at nothing
    return match.start(), match.start() + end


def _decide_bare_link(match: re.Match[str], before: str) -> tuple[int, int] | None:
    text = match.group()
    path = text.find("/"), text.find("?"), text.find("#")
    starts = [index for index in path if index >= 0]
    if not starts:
        return match.span()
    return match.start(), match.start() + _trim_url_end(text, min(starts))


def _trim_url_end(text: str, minimum: int) -> int:
    """End of a URL without the sentence punctuation after it; ")" only if it is unbalanced."""
    end = len(text)
    # Counted once, not per character trimmed, so a run of ")" stays linear.
    opened = text.count("(")
    closed = text.count(")")
    while end > minimum:
        char = text[end - 1]
        if char in _URL_TRAILING:
            end -= 1
        elif char == ")" and closed > opened:
            end -= 1
            closed -= 1
        else:
            break
    return end


def _decide_obfuscated_email(match: re.Match[str], before: str) -> tuple[int, int] | None:
    domain = match.group("domain")
    labels = _OBF_DOT_RE.split(domain)
    if len(labels) == 1:
        return match.span() if domain.lower() in _BARE_MAIL_PROVIDERS else None
    tld = labels[-1].lower()
    spaced = match.group("spaced")
    if spaced is None:
        # Bracketed "(at)" is never ordinary prose; any alphabetic TLD will do.
        return match.span() if tld.isalpha() and 2 <= len(tld) <= 24 else None
    if tld not in _TLDS:
        return None
    if spaced.lower() not in ("at", "@"):
        return match.span()  # "arroba", "małpa" and the rest are not everyday words
    spelled_dot = any(separator != "." for separator in _OBF_DOT_RE.findall(domain))
    if spelled_dot or labels[0].lower() in _MAIL_PROVIDERS:
        return match.span()
    return None


def _decide_labelled_handle(match: re.Match[str], before: str) -> tuple[int, int] | None:
    return match.span("value")


def _decide_phone(match: re.Match[str], before: str) -> tuple[int, int] | None:
    candidate = match.group()
    # "1.07700 900123" and "22:30" carry on a number rather than start one.
    if len(before) >= 2 and before[-2] in "0123456789" and before[-1] in ".,:-":
        return None
    if _REFERENCE_BEFORE.search(before) or _MONEY_BEFORE.search(before):
        return None
    runs = [(run.start(), run.end()) for run in _DIGIT_RUN.finditer(candidate)]
    groups = [candidate[start:end] for start, end in runs]
    if candidate.startswith(("+", "(+")) or groups[0].startswith("00"):
        taken = _take_groups(candidate, runs, _MAX_INTERNATIONAL_DIGITS, international=True)
    elif groups[0].startswith("0"):
        if _DATE_START.match(candidate.lstrip("(")):
            return None
        taken = _take_groups(candidate, runs, _MAX_NATIONAL_DIGITS, international=False)
        if taken is not None and _TIMES.fullmatch(candidate, 0, runs[taken - 1][1]):
            return None
    else:
        taken = _take_bare_shape(groups)
    if taken is None:
        return None
    start, end = 0, runs[taken - 1][1]
    # Keep brackets balanced: take a closing ")" that belongs to the number, leave an opening "("
    # that does not ("(call 07700 900123)" -> "(call [phone])").
    inside = candidate[:end]
    if end < len(candidate) and candidate[end] == ")" and inside.count("(") > inside.count(")"):
        end += 1
    if candidate.startswith("(") and candidate[:end].count(")") == 0:
        start = 1
    if _MONEY_AFTER.match(match.string, match.start() + end):
        return None
    return match.start() + start, match.start() + end


def _take_groups(
    candidate: str, runs: list[tuple[int, int]], maximum: int, *, international: bool
) -> int | None:
    """How many digit groups of a "+"/"00" or trunk-"0" number make up the phone number."""
    counted: list[int] = []
    total = 0
    for index, (start, end) in enumerate(runs):
        length = end - start
        if international and index == 0 and candidate[start : start + 2] == "00":
            length -= 2  # "00" is only the way to dial out, like "+"
        if candidate[start:end] == "0" and candidate[start - 1 : end + 1] == "(0)":
            length = 0  # "+44 (0)7700": the 0 is dropped when dialling from abroad
        total += length
        counted.append(total)
    taken = len(runs)
    while taken > 0 and counted[taken - 1] > maximum:
        taken -= 1
    while (
        taken > 1
        and runs[taken - 1][1] - runs[taken - 1][0] <= 2
        and counted[taken - 2] >= _COMPLETE_DIGITS
        and candidate[runs[taken - 2][1] : runs[taken - 1][0]].isspace()
    ):
        taken -= 1
    if taken == 0 or counted[taken - 1] < _MIN_PHONE_DIGITS:
        return None
    return taken


def _take_bare_shape(groups: list[str]) -> int | None:
    """How many groups of a number without "0" or "+" form a known phone shape, if any."""
    for taken in range(min(len(groups), 4), 0, -1):
        lengths = tuple(len(group) for group in groups[:taken])
        digits = "".join(groups[:taken])
        # Round amounts ("650 000 000") are money, not phones.
        if digits.endswith("000000"):
            continue
        for shape, start in _BARE_PHONE_SHAPES:
            if lengths == shape and start.match(digits):
                return taken
    return None


def _decide_postcode(match: re.Match[str], before: str) -> tuple[int, int] | None:
    inward = match.group("inward")
    if inward[1:] in _ORDINAL_SUFFIXES:
        return None  # lower case only: "B33 8TH" is a postcode, "b2 1st floor" is not
    return match.span()


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]  # with its lookbehind, for scanning
    anchored: re.Pattern[str]  # the same without it, tried just after a replacement
    decide: Decide | None  # the span to replace, or None to let the match go


def _rule(kind: str, lookbehind: str, body: str, decide: Decide | None, flags: int = 0) -> _Rule:
    return _Rule(
        kind=kind,
        pattern=re.compile(lookbehind + body, flags),
        anchored=re.compile(body, flags),
        decide=decide,
    )


_OBF_DOT_RE: Final = re.compile(_OBF_DOT, re.IGNORECASE)

_RULES: Final = (
    _rule("link", _SCHEME_LINK_LB, _SCHEME_LINK, _decide_scheme_link, re.IGNORECASE),
    _rule("email", _EMAIL_LB, _EMAIL, None),
    _rule("email", _EMAIL_LB, _OBF_EMAIL, _decide_obfuscated_email, re.IGNORECASE),
    _rule("link", _BARE_LINK_LB, _BARE_LINK, _decide_bare_link, re.IGNORECASE),
    _rule("handle", _LABELLED_HANDLE_LB, _LABELLED_HANDLE, _decide_labelled_handle, re.IGNORECASE),
    _rule("handle", "", _HANDLE, None),
    _rule("phone", _PHONE_LB, _PHONE, _decide_phone),
    _rule("postcode", _POSTCODE_LB, _POSTCODE, _decide_postcode, re.IGNORECASE),
)

_PLACEHOLDERS: Final = {kind: f"[{kind}]" for kind in KINDS}

# Decimal digits of any script (Arabic-Indic, Thai, Devanagari, fullwidth, ...) but not ASCII.
_OTHER_DIGIT: Final = re.compile("(?![0-9])\\d")


def _ascii_digit(match: re.Match[str]) -> str:
    value = unicodedata.decimal(match.group(), None)
    # One character for one character: positions in the copy must match the original.
    return match.group() if value is None else str(value)


def _normalise_digits(text: str) -> str:
    if text.isascii():
        return text
    return _OTHER_DIGIT.sub(_ascii_digit, text)


def _scan(text: str, view: str, counts: dict[str, int]) -> str:
    """`text` with every accepted match replaced, found in `view` (its digit-normalised copy).

    All rules are scanned together, left to right: the earliest match wins, and of two starting at
    the same place the earlier rule. One scan (rather than a pass per rule) means every context
    check sees the text as it will be stored, placeholders included, so a second run finds
    nothing new. Each rule keeps its next match and searches again only when a replacement
    overlaps it or its match is rejected, so the scan stays linear-ish.
    """
    found = [rule.pattern.search(view) for rule in _RULES]
    parts: list[str] = []
    last = 0  # end of the last replacement
    tail = ""  # the last _CONTEXT characters of the output up to `last`
    while True:
        best = -1
        match: re.Match[str] | None = None
        for index, candidate in enumerate(found):
            if candidate is not None and (match is None or candidate.start() < match.start()):
                best, match = index, candidate
        if match is None:
            break
        rule = _RULES[best]
        start = match.start()
        before = (tail + view[max(last, start - _CONTEXT) : start])[-_CONTEXT:]
        span = match.span() if rule.decide is None else rule.decide(match, before)
        if span is None or span[0] < last or span[1] <= span[0]:
            found[best] = rule.pattern.search(view, start + 1)
            continue
        begin, end = span
        placeholder = _PLACEHOLDERS[rule.kind]
        parts += (text[last:begin], placeholder)
        tail = (tail + view[max(last, begin - _CONTEXT) : begin] + placeholder)[-_CONTEXT:]
        counts[rule.kind] += 1
        last = end
        for index, other in enumerate(_RULES):
            # Just after a replacement the output has "]", which no lookbehind rejects; the
            # original character might have, and then a second run would find a match here.
            anchored = other.anchored.match(view, end)
            current = found[index]
            if anchored is not None:
                found[index] = anchored
            elif current is not None and current.start() < end:
                found[index] = other.pattern.search(view, end)
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def redact(text: str) -> Redacted:
    """`text` with every email, phone number, full UK postcode, link and social-media handle
    replaced by "[email]", "[phone]", "[postcode]", "[link]" or "[handle]".

    Never raises for any str, is idempotent, and runs in time roughly linear in the length.
    """
    counts = dict.fromkeys(KINDS, 0)
    redacted = _scan(text, _normalise_digits(text), counts)
    return Redacted(text=redacted, counts=MappingProxyType(counts))
