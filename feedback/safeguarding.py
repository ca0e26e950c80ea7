"""Words in free text that suggest immediate danger, coercion or trafficking.

A match only shows the support contacts on the thank-you page, in the respondent's language;
nothing is referred anywhere and nothing is flagged to staff (DESIGN.md principle 5). So the
list errs towards showing help: a false alarm costs a panel of phone numbers.
"""

from __future__ import annotations

import re

# English, plus the most common phrasings in the other enabled languages (all lower-case;
# matched on word starts). Reviewed with the translations: awaiting native-speaker review.
_PATTERNS: dict[str, tuple[str, ...]] = {
    "en": (
        r"in danger",
        r"not safe (?:right )?now",
        r"kill me",
        r"going to hurt me",
        r"hurting me",
        r"forc(?:e|ed|ing) me",
        r"made me work",
        r"can'?t leave",
        r"cannot leave",
        r"won'?t let me leave",
        r"took my passport",
        r"has my passport",
        r"keeps? my passport",
        r"traffick",
        r"owe (?:him|them|her) money",
        r"debt bondage",
        r"locked (?:me )?in",
        r"threaten(?:ed|s|ing)? to kill",
        r"help me",
        r"rape",
        r"raped",
        r"beat(?:en|s)? me",
        r"pimp",
    ),
    "ro": (
        r"în pericol",
        r"m-a forțat",
        r"m-au forțat",
        r"pașaportul",
        r"trafic",
        r"mă omoare",
        r"ajutor",
    ),
    "bg": (r"в опасност", r"насил", r"паспорт", r"трафик", r"ще ме убие", r"помощ"),
    "hu": (r"veszélyben", r"kényszerít", r"útlevel", r"emberkereskedel", r"megöl", r"segítség"),
    "pl": (r"w niebezpieczeństwie", r"zmusz", r"paszport", r"handel ludźmi", r"zabi", r"pomocy"),
    "pt_BR": (
        r"em perigo",
        r"me forç",
        r"passaporte",
        r"tráfico",
        r"me matar",
        r"socorro",
        r"ajuda",
    ),
    "es": (
        r"en peligro",
        r"me obliga",
        r"pasaporte",
        r"trata de personas",
        r"matarme",
        r"socorro",
        r"ayuda",
    ),
    "th": (r"อันตราย", r"บังคับ", r"พาสปอร์ต", r"หนังสือเดินทาง", r"ค้ามนุษย์", r"ช่วยด้วย"),
    "zh_Hans": (r"危险", r"强迫", r"护照", r"拐卖", r"贩卖", r"杀了我", r"救命"),
    "ar": (r"خطر", r"أجبر", r"جواز سفري", r"الاتجار", r"يقتلني", r"ساعدوني", r"النجدة"),
}
# Scripts written without spaces between words cannot use word boundaries.
_NO_SPACES = frozenset({"th", "zh_Hans"})
_COMPILED = {
    locale: re.compile(
        "|".join(f"(?:{p})" if locale in _NO_SPACES else rf"\b(?:{p})" for p in patterns),
        re.IGNORECASE,
    )
    for locale, patterns in _PATTERNS.items()
}


def mentions_danger(text: str, locale: str) -> bool:
    """Whether the text, in its own language or in English, suggests someone is in danger."""
    if not text:
        return False
    lowered = text.casefold()
    for code in {locale, "en"}:
        pattern = _COMPILED.get(code)
        if pattern is not None and pattern.search(lowered):
            return True
    return False
