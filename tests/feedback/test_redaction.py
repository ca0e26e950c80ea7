"""Redaction of contact details from free text before it is stored (feedback/redaction.py)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.redaction import KINDS, Redacted, redact

EMAILS = [
    ("jane.doe@example.com", "[email]"),
    ("write to jane.doe+police@example.co.uk.", "write to [email]."),
    ("<ioana_pop@yahoo.ro>", "<[email]>"),
    ("mail: A.B-C@Sub.Example.ORG, thanks", "mail: [email], thanks"),
    ("мария@mail.bg пише", "[email] пише"),
    ("jane@gmail (no ending)", "[email] (no ending)"),
]

OBFUSCATED_EMAILS = [
    ("write to maria at gmail dot com please", "write to [email] please"),
    ("jane.doe AT gmail DOT com", "[email]"),
    ("name(at)domain.com", "[email]"),
    ("name (at) domain (dot) com", "[email]"),
    ("ivan [at] abv [dot] bg", "[email]"),
    ("jane {at} proton {dot} me.", "[email]."),
    ("jane at gmail.com", "[email]"),
    ("jane @ gmail.com", "[email]"),
    ("email jane at gmail", "email [email]"),
    ("napisz jan małpa wp kropka pl", "napisz [email]"),
    ("escríbeme: ana arroba hotmail punto es", "escríbeme: [email]"),
    ("kati kukac freemail pont hu", "[email]"),
]

# " at " is an everyday word: these are sentences, not obfuscated addresses.
NOT_EMAILS = [
    "they laughed at me.Then they left",
    "I was at home",
    "we met at live music",
    "meet at the station dot by the bus stop",
    "meet @ the.station",
]

UK_PHONES = [
    ("07700 900123", "[phone]"),
    ("07700900123", "[phone]"),
    ("+44 7700 900123", "[phone]"),
    ("+447700900123", "[phone]"),
    ("+44 (0)7700 900 123", "[phone]"),
    ("0161 496 0000", "[phone]"),
    ("(0161) 496-0000", "[phone]"),
    ("020 7946 0000", "[phone]"),
    ("0800 123 4567", "[phone]"),
    ("07700-900-123", "[phone]"),
    ("07700.900.123", "[phone]"),
    ("call 07700 900123, or 07700 900124.", "call [phone], or [phone]."),
    ("tel:07700900123", "tel:[phone]"),
    ("(call me on 07700 900123)", "(call me on [phone])"),
    ("whatsapp me on 07700 900123", "whatsapp me on [phone]"),
]

INTERNATIONAL_PHONES = [
    ("+40 721 234 567", "[phone]"),
    ("0721 234 567", "[phone]"),
    ("+359 88 123 4567", "[phone]"),
    ("088 123 4567", "[phone]"),
    ("0040-721-234-567", "[phone]"),
    ("+1 (555) 123-4567", "[phone]"),
    ("(555) 123-4567", "[phone]"),
    ("555-123-4567", "[phone]"),
    ("+86 138 0013 8000", "[phone]"),
    ("13800138000", "[phone]"),
    ("06 12 34 56 78", "[phone]"),
    ("06.12.34.56.78", "[phone]"),
    ("+33 6 12 34 56 78", "[phone]"),
    ("06 30 123 4567", "[phone]"),
    ("+36 30 123 4567", "[phone]"),
    ("512 345 678", "[phone]"),
    ("+48 512 345 678", "[phone]"),
    ("612 34 56 78", "[phone]"),
    ("(11) 91234-5678", "[phone]"),
    ("+55 11 91234-5678", "[phone]"),
    ("081-234-5678", "[phone]"),
    ("+971 50 123 4567", "[phone]"),
]

# Normalised to ASCII for detection; the text around them is untouched.
OTHER_SCRIPT_DIGIT_PHONES = [
    ("٠٧٧٠٠ ٩٠٠١٢٣", "[phone]"),
    ("+٤٤ ٧٧٠٠ ٩٠٠١٢٣", "[phone]"),
    ("๐๘๑ ๒๓๔ ๕๖๗๘", "[phone]"),
    ("๐๘๑-๒๓๔-๕๖๗๘", "[phone]"),
    ("۰۷۷۰۰۹۰۰۱۲۳", "[phone]"),
]

# A number straight after a phone is kept when the phone is already complete.
PHONE_BOUNDARIES = [
    ("call 0721 234 567 2 times", "call [phone] 2 times"),
    ("07700 900123 10 times", "[phone] 10 times"),
    ("+44 7700 900123 10 times", "[phone] 10 times"),
    ("06 12 34 56 78 10 times", "[phone] 10 times"),
]

DATES = [
    "12/03/2024",
    "2024-03-12",
    "12.03.2024",
    "12 March 2024",
    "on 01.02.2024 22:30",
    "01.02.2024 - 03.04.2024",
    "2024-03-12 07:30:00",
    "12th March 2024 at 5:30pm",
]

TIMES = ["22:30", "at 08.30", "between 08.30 - 09.30 - 10.30", "22:30-23:45"]

PRICES = [
    "£120",
    "£1,200.50",
    "50 pounds",
    "€80",
    "it cost £500 000 000",
    "650 000 000 lei",
    "1.200.000 Ft",
    "500 000 000 lei",
    "612 345 678 EUR.",
    "R$ 1.500,00",
]

YEARS = ["2023", "in 2019 2020 2021 and 2022", "from 2019-2024", "2567 (Thai year)"]

COUNTS = [
    "3 times",
    "2 officers",
    "room 12",
    "bus 42",
    "between 10 and 12 people",
    "junction 7 of the M25",
    "1 2 3 4 5 6 7 8 9 10",
]

PERCENTAGES = ["45%", "12.5 %", "about 0.5% of 100"]

CRIME_REFERENCES = [
    "CR/12345/24",
    "crime reference number: 4512345/24",
    "CAD 1234 12/03/24",
    "crime ref 0123456789",
    "ref: 0123456789",
    "incident no. 01234 567890",
]

OTHER_NUMBERS = ["version 1.2.3", "my card 4111 1111 1111 1111", "0.5 0.25", "192.168.0.1"]

POSTCODES = [
    ("SW1A 1AA", "[postcode]"),
    ("M1 1AE", "[postcode]"),
    ("B33 8TH", "[postcode]"),
    ("CR2 6XH", "[postcode]"),
    ("DN55 1PT", "[postcode]"),
    ("EC1A 1BB", "[postcode]"),
    ("sw1a 1aa", "[postcode]"),
    ("sw1a1aa", "[postcode]"),
    ("LS11 5QN", "[postcode]"),
    ("I live at LS11 5QN, near the park", "I live at [postcode], near the park"),
    ("(EC1A1BB).", "([postcode])."),
]

OUTWARD_CODES = [
    "in LS11 at night",
    "around M1 and B33",
    "SW1A is busy",
    "on the M25",
    "b2 1st floor",
    "the m1 4th exit",
    "at 3PM",
]

LINKS = [
    ("https://example.com/a?b=c.", "[link]."),
    ("http://example.com", "[link]"),
    ("see www.example.org/x, then", "see [link], then"),
    ("(see https://en.wikipedia.org/wiki/A_(b))", "(see [link])"),
    ("example.com/path", "[link]"),
    ("visit Example.COM today", "visit [link] today"),
    ("onlyfans.com/name", "[link]"),
    ("t.me/name", "[link]"),
    ("wa.me/447700900123", "[link]"),
    ("vivastreet.co.uk/ads/123", "[link]"),
    ("look at example.com/page", "look at [link]"),
    ("https://x.com/@jane", "[link]"),
]

NOT_LINKS = [
    "I was scared.It was late",
    "e.g. the U.K. police, etc.",
    "photo.jpg",
    "3.5 stars",
    "http:// is not a link",
]

HANDLES = [
    ("follow @jane_doe", "follow [handle]"),
    ("@jane and @bob.", "[handle] and [handle]."),
    ("ask @jane.doe.99!", "ask [handle]!"),
    ("snap: jane_x", "snap: [handle]"),
    ("Snapchat - jane.x", "Snapchat - [handle]"),
    ("telegram: @jane", "telegram: [handle]"),
    ("insta: jane", "insta: [handle]"),
    ("line id: somchai99", "line id: [handle]"),
    ("Telegram: +44 7700 900123", "Telegram: [phone]"),
    ("whatsapp: 07700900123", "whatsapp: [phone]"),
]

NOT_HANDLES = ["meet @ 5pm", "meet @5pm", "a lone @", "big: thing", "@@"]

# Everything but the contact details survives, diacritics and scripts included.
OTHER_SCRIPTS = [
    (
        "Poliția m-a oprit în București, sunați 0721 234 567 sau ioana.popescu@yahoo.ro",
        "Poliția m-a oprit în București, sunați [phone] sau [email]",
    ),
    (
        "اتصل بي على ٠٧٧٠٠٩٠٠١٢٣ أو البريد ali@example.ae شكرا",
        "اتصل بي على [phone] أو البريد [email] شكرا",
    ),
    (
        "ติดต่อ @somchai หรือ ไลน์: somchai99 โทร ๐๘๑-๒๓๔-๕๖๗๘ ขอบคุณค่ะ",
        "ติดต่อ [handle] หรือ ไลน์: [handle] โทร [phone] ขอบคุณค่ะ",
    ),
    ("联系我jane@gmail.com请", "联系我[email]请"),
    ("我的电话是13800138000谢谢", "我的电话是[phone]谢谢"),
    ("微信: wxid_abc123 电话 138-0013-8000", "微信: [handle] 电话 [phone]"),
    ("看https://example.cn/a请联系", "看[link]请联系"),
    ("Обади се на 088 123 4567, моля", "Обади се на [phone], моля"),
    (
        "Zadzwoń 512 345 678 albo napisz jan małpa wp kropka pl",
        "Zadzwoń [phone] albo napisz [email]",
    ),
    ("Hívj: 06 30 123 4567, köszönöm", "Hívj: [phone], köszönöm"),
    ("Llámame al 612 34 56 78 o (11) 91234-5678", "Llámame al [phone] o [phone]"),
    ("Me liga: +55 11 91234-5678, obrigada", "Me liga: [phone], obrigada"),
]

# Nothing to redact: must come back exactly as written.
UNTOUCHED_TEXT = [
    "Poliția a fost amabilă; m-au ajutat să fac plângere.",
    "الشرطة كانت لطيفة معي",
    "ตำรวจช่วยเหลือดีมาก",
    "警察很有礼貌，谢谢",
    "Полицията ми помогна.",
    "Policja była bardzo pomocna.",
    "A rendőrség segített.",
    "La policía me ayudó mucho.",
    "A polícia foi muito gentil.",
    "The officers were kind; it happened 3 times in 2023 near LS11.",
    "",
]

NOT_PHONES = (
    DATES + TIMES + PRICES + YEARS + COUNTS + PERCENTAGES + CRIME_REFERENCES + OTHER_NUMBERS
)
ALL_REDACTED_CASES = (
    EMAILS
    + OBFUSCATED_EMAILS
    + UK_PHONES
    + INTERNATIONAL_PHONES
    + OTHER_SCRIPT_DIGIT_PHONES
    + PHONE_BOUNDARIES
    + POSTCODES
    + LINKS
    + HANDLES
    + OTHER_SCRIPTS
)
ALL_KEPT_CASES = NOT_EMAILS + NOT_PHONES + OUTWARD_CODES + NOT_LINKS + NOT_HANDLES + UNTOUCHED_TEXT


@pytest.mark.parametrize(("text", "expected"), EMAILS)
def test_it_redacts_email_addresses(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(("text", "expected"), OBFUSCATED_EMAILS)
def test_it_redacts_obfuscated_email_addresses(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize("text", NOT_EMAILS)
def test_it_keeps_sentences_that_use_at_as_a_word(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(("text", "expected"), UK_PHONES)
def test_it_redacts_uk_phone_numbers(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(("text", "expected"), INTERNATIONAL_PHONES)
def test_it_redacts_international_phone_numbers(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(("text", "expected"), OTHER_SCRIPT_DIGIT_PHONES)
def test_it_redacts_phone_numbers_written_in_arabic_indic_and_thai_digits(
    text: str, expected: str
) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(("text", "expected"), PHONE_BOUNDARIES)
def test_it_keeps_a_short_number_written_after_a_complete_phone_number(
    text: str, expected: str
) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize("text", DATES)
def test_it_keeps_dates(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize("text", TIMES)
def test_it_keeps_times(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize("text", PRICES)
def test_it_keeps_prices(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize("text", YEARS)
def test_it_keeps_years(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize("text", COUNTS)
def test_it_keeps_counts_and_short_numbers(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize("text", PERCENTAGES)
def test_it_keeps_percentages(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize("text", CRIME_REFERENCES)
def test_it_keeps_crime_reference_numbers(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize("text", OTHER_NUMBERS)
def test_it_keeps_other_numbers_that_are_not_phone_shaped(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(("text", "expected"), POSTCODES)
def test_it_redacts_full_uk_postcodes(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize("text", OUTWARD_CODES)
def test_it_keeps_outward_codes_on_their_own(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(("text", "expected"), LINKS)
def test_it_redacts_links(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize("text", NOT_LINKS)
def test_it_keeps_dotted_words_that_are_not_links(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(("text", "expected"), HANDLES)
def test_it_redacts_handles(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize("text", NOT_HANDLES)
def test_it_keeps_an_at_sign_that_is_not_a_handle(text: str) -> None:
    assert redact(text).text == text


def test_it_does_not_read_the_at_sign_of_an_email_as_a_handle() -> None:
    result = redact("jane@example.com")
    assert result.counts["email"] == 1
    assert result.counts["handle"] == 0


@pytest.mark.parametrize(("text", "expected"), OTHER_SCRIPTS)
def test_it_keeps_other_scripts_intact_around_what_it_redacts(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize("text", UNTOUCHED_TEXT)
def test_it_returns_text_without_contact_details_unchanged(text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert sum(result.counts.values()) == 0


def test_it_counts_what_it_removed_by_kind() -> None:
    result = redact(
        "mail a@b.com or c at gmail dot com, ring 07700 900123 or +40 721 234 567, "
        "see example.com/x and https://t.me/y, ask @jane or snap: bob, in SW1A 1AA"
    )
    assert result.counts == {"email": 2, "phone": 2, "postcode": 1, "link": 2, "handle": 2}


def test_it_reports_every_kind_even_when_nothing_was_removed() -> None:
    assert redact("nothing here").counts == dict.fromkeys(KINDS, 0)
    assert set(KINDS) == {"email", "phone", "postcode", "link", "handle"}


def test_it_returns_an_immutable_result() -> None:
    result = redact("07700 900123")
    assert isinstance(result, Redacted)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.counts["phone"] = 0  # type: ignore[index]


@pytest.mark.parametrize("placeholder", ["[email]", "[phone]", "[postcode]", "[link]", "[handle]"])
def test_it_leaves_placeholders_alone(placeholder: str) -> None:
    text = f"before {placeholder} after {placeholder}{placeholder}."
    assert redact(text).text == text


@pytest.mark.parametrize(
    "text",
    [case for case, _ in ALL_REDACTED_CASES] + ALL_KEPT_CASES,
)
def test_it_is_idempotent_on_every_table_case(text: str) -> None:
    once = redact(text).text
    assert redact(once).text == once


# Pieces that make up contact details and the things around them, so that generated text hits
# the interesting boundaries (a phone straight after a handle, an email inside a link, ...).
_PIECES = [
    "[email]", "[phone]", "[link]", "]", "[", "@", " @ ", "a", "Z", "_", ".", "-", "%", "+", "(",
    ")", "0", "1", "9", " ", "\n", "jane", "x.com", ".co", ".uk", "/", "?", "http://", "www.",
    " at ", "(at)", " dot ", "gmail", "snap", ": ", "ig", "ไลน์", "微信", "中", "ก", "ă", "ع", "٠",
    "๙", "07700", "900123", "+44", "(0)", "SW1A", "1AA", " 1AE", "1st", "ref ", "lei", "€", "£",
    "08.30", "2024", "12.03.", "555", "4567", "t.me", "wa.me/", "arroba", "\u00a0", ",", "'",
]  # fmt: skip
_texts_from_pieces = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)
# Every code point, lone surrogates and unassigned ones included: redact() takes any str.
_any_text = st.text(st.characters(exclude_categories=()))


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_any_text, _texts_from_pieces))
def test_it_never_raises_on_any_text(text: str) -> None:
    result = redact(text)
    assert isinstance(result.text, str)
    assert set(result.counts) == set(KINDS)
    assert all(count >= 0 for count in result.counts.values())


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_any_text, _texts_from_pieces))
def test_it_is_idempotent(text: str) -> None:
    once = redact(text)
    twice = redact(once.text)
    assert twice.text == once.text
    assert sum(twice.counts.values()) == 0


# Strings that make badly written patterns backtrack catastrophically. They must simply finish;
# no time is measured, a hang is the failure.
ADVERSARIAL = [
    "1 " * 5000,
    "a@" * 5000,
    "." * 10000,
    "a." * 5000,
    "@a" * 5000,
    "0" * 10000,
    "0 " * 5000,
    "(0)" * 3000,
    "+44 " * 3000,
    "a at " * 2000,
    "x at a dot " * 1000,
    "http://a" + ")" * 10000,
    "www." + "a." * 5000,
    "a@" + "a." * 5000 + "!",
    "snap: " * 2000,
    "SW1A" * 3000,
    "1.0." * 3000,
    "-0" * 5000,
    "٠" * 10000,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda text: repr(text[:12]))
def test_it_finishes_on_adversarial_input(text: str) -> None:
    assert isinstance(redact(text).text, str)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([*_PIECES, "1 ", "a@", "a.", "0-", "@a.", "a at a."]), st.integers(1000, 5000)
)
def test_it_finishes_on_long_repeated_input(piece: str, times: int) -> None:
    text = piece * times
    assert redact(redact(text).text).text == redact(text).text
